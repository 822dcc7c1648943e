//! `storyreel render` (and `make -o`): queue the project's video, run the render lane, show
//! its progress, and say where the MP4 is.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use storyreel_engine::model::{JobStatus, Lane, Project, RenderSpec};
use storyreel_engine::render::RenderRequest;
use storyreel_engine::{Engine, Error, Event, Result};

use crate::args::RenderOpts;

/// Paths as given on the command line, made absolute (the job may run in another process).
fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    }
}

/// The render spec from the options and the config; a missing input file is said at once.
pub fn spec(engine: &Engine, output: Option<&Path>, o: &RenderOpts) -> Result<RenderSpec> {
    let mut s = engine.config().render.spec();
    if let Some(f) = o.fps {
        s.fps = f;
    }
    s.captions &= !o.no_captions;
    if let Some(v) = o.music_volume {
        if !(0.0..=2.0).contains(&v) {
            return Err(Error::Input(format!(
                "--music-volume {v} is out of range: use 0 (silent) to 2 (double); 0.2 is the default."
            )));
        }
        s.music_volume = v;
    }
    for (path, what) in [(&o.music, "--music"), (&o.narration, "--narration")] {
        if let Some(p) = path {
            if !p.is_file() {
                return Err(Error::Input(format!(
                    "{what} {}: there is no such file.",
                    p.display()
                )));
            }
        }
    }
    // Audio that is not audio is said before any work, not after the pictures.
    if o.music.is_some() || o.narration.is_some() {
        let ff = storyreel_engine::render::ffmpeg::Ffmpeg::find(
            engine.config().render.ffmpeg.as_deref(),
        )?;
        for (path, what) in [(&o.music, "music"), (&o.narration, "narration")] {
            if let Some(p) = path {
                ff.audio_seconds(p, what)?;
            }
        }
    }
    if let Some(d) = &o.narration_dir {
        if !d.is_dir() {
            return Err(Error::Input(format!(
                "--narration-dir {}: there is no such folder.",
                d.display()
            )));
        }
    }
    if let Some(out) = output {
        // Before any work: a file of the person's there is never replaced (unless --force).
        engine.may_write_video(out, o.force).map_err(|e| match e {
            Error::Input(m) if !out.is_dir() => Error::Input(format!("{m} (--force replaces it)")),
            other => other,
        })?;
        let parent = absolute(out).parent().map(Path::to_path_buf);
        if parent.as_ref().is_some_and(|d| !d.is_dir()) {
            return Err(Error::Input(format!(
                "Cannot write the video to {}: its folder does not exist.",
                out.display()
            )));
        }
    }
    s.music = o.music.as_deref().map(absolute);
    s.narration = o.narration.as_deref().map(absolute);
    // A narration folder's files become the scenes' own recordings (`recordings`), so the
    // video, the subtitles, the export and later renders all hear them.
    s.narration_dir = None;
    Ok(s)
}

/// The narration folder's `scene-NNN` files as the scenes' own recordings (their word times
/// estimated); the same files again change nothing.
pub async fn recordings(engine: &Engine, project: &Project, o: &RenderOpts) -> Result<()> {
    let Some(dir) = &o.narration_dir else {
        return Ok(());
    };
    let took = engine
        .use_recordings_from(project.id, &absolute(dir))
        .await?;
    let ignored = engine.recordings_ignored(project.id, &absolute(dir))?;
    if !ignored.is_empty() {
        let shown: Vec<&str> = ignored.iter().take(5).map(String::as_str).collect();
        eprintln!(
            "note: {} in {} {} no scene's recording, so {} not used: {}{}. A recording is named scene-NNN with the scene's number in three digits and an audio ending (scene-002.wav, scene-010.mp3), for a scene '{}' has.",
            crate::output::plural(ignored.len(), "file"),
            dir.display(),
            if ignored.len() == 1 { "is" } else { "are" },
            if ignored.len() == 1 { "it is" } else { "they are" },
            shown.join(", "),
            if ignored.len() > shown.len() { ", …" } else { "" },
            project.title
        );
    }
    if took.is_empty() {
        eprintln!(
            "No scene-NNN audio file in {} matches a scene of '{}': the voice narrates them all.",
            dir.display(),
            project.title
        );
    }
    Ok(())
}

pub async fn render(
    engine: &Engine,
    project: &Project,
    output: Option<&Path>,
    opts: &RenderOpts,
) -> Result<ExitCode> {
    let spec = spec(engine, output, opts)?;
    recordings(engine, project, opts).await?;
    let output = output.map(absolute);
    let job = match engine.request_render(project, spec.clone()).await? {
        RenderRequest::UpToDate(v) => {
            if let Some(code) = save(engine, project, output.as_deref(), opts.force) {
                return Ok(code);
            }
            let at = match &output {
                Some(o) => o.display().to_string(),
                None => engine.assets().path(&v.hash, "mp4")?.display().to_string(),
            };
            println!(
                "Video of '{}' is up to date: {at} ({:.1} s).",
                project.title, v.duration_s
            );
            subtitles_line(output.as_deref(), &v);
            return Ok(ExitCode::SUCCESS);
        }
        RenderRequest::Queued(job) => job,
    };
    let began = std::time::Instant::now();
    let mut rx = engine.subscribe();
    let bar = std::io::stderr().is_terminal().then(|| {
        let b = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr_with_hz(10));
        b.set_style(
            ProgressStyle::with_template("rendering [{bar:36.cyan/blue}] {pos}/{len} frames {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        b
    });
    eprintln!("Rendering the video of '{}'…", project.title);
    if let Some(n) = &opts.narration {
        eprintln!(
            "{} is heard over the whole video, which lasts as long as it, in place of the voice. Nothing aligns its words with the scenes: the captions show each scene's whole text, and the subtitles' times are estimates.",
            n.file_name().map_or_else(|| n.display().to_string(), |f| f.to_string_lossy().into_owned())
        );
    }
    // Every lane, not the render's alone: work handed to this process meanwhile (a story from
    // another terminal, a retry) goes on while the video is made.
    let workers = engine.start_lanes(&Lane::ALL);
    let mut stop = crate::signals::listen();
    let mut last_tenth = 0;
    let outcome = loop {
        let j = engine.job(job.id)?;
        if let Some(j) = j.filter(|j| j.status.is_terminal()) {
            break Ok(j);
        }
        if let Some(e) = engine.halted() {
            // A full disk: the render is handed back, made once there is room.
            workers.shutdown().await;
            if let Some(b) = &bar {
                b.finish_and_clear();
            }
            return Err(e);
        }
        tokio::select! {
            ev = rx.recv() => {
                if let Ok(Event::Render { job_id, frames_done, frames_total, .. }) = ev {
                    if job_id != job.id || frames_total == 0 {
                        continue;
                    }
                    match &bar {
                        Some(b) => { b.set_length(frames_total); b.set_position(frames_done); }
                        None => {
                            let tenth = frames_done * 10 / frames_total;
                            if tenth > last_tenth {
                                last_tenth = tenth;
                                eprintln!("rendered {frames_done}/{frames_total} frames");
                            }
                        }
                    }
                }
            }
            _ = tokio::time::sleep(Duration::from_millis(200)) => {}
            code = stop.wait() => break Err(code),
        }
    };
    workers.shutdown().await;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let j = match outcome {
        Ok(j) => j,
        Err(code) => {
            eprintln!("Stopped. `storyreel render` again (or `storyreel work`) renders it.");
            return Ok(ExitCode::from(code));
        }
    };
    if j.status != JobStatus::Succeeded {
        let why = j
            .error
            .as_ref()
            .map_or("it was cancelled".to_string(), |e| e.message.clone());
        println!("The video of '{}' was not made: {why}", project.title);
        return Ok(ExitCode::from(1));
    }
    let p = crate::hints::find_project(engine, &project.id.to_string())?;
    let Some(v) = p.video.clone() else {
        return Ok(ExitCode::from(1));
    };
    if let Some(code) = save(engine, &p, output.as_deref(), opts.force) {
        return Ok(code);
    }
    let at = match &output {
        Some(o) => o.display().to_string(),
        None => engine.assets().path(&v.hash, "mp4")?.display().to_string(),
    };
    println!(
        "Video: {at} ({:.1} s, {}x{}, {} fps, {:.1} MB{}), rendered in {:.1} s.",
        v.duration_s,
        v.width,
        v.height,
        v.fps,
        v.bytes as f64 / 1e6,
        if v.audio { ", with audio" } else { "" },
        began.elapsed().as_secs_f64()
    );
    subtitles_line(output.as_deref(), &v);
    Ok(ExitCode::SUCCESS)
}

/// Where the subtitles were written beside the video, when it was written out.
fn subtitles_line(output: Option<&Path>, v: &storyreel_engine::model::VideoInfo) {
    if let (Some(out), Some(_)) = (output, &v.subtitles) {
        let (srt, vtt) = storyreel_engine::subtitles::beside(out);
        println!("Subtitles: {} and {}.", srt.display(), vtt.display());
    }
}

/// Copies the finished video to `output`, if one was asked for. A failure here does not undo
/// the render (the video stays in the data folder): it is said, with exit code 1.
fn save(
    engine: &Engine,
    project: &Project,
    output: Option<&Path>,
    force: bool,
) -> Option<ExitCode> {
    let out = output?;
    match engine.save_video(project, out, force) {
        Ok(()) => None,
        Err(e) => {
            let hint = if matches!(e, Error::Input(_)) && !force {
                " (--force replaces it)"
            } else {
                ""
            };
            eprintln!("error: the video is made and kept in the data folder, but {e}{hint}");
            Some(ExitCode::from(1))
        }
    }
}
