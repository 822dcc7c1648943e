//! Automatic1111 / Forge, usually on this machine (no key).
//!
//! Wire format (stable-diffusion-webui `modules/api/api.py` and `models.py`, and its API wiki):
//! `POST {base}/sdapi/v1/txt2img` with JSON `{prompt, negative_prompt, width, height, steps,
//! cfg_scale, sampler_name?, batch_size, n_iter}`; the answer is `{"images": [base64 PNG], "info":
//! "<JSON string>"}` (an optional `data:...;base64,` prefix is stripped). The server must run with
//! `--api`, else `/sdapi/*` answers 404. `GET {base}/sdapi/v1/sd-models` is a free check.
//! Reference pictures go through the ControlNet extension's IP-Adapter where the server has it:
//! `GET {base}/controlnet/model_list` → `{"model_list": [..]}`, `GET {base}/controlnet/
//! module_list` → `{"module_list": [..]}`, `GET {base}/controlnet/settings` →
//! `{"control_net_unit_count": n}`; then one unit per picture in the txt2img body's
//! `alwayson_scripts: {"controlnet": {"args": [{enabled, image (base64), module, model, weight,
//! resize_mode, control_mode, pixel_perfect}]}}`. Without it, the words alone, said on the scene.
//! Sources: https://github.com/AUTOMATIC1111/stable-diffusion-webui/blob/master/modules/api/api.py ,
//! https://github.com/Mikubill/sd-webui-controlnet/blob/main/scripts/api.py ,
//! https://github.com/AUTOMATIC1111/stable-diffusion-webui/wiki/API

use async_trait::async_trait;
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{GeneratedImage, ImageData, ImageProvider, ImageRequest, ProviderError};
use crate::model::Frame;
use crate::remote::http::ProviderHttp;

/// The longest prompt sent (the web UI takes any length, in chunks of its text encoder's).
const PROMPT_LIMIT: usize = 8000;

pub struct Automatic1111 {
    http: ProviderHttp,
    /// What the server said of its ControlNet IP-Adapter, and when (asked again after a while:
    /// the extension may be installed meanwhile).
    ip_adapter: tokio::sync::Mutex<Option<(std::time::Instant, Option<IpAdapter>)>>,
}

/// The ControlNet module and model that carry a reference picture, as the server names them.
#[derive(Debug, Clone, PartialEq)]
pub struct IpAdapter {
    pub module: String,
    pub model: String,
    /// How many ControlNet units one request may have.
    pub units: usize,
}

/// How long an answer about the IP-Adapter is trusted.
const PROBE_FOR: std::time::Duration = std::time::Duration::from_secs(600);

/// The IP-Adapter among the server's ControlNet models and modules, if it has one.
pub fn pick_ip_adapter(models: &Value, modules: &Value, units: Option<u64>) -> Option<IpAdapter> {
    let is_ip = |s: &&str| {
        let l = s.to_ascii_lowercase();
        l.contains("ip-adapter") || l.contains("ip_adapter") || l.contains("ipadapter")
    };
    let names = |v: &Value, key: &str| -> Vec<String> {
        v[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|m| m.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let models = names(models, "model_list");
    let modules = names(modules, "module_list");
    let model = models.iter().map(String::as_str).find(is_ip)?;
    let module = [
        "ip-adapter-auto",
        "ip-adapter_clip_h",
        "ip-adapter_clip_sd15",
    ]
    .iter()
    .find(|m| modules.iter().any(|x| x == *m))
    .map(|m| m.to_string())
    .or_else(|| {
        modules
            .iter()
            .map(String::as_str)
            .find(|m| is_ip(m) && !m.contains("face"))
            .map(str::to_string)
    })?;
    Some(IpAdapter {
        module,
        model: model.to_string(),
        units: units.map_or(3, |u| u.clamp(1, 8) as usize),
    })
}

#[derive(Deserialize)]
struct Txt2ImgResponse {
    images: Option<Vec<String>>,
}

impl Automatic1111 {
    pub fn new(http: ProviderHttp) -> Automatic1111 {
        Automatic1111 {
            http,
            ip_adapter: tokio::sync::Mutex::new(None),
        }
    }

    /// The server's IP-Adapter, asked of its ControlNet API (none when the extension or an
    /// IP-Adapter model is not there).
    async fn ip_adapter(&self) -> Option<IpAdapter> {
        let mut known = self.ip_adapter.lock().await;
        if let Some((at, found)) = known.as_ref() {
            if at.elapsed() < PROBE_FOR {
                return found.clone();
            }
        }
        let get = |path: &'static str| async move {
            let h = &self.http;
            let resp = h.client.get(h.url(path)).send().await.ok()?;
            h.json::<Value>(resp).await.ok()
        };
        let found = match (
            get("/controlnet/model_list").await,
            get("/controlnet/module_list").await,
        ) {
            (Some(models), Some(modules)) => {
                let units = get("/controlnet/settings")
                    .await
                    .and_then(|v| v["control_net_unit_count"].as_u64());
                pick_ip_adapter(&models, &modules, units)
            }
            _ => None,
        };
        *known = Some((std::time::Instant::now(), found.clone()));
        found
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
        let mut notes = Vec::new();
        let mut body = json!({
            "prompt": req.prompt_within(h.label, PROMPT_LIMIT, &mut notes),
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
        let refs = req.cast.all_references();
        if !refs.is_empty() {
            match self.ip_adapter().await {
                Some(ip) => {
                    let units: Vec<Value> = refs
                        .iter()
                        .take(ip.units)
                        .map(|r| {
                            json!({
                                "enabled": true,
                                "image": base64::engine::general_purpose::STANDARD.encode(r.png.as_slice()),
                                "module": ip.module,
                                "model": ip.model,
                                "weight": if r.who == "the look" { 0.5 } else { 0.8 },
                                "resize_mode": "Crop and Resize",
                                "control_mode": "Balanced",
                                "pixel_perfect": true,
                            })
                        })
                        .collect();
                    if refs.len() > ip.units {
                        let left: Vec<&str> =
                            refs[ip.units..].iter().map(|r| r.who.as_str()).collect();
                        notes.push(format!(
                            "{}'s ControlNet takes {} reference pictures at once, so {} went by the words alone.",
                            h.label,
                            ip.units,
                            super::and_list(&left)
                        ));
                    }
                    body["alwayson_scripts"] = json!({"controlnet": {"args": units}});
                }
                None => notes.extend(req.references_not_taken(
                    &format!("{} without the ControlNet extension's IP-Adapter", h.label),
                    false,
                    false,
                )),
            }
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
            notes,
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
    fn the_ip_adapter_is_found_by_the_names_the_server_gives() {
        let models = json!({"model_list": ["control_v11p_sd15_canny [d14c016b]", "ip-adapter_sd15 [6a3f6166]"]});
        let modules =
            json!({"module_list": ["none", "canny", "ip-adapter_face_id", "ip-adapter_clip_h"]});
        let ip = pick_ip_adapter(&models, &modules, Some(99)).unwrap();
        assert_eq!(ip.model, "ip-adapter_sd15 [6a3f6166]");
        assert_eq!(ip.module, "ip-adapter_clip_h");
        assert_eq!(ip.units, 8, "clamped");
        let no_model = json!({"model_list": ["control_v11p_sd15_canny"]});
        assert_eq!(pick_ip_adapter(&no_model, &modules, None), None);
        assert_eq!(pick_ip_adapter(&json!("odd"), &json!(null), None), None);
    }

    #[test]
    fn sizes_and_data_urls() {
        assert_eq!(sd_size(Aspect::Portrait.frame()), (576, 1024));
        assert_eq!(sd_size(Aspect::Landscape.frame()), (1024, 576));
        assert_eq!(sd_size(Aspect::Square.frame()), (1024, 1024));
        assert_eq!(strip_data_url("data:image/png;base64,AAAA"), "AAAA");
        assert_eq!(strip_data_url("AAAA"), "AAAA");
    }
}
