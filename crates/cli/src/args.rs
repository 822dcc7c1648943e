//! The command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Clone, Parser)]
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
    /// The story: a .txt or .md file, a .json script, or - for standard input.
    #[arg(value_name = "STORY")]
    pub story: PathBuf,
    #[command(flatten)]
    pub opts: StoryOpts,
}

/// How a story becomes a project.
#[derive(Debug, clap::Args, Clone, Default)]
pub struct StoryOpts {
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
    /// Replace the latest project made from an earlier version of this story file (not one
    /// made with --new), once this one is in; it is named before it goes.
    #[arg(long, conflicts_with = "new")]
    pub replace: bool,
    /// The voice to narrate with first: espeak-ng (offline, the default), piper, openai,
    /// elevenlabs, or silence; the rest of the [voice] chain follows it.
    #[arg(long, value_name = "NAME")]
    pub voice: Option<String>,
    /// No narration: a silent video, captions at reading pace.
    #[arg(long, conflicts_with = "voice")]
    pub no_voice: bool,
    /// The story's language for the voice (en, fr, de, es, ja…; default: detected).
    #[arg(long, value_name = "CODE")]
    pub language: Option<String>,
    /// A folder of your own pictures and clips, one per scene (scene-001.jpg, scene-002.mp4,
    /// …): those scenes show them, and no image provider is asked for them.
    #[arg(long, value_name = "DIR")]
    pub media_dir: Option<PathBuf>,
}

/// How the video is made.
#[derive(Debug, clap::Args, Clone, Default)]
pub struct RenderOpts {
    /// Frames per second (default: [render] fps, 30).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=60))]
    pub fps: Option<u32>,
    /// No captions.
    #[arg(long)]
    pub no_captions: bool,
    /// Background music, looped under the story and faded out at the end.
    #[arg(long, value_name = "FILE")]
    pub music: Option<PathBuf>,
    /// The music's volume (default: [render] music_volume, 0.2).
    #[arg(long, value_name = "0..2")]
    pub music_volume: Option<f32>,
    /// Narration for the whole story: the video lasts as long as it.
    #[arg(long, value_name = "FILE")]
    pub narration: Option<PathBuf>,
    /// A folder with one narration file per scene (scene-001.mp3, scene-002.m4a...): each becomes
    /// that scene's own recording, in place of the voice.
    #[arg(long, value_name = "DIR")]
    pub narration_dir: Option<PathBuf>,
    /// Replace the output file even if it is not a video StoryReel made.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, clap::Args, Clone)]
pub struct MakeArgs {
    /// The story: a .txt or .md file, a .json script, or - for standard input. Several stories,
    /// a folder of them, or a batch list (.toml) make one video each.
    #[arg(value_name = "STORY", required_unless_present = "idea")]
    pub stories: Vec<PathBuf>,
    /// Write the story from this idea first (as `storyreel write` does), then make it.
    #[arg(long, value_name = "IDEA", conflicts_with = "stories")]
    pub idea: Option<String>,
    /// With --idea: how many scenes the story has (default: [write] scenes).
    #[arg(long, value_name = "N", requires = "idea", value_parser = clap::value_parser!(u32).range(1..=60))]
    pub scenes: Option<u32>,
    /// With --idea: the story's tone, in your words ("eerie", "funny, for children").
    #[arg(long, requires = "idea")]
    pub tone: Option<String>,
    #[command(flatten)]
    pub opts: StoryOpts,
    /// Also render the video to this MP4 file (with several stories: into this folder).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub render: RenderOpts,
    /// Also wait until every image is uploaded to the storage target ([sync] in the config).
    #[arg(long)]
    pub wait_sync: bool,
    /// With --wait-sync: the longest to wait for uploads (e.g. 90s, 2m, 1h).
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "10m", requires = "wait_sync")]
    pub sync_timeout: std::time::Duration,
}

/// `storyreel write`.
#[derive(Debug, clap::Args, Clone)]
pub struct WriteArgs {
    /// What the story is about, in a few words ("a lighthouse keeper's last night").
    pub idea: String,
    /// How many scenes (default: [write] scenes, 6).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=60))]
    pub scenes: Option<u32>,
    /// The language of its words (en, fr, de, es, ja…, or a name; default: the idea's).
    #[arg(long, value_name = "CODE")]
    pub language: Option<String>,
    /// The tone, in your words ("eerie", "funny, for children").
    #[arg(long)]
    pub tone: Option<String>,
    /// Where to save the story (default: its title as a file name in this folder).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace the file given with --output if it is there.
    #[arg(long, requires = "output")]
    pub force: bool,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Import a story and make every scene's image; returns when all scenes have one.
    Make(MakeArgs),
    /// Import a story and queue its scenes, without working them.
    Import(ImportArgs),
    /// Write a story from an idea with a language model (a local server such as Ollama, or an
    /// endpoint named in [write]), and save it as Markdown to read and edit before `make`.
    Write(WriteArgs),
    /// Work the queue (every lane).
    Work {
        /// Exit once nothing is queued or running (jobs waiting out a backoff stay for later).
        #[arg(long)]
        until_idle: bool,
    },
    /// Show projects and their scenes.
    Status {
        /// A project: its id (or 4+ characters of it, from the start or the end) or its title
        /// (default: every project).
        project: Option<String>,
        /// Print the projects and scenes as JSON, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// List the projects.
    List {
        /// Print the projects as JSON, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Queue scenes again: failed ones (default), placeholders, or one scene.
    Retry {
        /// A project: its id (or 4+ characters of it, from the start or the end) or its title.
        project: String,
        /// Scenes that failed or were cancelled (the default when nothing else is named).
        #[arg(long)]
        failed: bool,
        /// Scenes that got a title card, to try the providers again.
        #[arg(long)]
        placeholders: bool,
        /// One scene, by its number.
        #[arg(long, value_name = "N")]
        scene: Option<u32>,
        /// Narrate again instead: scenes a fallback voice spoke (or --scene N).
        #[arg(long)]
        voices: bool,
        /// With --voices: narrate the whole project with this voice from now on (a project
        /// made without a voice gets one; `auto` for the configured chain, `off` for none).
        #[arg(
            long,
            value_name = "VOICE",
            requires = "voices",
            conflicts_with = "scene"
        )]
        voice: Option<String>,
    },
    /// Cancel a project's queued and running jobs, or one job by id.
    Cancel {
        /// A project (id, 4+ characters of it, or title), or one job's full id.
        target: String,
    },
    /// Pause a project, or (without one) the whole queue.
    Pause {
        /// The project to pause (default: the whole queue).
        project: Option<String>,
    },
    /// Resume a project, or (without one) the whole queue.
    Resume {
        /// The project to resume (default: the whole queue).
        project: Option<String>,
    },
    /// Copy a project's pictures, narrations, subtitles and a manifest.json into a folder.
    Export {
        /// A project: its id (or 4+ characters of it, from the start or the end) or its title.
        project: String,
        /// The folder to copy into (made if missing).
        dir: PathBuf,
    },
    /// Render a project's video (an MP4 with motion, crossfades, captions and audio).
    Render {
        /// A project: its id (or 4+ characters of it, from the start or the end) or its title.
        project: String,
        /// Where to write the MP4 (it is kept in the data folder either way).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        opts: RenderOpts,
    },
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
    /// Show a project's cast: each character, the scenes that name them, the look and the seed.
    Cast {
        /// The project: its id (or the start of it) or its title.
        project: String,
        /// Print the cast as JSON, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Show the image providers: in the chain, key present, breaker state, calls and failures.
    Providers {
        /// Print the providers as JSON, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Show the voices: in the chain, usable now (or why not), and the voices each one has;
    /// list, install, remove and hear the neural voices of the voice library.
    Voices {
        /// Print the voices as JSON, for scripts.
        #[arg(long, global = true)]
        json: bool,
        #[command(subcommand)]
        action: Option<VoicesAction>,
    },
    /// Check the data folder, the database and the config.
    Doctor {
        /// Also re-hash every image file.
        #[arg(long)]
        deep: bool,
        /// Also check each provider in the chain (key, reachability), spending no generation.
        #[arg(long)]
        providers: bool,
        /// Print the checks as JSON, for scripts.
        #[arg(long)]
        json: bool,
    },
}

/// What to do with the voice library.
#[derive(Debug, Clone, Subcommand)]
pub enum VoicesAction {
    /// Every neural voice StoryReel can install, per language: installed or not, quality,
    /// size and license.
    Library,
    /// Download and install a voice (and the model and runtime it needs) into the data folder.
    Install {
        /// The voice's name, as the library lists it (kokoro-af_heart).
        id: String,
    },
    /// Remove an installed voice (it can be installed again).
    Remove { id: String },
    /// Speak a sample line with an installed voice and play it (or save it with --out).
    Sample {
        id: String,
        /// Save the sample as this WAV file instead of a temporary one.
        #[arg(long, short = 'o')]
        out: Option<std::path::PathBuf>,
    },
}

impl Command {
    /// The subcommand's name, as typed.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Make(_) => "make",
            Command::Import(_) => "import",
            Command::Write(_) => "write",
            Command::Work { .. } => "work",
            Command::Status { .. } => "status",
            Command::List { .. } => "list",
            Command::Retry { .. } => "retry",
            Command::Cancel { .. } => "cancel",
            Command::Pause { .. } => "pause",
            Command::Resume { .. } => "resume",
            Command::Export { .. } => "export",
            Command::Render { .. } => "render",
            Command::Sync { .. } => "sync",
            Command::Providers { .. } => "providers",
            Command::Cast { .. } => "cast",
            Command::Voices { .. } => "voices",
            Command::Doctor { .. } => "doctor",
        }
    }

    /// Commands that only read the folder: they never create one.
    pub fn reads_only(&self) -> bool {
        matches!(
            self,
            Command::Status { .. }
                | Command::List { .. }
                | Command::Export { .. }
                | Command::Providers { .. }
                | Command::Cast { .. }
                | Command::Sync { status: true, .. }
        )
    }
}
