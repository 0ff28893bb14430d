//! # The daily plan
//!
//! How many episodes start today and which: `[production] episodes_per_day` (the target is 10) shared fairly
//! across the active (not paused, not finished) series — round-robin, the series with the fewest started today
//! first — each taking its next unqueued episode. The daemon asks for the plan every few minutes; episodes already
//! started today count against the day, so a restart never starts more. Publishing slots follow the calendar
//! (`publish_times` in the channel's time zone, e.g. 19:00 Asia/Seoul), one episode per slot, rolling over to the
//! next day when the day's slots or YouTube's upload allowance (reset at midnight Pacific) are used up.

use serde::Serialize;

use crate::production::now_ms;
use crate::{CoreError, Engine};

/// One series as the planner sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesSlot {
    pub series_id: String,
    /// The next episode with no jobs yet (None: every episode is queued).
    pub next_episode: Option<u32>,
    pub total_episodes: u32,
    pub paused: bool,
    /// Episodes of this series started today.
    pub started_today: u32,
}

/// Which episodes to start now: at most `per_day − started today` in all, fair across series.
pub fn daily_plan(series: &[SeriesSlot], per_day: u32) -> Vec<(String, u32)> {
    let started: u32 = series.iter().map(|s| s.started_today).sum();
    let mut room = per_day.saturating_sub(started);
    let mut state: Vec<(String, u32, u32, u32)> = series
        .iter()
        .filter(|s| !s.paused)
        .filter_map(|s| {
            s.next_episode
                .filter(|n| *n <= s.total_episodes)
                .map(|n| (s.series_id.clone(), n, s.total_episodes, s.started_today))
        })
        .collect();
    let mut plan = Vec::new();
    while room > 0 && !state.is_empty() {
        // Fewest started today first; ties by id so the plan is stable.
        state.sort_by(|a, b| a.3.cmp(&b.3).then_with(|| a.0.cmp(&b.0)));
        let (id, n, total, today) = state.remove(0);
        plan.push((id.clone(), n));
        room -= 1;
        if n < total {
            state.push((id, n + 1, total, today + 1));
        }
    }
    plan
}

/// Publishing times (unix ms) for `count` episodes from `after_ms` on: each day's `times` ("HH:MM" in the zone
/// `utc_offset_min` minutes ahead of UTC), at most `per_day` a day, skipping slots already taken.
pub fn publish_slots(
    after_ms: i64,
    count: usize,
    times: &[String],
    utc_offset_min: i32,
    per_day: usize,
    taken: &[i64],
) -> Vec<i64> {
    let mut minutes: Vec<i64> = times
        .iter()
        .filter_map(|t| {
            let (h, m) = t.split_once(':')?;
            let (h, m) = (h.trim().parse::<i64>().ok()?, m.trim().parse::<i64>().ok()?);
            ((0..24).contains(&h) && (0..60).contains(&m)).then_some(h * 60 + m)
        })
        .collect();
    minutes.sort();
    minutes.dedup();
    if minutes.is_empty() || per_day == 0 {
        return Vec::new();
    }
    let offset = i64::from(utc_offset_min) * 60_000;
    let day_ms = 86_400_000;
    let mut local_day = (after_ms + offset).div_euclid(day_ms);
    let mut out = Vec::new();
    while out.len() < count && local_day < (after_ms + offset).div_euclid(day_ms) + 3660 {
        let mut used_today = taken
            .iter()
            .filter(|t| (*t + offset).div_euclid(day_ms) == local_day)
            .count();
        for m in &minutes {
            if out.len() >= count || used_today >= per_day {
                break;
            }
            let at = local_day * day_ms + m * 60_000 - offset;
            if at > after_ms && !taken.contains(&at) {
                out.push(at);
                used_today += 1;
            }
        }
        local_day += 1;
    }
    out
}

/// When YouTube's daily quota resets: the next midnight in Pacific time (UTC−8; UTC−7 from the second Sunday of
/// March to the first Sunday of November).
pub fn next_quota_reset_ms(now: i64) -> i64 {
    let hour = 3_600_000;
    // Pacific daylight time, roughly: mid-March to early November (the exact Sunday rule matters little for a
    // reset that is only used to decide when to try again).
    let day_of_year = (now.div_euclid(86_400_000) + 4) % 365; // days since Jan 1 (approximate across years)
    let offset = if (70..308).contains(&day_of_year) {
        7
    } else {
        8
    };
    let local = now - offset * hour;
    let next_local_midnight = (local.div_euclid(86_400_000) + 1) * 86_400_000;
    next_local_midnight + offset * hour
}

/// Civil date (year, month, day) from days since the epoch (Howard Hinnant's algorithm).
pub fn civil_date(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Days since the epoch of a civil date (the inverse of [`civil_date`]).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Unix ms as RFC 3339 in UTC, to the second ("2026-12-01T10:00:00Z"), as YouTube's `publishAt` takes it.
pub fn rfc3339_utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (y, m, d) = civil_date(secs.div_euclid(86_400));
    let t = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        t / 3600,
        t / 60 % 60,
        t % 60
    )
}

/// Reads what [`rfc3339_utc`] writes (and any `Z` time with optional fractions).
pub fn parse_rfc3339_utc(s: &str) -> Option<i64> {
    let s = s.trim().strip_suffix('Z')?;
    let (date, time) = s.split_once('T')?;
    let mut dp = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, mo, d) = (dp.next()??, dp.next()??, dp.next()??);
    let time = time.split('.').next()?;
    let mut tp = time.split(':').map(|p| p.parse::<i64>().ok());
    let (h, mi, se) = (tp.next()??, tp.next()??, tp.next()??);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    Some(((days_from_civil(y, mo, d) * 86_400) + h * 3600 + mi * 60 + se) * 1000)
}

#[derive(Debug, Clone, Serialize)]
pub struct DayPlan {
    pub per_day: u32,
    pub started_today: u32,
    pub queued_now: Vec<(String, u32)>,
}

impl Engine {
    /// Queues today's remaining episodes across the active series (idempotent within a day).
    pub async fn plan_today(&self) -> Result<DayPlan, CoreError> {
        let per_day = self.config().production.episodes_per_day;
        let today = crate::production::today_start_utc();
        let jobs = self.store().jobs(None, None).await?;
        let mut slots = Vec::new();
        for s in self.store().list_series().await? {
            let mine: Vec<_> = jobs.iter().filter(|j| j.series_id == s.id).collect();
            let max_queued = mine
                .iter()
                .map(|j| j.episode_number as u32)
                .max()
                .unwrap_or(0);
            let started_today = self.store().episodes_started_since(&s.id, &today).await?;
            let total = self.store().series(&s.id).await?.total_episodes;
            slots.push(SeriesSlot {
                series_id: s.id.clone(),
                next_episode: (max_queued < total).then_some(max_queued + 1),
                total_episodes: total,
                paused: self.store().series_paused(&s.id).await?,
                started_today,
            });
        }
        let started: u32 = slots.iter().map(|s| s.started_today).sum();
        let plan = daily_plan(&slots, per_day);
        for (sid, n) in &plan {
            self.store().enqueue_episode(sid, *n, 5, now_ms()).await?;
        }
        Ok(DayPlan {
            per_day,
            started_today: started,
            queued_now: plan,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(id: &str, next: u32, total: u32, today: u32) -> SeriesSlot {
        SeriesSlot {
            series_id: id.into(),
            next_episode: Some(next),
            total_episodes: total,
            paused: false,
            started_today: today,
        }
    }

    #[test]
    fn ten_a_day_shared_fairly_across_series() {
        let plan = daily_plan(
            &[slot("a", 1, 16, 0), slot("b", 5, 16, 0), slot("c", 3, 4, 0)],
            10,
        );
        assert_eq!(plan.len(), 10);
        let count = |id: &str| plan.iter().filter(|(s, _)| s == id).count();
        // c has only episodes 3 and 4 left; a and b share the rest evenly.
        assert_eq!((count("a"), count("b"), count("c")), (4, 4, 2));
        assert_eq!(
            plan.iter()
                .filter(|(s, _)| s == "b")
                .map(|(_, n)| *n)
                .collect::<Vec<_>>(),
            [5, 6, 7, 8]
        );
        // Started today counts: a restart does not start more.
        assert_eq!(
            daily_plan(&[slot("a", 5, 16, 6), slot("b", 9, 16, 4)], 10),
            vec![]
        );
        let later = daily_plan(&[slot("a", 5, 16, 6), slot("b", 9, 16, 1)], 10);
        assert_eq!(
            later,
            vec![("b".to_string(), 9), ("b".into(), 10), ("b".into(), 11)]
        );
        // Paused and finished series wait.
        let mut p = slot("p", 1, 16, 0);
        p.paused = true;
        let mut f = slot("f", 1, 16, 0);
        f.next_episode = None;
        assert_eq!(daily_plan(&[p, f, slot("z", 1, 2, 0)], 10).len(), 2);
    }

    #[test]
    fn publish_slots_follow_the_calendar_and_roll_over() {
        // 2026-11-22 00:00 UTC = 09:00 in Seoul (UTC+9).
        let t0 = 1_795_305_600_000i64;
        let times = vec!["19:00".to_string()];
        let s = publish_slots(t0, 3, &times, 540, 1, &[]);
        // 19:00 KST = 10:00 UTC, on three consecutive days.
        assert_eq!(s[0], t0 + 10 * 3_600_000);
        assert_eq!(s[1] - s[0], 86_400_000);
        assert_eq!(s[2] - s[1], 86_400_000);
        // A taken slot is skipped; two times a day, at most one a day when the upload allowance says so.
        let s2 = publish_slots(t0, 2, &times, 540, 1, &[s[0]]);
        assert_eq!(s2, vec![s[1], s[2]]);
        let two = vec!["12:00".to_string(), "19:00".to_string()];
        assert_eq!(publish_slots(t0, 4, &two, 540, 2, &[]).len(), 4);
        assert_eq!(
            publish_slots(t0, 4, &two, 540, 2, &[])[1] - publish_slots(t0, 4, &two, 540, 2, &[])[0],
            7 * 3_600_000
        );
        assert!(publish_slots(t0, 2, &["25:00".to_string()], 540, 1, &[]).is_empty());
    }

    #[test]
    fn the_upload_quota_resets_at_midnight_pacific() {
        // 2026-11-22 00:00 UTC (PST, UTC−8): the next Pacific midnight is 08:00 UTC the same day.
        let t0 = 1_795_305_600_000i64;
        assert_eq!(next_quota_reset_ms(t0), t0 + 8 * 3_600_000);
        // Just after that reset, the next is a day later.
        assert_eq!(
            next_quota_reset_ms(t0 + 8 * 3_600_000 + 1),
            t0 + 32 * 3_600_000
        );
    }
}
