//! ComfyUI, usually on this machine (no key): queue a workflow, poll its history, fetch the image.
//!
//! Wire format (ComfyUI `server.py`, `execution.py`, `script_examples/basic_api_example.py`;
//! https://docs.comfy.org/development/comfyui-server/comms_routes):
//! - `POST {base}/prompt` with `{"prompt": <API-format workflow>, "client_id": "<uuid>"}` → 200
//!   `{"prompt_id", "number", "node_errors": {}}`, or 400 `{"error": {type, message, details} or
//!   "<text>", "node_errors": {"<node>": {"errors": [{type, message, details, extra_info}],
//!   "class_type"}}}` (validation: an unknown checkpoint is "Value not in list").
//! - `GET {base}/history/{prompt_id}` → `{}` while queued or running, then `{"<id>": {"outputs":
//!   {"<node>": {"images": [{filename, subfolder, type}]}}, "status": {"status_str": "success" or
//!   "error", "messages": [["execution_error", {node_id, node_type, exception_message}], ...]}}}`.
//! - `GET {base}/view?filename=&subfolder=&type=` → the file. `GET {base}/system_stats` is a free
//!   check. No auth; ComfyUI answers 403 to a foreign `Origin` header, which reqwest never sends.
//!
//! Workflows are in API format (ComfyUI's "Export (API)"): node id → `{class_type, inputs}`. The
//! built-in one is `comfyui_workflow.json`; `workflow = "file.json"` in [providers.comfyui] uses
//! another. Placeholders: a JSON string that is exactly `{{prompt}}`, `{{negative_prompt}}`,
//! `{{checkpoint}}`, `{{sampler}}` (strings), `{{width}}`, `{{height}}`, `{{steps}}`, `{{seed}}`
//! (integers) or `{{cfg_scale}}` (a number) is replaced by that value; other strings stay as they
//! are. A workflow must contain `{{prompt}}`.
//!
//! Reference pictures: `reference_workflow = "file.json"` (an IP-Adapter workflow, say) is used
//! for a scene with reference pictures. Each picture goes up first through `POST
//! {base}/upload/image` (multipart `image`, `overwrite`, `type=input`; the answer `{"name",
//! "subfolder", "type"}` names it), and the name fills `{{reference}}` (the first character's
//! picture, else the look's) and `{{style_reference}}` (the look's, else the first character's),
//! which belong in a LoadImage node's `image`. Without one, the words alone, and the scene says so. The seed comes from the project and scene, so a scene
//! redrawn with the same settings is the same picture (and ComfyUI answers from its cache).

use std::time::Instant;

use async_trait::async_trait;
use reqwest::{StatusCode, Url};
use serde_json::{json, Value};
use uuid::Uuid;

use super::automatic1111::sd_size;
use super::{GeneratedImage, ImageData, ImageProvider, ImageRequest, ProviderError};
use crate::remote::http::{error_message, ProviderHttp};

const BUILT_IN: &str = include_str!("comfyui_workflow.json");
pub const DEFAULT_CHECKPOINT: &str = "sd_xl_base_1.0.safetensors";
/// The placeholders a workflow may use (see the top of this file).
pub const PLACEHOLDERS: &str =
    "prompt negative_prompt checkpoint sampler width height steps seed cfg_scale reference style_reference";
/// History polls that may fail in a row (a blip) before this try gives up.
const POLL_ERRORS: u32 = 3;
/// The longest prompt put in the workflow.
const PROMPT_LIMIT: usize = 8000;

pub struct ComfyUi {
    http: ProviderHttp,
    client_id: String,
}

/// The scene's seed: the same for the same project and scene, below 2^53 (exact in any JSON).
pub fn seed(project_id: Uuid, scene_index: u32, variation: u32) -> u64 {
    let mut h = blake3::Hasher::new();
    h.update(project_id.as_bytes());
    h.update(&scene_index.to_le_bytes());
    h.update(&variation.to_le_bytes());
    let [a, b, c, d, e, f, g, i, ..] = *h.finalize().as_bytes();
    u64::from_le_bytes([a, b, c, d, e, f, g, i]) >> 11
}

/// The name inside a string that is exactly `{{name}}`.
fn placeholder(s: &str) -> Option<&str> {
    let name = s.strip_prefix("{{")?.strip_suffix("}}")?.trim();
    let ident = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    ident.then_some(name)
}

/// Visits every placeholder in `v`, replacing it where `f` gives a value.
fn walk(v: &mut Value, f: &mut impl FnMut(&str) -> Option<Value>) {
    match v {
        Value::String(s) => {
            if let Some(new) = placeholder(s).and_then(&mut *f) {
                *v = new;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|x| walk(x, f)),
        Value::Object(map) => map.values_mut().for_each(|x| walk(x, f)),
        _ => {}
    }
}

/// What is wrong with a ComfyUI workflow file, said as the end of "The workflow file … ".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
struct WorkflowProblem(String);

impl std::ops::Deref for WorkflowProblem {
    type Target = str;
    /// The sentence itself.
    fn deref(&self) -> &str {
        &self.0
    }
}

/// Why `wf` is not a workflow StoryReel can fill, if it is not. A reference workflow must have
/// a slot for a picture; an ordinary one must not (a scene without pictures could not fill it).
fn validate(wf: &mut Value, reference: bool) -> Result<(), WorkflowProblem> {
    let Some(nodes) = wf.as_object().filter(|m| !m.is_empty()) else {
        return Err(WorkflowProblem(
            "is not an API-format workflow (a JSON object of nodes)".into(),
        ));
    };
    if nodes.contains_key("nodes") && nodes.contains_key("links") {
        return Err(WorkflowProblem(
            "is in ComfyUI's UI format; save it with \"Export (API)\" instead".into(),
        ));
    }
    if let Some((id, _)) = nodes.iter().find(|(_, n)| !n["class_type"].is_string()) {
        return Err(WorkflowProblem(format!(
            "has a node `{id}` without a class_type"
        )));
    }
    let mut found = Vec::new();
    walk(wf, &mut |name| {
        found.push(name.to_string());
        None
    });
    let unknown = found
        .iter()
        .find(|n| !PLACEHOLDERS.split(' ').any(|p| p == *n));
    if let Some(bad) = unknown {
        let known = PLACEHOLDERS.replace(' ', "}}, {{");
        return Err(WorkflowProblem(format!(
            "has an unknown placeholder {{{{{bad}}}}} (known: {{{{{known}}}}})"
        )));
    }
    if !found.iter().any(|n| n == "prompt") {
        return Err(WorkflowProblem(
            "has no {{prompt}} placeholder (every scene would look the same)".into(),
        ));
    }
    let slot = found
        .iter()
        .any(|n| n == "reference" || n == "style_reference");
    if reference && !slot {
        return Err(WorkflowProblem(
            "has no {{reference}} or {{style_reference}} placeholder for the reference picture (put one in a LoadImage node's `image`)".into(),
        ));
    }
    if !reference && slot {
        return Err(WorkflowProblem(
            "has a reference picture placeholder, which only `reference_workflow` may have (a scene without reference pictures could not fill it)".into(),
        ));
    }
    Ok(())
}

/// The sentence for a 400 from `/prompt`: the first node error if there is one.
fn refusal(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap_or_default();
    let first = v["node_errors"].as_object().and_then(|m| m.iter().next());
    let Some((node, e)) = first else {
        let why = error_message(body).unwrap_or_else(|| "no reason given".into());
        return format!("ComfyUI refused the workflow (400): {why}.");
    };
    let err = &e["errors"][0];
    let class = e["class_type"].as_str().unwrap_or("a node");
    let msg = err["message"].as_str().unwrap_or("invalid input");
    let details: String = err["details"]
        .as_str()
        .unwrap_or("")
        .chars()
        .take(200)
        .collect();
    let sep = if details.is_empty() { "" } else { ": " };
    let hint = if err["extra_info"]["input_name"] == "ckpt_name" {
        " — set `checkpoint` in [providers.comfyui] to a model ComfyUI has"
    } else {
        ""
    };
    format!("ComfyUI refused the workflow: {class} (node {node}): {msg}{sep}{details}{hint}.")
}

/// The history entry if the run succeeded, else the reason it failed.
fn finished(entry: Value) -> Result<Value, ProviderError> {
    if entry["status"]["status_str"] != "error" {
        return Ok(entry);
    }
    let messages = &entry["status"]["messages"];
    let find = |name: &str| {
        messages
            .as_array()?
            .iter()
            .find(|m| m[0] == name)
            .map(|m| &m[1])
    };
    let why = if let Some(d) = find("execution_error") {
        let node = d["node_id"].as_str().unwrap_or("?");
        let kind = d["node_type"].as_str().unwrap_or("a node");
        let msg = d["exception_message"].as_str().unwrap_or("no message");
        let msg: String = msg.trim().chars().take(300).collect();
        format!("{kind} (node {node}) failed: {msg}")
    } else if find("execution_interrupted").is_some() {
        "the run was interrupted (cancelled in ComfyUI?)".to_string()
    } else {
        "no reason given".to_string()
    };
    Err(ProviderError::terminal(
        "execution_error",
        format!("ComfyUI could not run the workflow: {why}."),
    ))
}

/// The image to fetch: a SaveImage node's "output" file first, then any output, then any image.
fn pick_image<'a>(entry: &'a Value, wf: &Value) -> Option<&'a Value> {
    let mut best: Option<(u8, &Value)> = None;
    for (node, out) in entry["outputs"].as_object()? {
        let save = wf[node.as_str()]["class_type"] == "SaveImage";
        for img in out["images"].as_array().into_iter().flatten() {
            if !img["filename"].is_string() {
                continue;
            }
            let rank = u8::from(img["type"] == "output") * 2 + u8::from(save);
            if best.is_none_or(|(r, _)| rank > r) {
                best = Some((rank, img));
            }
        }
    }
    best.map(|(_, img)| img)
}

impl ComfyUi {
    pub fn new(http: ProviderHttp) -> ComfyUi {
        let client_id = Uuid::now_v7().to_string();
        ComfyUi { http, client_id }
    }

    fn bad_workflow(&self, why: &str, reference: bool) -> ProviderError {
        let cfg = &self.http.cfg;
        let (file, key) = if reference {
            (cfg.reference_workflow.as_ref(), "reference_workflow")
        } else {
            (cfg.workflow.as_ref(), "workflow")
        };
        let file = file.map_or("(built in)".into(), |p| p.display().to_string());
        let fix = if reference {
            "fix it, or remove `reference_workflow` from [providers.comfyui] to draw from the words alone".to_string()
        } else {
            format!("fix it, or remove `{key}` from [providers.comfyui] to use the built-in one")
        };
        let msg = format!("The ComfyUI workflow file {file} {why}; {fix}.");
        ProviderError::terminal("bad_workflow", msg)
    }

    /// The workflow before filling in: the user's file or the built-in one (the reference
    /// workflow when `reference`), checked.
    async fn template(&self, reference: bool) -> Result<Value, ProviderError> {
        let cfg = &self.http.cfg;
        let file = if reference {
            cfg.reference_workflow.as_ref()
        } else {
            cfg.workflow.as_ref()
        };
        let text = match file {
            Some(path) => tokio::fs::read_to_string(path)
                .await
                .map_err(|e| self.bad_workflow(&format!("cannot be read ({e})"), reference))?,
            None => BUILT_IN.to_string(),
        };
        let mut wf: Value = serde_json::from_str(&text)
            .map_err(|e| self.bad_workflow(&format!("is not valid JSON ({e})"), reference))?;
        validate(&mut wf, reference).map_err(|why| self.bad_workflow(&why.0, reference))?;
        Ok(wf)
    }

    /// Uploads a reference picture to ComfyUI's input folder; the name a LoadImage node uses.
    async fn upload(&self, r: &super::RefPicture) -> Result<String, ProviderError> {
        let h = &self.http;
        let hash = blake3::hash(&r.png);
        let part = super::png_part_named(r, format!("storyreel-{}.png", &hash.to_hex()[..16]))?;
        let form = reqwest::multipart::Form::new()
            .part("image", part)
            .text("overwrite", "true")
            .text("type", "input");
        let resp = h
            .client
            .post(self.endpoint(&["upload", "image"])?)
            .multipart(form)
            .send()
            .await
            .map_err(|e| h.transport(e))?;
        let v: Value = h.json(resp).await?;
        let name = v["name"]
            .as_str()
            .filter(|n| !n.is_empty())
            .ok_or_else(|| {
                ProviderError::transient(
                    "bad_response",
                    "ComfyUI took the reference picture without saying its name.",
                )
            })?;
        Ok(match v["subfolder"].as_str().filter(|s| !s.is_empty()) {
            Some(sub) => format!("{sub}/{name}"),
            None => name.to_string(),
        })
    }

    /// An address under the base URL, path segments encoded.
    fn endpoint(&self, segments: &[&str]) -> Result<Url, ProviderError> {
        let base = &self.http.cfg.base_url;
        let mut url = Url::parse(base).map_err(|_| {
            let msg = format!("The ComfyUI base_url `{base}` is not a URL.");
            ProviderError::terminal("bad_config", msg)
        })?;
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        Ok(url)
    }

    async fn queue(&self, wf: &Value) -> Result<String, ProviderError> {
        let h = &self.http;
        let body = json!({"prompt": wf, "client_id": self.client_id});
        let resp = h
            .client
            .post(self.endpoint(&["prompt"])?)
            .json(&body)
            .send()
            .await
            .map_err(|e| h.transport(e))?;
        if resp.status() == StatusCode::BAD_REQUEST {
            let body = h.read_limited(resp, 1024 * 1024).await?;
            let msg = refusal(&String::from_utf8_lossy(&body));
            return Err(ProviderError::terminal("bad_request", msg));
        }
        if resp.status() == StatusCode::NOT_FOUND {
            let base = &h.cfg.base_url;
            let msg = format!("There is no ComfyUI at {base} (no /prompt there) — check base_url in [providers.comfyui].");
            return Err(ProviderError::terminal("not_found", msg));
        }
        let v: Value = h.json(resp).await?;
        let id = v["prompt_id"].as_str().filter(|id| !id.is_empty());
        let missing = "ComfyUI accepted the workflow without a prompt_id.";
        id.map(str::to_string)
            .ok_or_else(|| ProviderError::transient("bad_response", missing))
    }

    /// Polls the history until the run is there; a run that takes too long is not queued again.
    async fn wait(&self, id: &str) -> Result<Value, ProviderError> {
        let h = &self.http;
        let url = self.endpoint(&["history", id])?;
        let deadline = crate::clock::deadline(h.cfg.poll_timeout);
        let mut failures = 0;
        loop {
            let polled = match h.client.get(url.clone()).send().await {
                Ok(resp) => h.json::<Value>(resp).await,
                Err(e) => Err(h.transport(e)),
            };
            match polled {
                Ok(mut v) => match v.get_mut(id).map(Value::take) {
                    Some(entry) => return finished(entry),
                    None => failures = 0,
                },
                Err(e) if e.retryable && failures + 1 < POLL_ERRORS => failures += 1,
                Err(e) => return Err(e),
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                let secs = h.cfg.poll_timeout.as_secs();
                let msg = format!("ComfyUI did not finish the picture within {secs} s (it may still be busy; prompt {id} stays in its queue).");
                return Err(ProviderError::terminal("timeout", msg));
            }
            tokio::time::sleep(h.cfg.poll_interval.min(left)).await;
        }
    }
}

#[async_trait]
impl ImageProvider for ComfyUi {
    fn name(&self) -> &str {
        "comfyui"
    }

    async fn generate(&self, req: &ImageRequest) -> Result<GeneratedImage, ProviderError> {
        let cfg = &self.http.cfg;
        let mut notes = Vec::new();
        let with_refs = !req.cast.all_references().is_empty() && cfg.reference_workflow.is_some();
        if !with_refs {
            notes.extend(req.references_not_taken(
                "ComfyUI without a `reference_workflow` in [providers.comfyui]",
                false,
                false,
            ));
        }
        let mut wf = self.template(with_refs).await?;
        // The slots: `reference` shows the first character's picture (else the look's),
        // `style_reference` the look's (else the first character's).
        let (mut reference, mut style) = (None, None);
        if with_refs {
            let (first, look) = (
                req.cast.references.first(),
                req.cast.style_reference.as_ref(),
            );
            let mut slots = Vec::new();
            walk(&mut wf, &mut |name| {
                slots.push(name.to_string());
                None
            });
            let mut sent: Vec<&str> = Vec::new();
            if slots.iter().any(|s| s == "reference") {
                if let Some(r) = first.or(look) {
                    reference = Some(self.upload(r).await?);
                    sent.push(&r.who);
                }
            }
            if slots.iter().any(|s| s == "style_reference") {
                if let Some(r) = look.or(first) {
                    style = Some(self.upload(r).await?);
                    sent.push(&r.who);
                }
            }
            let all = req.cast.all_references();
            let left: Vec<&str> = all
                .iter()
                .map(|r| r.who.as_str())
                .filter(|w| !sent.contains(w))
                .collect();
            if !left.is_empty() {
                notes.push(format!(
                    "ComfyUI's reference workflow has a slot for fewer pictures, so {} went by the words alone.",
                    super::and_list(&left)
                ));
            }
        }
        let prompt = req.prompt_within("ComfyUI", PROMPT_LIMIT, &mut notes);
        let (width, height) = sd_size(req.frame);
        let checkpoint = cfg.checkpoint.as_deref().unwrap_or(DEFAULT_CHECKPOINT);
        walk(&mut wf, &mut |name| {
            Some(match name {
                "prompt" => json!(prompt),
                "reference" => json!(reference.clone()?),
                "style_reference" => json!(style.clone()?),
                "negative_prompt" => json!(req.negative_prompt.as_deref().unwrap_or("")),
                "checkpoint" => json!(checkpoint),
                "sampler" => json!(cfg.sampler.as_deref().unwrap_or("euler")),
                "width" => json!(width),
                "height" => json!(height),
                "steps" => json!(cfg.steps),
                "seed" => json!(req.seed().unwrap_or_else(|| seed(
                    req.project_id,
                    req.scene_index,
                    req.variation
                ))),
                "cfg_scale" => json!((f64::from(cfg.cfg_scale) * 100.0).round() / 100.0),
                _ => return None,
            })
        });
        let id = self.queue(&wf).await?;
        let entry = self.wait(&id).await?;
        let img = pick_image(&entry, &wf).ok_or_else(|| {
            ProviderError::terminal(
                "no_image",
                "ComfyUI finished without an image: the workflow needs a SaveImage node.",
            )
        })?;
        let mut url = self.endpoint(&["view"])?;
        for (key, or) in [("filename", ""), ("subfolder", ""), ("type", "output")] {
            let value = img[key].as_str().unwrap_or(or);
            url.query_pairs_mut().append_pair(key, value);
        }
        let bytes = self.http.download(url.as_str()).await?;
        let model = wf.as_object().and_then(|nodes| {
            nodes
                .values()
                .find_map(|n| n["inputs"]["ckpt_name"].as_str().map(str::to_string))
        });
        Ok(GeneratedImage {
            data: ImageData::Encoded(bytes),
            provider: "comfyui".into(),
            model,
            placeholder: false,
            revised_prompt: None,
            fallback: Vec::new(),
            notes,
        })
    }

    async fn check(&self) -> Result<String, ProviderError> {
        let h = &self.http;
        self.template(false).await?;
        if self.http.cfg.reference_workflow.is_some() {
            self.template(true).await?;
        }
        let resp = h
            .client
            .get(self.endpoint(&["system_stats"])?)
            .send()
            .await
            .map_err(|e| h.transport(e))?;
        let v: Value = h.json(resp).await?;
        let version = v["system"]["comfyui_version"].as_str().unwrap_or("?");
        let devices = v["devices"].as_array().map_or(0, Vec::len);
        let base = &h.cfg.base_url;
        Ok(format!(
            "reachable at {base}, ComfyUI {version}, {devices} device(s); workflow OK"
        ))
    }
}
