//! The engine's event bus: typed, broadcast, for app-wide changes (the UI listens; the CLI may print them).

use serde::Serialize;
use tokio::sync::broadcast;

#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
#[ts(export)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EngineEvent {
    SeriesImported {
        series_id: String,
        title: String,
    },
    SettingsImported {
        sections: Vec<String>,
    },
    EpisodeRecorded {
        series_id: String,
        episode: u32,
    },
    EpisodeRolledBack {
        series_id: String,
        episodes: Vec<u32>,
    },
    /// A key was stored or removed. Never carries the value.
    SecretChanged {
        provider: String,
        configured: bool,
    },
    RenderStarted {
        series_id: String,
        episode: u32,
    },
    /// About twice a second while an episode renders.
    RenderProgress {
        series_id: String,
        episode: u32,
        frames_done: u64,
        frames_total: u64,
    },
    EpisodeRendered {
        series_id: String,
        episode: u32,
        /// Relative to the data directory.
        file: String,
    },
    /// After each accepted upload chunk.
    UploadProgress {
        series_id: String,
        episode: u32,
        bytes_done: u64,
        bytes_total: u64,
    },
    /// A production job ended (succeeded, retry_waiting, needs_attention, cancelled or lost).
    JobFinished {
        series_id: String,
        episode: u32,
        stage: studio_domain::Stage,
        status: crate::queue::JobEnd,
    },
    Alert {
        level: AlertLevel,
        /// What it is about, as values a screen says in the creator's language.
        about: AlertAbout,
        /// The same in a sentence (English; logs, the webhook, technical details).
        message: String,
    },
}

/// What an alert is about.
#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
#[ts(export)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AlertAbout {
    /// An episode waits for a person's review.
    ReadyForReview { series_id: String, episode: u32 },
    /// A stage stopped on something only a person can fix.
    NeedsAttention {
        series_id: String,
        episode: u32,
        stage: studio_domain::Stage,
        code: studio_domain::ErrorCode,
    },
    /// Lines no voice could speak.
    LinesNotVoiced {
        series_id: String,
        episode: u32,
        lines: usize,
    },
    /// A script was written but did not pass its checks.
    ScriptNeedsReview { series_id: String, episode: u32 },
    /// A YouTube channel was connected.
    ChannelConnected { name: String },
    /// Connecting a channel failed.
    ChannelNotConnected { code: studio_domain::ErrorCode },
    /// A channel's sign-in expired or was revoked.
    ReconnectChannel { channel_id: String },
    /// YouTube made an upload private (an unaudited API project).
    ForcedPrivate { series_id: String, episode: u32 },
    /// Too many of today's jobs failed.
    ErrorRate { failed: usize, finished: usize },
    /// Spending passed 80 % of a cap (US dollars).
    Spend {
        cap: String,
        spent_usd: f64,
        limit_usd: f64,
    },
    /// An episode's spending passed 80 % of the cap per episode (US dollars, all of the episode's spending).
    EpisodeSpend {
        series_id: String,
        episode: u32,
        spent_usd: f64,
        limit_usd: f64,
    },
    /// Less than 10 % of today's YouTube quota is left.
    YoutubeQuota,
    /// The data disk is over 90 % full (`used` from 0 to 1).
    Disk { used: f64 },
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum AlertLevel {
    Info,
    Warning,
    Critical,
}

#[derive(Debug, Clone)]
pub struct EventBus {
    tx: broadcast::Sender<EngineEvent>,
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new(256)
    }
}

impl EventBus {
    pub fn new(capacity: usize) -> Self {
        let (tx, _) = broadcast::channel(capacity.max(1));
        Self { tx }
    }
    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.tx.subscribe()
    }
    /// Sends to every subscriber; with none listening the event is dropped (the store holds the durable truth).
    pub fn publish(&self, event: EngineEvent) {
        tracing::debug!(?event, "event");
        let _ = self.tx.send(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn subscribers_receive_typed_events() {
        let bus = EventBus::default();
        let mut rx = bus.subscribe();
        bus.publish(EngineEvent::EpisodeRecorded {
            series_id: "s".into(),
            episode: 2,
        });
        let e = rx.recv().await.unwrap();
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"type": "episode_recorded", "series_id": "s", "episode": 2})
        );
    }
}
