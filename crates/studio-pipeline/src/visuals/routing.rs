//! The priority router, pure: which shots get AI video, which a still, under the episode budget and hard cap
//! (seed 000 §4–6, clip_priority + budget), and each shot's length from the measured audio.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use studio_domain::{ClipPriority, EpisodeScript, LineAudio, Shot};

use crate::Pricing;

pub const STILL_WIDTH: u32 = 1920;
pub const STILL_HEIGHT: u32 = 1080;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ts_rs::TS)]
#[ts(export)]
#[serde(default)]
pub struct VisualConfig {
    /// The fal model for high-priority shots (image-to-video models get a still keyframe first).
    pub video_model: String,
    pub still_model: String,
    /// What one episode may spend on visuals (seed: 250 credits ≈ $2.50).
    pub budget_per_episode_usd: f64,
    /// Never exceeded, whatever the budget says.
    pub hard_cap_usd: f64,
    /// A shot's length when neither audio nor the writer gives one.
    pub default_shot_sec: f64,
    /// Shots worked on at once (the autoworker's 3 workers): paid jobs wait at the provider, so this
    /// is mostly network concurrency; Ken Burns encoding is further limited to the machine's cores.
    pub parallel: usize,
    /// How often to ask fal about a job, and how long a job may take before it is marked stuck.
    pub poll_interval_sec: f64,
    pub job_deadline_min: f64,
}

impl Default for VisualConfig {
    fn default() -> Self {
        Self {
            video_model: "fal-ai/kling-video/v2.1/standard/image-to-video".into(),
            still_model: "fal-ai/flux/schnell".into(),
            budget_per_episode_usd: 2.50,
            hard_cap_usd: 5.00,
            default_shot_sec: 5.0,
            parallel: 3,
            poll_interval_sec: 4.0,
            job_deadline_min: 30.0,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ts_rs::TS)]
#[ts(export)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Route {
    /// AI video; `seconds` is 5 or 10 (Kling), longer shots hold or loop in the render.
    Video { model: String, seconds: u32 },
    /// A generated still (FLUX) animated with Ken Burns.
    Still { model: String },
    /// An offline procedural still animated with Ken Burns.
    OfflineStill,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ts_rs::TS)]
#[ts(export)]
pub struct RouteDecision {
    pub index: usize,
    pub scene: u32,
    pub priority: ClipPriority,
    pub duration_sec: f64,
    pub route: Route,
    pub estimate_usd: f64,
    /// Why, in a sentence (English; logs and the CLI).
    pub reason: String,
    /// Why this route, as a value a screen can say in the creator's language (`None` in shot records written before
    /// this field existed).
    #[serde(default)]
    pub why: Option<RouteWhy>,
    /// For a shot that is a still: why a paid or an offline one.
    #[serde(default)]
    pub still: Option<StillWhy>,
}

/// Which limit a paid item would have passed: when routing, the episode's visuals budget or the hard cap (whichever
/// is lower); when sending, one of the spending caps the reservation is checked against.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum SpendLimit {
    EpisodeBudget,
    HardCap,
    /// `production.episode_cap_usd`, over every provider.
    EpisodeCap,
    /// `production.daily_cap_usd`.
    DailyCap,
    /// A provider's daily cap (`production.provider_daily_cap_usd`).
    ProviderDailyCap,
}

impl SpendLimit {
    /// The cap a refused reservation hit.
    pub fn of(hit: &studio_store::CapHit) -> Self {
        if hit.per_episode {
            SpendLimit::EpisodeCap
        } else if hit.provider.is_some() {
            SpendLimit::ProviderDailyCap
        } else {
            SpendLimit::DailyCap
        }
    }
}

/// Why a shot got its route.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, ts_rs::TS)]
#[ts(export)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RouteWhy {
    /// High priority and the money allows it: AI video.
    Video,
    /// Low priority: a still.
    LowPriority,
    /// High priority, but no video provider is configured (no key).
    NoVideoProvider,
    /// High priority, but the video model has no price in `pricing.toml` (never sent unpriced).
    NoVideoPrice,
    /// High priority, but the video would pass the limit: downgraded to a still (when routing, or when its
    /// reservation was refused at sending).
    VideoOverLimit { limit: SpendLimit },
    /// The video job failed (not billed): the still instead.
    VideoFailed,
    /// The video job is stuck or its outcome unknown, waiting for a person: the still meanwhile.
    VideoNeedsAttention,
}

/// Why a still is paid or offline.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, ts_rs::TS)]
#[ts(export)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StillWhy {
    /// A generated still fits in what is left.
    Paid,
    /// A paid still would pass the limit: an offline still.
    OverLimit { limit: SpendLimit },
    /// No image provider is configured (no key): an offline still.
    NoImageProvider,
    /// The paid still failed or waits for a person: an offline still instead.
    PaidFailed,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ts_rs::TS)]
#[ts(export)]
pub struct RoutePlan {
    pub decisions: Vec<RouteDecision>,
    pub estimated_usd: f64,
    pub budget_usd: f64,
    pub hard_cap_usd: f64,
    pub spent_before_usd: f64,
}

/// What the router may use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Available {
    pub video: bool,
    pub paid_stills: bool,
}

fn seconds_for(duration: f64) -> u32 {
    if duration > 5.5 { 10 } else { 5 }
}

/// Routes every shot: high priority → video while the episode's budget (and the hard cap) allow, otherwise a still;
/// low priority → a still. Decisions are taken in shot order, so the hook gets the money first.
pub fn plan_routes(
    shots: &[Shot],
    durations: &[f64],
    cfg: &VisualConfig,
    pricing: &Pricing,
    available: Available,
    spent_before: f64,
) -> RoutePlan {
    let limit = cfg.budget_per_episode_usd.min(cfg.hard_cap_usd);
    let which = if cfg.hard_cap_usd < cfg.budget_per_episode_usd {
        SpendLimit::HardCap
    } else {
        SpendLimit::EpisodeBudget
    };
    let limit_name = if which == SpendLimit::HardCap {
        "hard cap"
    } else {
        "episode budget"
    };
    let mut running = spent_before;
    let i2v = cfg.video_model.contains("image-to-video");
    let still_price = pricing.image_cost(&cfg.still_model, STILL_WIDTH, STILL_HEIGHT);
    let mut decisions = Vec::with_capacity(shots.len());
    for (i, shot) in shots.iter().enumerate() {
        let duration = durations.get(i).copied().unwrap_or(cfg.default_shot_sec);
        let still = |running: f64, why: String| -> (Route, f64, String, Option<StillWhy>) {
            match still_price {
                Some(p) if available.paid_stills && running + p <= limit => (
                    Route::Still {
                        model: cfg.still_model.clone(),
                    },
                    p,
                    format!("{why} → {} still (${p:.3}) + Ken Burns", cfg.still_model),
                    Some(StillWhy::Paid),
                ),
                Some(p) if available.paid_stills => (
                    Route::OfflineStill,
                    0.0,
                    format!(
                        "{why}; a paid still (${p:.3}) would pass the {limit_name} (${limit:.2}) → offline still + Ken Burns"
                    ),
                    Some(StillWhy::OverLimit { limit: which }),
                ),
                _ => (
                    Route::OfflineStill,
                    0.0,
                    format!("{why} → offline still + Ken Burns (no image provider configured)"),
                    Some(StillWhy::NoImageProvider),
                ),
            }
        };
        let (why, (route, estimate, reason, still_why)) = match shot.clip_priority {
            ClipPriority::High if !available.video => (
                RouteWhy::NoVideoProvider,
                still(
                    running,
                    "high priority, but no video provider is configured".into(),
                ),
            ),
            ClipPriority::High => {
                let seconds = seconds_for(duration);
                match pricing.video_cost(&cfg.video_model, seconds) {
                    None => (
                        RouteWhy::NoVideoPrice,
                        still(
                            running,
                            format!(
                                "high priority, but {} has no price in pricing.toml",
                                cfg.video_model
                            ),
                        ),
                    ),
                    Some(v) => {
                        let keyframe = if i2v { still_price.unwrap_or(0.0) } else { 0.0 };
                        let est = v + keyframe;
                        if running + est <= limit + 1e-9 {
                            (
                                RouteWhy::Video,
                                (
                                    Route::Video {
                                        model: cfg.video_model.clone(),
                                        seconds,
                                    },
                                    est,
                                    format!(
                                        "high priority → {} {seconds} s (${v:.3}{}), ${:.2} of ${limit:.2} {limit_name} used after it",
                                        cfg.video_model,
                                        if i2v {
                                            format!(" + keyframe ${keyframe:.3}")
                                        } else {
                                            String::new()
                                        },
                                        running + est
                                    ),
                                    None,
                                ),
                            )
                        } else {
                            (
                                RouteWhy::VideoOverLimit { limit: which },
                                still(
                                    running,
                                    format!(
                                        "high priority, but ${est:.3} more would pass the {limit_name} (${limit:.2}, ${running:.2} committed)"
                                    ),
                                ),
                            )
                        }
                    }
                }
            }
            ClipPriority::Low => (RouteWhy::LowPriority, still(running, "low priority".into())),
        };
        running += estimate;
        decisions.push(RouteDecision {
            index: i,
            scene: shot.scene,
            priority: shot.clip_priority,
            duration_sec: duration,
            route,
            estimate_usd: estimate,
            reason,
            why: Some(why),
            still: still_why,
        });
    }
    RoutePlan {
        estimated_usd: studio_domain::money::total_usd(decisions.iter().map(|d| d.estimate_usd)),
        decisions,
        budget_usd: cfg.budget_per_episode_usd,
        hard_cap_usd: cfg.hard_cap_usd,
        spent_before_usd: spent_before,
    }
}

/// Shot lengths from the measured audio: each scene's voiced time (lines plus a short pause between them) is shared
/// by its shots in proportion to the writer's estimates; without audio, the writer's estimate, then the default.
pub fn shot_durations(script: &EpisodeScript, audio: &[LineAudio], default: f64) -> Vec<f64> {
    // The scene's span on the episode timeline, when every one of its lines is voiced.
    let tl = crate::timeline::place(script, audio, 0.0);
    let scene_secs: HashMap<u32, f64> = tl
        .scenes
        .iter()
        .filter(|sc| {
            let mut lines = tl.lines.iter().filter(|l| l.scene == sc.number).peekable();
            lines.peek().is_some() && lines.all(|l| l.measured)
        })
        .map(|sc| (sc.number, sc.end - sc.start))
        .collect();
    let mut weights: HashMap<u32, f64> = HashMap::new();
    for sh in &script.storyboard {
        *weights.entry(sh.scene).or_default() += sh.duration_sec.max(0.1);
    }
    script
        .storyboard
        .iter()
        .map(|sh| match scene_secs.get(&sh.scene) {
            Some(total) => total * sh.duration_sec.max(0.1) / weights[&sh.scene],
            None if sh.duration_sec.is_finite() && sh.duration_sec > 0.0 => sh.duration_sec,
            None => default,
        })
        .collect()
}
