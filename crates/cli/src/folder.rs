//! The data folder as this command sees it: opened here (and served to other commands while
//! this one runs), or held by another StoryReel that answers for it over the folder's socket.

use serde::de::DeserializeOwned;
use storyreel_engine::control::{self, Client, Holder, Request};
use storyreel_engine::{Engine, Error, Result};

pub enum Folder {
    /// This process holds the folder.
    Open {
        engine: Engine,
        holder: Holder,
        _server: Option<control::ControlServer>,
    },
    /// Another StoryReel holds it; requests go to that one.
    Held(Client),
}

impl Folder {
    /// Opens the folder for a command named `front_end` (`working`: it runs jobs); when
    /// another StoryReel holds it and answers, the requests go there.
    pub async fn open(
        ctx: &crate::setup::Context,
        front_end: &str,
        working: bool,
    ) -> Result<Folder> {
        // Opening may wait on the folder's lock and reads the database: blocking work.
        match tokio::task::block_in_place(|| ctx.open()) {
            Ok(engine) => Ok(Folder::serve(engine, front_end, working)),
            Err(err @ Error::Locked { .. }) => match Client::connect(ctx.data_dir()?).await {
                Some(client) => Ok(Folder::Held(client)),
                None => Err(err),
            },
            Err(err)
                if ctx.cli.command.reads_only()
                    && (storyreel_engine::verbs::read_only::is_unwritable(&err)
                        || matches!(err, Error::DiskFull { .. })) =>
            {
                let opts = ctx.options()?;
                let engine = tokio::task::block_in_place(|| Engine::open_read_only(opts))?;
                if matches!(err, Error::DiskFull { .. }) {
                    eprintln!("note: the disk holding the data folder is full, so it was opened for reading only.");
                } else {
                    eprintln!(
                        "note: the data folder cannot be written, so it was opened for reading only."
                    );
                }
                Ok(Folder::Open {
                    engine,
                    holder: Holder::this(front_end, false),
                    _server: None,
                })
            }
            Err(err) => Err(err),
        }
    }

    /// This folder when this process holds it; else (its holder has let go while this
    /// command followed it) the folder opened again.
    pub async fn or_again(
        self,
        ctx: &crate::setup::Context,
        front_end: &str,
        working: bool,
    ) -> Result<Folder> {
        match self {
            Folder::Held(_) => Folder::open(ctx, front_end, working).await,
            open => Ok(open),
        }
    }

    /// This process's engine, served to the other commands while the folder lives.
    pub fn serve(engine: Engine, front_end: &str, working: bool) -> Folder {
        let server = engine.serve_control(front_end, working);
        Folder::Open {
            holder: Holder::this(front_end, working),
            engine,
            _server: server,
        }
    }

    /// Asks the folder: here, or of its holder. The answer is the same record either way.
    pub async fn ask<T: DeserializeOwned>(&self, req: Request) -> Result<T> {
        match self {
            Folder::Open { engine, holder, .. } => {
                let v = control::handle(engine, holder, req).await?;
                serde_json::from_value(v)
                    .map_err(|e| Error::Db(format!("an answer could not be read: {e}")))
            }
            Folder::Held(client) => client.call(&req).await,
        }
    }

    /// The engine, when this process holds the folder; otherwise the error that says who does.
    pub fn engine(&self, what: &str) -> Result<&Engine> {
        match self {
            Folder::Open { engine, .. } => Ok(engine),
            Folder::Held(client) => Err(held_error(client.holder(), what)),
        }
    }
}

/// A command that needs the folder to itself, while another StoryReel holds it.
pub fn held_error(h: &Holder, what: &str) -> Error {
    Error::Held {
        code: storyreel_engine::ErrorCode::Busy,
        message: format!(
            "{what} needs the data folder to itself, and {} (pid {}) has it open. Let that one finish or close it, then try again.",
            h.front_end, h.pid
        ),
    }
}
