//! Directing one shot, line or character: the creator's edits go through here. Each edit keeps the earlier take
//! (its files are moved aside and listed, never deleted) and invalidates only what depends on it — an edited line's
//! voice, an edited or redone shot's picture, then the render and what follows it. An episode in review goes back to
//! production for those items only; an approved or published episode is closed to edits.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use studio_domain::{
    CastEntry, Character, ClipPriority, EpisodeStatus, JobStatus, Modulation, Series, Stage,
    VoiceAssignment, VoiceInfo,
};
use studio_pipeline::visuals::{ClipProbe, ShotMedia};

use crate::clock::{now_ms, rfc3339_utc};
use crate::{CoreError, Engine};

/// Copies made for an edit, listed when it commits and removed when it is refused.
#[derive(Default)]
pub(crate) struct PendingTakes {
    entries: Vec<(String, Take)>,
    copies: Vec<PathBuf>,
    /// Originals that must not outlive the edit (an edited line's avatar clip).
    remove_after: Vec<PathBuf>,
}

impl PendingTakes {
    fn discard(&mut self) {
        for f in self.copies.drain(..) {
            let _ = std::fs::remove_file(f);
        }
    }
}

/// The creator's own files are marked with this generator.
pub const CREATOR: &str = "creator";

/// An earlier take of a shot or a line, set aside when the item was redone, edited or replaced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Take {
    /// 1 for the first take set aside, then 2, …
    pub take: u32,
    /// Its files (the still first for a shot): relative to the data directory as stored; as media URL paths
    /// (`/media/…`) in the views the screens get.
    pub files: Vec<String>,
    /// What made it: a generator or voice id, or `creator` for the creator's own file.
    pub source: String,
    /// When it was set aside (RFC 3339 UTC).
    pub set_aside_at: String,
}

/// What to change in a shot; fields left out stay as they are.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct ShotEdit {
    /// What the viewer sees, in Korean.
    #[serde(default)]
    #[ts(optional)]
    pub visual: Option<String>,
    /// The English prompt for image and video models.
    #[serde(default)]
    #[ts(optional)]
    pub video_prompt: Option<String>,
    /// High (AI video where the budget allows) or low (a still with Ken Burns motion).
    #[serde(default)]
    #[ts(optional)]
    pub priority: Option<ClipPriority>,
}

/// What to change in a script line; fields left out stay as they are.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct LineEdit {
    /// The speaker: a character's id or name.
    #[serde(default)]
    #[ts(optional)]
    pub character: Option<String>,
    /// The words, up to 600 characters; directions in brackets (`(한숨) …`) are split off into the line's direction.
    #[serde(default)]
    #[ts(optional)]
    pub text: Option<String>,
    /// One of the emotions voices know (`neutral`, `happy`, `sad`, `angry`, `surprised`, `fear`) or a Korean word
    /// for one (`기쁨`, `슬픔`, …).
    #[serde(default)]
    #[ts(optional)]
    pub emotion: Option<String>,
}

/// What to change in a character's profile; fields left out stay as they are.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct CharacterEdit {
    /// A new name (not another character's); references by the old name are renamed in open scripts.
    #[serde(default)]
    #[ts(optional)]
    pub name: Option<String>,
    /// The part they play in the story (`주인공`, `라이벌`).
    #[serde(default)]
    #[ts(optional)]
    pub role: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub occupation: Option<String>,
    /// Traits, one word or phrase each.
    #[serde(default)]
    #[ts(optional)]
    pub personality: Option<Vec<String>>,
    /// An English description for image prompts; a change makes the character's reference still again.
    #[serde(default)]
    #[ts(optional)]
    pub appearance: Option<String>,
    /// `male` | `female`.
    #[serde(default)]
    #[ts(optional)]
    pub gender: Option<String>,
    /// `young` | `young_adult` | `adult` | `middle_age` | `senior`.
    #[serde(default)]
    #[ts(optional)]
    pub age_group: Option<String>,
    /// A tone casting matches voices on (`warm`, `calm`, `bright`, …).
    #[serde(default)]
    #[ts(optional)]
    pub tone: Option<String>,
}

/// What a line edit did: the script as saved, its checks run again, and what must be made again.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct LineEditReport {
    pub script: studio_domain::EpisodeScript,
    pub check: studio_pipeline::CheckReport,
    /// The stages that run again (empty when nothing was made yet).
    pub stages_reopened: Vec<Stage>,
    /// The episode's status after the edit.
    pub status: EpisodeStatus,
}

/// A voice the creator can pick for a character, best match first.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct VoiceChoice {
    pub voice: VoiceInfo,
    /// How well it fits the character's voice profile, 0–1.
    pub match_score: f64,
    /// It is the character's voice now.
    pub current: bool,
}

/// What a redone, edited or replaced shot led to.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ShotChange {
    /// The shot's index in the storyboard, from 0 (screens show it from 1).
    pub shot: usize,
    /// What the new take is expected to cost (USD; 0 offline or for the creator's own file).
    pub estimate_usd: f64,
    pub stages_reopened: Vec<Stage>,
    pub status: EpisodeStatus,
    /// The takes set aside so far for this shot, oldest first.
    pub takes: Vec<Take>,
}

/// What an edit makes again: these lines' voices and shots' pictures, through these stages; `why` (the creator's
/// words, or empty) and the scenes touched are kept with
/// the review decision when the episode was in review.
pub(crate) struct Redo<'a> {
    pub(crate) lines: &'a [String],
    pub(crate) shots: &'a [usize],
    pub(crate) stages: &'a [Stage],
    pub(crate) why: Why,
    /// The edited script, with the script as the edit read it (JSON): saved in the same transaction, and only if
    /// nothing else changed the script meanwhile.
    pub(crate) script: Option<(&'a serde_json::Value, &'a studio_domain::EpisodeScript)>,
    /// Shots whose offline seed moves on (a new take).
    pub(crate) new_seeds: &'a [usize],
}

impl<'a> Redo<'a> {
    /// An edit that makes these lines and shots again through `stages`, for these scenes.
    pub(crate) fn of(
        lines: &'a [String],
        shots: &'a [usize],
        stages: &'a [Stage],
        scenes: Vec<u32>,
    ) -> Self {
        Self {
            lines,
            shots,
            stages,
            why: Why {
                reason: String::new(),
                scenes,
            },
            script: None,
            new_seeds: &[],
        }
    }
}

/// What a review decision records about an edit: the creator's reason (empty when none was given) and the scenes it
/// touched — values, not sentences, so the screens say them in the creator's language.
pub(crate) struct Why {
    pub(crate) reason: String,
    pub(crate) scenes: Vec<u32>,
}

/// The stages an edited line's new voice starts from (the stages after it follow: [`Stage::redo_from`]).
const LINE_REDO: [Stage; 1] = [Stage::Voices];
/// The stage a redone shot starts from.
const SHOT_REDO: [Stage; 1] = [Stage::Visuals];
/// The stage after a shot replaced by the creator's file (its media is in place already).
const AFTER_SHOT: [Stage; 1] = [Stage::Render];

/// Longest text a line, a shot's note or prompt may have (characters).
const MAX_TEXT: usize = 600;
/// The largest file a shot can be replaced with (bytes).
pub const MAX_SHOT_FILE: usize = 200 * 1024 * 1024;

fn takes_key(series_id: &str, n: u32) -> String {
    format!("takes-kept/{series_id}/{n}")
}

fn text_field(what: &str, v: &str) -> Result<String, CoreError> {
    let t = v.trim();
    if t.is_empty() {
        return Err(CoreError::invalid(format!("{what} is empty")));
    }
    if t.chars().count() > MAX_TEXT {
        return Err(CoreError::invalid(format!(
            "{what} is {} characters long; at most {MAX_TEXT}",
            t.chars().count()
        )));
    }
    Ok(t.to_string())
}

impl Engine {
    /// The takes set aside for an episode's shots (`shot:<index>`) and lines (`line:<id>`).
    ///
    /// # Errors
    /// `Database` (and `CorruptData`) from the store.
    pub(crate) async fn kept_takes(
        &self,
        series_id: &str,
        n: u32,
    ) -> Result<BTreeMap<String, Vec<Take>>, CoreError> {
        Ok(self
            .store()
            .setting(&takes_key(series_id, n))
            .await?
            .unwrap_or_default())
    }

    /// Copies the current files of these lines and shots into the episode's `takes` folders, under names that are
    /// never reused (readers of the originals are unaffected). The takes are listed once the edit is committed
    /// ([`Engine::commit_edit`]); the copies are removed if it is refused.
    pub(crate) async fn copy_takes(
        &self,
        series_id: &str,
        n: u32,
        lines: &[String],
        shots: &[usize],
    ) -> Result<PendingTakes, CoreError> {
        let kept = self.kept_takes(series_id, n).await?;
        let at = rfc3339_utc(now_ms());
        let ep = self.data_dir().join(format!("series/{series_id}/ep{n:03}"));
        let mut out = PendingTakes::default();
        let number = |key: &str, out: &PendingTakes| {
            kept.get(key).map_or(0, Vec::len) as u32
                + out.entries.iter().filter(|(k, _)| k == key).count() as u32
                + 1
        };
        if !lines.is_empty() {
            for a in self.store().line_audio(series_id, n).await? {
                if !lines.contains(&a.line_id) {
                    continue;
                }
                let key = format!("line:{}", a.line_id);
                let k = number(&key, &out);
                let mut files = Vec::new();
                if let Some(f) = self.copy_aside(&a.path, &ep.join("voices/takes"), k, &mut out)? {
                    files.push(f);
                }
                // The line's lip-synced clip: the render would use it with the new voice; it goes with the take.
                let avatar = format!("series/{series_id}/ep{n:03}/avatars/{}.mp4", a.line_id);
                if let Some(f) = self.copy_aside(&avatar, &ep.join("avatars/takes"), k, &mut out)? {
                    files.push(f);
                    out.remove_after.push(self.data_dir().join(&avatar));
                }
                // Or its cut of the character's scene take (the take itself stays: the scene's other lines use it;
                // the line's new voice makes a new take).
                let cut = format!("series/{series_id}/ep{n:03}/avatars/{}.cut.json", a.line_id);
                if let Some(f) = self.copy_aside(&cut, &ep.join("avatars/takes"), k, &mut out)? {
                    files.push(f);
                    out.remove_after.push(self.data_dir().join(&cut));
                }
                if !files.is_empty() {
                    out.entries.push((
                        key,
                        Take {
                            take: k,
                            files,
                            source: format!("{}:{}", a.provider, a.voice_id),
                            set_aside_at: at.clone(),
                        },
                    ));
                }
            }
        }
        if !shots.is_empty() {
            for v in self.store().shot_media_json(series_id, n).await? {
                let Ok(m) = serde_json::from_value::<ShotMedia>(v) else {
                    continue;
                };
                if !shots.contains(&m.index) {
                    continue;
                }
                let key = format!("shot:{}", m.index);
                let k = number(&key, &out);
                let dir = ep.join("visuals/takes");
                let mut files = Vec::new();
                for p in [&m.still_path, &m.clip_path] {
                    if !p.is_empty()
                        && let Some(f) = self.copy_aside(p, &dir, k, &mut out)?
                    {
                        files.push(f);
                    }
                }
                if !files.is_empty() {
                    out.entries.push((
                        key,
                        Take {
                            take: k,
                            files,
                            source: m.generator.clone(),
                            set_aside_at: at.clone(),
                        },
                    ));
                }
            }
        }
        Ok(out)
    }

    /// Copies one data-dir-relative file into `dir` as take `k` (a name that exists already is never overwritten:
    /// the next free one is taken); `None` when the file is gone.
    fn copy_aside(
        &self,
        rel: &str,
        dir: &Path,
        k: u32,
        out: &mut PendingTakes,
    ) -> Result<Option<String>, CoreError> {
        let src = self.data_dir().join(rel);
        if !src.is_file() {
            return Ok(None);
        }
        std::fs::create_dir_all(dir).map_err(|e| CoreError::io(dir.display().to_string(), e))?;
        let stem = src
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let ext = src
            .extension()
            .map(|s| format!(".{}", s.to_string_lossy()))
            .unwrap_or_default();
        let mut reader =
            std::fs::File::open(&src).map_err(|e| CoreError::io(src.display().to_string(), e))?;
        for extra in 0..1000u32 {
            let name = if extra == 0 {
                format!("{stem}-take{k}{ext}")
            } else {
                format!("{stem}-take{k}-{extra}{ext}")
            };
            let dst: PathBuf = dir.join(name);
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&dst)
            {
                Ok(mut f) => {
                    out.copies.push(dst.clone());
                    std::io::copy(&mut reader, &mut f)
                        .map_err(|e| CoreError::io(dst.display().to_string(), e))?;
                    return Ok(Some(
                        dst.strip_prefix(self.data_dir())
                            .unwrap_or(&dst)
                            .to_string_lossy()
                            .into_owned(),
                    ));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(CoreError::io(dst.display().to_string(), e)),
            }
        }
        Err(CoreError::Internal(format!(
            "no free name for a take of {} in {}",
            src.display(),
            dir.display()
        )))
    }

    /// Refuses edits to an episode that is approved or published, and (early, before any work) one whose stages
    /// run now; the store checks the latter again atomically when the edit is committed.
    async fn open_for_edit(&self, s: &Series, n: u32) -> Result<EpisodeStatus, CoreError> {
        let status = self.episode_status(&s.id, n).await?;
        if matches!(
            status,
            EpisodeStatus::Approved | EpisodeStatus::Scheduled | EpisodeStatus::Published
        ) {
            return Err(CoreError::blocked(
                studio_domain::ErrorCode::EpisodeClosed,
                format!(
                    "{} episode {n} is {status}: it can no longer be changed",
                    s.title
                ),
            ));
        }
        if let Some(j) = self
            .store()
            .jobs(Some(&s.id), Some(n))
            .await?
            .iter()
            .find(|j| j.status == JobStatus::Running)
        {
            return Err(studio_store::StoreError::Busy(format!(
                "{} episode {n}: the {} stage is running",
                s.title, j.stage
            ))
            .into());
        }
        Ok(status)
    }

    /// The stored script as JSON, as an edit reads it (compared again when the edit is saved).
    async fn script_as_read(&self, s: &Series, n: u32) -> Result<serde_json::Value, CoreError> {
        self.store().script(&s.id, n).await?.ok_or_else(|| {
            CoreError::blocked(
                studio_domain::ErrorCode::StepMissing,
                format!("{} episode {n} has no script yet: write it first", s.title),
            )
        })
    }

    /// Commits an edit in one store transaction ([`studio_store::Store::redo_items`]): refused, with nothing
    /// changed and the copies removed, when the episode is approved or published, while a stage runs or a paid job
    /// for one of the items is in flight, or when the script changed since the edit read it; otherwise the edited
    /// script is saved with its checks, the items are forgotten, a replacement saved, new seeds taken, the takes
    /// listed, every stage from `edit.stages` to the review gate queued again when the episode was in production,
    /// and an episode in review sent back to production with the decision recorded. Returns the stages queued, the
    /// status after, and the edited script's checks.
    pub(crate) async fn commit_edit(
        &self,
        s: &Series,
        n: u32,
        mut takes: PendingTakes,
        edit: Redo<'_>,
        replace: Option<(usize, String, String)>,
    ) -> Result<
        (
            Vec<Stage>,
            EpisodeStatus,
            Option<studio_pipeline::CheckReport>,
        ),
        CoreError,
    > {
        let produced = !self.store().jobs(Some(&s.id), Some(n)).await?.is_empty();
        let stages = if produced && !edit.stages.is_empty() {
            Stage::redo_from(edit.stages)
        } else {
            Vec::new()
        };
        let fail = |mut takes: PendingTakes, e: CoreError| {
            takes.discard();
            Err(e)
        };
        let (script_json, report) = match edit.script {
            Some((_, script)) => {
                let report = match self.check_script(&s.id, n, script).await {
                    Ok(r) => r,
                    Err(e) => return fail(takes, e),
                };
                match (serde_json::to_value(script), serde_json::to_value(&report)) {
                    (Ok(a), Ok(b)) => (Some(a), Some((b, report))),
                    (Err(e), _) | (_, Err(e)) => {
                        return fail(takes, CoreError::Internal(format!("script: {e}")));
                    }
                }
            }
            None => (None, None),
        };
        let kept: Vec<(String, serde_json::Value)> = match takes
            .entries
            .iter()
            .map(|(k, t)| serde_json::to_value(t).map(|v| (k.clone(), v)))
            .collect()
        {
            Ok(v) => v,
            Err(e) => return fail(takes, CoreError::Internal(format!("take: {e}"))),
        };
        let tag = format!("take{}", now_ms());
        let items = studio_store::RedoItems {
            series_id: &s.id,
            episode: n,
            lines: edit.lines,
            shots: edit.shots,
            replace,
            stages: &stages,
            tag: &tag,
            script: match (&edit.script, &script_json, &report) {
                (Some((was, _)), Some(now), Some((report, _))) => {
                    Some(studio_store::ScriptEdit { was, now, report })
                }
                _ => None,
            },
            new_seeds: edit.new_seeds,
            takes: &kept,
            reason: &edit.why.reason,
            scenes: &edit.why.scenes,
        };
        let status = match self.store().redo_items(&items, now_ms()).await {
            Ok(st) => st,
            Err(studio_store::StoreError::Closed(what)) => {
                return fail(
                    takes,
                    CoreError::blocked(
                        studio_domain::ErrorCode::EpisodeClosed,
                        format!("{} {what}: it can no longer be changed", s.title),
                    ),
                );
            }
            Err(e) => return fail(takes, e.into()),
        };
        for f in takes.remove_after.drain(..) {
            let _ = std::fs::remove_file(f);
        }
        Ok((stages, status, report.map(|(_, r)| r)))
    }

    /// Edits a shot's Korean note, English prompt or priority. When the picture's description changed and the shot
    /// was made already, its take is set aside and the shot is made again (with the render after it).
    ///
    /// # Errors
    /// `unknown_series`; `invalid_input` for an episode without a script, a shot outside the storyboard, an empty or
    /// over-long text, an approved episode or one whose stages are running; store errors.
    pub async fn edit_shot(
        &self,
        series: &str,
        n: u32,
        shot: usize,
        edit: ShotEdit,
    ) -> Result<ShotChange, CoreError> {
        let (s, mut script) = self.series_and_script(series, n).await?;
        let was = self.script_as_read(&s, n).await?;
        self.open_for_edit(&s, n).await?;
        let count = script.storyboard.len();
        let Some(sh) = script.storyboard.get_mut(shot) else {
            return Err(shot_range(&s, n, shot, count));
        };
        let scene = sh.scene;
        let mut picture_changed = false;
        if let Some(v) = edit.visual {
            let v = text_field("the shot's description", &v)?;
            picture_changed |= v != sh.visual;
            sh.visual = v;
        }
        if let Some(p) = edit.video_prompt {
            let p = text_field("the shot's prompt", &p)?;
            picture_changed |= p != sh.video_prompt;
            sh.video_prompt = p;
        }
        if let Some(p) = edit.priority {
            sh.clip_priority = p;
        }
        // The creator's own file stays whatever its words say; a generated picture follows its new description.
        let current = self.shot_media_of(&s.id, n, shot).await?;
        let redo = picture_changed && current.as_ref().is_some_and(|m| m.generator != CREATOR);
        let shots = [shot];
        let (takes, mut edit) = if redo {
            (
                self.copy_takes(&s.id, n, &[], &shots).await?,
                Redo::of(&[], &shots, &SHOT_REDO, vec![scene]),
            )
        } else {
            // A new priority (or words of a shot not made yet) applies when the shot is made; nothing made is lost.
            (
                PendingTakes::default(),
                Redo::of(&[], &[], &[], vec![scene]),
            )
        };
        edit.script = Some((&was, &script));
        let (stages, status, _) = self.commit_edit(&s, n, takes, edit, None).await?;
        self.shot_change(&s.id, n, shot, stages, status).await
    }

    /// Makes one shot again as a new take (a new seed; a new paid job where paid), setting the current take aside.
    /// The estimate in the reply is what the storyboard says the new take costs.
    ///
    /// # Errors
    /// As [`Engine::edit_shot`].
    pub async fn redo_shot(
        &self,
        series: &str,
        n: u32,
        shot: usize,
        reason: &str,
    ) -> Result<ShotChange, CoreError> {
        let (s, script) = self.series_and_script(series, n).await?;
        if shot >= script.storyboard.len() {
            return Err(shot_range(&s, n, shot, script.storyboard.len()));
        }
        self.open_for_edit(&s, n).await?;
        let shots = [shot];
        let takes = self.copy_takes(&s.id, n, &[], &shots).await?;
        let mut edit = Redo::of(&[], &shots, &SHOT_REDO, vec![script.storyboard[shot].scene]);
        edit.why.reason = reason.trim().to_string();
        // A new take: a new seed for offline stills (paid jobs got a new purpose when the old ones were retired).
        edit.new_seeds = &shots;
        let (stages, status, _) = self.commit_edit(&s, n, takes, edit, None).await?;
        self.shot_change(&s.id, n, shot, stages, status).await
    }

    /// Replaces a shot with the creator's own image or video clip (`file_name` tells which by its extension:
    /// png/jpg/jpeg are images, mp4/mov/webm/mkv clips). An image becomes the shot's still (the render moves it
    /// with Ken Burns, as long as the shot); a clip is used as it is (the render fits its shape by the framing policy). The shot is marked as
    /// the creator's, its earlier take is set aside, and the render runs again.
    ///
    /// # Errors
    /// As [`Engine::edit_shot`]; `invalid_input` for an empty or too large file, an unknown extension, or a file
    /// that does not decode as what its name says; `io` writing it.
    pub async fn replace_shot(
        &self,
        series: &str,
        n: u32,
        shot: usize,
        file_name: &str,
        content: &[u8],
    ) -> Result<ShotChange, CoreError> {
        let (s, script) = self.series_and_script(series, n).await?;
        if shot >= script.storyboard.len() {
            return Err(shot_range(&s, n, shot, script.storyboard.len()));
        }
        if content.is_empty() {
            return Err(CoreError::invalid(format!("{file_name} is empty")));
        }
        if content.len() > MAX_SHOT_FILE {
            return Err(CoreError::invalid(format!(
                "{file_name} is {} MB; a shot's file can be at most {} MB",
                content.len() / (1024 * 1024),
                MAX_SHOT_FILE / (1024 * 1024)
            )));
        }
        let ext = Path::new(file_name)
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let is_image = matches!(ext.as_str(), "png" | "jpg" | "jpeg");
        let is_clip = matches!(ext.as_str(), "mp4" | "mov" | "webm" | "mkv" | "m4v");
        if !is_image && !is_clip {
            return Err(CoreError::invalid(format!(
                "{file_name}: a shot can be replaced with an image (PNG, JPEG) or a video clip (MP4, MOV, WebM)"
            )));
        }
        self.open_for_edit(&s, n).await?;
        let (_, plan) = self.storyboard(&s.id, n).await?;
        let decision = plan
            .decisions
            .get(shot)
            .cloned()
            .ok_or_else(|| shot_range(&s, n, shot, plan.decisions.len()))?;
        // The new files are made (and checked) under names of their own before anything is set aside, so a file
        // that does not decode changes nothing.
        let dir = self
            .data_dir()
            .join(format!("series/{}/ep{n:03}/visuals", s.id));
        std::fs::create_dir_all(&dir).map_err(|e| CoreError::io(dir.display().to_string(), e))?;
        let stamp = now_ms();
        let rel = |p: &Path| {
            p.strip_prefix(self.data_dir())
                .unwrap_or(p)
                .to_string_lossy()
                .into_owned()
        };
        let media = if is_image {
            // A phone photo is stored sideways with an EXIF orientation: turn it upright as viewers do.
            let img = decode_upright(content).map_err(|e| {
                CoreError::invalid(format!("{file_name} is not an image we can read: {e}"))
            })?;
            let still = dir.join(format!("shot{shot:03}-own-{stamp}.png"));
            img.save(&still)
                .map_err(|e| CoreError::Internal(format!("saving {}: {e}", still.display())))?;
            // The render moves the still (Ken Burns) in the episode's one encode, as long as its slot.
            (still, PathBuf::new(), decision.duration_sec)
        } else {
            let clip = dir.join(format!("shot{shot:03}-own-{stamp}.{ext}"));
            std::fs::write(&clip, content)
                .map_err(|e| CoreError::io(clip.display().to_string(), e))?;
            let probe = clip.clone();
            let duration = tokio::task::spawn_blocking(move || {
                crate::voices::RenderMedia.video_duration(&probe)
            })
            .await
            .map_err(|e| CoreError::Internal(e.to_string()))?;
            match duration {
                Ok(d) if d > 0.0 => (PathBuf::new(), clip, d),
                other => {
                    let _ = std::fs::remove_file(&clip);
                    let why = match other {
                        Err(e) => e,
                        Ok(_) => "it has no frames".into(),
                    };
                    return Err(CoreError::invalid(format!(
                        "{file_name} is not a video clip we can read: {why}"
                    )));
                }
            }
        };
        let (still, clip, duration) = media;
        let source = if is_image { &still } else { &clip };
        let sha = studio_pipeline::artifact::sha256_file(source)
            .map_err(|e| CoreError::io(source.display().to_string(), e))?;
        let mut decision = decision;
        decision.reason = format!(
            "the creator's own {}",
            if is_image { "image" } else { "clip" }
        );
        decision.estimate_usd = 0.0;
        let m = ShotMedia {
            index: shot,
            decision,
            generator: CREATOR.into(),
            offline: true,
            still_path: if still.as_os_str().is_empty() {
                String::new()
            } else {
                rel(&still)
            },
            clip_path: if clip.as_os_str().is_empty() {
                String::new()
            } else {
                rel(&clip)
            },
            clip_sha256: sha.clone(),
            duration_sec: duration,
            cost_usd: 0.0,
            identity: None,
        };
        let json = serde_json::to_string(&m)
            .map_err(|e| CoreError::Internal(format!("shot media: {e}")))?;
        let mut takes = match self.copy_takes(&s.id, n, &[], &[shot]).await {
            Ok(t) => t,
            Err(e) => {
                // Nothing was set aside: the new file goes too, and nothing has changed.
                let _ = std::fs::remove_file(source);
                return Err(e);
            }
        };
        // The new file is the edit's too: removed with the copies if it is refused.
        takes.copies.push(source.clone());
        let edit = Redo::of(&[], &[], &AFTER_SHOT, vec![script.storyboard[shot].scene]);
        let (stages, status, _) = self
            .commit_edit(&s, n, takes, edit, Some((shot, json, sha)))
            .await?;
        self.shot_change(&s.id, n, shot, stages, status).await
    }

    async fn shot_media_of(
        &self,
        series_id: &str,
        n: u32,
        shot: usize,
    ) -> Result<Option<ShotMedia>, CoreError> {
        Ok(self
            .store()
            .shot_media_json(series_id, n)
            .await?
            .into_iter()
            .filter_map(|v| serde_json::from_value::<ShotMedia>(v).ok())
            .find(|m| m.index == shot))
    }

    async fn shot_change(
        &self,
        series_id: &str,
        n: u32,
        shot: usize,
        stages_reopened: Vec<Stage>,
        status: EpisodeStatus,
    ) -> Result<ShotChange, CoreError> {
        let (_, plan) = self.storyboard(series_id, n).await?;
        let made = self.shot_media_of(series_id, n, shot).await?.is_some();
        Ok(ShotChange {
            shot,
            estimate_usd: if made {
                0.0
            } else {
                plan.decisions.get(shot).map_or(0.0, |d| d.estimate_usd)
            },
            stages_reopened,
            status,
            takes: self
                .kept_takes(series_id, n)
                .await?
                .remove(&format!("shot:{shot}"))
                .unwrap_or_default(),
        })
    }

    /// Edits one script line (speaker, words, emotion), checks the script again and, when the line was voiced,
    /// sets its voice aside so it is voiced again (the render follows). Directions written inside the text
    /// (`(한숨) …`) are split off into the line's direction as when a script is accepted.
    ///
    /// # Errors
    /// `unknown_series`; `unknown_character` for a speaker the series does not have; `invalid_input` for an
    /// episode without a script, a line id it does not have, text with nothing to speak or over 600 characters, an
    /// approved episode or one whose stages are running; store errors.
    pub async fn edit_line(
        &self,
        series: &str,
        n: u32,
        line_id: &str,
        edit: LineEdit,
    ) -> Result<LineEditReport, CoreError> {
        let (s, mut script) = self.series_and_script(series, n).await?;
        let was = self.script_as_read(&s, n).await?;
        self.open_for_edit(&s, n).await?;
        let speaker = match &edit.character {
            Some(c) => Some(self.character_of(&s, c).await?.id),
            None => None,
        };
        // The stored speaker may be a name (as the writer gave it): compare who it is, not how it is written.
        let ids: std::collections::HashMap<String, String> = self
            .store()
            .characters(&s.id)
            .await?
            .into_iter()
            .flat_map(|c| [(c.name.clone(), c.id.clone()), (c.id.clone(), c.id)])
            .collect();
        let scene = script
            .scenes
            .iter()
            .find(|c| c.lines.iter().any(|l| l.id == line_id))
            .map_or(0, |c| c.number);
        let Some(line) = script
            .scenes
            .iter_mut()
            .flat_map(|c| c.lines.iter_mut())
            .find(|l| l.id == line_id)
        else {
            return Err(CoreError::invalid(format!(
                "{} episode {n} has no line {line_id}",
                s.title
            )));
        };
        let mut voice_changed = false;
        if let Some(id) = speaker
            && Some(&id) != ids.get(&line.character)
        {
            line.character = id;
            voice_changed = true;
        }
        if let Some(t) = &edit.text {
            let t = text_field("the line", t)?;
            let spoken = studio_domain::speech::split_directions(&t);
            if !spoken.is_speakable() {
                return Err(CoreError::invalid(
                    "the text has nothing to speak: write the words the character says (directions go in brackets)",
                ));
            }
            let direction = spoken.directions.join(", ");
            if spoken.text != line.text || direction != line.direction {
                voice_changed |= spoken.text != line.text;
                line.text = spoken.text;
                line.direction = direction;
            }
        }
        if let Some(e) = &edit.emotion {
            let e = text_field("the emotion", e)?;
            if e != line.emotion {
                line.emotion = e;
                voice_changed = true;
            }
        }
        let voiced = self
            .store()
            .line_audio(&s.id, n)
            .await?
            .iter()
            .any(|a| a.line_id == line_id);
        let lines = [line_id.to_string()];
        let (takes, mut redo) = if voice_changed && voiced {
            (
                self.copy_takes(&s.id, n, &lines, &[]).await?,
                Redo::of(&lines, &[], &LINE_REDO, vec![scene]),
            )
        } else {
            (
                PendingTakes::default(),
                Redo::of(&[], &[], &[], vec![scene]),
            )
        };
        redo.script = Some((&was, &script));
        let (stages, status, check) = self.commit_edit(&s, n, takes, redo, None).await?;
        let check = check
            .ok_or_else(|| CoreError::Internal("an edited script without its checks".into()))?;
        Ok(LineEditReport {
            script,
            check,
            stages_reopened: stages,
            status,
        })
    }

    /// Edits a character's profile. A new name replaces the old one in every stored script line that named the
    /// character by it (lines then name the character by id). A new appearance makes the reference still again the
    /// next time visuals run; a new voice profile changes only who casting picks after an unlock.
    ///
    /// # Errors
    /// `unknown_series`, `unknown_character`; `invalid_input` for an empty name or over-long text, or a name another
    /// character has; store errors.
    pub async fn edit_character(
        &self,
        series: &str,
        character: &str,
        edit: CharacterEdit,
    ) -> Result<Character, CoreError> {
        let s = self.store().find_series(series).await?;
        let mut c = self.character_of(&s, character).await?;
        let old_name = c.name.clone();
        if let Some(v) = edit.name {
            c.name = text_field("the name", &v)?;
        }
        if let Some(v) = edit.role {
            c.role = v.trim().to_string();
        }
        if let Some(v) = edit.occupation {
            c.occupation = v.trim().to_string();
        }
        if let Some(v) = edit.personality {
            c.personality = v
                .iter()
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect();
        }
        let mut look_changed = false;
        if let Some(v) = edit.appearance {
            let v = v.trim().to_string();
            let v = (!v.is_empty()).then_some(v);
            look_changed = v != c.appearance_profile.description;
            c.appearance_profile.description = v;
        }
        // A value the writer produced (and the form sends back unchanged) is kept as it is; a new one is checked.
        if let Some(g) = edit.gender.filter(|g| *g != c.voice_profile.gender) {
            if !matches!(g.as_str(), "male" | "female") {
                return Err(CoreError::invalid(format!(
                    "gender `{g}`: use male or female"
                )));
            }
            c.voice_profile.gender = g;
        }
        if let Some(a) = edit.age_group.filter(|a| *a != c.voice_profile.age_group) {
            if !matches!(
                a.as_str(),
                "young" | "young_adult" | "adult" | "middle_age" | "senior"
            ) {
                return Err(CoreError::invalid(format!(
                    "age group `{a}`: use young, young_adult, adult, middle_age or senior"
                )));
            }
            c.voice_profile.age_group = a;
        }
        if let Some(t) = edit.tone {
            c.voice_profile.tone = text_field("the tone", &t)?;
        }
        // The creator's own reference (uploaded or chosen) stays when the look's words change: it is what the
        // creator wants the character to look like.
        let refs = self.store().references_in_use(&s.id).await?;
        let own_reference = refs
            .get(&c.id)
            .is_some_and(|(_, g)| studio_store::is_creators_reference(g));
        if look_changed && !own_reference {
            // The reference still is made again from the new look: the old file is kept beside it (in
            // `refs/takes`), and its paid job (if any) is retired so a new one is sent rather than the old picture
            // fetched again — refused, with nothing changed, while pictures are being made or a paid reference is
            // unsettled.
            let key = studio_store::references_key(&s.id);
            let mut pending = PendingTakes::default();
            if let Some((path, _)) = refs.get(&c.id) {
                let dir = self.data_dir().join(format!("series/{}/refs/takes", s.id));
                self.copy_aside(path, &dir, 1, &mut pending)?;
            }
            if let Err(e) = self
                .store()
                .retire_reference(
                    &s.id,
                    &key,
                    &c.id,
                    &format!("ref:{}", c.id),
                    &format!("look{}", now_ms()),
                )
                .await
            {
                pending.discard();
                return Err(e.into());
            }
        }
        self.store().update_character(&s.id, &c).await?;
        if c.name != old_name {
            self.rename_in_scripts(&s.id, &old_name, &c.id).await?;
        }
        Ok(c)
    }

    /// Every reference to a character by its old name (a line's speaker, a scene's cast, a development's subject,
    /// either side of a relationship change) names it by id instead, in the scripts of episodes still open to
    /// edits; titles, summaries and the words of lines are the writer's text and stay as written. Approved and
    /// published scripts stay as they were made.
    async fn rename_in_scripts(
        &self,
        series_id: &str,
        old_name: &str,
        id: &str,
    ) -> Result<(), CoreError> {
        fn swap(field: &mut String, old: &str, id: &str) -> bool {
            let hit = field == old;
            if hit {
                *field = id.to_string();
            }
            hit
        }
        fn rename(script: &mut studio_domain::EpisodeScript, old: &str, id: &str) -> bool {
            let mut changed = false;
            for scene in &mut script.scenes {
                for c in &mut scene.characters {
                    changed |= swap(c, old, id);
                }
                for l in &mut scene.lines {
                    changed |= swap(&mut l.character, old, id);
                }
            }
            for d in &mut script.character_developments {
                changed |= swap(&mut d.character, old, id);
            }
            for r in &mut script.relationship_changes {
                changed |= swap(&mut r.a, old, id);
                changed |= swap(&mut r.b, old, id);
            }
            changed
        }
        for e in self.store().episodes(series_id).await? {
            if matches!(
                e.status,
                EpisodeStatus::Approved | EpisodeStatus::Scheduled | EpisodeStatus::Published
            ) {
                continue;
            }
            let Some(v) = self.store().script(series_id, e.number).await? else {
                continue;
            };
            if v.is_null() {
                continue;
            }
            let mut script: studio_domain::EpisodeScript =
                serde_json::from_value(v).map_err(|err| {
                    CoreError::Store(studio_store::StoreError::Corrupt {
                        what: format!("the script of episode {}", e.number),
                        detail: err.to_string(),
                    })
                })?;
            if !rename(&mut script, old_name, id) {
                continue;
            }
            let v = serde_json::to_value(&script)
                .map_err(|err| CoreError::Internal(format!("script: {err}")))?;
            let report = self.store().check_report(series_id, e.number).await?;
            self.store()
                .save_script(series_id, e.number, &v, report.as_ref())
                .await?;
        }
        Ok(())
    }

    /// The voices a character can be given, best fit first (every configured provider's voices; offline voices
    /// always).
    ///
    /// # Errors
    /// `unknown_series`, `unknown_character`; keyring errors reading the providers' keys; store errors.
    pub async fn voice_choices(
        &self,
        series: &str,
        character: &str,
    ) -> Result<Vec<VoiceChoice>, CoreError> {
        let s = self.store().find_series(series).await?;
        let c = self.character_of(&s, character).await?;
        let pricing = studio_pipeline::Pricing::bundled();
        let (pool, _) = self.voice_stage(&pricing).await?.voice_pool().await;
        let (cast, _) = self.store().cast(&s.id).await?;
        let now = cast.iter().find(|e| e.character_id == c.id);
        let mut out: Vec<VoiceChoice> = pool
            .into_iter()
            .map(|v| VoiceChoice {
                match_score: studio_pipeline::voice::match_score(&c, &v),
                current: now.is_some_and(|e| {
                    e.primary.provider == v.provider && e.primary.voice_id == v.voice_id
                }),
                voice: v,
            })
            .collect();
        out.sort_by(|a, b| {
            b.current
                .cmp(&a.current)
                .then(b.match_score.total_cmp(&a.match_score))
                .then(a.voice.name.cmp(&b.voice.name))
        });
        Ok(out)
    }

    /// Gives a character the voice the creator picked (the cast must be unlocked). The earlier voice stays as the
    /// first fallback when it is another provider's; the character's modulation is kept. Lines voiced already keep
    /// their audio until they are redone.
    ///
    /// # Errors
    /// `unknown_series`, `unknown_character`; `cast_locked` while the cast is locked; `invalid_input` for a voice the
    /// providers do not offer; keyring and store errors.
    pub async fn set_voice(
        &self,
        series: &str,
        character: &str,
        provider: studio_domain::TtsProvider,
        voice_id: &str,
    ) -> Result<crate::CastView, CoreError> {
        let choices = self.voice_choices(series, character).await?;
        let s = self.store().find_series(series).await?;
        let found = self.character_of(&s, character).await?;
        let Some(pick) = choices
            .iter()
            .find(|c| c.voice.provider == provider && c.voice.voice_id == voice_id)
        else {
            return Err(CoreError::invalid(format!(
                "no {provider} voice {voice_id} is available for {}",
                found.name
            )));
        };
        let (cast, _) = self.store().cast(&s.id).await?;
        let old = cast.into_iter().find(|e| e.character_id == found.id);
        let modulation = old
            .as_ref()
            .map_or(Modulation::NEUTRAL, |e| e.primary.modulation);
        let primary = VoiceAssignment {
            provider,
            voice_id: voice_id.to_string(),
            voice_name: pick.voice.name.clone(),
            modulation,
            match_score: pick.match_score,
        };
        let mut fallbacks: Vec<VoiceAssignment> = Vec::new();
        if let Some(o) = old {
            for a in std::iter::once(o.primary).chain(o.fallbacks) {
                if a.provider != provider && !fallbacks.iter().any(|f| f.provider == a.provider) {
                    fallbacks.push(a);
                }
            }
        }
        self.store()
            .set_cast_entry(
                &s.id,
                &CastEntry {
                    character_id: found.id.clone(),
                    primary,
                    fallbacks,
                },
            )
            .await?;
        self.cast_view(&s.id, Vec::new()).await
    }
}

impl Engine {
    /// A series' character by id or name.
    pub(crate) async fn character_of(
        &self,
        s: &Series,
        reference: &str,
    ) -> Result<Character, CoreError> {
        let r = reference.trim();
        self.store()
            .characters(&s.id)
            .await?
            .into_iter()
            .find(|c| c.id == r || c.name == r)
            .ok_or_else(|| {
                studio_store::StoreError::UnknownCharacter {
                    series: s.title.clone(),
                    reference: r.to_string(),
                }
                .into()
            })
    }
}

/// An image file as viewers see it: a phone photo stored sideways with an EXIF orientation is turned upright.
///
/// # Errors
/// The bytes are not an image the studio reads (PNG, JPEG).
pub(crate) fn decode_upright(content: &[u8]) -> Result<image::DynamicImage, image::ImageError> {
    use image::ImageDecoder as _;
    let mut decoder = image::ImageReader::new(std::io::Cursor::new(content))
        .with_guessed_format()?
        .into_decoder()?;
    let orientation = decoder.orientation()?;
    let mut img = image::DynamicImage::from_decoder(decoder)?;
    img.apply_orientation(orientation);
    Ok(img)
}

fn shot_range(s: &Series, n: u32, shot: usize, count: usize) -> CoreError {
    CoreError::invalid(format!(
        "{} episode {n} has shots 1–{count}, not {}",
        s.title,
        shot + 1
    ))
}
