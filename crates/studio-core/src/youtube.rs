//! Publishing to YouTube: channels (OAuth loopback sign-in, tokens in the OS keyring, refresh, "reconnect" when
//! Google refuses the refresh token), the crash-safe resumable upload, thumbnail, captions, the series playlist,
//! `publishAt` scheduling, the post-upload status check, and local quota accounting per Pacific day.
//!
//! Crash safety: the upload row (file, size, checksum, metadata) is written first; the session URI is stored
//! before the first byte is sent; every 308's `Range` is stored as it arrives. A restarted process asks the session
//! where it stands (`bytes */TOTAL`): 200/201 means the video already exists (never inserted twice), 308 means
//! continue from `Range + 1`. A lost session (404/410) starts a new one from zero. Each follow-up step (thumbnail,
//! captions, playlist) is recorded when done and never repeated.

use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use studio_domain::EpisodeStatus;
use studio_providers::google_oauth::{
    GoogleOAuth, LoopbackFlow, OAuthError, Tokens, YOUTUBE_SCOPES,
};
use studio_providers::youtube::{CHUNK_QUANTUM, UploadProgress, YouTube, YtError};
use studio_store::{ChannelRow, UploadStep};

use crate::events::{AlertLevel, EngineEvent};
use crate::production::now_ms;
use crate::scheduler::{next_quota_reset_ms, rfc3339_utc};
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
        YtError::QuotaExceeded(_) => "youtube_quota",
        YtError::UploadLimit(_) => "youtube_upload_limit",
        YtError::RateLimited(_) => "youtube_rate_limited",
        YtError::Unavailable(_) => "youtube_unavailable",
        YtError::SessionGone(_) => "youtube_session_gone",
        YtError::Unauthorized => "youtube_unauthorized",
        YtError::Refused { .. } => "youtube_refused",
        YtError::Network(_) => "network",
        YtError::Protocol(_) => "youtube_protocol",
    };
    CoreError::Remote {
        code,
        message: e.to_string(),
        transient: e.is_transient() || matches!(e, YtError::Protocol(_)),
    }
}

fn oauth_error(e: OAuthError) -> CoreError {
    let code = match &e {
        OAuthError::Reconnect(_) => "reconnect_channel",
        OAuthError::Denied(_) => "oauth_denied",
        OAuthError::StateMismatch => "oauth_state_mismatch",
        OAuthError::TimedOut(_) => "oauth_timeout",
        OAuthError::Config(_) => "invalid_config",
        OAuthError::Refused(_) => "oauth_refused",
        OAuthError::Network(_) => "network",
    };
    CoreError::Remote {
        code,
        message: e.to_string(),
        transient: e.is_transient(),
    }
}

fn sha256_file(path: &std::path::Path) -> Result<String, CoreError> {
    use sha2::Digest;
    let mut f = std::fs::File::open(path)
        .map_err(|e| CoreError::io(format!("opening {}", path.display()), e))?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let k = f
            .read(&mut buf)
            .map_err(|e| CoreError::io(format!("reading {}", path.display()), e))?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
    }
    Ok(format!("{:x}", h.finalize()))
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

impl Engine {
    pub fn youtube_client(&self) -> YouTube {
        let c = self.config();
        YouTube::new(
            c.endpoint("youtube").unwrap_or_default(),
            c.endpoint("youtube_upload").unwrap_or_default(),
        )
    }

    async fn oauth_client(&self) -> Result<GoogleOAuth, CoreError> {
        let c = self.config();
        let client_id = self
            .env_var("AIDAS_YOUTUBE_CLIENT_ID")
            .map(str::to_string)
            .unwrap_or_else(|| c.youtube.client_id.clone());
        if client_id.is_empty() {
            return Err(CoreError::invalid(
                "no Google OAuth client is configured: create a \"Desktop app\" OAuth client in Google Cloud, put its \
                 id in config.toml ([youtube] client_id) and its secret in the keyring (`aidas secrets set youtube`)",
            ));
        }
        let secret = self
            .secret("youtube")
            .await?
            .map(|s| s.expose().to_string());
        Ok(GoogleOAuth::new(
            &client_id,
            secret,
            c.endpoint("google_oauth_auth").unwrap_or_default(),
            c.endpoint("google_oauth_token").unwrap_or_default(),
        ))
    }

    /// Starts connecting a channel: returns the URL to open in a browser; the loopback listener waits for it.
    pub async fn begin_channel_connect(&self) -> Result<LoopbackFlow, CoreError> {
        self.oauth_client()
            .await?
            .begin(YOUTUBE_SCOPES)
            .await
            .map_err(oauth_error)
    }

    /// Finishes connecting: the code exchange, the channel's id and title, tokens into the keyring.
    pub async fn finish_channel_connect(
        &self,
        flow: LoopbackFlow,
        timeout: Duration,
    ) -> Result<ChannelRow, CoreError> {
        let tokens = self
            .oauth_client()
            .await?
            .finish(flow, timeout)
            .await
            .map_err(oauth_error)?;
        let (id, title) = self
            .youtube_client()
            .my_channel(&tokens.access_token)
            .await
            .map_err(yt_error)?;
        self.save_tokens(&id, &tokens).await?;
        self.store()
            .upsert_channel(&id, &title, Some(&id), &serde_json::json!({}))
            .await?;
        self.store()
            .set_channel_state(&id, "connected", None)
            .await?;
        self.events().publish(EngineEvent::Alert {
            level: AlertLevel::Info,
            message: format!("YouTube channel \"{title}\" connected"),
        });
        self.channel(&id).await
    }

    pub async fn channels(&self) -> Result<Vec<ChannelRow>, CoreError> {
        Ok(self.store().channel_rows().await?)
    }

    async fn channel(&self, id: &str) -> Result<ChannelRow, CoreError> {
        self.channels()
            .await?
            .into_iter()
            .find(|c| c.id == id || c.name == id)
            .ok_or_else(|| {
                CoreError::invalid(format!(
                    "no channel \"{id}\" is connected (`aidas channel list`; connect one with `aidas channel connect`)"
                ))
            })
    }

    async fn save_tokens(&self, channel_id: &str, t: &Tokens) -> Result<(), CoreError> {
        let json = serde_json::to_string(t).map_err(|e| CoreError::Internal(e.to_string()))?;
        self.set_secret(&token_key(channel_id), Secret::new(json))
            .await?;
        Ok(())
    }

    /// A working access token for the channel: the stored one while fresh, else refreshed (and stored). A refused
    /// refresh token marks the channel "reconnect needed" and raises an alert.
    async fn access_token(
        &self,
        channel_id: &str,
        force_refresh: bool,
    ) -> Result<String, CoreError> {
        let stored = self.secret(&token_key(channel_id)).await?.ok_or_else(|| {
            CoreError::Remote {
                code: "reconnect_channel",
                message: format!(
                    "channel {channel_id} has no sign-in stored on this machine: connect it again (`aidas channel connect`)"
                ),
                transient: false,
            }
        })?;
        let tokens: Tokens =
            serde_json::from_str(stored.expose()).map_err(|_| CoreError::Remote {
                code: "reconnect_channel",
                message: format!(
                    "channel {channel_id}'s stored sign-in is unreadable: connect it again"
                ),
                transient: false,
            })?;
        if !force_refresh && tokens.fresh(now_ms(), 120_000) {
            return Ok(tokens.access_token);
        }
        let Some(refresh) = tokens.refresh_token.clone() else {
            return Err(CoreError::Remote {
                code: "reconnect_channel",
                message: format!("channel {channel_id} has no refresh token: connect it again"),
                transient: false,
            });
        };
        match self.oauth_client().await?.refresh(&refresh).await {
            Ok(t) => {
                self.save_tokens(channel_id, &t).await?;
                Ok(t.access_token)
            }
            Err(e @ OAuthError::Reconnect(_)) => {
                self.store()
                    .set_channel_state(channel_id, "reconnect_needed", Some(&e.to_string()))
                    .await?;
                self.events().publish(EngineEvent::Alert {
                    level: AlertLevel::Warning,
                    message: format!("YouTube channel {channel_id} must be reconnected: {e}"),
                });
                Err(oauth_error(e))
            }
            Err(e) => Err(oauth_error(e)),
        }
    }

    /// The clock the quota day is read from: now, shifted by `AIDAS_CLOCK_OFFSET_MS` (tests and operators use it
    /// to act as if the reset had passed).
    fn quota_now(&self) -> i64 {
        now_ms()
            + self
                .env_var("AIDAS_CLOCK_OFFSET_MS")
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(0)
    }

    /// Today's YouTube quota use (units, uploads, exhausted) and when it resets.
    pub async fn youtube_quota(&self) -> Result<studio_store::QuotaDay, CoreError> {
        Ok(self
            .store()
            .quota_day(next_quota_reset_ms(self.quota_now()))
            .await?)
    }

    /// Counts a call against today's allowance, or says when to try again.
    async fn spend_quota(&self, units: i64, insert: bool) -> Result<(), CoreError> {
        let y = &self.config().youtube;
        let reset = next_quota_reset_ms(self.quota_now());
        match self
            .store()
            .reserve_quota(reset, units, insert, y.daily_units, y.uploads_per_day)
            .await?
        {
            Ok(_) => Ok(()),
            Err(hit) => Err(CoreError::WaitUntil {
                until_ms: reset,
                kind: "youtube_quota",
                message: format!(
                    "today's YouTube allowance is used ({}: {} of {}); waiting for the reset at {} (midnight Pacific)",
                    hit.what,
                    hit.used,
                    hit.limit,
                    rfc3339_utc(reset)
                ),
            }),
        }
    }

    /// YouTube said quotaExceeded: nothing more today.
    async fn quota_exhausted(&self, series: &str, n: u32, e: &YtError) -> CoreError {
        let reset = next_quota_reset_ms(self.quota_now());
        let _ = self.store().mark_quota_exhausted(reset).await;
        let message = format!(
            "YouTube quota exceeded ({e}); the upload waits for the reset at {}",
            rfc3339_utc(reset)
        );
        self.wait_for_reset(series, n, reset, "youtube_quota", message)
            .await
    }

    /// Parks the upload until `reset` with `message` and returns the wait for the queue.
    async fn wait_for_reset(
        &self,
        series: &str,
        n: u32,
        reset: i64,
        kind: &'static str,
        message: String,
    ) -> CoreError {
        let _ = self
            .store()
            .park_upload(series, n, Some(reset), &message, now_ms())
            .await;
        CoreError::WaitUntil {
            until_ms: reset,
            kind,
            message,
        }
    }

    /// The channel reached its daily upload limit: the upload waits for the next quota day, and a publish time
    /// that would pass before then moves to the calendar's next free slot after it.
    async fn upload_limit_reached(&self, series: &str, n: u32, channel: &str) -> CoreError {
        let reset = next_quota_reset_ms(self.quota_now());
        let moved = self
            .reschedule_after(series, n, reset)
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "could not move the publish time");
                None
            });
        let mut message = format!(
            "YouTube channel {channel} has reached its daily upload limit (the channel's own cap, not the API \
             quota); the upload waits for the next day, from {}",
            rfc3339_utc(reset)
        );
        if let Some(at) = &moved {
            message.push_str(&format!("; its publish time moved to {at}"));
        }
        self.wait_for_reset(series, n, reset, "youtube_upload_limit", message)
            .await
    }

    /// Moves the approved publish time of an episode that cannot go up before `not_before_ms` to the next free slot
    /// (an hour later at the earliest, for YouTube's processing). Returns the new time, if it moved.
    async fn reschedule_after(
        &self,
        series: &str,
        n: u32,
        not_before_ms: i64,
    ) -> Result<Option<String>, CoreError> {
        let Some(current) = self.approved_publish_at(series, n).await? else {
            return Ok(None);
        };
        if crate::scheduler::parse_rfc3339_utc(&current)
            .is_some_and(|t| t >= not_before_ms + 3_600_000)
        {
            return Ok(None);
        }
        // The episode's own slot is being given up: it does not count as taken.
        let Some(slot) = self
            .free_publish_slot(not_before_ms, Some(&current))
            .await?
        else {
            return Ok(None);
        };
        self.store().move_publish_time(series, n, &slot).await?;
        Ok(Some(slot))
    }

    /// The channel a series publishes to: `aidas channel use`, else `[youtube] default_channel`, else none (the
    /// folder publisher only).
    pub async fn publish_channel(&self, series_id: &str) -> Result<Option<String>, CoreError> {
        if let Some(c) = self
            .store()
            .setting::<String>(&format!("publish_channel/{series_id}"))
            .await?
        {
            return Ok(Some(c));
        }
        Ok(self.config().youtube.default_channel.clone())
    }

    pub async fn set_publish_channel(&self, series: &str, channel: &str) -> Result<(), CoreError> {
        let s = self.store().find_series(series).await?;
        let c = self.channel(channel).await?;
        self.store()
            .set_setting(&format!("publish_channel/{}", s.id), &c.id)
            .await?;
        Ok(())
    }

    /// The video resource for videos.insert, from the package's metadata, the schedule and the settings.
    async fn video_resource(
        &self,
        series_id: &str,
        n: u32,
        publish_at: Option<&str>,
    ) -> Result<serde_json::Value, CoreError> {
        let path = self
            .data_dir()
            .join(format!("series/{series_id}/ep{n:03}/package/metadata.json"));
        let text = crate::textfile::read_text_if_present(&path)?.ok_or_else(|| {
            CoreError::invalid(format!(
                "{series_id} episode {n} has no package/metadata.json: package it first"
            ))
        })?;
        let doc: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| CoreError::bad_file(&path, e.to_string()))?;
        let mut res = doc["youtube"].clone();
        if !res["snippet"].is_object() {
            return Err(CoreError::bad_file(&path, "no youtube.snippet"));
        }
        // Check the metadata against YouTube's limits once more: a hand-edited file must not fail mid-upload.
        let meta = crate::editing::metadata_from_snippet(&res["snippet"]);
        let problems = studio_pipeline::metadata::validate(&meta);
        if !problems.is_empty() {
            return Err(CoreError::bad_file(&path, problems.join("; ")));
        }
        let y = &self.config().youtube;
        let status = &mut res["status"];
        match publish_at {
            Some(at) => {
                status["privacyStatus"] = "private".into();
                status["publishAt"] = at.into();
            }
            None => status["privacyStatus"] = y.privacy.clone().into(),
        }
        // Declared on every upload, explicitly.
        status["containsSyntheticMedia"] = true.into();
        if !status["selfDeclaredMadeForKids"].is_boolean() {
            status["selfDeclaredMadeForKids"] = false.into();
        }
        Ok(res)
    }

    /// Uploads an approved episode to its channel (resuming whatever an earlier run left), then the thumbnail,
    /// captions, playlist entry and the status check. Idempotent: a finished upload is reported, not repeated.
    pub async fn publish_youtube(
        &self,
        series: &str,
        n: u32,
        channel: &str,
        cancel: Arc<AtomicBool>,
    ) -> Result<UploadReport, CoreError> {
        let s = self.store().find_series(series).await?;
        let ch = self.channel(channel).await?;
        if ch.state == "reconnect_needed" {
            return Err(CoreError::Remote {
                code: "reconnect_channel",
                message: format!(
                    "YouTube channel \"{}\" must be reconnected before it can publish (`aidas channel connect`): {}",
                    ch.name,
                    ch.state_detail.clone().unwrap_or_default()
                ),
                transient: false,
            });
        }
        let sid = s.id.clone();
        let y = self.config().youtube.clone();
        let rel = format!("series/{sid}/ep{n:03}/episode.mp4");
        let file = self.data_dir().join(&rel);
        let meta = std::fs::metadata(&file).map_err(|_| {
            CoreError::invalid(format!(
                "{} episode {n} has no rendered video yet ({rel})",
                s.title
            ))
        })?;
        let total = meta.len();
        if total == 0 {
            return Err(CoreError::invalid(format!("{rel} is empty")));
        }
        let mut publish_at = self.approved_publish_at(&sid, n).await?;
        // A slot that passed while the upload waited (quota, the channel's cap, an outage) moves to the next free
        // one: YouTube refuses a publishAt in the past.
        let mut moved_note = None;
        if publish_at
            .as_deref()
            .and_then(crate::scheduler::parse_rfc3339_utc)
            .is_some_and(|t| t < now_ms() + 3_600_000)
            && let Some(moved) = self.reschedule_after(&sid, n, now_ms()).await?
        {
            moved_note = Some(format!(
                "the publish time {} had passed; moved to the next free slot, {moved}",
                publish_at.as_deref().unwrap_or_default()
            ));
            publish_at = Some(moved);
        }
        // A finished upload is reported before anything is read or hashed (the file can be gigabytes).
        if let Some(done) = self
            .store()
            .upload(&sid, n)
            .await?
            .filter(|r| r.state == "done")
        {
            return Ok(UploadReport {
                series_id: sid,
                episode: n,
                channel_id: done.channel_id,
                video_id: done.video_id.unwrap_or_default(),
                publish_at: done.publish_at,
                privacy_status: done.privacy_status,
                forced_private: done.forced_private != 0,
                sessions_started: done.sessions_started,
                notes: Vec::new(),
                already_done: true,
            });
        }
        let mut resource = self.video_resource(&sid, n, publish_at.as_deref()).await?;
        let cleaned = studio_providers::youtube_text::clean_video_resource(&mut resource);
        let f2 = file.clone();
        let sha = tokio::task::spawn_blocking(move || sha256_file(&f2))
            .await
            .map_err(|e| CoreError::Internal(e.to_string()))??;
        let resource_json = resource.to_string();
        let prepare = || {
            self.store().prepare_upload(
                &sid,
                n,
                &ch.id,
                &rel,
                total,
                &sha,
                &resource_json,
                publish_at.as_deref(),
                now_ms(),
            )
        };
        let mut row = prepare().await?;
        let mut notes = cleaned;
        notes.extend(moved_note);
        if row.file_sha256 != sha && row.video_id.is_none() {
            // The file changed under a session that has bytes already: those bytes are of another file.
            self.store()
                .drop_upload_session(
                    &sid,
                    n,
                    "the video file changed; starting a new upload",
                    now_ms(),
                )
                .await?;
            row = prepare().await?;
        }
        let yt = self.youtube_client();
        let mut token = self.access_token(&ch.id, false).await?;
        let mut refreshed = false;
        let chunk = (y.chunk_kib * 1024 / CHUNK_QUANTUM).max(1) * CHUNK_QUANTUM;
        let content_type = "video/mp4";

        // 1. The bytes.
        let mut video: Option<String> = row.video_id.clone();
        let mut failures = 0u32;
        let mut new_sessions = 0u32;
        while video.is_none() {
            if cancel.load(Ordering::Relaxed) {
                return Err(CoreError::Cancelled(
                    "upload stopped; it resumes where it was".into(),
                ));
            }
            // Where are we? A stored session is asked; no session means a new one.
            let step: Result<(String, UploadProgress), YtError> = match &row.session_uri {
                Some(uri) => yt
                    .query_upload(&token, uri, total)
                    .await
                    .map(|p| (uri.clone(), p)),
                None => {
                    if new_sessions >= 3 {
                        return Err(CoreError::Remote {
                            code: "youtube_session_gone",
                            message:
                                "YouTube dropped three upload sessions in a row; trying again later"
                                    .into(),
                            transient: true,
                        });
                    }
                    self.spend_quota(y.units.insert, true).await?;
                    match yt
                        .start_upload(&token, &resource, total, content_type, y.notify_subscribers)
                        .await
                    {
                        Ok(uri) => {
                            // Write-ahead: the session is on disk before any byte goes out.
                            self.store()
                                .set_upload_session(&sid, n, &uri, now_ms())
                                .await?;
                            new_sessions += 1;
                            Ok((
                                uri,
                                UploadProgress::Next {
                                    next: 0,
                                    new_uri: None,
                                },
                            ))
                        }
                        Err(e) => Err(e),
                    }
                }
            };
            let mut state = match step {
                Ok(s) => s,
                Err(e) => {
                    self.upload_trouble(
                        &sid,
                        n,
                        e,
                        &mut failures,
                        &mut refreshed,
                        &mut token,
                        &ch.id,
                    )
                    .await?;
                    row = self.store().upload(&sid, n).await?.unwrap_or(row);
                    continue;
                }
            };
            // Send chunks until done or trouble.
            loop {
                let (uri, progress) = state;
                match progress {
                    UploadProgress::Done(v) => {
                        let id = v["id"].as_str().map(str::to_string).ok_or_else(|| {
                            CoreError::Remote {
                                code: "youtube_protocol",
                                message: "the finished upload's reply has no video id".into(),
                                transient: true,
                            }
                        })?;
                        self.store()
                            .set_upload_video(&sid, n, &id, total, now_ms())
                            .await?;
                        video = Some(id);
                        break;
                    }
                    UploadProgress::Next { next, new_uri } => {
                        let uri = new_uri.unwrap_or(uri);
                        self.store()
                            .set_upload_progress(&sid, n, next, Some(&uri), now_ms())
                            .await?;
                        self.events().publish(EngineEvent::UploadProgress {
                            series_id: sid.clone(),
                            episode: n,
                            bytes_done: next,
                            bytes_total: total,
                        });
                        if cancel.load(Ordering::Relaxed) {
                            return Err(CoreError::Cancelled(format!(
                                "upload stopped at {next} of {total} bytes; it resumes there"
                            )));
                        }
                        if next >= total {
                            // Everything is in but no resource yet: ask the session.
                            state = match yt.query_upload(&token, &uri, total).await {
                                Ok(p) => (uri, p),
                                Err(e) => {
                                    self.upload_trouble(
                                        &sid,
                                        n,
                                        e,
                                        &mut failures,
                                        &mut refreshed,
                                        &mut token,
                                        &ch.id,
                                    )
                                    .await?;
                                    break;
                                }
                            };
                            if matches!(state.1, UploadProgress::Next { next, .. } if next >= total)
                            {
                                return Err(CoreError::Remote {
                                    code: "youtube_protocol",
                                    message:
                                        "YouTube has every byte but reports the upload unfinished"
                                            .into(),
                                    transient: true,
                                });
                            }
                            continue;
                        }
                        let len = chunk.min(total - next) as usize;
                        let f = file.clone();
                        let bytes = tokio::task::spawn_blocking(move || read_range(&f, next, len))
                            .await
                            .map_err(|e| CoreError::Internal(e.to_string()))??;
                        match yt
                            .put_chunk(&token, &uri, bytes, next, total, content_type)
                            .await
                        {
                            Ok(p) => {
                                failures = 0;
                                state = (uri, p);
                            }
                            Err(e) => {
                                self.upload_trouble(
                                    &sid,
                                    n,
                                    e,
                                    &mut failures,
                                    &mut refreshed,
                                    &mut token,
                                    &ch.id,
                                )
                                .await?;
                                break;
                            }
                        }
                    }
                }
            }
            row = self.store().upload(&sid, n).await?.unwrap_or(row);
        }
        let video_id = video.unwrap_or_default();
        let row = self.store().upload(&sid, n).await?.unwrap_or(row);

        // 2. Thumbnail (custom thumbnails need a verified channel: a refusal is noted, not fatal).
        let ep_dir = self.data_dir().join(format!("series/{sid}/ep{n:03}"));
        if row.thumbnail_done == 0 {
            let thumb = ep_dir.join("package/thumbnail.jpg");
            match std::fs::read(&thumb) {
                Ok(img) if img.len() <= 2 * 1024 * 1024 => {
                    self.spend_quota(y.units.thumbnail, false).await?;
                    match self
                        .retrying(&sid, n, &ch.id, &mut token, |t| {
                            let yt = yt.clone();
                            let img = img.clone();
                            let v = video_id.clone();
                            async move { yt.set_thumbnail(&t, &v, img, "image/jpeg").await }
                        })
                        .await
                    {
                        Ok(_) => notes.push("thumbnail set".into()),
                        Err(CoreError::Remote {
                            code: "youtube_refused",
                            message,
                            ..
                        }) => notes.push(format!("thumbnail not set: {message}")),
                        Err(e) => return Err(e),
                    }
                }
                Ok(img) => notes.push(format!(
                    "thumbnail not set: {} bytes is over YouTube's 2 MB limit",
                    img.len()
                )),
                Err(_) => notes.push("no thumbnail in the package".into()),
            }
            self.store()
                .set_upload_step_done(&sid, n, UploadStep::Thumbnail)
                .await?;
        }

        // 3. Captions: our Korean SRT.
        if row.captions_done == 0 {
            if y.captions {
                match std::fs::read(ep_dir.join("package/subtitles.ko.srt")) {
                    Ok(srt) => {
                        self.spend_quota(y.units.caption, false).await?;
                        match self
                            .retrying(&sid, n, &ch.id, &mut token, |t| {
                                let yt = yt.clone();
                                let srt = srt.clone();
                                let v = video_id.clone();
                                async move { yt.insert_caption(&t, &v, "ko", "한국어", srt).await }
                            })
                            .await
                        {
                            Ok(_) => notes.push("Korean captions added".into()),
                            Err(CoreError::Remote {
                                code: "youtube_refused",
                                message,
                                ..
                            }) => notes.push(format!("captions not added: {message}")),
                            Err(e) => return Err(e),
                        }
                    }
                    Err(_) => notes.push("no captions in the package".into()),
                }
            }
            self.store()
                .set_upload_step_done(&sid, n, UploadStep::Captions)
                .await?;
        }

        // 4. The series playlist, in episode order.
        if row.playlist_done == 0 {
            if y.playlist {
                let playlist = match self.store().playlist(&sid, &ch.id).await? {
                    Some(p) => p,
                    None => {
                        self.spend_quota(y.units.playlist_insert, false).await?;
                        use studio_providers::youtube_text::{TextField, clean};
                        let (title, changed) = clean(TextField::PlaylistTitle, &s.title);
                        notes.extend(changed);
                        let (desc, changed) = clean(TextField::PlaylistDescription, &s.premise);
                        notes.extend(changed);
                        let p = self
                            .retrying(&sid, n, &ch.id, &mut token, |t| {
                                let yt = yt.clone();
                                let (title, desc) = (title.clone(), desc.clone());
                                async move { yt.create_playlist(&t, &title, &desc, "public").await }
                            })
                            .await?;
                        self.store().set_playlist(&sid, &ch.id, &p).await?;
                        p
                    }
                };
                let pos = self.store().playlist_position(&sid, &ch.id, n).await?;
                self.spend_quota(y.units.playlist_item, false).await?;
                self.retrying(&sid, n, &ch.id, &mut token, |t| {
                    let yt = yt.clone();
                    let (p, v) = (playlist.clone(), video_id.clone());
                    async move { yt.add_to_playlist(&t, &p, &v, pos).await }
                })
                .await?;
                notes.push(format!(
                    "added to the series playlist at position {}",
                    pos + 1
                ));
            }
            self.store()
                .set_upload_step_done(&sid, n, UploadStep::Playlist)
                .await?;
        }

        // 5. What YouTube made of it: an unaudited API project forces every upload private.
        self.spend_quota(y.units.list, false).await?;
        let status = self
            .retrying(&sid, n, &ch.id, &mut token, |t| {
                let yt = yt.clone();
                let v = video_id.clone();
                async move { yt.video_status(&t, &v).await }
            })
            .await?;
        let wanted = resource["status"]["privacyStatus"]
            .as_str()
            .unwrap_or("private")
            .to_string();
        let got = status
            .as_ref()
            .and_then(|v| v["status"]["privacyStatus"].as_str())
            .map(str::to_string);
        let forced_private = wanted != "private" && got.as_deref() == Some("private");
        if forced_private {
            let m = format!(
                "YouTube made {} episode {n} private although it was uploaded as {wanted}: the Google Cloud project \
                 has not passed YouTube's API audit, so every API upload is locked private. Make it {wanted} in YouTube \
                 Studio, or apply for the audit.",
                s.title
            );
            notes.push(m.clone());
            self.events().publish(EngineEvent::Alert {
                level: AlertLevel::Warning,
                message: m,
            });
        }
        if let Some(v) = &status
            && let Some(us) = v["status"]["uploadStatus"].as_str()
            && (us == "failed" || us == "rejected")
        {
            return Err(CoreError::Remote {
                code: "youtube_refused",
                message: format!(
                    "YouTube {us} the video ({}): see YouTube Studio",
                    v["status"]["failureReason"]
                        .as_str()
                        .or(v["status"]["rejectionReason"].as_str())
                        .unwrap_or("no reason given")
                ),
                transient: false,
            });
        }
        self.store()
            .finish_upload(&sid, n, got.as_deref(), forced_private, now_ms())
            .await?;
        if publish_at.is_some() {
            let _ = self
                .store()
                .transition_episode(&sid, n, EpisodeStatus::schedule)
                .await;
        }
        match self.store().mark_published(&sid, n, Some(&video_id)).await {
            Ok(()) | Err(studio_store::StoreError::Transition(_)) => {}
            Err(e) => return Err(e.into()),
        }
        let row = self.store().upload(&sid, n).await?.unwrap_or(row);
        Ok(UploadReport {
            series_id: sid,
            episode: n,
            channel_id: ch.id,
            video_id,
            publish_at,
            privacy_status: got,
            forced_private,
            sessions_started: row.sessions_started,
            notes,
            already_done: false,
        })
    }

    /// One API call with the upload's error policy: 401 → refresh the token once; 5xx/429/network → a few retries
    /// with jittered backoff; quotaExceeded → park until the reset.
    async fn retrying<T, F, Fut>(
        &self,
        sid: &str,
        n: u32,
        channel: &str,
        token: &mut String,
        call: F,
    ) -> Result<T, CoreError>
    where
        F: Fn(String) -> Fut,
        Fut: std::future::Future<Output = Result<T, YtError>>,
    {
        let mut failures = 0;
        let mut refreshed = false;
        loop {
            match call(token.clone()).await {
                Ok(v) => return Ok(v),
                Err(e) => {
                    self.upload_trouble(sid, n, e, &mut failures, &mut refreshed, token, channel)
                        .await?;
                }
            }
        }
    }

    /// Decides what a failed upload call means: wait and try again here, start a new session, or stop.
    #[allow(clippy::too_many_arguments)]
    async fn upload_trouble(
        &self,
        sid: &str,
        n: u32,
        e: YtError,
        failures: &mut u32,
        refreshed: &mut bool,
        token: &mut String,
        channel: &str,
    ) -> Result<Trouble, CoreError> {
        let y = &self.config().youtube;
        match e {
            YtError::QuotaExceeded(_) => Err(self.quota_exhausted(sid, n, &e).await),
            YtError::UploadLimit(_) => Err(self.upload_limit_reached(sid, n, channel).await),
            YtError::SessionGone(code) => {
                self.store()
                    .drop_upload_session(
                        sid,
                        n,
                        &format!("upload session gone (HTTP {code})"),
                        now_ms(),
                    )
                    .await?;
                Ok(Trouble::NewSession)
            }
            YtError::Unauthorized if !*refreshed => {
                *refreshed = true;
                *token = self.access_token(channel, true).await?;
                Ok(Trouble::Again)
            }
            e if e.is_transient() && *failures < y.chunk_retries => {
                *failures += 1;
                let base = y.retry_base_ms.max(1) * (1u64 << (*failures - 1).min(8));
                // rand()·2^n, as Google's client libraries do (jitter from the clock).
                let jitter = (now_ms() as u64 % 1000) as f64 / 1000.0;
                let wait = (base as f64 * (0.5 + jitter)) as u64;
                tracing::warn!(series = sid, episode = n, error = %e, wait_ms = wait, "YouTube call failed; retrying");
                let _ = self
                    .store()
                    .park_upload(sid, n, None, &e.to_string(), now_ms())
                    .await;
                tokio::time::sleep(Duration::from_millis(wait)).await;
                Ok(Trouble::Again)
            }
            e => {
                let _ = self
                    .store()
                    .park_upload(sid, n, None, &e.to_string(), now_ms())
                    .await;
                Err(yt_error(e))
            }
        }
    }
}

enum Trouble {
    Again,
    NewSession,
}
