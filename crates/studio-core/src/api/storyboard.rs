//! The storyboard and the scene priority review: every shot with its route, length, estimate and reason.

use serde::{Deserialize, Serialize};
use studio_domain::{ClipPriority, EpisodeScript, Shot};
use studio_pipeline::visuals::{Available, RoutePlan, plan_routes};

use super::EpisodeArgs;
use crate::directing::{CREATOR, ShotChange, ShotEdit, Take};
use crate::{CoreError, Engine};

/// One scene as the priority review lists it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SceneSummary {
    pub number: u32,
    pub location: String,
    pub lines: usize,
}

/// The storyboard for the priority review: the shots, the plan with the providers configured now, and the plan as
/// it would be with paid video and stills (so an offline studio still shows what a choice would cost).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct StoryboardView {
    pub episode: u32,
    pub title: String,
    pub shots: Vec<Shot>,
    pub scenes: Vec<SceneSummary>,
    pub plan: RoutePlan,
    pub if_paid: RoutePlan,
    /// Each shot's picture as made so far, with its earlier takes (one entry per shot, in storyboard order).
    pub media: Vec<ShotMediaView>,
    /// The whole episode's estimate (voices, visuals, avatars, upload quota, what is spent), when it could be
    /// made.
    pub estimate: Option<crate::estimate::EpisodeEstimate>,
    /// What each shot's characters wear when the story changed their clothes, from the story memory and the
    /// script (one entry per shot: (name, outfit) pairs), before and after the shot is made.
    pub wears: Vec<Vec<(String, String)>>,
}

/// A shot's current picture and its earlier takes, as media URL paths (`/media/…`).
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ShotMediaView {
    /// The still (for a video shot, its keyframe); `None` before the shot is made or for the creator's own clip.
    pub still: Option<String>,
    /// The clip that plays for the shot: an AI clip or the creator's own; `None` for a still (the render moves it).
    pub clip: Option<String>,
    /// What made it: a generator id (`offline-procedural`, `fal-ai/flux/schnell`, a video model) or `creator`.
    pub source: Option<String>,
    /// The creator's own image or clip.
    pub own: bool,
    /// What it cost (USD).
    pub cost_usd: f64,
    /// What making it again would cost (USD) by its route now — also for the creator's own file, which a new take
    /// replaces with a generated one.
    pub redo_usd: f64,
    /// Takes set aside when the shot was redone, edited or replaced, oldest first (files as media URL paths).
    pub takes: Vec<Take>,
    /// For a shot with characters: whose references made it and how its outfits compared (`None` otherwise).
    pub identity: Option<IdentityView>,
}

/// What a shot's characters' references did for it.
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct IdentityView {
    /// The characters the shot shows, by name.
    pub characters: Vec<String>,
    /// Their reference images were given to the model that made the picture.
    pub conditioned: bool,
    /// The series' style image was given too.
    pub style_image: bool,
    /// The outfit similarity of the character who matched least (0–1), when the picture was checked.
    pub outfit: Option<f64>,
    /// That character, by name.
    pub weakest: Option<String>,
    /// The least similarity that passes.
    pub threshold: Option<f64>,
    /// Made once more after the check.
    pub retried: bool,
    /// Still below the threshold after that: the creator should look at it.
    pub flagged: bool,
    /// What characters wear in the shot when the story changed their clothes: (name, outfit).
    pub outfits: Vec<(String, String)>,
    /// Characters (by name) in an outfit no reference of theirs shows: clothes drawn from words, not compared.
    pub outfit_unchecked: Vec<String>,
}

/// Edit a shot's description, prompt or priority.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct ShotEditArgs {
    pub series: String,
    pub episode: u32,
    /// The shot's index in the storyboard, from 0.
    pub shot: usize,
    pub edit: ShotEdit,
}

/// Make one shot again as a new take.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct ShotRedoArgs {
    pub series: String,
    pub episode: u32,
    /// The shot's index in the storyboard, from 0.
    pub shot: usize,
    /// Why, kept with the review decision when the episode was in review.
    #[serde(default)]
    #[ts(optional)]
    pub reason: Option<String>,
}

/// Replace a shot with the creator's own image or clip.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct ShotReplaceArgs {
    pub series: String,
    pub episode: u32,
    /// The shot's index in the storyboard, from 0.
    pub shot: usize,
    /// The file's name as the creator picked it; its extension says image or clip.
    pub file_name: String,
    /// The file's bytes, base64 (standard alphabet, padded).
    pub content_base64: String,
}

/// Set one shot's priority.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct ShotPriorityArgs {
    pub series: String,
    pub episode: u32,
    /// The shot's index in the storyboard, from 0.
    pub shot: usize,
    pub priority: ClipPriority,
}

impl Engine {
    /// The storyboard of an accepted episode as the priority review shows it.
    ///
    /// # Errors
    /// `unknown_series`, `invalid_input` when the episode has no accepted script; store errors.
    pub async fn storyboard_view(&self, series: &str, n: u32) -> Result<StoryboardView, CoreError> {
        let (script, plan) = self.storyboard(series, n).await?;
        self.view(series, &script, plan).await
    }

    /// Sets one shot's priority (high → AI video, low → still with Ken Burns motion) and returns the storyboard
    /// estimated again.
    ///
    /// # Errors
    /// As [`Engine::storyboard_view`]; `invalid_input` for a shot index outside the storyboard.
    pub async fn set_shot_priority_view(
        &self,
        series: &str,
        n: u32,
        shot: usize,
        priority: ClipPriority,
    ) -> Result<StoryboardView, CoreError> {
        let (script, plan) = self.set_shot_priority(series, n, shot, priority).await?;
        self.view(series, &script, plan).await
    }

    /// Each shot's media and kept takes as the storyboard shows them.
    async fn shot_media_views(
        &self,
        series: &str,
        n: u32,
        shots: usize,
    ) -> Result<Vec<ShotMediaView>, CoreError> {
        let s = self.store().find_series(series).await?;
        let url = |rel: &str| self.media_path(&self.data_dir().join(rel));
        let mut out = vec![ShotMediaView::default(); shots];
        let names: std::collections::HashMap<String, String> = self
            .store()
            .characters(&s.id)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect();
        let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
        for v in self.store().shot_media_json(&s.id, n).await? {
            let Ok(m) = serde_json::from_value::<studio_pipeline::visuals::ShotMedia>(v) else {
                continue;
            };
            if let Some(o) = out.get_mut(m.index) {
                o.still = (!m.still_path.is_empty()).then(|| url(&m.still_path));
                // A still moves in the render, not in a clip (an old Ken Burns clip is not shown either).
                o.clip =
                    (!m.clip_path.is_empty() && !m.drawn_from_still()).then(|| url(&m.clip_path));
                o.own = m.generator == CREATOR;
                o.source = Some(m.generator);
                o.cost_usd = m.cost_usd;
                o.identity = m.identity.as_ref().map(|id| IdentityView {
                    characters: id.characters.iter().map(|c| name(c)).collect(),
                    conditioned: id.conditioned,
                    style_image: id.style_image,
                    outfit: id.drift.as_ref().map(|d| d.outfit),
                    weakest: id.drift.as_ref().map(|d| name(&d.weakest)),
                    threshold: id.drift.as_ref().map(|d| d.threshold),
                    retried: id.drift.as_ref().is_some_and(|d| d.retried),
                    flagged: id.drift.as_ref().is_some_and(|d| d.flagged),
                    outfits: id
                        .outfits
                        .iter()
                        .map(|(c, o)| (name(c), o.clone()))
                        .collect(),
                    outfit_unchecked: id.outfit_unchecked.iter().map(|c| name(c)).collect(),
                });
            }
        }
        for (key, takes) in self.kept_takes(&s.id, n).await? {
            let Some(i) = key
                .strip_prefix("shot:")
                .and_then(|i| i.parse::<usize>().ok())
            else {
                continue;
            };
            if let Some(o) = out.get_mut(i) {
                o.takes = takes
                    .into_iter()
                    .map(|mut t| {
                        t.files = t.files.iter().map(|f| url(f)).collect();
                        t
                    })
                    .collect();
            }
        }
        Ok(out)
    }

    /// [`Engine::edit_shot`] with the storyboard after it.
    ///
    /// # Errors
    /// As [`Engine::edit_shot`].
    pub async fn edit_shot_view(&self, a: ShotEditArgs) -> Result<ShotChangeView, CoreError> {
        let change = self.edit_shot(&a.series, a.episode, a.shot, a.edit).await?;
        self.change_view(&a.series, a.episode, change).await
    }

    async fn change_view(
        &self,
        series: &str,
        n: u32,
        change: ShotChange,
    ) -> Result<ShotChangeView, CoreError> {
        Ok(ShotChangeView {
            change,
            storyboard: self.storyboard_view(series, n).await?,
        })
    }

    async fn view(
        &self,
        series: &str,
        script: &EpisodeScript,
        plan: RoutePlan,
    ) -> Result<StoryboardView, CoreError> {
        let durations: Vec<f64> = plan.decisions.iter().map(|d| d.duration_sec).collect();
        let characters = self.store().characters(series).await?;
        let casts = studio_pipeline::visuals::shot_casts(script, &characters);
        let cast: Vec<usize> = casts.iter().map(Vec::len).collect();
        let before = self
            .store()
            .outfits_as_of(series, script.episode_number.saturating_sub(1))
            .await?;
        let wears: Vec<Vec<(String, String)>> =
            studio_pipeline::visuals::shot_outfits(script, &characters, &casts, &before)
                .into_iter()
                .map(|m| {
                    m.into_iter()
                        .map(|(id, w)| {
                            let name = characters
                                .iter()
                                .find(|c| c.id == id)
                                .map_or(id, |c| c.name.clone());
                            (name, w.outfit)
                        })
                        .collect()
                })
                .collect();
        let if_paid = plan_routes(
            &script.storyboard,
            &durations,
            &cast,
            &self.config().visuals,
            &studio_pipeline::Pricing::bundled(),
            Available {
                video: true,
                paid_stills: true,
                references: true,
            },
            plan.spent_before_usd,
        );
        let mut media = self
            .shot_media_views(series, script.episode_number, script.storyboard.len())
            .await?;
        for d in &plan.decisions {
            if let Some(m) = media.get_mut(d.index) {
                m.redo_usd = d.estimate_usd;
            }
        }
        // A shot the creator replaced with their own file costs nothing, whatever its route would have been.
        let (mut plan, mut if_paid) = (plan, if_paid);
        for p in [&mut plan, &mut if_paid] {
            for d in p.decisions.iter_mut() {
                if media.get(d.index).is_some_and(|m| m.own) {
                    p.estimated_usd -= d.estimate_usd;
                    d.estimate_usd = 0.0;
                }
            }
            p.estimated_usd = p.estimated_usd.max(0.0);
        }
        let estimate = match self.estimate_with(series, script, &plan).await {
            Ok(e) => Some(e),
            Err(e) => {
                tracing::warn!(error = %e, "the whole-episode estimate could not be made");
                None
            }
        };
        Ok(StoryboardView {
            episode: script.episode_number,
            title: script.title.clone(),
            shots: script.storyboard.clone(),
            scenes: script
                .scenes
                .iter()
                .map(|s| SceneSummary {
                    number: s.number,
                    location: s.location.clone(),
                    lines: s.lines.len(),
                })
                .collect(),
            media,
            plan,
            if_paid,
            estimate,
            wears,
        })
    }
}

/// What a shot edit, redo or replacement did, with the storyboard after it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ShotChangeView {
    pub change: ShotChange,
    pub storyboard: StoryboardView,
}

pub(crate) fn decode_base64(name: &str, b64: &str) -> Result<Vec<u8>, CoreError> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|e| CoreError::invalid(format!("{name} did not arrive whole ({e}); try again")))
}

commands! {
    /// The storyboard with each shot's route, length, estimate and the reason for its route.
    storyboard(EpisodeArgs) -> StoryboardView = |e, a| e.storyboard_view(&a.series, a.episode).await;
    /// Sets one shot's priority and returns the storyboard estimated again.
    set_shot_priority(ShotPriorityArgs) -> StoryboardView = |e, a| {
        e.set_shot_priority_view(&a.series, a.episode, a.shot, a.priority).await
    };
    /// Edits a shot's Korean description, English prompt or priority; a shot already made whose picture changed
    /// is made again (its earlier take kept).
    shot_edit(ShotEditArgs) -> ShotChangeView = |e, a| e.edit_shot_view(a).await;
    /// Makes one shot again as a new take (the earlier take kept); the reply says what it is expected to cost.
    shot_redo(ShotRedoArgs) -> ShotChangeView = |e, a| {
        let c = e.redo_shot(&a.series, a.episode, a.shot, a.reason.as_deref().unwrap_or("")).await?;
        e.change_view(&a.series, a.episode, c).await
    };
    /// Replaces a shot with the creator's own image (a still with Ken Burns motion) or clip.
    shot_replace(ShotReplaceArgs) -> ShotChangeView = |e, a| {
        let bytes = decode_base64(&a.file_name, &a.content_base64)?;
        let c = e.replace_shot(&a.series, a.episode, a.shot, &a.file_name, &bytes).await?;
        e.change_view(&a.series, a.episode, c).await
    };
}
