//! A story in a script no installed font covers: the cards still render, each scene says which
//! writing system lacks a font and how to get one, and `doctor` reports what the fonts cover.
//! The system's fonts are hidden by pointing fontconfig at an empty folder.

mod common;

use common::Sandbox;

const STORY: &str = "灯台の光は一晩中回り続けた。\n\n海は長く灰色の波で答えた。\n";

fn empty_fontconfig(sb: &Sandbox) -> std::path::PathBuf {
    let empty = sb.path("no-fonts");
    std::fs::create_dir_all(&empty).unwrap();
    sb.write(
        "fonts.conf",
        &format!(
            "<?xml version=\"1.0\"?>\n<fontconfig><dir>{}</dir></fontconfig>\n",
            empty.display()
        ),
    )
}

#[test]
fn a_script_without_a_font_renders_and_says_what_to_install() {
    let sb = Sandbox::new();
    let conf = empty_fontconfig(&sb);
    let story = sb.write("story.md", STORY);
    let out = sb
        .cmd()
        .env("FONTCONFIG_FILE", &conf)
        .args(["make", story.to_str().unwrap()])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(!said.contains("panicked"), "{said}");
    let st = sb.status_json();
    let scenes = st["projects"][0]["scenes"].as_array().unwrap();
    assert_eq!(scenes.len(), 2, "{st}");
    for s in scenes {
        assert_eq!(s["status"], "succeeded", "{s}");
        let note = s["error"]["message"].as_str().unwrap_or("");
        assert!(
            note.contains("Japanese") && note.contains("fonts-noto-cjk"),
            "the scene names the missing script and the package: {s}"
        );
        let image = s["image"].as_str().unwrap();
        assert!(std::path::Path::new(image).is_file(), "{s}");
    }

    let out = sb
        .cmd()
        .env("FONTCONFIG_FILE", &conf)
        .arg("doctor")
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("fonts"), "{report}");
    assert!(
        report.contains("Latin") && report.contains("no font for") && report.contains("Japanese"),
        "{report}"
    );
}

#[test]
fn doctor_reports_the_installed_fonts() {
    let sb = Sandbox::new();
    let out = sb.cmd().arg("doctor").output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    let line = report
        .lines()
        .find(|l| l.contains("fonts"))
        .unwrap_or_else(|| panic!("no fonts line: {report}"));
    // The CI installs the Noto, CJK, Thai and emoji fonts: every sample is covered.
    for script in ["Latin", "Arabic", "Thai", "Japanese", "Korean", "emoji"] {
        assert!(line.contains(script), "{line}");
    }
    assert!(!line.contains("no font for"), "{line}");
}
