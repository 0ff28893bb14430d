//! The folder publisher, the offline default: an approved episode's MP4, thumbnail, caption files and metadata
//! are copied into `export/<series>/epNNN/` under the data directory (each file written as `.part` and renamed), ready
//! to upload by hand or to hand to another tool.

use serde::Serialize;

use crate::{CoreError, Engine};

#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    pub series_id: String,
    pub episode: u32,
    /// Relative to the data directory.
    pub dir: String,
    pub files: Vec<String>,
}

impl Engine {
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
