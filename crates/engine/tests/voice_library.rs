//! The voice library against a real HTTP server on 127.0.0.1 that breaks downloads on
//! request: an interrupted download resumes where it stopped (a range request), a wrong
//! checksum is refused and the file removed, a 404 and a full disk are sentences, a file that
//! is not a model and a Piper voice without its settings are refused and nothing of them
//! stays installed, and a model in use is not removed.

use std::path::Path;

use storyreel_engine::voices::library::{Catalogue, Library, LibraryError};
use storyreel_testkit::files::{FileServer, Serve};

fn sha(bytes: &[u8]) -> String {
    storyreel_engine::voices::library::download::sha256_hex(bytes)
}

/// A Kokoro voice file: `rows` style rows of small values.
fn style(rows: usize) -> Vec<u8> {
    (0..rows * 256)
        .flat_map(|i| ((i % 97) as f32 / 100.0).to_le_bytes())
        .collect()
}

/// The smallest bytes that read as an ONNX model: a graph with one node.
fn tiny_model() -> Vec<u8> {
    let node = [&[0x0a, 1, b'x', 0x12, 1, b'y', 0x22, 4][..], b"Relu"].concat();
    let mut graph = vec![0x0a, node.len() as u8];
    graph.extend(node);
    let mut model = vec![0x3a, graph.len() as u8];
    model.extend(graph);
    model
}

/// One catalogue item: `files` as (name, bytes served under `name`).
fn item(id: &str, engine: &str, needs: &[&str], files: &[(&str, &[u8])], base: &str) -> String {
    let kind = if engine == "model" { "model" } else { "voice" };
    let engine = if engine == "model" { "kokoro" } else { engine };
    let needs: Vec<String> = needs.iter().map(|n| format!("\"{n}\"")).collect();
    let mut s = format!(
        "[[item]]\nid = \"{id}\"\nkind = \"{kind}\"\nengine = \"{engine}\"\nname = \"{id}\"\nlanguage = \"en\"\nquality = \"B\"\nlicense = \"Apache-2.0\"\ncommercial = true\nneeds = [{}]\n",
        needs.join(", ")
    );
    for (name, bytes) in files {
        s += &format!(
            "[[item.file]]\nname = \"{name}\"\nsize = {}\nsha256 = \"{}\"\n[[item.file.part]]\nurl = \"{base}/{name}\"\nsize = {}\nsha256 = \"{}\"\n",
            bytes.len(),
            sha(bytes),
            bytes.len(),
            sha(bytes)
        );
    }
    s
}

async fn served(files: &[(&str, &[u8])]) -> (tempfile::TempDir, FileServer) {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let server = FileServer::start(dir.path().to_path_buf()).await;
    (dir, server)
}

fn library(data: &Path, catalogue: &str) -> Library {
    Library::with_catalogue(data, Catalogue::parse(catalogue).expect("catalogue"))
}

#[tokio::test]
async fn an_interrupted_download_resumes_where_it_stopped() {
    let voice = style(300);
    let (_d, server) = served(&[("v.bin", &voice)]).await;
    let data = tempfile::tempdir().unwrap();
    let lib = library(
        data.path(),
        &item(
            "kokoro-af_v",
            "kokoro",
            &[],
            &[("v.bin", &voice)],
            &server.base,
        ),
    );
    server.set("v.bin", Serve::CutOnceAfter(100_000));
    let e = lib.install("kokoro-af_v", &|_| {}).await.unwrap_err();
    assert!(matches!(e, LibraryError::Network(_)), "{e}");
    assert!(e.to_string().contains("try again"), "{e}");
    assert!(lib.installed("kokoro-af_v").is_none());
    // The second try asks only for the rest.
    let got = lib.install("kokoro-af_v", &|_| {}).await.expect("resumed");
    assert_eq!(got, ["kokoro-af_v"]);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2, "{reqs:?}");
    let range = reqs[1]
        .1
        .clone()
        .unwrap_or_else(|| panic!("a range request: {reqs:?}"));
    let from: u64 = range
        .trim_start_matches("bytes=")
        .trim_end_matches('-')
        .parse()
        .unwrap();
    assert!((1..=100_000).contains(&from), "{range}");
    assert_eq!(
        std::fs::read(lib.file("kokoro-af_v", "v.bin").unwrap()).unwrap(),
        voice
    );
}

#[tokio::test]
async fn a_server_that_ignores_the_range_still_gives_a_whole_file() {
    let voice = style(200);
    let (_d, server) = served(&[("v.bin", &voice)]).await;
    let data = tempfile::tempdir().unwrap();
    let lib = library(
        data.path(),
        &item(
            "kokoro-af_v",
            "kokoro",
            &[],
            &[("v.bin", &voice)],
            &server.base,
        ),
    );
    server.set("v.bin", Serve::CutOnceAfter(70_000));
    assert!(lib.install("kokoro-af_v", &|_| {}).await.is_err());
    server.set("v.bin", Serve::NoRanges);
    lib.install("kokoro-af_v", &|_| {})
        .await
        .expect("installed");
    assert_eq!(
        std::fs::read(lib.file("kokoro-af_v", "v.bin").unwrap()).unwrap(),
        voice
    );
}

#[tokio::test]
async fn a_wrong_checksum_is_refused_and_the_file_removed() {
    let voice = style(50);
    let mut other = voice.clone();
    other[10] ^= 1;
    // The server holds bytes that are not the catalogue's.
    let (_d, server) = served(&[("v.bin", &other)]).await;
    let data = tempfile::tempdir().unwrap();
    let lib = library(
        data.path(),
        &item(
            "kokoro-af_v",
            "kokoro",
            &[],
            &[("v.bin", &voice)],
            &server.base,
        ),
    );
    let e = lib.install("kokoro-af_v", &|_| {}).await.unwrap_err();
    assert!(matches!(e, LibraryError::WrongSum { .. }), "{e}");
    assert!(
        e.to_string().contains("checksum") && e.to_string().contains("deleted"),
        "{e}"
    );
    let leftovers: Vec<_> = walk(lib.dir());
    assert!(
        leftovers
            .iter()
            .all(|p| !p.ends_with(".part") && !p.ends_with("v.bin")),
        "{leftovers:?}"
    );
    assert!(lib.installed("kokoro-af_v").is_none());
}

#[tokio::test]
async fn a_404_is_a_sentence_and_nothing_changes() {
    let voice = style(10);
    let (_d, server) = served(&[("v.bin", &voice)]).await;
    let data = tempfile::tempdir().unwrap();
    let lib = library(
        data.path(),
        &item(
            "kokoro-af_v",
            "kokoro",
            &[],
            &[("v.bin", &voice)],
            &server.base,
        ),
    );
    server.set("v.bin", Serve::Status(404));
    let e = lib.install("kokoro-af_v", &|_| {}).await.unwrap_err();
    assert_eq!(
        e,
        LibraryError::Http {
            host: "127.0.0.1".into(),
            status: 404
        }
    );
    assert!(e.to_string().contains("answered 404"), "{e}");
    assert!(lib.installed("kokoro-af_v").is_none());
    // Unknown names are sentences too.
    let e = lib.install("nobody", &|_| {}).await.unwrap_err();
    assert!(e.to_string().contains("no voice `nobody`"), "{e}");
}

#[tokio::test]
async fn a_full_disk_is_said_before_anything_is_downloaded() {
    if !storyreel_testkit::tmpfs::is_root() {
        eprintln!("not run: mounting a small disk needs root");
        return;
    }
    let voice = style(1200); // 1.2 MB, with the margin more than the disk holds
    let (_d, server) = served(&[("v.bin", &voice)]).await;
    let root = tempfile::tempdir().unwrap();
    let Some(disk) = storyreel_testkit::tmpfs::Tmpfs::mount(&root.path().join("small"), "4m")
    else {
        eprintln!("not run: a tmpfs could not be mounted");
        return;
    };
    let lib = library(
        &disk.0,
        &item(
            "kokoro-af_v",
            "kokoro",
            &[],
            &[("v.bin", &voice)],
            &server.base,
        ),
    );
    let e = lib.install("kokoro-af_v", &|_| {}).await.unwrap_err();
    assert!(matches!(e, LibraryError::DiskFull { .. }), "{e}");
    assert!(
        e.to_string().contains("full") && e.to_string().contains("MB free"),
        "{e}"
    );
    assert!(server.requests().is_empty(), "nothing is downloaded");
}

#[tokio::test]
async fn a_file_that_is_not_a_model_is_refused_and_not_kept() {
    let junk = b"this is not an ONNX model, though its checksum matches".to_vec();
    let json = br#"{"audio":{"sample_rate":22050},"espeak":{"voice":"en-us"},"phoneme_id_map":{"_":[0],"^":[1],"$":[2]}}"#.to_vec();
    let (_d, server) = served(&[("m.onnx", &junk), ("m.onnx.json", &json)]).await;
    let data = tempfile::tempdir().unwrap();
    let cat = item(
        "piper-m",
        "piper",
        &[],
        &[("m.onnx", &junk), ("m.onnx.json", &json)],
        &server.base,
    );
    let lib = library(data.path(), &cat);
    let e = lib.install("piper-m", &|_| {}).await.unwrap_err();
    assert!(matches!(e, LibraryError::NotAVoice(_)), "{e}");
    assert!(e.to_string().contains("is not a voice model"), "{e}");
    assert!(lib.installed("piper-m").is_none());
    assert!(!lib.folder("piper-m").exists());
}

#[tokio::test]
async fn a_piper_voice_without_its_settings_is_refused() {
    let model = tiny_model();
    let (_d, server) = served(&[("m.onnx", &model)]).await;
    let data = tempfile::tempdir().unwrap();
    let lib = library(
        data.path(),
        &item("piper-m", "piper", &[], &[("m.onnx", &model)], &server.base),
    );
    let e = lib.install("piper-m", &|_| {}).await.unwrap_err();
    assert!(e.to_string().contains("no settings file"), "{e}");
    assert!(lib.installed("piper-m").is_none());
    assert!(!lib.folder("piper-m").exists());
}

#[tokio::test]
async fn a_model_in_use_is_kept_until_its_voices_are_removed() {
    let model = tiny_model();
    let voice = style(5);
    let (_d, server) = served(&[("k.onnx", &model), ("v.bin", &voice)]).await;
    let cat = item(
        "kokoro-m",
        "model",
        &[],
        &[("k.onnx", &model)],
        &server.base,
    ) + &item(
        "kokoro-af_v",
        "kokoro",
        &["kokoro-m"],
        &[("v.bin", &voice)],
        &server.base,
    );
    let data = tempfile::tempdir().unwrap();
    let lib = library(data.path(), &cat);
    assert_eq!(
        lib.install("kokoro-af_v", &|_| {}).await.unwrap(),
        ["kokoro-m", "kokoro-af_v"]
    );
    assert_eq!(lib.voices_for("en", false).len(), 1);
    let e = lib.remove("kokoro-m").unwrap_err();
    assert!(e.to_string().contains("remove them first"), "{e}");
    assert!(lib.installed("kokoro-m").is_some());
    assert!(lib.remove("kokoro-af_v").unwrap());
    assert!(lib.voices_for("en", false).is_empty());
    assert!(lib.remove("kokoro-m").unwrap());
    assert!(!lib.remove("kokoro-m").unwrap(), "already gone");
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p.display().to_string());
            }
        }
    }
    out
}
