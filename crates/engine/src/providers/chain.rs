//! The fallback chain: providers in order, each with its own circuit breaker and retries of
//! transient errors (exponential backoff, full jitter, `Retry-After` honoured, a time budget),
//! ending in the title card, which needs no network and does not fail.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::Rng;

use super::breaker::{Admit, Breaker};
use super::titlecard::TitleCard;
use super::{GeneratedImage, ImageData, ImageProvider, ImageRequest, ProviderError};
use crate::model::{now_ms, BreakerState, ProviderStats, UserError};

/// How a provider's transient errors are retried within one job.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub max_tries: u32,
    pub base: Duration,
    pub max: Duration,
    /// The most time one provider may take for one scene, retries and waits included.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_tries: 3,
            base: Duration::from_secs(1),
            max: Duration::from_secs(20),
            budget: Duration::from_secs(600),
        }
    }
}

impl RetryPolicy {
    /// Full jitter: a random wait in [0, min(max, base * 2^(try-1))].
    pub fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .base
            .saturating_mul(1 << attempt.saturating_sub(1).min(20))
            .min(self.max);
        Duration::from_millis(rand::rng().random_range(0..=ceiling.as_millis() as u64))
    }
}

pub struct ChainEntry {
    pub provider: Arc<dyn ImageProvider>,
    pub breaker: Breaker,
    stats: Mutex<ProviderStats>,
}

impl ChainEntry {
    pub fn new(
        provider: Arc<dyn ImageProvider>,
        breaker: Breaker,
        stats: Option<ProviderStats>,
    ) -> ChainEntry {
        let mut stats = stats.unwrap_or_default();
        stats.name = provider.name().to_string();
        if let Some(b) = stats.breaker {
            breaker.restore(b);
        }
        ChainEntry {
            provider,
            breaker,
            stats: Mutex::new(stats),
        }
    }
    pub fn stats(&self) -> ProviderStats {
        let mut s = self.stats.lock().unwrap_or_else(|p| p.into_inner()).clone();
        s.breaker = Some(self.breaker.state());
        s
    }
}

pub type StatsSink = Arc<dyn Fn(&ProviderStats) + Send + Sync>;

#[derive(Clone)]
pub struct ProviderChain {
    entries: Vec<Arc<ChainEntry>>,
    policy: RetryPolicy,
    sink: Option<StatsSink>,
}

impl ProviderChain {
    /// A chain of `providers` with default breakers and retries; a title card is appended unless
    /// the list already ends in one.
    pub fn new(providers: Vec<Arc<dyn ImageProvider>>) -> Self {
        let entries = providers
            .into_iter()
            .map(|p| ChainEntry::new(p, Breaker::new(5, Duration::from_secs(60)), None))
            .collect();
        Self::from_entries(entries, RetryPolicy::default(), None)
    }

    pub fn from_entries(
        mut entries: Vec<ChainEntry>,
        policy: RetryPolicy,
        sink: Option<StatsSink>,
    ) -> Self {
        if !entries.last().is_some_and(|e| e.provider.is_placeholder()) {
            entries.push(ChainEntry::new(
                Arc::new(TitleCard::default()),
                Breaker::new(u32::MAX, Duration::ZERO),
                None,
            ));
        }
        ProviderChain {
            entries: entries.into_iter().map(Arc::new).collect(),
            policy,
            sink,
        }
    }

    pub fn names(&self) -> Vec<String> {
        self.entries
            .iter()
            .map(|e| e.provider.name().to_string())
            .collect()
    }

    pub fn providers(&self) -> Vec<Arc<dyn ImageProvider>> {
        self.entries.iter().map(|e| e.provider.clone()).collect()
    }

    /// Lets every open breaker send its probe now (the user asked to try the providers again).
    pub fn allow_probes(&self) {
        for e in &self.entries {
            if matches!(e.breaker.state(), BreakerState::Open { .. }) {
                e.breaker.restore(BreakerState::Open { until: 0 });
                if let Some(sink) = &self.sink {
                    sink(&e.stats());
                }
            }
        }
    }

    pub fn stats(&self) -> Vec<ProviderStats> {
        self.entries.iter().map(|e| e.stats()).collect()
    }

    /// Tries each provider in turn; the title card at the end always delivers. The image says
    /// why earlier providers did not (`fallback`).
    pub async fn generate(&self, req: &ImageRequest) -> Result<GeneratedImage, ProviderError> {
        let mut reasons: Vec<UserError> = Vec::new();
        let mut last = ProviderError::terminal("no_provider", "No image provider is configured.");
        for e in &self.entries {
            let r = if e.provider.is_placeholder() {
                e.provider.generate(req).await
            } else {
                self.try_provider(e, req).await
            };
            match r {
                Ok(mut img) => {
                    img.fallback = reasons;
                    return Ok(img);
                }
                Err(err) => {
                    tracing::info!(provider = e.provider.name(), code = %err.code, "provider failed; trying the next one");
                    reasons.push(err.to_user());
                    last = err;
                }
            }
        }
        Err(last)
    }

    async fn try_provider(
        &self,
        e: &ChainEntry,
        req: &ImageRequest,
    ) -> Result<GeneratedImage, ProviderError> {
        let deadline = crate::clock::deadline(self.policy.budget);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let admit = e.breaker.admit();
            if let Admit::No { .. } = admit {
                // No countdown in the words: they stay on a finished scene as the reason for
                // its title card, long after the pause is over.
                return Err(ProviderError::terminal(
                    "breaker_open",
                    format!(
                        "{} was paused after repeated failures, so it was skipped; StoryReel tries it again by itself after a short pause.",
                        e.provider.name()
                    ),
                ));
            }
            let started = Instant::now();
            let result = match e.provider.generate(req).await {
                Ok(img) => decoded(img).await,
                Err(err) => Err(err),
            };
            self.record(e, &result, started.elapsed());
            match result {
                Ok(img) => return Ok(img),
                Err(err)
                    if err.retryable
                        && attempt < self.policy.max_tries
                        && admit != Admit::Probe =>
                {
                    let wait = err
                        .retry_after
                        .unwrap_or_else(|| self.policy.backoff(attempt));
                    if !crate::clock::fits(wait, deadline) {
                        // The provider asks for more time than this scene can give it: move on.
                        return Err(err);
                    }
                    tracing::debug!(provider = e.provider.name(), ?wait, code = %err.code, "transient error; retrying");
                    tokio::time::sleep(wait).await;
                }
                Err(err) => return Err(err),
            }
        }
    }

    fn record(
        &self,
        e: &ChainEntry,
        result: &Result<GeneratedImage, ProviderError>,
        took: Duration,
    ) {
        // A refused prompt says nothing about the provider's health.
        let counts = !matches!(result, Err(err) if err.code == "content_policy");
        if counts {
            if let Some(state) = e.breaker.record(result.is_ok()) {
                tracing::info!(
                    provider = e.provider.name(),
                    ?state,
                    "circuit breaker changed"
                );
            }
        }
        let snapshot = {
            let mut s = e.stats.lock().unwrap_or_else(|p| p.into_inner());
            s.calls += 1;
            match result {
                Ok(_) => {
                    s.last_ok_at = Some(now_ms());
                    s.ok_ms += took.as_millis() as u64;
                }
                Err(err) => {
                    s.failures += 1;
                    s.last_error = Some(err.to_user());
                }
            }
            s.breaker = Some(e.breaker.state());
            s.clone()
        };
        if let Some(sink) = &self.sink {
            sink(&snapshot);
        }
    }
}

/// Decodes a provider's bytes (with limits) so that a broken image is that provider's failure.
async fn decoded(mut img: GeneratedImage) -> Result<GeneratedImage, ProviderError> {
    if let ImageData::Encoded(bytes) = img.data {
        let provider = img.provider.clone();
        let rgb = tokio::task::spawn_blocking(move || {
            crate::imaging::decode_limited(&bytes).map(|d| d.to_rgb8())
        })
        .await
        .map_err(|e| ProviderError::transient("bad_image", format!("decoding stopped: {e}")))?
        .map_err(|e| {
            ProviderError::transient(
                "bad_image",
                format!("{provider} sent an image that cannot be used: {e}."),
            )
        })?;
        img.data = ImageData::Pixels(rgb);
    }
    Ok(img)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Frame;
    use async_trait::async_trait;

    struct Broken;
    #[async_trait]
    impl ImageProvider for Broken {
        fn name(&self) -> &str {
            "broken"
        }
        async fn generate(&self, _: &ImageRequest) -> Result<GeneratedImage, ProviderError> {
            Err(ProviderError::terminal("auth", "bad key"))
        }
    }

    #[tokio::test]
    async fn falls_back_to_the_title_card_and_says_why() {
        let chain = ProviderChain::new(vec![Arc::new(Broken)]);
        assert_eq!(chain.names(), ["broken", "titlecard"]);
        let req = ImageRequest {
            project_id: uuid::Uuid::nil(),
            scene_index: 1,
            scene_count: 1,
            title: None,
            text: "A short scene.".into(),
            prompt: "p".into(),
            negative_prompt: None,
            style: "cinematic".into(),
            frame: Frame {
                width: 108,
                height: 192,
            },
            variation: 1,
        };
        let img = chain.generate(&req).await.unwrap();
        assert!(img.placeholder);
        assert_eq!(img.provider, "titlecard");
        assert_eq!(img.fallback, vec![UserError::new("auth", "bad key")]);
        assert_eq!(chain.stats()[0].failures, 1);
    }

    #[test]
    fn backoff_is_full_jitter_under_the_cap() {
        let p = RetryPolicy {
            base: Duration::from_millis(100),
            max: Duration::from_millis(250),
            ..Default::default()
        };
        for a in 1..10 {
            assert!(p.backoff(a) <= Duration::from_millis(250));
        }
    }
}
