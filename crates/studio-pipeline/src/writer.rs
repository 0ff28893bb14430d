//! The Writer capability: plans a series and writes episode scripts. Implementations live in `studio-providers`
//! (OpenAI-compatible, Anthropic, the offline template writer); the pipeline only sees this trait.

use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use studio_domain::{Character, EpisodeContext, Genre, SeriesPlan};

/// A prompt as rendered from `assets/prompts/` (Korean), with the JSON schema the reply must follow.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prompt {
    pub system: String,
    pub user: String,
    /// The schema's name (OpenAI `json_schema.name`, Anthropic tool name).
    pub schema_name: String,
    pub schema: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanRequest {
    pub title: String,
    pub genre: Genre,
    pub episodes: u32,
    pub episode_duration_min: u32,
    pub premise: String,
    pub main_theme: String,
    pub target_audience: String,
    /// Series id to use in the plan.
    pub series_id: String,
    pub seed: u64,
}

#[derive(Debug, Clone)]
pub struct PlanCall {
    pub request: PlanRequest,
    pub prompt: Prompt,
    /// Problems with the previous attempt, fed back to the writer.
    pub feedback: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ScriptCall {
    pub context: EpisodeContext,
    pub characters: Vec<Character>,
    pub plan: SeriesPlan,
    pub prompt: Prompt,
    pub feedback: Vec<String>,
    /// 1-based attempt number.
    pub attempt: u32,
    pub seed: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    pub provider: String,
    pub model: String,
    pub input_tokens: u64,
    pub output_tokens: u64,
}

/// What a writer returns: the reply text (JSON, parsed and validated by the pipeline) and token usage.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub text: String,
    pub usage: Option<Usage>,
}

/// How the caller should treat a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RetryClass {
    /// Wait (for the provider's reset) and call again.
    After,
    /// A transient failure: back off and call again.
    Backoff,
    /// The reply was unusable: ask again with the problem fed back.
    Regenerate,
    /// Only a person can fix it (quota, key, refusal, bad request).
    Never,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WriterError {
    #[error("rate limited by {provider}{}", .retry_after.map(|d| format!(" (reset in {:.1}s)", d.as_secs_f64())).unwrap_or_default())]
    RateLimited {
        provider: String,
        retry_after: Option<Duration>,
    },
    #[error(
        "{provider} quota or spend limit reached: {message} — add credit or raise the limit, then retry"
    )]
    QuotaExhausted { provider: String, message: String },
    #[error("{provider} rejected the API key: {message} — store a valid {provider} key")]
    Auth { provider: String, message: String },
    #[error("{provider} refused to write this: {message}")]
    Refused { provider: String, message: String },
    #[error("{provider} stopped at its output limit; the reply was cut off")]
    Truncated { provider: String },
    #[error("{provider} failed temporarily: {message}")]
    Transient { provider: String, message: String },
    #[error("{provider} rejected the request: {message}")]
    BadRequest { provider: String, message: String },
    #[error("no API key is stored for {0}: add it with the API keys")]
    MissingKey(String),
}

impl WriterError {
    pub fn retry_class(&self) -> RetryClass {
        match self {
            Self::RateLimited { .. } => RetryClass::After,
            Self::Transient { .. } => RetryClass::Backoff,
            Self::Truncated { .. } => RetryClass::Regenerate,
            Self::QuotaExhausted { .. }
            | Self::Auth { .. }
            | Self::Refused { .. }
            | Self::BadRequest { .. } => RetryClass::Never,
            Self::MissingKey(_) => RetryClass::Never,
        }
    }
    pub fn code(&self) -> studio_domain::ErrorCode {
        use studio_domain::ErrorCode;
        match self {
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::QuotaExhausted { .. } => ErrorCode::QuotaExhausted,
            Self::Auth { .. } => ErrorCode::Auth,
            Self::Refused { .. } => ErrorCode::Refused,
            Self::Truncated { .. } => ErrorCode::Truncated,
            Self::Transient { .. } => ErrorCode::Transient,
            Self::BadRequest { .. } => ErrorCode::BadRequest,
            Self::MissingKey(_) => ErrorCode::MissingKey,
        }
    }
}

#[async_trait]
pub trait Writer: Send + Sync {
    /// "offline-template", "openai:gpt-4o-2024-08-06", …
    fn id(&self) -> String;
    fn is_offline(&self) -> bool;
    async fn plan_series(&self, call: &PlanCall) -> Result<Reply, WriterError>;
    async fn write_script(&self, call: &ScriptCall) -> Result<Reply, WriterError>;
    /// The LLM continuity check (CONTINUITY_CHECK_TEMPLATE). `None` when the writer has no such check.
    async fn check_continuity(&self, _prompt: &Prompt) -> Result<Option<Reply>, WriterError> {
        Ok(None)
    }
    /// Reads viewers' comments into the schema of [`crate::feedback::reading_prompt`]. `None` when the writer
    /// cannot (the offline writer: the engine reads them with the lexicon instead).
    async fn read_comments(&self, _prompt: &Prompt) -> Result<Option<Reply>, WriterError> {
        Ok(None)
    }
}
