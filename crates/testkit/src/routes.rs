//! The fault server's routes: each provider's documented wire format, answering with the
//! scripted fault of the route.

use super::*;

pub(super) fn router(shared: Shared) -> Router {
    Router::new()
        .route("/v1/images/generations", post(openai))
        .route("/v1/models", get(openai_models))
        .route("/sdapi/v1/txt2img", post(a1111))
        .route("/sdapi/v1/sd-models", get(a1111_models))
        .route("/fal/{*rest}", get(fal_get).post(fal_submit))
        .route("/v2beta/stable-image/generate/{model}", post(stability))
        .route("/v1/user/balance", get(stability_balance))
        .route("/prompt", post(comfy_prompt))
        .route("/history/{id}", get(comfy_history))
        .route("/view", get(comfy_view))
        .route("/system_stats", get(comfy_stats))
        .route("/files/{name}", get(file))
        .with_state(shared.clone())
        .merge(super::speech::router(shared.clone()))
        .merge(super::reference_routes::router(shared))
}

async fn openai(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let f = s.next(Route::OpenAi, &headers, &body);
    if let Some(r) = common(&f, ErrStyle::OpenAi).await {
        return r;
    }
    let prompt = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["prompt"].as_str().map(str::to_string))
        .unwrap_or_default();
    let item = if f == Fault::OkUrl {
        json!({"url": format!("{}/files/image.png", s.base), "revised_prompt": format!("{prompt} (revised)")})
    } else {
        json!({"b64_json": b64(&image_for(&f)), "revised_prompt": format!("{prompt} (revised)")})
    };
    json_with_type(json!({"created": 1_700_000_000, "data": [item]}), &f)
}

async fn openai_models(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let f = s.next(Route::OpenAiModels, &headers, &[]);
    if let Some(r) = common(&f, ErrStyle::OpenAi).await {
        return r;
    }
    Json(json!({"object": "list", "data": [{"id": "gpt-image-1", "object": "model"}]}))
        .into_response()
}

async fn a1111(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let f = s.next(Route::A1111, &headers, &body);
    if let Some(r) = common(&f, ErrStyle::A1111).await {
        return r;
    }
    json_with_type(
        json!({"images": [b64(&image_for(&f))], "parameters": {}, "info": "{\"seed\": 42}"}),
        &f,
    )
}

async fn a1111_models(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let f = s.next(Route::A1111Models, &headers, &[]);
    if let Some(r) = common(&f, ErrStyle::A1111).await {
        return r;
    }
    Json(json!([{"title": "sd_xl_base_1.0.safetensors", "model_name": "sd_xl_base_1.0"}]))
        .into_response()
}

async fn fal_submit(
    State(s): State<Shared>,
    Path(rest): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f = s.next(Route::FalSubmit, &headers, &body);
    if let Some(r) = common(&f, ErrStyle::Fal).await {
        return r;
    }
    // Like Fal: status and result live under the model's first two path parts.
    let app: Vec<&str> = rest.split('/').take(2).collect();
    let app = app.join("/");
    let id = format!(
        "req-{}",
        s.inner
            .lock()
            .map(|g| g.hits.get(&Route::FalSubmit).map_or(0, |h| h.len()))
            .unwrap_or(0)
    );
    json_with_type(
        json!({
            "request_id": id,
            "status": "IN_QUEUE",
            "status_url": format!("{}/fal/{app}/requests/{id}/status", s.base),
            "response_url": format!("{}/fal/{app}/requests/{id}", s.base),
            "cancel_url": format!("{}/fal/{app}/requests/{id}/cancel", s.base),
        }),
        &f,
    )
}

async fn fal_get(
    State(s): State<Shared>,
    Path(rest): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(id_part) = rest.strip_suffix("/status") {
        let id = id_part.rsplit('/').next().unwrap_or("").to_string();
        let f = s.next(Route::FalStatus, &headers, &[]);
        if let Some(r) = common(&f, ErrStyle::Fal).await {
            return r;
        }
        let status = if s.poll_done(&id) {
            "COMPLETED"
        } else {
            "IN_PROGRESS"
        };
        return json_with_type(
            json!({"status": status, "queue_position": 0, "logs": null}),
            &f,
        );
    }
    let f = s.next(Route::FalResult, &headers, &[]);
    if let Some(r) = common(&f, ErrStyle::Fal).await {
        return r;
    }
    let name = match f {
        Fault::Garbage => "garbage.png",
        Fault::TruncatedImage => "truncated.png",
        Fault::Bomb => "bomb.png",
        Fault::WrongContentType => "page.png",
        _ => "image.png",
    };
    json_with_type(
        json!({
            "images": [{"url": format!("{}/files/{name}", s.base), "width": 96, "height": 160, "content_type": "image/png"}],
            "timings": {"inference": 0.5}, "seed": 7, "has_nsfw_concepts": [false], "prompt": "p"
        }),
        &Fault::Ok,
    )
}

async fn stability(
    State(s): State<Shared>,
    Path(_model): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f = s.next(Route::Stability, &headers, &body);
    if let Some(r) = common(&f, ErrStyle::Stability).await {
        return r;
    }
    let ctype = if f == Fault::WrongContentType {
        "text/html"
    } else {
        "image/png"
    };
    // Like Stability's moderation: a prompt with the word `filtered` gets a blurred image
    // (here: the usual one) flagged `finish-reason: CONTENT_FILTERED`, still with a 200.
    let text = String::from_utf8_lossy(&body);
    let prompt = text
        .split("name=\"prompt\"")
        .nth(1)
        .and_then(|part| part.split("\r\n\r\n").nth(1))
        .and_then(|value| value.split("\r\n--").next())
        .unwrap_or("");
    let finish = if prompt.contains("filtered") {
        "CONTENT_FILTERED"
    } else {
        "SUCCESS"
    };
    (
        [
            ("content-type", ctype),
            ("finish-reason", finish),
            ("seed", "42"),
        ],
        image_for(&f),
    )
        .into_response()
}

async fn stability_balance(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let f = s.next(Route::StabilityBalance, &headers, &[]);
    if let Some(r) = common(&f, ErrStyle::Stability).await {
        return r;
    }
    Json(json!({"credits": 12.5})).into_response()
}

async fn comfy_prompt(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let f = s.next(Route::ComfyPrompt, &headers, &body);
    if let Some(r) = common(&f, ErrStyle::Comfy).await {
        return r;
    }
    // Like ComfyUI's validation: a checkpoint it does not have is a 400 naming the node.
    let workflow = serde_json::from_slice::<Value>(&body)
        .map(|v| v["prompt"].clone())
        .unwrap_or_default();
    let nodes = workflow.as_object().cloned().unwrap_or_default();
    let known = [
        "sd_xl_base_1.0.safetensors",
        "v1-5-pruned-emaonly.safetensors",
    ];
    for (id, node) in &nodes {
        let Some(ckpt) = node["inputs"]["ckpt_name"].as_str() else {
            continue;
        };
        if !known.contains(&ckpt) {
            let details = format!("ckpt_name: '{ckpt}' not in {known:?}");
            let error = json!({"type": "value_not_in_list", "message": "Value not in list",
                "details": details, "extra_info": {"input_name": "ckpt_name", "received_value": ckpt}});
            let body = json!({
                "error": {"type": "prompt_outputs_failed_validation", "message": "Prompt outputs failed validation", "details": "", "extra_info": {}},
                "node_errors": {id.clone(): {"errors": [error], "dependent_outputs": ["9"], "class_type": node["class_type"]}}
            });
            return (StatusCode::BAD_REQUEST, Json(body)).into_response();
        }
    }
    // A latent over 4096 x 4096 runs out of memory while executing: its history says so.
    let oom = nodes.values().any(|n| {
        let side = |k: &str| n["inputs"][k].as_u64().unwrap_or(0);
        n["class_type"] == "EmptyLatentImage" && side("width") * side("height") > 4096 * 4096
    });
    let n = s
        .inner
        .lock()
        .map(|g| g.hits.get(&Route::ComfyPrompt).map_or(0, |h| h.len()))
        .unwrap_or(0);
    let id = format!("p-{n}{}", if oom { "-oom" } else { "" });
    json_with_type(json!({"prompt_id": id, "number": n, "node_errors": {}}), &f)
}

async fn comfy_history(
    State(s): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let f = s.next(Route::ComfyHistory, &headers, &[]);
    if let Some(r) = common(&f, ErrStyle::Comfy).await {
        return r;
    }
    if !s.poll_done(&id) {
        return Json(json!({})).into_response();
    }
    if id.ends_with("-oom") {
        let error = json!({"prompt_id": id, "node_id": "3", "node_type": "KSampler", "executed": ["4", "5"],
            "exception_message": "Allocation on device 0 would exceed allowed memory. (out of memory)\n",
            "exception_type": "torch.OutOfMemoryError", "traceback": [], "current_inputs": {}, "current_outputs": {}});
        return Json(json!({ id.clone(): {
            "prompt": [1, id, {}, {}, ["9"]],
            "outputs": {},
            "status": {"status_str": "error", "completed": false, "messages": [
                ["execution_start", {"prompt_id": id, "timestamp": 0}], ["execution_error", error]]}
        }}))
        .into_response();
    }
    let filename = match f {
        Fault::Garbage => "garbage.png",
        Fault::TruncatedImage => "truncated.png",
        Fault::Bomb => "bomb.png",
        _ => "StoryReel_00001_.png",
    };
    Json(json!({ id.clone(): {
        "prompt": [1, id, {}, {}, ["9"]],
        "outputs": {"9": {"images": [{"filename": filename, "subfolder": "", "type": "output"}]}},
        "status": {"status_str": "success", "completed": true, "messages": []}
    }}))
    .into_response()
}

async fn comfy_view(
    State(s): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let f = s.next(Route::ComfyView, &headers, &[]);
    if let Some(r) = common(&f, ErrStyle::Comfy).await {
        return r;
    }
    file_bytes(q.get("filename").map(String::as_str).unwrap_or(""))
}

async fn comfy_stats(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let f = s.next(Route::ComfyStats, &headers, &[]);
    if let Some(r) = common(&f, ErrStyle::Comfy).await {
        return r;
    }
    Json(json!({"system": {"os": "posix", "comfyui_version": "0.3.0"}, "devices": []}))
        .into_response()
}

async fn file(State(s): State<Shared>, Path(name): Path<String>, headers: HeaderMap) -> Response {
    let f = s.next(Route::File, &headers, &[]);
    if let Some(r) = common(&f, ErrStyle::OpenAi).await {
        return r;
    }
    if f != Fault::Ok {
        return ([("content-type", "image/png")], image_for(&f)).into_response();
    }
    file_bytes(&name)
}

fn file_bytes(name: &str) -> Response {
    match name {
        "garbage.png" => {
            ([("content-type", "image/png")], image_for(&Fault::Garbage)).into_response()
        }
        "truncated.png" => (
            [("content-type", "image/png")],
            image_for(&Fault::TruncatedImage),
        )
            .into_response(),
        "bomb.png" => ([("content-type", "image/png")], bomb()).into_response(),
        "page.png" => ([("content-type", "text/html")], HTML).into_response(),
        _ => ([("content-type", "image/png")], png()).into_response(),
    }
}
