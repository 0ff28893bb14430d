//! Viewer feedback: comments read from YouTube and where reading each video stands, statistics and Analytics
//! snapshots, the analyses per episode, and the outline changes they propose (accepted ones are outline revisions
//! that can be rolled back). The feedback share of the day's YouTube units is counted here too.

use serde::Serialize;
use sqlx::FromRow;
use studio_domain::EpisodeOutline;

use crate::{QuotaDay, QuotaHit, Store, StoreError};

/// A comment to store (already cleaned: author hashed, handles removed).
#[derive(Debug, Clone, PartialEq)]
pub struct NewComment {
    pub comment_id: String,
    pub parent_id: Option<String>,
    pub author_key: String,
    pub own: bool,
    pub text: String,
    pub like_count: i64,
    pub reply_count: i64,
    pub published_at: String,
}

/// A stored viewer comment (never the channel's own).
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct StoredComment {
    pub video_id: String,
    pub comment_id: String,
    pub parent_id: Option<String>,
    pub author_key: String,
    pub text: String,
    pub like_count: i64,
    pub published_at: String,
}

/// Where reading one video's comments stands.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CommentReading {
    /// Page tokens of older comments not read yet, oldest cut last.
    pub older_tokens: Vec<String>,
    /// A read once reached the oldest comment.
    pub complete: bool,
    pub skipped: Option<String>,
}

/// A published episode's video.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct PublishedVideo {
    pub episode_number: i64,
    pub video_id: String,
    pub channel_id: String,
}

/// One snapshot of an episode's numbers.
#[derive(Debug, Clone, PartialEq, Default, FromRow, Serialize)]
pub struct AudienceRow {
    pub episode_number: i64,
    pub video_id: String,
    pub taken_ms: i64,
    pub views: Option<i64>,
    pub likes: Option<i64>,
    pub comments: Option<i64>,
    pub duration_sec: Option<f64>,
    pub minutes_watched: Option<f64>,
    pub average_view_sec: Option<f64>,
    pub average_view_percentage: Option<f64>,
    pub subscribers_gained: Option<i64>,
    pub retention_json: Option<String>,
}

/// The channel's numbers at one time.
#[derive(Debug, Clone, PartialEq, FromRow, Serialize)]
pub struct ChannelSnapshot {
    pub channel_id: String,
    pub taken_ms: i64,
    pub subscribers: Option<i64>,
    pub views: Option<i64>,
    pub videos: Option<i64>,
}

/// A stored analysis of one episode's feedback.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct ReportRow {
    pub id: i64,
    pub episode_number: i64,
    pub made_ms: i64,
    pub analyser: String,
    pub report_json: String,
}

/// A proposed change to one outline, as stored.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct OutlineChangeRow {
    pub id: i64,
    pub series_id: String,
    pub episode_number: i64,
    pub proposal: i64,
    pub before_json: String,
    pub after_json: String,
    pub reasons_json: String,
    pub report_ids_json: String,
    pub state: String,
    pub decided_by: Option<String>,
    pub created_ms: i64,
    pub decided_ms: Option<i64>,
}

/// What deciding or rolling back a change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOutcome {
    Accepted,
    Rejected,
    RolledBack,
    /// The episode was written or its outline edited since the proposal: nothing changed, the proposal is closed.
    Stale,
    /// The change is not in a state that allows this (already decided, not accepted, unknown).
    NotAllowed,
}

fn json<T: Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt {
        what: "an outline".into(),
        detail: e.to_string(),
    })
}

fn outline_value(o: &EpisodeOutline) -> serde_json::Value {
    serde_json::to_value(o).unwrap_or_default()
}

impl Store {
    /// Counts `units` of feedback reads against the day: refused when the day's total would pass `max_units` or
    /// the feedback share would pass `max_feedback_units`, or YouTube said the quota is used up.
    pub async fn reserve_feedback_quota(
        &self,
        day_reset_ms: i64,
        units: i64,
        max_units: i64,
        max_feedback_units: i64,
    ) -> Result<Result<QuotaDay, QuotaHit>, StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT OR IGNORE INTO youtube_quota (day_reset_ms) VALUES (?)")
            .bind(day_reset_ms)
            .execute(&mut *tx)
            .await?;
        let (used, feedback, exhausted): (i64, i64, i64) = sqlx::query_as(
            "SELECT units, feedback_units, exhausted FROM youtube_quota WHERE day_reset_ms = ?",
        )
        .bind(day_reset_ms)
        .fetch_one(&mut *tx)
        .await?;
        let hit = if exhausted != 0 {
            Some(QuotaHit {
                what: "YouTube reported the quota used up".into(),
                used,
                limit: max_units,
            })
        } else if used + units > max_units {
            Some(QuotaHit {
                what: "API units".into(),
                used,
                limit: max_units,
            })
        } else if feedback + units > max_feedback_units {
            Some(QuotaHit {
                what: "units set aside for feedback".into(),
                used: feedback,
                limit: max_feedback_units,
            })
        } else {
            None
        };
        if let Some(hit) = hit {
            return Ok(Err(hit));
        }
        let d: QuotaDay = sqlx::query_as(
            "UPDATE youtube_quota SET units = units + ?, feedback_units = feedback_units + ? \
             WHERE day_reset_ms = ? RETURNING day_reset_ms, units, uploads, exhausted",
        )
        .bind(units)
        .bind(units)
        .bind(day_reset_ms)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Ok(d))
    }

    /// The feedback units counted for the day.
    pub async fn feedback_units(&self, day_reset_ms: i64) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT feedback_units FROM youtube_quota WHERE day_reset_ms = ?")
                .bind(day_reset_ms)
                .fetch_optional(&self.pool)
                .await?
                .unwrap_or(0),
        )
    }

    /// The series' episodes that have a YouTube video, in episode order.
    pub async fn published_videos(
        &self,
        series_id: &str,
    ) -> Result<Vec<PublishedVideo>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT episode_number, video_id, channel_id FROM uploads \
             WHERE series_id = ? AND video_id IS NOT NULL ORDER BY episode_number",
        )
        .bind(series_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Stores comments of one video; a comment already stored keeps its text and gets the new like and reply
    /// counts. Returns how many were new.
    pub async fn store_comments(
        &self,
        series_id: &str,
        n: u32,
        video_id: &str,
        comments: &[NewComment],
    ) -> Result<usize, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut new = 0;
        for c in comments {
            let updated = sqlx::query(
                "UPDATE viewer_comments SET like_count = ?, reply_count = MAX(reply_count, ?) \
                 WHERE video_id = ? AND comment_id = ?",
            )
            .bind(c.like_count)
            .bind(c.reply_count)
            .bind(video_id)
            .bind(&c.comment_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if updated > 0 {
                continue;
            }
            sqlx::query(
                "INSERT INTO viewer_comments (video_id, comment_id, series_id, episode_number, parent_id, author_key, \
                 own, text, like_count, reply_count, published_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(video_id)
            .bind(&c.comment_id)
            .bind(series_id)
            .bind(n as i64)
            .bind(&c.parent_id)
            .bind(&c.author_key)
            .bind(c.own)
            .bind(&c.text)
            .bind(c.like_count)
            .bind(c.reply_count)
            .bind(&c.published_at)
            .execute(&mut *tx)
            .await?;
            new += 1;
        }
        tx.commit().await?;
        Ok(new)
    }

    /// Which of `ids` are already stored for the video.
    pub async fn known_comments(
        &self,
        video_id: &str,
        ids: &[String],
    ) -> Result<Vec<String>, StoreError> {
        let mut known = Vec::new();
        for id in ids {
            let hit: Option<i64> = sqlx::query_scalar(
                "SELECT 1 FROM viewer_comments WHERE video_id = ? AND comment_id = ?",
            )
            .bind(video_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
            if hit.is_some() {
                known.push(id.clone());
            }
        }
        Ok(known)
    }

    /// How many replies of a thread are stored.
    pub async fn stored_replies(&self, video_id: &str, parent_id: &str) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM viewer_comments WHERE video_id = ? AND parent_id = ?",
        )
        .bind(video_id)
        .bind(parent_id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// An episode's stored viewer comments (the channel's own left out), newest first.
    pub async fn episode_comments(
        &self,
        series_id: &str,
        n: u32,
    ) -> Result<Vec<StoredComment>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT video_id, comment_id, parent_id, author_key, text, like_count, published_at FROM viewer_comments \
             WHERE series_id = ? AND episode_number = ? AND own = 0 ORDER BY published_at DESC, comment_id",
        )
        .bind(series_id)
        .bind(n as i64)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The readings a writer (`analyser`) made of a video's comments, by comment id (JSON as saved).
    pub async fn comment_readings(
        &self,
        video_id: &str,
        analyser: &str,
    ) -> Result<std::collections::HashMap<String, String>, StoreError> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT comment_id, reading_json FROM comment_readings WHERE video_id = ? AND analyser = ?",
        )
        .bind(video_id)
        .bind(analyser)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().collect())
    }

    /// Keeps a writer's readings of comments: `(comment id, reading JSON)`.
    pub async fn save_comment_readings(
        &self,
        video_id: &str,
        analyser: &str,
        readings: &[(String, String)],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for (id, json) in readings {
            sqlx::query(
                "INSERT OR REPLACE INTO comment_readings (video_id, comment_id, analyser, reading_json) VALUES (?, ?, ?, ?)",
            )
            .bind(video_id)
            .bind(id)
            .bind(analyser)
            .bind(json)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The reply counts stored for these threads when they were last read (absent: a thread not seen yet).
    pub async fn stored_reply_counts(
        &self,
        video_id: &str,
        ids: &[String],
    ) -> Result<std::collections::HashMap<String, i64>, StoreError> {
        let mut out = std::collections::HashMap::new();
        for id in ids {
            let c: Option<i64> = sqlx::query_scalar(
                "SELECT reply_count FROM viewer_comments WHERE video_id = ? AND comment_id = ?",
            )
            .bind(video_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
            if let Some(c) = c {
                out.insert(id.clone(), c);
            }
        }
        Ok(out)
    }

    /// Where reading a video's comments stands. A row that no longer reads (a damaged token list) starts over:
    /// nothing stored is lost, older pages are found again by a full read.
    pub async fn comment_reading(&self, video_id: &str) -> Result<CommentReading, StoreError> {
        let row: Option<(String, i64, Option<String>)> = sqlx::query_as(
            "SELECT older_tokens, complete, skipped FROM comment_reading WHERE video_id = ?",
        )
        .bind(video_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some((tokens, complete, skipped)) = row else {
            return Ok(CommentReading::default());
        };
        match serde_json::from_str::<Vec<String>>(&tokens) {
            Ok(older_tokens) => Ok(CommentReading {
                older_tokens,
                complete: complete != 0,
                skipped,
            }),
            Err(e) => {
                tracing::warn!(video_id, %e, "unreadable comment reading; the video is read from the start again");
                Ok(CommentReading {
                    skipped,
                    ..Default::default()
                })
            }
        }
    }

    /// Saves where reading a video's comments stands.
    pub async fn save_comment_reading(
        &self,
        series_id: &str,
        n: u32,
        video_id: &str,
        r: &CommentReading,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO comment_reading (video_id, series_id, episode_number, older_tokens, complete, skipped, updated_ms) \
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (video_id) DO UPDATE SET older_tokens = excluded.older_tokens, \
             complete = excluded.complete, skipped = excluded.skipped, updated_ms = excluded.updated_ms",
        )
        .bind(video_id)
        .bind(series_id)
        .bind(n as i64)
        .bind(json(&r.older_tokens)?)
        .bind(r.complete)
        .bind(&r.skipped)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Keeps one snapshot of an episode's numbers (views and counts as YouTube gave them; minutes; seconds).
    pub async fn add_audience_snapshot(
        &self,
        series_id: &str,
        a: &AudienceRow,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audience_snapshots (series_id, episode_number, video_id, taken_ms, views, likes, comments, \
             duration_sec, minutes_watched, average_view_sec, average_view_percentage, subscribers_gained, retention_json) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(series_id)
        .bind(a.episode_number)
        .bind(&a.video_id)
        .bind(a.taken_ms)
        .bind(a.views)
        .bind(a.likes)
        .bind(a.comments)
        .bind(a.duration_sec)
        .bind(a.minutes_watched)
        .bind(a.average_view_sec)
        .bind(a.average_view_percentage)
        .bind(a.subscribers_gained)
        .bind(&a.retention_json)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Each episode's newest snapshot, with the newest Analytics totals and retention curve any snapshot of it
    /// holds (a collection without Analytics access keeps the last numbers it had).
    pub async fn latest_audience(&self, series_id: &str) -> Result<Vec<AudienceRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT a.episode_number, a.video_id, a.taken_ms, a.views, a.likes, a.comments, a.duration_sec, \
             t.minutes_watched, t.average_view_sec, t.average_view_percentage, t.subscribers_gained, \
             (SELECT r.retention_json FROM audience_snapshots r WHERE r.series_id = a.series_id \
              AND r.episode_number = a.episode_number AND r.retention_json IS NOT NULL \
              ORDER BY r.taken_ms DESC, r.id DESC LIMIT 1) AS retention_json \
             FROM audience_snapshots a \
             LEFT JOIN audience_snapshots t ON t.id = (SELECT c.id FROM audience_snapshots c \
              WHERE c.series_id = a.series_id AND c.episode_number = a.episode_number \
              AND c.minutes_watched IS NOT NULL ORDER BY c.taken_ms DESC, c.id DESC LIMIT 1) \
             WHERE a.series_id = ? AND a.id = (SELECT b.id FROM audience_snapshots b \
             WHERE b.series_id = a.series_id AND b.episode_number = a.episode_number ORDER BY b.taken_ms DESC, b.id DESC LIMIT 1) \
             ORDER BY a.episode_number",
        )
        .bind(series_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Keeps the channel's numbers at one time (a second snapshot at the same ms replaces the first).
    pub async fn add_channel_snapshot(&self, c: &ChannelSnapshot) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT OR REPLACE INTO channel_snapshots (channel_id, taken_ms, subscribers, views, videos) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&c.channel_id)
        .bind(c.taken_ms)
        .bind(c.subscribers)
        .bind(c.views)
        .bind(c.videos)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The channel's snapshots, oldest first.
    pub async fn channel_snapshots(
        &self,
        channel_id: &str,
    ) -> Result<Vec<ChannelSnapshot>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT channel_id, taken_ms, subscribers, views, videos FROM channel_snapshots WHERE channel_id = ? \
             ORDER BY taken_ms",
        )
        .bind(channel_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Keeps an analysis (the report as JSON); returns its id. Earlier analyses stay.
    pub async fn save_feedback_report(
        &self,
        series_id: &str,
        n: u32,
        analyser: &str,
        report_json: &str,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "INSERT INTO feedback_reports (series_id, episode_number, made_ms, analyser, report_json) \
             VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(series_id)
        .bind(n as i64)
        .bind(now_ms)
        .bind(analyser)
        .bind(report_json)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Each episode's newest analysis, in episode order.
    pub async fn latest_feedback_reports(
        &self,
        series_id: &str,
    ) -> Result<Vec<ReportRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, episode_number, made_ms, analyser, report_json FROM feedback_reports f WHERE series_id = ? \
             AND id = (SELECT MAX(id) FROM feedback_reports g WHERE g.series_id = f.series_id \
             AND g.episode_number = f.episode_number) ORDER BY episode_number",
        )
        .bind(series_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Stores one proposal's changes (all pending) under a new proposal number; returns their ids.
    pub async fn add_outline_changes(
        &self,
        series_id: &str,
        changes: &[(EpisodeOutline, EpisodeOutline, String)],
        report_ids: &[(i64, u32)],
        now_ms: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let mut tx = self.begin_write().await?;
        let proposal: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(proposal), 0) + 1 FROM outline_changes WHERE series_id = ?",
        )
        .bind(series_id)
        .fetch_one(&mut *tx)
        .await?;
        let mut ids = Vec::new();
        for (before, after, reasons) in changes {
            ids.push(
                sqlx::query_scalar(
                    "INSERT INTO outline_changes (series_id, episode_number, proposal, before_json, after_json, \
                     reasons_json, report_ids_json, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                )
                .bind(series_id)
                .bind(i64::from(after.episode_number))
                .bind(proposal)
                .bind(json(before)?)
                .bind(json(after)?)
                .bind(reasons)
                .bind(json(&report_ids)?)
                .bind(now_ms)
                .fetch_one(&mut *tx)
                .await?,
            );
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// The series' outline changes, newest first.
    pub async fn outline_changes(
        &self,
        series_id: &str,
    ) -> Result<Vec<OutlineChangeRow>, StoreError> {
        Ok(
            sqlx::query_as("SELECT * FROM outline_changes WHERE series_id = ? ORDER BY id DESC")
                .bind(series_id)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Closes still-pending changes of the series (a new proposal replaces them).
    pub async fn close_pending_changes(
        &self,
        series_id: &str,
        now_ms: i64,
    ) -> Result<u64, StoreError> {
        Ok(sqlx::query(
            "UPDATE outline_changes SET state = 'stale', decided_ms = ? WHERE series_id = ? AND state = 'pending'",
        )
        .bind(now_ms)
        .bind(series_id)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// Accepts (writes `after` into the outline) or rejects a pending change; a change whose outline no longer
    /// reads `before`, or whose episode is no longer only planned, becomes `Stale` and nothing is written.
    pub async fn decide_outline_change(
        &self,
        series_id: &str,
        id: i64,
        accept: bool,
        by: &str,
        now_ms: i64,
    ) -> Result<ChangeOutcome, StoreError> {
        self.move_outline_change(series_id, id, "pending", accept, by, now_ms)
            .await
    }

    /// Rolls an accepted change back: the outline reads `before` again, if it still reads `after` and the episode
    /// is still only planned (else `Stale`, nothing written).
    pub async fn roll_back_outline_change(
        &self,
        series_id: &str,
        id: i64,
        by: &str,
        now_ms: i64,
    ) -> Result<ChangeOutcome, StoreError> {
        self.move_outline_change(series_id, id, "accepted", true, by, now_ms)
            .await
    }

    async fn move_outline_change(
        &self,
        series_id: &str,
        id: i64,
        from: &str,
        write: bool,
        by: &str,
        now_ms: i64,
    ) -> Result<ChangeOutcome, StoreError> {
        let mut tx = self.begin_write().await?;
        let Some(c): Option<OutlineChangeRow> =
            sqlx::query_as("SELECT * FROM outline_changes WHERE id = ? AND series_id = ?")
                .bind(id)
                .bind(series_id)
                .fetch_optional(&mut *tx)
                .await?
        else {
            return Ok(ChangeOutcome::NotAllowed);
        };
        if c.state != from {
            return Ok(ChangeOutcome::NotAllowed);
        }
        let rolling_back = from == "accepted";
        let (to, outcome) = match (rolling_back, write) {
            (true, _) => ("rolled_back", ChangeOutcome::RolledBack),
            (false, true) => ("accepted", ChangeOutcome::Accepted),
            (false, false) => ("rejected", ChangeOutcome::Rejected),
        };
        let parse = |s: &str| -> Result<EpisodeOutline, StoreError> {
            serde_json::from_str(s).map_err(|e| StoreError::Corrupt {
                what: format!("outline change {id}"),
                detail: e.to_string(),
            })
        };
        let (expect, target) = if rolling_back {
            (parse(&c.after_json)?, parse(&c.before_json)?)
        } else {
            (parse(&c.before_json)?, parse(&c.after_json)?)
        };
        if write {
            let status: Option<String> = sqlx::query_scalar(
                "SELECT status FROM episodes WHERE series_id = ? AND episode_number = ?",
            )
            .bind(series_id)
            .bind(c.episode_number)
            .fetch_optional(&mut *tx)
            .await?;
            let current = self
                .outlines_in(&mut tx, series_id)
                .await?
                .into_iter()
                .find(|o| i64::from(o.episode_number) == c.episode_number);
            let unchanged = current.is_some_and(|o| outline_value(&o) == outline_value(&expect));
            if status.as_deref() != Some("planned") || !unchanged {
                if !rolling_back {
                    sqlx::query(
                        "UPDATE outline_changes SET state = 'stale', decided_ms = ? WHERE id = ?",
                    )
                    .bind(now_ms)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                }
                return Ok(ChangeOutcome::Stale);
            }
            sqlx::query(
                "UPDATE episode_outlines SET title = ?, main_event = ?, sub_events_json = ?, character_focus_json = ?, \
                 target_emotions_json = ?, hook = ?, cliffhanger = ? WHERE series_id = ? AND episode_number = ?",
            )
            .bind(&target.title)
            .bind(&target.main_event)
            .bind(json(&target.sub_events)?)
            .bind(json(&target.character_focus)?)
            .bind(json(&target.target_emotions)?)
            .bind(&target.hook)
            .bind(&target.cliffhanger)
            .bind(series_id)
            .bind(c.episode_number)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE episodes SET title = ? WHERE series_id = ? AND episode_number = ?")
                .bind(&target.title)
                .bind(series_id)
                .bind(c.episode_number)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "UPDATE outline_changes SET state = ?, decided_by = ?, decided_ms = ? WHERE id = ?",
        )
        .bind(to)
        .bind(by)
        .bind(now_ms)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(outcome)
    }
}
