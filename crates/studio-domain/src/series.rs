//! A series, its plot and arc, and one outline per episode.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::{TransitionError, string_enum};

/// Genres with a template (seed §7.1); anything else is `Other` with its own label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum Genre {
    Romance,
    Thriller,
    Comedy,
    Other,
}
string_enum!(Genre, "genre");

impl Genre {
    /// Maps the free-text genres of the seeds ("로맨틱 코미디", "romance", "스릴러") to a template genre.
    pub fn from_label(label: &str) -> Genre {
        let l = label.to_lowercase();
        if l.contains("romance")
            || l.contains("로맨스")
            || l.contains("로맨틱")
            || l.contains("멜로")
        {
            Genre::Romance
        } else if l.contains("thriller")
            || l.contains("스릴러")
            || l.contains("미스터리")
            || l.contains("mystery")
        {
            Genre::Thriller
        } else if l.contains("comedy") || l.contains("코미디") || l.contains("시트콤") {
            Genre::Comedy
        } else {
            Genre::Other
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum SeriesStatus {
    /// Planned but not yet released to production.
    Draft,
    /// In production: the scheduler may make its episodes.
    Active,
    /// Production held by a person; nothing new starts.
    Paused,
    /// Every episode published.
    Completed,
    Archived,
}
string_enum!(SeriesStatus, "series status");

impl SeriesStatus {
    pub fn activate(self) -> Result<Self, TransitionError> {
        match self {
            Self::Draft | Self::Paused => Ok(Self::Active),
            Self::Active => Ok(Self::Active),
            other => Err(TransitionError::new("series", other, "activate")),
        }
    }
    pub fn pause(self) -> Result<Self, TransitionError> {
        match self {
            Self::Active | Self::Paused => Ok(Self::Paused),
            other => Err(TransitionError::new("series", other, "pause")),
        }
    }
    pub fn resume(self) -> Result<Self, TransitionError> {
        match self {
            Self::Paused | Self::Active => Ok(Self::Active),
            other => Err(TransitionError::new("series", other, "resume")),
        }
    }
    pub fn complete(self) -> Result<Self, TransitionError> {
        match self {
            Self::Active | Self::Paused | Self::Completed => Ok(Self::Completed),
            other => Err(TransitionError::new("series", other, "complete")),
        }
    }
    pub fn archive(self) -> Result<Self, TransitionError> {
        Ok(Self::Archived)
    }
}

/// The four-part arc (기승전결) of the seed's SERIES_PLOT_TEMPLATE.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct StoryArc {
    pub exposition: String,
    pub rising_action: String,
    pub climax: String,
    pub resolution: String,
}

impl StoryArc {
    pub fn is_complete(&self) -> bool {
        [
            &self.exposition,
            &self.rising_action,
            &self.climax,
            &self.resolution,
        ]
        .iter()
        .all(|s| !s.trim().is_empty())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct SubPlot {
    pub title: String,
    #[serde(default)]
    pub episodes: Vec<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct SeriesPlot {
    pub overall_arc: StoryArc,
    #[serde(default)]
    pub main_conflict: String,
    #[serde(default)]
    pub sub_plots: Vec<SubPlot>,
    /// Genre milestones, e.g. romance: first_meeting → 1, confession → 9.
    #[serde(default)]
    pub milestones: BTreeMap<String, u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Series {
    pub id: String,
    pub title: String,
    pub genre: Genre,
    /// The genre as the author wrote it ("로맨틱 코미디").
    #[serde(default)]
    pub genre_label: String,
    pub total_episodes: u32,
    pub episode_duration_min: u32,
    #[serde(default)]
    pub main_theme: String,
    #[serde(default)]
    pub target_audience: String,
    #[serde(default)]
    pub premise: String,
    #[serde(default = "default_status")]
    pub status: SeriesStatus,
    #[serde(default)]
    pub plot: SeriesPlot,
}

fn default_status() -> SeriesStatus {
    SeriesStatus::Draft
}

impl Series {
    /// Where episode `n` sits in the story, as a percentage of the series (the seed's `story_progress`).
    pub fn progress_percent(&self, n: u32) -> u32 {
        if self.total_episodes == 0 {
            return 0;
        }
        ((n.min(self.total_episodes) as u64 * 100) / self.total_episodes as u64) as u32
    }

    /// The arc phase episode `n` falls into when outlines do not say: quarters of the series.
    pub fn default_phase(&self, n: u32) -> ArcPhase {
        let t = self.total_episodes.max(1) as f64;
        let x = n as f64 / t;
        if x <= 0.1875 {
            ArcPhase::Exposition
        } else if x <= 0.625 {
            ArcPhase::RisingAction
        } else if x <= 0.8125 {
            ArcPhase::Climax
        } else {
            ArcPhase::Resolution
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum ArcPhase {
    Exposition,
    RisingAction,
    Climax,
    Resolution,
}
string_enum!(ArcPhase, "arc phase");

/// What one episode must do in the series (seed §5 episode_outlines plus hook and cliffhanger).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct EpisodeOutline {
    pub episode_number: u32,
    #[serde(default)]
    pub title: String,
    pub arc_phase: ArcPhase,
    pub main_event: String,
    #[serde(default)]
    pub sub_events: Vec<String>,
    /// Character ids this episode centres on.
    #[serde(default)]
    pub character_focus: Vec<String>,
    #[serde(default)]
    pub target_emotions: Vec<String>,
    /// The opening that grabs the viewer in the first seconds.
    #[serde(default)]
    pub hook: String,
    /// What leaves the viewer wanting the next episode.
    #[serde(default)]
    pub cliffhanger: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_status_transitions() {
        assert_eq!(SeriesStatus::Draft.activate(), Ok(SeriesStatus::Active));
        assert_eq!(SeriesStatus::Active.pause(), Ok(SeriesStatus::Paused));
        assert_eq!(SeriesStatus::Paused.resume(), Ok(SeriesStatus::Active));
        assert!(SeriesStatus::Draft.pause().is_err());
        assert!(SeriesStatus::Archived.activate().is_err());
        assert!(SeriesStatus::Completed.resume().is_err());
        let e = SeriesStatus::Archived.activate().unwrap_err();
        assert_eq!(e.to_string(), "cannot activate a series that is archived");
    }

    #[test]
    fn genre_labels_map_to_templates() {
        assert_eq!(Genre::from_label("로맨틱 코미디"), Genre::Romance);
        assert_eq!(Genre::from_label("Thriller"), Genre::Thriller);
        assert_eq!(Genre::from_label("시트콤"), Genre::Comedy);
        assert_eq!(Genre::from_label("다큐"), Genre::Other);
        assert_eq!("romance".parse::<Genre>(), Ok(Genre::Romance));
        assert!("horror".parse::<Genre>().is_err());
        assert_eq!(Genre::Comedy.to_string(), "comedy");
    }

    #[test]
    fn progress_and_phase() {
        let s = Series {
            id: "s".into(),
            title: "t".into(),
            genre: Genre::Romance,
            genre_label: String::new(),
            total_episodes: 16,
            episode_duration_min: 10,
            main_theme: String::new(),
            target_audience: String::new(),
            premise: String::new(),
            status: SeriesStatus::Draft,
            plot: SeriesPlot::default(),
        };
        assert_eq!(s.progress_percent(4), 25);
        assert_eq!(s.progress_percent(16), 100);
        assert_eq!(s.progress_percent(99), 100);
        assert_eq!(s.default_phase(1), ArcPhase::Exposition);
        assert_eq!(s.default_phase(3), ArcPhase::Exposition);
        assert_eq!(s.default_phase(4), ArcPhase::RisingAction);
        assert_eq!(s.default_phase(11), ArcPhase::Climax);
        assert_eq!(s.default_phase(16), ArcPhase::Resolution);
    }

    #[test]
    fn arc_completeness() {
        let mut a = StoryArc {
            exposition: "a".into(),
            rising_action: "b".into(),
            climax: "c".into(),
            resolution: "d".into(),
        };
        assert!(a.is_complete());
        a.climax = "  ".into();
        assert!(!a.is_complete());
    }
}
