//! Publishing state: YouTube uploads (write-ahead session URIs), the local quota count per Pacific day, playlists
//! per series, channel sign-in state, and review decisions.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::FromRow;
use studio_domain::EpisodeStatus;

use crate::settings::{set_setting_in, setting_in};
use crate::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, Serialize, FromRow, ts_rs::TS)]
#[ts(export)]
pub struct UploadRow {
    pub series_id: String,
    pub episode_number: i64,
    pub channel_id: String,
    pub state: String,
    pub file_path: String,
    pub file_size: i64,
    pub file_sha256: String,
    pub resource_json: String,
    pub publish_at: Option<String>,
    pub session_uri: Option<String>,
    pub sessions_started: i64,
    pub bytes_confirmed: i64,
    pub video_id: Option<String>,
    pub thumbnail_done: i64,
    pub captions_done: i64,
    pub playlist_done: i64,
    pub privacy_status: Option<String>,
    pub forced_private: i64,
    pub parked_until_ms: Option<i64>,
    pub last_error: Option<String>,
    pub updated_ms: i64,
}

macro_rules! upload_columns {
    () => {
        "series_id, episode_number, channel_id, state, file_path, file_size, file_sha256, resource_json, publish_at, \
         session_uri, sessions_started, bytes_confirmed, video_id, thumbnail_done, captions_done, playlist_done, \
         privacy_status, forced_private, parked_until_ms, last_error, updated_ms"
    };
}

/// The steps after the bytes are in, each recorded once done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadStep {
    Thumbnail,
    Captions,
    Playlist,
}

/// Why a YouTube call may not be made now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuotaHit {
    pub what: String,
    pub used: i64,
    pub limit: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, FromRow, ts_rs::TS)]
#[ts(export)]
pub struct QuotaDay {
    pub day_reset_ms: i64,
    pub units: i64,
    pub uploads: i64,
    pub exhausted: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, FromRow, ts_rs::TS)]
#[ts(export)]
pub struct ChannelRow {
    pub id: String,
    pub name: String,
    pub youtube_channel_id: Option<String>,
    pub state: String,
    pub state_detail: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, FromRow, ts_rs::TS)]
#[ts(export)]
pub struct ReviewDecision {
    pub id: i64,
    pub series_id: String,
    pub episode_number: i64,
    /// `approve`, `reject` or `regenerate`.
    pub decision: String,
    pub reason: String,
    /// The scene numbers the decision names (scenes to make again), as stored.
    #[serde(skip)]
    #[ts(skip)]
    pub scenes_json: String,
    /// The same scene numbers, read from `scenes_json` by [`Store::review_decisions`].
    #[sqlx(skip)]
    pub scenes: Vec<u32>,
    /// When the approved episode goes public, RFC 3339 UTC.
    pub publish_at: Option<String>,
    /// When the decision was made, Unix ms.
    pub at_ms: i64,
}

impl Store {
    pub async fn upload(&self, series_id: &str, n: u32) -> Result<Option<UploadRow>, StoreError> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            upload_columns!(),
            " FROM uploads WHERE series_id = ? AND episode_number = ?"
        ))
        .bind(series_id)
        .bind(n as i64)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn uploads(&self) -> Result<Vec<UploadRow>, StoreError> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            upload_columns!(),
            " FROM uploads ORDER BY series_id, episode_number"
        ))
        .fetch_all(&self.pool)
        .await?)
    }

    /// Records what is about to be uploaded. An upload that has not sent anything yet (no session) takes the new
    /// file and metadata (a re-render after review); one that has a session or a video keeps its own.
    #[allow(clippy::too_many_arguments)]
    pub async fn prepare_upload(
        &self,
        series_id: &str,
        n: u32,
        channel_id: &str,
        file_path: &str,
        file_size: u64,
        file_sha256: &str,
        resource_json: &str,
        publish_at: Option<&str>,
        now_ms: i64,
    ) -> Result<UploadRow, StoreError> {
        sqlx::query(
            "INSERT INTO uploads (series_id, episode_number, channel_id, file_path, file_size, file_sha256, \
             resource_json, publish_at, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (series_id, episode_number) DO UPDATE SET channel_id = excluded.channel_id, \
             file_path = excluded.file_path, file_size = excluded.file_size, file_sha256 = excluded.file_sha256, \
             resource_json = excluded.resource_json, publish_at = excluded.publish_at, updated_ms = excluded.updated_ms \
             WHERE uploads.session_uri IS NULL AND uploads.video_id IS NULL",
        )
        .bind(series_id)
        .bind(n as i64)
        .bind(channel_id)
        .bind(file_path)
        .bind(file_size as i64)
        .bind(file_sha256)
        .bind(resource_json)
        .bind(publish_at)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        self.upload(series_id, n)
            .await?
            .ok_or_else(|| StoreError::Corrupt {
                what: format!("upload of {series_id} episode {n}"),
                detail: "the row vanished right after it was written".into(),
            })
    }

    /// The session URI, stored before the first byte is sent.
    pub async fn set_upload_session(
        &self,
        series_id: &str,
        n: u32,
        uri: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE uploads SET session_uri = ?, sessions_started = sessions_started + 1, bytes_confirmed = 0, \
             state = 'uploading', updated_ms = ? WHERE series_id = ? AND episode_number = ?",
        )
        .bind(uri)
        .bind(now_ms)
        .bind(series_id)
        .bind(n as i64)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// How far YouTube says it got (and a moved session URI, when a 308 carried one).
    pub async fn set_upload_progress(
        &self,
        series_id: &str,
        n: u32,
        bytes_confirmed: u64,
        uri: Option<&str>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE uploads SET bytes_confirmed = ?, session_uri = COALESCE(?, session_uri), parked_until_ms = NULL, \
             updated_ms = ? WHERE series_id = ? AND episode_number = ?",
        )
        .bind(bytes_confirmed as i64)
        .bind(uri)
        .bind(now_ms)
        .bind(series_id)
        .bind(n as i64)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The session expired (404/410): the next attempt starts a new one.
    pub async fn drop_upload_session(
        &self,
        series_id: &str,
        n: u32,
        why: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE uploads SET session_uri = NULL, bytes_confirmed = 0, state = 'new', last_error = ?, updated_ms = ? \
             WHERE series_id = ? AND episode_number = ? AND video_id IS NULL",
        )
        .bind(why)
        .bind(now_ms)
        .bind(series_id)
        .bind(n as i64)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn set_upload_video(
        &self,
        series_id: &str,
        n: u32,
        video_id: &str,
        total: u64,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE uploads SET video_id = ?, bytes_confirmed = ?, state = 'uploaded', parked_until_ms = NULL, \
             last_error = NULL, updated_ms = ? WHERE series_id = ? AND episode_number = ?",
        )
        .bind(video_id)
        .bind(total as i64)
        .bind(now_ms)
        .bind(series_id)
        .bind(n as i64)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn set_upload_step_done(
        &self,
        series_id: &str,
        n: u32,
        step: UploadStep,
    ) -> Result<(), StoreError> {
        let q = match step {
            UploadStep::Thumbnail => {
                "UPDATE uploads SET thumbnail_done = 1 WHERE series_id = ? AND episode_number = ?"
            }
            UploadStep::Captions => {
                "UPDATE uploads SET captions_done = 1 WHERE series_id = ? AND episode_number = ?"
            }
            UploadStep::Playlist => {
                "UPDATE uploads SET playlist_done = 1 WHERE series_id = ? AND episode_number = ?"
            }
        };
        sqlx::query(q)
            .bind(series_id)
            .bind(n as i64)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn finish_upload(
        &self,
        series_id: &str,
        n: u32,
        privacy: Option<&str>,
        forced_private: bool,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE uploads SET state = 'done', privacy_status = ?, forced_private = ?, parked_until_ms = NULL, \
             last_error = NULL, updated_ms = ? WHERE series_id = ? AND episode_number = ?",
        )
        .bind(privacy)
        .bind(i64::from(forced_private))
        .bind(now_ms)
        .bind(series_id)
        .bind(n as i64)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records why the upload is waiting (and until when, for the quota reset).
    pub async fn park_upload(
        &self,
        series_id: &str,
        n: u32,
        until_ms: Option<i64>,
        why: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE uploads SET parked_until_ms = ?, last_error = ?, updated_ms = ? WHERE series_id = ? AND episode_number = ?",
        )
        .bind(until_ms)
        .bind(why)
        .bind(now_ms)
        .bind(series_id)
        .bind(n as i64)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Counts `units` (and one videos.insert when `insert`) against the day's allowance, atomically; refuses when it
    /// would pass a limit or YouTube already said the quota is used up.
    pub async fn reserve_quota(
        &self,
        day_reset_ms: i64,
        units: i64,
        insert: bool,
        max_units: i64,
        max_uploads: i64,
    ) -> Result<Result<QuotaDay, QuotaHit>, StoreError> {
        let mut tx = self.begin_write().await?;
        let conn = &mut *tx;
        let result: Result<Result<QuotaDay, QuotaHit>, StoreError> = async {
            sqlx::query("INSERT OR IGNORE INTO youtube_quota (day_reset_ms) VALUES (?)")
                .bind(day_reset_ms)
                .execute(&mut *conn)
                .await?;
            let d: QuotaDay = sqlx::query_as(
                "SELECT day_reset_ms, units, uploads, exhausted FROM youtube_quota WHERE day_reset_ms = ?",
            )
            .bind(day_reset_ms)
            .fetch_one(&mut *conn)
            .await?;
            if d.exhausted != 0 {
                return Ok(Err(QuotaHit {
                    what: "YouTube reported the quota used up".into(),
                    used: d.units,
                    limit: max_units,
                }));
            }
            if d.units + units > max_units {
                return Ok(Err(QuotaHit {
                    what: "API units".into(),
                    used: d.units,
                    limit: max_units,
                }));
            }
            if insert && d.uploads + 1 > max_uploads {
                return Ok(Err(QuotaHit {
                    what: "uploads".into(),
                    used: d.uploads,
                    limit: max_uploads,
                }));
            }
            let d: QuotaDay = sqlx::query_as(
                "UPDATE youtube_quota SET units = units + ?, uploads = uploads + ? WHERE day_reset_ms = ? \
                 RETURNING day_reset_ms, units, uploads, exhausted",
            )
            .bind(units)
            .bind(i64::from(insert))
            .bind(day_reset_ms)
            .fetch_one(&mut *conn)
            .await?;
            Ok(Ok(d))
        }
        .await;
        // Dropping the transaction without a commit rolls it back.
        if result.is_ok() {
            tx.commit().await?;
        }
        result
    }

    pub async fn mark_quota_exhausted(&self, day_reset_ms: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO youtube_quota (day_reset_ms, exhausted) VALUES (?, 1) \
             ON CONFLICT (day_reset_ms) DO UPDATE SET exhausted = 1",
        )
        .bind(day_reset_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn quota_day(&self, day_reset_ms: i64) -> Result<QuotaDay, StoreError> {
        Ok(sqlx::query_as(
            "SELECT day_reset_ms, units, uploads, exhausted FROM youtube_quota WHERE day_reset_ms = ?",
        )
        .bind(day_reset_ms)
        .fetch_optional(&self.pool)
        .await?
        .unwrap_or(QuotaDay {
            day_reset_ms,
            units: 0,
            uploads: 0,
            exhausted: 0,
        }))
    }

    pub async fn playlist(
        &self,
        series_id: &str,
        channel_id: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT playlist_id FROM playlists WHERE series_id = ? AND channel_id = ?",
        )
        .bind(series_id)
        .bind(channel_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn set_playlist(
        &self,
        series_id: &str,
        channel_id: &str,
        playlist_id: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO playlists (series_id, channel_id, playlist_id) VALUES (?, ?, ?) \
             ON CONFLICT (series_id, channel_id) DO UPDATE SET playlist_id = excluded.playlist_id",
        )
        .bind(series_id)
        .bind(channel_id)
        .bind(playlist_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Where episode `n` goes in its series playlist: after the earlier episodes already in it.
    pub async fn playlist_position(
        &self,
        series_id: &str,
        channel_id: &str,
        n: u32,
    ) -> Result<u32, StoreError> {
        let c: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM uploads WHERE series_id = ? AND channel_id = ? AND playlist_done = 1 \
             AND episode_number < ?",
        )
        .bind(series_id)
        .bind(channel_id)
        .bind(n as i64)
        .fetch_one(&self.pool)
        .await?;
        Ok(c as u32)
    }

    pub async fn channel_rows(&self) -> Result<Vec<ChannelRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, name, youtube_channel_id, state, state_detail, created_at FROM channels ORDER BY created_at, id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn set_channel_state(
        &self,
        id: &str,
        state: &str,
        detail: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE channels SET state = ?, state_detail = ? WHERE id = ?")
            .bind(state)
            .bind(detail)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn add_review_decision(
        &self,
        series_id: &str,
        n: u32,
        decision: &str,
        reason: &str,
        scenes: &[u32],
        publish_at: Option<&str>,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        let scenes = serde_json::to_string(scenes).unwrap_or_else(|_| "[]".into());
        Ok(sqlx::query_scalar(
            "INSERT INTO review_decisions (series_id, episode_number, decision, reason, scenes_json, publish_at, at_ms) \
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(series_id)
        .bind(n as i64)
        .bind(decision)
        .bind(reason)
        .bind(scenes)
        .bind(publish_at)
        .bind(now_ms)
        .fetch_one(&self.pool)
        .await?)
    }

    pub async fn review_decisions(
        &self,
        series_id: &str,
        n: Option<u32>,
    ) -> Result<Vec<ReviewDecision>, StoreError> {
        let mut rows: Vec<ReviewDecision> = sqlx::query_as(
            "SELECT id, series_id, episode_number, decision, reason, scenes_json, publish_at, at_ms FROM review_decisions \
             WHERE series_id = ? AND (? IS NULL OR episode_number = ?) ORDER BY id",
        )
        .bind(series_id)
        .bind(n.map(i64::from))
        .bind(n.map(i64::from))
        .fetch_all(&self.pool)
        .await?;
        for r in &mut rows {
            r.scenes = serde_json::from_str(&r.scenes_json).map_err(|e| StoreError::Corrupt {
                what: format!("review decision {} (its scene numbers)", r.id),
                detail: e.to_string(),
            })?;
        }
        Ok(rows)
    }

    /// Moves the publish time of the episode's latest approval (the calendar's slot) to `publish_at`: the slot is
    /// the approval's, and an approval whose slot passed unused keeps its decision with the new time.
    pub async fn move_publish_time(
        &self,
        series_id: &str,
        n: u32,
        publish_at: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE review_decisions SET publish_at = ? WHERE id = (SELECT MAX(id) FROM review_decisions \
             WHERE series_id = ? AND episode_number = ? AND decision = 'approve')",
        )
        .bind(publish_at)
        .bind(series_id)
        .bind(n as i64)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Taken publish times (RFC 3339) of every scheduled upload, for the calendar.
    pub async fn taken_publish_times(&self) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT publish_at FROM review_decisions WHERE decision = 'approve' AND publish_at IS NOT NULL",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// An edit's whole change to the database in one transaction, all or nothing. Refused, with nothing changed,
    /// when the episode is approved or published (`Closed`), while any stage of the episode runs, while a paid job
    /// for one of the items is still in flight, or when the script changed since the edit read it (`Busy`).
    /// Otherwise: the edited script is saved with its check report; the items are forgotten (the voices of `lines`,
    /// the media of `shots`, and their finished remote jobs renamed with `tag`, so the ledger and history stay and a
    /// new paid job can go out under the same purpose); a replacement shot's media is saved; the offline seeds of
    /// `new_seeds` move on; the takes set aside are added to the episode's list; `stages` are queued again (those
    /// that exist: an episode never produced has none); and an episode in review (or rejected) whose stages are
    /// queued goes back to production with a `regenerate` decision (`reason`, `scenes`). Returns the episode's
    /// status after the edit.
    ///
    /// # Errors
    /// `Closed`; `Busy` (with what is under way); `Transition`; `Corrupt` for an unreadable stored script or list;
    /// `Database`.
    pub async fn redo_items(
        &self,
        r: &RedoItems<'_>,
        now_ms: i64,
    ) -> Result<EpisodeStatus, StoreError> {
        let mut tx = self.begin_write().await?;
        let (status, script_json): (String, Option<String>) = sqlx::query_as(
            "SELECT status, script_json FROM episodes WHERE series_id = ? AND episode_number = ?",
        )
        .bind(r.series_id)
        .bind(r.episode as i64)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| {
            StoreError::UnknownSeries(format!("{} (episode {})", r.series_id, r.episode))
        })?;
        let status = crate::memory::parse_name::<EpisodeStatus>(&status, "episode status")?;
        if matches!(
            status,
            EpisodeStatus::Approved | EpisodeStatus::Scheduled | EpisodeStatus::Published
        ) {
            return Err(StoreError::Closed(format!(
                "episode {} is {status}",
                r.episode
            )));
        }
        let running: Option<String> = sqlx::query_scalar(
            "SELECT stage FROM jobs WHERE series_id = ? AND episode_number = ? AND status = 'running' LIMIT 1",
        )
        .bind(r.series_id)
        .bind(r.episode as i64)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(stage) = running {
            return Err(StoreError::Busy(format!("the {stage} stage is running")));
        }
        if let Some(edit) = &r.script {
            // Two edits saved at once must not lose one: the second finds the script changed and is refused.
            let stored: Option<serde_json::Value> = script_json
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|e| StoreError::Corrupt {
                    what: format!("the script of episode {}", r.episode),
                    detail: e.to_string(),
                })?;
            if stored.as_ref() != Some(edit.was) {
                return Err(StoreError::Busy(
                    "the script was changed meanwhile (another edit was saved); open it again"
                        .into(),
                ));
            }
        }
        let mut purposes: Vec<String> = Vec::new();
        for id in r.lines {
            purposes.push(format!("avatar:{id}"));
        }
        for i in r.shots.iter().chain(r.replace.iter().map(|x| &x.0)) {
            for p in SHOT_JOB_KINDS {
                purposes.push(format!("{p}:{i}"));
            }
        }
        for p in &purposes {
            // Never pay twice: a paid job sent and not yet settled finishes (and is used) before its item is redone.
            let open: Option<String> = sqlx::query_scalar(
                "SELECT state FROM remote_jobs WHERE series_id = ? AND episode_number = ? AND purpose = ? \
                 AND state NOT IN ('downloaded', 'failed') LIMIT 1",
            )
            .bind(r.series_id)
            .bind(r.episode as i64)
            .bind(p)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(state) = open {
                // Stuck or unknown jobs do not finish by themselves: a person looks at them first.
                let next = if matches!(state.as_str(), "stuck" | "unknown") {
                    "it needs a look on the Production screen before anything is sent again"
                } else {
                    "it is used when it finishes"
                };
                return Err(StoreError::Busy(format!(
                    "a paid job for {p} is {state}; {next}"
                )));
            }
        }
        if !r.lines.is_empty() {
            // A line's avatar is part of its character's take for the scene: while a take is being made (or a
            // made one is not settled), lines are not voiced again — the take would be paid for and not fit.
            let open: Option<(String, String)> = sqlx::query_as(
                "SELECT purpose, state FROM remote_jobs WHERE series_id = ? AND episode_number = ? \
                 AND purpose LIKE 'avatar-take:%' AND state NOT IN ('downloaded', 'failed') LIMIT 1",
            )
            .bind(r.series_id)
            .bind(r.episode as i64)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((purpose, state)) = open {
                let next = if matches!(state.as_str(), "stuck" | "unknown") {
                    "it needs a look on the Production screen before anything is sent again"
                } else {
                    "the lines can be made again when it finishes"
                };
                return Err(StoreError::Busy(format!(
                    "a paid job for {purpose} is {state}; {next}"
                )));
            }
        }
        let mut shots: Vec<usize> = r.shots.to_vec();
        shots.extend(r.replace.iter().map(|x| x.0));
        forget_in(&mut tx, r.series_id, r.episode, r.lines, &shots, r.tag).await?;
        if let Some((index, media_json, sha)) = &r.replace {
            sqlx::query(
                "INSERT INTO shot_media (series_id, episode_number, shot_index, media_json, clip_sha256) \
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(r.series_id)
            .bind(r.episode as i64)
            .bind(*index as i64)
            .bind(media_json)
            .bind(sha)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(edit) = &r.script {
            sqlx::query(
                "UPDATE episodes SET script_json = ?, check_report_json = ?, \
                 updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE series_id = ? AND episode_number = ?",
            )
            .bind(edit.now.to_string())
            .bind(edit.report.to_string())
            .bind(r.series_id)
            .bind(r.episode as i64)
            .execute(&mut *tx)
            .await?;
        }
        if !r.new_seeds.is_empty() {
            let key = format!("takes/{}/{}", r.series_id, r.episode);
            let mut seeds: BTreeMap<usize, u32> =
                setting_in(&mut tx, &key).await?.unwrap_or_default();
            for i in r.new_seeds {
                *seeds.entry(*i).or_insert(0) += 1;
            }
            set_setting_in(&mut tx, &key, &seeds).await?;
        }
        if !r.takes.is_empty() {
            let key = format!("takes-kept/{}/{}", r.series_id, r.episode);
            let mut kept: BTreeMap<String, Vec<serde_json::Value>> =
                setting_in(&mut tx, &key).await?.unwrap_or_default();
            for (item, take) in r.takes {
                kept.entry(item.clone()).or_default().push(take.clone());
            }
            set_setting_in(&mut tx, &key, &kept).await?;
        }
        for st in r.stages {
            crate::jobs::requeue_stage(&mut tx, r.series_id, r.episode, *st, now_ms).await?;
        }
        let mut now = status;
        if !r.stages.is_empty()
            && matches!(status, EpisodeStatus::InReview | EpisodeStatus::Rejected)
        {
            now = status.regenerate()?;
            sqlx::query(
                "UPDATE episodes SET status = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
                 WHERE series_id = ? AND episode_number = ?",
            )
            .bind(now.to_string())
            .bind(r.series_id)
            .bind(r.episode as i64)
            .execute(&mut *tx)
            .await?;
            let scenes = serde_json::to_string(r.scenes).unwrap_or_else(|_| "[]".into());
            sqlx::query(
                "INSERT INTO review_decisions (series_id, episode_number, decision, reason, scenes_json, publish_at, at_ms) \
                 VALUES (?, ?, 'regenerate', ?, ?, NULL, ?)",
            )
            .bind(r.series_id)
            .bind(r.episode as i64)
            .bind(r.reason.trim())
            .bind(scenes)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(now)
    }
}

/// What one edit changes in the database (see [`Store::redo_items`]).
pub struct RedoItems<'a> {
    pub series_id: &'a str,
    pub episode: u32,
    /// Lines whose voices (and avatar jobs) are forgotten.
    pub lines: &'a [String],
    /// Shots whose media (and paid jobs) are forgotten.
    pub shots: &'a [usize],
    /// A shot replaced at once: its index, its new media record (JSON) and the clip's SHA-256.
    pub replace: Option<(usize, String, String)>,
    /// Stages queued again.
    pub stages: &'a [studio_domain::Stage],
    /// Appended to the purpose of forgotten remote jobs.
    pub tag: &'a str,
    /// The edited script, saved only when the stored one is still what the edit read.
    pub script: Option<ScriptEdit<'a>>,
    /// Shots whose offline seed moves on (a new take looks different).
    pub new_seeds: &'a [usize],
    /// Takes set aside by the edit, added to the episode's list: (item key such as `shot:3`, the take as JSON).
    pub takes: &'a [(String, serde_json::Value)],
    /// Recorded with an episode sent back from review: why, and which scenes.
    pub reason: &'a str,
    pub scenes: &'a [u32],
}

/// An edited script in [`RedoItems`].
pub struct ScriptEdit<'a> {
    /// The script as the edit read it (JSON).
    pub was: &'a serde_json::Value,
    /// The script to save, and its check report (JSON).
    pub now: &'a serde_json::Value,
    pub report: &'a serde_json::Value,
}

/// Every paid job a shot can have, as the first part of its purpose (`<kind>:<shot index>`): its still or keyframe
/// (from text, or with the characters' references, and their one retry after a drift check), and its clip.
pub const SHOT_JOB_KINDS: [&str; 7] = [
    "still",
    "keyframe",
    "ref-still",
    "ref-keyframe",
    "ref-still-retry",
    "ref-keyframe-retry",
    "shot",
];

async fn forget_in(
    tx: &mut sqlx::SqliteConnection,
    series_id: &str,
    n: u32,
    line_ids: &[String],
    shots: &[usize],
    tag: &str,
) -> Result<u64, StoreError> {
    let mut touched = 0;
    for id in line_ids {
        touched += sqlx::query(
            "DELETE FROM line_audio WHERE series_id = ? AND episode_number = ? AND line_id = ?",
        )
        .bind(series_id)
        .bind(n as i64)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        touched += rename_remote(tx, series_id, n, &format!("avatar:{id}"), tag).await?;
    }
    for i in shots {
        touched += sqlx::query(
            "DELETE FROM shot_media WHERE series_id = ? AND episode_number = ? AND shot_index = ?",
        )
        .bind(series_id)
        .bind(n as i64)
        .bind(*i as i64)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        for p in SHOT_JOB_KINDS {
            touched += rename_remote(tx, series_id, n, &format!("{p}:{i}"), tag).await?;
        }
    }
    Ok(touched)
}

impl Store {
    /// Retires a character's reference still after its look changed, in one transaction: refused (`Busy`, nothing
    /// changed) while a visuals stage of the series runs (it reads and writes the references) or while a paid job
    /// for the reference is not settled (never pay twice, never fetch the old look under the new one); otherwise
    /// the reference is removed from the series' list (setting `refs_key`, a map from character id) and the finished
    /// remote jobs for `purpose` are renamed with `tag`, so the next visuals run makes it anew from the new look.
    ///
    /// # Errors
    /// `Busy`; `Corrupt` for an unreadable list; `Database`.
    pub async fn retire_reference(
        &self,
        series_id: &str,
        refs_key: &str,
        character_id: &str,
        purpose: &str,
        tag: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let running: Option<i64> = sqlx::query_scalar(
            "SELECT episode_number FROM jobs WHERE series_id = ? AND stage = 'visuals' AND status = 'running' LIMIT 1",
        )
        .bind(series_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(n) = running {
            return Err(StoreError::Busy(format!(
                "episode {n}'s pictures are being made with the current look"
            )));
        }
        let open: Option<String> = sqlx::query_scalar(
            "SELECT state FROM remote_jobs WHERE series_id = ? AND episode_number = 0 AND purpose = ? \
             AND state NOT IN ('downloaded', 'failed') LIMIT 1",
        )
        .bind(series_id)
        .bind(purpose)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(state) = open {
            return Err(StoreError::Busy(format!(
                "a paid reference picture for this character is {state}"
            )));
        }
        let mut refs: BTreeMap<String, serde_json::Value> =
            setting_in(&mut tx, refs_key).await?.unwrap_or_default();
        if refs.remove(character_id).is_some() {
            set_setting_in(&mut tx, refs_key, &refs).await?;
        }
        rename_remote(&mut tx, series_id, 0, purpose, tag).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Renames a finished remote job's purpose (jobs still in flight are left to finish).
async fn rename_remote(
    tx: &mut sqlx::SqliteConnection,
    series_id: &str,
    n: u32,
    purpose: &str,
    tag: &str,
) -> Result<u64, StoreError> {
    Ok(sqlx::query(
        "UPDATE remote_jobs SET purpose = purpose || '~' || ? WHERE series_id = ? AND episode_number = ? \
         AND purpose = ? AND state NOT IN ('submitting', 'submitted', 'completed')",
    )
    .bind(tag)
    .bind(series_id)
    .bind(n as i64)
    .bind(purpose)
    .execute(&mut *tx)
    .await?
    .rows_affected())
}

impl Store {
    /// Edits an episode's outline (and the episode's title) while the episode is still only planned.
    pub async fn update_outline(
        &self,
        series_id: &str,
        n: u32,
        title: &str,
        main_event: &str,
        hook: &str,
        cliffhanger: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let status: Option<String> = sqlx::query_scalar(
            "SELECT status FROM episodes WHERE series_id = ? AND episode_number = ?",
        )
        .bind(series_id)
        .bind(n as i64)
        .fetch_optional(&mut *tx)
        .await?;
        if status.as_deref() != Some("planned") {
            return Ok(false);
        }
        let r = sqlx::query(
            "UPDATE episode_outlines SET title = ?, main_event = ?, hook = ?, cliffhanger = ? \
             WHERE series_id = ? AND episode_number = ?",
        )
        .bind(title)
        .bind(main_event)
        .bind(hook)
        .bind(cliffhanger)
        .bind(series_id)
        .bind(n as i64)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE episodes SET title = ? WHERE series_id = ? AND episode_number = ?")
            .bind(title)
            .bind(series_id)
            .bind(n as i64)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(r.rows_affected() == 1)
    }
}
