//! The render lane is shown like the others: `status` says a video is queued or rendering
//! (not "done"), `work` says when it renders and what it made, `doctor` beside a holder is
//! answered by that holder, and a second `make` of work done before says so instead of a time.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Holder, Sandbox};

/// `scenes` scenes of `secs` s each.
fn script(scenes: u32, secs: u32) -> String {
    let scenes: Vec<String> = (1..=scenes)
        .map(|i| format!(r#"{{"text": "Scene {i}: the ferry crosses the bay as the gulls follow.", "duration_s": {secs}}}"#))
        .collect();
    format!("[{}]", scenes.join(",\n"))
}

/// Starts `storyreel ARGS`, its stderr gathered; returns once a line contains `until`.
fn spawn_until(
    sb: &Sandbox,
    args: &[&str],
    until: &str,
) -> (std::process::Child, Arc<Mutex<String>>) {
    let mut child = sb
        .cmd()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let said = Arc::new(Mutex::new(String::new()));
    {
        let said = said.clone();
        let err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let mut s = said.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
    }
    let t0 = Instant::now();
    while !said.lock().unwrap().contains(until) {
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "never said {until:?}: {}",
            said.lock().unwrap()
        );
        assert!(child.try_wait().unwrap().is_none(), "it ended early");
        std::thread::sleep(Duration::from_millis(20));
    }
    (child, said)
}

fn interrupt(child: &mut std::process::Child) -> i32 {
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap().code().unwrap_or(-1)
}

#[test]
fn status_and_doctor_beside_a_rendering_holder() {
    let sb = Sandbox::new();
    let long = sb.write("long.json", &script(20, 8));
    let out = sb.path("long.mp4");
    let (mut holder, _) = spawn_until(
        &sb,
        &[
            "make",
            long.to_str().unwrap(),
            "--no-voice",
            "-o",
            out.to_str().unwrap(),
        ],
        "Rendering the video",
    );
    // Its scenes are done, its video is not: the list says it renders.
    let list = sb.run(&["list"]);
    list.expect(0, &["rendering", "20/20 scenes"]);
    assert!(!list.stdout.contains(" done "), "{}", list.stdout);
    sb.run(&["status", "long"])
        .expect(0, &["status rendering", "video: rendering now"]);
    let json = sb.status_json();
    assert_eq!(json["projects"][0]["render"]["status"], "running", "{json}");

    // The holder answers the checks; its hold is information, not a failure.
    let doctor = sb.run(&["doctor"]);
    doctor.expect(0, &["held by", "`storyreel make`", "database"]);
    assert!(!doctor.stdout.contains("FAIL"), "{}", doctor.stdout);
    assert!(
        holder.try_wait().unwrap().is_none(),
        "the render ended before the checks: make the script longer"
    );
    interrupt(&mut holder);
}

#[test]
fn work_says_the_render_it_runs_and_what_it_made() {
    let sb = Sandbox::new();
    let story = sb.write("bay.json", &script(4, 6));
    let out = sb.path("bay.mp4");
    let (mut maker, _) = spawn_until(
        &sb,
        &[
            "make",
            story.to_str().unwrap(),
            "--no-voice",
            "-o",
            out.to_str().unwrap(),
        ],
        "Rendering the video",
    );
    // Stopped during its render: the render goes back to the queue.
    assert_eq!(interrupt(&mut maker), 130);
    sb.run(&["list"]).expect(0, &["to render", "4/4 scenes"]);
    sb.run(&["status", "bay"])
        .expect(0, &["status to render", "video: queued to render"]);

    let work = sb.run(&["work", "--until-idle"]);
    work.expect(
        0,
        &[
            "rendering the video of 'bay'",
            "video of 'bay' made",
            "Made 1 video.",
        ],
    );
    let status = sb.run(&["status", "bay"]);
    status.expect(0, &["video: "]);
    assert!(!status.stdout.contains("rendering"), "{}", status.stdout);
    assert!(!status.stdout.contains("queued"), "{}", status.stdout);
}

#[test]
fn a_make_of_work_made_before_says_so_and_the_render_says_its_time() {
    let sb = Sandbox::new();
    let story = sb.write("quay.json", &script(3, 2));
    sb.run(&["make", story.to_str().unwrap(), "--no-voice"])
        .expect(
            0,
            &["Done: 'quay' has 3 scenes with images (3 title cards) in "],
        );
    let out = sb.path("quay.mp4");
    let again = sb.run(&[
        "make",
        story.to_str().unwrap(),
        "--no-voice",
        "-o",
        out.to_str().unwrap(),
    ]);
    again.expect(
        0,
        &[
            "Done: 'quay' has 3 scenes with images (3 title cards), all made before",
            "rendered in ",
        ],
    );
    let done = again
        .stdout
        .lines()
        .find(|l| l.starts_with("Done:"))
        .unwrap();
    assert!(
        !done.contains(" in "),
        "no time for work it did not do: {done}"
    );
}

#[test]
fn doctor_beside_a_working_holder_is_answered_by_it() {
    let sb = Sandbox::new();
    let _holder = Holder::start(&sb, 0);
    let doctor = sb.run(&["doctor"]);
    doctor.expect(0, &["held by", "`storyreel work`", "works its queue"]);
    assert!(!doctor.stdout.contains("FAIL"), "{}", doctor.stdout);
    let json = sb.run(&["doctor", "--json"]);
    json.expect(0, &[]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert!(
        v["checks"]
            .as_array()
            .is_some_and(|c| c.iter().all(|c| c["ok"] == true) && c.len() > 2),
        "{v}"
    );
}
