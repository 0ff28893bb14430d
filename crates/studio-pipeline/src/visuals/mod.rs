//! Visuals: the storyboard with durations from the measured audio, the priority router with a credit budget (the
//! autoworker's clip_priority + budget_credits_per_video done properly), and the visuals stage that gives every shot
//! a picture — never a missing shot: video → still → offline still. Stills stay stills: the render moves them (Ken
//! Burns) in the episode's one encode, so no intermediate clip is made for them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use studio_domain::{ClipPriority, CostEntry, EpisodeScript};
use studio_store::Store;
use tokio::sync::Semaphore;

use crate::Pricing;
use crate::artifact::sha256_file;
use crate::stage::StageError;

mod identity;
mod routing;

pub use identity::*;
pub use routing::*;

#[derive(Debug, Clone, PartialEq)]
pub struct StillRequest {
    pub prompt: String,
    pub visual: String,
    pub location: String,
    pub time: String,
    pub emotion: String,
    pub people: usize,
    pub seed: u64,
    pub width: u32,
    pub height: u32,
    /// The characters the shot shows (ids), whose references a reference model is given.
    pub characters: Vec<String>,
    /// What those characters wear when the story changed their clothes (character id → [`Worn`],
    /// [`shot_outfits`]).
    pub outfits: std::collections::BTreeMap<String, Worn>,
}

/// The reference file to give a model for a character in a shot: the reference of the outfit they wear when the
/// creator made one, else their usual reference. The flag says whether the picture shows the clothes the shot
/// wants (the usual reference does when they wear their usual look).
fn reference_for<'a>(
    ref_paths: &'a HashMap<String, String>,
    id: &str,
    outfit: Option<&Worn>,
) -> Option<(&'a String, bool)> {
    if let Some(o) = outfit
        && let Some(p) = ref_paths.get(&studio_store::reference_slot(id, &o.outfit))
    {
        return Some((p, true));
    }
    ref_paths.get(id).map(|p| (p, outfit.is_none()))
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VisualError {
    #[error("{provider}: {message}")]
    Failed { provider: String, message: String },
}

/// A still image generator (FLUX on fal, the Hugging Face router, the offline procedural one).
#[async_trait]
pub trait StillGen: Send + Sync {
    fn id(&self) -> String;
    fn is_offline(&self) -> bool;
    /// Writes the image to `out` (PNG or JPEG); returns what it cost.
    async fn still(&self, req: &StillRequest, out: &Path) -> Result<f64, VisualError>;
}

/// Reading a video file's length, implemented by the engine over the render crate (in-process FFmpeg). Stills are
/// not encoded here: the render moves them in the episode's one encode.
pub trait ClipProbe: Send + Sync {
    /// The length of a video file (a generated clip), seconds.
    ///
    /// # Errors
    /// The file does not open or decode as video.
    fn video_duration(&self, path: &Path) -> Result<f64, String>;
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ShotMedia {
    pub index: usize,
    pub decision: RouteDecision,
    /// The still's generator ("offline-procedural", "fal-ai/flux/schnell", …) and whether it ran offline.
    pub generator: String,
    pub offline: bool,
    /// The still (for a video shot, its keyframe), relative to the data directory; empty for the creator's clip.
    pub still_path: String,
    /// The video clip: an AI clip or the creator's own. Empty for a still, which the render moves itself (Ken
    /// Burns, exactly as long as its slot). Data made before that may hold an encoded Ken Burns clip here: it is
    /// not used while its still is there ([`ShotMedia::drawn_from_still`]).
    pub clip_path: String,
    /// The SHA-256 of the file the shot is drawn from ([`ShotMedia::source`]): the clip, or the still.
    pub clip_sha256: String,
    /// Seconds of picture: the clip's length, or the slot a still fills.
    pub duration_sec: f64,
    pub cost_usd: f64,
    /// For a shot with characters: whether their references made the picture, and its drift check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<ShotIdentity>,
}

impl ShotMedia {
    /// Whether the render draws this shot from its still (Ken Burns) rather than playing a clip: every still, the
    /// creator's image, and a video shot whose clip was not made (its keyframe moves instead). Only an AI clip
    /// (made by the video model its route named) and the creator's own clip are played.
    pub fn drawn_from_still(&self) -> bool {
        if self.still_path.is_empty() {
            return false;
        }
        !matches!(&self.decision.route, Route::Video { model, .. } if *model == self.generator)
    }

    /// The file the shot is drawn from, relative to the data directory: its still when drawn from it, else its
    /// clip.
    pub fn source(&self) -> &str {
        if self.drawn_from_still() || self.clip_path.is_empty() {
            &self.still_path
        } else {
            &self.clip_path
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct VisualsReport {
    pub series_id: String,
    pub episode: u32,
    pub shots: usize,
    pub made_now: usize,
    pub already_done: usize,
    pub offline_stills: usize,
    pub failed: Vec<crate::ShotFailure>,
    pub notes: Vec<String>,
    pub total_duration_sec: f64,
    pub cost_usd: f64,
}

pub struct VisualsStage<'a> {
    /// fal (FLUX stills and Kling video) when configured: paid, write-ahead jobs.
    pub remote: Option<Arc<dyn crate::remote::RemoteProvider>>,
    /// Deadline per paid job (video: 30 minutes is reasonable).
    pub deadline: std::time::Duration,
    pub stills: Vec<Arc<dyn StillGen>>,
    pub clips: Arc<dyn ClipProbe>,
    pub store: &'a Store,
    pub data_dir: PathBuf,
    pub pricing: &'a Pricing,
    pub cfg: VisualConfig,
    /// Daily and per-provider spending caps, checked atomically when a paid job's cost is reserved.
    pub caps: Vec<studio_store::SpendCap>,
}

impl VisualsStage<'_> {
    fn available(&self) -> Available {
        Available {
            video: self.remote.is_some(),
            paid_stills: self.remote.is_some() || self.stills.iter().any(|s| !s.is_offline()),
            references: self.remote.is_some() && self.cfg.references,
        }
    }

    /// The FLUX Kontext multi-image input for a shot's still or keyframe: the prompt asks the model to keep the
    /// people of the reference images as they are and to take the look from the last image (the style image).
    /// Schema: fal.ai/models/fal-ai/flux-pro/kontext/multi (prompt, image_urls, aspect_ratio, seed, num_images,
    /// output_format, safety_tolerance).
    fn reference_input(
        &self,
        req: &StillRequest,
        image_urls: &[String],
        style: bool,
        clothes: bool,
    ) -> serde_json::Value {
        let people = image_urls.len() - usize::from(style);
        // When someone wears an outfit no reference shows, the references give faces and hair; the prompt the
        // clothes.
        let (what, dress) = if clothes {
            (", hair and clothes", "")
        } else {
            (" and hair", " Dress them as described.")
        };
        let keep = match people {
            0 => String::new(),
            1 => format!("Keep the face{what} of the person in the first image exactly.{dress} "),
            k => format!(
                "Keep the faces{what} of the people in the first {k} images exactly.{dress} "
            ),
        };
        let look = if style {
            "Match the colour grade and lighting of the last image. "
        } else {
            ""
        };
        serde_json::json!({
            "prompt": format!("{keep}{look}{}", req.prompt),
            "image_urls": image_urls,
            "aspect_ratio": "16:9",
            "seed": req.seed % (i32::MAX as u64),
            "num_images": 1,
            "output_format": "png",
            "safety_tolerance": "2"
        })
    }

    /// The provider URL of a local reference file: uploaded once per content (the store remembers each upload by
    /// the file's SHA-256) and uploaded again only when the copy is older than [`UPLOAD_REUSE_DAYS`].
    ///
    /// # Errors
    /// The file cannot be read, or the upload failed (with the provider's reason).
    pub async fn reference_url(&self, rel: &str) -> Result<String, String> {
        let Some(remote) = &self.remote else {
            return Err("no provider to upload to".into());
        };
        let path = self.data_dir.join(rel);
        let sha = sha256_file(&path).map_err(|e| format!("{rel}: {e}"))?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let provider = remote.name().to_string();
        if let Some((url, at)) = self
            .store
            .reference_upload(&sha, &provider)
            .await
            .map_err(|e| e.to_string())?
            && now - at < UPLOAD_REUSE_DAYS * 24 * 3600 * 1000
        {
            return Ok(url);
        }
        let bytes = std::fs::read(&path).map_err(|e| format!("{rel}: {e}"))?;
        let kind = if rel.ends_with(".jpg") || rel.ends_with(".jpeg") {
            "image/jpeg"
        } else {
            "image/png"
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "reference.png".into());
        let url = remote
            .upload(bytes, kind, &name)
            .await
            .map_err(|e| format!("uploading {rel}: {e}"))?;
        self.store
            .save_reference_upload(&sha, &provider, &url, now)
            .await
            .map_err(|e| e.to_string())?;
        Ok(url)
    }

    /// The series look, locked on first use: the words come from `[visuals] look` (or the imported seed
    /// settings' `visual_style.prefix`), and — when reference models are used — the style image is one establishing
    /// frame in that look, a paid FLUX still, kept in `series/<id>/look.png` (tried again on the next run when it
    /// was not made; made again from the same seed if the file is lost).
    ///
    /// # Errors
    /// The store's.
    pub async fn ensure_look(&self, series_id: &str) -> Result<SeriesLook, StageError> {
        let key = format!("look/{series_id}");
        let locked = self.store.setting::<SeriesLook>(&key).await?;
        let wants_image = self.available().references;
        if let Some(look) = &locked
            && (!wants_image
                || (!look.style_image.is_empty()
                    && self.data_dir.join(&look.style_image).is_file()))
        {
            return Ok(look.clone());
        }
        let imported: Option<serde_json::Value> = self.store.setting("visual_style").await?;
        let from_seed = |k: &str| {
            imported
                .as_ref()
                .and_then(|v| v.get(k))
                .and_then(|v| v.as_str())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let (words, negative) = match &locked {
            Some(l) => (l.words.clone(), l.negative.clone()),
            None => (
                from_seed("prefix").unwrap_or_else(|| self.cfg.look.clone()),
                from_seed("negative").unwrap_or_else(|| self.cfg.negative.clone()),
            ),
        };
        if !wants_image {
            let look = SeriesLook {
                words,
                negative,
                style_image: String::new(),
                generator: String::new(),
            };
            self.store.set_setting(&key, &look).await?;
            return Ok(look);
        }
        let path = self.data_dir.join(format!("series/{series_id}/look.png"));
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d)
                .map_err(|e| StageError::Invalid(format!("creating {}: {e}", d.display())))?;
        }
        let req = StillRequest {
            prompt: format!("An establishing frame of a Korean drama, {words}"),
            visual: "시리즈 룩".into(),
            location: "도시".into(),
            time: "저녁".into(),
            emotion: "평온".into(),
            people: 0,
            seed: crate::artifact::seed_for(series_id, 0, 999_983),
            width: 1024,
            height: 576,
            characters: Vec::new(),
            outfits: Default::default(),
        };
        // Only a generated frame in the look is worth locking: an offline picture would set every still's colour
        // grade. When the paid frame is not made this time, the words are kept and the image is tried next run.
        let (style_image, generator) = match self
            .paid_still(series_id, 0, "look", &req, &path)
            .await
            .map_err(StageError::Invalid)?
        {
            Ok(_) => (
                format!("series/{series_id}/look.png"),
                self.cfg.still_model.clone(),
            ),
            Err(miss) => {
                tracing::warn!(reason = %miss.reason, "the series' style image was not made; shots go without it this time");
                (String::new(), String::new())
            }
        };
        let look = SeriesLook {
            words,
            negative,
            style_image,
            generator,
        };
        self.store.set_setting(&key, &look).await?;
        Ok(look)
    }

    /// The FLUX input for a shot's still or keyframe.
    fn flux_input(&self, req: &StillRequest) -> serde_json::Value {
        serde_json::json!({
            "prompt": req.prompt,
            "image_size": { "width": req.width, "height": req.height },
            "num_inference_steps": 4,
            "seed": req.seed % (i32::MAX as u64),
            "num_images": 1,
            "output_format": "png",
            "enable_safety_checker": true
        })
    }

    /// A paid FLUX still through the write-ahead runner: its URL and cost, or why not (no paid still provider, a
    /// cap, a failure) — the caller falls back and records the reason.
    ///
    /// # Errors
    /// The store's error (the outer `Err`).
    async fn paid_still(
        &self,
        series_id: &str,
        n: u32,
        purpose: &str,
        req: &StillRequest,
        out: &Path,
    ) -> Result<Result<(String, f64), PaidMiss>, String> {
        let model = self.cfg.still_model.clone();
        let estimate = self
            .pricing
            .image_cost(&model, req.width, req.height)
            .unwrap_or(0.0);
        self.paid_image(
            series_id,
            n,
            purpose,
            &model,
            &self.flux_input(req),
            estimate,
            out,
        )
        .await
    }

    /// One paid image job (`model` with `input`, reserved at `estimate`) through the write-ahead runner.
    ///
    /// # Errors
    /// The store's error (the outer `Err`).
    #[allow(clippy::too_many_arguments)]
    async fn paid_image(
        &self,
        series_id: &str,
        n: u32,
        purpose: &str,
        model: &str,
        input: &serde_json::Value,
        estimate: f64,
        out: &Path,
    ) -> Result<Result<(String, f64), PaidMiss>, String> {
        let Some(remote) = &self.remote else {
            return Ok(Err(PaidMiss {
                reason: "is not set up".into(),
                limit: None,
                attention: false,
            }));
        };
        let runner = crate::remote::RemoteRunner {
            store: self.store,
            provider: remote.as_ref(),
            deadline: self.deadline,
            caps: &self.caps,
        };
        match runner
            .run(series_id, n, purpose, model, input, estimate, out)
            .await
            .map_err(|e| e.to_string())?
        {
            crate::remote::JobEnd::Done { url, .. } => Ok(Ok((url, estimate))),
            other => {
                tracing::warn!(purpose, ?other, "paid still did not complete; falling back");
                let miss = |reason: String, limit, attention| PaidMiss {
                    reason,
                    limit,
                    attention,
                };
                Ok(Err(match other {
                    crate::remote::JobEnd::OverCap { reason, limit } => {
                        miss(reason, Some(limit), false)
                    }
                    crate::remote::JobEnd::Failed { reason } => {
                        miss(format!("failed: {reason}"), None, false)
                    }
                    crate::remote::JobEnd::Refused { reason } => {
                        miss(format!("was not sent: {reason}"), None, false)
                    }
                    crate::remote::JobEnd::Stuck { reason }
                    | crate::remote::JobEnd::Unknown { reason } => {
                        miss(format!("needs attention: {reason}"), None, true)
                    }
                    crate::remote::JobEnd::Done { .. } => miss(String::new(), None, false),
                }))
            }
        }
    }

    async fn script(&self, series_id: &str, n: u32) -> Result<EpisodeScript, StageError> {
        match self.store.script(series_id, n).await? {
            Some(v)
                if !v.is_null() && self.store.recorded_episodes(series_id).await?.contains(&n) =>
            {
                serde_json::from_value(v).map_err(|e| {
                    StageError::Invalid(format!("the script of episode {n} is unreadable: {e}"))
                })
            }
            _ => Err(StageError::StepMissing(format!(
                "episode {n} of {series_id} has no accepted script; write it first"
            ))),
        }
    }

    /// The storyboard with measured durations and each shot's route, reason and estimate.
    pub async fn storyboard(
        &self,
        series_id: &str,
        n: u32,
    ) -> Result<(EpisodeScript, RoutePlan), StageError> {
        let script = self.script(series_id, n).await?;
        let audio = self.store.line_audio(series_id, n).await?;
        let durations = shot_durations(&script, &audio, self.cfg.default_shot_sec);
        let characters = self.store.characters(series_id).await?;
        let cast = shot_casts(&script, &characters);
        let plan = plan_routes(
            &script.storyboard,
            &durations,
            &cast.iter().map(Vec::len).collect::<Vec<_>>(),
            &self.cfg,
            self.pricing,
            self.available(),
            0.0,
        );
        Ok((script, plan))
    }

    /// One reference image per character for the series, made once and kept (`series/<id>/refs/<character>.png`):
    /// FLUX when fal is configured (a write-ahead paid job), the offline generator otherwise. Returns
    /// (character id, path, generator).
    pub async fn ensure_references(
        &self,
        series_id: &str,
    ) -> Result<Vec<(String, String, String)>, StageError> {
        let characters = self.store.characters(series_id).await?;
        let dir = self.data_dir.join(format!("series/{series_id}/refs"));
        std::fs::create_dir_all(&dir)
            .map_err(|e| StageError::Invalid(format!("creating {}: {e}", dir.display())))?;
        let known = self.store.references_in_use(series_id).await?;
        let mut out = Vec::new();
        for (i, c) in characters.iter().enumerate() {
            let path = dir.join(format!("{}.png", c.id));
            if let Some((p, g)) = known.get(&c.id) {
                if self.data_dir.join(p).is_file() {
                    out.push((c.id.clone(), p.clone(), g.clone()));
                    continue;
                }
                // The creator's own picture is never replaced by a generated one behind their back.
                if studio_store::is_creators_reference(g) {
                    return Err(StageError::Invalid(format!(
                        "the reference image of {} ({p}) is missing from the data folder; upload it again or \
                         use another version on the casting screen",
                        c.name
                    )));
                }
            }
            let req = portrait_request(series_id, c, i as u32);
            let generator = match self
                .paid_still(series_id, 0, &format!("ref:{}", c.id), &req, &path)
                .await
                .map_err(StageError::Invalid)?
            {
                Ok(_) => self.cfg.still_model.clone(),
                Err(_) => {
                    let g =
                        self.stills.iter().find(|g| g.is_offline()).ok_or_else(|| {
                            StageError::Invalid("no offline still generator".into())
                        })?;
                    g.still(&req, &path)
                        .await
                        .map_err(|e| StageError::Invalid(e.to_string()))?;
                    g.id()
                }
            };
            let rel = path
                .strip_prefix(&self.data_dir)
                .unwrap_or(&path)
                .to_string_lossy()
                .into_owned();
            // Recorded only if the entry is still what was read: a reference the creator set meanwhile wins.
            if self
                .store
                .record_generated_reference(series_id, &c.id, known.get(&c.id), &rel, &generator)
                .await?
            {
                out.push((c.id.clone(), rel, generator));
            } else if let Some((p, g)) =
                self.store.references_in_use(series_id).await?.remove(&c.id)
            {
                out.push((c.id.clone(), p, g));
            }
        }
        Ok(out)
    }

    /// `count` candidate reference portraits of a character for the creator to choose from (batch `batch` of the
    /// series), written to `dir` as `<batch>-<k>.png`: paid FLUX stills when fal is configured (one write-ahead job
    /// each, never paid twice for the same batch), the offline generator's otherwise or when one fails. For an
    /// outfit (`outfit` in the story's words, `words` for the models), full-length pictures in it: from FLUX
    /// Kontext given the character's usual reference when there is one and reference models are on (so the face
    /// stays), else from words. Returns the files (relative to the data directory), what made them (generator ids,
    /// joined with ", "), and what they cost (USD).
    ///
    /// # Errors
    /// The store's, the folder cannot be made, or no still generator could make a candidate.
    #[allow(clippy::too_many_arguments)]
    pub async fn reference_candidates(
        &self,
        series_id: &str,
        character: &studio_domain::Character,
        outfit: &str,
        words: &str,
        batch: u32,
        count: usize,
        dir: &Path,
    ) -> Result<(Vec<String>, String, f64), StageError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StageError::Invalid(format!("creating {}: {e}", dir.display())))?;
        // An outfit's candidates keep the face of the character's usual reference when a reference model can be
        // given it (FLUX Kontext); otherwise they are drawn from the words.
        let usual = if outfit.is_empty() || !self.available().references {
            None
        } else {
            let refs = self.store.references_in_use(series_id).await?;
            match refs
                .get(&character.id)
                .filter(|(p, _)| self.data_dir.join(p).is_file())
            {
                Some((p, _)) => match self.reference_url(p).await {
                    Ok(u) => Some(u),
                    Err(e) => {
                        tracing::warn!(error = %e, "the usual reference could not be uploaded; the outfit candidates are drawn from words");
                        None
                    }
                },
                None => None,
            }
        };
        let mut files = Vec::new();
        let mut generators = Vec::new();
        let mut cost = 0.0;
        for k in 0..count {
            let mut req = if outfit.is_empty() {
                portrait_request(series_id, character, 0)
            } else {
                outfit_request(series_id, character, outfit, words, 0)
            };
            req.seed = crate::artifact::seed_for(series_id, batch, 10_000 + k as u32);
            let out = dir.join(format!("{batch}-{k}.png"));
            // ASCII only: the outfit by its tag, never its words (they become the paid job's tag at fal).
            let purpose = format!(
                "ref-candidate:{}:{batch}:{k}",
                studio_store::look_key(&character.id, outfit)
            );
            let paid = match &usual {
                Some(url) => {
                    let model = self.cfg.reference_still_model.clone();
                    let estimate = self
                        .pricing
                        .image_cost(&model, req.width, req.height)
                        .unwrap_or(0.0);
                    let input = self.reference_input(&req, std::slice::from_ref(url), false, false);
                    self.paid_image(series_id, 0, &purpose, &model, &input, estimate, &out)
                        .await
                        .map(|r| r.map(|(u, c)| (u, c, model)))
                }
                None => self
                    .paid_still(series_id, 0, &purpose, &req, &out)
                    .await
                    .map(|r| r.map(|(u, c)| (u, c, self.cfg.still_model.clone()))),
            };
            let generator = match paid.map_err(StageError::Invalid)? {
                Ok((_, c, model)) => {
                    cost += c;
                    model
                }
                Err(_) => {
                    let g =
                        self.stills.iter().find(|g| g.is_offline()).ok_or_else(|| {
                            StageError::Invalid("no offline still generator".into())
                        })?;
                    g.still(&req, &out)
                        .await
                        .map_err(|e| StageError::Invalid(e.to_string()))?;
                    g.id()
                }
            };
            generators.push(generator);
            files.push(
                out.strip_prefix(&self.data_dir)
                    .unwrap_or(&out)
                    .to_string_lossy()
                    .into_owned(),
            );
        }
        generators.sort();
        generators.dedup();
        Ok((files, generators.join(", "), cost))
    }

    /// Makes a clip for every shot that has none yet (or whose clip is damaged).
    pub async fn make_visuals(&self, series_id: &str, n: u32) -> Result<VisualsReport, StageError> {
        let (script, plan) = self.storyboard(series_id, n).await?;
        let existing: HashMap<usize, ShotMedia> = self
            .shot_media(series_id, n)
            .await?
            .into_iter()
            .map(|m| (m.index, m))
            .collect();
        let mut report = VisualsReport {
            series_id: series_id.into(),
            episode: n,
            shots: script.storyboard.len(),
            ..Default::default()
        };
        if !self.available().video
            && plan
                .decisions
                .iter()
                .any(|d| d.priority == ClipPriority::High)
        {
            report.notes.push(
                "no video provider is configured: high-priority shots are stills with Ken Burns"
                    .into(),
            );
        }
        let dir = self
            .data_dir
            .join(format!("series/{series_id}/ep{n:03}/visuals"));
        std::fs::create_dir_all(&dir)
            .map_err(|e| StageError::Invalid(format!("creating {}: {e}", dir.display())))?;
        let sem = Arc::new(Semaphore::new(self.cfg.parallel.max(1)));
        let scenes: HashMap<u32, &studio_domain::Scene> =
            script.scenes.iter().map(|s| (s.number, s)).collect();
        // Characters look the same in every shot: their reference exists, and their appearance goes into the prompt.
        let refs = self.ensure_references(series_id).await?;
        report
            .notes
            .push(format!("{} character references ready", refs.len()));
        let characters = self.store.characters(series_id).await?;
        let mut ref_paths: HashMap<String, String> =
            refs.into_iter().map(|(id, path, _)| (id, path)).collect();
        let looks: HashMap<&str, &str> = characters
            .iter()
            .map(|c| {
                let d = c.appearance_profile.description.as_deref().unwrap_or("");
                (c.id.as_str(), d)
            })
            .filter(|(_, d)| !d.is_empty())
            .collect();
        let casts = shot_casts(&script, &characters);
        let before = self
            .store
            .outfits_as_of(series_id, n.saturating_sub(1))
            .await?;
        let outfits = shot_outfits(&script, &characters, &casts, &before);
        // The creator's references of the outfits the story dresses characters in (slots `<id>@<outfit>`). Like a
        // usual one, a missing file is never replaced behind the creator's back: an episode whose shots wear that
        // outfit stops and says so; other episodes go on.
        for (slot, (p, _)) in self.store.references_in_use(series_id).await? {
            let Some((id, outfit)) = slot.split_once('@') else {
                continue;
            };
            if self.data_dir.join(&p).is_file() {
                ref_paths.insert(slot, p);
            } else if outfits
                .iter()
                .any(|m| m.get(id).is_some_and(|w| w.outfit == outfit))
            {
                let name = characters
                    .iter()
                    .find(|c| c.id == id)
                    .map_or(id, |c| c.name.as_str());
                return Err(StageError::Invalid(format!(
                    "the reference image of {name} in \"{outfit}\" ({p}) is missing from the data folder; upload \
                     it again or use another version on the casting screen"
                )));
            }
        }
        // The series look: its words go into every prompt; its style image goes to the reference models.
        let look = self.ensure_look(series_id).await?;
        // Drift retries are not in the plan: they may use what the plan leaves of the episode's limit, no more.
        let retry_allowance = std::sync::Mutex::new(
            (self.cfg.budget_per_episode_usd.min(self.cfg.hard_cap_usd)
                - plan.estimated_usd
                - plan.spent_before_usd)
                .max(0.0),
        );
        // The references the shots will name go up first, one at a time, so shots made in parallel never upload
        // the same file twice; a failure here is met again (and reported) by the shot that needs the file.
        if self.available().references {
            let mut wanted: Vec<&String> = plan
                .decisions
                .iter()
                .filter(|d| {
                    matches!(
                        d.references,
                        Some(ReferenceRoute::Still { .. } | ReferenceRoute::Video { .. })
                    )
                })
                .flat_map(|d| {
                    let (wears, paths) = (outfits.get(d.index), &ref_paths);
                    casts
                        .get(d.index)
                        .into_iter()
                        .flatten()
                        .filter_map(move |id| {
                            reference_for(paths, id, wears.and_then(|w| w.get(id))).map(|(p, _)| p)
                        })
                })
                .collect();
            wanted.sort();
            wanted.dedup();
            if !wanted.is_empty() && !look.style_image.is_empty() {
                wanted.push(&look.style_image);
            }
            for rel in wanted {
                if let Err(e) = self.reference_url(rel).await {
                    tracing::warn!(error = %e, "a reference could not be uploaded");
                }
            }
        }
        // Shots regenerated in review get a new take: a new seed (and, for paid shots, a new job).
        let takes: std::collections::BTreeMap<usize, u32> = self
            .store
            .setting(&format!("takes/{series_id}/{n}"))
            .await?
            .unwrap_or_default();
        let mut jobs = Vec::new();
        for d in &plan.decisions {
            // Done when its source is there as made. (Media from before stills stayed stills carries the Ken
            // Burns clip's checksum: such a shot counts as done while its clip and still are both there.)
            if let Some(m) = existing.get(&d.index)
                && (sha256_file(&self.data_dir.join(m.source()))
                    .map(|s| s == m.clip_sha256)
                    .unwrap_or(false)
                    || (m.drawn_from_still()
                        && self.data_dir.join(&m.still_path).is_file()
                        && sha256_file(&self.data_dir.join(&m.clip_path))
                            .map(|s| s == m.clip_sha256)
                            .unwrap_or(false)))
            {
                report.already_done += 1;
                continue;
            }
            let shot = &script.storyboard[d.index];
            let scene = scenes.get(&shot.scene).copied();
            let cast = casts.get(d.index).cloned().unwrap_or_default();
            let wears = outfits.get(d.index).cloned().unwrap_or_default();
            // A character with no look in words still gets their outfit in words (the prompt is all that dresses
            // them when no reference of the outfit exists).
            let cast_looks: Vec<String> = cast
                .iter()
                .filter_map(|c| match (looks.get(c.as_str()), wears.get(c)) {
                    (Some(l), Some(w)) => Some(format!("{l}, wearing {}", w.words)),
                    (Some(l), None) => Some(l.to_string()),
                    (None, Some(w)) => Some(format!("a person wearing {}", w.words)),
                    (None, None) => None,
                })
                .collect();
            // Sentences joined with one full stop each, whatever the writer ended its prompt with.
            let sentence = |s: &str| format!("{}.", s.trim().trim_end_matches('.'));
            let mut prompt = sentence(&shot.video_prompt);
            if !cast_looks.is_empty() {
                prompt = format!("{prompt} Featuring {}.", cast_looks.join(" and "));
            }
            if !look.words.is_empty() {
                prompt = format!(
                    "{prompt} Style: {}.",
                    look.words.trim().trim_end_matches('.')
                );
            }
            let req = StillRequest {
                prompt,
                visual: shot.visual.clone(),
                location: scene.map(|s| s.location.clone()).unwrap_or_default(),
                time: scene.map(|s| s.time.clone()).unwrap_or_default(),
                emotion: shot.emotion.clone(),
                people: scene.map(|s| s.characters.len()).unwrap_or(0),
                seed: crate::artifact::seed_for(
                    series_id,
                    n,
                    d.index as u32 + 1_000_003 * takes.get(&d.index).copied().unwrap_or(0),
                ),
                width: STILL_WIDTH,
                height: STILL_HEIGHT,
                characters: cast,
                outfits: wears,
            };
            let sem = sem.clone();
            let dir = dir.clone();
            let (ref_paths, look, allowance) = (&ref_paths, &look, &retry_allowance);
            jobs.push(async move {
                let _permit = sem.acquire_owned().await;
                self.make_shot(series_id, n, d, &req, &dir, ref_paths, look, allowance)
                    .await
            });
        }
        for r in futures::future::join_all(jobs).await {
            match r {
                Ok(m) => {
                    // Paid fal jobs are in the ledger already (the runner reserves and reconciles them).
                    if m.cost_usd > 0.0 && self.remote.is_none() {
                        self.store
                            .record_usage(&CostEntry {
                                provider: m.generator.clone(),
                                operation: format!("still for shot {}", m.index),
                                series_id: Some(series_id.into()),
                                episode_number: Some(n),
                                units: 1.0,
                                unit: "image".into(),
                                estimated_usd: m.decision.estimate_usd,
                                actual_usd: Some(m.cost_usd),
                            })
                            .await?;
                    }
                    report.cost_usd += m.cost_usd;
                    report.offline_stills += usize::from(m.offline);
                    report.made_now += 1;
                    self.store
                        .save_shot_media(series_id, n, m.index, &m, &m.clip_sha256)
                        .await?;
                }
                Err((shot, reason)) => report.failed.push(crate::ShotFailure { shot, reason }),
            }
        }
        report.total_duration_sec = self
            .shot_media(series_id, n)
            .await?
            .iter()
            .map(|m| m.duration_sec)
            .fold(0.0, |a, b| a + b);
        Ok(report)
    }

    /// The stored media of an episode's shots.
    pub async fn shot_media(&self, series_id: &str, n: u32) -> Result<Vec<ShotMedia>, StageError> {
        self.store
            .shot_media_json(series_id, n)
            .await?
            .into_iter()
            .map(|v| {
                serde_json::from_value(v).map_err(|e| {
                    StageError::Invalid(format!("stored shot media is unreadable: {e}"))
                })
            })
            .collect()
    }

    #[allow(clippy::too_many_arguments)]
    async fn make_shot(
        &self,
        series_id: &str,
        n: u32,
        d: &RouteDecision,
        req: &StillRequest,
        dir: &Path,
        ref_paths: &HashMap<String, String>,
        look: &SeriesLook,
        retry_allowance: &std::sync::Mutex<f64>,
    ) -> Result<ShotMedia, (usize, String)> {
        let mut still = dir.join(format!("shot{:03}.png", d.index));
        let clip = dir.join(format!("shot{:03}.mp4", d.index));
        let rel = |p: &Path| {
            p.strip_prefix(&self.data_dir)
                .unwrap_or(p)
                .to_string_lossy()
                .into_owned()
        };
        let mut decision = d.clone();
        let mut cost = 0.0;
        let is_video = matches!(d.route, Route::Video { .. });
        let mut identity = (!req.characters.is_empty()).then(|| ShotIdentity {
            characters: req.characters.clone(),
            conditioned: false,
            style_image: false,
            drift: None,
            outfits: req
                .outfits
                .iter()
                .map(|(id, w)| (id.clone(), w.outfit.clone()))
                .collect(),
            outfit_unchecked: Vec::new(),
        });

        // 1. The still (or the video's keyframe): with the characters' references when routed so, else paid FLUX
        // from text when routed there, else the still chain, offline last.
        let paid_wanted = matches!(d.route, Route::Still { .. } | Route::Video { .. });
        let purpose = if is_video {
            format!("keyframe:{}", d.index)
        } else {
            format!("still:{}", d.index)
        };
        let mut still_url: Option<String> = None;
        let mut made: Option<(String, bool)> = None;
        // Stuck or unknown: it may still finish and bill, so nothing else is paid for this shot meanwhile.
        let mut hold_paid = false;
        let with_refs = matches!(
            d.references,
            Some(ReferenceRoute::Still { .. } | ReferenceRoute::Video { .. })
        );
        if paid_wanted && with_refs {
            match self
                .reference_still(
                    series_id,
                    n,
                    d.index,
                    is_video,
                    req,
                    &still,
                    ref_paths,
                    look,
                    retry_allowance,
                )
                .await
            {
                Ok(Ok(r)) => {
                    still_url = Some(r.url);
                    // The better of the first still and its retry (each stays where its job put it).
                    still = r.path;
                    cost += r.cost;
                    made = Some((self.cfg.reference_still_model.clone(), false));
                    if let Some(id) = identity.as_mut() {
                        id.conditioned = true;
                        id.style_image = r.style_image;
                        id.drift = r.drift;
                        id.outfit_unchecked = r.outfit_unchecked;
                    }
                    if r.retried {
                        decision.reason.push_str(&format!(
                            " (made once more after the drift check, ${:.3})",
                            r.retry_cost
                        ));
                    } else if r.retry_unaffordable {
                        decision.reason.push_str(
                            " (the drift check found the outfits off; a second still would pass the episode's limit, so it is flagged for review)",
                        );
                    }
                }
                Ok(Err(miss)) => {
                    hold_paid = miss.attention;
                    decision.reason.push_str(&format!(
                        " (the still with references {}: {})",
                        miss.reason,
                        if hold_paid {
                            "offline still meanwhile"
                        } else {
                            "from text only instead"
                        }
                    ));
                    decision.references = Some(ReferenceRoute::TextOnly {
                        why: match miss.limit {
                            Some(limit) => TextOnlyWhy::OverLimit { limit },
                            None if hold_paid => TextOnlyWhy::NeedsAttention,
                            None => TextOnlyWhy::Failed,
                        },
                    });
                }
                Err(e) => return Err((d.index, e)),
            }
        }
        if paid_wanted && made.is_none() && !hold_paid {
            match self.paid_still(series_id, n, &purpose, req, &still).await {
                Ok(Ok((url, c))) => {
                    still_url = Some(url);
                    cost += c;
                    made = Some((self.cfg.still_model.clone(), false));
                }
                Ok(Err(miss)) => {
                    if self.remote.is_some() {
                        decision.reason.push_str(&format!(
                            " (the paid still {}: offline still instead)",
                            miss.reason
                        ));
                        // What the screens say, as a value: the cap it hit, or that it failed.
                        decision.still = Some(match miss.limit {
                            Some(limit) => StillWhy::OverLimit { limit },
                            None => StillWhy::PaidFailed,
                        });
                    }
                }
                Err(e) => return Err((d.index, e)),
            }
        }
        if made.is_none() {
            let mut order: Vec<&Arc<dyn StillGen>> = Vec::new();
            if paid_wanted && !hold_paid {
                order.extend(self.stills.iter().filter(|g| !g.is_offline()));
            }
            order.extend(self.stills.iter().filter(|g| g.is_offline()));
            let mut last = String::from("no still generator is configured");
            for g in order {
                match g.still(req, &still).await {
                    Ok(c) => {
                        cost += c;
                        made = Some((g.id(), g.is_offline()));
                        break;
                    }
                    Err(e) => {
                        tracing::warn!(shot = d.index, generator = %g.id(), error = %e, "still failed; trying the next");
                        last = e.to_string();
                    }
                }
            }
            if made.is_none() {
                return Err((d.index, last));
            }
        }
        let (generator, offline) = made.unwrap_or_default();

        // 2. High priority: animate the keyframe with the video model (a write-ahead paid job) — or, routed to the
        // reference video model, make the clip from the characters' references with the keyframe as its scene.
        let clip_input = match &d.route {
            Route::Video { model, seconds } if self.remote.is_some() => {
                let input = if hold_paid {
                    Err("its keyframe with references needs attention (it may still finish and bill)".to_string())
                } else {
                    self.clip_input(
                        req,
                        model,
                        *seconds,
                        still_url.as_deref(),
                        &still,
                        ref_paths,
                        look,
                    )
                    .await
                };
                match input {
                    Ok(v) => Some(v),
                    Err(why) => {
                        decision.reason.push_str(&format!(
                            " (video not sent: {why}; still + Ken Burns instead)"
                        ));
                        decision.why = Some(if hold_paid {
                            RouteWhy::VideoNeedsAttention
                        } else {
                            RouteWhy::VideoFailed
                        });
                        None
                    }
                }
            }
            _ => None,
        };
        if let (Route::Video { model, seconds }, Some(remote), Some(input)) =
            (&d.route, &self.remote, clip_input)
        {
            let estimate = self.pricing.video_cost(model, *seconds).unwrap_or(0.0);
            let runner = crate::remote::RemoteRunner {
                store: self.store,
                provider: remote.as_ref(),
                deadline: self.deadline,
                caps: &self.caps,
            };
            match runner
                .run(
                    series_id,
                    n,
                    &format!("shot:{}", d.index),
                    model,
                    &input,
                    estimate,
                    &clip,
                )
                .await
                .map_err(|e| (d.index, e.to_string()))?
            {
                crate::remote::JobEnd::Done { .. } => {
                    let duration = self.clips.video_duration(&clip).map_err(|e| (d.index, e))?;
                    let sha = sha256_file(&clip).map_err(|e| (d.index, e.to_string()))?;
                    return Ok(ShotMedia {
                        index: d.index,
                        decision,
                        generator: model.clone(),
                        offline: false,
                        still_path: rel(&still),
                        clip_path: rel(&clip),
                        clip_sha256: sha,
                        duration_sec: duration,
                        cost_usd: cost + estimate,
                        identity,
                    });
                }
                crate::remote::JobEnd::Failed { reason } => {
                    decision.reason.push_str(&format!(
                        " (video failed: {reason}; still + Ken Burns instead)"
                    ));
                    decision.why = Some(RouteWhy::VideoFailed);
                }
                crate::remote::JobEnd::Refused { reason } => {
                    decision.reason.push_str(&format!(
                        " (video not sent: {reason}; still + Ken Burns instead)"
                    ));
                    decision.why = Some(RouteWhy::VideoFailed);
                }
                crate::remote::JobEnd::OverCap { reason, limit } => {
                    decision
                        .reason
                        .push_str(&format!(" (video {reason}; still + Ken Burns instead)"));
                    decision.why = Some(RouteWhy::VideoOverLimit { limit });
                }
                crate::remote::JobEnd::Stuck { reason }
                | crate::remote::JobEnd::Unknown { reason } => {
                    decision.reason.push_str(&format!(
                        " (video needs attention: {reason}; still + Ken Burns meanwhile)"
                    ));
                    decision.why = Some(RouteWhy::VideoNeedsAttention);
                }
            }
        }

        // 3. The still itself: the render moves it (Ken Burns) in the one encode of the episode, exactly as long as
        // its slot — no clip is encoded here.
        let sha = sha256_file(&still).map_err(|e| (d.index, e.to_string()))?;
        Ok(ShotMedia {
            index: d.index,
            decision,
            generator,
            offline,
            still_path: rel(&still),
            clip_path: String::new(),
            clip_sha256: sha,
            duration_sec: d.duration_sec,
            cost_usd: cost,
            identity,
        })
    }

    /// The video model's input for a shot: Kling Elements from the characters' references and the keyframe (fal
    /// `input_image_urls`, up to four), image-to-video from the keyframe (its CDN URL, else the file as a data URI),
    /// or text-to-video.
    ///
    /// # Errors
    /// A reference or the keyframe could not be uploaded or read (the caller keeps the still and says why).
    #[allow(clippy::too_many_arguments)]
    async fn clip_input(
        &self,
        req: &StillRequest,
        model: &str,
        seconds: u32,
        still_url: Option<&str>,
        still: &Path,
        ref_paths: &HashMap<String, String>,
        look: &SeriesLook,
    ) -> Result<serde_json::Value, String> {
        let negative = if look.negative.is_empty() {
            NEGATIVE
        } else {
            look.negative.as_str()
        };
        let rel = still
            .strip_prefix(&self.data_dir)
            .unwrap_or(still)
            .to_string_lossy()
            .into_owned();
        Ok(if model == self.cfg.reference_video_model {
            // Kling Elements (fal.ai/models/fal-ai/kling-video/v1.6/standard/elements): up to four images.
            let mut images = Vec::new();
            for id in req.characters.iter().take(3) {
                if let Some((p, _)) = reference_for(ref_paths, id, req.outfits.get(id)) {
                    images.push(self.reference_url(p).await?);
                }
            }
            images.push(match still_url {
                Some(u) => u.to_string(),
                None => self.reference_url(&rel).await?,
            });
            serde_json::json!({ "prompt": req.prompt, "input_image_urls": images, "duration": seconds.to_string(),
                                "aspect_ratio": "16:9", "negative_prompt": negative })
        } else if model.contains("image-to-video") {
            let image_url = match still_url {
                Some(u) => u.to_string(),
                None => data_uri(still)?,
            };
            serde_json::json!({ "prompt": req.prompt, "image_url": image_url, "duration": seconds.to_string(),
                                "negative_prompt": negative, "cfg_scale": 0.5 })
        } else {
            serde_json::json!({ "prompt": req.prompt, "duration": seconds.to_string(), "aspect_ratio": "16:9",
                                "negative_prompt": negative, "cfg_scale": 0.5 })
        })
    }

    /// A shot's still or keyframe made with the references of the characters it shows (and the series' style
    /// image), then checked for drift against those references: below the threshold it is made once more with a
    /// new seed (purpose `…-retry`, to `<still>-retry.png`) while the retry allowance lasts, the better of the two is
    /// used, and one still below is flagged for review.
    ///
    /// # Errors
    /// The store's error (the outer `Err`).
    #[allow(clippy::too_many_arguments)]
    async fn reference_still(
        &self,
        series_id: &str,
        n: u32,
        index: usize,
        is_video: bool,
        req: &StillRequest,
        out: &Path,
        ref_paths: &HashMap<String, String>,
        look: &SeriesLook,
        retry_allowance: &std::sync::Mutex<f64>,
    ) -> Result<Result<RefStill, PaidMiss>, String> {
        let miss = |reason: String| PaidMiss {
            reason,
            limit: None,
            attention: false,
        };
        let mut urls = Vec::new();
        let mut compared = Vec::new();
        let mut unchecked = Vec::new();
        for id in &req.characters {
            let Some((p, shows_outfit)) = reference_for(ref_paths, id, req.outfits.get(id)) else {
                continue;
            };
            match self.reference_url(p).await {
                Ok(u) => {
                    urls.push(u);
                    // Clothes are compared only with a reference that shows the clothes the shot wants.
                    if shows_outfit {
                        compared.push((id.clone(), self.data_dir.join(p)));
                    } else {
                        unchecked.push(id.clone());
                    }
                }
                Err(e) => return Ok(Err(miss(format!("was not sent: {e}")))),
            }
        }
        let clothes = unchecked.is_empty();
        if urls.is_empty() {
            return Ok(Err(miss("had no reference images".into())));
        }
        let style = !look.style_image.is_empty()
            && match self.reference_url(&look.style_image).await {
                Ok(u) => {
                    urls.push(u);
                    true
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the style image could not be uploaded; the still goes without it");
                    false
                }
            };
        let model = self.cfg.reference_still_model.clone();
        let estimate = self
            .pricing
            .image_cost(&model, req.width, req.height)
            .unwrap_or(0.0);
        let kind = if is_video {
            "ref-keyframe"
        } else {
            "ref-still"
        };
        // Purposes the takes and edits know (`studio_store::SHOT_JOB_KINDS`), so a new take retires them too.
        debug_assert!(studio_store::SHOT_JOB_KINDS.contains(&kind));
        debug_assert!(studio_store::SHOT_JOB_KINDS.contains(&format!("{kind}-retry").as_str()));
        let (url, cost) = match self
            .paid_image(
                series_id,
                n,
                &format!("{kind}:{index}"),
                &model,
                &self.reference_input(req, &urls, style, clothes),
                estimate,
                out,
            )
            .await?
        {
            Ok(v) => v,
            Err(m) => return Ok(Err(m)),
        };
        let threshold = self.cfg.drift_threshold;
        let check = |p: &Path| match check_drift(p, &compared, threshold) {
            // Nobody to compare: every character wears an outfit no reference shows.
            _ if compared.is_empty() => None,
            Ok(c) => Some(c),
            Err(e) => {
                tracing::warn!(error = %e, shot = index, "the drift check could not read a picture");
                None
            }
        };
        let mut got = RefStill {
            path: out.to_path_buf(),
            url,
            cost,
            style_image: style,
            drift: check(out),
            retried: false,
            retry_cost: 0.0,
            retry_unaffordable: false,
            outfit_unchecked: unchecked,
        };
        let affordable = || {
            let mut left = retry_allowance.lock().unwrap_or_else(|e| e.into_inner());
            let ok = *left + 1e-9 >= estimate;
            if ok {
                *left -= estimate;
            }
            ok
        };
        if got.drift.as_ref().is_some_and(|c| c.flagged) && !affordable() {
            got.retry_unaffordable = true;
        } else if got.drift.as_ref().is_some_and(|c| c.flagged) {
            let again = StillRequest {
                seed: req.seed.wrapping_add(7_919),
                ..req.clone()
            };
            let second = out.with_file_name(format!(
                "{}-retry.png",
                out.file_stem().unwrap_or_default().to_string_lossy()
            ));
            match self
                .paid_image(
                    series_id,
                    n,
                    &format!("{kind}-retry:{index}"),
                    &model,
                    &self.reference_input(&again, &urls, style, clothes),
                    estimate,
                    &second,
                )
                .await?
            {
                Ok((url2, cost2)) => {
                    got.retried = true;
                    got.retry_cost = cost2;
                    got.cost += cost2;
                    let first_score = got.drift.as_ref().map_or(0.0, |c| c.outfit);
                    // Both files stay where their jobs put them (the runner knows them by path and checksum).
                    if let Some(c) = check(&second).filter(|c| c.outfit >= first_score) {
                        got.path = second;
                        got.url = url2;
                        got.drift = Some(c);
                    }
                    if let Some(c) = got.drift.as_mut() {
                        c.retried = true;
                    }
                }
                Err(m) => {
                    tracing::warn!(shot = index, reason = %m.reason, "the drift retry was not made; the first still stays, flagged");
                }
            }
        }
        Ok(Ok(got))
    }
}

/// A still made with references.
struct RefStill {
    /// The file kept for the shot: the first still, or its retry when that matched better.
    path: PathBuf,
    url: String,
    /// What it cost, the retry included.
    cost: f64,
    style_image: bool,
    drift: Option<DriftCheck>,
    retried: bool,
    retry_cost: f64,
    /// Flagged, and a retry would have passed the episode's limit.
    retry_unaffordable: bool,
    /// Characters in an outfit no reference shows (not compared).
    outfit_unchecked: Vec<String>,
}

/// A character's reference portrait: their look (or gender and age) facing the camera on a plain background, with
/// a seed from `seed_index`.
fn portrait_request(
    series_id: &str,
    c: &studio_domain::Character,
    seed_index: u32,
) -> StillRequest {
    let look = look_words(c);
    StillRequest {
        prompt: format!(
            "Character reference portrait of {look}, facing the camera, neutral studio background, soft even light, photorealistic, cinematic"
        ),
        visual: format!("{} 인물 레퍼런스", c.name),
        location: "스튜디오".into(),
        time: "낮".into(),
        emotion: "평온".into(),
        people: 1,
        seed: crate::artifact::seed_for(series_id, 0, seed_index),
        width: 1024,
        height: 1024,
        characters: vec![c.id.clone()],
        outfits: Default::default(),
    }
}

/// A character's look in words: their appearance profile, else gender and age.
fn look_words(c: &studio_domain::Character) -> String {
    c.appearance_profile.description.clone().unwrap_or_else(|| {
        format!(
            "a Korean {} ({})",
            c.voice_profile.gender, c.voice_profile.age_group
        )
    })
}

/// A character's reference in an outfit the story dresses them in: full length, so the clothes show, with the
/// same face as their usual reference when a reference model is given it.
fn outfit_request(
    series_id: &str,
    c: &studio_domain::Character,
    outfit: &str,
    words: &str,
    seed_index: u32,
) -> StillRequest {
    let mut req = portrait_request(series_id, c, seed_index);
    let look = look_words(c);
    req.prompt = format!(
        "Full-length character reference of {look}, wearing {words}, standing facing the camera, neutral studio background, soft even light, photorealistic, cinematic"
    );
    req.visual = format!("{} 의상 레퍼런스: {outfit}", c.name);
    req.outfits.insert(
        c.id.clone(),
        Worn {
            outfit: outfit.to_string(),
            words: words.to_string(),
        },
    );
    req
}

/// Why a paid image was not made.
#[derive(Debug, Clone)]
struct PaidMiss {
    /// In a sentence (English; logs and the CLI).
    reason: String,
    /// The cap it would have passed.
    limit: Option<SpendLimit>,
    /// Stuck or of unknown outcome: it may still finish (and bill), so nothing else is paid for meanwhile.
    attention: bool,
}

/// The characters each shot of `script` shows ([`shot_cast`], at most three, so a reference model's fourth image
/// is the style image or the keyframe).
pub fn shot_casts(
    script: &EpisodeScript,
    characters: &[studio_domain::Character],
) -> Vec<Vec<String>> {
    script
        .storyboard
        .iter()
        .map(|shot| {
            let scene = script.scenes.iter().find(|s| s.number == shot.scene);
            shot_cast(shot, scene, characters, 3)
        })
        .collect()
}

/// What video models must not draw (the seed's visual_style.negative).
const NEGATIVE: &str = "text, watermark, subtitle, logo, cartoon, blur, distorted";

/// A local image as a data URI (JPEG), for image-to-video when the keyframe never reached a CDN.
fn data_uri(path: &Path) -> Result<String, String> {
    use base64::Engine as _;
    let img = image::ImageReader::open(path)
        .and_then(|r| r.with_guessed_format())
        .map_err(|e| e.to_string())?
        .decode()
        .map_err(|e| e.to_string())?
        .to_rgb8();
    let mut buf = std::io::Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut buf, 85)
        .encode_image(&img)
        .map_err(|e| e.to_string())?;
    Ok(format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(buf.into_inner())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use studio_domain::{LineAudio, Shot};

    fn shot(scene: u32, p: ClipPriority, d: f64) -> Shot {
        Shot {
            scene,
            visual: "v".into(),
            video_prompt: "p".into(),
            emotion: "e".into(),
            duration_sec: d,
            clip_priority: p,
        }
    }

    #[test]
    fn a_budget_that_runs_out_mid_episode_degrades_the_rest_to_stills() {
        let pricing = Pricing::bundled();
        let cfg = VisualConfig {
            budget_per_episode_usd: 1.0,
            hard_cap_usd: 5.0,
            ..Default::default()
        };
        let shots: Vec<Shot> = (0..8)
            .map(|i| shot(i + 1, ClipPriority::High, 4.0))
            .collect();
        let plan = plan_routes(
            &shots,
            &[4.0; 8],
            &[0; 8],
            &cfg,
            &pricing,
            Available {
                video: true,
                paid_stills: true,
                references: true,
            },
            0.0,
        );
        // Each video: $0.28 + a $0.009 keyframe = $0.289 → three fit in $1.00, the fourth would not.
        let videos = plan
            .decisions
            .iter()
            .filter(|d| matches!(d.route, Route::Video { .. }))
            .count();
        assert_eq!(videos, 3, "{:#?}", plan.decisions);
        assert!(
            plan.estimated_usd <= cfg.budget_per_episode_usd + 1e-9,
            "{}",
            plan.estimated_usd
        );
        let degraded = &plan.decisions[3];
        assert!(matches!(
            degraded.route,
            Route::Still { .. } | Route::OfflineStill
        ));
        assert!(
            degraded.reason.contains("episode budget"),
            "{}",
            degraded.reason
        );
        assert_eq!(
            degraded.why,
            Some(RouteWhy::VideoOverLimit {
                limit: SpendLimit::EpisodeBudget
            })
        );
        assert!(
            plan.decisions
                .iter()
                .take(3)
                .all(|d| d.why == Some(RouteWhy::Video) && d.still.is_none())
        );
        assert!(
            plan.decisions
                .iter()
                .take(3)
                .all(|d| d.reason.starts_with("high priority →"))
        );
        // A hard cap below the budget wins.
        let capped = VisualConfig {
            budget_per_episode_usd: 10.0,
            hard_cap_usd: 0.6,
            ..Default::default()
        };
        let plan = plan_routes(
            &shots,
            &[4.0; 8],
            &[0; 8],
            &capped,
            &pricing,
            Available {
                video: true,
                paid_stills: true,
                references: true,
            },
            0.0,
        );
        assert!(plan.estimated_usd <= 0.6 + 1e-9);
        assert!(plan.decisions.iter().any(|d| d.reason.contains("hard cap")));
        assert!(plan.decisions.iter().any(|d| d.why
            == Some(RouteWhy::VideoOverLimit {
                limit: SpendLimit::HardCap
            })));
        // Money already spent this episode counts.
        let plan = plan_routes(
            &shots,
            &[4.0; 8],
            &[0; 8],
            &cfg,
            &pricing,
            Available {
                video: true,
                paid_stills: true,
                references: true,
            },
            0.9,
        );
        assert!(
            plan.decisions
                .iter()
                .all(|d| !matches!(d.route, Route::Video { .. }))
        );
    }

    #[test]
    fn durations_pick_5_or_10_second_clips_and_offline_routes_say_why() {
        let pricing = Pricing::bundled();
        let cfg = VisualConfig::default();
        let shots = vec![
            shot(1, ClipPriority::High, 8.0),
            shot(1, ClipPriority::Low, 3.0),
        ];
        let plan = plan_routes(
            &shots,
            &[8.0, 3.0],
            &[0, 0],
            &cfg,
            &pricing,
            Available {
                video: true,
                paid_stills: false,
                references: false,
            },
            0.0,
        );
        assert_eq!(
            plan.decisions[0].route,
            Route::Video {
                model: cfg.video_model.clone(),
                seconds: 10
            }
        );
        assert!((plan.decisions[0].estimate_usd - 0.56 - 0.009).abs() < 1e-9);
        assert_eq!(plan.decisions[1].route, Route::OfflineStill);
        let offline = plan_routes(
            &shots,
            &[8.0, 3.0],
            &[0, 0],
            &cfg,
            &pricing,
            Available {
                video: false,
                paid_stills: false,
                references: false,
            },
            0.0,
        );
        assert!(
            offline
                .decisions
                .iter()
                .all(|d| d.route == Route::OfflineStill && d.estimate_usd == 0.0)
        );
        assert!(offline.decisions[0].reason.contains("no video provider"));
        assert!(
            offline
                .decisions
                .iter()
                .all(|d| d.still == Some(StillWhy::NoImageProvider))
        );
        assert!(offline.decisions.iter().all(|d| matches!(
            (d.priority, d.why),
            (ClipPriority::High, Some(RouteWhy::NoVideoProvider))
                | (ClipPriority::Low, Some(RouteWhy::LowPriority))
        )));
    }

    /// Shot records written before routes carried their typed reason still read (visuals re-run over them).
    #[test]
    fn a_route_decision_stored_before_the_typed_reason_still_reads() {
        let old = serde_json::json!({
            "index": 0, "scene": 1, "priority": "high", "duration_sec": 4.0,
            "route": {"kind": "offline_still"}, "estimate_usd": 0.0,
            "reason": "high priority, but no video provider is configured → offline still + Ken Burns"
        });
        let d: RouteDecision = serde_json::from_value(old).unwrap();
        assert_eq!((d.why, d.still), (None, None));
    }

    #[test]
    fn shot_durations_come_from_the_measured_audio() {
        let script = EpisodeScript {
            scenes: vec![studio_domain::Scene {
                number: 1,
                location: "x".into(),
                time: "낮".into(),
                atmosphere: String::new(),
                characters: vec![],
                lines: (0..3)
                    .map(|i| studio_domain::DialogueLine {
                        id: format!("L{i}"),
                        character: "C".into(),
                        text: "t".into(),
                        emotion: "e".into(),
                        listener_reaction: String::new(),
                        direction: String::new(),
                    })
                    .collect(),
            }],
            storyboard: vec![
                shot(1, ClipPriority::High, 6.0),
                shot(1, ClipPriority::Low, 2.0),
                shot(2, ClipPriority::Low, 0.0),
            ],
            ..Default::default()
        };
        let audio: Vec<LineAudio> = (0..3)
            .map(|i| LineAudio {
                line_id: format!("L{i}"),
                character_id: "C".into(),
                provider: studio_domain::TtsProvider::Espeak,
                voice_id: "f1".into(),
                path: String::new(),
                sha256: String::new(),
                duration_sec: 2.0,
                sample_rate: 48000,
                cues: vec![],
                timing_estimated: true,
                billed_characters: 0,
                chain_index: 0,
            })
            .collect();
        let d = shot_durations(&script, &audio, 5.0);
        // Scene 1: 3 × 2.0 s + 3 × 0.3 s pause = 6.9 s, shared 6:2.
        assert!(
            (d[0] - 6.9 * 0.75).abs() < 1e-9 && (d[1] - 6.9 * 0.25).abs() < 1e-9,
            "{d:?}"
        );
        assert_eq!(d[2], 5.0, "no audio and no estimate: the default");
    }
}
