//! HeyGen avatar video (v2): our own line audio uploaded as an asset, a video generated with `audio_asset_id` so the
//! avatar lip-syncs to the cast voice, status polled with `video_status.get`, the signed URL downloaded at once.

use crate::ratelimit::SendAs;
use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};
use studio_pipeline::remote::{RemoteError, RemoteProvider, RemoteStatus, Ticket};

use crate::http::{ClientConfig, RetryPolicy};

#[derive(Debug, Clone)]
pub struct HeyGen {
    cfg: ClientConfig,
    upload_base: String,
    poll: Duration,
}

fn message(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    v.pointer("/error/message")
        .or_else(|| v.get("message"))
        .and_then(|m| m.as_str())
        .map(|s| s.to_string())
        .unwrap_or_else(|| body.chars().take(200).collect())
}

impl HeyGen {
    /// The same client, waiting for `limits` (the Engine's request rates) before each call.
    pub fn with_limits(mut self, limits: crate::ratelimit::RateLimits) -> Self {
        self.cfg.limits = limits;
        self
    }

    /// `base_url` is the API host (`https://api.heygen.com`), `upload_base` the upload host (`https://upload.heygen.com`).
    pub fn new(base_url: &str, upload_base: &str, api_key: Option<String>, poll: Duration) -> Self {
        Self {
            cfg: ClientConfig::new(base_url, api_key, "heygen"),
            upload_base: upload_base.trim_end_matches('/').to_string(),
            poll,
        }
    }
    pub fn with_policy(mut self, p: RetryPolicy) -> Self {
        self.cfg.set_policy(p);
        self
    }
    fn key(&self) -> Result<String, RemoteError> {
        self.cfg
            .api_key
            .clone()
            .ok_or_else(|| RemoteError::Auth("no HeyGen key is stored".into()))
    }

    /// Avatars the account can use: (avatar_id, gender).
    pub async fn avatars(&self) -> Result<Vec<(String, String)>, RemoteError> {
        let key = self.key()?;
        let r = self
            .cfg
            .client
            .get(format!("{}/v2/avatars", self.cfg.base_url))
            .header("X-Api-Key", key)
            .send_as(&self.cfg.limits, "heygen")
            .await
            .map_err(|e| RemoteError::Transient(e.to_string()))?;
        let code = r.status().as_u16();
        let body = r.text().await.unwrap_or_default();
        if code == 401 || code == 403 {
            return Err(RemoteError::Auth(message(&body)));
        }
        let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        Ok(v.pointer("/data/avatars")
            .and_then(|a| a.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| {
                        Some((
                            x.get("avatar_id")?.as_str()?.to_string(),
                            x.get("gender")
                                .and_then(|g| g.as_str())
                                .unwrap_or("")
                                .to_lowercase(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Remaining quota (HeyGen reports seconds; its own MCP divides by 60 for credits).
    pub async fn remaining_quota(&self) -> Result<f64, RemoteError> {
        let key = self.key()?;
        let r = self
            .cfg
            .client
            .get(format!("{}/v2/user/remaining_quota", self.cfg.base_url))
            .header("X-Api-Key", key)
            .send_as(&self.cfg.limits, "heygen")
            .await
            .map_err(|e| RemoteError::Transient(e.to_string()))?;
        let body = r.text().await.unwrap_or_default();
        let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        v.pointer("/data/remaining_quota")
            .and_then(|q| q.as_f64())
            .ok_or_else(|| RemoteError::Transient("no remaining_quota in the answer".into()))
    }

    async fn upload_audio(&self, path: &Path) -> Result<String, RemoteError> {
        let key = self.key()?;
        let bytes = std::fs::read(path)
            .map_err(|e| RemoteError::NotSent(format!("reading {}: {e}", path.display())))?;
        let kind = if path.extension().and_then(|e| e.to_str()) == Some("mp3") {
            "audio/mpeg"
        } else {
            "audio/wav"
        };
        let r = self
            .cfg
            .client
            .post(format!("{}/v1/asset", self.upload_base))
            .header("X-Api-Key", key)
            .header("Content-Type", kind)
            .body(bytes)
            .send_as(&self.cfg.limits, "heygen")
            .await
            .map_err(|e| RemoteError::NotSent(format!("uploading the audio: {e}")))?;
        let code = r.status().as_u16();
        let body = r.text().await.unwrap_or_default();
        match code {
            200..=299 => {
                let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                v.pointer("/data/id")
                    .and_then(|i| i.as_str())
                    .map(|s| s.to_string())
                    .ok_or_else(|| RemoteError::NotSent("the upload answer had no asset id".into()))
            }
            401 | 403 => Err(RemoteError::Auth(message(&body))),
            // An upload is not a paid job: a failed one is simply "not sent".
            _ => Err(RemoteError::NotSent(format!(
                "uploading the audio: HTTP {code}: {}",
                message(&body)
            ))),
        }
    }
}

#[async_trait]
impl RemoteProvider for HeyGen {
    fn name(&self) -> &str {
        "heygen"
    }
    fn poll_interval(&self) -> Duration {
        self.poll
    }

    /// `model` is the avatar id; `input` carries `audio_path`, and optionally `width`, `height`, `background`.
    async fn submit(&self, model: &str, input: &Value, tag: &str) -> Result<Ticket, RemoteError> {
        let key = self.key()?;
        let audio = input
            .get("audio_path")
            .and_then(|p| p.as_str())
            .ok_or_else(|| RemoteError::NotSent("no audio_path for the avatar".into()))?;
        let asset = self.upload_audio(Path::new(audio)).await?;
        let body = json!({
            "video_inputs": [{
                "character": { "type": "avatar", "avatar_id": model, "avatar_style": "normal" },
                "voice": { "type": "audio", "audio_asset_id": asset },
                "background": { "type": "color", "value": input.get("background").and_then(|b| b.as_str()).unwrap_or("#101014") }
            }],
            "dimension": { "width": input.get("width").and_then(|w| w.as_u64()).unwrap_or(1920), "height": input.get("height").and_then(|h| h.as_u64()).unwrap_or(1080) },
            "caption": false,
            "title": tag,
            "callback_id": tag
        });
        let r = self
            .cfg
            .client
            .post(format!("{}/v2/video/generate", self.cfg.base_url))
            .header("X-Api-Key", &key)
            .json(&body)
            .send_as(&self.cfg.limits, "heygen")
            .await;
        let r = match r {
            Ok(r) => r,
            Err(e) if e.is_connect() => return Err(RemoteError::NotSent(e.to_string())),
            Err(e) => return Err(RemoteError::Ambiguous(format!("generate: {e}"))),
        };
        let code = r.status().as_u16();
        let text = r.text().await.unwrap_or_default();
        match code {
            200..=299 => {
                let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                if let Some(e) = v.get("error").filter(|e| !e.is_null()) {
                    return Err(RemoteError::Rejected(e.to_string()));
                }
                let id = v
                    .pointer("/data/video_id")
                    .and_then(|i| i.as_str())
                    .ok_or_else(|| {
                        RemoteError::Ambiguous("the generate answer had no video_id".into())
                    })?;
                let status = format!("{}/v1/video_status.get?video_id={id}", self.cfg.base_url);
                Ok(Ticket {
                    request_id: id.into(),
                    status_url: status.clone(),
                    response_url: status,
                    cancel_url: String::new(),
                    ..Default::default()
                })
            }
            // `insufficient_credit` comes with 400, 401, 402 or 403 (API reference, error codes): the account.
            _ if code == 402 || text.contains("insufficient_credit") => Err(RemoteError::Billing(
                format!("out of HeyGen credits: {}", message(&text)),
            )),
            401 => Err(RemoteError::Auth(message(&text))),
            429 | 503 => Err(RemoteError::NotSent(format!(
                "HTTP {code}: {}",
                message(&text)
            ))),
            400..=499 => Err(RemoteError::Rejected(format!(
                "HTTP {code}: {}",
                message(&text)
            ))),
            _ => Err(RemoteError::Ambiguous(format!(
                "HTTP {code}: {}",
                message(&text)
            ))),
        }
    }

    async fn status(&self, t: &Ticket) -> Result<RemoteStatus, RemoteError> {
        let key = self.key()?;
        let r = self
            .cfg
            .client
            .get(&t.status_url)
            .header("X-Api-Key", key)
            .send_as(&self.cfg.limits, "heygen")
            .await
            .map_err(|e| RemoteError::Transient(e.to_string()))?;
        let code = r.status().as_u16();
        let body = r.text().await.unwrap_or_default();
        if code == 401 || code == 403 {
            return Err(RemoteError::Auth(message(&body)));
        }
        if !(200..300).contains(&code) {
            return Err(RemoteError::Transient(format!("HTTP {code}")));
        }
        let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        Ok(match v.pointer("/data/status").and_then(|s| s.as_str()) {
            Some("waiting") | Some("pending") => RemoteStatus::Queued(None),
            Some("processing") => RemoteStatus::Running,
            Some("completed") => RemoteStatus::Completed,
            Some("failed") => {
                let e = v.pointer("/data/error").cloned().unwrap_or(Value::Null);
                let m = [e.get("message"), e.get("detail")]
                    .iter()
                    .flatten()
                    .filter_map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join(": ");
                RemoteStatus::Failed(if m.is_empty() {
                    "the render failed".into()
                } else {
                    m
                })
            }
            // An answer we cannot read says nothing about the render: poll again (the deadline parks it).
            Some(other) => {
                return Err(RemoteError::Transient(format!(
                    "unknown HeyGen status {other}"
                )));
            }
            None => {
                return Err(RemoteError::Transient(
                    "a status answer without a status".into(),
                ));
            }
        })
    }

    async fn media_url(&self, t: &Ticket, _model: &str) -> Result<String, RemoteError> {
        // video_url is signed and expires: every call fetches a fresh one.
        let key = self.key()?;
        let r = self
            .cfg
            .client
            .get(&t.status_url)
            .header("X-Api-Key", key)
            .send_as(&self.cfg.limits, "heygen")
            .await
            .map_err(|e| RemoteError::Transient(e.to_string()))?;
        let code = r.status().as_u16();
        let headers = r.headers().clone();
        let body = r.text().await.unwrap_or_default();
        if !(200..300).contains(&code) {
            // HeyGen reports a failed render in the status body, never as an HTTP error of this call: any error
            // here (429 with Retry-After, 5xx, a rejected key) leaves the finished, billed video to fetch later.
            return Err(
                match crate::http::result_fetch_error("heygen", code, &headers, &body) {
                    RemoteError::Failed(m) => RemoteError::Transient(m),
                    other => other,
                },
            );
        }
        let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        if v.pointer("/data/status").and_then(|s| s.as_str()) == Some("failed") {
            return Err(RemoteError::Failed(message(&body)));
        }
        v.pointer("/data/video_url")
            .and_then(|u| u.as_str())
            .map(|s| s.to_string())
            .ok_or_else(|| {
                RemoteError::Transient("the finished video's link is not there yet".into())
            })
    }

    async fn download(&self, url: &str, out: &Path) -> Result<(), RemoteError> {
        let r = self
            .cfg
            .client
            .get(url)
            .send_as(&self.cfg.limits, "heygen")
            .await
            .map_err(|e| RemoteError::Transient(e.to_string()))?;
        let code = r.status().as_u16();
        if matches!(code, 403 | 404 | 410) {
            return Err(RemoteError::Expired);
        }
        if !(200..300).contains(&code) {
            return Err(RemoteError::Transient(format!(
                "HTTP {code} downloading the avatar video"
            )));
        }
        let bytes = r
            .bytes()
            .await
            .map_err(|e| RemoteError::Transient(e.to_string()))?;
        if let Some(d) = out.parent() {
            std::fs::create_dir_all(d).map_err(|e| RemoteError::Transient(e.to_string()))?;
        }
        let part = out.with_extension("part");
        std::fs::write(&part, &bytes).map_err(|e| RemoteError::Transient(e.to_string()))?;
        std::fs::rename(&part, out).map_err(|e| RemoteError::Transient(e.to_string()))
    }
}
