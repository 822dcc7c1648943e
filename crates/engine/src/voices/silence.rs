//! Silence: the last voice. No audio; the words are timed at reading pace over the scene's
//! time on screen when the video is made (marked as estimated), so a video always renders.

use async_trait::async_trait;

use super::{Availability, SpeechRequest, Spoken, Voice};
use crate::remote::ProviderError;

pub struct Silence;

#[async_trait]
impl Voice for Silence {
    fn name(&self) -> &str {
        "silence"
    }
    fn is_last(&self) -> bool {
        true
    }
    async fn speak(&self, _: &SpeechRequest) -> Result<Spoken, ProviderError> {
        Ok(Spoken {
            pcm: None,
            words: Vec::new(),
            estimated: true,
            provider: "silence".into(),
            voice: "none".into(),
            fallback: Vec::new(),
            passed: Vec::new(),
        })
    }
    async fn availability(&self) -> Availability {
        Availability::ready(Vec::new())
    }
}
