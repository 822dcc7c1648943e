//! The transport on Linux and macOS: a Unix domain socket in the data folder, the user's alone
//! (mode 0600, and every peer's uid checked).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;

use tokio::net::{UnixListener, UnixStream};

use super::serve::{answer, Connections, ControlServer};
use super::{Holder, SOCKET_NAME};
use crate::engine::Engine;

pub(super) fn listen(engine: Engine, holder: Arc<Holder>) -> Option<ControlServer> {
    let path = engine.data_dir().join(SOCKET_NAME);
    // A socket left by a holder that died: nobody listens on it (we hold the folder).
    let _ = std::fs::remove_file(&path);
    let listener = match UnixListener::bind(&path) {
        Ok(l) => l,
        Err(err) => {
            tracing::info!(%err, "other StoryReel commands cannot reach this one: no socket in the data folder");
            return None;
        }
    };
    // What we bound, not a link put there since: set_permissions follows links.
    let ours = std::fs::symlink_metadata(&path).is_ok_and(|m| {
        use std::os::unix::fs::{FileTypeExt, MetadataExt};
        m.file_type().is_socket() && m.uid() == rustix::process::geteuid().as_raw()
    });
    if !ours {
        tracing::warn!(
            "the control socket was replaced before its permissions were set; not serving"
        );
        return None;
    }
    if let Err(err) = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)) {
        tracing::warn!(%err, "the control socket's permissions could not be set");
        let _ = std::fs::remove_file(&path);
        return None;
    }
    let conns = Connections::new();
    let task = tokio::spawn(async move {
        // Every connection's task lives in this set: aborting the server ends them all.
        let mut tasks = tokio::task::JoinSet::new();
        loop {
            while tasks.try_join_next().is_some() {}
            let stream = match listener.accept().await {
                Ok((s, _)) => s,
                Err(err) => {
                    tracing::debug!(%err, "a control connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            };
            let same_user = stream
                .peer_cred()
                .is_ok_and(|c| c.uid() == rustix::process::getuid().as_raw());
            if !same_user {
                tracing::warn!("refused a control connection from another user");
                continue;
            }
            let Some(ticket) = conns.admit() else {
                tracing::debug!("every control connection is at work; one more was turned away");
                continue;
            };
            let (engine, holder) = (engine.clone(), holder.clone());
            tasks.spawn(async move {
                let (read, write) = stream.into_split();
                answer(read, write, &engine, &holder, ticket).await;
            });
        }
    });
    Some(ControlServer {
        path: Some(path),
        task,
    })
}

/// Sends `req` to the holder of `data_dir`; its reply line.
pub(super) async fn exchange(data_dir: &Path, req: &super::Request) -> std::io::Result<Vec<u8>> {
    let stream = UnixStream::connect(data_dir.join(SOCKET_NAME)).await?;
    let (read, write) = stream.into_split();
    super::serve::ask(read, write, req).await
}
