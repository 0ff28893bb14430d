//! Plot threads: questions the story opens and must eventually close.

use serde::{Deserialize, Serialize};

use crate::TransitionError;

/// A thread as the writer names it when opening one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct ThreadSeed {
    /// Stable within a series ("T-secret-identity"); the writer refers to it when resolving.
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Set when a writer deliberately reopens a resolved thread: why the story returns to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reopen_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct PlotThread {
    pub id: String,
    pub title: String,
    pub description: String,
    /// 0 for threads the plan opens before episode 1.
    pub opened_in: u32,
    pub resolved_in: Option<u32>,
    #[serde(default)]
    pub resolution: Option<String>,
}

impl PlotThread {
    pub fn open(seed: &ThreadSeed, episode: u32) -> Self {
        Self {
            id: seed.id.clone(),
            title: seed.title.clone(),
            description: seed.description.clone(),
            opened_in: episode,
            resolved_in: None,
            resolution: None,
        }
    }

    pub fn is_open_as_of(&self, episode: u32) -> bool {
        self.opened_in <= episode && self.resolved_in.is_none_or(|r| r > episode)
    }

    /// Closes the thread in `episode`. A thread cannot close before it opened, nor close twice.
    pub fn resolve(&self, episode: u32, resolution: &str) -> Result<PlotThread, TransitionError> {
        if let Some(r) = self.resolved_in {
            return Err(TransitionError::new(
                "plot thread",
                format!("resolved in episode {r}"),
                "resolve",
            ));
        }
        if episode < self.opened_in {
            return Err(TransitionError::new(
                "plot thread",
                format!("opened in episode {}", self.opened_in),
                &format!("resolve in episode {episode}"),
            ));
        }
        let mut t = self.clone();
        t.resolved_in = Some(episode);
        t.resolution = Some(resolution.to_string());
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_resolve_and_views_by_episode() {
        let t = PlotThread::open(
            &ThreadSeed {
                id: "T1".into(),
                title: "비밀".into(),
                description: String::new(),
                reopen_reason: None,
            },
            2,
        );
        assert!(!t.is_open_as_of(1));
        assert!(t.is_open_as_of(2));
        let r = t.resolve(5, "밝혀짐").unwrap();
        assert!(r.is_open_as_of(4));
        assert!(!r.is_open_as_of(5));
        assert!(r.resolve(6, "again").is_err());
        assert!(t.resolve(1, "too early").is_err());
    }
}
