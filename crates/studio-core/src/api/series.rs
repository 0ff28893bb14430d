//! Series: list, show, plan a new one, pause, edit an outline.

use serde::Deserialize;
use studio_store::SeriesSummary;

use super::{NoArgs, SeriesArgs};
use crate::editing::OutlineEdit;
use crate::queue::PauseState;
use crate::{NewSeries, NewSeriesReport, SeriesDetail};

/// Pause a series or let it run again.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct SeriesPauseArgs {
    pub series: String,
    pub paused: bool,
}

/// Change an episode's outline before it is written.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct OutlineSetArgs {
    pub series: String,
    pub episode: u32,
    pub edit: OutlineEdit,
}

commands! {
    /// The series in the studio.
    series_list(NoArgs) -> Vec<SeriesSummary> = |e, _| e.list_series().await;
    /// A series' home: every episode's state, progress, publish time, video or folder, cost and next step; the
    /// spending per day.
    series_dashboard(SeriesArgs) -> crate::dashboard::SeriesDashboard = |e, a| e.series_dashboard(&a.series).await;
    /// A series' plan, characters, outlines, episode states and what blocks production.
    series_show(SeriesArgs) -> SeriesDetail = |e, a| e.show_series(&a.series).await;
    /// Plans a new series with a writer (offline when no key is set) and stores it as a draft.
    series_new(NewSeries) -> NewSeriesReport = |e, a| e.new_series(a).await;
    /// Pauses a series (no new jobs start; running ones finish) or lets it run again.
    series_pause(SeriesPauseArgs) -> PauseState = |e, a| e.set_series_paused(&a.series, a.paused).await;
    /// Changes an episode's outline before it is written; returns the series as it is now.
    outline_set(OutlineSetArgs) -> SeriesDetail = |e, a| {
        e.edit_outline(&a.series, a.episode, a.edit).await?;
        e.show_series(&a.series).await
    };
}
