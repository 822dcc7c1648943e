//! OpenAI Images, and any OpenAI-compatible server through `base_url`.
//!
//! Wire format (OpenAI API reference, "Create image"): `POST {base}/images/generations` with
//! `Authorization: Bearer KEY` and JSON `{model, prompt, n, size, quality?, response_format?}`;
//! the answer is `{"data": [{"b64_json" | "url", "revised_prompt"?}]}`. GPT image models always
//! answer base64 and take no `response_format`; dall-e-2/3 take `response_format: b64_json`.
//! Errors are `{"error": {"message", "type", "code"}}`; 429 with `insufficient_quota` is billing,
//! not a rate limit. `GET {base}/models` checks a key without spending a generation.
//! With reference pictures (the characters', the look's) and a GPT image model: `POST
//! {base}/images/edits`, multipart, `model`, `prompt`, `n`, `size`, `quality`?, one `image[]`
//! part per picture (png, its own `Content-Type`; up to 16) and `input_fidelity: high` (not for
//! the mini models); the answer is the same. DALL·E models take no reference: the words alone.
//! Sources: https://platform.openai.com/docs/api-reference/images/create ,
//! https://platform.openai.com/docs/api-reference/images/createEdit ,
//! https://developers.openai.com/docs/guides/error-codes ,
//! https://developers.openai.com/api/docs/deprecations (models retire: keep `model` configurable).

use async_trait::async_trait;
use base64::Engine as _;
use reqwest::multipart::Form;
use serde::Deserialize;
use serde_json::json;

use super::{GeneratedImage, ImageData, ImageProvider, ImageRequest, ProviderError};
use crate::model::Frame;
use crate::remote::http::ProviderHttp;

pub struct OpenAi {
    http: ProviderHttp,
}

#[derive(Deserialize)]
struct ImagesResponse {
    data: Vec<ImageItem>,
}

#[derive(Deserialize)]
struct ImageItem {
    b64_json: Option<String>,
    url: Option<String>,
    revised_prompt: Option<String>,
}

impl OpenAi {
    pub fn new(http: ProviderHttp) -> OpenAi {
        OpenAi { http }
    }
}

/// The most reference pictures one edit takes.
const MAX_REFERENCES: usize = 16;

/// Whether the model takes `input_fidelity` (gpt-image-1 and later; not the mini models).
fn takes_input_fidelity(model: &str) -> bool {
    model.starts_with("gpt-image") && !model.contains("mini")
}

/// The size nearest the project's frame that the model accepts.
pub fn size_for(model: &str, frame: Frame) -> &'static str {
    let portrait = frame.height > frame.width;
    let landscape = frame.width > frame.height;
    if model.starts_with("dall-e-2") {
        "1024x1024"
    } else if model.starts_with("dall-e-3") {
        if portrait {
            "1024x1792"
        } else if landscape {
            "1792x1024"
        } else {
            "1024x1024"
        }
    } else if portrait {
        "1024x1536"
    } else if landscape {
        "1536x1024"
    } else {
        "1024x1024"
    }
}

fn prompt_for(model: &str, req: &ImageRequest, notes: &mut Vec<String>) -> String {
    let limit: usize = if model.starts_with("dall-e-2") {
        1000
    } else if model.starts_with("dall-e-3") {
        4000
    } else {
        32_000
    };
    let avoid = req
        .negative_prompt
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|neg| format!(". Avoid: {neg}"))
        .unwrap_or_default();
    // The scene, its characters and the look first; what to avoid in the room that is left.
    let room = limit.saturating_sub(avoid.chars().count().min(limit / 4));
    let mut p = req.prompt_within("OpenAI", room, notes);
    p.push_str(&avoid);
    p.chars().take(limit).collect()
}

#[async_trait]
impl ImageProvider for OpenAi {
    fn name(&self) -> &str {
        "openai"
    }

    async fn generate(&self, req: &ImageRequest) -> Result<GeneratedImage, ProviderError> {
        let h = &self.http;
        let key = h.key()?;
        let model = h.cfg.model.as_str();
        let mut notes = Vec::new();
        let prompt = prompt_for(model, req, &mut notes);
        let refs = req.cast.all_references();
        // GPT image models take reference pictures through the edits endpoint; DALL·E does not.
        let by_edit = !refs.is_empty() && model.starts_with("gpt-image");
        let resp = if by_edit {
            let mut form = Form::new()
                .text("model", model.to_string())
                .text("prompt", prompt)
                .text("n", "1")
                .text("size", size_for(model, req.frame));
            if takes_input_fidelity(model) {
                form = form.text("input_fidelity", "high");
            }
            if let Some(q) = &h.cfg.quality {
                form = form.text("quality", q.clone());
            }
            for r in refs.iter().take(MAX_REFERENCES) {
                form = form.part("image[]", super::png_part(r)?);
            }
            if refs.len() > MAX_REFERENCES {
                notes.push(format!(
                    "OpenAI takes {MAX_REFERENCES} reference pictures at most; the first {MAX_REFERENCES} were sent."
                ));
            }
            h.client
                .post(h.url("/images/edits"))
                .bearer_auth(key.expose())
                .multipart(form)
                .send()
                .await
        } else {
            notes.extend(req.references_not_taken("OpenAI's model", false, false));
            let mut body = json!({
                "model": model,
                "prompt": prompt,
                "n": 1,
                "size": size_for(model, req.frame),
            });
            if model.starts_with("dall-e") {
                body["response_format"] = json!("b64_json");
            }
            if let Some(q) = &h.cfg.quality {
                body["quality"] = json!(q);
            }
            h.client
                .post(h.url("/images/generations"))
                .bearer_auth(key.expose())
                .json(&body)
                .send()
                .await
        }
        .map_err(|e| h.transport(e))?;
        let parsed: ImagesResponse = h.json(resp).await?;
        let item = parsed.data.into_iter().next().ok_or_else(|| {
            ProviderError::transient(
                "bad_response",
                format!("{} answered without an image.", h.label),
            )
        })?;
        let bytes = match (item.b64_json, item.url) {
            (Some(b64), _) => base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|_| {
                    ProviderError::transient(
                        "bad_image",
                        format!("{} sent an image that is not valid base64.", h.label),
                    )
                })?,
            (None, Some(url)) => h.download(&url).await?,
            (None, None) => {
                return Err(ProviderError::transient(
                    "bad_response",
                    format!("{} answered without an image.", h.label),
                ))
            }
        };
        Ok(GeneratedImage {
            data: ImageData::Encoded(bytes),
            provider: "openai".into(),
            model: Some(model.to_string()),
            placeholder: false,
            revised_prompt: item.revised_prompt,
            fallback: Vec::new(),
            notes,
        })
    }

    async fn check(&self) -> Result<String, ProviderError> {
        let h = &self.http;
        let key = h.key()?;
        let resp = h
            .client
            .get(h.url("/models"))
            .bearer_auth(key.expose())
            .send()
            .await
            .map_err(|e| h.transport(e))?;
        h.check(resp).await?;
        Ok(format!("key accepted at {}", h.cfg.base_url))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Aspect;

    #[test]
    fn sizes_follow_the_frame_and_the_model() {
        assert_eq!(
            size_for("gpt-image-1", Aspect::Portrait.frame()),
            "1024x1536"
        );
        assert_eq!(
            size_for("gpt-image-1", Aspect::Landscape.frame()),
            "1536x1024"
        );
        assert_eq!(size_for("dall-e-3", Aspect::Portrait.frame()), "1024x1792");
        assert_eq!(size_for("dall-e-3", Aspect::Square.frame()), "1024x1024");
        assert_eq!(size_for("dall-e-2", Aspect::Portrait.frame()), "1024x1024");
    }
}
