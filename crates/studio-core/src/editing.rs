//! What a person edits in review and settings: an episode's upload metadata (title, description, tags) and its
//! thumbnail shot — kept in `package/metadata.override.json` so a later package run applies them instead of losing
//! them — and a whitelisted set of settings written to `config.toml` (validated as a whole before it is written).

use std::path::Path;

use serde::{Deserialize, Serialize};
use studio_pipeline::metadata::{self, VideoMetadata};
use studio_pipeline::visuals::ShotMedia;

use crate::{CoreError, Engine};

/// A person's edits to an episode's upload metadata.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct MetadataEdit {
    pub title: Option<String>,
    pub description: Option<String>,
    pub tags: Option<Vec<String>>,
    /// The shot whose still makes the thumbnail.
    pub thumbnail_shot: Option<u32>,
}

/// The metadata editor's view of an episode.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct MetadataView {
    pub title: String,
    pub description: String,
    pub tags: Vec<String>,
    pub title_chars: u32,
    pub description_bytes: u32,
    pub tags_chars: u32,
    /// What YouTube would refuse (empty: fine).
    pub problems: Vec<String>,
    /// `/media/…` of the thumbnail, when there is one.
    pub thumbnail: Option<String>,
    /// `/media/…` of every shot's still, to pick a thumbnail from (index = shot).
    pub stills: Vec<Option<String>>,
    pub edited: bool,
}

fn override_path(dir: &Path) -> std::path::PathBuf {
    dir.join("package/metadata.override.json")
}

/// A person's edit of one episode outline in the planner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct OutlineEdit {
    pub title: String,
    pub main_event: String,
    pub hook: String,
    pub cliffhanger: String,
}

/// The settings the UI may change, as dotted keys into config.toml.
pub const EDITABLE_SETTINGS: &[&str] = &[
    "visuals.budget_per_episode_usd",
    "visuals.hard_cap_usd",
    "visuals.video_model",
    "visuals.still_model",
    "production.daily_cap_usd",
    "production.episode_cap_usd",
    "production.episodes_per_day",
    "production.review",
    "production.work_window",
    "production.time_zone",
    "writer.default",
    "writer.openai_model",
    "writer.anthropic_model",
    "youtube.publish_times",
    "youtube.publish_per_day",
    "youtube.daily_units",
    "youtube.uploads_per_day",
    "youtube.privacy",
    "youtube.client_id",
    "alerts.webhook_level",
    "alerts.slack_level",
    "alerts.discord_level",
    "alerts.telegram_level",
    "alerts.telegram_chat_id",
    "alerts.email_level",
    "alerts.email_to",
    "alerts.email_from",
    "alerts.smtp_host",
    "alerts.smtp_port",
    "alerts.smtp_user",
    "alerts.smtp_security",
];

/// Applies a person's edits to freshly built metadata (used by `package`). Edits that would break YouTube's limits
/// are left out, with a note.
pub(crate) fn apply_override(dir: &Path, mut meta: VideoMetadata) -> (VideoMetadata, Option<u32>) {
    let Ok(text) = std::fs::read_to_string(override_path(dir)) else {
        return (meta, None);
    };
    let Ok(edit) = serde_json::from_str::<MetadataEdit>(&text) else {
        meta.adjustments.push(
            "metadata.override.json is unreadable: the person's edits were not applied".into(),
        );
        return (meta, None);
    };
    let mut edited = meta.clone();
    if let Some(t) = edit.title {
        edited.title = t;
    }
    if let Some(d) = edit.description {
        edited.description = d;
    }
    if let Some(t) = edit.tags {
        edited.tags = t;
    }
    if metadata::validate(&edited).is_empty() {
        edited
            .adjustments
            .push("title/description/tags as edited in review".into());
        (edited, edit.thumbnail_shot)
    } else {
        meta.adjustments
            .push("the review edits no longer fit YouTube's limits and were left out".into());
        (meta, edit.thumbnail_shot)
    }
}

impl Engine {
    /// Edits an outline before its episode is written (then the plan is validated again by `show_series`).
    ///
    /// # Errors
    /// `UnknownSeries` when no series has that id or title; `InvalidInput` for an empty or over-long field or an
    /// episode that is no longer planned (only planned outlines change); `Database` (and `CorruptData`) from the
    /// store.
    pub async fn edit_outline(
        &self,
        series: &str,
        n: u32,
        edit: OutlineEdit,
    ) -> Result<(), CoreError> {
        let s = self.store().find_series(series).await?;
        let clean = |v: &str, what: &str, max: usize| -> Result<String, CoreError> {
            let v = v.trim();
            if v.chars().count() > max {
                return Err(CoreError::invalid(format!(
                    "{what} is longer than {max} characters"
                )));
            }
            Ok(v.to_string())
        };
        let main_event = clean(&edit.main_event, "the main event", 500)?;
        if main_event.is_empty() {
            return Err(CoreError::invalid(format!(
                "episode {n}'s outline needs a main event (what happens in it)"
            )));
        }
        let ok = self
            .store()
            .update_outline(
                &s.id,
                n,
                &clean(&edit.title, "the title", 80)?,
                &main_event,
                &clean(&edit.hook, "the hook", 300)?,
                &clean(&edit.cliffhanger, "the cliffhanger", 300)?,
            )
            .await?;
        if !ok {
            return Err(CoreError::invalid(format!(
                "{} episode {n} is already written (or does not exist): roll it back to plan it again",
                s.title
            )));
        }
        Ok(())
    }

    fn episode_dir(&self, series_id: &str, n: u32) -> std::path::PathBuf {
        self.data_dir().join(format!("series/{series_id}/ep{n:03}"))
    }

    /// # Errors
    /// `UnknownSeries` when no series has that id or title; `InvalidInput` when the episode is not packaged yet;
    /// `BadFile` when its metadata file does not parse.
    pub async fn metadata_view(&self, series: &str, n: u32) -> Result<MetadataView, CoreError> {
        let s = self.store().find_series(series).await?;
        let dir = self.episode_dir(&s.id, n);
        let path = dir.join("package/metadata.json");
        let text = crate::textfile::read_text_if_present(&path)?.ok_or_else(|| {
            CoreError::invalid(format!(
                "{} episode {n} is not packaged yet: produce it to the review gate first",
                s.title
            ))
        })?;
        let doc: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| CoreError::bad_file(&path, e.to_string()))?;
        let meta = VideoMetadata::from_snippet(&doc["youtube"]["snippet"]);
        let shots: Vec<ShotMedia> = self
            .store()
            .shot_media_json(&s.id, n)
            .await?
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect();
        let max = shots.iter().map(|m| m.index + 1).max().unwrap_or(0);
        let mut stills = vec![None; max];
        for m in &shots {
            if self.data_dir().join(&m.still_path).is_file() {
                stills[m.index] = Some(format!("/media/{}", m.still_path));
            }
        }
        let thumb = dir.join("package/thumbnail.jpg");
        Ok(MetadataView {
            title_chars: meta.title.chars().count() as u32,
            description_bytes: meta.description.len() as u32,
            tags_chars: metadata::tags_length(&meta.tags) as u32,
            problems: metadata::validate(&meta),
            thumbnail: thumb
                .is_file()
                .then(|| format!("/media/series/{}/ep{n:03}/package/thumbnail.jpg", s.id)),
            stills,
            edited: override_path(&dir).is_file(),
            title: meta.title,
            description: meta.description,
            tags: meta.tags,
        })
    }

    /// Saves a person's metadata edits (refused, with the reasons, when YouTube would refuse them) and applies them
    /// to the package now; a later package run keeps them.
    ///
    /// # Errors
    /// `UnknownSeries` when no series has that id or title; `InvalidInput` for metadata YouTube would refuse or an
    /// episode not packaged yet; `BadFile` for a metadata file that does not parse; `Io` writing the override.
    pub async fn edit_metadata(
        &self,
        series: &str,
        n: u32,
        edit: MetadataEdit,
    ) -> Result<MetadataView, CoreError> {
        let s = self.store().find_series(series).await?;
        let dir = self.episode_dir(&s.id, n);
        let path = dir.join("package/metadata.json");
        let text = crate::textfile::read_text_if_present(&path)?.ok_or_else(|| {
            CoreError::invalid(format!("{} episode {n} is not packaged yet", s.title))
        })?;
        let mut doc: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| CoreError::bad_file(&path, e.to_string()))?;
        let current = self.metadata_view(&s.id, n).await?;
        let candidate = VideoMetadata {
            title: edit.title.clone().unwrap_or(current.title),
            description: edit.description.clone().unwrap_or(current.description),
            tags: edit.tags.clone().unwrap_or(current.tags),
            category_id: "24".into(),
            default_language: "ko".into(),
            contains_synthetic_media: true,
            self_declared_made_for_kids: false,
            chapters: false,
            adjustments: vec![],
        };
        let problems = metadata::validate(&candidate);
        if !problems.is_empty() {
            return Err(CoreError::invalid(format!(
                "YouTube would refuse this metadata: {}",
                problems.join("; ")
            )));
        }
        if let Some(shot) = edit.thumbnail_shot {
            self.make_thumbnail_from(&s, n, shot as usize).await?;
        }
        // Merge with earlier edits.
        let mut all: MetadataEdit = std::fs::read_to_string(override_path(&dir))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        all.title = edit.title.or(all.title);
        all.description = edit.description.or(all.description);
        all.tags = edit.tags.or(all.tags);
        all.thumbnail_shot = edit.thumbnail_shot.or(all.thumbnail_shot);
        let text =
            serde_json::to_string_pretty(&all).map_err(|e| CoreError::Internal(e.to_string()))?;
        std::fs::write(override_path(&dir), text)
            .map_err(|e| CoreError::io("writing metadata.override.json", e))?;
        let sn = &mut doc["youtube"]["snippet"];
        sn["title"] = candidate.title.into();
        sn["description"] = candidate.description.into();
        sn["tags"] = serde_json::json!(candidate.tags);
        let text =
            serde_json::to_string_pretty(&doc).map_err(|e| CoreError::Internal(e.to_string()))?;
        let part = path.with_extension("json.part");
        std::fs::write(&part, text)
            .and_then(|_| std::fs::rename(&part, &path))
            .map_err(|e| CoreError::io(format!("writing {}", path.display()), e))?;
        self.metadata_view(&s.id, n).await
    }

    /// Makes the thumbnail from one shot's still.
    pub(crate) async fn make_thumbnail_from(
        &self,
        s: &studio_domain::Series,
        n: u32,
        shot: usize,
    ) -> Result<(), CoreError> {
        let still = self
            .store()
            .shot_media_json(&s.id, n)
            .await?
            .into_iter()
            .filter_map(|v| serde_json::from_value::<ShotMedia>(v).ok())
            .find(|m| m.index == shot)
            .map(|m| self.data_dir().join(m.still_path))
            .filter(|p| p.is_file())
            .ok_or_else(|| {
                CoreError::invalid(format!("shot {shot} of episode {n} has no still yet"))
            })?;
        let title = self
            .episode_script(&s.id, n)
            .await?
            .map(|sc| sc.title)
            .unwrap_or_default();
        let text = studio_render::thumbnail::ThumbnailText {
            title: s.title.clone(),
            badge: format!("EP.{n}"),
            subtitle: title,
        };
        let font = self.assets_dir().join("fonts/NanumGothic-Bold.ttf");
        let out = self.episode_dir(&s.id, n).join("package/thumbnail.jpg");
        tokio::task::spawn_blocking(move || {
            studio_render::thumbnail::make_thumbnail(&still, &font, &text, &out)
        })
        .await
        .map_err(|e| CoreError::Internal(format!("thumbnail task: {e}")))?
        .map_err(|e| CoreError::invalid(e.to_string()))?;
        Ok(())
    }

    /// Changes whitelisted settings in config.toml (dotted keys, JSON values). The whole file is validated before
    /// it is written; running processes pick the change up when they restart.
    ///
    /// # Errors
    /// `InvalidConfig` for an unknown key or a value that does not validate (nothing is written); `Io` reading or
    /// writing `config.toml`.
    pub fn edit_settings(
        &self,
        changes: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Vec<String>, CoreError> {
        let path = self.data_dir().join(crate::config::CONFIG_FILE);
        let text = crate::textfile::read_text(&path)?;
        let mut doc: toml::Table = toml::from_str(crate::textfile::strip_bom(&text))
            .map_err(|e| CoreError::config(&path, e.to_string()))?;
        let mut changed = Vec::new();
        for (key, value) in changes {
            let endpoint = key.strip_prefix("endpoints.").is_some_and(|n| {
                crate::config::ENDPOINTS
                    .iter()
                    .any(|(name, _, _)| *name == n)
            });
            if !EDITABLE_SETTINGS.contains(&key.as_str()) && !endpoint {
                return Err(CoreError::invalid(format!(
                    "\"{key}\" cannot be changed here (editable: {}, endpoints.<name>)",
                    EDITABLE_SETTINGS.join(", ")
                )));
            }
            let v: toml::Value = serde_json::from_value(value.clone())
                .map_err(|e| CoreError::invalid(format!("{key}: {e}")))?;
            let (section, field) = key.split_once('.').unwrap_or(("", key));
            let table = doc
                .entry(section.to_string())
                .or_insert_with(|| toml::Value::Table(Default::default()));
            let Some(t) = table.as_table_mut() else {
                return Err(CoreError::config(
                    &path,
                    format!("[{section}] is not a table"),
                ));
            };
            t.insert(field.to_string(), v);
            changed.push(key.clone());
        }
        let new_text =
            toml::to_string_pretty(&doc).map_err(|e| CoreError::Internal(e.to_string()))?;
        // The whole file must still be a valid configuration.
        crate::config::Config::parse(&new_text, &path)?;
        let part = path.with_extension("toml.part");
        std::fs::write(
            &part,
            format!("# AIDAS Studio configuration. Secrets are never stored here.\n{new_text}"),
        )
        .and_then(|_| std::fs::rename(&part, &path))
        .map_err(|e| CoreError::io(format!("writing {}", path.display()), e))?;
        Ok(changed)
    }
}
