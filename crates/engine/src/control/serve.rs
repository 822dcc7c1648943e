//! The holder's side, whatever the transport: each connection's requests are read a line at a
//! time and answered a line at a time, under deadlines, in slots no idle client can hold.
//!
//! What the holder promises its clients:
//! - a connection that sends nothing for [`IDLE`] is closed, and so is one that takes longer
//!   than [`READ`] to send a whole request line, or longer than [`WRITE`] to take its answer;
//! - at most [`MAX_OPEN`] connections are open at once; when a new one comes and all are
//!   taken, the one that has waited longest without a whole request is closed to make room,
//!   so idle or slow clients never lock a real command out;
//! - at most [`MAX_BUSY`] requests are worked on at once (a request's slot is held only while
//!   it is answered, never while its client is idle or slow to read);
//! - every connection's task belongs to the server: stopping the server ends them all, and
//!   with them their hold on the engine.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::{Notify, Semaphore};

use super::{handle, Holder, Reply, Request, WireError, MAX_LINE};
use crate::engine::Engine;
use crate::error::Error;

/// Connections open at once.
pub(super) const MAX_OPEN: usize = 128;
/// Requests worked on at once.
pub(super) const MAX_BUSY: usize = 16;
/// How long a connection may wait without starting a request.
pub(super) const IDLE: Duration = Duration::from_secs(10);
/// How long a request line may take to arrive whole, once it started.
pub(super) const READ: Duration = Duration::from_secs(5);
/// How long an answer may take to be taken by its client.
pub(super) const WRITE: Duration = Duration::from_secs(5);

/// The open connections, oldest first, and the slots of requests being worked on.
pub(super) struct Connections {
    open: Mutex<Vec<Entry>>,
    busy: Semaphore,
    next: AtomicU64,
}

struct Entry {
    id: u64,
    idle: Arc<AtomicBool>,
    close: Arc<Notify>,
}

/// One admitted connection; dropping it frees its place.
pub(super) struct Ticket {
    id: u64,
    idle: Arc<AtomicBool>,
    close: Arc<Notify>,
    conns: Arc<Connections>,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut open = self.conns.open.lock().unwrap_or_else(|p| p.into_inner());
        open.retain(|e| e.id != self.id);
    }
}

impl Connections {
    pub(super) fn new() -> Arc<Connections> {
        Arc::new(Connections {
            open: Mutex::new(Vec::new()),
            busy: Semaphore::new(MAX_BUSY),
            next: AtomicU64::new(0),
        })
    }

    /// Admits a new connection, closing the longest-idle one when every place is taken; None
    /// when every open connection is at work (the newcomer is turned away).
    pub(super) fn admit(self: &Arc<Self>) -> Option<Ticket> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if open.len() >= MAX_OPEN {
            let i = open.iter().position(|e| e.idle.load(Ordering::SeqCst))?;
            let e = open.remove(i);
            e.close.notify_one();
        }
        let t = Ticket {
            id: self.next.fetch_add(1, Ordering::Relaxed),
            idle: Arc::new(AtomicBool::new(true)),
            close: Arc::new(Notify::new()),
            conns: self.clone(),
        };
        open.push(Entry {
            id: t.id,
            idle: t.idle.clone(),
            close: t.close.clone(),
        });
        Some(t)
    }

    /// How many connections are open.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.open.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

/// The folder's socket (or pipe), served while this lives: dropping it stops answering and
/// removes the socket file.
pub struct ControlServer {
    pub(super) path: Option<std::path::PathBuf>,
    pub(super) task: tokio::task::JoinHandle<()>,
}

impl Drop for ControlServer {
    fn drop(&mut self) {
        self.task.abort();
        if let Some(p) = &self.path {
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Engine {
    /// Answers other front ends' requests on this folder, until the returned server is
    /// dropped. Must be called inside a tokio runtime, by the process that holds the folder
    /// (every open engine does). Without a socket (a folder path too long for one, a file
    /// system without them) the others are told the folder is in use, as before.
    pub fn serve_control(&self, front_end: &str, working: bool) -> Option<ControlServer> {
        super::transport::listen(self.clone(), Arc::new(Holder::this(front_end, working)))
    }
}

/// Answers one connection's requests, a line each, until it closes, breaks a deadline, or is
/// closed to make room.
pub(super) async fn answer<R, W>(
    read: R,
    mut write: W,
    engine: &Engine,
    holder: &Holder,
    ticket: Ticket,
) where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut reader = BufReader::new(read);
    let mut line = Vec::new();
    loop {
        ticket.idle.store(true, Ordering::SeqCst);
        // The first byte of the next request, within the idle deadline.
        let started = tokio::select! {
            _ = ticket.close.notified() => return,
            r = tokio::time::timeout(IDLE, reader.fill_buf()) => matches!(r, Ok(Ok(b)) if !b.is_empty()),
        };
        if !started {
            return;
        }
        // The rest of the line, within the read deadline (still closable to make room).
        line.clear();
        let limit = u64::try_from(MAX_LINE + 1).unwrap_or(u64::MAX);
        let mut limited = (&mut reader).take(limit);
        let read = tokio::select! {
            _ = ticket.close.notified() => return,
            r = tokio::time::timeout(READ, limited.read_until(b'\n', &mut line)) => r,
        };
        match read {
            Ok(Ok(n)) if n > 0 => {}
            _ => return,
        }
        ticket.idle.store(false, Ordering::SeqCst);
        let reply = if line.len() > MAX_LINE {
            Reply::Error(WireError::from(&Error::Input(
                "The request was too long to read.".into(),
            )))
        } else {
            match serde_json::from_slice::<Request>(&line) {
                Ok(req) => {
                    let Ok(_slot) = ticket.conns.busy.acquire().await else {
                        return;
                    };
                    match handle(engine, holder, req).await {
                        Ok(v) => Reply::Ok(v),
                        Err(e) => Reply::Error(WireError::from(&e)),
                    }
                }
                Err(_) => Reply::Error(WireError::from(&Error::Input(
                    "This StoryReel did not understand the request; the two may be different versions."
                        .into(),
                ))),
            }
        };
        let Ok(mut out) = serde_json::to_vec(&reply) else {
            return;
        };
        out.push(b'\n');
        let sent = tokio::time::timeout(WRITE, write.write_all(&out)).await;
        if !matches!(sent, Ok(Ok(()))) || line.len() > MAX_LINE {
            return;
        }
    }
}

/// Sends one request over a connection and reads the reply line.
pub(super) async fn ask<R, W>(read: R, mut write: W, req: &Request) -> std::io::Result<Vec<u8>>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut line = serde_json::to_vec(req).map_err(std::io::Error::other)?;
    line.push(b'\n');
    write.write_all(&line).await?;
    let mut answer = Vec::new();
    BufReader::new(read).read_until(b'\n', &mut answer).await?;
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_house_closes_the_longest_idle_connection_and_turns_away_only_when_all_work() {
        let conns = Connections::new();
        let mut tickets: Vec<Ticket> = (0..MAX_OPEN).map(|_| conns.admit().unwrap()).collect();
        // All but the third are at work.
        for (i, t) in tickets.iter().enumerate() {
            t.idle.store(i == 2, Ordering::SeqCst);
        }
        let newcomer = conns.admit().expect("the idle one makes room");
        assert_eq!(conns.len(), MAX_OPEN);
        // The idle one was told to close.
        let closed = tickets.remove(2);
        use std::future::Future;
        let mut notified = Box::pin(closed.close.notified());
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        assert!(notified.as_mut().poll(&mut cx).is_ready());
        drop(notified);
        drop(closed);
        // Every place is at work now (the newcomer too): the next is turned away.
        newcomer.idle.store(false, Ordering::SeqCst);
        assert!(conns.admit().is_none());
        drop(tickets);
        assert_eq!(conns.len(), 1);
        assert!(conns.admit().is_some());
    }
}
