//! Automatic1111 / Forge, usually on this machine (no key).
//!
//! Wire format (stable-diffusion-webui `modules/api/api.py` and `models.py`, and its API wiki):
//! `POST {base}/sdapi/v1/txt2img` with JSON `{prompt, negative_prompt, width, height, steps,
//! cfg_scale, sampler_name?, batch_size, n_iter}`; the answer is `{"images": [base64 PNG], "info":
//! "<JSON string>"}` (an optional `data:...;base64,` prefix is stripped). The server must run with
//! `--api`, else `/sdapi/*` answers 404. `GET {base}/sdapi/v1/sd-models` is a free check.
//! Sources: https://github.com/AUTOMATIC1111/stable-diffusion-webui/blob/master/modules/api/api.py ,
//! https://github.com/AUTOMATIC1111/stable-diffusion-webui/wiki/API

use async_trait::async_trait;
use base64::Engine as _;
use serde::Deserialize;
use serde_json::json;

use super::{GeneratedImage, ImageData, ImageProvider, ImageRequest, ProviderError};
use crate::model::Frame;
use crate::remote::http::ProviderHttp;

/// The longest prompt sent (the web UI takes any length, in chunks of its text encoder's).
const PROMPT_LIMIT: usize = 8000;

pub struct Automatic1111 {
    http: ProviderHttp,
}

#[derive(Deserialize)]
struct Txt2ImgResponse {
    images: Option<Vec<String>>,
}

impl Automatic1111 {
    pub fn new(http: ProviderHttp) -> Automatic1111 {
        Automatic1111 { http }
    }
}

/// The frame scaled so its long side is 1024, both sides multiples of 64 (what SD models like).
pub fn sd_size(frame: Frame) -> (u32, u32) {
    let long = frame.width.max(frame.height).max(1) as f64;
    let side = |v: u32| (((v as f64 * 1024.0 / long) / 64.0).round() as u32).max(1) * 64;
    (side(frame.width), side(frame.height))
}

pub fn strip_data_url(s: &str) -> &str {
    match (s.starts_with("data:"), s.find(",")) {
        (true, Some(i)) => &s[i + 1..],
        _ => s,
    }
}

#[async_trait]
impl ImageProvider for Automatic1111 {
    fn name(&self) -> &str {
        "automatic1111"
    }

    async fn generate(&self, req: &ImageRequest) -> Result<GeneratedImage, ProviderError> {
        let h = &self.http;
        let (width, height) = sd_size(req.frame);
        let mut body = json!({
            "prompt": req.full_prompt(PROMPT_LIMIT).0,
            "negative_prompt": req.negative_prompt.clone().unwrap_or_default(),
            "width": width,
            "height": height,
            "steps": h.cfg.steps,
            "cfg_scale": h.cfg.cfg_scale,
            "batch_size": 1,
            "n_iter": 1,
        });
        if let Some(s) = &h.cfg.sampler {
            body["sampler_name"] = json!(s);
        }
        if let Some(seed) = req.seed() {
            body["seed"] = json!(seed);
        }
        let resp = h
            .client
            .post(h.url("/sdapi/v1/txt2img"))
            .json(&body)
            .send()
            .await
            .map_err(|e| h.transport(e))?;
        let parsed: Txt2ImgResponse = h.json(resp).await?;
        let first = parsed
            .images
            .and_then(|v| v.into_iter().next())
            .ok_or_else(|| {
                ProviderError::transient(
                    "bad_response",
                    format!("{} answered without an image.", h.label),
                )
            })?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(strip_data_url(first.trim()))
            .map_err(|_| {
                ProviderError::transient(
                    "bad_image",
                    format!("{} sent an image that is not valid base64.", h.label),
                )
            })?;
        Ok(GeneratedImage {
            data: ImageData::Encoded(bytes),
            provider: "automatic1111".into(),
            model: None,
            placeholder: false,
            revised_prompt: None,
            fallback: Vec::new(),
        })
    }

    async fn check(&self) -> Result<String, ProviderError> {
        let h = &self.http;
        let resp = h
            .client
            .get(h.url("/sdapi/v1/sd-models"))
            .send()
            .await
            .map_err(|e| h.transport(e))?;
        let models: Vec<serde_json::Value> = h.json(resp).await?;
        Ok(format!(
            "reachable at {}, {} models",
            h.cfg.base_url,
            models.len()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Aspect;

    #[test]
    fn sizes_and_data_urls() {
        assert_eq!(sd_size(Aspect::Portrait.frame()), (576, 1024));
        assert_eq!(sd_size(Aspect::Landscape.frame()), (1024, 576));
        assert_eq!(sd_size(Aspect::Square.frame()), (1024, 1024));
        assert_eq!(strip_data_url("data:image/png;base64,AAAA"), "AAAA");
        assert_eq!(strip_data_url("AAAA"), "AAAA");
    }
}
