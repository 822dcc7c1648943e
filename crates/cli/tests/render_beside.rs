//! Rendering never stops the other lanes: while `make -o` holds the data folder and renders a
//! long video, a story handed to it from another terminal is made (pictures and all) and its
//! `make` returns, the holder still rendering; the follower says what the holder does.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::Sandbox;

/// Twenty scenes of 8 s: a video long enough to render for a while on any machine.
fn long_script() -> String {
    let scenes: Vec<String> = (1..=20)
        .map(|i| format!(r#"{{"text": "Scene {i}: the ferry crosses the bay as the gulls follow.", "duration_s": 8}}"#))
        .collect();
    format!("[{}]", scenes.join(",\n"))
}

#[test]
fn a_story_handed_to_a_rendering_holder_is_made_before_the_render_ends() {
    let sb = Sandbox::new();
    let long = sb.write("long.json", &long_script());
    let short = sb.write(
        "short.md",
        "# Harbour\n\nThe boats come in.\n\nThe nets are mended.\n",
    );
    let mut holder = sb
        .cmd()
        .args(["make", long.to_str().unwrap(), "--no-voice", "-o"])
        .arg(sb.path("long.mp4"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let said = Arc::new(Mutex::new(String::new()));
    let reader = {
        let said = said.clone();
        let err = holder.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let mut s = said.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        })
    };
    let t0 = Instant::now();
    while !said.lock().unwrap().contains("Rendering the video") {
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "the holder did not start rendering: {}",
            said.lock().unwrap()
        );
        assert!(
            holder.try_wait().unwrap().is_none(),
            "the holder ended early"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let follower = sb.run(&["make", short.to_str().unwrap(), "--no-voice"]);
    let still_rendering = holder.try_wait().unwrap().is_none();
    assert_eq!(follower.code, 0, "{}{}", follower.stdout, follower.stderr);
    assert!(
        follower
            .stderr
            .contains("has the data folder open and works its queue"),
        "{}",
        follower.stderr
    );
    assert!(
        follower.stdout.contains("Done: 'Harbour' has 2 scenes"),
        "{}",
        follower.stdout
    );
    assert!(
        still_rendering,
        "the handed story was made only after the render: {}",
        said.lock().unwrap()
    );

    let status = holder.wait().unwrap();
    reader.join().unwrap();
    assert!(status.success(), "{}", said.lock().unwrap());
    assert!(sb.path("long.mp4").is_file());
}
