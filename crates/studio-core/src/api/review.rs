//! Review before upload: the list, approve, reject, regenerate scenes.

use serde::Deserialize;
use studio_domain::EpisodeStatus;

use super::EpisodeArgs;
use super::NoArgs;
use crate::review::{ApproveReport, RegenerateReport, ReviewItem, ReviewTimeline};

/// Approve an episode for publishing.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct ReviewApproveArgs {
    pub series: String,
    pub episode: u32,
    /// Why (kept with the decision); may be empty.
    #[serde(default)]
    pub reason: String,
    /// When to publish (RFC 3339); the next free publish slot when not given.
    #[serde(default)]
    #[ts(optional)]
    pub publish_at: Option<String>,
}

/// Reject an episode, saying why.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct ReviewRejectArgs {
    pub series: String,
    pub episode: u32,
    pub reason: String,
}

/// Make scenes of an episode again.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct ReviewRegenerateArgs {
    pub series: String,
    pub episode: u32,
    /// Scene numbers, from 1.
    pub scenes: Vec<u32>,
    #[serde(default)]
    pub reason: String,
}

commands! {
    /// Episodes waiting for a person's decision, with their video and what the checks flagged.
    review_list(NoArgs) -> Vec<ReviewItem> = |e, _| e.review_list().await;
    /// Approves an episode: it is published at the given time or the next free slot.
    review_approve(ReviewApproveArgs) -> ApproveReport = |e, a| {
        e.approve_episode(&a.series, a.episode, &a.reason, a.publish_at.as_deref()).await
    };
    /// Rejects an episode, saying why; it stays out of publishing until scenes are regenerated or it is approved.
    review_reject(ReviewRejectArgs) -> EpisodeStatus = |e, a| e.reject_episode(&a.series, a.episode, &a.reason).await;
    /// Makes the given scenes again (script lines, voices, visuals) and renders the episode again.
    review_regenerate(ReviewRegenerateArgs) -> RegenerateReport = |e, a| {
        e.regenerate_scenes(&a.series, a.episode, &a.scenes, &a.reason).await
    };
    /// Where scenes, shots and lines fall in the episode's video: markers, click-to-redo and the script beside the
    /// player.
    review_timeline(EpisodeArgs) -> ReviewTimeline = |e, a| e.review_timeline(&a.series, a.episode).await;
}
