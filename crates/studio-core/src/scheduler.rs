//! # The daily plan
//!
//! How many episodes start today and which: `[production] episodes_per_day` (the target is 10) shared fairly
//! across the active (not paused, not finished) series — round-robin, the series with the fewest started today
//! first — each taking its next unqueued episode. The daemon asks for the plan every few minutes; episodes already
//! started today count against the day, so a restart never starts more. Publishing slots follow the calendar
//! (`publish_times` in the channel's time zone, e.g. 19:00 Asia/Seoul), one episode per slot, rolling over to the
//! next day when the day's slots or YouTube's upload allowance (reset at midnight Pacific) are used up.

use serde::Serialize;

use crate::clock::now_ms;
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

/// One episode of one series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EpisodeRef {
    pub series_id: String,
    pub episode: u32,
}

/// Which episodes to start now: at most `per_day − started today` in all, fair across series.
pub fn daily_plan(series: &[SeriesSlot], per_day: u32) -> Vec<EpisodeRef> {
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
        plan.push(EpisodeRef {
            series_id: id.clone(),
            episode: n,
        });
        room -= 1;
        if n < total {
            state.push((id, n + 1, total, today + 1));
        }
    }
    plan
}

#[derive(Debug, Clone, Serialize)]
pub struct DayPlan {
    pub per_day: u32,
    pub started_today: u32,
    /// The episodes queued by this pass.
    pub queued_now: Vec<EpisodeRef>,
}

impl Engine {
    /// Queues today's remaining episodes across the active series (idempotent within a day).
    ///
    /// # Errors
    /// `Database` (and `CorruptData`) from the store.
    pub async fn plan_today(&self) -> Result<DayPlan, CoreError> {
        let per_day = self.config().production.episodes_per_day;
        let today = self.day_start();
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
        for e in &plan {
            self.store()
                .enqueue_episode(&e.series_id, e.episode, 5, now_ms())
                .await?;
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
        let count = |id: &str| plan.iter().filter(|e| e.series_id == id).count();
        // c has only episodes 3 and 4 left; a and b share the rest evenly.
        assert_eq!((count("a"), count("b"), count("c")), (4, 4, 2));
        assert_eq!(
            plan.iter()
                .filter(|e| e.series_id == "b")
                .map(|e| e.episode)
                .collect::<Vec<_>>(),
            [5, 6, 7, 8]
        );
        // Started today counts: a restart does not start more.
        assert_eq!(
            daily_plan(&[slot("a", 5, 16, 6), slot("b", 9, 16, 4)], 10),
            vec![]
        );
        let later = daily_plan(&[slot("a", 5, 16, 6), slot("b", 9, 16, 1)], 10);
        let b = |episode| EpisodeRef {
            series_id: "b".into(),
            episode,
        };
        assert_eq!(later, vec![b(9), b(10), b(11)]);
        // Paused and finished series wait.
        let mut p = slot("p", 1, 16, 0);
        p.paused = true;
        let mut f = slot("f", 1, 16, 0);
        f.next_episode = None;
        assert_eq!(daily_plan(&[p, f, slot("z", 1, 2, 0)], 10).len(), 2);
    }
}
