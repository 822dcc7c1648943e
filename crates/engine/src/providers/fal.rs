//! Fal.ai through its queue API (the queue retries Fal's own runner failures; `fal.run` does not).
//!
//! Wire format: `POST {base}/{model}` (base `https://queue.fal.run`), `Authorization: Key KEY`,
//! the model's input as JSON `{prompt, image_size, num_images, negative_prompt?}`; `image_size`
//! presets: `square_hd` 1024², `portrait_4_3` 768x1024, `portrait_16_9` 576x1024, `landscape_4_3`,
//! `landscape_16_9`. Answer: `{request_id, status_url, response_url, cancel_url}`, used as given
//! (a model's subpath, as in `fal-ai/flux/schnell`, is not in them). `GET status_url` (with the
//! key): `{"status": "IN_QUEUE" | "IN_PROGRESS" | "COMPLETED"}`; a failed job still ends
//! COMPLETED and `GET response_url` then answers 4xx/5xx with `{"detail": [{"loc", "msg", "type"}]}`
//! or `{"detail": str}`. Result: `{"images": [{"url", "width", "height", "content_type"}],
//! "has_nsfw_concepts": [bool]}`, the url on Fal's CDN (no key). No endpoint checks a key for free.
//!
//! With reference pictures, a FLUX Kontext model (`reference_model`; default
//! `fal-ai/flux-pro/kontext` with `image_url`, `fal-ai/flux-pro/kontext/multi` with `image_urls`
//! for several): `{prompt, aspect_ratio, num_images, output_format, seed?, image_url(s)}`, each
//! picture a `data:image/png;base64,` URI (Fal takes data URIs as file inputs).
//!
//! Sources: https://docs.fal.ai/model-endpoints/queue, https://fal.ai/models/fal-ai/flux-pro/
//! kontext/multi/api, https://docs.fal.ai/documentation/model-apis/fal-cdn, https://docs.fal.ai/errors,
//! https://docs.fal.ai/documentation/model-apis/inference/queue, https://docs.fal.ai/model-apis/
//! model-endpoints/reliability, https://fal.ai/docs/documentation/model-apis/request-errors,
//! https://docs.fal.ai/documentation/model-apis/model-arguments, https://docs.fal.ai/platform-apis/
//! v1/models, https://fal.ai/docs/model-api-reference/image-generation-api/flux-schnell.md, fal_client
//! (github.com/fal-ai/fal, `client.py`), https://github.com/TanStack/ai/pull/396.

use std::time::Instant;

use async_trait::async_trait;
use base64::Engine as _;
use reqwest::header::AUTHORIZATION;
use reqwest::Url;
use serde_json::{json, Value};

use super::{GeneratedImage, ImageData, ImageProvider, ImageRequest, ProviderError};
use crate::model::Frame;
use crate::remote::http::ProviderHttp;

pub struct Fal {
    http: ProviderHttp,
}

impl Fal {
    pub fn new(http: ProviderHttp) -> Fal {
        Fal { http }
    }

    /// GETs a queue link with the key. Reading a status or a result is free and repeatable, so
    /// transient trouble is retried here (up to `tries`, until `until`) rather than by the
    /// chain, whose retry would submit the image again and pay for it twice. A read under way
    /// may run past `until` by up to its own `timeout_s`.
    async fn get(&self, url: &Url, until: Instant, tries: u32) -> Result<Value, ProviderError> {
        let (h, key) = (&self.http, self.http.key()?.expose());
        let mut tried = 0;
        loop {
            tried += 1;
            let sent = h
                .client
                .get(url.clone())
                .header(AUTHORIZATION, format!("Key {key}"));
            let r = match sent.send().await {
                Ok(resp) => h.json(resp).await,
                Err(e) => Err(h.transport(e)),
            };
            match r {
                Err(e) if e.retryable && e.code != "too_large" && tried < tries => {
                    let wait = e.retry_after.unwrap_or_default().max(h.cfg.poll_interval);
                    if !crate::clock::fits(wait, until) {
                        return Err(self.unfinished(Some(&e)));
                    }
                    tokio::time::sleep(wait).await;
                }
                other => return other,
            }
        }
    }

    /// The poll timeout: terminal, because a retry would submit (and pay for) the image again.
    fn unfinished(&self, last: Option<&ProviderError>) -> ProviderError {
        let h = &self.http;
        let last = last.map_or(String::new(), |e| format!(" Last problem: {}", e.message));
        ProviderError::terminal(
            "timeout",
            format!(
                "{} did not finish the image within {} s; StoryReel did not submit it again (that would be paid twice) — regenerate the scene, or raise poll_timeout_s in [providers.{}].{last}",
                h.label, h.cfg.poll_timeout.as_secs(), h.cfg.name
            ),
        )
    }
}

/// The `image_size` preset whose aspect ratio is nearest the frame's (the bounds are the
/// geometric means of neighbouring presets' ratios: 9:16, 3:4, 1:1, 4:3, 16:9).
pub fn image_size(frame: Frame) -> &'static str {
    match frame.width.max(1) as f64 / frame.height.max(1) as f64 {
        r if r < 0.6495 => "portrait_16_9",
        r if r < 0.8660 => "portrait_4_3",
        r if r < 1.1547 => "square_hd",
        r if r < 1.5396 => "landscape_4_3",
        _ => "landscape_16_9",
    }
}

/// The model asked for a scene with `count` reference pictures: the configured one, or FLUX
/// Kontext (its `/multi` form for several).
pub fn reference_model(configured: Option<&str>, count: usize) -> &str {
    match configured.map(|m| m.trim().trim_matches('/')) {
        Some(m) if !m.is_empty() => m,
        _ if count > 1 => "fal-ai/flux-pro/kontext/multi",
        _ => "fal-ai/flux-pro/kontext",
    }
}

/// The Kontext aspect ratio nearest the frame.
pub fn kontext_ratio(frame: Frame) -> &'static str {
    const RATIOS: [(&str, f64); 9] = [
        ("21:9", 21.0 / 9.0),
        ("16:9", 16.0 / 9.0),
        ("3:2", 1.5),
        ("4:3", 4.0 / 3.0),
        ("1:1", 1.0),
        ("3:4", 0.75),
        ("2:3", 2.0 / 3.0),
        ("9:16", 9.0 / 16.0),
        ("9:21", 9.0 / 21.0),
    ];
    super::nearest_ratio(frame, &RATIOS)
}

/// The longest prompt sent (the models' own limit is in tokens; this stays well inside it).
const PROMPT_LIMIT: usize = 4000;

/// Whether the model takes `negative_prompt`: FLUX models do not (it is not in their input
/// schemas, so it would be ignored or refused); Stable Diffusion endpoints such as
/// `fal-ai/fast-sdxl` or `fal-ai/lora` do.
pub fn takes_negative_prompt(model: &str) -> bool {
    let m = model.to_ascii_lowercase();
    !m.contains("flux")
        && ["sdxl", "stable-diffusion", "sd3", "sd-", "lora"]
            .iter()
            .any(|k| m.contains(k))
}

/// The status or result link (`field`) of the submit answer. The key goes with it, so only
/// http(s) is followed, and never plain http when the base is https.
pub fn queue_link(h: &ProviderHttp, sub: &Value, field: &str) -> Result<Url, ProviderError> {
    let bad = |why: String| {
        let msg = format!("{} sent a `{field}` {why}; StoryReel sends the key only over https (http if base_url is http) and did not submit again.", h.label);
        ProviderError::terminal("bad_response", msg)
    };
    let u = Url::parse(sub[field].as_str().unwrap_or(""))
        .map_err(|_| bad("that is not a URL".into()))?;
    // The key goes only to the configured host.
    let base = Url::parse(&h.cfg.base_url).ok();
    let same_host = base.as_ref().is_some_and(|b| {
        b.host_str() == u.host_str() && b.port_or_known_default() == u.port_or_known_default()
    });
    if !same_host {
        return Err(bad(format!(
            "on another host ({}) than base_url",
            u.host_str().unwrap_or("none")
        )));
    }
    match u.scheme() {
        "https" => Ok(u),
        "http" if !h.cfg.base_url.starts_with("https:") => Ok(u),
        s => Err(bad(format!(
            "with the scheme `{s}:` (base_url is {})",
            h.cfg.base_url
        ))),
    }
}

#[async_trait]
impl ImageProvider for Fal {
    fn name(&self) -> &str {
        "fal"
    }

    async fn generate(&self, req: &ImageRequest) -> Result<GeneratedImage, ProviderError> {
        let h = &self.http;
        let key = h.key()?;
        let mut notes = Vec::new();
        let refs = req.cast.all_references();
        let (model, mut body) = if refs.is_empty() {
            let model = h.cfg.model.trim_matches('/');
            let body = json!({
                "prompt": req.prompt_within(h.label, PROMPT_LIMIT, &mut notes),
                "image_size": image_size(req.frame),
                "num_images": 1
            });
            (model, body)
        } else {
            // A reference model (FLUX Kontext): the pictures as data URIs, the frame as a ratio.
            let model = reference_model(h.cfg.reference_model.as_deref(), refs.len());
            let mut body = json!({
                "prompt": req.prompt_within(h.label, PROMPT_LIMIT, &mut notes),
                "aspect_ratio": kontext_ratio(req.frame),
                "num_images": 1,
                "output_format": "png"
            });
            let uri = |r: &super::RefPicture| {
                format!(
                    "data:image/png;base64,{}",
                    base64::engine::general_purpose::STANDARD.encode(r.png.as_slice())
                )
            };
            if model.ends_with("/multi") {
                body["image_urls"] = Value::Array(refs.iter().map(|r| json!(uri(r))).collect());
            } else {
                body["image_url"] = json!(uri(refs[0]));
                let rest: Vec<&str> = refs[1..].iter().map(|r| r.who.as_str()).collect();
                if !rest.is_empty() {
                    notes.push(format!(
                        "{model} takes one reference picture, so {} went by the words alone (a `/multi` reference model takes several).",
                        super::and_list(&rest)
                    ));
                }
            }
            (model, body)
        };
        if let Some(seed) = req.seed() {
            body["seed"] = json!(seed);
        }
        let neg = req
            .negative_prompt
            .as_deref()
            .filter(|n| !n.trim().is_empty());
        if let Some(neg) = neg.filter(|_| takes_negative_prompt(model)) {
            body["negative_prompt"] = json!(neg);
        }
        let resp = h
            .client
            .post(h.url(&format!("/{model}")))
            .header(AUTHORIZATION, format!("Key {}", key.expose()))
            .json(&body)
            .send()
            .await
            .map_err(|e| h.transport(e))?;
        let sub: Value = h.json(resp).await?;
        let status_url = queue_link(h, &sub, "status_url")?;
        let response_url = queue_link(h, &sub, "response_url")?;

        let deadline = crate::clock::deadline(h.cfg.poll_timeout);
        loop {
            let s: Value = self.get(&status_url, deadline, u32::MAX).await?;
            match s["status"].as_str().unwrap_or("") {
                "IN_QUEUE" | "IN_PROGRESS" => {}
                "COMPLETED" => break,
                // Unknown to the docs and to Fal's own client: the result will say what happened.
                other => {
                    tracing::warn!(status = other, "unknown Fal.ai status; fetching the result");
                    break;
                }
            }
            if !crate::clock::fits(h.cfg.poll_interval, deadline) {
                return Err(self.unfinished(None));
            }
            tokio::time::sleep(h.cfg.poll_interval).await;
        }
        // One retry of the read; then a 5xx goes back to the chain (Fal bills no 5xx failure).
        let out: Value = self
            .get(&response_url, crate::clock::deadline(h.cfg.poll_timeout), 2)
            .await?;
        if out.pointer("/has_nsfw_concepts/0") == Some(&Value::Bool(true)) {
            let msg =
                "'s safety checker flagged this scene's image as unsafe — edit the prompt and regenerate.";
            return Err(ProviderError::terminal(
                "content_policy",
                format!("{}{msg}", h.label),
            ));
        }
        let Some(url) = out.pointer("/images/0/url").and_then(Value::as_str) else {
            let msg = format!("{} answered without an image.", h.label);
            return Err(ProviderError::transient("bad_response", msg));
        };
        Ok(GeneratedImage {
            data: ImageData::Encoded(h.download(url).await?),
            provider: "fal".into(),
            model: Some(model.to_string()),
            placeholder: false,
            revised_prompt: None,
            fallback: Vec::new(),
            notes,
        })
    }

    /// Fal has no endpoint that checks a key without generating (its model list takes the key
    /// only optionally), so this checks what it can and says what it did not.
    async fn check(&self) -> Result<String, ProviderError> {
        let h = &self.http;
        h.key()?;
        let resp = h
            .client
            .get(&h.cfg.base_url)
            .send()
            .await
            .map_err(|e| h.transport(e))?;
        Ok(format!(
            "{} answered at {} (HTTP {}); an API key is present but not verified — Fal.ai has no way to check a key without generating, so the first image will tell.",
            h.label, h.cfg.base_url, resp.status().as_u16()
        ))
    }
}
