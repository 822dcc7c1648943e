//! Providers as the UI lists them, and the Stats screen.

use serde::Serialize;
use storyreel_engine::model::BreakerState;
use storyreel_engine::model::{JobStatus, UserError};
use storyreel_engine::Engine;
use ts_rs::TS;

use crate::error::ApiResult;

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ProviderView {
    pub name: String,
    pub label: String,
    pub in_chain: bool,
    pub enabled: bool,
    /// "present", "missing" or "not needed".
    pub key: String,
    /// "closed", "open" or "half_open".
    pub breaker: String,
    pub calls: u64,
    pub failures: u64,
    pub avg_ms: Option<u64>,
    pub last_error: Option<UserError>,
    pub model: Option<String>,
    pub base_url: Option<String>,
}

pub fn providers(engine: &Engine) -> Vec<ProviderView> {
    engine
        .providers_report()
        .into_iter()
        .map(|r| ProviderView {
            breaker: match r.breaker {
                BreakerState::Closed => "closed",
                BreakerState::Open { .. } => "open",
                BreakerState::HalfOpen => "half_open",
            }
            .into(),
            name: r.name,
            label: r.label,
            in_chain: r.in_chain,
            enabled: r.enabled,
            key: r.key,
            calls: r.calls,
            failures: r.failures,
            avg_ms: r.avg_ms,
            last_error: r.last_error,
            model: r.model,
            base_url: r.base_url,
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Stats {
    pub scenes_total: u32,
    pub scenes_done: u32,
    pub scenes_failed: u32,
    /// Finished scenes that succeeded, 0..1 (1 when none finished yet).
    pub success_rate: f64,
    pub placeholders: u32,
    /// Done scenes that are title cards, 0..1.
    pub placeholder_rate: f64,
    /// Done scenes whose first provider failed and a later one made the picture, 0..1.
    pub fallback_rate: f64,
    pub avg_scene_ms: Option<u64>,
    pub providers: Vec<ProviderView>,
    pub synced_bytes: u64,
    pub uploads: u64,
}

fn ratio(n: u32, d: u32) -> f64 {
    if d == 0 {
        0.0
    } else {
        f64::from(n) / f64::from(d)
    }
}

pub fn stats(engine: &Engine) -> ApiResult<Stats> {
    let (mut total, mut done, mut failed, mut placeholders, mut fallbacks) = (0, 0, 0, 0, 0);
    let (mut ms, mut timed) = (0u64, 0u64);
    for p in engine.projects()? {
        for s in engine.scenes(p.id)? {
            total += 1;
            match s.status {
                JobStatus::Succeeded => done += 1,
                JobStatus::Failed => failed += 1,
                _ => {}
            }
            if let Some(i) = s
                .image
                .as_ref()
                .filter(|_| s.status == JobStatus::Succeeded)
            {
                if i.placeholder {
                    placeholders += 1;
                }
                if !i.fallback.is_empty() {
                    fallbacks += 1;
                }
                ms += i.elapsed_ms;
                timed += 1;
            }
        }
    }
    let sync = engine.sync_stats();
    Ok(Stats {
        scenes_total: total,
        scenes_done: done,
        scenes_failed: failed,
        success_rate: if done + failed == 0 {
            1.0
        } else {
            ratio(done, done + failed)
        },
        placeholders,
        placeholder_rate: ratio(placeholders, done),
        fallback_rate: ratio(fallbacks, done),
        avg_scene_ms: (timed > 0).then(|| ms / timed),
        providers: providers(engine),
        synced_bytes: sync.bytes,
        uploads: sync.uploads,
    })
}
