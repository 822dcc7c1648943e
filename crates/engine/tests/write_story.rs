//! A story from an idea, against a fake chat server on 127.0.0.1 speaking the
//! chat-completions wire format (streaming and not): good answers, server errors, a hang, a
//! stall mid-stream, garbage, answers that break the schema, answers cut at the length limit,
//! refusals, keys, models, and random answers.

use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use storyreel_engine::config::{StoryConfig, WriteConfig};
use storyreel_engine::secrets::{NoSecrets, SecretSource, StaticSecrets};
use storyreel_engine::write::{write_story, Idea, WriteEvent};
use storyreel_engine::Error;
use storyreel_testkit::chat::{ChatServer, Reply};

fn cfg(server: &ChatServer) -> WriteConfig {
    WriteConfig {
        endpoints: vec![server.base_url()],
        idle_s: 1,
        timeout_s: 20,
        tries: 3,
        ..Default::default()
    }
}

fn idea(scenes: u32) -> Idea {
    Idea {
        idea: "a lighthouse keeper's last night".into(),
        scenes: Some(scenes),
        language: None,
        tone: Some("quiet, melancholy".into()),
    }
}

async fn run(
    cfg: &WriteConfig,
    idea: &Idea,
    secrets: &dyn SecretSource,
) -> (
    Result<storyreel_engine::write::WrittenStory, Error>,
    Vec<WriteEvent>,
) {
    let mut events = Vec::new();
    let r = write_story(idea, cfg, 200, secrets, &mut |e| events.push(e)).await;
    (r, events)
}

#[tokio::test]
async fn a_streamed_story_arrives_in_drafts_and_reads_as_a_story() {
    let server = ChatServer::start(&["llama3.2", "qwen"]);
    let (r, events) = run(&cfg(&server), &idea(5), &NoSecrets).await;
    let w = r.unwrap();
    assert_eq!(w.story.scenes.len(), 5);
    assert_eq!(w.model, "llama3.2");
    let parsed =
        storyreel_engine::story::parse(w.markdown.as_bytes(), "s.md", &StoryConfig::default())
            .unwrap();
    assert_eq!(parsed.scenes.len(), 5);
    assert_eq!(parsed.cast.characters[0].name, "Elias");
    assert!(parsed.scenes[4]
        .prompt
        .as_deref()
        .unwrap()
        .contains("spiral stair"));
    // Drafts came while it arrived, growing, and the last is the whole story.
    let drafts: Vec<u32> = events
        .iter()
        .filter_map(|e| match e {
            WriteEvent::Draft { scenes, .. } => Some(*scenes),
            _ => None,
        })
        .collect();
    assert!(drafts.len() >= 2, "drafts: {drafts:?}");
    assert!(drafts.windows(2).all(|w| w[0] <= w[1]), "{drafts:?}");
    assert_eq!(drafts.last(), Some(&5));
    assert!(matches!(&events[0], WriteEvent::Asking { model, .. } if model == "llama3.2"));
    // The request: streamed, the schema, the idea, the count, the tone.
    let req = &server.requests()[0];
    assert_eq!(req["stream"], json!(true));
    assert_eq!(req["model"], json!("llama3.2"));
    assert_eq!(req["response_format"]["type"], json!("json_schema"));
    assert_eq!(req["response_format"]["json_schema"]["strict"], json!(true));
    let said = req["messages"].to_string();
    assert!(said.contains("lighthouse keeper") && said.contains("exactly 5 scenes"));
    assert!(said.contains("melancholy"));
    // No key was set, so none was sent.
    assert_eq!(server.auth(), vec![None]);
}

#[tokio::test]
async fn a_whole_answer_from_a_server_that_does_not_stream_is_taken() {
    let server = ChatServer::start(&["m"]);
    let text = storyreel_testkit::chat::good_story(2).to_string();
    server.script([Reply::Whole(json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]}))]);
    let (r, _) = run(&cfg(&server), &idea(2), &NoSecrets).await;
    assert_eq!(r.unwrap().story.scenes.len(), 2);
}

#[tokio::test]
async fn server_errors_garbage_cut_and_broken_answers_are_asked_again() {
    for (bad, told) in [
        (
            Reply::Status(500, "{\"error\":{\"message\":\"boom\"}}".into()),
            "server error",
        ),
        (Reply::Garbage(7), "not a chat completion"),
        (Reply::Cut, "cut off"),
        (
            Reply::Text("{\"title\": \"T\", \"scenes\": []}".into()),
            "no scenes",
        ),
        (
            Reply::Text(storyreel_testkit::chat::good_story(2).to_string()),
            "has 2 scenes, and 3",
        ),
        (
            Reply::Text("Sure! Here is a story about a lighthouse.".into()),
            "not valid JSON",
        ),
    ] {
        let server = ChatServer::start(&["m"]);
        server.script([bad.clone()]);
        let (r, events) = run(&cfg(&server), &idea(3), &NoSecrets).await;
        assert_eq!(r.unwrap().story.scenes.len(), 3, "after {bad:?}");
        let again = events.iter().find_map(|e| match e {
            WriteEvent::Again { attempt, why } => Some((*attempt, why.clone())),
            _ => None,
        });
        let (attempt, why) = again.unwrap_or_else(|| panic!("no retry after {bad:?}"));
        assert_eq!(attempt, 2);
        assert!(why.contains(told), "{bad:?}: {why}");
        let reqs = server.requests();
        assert_eq!(reqs.len(), 2);
        // An unusable answer is shown to the model with what was wrong with it.
        if matches!(bad, Reply::Text(_) | Reply::Cut) {
            let msgs = reqs[1]["messages"].as_array().unwrap();
            assert_eq!(msgs.len(), 4, "{bad:?}");
            assert_eq!(msgs[2]["role"], json!("assistant"));
            assert!(
                msgs[3]["content"].as_str().unwrap().contains(told),
                "{bad:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_hang_and_a_stall_end_in_a_sentence_within_the_idle_limit() {
    for bad in [Reply::Hang, Reply::StallMidway] {
        let server = ChatServer::start(&["m"]);
        server.set_default(bad.clone());
        let c = WriteConfig {
            tries: 2,
            ..cfg(&server)
        };
        let began = Instant::now();
        let (r, _) = run(&c, &idea(3), &NoSecrets).await;
        let e = r.unwrap_err();
        assert!(matches!(e, Error::Writer(_)), "{e:?}");
        let m = e.to_string();
        assert!(
            m.contains("stopped answering for 1 s") && m.contains("2 tries"),
            "{m}"
        );
        assert!(
            m.contains("Nothing was saved") && m.contains("write the story yourself"),
            "{m}"
        );
        assert!(
            began.elapsed() < Duration::from_secs(10),
            "{:?}",
            began.elapsed()
        );
    }
}

#[tokio::test]
async fn a_refusal_is_said_at_once_and_not_asked_again() {
    let server = ChatServer::start(&["m"]);
    server.set_default(Reply::Refusal("I can't help with that.".into()));
    let (r, _) = run(&cfg(&server), &idea(3), &NoSecrets).await;
    let m = r.unwrap_err().to_string();
    assert!(
        m.contains("declined") && m.contains("I can't help with that."),
        "{m}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn answers_that_never_fit_end_in_a_sentence_not_half_a_story() {
    let server = ChatServer::start(&["m"]);
    server.set_default(Reply::Text(
        "{\"title\": \"T\", \"scenes\": [{\"title\": \"a\", \"words\": \"w\"}]}".into(),
    ));
    let (r, events) = run(&cfg(&server), &idea(1), &NoSecrets).await;
    let m = r.unwrap_err().to_string();
    assert!(
        m.contains("did not write a usable story in 3 tries")
            && m.contains("scene 1 has no picture"),
        "{m}"
    );
    assert_eq!(server.requests().len(), 3);
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, WriteEvent::Again { .. }))
            .count(),
        2
    );
}

#[tokio::test]
async fn no_endpoint_answering_is_one_line_that_points_to_writing_the_story() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let c = WriteConfig {
        endpoints: vec![format!("http://127.0.0.1:{port}/v1")],
        ..Default::default()
    };
    let (r, _) = run(&c, &idea(3), &NoSecrets).await;
    let e = r.unwrap_err();
    let m = e.to_string();
    assert_eq!(e.code(), storyreel_engine::ErrorCode::Writer);
    assert!(!m.contains('\n'));
    assert!(
        m.starts_with("No story writer answers") && m.contains("write the story yourself"),
        "{m}"
    );
}

#[tokio::test]
async fn a_named_endpoint_gets_its_key_and_errors_never_show_it() {
    let server = ChatServer::start(&["m"]);
    server.script([Reply::Status(
        401,
        "{\"error\":{\"message\":\"bad key sk-secret-123\"}}".into(),
    )]);
    let secrets = StaticSecrets::default().with("write", "sk-secret-123");
    let (r, _) = run(&cfg(&server), &idea(3), &secrets).await;
    let m = r.unwrap_err().to_string();
    assert!(m.contains("rejected the API key"), "{m}");
    assert!(!m.contains("sk-secret-123"), "{m}");
    assert_eq!(server.auth(), vec![Some("Bearer sk-secret-123".into())]);
}

#[tokio::test]
async fn a_configured_model_the_server_lacks_is_named_with_the_ones_it_has() {
    let server = ChatServer::start(&["llama3.2", "mistral"]);
    let c = WriteConfig {
        model: Some("gpt-9".into()),
        ..cfg(&server)
    };
    let (r, _) = run(&c, &idea(3), &NoSecrets).await;
    let m = r.unwrap_err().to_string();
    assert!(
        m.contains("no model `gpt-9`") && m.contains("llama3.2, mistral"),
        "{m}"
    );
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn random_answers_never_panic_and_end_in_a_story_or_a_sentence() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5EED);
    let server = ChatServer::start(&["m"]);
    for round in 0..40 {
        let reply = match rng.random_range(0..5) {
            0 => Reply::Status(rng.random_range(100..600), random_text(&mut rng)),
            1 => Reply::Garbage(rng.random()),
            2 => Reply::Text(random_text(&mut rng)),
            3 => Reply::Whole(random_json(&mut rng, 3)),
            _ => Reply::Text(mangle(
                &storyreel_testkit::chat::good_story(2).to_string(),
                &mut rng,
            )),
        };
        server.script([reply.clone()]);
        server.set_default(Reply::Status(503, String::new()));
        let c = WriteConfig {
            tries: 1,
            ..cfg(&server)
        };
        let (r, _) = run(&c, &idea(2), &NoSecrets).await;
        match r {
            Ok(w) => assert_eq!(w.story.scenes.len(), 2, "round {round}"),
            Err(e) => {
                let m = e.to_string();
                assert!(matches!(e, Error::Writer(_)), "round {round}: {e:?}");
                assert!(!m.is_empty() && m.len() < 1200, "round {round}: {m}");
            }
        }
    }
}

fn random_text(rng: &mut impl Rng) -> String {
    let n = rng.random_range(0..200);
    (0..n)
        .map(|_| char::from_u32(rng.random_range(1..0x3000)).unwrap_or('?'))
        .collect()
}

fn random_json(rng: &mut impl Rng, depth: u32) -> Value {
    match (depth, rng.random_range(0..6)) {
        (0, _) | (_, 0) => json!(rng.random::<i64>()),
        (_, 1) => json!(random_text(rng)),
        (_, 2) => Value::Null,
        (_, 3) => Value::Array(
            (0..rng.random_range(0..4))
                .map(|_| random_json(rng, depth - 1))
                .collect(),
        ),
        _ => {
            let mut m = serde_json::Map::new();
            for k in ["choices", "message", "content", "error", "delta", "refusal"] {
                if rng.random_bool(0.4) {
                    m.insert(k.into(), random_json(rng, depth - 1));
                }
            }
            Value::Object(m)
        }
    }
}

fn mangle(s: &str, rng: &mut impl Rng) -> String {
    let mut b: Vec<char> = s.chars().collect();
    for _ in 0..rng.random_range(1..4) {
        let i = rng.random_range(0..b.len());
        match rng.random_range(0..3) {
            0 => {
                b.remove(i);
            }
            1 => b.insert(i, ['{', '"', ']', ','][rng.random_range(0..4)]),
            _ => b.truncate(i.max(1)),
        }
    }
    b.into_iter().collect()
}
