//! OpenAI-compatible Chat Completions (OpenAI, Ollama, LM Studio, vLLM, llama.cpp server) with strict
//! `json_schema` structured output. The pipeline validates every reply anyway: local servers may ignore `strict`.

use crate::ratelimit::SendAs;
use async_trait::async_trait;
use serde_json::{Value, json};
use studio_pipeline::writer::{PlanCall, Prompt, Reply, ScriptCall, Usage, Writer, WriterError};

use crate::http::{ClientConfig, RetryPolicy, error_fields, reset_hint, user_with_feedback};

const PROVIDER: &str = "openai";

#[derive(Debug, Clone)]
pub struct OpenAiWriter {
    cfg: ClientConfig,
    /// Ask the same model for the continuity check (CONTINUITY_CHECK_TEMPLATE) on every script.
    pub llm_continuity_check: bool,
}

impl OpenAiWriter {
    /// The same client, waiting for `limits` (the Engine's request rates) before each call.
    pub fn with_limits(mut self, limits: crate::ratelimit::RateLimits) -> Self {
        self.cfg.limits = limits;
        self
    }

    /// `base_url` ends before `/chat/completions` (e.g. `https://api.openai.com/v1`, `http://localhost:11434/v1`).
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

    pub fn body(&self, prompt: &Prompt, feedback: &[String], seed: Option<u64>) -> Value {
        let user = user_with_feedback(&prompt.user, feedback);
        let mut body = json!({
            "model": self.cfg.model,
            "messages": [
                { "role": "system", "content": prompt.system },
                { "role": "user", "content": user }
            ],
            "response_format": {
                "type": "json_schema",
                "json_schema": { "name": prompt.schema_name, "strict": true, "schema": prompt.schema }
            },
            "max_completion_tokens": self.cfg.max_tokens
        });
        if let Some(s) = seed {
            body["seed"] = json!(s % (i64::MAX as u64));
        }
        body
    }

    async fn complete(&self, body: Value) -> Result<Reply, WriterError> {
        if self.cfg.api_key.is_none() && self.cfg.base_url.contains("api.openai.com") {
            return Err(WriterError::MissingKey(PROVIDER.into()));
        }
        let url = format!("{}/chat/completions", self.cfg.base_url);
        let mut attempt = 0u32;
        loop {
            let mut req = self.cfg.client.post(&url).json(&body);
            if let Some(k) = &self.cfg.api_key {
                req = req.bearer_auth(k);
            }
            let resp = match req.send_as(&self.cfg.limits, "openai").await {
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
            match status {
                200..=299 => return parse_completion(&text, &self.cfg.model),
                429 => {
                    let (kind, code, message) = error_fields(&text);
                    if code == "insufficient_quota" || kind == "insufficient_quota" {
                        return Err(WriterError::QuotaExhausted {
                            provider: PROVIDER.into(),
                            message,
                        });
                    }
                    let wait = reset_hint(&headers);
                    let wait_ok = wait.is_none_or(|w| w <= self.cfg.policy.max_wait);
                    if attempt < self.cfg.policy.max_retries && wait_ok {
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
                    let (_, _, message) = error_fields(&text);
                    return Err(WriterError::Auth {
                        provider: PROVIDER.into(),
                        message,
                    });
                }
                408 | 409 | 500..=599 => {
                    if attempt < self.cfg.policy.max_retries {
                        tokio::time::sleep(self.cfg.policy.backoff(attempt)).await;
                        attempt += 1;
                        continue;
                    }
                    let (_, _, message) = error_fields(&text);
                    return Err(WriterError::Transient {
                        provider: PROVIDER.into(),
                        message: format!("HTTP {status}: {message}"),
                    });
                }
                _ => {
                    let (_, _, message) = error_fields(&text);
                    return Err(WriterError::BadRequest {
                        provider: PROVIDER.into(),
                        message: format!("HTTP {status}: {message}"),
                    });
                }
            }
        }
    }
}

fn parse_completion(text: &str, model: &str) -> Result<Reply, WriterError> {
    let v: Value = serde_json::from_str(text).map_err(|_| WriterError::Transient {
        provider: PROVIDER.into(),
        message: "the response was not JSON".into(),
    })?;
    let choice = v.pointer("/choices/0").cloned().unwrap_or(Value::Null);
    if let Some(r) = choice
        .pointer("/message/refusal")
        .and_then(|r| r.as_str())
        .filter(|r| !r.is_empty())
    {
        return Err(WriterError::Refused {
            provider: PROVIDER.into(),
            message: r.to_string(),
        });
    }
    match choice.get("finish_reason").and_then(|f| f.as_str()) {
        Some("length") => {
            return Err(WriterError::Truncated {
                provider: PROVIDER.into(),
            });
        }
        Some("content_filter") => {
            return Err(WriterError::Refused {
                provider: PROVIDER.into(),
                message: "stopped by the content filter".into(),
            });
        }
        _ => {}
    }
    let content = choice
        .pointer("/message/content")
        .and_then(|c| c.as_str())
        .unwrap_or("")
        .to_string();
    let usage = v.get("usage").map(|u| Usage {
        provider: PROVIDER.into(),
        model: v
            .get("model")
            .and_then(|m| m.as_str())
            .unwrap_or(model)
            .to_string(),
        input_tokens: u.get("prompt_tokens").and_then(|x| x.as_u64()).unwrap_or(0),
        output_tokens: u
            .get("completion_tokens")
            .and_then(|x| x.as_u64())
            .unwrap_or(0),
    });
    Ok(Reply {
        text: content,
        usage,
    })
}

#[async_trait]
impl Writer for OpenAiWriter {
    fn id(&self) -> String {
        format!("{PROVIDER}:{}", self.cfg.model)
    }
    fn is_offline(&self) -> bool {
        false
    }
    async fn plan_series(&self, call: &PlanCall) -> Result<Reply, WriterError> {
        self.complete(self.body(&call.prompt, &call.feedback, Some(call.request.seed)))
            .await
    }
    async fn write_script(&self, call: &ScriptCall) -> Result<Reply, WriterError> {
        self.complete(self.body(&call.prompt, &call.feedback, Some(call.seed)))
            .await
    }
    async fn check_continuity(&self, prompt: &Prompt) -> Result<Option<Reply>, WriterError> {
        if !self.llm_continuity_check {
            return Ok(None);
        }
        self.complete(self.body(prompt, &[], None)).await.map(Some)
    }
    async fn read_comments(&self, prompt: &Prompt) -> Result<Option<Reply>, WriterError> {
        self.complete(self.body(prompt, &[], None)).await.map(Some)
    }
}
