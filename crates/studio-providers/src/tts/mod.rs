//! Cloud voices: ElevenLabs (with timestamps), Google Cloud Text-to-Speech and Azure Speech, each built from a
//! base URL so tests point them at local mock servers.

mod azure;
mod elevenlabs;
mod google;

pub use azure::AzureVoices;
pub use elevenlabs::ElevenLabsVoices;
pub use google::GoogleVoices;

use crate::ratelimit::SendAs;
use async_trait::async_trait;
use base64::Engine as _;
use serde_json::{Value, json};
use studio_domain::{TtsProvider, VoiceInfo};
use studio_pipeline::voice::{Alignment, Speech, SpeechRequest, VoiceError, VoiceProvider};

use crate::http::{ClientConfig, RetryPolicy, reset_hint};

fn b64(s: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .ok()
}

/// Sends a request with the client's retry policy: transient, busy and concurrency failures are retried with
/// backoff inside the call; everything else is returned.
async fn send_with_retries<F>(
    cfg: &ClientConfig,
    provider: TtsProvider,
    build: F,
    classify: fn(TtsProvider, u16, &reqwest::header::HeaderMap, &str) -> VoiceError,
) -> Result<(reqwest::header::HeaderMap, Vec<u8>), VoiceError>
where
    F: Fn() -> reqwest::RequestBuilder,
{
    let mut attempt = 0u32;
    loop {
        let err = match build().send_as(&cfg.limits, &provider.to_string()).await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let headers = resp.headers().clone();
                let body = resp.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
                if (200..300).contains(&status) {
                    return Ok((headers, body));
                }
                classify(provider, status, &headers, &String::from_utf8_lossy(&body))
            }
            Err(e) => VoiceError::Transient {
                provider,
                message: if e.is_timeout() {
                    "timed out".into()
                } else {
                    format!("could not connect to {}", cfg.base_url)
                },
            },
        };
        if err.retryable() && attempt < cfg.policy.max_retries {
            let wait = match &err {
                // Our own concurrency: one of our requests finishes soon; a short fixed wait, no backoff.
                VoiceError::Concurrency { .. } => cfg.policy.base_backoff,
                // The provider is overloaded: its hint, else exponential backoff with jitter.
                VoiceError::Busy {
                    retry_after: Some(d),
                    ..
                } if *d <= cfg.policy.max_wait => *d,
                _ => cfg.policy.backoff(attempt),
            };
            tokio::time::sleep(wait).await;
            attempt += 1;
            continue;
        }
        return Err(err);
    }
}

fn message_of(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    v.pointer("/detail/message")
        .or_else(|| v.pointer("/error/message"))
        .or_else(|| v.get("message"))
        .and_then(|m| m.as_str())
        .map(|s| s.to_string())
        .unwrap_or_else(|| body.chars().take(200).collect())
}

fn generic(
    provider: TtsProvider,
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: &str,
) -> VoiceError {
    let message = message_of(body);
    match status {
        401 | 403 => VoiceError::Auth { provider, message },
        402 => VoiceError::QuotaExhausted { provider, message },
        429 => VoiceError::Busy {
            provider,
            retry_after: reset_hint(headers),
        },
        408 | 500..=599 => VoiceError::Transient {
            provider,
            message: format!("HTTP {status}: {message}"),
        },
        _ => VoiceError::BadRequest {
            provider,
            message: format!("HTTP {status}: {message}"),
        },
    }
}

/// Text for SSML (Google and Azure): the five XML special characters escaped.
pub fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}
