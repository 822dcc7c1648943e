//! The Sync screen and the connectivity indicator.

use serde::Serialize;
use storyreel_engine::model::{SyncState, UserError};
use storyreel_engine::sync::gate::SyncHealth;
use storyreel_engine::sync::report::SyncCounts;
use storyreel_engine::Engine;
use ts_rs::TS;
use uuid::Uuid;

use crate::error::ApiResult;

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(rename = "SyncItem")]
pub struct SyncItemView {
    pub project_id: Uuid,
    pub project: String,
    pub scene: u32,
    pub state: SyncState,
    pub url: Option<String>,
    pub attempts: u32,
    pub error: Option<UserError>,
    pub next_try: Option<u64>,
    pub key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SyncView {
    /// The target as configured; None: images stay local.
    pub target: Option<String>,
    pub health: SyncHealth,
    pub counts: SyncCounts,
    pub items: Vec<SyncItemView>,
    pub uploaded_bytes: u64,
    pub uploads: u64,
}

/// One calm indicator instead of error banners.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Connectivity {
    pub offline: bool,
    pub message: Option<String>,
}

pub fn sync_view(engine: &Engine) -> ApiResult<SyncView> {
    let r = engine.sync_report(None)?;
    Ok(SyncView {
        target: r.target,
        health: r.health,
        counts: r.counts,
        items: r
            .items
            .into_iter()
            .map(|i| SyncItemView {
                project_id: i.project_id,
                project: i.project,
                scene: i.scene,
                state: i.sync.state,
                url: i.sync.url,
                attempts: i.sync.attempts,
                error: i.sync.error,
                next_try: i.sync.next_try,
                key: i.key,
            })
            .collect(),
        uploaded_bytes: r.stats.bytes,
        uploads: r.stats.uploads,
    })
}

/// Offline when the storage waits for the network, or when the remote providers in the chain
/// last failed to connect. A chain of title cards only is not "offline": it needs no network.
pub fn connectivity(health: &SyncHealth, providers: &[crate::dto::ProviderView]) -> Connectivity {
    let storage_offline = matches!(health, SyncHealth::Waiting { .. });
    let remote: Vec<_> = providers
        .iter()
        .filter(|p| p.in_chain && p.enabled && p.name != "titlecard" && p.key != "missing")
        .collect();
    let providers_offline = !remote.is_empty()
        && remote.iter().all(|p| {
            p.last_error
                .as_ref()
                .is_some_and(|e| matches!(e.code.as_str(), "unreachable" | "timeout" | "network"))
                || p.breaker == "open"
        });
    // Say which part is out of reach, so the sidebar and the Sync screen never disagree
    // (storage reachable while the image providers are not is "Connected" on Sync).
    let message = match (storage_offline, providers_offline) {
        (true, true) => Some("offline — scenes use title cards, uploads wait"),
        (true, false) => Some("storage unreachable — uploads wait"),
        (false, true) => Some("image providers unreachable — scenes use title cards"),
        (false, false) => None,
    };
    if let Some(message) = message {
        Connectivity {
            offline: true,
            message: Some(message.into()),
        }
    } else {
        Connectivity {
            offline: false,
            message: None,
        }
    }
}
