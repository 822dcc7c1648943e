//! The voice chain: voices in order, each behind its circuit breaker with retries of
//! transient errors (the same rules as for pictures), ending in silence, which cannot fail.

use std::sync::Arc;

use super::silence::Silence;
use super::{label, SpeechRequest, Spoken, Voice};
use crate::model::{ProviderStats, UserError};
use crate::remote::retry::{Health, RetryPolicy, StatsSink};
use crate::remote::ProviderError;

pub struct VoiceEntry {
    pub voice: Arc<dyn Voice>,
    pub health: Health,
}

#[derive(Clone)]
pub struct VoiceChain {
    entries: Vec<Arc<VoiceEntry>>,
    /// Voices not in the chain, asked first only when a project names them.
    extras: Vec<Arc<VoiceEntry>>,
    policy: RetryPolicy,
    sink: Option<StatsSink>,
}

/// Statistics of voices are kept beside the image providers' under this prefix, so that
/// `openai` the voice and `openai` the picture maker keep their own.
pub fn stats_name(voice: &str) -> String {
    format!("voice:{voice}")
}

impl VoiceChain {
    /// `entries` in order; silence is added at the end unless the last one is it.
    pub fn new(entries: Vec<VoiceEntry>, policy: RetryPolicy, sink: Option<StatsSink>) -> Self {
        Self::with_extras(entries, Vec::new(), policy, sink)
    }

    /// As `new`, with voices outside the chain that a project may name (`extras`).
    pub fn with_extras(
        mut entries: Vec<VoiceEntry>,
        extras: Vec<VoiceEntry>,
        policy: RetryPolicy,
        sink: Option<StatsSink>,
    ) -> Self {
        if !entries.last().is_some_and(|e| e.voice.is_last()) {
            entries.push(VoiceEntry {
                voice: Arc::new(Silence),
                health: Health::always(&stats_name("silence"), None),
            });
        }
        VoiceChain {
            entries: entries.into_iter().map(Arc::new).collect(),
            extras: extras.into_iter().map(Arc::new).collect(),
            policy,
            sink,
        }
    }

    pub fn names(&self) -> Vec<String> {
        self.entries
            .iter()
            .map(|e| e.voice.name().to_string())
            .collect()
    }

    pub fn voices(&self) -> Vec<Arc<dyn Voice>> {
        self.entries.iter().map(|e| e.voice.clone()).collect()
    }

    pub fn stats(&self) -> Vec<ProviderStats> {
        self.entries
            .iter()
            .chain(&self.extras)
            .map(|e| e.health.stats())
            .collect()
    }

    /// Lets every paused voice be tried again now.
    pub fn allow_probes(&self) {
        for e in self.entries.iter().chain(&self.extras) {
            if e.health.allow_probe() {
                if let Some(sink) = &self.sink {
                    sink(&e.health.stats());
                }
            }
        }
    }

    /// Tries each voice in turn, starting at `first` when it is in the chain; silence at the
    /// end always speaks. The speech says why earlier voices did not (`fallback`).
    pub async fn speak(
        &self,
        req: &SpeechRequest,
        first: Option<&str>,
    ) -> Result<Spoken, ProviderError> {
        let mut order: Vec<&Arc<VoiceEntry>> = self.entries.iter().collect();
        if let Some(i) = first.and_then(|f| order.iter().position(|e| e.voice.name() == f)) {
            let chosen = order.remove(i);
            order.insert(0, chosen);
        } else if let Some(extra) =
            first.and_then(|f| self.extras.iter().find(|e| e.voice.name() == f))
        {
            order.insert(0, extra);
        }
        let mut reasons: Vec<UserError> = Vec::new();
        let mut passed: Vec<UserError> = Vec::new();
        let mut last = ProviderError::terminal("no_voice", "No voice is configured.");
        for e in order {
            // A voice with nothing for this scene is passed over: no try, no failure counted,
            // its breaker untouched (a language without a voice never closes off the others).
            if let Some(why) = e.voice.passes(req) {
                passed.push(UserError::new("not_installed", why));
                continue;
            }
            let r = if e.voice.is_last() {
                e.voice.speak(req).await
            } else {
                e.health
                    .run(
                        label(e.voice.name()),
                        &self.policy,
                        self.sink.as_ref(),
                        || e.voice.speak(req),
                    )
                    .await
            };
            match r {
                Ok(mut s) => {
                    s.fallback = reasons;
                    s.passed = passed;
                    return Ok(s);
                }
                Err(err) => {
                    tracing::info!(voice = e.voice.name(), code = %err.code, "voice failed; trying the next one");
                    reasons.push(err.to_user());
                    last = err;
                }
            }
        }
        Err(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;

    struct Broken;
    #[async_trait]
    impl Voice for Broken {
        fn name(&self) -> &str {
            "elevenlabs"
        }
        async fn speak(&self, _: &SpeechRequest) -> Result<Spoken, ProviderError> {
            Err(ProviderError::terminal("auth", "bad key"))
        }
        async fn availability(&self) -> super::super::Availability {
            super::super::Availability::not("no")
        }
    }

    #[tokio::test]
    async fn falls_back_to_silence_and_says_why() {
        let chain = VoiceChain::new(
            vec![VoiceEntry {
                voice: Arc::new(Broken),
                health: Health::new(
                    "voice:elevenlabs",
                    crate::remote::breaker::Breaker::new(5, std::time::Duration::from_secs(60)),
                    None,
                ),
            }],
            RetryPolicy::default(),
            None,
        );
        assert_eq!(chain.names(), ["elevenlabs", "silence"]);
        let req = SpeechRequest::new("A short scene.", crate::language::english());
        let s = chain.speak(&req, None).await.unwrap();
        assert_eq!(s.provider, "silence");
        assert!(s.pcm.is_none());
        assert_eq!(s.fallback, vec![UserError::new("auth", "bad key")]);
        assert_eq!(chain.stats()[0].failures, 1);
        // Asked for first, silence speaks at once.
        let s = chain.speak(&req, Some("silence")).await.unwrap();
        assert!(s.fallback.is_empty());
    }
}
