//! The fault server's routes for reference pictures, each as the provider documents it:
//! OpenAI's `/v1/images/edits` (multipart, `image[]` parts that must carry an image type, as
//! OpenAI refuses `application/octet-stream`), Stability's `/v2beta/stable-image/control/style`,
//! the Automatic1111 ControlNet extension's `/controlnet/model_list`, `/module_list` and
//! `/settings` (scripting `Status(404)` on [`Route::A1111ControlNet`] is a server without the
//! extension), and ComfyUI's `/upload/image` (answers the name it kept).

use super::*;

pub(super) fn router(shared: Shared) -> Router<()> {
    Router::new()
        .route("/v1/images/edits", post(openai_edits))
        .route(
            "/v2beta/stable-image/control/{kind}",
            post(stability_control),
        )
        .route("/controlnet/{what}", get(controlnet))
        .route("/upload/image", post(comfy_upload))
        .with_state(shared)
}

/// The parts of a multipart body: (headers, content) each, split on the boundary the
/// Content-Type names.
pub fn multipart_parts(headers: &HeaderMap, body: &[u8]) -> Vec<(String, Vec<u8>)> {
    let ctype = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(boundary) = ctype.split("boundary=").nth(1) else {
        return Vec::new();
    };
    parts_within(body, boundary.trim_matches('"'))
}

/// The parts of a multipart body as a test kept it (its boundary read from its first line).
pub fn form_parts(body: &[u8]) -> Vec<(String, Vec<u8>)> {
    let first = body.split(|b| *b == b'\r').next().unwrap_or_default();
    let boundary = String::from_utf8_lossy(first.get(2..).unwrap_or_default()).into_owned();
    parts_within(body, &boundary)
}

fn parts_within(body: &[u8], boundary: &str) -> Vec<(String, Vec<u8>)> {
    let delim = format!("--{boundary}");
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(at) = find(rest, delim.as_bytes()) {
        rest = &rest[at + delim.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        let Some(head_end) = find(rest, b"\r\n\r\n") else {
            break;
        };
        let head = String::from_utf8_lossy(&rest[..head_end]).into_owned();
        let content_start = head_end + 4;
        let end = find(&rest[content_start..], delim.as_bytes())
            .map_or(rest.len(), |e| content_start + e);
        let content = rest[content_start..end.saturating_sub(2).max(content_start)].to_vec();
        out.push((head, content));
        rest = &rest[end..];
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len().max(1)).position(|w| w == needle)
}

async fn openai_edits(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let f = s.next(Route::OpenAiEdits, &headers, &body);
    if let Some(r) = common(&f, ErrStyle::OpenAi).await {
        return r;
    }
    let parts = multipart_parts(&headers, &body);
    let images: Vec<&(String, Vec<u8>)> = parts
        .iter()
        .filter(|(h, _)| h.contains("name=\"image[]\"") || h.contains("name=\"image\""))
        .collect();
    let untyped = images.iter().any(|(h, _)| {
        !h.lines()
            .any(|l| l.to_ascii_lowercase().starts_with("content-type: image/"))
    });
    if images.is_empty() || untyped {
        let body = json!({"error": {"message": "Invalid file 'image': unsupported mimetype ('application/octet-stream'). Supported file formats are 'image/jpeg', 'image/png', and 'image/webp'.", "type": "invalid_request_error", "param": "image", "code": "unsupported_file_mimetype"}});
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    json_with_type(
        json!({"created": 1_700_000_000, "data": [{"b64_json": b64(&image_for(&f))}]}),
        &f,
    )
}

async fn stability_control(
    State(s): State<Shared>,
    Path(_kind): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f = s.next(Route::StabilityControl, &headers, &body);
    if let Some(r) = common(&f, ErrStyle::Stability).await {
        return r;
    }
    let parts = multipart_parts(&headers, &body);
    if !parts.iter().any(|(h, _)| h.contains("name=\"image\"")) {
        let body = json!({"id": "x", "name": "bad_request", "errors": ["image: required"]});
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    (
        [
            ("content-type", "image/png"),
            ("finish-reason", "SUCCESS"),
            ("seed", "42"),
        ],
        image_for(&f),
    )
        .into_response()
}

async fn controlnet(
    State(s): State<Shared>,
    Path(what): Path<String>,
    headers: HeaderMap,
) -> Response {
    let f = s.next(Route::A1111ControlNet, &headers, &[]);
    if let Some(r) = common(&f, ErrStyle::A1111).await {
        return r;
    }
    match what.as_str() {
        "model_list" => Json(json!({"model_list": ["control_v11p_sd15_canny [d14c016b]", "ip-adapter_sd15 [6a3f6166]"]})).into_response(),
        "module_list" => Json(json!({"module_list": ["none", "canny", "ip-adapter_clip_h", "ip-adapter_face_id"], "module_detail": {}})).into_response(),
        "settings" => Json(json!({"control_net_unit_count": 3})).into_response(),
        "version" => Json(json!({"version": 2})).into_response(),
        _ => (StatusCode::NOT_FOUND, Json(json!({"detail": "Not Found"}))).into_response(),
    }
}

async fn comfy_upload(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let f = s.next(Route::ComfyUpload, &headers, &body);
    if let Some(r) = common(&f, ErrStyle::Comfy).await {
        return r;
    }
    let parts = multipart_parts(&headers, &body);
    let name = parts.iter().find_map(|(h, _)| {
        h.contains("name=\"image\"")
            .then(|| h.split("filename=\"").nth(1)?.split('"').next())
            .flatten()
            .map(str::to_string)
    });
    match name {
        Some(n) => Json(json!({"name": n, "subfolder": "", "type": "input"})).into_response(),
        None => (StatusCode::BAD_REQUEST, "no image").into_response(),
    }
}
