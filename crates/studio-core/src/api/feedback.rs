//! Viewer feedback: collect and read it, see it, and decide the outline changes it proposes.

use serde::Deserialize;

use super::SeriesArgs;
use crate::feedback::{CollectReport, FeedbackView, OutlineChangeView, OutlineDecision};

/// Accept, reject or roll back one proposed outline change.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct OutlineDecisionArgs {
    pub series: String,
    /// The change's number, as the feedback screen and `aidas feedback proposals` list it.
    pub change: i64,
    pub decision: OutlineDecision,
}

/// Set the nicknames viewers use for a character.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct CharacterAliasesArgs {
    pub series: String,
    /// The character's id or name.
    pub character: String,
    pub aliases: Vec<String>,
}

commands! {
    /// A series' feedback: views, watch time and subscribers per episode, the channel over time, sentiment,
    /// character mentions, retention by scene, themes of the comments and the outline changes.
    feedback_show(SeriesArgs) -> FeedbackView = |e, a| e.feedback_view(&a.series).await;
    /// Collects what viewers did with the published episodes, then reads the comments (the day's feedback units
    /// permitting; the rest is read after the reset).
    feedback_collect(SeriesArgs) -> CollectReport = |e, a| e.collect_and_read(&a.series).await;
    /// Proposes outline changes for the episodes still only planned, from the latest feedback.
    feedback_propose(SeriesArgs) -> Vec<OutlineChangeView> = |e, a| e.propose_outline_changes(&a.series).await;
    /// Sets the nicknames viewers use for one character (the next reading counts them); returns every character's.
    character_aliases_set(CharacterAliasesArgs) -> Vec<crate::feedback::CharacterAliases> = |e, a| {
        e.set_character_aliases(&a.series, &a.character, a.aliases).await
    };
    /// Accepts, rejects or rolls back one outline change; returns it as it is now.
    outline_change_decide(OutlineDecisionArgs) -> OutlineChangeView = |e, a| {
        e.decide_outline_change(&a.series, a.change, a.decision).await
    };
}
