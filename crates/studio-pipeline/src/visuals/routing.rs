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
    /// Give the characters' reference images (and the series' style image) to the models, so faces, hair and
    /// clothes stay the same from shot to shot. Off: text-only stills and image-to-video, as before.
    pub references: bool,
    /// The still model that takes reference images (fal FLUX.1 Kontext [pro] multi-image: `image_urls`).
    pub reference_still_model: String,
    /// The video model that takes reference images (fal Kling 1.6 Elements: `input_image_urls`, up to 4); empty to
    /// animate the reference-conditioned keyframe with `video_model` instead.
    pub reference_video_model: String,
    /// The series look (seed settings.json `visual_style`): words added to every still and clip prompt. Locked for
    /// a series the first time its pictures are made.
    pub look: String,
    /// What no still or clip may show (seed `visual_style.negative`).
    pub negative: String,
    /// The least outfit similarity (0–1, colour histograms of the character's reference and the best-matching
    /// part of the shot) a paid still with characters must reach; below it the still is made once more, then
    /// flagged in review.
    pub drift_threshold: f64,
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
            references: true,
            reference_still_model: "fal-ai/flux-pro/kontext/multi".into(),
            reference_video_model: "fal-ai/kling-video/v1.6/standard/elements".into(),
            look:
                "cinematic, photorealistic, professional lighting, natural colour grade, 35mm lens"
                    .into(),
            negative: "text, watermark, subtitle, logo, cartoon, blur, distorted".into(),
            drift_threshold: 0.45,
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
    /// For a shot that shows characters: whether its pictures are made from their reference images (`None` for a
    /// shot without characters, and in records written before references existed).
    #[serde(default)]
    pub references: Option<ReferenceRoute>,
}

/// Whether a shot with characters is made from their reference images, and which part.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, ts_rs::TS)]
#[ts(export)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReferenceRoute {
    /// The still (or the clip's keyframe) is made with the references of `characters` characters and the style
    /// image; a clip animates that keyframe.
    Still { characters: usize },
    /// The clip itself is made from the references (and the keyframe as its scene): Kling Elements.
    Video { characters: usize },
    /// Made from text only.
    TextOnly { why: TextOnlyWhy },
}

/// Why a shot with characters is made from text only.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, ts_rs::TS)]
#[ts(export)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TextOnlyWhy {
    /// `[visuals] references = false`.
    Off,
    /// No provider that takes references is set up (fal): offline and other stills are drawn from text.
    NoProvider,
    /// The reference model has no price in `pricing.toml` (never sent unpriced).
    NoPrice,
    /// A still with references would pass the limit; a text-only one fits.
    OverLimit { limit: SpendLimit },
    /// The reference endpoint refused or failed the job (not billed): a text-only still instead.
    Failed,
    /// The job with references is stuck or its outcome unknown (it may still finish and bill): an offline still
    /// meanwhile, and nothing else paid for the shot.
    NeedsAttention,
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
    /// Reference-conditioned models (fal is configured and `[visuals] references` is on).
    pub references: bool,
}

fn seconds_for(duration: f64) -> u32 {
    if duration > 5.5 { 10 } else { 5 }
}

/// Routes every shot: high priority → video while the episode's budget (and the hard cap) allow, otherwise a still;
/// low priority → a still. Decisions are taken in shot order, so the hook gets the money first. `cast` is how many
/// characters with a reference image each shot shows ([`shot_cast`]): their pictures are made from those references
/// when the reference models are available and priced — the clip itself (Kling Elements) where that fits, else its
/// keyframe — and from text otherwise, with the reason.
pub fn plan_routes(
    shots: &[Shot],
    durations: &[f64],
    cast: &[usize],
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
    let ref_price = pricing.image_cost(&cfg.reference_still_model, STILL_WIDTH, STILL_HEIGHT);
    let mut decisions = Vec::with_capacity(shots.len());
    for (i, shot) in shots.iter().enumerate() {
        let duration = durations.get(i).copied().unwrap_or(cfg.default_shot_sec);
        let people = cast.get(i).copied().unwrap_or(0);
        let with_refs = people > 0 && available.references && cfg.references;
        // Why not, when references are not used at all: switched off, or nothing here takes them.
        let off = if cfg.references {
            TextOnlyWhy::NoProvider
        } else {
            TextOnlyWhy::Off
        };
        // The still a shot with characters would get: with their references when possible, and why not otherwise.
        let refs_text_only =
            |why: TextOnlyWhy| (people > 0).then_some(ReferenceRoute::TextOnly { why });
        let still = |running: f64, why: String| -> Decided {
            if with_refs {
                match ref_price {
                    Some(p) if running + p <= limit + 1e-9 => {
                        return Decided {
                            route: Route::Still {
                                model: cfg.reference_still_model.clone(),
                            },
                            estimate: p,
                            reason: format!(
                                "{why} → {} still with the references of {people} character(s) (${p:.3}) + Ken Burns",
                                cfg.reference_still_model
                            ),
                            still: Some(StillWhy::Paid),
                            references: Some(ReferenceRoute::Still { characters: people }),
                        };
                    }
                    _ => {}
                }
            }
            let text_why = if !with_refs {
                off
            } else if ref_price.is_none() {
                TextOnlyWhy::NoPrice
            } else {
                TextOnlyWhy::OverLimit { limit: which }
            };
            match still_price {
                Some(p) if available.paid_stills && running + p <= limit + 1e-9 => Decided {
                    route: Route::Still {
                        model: cfg.still_model.clone(),
                    },
                    estimate: p,
                    reason: format!(
                        "{why} → {} still (${p:.3}){} + Ken Burns",
                        cfg.still_model,
                        if with_refs {
                            match text_why {
                                TextOnlyWhy::NoPrice => format!(
                                    " from text only ({} has no price in pricing.toml)",
                                    cfg.reference_still_model
                                ),
                                _ => format!(
                                    " from text only (one with references would pass the {limit_name})"
                                ),
                            }
                        } else {
                            String::new()
                        }
                    ),
                    still: Some(StillWhy::Paid),
                    references: refs_text_only(text_why),
                },
                Some(p) if available.paid_stills => Decided {
                    route: Route::OfflineStill,
                    estimate: 0.0,
                    reason: format!(
                        "{why}; a paid still (${p:.3}) would pass the {limit_name} (${limit:.2}) → offline still + Ken Burns"
                    ),
                    still: Some(StillWhy::OverLimit { limit: which }),
                    references: refs_text_only(TextOnlyWhy::OverLimit { limit: which }),
                },
                _ => Decided {
                    route: Route::OfflineStill,
                    estimate: 0.0,
                    reason: format!(
                        "{why} → offline still + Ken Burns (no image provider configured)"
                    ),
                    still: Some(StillWhy::NoImageProvider),
                    references: refs_text_only(off),
                },
            }
        };
        let (why, d) = match shot.clip_priority {
            ClipPriority::High if !available.video => (
                RouteWhy::NoVideoProvider,
                still(
                    running,
                    "high priority, but no video provider is configured".into(),
                ),
            ),
            ClipPriority::High => {
                let seconds = seconds_for(duration);
                // The keyframe: with the characters' references when they are used, else from text.
                let (keyframe, keyframe_refs) = match (with_refs, ref_price) {
                    (true, Some(p)) => (p, Some(ReferenceRoute::Still { characters: people })),
                    (true, None) => (
                        still_price.unwrap_or(0.0),
                        refs_text_only(TextOnlyWhy::NoPrice),
                    ),
                    _ => (still_price.unwrap_or(0.0), refs_text_only(off)),
                };
                // With characters, the clip made from their references (Kling Elements) when it is priced and fits;
                // else the video model animating the keyframe.
                let elements = (with_refs && !cfg.reference_video_model.is_empty())
                    .then(|| pricing.video_cost(&cfg.reference_video_model, seconds))
                    .flatten()
                    .map(|v| (v, v + keyframe))
                    .filter(|(_, est)| running + est <= limit + 1e-9);
                if let Some((v, est)) = elements {
                    (
                        RouteWhy::Video,
                        Decided {
                            route: Route::Video {
                                model: cfg.reference_video_model.clone(),
                                seconds,
                            },
                            estimate: est,
                            reason: format!(
                                "high priority → {} {seconds} s from the references of {people} character(s) (${v:.3} + keyframe ${keyframe:.3}), ${:.2} of ${limit:.2} {limit_name} used after it",
                                cfg.reference_video_model,
                                running + est
                            ),
                            still: None,
                            references: Some(ReferenceRoute::Video { characters: people }),
                        },
                    )
                } else {
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
                            let keyframe = if i2v || with_refs { keyframe } else { 0.0 };
                            let est = v + keyframe;
                            if running + est <= limit + 1e-9 {
                                (
                                    RouteWhy::Video,
                                    Decided {
                                        route: Route::Video {
                                            model: cfg.video_model.clone(),
                                            seconds,
                                        },
                                        estimate: est,
                                        reason: format!(
                                            "high priority → {} {seconds} s (${v:.3}{}), ${:.2} of ${limit:.2} {limit_name} used after it",
                                            cfg.video_model,
                                            match (i2v, keyframe_refs) {
                                                (true, Some(ReferenceRoute::Still { .. })) =>
                                                    format!(
                                                        " + keyframe with the references of {people} character(s) ${keyframe:.3}"
                                                    ),
                                                (true, _) => format!(" + keyframe ${keyframe:.3}"),
                                                _ => String::new(),
                                            },
                                            running + est
                                        ),
                                        still: None,
                                        references: if i2v {
                                            keyframe_refs
                                        } else {
                                            refs_text_only(off)
                                        },
                                    },
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
            }
            ClipPriority::Low => (RouteWhy::LowPriority, still(running, "low priority".into())),
        };
        running += d.estimate;
        decisions.push(RouteDecision {
            index: i,
            scene: shot.scene,
            priority: shot.clip_priority,
            duration_sec: duration,
            route: d.route,
            estimate_usd: d.estimate,
            reason: d.reason,
            why: Some(why),
            still: d.still,
            references: d.references,
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

/// One shot's route while it is decided.
struct Decided {
    route: Route,
    estimate: f64,
    reason: String,
    still: Option<StillWhy>,
    references: Option<ReferenceRoute>,
}

/// The characters a shot shows, as ids: those of its scene whom the shot's description or prompt names (by name,
/// given name or id); when it names none but speaks of people ("인물", "두 사람", "클로즈업", "a woman", …) and is not
/// a shot of the place ("배경 풍경", "establishing", …), the scene's cast; otherwise nobody (a landscape or
/// establishing shot must not be given people to draw). At most
/// `max` (the models take few references: FLUX Kontext multi-image and Kling Elements up to 4 images, one of which
/// is the style image or the keyframe). Scene casts may name characters by id or by name; unknown names are left
/// out.
pub fn shot_cast(
    shot: &Shot,
    scene: Option<&studio_domain::Scene>,
    characters: &[studio_domain::Character],
    max: usize,
) -> Vec<String> {
    let Some(scene) = scene else {
        return Vec::new();
    };
    let in_scene: Vec<&studio_domain::Character> = scene
        .characters
        .iter()
        .filter_map(|c| characters.iter().find(|k| k.id == *c || k.name == *c))
        .fold(Vec::new(), |mut v, c| {
            if !v.iter().any(|k: &&studio_domain::Character| k.id == c.id) {
                v.push(c);
            }
            v
        });
    let text = format!("{} {}", shot.visual, shot.video_prompt);
    let given = |name: &str| -> String {
        let chars: Vec<char> = name.chars().collect();
        if chars.len() == 3 {
            chars[1..].iter().collect()
        } else {
            name.to_string()
        }
    };
    let named: Vec<String> = in_scene
        .iter()
        .filter(|c| {
            text.contains(&c.name) || text.contains(&c.id) || text.contains(&given(&c.name))
        })
        .map(|c| c.id.clone())
        .collect();
    const PEOPLE: [&str; 14] = [
        "인물",
        "사람",
        "클로즈업",
        "얼굴",
        "대화",
        "둘이",
        "두 사람",
        "close-up",
        "close up",
        "face",
        "person",
        "people",
        "man",
        "woman",
    ];
    // Shots of a place: passers-by there are not the cast.
    const PLACE: [&str; 6] = [
        "배경",
        "풍경",
        "전경",
        "establishing",
        "landscape",
        "scenery",
    ];
    let lower = text.to_lowercase();
    let chosen = if !named.is_empty() {
        named
    } else if PLACE.iter().any(|w| lower.contains(w)) {
        Vec::new()
    } else if PEOPLE.iter().any(|w| {
        // English words whole ("man" is not in "many"), Korean ones anywhere.
        if w.is_ascii() {
            lower
                .split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
                .any(|t| t == *w)
                || (w.contains(' ') && lower.contains(w))
        } else {
            text.contains(w)
        }
    }) {
        in_scene.iter().map(|c| c.id.clone()).collect()
    } else {
        Vec::new()
    };
    chosen.into_iter().take(max).collect()
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

#[cfg(test)]
mod cast_tests {
    use super::*;
    use studio_domain::{Character, Scene};

    fn character(id: &str, name: &str) -> Character {
        serde_json::from_value(serde_json::json!({
            "id": id, "name": name, "role": "r", "importance": "main",
            "voice_profile": {"gender": "female", "age_group": "adult"}
        }))
        .unwrap()
    }

    fn shot(visual: &str, prompt: &str) -> Shot {
        Shot {
            scene: 1,
            visual: visual.into(),
            video_prompt: prompt.into(),
            emotion: "e".into(),
            duration_sec: 3.0,
            clip_priority: ClipPriority::Low,
        }
    }

    #[test]
    fn a_shot_shows_whom_it_names_or_the_scene_when_it_speaks_of_people_and_nobody_in_a_place_shot()
    {
        let cast = vec![
            character("CHAR001", "한서윤"),
            character("CHAR002", "류민서"),
            character("CHAR003", "임도윤"),
            character("CHAR004", "신다은"),
        ];
        let scene = Scene {
            number: 1,
            location: "카페".into(),
            time: "밤".into(),
            atmosphere: String::new(),
            // By id and by name, one unknown, one twice.
            characters: vec![
                "CHAR001".into(),
                "류민서".into(),
                "모르는 사람".into(),
                "한서윤".into(),
                "CHAR003".into(),
            ],
            lines: vec![],
        };
        let of =
            |visual: &str, prompt: &str| shot_cast(&shot(visual, prompt), Some(&scene), &cast, 3);
        assert_eq!(of("한서윤 클로즈업", "close-up"), vec!["CHAR001"]);
        // A given name alone, and the id in an English prompt.
        assert_eq!(
            of("민서가 웃는다", "CHAR003 turns"),
            vec!["CHAR002", "CHAR003"]
        );
        // Nobody named but people: the scene's cast (the unknown name left out, nobody twice).
        assert_eq!(
            of("두 사람의 대화", "two people talk"),
            vec!["CHAR001", "CHAR002", "CHAR003"]
        );
        assert_eq!(
            of("", "A woman looks out of the window"),
            vec!["CHAR001", "CHAR002", "CHAR003"]
        );
        // A place: nobody, even with passers-by in the prompt.
        assert!(
            of(
                "카페 배경 풍경, 전환 샷",
                "Wide establishing shot, people passing by"
            )
            .is_empty()
        );
        // "many" is not "man"; a character of another scene is not here.
        assert!(of("창밖", "many lights in the rain").is_empty());
        assert!(of("신다은", "").is_empty(), "not in the scene");
        assert_eq!(of("두 사람", "").len(), 3, "at most three");
        assert!(shot_cast(&shot("한서윤", ""), None, &cast, 3).is_empty());
    }
}
