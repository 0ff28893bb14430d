//! The storyboard and the scene priority review: every shot with its route, length, estimate and reason.

use serde::{Deserialize, Serialize};
use studio_domain::{ClipPriority, EpisodeScript, Shot};
use studio_pipeline::visuals::{Available, RoutePlan, plan_routes};

use super::EpisodeArgs;
use crate::{CoreError, Engine};

/// One scene as the priority review lists it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SceneSummary {
    pub number: u32,
    pub location: String,
    pub lines: usize,
}

/// The storyboard for the priority review: the shots, the plan with the providers configured now, and the plan as
/// it would be with paid video and stills (so an offline studio still shows what a choice would cost).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct StoryboardView {
    pub episode: u32,
    pub title: String,
    pub shots: Vec<Shot>,
    pub scenes: Vec<SceneSummary>,
    pub plan: RoutePlan,
    pub if_paid: RoutePlan,
}

/// Set one shot's priority.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct ShotPriorityArgs {
    pub series: String,
    pub episode: u32,
    /// The shot's index in the storyboard, from 0.
    pub shot: usize,
    pub priority: ClipPriority,
}

impl Engine {
    /// The storyboard of an accepted episode as the priority review shows it.
    ///
    /// # Errors
    /// `unknown_series`, `invalid_input` when the episode has no accepted script; store errors.
    pub async fn storyboard_view(&self, series: &str, n: u32) -> Result<StoryboardView, CoreError> {
        let (script, plan) = self.storyboard(series, n).await?;
        Ok(self.view(&script, plan))
    }

    /// Sets one shot's priority (high → AI video, low → still with Ken Burns motion) and returns the storyboard
    /// estimated again.
    ///
    /// # Errors
    /// As [`Engine::storyboard_view`]; `invalid_input` for a shot index outside the storyboard.
    pub async fn set_shot_priority_view(
        &self,
        series: &str,
        n: u32,
        shot: usize,
        priority: ClipPriority,
    ) -> Result<StoryboardView, CoreError> {
        let (script, plan) = self.set_shot_priority(series, n, shot, priority).await?;
        Ok(self.view(&script, plan))
    }

    fn view(&self, script: &EpisodeScript, plan: RoutePlan) -> StoryboardView {
        let durations: Vec<f64> = plan.decisions.iter().map(|d| d.duration_sec).collect();
        let if_paid = plan_routes(
            &script.storyboard,
            &durations,
            &self.config().visuals,
            &studio_pipeline::Pricing::bundled(),
            Available {
                video: true,
                paid_stills: true,
            },
            plan.spent_before_usd,
        );
        StoryboardView {
            episode: script.episode_number,
            title: script.title.clone(),
            shots: script.storyboard.clone(),
            scenes: script
                .scenes
                .iter()
                .map(|s| SceneSummary {
                    number: s.number,
                    location: s.location.clone(),
                    lines: s.lines.len(),
                })
                .collect(),
            plan,
            if_paid,
        }
    }
}

commands! {
    /// The storyboard with each shot's route, length, estimate and the reason for its route.
    storyboard(EpisodeArgs) -> StoryboardView = |e, a| e.storyboard_view(&a.series, a.episode).await;
    /// Sets one shot's priority and returns the storyboard estimated again.
    set_shot_priority(ShotPriorityArgs) -> StoryboardView = |e, a| {
        e.set_shot_priority_view(&a.series, a.episode, a.shot, a.priority).await
    };
}
