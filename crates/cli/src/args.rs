//! The command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "storyreel",
    version,
    about = "Turn a written story into scenes and a short vertical video, offline first."
)]
pub struct Cli {
    /// Where StoryReel keeps its data (default: the platform's data folder).
    #[arg(long, global = true, env = "STORYREEL_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// A TOML config file (default: the platform's config folder, if it has one).
    #[arg(long, global = true, env = "STORYREEL_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Show more of what happens (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Args, Clone)]
pub struct ImportArgs {
    /// The story: a .txt or .md file, or a .json script.
    pub story: PathBuf,
    /// The project's title (default: the story's `# Title`, or the file name).
    #[arg(long)]
    pub title: Option<String>,
    /// The picture format.
    #[arg(long, default_value = "9:16", value_parser = ["9:16", "16:9", "1:1"])]
    pub aspect: String,
    /// The style preset (cinematic, noir, pastel, sunset, forest, ocean, comic).
    #[arg(long)]
    pub style: Option<String>,
    /// Make a new project even if this story was imported before.
    #[arg(long)]
    pub new: bool,
}

#[derive(Debug, clap::Args, Clone)]
pub struct MakeArgs {
    #[command(flatten)]
    pub import: ImportArgs,
    /// Also wait until every image is uploaded to the storage target ([sync] in the config).
    #[arg(long)]
    pub wait_sync: bool,
    /// With --wait-sync: the longest to wait for uploads (e.g. 90s, 2m, 1h).
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "10m")]
    pub sync_timeout: std::time::Duration,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import a story and make every scene's image; returns when all scenes have one.
    Make(MakeArgs),
    /// Import a story and queue its scenes, without working them.
    Import(ImportArgs),
    /// Work the queue (every lane).
    Work {
        /// Exit once nothing is queued or running (jobs waiting out a backoff stay for later).
        #[arg(long)]
        until_idle: bool,
    },
    /// Show projects and their scenes.
    Status {
        /// A project id, unique id prefix, or title (default: every project).
        project: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List the projects.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Queue scenes again: failed ones (default), placeholders, or one scene.
    Retry {
        project: String,
        #[arg(long)]
        failed: bool,
        /// Scenes that got a title card, to try the providers again.
        #[arg(long)]
        placeholders: bool,
        /// One scene, by its number.
        #[arg(long, value_name = "N")]
        scene: Option<u32>,
    },
    /// Cancel a project's queued and running jobs, or one job by id.
    Cancel { target: String },
    /// Pause a project, or (without one) the whole queue.
    Pause { project: Option<String> },
    /// Resume a project, or (without one) the whole queue.
    Resume { project: Option<String> },
    /// Copy a project's images and a manifest.json into a folder.
    Export { project: String, dir: PathBuf },
    /// Upload finished images to the storage target now, and wait for them.
    Sync {
        /// Only this project's images (default: all).
        project: Option<String>,
        /// First reset the backoff of waiting uploads and queue failed ones again.
        #[arg(long)]
        retry_now: bool,
        /// The longest to wait (e.g. 90s, 2m, 1h).
        #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "2m")]
        timeout: std::time::Duration,
        /// Show where every upload stands, and upload nothing.
        #[arg(long)]
        status: bool,
        /// With --status: as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show the image providers: in the chain, key present, breaker state, calls and failures.
    Providers {
        #[arg(long)]
        json: bool,
    },
    /// Check the data folder, the database and the config.
    Doctor {
        /// Also re-hash every image file.
        #[arg(long)]
        deep: bool,
        /// Also check each provider in the chain (key, reachability), spending no generation.
        #[arg(long)]
        providers: bool,
        #[arg(long)]
        json: bool,
    },
}
