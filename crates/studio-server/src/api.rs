//! The studio's commands by name, with JSON arguments and JSON results: the one table the HTTP API (`POST
//! /api/<command>`) and the desktop app's IPC (`call`) both route through, so the web UI and the desktop UI speak
//! the same API. Every command is a thin adapter over an `Engine` method.

use std::sync::Arc;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use studio_core::{CoreError, Engine, NewSeries};

/// The commands, for the UI's transport checks and the docs.
pub const COMMANDS: &[&str] = &[
    "series_list",
    "series_show",
    "series_new",
    "cast_view",
    "cast_lock",
    "cast_audition",
    "episode_script",
    "write_episode",
    "storyboard",
    "set_shot_priority",
    "produce",
    "status",
    "jobs_list",
    "job_retry",
    "series_pause",
    "review_list",
    "review_approve",
    "review_reject",
    "review_regenerate",
    "publish_channel_set",
    "channels_list",
    "channel_connect",
    "secrets_status",
    "secret_set",
    "system_doctor",
    "settings_get",
    "settings_set",
    "settings_import",
    "metadata_get",
    "metadata_set",
    "outline_set",
    "episode_check",
    "episode_rewrite",
];

fn args<T: DeserializeOwned>(command: &str, v: Value) -> Result<T, CoreError> {
    serde_json::from_value(v)
        .map_err(|e| CoreError::invalid(format!("{command}: bad arguments: {e}")))
}

fn out<T: serde::Serialize>(v: T) -> Result<Value, CoreError> {
    serde_json::to_value(v).map_err(|e| CoreError::Internal(format!("result: {e}")))
}

#[derive(Deserialize)]
struct Series {
    series: String,
}

#[derive(Deserialize)]
struct Episode {
    series: String,
    episode: u32,
}

#[derive(Deserialize)]
struct NewSeriesArgs {
    title: String,
    genre: Option<studio_domain::Genre>,
    episodes: u32,
    #[serde(default = "two")]
    duration_min: u32,
    #[serde(default)]
    premise: String,
    #[serde(default)]
    theme: String,
    #[serde(default)]
    audience: String,
    writer: Option<String>,
    id: Option<String>,
    seed: Option<u64>,
}

fn two() -> u32 {
    2
}

/// Runs one command.
pub async fn dispatch(engine: &Arc<Engine>, command: &str, a: Value) -> Result<Value, CoreError> {
    let e = engine.as_ref();
    match command {
        "series_list" => out(e.list_series().await?),
        "series_show" => {
            let Series { series } = args(command, a)?;
            out(e.show_series(&series).await?)
        }
        "series_new" => {
            let x: NewSeriesArgs = args(command, a)?;
            if x.title.trim().is_empty() {
                return Err(CoreError::invalid("a series needs a title"));
            }
            if !(1..=200).contains(&x.episodes) {
                return Err(CoreError::invalid("episodes must be between 1 and 200"));
            }
            out(e
                .new_series(NewSeries {
                    title: x.title.trim().into(),
                    genre: x.genre,
                    episodes: x.episodes,
                    episode_duration_min: x.duration_min.clamp(1, 30),
                    premise: x.premise,
                    main_theme: x.theme,
                    target_audience: x.audience,
                    writer: x.writer,
                    id: x.id,
                    seed: x.seed,
                })
                .await?)
        }
        "cast_view" => {
            let Series { series } = args(command, a)?;
            out(e.cast(&series).await?)
        }
        "cast_lock" => {
            #[derive(Deserialize)]
            struct A {
                series: String,
                locked: bool,
            }
            let A { series, locked } = args(command, a)?;
            out(e.set_cast_locked(&series, locked).await?)
        }
        "cast_audition" => {
            #[derive(Deserialize)]
            struct A {
                series: String,
                character: String,
                text: Option<String>,
            }
            let x: A = args(command, a)?;
            let (path, audio) = e
                .audition(&x.series, &x.character, x.text.as_deref())
                .await?;
            let rel = path
                .strip_prefix(e.data_dir())
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            out(Audition {
                media: format!("/media/{rel}"),
                audio,
            })
        }
        "episode_script" => {
            let Episode { series, episode } = args(command, a)?;
            out(e.episode_script(&series, episode).await?)
        }
        "write_episode" => {
            let Episode { series, episode } = args(command, a)?;
            out(e.write_episode(&series, episode, None).await?)
        }
        "storyboard" => {
            let Episode { series, episode } = args(command, a)?;
            let (script, plan) = e.storyboard(&series, episode).await?;
            storyboard_view(e, &script, plan)
        }
        "set_shot_priority" => {
            #[derive(Deserialize)]
            struct A {
                series: String,
                episode: u32,
                shot: usize,
                priority: studio_domain::ClipPriority,
            }
            let x: A = args(command, a)?;
            let (script, plan) = e
                .set_shot_priority(&x.series, x.episode, x.shot, x.priority)
                .await?;
            storyboard_view(e, &script, plan)
        }
        "produce" => {
            let Episode { series, episode } = args(command, a)?;
            out(e.produce(&series, episode).await?)
        }
        "status" => out(e.status().await?),
        "jobs_list" => {
            #[derive(Deserialize)]
            struct A {
                series: Option<String>,
            }
            let A { series } = args(command, a)?;
            out(e.store().jobs(series.as_deref(), None).await?)
        }
        "job_retry" => {
            #[derive(Deserialize)]
            struct A {
                id: i64,
            }
            let A { id } = args(command, a)?;
            out(e
                .store()
                .retry_job(id, studio_core::production::now_ms())
                .await?)
        }
        "series_pause" => {
            #[derive(Deserialize)]
            struct A {
                series: String,
                paused: bool,
            }
            let x: A = args(command, a)?;
            let s = e.store().find_series(&x.series).await?;
            out(e.store().set_series_paused(&s.id, x.paused).await?)
        }
        "review_list" => out(e.review_list().await?),
        "review_approve" => {
            #[derive(Deserialize)]
            struct A {
                series: String,
                episode: u32,
                #[serde(default)]
                reason: String,
                publish_at: Option<String>,
            }
            let x: A = args(command, a)?;
            out(e
                .approve_episode(&x.series, x.episode, &x.reason, x.publish_at.as_deref())
                .await?)
        }
        "review_reject" => {
            #[derive(Deserialize)]
            struct A {
                series: String,
                episode: u32,
                reason: String,
            }
            let x: A = args(command, a)?;
            out(e
                .reject_episode(&x.series, x.episode, &x.reason)
                .await?
                .to_string())
        }
        "review_regenerate" => {
            #[derive(Deserialize)]
            struct A {
                series: String,
                episode: u32,
                scenes: Vec<u32>,
                #[serde(default)]
                reason: String,
            }
            let x: A = args(command, a)?;
            out(e
                .regenerate_scenes(&x.series, x.episode, &x.scenes, &x.reason)
                .await?)
        }
        "publish_channel_set" => {
            #[derive(Deserialize)]
            struct A {
                series: String,
                channel: String,
            }
            let x: A = args(command, a)?;
            e.set_publish_channel(&x.series, &x.channel).await?;
            out(true)
        }
        "channels_list" => out(e.channels().await?),
        "channel_connect" => {
            // Starts the Google sign-in: the UI opens the returned URL; the loopback listener finishes the flow in
            // the background and an alert event says when the channel is connected (or why not).
            let flow = e.begin_channel_connect().await?;
            let url = flow.url.clone();
            let engine2 = engine.clone();
            tokio::spawn(async move {
                if let Err(err) = engine2
                    .finish_channel_connect(flow, std::time::Duration::from_secs(600))
                    .await
                {
                    engine2.events().publish(studio_core::EngineEvent::Alert {
                        level: studio_core::AlertLevel::Warning,
                        message: format!(
                            "the YouTube channel was not connected: {}",
                            err.payload().message
                        ),
                    });
                }
            });
            out(json!({ "url": url }))
        }
        "secrets_status" => out(e.secret_status().await?),
        "secret_set" => {
            #[derive(Deserialize)]
            struct A {
                provider: String,
                value: String,
            }
            let x: A = args(command, a)?;
            // The value goes to the keyring; only "configured" comes back.
            e.set_secret(&x.provider, studio_core::Secret::new(x.value))
                .await?;
            out(e
                .secret_status()
                .await?
                .into_iter()
                .find(|s| s.provider == x.provider))
        }
        "system_doctor" => out(e.doctor().await),
        "settings_get" => {
            // What is saved (config.toml) — the running engine picks changes up on restart, which this says.
            let saved = studio_core::config::Config::load_or_create(e.data_dir())?;
            let c = &saved;
            // The sections the settings screen edits (the environment overrides none of them).
            let r = e.config();
            let restart_needed = r.visuals != saved.visuals
                || r.production != saved.production
                || r.youtube != saved.youtube;
            out(json!({
                "restart_needed": restart_needed,
                "data_dir": e.data_dir(),
                "visuals": c.visuals,
                "production": c.production,
                "youtube": c.youtube,
                "render": c.render,
                "endpoints": c.endpoints,
            }))
        }
        "settings_set" => {
            #[derive(Deserialize)]
            struct A {
                changes: serde_json::Map<String, Value>,
            }
            let A { changes } = args(command, a)?;
            let changed = e.edit_settings(&changes)?;
            out(json!({ "changed": changed, "restart_needed": true }))
        }
        "settings_import" => {
            // The seeds' settings.json (or a series plan), uploaded from the UI.
            #[derive(Deserialize)]
            struct A {
                file_name: String,
                content: String,
            }
            let x: A = args(command, a)?;
            let name: String = x
                .file_name
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
                .collect();
            if !name.ends_with(".json") {
                return Err(CoreError::invalid(
                    "import a .json file (the seeds' settings.json or a series plan)",
                ));
            }
            let dir = e.data_dir().join("imports");
            std::fs::create_dir_all(&dir).map_err(|err| CoreError::io("creating imports/", err))?;
            let path = dir.join(&name);
            std::fs::write(&path, x.content)
                .map_err(|err| CoreError::io("saving the import", err))?;
            out(e.import_file(&path).await?)
        }
        "outline_set" => {
            #[derive(Deserialize)]
            struct A {
                series: String,
                episode: u32,
                edit: studio_core::editing::OutlineEdit,
            }
            let x: A = args(command, a)?;
            e.edit_outline(&x.series, x.episode, x.edit).await?;
            out(e.show_series(&x.series).await?)
        }
        "episode_check" => {
            let Episode { series, episode } = args(command, a)?;
            out(e.check_episode(&series, episode).await?)
        }
        "episode_rewrite" => {
            let Episode { series, episode } = args(command, a)?;
            out(e.rewrite_episode(&series, episode).await?)
        }
        "metadata_get" => {
            let Episode { series, episode } = args(command, a)?;
            out(e.metadata_view(&series, episode).await?)
        }
        "metadata_set" => {
            #[derive(Deserialize)]
            struct A {
                series: String,
                episode: u32,
                edit: studio_core::editing::MetadataEdit,
            }
            let x: A = args(command, a)?;
            out(e.edit_metadata(&x.series, x.episode, x.edit).await?)
        }
        other => Err(CoreError::invalid(format!(
            "unknown command \"{other}\" (known: {})",
            COMMANDS.join(", ")
        ))),
    }
}

/// One scene as the priority review lists it.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SceneSummary {
    pub number: u32,
    pub location: String,
    pub lines: usize,
}

/// The storyboard for the priority review: the shots, the plan with the providers configured now, and the plan as
/// it would be with paid video and stills (so an offline studio still shows what a choice would cost).
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct StoryboardView {
    pub shots: Vec<studio_domain::Shot>,
    pub scenes: Vec<SceneSummary>,
    pub plan: studio_pipeline::visuals::RoutePlan,
    pub if_paid: studio_pipeline::visuals::RoutePlan,
}

/// What an audition made: the file to play (a `/media/…` URL path) and its measurements.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Audition {
    pub media: String,
    pub audio: studio_domain::LineAudio,
}

fn storyboard_view(
    e: &Engine,
    script: &studio_domain::EpisodeScript,
    plan: studio_pipeline::visuals::RoutePlan,
) -> Result<Value, CoreError> {
    let durations: Vec<f64> = plan.decisions.iter().map(|d| d.duration_sec).collect();
    let if_paid = studio_pipeline::visuals::plan_routes(
        &script.storyboard,
        &durations,
        &e.config().visuals,
        &studio_pipeline::pricing::Pricing::bundled(),
        studio_pipeline::visuals::Available {
            video: true,
            paid_stills: true,
        },
        plan.spent_before_usd,
    );
    out(StoryboardView {
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
        plan,
        if_paid,
    })
}
