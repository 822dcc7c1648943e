//! One OpenAI-compatible chat endpoint: asked whether it answers and which model it has
//! (`/models`), then asked for a completion (`/chat/completions`), streamed where the server
//! streams, with every text piece handed on as it comes. The stream is read with a limit on
//! its size and on how long the server may stay silent.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use serde_json::{json, Value};

use crate::config::write::{Endpoint, WriteConfig};
use crate::config::ProviderConfig;
use crate::remote::http::ProviderHttp;
use crate::remote::ProviderError;
use crate::secrets::Secret;

/// The most text an answer may have.
const MAX_ANSWER_BYTES: usize = 2 * 1024 * 1024;
/// How long the question "are you there, and which models do you have" may take.
const PROBE: Duration = Duration::from_secs(5);

/// How an answer ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The model's text; `cut`: it stopped at its length limit or the stream broke off.
    Text { text: String, cut: bool },
    /// The model declined, in its words.
    Refusal(String),
}

pub struct ChatEndpoint {
    http: ProviderHttp,
    pub label: String,
    pub model: String,
    idle: Duration,
}

impl ChatEndpoint {
    /// Asks `ep` whether it answers and picks the model: the configured one, or the first it
    /// lists. `key` goes only to endpoints named in the config, never to the local guesses.
    pub async fn probe(
        ep: &Endpoint,
        cfg: &WriteConfig,
        key: Option<Secret>,
    ) -> Result<ChatEndpoint, ProviderError> {
        let pc = ProviderConfig {
            name: "write",
            section: "write",
            enabled: true,
            base_url: ep.base_url.clone(),
            model: cfg.model.clone().unwrap_or_default(),
            api_key_env: cfg.api_key_env.clone(),
            timeout: cfg.timeout(),
            poll_timeout: cfg.timeout(),
            poll_interval: Duration::from_secs(1),
            quality: None,
            steps: 0,
            cfg_scale: 0.0,
            sampler: None,
            workflow: None,
            checkpoint: None,
            reference_model: None,
            reference_workflow: None,
        };
        let http = ProviderHttp::new(pc, "the story writer", key, 0)?;
        let label = ep.label.clone();
        let asked = tokio::time::timeout(PROBE, async {
            let resp = http
                .client
                .get(http.url("/models"))
                .headers(auth(&http))
                .send()
                .await
                .map_err(|e| http.transport(e))?;
            let status = resp.status();
            if status.as_u16() == 404 {
                // A server without the list (some proxies): fine when a model is named.
                return Ok(Value::Null);
            }
            http.json::<Value>(resp).await.map_err(|e| {
                if status.is_success() {
                    ProviderError::terminal(
                        "bad_response",
                        format!("{label} answered, but not as an OpenAI-compatible server does"),
                    )
                } else {
                    e
                }
            })
        })
        .await
        .map_err(|_| {
            ProviderError::transient(
                "timeout",
                format!("{label} did not answer within {} s", PROBE.as_secs()),
            )
        })??;
        let listed: Vec<String> = asked
            .get("data")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|m| m.get("id").and_then(Value::as_str))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let model = match &cfg.model {
            Some(m) if listed.is_empty() || listed.contains(m) => m.clone(),
            Some(m) => {
                let shown: Vec<&str> = listed.iter().take(8).map(String::as_str).collect();
                return Err(ProviderError::terminal(
                    "unknown_model",
                    format!(
                        "{label} has no model `{m}` (it has {}); set [write] model to one of them",
                        shown.join(", ")
                    ),
                ));
            }
            None => match listed.first() {
                Some(m) => m.clone(),
                None => {
                    return Err(ProviderError::terminal(
                        "no_model",
                        format!(
                        "{label} answers but has no model; install one there, or set [write] model"
                    ),
                    ))
                }
            },
        };
        Ok(ChatEndpoint {
            http,
            label: ep.label.clone(),
            model,
            idle: cfg.idle(),
        })
    }

    /// Asks for one completion of `messages` in the story schema; each piece of text is handed
    /// to `on_text` as it arrives.
    pub async fn complete(
        &self,
        messages: &[Value],
        schema: &Value,
        on_text: &mut (dyn FnMut(&str) + Send),
    ) -> Result<Answer, ProviderError> {
        let body = json!({
            "model": self.model,
            "messages": messages,
            "stream": true,
            "temperature": 0.8,
            "response_format": {
                "type": "json_schema",
                "json_schema": { "name": "story", "strict": true, "schema": schema }
            }
        });
        let send = self
            .http
            .client
            .post(self.http.url("/chat/completions"))
            .headers(auth(&self.http))
            .json(&body)
            .send();
        let resp = tokio::time::timeout(self.idle, send)
            .await
            .map_err(|_| self.silent())?
            .map_err(|e| self.http.transport(e))?;
        let resp = self.http.check(resp).await?;
        let streamed = crate::remote::http::content_type(&resp).starts_with("text/event-stream");
        let mut resp = resp;
        let mut stream = Stream::default();
        let mut whole: Vec<u8> = Vec::new();
        loop {
            let chunk = tokio::time::timeout(self.idle, resp.chunk())
                .await
                .map_err(|_| self.silent())?
                .map_err(|e| self.http.transport(e))?;
            let Some(chunk) = chunk else { break };
            if whole.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(ProviderError::terminal(
                    "too_large",
                    format!(
                        "{} sent more than {} MB; no story is that long",
                        self.label,
                        MAX_ANSWER_BYTES / (1024 * 1024)
                    ),
                ));
            }
            if streamed {
                stream
                    .feed(&chunk, on_text)
                    .map_err(|m| self.unreadable(&m))?;
                if stream.done {
                    break;
                }
            } else {
                whole.extend_from_slice(&chunk);
            }
        }
        if streamed {
            return Ok(stream.finish());
        }
        let v: Value = serde_json::from_slice(&whole)
            .map_err(|e| self.unreadable(&crate::remote::http::json_problem(&e)))?;
        let answer = one_answer(&v).map_err(|m| self.unreadable(&m))?;
        if let Answer::Text { text, .. } = &answer {
            on_text(text);
        }
        Ok(answer)
    }

    fn silent(&self) -> ProviderError {
        ProviderError::transient(
            "timeout",
            format!(
                "{} stopped answering for {} s",
                self.label,
                self.idle.as_secs()
            ),
        )
    }

    fn unreadable(&self, why: &str) -> ProviderError {
        ProviderError::transient(
            "bad_response",
            format!(
                "{} sent an answer that is not a chat completion ({})",
                self.label,
                self.http.scrub(why)
            ),
        )
    }
}

fn auth(http: &ProviderHttp) -> HeaderMap {
    let mut h = HeaderMap::new();
    if let Some(k) = &http.key {
        if let Ok(mut v) = HeaderValue::from_str(&format!("Bearer {}", k.expose())) {
            v.set_sensitive(true);
            h.insert(AUTHORIZATION, v);
        }
    }
    h
}

/// A whole (not streamed) completion.
fn one_answer(v: &Value) -> Result<Answer, String> {
    if let Some(e) = v.get("error") {
        return Err(error_words(e));
    }
    let choice = v
        .get("choices")
        .and_then(|c| c.get(0))
        .ok_or("it has no choices")?;
    let msg = choice.get("message").ok_or("its choice has no message")?;
    if let Some(r) = msg.get("refusal").and_then(Value::as_str) {
        if !r.trim().is_empty() {
            return Ok(Answer::Refusal(r.trim().to_string()));
        }
    }
    let finish = choice.get("finish_reason").and_then(Value::as_str);
    if finish == Some("content_filter") {
        return Ok(Answer::Refusal(String::new()));
    }
    let text = msg
        .get("content")
        .and_then(Value::as_str)
        .ok_or("its message has no text")?;
    Ok(Answer::Text {
        text: text.to_string(),
        cut: finish == Some("length"),
    })
}

fn error_words(e: &Value) -> String {
    let m = e
        .get("message")
        .and_then(Value::as_str)
        .or_else(|| e.as_str())
        .unwrap_or("an error without words");
    format!(
        "it reported an error: {}",
        m.chars().take(300).collect::<String>()
    )
}

/// A server-sent event stream of completion chunks, read as it comes.
#[derive(Default)]
struct Stream {
    pending: Vec<u8>,
    text: String,
    refusal: String,
    finish: Option<String>,
    done: bool,
}

impl Stream {
    fn feed(&mut self, bytes: &[u8], on_text: &mut (dyn FnMut(&str) + Send)) -> Result<(), String> {
        self.pending.extend_from_slice(bytes);
        while let Some(nl) = self.pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=nl).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\n', '\r']);
            let Some(data) = line.strip_prefix("data:") else {
                continue; // comments, `event:` and blank lines between events
            };
            let data = data.trim();
            if data == "[DONE]" {
                self.done = true;
                return Ok(());
            }
            let v: Value = serde_json::from_str(data)
                .map_err(|e| format!("an event {}", crate::remote::http::json_problem(&e)))?;
            if let Some(e) = v.get("error") {
                return Err(error_words(e));
            }
            let Some(choice) = v.get("choices").and_then(|c| c.get(0)) else {
                continue; // a usage-only chunk
            };
            let delta = choice.get("delta").unwrap_or(&Value::Null);
            if let Some(t) = delta.get("content").and_then(Value::as_str) {
                self.text.push_str(t);
                on_text(t);
            }
            if let Some(r) = delta.get("refusal").and_then(Value::as_str) {
                self.refusal.push_str(r);
            }
            if let Some(f) = choice.get("finish_reason").and_then(Value::as_str) {
                self.finish = Some(f.to_string());
            }
        }
        Ok(())
    }

    fn finish(self) -> Answer {
        if !self.refusal.trim().is_empty() || self.finish.as_deref() == Some("content_filter") {
            return Answer::Refusal(self.refusal.trim().to_string());
        }
        // Cut at the length limit, or the stream ended without saying it was done.
        let cut = self.finish.as_deref() == Some("length") || (self.finish.is_none() && !self.done);
        Answer::Text {
            text: self.text,
            cut,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_all(parts: &[&str]) -> Result<Answer, String> {
        let mut s = Stream::default();
        let mut seen = String::new();
        for p in parts {
            s.feed(p.as_bytes(), &mut |t| seen.push_str(t))?;
        }
        let a = s.finish();
        if let Answer::Text { text, .. } = &a {
            assert_eq!(&seen, text);
        }
        Ok(a)
    }

    #[test]
    fn events_split_anywhere_are_joined() {
        let a = feed_all(&[
            "data: {\"choices\":[{\"delta\":{\"content\":\"{\\\"ti\"}}]}\n\nda",
            "ta: {\"choices\":[{\"delta\":{\"content\":\"tle\\\"\"},\"finish_reason\":\"stop\"}]}\r\n\r\n",
            ": keep-alive\n\ndata: [DONE]\n\n",
        ])
        .unwrap();
        assert_eq!(
            a,
            Answer::Text {
                text: "{\"title\"".into(),
                cut: false
            }
        );
    }

    #[test]
    fn cut_refused_and_broken_streams_are_told_apart() {
        let cut = feed_all(&[
            "data: {\"choices\":[{\"delta\":{\"content\":\"{\"},\"finish_reason\":\"length\"}]}\n",
        ])
        .unwrap();
        assert!(matches!(cut, Answer::Text { cut: true, .. }));
        let broke = feed_all(&["data: {\"choices\":[{\"delta\":{\"content\":\"{\"}}]}\n"]).unwrap();
        assert!(matches!(broke, Answer::Text { cut: true, .. }));
        let no = feed_all(&[
            "data: {\"choices\":[{\"delta\":{\"refusal\":\"I can't\"}}]}\ndata: [DONE]\n",
        ])
        .unwrap();
        assert_eq!(no, Answer::Refusal("I can't".into()));
        assert!(feed_all(&["data: {nope\n"])
            .unwrap_err()
            .contains("not valid JSON"));
        assert!(
            feed_all(&["data: {\"error\":{\"message\":\"overloaded\"}}\n"])
                .unwrap_err()
                .contains("overloaded")
        );
    }

    #[test]
    fn whole_answers_are_read() {
        let v = json!({"choices":[{"message":{"content":"{}"},"finish_reason":"stop"}]});
        assert_eq!(
            one_answer(&v).unwrap(),
            Answer::Text {
                text: "{}".into(),
                cut: false
            }
        );
        let v = json!({"choices":[{"message":{"content":null,"refusal":"no"}}]});
        assert_eq!(one_answer(&v).unwrap(), Answer::Refusal("no".into()));
        assert!(one_answer(&json!({"choices": []})).is_err());
    }
}
