//! Image providers. Each one turns a scene's prompt into a picture; the chain tries them in
//! order and always ends in `titlecard`, which needs no network and cannot fail short of a bug.

pub mod chain;
pub mod titlecard;

use async_trait::async_trait;
use image::RgbImage;
use uuid::Uuid;

use crate::model::{Frame, UserError};

/// Everything a provider needs to draw one scene.
#[derive(Debug, Clone)]
pub struct ImageRequest {
    pub project_id: Uuid,
    pub scene_index: u32,
    pub scene_count: u32,
    pub title: Option<String>,
    pub text: String,
    pub prompt: String,
    pub negative_prompt: Option<String>,
    pub style: String,
    pub frame: Frame,
}

/// What a provider made: encoded bytes from a remote service, or pixels drawn here.
pub enum ImageData {
    Encoded(Vec<u8>),
    Pixels(RgbImage),
}

pub struct GeneratedImage {
    pub data: ImageData,
    pub provider: String,
    pub model: Option<String>,
    pub placeholder: bool,
    pub revised_prompt: Option<String>,
}

/// Why a provider did not deliver. `retryable` errors may succeed on another try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderError {
    pub code: String,
    pub message: String,
    pub retryable: bool,
}

impl ProviderError {
    pub fn terminal(code: &str, message: impl Into<String>) -> Self {
        ProviderError {
            code: code.into(),
            message: message.into(),
            retryable: false,
        }
    }
    pub fn transient(code: &str, message: impl Into<String>) -> Self {
        ProviderError {
            code: code.into(),
            message: message.into(),
            retryable: true,
        }
    }
    pub fn to_user(&self) -> UserError {
        UserError::new(self.code.clone(), self.message.clone())
    }
}

impl std::fmt::Display for ProviderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

#[async_trait]
pub trait ImageProvider: Send + Sync {
    fn name(&self) -> &str;
    /// A placeholder provider stands in when the real ones cannot.
    fn is_placeholder(&self) -> bool {
        false
    }
    async fn generate(&self, req: &ImageRequest) -> Result<GeneratedImage, ProviderError>;
}
