//! Episodes: the script, writing, checking and rewriting it, and the upload metadata.

use serde::Deserialize;
use studio_domain::EpisodeScript;
use studio_pipeline::{CheckReport, ScriptResult};

use super::EpisodeArgs;
use crate::directing::{LineEdit, LineEditReport};
use crate::editing::{MetadataEdit, MetadataView};

/// Change an episode's upload metadata (title, description, tags, …).
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct MetadataSetArgs {
    pub series: String,
    pub episode: u32,
    pub edit: MetadataEdit,
}

/// Edit one script line.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct LineEditArgs {
    pub series: String,
    pub episode: u32,
    /// The line's id in the script (`L12`).
    pub line: String,
    pub edit: LineEdit,
}

commands! {
    /// The stored script of an episode, or nothing when it is not written yet.
    episode_script(EpisodeArgs) -> Option<EpisodeScript> = |e, a| e.episode_script(&a.series, a.episode).await;
    /// Writes, checks and (when it passes) records an episode's script.
    write_episode(EpisodeArgs) -> ScriptResult = |e, a| e.write_episode(&a.series, a.episode, None).await;
    /// Runs the script checks on the stored script again.
    episode_check(EpisodeArgs) -> CheckReport = |e, a| e.check_episode(&a.series, a.episode).await;
    /// Writes the episode again from its outline, replacing the stored script.
    episode_rewrite(EpisodeArgs) -> ScriptResult = |e, a| e.rewrite_episode(&a.series, a.episode).await;
    /// The episode's upload metadata as it will be published.
    metadata_get(EpisodeArgs) -> MetadataView = |e, a| e.metadata_view(&a.series, a.episode).await;
    /// Changes the episode's upload metadata.
    metadata_set(MetadataSetArgs) -> MetadataView = |e, a| e.edit_metadata(&a.series, a.episode, a.edit).await;
    /// Edits one script line (speaker, words, emotion), checks the script again and voices the line again when it
    /// was voiced (the earlier take kept).
    line_edit(LineEditArgs) -> LineEditReport = |e, a| e.edit_line(&a.series, a.episode, &a.line, a.edit).await;
}
