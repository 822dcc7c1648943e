//! Stability AI, v2beta Stable Image generate.
//!
//! Wire format (platform.stability.ai/docs/api-reference, "Stable Image"; cross-checked with the
//! OpenAPI clients github.com/aj-foster/open-api-generator `stability-ai/generate.ex` and
//! github.com/tadasant/mcp-server-stability-ai `src/stabilityAi/types.ts`):
//! `POST {base}/v2beta/stable-image/generate/{ultra|core|sd3}` with `Authorization: Bearer KEY`,
//! `Accept: image/*` and a multipart/form-data body: `prompt` (≤ 10000 chars),
//! `negative_prompt`? (not for turbo models), `aspect_ratio` (21:9 16:9 3:2 5:4 1:1 4:5 2:3 9:16
//! 9:21), `output_format` (png), and for sd3 `model` (`sd3.5-large`...). The answer is the image
//! bytes with headers `finish-reason: SUCCESS | CONTENT_FILTERED` (filtered = blurred, still a
//! 200) and `seed`. Errors are `{"id", "name", "errors": [..]}`: 401 bad key, 402 out of
//! credits, 403 `name: content_moderation`, 413/422 refused input, 429 (> 150 requests / 10 s).
//! With the look's reference picture: `POST {base}/v2beta/stable-image/control/style` (Style
//! Guide), the same multipart fields without `model`, plus `image` (png/jpeg/webp, 4096 to
//! 9437184 pixels, sides in 1:2.5..2.5:1) and `fidelity` (0..1); the answer is the same.
//! `GET {base}/v1/user/balance` answers `{"credits": n}` and checks a key without a generation.

use async_trait::async_trait;
use reqwest::header::ACCEPT;
use reqwest::multipart::Form;
use reqwest::Response;
use serde::Deserialize;

use super::{GeneratedImage, ImageData, ImageProvider, ImageRequest, ProviderError};
use crate::model::Frame;
use crate::remote::http::{error_message, sniff_image, ProviderHttp};

/// The longest prompt Stability takes, in characters.
const MAX_PROMPT: usize = 10_000;

/// Aspect ratios Stability accepts, with their width / height.
const RATIOS: [(&str, f64); 9] = [
    ("21:9", 21.0 / 9.0),
    ("16:9", 16.0 / 9.0),
    ("3:2", 3.0 / 2.0),
    ("5:4", 5.0 / 4.0),
    ("1:1", 1.0),
    ("4:5", 4.0 / 5.0),
    ("2:3", 2.0 / 3.0),
    ("9:16", 9.0 / 16.0),
    ("9:21", 9.0 / 21.0),
];

pub struct Stability {
    http: ProviderHttp,
}

#[derive(Deserialize)]
struct Balance {
    credits: f64,
}

impl Stability {
    pub fn new(http: ProviderHttp) -> Stability {
        Stability { http }
    }

    /// A non-success answer as an error (`classify` already reads a 403 `content_moderation`
    /// as a refused prompt, not a key problem).
    async fn failure(&self, resp: Response) -> ProviderError {
        let h = &self.http;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = h.read_limited(resp, 1024 * 1024).await.unwrap_or_default();
        let body = String::from_utf8_lossy(&body);
        let mut e = h.classify(status, &headers, &body);
        // Stability locks a client out for 60 s after a 429 and sends no Retry-After: trying
        // sooner only earns another 429. (Past the scene's time budget the chain moves on.)
        if e.code == "rate_limited" && e.retry_after.is_none() {
            e.retry_after = Some(std::time::Duration::from_secs(60));
        }
        e
    }
}

/// The accepted aspect ratio nearest the project's frame.
pub fn aspect_ratio(frame: Frame) -> &'static str {
    super::nearest_ratio(frame, &RATIOS)
}

/// The endpoint for a configured model, and the `model` field it needs: `sd3.5-large` and the
/// like are models of the `sd3` endpoint; `core`, `ultra` and `sd3` are endpoints themselves.
pub fn endpoint(model: &str) -> (&str, Option<&str>) {
    let model = model.trim();
    if model.starts_with("sd3") && model != "sd3" {
        ("sd3", Some(model))
    } else {
        (model, None)
    }
}

#[async_trait]
impl ImageProvider for Stability {
    fn name(&self) -> &str {
        "stability"
    }

    async fn generate(&self, req: &ImageRequest) -> Result<GeneratedImage, ProviderError> {
        let h = &self.http;
        let key = h.key()?;
        let (path, sd3_model) = endpoint(&h.cfg.model);
        let mut notes = Vec::new();
        let mut form = Form::new()
            .text("prompt", req.prompt_within(h.label, MAX_PROMPT, &mut notes))
            .text("aspect_ratio", aspect_ratio(req.frame))
            .text("output_format", "png");
        // The look's picture goes to the style control, which every picture then follows;
        // Stability has no field for a character's picture.
        let style = req.cast.style_reference.as_ref();
        notes.extend(req.references_not_taken(h.label, false, true));
        let path = match style {
            Some(r) => {
                form = form
                    .part("image", super::png_part(r)?)
                    .text("fidelity", "0.5");
                "/v2beta/stable-image/control/style".to_string()
            }
            None => {
                if let Some(m) = sd3_model {
                    form = form.text("model", m.to_string());
                }
                format!("/v2beta/stable-image/generate/{path}")
            }
        };
        if let Some(seed) = req.seed() {
            form = form.text("seed", seed.to_string());
        }
        let negative = req.negative_prompt.as_deref().map(str::trim);
        if let Some(neg) = negative.filter(|n| !n.is_empty() && !h.cfg.model.contains("turbo")) {
            form = form.text(
                "negative_prompt",
                neg.chars().take(MAX_PROMPT).collect::<String>(),
            );
        }
        let resp = h
            .client
            .post(h.url(&path))
            .bearer_auth(key.expose())
            .header(ACCEPT, "image/*")
            .header("stability-client-id", "StoryReel")
            .multipart(form)
            .send()
            .await
            .map_err(|e| h.transport(e))?;
        if !resp.status().is_success() {
            return Err(self.failure(resp).await);
        }
        let filtered = resp
            .headers()
            .get("finish-reason")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("CONTENT_FILTERED"));
        if filtered {
            return Err(ProviderError::terminal(
                "content_policy",
                format!("{} blurred this scene's image under its content policy (CONTENT_FILTERED) — edit the prompt and regenerate.", h.label),
            ));
        }
        let ctype = crate::remote::http::content_type(&resp);
        let bytes = h.read_limited(resp, h.max_image_bytes).await?;
        if ctype.starts_with("text/html") || ctype.contains("json") {
            let detail = error_message(&String::from_utf8_lossy(&bytes))
                .map(|m| format!(": {m}"))
                .unwrap_or_default();
            return Err(ProviderError::transient(
                "bad_response",
                format!(
                    "{} answered with {ctype} instead of an image (a proxy or an outage?){detail}.",
                    h.label
                ),
            ));
        }
        sniff_image(h.label, &bytes)?;
        Ok(GeneratedImage {
            data: ImageData::Encoded(bytes),
            provider: "stability".into(),
            model: Some(h.cfg.model.clone()),
            placeholder: false,
            revised_prompt: None,
            fallback: Vec::new(),
            notes,
        })
    }

    async fn check(&self) -> Result<String, ProviderError> {
        let h = &self.http;
        let key = h.key()?;
        let resp = h
            .client
            .get(h.url("/v1/user/balance"))
            .bearer_auth(key.expose())
            .header(ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| h.transport(e))?;
        if !resp.status().is_success() {
            return Err(self.failure(resp).await);
        }
        let balance: Balance = h.json(resp).await?;
        Ok(format!(
            "key accepted at {}, {} credits left",
            h.cfg.base_url, balance.credits
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Aspect;

    #[test]
    fn aspect_ratios_follow_the_frame() {
        assert_eq!(aspect_ratio(Aspect::Portrait.frame()), "9:16");
        assert_eq!(aspect_ratio(Aspect::Landscape.frame()), "16:9");
        assert_eq!(aspect_ratio(Aspect::Square.frame()), "1:1");
        let frame = |width, height| Frame { width, height };
        assert_eq!(aspect_ratio(frame(1024, 1280)), "4:5");
        assert_eq!(aspect_ratio(frame(0, 0)), "1:1");
    }

    #[test]
    fn models_map_to_endpoints() {
        assert_eq!(endpoint("core"), ("core", None));
        assert_eq!(endpoint("ultra"), ("ultra", None));
        assert_eq!(endpoint("sd3"), ("sd3", None));
        assert_eq!(endpoint("sd3.5-large"), ("sd3", Some("sd3.5-large")));
    }
}
