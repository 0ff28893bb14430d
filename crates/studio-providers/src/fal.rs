//! fal.ai's queue API (Kling video, FLUX images): submit, status, result, download — and fal's storage, where
//! reference images are uploaded so model inputs can name them by URL. The URLs the submit returns are used as
//! given; nothing is rebuilt except when a provider omits them.

use crate::ratelimit::SendAs;
use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use studio_pipeline::remote::{RemoteError, RemoteProvider, RemoteStatus, Ticket};

use crate::http::{ClientConfig, RetryPolicy};

#[derive(Debug, Clone)]
pub struct FalQueue {
    cfg: ClientConfig,
    poll: Duration,
    /// fal's storage API (`https://rest.alpha.fal.ai`), where upload tokens come from.
    storage: String,
}

/// How long fal keeps an uploaded reference (`X-Fal-Object-Lifecycle-Preference`, fal docs "media expiration"):
/// 30 days. The studio uploads a file again once its copy is older than
/// [`studio_pipeline::visuals::UPLOAD_REUSE_DAYS`].
pub const UPLOAD_LIFETIME_SEC: u64 = 30 * 24 * 3600;

/// A refusal at submit: an account that cannot pay (402, or 403 "User is locked. Reason: Exhausted balance. Top up
/// your balance at fal.ai/dashboard/billing", which fal sends on every billable call of a locked account —
/// fal-ai/fal issues #1112, #1147) is [`RemoteError::Billing`]; 401 is a rejected key; any other 403 refuses this
/// request (a model the account may not use) and says nothing about the key.
fn key_refusal(status: u16, body: &str) -> RemoteError {
    let d = detail(body);
    let lower = d.to_ascii_lowercase();
    if status == 402 || lower.contains("user is locked") || lower.contains("exhausted balance") {
        RemoteError::Billing(d)
    } else if status == 401 {
        RemoteError::Auth(d)
    } else {
        RemoteError::Rejected(format!("HTTP {status}: {d}"))
    }
}

fn detail(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    match v.get("detail") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|d| {
                let loc = d
                    .get("loc")
                    .and_then(|l| l.as_array())
                    .map(|l| {
                        l.iter()
                            .map(|x| x.to_string().trim_matches('"').to_string())
                            .collect::<Vec<_>>()
                            .join(".")
                    })
                    .unwrap_or_default();
                format!(
                    "{loc}: {}",
                    d.get("msg").and_then(|m| m.as_str()).unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        _ => body.chars().take(200).collect(),
    }
}

/// X-Fal-Tags values: printable ASCII without commas, at most 256 characters.
fn tag_value(tag: &str) -> String {
    tag.chars()
        .filter(|c| c.is_ascii_graphic() && *c != ',')
        .take(256)
        .collect()
}

impl FalQueue {
    /// The same client, waiting for `limits` (the Engine's request rates) before each call.
    pub fn with_limits(mut self, limits: crate::ratelimit::RateLimits) -> Self {
        self.cfg.limits = limits;
        self
    }

    /// `base_url` is the queue host (`https://queue.fal.run`); `poll` the status interval (3–5 s for video).
    pub fn new(base_url: &str, api_key: Option<String>, poll: Duration) -> Self {
        Self {
            cfg: ClientConfig::new(base_url, api_key, "fal"),
            poll,
            storage: "https://rest.alpha.fal.ai".into(),
        }
    }
    /// The storage API's base URL (tests point it at a mock; the default is fal's).
    pub fn with_storage(mut self, url: &str) -> Self {
        self.storage = url.trim_end_matches('/').to_string();
        self
    }
    pub fn with_policy(mut self, p: RetryPolicy) -> Self {
        self.cfg.set_policy(p);
        self
    }
    fn key(&self) -> Result<String, RemoteError> {
        self.cfg
            .api_key
            .clone()
            .map(|k| format!("Key {k}"))
            .ok_or_else(|| RemoteError::Auth("no fal key is stored".into()))
    }
    /// Requests to fal's own hosts carry the key; media downloads from a CDN do not.
    fn is_fal(&self, url: &str) -> bool {
        url.starts_with(&self.cfg.base_url) || url.contains(".fal.run") || url.contains("fal.ai")
    }
}

/// The media URL in a model's output: `video.url` for video models, `images[0].url` for image models.
pub fn output_url(output: &Value) -> Option<String> {
    output
        .pointer("/video/url")
        .or_else(|| output.pointer("/images/0/url"))
        .or_else(|| output.pointer("/image/url"))
        .and_then(|u| u.as_str())
        .map(|s| s.to_string())
}

#[async_trait]
impl RemoteProvider for FalQueue {
    fn name(&self) -> &str {
        "fal"
    }
    fn poll_interval(&self) -> Duration {
        self.poll
    }

    async fn submit(&self, model: &str, input: &Value, tag: &str) -> Result<Ticket, RemoteError> {
        let key = self.key()?;
        let url = format!("{}/{}", self.cfg.base_url, model.trim_matches('/'));
        let mut attempt = 0u32;
        loop {
            let sent = self
                .cfg
                .client
                .post(&url)
                .header("Authorization", &key)
                .header("X-Fal-Tags", tag_value(tag))
                .json(input)
                .send_as(&self.cfg.limits, "fal")
                .await;
            let resp = match sent {
                Ok(r) => r,
                // A timeout may have happened after fal accepted the job: never retry that blindly.
                Err(e) if e.is_timeout() => {
                    return Err(RemoteError::Ambiguous(format!(
                        "no answer from {url} within the timeout"
                    )));
                }
                Err(e) if e.is_connect() => {
                    if attempt < self.cfg.policy.max_retries {
                        tokio::time::sleep(self.cfg.policy.backoff(attempt)).await;
                        attempt += 1;
                        continue;
                    }
                    return Err(RemoteError::NotSent(format!(
                        "could not connect to {}",
                        self.cfg.base_url
                    )));
                }
                Err(e) => return Err(RemoteError::Ambiguous(e.to_string())),
            };
            let status = resp.status().as_u16();
            let has_request_id = resp.headers().contains_key("x-fal-request-id");
            let body = resp.text().await.unwrap_or_default();
            match status {
                200..=299 => {
                    let v: Value = serde_json::from_str(&body).map_err(|_| {
                        RemoteError::Ambiguous("the submit answer was not JSON".into())
                    })?;
                    let id = v
                        .get("request_id")
                        .and_then(|x| x.as_str())
                        .ok_or_else(|| {
                            RemoteError::Ambiguous("the submit answer had no request_id".into())
                        })?;
                    // Status/result URLs use only owner/app (the SDK's rule), when fal does not send them.
                    let app: String = model.split('/').take(2).collect::<Vec<_>>().join("/");
                    let base = format!("{}/{app}/requests/{id}", self.cfg.base_url);
                    let s = |k: &str, d: String| {
                        v.get(k)
                            .and_then(|x| x.as_str())
                            .map(|x| x.to_string())
                            .unwrap_or(d)
                    };
                    return Ok(Ticket {
                        request_id: id.to_string(),
                        status_url: s("status_url", format!("{base}/status")),
                        response_url: s("response_url", base.clone()),
                        cancel_url: s("cancel_url", format!("{base}/cancel")),
                        ..Default::default()
                    });
                }
                401..=403 => return Err(key_refusal(status, &body)),
                // Refusals before a request id exists are not jobs: retry a few times, then report "not sent".
                429 | 502 | 503 | 504 if !has_request_id => {
                    if attempt < self.cfg.policy.max_retries {
                        tokio::time::sleep(self.cfg.policy.backoff(attempt)).await;
                        attempt += 1;
                        continue;
                    }
                    return Err(RemoteError::NotSent(format!(
                        "HTTP {status}: {}",
                        detail(&body)
                    )));
                }
                400..=499 => {
                    return Err(RemoteError::Rejected(format!(
                        "HTTP {status}: {}",
                        detail(&body)
                    )));
                }
                _ => {
                    return Err(RemoteError::Ambiguous(format!(
                        "HTTP {status} with a request id: {}",
                        detail(&body)
                    )));
                }
            }
        }
    }

    async fn status(&self, t: &Ticket) -> Result<RemoteStatus, RemoteError> {
        let key = self.key()?;
        let resp = self
            .cfg
            .client
            .get(&t.status_url)
            .header("Authorization", &key)
            .send_as(&self.cfg.limits, "fal")
            .await
            .map_err(|e| RemoteError::Transient(e.to_string()))?;
        let code = resp.status().as_u16();
        let body = resp.text().await.unwrap_or_default();
        match code {
            200 | 202 => {
                let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                if let Some(e) = v.get("error").filter(|e| !e.is_null()) {
                    return Ok(RemoteStatus::Failed(
                        format!(
                            "{} {}",
                            v.get("error_type").and_then(|x| x.as_str()).unwrap_or(""),
                            e
                        )
                        .trim()
                        .to_string(),
                    ));
                }
                Ok(match v.get("status").and_then(|s| s.as_str()) {
                    Some("IN_QUEUE") => RemoteStatus::Queued(
                        v.get("queue_position")
                            .and_then(|p| p.as_u64())
                            .map(|p| p as u32),
                    ),
                    Some("IN_PROGRESS") => RemoteStatus::Running,
                    Some("COMPLETED") => RemoteStatus::Completed,
                    // fal lists FAILED/CANCELED in places: the job's own end.
                    Some(other @ ("FAILED" | "CANCELED" | "CANCELLED")) => {
                        RemoteStatus::Failed(format!("fal status {other}"))
                    }
                    // An answer we cannot read says nothing about the job: poll again (the deadline parks it).
                    Some(other) => {
                        return Err(RemoteError::Transient(format!(
                            "unknown fal status {other}"
                        )));
                    }
                    None => {
                        return Err(RemoteError::Transient(
                            "a status answer without a status".into(),
                        ));
                    }
                })
            }
            401 | 403 => Err(RemoteError::Auth(detail(&body))),
            404 => Ok(RemoteStatus::Failed(format!(
                "fal does not know request {}",
                t.request_id
            ))),
            429 | 500..=599 => Err(RemoteError::Transient(format!("HTTP {code}"))),
            // Not an answer about the job (it may still run and bill): ask again on the next poll.
            _ => Err(RemoteError::Transient(format!(
                "HTTP {code}: {}",
                detail(&body)
            ))),
        }
    }

    async fn media_url(&self, t: &Ticket, _model: &str) -> Result<String, RemoteError> {
        let key = self.key()?;
        let resp = self
            .cfg
            .client
            .get(&t.response_url)
            .header("Authorization", &key)
            .send_as(&self.cfg.limits, "fal")
            .await
            .map_err(|e| RemoteError::Transient(e.to_string()))?;
        let code = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.text().await.unwrap_or_default();
        if !(200..300).contains(&code) {
            return Err(
                match crate::http::result_fetch_error("fal", code, &headers, &body) {
                    // A COMPLETED job whose result is an error: the model failed (not billed by fal).
                    RemoteError::Failed(_) => {
                        RemoteError::Failed(format!("HTTP {code}: {}", detail(&body)))
                    }
                    other => other,
                },
            );
        }
        // A 2xx that is not the output JSON came from something in between, not from the model.
        let v: Value = serde_json::from_str(&body).map_err(|_| {
            RemoteError::Transient("the result answer was not JSON; asking again".into())
        })?;
        // The job ran and billed; an answer we cannot read is not its failure: asked again, then left for a person.
        output_url(&v).ok_or_else(|| {
            RemoteError::Transient("the result has no media URL we know how to read".into())
        })
    }

    async fn download(&self, url: &str, out: &Path) -> Result<(), RemoteError> {
        let mut req = self.cfg.client.get(url);
        if self.is_fal(url) {
            req = req.header("Authorization", self.key()?);
        }
        let resp = req
            .send_as(&self.cfg.limits, "fal")
            .await
            .map_err(|e| RemoteError::Transient(e.to_string()))?;
        let code = resp.status().as_u16();
        if matches!(code, 403 | 404 | 410) {
            return Err(RemoteError::Expired);
        }
        if !(200..300).contains(&code) {
            return Err(RemoteError::Transient(format!(
                "HTTP {code} downloading {url}"
            )));
        }
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| RemoteError::Transient(e.to_string()))?;
        if bytes.is_empty() {
            return Err(RemoteError::Transient("an empty download".into()));
        }
        let part = out.with_extension("part");
        if let Some(d) = out.parent() {
            std::fs::create_dir_all(d).map_err(|e| RemoteError::Transient(e.to_string()))?;
        }
        std::fs::write(&part, &bytes).map_err(|e| RemoteError::Transient(e.to_string()))?;
        std::fs::rename(&part, out).map_err(|e| RemoteError::Transient(e.to_string()))?;
        Ok(())
    }

    /// fal's storage, as its client does it (providers reference §1.6): a token from
    /// `POST {storage}/storage/auth/token?storage_type=fal-cdn-v3`, then the raw bytes to `{base_url}/files/upload`
    /// with that token, the type, the file name and a 30-day lifetime; the answer's `access_url` is the URL. Uploads
    /// are not billed, so refusals before an answer are retried with the client's backoff.
    async fn upload(
        &self,
        bytes: Vec<u8>,
        content_type: &str,
        file_name: &str,
    ) -> Result<String, RemoteError> {
        let key = self.key()?;
        let token_url = format!(
            "{}/storage/auth/token?storage_type=fal-cdn-v3",
            self.storage
        );
        let token: Value = self
            .storage_call(|c| {
                c.post(&token_url)
                    .header("Authorization", &key)
                    .json(&serde_json::json!({}))
            })
            .await?;
        let field = |k: &str| {
            token
                .get(k)
                .and_then(|v| v.as_str())
                .map(str::to_string)
                .ok_or_else(|| {
                    RemoteError::Transient(format!("the upload token answer has no {k}"))
                })
        };
        let (tok, kind, base) = (field("token")?, field("token_type")?, field("base_url")?);
        let upload_url = format!("{}/files/upload", base.trim_end_matches('/'));
        let lifetime = format!("{{\"expiration_duration_seconds\": {UPLOAD_LIFETIME_SEC}}}");
        let name = tag_value(file_name);
        let answer: Value = self
            .storage_call(|c| {
                c.post(&upload_url)
                    .header("Authorization", format!("{kind} {tok}"))
                    .header("Content-Type", content_type)
                    .header("X-Fal-File-Name", &name)
                    .header("X-Fal-Object-Lifecycle-Preference", &lifetime)
                    .body(bytes.clone())
            })
            .await?;
        answer
            .get("access_url")
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .ok_or_else(|| RemoteError::Transient("the upload answer has no access_url".into()))
    }
}

impl FalQueue {
    /// One storage request with retries for connection failures, 429 and 5xx; the answer as JSON.
    async fn storage_call(
        &self,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<Value, RemoteError> {
        let mut attempt = 0u32;
        loop {
            let sent = build(&self.cfg.client)
                .send_as(&self.cfg.limits, "fal")
                .await;
            let retry = match sent {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let body = resp.text().await.unwrap_or_default();
                    match status {
                        200..=299 => {
                            return serde_json::from_str(&body).map_err(|_| {
                                RemoteError::Transient("the storage answer was not JSON".into())
                            });
                        }
                        401 | 403 => return Err(key_refusal(status, &body)),
                        429 | 500..=599 => format!("HTTP {status}: {}", detail(&body)),
                        _ => {
                            return Err(RemoteError::Rejected(format!(
                                "HTTP {status}: {}",
                                detail(&body)
                            )));
                        }
                    }
                }
                Err(e) => e.to_string(),
            };
            if attempt >= self.cfg.policy.max_retries {
                return Err(RemoteError::NotSent(format!("fal storage: {retry}")));
            }
            tokio::time::sleep(self.cfg.policy.backoff(attempt)).await;
            attempt += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_locked_account_is_billing_a_401_is_the_key_and_another_403_the_request() {
        let locked = r#"{"detail":"User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing."}"#;
        assert!(
            matches!(key_refusal(403, locked), RemoteError::Billing(m) if m.contains("Exhausted balance"))
        );
        assert!(matches!(key_refusal(402, "{}"), RemoteError::Billing(_)));
        assert!(matches!(
            key_refusal(401, r#"{"detail":"Invalid API key"}"#),
            RemoteError::Auth(m) if m == "Invalid API key"
        ));
        // A 403 for this request (a model the account may not use) is the request's, not the key's.
        assert!(matches!(
            key_refusal(403, r#"{"detail":"Forbidden"}"#),
            RemoteError::Rejected(_)
        ));
    }
}
