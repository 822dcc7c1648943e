//! The fault server's speech routes: OpenAI's `/v1/audio/speech` (raw 16-bit PCM at 24 kHz)
//! and ElevenLabs' `/v1/text-to-speech/{voice}/with-timestamps` (base64 PCM at 22050 Hz and
//! a per-character alignment), answering with the scripted fault of the route. The "speech"
//! is a hummed tone in syllable-long bursts, as long as the text takes to read.

use super::*;

pub(super) fn router(shared: Shared) -> Router<()> {
    Router::new()
        .route("/v1/audio/speech", post(openai_speech))
        .route(
            "/v1/text-to-speech/{voice}/with-timestamps",
            post(elevenlabs_speech),
        )
        .route("/v1/voices", get(elevenlabs_voices))
        .with_state(shared)
}

/// Speech-like samples for `text` at `rate`: 70 ms a character, a 180 Hz tone that swells
/// and fades per syllable (speech's sign changes stay rare, unlike noise).
pub fn speech_samples(text: &str, rate: u32) -> Vec<i16> {
    let chars = text.chars().count().max(1);
    let n = (rate as usize * chars * 70) / 1000;
    (0..n)
        .map(|i| {
            let t = i as f32 / rate as f32;
            let swell = (t * std::f32::consts::PI * 4.0).sin().abs();
            ((t * 180.0 * std::f32::consts::TAU).sin() * swell * 9000.0) as i16
        })
        .collect()
}

fn le_bytes(samples: &[i16]) -> Vec<u8> {
    samples.iter().flat_map(|s| s.to_le_bytes()).collect()
}

/// Audio bytes as a success-like fault shapes them: noise for `Garbage`, cut short and in
/// the middle of a sample for `TruncatedImage`.
fn audio_for(f: &Fault, text: &str, rate: u32) -> Vec<u8> {
    let good = le_bytes(&speech_samples(text, rate));
    match f {
        Fault::Garbage => (0..good.len() as u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect(),
        Fault::TruncatedImage => good[..(good.len() / 40) | 1].to_vec(),
        _ => good,
    }
}

fn field(body: &[u8], name: &str) -> String {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v[name].as_str().map(str::to_string))
        .unwrap_or_default()
}

async fn openai_speech(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let f = s.next(Route::OpenAiSpeech, &headers, &body);
    if let Some(r) = common(&f, ErrStyle::OpenAi).await {
        return r;
    }
    let text = field(&body, "input");
    let ctype = if f == Fault::WrongContentType {
        "application/json"
    } else {
        "audio/pcm"
    };
    ([("content-type", ctype)], audio_for(&f, &text, 24_000)).into_response()
}

async fn elevenlabs_speech(
    State(s): State<Shared>,
    Path(_voice): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f = s.next(Route::ElevenLabsSpeech, &headers, &body);
    if let Some(r) = eleven_common(&f).await {
        return r;
    }
    let text = field(&body, "text");
    let audio = audio_for(&f, &text, 22_050);
    let chars: Vec<String> = text.chars().map(|c| c.to_string()).collect();
    let step = 0.07;
    let starts: Vec<f64> = (0..chars.len()).map(|i| i as f64 * step).collect();
    let ends: Vec<f64> = (0..chars.len()).map(|i| (i + 1) as f64 * step).collect();
    json_with_type(
        json!({
            "audio_base64": b64(&audio),
            "alignment": {"characters": chars, "character_start_times_seconds": starts,
                          "character_end_times_seconds": ends},
            "normalized_alignment": null
        }),
        &f,
    )
}

async fn elevenlabs_voices(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let f = s.next(Route::ElevenLabsVoices, &headers, &[]);
    if let Some(r) = eleven_common(&f).await {
        return r;
    }
    Json(
        json!({"voices": [{"voice_id": "21m00Tcm4TlvDq8ikWAM", "name": "Rachel"},
                           {"voice_id": "AZnzlk1XvdvUeBnXmlld", "name": "Domi"}]}),
    )
    .into_response()
}

/// ElevenLabs' own error shapes: `{"detail": {"status", "message"}}`, and an account out of
/// credit answers 401 with the status `quota_exceeded`.
async fn eleven_common(f: &Fault) -> Option<Response> {
    let detail = |status: u16, code: &str, message: &str| {
        (
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            Json(json!({"detail": {"status": code, "message": message}})),
        )
            .into_response()
    };
    match f {
        Fault::Unauthorized => Some(detail(401, "invalid_api_key", "Invalid API key")),
        Fault::Quota => Some(detail(
            401,
            "quota_exceeded",
            "This request exceeds your quota. You have 12 credits remaining, while 80 credits are required for this request.",
        )),
        Fault::Status(code) => Some(detail(*code, "server_error", "Something went wrong")),
        _ => common(f, ErrStyle::OpenAi).await,
    }
}
