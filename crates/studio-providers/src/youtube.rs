//! The YouTube Data API v3 calls the publisher makes, each one request with its reply classified: the resumable
//! upload protocol (start a session, send chunks, ask where the session stands), thumbnails.set, captions.insert,
//! playlists and playlist items, videos.list and the connected channel. Retrying, quota accounting and crash
//! safety live in the engine, which stores the session URI before the first byte; this module only speaks the
//! protocol. Base URLs are configurable (`AIDAS_YOUTUBE_BASE_URL`, `AIDAS_YOUTUBE_UPLOAD_URL`).

use crate::ratelimit::{RateLimits, SendAs};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

/// Upload chunks must be multiples of this (except the last).
pub const CHUNK_QUANTUM: u64 = 256 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum YtError {
    #[error(
        "the YouTube API quota is used up ({0}); work resumes after the daily reset (midnight Pacific)"
    )]
    QuotaExceeded(String),
    /// The channel's own daily upload cap (`uploadLimitExceeded`, HTTP 400), separate from the API project's
    /// quota: uploads to this channel wait for the next quota day.
    #[error(
        "the channel has reached YouTube's daily upload limit ({0}); the upload waits for the next day (midnight Pacific)"
    )]
    UploadLimit(String),
    #[error("YouTube asks to slow down ({0})")]
    RateLimited(String),
    #[error("YouTube is unavailable ({0}); trying again later")]
    Unavailable(String),
    #[error("the upload session is gone (HTTP {0}); a new session starts")]
    SessionGone(u16),
    #[error("YouTube did not accept the access token (HTTP 401)")]
    Unauthorized,
    #[error("YouTube refused the request (HTTP {status}, {reason}): {message}")]
    Refused {
        status: u16,
        reason: String,
        message: String,
    },
    #[error("network error talking to YouTube: {0}")]
    Network(String),
    #[error("unexpected reply from YouTube: {0}")]
    Protocol(String),
}

impl YtError {
    /// Worth retrying with backoff.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            YtError::RateLimited(_) | YtError::Unavailable(_) | YtError::Network(_)
        )
    }
    pub fn reason(&self) -> &str {
        match self {
            YtError::QuotaExceeded(_) => "quotaExceeded",
            YtError::UploadLimit(_) => "uploadLimitExceeded",
            YtError::RateLimited(_) => "rateLimitExceeded",
            YtError::Unavailable(_) => "backendError",
            YtError::SessionGone(_) => "sessionGone",
            YtError::Unauthorized => "unauthorized",
            YtError::Refused { reason, .. } => reason,
            YtError::Network(_) => "network",
            YtError::Protocol(_) => "protocol",
        }
    }
}

/// Where an upload session stands.
#[derive(Debug, Clone, PartialEq)]
pub enum UploadProgress {
    /// The video exists: its resource as YouTube returned it.
    Done(Value),
    /// Send from byte `next` on; a 308 may also move the session (`new_uri`).
    Next { next: u64, new_uri: Option<String> },
}

#[derive(Clone)]
pub struct YouTube {
    pub(crate) http: reqwest::Client,
    pub(crate) api: String,
    upload: String,
    /// The YouTube Analytics API v2 base (`…/v2`); reports are `GET {analytics}/reports`.
    pub(crate) analytics: String,
    pub(crate) limits: RateLimits,
}

pub(crate) fn net(e: reqwest::Error) -> YtError {
    YtError::Network(e.to_string())
}

/// Classifies a non-success reply by status and the `error.errors[0].reason` / `error.message` in its body.
pub(crate) fn classify(status: StatusCode, body: &str) -> YtError {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let reason = v["error"]["errors"][0]["reason"]
        .as_str()
        .or_else(|| v["error"]["status"].as_str())
        .unwrap_or("")
        .to_string();
    let message = v["error"]["message"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| body.chars().take(300).collect());
    match status.as_u16() {
        401 => YtError::Unauthorized,
        403 if reason == "quotaExceeded" || reason == "dailyLimitExceeded" => {
            YtError::QuotaExceeded(message)
        }
        // videos.insert: "The user has exceeded the number of videos they may upload" (YouTube Data API,
        // Videos: insert, Errors — badRequest (400) uploadLimitExceeded).
        400 | 403 if reason == "uploadLimitExceeded" => YtError::UploadLimit(message),
        403 if reason == "rateLimitExceeded" || reason == "userRateLimitExceeded" => {
            YtError::RateLimited(message)
        }
        429 => YtError::RateLimited(message),
        s if s >= 500 => YtError::Unavailable(format!("HTTP {s}: {message}")),
        s => YtError::Refused {
            status: s,
            reason: if reason.is_empty() {
                "unknown".into()
            } else {
                reason
            },
            message,
        },
    }
}

/// `Range: bytes=0-N` → N + 1; no header → 0.
fn next_from_range(h: Option<&str>) -> Result<u64, YtError> {
    let Some(r) = h else { return Ok(0) };
    let last = r
        .trim()
        .strip_prefix("bytes=")
        .and_then(|s| s.split_once('-'))
        .and_then(|(_, b)| b.trim().parse::<u64>().ok())
        .ok_or_else(|| YtError::Protocol(format!("unreadable Range header \"{r}\"")))?;
    Ok(last + 1)
}

impl YouTube {
    pub fn new(api_base: &str, upload_base: &str) -> Self {
        // No redirects: "308 Resume Incomplete" is the protocol's answer, not a redirect to follow (reqwest would
        // replay the PUT to its Location).
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(600))
            .connect_timeout(Duration::from_secs(20))
            .build()
            .unwrap_or_default();
        Self {
            http,
            api: api_base.trim_end_matches('/').into(),
            upload: upload_base.trim_end_matches('/').into(),
            analytics: "https://youtubeanalytics.googleapis.com/v2".into(),
            limits: RateLimits::default(),
        }
    }

    /// The same client, waiting for `limits` (the Engine's request rates) before each call.
    pub fn with_limits(mut self, limits: RateLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The same client, asking YouTube Analytics reports at `base` (`AIDAS_YOUTUBE_ANALYTICS_URL`).
    pub fn with_analytics_base(mut self, base: &str) -> Self {
        self.analytics = base.trim_end_matches('/').into();
        self
    }

    pub(crate) async fn json_reply(resp: reqwest::Response) -> Result<Value, YtError> {
        let status = resp.status();
        let body = resp.text().await.map_err(net)?;
        if !status.is_success() {
            return Err(classify(status, &body));
        }
        serde_json::from_str(&body).map_err(|e| {
            // Only the parser's message: a body can hold viewers' comments.
            YtError::Protocol(format!("unreadable JSON reply ({e})"))
        })
    }

    /// Step 1 of the resumable protocol: POST the video resource; the reply's `Location` is the session URI.
    pub async fn start_upload(
        &self,
        token: &str,
        resource: &Value,
        total: u64,
        content_type: &str,
        notify_subscribers: bool,
    ) -> Result<String, YtError> {
        // Nothing YouTube refuses is ever sent (callers clean first to report what changed).
        let mut resource = resource.clone();
        crate::youtube_text::clean_video_resource(&mut resource);
        let body = serde_json::to_vec(&resource).map_err(|e| YtError::Protocol(e.to_string()))?;
        let resp = self
            .http
            .post(format!(
                "{}/videos?uploadType=resumable&part=snippet,status&notifySubscribers={notify_subscribers}",
                self.upload
            ))
            .bearer_auth(token)
            .header("Content-Type", "application/json; charset=UTF-8")
            .header("X-Upload-Content-Length", total.to_string())
            .header("X-Upload-Content-Type", content_type)
            .body(body)
            .send_as(&self.limits, "youtube")
            .await
            .map_err(net)?;
        let status = resp.status();
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let text = resp.text().await.map_err(net)?;
        if !status.is_success() {
            return Err(classify(status, &text));
        }
        location.ok_or_else(|| {
            YtError::Protocol(format!(
                "HTTP {status} without a Location header starting the upload"
            ))
        })
    }

    async fn progress_of(resp: reqwest::Response) -> Result<UploadProgress, YtError> {
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.text().await.map_err(net)?;
        Self::progress(status, &headers, &body)
    }

    fn progress(
        status: StatusCode,
        headers: &reqwest::header::HeaderMap,
        body: &str,
    ) -> Result<UploadProgress, YtError> {
        match status.as_u16() {
            200 | 201 => serde_json::from_str(body)
                .map(UploadProgress::Done)
                .map_err(|e| YtError::Protocol(format!("finished upload reply: {e}"))),
            308 => Ok(UploadProgress::Next {
                next: next_from_range(headers.get("range").and_then(|v| v.to_str().ok()))?,
                new_uri: headers
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string),
            }),
            s @ (404 | 410) => Err(YtError::SessionGone(s)),
            _ => Err(classify(status, body)),
        }
    }

    /// Asks where a session stands (`Content-Range: bytes */TOTAL`): done, or the next byte to send.
    pub async fn query_upload(
        &self,
        token: &str,
        session: &str,
        total: u64,
    ) -> Result<UploadProgress, YtError> {
        let resp = self
            .http
            .put(session)
            .bearer_auth(token)
            .header("Content-Length", "0")
            .header("Content-Range", format!("bytes */{total}"))
            .send_as(&self.limits, "youtube")
            .await
            .map_err(net)?;
        Self::progress_of(resp).await
    }

    /// Sends bytes `first ..= first + len − 1` of `total`. The reply's `Range` (not the length sent) says how far
    /// the server got.
    pub async fn put_chunk(
        &self,
        token: &str,
        session: &str,
        bytes: Vec<u8>,
        first: u64,
        total: u64,
        content_type: &str,
    ) -> Result<UploadProgress, YtError> {
        let last = first + bytes.len() as u64 - 1;
        let resp = self
            .http
            .put(session)
            .bearer_auth(token)
            .header("Content-Type", content_type)
            .header("Content-Range", format!("bytes {first}-{last}/{total}"))
            .body(bytes)
            .send_as(&self.limits, "youtube")
            .await
            .map_err(net)?;
        Self::progress_of(resp).await
    }

    /// thumbnails.set with the image as the raw body.
    pub async fn set_thumbnail(
        &self,
        token: &str,
        video_id: &str,
        image: Vec<u8>,
        mime: &str,
    ) -> Result<Value, YtError> {
        let resp = self
            .http
            .post(format!(
                "{}/thumbnails/set?videoId={video_id}&uploadType=media",
                self.upload
            ))
            .bearer_auth(token)
            .header("Content-Type", mime)
            .body(image)
            .send_as(&self.limits, "youtube")
            .await
            .map_err(net)?;
        Self::json_reply(resp).await
    }

    /// captions.insert (multipart: the caption resource, then the SRT file).
    pub async fn insert_caption(
        &self,
        token: &str,
        video_id: &str,
        language: &str,
        name: &str,
        srt: Vec<u8>,
    ) -> Result<Value, YtError> {
        let (name, _) =
            crate::youtube_text::clean(crate::youtube_text::TextField::CaptionName, name);
        let boundary = format!("aidas{:016x}", srt.len() as u64 ^ 0x5eed_cafe_f00d);
        let meta = serde_json::json!({
            "snippet": { "videoId": video_id, "language": language, "name": name, "isDraft": false }
        });
        let mut body = Vec::with_capacity(srt.len() + 512);
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{meta}\r\n--{boundary}\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(&srt);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let resp = self
            .http
            .post(format!(
                "{}/captions?uploadType=multipart&part=snippet",
                self.upload
            ))
            .bearer_auth(token)
            .header(
                "Content-Type",
                format!("multipart/related; boundary={boundary}"),
            )
            .body(body)
            .send_as(&self.limits, "youtube")
            .await
            .map_err(net)?;
        Self::json_reply(resp).await
    }

    /// playlists.insert: returns the new playlist's id.
    pub async fn create_playlist(
        &self,
        token: &str,
        title: &str,
        description: &str,
        privacy: &str,
    ) -> Result<String, YtError> {
        use crate::youtube_text::{TextField, clean};
        let (title, _) = clean(TextField::PlaylistTitle, title);
        let (description, _) = clean(TextField::PlaylistDescription, description);
        let resp = self
            .http
            .post(format!("{}/playlists?part=snippet,status", self.api))
            .bearer_auth(token)
            .json(&serde_json::json!({
                "snippet": { "title": title, "description": description, "defaultLanguage": "ko" },
                "status": { "privacyStatus": privacy }
            }))
            .send_as(&self.limits, "youtube")
            .await
            .map_err(net)?;
        let v = Self::json_reply(resp).await?;
        v["id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| YtError::Protocol("playlists.insert reply has no id".into()))
    }

    /// playlistItems.insert at `position` (0-based).
    pub async fn add_to_playlist(
        &self,
        token: &str,
        playlist_id: &str,
        video_id: &str,
        position: u32,
    ) -> Result<Value, YtError> {
        let resp = self
            .http
            .post(format!("{}/playlistItems?part=snippet", self.api))
            .bearer_auth(token)
            .json(&serde_json::json!({
                "snippet": {
                    "playlistId": playlist_id,
                    "position": position,
                    "resourceId": { "kind": "youtube#video", "videoId": video_id }
                }
            }))
            .send_as(&self.limits, "youtube")
            .await
            .map_err(net)?;
        Self::json_reply(resp).await
    }

    /// videos.list part=status,processingDetails for one video (None when YouTube does not know it).
    pub async fn video_status(
        &self,
        token: &str,
        video_id: &str,
    ) -> Result<Option<Value>, YtError> {
        let resp = self
            .http
            .get(format!(
                "{}/videos?part=status,processingDetails&id={video_id}",
                self.api
            ))
            .bearer_auth(token)
            .send_as(&self.limits, "youtube")
            .await
            .map_err(net)?;
        let v = Self::json_reply(resp).await?;
        Ok(v["items"].as_array().and_then(|a| a.first()).cloned())
    }

    /// The channel the token belongs to: (id, title).
    pub async fn my_channel(&self, token: &str) -> Result<(String, String), YtError> {
        let resp = self
            .http
            .get(format!("{}/channels?part=snippet&mine=true", self.api))
            .bearer_auth(token)
            .send_as(&self.limits, "youtube")
            .await
            .map_err(net)?;
        let v = Self::json_reply(resp).await?;
        let item = &v["items"][0];
        let id = item["id"].as_str().ok_or_else(|| {
            YtError::Protocol("this Google account has no YouTube channel".into())
        })?;
        Ok((
            id.into(),
            item["snippet"]["title"].as_str().unwrap_or(id).into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_errors_are_read_like_the_sdk() {
        assert_eq!(next_from_range(None).unwrap(), 0);
        assert_eq!(next_from_range(Some("bytes=0-262143")).unwrap(), 262_144);
        assert!(next_from_range(Some("nonsense")).is_err());
        let q = r#"{"error":{"code":403,"message":"quota","errors":[{"reason":"quotaExceeded","domain":"youtube.quota"}]}}"#;
        assert!(matches!(
            classify(StatusCode::FORBIDDEN, q),
            YtError::QuotaExceeded(_)
        ));
        let r = r#"{"error":{"code":403,"errors":[{"reason":"userRateLimitExceeded"}]}}"#;
        assert!(classify(StatusCode::FORBIDDEN, r).is_transient());
        assert!(classify(StatusCode::BAD_GATEWAY, "").is_transient());
        assert!(classify(StatusCode::TOO_MANY_REQUESTS, "").is_transient());
        let f = r#"{"error":{"code":403,"message":"no","errors":[{"reason":"forbidden"}]}}"#;
        let e = classify(StatusCode::FORBIDDEN, f);
        assert!(!e.is_transient());
        assert_eq!(e.reason(), "forbidden");
        assert!(matches!(
            classify(StatusCode::UNAUTHORIZED, ""),
            YtError::Unauthorized
        ));
        // The channel's upload cap is not a refusal for a person: it waits for the next day.
        let u = r#"{"error":{"code":400,"message":"The user has exceeded the number of videos they may upload.","errors":[{"reason":"uploadLimitExceeded","domain":"youtube.video"}]}}"#;
        let e = classify(StatusCode::BAD_REQUEST, u);
        assert!(matches!(e, YtError::UploadLimit(_)), "{e:?}");
        assert_eq!(e.reason(), "uploadLimitExceeded");
        assert!(!e.is_transient());
    }
}
