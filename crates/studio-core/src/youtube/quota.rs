//! The local quota ledger: units and uploads per Pacific quota day, parking an upload until the reset, moving a publish time that passed while waiting.

use super::*;

impl Engine {
    /// The clock the quota day is read from: now, shifted by `AIDAS_CLOCK_OFFSET_MS` (tests and operators use it
    /// to act as if the reset had passed).
    pub(crate) fn quota_now(&self) -> i64 {
        now_ms()
            + self
                .env_var("AIDAS_CLOCK_OFFSET_MS")
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(0)
    }

    /// Today's YouTube quota use (units, uploads, exhausted) and when it resets.
    ///
    /// # Errors
    /// `Database` (and `CorruptData`) from the store.
    pub async fn youtube_quota(&self) -> Result<studio_store::QuotaDay, CoreError> {
        Ok(self
            .store()
            .quota_day(next_quota_reset_ms(self.quota_now()))
            .await?)
    }

    /// Counts a call against today's allowance, or says when to try again.
    pub(super) async fn spend_quota(&self, units: i64, insert: bool) -> Result<(), CoreError> {
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
                kind: ErrorCode::YoutubeQuota,
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
    pub(super) async fn quota_exhausted(&self, series: &str, n: u32, e: &YtError) -> CoreError {
        let reset = next_quota_reset_ms(self.quota_now());
        let _ = self.store().mark_quota_exhausted(reset).await;
        let message = format!(
            "YouTube quota exceeded ({e}); the upload waits for the reset at {}",
            rfc3339_utc(reset)
        );
        self.wait_for_reset(series, n, reset, ErrorCode::YoutubeQuota, message)
            .await
    }

    /// Parks the upload until `reset` with `message` and returns the wait for the queue.
    pub(super) async fn wait_for_reset(
        &self,
        series: &str,
        n: u32,
        reset: i64,
        kind: ErrorCode,
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
    pub(super) async fn upload_limit_reached(
        &self,
        series: &str,
        n: u32,
        channel: &str,
    ) -> CoreError {
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
        self.wait_for_reset(series, n, reset, ErrorCode::YoutubeUploadLimit, message)
            .await
    }

    /// Moves the approved publish time of an episode that cannot go up before `not_before_ms` to the next free slot
    /// (an hour later at the earliest, for YouTube's processing). Returns the new time, if it moved.
    pub(super) async fn reschedule_after(
        &self,
        series: &str,
        n: u32,
        not_before_ms: i64,
    ) -> Result<Option<String>, CoreError> {
        let Some(current) = self.approved_publish_at(series, n).await? else {
            return Ok(None);
        };
        if crate::clock::parse_rfc3339_utc(&current).is_some_and(|t| t >= not_before_ms + 3_600_000)
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
}
