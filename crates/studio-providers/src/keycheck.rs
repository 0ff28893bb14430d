//! "Test connection": one cheap request per provider that is never billed and shows whether a key is accepted —
//! a model or voice list, the remaining quota, or the status of a request that does not exist (the queue checks
//! the key before it looks for the request).
//!
//! Requests (each provider's own API reference):
//! - OpenAI: `GET {base}/models`, `Authorization: Bearer` (API reference, Models → List models).
//! - Anthropic: `GET {base}/v1/models`, `x-api-key` and `anthropic-version: 2023-06-01` (API reference, Models).
//! - ElevenLabs: `GET {base}/v1/voices`, `xi-api-key` (API reference, Voices → List voices).
//! - Google Cloud TTS: `GET {base}/voices?languageCode=ko-KR`, `X-Goog-Api-Key` (REST `voices.list`).
//! - Azure Speech: `GET {base}/cognitiveservices/voices/list`, `Ocp-Apim-Subscription-Key` (Text to speech REST,
//!   "Get a list of voices").
//! - fal: `GET {queue}/fal-ai/flux/requests/00000000-0000-0000-0000-000000000000/status`, `Authorization: Key`
//!   (queue API: 401/403 for a key it refuses, 404 for a request it does not know — `providers.md` §1).
//! - HeyGen: `GET {base}/v2/user/remaining_quota`, `X-Api-Key` (API reference, User → remaining quota).

use std::time::Duration;

use serde::Serialize;

/// What one test call found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KeyCheck {
    /// The service answered and accepted the key.
    Accepted,
    /// The service refused the key (401/403): it is wrong, revoked, or lacks the permission.
    Rejected { status: u16 },
    /// The service could not be reached or did not answer in time.
    Unreachable { reason: String },
    /// An answer that says neither (a 5xx, a 429): try again later.
    Unclear { status: u16 },
    /// This provider has no call that tests a key without spending (YouTube connects by signing in; the
    /// webhook is a URL, not a key).
    NotTestable,
}

/// Tests `key` for `provider` (the studio's provider names: `openai`, `anthropic`, `elevenlabs`, `google_tts`,
/// `azure_tts`, `fal`, `heygen`) against `base` (the provider's configured endpoint). Never panics; 10 s at most.
pub async fn check_key(provider: &str, base: &str, key: &str) -> KeyCheck {
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            return KeyCheck::Unreachable {
                reason: e.to_string(),
            };
        }
    };
    let base = base.trim_end_matches('/');
    let req = match provider {
        "openai" => client.get(format!("{base}/models")).bearer_auth(key),
        "anthropic" => client
            .get(format!("{base}/v1/models"))
            .header("x-api-key", key)
            .header("anthropic-version", "2023-06-01"),
        "elevenlabs" => client
            .get(format!("{base}/v1/voices"))
            .header("xi-api-key", key),
        "google_tts" => client
            .get(format!("{base}/voices?languageCode=ko-KR"))
            .header("X-Goog-Api-Key", key),
        "azure_tts" => client
            .get(format!("{base}/cognitiveservices/voices/list"))
            .header("Ocp-Apim-Subscription-Key", key),
        "fal" => client
            .get(format!(
                "{base}/fal-ai/flux/requests/00000000-0000-0000-0000-000000000000/status"
            ))
            .header("Authorization", format!("Key {key}")),
        "heygen" => client
            .get(format!("{base}/v2/user/remaining_quota"))
            .header("X-Api-Key", key),
        _ => return KeyCheck::NotTestable,
    };
    match req.send().await {
        Err(e) => KeyCheck::Unreachable {
            reason: e.without_url().to_string(),
        },
        Ok(r) => {
            let status = r.status().as_u16();
            match status {
                200..=299 => KeyCheck::Accepted,
                401 | 403 => KeyCheck::Rejected { status },
                // fal: the key passed and the (made-up) request is unknown.
                404 | 400 | 422 if provider == "fal" => KeyCheck::Accepted,
                _ => KeyCheck::Unclear { status },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiremock::matchers::{header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    #[tokio::test]
    async fn each_provider_is_asked_its_own_free_question_and_the_answer_read() {
        let s = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/models"))
            .and(header("authorization", "Bearer good"))
            .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"data":[]}"#))
            .mount(&s)
            .await;
        Mock::given(method("GET"))
            .and(path("/models"))
            .respond_with(ResponseTemplate::new(401))
            .mount(&s)
            .await;
        Mock::given(method("GET"))
            .and(path(
                "/fal-ai/flux/requests/00000000-0000-0000-0000-000000000000/status",
            ))
            .and(header("authorization", "Key good"))
            .respond_with(ResponseTemplate::new(404))
            .mount(&s)
            .await;
        Mock::given(method("GET"))
            .and(path(
                "/fal-ai/flux/requests/00000000-0000-0000-0000-000000000000/status",
            ))
            .respond_with(ResponseTemplate::new(403))
            .mount(&s)
            .await;
        Mock::given(method("GET"))
            .and(path("/v2/user/remaining_quota"))
            .respond_with(ResponseTemplate::new(503))
            .mount(&s)
            .await;
        let base = s.uri();
        assert_eq!(check_key("openai", &base, "good").await, KeyCheck::Accepted);
        assert_eq!(
            check_key("openai", &base, "bad").await,
            KeyCheck::Rejected { status: 401 }
        );
        assert_eq!(check_key("fal", &base, "good").await, KeyCheck::Accepted);
        assert_eq!(
            check_key("fal", &base, "bad").await,
            KeyCheck::Rejected { status: 403 }
        );
        assert_eq!(
            check_key("heygen", &base, "k").await,
            KeyCheck::Unclear { status: 503 }
        );
        assert_eq!(
            check_key("youtube", &base, "k").await,
            KeyCheck::NotTestable
        );
        assert!(matches!(
            check_key("openai", "http://127.0.0.1:9", "k").await,
            KeyCheck::Unreachable { .. }
        ));
    }
}
