//! The folder publisher, the offline default: an approved episode's MP4, thumbnail, caption files and metadata
//! are copied into `export/<series>/epNNN/` under the data directory (each file written as `.part` and renamed), ready
//! to upload by hand or to hand to another tool.

use tokio_util::sync::CancellationToken;

use serde::Serialize;
use studio_domain::{EpisodeStatus, JobStatus, Stage};

use crate::youtube::UploadReport;
use crate::{CoreError, Engine};

/// What the folder publisher copied.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ExportReport {
    pub series_id: String,
    pub episode: u32,
    /// Relative to the data directory.
    pub dir: String,
    pub files: Vec<String>,
}

/// What publishing an episode did: the folder copy always, YouTube when a channel was used.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct PublishReport {
    pub export: ExportReport,
    pub youtube: Option<UploadReport>,
}

impl Engine {
    /// Publishes an approved episode now: the folder copy, then YouTube on `channel` or the series' channel
    /// (`publish_channel_set`, `[youtube] default_channel`) when it has one. What was done before is not done again
    /// (the upload resumes or is recognised as done).
    ///
    /// # Errors
    /// `invalid_input` when the episode is not approved (review decides first) or has no render or package yet;
    /// YouTube errors as [`Engine::publish_youtube`].
    pub async fn publish_episode(
        &self,
        series: &str,
        n: u32,
        channel: Option<&str>,
        cancel: CancellationToken,
    ) -> Result<PublishReport, CoreError> {
        let s = self.store().find_series(series).await?;
        let st = self.episode_status(&s.id, n).await?;
        if !matches!(
            st,
            EpisodeStatus::Approved | EpisodeStatus::Scheduled | EpisodeStatus::Published
        ) {
            return Err(CoreError::invalid(format!(
                "{} episode {n} is {st}: it is published after it is approved in review",
                s.title
            )));
        }
        // The queue's publish job and a publish by hand must not upload the same episode side by side.
        let queued = self.store().jobs(Some(&s.id), Some(n)).await?;
        if queued
            .iter()
            .any(|j| j.stage == Stage::Publish && j.status == JobStatus::Running)
        {
            return Err(CoreError::invalid(format!(
                "{} episode {n} is being published by the production queue right now; it finishes by itself",
                s.title
            )));
        }
        self.publish_approved(&s.id, n, channel, cancel).await
    }

    /// The publish stage's work, after the gate: the folder copy, then YouTube when a channel is given or set.
    pub(crate) async fn publish_approved(
        &self,
        series_id: &str,
        n: u32,
        channel: Option<&str>,
        cancel: CancellationToken,
    ) -> Result<PublishReport, CoreError> {
        let export = self.export_episode(series_id, n).await?;
        let channel = match channel {
            Some(c) => Some(c.to_string()),
            None => self.publish_channel(series_id).await?,
        };
        let youtube = match channel {
            Some(ch) => Some(self.publish_youtube(series_id, n, &ch, cancel).await?),
            None => None,
        };
        Ok(PublishReport { export, youtube })
    }

    /// Copies an episode's files to `export/<series>/epNNN/`.
    ///
    /// # Errors
    /// `invalid_input` when the render or the metadata is missing; `io` when a file cannot be copied.
    pub async fn export_episode(&self, series: &str, n: u32) -> Result<ExportReport, CoreError> {
        let s = self.store().find_series(series).await?;
        let src = self.data_dir().join(format!("series/{}/ep{n:03}", s.id));
        let dir_rel = format!("export/{}/ep{n:03}", s.id);
        let dst = self.data_dir().join(&dir_rel);
        std::fs::create_dir_all(&dst)
            .map_err(|e| CoreError::io(format!("creating {}", dst.display()), e))?;
        let wanted = [
            ("episode.mp4", "episode.mp4"),
            ("package/thumbnail.jpg", "thumbnail.jpg"),
            ("package/subtitles.ko.srt", "subtitles.ko.srt"),
            ("package/subtitles.ko.vtt", "subtitles.ko.vtt"),
            ("package/metadata.json", "metadata.json"),
        ];
        let mut files = Vec::new();
        for (from, to) in wanted {
            let a = src.join(from);
            if !a.is_file() {
                if from == "episode.mp4" || from == "package/metadata.json" {
                    return Err(CoreError::invalid(format!(
                        "{} episode {n} has no {from} yet: render and package it first",
                        s.title
                    )));
                }
                continue;
            }
            let b = dst.join(to);
            let part = dst.join(format!("{to}.part"));
            std::fs::copy(&a, &part)
                .and_then(|_| std::fs::rename(&part, &b))
                .map_err(|e| CoreError::io(format!("exporting {}", a.display()), e))?;
            files.push(format!("{dir_rel}/{to}"));
        }
        Ok(ExportReport {
            series_id: s.id,
            episode: n,
            dir: dir_rel,
            files,
        })
    }
}
