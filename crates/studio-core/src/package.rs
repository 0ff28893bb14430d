//! Packaging an episode for upload: subtitle files (ASS for the burn-in, SRT and WebVTT as caption tracks) from
//! the episode timeline, and the upload metadata (title, description with chapters and next-episode teaser, tags)
//! fitted to YouTube's limits. Written under `series/<id>/epNNN/package/`; the metadata says whether the episode
//! was made offline and by what.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::Serialize;
use studio_domain::{ClipPriority, Importance, TtsProvider};
use studio_pipeline::metadata::{self, MetadataInput, VideoMetadata};
use studio_pipeline::subtitles::{self, PlacedLine};
use studio_pipeline::timeline;
use studio_pipeline::visuals::ShotMedia;

use crate::{CoreError, Engine};

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct PackageReport {
    pub series_id: String,
    pub episode: u32,
    /// Relative to the data directory.
    pub dir: String,
    pub files: Vec<String>,
    pub metadata: VideoMetadata,
    /// Problems YouTube would reject (empty after fitting; kept so a broken template shows up).
    pub problems: Vec<String>,
    pub offline: bool,
    pub made_by: Vec<String>,
    pub subtitle_events: usize,
    pub total_sec: f64,
    /// Lines whose timing is estimated because they have no audio yet.
    pub estimated_lines: usize,
    pub thumbnail: Option<studio_render::thumbnail::ThumbnailInfo>,
    pub notes: Vec<String>,
}

fn write(path: &Path, text: &str) -> Result<(), CoreError> {
    std::fs::write(path, text).map_err(|e| CoreError::io(format!("writing {}", path.display()), e))
}

/// Subtitle events for the placed lines (word cues from the voices where there are any).
pub(crate) fn subtitle_events(
    tl: &timeline::Timeline,
    audio: &[studio_domain::LineAudio],
    style: &subtitles::SubtitleStyle,
) -> Vec<subtitles::SubtitleEvent> {
    let cues: HashMap<&str, &[studio_domain::Cue]> = audio
        .iter()
        .map(|a| (a.line_id.as_str(), a.cues.as_slice()))
        .collect();
    let placed: Vec<PlacedLine<'_>> = tl
        .lines
        .iter()
        .map(|l| PlacedLine {
            offset: l.offset,
            duration: l.duration,
            text: &l.text,
            cues: cues.get(l.line_id.as_str()).copied().unwrap_or(&[]),
            speaker: Some(l.character.as_str()),
        })
        .collect();
    subtitles::events(&placed, style)
}

impl Engine {
    /// Writes the subtitles and upload metadata of an accepted episode.
    ///
    /// # Errors
    /// `UnknownSeries` when no series has that id or title; `InvalidInput` when the episode has no script yet; `Io`
    /// writing the package; `Database` (and `CorruptData`) from the store.
    pub async fn package(&self, series: &str, n: u32) -> Result<PackageReport, CoreError> {
        let (s, script) = self.series_and_script(series, n).await?;
        let audio = self.store().line_audio(&s.id, n).await?;
        let characters = self.store().characters(&s.id).await?;
        let names: HashMap<&str, &str> = characters
            .iter()
            .flat_map(|c| {
                [
                    (c.id.as_str(), c.name.as_str()),
                    (c.name.as_str(), c.name.as_str()),
                ]
            })
            .collect();
        // Subtitles and chapters on the rendered timeline (after the intro).
        let tl = timeline::place(&script, &audio, self.config().render.intro_sec);
        let style = &self.config().subtitles;
        let events = subtitle_events(&tl, &audio, style);
        let dir_rel = format!("series/{}/ep{n:03}/package", s.id);
        let dir: PathBuf = self.data_dir().join(&dir_rel);
        std::fs::create_dir_all(&dir)
            .map_err(|e| CoreError::io(format!("creating {}", dir.display()), e))?;
        let mut files = Vec::new();
        for (name, text) in [
            (
                "subtitles.ko.ass",
                subtitles::to_ass(&events, style, 1920, 1080),
            ),
            ("subtitles.ko.srt", subtitles::to_srt(&events)),
            ("subtitles.ko.vtt", subtitles::to_vtt(&events)),
        ] {
            write(&dir.join(name), &text)?;
            files.push(format!("{dir_rel}/{name}"));
        }

        // Who made it: honest credits, and whether any of it is offline.
        let mut made_by = Vec::new();
        let mut offline = false;
        let writer_offline = script.written_by.is_empty() || script.written_by.contains("offline");
        offline |= writer_offline;
        let writer = if writer_offline {
            "오프라인 템플릿 작가 (offline)".to_string()
        } else {
            format!("AI ({})", script.written_by)
        };
        made_by.push(format!("✍️ 각본: {writer}"));
        let providers: BTreeSet<String> = audio.iter().map(|a| a.provider.to_string()).collect();
        if audio.is_empty() {
            offline = true;
            made_by.push("🎵 음성: 아직 없음 (no voices yet)".into());
        } else {
            if audio.iter().any(|a| a.provider == TtsProvider::Espeak) {
                offline = true;
            }
            made_by.push(format!(
                "🎵 음성: AI ({})",
                providers
                    .iter()
                    .map(|p| if p == "espeak" {
                        "espeak-ng, offline"
                    } else {
                        p.as_str()
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let shots: Vec<ShotMedia> = self
            .store()
            .shot_media_json(&s.id, n)
            .await?
            .into_iter()
            .map(|v| {
                serde_json::from_value(v).map_err(|e| {
                    CoreError::Internal(format!(
                        "the stored media of episode {n} is unreadable: {e}"
                    ))
                })
            })
            .collect::<Result<_, _>>()?;
        let gens: BTreeSet<&str> = shots.iter().map(|m| m.generator.as_str()).collect();
        if shots.is_empty() || shots.iter().any(|m| m.offline) {
            offline = true;
        }
        if !gens.is_empty() {
            made_by.push(format!(
                "🎬 영상: AI ({})",
                gens.iter()
                    .map(|g| if g.starts_with("offline") {
                        "procedural stills, offline"
                    } else {
                        g
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        made_by.push("🎭 출연: AI".into());

        // Metadata.
        let outlines = self.store().outlines(&s.id).await?;
        let teaser = outlines
            .iter()
            .find(|o| o.episode_number == n + 1)
            .map(|o| {
                if o.hook.trim().is_empty() {
                    o.main_event.clone()
                } else {
                    o.hook.clone()
                }
            });
        let genre = if s.genre_label.trim().is_empty() {
            s.genre.to_string()
        } else {
            s.genre_label.clone()
        };
        let main_names: Vec<String> = characters
            .iter()
            .filter(|c| c.importance == Importance::Main)
            .map(|c| c.name.clone())
            .collect();
        let chapters: Vec<(f64, String)> = tl
            .scenes
            .iter()
            .map(|sc| {
                let who: Vec<&str> = script
                    .scenes
                    .iter()
                    .find(|x| x.number == sc.number)
                    .map(|x| {
                        x.characters
                            .iter()
                            .filter_map(|c| names.get(c.as_str()).copied())
                            .take(2)
                            .collect()
                    })
                    .unwrap_or_default();
                let title = if who.is_empty() {
                    sc.location.clone()
                } else {
                    format!("{} — {}", sc.location, who.join(", "))
                };
                (sc.start, title)
            })
            .collect();
        let input = MetadataInput {
            drama_title: s.title.clone(),
            episode_number: n,
            episode_title: script.title.clone(),
            genre,
            summary: script.summary.clone(),
            next_teaser: teaser,
            chapters,
            credits: made_by.clone(),
            extra_tags: main_names,
        };
        // The rendered length: the timeline plus the outro.
        let rendered_sec = tl.total_sec + self.config().render.outro_sec;
        let meta = metadata::build(&input, &self.config().metadata, rendered_sec);
        // A person's edits from review win over the template (when they still fit YouTube's limits).
        let (meta, thumbnail_shot) = crate::editing::apply_override(
            &self.data_dir().join(format!("series/{}/ep{n:03}", s.id)),
            meta,
        );
        let problems = metadata::validate(&meta);
        let doc = serde_json::json!({
            "format": "aidas.metadata/1",
            "series_id": s.id,
            "episode": n,
            "offline": offline,
            "made_by": made_by,
            "total_sec": rendered_sec,
            "estimated_lines": tl.estimated_lines,
            "youtube": {
                "snippet": {
                    "title": meta.title,
                    "description": meta.description,
                    "tags": meta.tags,
                    "categoryId": meta.category_id,
                    "defaultLanguage": meta.default_language,
                    "defaultAudioLanguage": meta.default_language,
                },
                "status": {
                    "privacyStatus": "private",
                    "selfDeclaredMadeForKids": meta.self_declared_made_for_kids,
                    "containsSyntheticMedia": meta.contains_synthetic_media,
                },
            },
            "adjustments": meta.adjustments,
            "problems": problems,
        });
        // Thumbnail: the key frame of the highest-priority shot with the most screen time.
        let mut notes = Vec::new();
        let key = shots
            .iter()
            .filter(|m| self.data_dir().join(&m.still_path).is_file())
            // The shot a person picked in review, while it has a still; else the best by rank.
            .filter(|m| {
                thumbnail_shot.is_none_or(|t| {
                    m.index == t as usize
                        || !shots.iter().any(|o| {
                            o.index == t as usize && self.data_dir().join(&o.still_path).is_file()
                        })
                })
            })
            .max_by(|a, b| {
                let rank =
                    |m: &ShotMedia| (m.decision.priority == ClipPriority::High, m.duration_sec);
                rank(a)
                    .partial_cmp(&rank(b))
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
            .map(|m| m.still_path.clone());
        let thumbnail = match key {
            Some(still) => {
                let font = self.assets_dir().join("fonts/NanumGothic-Bold.ttf");
                let out = dir.join("thumbnail.jpg");
                let text = studio_render::thumbnail::ThumbnailText {
                    title: s.title.clone(),
                    badge: format!("EP.{n}"),
                    subtitle: script.title.clone(),
                };
                let frame = self.data_dir().join(&still);
                let info = tokio::task::spawn_blocking(move || {
                    studio_render::thumbnail::make_thumbnail(&frame, &font, &text, &out)
                })
                .await
                .map_err(|e| CoreError::Internal(format!("thumbnail task: {e}")))?
                .map_err(|e| CoreError::invalid(e.to_string()))?;
                files.push(format!("{dir_rel}/thumbnail.jpg"));
                notes.push(format!("thumbnail from {still}"));
                if !info.left_out.is_empty() {
                    notes.push(format!(
                        "thumbnail: left out {} (no installed font has them)",
                        info.left_out
                            .iter()
                            .map(|c| format!("U+{:04X}", *c as u32))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                Some(info)
            }
            None => {
                notes.push(format!(
                    "no thumbnail yet: episode {n} has no visuals (make them first)"
                ));
                None
            }
        };

        let text = serde_json::to_string_pretty(&doc)
            .map_err(|e| CoreError::Internal(format!("metadata: {e}")))?;
        write(&dir.join("metadata.json"), &text)?;
        files.push(format!("{dir_rel}/metadata.json"));

        Ok(PackageReport {
            series_id: s.id,
            episode: n,
            dir: dir_rel,
            files,
            metadata: meta,
            problems,
            offline,
            made_by,
            subtitle_events: events.len(),
            total_sec: rendered_sec,
            estimated_lines: tl.estimated_lines,
            thumbnail,
            notes,
        })
    }
}
