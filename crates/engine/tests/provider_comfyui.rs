//! ComfyUI against the fault server: the fault matrix, the wire format (workflow, history
//! polling, `/view`), user workflow files with placeholders, and ComfyUI's own errors.

mod providers;

use std::path::Path;
use std::time::Duration;

use providers::{check_matrix, config, engine, outcome, run, run_story, Case};
use serde_json::{json, Value};
use storyreel_engine::config::Config;
use storyreel_engine::model::Aspect;
use storyreel_engine::providers::comfyui::seed;
use storyreel_testkit::{Fault, FaultServer, Route};

fn case(fault: Fault, code: Option<&'static str>, calls: usize) -> Case {
    Case {
        fault,
        ok: code.is_none(),
        code,
        calls,
    }
}

/// The node of `class` in a posted workflow.
fn node<'a>(wf: &'a Value, class: &str) -> &'a Value {
    let nodes = wf.as_object().expect("the workflow is a JSON object");
    let mut found = nodes.values().filter(|n| n["class_type"] == class);
    let n = found.next().unwrap_or_else(|| panic!("no {class} in {wf}"));
    assert!(found.next().is_none(), "one {class} only");
    n
}

/// The CLIPTextEncode node that KSampler's `input` (positive or negative) links to.
fn text_of<'a>(wf: &'a Value, input: &str) -> &'a Value {
    let link = &node(wf, "KSampler")["inputs"][input];
    let id = link[0].as_str().expect("a link [id, output]");
    assert_eq!(wf[id]["class_type"], "CLIPTextEncode");
    &wf[id]["inputs"]["text"]
}

fn with_workflow(server: &FaultServer, file: &Path) -> Config {
    let mut c = config(server, &["comfyui"]);
    c.providers.comfyui.workflow = Some(file.to_path_buf());
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comfyui_fault_matrix() {
    let ms = Duration::from_millis;
    let prompt_faults = [
        case(Fault::Ok, None, 1),
        case(Fault::Slow(ms(300)), None, 1),
        case(Fault::WrongContentType, None, 1),
        case(Fault::Hang, Some("timeout"), 3),
        case(Fault::Status(500), Some("server_error"), 3),
        case(Fault::Status(502), Some("server_error"), 3),
        case(Fault::Status(503), Some("server_error"), 3),
        case(Fault::RateLimited(0), Some("rate_limited"), 3),
        case(Fault::Html, Some("bad_response"), 3),
        case(Fault::Close, Some("network"), 3),
        case(Fault::Status(400), Some("bad_request"), 1),
        case(Fault::UnknownModel, Some("not_found"), 1),
    ];
    check_matrix("comfyui", Route::ComfyPrompt, &prompt_faults).await;
    // The history names a broken file; each try queues the (cached) workflow again.
    let image_faults = [
        case(Fault::Garbage, Some("bad_image"), 3),
        case(Fault::TruncatedImage, Some("bad_image"), 3),
        case(Fault::Bomb, Some("bad_image"), 3),
    ];
    check_matrix("comfyui", Route::ComfyHistory, &image_faults).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comfyui_speaks_its_wire_format() {
    let server = FaultServer::start();
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), config(&server, &["comfyui"]));
    let (scenes, _) = run(&e, 1).await;
    let s = &scenes[0];
    assert_eq!(outcome(s), ("comfyui".into(), false, None));
    let img = s.image.as_ref().unwrap();
    assert_eq!(
        (img.width, img.height),
        (1080, 1920),
        "normalised to the frame"
    );
    assert_eq!(img.model.as_deref(), Some("sd_xl_base_1.0.safetensors"));

    let body = server.last_json(Route::ComfyPrompt);
    let client_id = body["client_id"].as_str().unwrap();
    assert_eq!((client_id.len(), client_id.matches('-').count()), (36, 4));
    let wf = &body["prompt"];
    assert!(s.prompt.contains("lighthouse"), "{}", s.prompt);
    assert_eq!(text_of(wf, "positive"), &json!(s.prompt));
    assert_eq!(
        text_of(wf, "negative"),
        &json!(s.negative_prompt.clone().unwrap_or_default())
    );
    let latent = &node(wf, "EmptyLatentImage")["inputs"];
    assert_eq!(
        (&latent["width"], &latent["height"]),
        (&json!(576), &json!(1024))
    );
    assert_eq!(
        node(wf, "CheckpointLoaderSimple")["inputs"]["ckpt_name"],
        "sd_xl_base_1.0.safetensors"
    );
    let k = &node(wf, "KSampler")["inputs"];
    assert_eq!(
        k["seed"],
        json!(storyreel_engine::model::Cast::default().seed(s.project_id)),
        "the project's seed"
    );
    assert_eq!((&k["steps"], &k["cfg"]), (&json!(25), &json!(7.0)));
    assert_eq!(k["sampler_name"], "euler");
    assert_eq!(node(wf, "SaveImage")["inputs"]["images"], json!(["8", 0]));
    assert!(
        !wf.to_string().contains("{{"),
        "every placeholder is filled: {wf}"
    );
    let calls = [Route::ComfyPrompt, Route::ComfyHistory, Route::ComfyView];
    assert_eq!(calls.map(|r| server.hits(r)), [1, 1, 1]);
}

#[test]
fn seeds_are_stable_per_scene_and_differ_between_scenes() {
    let (a, b) = (uuid_like(1), uuid_like(2));
    assert_eq!(seed(a, 1, 1), seed(a, 1, 1));
    assert_ne!(seed(a, 1, 1), seed(a, 2, 1));
    assert_ne!(seed(a, 1, 1), seed(b, 1, 1));
    assert_ne!(
        seed(a, 1, 1),
        seed(a, 1, 2),
        "regenerating gives a new picture"
    );
    assert!([seed(a, 1, 1), seed(a, 2, 1), seed(b, 1, 1)]
        .iter()
        .all(|s| *s < 1 << 53));
}

fn uuid_like(n: u128) -> uuid::Uuid {
    uuid::Uuid::from_u128(n)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comfyui_polls_the_history_until_the_picture_is_done() {
    let server = FaultServer::start();
    server.polls_before_done(3);
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), config(&server, &["comfyui"]));
    let (scenes, _) = run(&e, 1).await;
    assert_eq!(outcome(&scenes[0]), ("comfyui".into(), false, None));
    assert_eq!(server.hits(Route::ComfyPrompt), 1, "queued once");
    let polls = server.times(Route::ComfyHistory);
    assert_eq!(polls.len(), 4, "3 empty answers, then the entry");
    for pair in polls.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(15),
            "polls are spaced by poll_interval"
        );
    }
    assert_eq!(server.hits(Route::ComfyView), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comfyui_sits_out_one_failed_poll_without_queueing_again() {
    let server = FaultServer::start();
    server.polls_before_done(1);
    server.script(Route::ComfyHistory, [Fault::Ok, Fault::Status(503)]);
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), config(&server, &["comfyui"]));
    let (scenes, _) = run(&e, 1).await;
    assert_eq!(outcome(&scenes[0]), ("comfyui".into(), false, None));
    assert_eq!(server.hits(Route::ComfyPrompt), 1);
    assert_eq!(server.hits(Route::ComfyHistory), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_history_that_never_completes_times_out_without_queueing_twice() {
    let server = FaultServer::start();
    server.polls_before_done(u32::MAX);
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&server, &["comfyui"]);
    cfg.providers.comfyui.poll_timeout_s = Some(1);
    let e = engine(&dir.path().join("data"), cfg);
    let (scenes, took) = run(&e, 1).await;
    assert_eq!(
        outcome(&scenes[0]),
        ("titlecard".into(), true, Some("timeout".into()))
    );
    assert_eq!(
        server.hits(Route::ComfyPrompt),
        1,
        "the prompt is queued once"
    );
    assert!(server.hits(Route::ComfyHistory) >= 10, "it kept polling");
    assert_eq!(server.hits(Route::ComfyView), 0);
    let msg = &scenes[0].error.as_ref().unwrap().message;
    assert!(msg.contains("within 1 s"), "{msg}");
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(4),
        "{took:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_workflow_gets_its_placeholders_filled_with_typed_values() {
    let server = FaultServer::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("my flow.json");
    let wf = json!({
        "10": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "{{checkpoint}}"}},
        "11": {"class_type": "CLIPTextEncode", "inputs": {"text": "{{prompt}}", "clip": ["10", 1]}},
        "12": {"class_type": "CLIPTextEncode", "inputs": {"text": "{{ negative_prompt }}", "clip": ["10", 1]}},
        "13": {"class_type": "EmptyLatentImage", "inputs": {"width": "{{width}}", "height": "{{height}}", "batch_size": 1}},
        "14": {"class_type": "KSampler", "inputs": {
            "seed": "{{seed}}", "steps": "{{steps}}", "cfg": "{{cfg_scale}}", "sampler_name": "{{sampler}}",
            "scheduler": "karras", "denoise": 1, "model": ["10", 0],
            "positive": ["11", 0], "negative": ["12", 0], "latent_image": ["13", 0]}},
        "15": {"class_type": "VAEDecode", "inputs": {"samples": ["14", 0], "vae": ["10", 2]}},
        "16": {"class_type": "PreviewImage", "inputs": {"images": ["15", 0]}},
        "17": {"class_type": "SaveImage", "inputs": {"filename_prefix": "{{prompt}} as text", "images": ["15", 0]}}
    });
    std::fs::write(&file, serde_json::to_string_pretty(&wf).unwrap()).unwrap();
    let mut cfg = with_workflow(&server, &file);
    let c = &mut cfg.providers.comfyui;
    (c.steps, c.cfg_scale) = (Some(30), Some(5.5));
    c.sampler = Some("dpmpp_2m".into());
    c.checkpoint = Some("v1-5-pruned-emaonly.safetensors".into());
    let e = engine(&dir.path().join("data"), cfg);
    let story =
        "Scene 1: The keeper said \"no ships tonight\" \\ and {{width}} {closed} the door.\n";
    let scenes = run_story(&e, story, "s.md", Aspect::default()).await;
    let s = &scenes[0];
    assert_eq!(outcome(s), ("comfyui".into(), false, None));
    assert_eq!(
        s.image.as_ref().unwrap().model.as_deref(),
        Some("v1-5-pruned-emaonly.safetensors")
    );

    let posted = &server.last_json(Route::ComfyPrompt)["prompt"];
    assert!(s.prompt.contains("\"no ships tonight\" \\"), "{}", s.prompt);
    assert_eq!(
        posted["11"]["inputs"]["text"],
        json!(s.prompt),
        "quotes survive"
    );
    assert_eq!(
        posted["12"]["inputs"]["text"],
        json!(s.negative_prompt.clone().unwrap_or_default())
    );
    assert_eq!(
        posted["10"]["inputs"]["ckpt_name"],
        "v1-5-pruned-emaonly.safetensors"
    );
    assert_eq!(
        posted["13"]["inputs"],
        json!({"width": 576, "height": 1024, "batch_size": 1})
    );
    let k = &posted["14"]["inputs"];
    assert_eq!(
        [&k["steps"], &k["cfg"], &k["sampler_name"], &k["scheduler"]],
        [
            &json!(30),
            &json!(5.5),
            &json!("dpmpp_2m"),
            &json!("karras")
        ]
    );
    assert_eq!(
        k["seed"],
        json!(storyreel_engine::model::Cast::default().seed(s.project_id))
    );
    assert_eq!(
        posted["17"]["inputs"]["filename_prefix"], "{{prompt}} as text",
        "only strings that are exactly a placeholder are replaced"
    );
    assert_eq!(posted["15"], wf["15"], "the rest is passed through");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_workflow_file_is_a_terminal_error_that_names_the_file() {
    let good_node = json!({"class_type": "CLIPTextEncode", "inputs": {"text": "{{prompt}}"}});
    let cases: [(&str, Option<String>, &str); 5] = [
        ("missing.json", None, "cannot be read"),
        ("notjson.json", Some("{\"3\": {\"class_type\": ".into()), "not valid JSON"),
        (
            "ui.json",
            Some(json!({"nodes": [], "links": [], "version": 0.4}).to_string()),
            "Export (API)",
        ),
        (
            "noprompt.json",
            Some(json!({"6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a cat"}}}).to_string()),
            "no {{prompt}}",
        ),
        (
            "typo.json",
            Some(json!({"6": good_node, "5": {"class_type": "EmptyLatentImage", "inputs": {"width": "{{widht}}"}}}).to_string()),
            "unknown placeholder {{widht}}",
        ),
    ];
    for (name, content, why) in cases {
        let server = FaultServer::start();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(name);
        if let Some(c) = &content {
            std::fs::write(&file, c).unwrap();
        }
        let e = engine(&dir.path().join("data"), with_workflow(&server, &file));
        let (scenes, _) = run(&e, 1).await;
        let s = &scenes[0];
        assert_eq!(
            outcome(s),
            ("titlecard".into(), true, Some("bad_workflow".into())),
            "{name}"
        );
        let msg = &s.error.as_ref().unwrap().message;
        assert!(msg.contains(&file.display().to_string()), "{name}: {msg}");
        assert!(msg.contains(why), "{name}: {msg}");
        assert_eq!(server.hits(Route::ComfyPrompt), 0, "{name}: nothing queued");
        let checked = e.chain().providers()[0].check().await;
        assert_eq!(
            checked.map_err(|e| e.code).err().as_deref(),
            Some("bad_workflow"),
            "{name}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_checkpoint_is_refused_with_comfyuis_node_error() {
    let server = FaultServer::start();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&server, &["comfyui"]);
    cfg.providers.comfyui.checkpoint = Some("nope_xl.safetensors".into());
    let e = engine(&dir.path().join("data"), cfg);
    let (scenes, _) = run(&e, 1).await;
    assert_eq!(
        outcome(&scenes[0]),
        ("titlecard".into(), true, Some("bad_request".into()))
    );
    let msg = &scenes[0].error.as_ref().unwrap().message;
    for part in [
        "CheckpointLoaderSimple",
        "Value not in list",
        "nope_xl.safetensors",
        "`checkpoint`",
    ] {
        assert!(msg.contains(part), "{part:?} in {msg}");
    }
    assert_eq!(
        server.hits(Route::ComfyPrompt),
        1,
        "a refused workflow is not sent again"
    );
    assert_eq!(server.hits(Route::ComfyHistory), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_execution_error_in_the_history_is_terminal_with_its_message() {
    let server = FaultServer::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("huge.json");
    let built_in = include_str!("../src/providers/comfyui_workflow.json");
    let mut wf: Value = serde_json::from_str(built_in).unwrap();
    wf["5"]["inputs"] = json!({"width": 8192, "height": 8192, "batch_size": 1});
    std::fs::write(&file, wf.to_string()).unwrap();
    let e = engine(&dir.path().join("data"), with_workflow(&server, &file));
    let (scenes, _) = run(&e, 1).await;
    assert_eq!(
        outcome(&scenes[0]),
        ("titlecard".into(), true, Some("execution_error".into()))
    );
    let msg = &scenes[0].error.as_ref().unwrap().message;
    assert!(
        msg.contains("KSampler (node 3)") && msg.contains("out of memory"),
        "{msg}"
    );
    assert_eq!(server.hits(Route::ComfyPrompt), 1);
    assert_eq!(server.hits(Route::ComfyView), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_check_asks_system_stats_and_spends_no_generation() {
    let server = FaultServer::start();
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), config(&server, &["comfyui"]));
    let comfy = e.chain().providers()[0].clone();
    assert_eq!(comfy.name(), "comfyui");
    let ok = comfy.check().await.unwrap();
    assert!(ok.contains("ComfyUI 0.3.0"), "{ok}");
    server.set_default(Route::ComfyStats, Fault::Hang);
    let err = comfy.check().await.unwrap_err();
    assert_eq!(err.code, "timeout");
    assert_eq!(server.hits(Route::ComfyStats), 2);
    assert_eq!(server.hits(Route::ComfyPrompt), 0);
}
