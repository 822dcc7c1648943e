//! The fallback chain: providers in order, ending in the title card.

use std::sync::Arc;

use super::titlecard::TitleCard;
use super::{GeneratedImage, ImageProvider, ImageRequest, ProviderError};

#[derive(Clone)]
pub struct ProviderChain {
    providers: Vec<Arc<dyn ImageProvider>>,
}

impl ProviderChain {
    /// A chain of `providers`; a title card is appended unless the list already ends in one.
    pub fn new(mut providers: Vec<Arc<dyn ImageProvider>>) -> Self {
        if !providers.last().is_some_and(|p| p.is_placeholder()) {
            providers.push(Arc::new(TitleCard));
        }
        ProviderChain { providers }
    }

    pub fn names(&self) -> Vec<String> {
        self.providers
            .iter()
            .map(|p| p.name().to_string())
            .collect()
    }

    /// Tries each provider in turn; returns the first image, or the last error.
    pub async fn generate(&self, req: &ImageRequest) -> Result<GeneratedImage, ProviderError> {
        let mut last = ProviderError::terminal("no_provider", "No image provider is configured.");
        for p in &self.providers {
            match p.generate(req).await {
                Ok(img) => return Ok(img),
                Err(e) => {
                    tracing::info!(provider = p.name(), code = %e.code, "provider failed; trying the next one");
                    last = e;
                }
            }
        }
        Err(last)
    }
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
    async fn falls_back_to_the_title_card() {
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
        };
        let img = chain.generate(&req).await.unwrap();
        assert!(img.placeholder);
        assert_eq!(img.provider, "titlecard");
    }
}
