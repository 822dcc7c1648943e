//! Batches: a folder of ten stories, one of them broken, made into a folder of videos while
//! the process is killed (SIGKILL) twice; run again each time, it ends with every good story's
//! video made exactly once, no finished scene made again, and the broken story in the table
//! with its reason. Also a batch list with options of its own, and a file of the person's at a
//! video's place left alone.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::Sandbox;
use storyreel_engine::model::{JobStatus, Lane};
use storyreel_engine::{Config, Engine, EngineOptions};

fn story(i: usize) -> String {
    format!(
        "# Harbour {i}\n\nThe boats came home on day {i}.\n\nA gull watched them from the lamp.\n"
    )
}

fn videos(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|n| n.ends_with(".mp4") && !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Runs the batch until `out` holds `at_least` videos, then kills it; false if it ended first.
fn kill_after(sb: &Sandbox, args: &[&str], out: &Path, at_least: usize) -> bool {
    let mut child = sb
        .cmd()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        if videos(out).len() >= at_least {
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            return true;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(300),
            "the batch made no progress"
        );
        std::thread::sleep(Duration::from_millis(15));
    }
}

/// Each (project, lane, scene)'s last job: its status and when it finished.
type Finished = HashMap<String, (JobStatus, Option<u64>)>;

/// Every job of the data folder: (project, lane, scene) → (status, finished_at), and how many
/// jobs each (project, lane, scene) has.
fn jobs(sb: &Sandbox) -> (Finished, HashMap<String, usize>) {
    let engine = Engine::open(EngineOptions::new(sb.data(), Config::default())).unwrap();
    let mut state = HashMap::new();
    let mut count: HashMap<String, usize> = HashMap::new();
    for j in engine.jobs().unwrap() {
        let key = format!("{}/{:?}/{:?}", j.project_id, j.lane(), j.scene_index);
        *count.entry(key.clone()).or_default() += 1;
        state.insert(key, (j.status, j.finished_at));
    }
    drop(engine);
    (state, count)
}

#[test]
fn a_folder_of_ten_with_one_broken_survives_two_kills_and_makes_each_video_once() {
    let sb = Sandbox::new();
    let dir = sb.path("stories");
    std::fs::create_dir(&dir).unwrap();
    for i in 1..=9 {
        std::fs::write(dir.join(format!("harbour-{i:02}.md")), story(i)).unwrap();
    }
    std::fs::write(dir.join("harbour-05b.json"), "[{\"text\": \"unclosed\"").unwrap();
    let out = sb.path("videos");
    let args = ["make", dir.to_str().unwrap(), "-o", out.to_str().unwrap()];

    let mut kills = 0;
    if kill_after(&sb, &args, &out, 2) {
        kills += 1;
    }
    let (after_first, _) = jobs(&sb);
    if kill_after(&sb, &args, &out, 5) {
        kills += 1;
    }
    let (before_last, _) = jobs(&sb);
    let run = sb.run(&args);
    run.expect(
        1,
        &[
            "harbour-05b.json",
            "not a valid JSON script",
            "9 of 10 stories made",
        ],
    );
    assert_eq!(kills, 2, "the batch ended before it could be killed twice");

    // Nine videos, each a real MP4 with sound, and no half-written file left behind.
    let made = videos(&out);
    assert_eq!(made.len(), 9, "{made:?}");
    for v in &made {
        let secs = common::duration_of(&out.join(v));
        assert!(secs > 1.0, "{v}: {secs} s");
    }
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // One project per good story, one render job each; nothing finished was run again.
    let status = sb.status_json();
    assert_eq!(status["projects"].as_array().unwrap().len(), 9, "{status}");
    let (last, count) = jobs(&sb);
    let renders: Vec<_> = count
        .iter()
        .filter(|(k, _)| k.contains(&format!("{:?}", Lane::Render)))
        .collect();
    assert_eq!(renders.len(), 9, "{renders:?}");
    for (k, n) in &count {
        assert_eq!(*n, 1, "{k} has {n} jobs");
    }
    for earlier in [&after_first, &before_last] {
        for (k, (st, at)) in earlier.iter() {
            if *st == JobStatus::Succeeded {
                assert_eq!(
                    last.get(k),
                    Some(&(JobStatus::Succeeded, *at)),
                    "{k} ran again"
                );
            }
        }
    }
    // The table: a row per story, the broken one with its reason.
    let table = &run.stdout;
    assert!(table.starts_with("story"), "{table}");
    for i in 1..=9 {
        let line = table
            .lines()
            .find(|l| l.starts_with(&format!("harbour-{i:02}.md")))
            .unwrap();
        assert!(line.contains(&format!("harbour-{i:02}.mp4")), "{line}");
        assert!(line.contains("espeak-ng"), "{line}");
    }
}

#[test]
fn a_batch_list_gives_stories_their_own_options_and_a_persons_file_stays() {
    let sb = Sandbox::new();
    sb.write("one.md", &story(1));
    sb.write("two.md", &story(2));
    sb.write(
        "list.toml",
        "[[story]]\nfile = \"one.md\"\nvoice = \"off\"\noutput = \"first\"\n\n[[story]]\nfile = \"two.md\"\ntitle = \"The Second\"\n",
    );
    let out = sb.path("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("two.mp4"), "my own notes").unwrap();
    let run = sb.run(&[
        "make",
        sb.path("list.toml").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    run.expect(
        1,
        &[
            "first.mp4",
            "two.mp4 already exists and is not a video StoryReel made",
            "1 of 2 stories made",
        ],
    );
    assert_eq!(
        std::fs::read_to_string(out.join("two.mp4")).unwrap(),
        "my own notes"
    );
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("one.md"))
        .unwrap();
    assert!(line.contains("none"), "{line}");
    assert!(common::duration_of(&out.join("first.mp4")) > 1.0);
    let (one, two) = (sb.path("one.md"), sb.path("two.md"));
    let (one, two) = (one.to_str().unwrap(), two.to_str().unwrap());
    let video = sb.path("x.mp4");
    sb.run(&["make", one, two, "-o", video.to_str().unwrap()])
        .expect(2, &["names a video", "give -o a folder"]);
    sb.run(&["make", one, two, "--title", "T"])
        .expect(2, &["--title names one story"]);
    let bad = sb.write("bad.toml", "[[story]]\nfile = \"one.md\"\nspeed = 2\n");
    sb.run(&["make", bad.to_str().unwrap()])
        .expect(2, &["bad.toml (line 3) cannot be read", "speed"]);
}
