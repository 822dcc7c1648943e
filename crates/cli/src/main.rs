//! `storyreel`: StoryReel's engine without a window.
//!
//! Exit codes: 0 done, 1 a scene failed, 2 bad input, config or data folder, 130 interrupted.

mod args;
mod commands;
mod output;
mod progress;
mod render_cmd;
mod sync_cmd;

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
    let filter = tracing_subscriber::EnvFilter::try_from_env("STORYREEL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();

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
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(match e {
                Error::Stale(_) => 1,
                _ => 2,
            })
        }
    }
}
