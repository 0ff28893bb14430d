//! AIDAS Studio providers: implementations of the pipeline's capability traits. Vendor clients are built from a base
//! URL and a `reqwest::Client` (so tests point them at local mock servers) and map every vendor failure to the
//! pipeline's retry classes; offline implementations are real generators that need no key. Retries inside a call
//! use the studio's one backoff ([`backoff_delay`], on backon); every request first waits for its provider's rate
//! in the [`ratelimit::RateLimits`] the caller (the Engine) hands the client. [`keycheck`] tests a key with one
//! unbilled request per provider.
//!
//! Depends on the domain and the pipeline's traits; never on the store, the engine or a shell.

pub mod anthropic;
pub mod espeak;
pub mod fal;
pub mod google_oauth;
pub mod heygen;
pub mod hf;
mod http;
pub mod keycheck;
pub mod offline;
pub mod openai;
pub mod ratelimit;
pub mod tts;
pub mod youtube;
pub mod youtube_audience;
pub mod youtube_text;

pub use anthropic::AnthropicWriter;
pub use espeak::EspeakVoices;
pub use fal::FalQueue;
pub use heygen::HeyGen;
pub use hf::HfStills;
pub use http::{ClientConfig, RetryPolicy, backoff_delay};
pub use offline::TemplateWriter;
pub use offline::still::OfflineStills;
pub use openai::OpenAiWriter;
pub use tts::{AzureVoices, ElevenLabsVoices, GoogleVoices};
