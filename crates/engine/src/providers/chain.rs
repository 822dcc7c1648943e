//! The fallback chain: providers in order, each with its own circuit breaker and retries of
//! transient errors (exponential backoff, full jitter, `Retry-After` honoured, a time budget),
//! ending in the title card, which needs no network and does not fail.

use std::sync::Arc;
use std::time::Duration;

use super::titlecard::TitleCard;
use super::{GeneratedImage, ImageData, ImageProvider, ImageRequest, ProviderError};
use crate::model::{ProviderStats, UserError};
use crate::remote::breaker::Breaker;
use crate::remote::retry::Health;
pub use crate::remote::retry::{RetryPolicy, StatsSink};

pub struct ChainEntry {
    pub provider: Arc<dyn ImageProvider>,
    pub health: Health,
}

impl ChainEntry {
    pub fn new(
        provider: Arc<dyn ImageProvider>,
        breaker: Breaker,
        stats: Option<ProviderStats>,
    ) -> ChainEntry {
        let health = Health::new(provider.name(), breaker, stats);
        ChainEntry { provider, health }
    }
    pub fn stats(&self) -> ProviderStats {
        self.health.stats()
    }
}

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
            if e.health.allow_probe() {
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
                match self.try_provider(e, req).await {
                    // A request refused while it carried reference pictures is asked again with
                    // the descriptions alone, and the scene says so.
                    Err(err) if refused(&err) && !req.cast.all_references().is_empty() => {
                        let plain = req.without_references();
                        self.try_provider(e, &plain).await.map(|mut img| {
                            img.notes.insert(0, refused_note(req, &err));
                            img
                        })
                    }
                    r => r,
                }
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
        e.health
            .run(
                e.provider.name(),
                &self.policy,
                self.sink.as_ref(),
                || async { decoded(e.provider.generate(req).await?).await },
            )
            .await
    }
}

/// Whether a provider refused the request itself (not the key, the network or its load).
fn refused(err: &ProviderError) -> bool {
    err.code == "bad_request"
}

fn refused_note(req: &ImageRequest, err: &ProviderError) -> String {
    let who: Vec<&str> = req
        .cast
        .all_references()
        .iter()
        .map(|r| r.who.as_str())
        .collect();
    format!(
        "{} So the reference picture of {} was left out, and this picture was made from the words alone.",
        err.message.trim(),
        super::and_list(&who),
    )
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
            cast: Default::default(),
        };
        let img = chain.generate(&req).await.unwrap();
        assert!(img.placeholder);
        assert_eq!(img.provider, "titlecard");
        assert_eq!(img.fallback, vec![UserError::new("auth", "bad key")]);
        assert_eq!(chain.stats()[0].failures, 1);
    }
}
