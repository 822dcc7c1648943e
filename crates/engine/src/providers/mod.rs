//! Image providers. Each one turns a scene's prompt into a picture; the chain tries them in
//! order and always ends in `titlecard`, which needs no network and cannot fail short of a bug.

pub mod automatic1111;
pub mod build;
pub mod chain;
pub mod comfyui;
pub mod fal;
pub mod openai;
pub mod stability;
pub mod titlecard;

use async_trait::async_trait;
use image::RgbImage;
use uuid::Uuid;

use crate::model::{Frame, UserError};
pub use crate::remote::ProviderError;

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
    /// Which try this is (the job's attempt): providers that take a seed vary it, so that
    /// regenerating a scene gives a new picture.
    pub variation: u32,
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
    /// Why the providers before this one did not deliver (set by the chain).
    pub fallback: Vec<UserError>,
}

#[async_trait]
pub trait ImageProvider: Send + Sync {
    fn name(&self) -> &str;
    /// A placeholder provider stands in when the real ones cannot.
    fn is_placeholder(&self) -> bool {
        false
    }
    async fn generate(&self, req: &ImageRequest) -> Result<GeneratedImage, ProviderError>;
    /// A check that spends no generation where the API allows (key valid, endpoint reachable).
    async fn check(&self) -> Result<String, ProviderError> {
        Ok("no check needed".into())
    }
}
