//! A story from an idea: an OpenAI-compatible chat endpoint (a local server when one answers,
//! else one the config names) is asked for a story as JSON against a schema; the answer is
//! checked, asked for again with the reason when it is cut short or does not follow the
//! schema, and turned into a Markdown story the person reads and edits before it is made.
//! Nothing is sent to an endpoint the config does not name (`local` is this machine's).

mod chat;
mod partial;
mod story;

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

pub use chat::{Answer, ChatEndpoint};
pub use partial::so_far;
pub use story::{check, schema, to_markdown, Written, WrittenCharacter, WrittenScene};

use crate::config::WriteConfig;
use crate::error::{Error, Result};
use crate::remote::ProviderError;
use crate::secrets::SecretSource;

/// The longest idea taken.
pub const MAX_IDEA_CHARS: usize = 2000;

/// What the person asks for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Idea {
    pub idea: String,
    /// How many scenes (default: `[write] scenes`).
    pub scenes: Option<u32>,
    /// The language of the words: a code or a name (default: the idea's own language).
    pub language: Option<String>,
    /// The tone, in the person's words ("eerie", "funny, for children").
    pub tone: Option<String>,
}

/// What happens while a story is written, for a front end to show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WriteEvent {
    /// The endpoint and model that write it.
    Asking { endpoint: String, model: String },
    /// The story so far, as Markdown (sent a few times a second while it arrives).
    Draft { markdown: String, scenes: u32 },
    /// The last answer could not be used; it is asked for again.
    Again { attempt: u32, why: String },
}

/// A written story, checked, and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct WrittenStory {
    pub story: Written,
    pub markdown: String,
    pub endpoint: String,
    pub model: String,
}

/// How often a draft is handed on while the story arrives.
const DRAFT_EVERY: Duration = Duration::from_millis(150);

/// The idea checked and its settings settled: scenes clamped, language known.
fn settle(
    idea: &Idea,
    cfg: &WriteConfig,
    max_scenes: usize,
) -> Result<(String, u32, Option<&'static str>)> {
    let text = idea.idea.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return Err(Error::Input(
            "The idea is empty: say in a few words what the story is about.".into(),
        ));
    }
    if text.chars().count() > MAX_IDEA_CHARS {
        return Err(Error::Input(format!(
            "The idea is {} characters long; keep it to {MAX_IDEA_CHARS}, or write the story itself and make it.",
            text.chars().count()
        )));
    }
    let most = u32::try_from(max_scenes.min(60)).unwrap_or(60);
    let scenes = idea.scenes.unwrap_or(cfg.scenes);
    if !(1..=most).contains(&scenes) {
        return Err(Error::Input(format!(
            "A story can be written with 1 to {most} scenes; {scenes} were asked for."
        )));
    }
    let language = match idea.language.as_deref().map(str::trim) {
        None | Some("") | Some("auto") => None,
        Some(code) => Some(
            crate::language::by_code(code)
                .ok_or_else(|| {
                    Error::Input(format!(
                        "`{code}` is not a language StoryReel knows; give a code such as en, fr, de or es, or a name such as French."
                    ))
                })?
                .name,
        ),
    };
    Ok((text, scenes, language))
}

/// The question, in the words the model is given.
fn messages(idea: &str, scenes: u32, language: Option<&str>, tone: Option<&str>) -> Vec<Value> {
    let system = format!(
        "You write short stories told by a narrator over pictures, for a vertical video. Answer with one JSON object and nothing else, following this schema: {}. `title`: the story's title. `look`: a few style words every picture shares. `cast`: each character who comes back in several scenes, with a description of how they look (face, hair, clothes), for the pictures. `scenes`: each with a short `title`, the `words` the narrator says (two to four sentences) and `picture`: what the scene's picture shows, in concrete visual words, naming the characters in it.",
        schema()
    );
    let mut ask = format!("Write a story about: {idea}\nIt has exactly {scenes} scenes.");
    if let Some(l) = language {
        ask.push_str(&format!(
            "\nWrite the title and the words in {l}; write the pictures in English."
        ));
    }
    if let Some(t) = tone.map(str::trim).filter(|t| !t.is_empty()) {
        ask.push_str(&format!(
            "\nThe tone: {}.",
            t.chars().take(200).collect::<String>()
        ));
    }
    vec![
        json!({ "role": "system", "content": system }),
        json!({ "role": "user", "content": ask }),
    ]
}

/// The first endpoint that answers, or a sentence saying none does (and why each did not).
pub async fn find_endpoint(cfg: &WriteConfig, secrets: &dyn SecretSource) -> Result<ChatEndpoint> {
    let named: Vec<String> = cfg
        .endpoints
        .iter()
        .filter(|e| *e != "local")
        .cloned()
        .collect();
    let mut why: Vec<String> = Vec::new();
    for ep in cfg.endpoints() {
        let named_here = named.iter().any(|n| n.trim_end_matches('/') == ep.base_url);
        let key = if named_here {
            secrets.get("write", cfg.api_key_env.as_deref())
        } else {
            None
        };
        match ChatEndpoint::probe(&ep, cfg, key).await {
            Ok(found) => return Ok(found),
            Err(e) if e.code == "unreachable" || e.code == "timeout" => {
                tracing::debug!(endpoint = %ep.label, "no story writer: {}", e.message)
            }
            Err(e) => why.push(e.message),
        }
    }
    let asked: Vec<String> = cfg.endpoints().into_iter().map(|e| e.label).collect();
    Err(Error::Writer(if why.is_empty() {
        format!(
            "No story writer answers: nothing runs at {} ([write] endpoints). Start a local model server (Ollama, llama.cpp's server or LM Studio), name one in [write] endpoints, or write the story yourself and make it.",
            asked.join(", ")
        )
    } else {
        format!(
            "No story writer could be used: {}. Write the story yourself and make it, or fix [write] and try again.",
            why.join("; ")
        )
    }))
}

/// Writes a story from `idea`; `on` hears what happens (the endpoint, drafts, retries).
pub async fn write_story(
    idea: &Idea,
    cfg: &WriteConfig,
    max_scenes: usize,
    secrets: &dyn SecretSource,
    on: &mut (dyn FnMut(WriteEvent) + Send),
) -> Result<WrittenStory> {
    let (text, scenes, language) = settle(idea, cfg, max_scenes)?;
    let endpoint = find_endpoint(cfg, secrets).await?;
    on(WriteEvent::Asking {
        endpoint: endpoint.label.clone(),
        model: endpoint.model.clone(),
    });
    let mut msgs = messages(&text, scenes, language, idea.tone.as_deref());
    let schema = schema();
    let who = format!("{} ({})", endpoint.label, endpoint.model);
    let mut last_problem = String::new();
    for attempt in 1..=cfg.tries {
        if attempt > 1 {
            on(WriteEvent::Again {
                attempt,
                why: last_problem.clone(),
            });
            // A short pause before asking again: a server that just failed may need a moment.
            tokio::time::sleep(Duration::from_millis(300 * u64::from(attempt - 1))).await;
        }
        let mut so_far_text = String::new();
        let mut last_draft = Instant::now();
        let answer = {
            let mut on_text = |piece: &str| {
                so_far_text.push_str(piece);
                if last_draft.elapsed() >= DRAFT_EVERY {
                    last_draft = Instant::now();
                    let w = partial::so_far(&so_far_text);
                    on(WriteEvent::Draft {
                        markdown: to_markdown(&w),
                        scenes: w.scenes.len() as u32,
                    });
                }
            };
            endpoint.complete(&msgs, &schema, &mut on_text).await
        };
        match answer {
            Ok(Answer::Refusal(words)) => {
                let said = if words.is_empty() {
                    String::new()
                } else {
                    format!(" (\"{}\")", words.chars().take(300).collect::<String>())
                };
                return Err(Error::Writer(format!(
                    "{who} declined to write this story{said}. Nothing was saved. Change the idea, or write the story yourself and make it."
                )));
            }
            Ok(Answer::Text { text, cut }) => {
                let checked = if cut {
                    Err(story::Problem(
                        "the answer was cut off before it ended".into(),
                    ))
                } else {
                    check(&text, scenes)
                };
                match checked {
                    Ok(story) => {
                        let markdown = to_markdown(&story);
                        on(WriteEvent::Draft {
                            markdown: markdown.clone(),
                            scenes: story.scenes.len() as u32,
                        });
                        return Ok(WrittenStory {
                            story,
                            markdown,
                            endpoint: endpoint.label.clone(),
                            model: endpoint.model.clone(),
                        });
                    }
                    Err(story::Problem(p)) => {
                        tracing::info!(attempt, "the story writer's answer is not usable: {p}");
                        // The model sees what was wrong with its answer, and answers again.
                        let shown: String = text.chars().take(20_000).collect();
                        msgs.truncate(2);
                        msgs.push(json!({ "role": "assistant", "content": shown }));
                        msgs.push(json!({ "role": "user", "content": format!("That answer cannot be used: {p}. Answer again with the whole story as one JSON object that follows the schema, with exactly {scenes} scenes.") }));
                        last_problem = p;
                    }
                }
            }
            Err(e) if e.retryable => {
                tracing::info!(attempt, "the story writer failed: {}", e.message);
                last_problem = trim_stop(&e.message);
            }
            Err(e) => return Err(writer_failed(&who, &e)),
        }
    }
    Err(Error::Writer(format!(
        "{who} did not write a usable story in {}: {last_problem}. Nothing was saved. Try again, set another model in [write] model, or write the story yourself and make it.",
        if cfg.tries == 1 { "1 try".to_string() } else { format!("{} tries", cfg.tries) }
    )))
}

fn trim_stop(s: &str) -> String {
    s.trim_end_matches('.').to_string()
}

fn writer_failed(who: &str, e: &ProviderError) -> Error {
    Error::Writer(format!(
        "{who} cannot write the story: {}. Nothing was saved.",
        trim_stop(&e.message)
    ))
}

impl crate::Engine {
    /// Writes a story from `idea` with this engine's `[write]` settings and keys.
    pub async fn write_story(
        &self,
        idea: &Idea,
        on: &mut (dyn FnMut(WriteEvent) + Send),
    ) -> Result<WrittenStory> {
        let cfg = self.config();
        write_story(
            idea,
            &cfg.write,
            cfg.story.max_scenes,
            self.inner.secrets.as_ref(),
            on,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ideas_are_checked_before_anything_is_asked() {
        let cfg = WriteConfig::default();
        let idea = |s: &str| Idea {
            idea: s.into(),
            ..Default::default()
        };
        assert!(settle(&idea("  "), &cfg, 200).is_err());
        assert!(settle(&idea(&"x".repeat(3000)), &cfg, 200)
            .unwrap_err()
            .to_string()
            .contains("2000"));
        let (_, n, l) = settle(
            &Idea {
                scenes: Some(4),
                language: Some("fr".into()),
                ..idea("a cat")
            },
            &cfg,
            200,
        )
        .unwrap();
        assert_eq!((n, l), (4, Some("French")));
        assert!(settle(
            &Idea {
                scenes: Some(0),
                ..idea("a cat")
            },
            &cfg,
            200
        )
        .is_err());
        assert!(settle(
            &Idea {
                scenes: Some(9),
                ..idea("a cat")
            },
            &cfg,
            5
        )
        .is_err());
        assert!(settle(
            &Idea {
                language: Some("klingon".into()),
                ..idea("a cat")
            },
            &cfg,
            200
        )
        .is_err());
    }
}
