//! Anthropic Messages API. Structured output goes through a forced tool call: the schema is the tool's
//! `input_schema` and `tool_choice` names it, so the reply's `tool_use.input` is the JSON object.

use crate::ratelimit::SendAs;
use async_trait::async_trait;
use serde_json::{Value, json};
use studio_pipeline::writer::{PlanCall, Prompt, Reply, ScriptCall, Usage, Writer, WriterError};

use crate::http::{ClientConfig, RetryPolicy, error_fields, reset_hint, user_with_feedback};

const PROVIDER: &str = "anthropic";
pub const API_VERSION: &str = "2023-06-01";

#[derive(Debug, Clone)]
pub struct AnthropicWriter {
    cfg: ClientConfig,
    /// Ask the same model for the continuity check (CONTINUITY_CHECK_TEMPLATE) on every script.
    pub llm_continuity_check: bool,
}

impl AnthropicWriter {
    /// The same client, waiting for `limits` (the Engine's request rates) before each call.
    pub fn with_limits(mut self, limits: crate::ratelimit::RateLimits) -> Self {
        self.cfg.limits = limits;
        self
    }

    /// `base_url` ends before `/v1/messages` (e.g. `https://api.anthropic.com`).
    pub fn new(base_url: &str, api_key: Option<String>, model: &str) -> Self {
        Self {
            cfg: ClientConfig::new(base_url, api_key, model),
            llm_continuity_check: true,
        }
    }
    pub fn with_policy(mut self, policy: RetryPolicy) -> Self {
        self.cfg.set_policy(policy);
        self
    }
    pub fn with_max_tokens(mut self, n: u32) -> Self {
        self.cfg.max_tokens = n;
        self
    }

    pub fn body(&self, prompt: &Prompt, feedback: &[String]) -> Value {
        let user = user_with_feedback(&prompt.user, feedback);
        json!({
            "model": self.cfg.model,
            "max_tokens": self.cfg.max_tokens,
            "system": prompt.system,
            "messages": [{ "role": "user", "content": user }],
            "tools": [{
                "name": prompt.schema_name,
                "description": "Return the result as this tool's input, exactly following its schema.",
                "input_schema": prompt.schema
            }],
            "tool_choice": { "type": "tool", "name": prompt.schema_name }
        })
    }

    async fn complete(&self, body: Value) -> Result<Reply, WriterError> {
        let Some(key) = &self.cfg.api_key else {
            return Err(WriterError::MissingKey(PROVIDER.into()));
        };
        let url = format!("{}/v1/messages", self.cfg.base_url);
        let mut attempt = 0u32;
        loop {
            let resp = self
                .cfg
                .client
                .post(&url)
                .header("x-api-key", key)
                .header("anthropic-version", API_VERSION)
                .json(&body)
                .send_as(&self.cfg.limits, "anthropic")
                .await;
            let resp = match resp {
                Ok(r) => r,
                Err(e) => {
                    if attempt < self.cfg.policy.max_retries {
                        tokio::time::sleep(self.cfg.policy.backoff(attempt)).await;
                        attempt += 1;
                        continue;
                    }
                    let what = if e.is_timeout() {
                        "timed out"
                    } else {
                        "could not connect"
                    };
                    return Err(WriterError::Transient {
                        provider: PROVIDER.into(),
                        message: format!("{what}: {}", self.cfg.base_url),
                    });
                }
            };
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let text = resp.text().await.unwrap_or_default();
            let (kind, code, message) = error_fields(&text);
            let spend = |m: &str| {
                let m = m.to_lowercase();
                m.contains("credit balance")
                    || m.contains("spend limit")
                    || m.contains("usage limit")
            };
            match status {
                200..=299 => return parse_message(&text, &self.cfg.model),
                // A spend cap also arrives as 429 rate_limit_error; its code says never to retry.
                429 if code == "enforced_spend_limit_reached" || spend(&message) => {
                    return Err(WriterError::QuotaExhausted {
                        provider: PROVIDER.into(),
                        message,
                    });
                }
                402 => {
                    return Err(WriterError::QuotaExhausted {
                        provider: PROVIDER.into(),
                        message,
                    });
                }
                400 if spend(&message) => {
                    return Err(WriterError::QuotaExhausted {
                        provider: PROVIDER.into(),
                        message,
                    });
                }
                429 => {
                    let wait = reset_hint(&headers);
                    if attempt < self.cfg.policy.max_retries
                        && wait.is_none_or(|w| w <= self.cfg.policy.max_wait)
                    {
                        tokio::time::sleep(
                            wait.unwrap_or_else(|| self.cfg.policy.backoff(attempt)),
                        )
                        .await;
                        attempt += 1;
                        continue;
                    }
                    return Err(WriterError::RateLimited {
                        provider: PROVIDER.into(),
                        retry_after: wait,
                    });
                }
                401 | 403 => {
                    return Err(WriterError::Auth {
                        provider: PROVIDER.into(),
                        message,
                    });
                }
                408 | 409 | 500..=599 => {
                    // 529 overloaded_error included.
                    if attempt < self.cfg.policy.max_retries {
                        let wait = reset_hint(&headers).filter(|w| *w <= self.cfg.policy.max_wait);
                        tokio::time::sleep(
                            wait.unwrap_or_else(|| self.cfg.policy.backoff(attempt)),
                        )
                        .await;
                        attempt += 1;
                        continue;
                    }
                    return Err(WriterError::Transient {
                        provider: PROVIDER.into(),
                        message: format!("HTTP {status} {kind}: {message}"),
                    });
                }
                _ => {
                    return Err(WriterError::BadRequest {
                        provider: PROVIDER.into(),
                        message: format!("HTTP {status} {kind}: {message}"),
                    });
                }
            }
        }
    }
}

fn parse_message(text: &str, model: &str) -> Result<Reply, WriterError> {
    let v: Value = serde_json::from_str(text).map_err(|_| WriterError::Transient {
        provider: PROVIDER.into(),
        message: "the response was not JSON".into(),
    })?;
    match v.get("stop_reason").and_then(|s| s.as_str()) {
        Some("max_tokens") => {
            return Err(WriterError::Truncated {
                provider: PROVIDER.into(),
            });
        }
        Some("refusal") => {
            return Err(WriterError::Refused {
                provider: PROVIDER.into(),
                message: "the model declined to write this".into(),
            });
        }
        _ => {}
    }
    let blocks = v
        .get("content")
        .and_then(|c| c.as_array())
        .cloned()
        .unwrap_or_default();
    let out = blocks
        .iter()
        .find(|b| b.get("type").and_then(|t| t.as_str()) == Some("tool_use"))
        .and_then(|b| b.get("input"))
        .map(|i| i.to_string())
        .or_else(|| {
            blocks
                .iter()
                .find(|b| b.get("type").and_then(|t| t.as_str()) == Some("text"))
                .and_then(|b| b.get("text").and_then(|t| t.as_str()))
                .map(|s| s.to_string())
        })
        .unwrap_or_default();
    let usage = v.get("usage").map(|u| Usage {
        provider: PROVIDER.into(),
        model: v
            .get("model")
            .and_then(|m| m.as_str())
            .unwrap_or(model)
            .to_string(),
        input_tokens: u.get("input_tokens").and_then(|x| x.as_u64()).unwrap_or(0),
        output_tokens: u.get("output_tokens").and_then(|x| x.as_u64()).unwrap_or(0),
    });
    Ok(Reply { text: out, usage })
}

#[async_trait]
impl Writer for AnthropicWriter {
    fn id(&self) -> String {
        format!("{PROVIDER}:{}", self.cfg.model)
    }
    fn is_offline(&self) -> bool {
        false
    }
    async fn plan_series(&self, call: &PlanCall) -> Result<Reply, WriterError> {
        self.complete(self.body(&call.prompt, &call.feedback)).await
    }
    async fn write_script(&self, call: &ScriptCall) -> Result<Reply, WriterError> {
        self.complete(self.body(&call.prompt, &call.feedback)).await
    }
    async fn check_continuity(&self, prompt: &Prompt) -> Result<Option<Reply>, WriterError> {
        if !self.llm_continuity_check {
            return Ok(None);
        }
        self.complete(self.body(prompt, &[])).await.map(Some)
    }
    async fn read_comments(&self, prompt: &Prompt) -> Result<Option<Reply>, WriterError> {
        self.complete(self.body(prompt, &[])).await.map(Some)
    }
}
