//! Ctrl-C and SIGTERM. One listener for the whole process, installed once, so a signal that
//! arrives between two waits is never missed. The first signal asks the command to stop (jobs
//! are handed back); a second one ends the process at once: the queue is crash-safe, so jobs
//! left running are picked up at the next start.

use std::sync::OnceLock;

use tokio::sync::watch;

static STOP: OnceLock<watch::Receiver<Option<u8>>> = OnceLock::new();

/// The exit code of a stop asked for by a signal: 130 for SIGINT, 143 for SIGTERM.
pub(crate) struct Stop(watch::Receiver<Option<u8>>);

impl Stop {
    /// Waits for the first stop signal; returns its exit code.
    pub(crate) async fn wait(&mut self) -> u8 {
        loop {
            if let Some(code) = *self.0.borrow_and_update() {
                return code;
            }
            if self.0.changed().await.is_err() {
                // The listener could not be installed: never resolve.
                std::future::pending::<()>().await;
            }
        }
    }
}

/// The process's stop signals (installs the listener the first time; call inside the runtime).
pub(crate) fn listen() -> Stop {
    Stop(STOP.get_or_init(install).clone())
}

fn install() -> watch::Receiver<Option<u8>> {
    let (tx, rx) = watch::channel(None);
    tokio::spawn(async move {
        let mut signals = Signals::new();
        let mut first = None;
        loop {
            let code = signals.next().await;
            match first {
                None => {
                    first = Some(code);
                    let _ = tx.send(Some(code));
                }
                Some(code) => {
                    eprintln!("\nStopped at once. Jobs that were running go back to the queue at the next start.");
                    std::process::exit(i32::from(code));
                }
            }
        }
    });
    rx
}

/// SIGINT and SIGTERM streams, created once: a signal between two waits is kept, not lost.
#[cfg(unix)]
struct Signals(Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>);

#[cfg(unix)]
impl Signals {
    fn new() -> Signals {
        use tokio::signal::unix::{signal, SignalKind};
        Signals(
            signal(SignalKind::interrupt())
                .ok()
                .zip(signal(SignalKind::terminate()).ok()),
        )
    }

    async fn next(&mut self) -> u8 {
        let Some((int, term)) = self.0.as_mut() else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = int.recv() => 130,
            _ = term.recv() => 143,
        }
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn new() -> Signals {
        Signals
    }

    async fn next(&mut self) -> u8 {
        match tokio::signal::ctrl_c().await {
            Ok(()) => 130,
            Err(_) => std::future::pending().await,
        }
    }
}
