//! Scrubbing text that came from outside (a provider's error body, a transport error, a
//! storage answer) before it reaches a job's error, an event, a log line or an answer to the
//! app: every URL loses its user info and query string (a presigned URL carries the access
//! key id and the signature there), and every known secret value becomes `***`.

/// `text` with URLs stripped of user info and query, and each of `secrets` (4+ chars) masked.
pub fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = find_url(rest) {
        out.push_str(&rest[..at]);
        let url_and_more = &rest[at..];
        let end = url_and_more
            .find(|c: char| c.is_whitespace() || "\"'<>()[]{},;`|".contains(c))
            .unwrap_or(url_and_more.len());
        out.push_str(&strip_url(&url_and_more[..end]));
        rest = &url_and_more[end..];
    }
    out.push_str(rest);
    for s in secrets {
        if s.len() >= 4 {
            out = out.replace(s, "***");
        }
    }
    out
}

fn find_url(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    [lower.find("https://"), lower.find("http://")]
        .into_iter()
        .flatten()
        .min()
}

/// `scheme://host/path`, without `user:pass@`, `?query` or `#fragment`.
fn strip_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let (scheme, after) = url.split_at(scheme_end + 3);
    let authority_end = after.find('/').unwrap_or(after.len());
    let (authority, path) = after.split_at(authority_end);
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let path = path.split('#').next().unwrap_or("");
    let path = match path.find('?') {
        Some(i) => format!("{}?…", &path[..i]),
        None => path.to_string(),
    };
    let host = match authority.find('@') {
        Some(_) => format!("…@{host}"),
        None => host.to_string(),
    };
    format!("{scheme}{host}{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presigned_urls_and_secrets_are_scrubbed() {
        let t = "error sending request for url (http://127.0.0.1:9000/reels?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F2026&X-Amz-Signature=abc123): connection refused";
        let s = scrub(t, &[]);
        assert_eq!(
            s,
            "error sending request for url (http://127.0.0.1:9000/reels?…): connection refused"
        );
        assert!(!s.contains("AKIDEXAMPLE"));
        let s = scrub(
            "see https://user:pw@dav.example.com/me/x.jpg#frag and sk-live-123456 done",
            &["sk-live-123456"],
        );
        assert_eq!(s, "see https://…@dav.example.com/me/x.jpg and *** done");
        assert_eq!(
            scrub("no urls here", &["abc"]),
            "no urls here",
            "short secrets are left"
        );
        assert_eq!(scrub("HTTPS://H/P?q=1", &[]), "HTTPS://H/P?…");
    }
}
