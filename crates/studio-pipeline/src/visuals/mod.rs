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

mod routing;

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
        }
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
    ) -> Result<Result<(String, f64), (String, Option<SpendLimit>)>, String> {
        let Some(remote) = &self.remote else {
            return Ok(Err(("is not set up".into(), None)));
        };
        let model = &self.cfg.still_model;
        let estimate = self
            .pricing
            .image_cost(model, req.width, req.height)
            .unwrap_or(0.0);
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
                purpose,
                model,
                &self.flux_input(req),
                estimate,
                out,
            )
            .await
            .map_err(|e| e.to_string())?
        {
            crate::remote::JobEnd::Done { url, .. } => Ok(Ok((url, estimate))),
            other => {
                tracing::warn!(purpose, ?other, "paid still did not complete; falling back");
                Ok(Err(match other {
                    crate::remote::JobEnd::OverCap { reason, limit } => (reason, Some(limit)),
                    crate::remote::JobEnd::Failed { reason } => (format!("failed: {reason}"), None),
                    crate::remote::JobEnd::Refused { reason } => {
                        (format!("was not sent: {reason}"), None)
                    }
                    crate::remote::JobEnd::Stuck { reason }
                    | crate::remote::JobEnd::Unknown { reason } => {
                        (format!("needs attention: {reason}"), None)
                    }
                    crate::remote::JobEnd::Done { .. } => (String::new(), None),
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
        let plan = plan_routes(
            &script.storyboard,
            &durations,
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
        let known: HashMap<String, (String, String)> = self
            .store
            .setting(&format!("refs/{series_id}"))
            .await?
            .unwrap_or_default();
        let mut out = Vec::new();
        let mut record = known.clone();
        for (i, c) in characters.iter().enumerate() {
            let path = dir.join(format!("{}.png", c.id));
            if let Some((p, g)) = known.get(&c.id)
                && self.data_dir.join(p).is_file()
            {
                out.push((c.id.clone(), p.clone(), g.clone()));
                continue;
            }
            let look = c.appearance_profile.description.clone().unwrap_or_else(|| {
                format!(
                    "a Korean {} ({})",
                    c.voice_profile.gender, c.voice_profile.age_group
                )
            });
            let req = StillRequest {
                prompt: format!(
                    "Character reference portrait of {look}, facing the camera, neutral studio background, soft even light, photorealistic, cinematic"
                ),
                visual: format!("{} 인물 레퍼런스", c.name),
                location: "스튜디오".into(),
                time: "낮".into(),
                emotion: "평온".into(),
                people: 1,
                seed: crate::artifact::seed_for(series_id, 0, i as u32),
                width: 1024,
                height: 1024,
            };
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
            record.insert(c.id.clone(), (rel.clone(), generator.clone()));
            out.push((c.id.clone(), rel, generator));
        }
        if record != known {
            self.store
                .set_setting(&format!("refs/{series_id}"), &record)
                .await?;
        }
        Ok(out)
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
        let looks: HashMap<&str, &str> = characters
            .iter()
            .flat_map(|c| {
                let d = c.appearance_profile.description.as_deref().unwrap_or("");
                [(c.id.as_str(), d), (c.name.as_str(), d)]
            })
            .filter(|(_, d)| !d.is_empty())
            .collect();
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
            let cast_looks: Vec<&str> = scene
                .map(|s| {
                    s.characters
                        .iter()
                        .filter_map(|c| looks.get(c.as_str()).copied())
                        .take(2)
                        .collect()
                })
                .unwrap_or_default();
            let prompt = if cast_looks.is_empty() {
                shot.video_prompt.clone()
            } else {
                format!(
                    "{} Featuring {}.",
                    shot.video_prompt,
                    cast_looks.join(" and ")
                )
            };
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
            };
            let sem = sem.clone();
            let dir = dir.clone();
            jobs.push(async move {
                let _permit = sem.acquire_owned().await;
                self.make_shot(series_id, n, d, &req, &dir).await
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

    async fn make_shot(
        &self,
        series_id: &str,
        n: u32,
        d: &RouteDecision,
        req: &StillRequest,
        dir: &Path,
    ) -> Result<ShotMedia, (usize, String)> {
        let still = dir.join(format!("shot{:03}.png", d.index));
        let clip = dir.join(format!("shot{:03}.mp4", d.index));
        let rel = |p: &Path| {
            p.strip_prefix(&self.data_dir)
                .unwrap_or(p)
                .to_string_lossy()
                .into_owned()
        };
        let mut decision = d.clone();
        let mut cost = 0.0;

        // 1. The still (or the video's keyframe): paid FLUX when routed there, else the still chain, offline last.
        let paid_wanted = matches!(d.route, Route::Still { .. } | Route::Video { .. });
        let purpose = if matches!(d.route, Route::Video { .. }) {
            format!("keyframe:{}", d.index)
        } else {
            format!("still:{}", d.index)
        };
        let mut still_url: Option<String> = None;
        let mut made: Option<(String, bool)> = None;
        if paid_wanted {
            match self.paid_still(series_id, n, &purpose, req, &still).await {
                Ok(Ok((url, c))) => {
                    still_url = Some(url);
                    cost += c;
                    made = Some((self.cfg.still_model.clone(), false));
                }
                Ok(Err((why, limit))) => {
                    if self.remote.is_some() {
                        decision
                            .reason
                            .push_str(&format!(" (the paid still {why}: offline still instead)"));
                        // What the screens say, as a value: the cap it hit, or that it failed.
                        decision.still = Some(match limit {
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
            if paid_wanted {
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

        // 2. High priority: animate the keyframe with the video model (a write-ahead paid job).
        if let (Route::Video { model, seconds }, Some(remote)) = (&d.route, &self.remote) {
            let image_url = match &still_url {
                Some(u) => u.clone(),
                None => data_uri(&still).map_err(|e| (d.index, e))?,
            };
            let input = if model.contains("image-to-video") {
                serde_json::json!({ "prompt": req.prompt, "image_url": image_url, "duration": seconds.to_string(),
                                    "negative_prompt": NEGATIVE, "cfg_scale": 0.5 })
            } else {
                serde_json::json!({ "prompt": req.prompt, "duration": seconds.to_string(), "aspect_ratio": "16:9",
                                    "negative_prompt": NEGATIVE, "cfg_scale": 0.5 })
            };
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
        })
    }
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
            &cfg,
            &pricing,
            Available {
                video: true,
                paid_stills: true,
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
            &capped,
            &pricing,
            Available {
                video: true,
                paid_stills: true,
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
            &cfg,
            &pricing,
            Available {
                video: true,
                paid_stills: true,
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
            &cfg,
            &pricing,
            Available {
                video: true,
                paid_stills: false,
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
            &cfg,
            &pricing,
            Available {
                video: false,
                paid_stills: false,
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
