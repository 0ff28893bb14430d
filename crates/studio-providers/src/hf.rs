//! Hugging Face Inference (router) text-to-image: FLUX through `{base}/{model}`, raw image bytes back. The studio's
//! secondary still provider (after fal FLUX, before the offline stills).

use crate::ratelimit::SendAs;
use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};
use studio_pipeline::visuals::{StillGen, StillRequest, VisualError};

use crate::http::{ClientConfig, RetryPolicy};

#[derive(Debug, Clone)]
pub struct HfStills {
    cfg: ClientConfig,
}

impl HfStills {
    /// The same client, waiting for `limits` (the Engine's request rates) before each call.
    pub fn with_limits(mut self, limits: crate::ratelimit::RateLimits) -> Self {
        self.cfg.limits = limits;
        self
    }

    /// `base_url` ends before the model (`https://router.huggingface.co/hf-inference/models`).
    pub fn new(base_url: &str, token: Option<String>, model: &str) -> Self {
        Self {
            cfg: ClientConfig::new(base_url, token, model),
        }
    }
    pub fn with_policy(mut self, p: RetryPolicy) -> Self {
        self.cfg.set_policy(p);
        self
    }
    fn err(&self, m: impl Into<String>) -> VisualError {
        VisualError::Failed {
            provider: self.id(),
            message: m.into(),
        }
    }
}

#[async_trait]
impl StillGen for HfStills {
    fn id(&self) -> String {
        format!("hf:{}", self.cfg.model)
    }
    fn is_offline(&self) -> bool {
        false
    }
    async fn still(&self, req: &StillRequest, out: &Path) -> Result<f64, VisualError> {
        let token = self
            .cfg
            .api_key
            .clone()
            .ok_or_else(|| self.err("no Hugging Face token is stored"))?;
        let url = format!("{}/{}", self.cfg.base_url, self.cfg.model);
        // HF caps sizes per model; FLUX takes multiples of 16 up to about 2 megapixels.
        let body = json!({
            "inputs": req.prompt,
            "parameters": { "width": 1344, "height": 768, "num_inference_steps": 4, "seed": req.seed % (i32::MAX as u64),
                            "negative_prompt": "text, watermark, subtitle, logo" }
        });
        let mut attempt = 0u32;
        loop {
            let r = self
                .cfg
                .client
                .post(&url)
                .bearer_auth(&token)
                .json(&body)
                .send_as(&self.cfg.limits, "hf")
                .await
                .map_err(|e| self.err(e.to_string()))?;
            let code = r.status().as_u16();
            let ctype = r
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let bytes = r.bytes().await.map_err(|e| self.err(e.to_string()))?;
            if (200..300).contains(&code) && ctype.starts_with("image/") {
                std::fs::write(out, &bytes).map_err(|e| self.err(e.to_string()))?;
                // Billed against the account's HF credits; the ledger cannot price it per image.
                return Ok(0.0);
            }
            let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            let message = v
                .get("error")
                .and_then(|e| e.as_str())
                .unwrap_or("")
                .to_string();
            // A cold model answers 503 with an estimated loading time: wait for it, a bounded number of times.
            if code == 503 && attempt < self.cfg.policy.max_retries {
                let wait = v
                    .get("estimated_time")
                    .and_then(|t| t.as_f64())
                    .unwrap_or(5.0)
                    .clamp(0.0, 60.0);
                tokio::time::sleep(Duration::from_secs_f64(
                    wait.min(self.cfg.policy.max_wait.as_secs_f64()),
                ))
                .await;
                attempt += 1;
                continue;
            }
            return Err(self.err(format!(
                "HTTP {code}: {}",
                if message.is_empty() { ctype } else { message }
            )));
        }
    }
}
