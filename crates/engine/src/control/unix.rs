//! The transport on Linux and macOS: a Unix domain socket in the data folder, the user's alone
//! (mode 0600, and every peer's uid checked).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;

use tokio::net::{UnixListener, UnixStream};

use super::serve::{answer, ControlServer, MAX_CONNECTIONS};
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
    if let Err(err) = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)) {
        tracing::warn!(%err, "the control socket's permissions could not be set");
        let _ = std::fs::remove_file(&path);
        return None;
    }
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let task = tokio::spawn(async move {
        loop {
            let Ok(permit) = slots.clone().acquire_owned().await else {
                return;
            };
            let stream = match listener.accept().await {
                Ok((s, _)) => s,
                Err(err) => {
                    tracing::debug!(%err, "a control connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            };
            let (engine, holder) = (engine.clone(), holder.clone());
            tokio::spawn(async move {
                let same_user = stream
                    .peer_cred()
                    .is_ok_and(|c| c.uid() == rustix::process::getuid().as_raw());
                if same_user {
                    let (read, write) = stream.into_split();
                    answer(read, write, &engine, &holder).await;
                } else {
                    tracing::warn!("refused a control connection from another user");
                }
                drop(permit);
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
