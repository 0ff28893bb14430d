//! Publishing to YouTube: channels (OAuth loopback sign-in, tokens in the OS keyring, refresh, "reconnect" when
//! Google refuses the refresh token), the crash-safe resumable upload, thumbnail, captions, the series playlist,
//! `publishAt` scheduling, the post-upload status check, and local quota accounting per Pacific day.
//!
//! Crash safety: the upload row (file, size, checksum, metadata) is written first; the session URI is stored
//! before the first byte is sent; every 308's `Range` is stored as it arrives. A restarted process asks the session
//! where it stands (`bytes */TOTAL`): 200/201 means the video already exists (never inserted twice), 308 means
//! continue from `Range + 1`. A lost session (404/410) starts a new one from zero. Each follow-up step (thumbnail,
//! captions, playlist) is recorded when done and never repeated.

mod channels;
mod quota;
mod retry;
mod upload;

use std::io::{Read, Seek, SeekFrom};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

use serde::{Deserialize, Serialize};
use studio_domain::{EpisodeStatus, ErrorCode};
use studio_providers::google_oauth::{
    GoogleOAuth, LoopbackFlow, OAuthError, Tokens, YOUTUBE_SCOPES,
};
use studio_providers::youtube::{CHUNK_QUANTUM, UploadProgress, YouTube, YtError};
use studio_store::{ChannelRow, UploadStep};

use crate::clock::now_ms;
use crate::clock::{next_quota_reset_ms, rfc3339_utc};
use crate::events::{AlertLevel, EngineEvent};
use crate::{CoreError, Engine, Secret};

/// API units per call (YouTube's published costs; the current regime moves videos.insert to its own bucket, so
/// both the units and the uploads per day are settings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(default)]
pub struct QuotaUnits {
    pub insert: i64,
    pub thumbnail: i64,
    pub caption: i64,
    pub playlist_insert: i64,
    pub playlist_item: i64,
    pub list: i64,
}

impl Default for QuotaUnits {
    fn default() -> Self {
        Self {
            insert: 1600,
            thumbnail: 50,
            caption: 400,
            playlist_insert: 50,
            playlist_item: 50,
            list: 1,
        }
    }
}

/// `[youtube]` in config.toml.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(default)]
pub struct YouTubeConfig {
    /// The Google Cloud OAuth client ("Desktop app") id; its secret is the `youtube` key in the keyring.
    pub client_id: String,
    /// The channel every series publishes to unless `aidas channel use` picked another.
    pub default_channel: Option<String>,
    /// Privacy of an upload that is not scheduled: private, unlisted or public.
    pub privacy: String,
    /// Approval assigns the next publish slot; the video goes up private with `publishAt`.
    pub schedule: bool,
    /// Publish times, "HH:MM" wall-clock time in `[production] time_zone` (19:00 Asia/Seoul by default).
    pub publish_times: Vec<String>,
    pub publish_per_day: usize,
    pub notify_subscribers: bool,
    /// Upload chunk size in KiB, rounded down to a multiple of 256 KiB.
    pub chunk_kib: u64,
    pub captions: bool,
    /// Each series gets a playlist, in episode order.
    pub playlist: bool,
    /// Local quota accounting (legacy regime by default: 10,000 units and 6 uploads a day per project).
    pub daily_units: i64,
    pub uploads_per_day: i64,
    pub units: QuotaUnits,
    /// Attempts within one run for a chunk that hit a network error, 5xx or 429 (then the job retries later).
    pub chunk_retries: u32,
    pub retry_base_ms: u64,
}

impl Default for YouTubeConfig {
    fn default() -> Self {
        Self {
            client_id: String::new(),
            default_channel: None,
            privacy: "private".into(),
            schedule: true,
            publish_times: vec!["19:00".into()],
            publish_per_day: 1,
            notify_subscribers: true,
            chunk_kib: 8 * 1024,
            captions: true,
            playlist: true,
            daily_units: 10_000,
            uploads_per_day: 6,
            units: QuotaUnits::default(),
            chunk_retries: 5,
            retry_base_ms: 1000,
        }
    }
}

/// The keyring entry holding a channel's tokens.
pub fn token_key(channel_id: &str) -> String {
    format!("youtube_channel:{channel_id}")
}

/// What one publish did.
#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
#[ts(export)]
pub struct UploadReport {
    pub series_id: String,
    pub episode: u32,
    pub channel_id: String,
    pub video_id: String,
    pub publish_at: Option<String>,
    pub privacy_status: Option<String>,
    /// The API project forced the video private (unaudited projects do this to every upload).
    pub forced_private: bool,
    pub sessions_started: i64,
    pub notes: Vec<String>,
    /// Nothing was sent now: it was done before.
    pub already_done: bool,
}

fn yt_error(e: YtError) -> CoreError {
    let code = match &e {
        YtError::QuotaExceeded(_) => ErrorCode::YoutubeQuota,
        YtError::UploadLimit(_) => ErrorCode::YoutubeUploadLimit,
        YtError::RateLimited(_) => ErrorCode::YoutubeRateLimited,
        YtError::Unavailable(_) => ErrorCode::YoutubeUnavailable,
        YtError::SessionGone(_) => ErrorCode::YoutubeSessionGone,
        YtError::Unauthorized => ErrorCode::YoutubeUnauthorized,
        YtError::Refused { .. } => ErrorCode::YoutubeRefused,
        YtError::Network(_) => ErrorCode::Network,
        YtError::Protocol(_) => ErrorCode::YoutubeProtocol,
    };
    CoreError::Remote {
        code,
        message: e.to_string(),
        transient: e.is_transient() || matches!(e, YtError::Protocol(_)),
    }
}

fn oauth_error(e: OAuthError) -> CoreError {
    let code = match &e {
        OAuthError::Reconnect(_) => ErrorCode::ReconnectChannel,
        OAuthError::Denied(_) => ErrorCode::OauthDenied,
        OAuthError::StateMismatch => ErrorCode::OauthStateMismatch,
        OAuthError::TimedOut(_) => ErrorCode::OauthTimeout,
        OAuthError::Config(_) => ErrorCode::InvalidConfig,
        OAuthError::Refused(_) => ErrorCode::OauthRefused,
        OAuthError::Network(_) => ErrorCode::Network,
    };
    CoreError::Remote {
        code,
        message: e.to_string(),
        transient: e.is_transient(),
    }
}

fn sha256_file(path: &std::path::Path) -> Result<String, CoreError> {
    studio_pipeline::artifact::sha256_file(path)
        .map_err(|e| CoreError::io(format!("reading {}", path.display()), e))
}

fn read_range(path: &std::path::Path, from: u64, len: usize) -> Result<Vec<u8>, CoreError> {
    let mut f = std::fs::File::open(path)
        .map_err(|e| CoreError::io(format!("opening {}", path.display()), e))?;
    f.seek(SeekFrom::Start(from))
        .map_err(|e| CoreError::io(format!("seeking {}", path.display()), e))?;
    let mut buf = vec![0u8; len];
    f.read_exact(&mut buf)
        .map_err(|e| CoreError::io(format!("reading {}", path.display()), e))?;
    Ok(buf)
}

enum Trouble {
    Again,
    NewSession,
}
