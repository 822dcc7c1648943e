//! `storyreel`: StoryReel's engine without a window.
//!
//! Exit codes: 0 done, 1 a scene failed, 2 bad input, config or data folder, 130 interrupted.

// `println!`/`eprintln!` for the whole CLI (defined before the modules, which see them in
// place of std's): when the reader of standard output or error has gone away (`storyreel status
// | head -1`), the command ends quietly, as `ls | head` does, instead of panicking.
macro_rules! println {
    () => { $crate::pipe::out(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::pipe::out(format_args!("{}\n", format_args!($($arg)*))) };
}
macro_rules! eprintln {
    () => { $crate::pipe::err(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::pipe::err(format_args!("{}\n", format_args!($($arg)*))) };
}

mod pipe;

mod args;
mod batch_cmd;
mod commands;
mod folder;
mod follow;
mod hints;
mod lane_tally;
mod library_cmd;
mod output;
mod progress;
mod render_cmd;
mod setup;
mod signals;
mod steer;
mod story_file;
mod summary;
mod sync_cmd;
mod voices_cmd;
mod write_cmd;

use std::process::ExitCode;

use clap::Parser;
use storyreel_engine::Error;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let level = match cli.verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    // The store's own log lines (a failed background flush, once per attempt) repeat what
    // StoryReel says itself in one sentence: shown only with -vv.
    let directives = if cli.verbose >= 2 {
        level.to_string()
    } else {
        format!("{level},sled=off")
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("STORYREEL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(directives));
    use std::io::IsTerminal;
    // No colour codes where stderr is not a terminal. Internal write errors are not reported:
    // the subscriber would report them with a panicking `eprintln!`, and when the reader of
    // stderr has gone away that panic lands in whichever thread logged (a storage thread among
    // them), leaving the database waiting on it.
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .log_internal_errors(false)
        .with_target(false);
    // A person reading warnings needs no timestamps; -v shows them for tracing what happened.
    if cli.verbose == 0 {
        fmt.without_time().init();
    } else {
        fmt.init();
    }

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return ExitCode::from(2);
        }
    };
    let code = match runtime.block_on(commands::run(setup::Context::new(cli))) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            if let Some(hint) = hints::for_error(&e) {
                eprintln!("hint: {hint}");
            }
            ExitCode::from(match e {
                Error::Stale(_) => 1,
                _ => 2,
            })
        }
    };
    // Work still running here (a job that could not be handed back in time) is left to the
    // next start's recovery: the queue is crash-safe, so the process never waits on it.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    code
}
