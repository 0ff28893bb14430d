//! # Viewer feedback
//!
//! For each published episode of a series: collect what viewers did on YouTube (comments and replies, statistics,
//! the channel's numbers and — when the channel granted `yt-analytics.readonly` — Analytics totals and the retention
//! curve), read the comments (with the series' writer when it is an LLM, validated; otherwise offline with the Korean
//! lexicon, and said so), map the retention curve onto the episode's intro, scenes and outro, and propose changes
//! to the outlines of episodes still only planned, within the series plan's bounds. A person accepts or rejects
//! each change (under the unattended review policy they are applied as proposed); an accepted change is an outline
//! revision tied to the reports that caused it, and can be rolled back.
//!
//! Collection is incremental and spends YouTube units from a share of the day (`[feedback] daily_units`), so
//! uploads keep theirs; when the share or the day is used up the collection stops where it is, keeps what it read,
//! and the background service takes it up after the reset. Viewers' names are never stored: the author becomes a
//! keyed hash of their channel id (the key lives in the OS keyring) and `@handles` are removed from the text.

use std::collections::BTreeMap;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use studio_domain::{EpisodeOutline, EpisodeStatus, ErrorCode};
use studio_pipeline::feedback::{
    self as fb, ChangeReason, CharacterMentions, CommentIn, CommentRead, FeedbackReport, NameForms,
    TimelinePart,
};
use studio_providers::youtube::{YouTube, YtError};
use studio_providers::youtube_audience::{CommentPage, FetchedComment, VideoFacts};
use studio_store::{AudienceRow, ChangeOutcome, NewComment, OutlineChangeRow};

use crate::clock::{next_quota_reset_ms, now_ms};
use crate::{CoreError, Engine, Secret};

/// The keyring entry holding the key that turns a viewer's channel id into a stable, unreadable author key.
pub const AUTHOR_KEY_SECRET: &str = "studio:feedback_author_key";

/// `[feedback]` in config.toml.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(default)]
pub struct FeedbackConfig {
    /// Top-level comments read per video in one collection (newest first; older ones are read next time).
    pub max_comments: u32,
    /// Replies read per thread.
    pub max_replies: u32,
    /// YouTube Data API units feedback may use per day (the rest of `[youtube] daily_units` stays for uploads).
    pub daily_units: i64,
    /// Extra names viewers use for a character, by character id or name ("강도윤" = ["강실장", "도윤쓰"]).
    pub aliases: BTreeMap<String, Vec<String>>,
    /// Outlines one proposal may change.
    pub max_outlines: u32,
    /// Proposals read the reports of this many latest episodes.
    pub from_last: u32,
    /// The background service collects every this many hours (0: only on demand).
    pub every_hours: u32,
    /// Under the unattended review policy (`[production] review = "never"`), apply proposals as made.
    pub auto_apply: bool,
    /// Read comments with the series' writer when it is an LLM (else always offline).
    pub read_with_writer: bool,
    /// Comments given to the writer per episode (most liked first; the rest are read offline).
    pub max_read: u32,
}

impl Default for FeedbackConfig {
    fn default() -> Self {
        Self {
            max_comments: 500,
            max_replies: 100,
            daily_units: 1000,
            aliases: BTreeMap::new(),
            max_outlines: 2,
            from_last: 3,
            every_hours: 24,
            auto_apply: true,
            read_with_writer: true,
            max_read: 200,
        }
    }
}

/// Why an episode's video was left out of a collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SkipReason {
    /// Scheduled: private until it goes public (unix ms, when YouTube says).
    NotPublicYet { public_at_ms: Option<i64> },
    /// Private, with no publish time.
    Private,
    /// Comments are turned off for the video.
    CommentsOff,
    /// YouTube no longer has the video (deleted or removed).
    Gone,
    /// YouTube refused to give its comments, with its reason code (`forbidden`, …).
    Refused { reason: String },
    /// YouTube did not answer for the video this time (an error, not a verdict): it is read next time.
    Unanswered,
}

impl SkipReason {
    fn of(e: &YtError) -> Self {
        match e.reason() {
            "commentsDisabled" => Self::CommentsOff,
            "videoNotFound" => Self::Gone,
            r => Self::Refused { reason: r.into() },
        }
    }

    /// In English words (the terminal; screens word it from the kind).
    pub fn words(&self, zone: &str) -> String {
        match self {
            Self::NotPublicYet {
                public_at_ms: Some(at),
            } => {
                format!(
                    "not public yet (goes public {})",
                    crate::clock::local_time_text(*at, zone)
                )
            }
            Self::NotPublicYet { public_at_ms: None } => "not public yet".into(),
            Self::Private => "the video is private".into(),
            Self::CommentsOff => "comments are turned off for this video".into(),
            Self::Gone => "YouTube no longer has this video (deleted or removed)".into(),
            Self::Refused { reason } => format!("YouTube refused to give its comments ({reason})"),
            Self::Unanswered => {
                "YouTube did not answer for this video this time; it is read next time".into()
            }
        }
    }
}

/// What one collection did for one episode.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct EpisodeCollect {
    pub episode: u32,
    pub new_comments: u32,
    /// Why the episode was left out, in plain words (not public yet, comments off, gone from YouTube).
    pub skipped: Option<SkipReason>,
    /// Older comments are still to be read (the next collection continues).
    pub more_to_read: bool,
}

/// What one collection did.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CollectReport {
    pub series_id: String,
    pub episodes: Vec<EpisodeCollect>,
    /// YouTube Data API units this collection used.
    pub units: i64,
    /// `granted`, `not_granted` (the channel must be connected again to allow it), `quota` (Analytics' own quota
    /// is used up today) or `none` (no video was public).
    pub analytics: String,
    /// The collection stopped at the day's allowance; it goes on after this time (unix ms).
    pub waiting_until_ms: Option<i64>,
    pub notes: Vec<String>,
}

/// One field of an outline as a change touches it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct FieldChange {
    /// `character_focus`, `sub_events` or `target_emotions`.
    pub field: String,
    pub before: Vec<String>,
    pub after: Vec<String>,
}

/// A proposed (or decided) change to one outline.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct OutlineChangeView {
    pub id: i64,
    pub episode: u32,
    pub episode_title: String,
    pub proposal: i64,
    /// `pending`, `accepted`, `rejected`, `rolled_back` or `stale`.
    pub state: String,
    /// `creator` or `unattended`.
    pub decided_by: Option<String>,
    pub reasons: Vec<ChangeReason>,
    pub changes: Vec<FieldChange>,
    /// The episodes whose feedback caused it.
    pub from_episodes: Vec<u32>,
    pub created_ms: i64,
    pub decided_ms: Option<i64>,
}

/// A decision on a proposed change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum OutlineDecision {
    Accept,
    Reject,
    RollBack,
}

/// One episode on the feedback screen.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct EpisodeFeedback {
    pub episode: u32,
    pub title: String,
    pub video_id: String,
    pub views: Option<i64>,
    pub likes: Option<i64>,
    pub comments: Option<i64>,
    pub minutes_watched: Option<f64>,
    pub average_view_percentage: Option<f64>,
    pub subscribers_gained: Option<i64>,
    /// When the numbers were read (unix ms).
    pub taken_ms: Option<i64>,
    pub skipped: Option<SkipReason>,
    pub report: Option<FeedbackReport>,
}

/// A character and the other names viewers call them by.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CharacterAliases {
    pub id: String,
    pub name: String,
    /// Set for this series by the creator.
    pub aliases: Vec<String>,
    /// From `[feedback.aliases]` in config.toml (by id or name), for every series.
    pub configured: Vec<String>,
}

/// The channel's subscribers and views at one time.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ChannelPoint {
    pub taken_ms: i64,
    pub subscribers: Option<i64>,
    pub views: Option<i64>,
}

/// A series' feedback screen.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct FeedbackView {
    pub series_id: String,
    pub title: String,
    pub episodes: Vec<EpisodeFeedback>,
    pub channel: Vec<ChannelPoint>,
    /// Mentions summed over the analysed episodes.
    pub characters: Vec<CharacterMentions>,
    /// Every character with the nicknames viewers use for them (the creator's and `[feedback.aliases]`).
    pub aliases: Vec<CharacterAliases>,
    pub changes: Vec<OutlineChangeView>,
    /// Feedback units used today and the day's share (`[feedback] daily_units`).
    pub units_today: i64,
    pub units_per_day: i64,
    pub last_collected_ms: Option<i64>,
    pub waiting_until_ms: Option<i64>,
    /// The last collection's Analytics state (see [`CollectReport::analytics`]).
    pub analytics: Option<String>,
    /// The background service collects every this many hours (0: only on demand).
    pub every_hours: u32,
    /// Proposals are applied as made (`[feedback] auto_apply` under `[production] review = "never"`).
    pub auto_apply: bool,
}

fn setting_key(kind: &str, series: &str) -> String {
    format!("feedback_{kind}:{series}")
}

/// Removes `@handles` (a viewer's name) from a comment; cuts it at 2,000 characters.
pub fn clean_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut prev: Option<char> = None;
    while let Some(c) = chars.next() {
        let starts_word = prev.is_none_or(|p| p.is_whitespace() || "([{,.:;!?\"'".contains(p));
        if c == '@'
            && starts_word
            && chars
                .peek()
                .is_some_and(|n| n.is_alphanumeric() || *n == '_')
        {
            while chars
                .peek()
                .is_some_and(|n| n.is_alphanumeric() || matches!(n, '_' | '.' | '-'))
            {
                chars.next();
            }
            out.push('@');
            out.push('…');
            prev = Some('…');
            continue;
        }
        out.push(c);
        prev = Some(c);
    }
    out.chars().take(2000).collect()
}

/// The date (`YYYY-MM-DD`) of `ms` in Pacific time, the day YouTube Analytics reports by.
fn pacific_date(ms: i64) -> String {
    let tz = crate::clock::time_zone("America/Los_Angeles")
        .unwrap_or_else(|_| jiff::tz::TimeZone::fixed(jiff::tz::offset(-8)));
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned(tz).date().to_string())
        .unwrap_or_else(|_| "1970-01-01".into())
}

/// The series whose feedback is being collected in this process: a second collection of the same series (the
/// background service and a person's click) is refused instead of reading the same pages twice.
static COLLECTING: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

struct Collecting(String);

impl Collecting {
    fn start(series_id: &str, title: &str) -> Result<Self, CoreError> {
        let mut busy = COLLECTING.lock().unwrap_or_else(|p| p.into_inner());
        if busy.iter().any(|s| s == series_id) {
            return Err(CoreError::blocked(
                ErrorCode::WorkInProgress,
                format!(
                    "viewer feedback of {title} is being collected already; it is done in a moment"
                ),
            ));
        }
        busy.push(series_id.to_string());
        Ok(Self(series_id.to_string()))
    }
}

impl Drop for Collecting {
    fn drop(&mut self) {
        COLLECTING
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|s| s != &self.0);
    }
}

/// Why collection stops early.
enum Stop {
    /// The day's allowance (or feedback's share of it) is used: go on after the reset.
    Quota(i64),
    Failed(CoreError),
    /// YouTube refused this video's comments: skip it, not the series.
    Skip(SkipReason),
}

impl From<CoreError> for Stop {
    fn from(e: CoreError) -> Self {
        Stop::Failed(e)
    }
}

impl From<studio_store::StoreError> for Stop {
    fn from(e: studio_store::StoreError) -> Self {
        Stop::Failed(e.into())
    }
}

/// The calls of one collection: the channel's token, the units used, the reset it waits for.
struct Session<'a> {
    engine: &'a Engine,
    yt: YouTube,
    channel: String,
    token: String,
    units: i64,
    key: Option<Vec<u8>>,
}

impl Session<'_> {
    /// One Data API read: counts a unit before each attempt, and calls with the studio's policy (401 → refresh once; 5xx, 429
    /// and network errors → three tries with backoff). quotaExceeded marks the day used up.
    async fn read<T, F, Fut>(&mut self, call: F) -> Result<Result<T, YtError>, Stop>
    where
        F: Fn(YouTube, String) -> Fut,
        Fut: std::future::Future<Output = Result<T, YtError>>,
    {
        let e = self.engine;
        let y = &e.config().youtube;
        let mut failures = 0;
        let mut refreshed = false;
        loop {
            // YouTube charges every request, a failed one too: each attempt reserves its unit.
            let reset = next_quota_reset_ms(e.quota_now());
            if e.store()
                .reserve_feedback_quota(reset, 1, y.daily_units, e.config().feedback.daily_units)
                .await?
                .is_err()
            {
                return Err(Stop::Quota(reset));
            }
            self.units += 1;
            match call(self.yt.clone(), self.token.clone()).await {
                Err(YtError::Unauthorized) if !refreshed => {
                    refreshed = true;
                    self.token = e.access_token(&self.channel, true).await?;
                }
                Err(err) if err.is_transient() && failures < 2 => {
                    failures += 1;
                    tokio::time::sleep(studio_providers::backoff_delay(
                        std::time::Duration::from_millis(y.retry_base_ms),
                        std::time::Duration::from_millis(y.retry_base_ms * 8),
                        failures,
                    ))
                    .await;
                }
                Err(YtError::QuotaExceeded(_)) => {
                    let _ = e.store().mark_quota_exhausted(reset).await;
                    return Err(Stop::Quota(reset));
                }
                other => return Ok(other),
            }
        }
    }

    fn author_key(&self, channel_id: Option<&str>) -> String {
        let (Some(key), Some(id)) = (&self.key, channel_id) else {
            return String::new();
        };
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(key) else {
            return String::new();
        };
        mac.update(id.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..8])
    }

    fn to_new(&self, c: &FetchedComment) -> NewComment {
        NewComment {
            comment_id: c.id.clone(),
            parent_id: c.parent_id.clone(),
            author_key: self.author_key(c.author_channel_id.as_deref()),
            own: c.author_channel_id.as_deref() == Some(self.channel.as_str()),
            text: clean_text(&c.text),
            like_count: c.like_count,
            reply_count: c.total_reply_count,
            published_at: c.published_at.clone(),
        }
    }
}

/// What reading one video's comments came to.
struct VideoRead {
    new: u32,
    skipped: Option<SkipReason>,
}

impl Engine {
    /// The key for author hashes: made once, kept in the OS keyring. `None` when no keyring can hold it (then no
    /// author is kept at all).
    async fn author_hash_key(&self) -> Option<Vec<u8>> {
        if let Ok(Some(s)) = self.secret(AUTHOR_KEY_SECRET).await {
            return hex::decode(s.expose()).ok();
        }
        let key: [u8; 32] = rand::random();
        match self
            .set_secret(AUTHOR_KEY_SECRET, Secret::new(hex::encode(key)))
            .await
        {
            Ok(_) => Some(key.to_vec()),
            Err(e) => {
                tracing::warn!(%e, "no keyring for the feedback author key: comments are kept without authors");
                None
            }
        }
    }

    /// Reads new comments of one video, then older ones a previous collection had to leave.
    async fn read_video_comments(
        &self,
        s: &mut Session<'_>,
        series_id: &str,
        n: u32,
        video: &str,
    ) -> Result<VideoRead, Stop> {
        let cfg = self.config().feedback.clone();
        let mut reading = self.store().comment_reading(video).await?;
        let mut budget = cfg.max_comments.max(1);
        let mut new = 0u32;
        // Newest first, until a page holds a comment already stored (or the end, or the budget).
        let mut cursor: Option<String> = None;
        let mut first = true;
        let mut older: Vec<String> = Vec::new();
        let tracked = reading.complete || !reading.older_tokens.is_empty();
        let result: Result<(), Stop> = async {
            loop {
                let page = match s
                    .read(|yt, t| {
                        let c = cursor.clone();
                        let v = video.to_string();
                        async move {
                            yt.comment_threads(&t, &v, c.as_deref(), budget.min(100))
                                .await
                        }
                    })
                    .await
                {
                    Err(stop) => {
                        if let Some(c) = cursor.take() {
                            older.push(c);
                        }
                        return Err(stop);
                    }
                    Ok(Err(e)) if first => {
                        return Err(Stop::Skip(SkipReason::of(&e)));
                    }
                    Ok(Err(e)) => {
                        tracing::warn!(
                            video,
                            reason = e.reason(),
                            "comment page failed; continuing next time"
                        );
                        if let Some(c) = cursor.take() {
                            older.push(c);
                        }
                        return Ok(());
                    }
                    Ok(Ok(p)) => p,
                };
                first = false;
                let tops: Vec<String> = page
                    .comments
                    .iter()
                    .filter(|c| c.parent_id.is_none())
                    .map(|c| c.id.clone())
                    .collect();
                let known = self.store().known_comments(video, &tops).await?;
                new += self.store_page(s, series_id, n, video, &page).await?;
                budget = budget.saturating_sub(tops.len() as u32);
                // Older comments are all stored, or their pages are kept: stop at the first known one. Otherwise
                // (an expired page token, a damaged row) read on to the end, storing only what is new.
                if !known.is_empty() && tracked {
                    return Ok(());
                }
                match page.next_page_token {
                    None => {
                        reading.complete = true;
                        reading.older_tokens.clear();
                        return Ok(());
                    }
                    Some(t) if budget == 0 => {
                        older.push(t);
                        return Ok(());
                    }
                    Some(t) => cursor = Some(t),
                }
            }
        }
        .await;
        let stop = match result {
            Err(Stop::Skip(why)) => {
                reading.skipped = Some(serde_json::to_string(&why).unwrap_or_default());
                self.store()
                    .save_comment_reading(series_id, n, video, &reading, now_ms())
                    .await?;
                return Ok(VideoRead {
                    new,
                    skipped: Some(why),
                });
            }
            Err(stop) => Some(stop),
            Ok(()) => None,
        };
        // The head's leftover is newer than what earlier collections left: it goes first.
        older.extend(std::mem::take(&mut reading.older_tokens));
        reading.older_tokens = older;
        reading.skipped = None;
        if stop.is_none() {
            // Then older pages a previous collection had to leave, while the budget lasts.
            let mut left = Vec::new();
            let mut queue = std::mem::take(&mut reading.older_tokens).into_iter();
            let mut stopped = None;
            for token in queue.by_ref() {
                let mut next = Some(token);
                while let Some(t) = next.take() {
                    if budget == 0 || stopped.is_some() {
                        left.push(t);
                        break;
                    }
                    match s
                        .read(|yt, tk| {
                            let t = t.clone();
                            let v = video.to_string();
                            async move { yt.comment_threads(&tk, &v, Some(&t), budget.min(100)).await }
                        })
                        .await
                    {
                        Err(stop) => {
                            left.push(t);
                            stopped = Some(stop);
                        }
                        Ok(Err(e)) if e.reason() == "invalidPageToken" => {
                            // Those comments are found again by a full read once no kept page is left.
                            tracing::warn!(video, "an older page's token expired; the video will be read again in full");
                            reading.complete = false;
                        }
                        Ok(Err(_)) => left.push(t),
                        Ok(Ok(page)) => {
                            let tops = page.comments.iter().filter(|c| c.parent_id.is_none()).count();
                            new += self.store_page(s, series_id, n, video, &page).await?;
                            budget = budget.saturating_sub(tops as u32);
                            next = page.next_page_token;
                        }
                    }
                }
            }
            left.extend(queue);
            reading.older_tokens = left;
            self.store()
                .save_comment_reading(series_id, n, video, &reading, now_ms())
                .await?;
            if let Some(stop) = stopped {
                return Err(stop);
            }
        } else {
            self.store()
                .save_comment_reading(series_id, n, video, &reading, now_ms())
                .await?;
        }
        match stop {
            Some(stop) => Err(stop),
            None => Ok(VideoRead { new, skipped: None }),
        }
    }

    /// Stores a page and reads the replies YouTube did not include inline (up to `max_replies` a thread).
    async fn store_page(
        &self,
        s: &mut Session<'_>,
        series_id: &str,
        n: u32,
        video: &str,
        page: &CommentPage,
    ) -> Result<u32, Stop> {
        let rows: Vec<NewComment> = page.comments.iter().map(|c| s.to_new(c)).collect();
        let tops: Vec<String> = page
            .comments
            .iter()
            .filter(|c| c.parent_id.is_none())
            .map(|c| c.id.clone())
            .collect();
        // The reply counts as of the last read: a thread whose count has not changed is not read again (YouTube's
        // count includes replies held for review or deleted, which no read ever returns).
        let before = self.store().stored_reply_counts(video, &tops).await?;
        let mut new = self
            .store()
            .store_comments(series_id, n, video, &rows)
            .await? as u32;
        let max = i64::from(self.config().feedback.max_replies);
        for top in page.comments.iter().filter(|c| c.parent_id.is_none()) {
            let want = top.total_reply_count.min(max);
            if before.get(&top.id) == Some(&top.total_reply_count)
                || self.store().stored_replies(video, &top.id).await? >= want
            {
                continue;
            }
            let mut token: Option<String> = None;
            let mut seen = std::collections::HashSet::new();
            loop {
                let r = s
                    .read(|yt, t| {
                        let (p, c) = (top.id.clone(), token.clone());
                        async move { yt.comment_replies(&t, &p, c.as_deref()).await }
                    })
                    .await?;
                let Ok(replies) = r else { break };
                let rows: Vec<NewComment> = replies.comments.iter().map(|c| s.to_new(c)).collect();
                new += self
                    .store()
                    .store_comments(series_id, n, video, &rows)
                    .await? as u32;
                match replies.next_page_token {
                    Some(t)
                        if seen.insert(t.clone())
                            && self.store().stored_replies(video, &top.id).await? < want =>
                    {
                        token = Some(t)
                    }
                    _ => break,
                }
            }
        }
        Ok(new)
    }

    /// Collects what viewers did with every published episode of a series: comments and replies (new ones, then
    /// older ones left by earlier collections), statistics, the channel's numbers and — when granted — Analytics.
    /// Then reads the comments and proposes outline changes ([`Engine::analyse_feedback`],
    /// [`Engine::propose_outline_changes`]) when anything new came in.
    ///
    /// # Errors
    /// `unknown_series`; `step_missing` when no episode is on YouTube yet; `reconnect_channel` when the channel's
    /// sign-in is gone; store errors. A video YouTube refuses is skipped with its reason, never the series; the
    /// day's allowance stops the collection with `waiting_until_ms` set and everything read kept.
    pub async fn collect_feedback(&self, series: &str) -> Result<CollectReport, CoreError> {
        let s = self.store().find_series(series).await?;
        let _one = Collecting::start(&s.id, &s.title)?;
        let videos = self.store().published_videos(&s.id).await?;
        if videos.is_empty() {
            return Err(CoreError::blocked(
                ErrorCode::StepMissing,
                format!(
                    "no episode of {} is on YouTube yet: publish one first",
                    s.title
                ),
            ));
        }
        let mut report = CollectReport {
            series_id: s.id.clone(),
            episodes: Vec::new(),
            units: 0,
            analytics: "none".into(),
            waiting_until_ms: None,
            notes: Vec::new(),
        };
        let key = self.author_hash_key().await;
        if key.is_none() {
            report.notes.push(
                "no keyring could hold the author key: comments are kept without authors".into(),
            );
        }
        let mut by_channel: BTreeMap<String, Vec<(u32, String)>> = BTreeMap::new();
        for v in &videos {
            by_channel
                .entry(v.channel_id.clone())
                .or_default()
                .push((v.episode_number as u32, v.video_id.clone()));
        }
        let mut analytics_on = true;
        let today = pacific_date(self.quota_now());
        'channels: for (channel, eps) in by_channel {
            let token = self.access_token(&channel, false).await?;
            let mut sess = Session {
                engine: self,
                yt: self.youtube_client(),
                channel: channel.clone(),
                token,
                units: 0,
                key: key.clone(),
            };
            let outcome: Result<(), Stop> = async {
                let ids: Vec<String> = eps.iter().map(|(_, v)| v.clone()).collect();
                let mut facts: BTreeMap<String, VideoFacts> = BTreeMap::new();
                // Only the ids of a successful answer may be called gone.
                let mut answered: std::collections::HashSet<String> = Default::default();
                for chunk in ids.chunks(50) {
                    let chunk = chunk.to_vec();
                    match sess
                        .read(|yt, t| {
                            let c = chunk.clone();
                            async move { yt.video_facts(&t, &c).await }
                        })
                        .await?
                    {
                        Ok(list) => {
                            answered.extend(chunk.iter().cloned());
                            facts.extend(list.into_iter().map(|f| (f.id.clone(), f)));
                        }
                        Err(e) => report.notes.push(format!(
                            "YouTube did not give the videos' numbers ({}); those episodes are read next time",
                            e.reason()
                        )),
                    }
                }
                for (n, video) in &eps {
                    let n = *n;
                    if !answered.contains(video) {
                        report.episodes.push(EpisodeCollect {
                            episode: n,
                            new_comments: 0,
                            skipped: Some(SkipReason::Unanswered),
                            more_to_read: true,
                        });
                        continue;
                    }
                    let Some(f) = facts.get(video) else {
                        let why = SkipReason::Gone;
                        self.skip_video(&s.id, n, video, &why).await?;
                        report.episodes.push(EpisodeCollect {
                            episode: n,
                            new_comments: 0,
                            skipped: Some(why),
                            more_to_read: false,
                        });
                        continue;
                    };
                    if f.privacy_status == "private" {
                        let why = match &f.publish_at {
                            Some(at) => SkipReason::NotPublicYet {
                                public_at_ms: crate::clock::parse_rfc3339_utc(at),
                            },
                            None => SkipReason::Private,
                        };
                        self.skip_video(&s.id, n, video, &why).await?;
                        report.episodes.push(EpisodeCollect {
                            episode: n,
                            new_comments: 0,
                            skipped: Some(why),
                            more_to_read: false,
                        });
                        continue;
                    }
                    let mut row = AudienceRow {
                        episode_number: i64::from(n),
                        video_id: video.clone(),
                        taken_ms: now_ms(),
                        views: f.views,
                        likes: f.likes,
                        comments: f.comments,
                        duration_sec: f.duration_sec,
                        ..Default::default()
                    };
                    if analytics_on {
                        let start = f
                            .published_at
                            .as_deref()
                            .and_then(crate::clock::parse_rfc3339_utc)
                            .map(pacific_date)
                            .unwrap_or_else(|| today.clone());
                        match self
                            .analytics_for(&mut sess, video, &start, &today, &mut row)
                            .await
                        {
                            Ok(()) => report.analytics = "granted".into(),
                            Err(e) if e.is_missing_scope() => {
                                report.analytics = "not_granted".into();
                                analytics_on = false;
                            }
                            Err(YtError::QuotaExceeded(_)) => {
                                // Analytics has a quota of its own: the Data API day is not touched.
                                report.analytics = "quota".into();
                                analytics_on = false;
                            }
                            Err(e) => report.notes.push(format!(
                                "YouTube Analytics did not answer for episode {n} ({})",
                                e.reason()
                            )),
                        }
                    }
                    self.store().add_audience_snapshot(&s.id, &row).await?;
                    let read = self.read_video_comments(&mut sess, &s.id, n, video).await;
                    let more = !self
                        .store()
                        .comment_reading(video)
                        .await?
                        .older_tokens
                        .is_empty();
                    match read {
                        Ok(r) => report.episodes.push(EpisodeCollect {
                            episode: n,
                            new_comments: r.new,
                            skipped: r.skipped,
                            more_to_read: more,
                        }),
                        Err(stop) => {
                            report.episodes.push(EpisodeCollect {
                                episode: n,
                                new_comments: 0,
                                skipped: None,
                                more_to_read: true,
                            });
                            return Err(stop);
                        }
                    }
                }
                let c = sess
                    .read(|yt, t| async move { yt.channel_facts(&t).await })
                    .await?;
                if let Ok(c) = c {
                    self.store()
                        .add_channel_snapshot(&studio_store::ChannelSnapshot {
                            channel_id: c.id,
                            taken_ms: now_ms(),
                            subscribers: c.subscribers,
                            views: c.views,
                            videos: c.videos,
                        })
                        .await?;
                }
                Ok(())
            }
            .await;
            report.units += sess.units;
            match outcome {
                Ok(()) => {}
                Err(Stop::Quota(reset)) => {
                    report.waiting_until_ms = Some(reset);
                    break 'channels;
                }
                Err(Stop::Failed(e)) => return Err(e),
                Err(Stop::Skip(why)) => {
                    return Err(CoreError::Internal(format!(
                        "a skipped video stopped the collection: {why:?}"
                    )));
                }
            }
        }
        let st = self.store();
        st.set_setting(&setting_key("collected", &s.id), &self.quota_now())
            .await?;
        st.set_setting(&setting_key("waiting", &s.id), &report.waiting_until_ms)
            .await?;
        st.set_setting(&setting_key("analytics", &s.id), &report.analytics)
            .await?;
        Ok(report)
    }

    /// [`Engine::collect_feedback`], then [`Engine::analyse_feedback`]: what the Viewers screen's "collect", `aidas
    /// feedback collect` and the background service do. A writer reads only comments it has not read before.
    ///
    /// # Errors
    /// As the two.
    pub async fn collect_and_read(&self, series: &str) -> Result<CollectReport, CoreError> {
        let report = self.collect_feedback(series).await?;
        self.analyse_feedback(series).await?;
        Ok(report)
    }

    async fn skip_video(
        &self,
        series_id: &str,
        n: u32,
        video: &str,
        why: &SkipReason,
    ) -> Result<(), Stop> {
        let mut r = self.store().comment_reading(video).await?;
        r.skipped = Some(serde_json::to_string(why).unwrap_or_default());
        self.store()
            .save_comment_reading(series_id, n, video, &r, now_ms())
            .await?;
        Ok(())
    }

    /// Analytics totals and the retention curve of one video into `row`. Analytics calls are not Data API units.
    async fn analytics_for(
        &self,
        s: &mut Session<'_>,
        video: &str,
        start: &str,
        end: &str,
        row: &mut AudienceRow,
    ) -> Result<(), YtError> {
        let mut call = async |retention: bool| -> Result<
            Result<
                Option<studio_providers::youtube_audience::VideoReport>,
                Vec<studio_providers::youtube_audience::RetentionPoint>,
            >,
            YtError,
        > {
            let mut refreshed = false;
            let mut failures = 0;
            loop {
                let r = if retention {
                    s.yt.retention(&s.token, video, start, end).await.map(Err)
                } else {
                    s.yt.video_report(&s.token, video, start, end).await.map(Ok)
                };
                match r {
                    Err(YtError::Unauthorized) if !refreshed => {
                        refreshed = true;
                        s.token = self
                            .access_token(&s.channel, true)
                            .await
                            .map_err(|_| YtError::Unauthorized)?;
                    }
                    Err(e) if e.is_transient() && failures < 2 => {
                        failures += 1;
                        tokio::time::sleep(std::time::Duration::from_millis(
                            self.config().youtube.retry_base_ms << failures,
                        ))
                        .await;
                    }
                    other => return other,
                }
            }
        };
        if let Ok(Some(r)) = call(false).await? {
            row.minutes_watched = Some(r.minutes_watched);
            row.average_view_sec = Some(r.average_view_sec);
            row.average_view_percentage = Some(r.average_view_percentage);
            row.subscribers_gained = Some(r.subscribers_gained);
        }
        if let Err(points) = call(true).await?
            && !points.is_empty()
        {
            let v: Vec<(f64, f64, Option<f64>)> = points
                .iter()
                .map(|p| (p.ratio_end, p.watch_ratio, p.relative))
                .collect();
            row.retention_json = serde_json::to_string(&v).ok();
        }
        Ok(())
    }

    /// The episode's parts on the video's clock (intro, scenes, outro) and the video's length: YouTube's when
    /// known, else the render's (the timeline plus the outro).
    async fn episode_parts(
        &self,
        series_id: &str,
        n: u32,
        youtube_sec: Option<f64>,
    ) -> Result<(Vec<TimelinePart>, f64), CoreError> {
        let (_, script) = self.series_and_script(series_id, n).await?;
        let audio = self.store().line_audio(series_id, n).await?;
        let r = &self.config().render;
        let tl = studio_pipeline::timeline::place(&script, &audio, r.intro_sec);
        let video_sec = youtube_sec
            .filter(|d| *d > 0.0)
            .unwrap_or(tl.total_sec + r.outro_sec);
        let mut parts = vec![TimelinePart {
            kind: "intro",
            scene: None,
            location: String::new(),
            start_sec: 0.0,
            end_sec: tl.intro_sec,
        }];
        parts.extend(tl.scenes.iter().map(|c| TimelinePart {
            kind: "scene",
            scene: Some(c.number),
            location: c.location.clone(),
            start_sec: c.start,
            end_sec: c.end,
        }));
        parts.push(TimelinePart {
            kind: "outro",
            scene: None,
            location: String::new(),
            start_sec: tl.total_sec,
            end_sec: video_sec,
        });
        Ok((parts, video_sec))
    }

    /// Reads every published episode's stored comments (with the writer when it is an LLM and
    /// `read_with_writer` is on, checked, else offline) and maps its newest retention curve onto its timeline; stores
    /// each report (kept: the newest is current) and returns them.
    ///
    /// # Errors
    /// `unknown_series`; store errors. A writer that fails or answers badly is noted and the comments are read
    /// offline.
    pub async fn analyse_feedback(&self, series: &str) -> Result<Vec<FeedbackReport>, CoreError> {
        let s = self.store().find_series(series).await?;
        let cfg = self.config().feedback.clone();
        let cast = self.store().characters(&s.id).await?;
        let aliases = self.character_aliases_of(&s.id).await?;
        let (names, name_notes) = fb::name_forms(&cast, &aliases);
        let writer = if cfg.read_with_writer {
            let w = self.writer(None).await?;
            (!w.is_offline()).then_some(w)
        } else {
            None
        };
        let audience = self.store().latest_audience(&s.id).await?;
        let mut out = Vec::new();
        for v in self.store().published_videos(&s.id).await? {
            let n = v.episode_number as u32;
            let stored = self.store().episode_comments(&s.id, n).await?;
            let comments: Vec<CommentIn> = stored
                .iter()
                .map(|c| CommentIn {
                    id: c.comment_id.clone(),
                    author: c.author_key.clone(),
                    text: c.text.clone(),
                    likes: c.like_count,
                })
                .collect();
            let (reads, analyser, mut notes) = self
                .read_comments(
                    writer.as_deref(),
                    &s.title,
                    &s.id,
                    n,
                    &v.video_id,
                    &comments,
                    &names,
                )
                .await?;
            let mut report = fb::summarise(n, &analyser, &comments, &reads, &names);
            notes.extend(name_notes.iter().cloned());
            let snap = audience.iter().find(|a| a.episode_number == i64::from(n));
            let curve: Option<Vec<(f64, f64, Option<f64>)>> = snap
                .and_then(|a| a.retention_json.as_deref())
                .and_then(|j| serde_json::from_str(j).ok());
            if let Some(points) = curve {
                match self
                    .episode_parts(&s.id, n, snap.and_then(|a| a.duration_sec))
                    .await
                {
                    Ok((parts, len)) => report.retention = fb::map_retention(&points, len, &parts),
                    Err(e) => notes.push(format!(
                        "the retention curve could not be placed on the episode's scenes: {}",
                        e.payload().message
                    )),
                }
            }
            report.notes = notes;
            let json =
                serde_json::to_string(&report).map_err(|e| CoreError::Internal(e.to_string()))?;
            self.store()
                .save_feedback_report(&s.id, n, &report.analyser, &json, now_ms())
                .await?;
            out.push(report);
        }
        Ok(out)
    }

    /// Reads comments offline, then with the writer when there is one: readings it made before are reused (a
    /// comment is paid for once per writer); of the rest, the most liked `max_read` go in one call, and each reading
    /// that holds is kept. A comment without a usable reading keeps its offline one.
    #[allow(clippy::too_many_arguments)]
    async fn read_comments(
        &self,
        writer: Option<&dyn studio_pipeline::Writer>,
        title: &str,
        series_id: &str,
        n: u32,
        video: &str,
        comments: &[CommentIn],
        names: &[NameForms],
    ) -> Result<(Vec<CommentRead>, String, Vec<String>), CoreError> {
        let mut reads: Vec<CommentRead> = comments
            .iter()
            .map(|c| fb::read_offline(&c.text, names))
            .collect();
        let Some(w) = writer.filter(|_| !comments.is_empty()) else {
            return Ok((reads, "offline".into(), Vec::new()));
        };
        let analyser = w.id();
        let cached = self.store().comment_readings(video, &analyser).await?;
        let mut by_writer = 0usize;
        let mut todo: Vec<usize> = Vec::new();
        for (i, c) in comments.iter().enumerate() {
            match cached
                .get(&c.id)
                .and_then(|j| serde_json::from_str::<CommentRead>(j).ok())
            {
                Some(r) => {
                    reads[i] = r;
                    by_writer += 1;
                }
                None => todo.push(i),
            }
        }
        todo.sort_by_key(|&i| std::cmp::Reverse(comments[i].likes));
        todo.truncate(self.config().feedback.max_read as usize);
        let mut notes = Vec::new();
        if !todo.is_empty() {
            let chosen: Vec<CommentIn> = todo.iter().map(|&i| comments[i].clone()).collect();
            let prompt = fb::reading_prompt(title, names, &chosen);
            match w.read_comments(&prompt).await {
                Ok(Some(reply)) => {
                    if let Some(u) = &reply.usage {
                        let cost = studio_pipeline::Pricing::bundled().llm_cost(u);
                        self.store()
                            .record_usage(&studio_domain::CostEntry {
                                provider: u.provider.clone(),
                                operation: format!("read viewer comments ({})", u.model),
                                series_id: Some(series_id.to_string()),
                                episode_number: Some(n),
                                units: (u.input_tokens + u.output_tokens) as f64,
                                unit: "tokens".into(),
                                estimated_usd: cost.usd,
                                actual_usd: Some(cost.usd),
                            })
                            .await?;
                    }
                    match fb::parse_readings(&reply.text, chosen.len(), names) {
                        Ok((got, problems)) => {
                            let mut keep = Vec::new();
                            for (k, r) in got.into_iter().enumerate() {
                                if let Some(r) = r {
                                    let i = todo[k];
                                    keep.push((comments[i].id.clone(), serde_json::to_string(&r).unwrap_or_default()));
                                    reads[i] = r;
                                    by_writer += 1;
                                }
                            }
                            self.store().save_comment_readings(video, &analyser, &keep).await?;
                            if !problems.is_empty() {
                                notes.push(format!(
                                    "parts of the writer's reading were unusable ({}); those comments were read offline",
                                    problems.join("; ")
                                ));
                            }
                        }
                        Err(problem) => notes.push(format!(
                            "the writer's reading was unusable ({problem}); the comments were read offline"
                        )),
                    }
                }
                Ok(None) => {}
                Err(e) => notes.push(format!(
                    "the writer could not read the comments ({e}); they were read offline"
                )),
            }
        }
        if by_writer == 0 {
            return Ok((reads, "offline".into(), notes));
        }
        if by_writer < comments.len() {
            notes.push(format!(
                "the writer read {by_writer} of {} comments; the rest were read offline",
                comments.len()
            ));
        }
        Ok((reads, analyser, notes))
    }

    /// Proposes outline changes from the last `from_last` analysed episodes (a new, non-empty proposal closes the
    /// pending ones). Under the unattended review policy with `auto_apply`, the changes are accepted at once.
    ///
    /// # Errors
    /// `unknown_series`; `step_missing` when no feedback has been analysed; store errors.
    pub async fn propose_outline_changes(
        &self,
        series: &str,
    ) -> Result<Vec<OutlineChangeView>, CoreError> {
        let s = self.store().find_series(series).await?;
        let cfg = self.config().feedback.clone();
        let rows = self.store().latest_feedback_reports(&s.id).await?;
        let keep = rows.len().saturating_sub(cfg.from_last.max(1) as usize);
        let rows = &rows[keep..];
        if rows.is_empty() {
            return Err(CoreError::blocked(
                ErrorCode::StepMissing,
                format!(
                    "no viewer feedback of {} has been read yet: collect it first",
                    s.title
                ),
            ));
        }
        let reports: Vec<FeedbackReport> = rows
            .iter()
            .filter_map(|r| serde_json::from_str(&r.report_json).ok())
            .collect();
        let report_ids: Vec<(i64, u32)> = rows
            .iter()
            .map(|r| (r.id, r.episode_number as u32))
            .collect();
        let planned_eps: Vec<u32> = self
            .store()
            .episodes(&s.id)
            .await?
            .into_iter()
            .filter(|e| e.status == EpisodeStatus::Planned)
            .map(|e| e.number)
            .collect();
        let outlines: Vec<EpisodeOutline> = self
            .store()
            .outlines(&s.id)
            .await?
            .into_iter()
            .filter(|o| planned_eps.contains(&o.episode_number))
            .collect();
        let cast = self.store().characters(&s.id).await?;
        let changes = fb::propose(
            &reports,
            &cast,
            &outlines,
            &fb::Bounds {
                max_outlines: cfg.max_outlines as usize,
                finale: s.total_episodes,
            },
        );
        if changes.is_empty() {
            // Nothing new to propose: pending changes stay for the person to decide.
            return Ok(Vec::new());
        }
        self.store().close_pending_changes(&s.id, now_ms()).await?;
        let rows: Vec<(EpisodeOutline, EpisodeOutline, String)> = changes
            .into_iter()
            .map(|c| {
                let reasons = serde_json::to_string(&c.reasons).unwrap_or_else(|_| "[]".into());
                (c.before, c.after, reasons)
            })
            .collect();
        let ids = self
            .store()
            .add_outline_changes(&s.id, &rows, &report_ids, now_ms())
            .await?;
        if cfg.auto_apply && self.config().production.review == "never" {
            for id in &ids {
                self.store()
                    .decide_outline_change(&s.id, *id, true, "unattended", now_ms())
                    .await?;
            }
        }
        let all = self.outline_changes(&s.id).await?;
        Ok(all.into_iter().filter(|c| ids.contains(&c.id)).collect())
    }

    /// The series' outline changes, newest first.
    ///
    /// # Errors
    /// `unknown_series`; store errors.
    pub async fn outline_changes(&self, series: &str) -> Result<Vec<OutlineChangeView>, CoreError> {
        let s = self.store().find_series(series).await?;
        let cast = self.store().characters(&s.id).await?;
        let titles: BTreeMap<u32, String> = self
            .store()
            .outlines(&s.id)
            .await?
            .into_iter()
            .map(|o| (o.episode_number, o.title))
            .collect();
        let name = |id: &String| {
            cast.iter()
                .find(|c| &c.id == id)
                .map(|c| c.name.clone())
                .unwrap_or_else(|| id.clone())
        };
        let rows = self.store().outline_changes(&s.id).await?;
        Ok(rows
            .iter()
            .map(|r| change_view(r, &titles, &name))
            .collect())
    }

    /// Accepts, rejects or rolls back one outline change.
    ///
    /// # Errors
    /// `unknown_series`; `invalid_input` when the change is unknown or not in a state that allows this;
    /// `episode_closed` when the episode was written (or its outline edited) since: nothing changes.
    pub async fn decide_outline_change(
        &self,
        series: &str,
        id: i64,
        decision: OutlineDecision,
    ) -> Result<OutlineChangeView, CoreError> {
        let s = self.store().find_series(series).await?;
        let st = self.store();
        let outcome = match decision {
            OutlineDecision::Accept => {
                st.decide_outline_change(&s.id, id, true, "creator", now_ms())
                    .await?
            }
            OutlineDecision::Reject => {
                st.decide_outline_change(&s.id, id, false, "creator", now_ms())
                    .await?
            }
            OutlineDecision::RollBack => {
                st.roll_back_outline_change(&s.id, id, "creator", now_ms())
                    .await?
            }
        };
        match outcome {
            ChangeOutcome::NotAllowed
                if !st.outline_changes(&s.id).await?.iter().any(|c| c.id == id) =>
            {
                Err(CoreError::invalid(format!(
                    "{} has no outline change {id}: the list of proposed changes shows their numbers",
                    s.title
                )))
            }
            ChangeOutcome::NotAllowed => Err(CoreError::invalid(match decision {
                OutlineDecision::RollBack => {
                    format!("change {id} of {} is not an accepted change", s.title)
                }
                _ => format!("change {id} of {} is not waiting for a decision", s.title),
            })),
            ChangeOutcome::Stale if decision == OutlineDecision::RollBack => {
                Err(CoreError::blocked(
                    ErrorCode::EpisodeClosed,
                    format!(
                        "the outline of change {id} was changed again since (a later change, an edit, or its script was \
                     written): roll back the later change first, or edit the outline by hand"
                    ),
                ))
            }
            ChangeOutcome::Stale => Err(CoreError::blocked(
                ErrorCode::EpisodeClosed,
                format!(
                    "the episode of change {id} was written or its outline edited since: nothing was changed; \
                     propose again to start from the outline as it is"
                ),
            )),
            _ => self
                .outline_changes(&s.id)
                .await?
                .into_iter()
                .find(|c| c.id == id)
                .ok_or_else(|| CoreError::Internal(format!("change {id} vanished"))),
        }
    }

    /// The feedback screen of a series: numbers per episode, the channel over time, character mentions, the newest
    /// analysis of each episode and the outline changes.
    ///
    /// # Errors
    /// `unknown_series`; store errors.
    pub async fn feedback_view(&self, series: &str) -> Result<FeedbackView, CoreError> {
        let s = self.store().find_series(series).await?;
        let st = self.store();
        let videos = st.published_videos(&s.id).await?;
        let audience = st.latest_audience(&s.id).await?;
        let reports: BTreeMap<u32, FeedbackReport> = st
            .latest_feedback_reports(&s.id)
            .await?
            .into_iter()
            .filter_map(|r| {
                Some((
                    r.episode_number as u32,
                    serde_json::from_str(&r.report_json).ok()?,
                ))
            })
            .collect();
        let titles: BTreeMap<u32, String> = st
            .outlines(&s.id)
            .await?
            .into_iter()
            .map(|o| (o.episode_number, o.title))
            .collect();
        let mut episodes = Vec::new();
        for v in &videos {
            let n = v.episode_number as u32;
            let a = audience
                .iter()
                .find(|a| a.episode_number == v.episode_number);
            episodes.push(EpisodeFeedback {
                episode: n,
                title: titles.get(&n).cloned().unwrap_or_default(),
                video_id: v.video_id.clone(),
                views: a.and_then(|a| a.views),
                likes: a.and_then(|a| a.likes),
                comments: a.and_then(|a| a.comments),
                minutes_watched: a.and_then(|a| a.minutes_watched),
                average_view_percentage: a.and_then(|a| a.average_view_percentage),
                subscribers_gained: a.and_then(|a| a.subscribers_gained),
                taken_ms: a.map(|a| a.taken_ms),
                skipped: st
                    .comment_reading(&v.video_id)
                    .await?
                    .skipped
                    .and_then(|j| serde_json::from_str(&j).ok()),
                report: reports.get(&n).cloned(),
            });
        }
        let mut chars: BTreeMap<String, CharacterMentions> = BTreeMap::new();
        for r in reports.values() {
            for c in &r.characters {
                let e = chars
                    .entry(c.id.clone())
                    .or_insert_with(|| CharacterMentions {
                        examples: Vec::new(),
                        comments: 0,
                        positive: 0,
                        negative: 0,
                        ..c.clone()
                    });
                e.comments += c.comments;
                e.positive += c.positive;
                e.negative += c.negative;
                if e.examples.len() < 3 {
                    e.examples
                        .extend(c.examples.iter().take(3 - e.examples.len()).cloned());
                }
            }
        }
        let mut characters: Vec<CharacterMentions> = chars.into_values().collect();
        characters.sort_by_key(|c| std::cmp::Reverse(c.comments));
        let mut channel = Vec::new();
        let channels: std::collections::BTreeSet<&str> =
            videos.iter().map(|v| v.channel_id.as_str()).collect();
        for c in channels {
            channel.extend(
                st.channel_snapshots(c)
                    .await?
                    .into_iter()
                    .map(|p| ChannelPoint {
                        taken_ms: p.taken_ms,
                        subscribers: p.subscribers,
                        views: p.views,
                    }),
            );
        }
        let reset = next_quota_reset_ms(self.quota_now());
        let waiting: Option<Option<i64>> = st.setting(&setting_key("waiting", &s.id)).await?;
        Ok(FeedbackView {
            series_id: s.id.clone(),
            title: s.title.clone(),
            episodes,
            channel,
            characters,
            aliases: self.aliases_view(&s.id).await?,
            changes: self.outline_changes(&s.id).await?,
            units_today: st.feedback_units(reset).await?,
            units_per_day: self.config().feedback.daily_units,
            last_collected_ms: st.setting(&setting_key("collected", &s.id)).await?,
            waiting_until_ms: waiting.flatten().filter(|&w| w > self.quota_now()),
            analytics: st.setting(&setting_key("analytics", &s.id)).await?,
            every_hours: self.config().feedback.every_hours,
            auto_apply: self.config().feedback.auto_apply
                && self.config().production.review == "never",
        })
    }

    /// The nicknames for a series' characters: `[feedback.aliases]` and the ones the creator set for the series, by
    /// character id.
    async fn character_aliases_of(
        &self,
        series_id: &str,
    ) -> Result<BTreeMap<String, Vec<String>>, CoreError> {
        let mut all = self.config().feedback.aliases.clone();
        let own: BTreeMap<String, Vec<String>> = self
            .store()
            .setting(&setting_key("aliases", series_id))
            .await?
            .unwrap_or_default();
        for (id, names) in own {
            all.entry(id).or_default().extend(names);
        }
        Ok(all)
    }

    async fn aliases_view(&self, series_id: &str) -> Result<Vec<CharacterAliases>, CoreError> {
        let own: BTreeMap<String, Vec<String>> = self
            .store()
            .setting(&setting_key("aliases", series_id))
            .await?
            .unwrap_or_default();
        let cfg = &self.config().feedback.aliases;
        Ok(self
            .store()
            .characters(series_id)
            .await?
            .into_iter()
            .map(|c| CharacterAliases {
                aliases: own.get(&c.id).cloned().unwrap_or_default(),
                configured: [cfg.get(&c.id), cfg.get(&c.name)]
                    .into_iter()
                    .flatten()
                    .flatten()
                    .cloned()
                    .collect(),
                id: c.id,
                name: c.name,
            })
            .collect())
    }

    /// Sets the nicknames viewers use for one character of a series (replacing the ones set before; the next
    /// reading counts them). Returns every character's nicknames.
    ///
    /// # Errors
    /// `unknown_series`, `unknown_character`; `invalid_input` for an empty or over-long name (at most 20
    /// characters, 10 names) or one that is another character's name; store errors.
    pub async fn set_character_aliases(
        &self,
        series: &str,
        character: &str,
        aliases: Vec<String>,
    ) -> Result<Vec<CharacterAliases>, CoreError> {
        let s = self.store().find_series(series).await?;
        let cast = self.store().characters(&s.id).await?;
        let Some(ch) = cast
            .iter()
            .find(|c| c.id == character || c.name == character)
        else {
            return Err(studio_store::StoreError::UnknownCharacter {
                series: s.title.clone(),
                reference: character.to_string(),
            }
            .into());
        };
        let mut clean: Vec<String> = Vec::new();
        for a in aliases {
            let a = a.trim().to_string();
            if a.is_empty() || clean.contains(&a) || a == ch.name {
                continue;
            }
            if a.chars().count() > 20 {
                return Err(CoreError::invalid(format!(
                    "the nickname \"{a}\" is longer than 20 characters"
                )));
            }
            if let Some(other) = cast.iter().find(|c| c.id != ch.id && c.name == a) {
                return Err(CoreError::invalid(format!(
                    "\"{a}\" is {}'s name: it cannot also be a nickname of {}",
                    other.name, ch.name
                )));
            }
            clean.push(a);
        }
        if clean.len() > 10 {
            return Err(CoreError::invalid(format!(
                "{} has more than 10 nicknames; keep the ones viewers really use",
                ch.name
            )));
        }
        let key = setting_key("aliases", &s.id);
        let mut own: BTreeMap<String, Vec<String>> =
            self.store().setting(&key).await?.unwrap_or_default();
        if clean.is_empty() {
            own.remove(&ch.id);
        } else {
            own.insert(ch.id.clone(), clean);
        }
        self.store().set_setting(&key, &own).await?;
        self.aliases_view(&s.id).await
    }

    /// Collects, reads and proposes for every series with published episodes whose last collection is older than
    /// `[feedback] every_hours` (or that waited for a reset that has passed). The background service calls it.
    ///
    /// # Errors
    /// Store errors listing the series; a series that fails is logged and the others go on.
    pub async fn feedback_pass(&self) -> Result<Vec<String>, CoreError> {
        let every = i64::from(self.config().feedback.every_hours);
        if every == 0 {
            return Ok(Vec::new());
        }
        let mut done = Vec::new();
        for s in self.store().list_series().await? {
            if self.store().published_videos(&s.id).await?.is_empty() {
                continue;
            }
            let last: Option<i64> = self
                .store()
                .setting(&setting_key("collected", &s.id))
                .await?;
            let waiting: Option<Option<i64>> =
                self.store().setting(&setting_key("waiting", &s.id)).await?;
            let now = self.quota_now();
            let due = match (last, waiting.flatten()) {
                (_, Some(w)) => now >= w,
                (Some(l), None) => now - l >= every * 3_600_000,
                (None, None) => true,
            };
            if !due {
                continue;
            }
            match self.collect_and_read(&s.id).await {
                Ok(c) => {
                    let fresh = c.episodes.iter().any(|e| e.new_comments > 0) || last.is_none();
                    if fresh && let Err(e) = self.propose_outline_changes(&s.id).await {
                        tracing::warn!(series = %s.id, %e, "feedback proposal");
                    }
                    done.push(s.id.clone());
                }
                Err(e) => tracing::warn!(series = %s.id, %e, "feedback collection"),
            }
        }
        Ok(done)
    }
}

fn change_view(
    r: &OutlineChangeRow,
    titles: &BTreeMap<u32, String>,
    name: &dyn Fn(&String) -> String,
) -> OutlineChangeView {
    let parse = |s: &str| serde_json::from_str::<EpisodeOutline>(s).ok();
    let (before, after) = (parse(&r.before_json), parse(&r.after_json));
    let mut changes = Vec::new();
    if let (Some(b), Some(a)) = (&before, &after) {
        let fields: [(&str, Vec<String>, Vec<String>); 3] = [
            (
                "character_focus",
                b.character_focus.iter().map(name).collect(),
                a.character_focus.iter().map(name).collect(),
            ),
            ("sub_events", b.sub_events.clone(), a.sub_events.clone()),
            (
                "target_emotions",
                b.target_emotions.clone(),
                a.target_emotions.clone(),
            ),
        ];
        for (field, before, after) in fields {
            if before != after {
                changes.push(FieldChange {
                    field: field.into(),
                    before,
                    after,
                });
            }
        }
    }
    // (report id, episode) pairs.
    let from: Vec<(i64, u32)> = serde_json::from_str(&r.report_ids_json).unwrap_or_default();
    let n = r.episode_number as u32;
    OutlineChangeView {
        id: r.id,
        episode: n,
        episode_title: titles.get(&n).cloned().unwrap_or_default(),
        proposal: r.proposal,
        state: r.state.clone(),
        decided_by: r.decided_by.clone(),
        reasons: serde_json::from_str(&r.reasons_json).unwrap_or_default(),
        changes,
        from_episodes: from.iter().map(|(_, e)| *e).collect(),
        created_ms: r.created_ms,
        decided_ms: r.decided_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_removed_and_emails_and_words_stay() {
        assert_eq!(clean_text("@user_1 맞아요 ㅋㅋ"), "@… 맞아요 ㅋㅋ");
        assert_eq!(clean_text("(@한글닉) 동의"), "(@…) 동의");
        assert_eq!(clean_text("mail me a@b.com"), "mail me a@b.com");
        assert_eq!(clean_text("@ 혼자"), "@ 혼자");
        assert_eq!(clean_text(&"가".repeat(3000)).chars().count(), 2000);
    }

    #[test]
    fn analytics_days_are_pacific() {
        // 2026-12-01 05:00 UTC is still 30 November in Los Angeles.
        let ms = crate::clock::parse_rfc3339_utc("2026-12-01T05:00:00Z").unwrap();
        assert_eq!(pacific_date(ms), "2026-11-30");
    }
}
