//! `storyreel make` with several stories, a folder or a batch list: every story imported, their
//! scenes made together, each video rendered as its story is ready and written into the
//! output folder, past any story that fails; a table at the end. Stopped (or killed) and run
//! again, it continues: finished scenes and videos are not made again.

use std::process::ExitCode;
use std::time::Duration;

use storyreel_engine::batch::{self, BatchOptions, BatchRow};
use storyreel_engine::engine::VoiceOption;
use storyreel_engine::model::Aspect;
use storyreel_engine::{Engine, Error, ImportOptions, Result};
use unicode_width::UnicodeWidthStr;

use crate::args::MakeArgs;
use crate::progress::Progress;

pub async fn make(engine: &Engine, args: &MakeArgs) -> Result<ExitCode> {
    let stories = batch::expand(&args.stories)?;
    if args.render.narration.is_some() || args.render.narration_dir.is_some() {
        return Err(Error::Input(
            "A narration file or folder belongs to one story, so it cannot go with several; make that story by itself.".into(),
        ));
    }
    let o = &args.opts;
    if o.title.is_some() {
        return Err(Error::Input(
            "--title names one story, and these are several; a batch list (.toml) gives each story a title of its own.".into(),
        ));
    }
    if let Some(out) = &args.output {
        let ext = out
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        if ext.as_deref() == Some("mp4") && !out.is_dir() {
            return Err(Error::Input(format!(
                "{} names a video, and several stories make several: give -o a folder for them (it is made if missing).",
                out.display()
            )));
        }
    }
    let aspect = Aspect::parse(&o.aspect).ok_or_else(|| {
        Error::Input(format!(
            "Unknown aspect `{}`: use 9:16, 16:9 or 1:1.",
            o.aspect
        ))
    })?;
    if o.replace {
        return Err(Error::Input(
            "Replacing earlier projects is done one story at a time; make that story by itself to replace it.".into(),
        ));
    }
    let spec = crate::render_cmd::spec(engine, None, &args.render)?;
    let opts = BatchOptions {
        import: ImportOptions {
            title: None,
            aspect,
            style: o.style.clone(),
            force_new: o.new,
            voice: if o.no_voice {
                VoiceOption::Off
            } else {
                o.voice
                    .clone()
                    .map_or(VoiceOption::Default, VoiceOption::Named)
            },
            language: o.language.clone(),
            media_dir: o
                .media_dir
                .as_ref()
                .map(|d| std::path::absolute(d).unwrap_or_else(|_| d.clone())),
            ..Default::default()
        },
        out_dir: args.output.clone(),
        spec: Some(spec),
        force: args.render.force,
    };
    crate::output::notices(engine);
    let _ = engine.prune().await;
    eprintln!(
        "Making {} into {}…",
        stories_word(stories.len()),
        match &args.output {
            Some(d) => d.display().to_string(),
            None => "the data folder".into(),
        }
    );
    let mut run = engine.start_batch(stories, opts).await?;
    for item in &run.items {
        if let storyreel_engine::batch::ItemState::Failed(None, why) = &item.state {
            eprintln!("{}: {why}", item.story.file.display());
        }
    }
    let progress = Progress::start(engine.subscribe(), None, None, engine);
    let workers = engine.start();
    let mut stop = crate::signals::listen();
    let mut said = 0;
    let stopped = loop {
        if run.advance(engine).await? {
            break None;
        }
        if engine.halted().is_some() {
            break Some(2);
        }
        let (done, total) = run.finished();
        if done > said {
            said = done;
            tracing::info!("{done} of {total} stories finished");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(150)) => {}
            code = stop.wait() => break Some(code),
        }
    };
    workers.shutdown().await;
    progress.stop().await;
    if let Some(code) = stopped {
        if code != 2 {
            eprintln!("Stopped. Nothing is lost: the same `storyreel make` carries on where this one stopped.");
        }
        return Ok(ExitCode::from(code));
    }
    let rows = run.rows(engine);
    table(&rows);
    Ok(if run.all_made() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The closing table: story, scenes, voice, video, what went wrong.
fn table(rows: &[BatchRow]) {
    let head = ["story", "scenes", "voice", "video", "what went wrong"];
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            [
                r.story.clone(),
                if r.project.is_some() {
                    r.scenes.to_string()
                } else {
                    "-".into()
                },
                if r.voice.is_empty() {
                    "-".into()
                } else {
                    r.voice.clone()
                },
                r.video.clone().unwrap_or_else(|| "-".into()),
                r.problem.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let mut width = head.map(UnicodeWidthStr::width);
    for c in &cells {
        for (w, cell) in width.iter_mut().zip(c.iter()).take(4) {
            *w = (*w).max(cell.width());
        }
    }
    let line = |c: [&str; 5]| {
        let mut s = String::new();
        for (i, cell) in c.iter().enumerate() {
            s.push_str(cell);
            if i < 4 {
                s.push_str(&" ".repeat(width[i].saturating_sub(cell.width()) + 2));
            }
        }
        s.trim_end().to_string()
    };
    println!("{}", line(head));
    for c in &cells {
        println!("{}", line([&c[0], &c[1], &c[2], &c[3], &c[4]]));
    }
    let made = rows.iter().filter(|r| r.state == "made").count();
    println!(
        "{} of {} made{}.",
        made,
        stories_word(rows.len()),
        if made == rows.len() {
            ""
        } else {
            "; the others say why above"
        }
    );
}

fn stories_word(n: usize) -> String {
    if n == 1 {
        "1 story".into()
    } else {
        format!("{n} stories")
    }
}
