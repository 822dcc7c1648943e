//! What every remote provider shares: one HTTP client with a timeout, bounded reads, bounded
//! downloads of image URLs, `Retry-After`, and the mapping from HTTP answers to a
//! `ProviderError` with a code and a sentence a person can act on.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use reqwest::{Response, StatusCode};
use serde::de::DeserializeOwned;

use super::ProviderError;
use crate::config::ProviderConfig;
use crate::secrets::Secret;

/// What is wrong with a JSON answer, in words that never quote it: serde's own message
/// repeats the values it met, and an answer may carry a key or a signed link.
pub fn json_problem(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Io => "it could not be read",
        Category::Syntax => "it is not valid JSON",
        Category::Data => "a field is missing or has the wrong type",
        Category::Eof => "it ends too soon",
    };
    format!("{what}, at line {} column {}", e.line(), e.column())
}

/// Largest JSON answer we read (base64 images make them big).
pub const MAX_JSON_BYTES: u64 = 64 * 1024 * 1024;

pub struct ProviderHttp {
    /// For requests to the provider. With a key (in whatever header the provider reads it
    /// from) it never follows a redirect off the request's own origin: reqwest strips only
    /// `Authorization`, `Cookie` and `Proxy-Authorization` on such a redirect.
    pub client: reqwest::Client,
    /// For the image links a provider sends: no key is ever set on these requests.
    downloads: reqwest::Client,
    pub cfg: ProviderConfig,
    /// The provider's name for people: "OpenAI", "Fal.ai"...
    pub label: &'static str,
    pub key: Option<Secret>,
    pub max_image_bytes: u64,
}

impl ProviderHttp {
    pub fn new(
        cfg: ProviderConfig,
        label: &'static str,
        key: Option<Secret>,
        max_image_bytes: u64,
    ) -> Result<Self, ProviderError> {
        let local_base = reqwest::Url::parse(&cfg.base_url)
            .ok()
            .is_some_and(|u| is_local(&u));
        let build = |keyed: bool| {
            reqwest::Client::builder()
                .redirect(redirect_policy(local_base, keyed))
                .timeout(cfg.timeout)
                .connect_timeout(cfg.timeout.min(Duration::from_secs(15)))
                .user_agent(concat!("StoryReel/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| {
                    ProviderError::terminal(
                        "http_client",
                        format!("Cannot set up HTTP for {label}: {}", e.without_url()),
                    )
                })
        };
        let client = build(key.is_some())?;
        let downloads = build(false)?;
        Ok(ProviderHttp {
            client,
            downloads,
            cfg,
            label,
            key,
            max_image_bytes,
        })
    }

    /// The key, or the error that says how to provide it.
    pub fn key(&self) -> Result<&Secret, ProviderError> {
        self.key.as_ref().ok_or_else(|| {
            ProviderError::terminal(
                "no_key",
                format!("{} has no API key: {}.", self.label, self.key_hint()),
            )
        })
    }

    /// How to give the key, in words that fit both front ends: the command line reads it from
    /// the environment variable the config names, the app keeps it in its settings.
    fn key_hint(&self) -> String {
        match &self.cfg.api_key_env {
            Some(env) => format!(
                "the command line reads it from {env}, and the app keeps it in its settings (Providers)"
            ),
            None => "give it one in the app's settings (Providers), or name the environment variable that holds it in the config".into(),
        }
    }

    /// A text from the provider without secrets: no key, no URL query or user info.
    pub fn scrub(&self, text: &str) -> String {
        let key: Vec<&str> = self.key.iter().map(|k| k.expose()).collect();
        crate::redact::scrub(text, &key)
    }

    /// Whether the base URL is on this machine (then local image links are fine too).
    pub fn local_base(&self) -> bool {
        reqwest::Url::parse(&self.cfg.base_url)
            .ok()
            .is_some_and(|u| is_local(&u))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.cfg.base_url, path)
    }

    /// A transport failure (no answer): timeouts and connection trouble are worth another try.
    pub fn transport(&self, e: reqwest::Error) -> ProviderError {
        if e.is_timeout() {
            ProviderError::transient(
                "timeout",
                format!(
                    "{} did not answer within {} s.",
                    self.label,
                    self.cfg.timeout.as_secs()
                ),
            )
        } else if e.is_redirect() {
            ProviderError::terminal(
                "redirect",
                format!(
                    "{} sent the request on to another address, which StoryReel does not follow with a key (or a local or plain-http address, or too many times).",
                    self.label
                ),
            )
        } else if e.is_connect() {
            ProviderError::transient(
                "unreachable",
                format!(
                    "Cannot reach {} at {} (offline, or the server is not running).",
                    self.label, self.cfg.base_url
                ),
            )
        } else {
            ProviderError::transient(
                "network",
                format!("The connection to {} broke off.", self.label),
            )
        }
    }

    /// Reads a whole body, refusing more than `max` bytes.
    pub async fn read_limited(
        &self,
        mut resp: Response,
        max: u64,
    ) -> Result<Vec<u8>, ProviderError> {
        let too_big = || {
            ProviderError::transient(
                "too_large",
                format!(
                    "{} sent more than {} MB; refused.",
                    self.label,
                    max / (1024 * 1024)
                ),
            )
        };
        if resp.content_length().is_some_and(|n| n > max) {
            return Err(too_big());
        }
        let mut out = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.transport(e))? {
            if out.len() as u64 + chunk.len() as u64 > max {
                return Err(too_big());
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    /// Turns a non-success answer into an error; passes a success through.
    pub async fn check(&self, resp: Response) -> Result<Response, ProviderError> {
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = self
            .read_limited(resp, 1024 * 1024)
            .await
            .unwrap_or_default();
        Err(self.classify(status, &headers, &String::from_utf8_lossy(&body)))
    }

    /// Reads a JSON success body into `T`.
    pub async fn json<T: DeserializeOwned>(&self, resp: Response) -> Result<T, ProviderError> {
        let resp = self.check(resp).await?;
        let body = self.read_limited(resp, MAX_JSON_BYTES).await?;
        serde_json::from_slice(&body).map_err(|e| {
            let html = body.trim_ascii_start().starts_with(b"<");
            ProviderError::transient(
                "bad_response",
                if html {
                    format!(
                        "{} answered with a web page instead of JSON (a proxy or an outage?).",
                        self.label
                    )
                } else {
                    format!(
                        "{} sent an answer StoryReel cannot read ({}).",
                        self.label,
                        json_problem(&e)
                    )
                },
            )
        })
    }

    /// Downloads an image a provider links to: http(s) only, bounded in size and time, and
    /// checked to be an image before anyone decodes it.
    pub async fn download(&self, url: &str) -> Result<Vec<u8>, ProviderError> {
        let parsed = reqwest::Url::parse(url).map_err(|_| {
            ProviderError::transient(
                "bad_response",
                format!("{} sent an image link that is not a URL.", self.label),
            )
        })?;
        if is_link_local(&parsed) || (is_local(&parsed) && !self.local_base()) {
            return Err(ProviderError::terminal(
                "bad_response",
                format!(
                    "{} sent an image link to an address on this machine or its network; StoryReel does not fetch it.",
                    self.label
                ),
            ));
        }
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ProviderError::terminal(
                "bad_response",
                format!(
                    "{} sent a `{}:` image link; only http and https are fetched.",
                    self.label,
                    parsed.scheme()
                ),
            ));
        }
        let resp = self
            .downloads
            .get(parsed)
            .send()
            .await
            .map_err(|e| self.transport(e))?;
        let resp = self.check(resp).await?;
        let ctype = content_type(&resp);
        if ctype.starts_with("text/html") || ctype.starts_with("application/json") {
            return Err(ProviderError::transient(
                "bad_image",
                format!("{} linked to a page ({ctype}), not an image.", self.label),
            ));
        }
        let bytes = self.read_limited(resp, self.max_image_bytes).await?;
        sniff_image(self.label, &bytes)?;
        Ok(bytes)
    }

    /// Maps an HTTP error answer to a code and a sentence.
    pub fn classify(&self, status: StatusCode, headers: &HeaderMap, body: &str) -> ProviderError {
        // The provider's own words may echo the key or a signed link: scrubbed first.
        let msg = error_message(body).map(|m| self.scrub(&m));
        let lower = body.to_ascii_lowercase();
        let l = self.label;
        let mut e = match status.as_u16() {
            // ElevenLabs says "quota_exceeded" with a 401.
            401 | 403 if is_quota(&lower) => quota(l),
            401 | 403 if !is_content_policy(&lower) => ProviderError::terminal(
                "auth",
                format!("{l} rejected the API key ({}) — {}.", status.as_u16(), self.key_hint()),
            ),
            402 => quota(l),
            429 if is_quota(&lower) => quota(l),
            429 => ProviderError::transient("rate_limited", format!("{l} is rate-limiting requests; StoryReel waits and tries again.")),
            408 => ProviderError::transient("timeout", format!("{l} timed out on its side.")),
            409 => ProviderError::transient("conflict", format!("{l} asked to try again (409).")),
            s if (400..500).contains(&s) && is_content_policy(&lower) => ProviderError::terminal(
                "content_policy",
                format!("{l} refused this scene's prompt under its content policy — edit the prompt and regenerate."),
            ),
            404 => ProviderError::terminal(
                "unknown_model",
                format!(
                    "{l} does not know the model `{}` or the address {} — check model and base_url in [{}].",
                    self.cfg.model, self.cfg.base_url, self.cfg.section
                ),
            ),
            s if (400..500).contains(&s) => ProviderError::terminal(
                "bad_request",
                format!("{l} refused the request ({s}){}.", msg.map(|m| format!(": {m}")).unwrap_or_default()),
            ),
            s => ProviderError::transient("server_error", format!("{l} had a server error ({s}); StoryReel tries again.")),
        };
        if e.retryable {
            e.retry_after = retry_after(headers, SystemTime::now());
        }
        e
    }
}

/// Redirects are followed at most five times, never from https to http, never to a
/// link-local address (cloud metadata lives there), and to this machine only when the
/// provider itself is on it. A client that carries a key (`keyed`) follows none that leaves
/// the first request's scheme, host and port: the key may be in any header.
fn redirect_policy(local_base: bool, keyed: bool) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        let next = attempt.url();
        let downgrade = attempt
            .previous()
            .last()
            .is_some_and(|p| p.scheme() == "https" && next.scheme() != "https");
        let off_origin = attempt.previous().first().is_some_and(|first| {
            first.scheme() != next.scheme()
                || first.host_str() != next.host_str()
                || first.port_or_known_default() != next.port_or_known_default()
        });
        if keyed && off_origin {
            attempt.error("a redirect to another host was refused: the request carries a key")
        } else if attempt.previous().len() > 5 {
            attempt.error("too many redirects")
        } else if downgrade {
            attempt.error("a redirect from https to plain http was refused")
        } else if is_link_local(next) || (is_local(next) && !local_base) {
            attempt.error("a redirect to a local address was refused")
        } else {
            attempt.follow()
        }
    })
}

/// An answer's content type, lower case ("" when it has none or it is not text).
pub fn content_type(resp: &Response) -> String {
    resp.headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Loopback or unspecified: this machine.
pub fn is_local(u: &reqwest::Url) -> bool {
    match u.host() {
        Some(url::Host::Domain(d)) => {
            let d = d.to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback() || ip.is_unspecified(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback() || ip.is_unspecified(),
        None => false,
    }
}

/// Link-local addresses (169.254.0.0/16, fe80::/10).
pub fn is_link_local(u: &reqwest::Url) -> bool {
    match u.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_link_local(),
        Some(url::Host::Ipv6(ip)) => (ip.segments()[0] & 0xffc0) == 0xfe80,
        _ => false,
    }
}

fn quota(label: &str) -> ProviderError {
    ProviderError::terminal(
        "quota",
        format!("{label} says the account is out of credit or over its quota — check billing with {label}."),
    )
}

fn is_quota(lower: &str) -> bool {
    ["insufficient_quota", "billing", "credit", "quota"]
        .iter()
        .any(|k| lower.contains(k))
}

fn is_content_policy(lower: &str) -> bool {
    [
        "content_policy",
        "content policy",
        "safety system",
        "moderation",
        "content_moderation",
        "nsfw",
        "content_filtered",
    ]
    .iter()
    .any(|k| lower.contains(k))
}

/// The message inside a provider's JSON error, wherever that provider puts it.
pub fn error_message(body: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    let pick = |v: &serde_json::Value| v.as_str().map(str::to_string);
    let found = v
        .pointer("/error/message")
        .and_then(pick)
        .or_else(|| v.get("message").and_then(pick))
        .or_else(|| v.get("error").and_then(pick))
        .or_else(|| v.get("detail").and_then(pick))
        .or_else(|| v.pointer("/detail/0/msg").and_then(pick))
        .or_else(|| v.pointer("/errors/0").and_then(pick))?;
    let short: String = found.chars().take(300).collect();
    Some(short)
}

/// `retry-after-ms`, or `Retry-After` as seconds or an HTTP date; clamped to a day (a longer
/// wait is no different for us: it is beyond every budget), so no header can overflow a timer.
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    parse_retry_after(headers, now).map(crate::clock::clamp)
}

fn parse_retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    if let Some(ms) = headers
        .get("retry-after-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
    {
        if ms.is_finite() && ms >= 0.0 {
            // `as` saturates: 1e300 becomes u64::MAX, clamped by the caller.
            return Some(Duration::from_millis(ms as u64));
        }
    }
    let v = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Refuses bytes that are not a picture in a format we decode.
pub fn sniff_image(label: &str, bytes: &[u8]) -> Result<(), ProviderError> {
    match image::guess_format(bytes) {
        Ok(image::ImageFormat::Png | image::ImageFormat::Jpeg | image::ImageFormat::WebP) => Ok(()),
        _ if bytes.trim_ascii_start().starts_with(b"<") => Err(ProviderError::transient(
            "bad_image",
            format!("{label} sent a web page instead of an image."),
        )),
        _ => Err(ProviderError::transient(
            "bad_image",
            format!("{label} sent data that is not a PNG, JPEG or WebP image."),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_all_its_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h, now), None);
        h.insert("retry-after", "7".parse().unwrap());
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(7)));
        h.insert(
            "retry-after",
            httpdate::fmt_http_date(now + Duration::from_secs(30))
                .parse()
                .unwrap(),
        );
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(30)));
        h.insert("retry-after", "garbage".parse().unwrap());
        assert_eq!(retry_after(&h, now), None);
        h.insert("retry-after-ms", "1500".parse().unwrap());
        assert_eq!(retry_after(&h, now), Some(Duration::from_millis(1500)));
        // Absurd values are clamped to a day, never overflow a timer; negative ones are ignored.
        let day = Some(crate::clock::LONGEST);
        h.remove("retry-after-ms");
        h.insert("retry-after", "18446744073709551615".parse().unwrap());
        assert_eq!(retry_after(&h, now), day);
        h.insert("retry-after", "-5".parse().unwrap());
        assert_eq!(retry_after(&h, now), None);
        h.insert(
            "retry-after",
            "Fri, 31 Dec 9999 23:59:59 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h, now), day);
        h.insert("retry-after-ms", "1e300".parse().unwrap());
        assert_eq!(retry_after(&h, now), day);
        h.insert("retry-after-ms", "-1".parse().unwrap());
        assert_eq!(
            retry_after(&h, now),
            day,
            "a negative ms falls back to Retry-After"
        );
    }

    #[test]
    fn error_messages_from_every_shape() {
        assert_eq!(
            error_message(r#"{"error":{"message":"bad key","type":"x"}}"#).as_deref(),
            Some("bad key")
        );
        assert_eq!(
            error_message(r#"{"detail":[{"loc":["body"],"msg":"too big","type":"t"}]}"#).as_deref(),
            Some("too big")
        );
        assert_eq!(
            error_message(r#"{"name":"bad_request","errors":["prompt is required"]}"#).as_deref(),
            Some("prompt is required")
        );
        assert_eq!(error_message("<html>"), None);
    }

    #[test]
    fn local_and_link_local_addresses() {
        let u = |s: &str| reqwest::Url::parse(s).unwrap();
        assert!(is_local(&u("http://127.0.0.1:7860/x")) && is_local(&u("http://localhost/")));
        assert!(is_local(&u("http://[::1]:8/")) && is_local(&u("http://0.0.0.0/")));
        assert!(!is_local(&u("https://api.openai.com/v1")));
        assert!(is_link_local(&u("http://169.254.169.254/latest/meta-data")));
        assert!(is_link_local(&u("http://[fe80::1]/")));
        assert!(!is_link_local(&u("http://127.0.0.1/")));
    }

    #[test]
    fn sniffing() {
        assert!(sniff_image("X", b"<!doctype html><html>")
            .unwrap_err()
            .message
            .contains("web page"));
        assert!(sniff_image("X", b"\x89PNG\r\n\x1a\n....").is_ok());
        assert!(sniff_image("X", b"GIF89a").is_err());
    }
}
