//! The studio's configuration: `<data dir>/config.toml` (versioned), with environment overrides applied on top.
//! Secrets never live here.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::CoreError;

pub const CONFIG_VERSION: u32 = 1;
pub const CONFIG_FILE: &str = "config.toml";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretsBackend {
    /// The OS keyring when reachable, else environment variables only.
    Auto,
    Keyring,
    /// Environment variables only (headless servers, CI).
    Env,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SecretsConfig {
    pub backend: SecretsBackend,
    /// The keyring service name entries are stored under.
    pub keyring_service: String,
}

impl Default for SecretsConfig {
    fn default() -> Self {
        Self {
            backend: SecretsBackend::Auto,
            keyring_service: "aidas-studio".into(),
        }
    }
}

/// Every remote endpoint the studio calls, by name, with the environment variable that overrides it.
pub const ENDPOINTS: &[(&str, &str, &str)] = &[
    (
        "openai",
        "AIDAS_OPENAI_BASE_URL",
        "https://api.openai.com/v1",
    ),
    (
        "anthropic",
        "AIDAS_ANTHROPIC_BASE_URL",
        "https://api.anthropic.com",
    ),
    (
        "elevenlabs",
        "AIDAS_ELEVENLABS_BASE_URL",
        "https://api.elevenlabs.io",
    ),
    (
        "google_tts",
        "AIDAS_GOOGLE_TTS_BASE_URL",
        "https://texttospeech.googleapis.com/v1",
    ),
    (
        "azure_tts",
        "AIDAS_AZURE_TTS_BASE_URL",
        "https://koreacentral.tts.speech.microsoft.com",
    ),
    ("fal_queue", "AIDAS_FAL_QUEUE_URL", "https://queue.fal.run"),
    (
        "fal_storage",
        "AIDAS_FAL_STORAGE_URL",
        "https://rest.alpha.fal.ai",
    ),
    (
        "hf",
        "AIDAS_HF_BASE_URL",
        "https://router.huggingface.co/hf-inference/models",
    ),
    ("heygen", "AIDAS_HEYGEN_BASE_URL", "https://api.heygen.com"),
    (
        "heygen_upload",
        "AIDAS_HEYGEN_UPLOAD_URL",
        "https://upload.heygen.com",
    ),
    (
        "youtube",
        "AIDAS_YOUTUBE_BASE_URL",
        "https://www.googleapis.com/youtube/v3",
    ),
    (
        "youtube_upload",
        "AIDAS_YOUTUBE_UPLOAD_URL",
        "https://www.googleapis.com/upload/youtube/v3",
    ),
    (
        "youtube_analytics",
        "AIDAS_YOUTUBE_ANALYTICS_URL",
        "https://youtubeanalytics.googleapis.com/v2",
    ),
    (
        "google_oauth_auth",
        "AIDAS_GOOGLE_OAUTH_AUTH_URL",
        "https://accounts.google.com/o/oauth2/v2/auth",
    ),
    (
        "google_oauth_token",
        "AIDAS_GOOGLE_OAUTH_TOKEN_URL",
        "https://oauth2.googleapis.com/token",
    ),
    (
        "telegram",
        "AIDAS_TELEGRAM_BASE_URL",
        "https://api.telegram.org",
    ),
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WriterConfig {
    /// "offline", "openai" (any OpenAI-compatible server) or "anthropic".
    pub default: String,
    pub openai_model: String,
    pub anthropic_model: String,
    /// Also ask the LLM for a continuity check (CONTINUITY_CHECK_TEMPLATE) on every script.
    pub llm_continuity_check: bool,
    pub max_output_tokens: u32,
}

impl Default for WriterConfig {
    fn default() -> Self {
        Self {
            default: "offline".into(),
            openai_model: "gpt-4o-2024-08-06".into(),
            anthropic_model: "claude-sonnet-4-5".into(),
            llm_continuity_check: true,
            max_output_tokens: 16_000,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VoicesConfig {
    pub elevenlabs_model: String,
    /// Concurrent requests the ElevenLabs plan allows (Free 2, Starter 3, Creator 5, Pro 10, Scale 15).
    pub elevenlabs_concurrency: usize,
    /// Providers to use when their key is set; espeak-ng (offline) is always the last resort.
    pub providers: Vec<String>,
    pub espeak_binary: String,
}

impl Default for VoicesConfig {
    fn default() -> Self {
        Self {
            elevenlabs_model: "eleven_multilingual_v2".into(),
            elevenlabs_concurrency: 3,
            providers: vec!["elevenlabs".into(), "google".into(), "azure".into()],
            espeak_binary: "espeak-ng".into(),
        }
    }
}

/// The episode render: picture size and encoder speed, transitions, how short clips fill their slot, intro and
/// outro lengths, the music bed and the sound targets, subtitle burn-in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(default)]
pub struct RenderConfig {
    /// "1080p" (default) or "720p".
    pub resolution: String,
    pub fps: u32,
    /// libx264 preset: ultrafast … veryslow (veryfast by default).
    pub preset: String,
    /// Constant rate factor (lower is better and bigger); 20 keeps YouTube's re-encode clean.
    pub crf: u8,
    /// Between scenes: cut, fade, fade_black, slide or zoom.
    pub transition: studio_render::transition::TransitionKind,
    pub transition_sec: f64,
    /// A clip shorter than its slot: loop or hold.
    pub fit: studio_render::frames::Fit,
    /// A clip or still of another shape than the frame (9:16, 1:1): auto (cover when within 10 %, else a
    /// blurred background), cover, blur or letterbox. render.json notes every input it applied to.
    pub framing: studio_render::frames::Framing,
    /// Length of the intro (assets/intro.* or a generated title card) and the outro.
    pub intro_sec: f64,
    pub outro_sec: f64,
    /// "auto" (a bed generated for the genre), "none", or a music file (relative to the data directory).
    pub music: String,
    /// Linear gain of the music bed (the design documents' 0.12).
    pub music_volume: f64,
    pub duck_db: f64,
    pub target_lufs: f64,
    pub ceiling_dbtp: f64,
    pub burn_subtitles: bool,
}

impl Default for RenderConfig {
    fn default() -> Self {
        Self {
            resolution: "1080p".into(),
            fps: 30,
            preset: "veryfast".into(),
            crf: 20,
            transition: studio_render::transition::TransitionKind::Fade,
            transition_sec: 0.5,
            fit: studio_render::frames::Fit::Loop,
            framing: studio_render::frames::Framing::Auto,
            intro_sec: 3.0,
            outro_sec: 4.0,
            music: "auto".into(),
            music_volume: 0.12,
            duck_db: -9.0,
            target_lufs: -14.0,
            ceiling_dbtp: -1.0,
            burn_subtitles: true,
        }
    }
}

pub const X264_PRESETS: &[&str] = &[
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
];

impl RenderConfig {
    /// Output size for the configured resolution.
    pub fn size(&self) -> (u32, u32) {
        if self.resolution == "720p" {
            (1280, 720)
        } else {
            (1920, 1080)
        }
    }

    /// What is wrong with these settings, if anything.
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if !["1080p", "720p"].contains(&self.resolution.as_str()) {
            p.push(format!(
                "render.resolution: \"{}\" is not 1080p or 720p",
                self.resolution
            ));
        }
        if !X264_PRESETS.contains(&self.preset.as_str()) {
            p.push(format!(
                "render.preset: \"{}\" is not one of {}",
                self.preset,
                X264_PRESETS.join(", ")
            ));
        }
        if ![24, 25, 30, 50, 60].contains(&self.fps) {
            p.push(format!(
                "render.fps: {} is not 24, 25, 30, 50 or 60",
                self.fps
            ));
        }
        if self.crf > 51 {
            p.push(format!("render.crf: {} is over 51", self.crf));
        }
        let range = |name: &str, v: f64, lo: f64, hi: f64, p: &mut Vec<String>| {
            if !(v.is_finite() && (lo..=hi).contains(&v)) {
                p.push(format!("render.{name}: {v} is outside {lo}–{hi}"));
            }
        };
        range("transition_sec", self.transition_sec, 0.0, 3.0, &mut p);
        range("intro_sec", self.intro_sec, 0.0, 30.0, &mut p);
        range("outro_sec", self.outro_sec, 0.0, 30.0, &mut p);
        range("music_volume", self.music_volume, 0.0, 1.0, &mut p);
        range("duck_db", self.duck_db, -40.0, 0.0, &mut p);
        range("target_lufs", self.target_lufs, -40.0, -5.0, &mut p);
        range("ceiling_dbtp", self.ceiling_dbtp, -12.0, 0.0, &mut p);
        p
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    pub version: u32,
    pub secrets: SecretsConfig,
    pub writer: WriterConfig,
    pub voices: VoicesConfig,
    /// Visual routing: models, budget per episode, hard cap, default shot length, parallel clips.
    pub visuals: studio_pipeline::visuals::VisualConfig,
    /// HeyGen avatars: avatar per character, plan quota, partial strategy, polling.
    pub avatars: studio_pipeline::avatars::AvatarConfig,
    /// The Hugging Face model for secondary stills.
    pub hf_still_model: String,
    /// Upload metadata templates (title, description, tags, category, language).
    pub metadata: studio_pipeline::metadata::MetadataTemplate,
    /// Subtitle style (font, size, colours, outline, line lengths, colour per speaker).
    pub subtitles: studio_pipeline::subtitles::SubtitleStyle,
    /// Script checks: intimacy step, main-character absence, quality threshold and floor, attempts, lines per 10 min.
    pub checks: studio_pipeline::CheckConfig,
    /// The episode render (size, preset, transitions, intro/outro, music, loudness, subtitles).
    pub render: RenderConfig,
    /// Production: workers, leases, retries and backoff, the review gate policy.
    pub production: crate::production::ProductionConfig,
    /// YouTube: OAuth client, default channel, privacy and schedule, chunk size, quota accounting.
    pub youtube: crate::youtube::YouTubeConfig,
    /// Alert channels: the least level each receives, the Telegram chat, the e-mail server and recipients.
    pub alerts: crate::alerts::channels::AlertsConfig,
    /// Viewer feedback: comments per collection, the units it may use a day, character aliases, proposal bounds,
    /// the background schedule.
    pub feedback: crate::feedback::FeedbackConfig,
    /// Base URL per endpoint name (see [`ENDPOINTS`]); missing names use the default.
    pub endpoints: BTreeMap<String, String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            version: CONFIG_VERSION,
            secrets: SecretsConfig::default(),
            writer: WriterConfig::default(),
            voices: VoicesConfig::default(),
            visuals: studio_pipeline::visuals::VisualConfig::default(),
            avatars: studio_pipeline::avatars::AvatarConfig::default(),
            hf_still_model: "black-forest-labs/FLUX.1-schnell".into(),
            metadata: Default::default(),
            subtitles: Default::default(),
            checks: studio_pipeline::CheckConfig::default(),
            render: RenderConfig::default(),
            production: Default::default(),
            youtube: Default::default(),
            alerts: Default::default(),
            feedback: Default::default(),
            endpoints: ENDPOINTS
                .iter()
                .map(|(n, _, url)| (n.to_string(), url.to_string()))
                .collect(),
        }
    }
}

impl Config {
    /// Reads `config.toml` from the data dir, writing the defaults there first if it does not exist.
    ///
    /// # Errors
    /// `InvalidConfig` naming the file, line and key for a file that does not parse or validate; `Io` when the data
    /// directory cannot be written.
    pub fn load_or_create(data_dir: &Path) -> Result<Config, CoreError> {
        let path = data_dir.join(CONFIG_FILE);
        let cfg = match std::fs::read(&path) {
            Ok(bytes) => Self::parse(&crate::textfile::decode_text(&bytes, &path)?, &path)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let cfg = Config::default();
                let text = format!(
                    "# AIDAS Studio configuration. Secrets are never stored here: use `aidas secrets set PROVIDER`.\n{}",
                    toml::to_string_pretty(&cfg)
                        .map_err(|e| CoreError::config(&path, e.to_string()))?
                );
                std::fs::write(&path, text)
                    .map_err(|e| CoreError::io(format!("writing {}", path.display()), e))?;
                cfg
            }
            Err(e) => return Err(CoreError::io(format!("reading {}", path.display()), e)),
        };
        Ok(cfg)
    }

    /// Reads `config.toml` text and validates it as a whole.
    ///
    /// # Errors
    /// [`CoreError::Config`] naming the file: TOML syntax, a newer version, or every bad key at once (one message
    /// per key: what, where, an example of a good value — see [`Config::problems`]).
    pub fn parse(text: &str, path: &Path) -> Result<Config, CoreError> {
        let mut table: toml::Table = toml::from_str(crate::textfile::strip_bom(text))
            .map_err(|e| CoreError::config(path, e.to_string()))?;
        migrate(&mut table);
        let mut cfg: Config = toml::Value::Table(table.clone())
            .try_into()
            .map_err(|e: toml::de::Error| CoreError::config(path, e.to_string()))?;
        if cfg.version > CONFIG_VERSION {
            return Err(CoreError::config(
                path,
                format!(
                    "version {} was written by a newer AIDAS Studio (this one reads up to {CONFIG_VERSION})",
                    cfg.version
                ),
            ));
        }
        cfg.version = CONFIG_VERSION;
        for (name, _, url) in ENDPOINTS {
            cfg.endpoints
                .entry(name.to_string())
                .or_insert_with(|| url.to_string());
        }
        let mut problems = unknown_keys(&table, &cfg);
        problems.extend(cfg.problems());
        if !problems.is_empty() {
            return Err(CoreError::config(path, problems.join("\n")));
        }
        Ok(cfg)
    }

    /// Everything wrong with these settings, one message per key ("section.key: what is wrong (an example)").
    /// Run when the config is loaded and before any edit is saved, so a setting that means nothing (a work window
    /// in words, a budget above its hard cap) is refused instead of read as a default.
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        let one_of = |key: &str, v: &str, allowed: &[&str], p: &mut Vec<String>| {
            if !allowed.contains(&v) {
                p.push(format!(
                    "{key}: \"{v}\" is not one of {}",
                    allowed.join(", ")
                ));
            }
        };
        let money = |key: &str, v: f64, p: &mut Vec<String>| {
            if !(v.is_finite() && v >= 0.0) {
                p.push(format!(
                    "{key}: {v} is not an amount of dollars (0 or more, e.g. 2.5)"
                ));
            }
        };
        one_of(
            "writer.default",
            &self.writer.default,
            &["offline", "openai", "anthropic"],
            &mut p,
        );
        p.extend(self.render.problems());
        let prod = &self.production;
        one_of(
            "production.review",
            &prod.review,
            &["always", "flagged", "never"],
            &mut p,
        );
        if let Err(e) = crate::clock::parse_work_window(&prod.work_window) {
            p.push(format!("production.work_window: {e}"));
        }
        if let Err(e) = crate::clock::time_zone(&prod.time_zone) {
            p.push(format!("production.time_zone: {e}"));
        }
        if prod.workers == 0 || prod.workers > 16 {
            p.push(format!(
                "production.workers: {} is outside 1–16 (e.g. 2)",
                prod.workers
            ));
        }
        if prod.max_attempts < 1 {
            p.push(format!(
                "production.max_attempts: {} must be at least 1 (e.g. 5)",
                prod.max_attempts
            ));
        }
        if !(prod.poll_sec.is_finite() && prod.poll_sec > 0.0) {
            p.push(format!(
                "production.poll_sec: {} must be above 0 (e.g. 2)",
                prod.poll_sec
            ));
        }
        if prod.heartbeat_sec == 0 || prod.heartbeat_sec >= prod.lease_sec {
            p.push(format!(
                "production.heartbeat_sec: {} must be above 0 and below lease_sec ({}), e.g. 15 with 120",
                prod.heartbeat_sec, prod.lease_sec
            ));
        }
        if !(prod.backoff_base_sec.is_finite()
            && prod.backoff_base_sec > 0.0
            && prod.backoff_base_sec <= prod.backoff_max_sec)
        {
            p.push(format!(
                "production.backoff_base_sec: {} must be above 0 and at most backoff_max_sec ({}), e.g. 30 with 1800",
                prod.backoff_base_sec, prod.backoff_max_sec
            ));
        }
        money("production.daily_cap_usd", prod.daily_cap_usd, &mut p);
        money("production.episode_cap_usd", prod.episode_cap_usd, &mut p);
        for (name, v) in &prod.provider_daily_cap_usd {
            money(
                &format!("production.provider_daily_cap_usd.{name}"),
                *v,
                &mut p,
            );
        }
        for (name, v) in &prod.provider_rate_per_min {
            if !(v.is_finite() && *v > 0.0) {
                p.push(format!(
                    "production.provider_rate_per_min.{name}: {v} must be above 0 requests a minute (e.g. 60)"
                ));
            }
        }
        if let Some(url) = &prod.alert_webhook_url
            && !url.is_empty()
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            p.push(format!(
                "production.alert_webhook_url: \"{url}\" is not an http(s) URL (e.g. https://hooks.example.com/aidas)"
            ));
        }
        p.extend(self.alerts.problems());
        let v = &self.visuals;
        money(
            "visuals.budget_per_episode_usd",
            v.budget_per_episode_usd,
            &mut p,
        );
        money("visuals.hard_cap_usd", v.hard_cap_usd, &mut p);
        if v.budget_per_episode_usd > v.hard_cap_usd {
            p.push(format!(
                "visuals.budget_per_episode_usd: ${:.2} is above the hard cap (visuals.hard_cap_usd ${:.2}); raise the cap or lower the budget (e.g. 2.50 with a cap of 5.00)",
                v.budget_per_episode_usd, v.hard_cap_usd
            ));
        }
        if !(v.default_shot_sec.is_finite() && (1.0..=60.0).contains(&v.default_shot_sec)) {
            p.push(format!(
                "visuals.default_shot_sec: {} is outside 1–60 seconds (e.g. 5)",
                v.default_shot_sec
            ));
        }
        if v.parallel == 0 {
            p.push("visuals.parallel: 0 shots at once would never finish (e.g. 3)".into());
        }
        let c = &self.checks;
        for (key, x) in [
            ("checks.quality_threshold", c.quality_threshold),
            ("checks.quality_floor", c.quality_floor),
        ] {
            if !(x.is_finite() && (0.0..=1.0).contains(&x)) {
                p.push(format!("{key}: {x} is outside 0–1 (e.g. 0.8)"));
            }
        }
        if c.lines_per_10_min.0 > c.lines_per_10_min.1 {
            p.push(format!(
                "checks.lines_per_10_min: {:?} has its minimum above its maximum (e.g. [80, 100])",
                c.lines_per_10_min
            ));
        }
        let y = &self.youtube;
        one_of(
            "youtube.privacy",
            &y.privacy,
            &["private", "unlisted", "public"],
            &mut p,
        );
        for t in &y.publish_times {
            if crate::clock::parse_clock(t).is_none_or(|m| m >= 24 * 60) {
                p.push(format!(
                    "youtube.publish_times: \"{t}\" is not a time of day as HH:MM (e.g. \"19:00\")"
                ));
            }
        }
        if y.publish_per_day == 0 {
            p.push("youtube.publish_per_day: 0 would never publish (e.g. 1)".into());
        }
        let f = &self.feedback;
        if f.daily_units < 0 || f.daily_units >= y.daily_units {
            p.push(format!(
                "feedback.daily_units: {} must be from 0 to less than youtube.daily_units ({}), so uploads keep \
                 their units (e.g. 1000)",
                f.daily_units, y.daily_units
            ));
        }
        if f.max_comments == 0 {
            p.push("feedback.max_comments: 0 would never read a comment (e.g. 500)".into());
        }
        for (name, url) in &self.endpoints {
            if !ENDPOINTS.iter().any(|(n, _, _)| n == name) {
                p.push(format!(
                    "endpoints.{name}: not an endpoint this studio calls (known: {})",
                    ENDPOINTS
                        .iter()
                        .map(|(n, _, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            } else if !(url.starts_with("http://") || url.starts_with("https://")) {
                p.push(format!("endpoints.{name}: \"{url}\" is not an http(s) URL"));
            }
        }
        p
    }

    /// The creator's time zone (`[production] time_zone`); Asia/Seoul if it is unreadable (never stored: the
    /// config is validated when loaded and when saved).
    pub fn time_zone(&self) -> jiff::tz::TimeZone {
        crate::clock::time_zone(&self.production.time_zone)
            .or_else(|_| crate::clock::time_zone(crate::clock::DEFAULT_TIME_ZONE))
            .unwrap_or(jiff::tz::TimeZone::UTC)
    }

    /// Applies `AIDAS_*` environment overrides (base URLs, secrets backend, keyring service).
    ///
    /// # Errors
    /// `InvalidConfig` for an `AIDAS_*` override whose value does not parse or validate.
    pub fn apply_env(&mut self, vars: &BTreeMap<String, String>) -> Result<(), CoreError> {
        for (name, var, _) in ENDPOINTS {
            if let Some(v) = vars.get(*var).filter(|v| !v.is_empty()) {
                if !(v.starts_with("http://") || v.starts_with("https://")) {
                    return Err(CoreError::invalid(format!(
                        "{var}=\"{v}\" is not an http(s) URL"
                    )));
                }
                self.endpoints
                    .insert(name.to_string(), v.trim_end_matches('/').to_string());
            }
        }
        if let Some(b) = vars.get("AIDAS_SECRETS_BACKEND") {
            self.secrets.backend = match b.as_str() {
                "auto" => SecretsBackend::Auto,
                "keyring" => SecretsBackend::Keyring,
                "env" => SecretsBackend::Env,
                other => {
                    return Err(CoreError::invalid(format!(
                        "AIDAS_SECRETS_BACKEND=\"{other}\" is not one of auto, keyring, env"
                    )));
                }
            };
        }
        if let Some(w) = vars.get("AIDAS_WRITER").filter(|s| !s.is_empty()) {
            self.writer.default = w.clone();
        }
        if let Some(m) = vars.get("AIDAS_OPENAI_MODEL").filter(|s| !s.is_empty()) {
            self.writer.openai_model = m.clone();
        }
        if let Some(m) = vars.get("AIDAS_ANTHROPIC_MODEL").filter(|s| !s.is_empty()) {
            self.writer.anthropic_model = m.clone();
        }
        if let Some(s) = vars.get("AIDAS_KEYRING_SERVICE").filter(|s| !s.is_empty()) {
            self.secrets.keyring_service = s.clone();
        }
        if let Some(s) = vars.get("AIDAS_RENDER_PRESET").filter(|s| !s.is_empty()) {
            self.render.preset = s.clone();
        }
        if let Some(s) = vars
            .get("AIDAS_RENDER_RESOLUTION")
            .filter(|s| !s.is_empty())
        {
            self.render.resolution = s.clone();
        }
        if let Some(problem) = self.render.problems().into_iter().next() {
            return Err(CoreError::invalid(problem));
        }
        Ok(())
    }

    pub fn endpoint(&self, name: &str) -> Option<&str> {
        self.endpoints.get(name).map(|s| s.as_str())
    }
}

/// Reads settings written by earlier versions: `[production] utc_offset_min` (a fixed offset) became
/// `time_zone` (an IANA name that follows daylight saving). 540 — Asia/Seoul — is the only value the studio ever
/// wrote itself and becomes that zone. Any other offset was set by a person and cannot be turned into a zone
/// without guessing (−300 is New York in winter, Lima all year): it is left in place, and validation names it
/// with what to write instead.
fn migrate(table: &mut toml::Table) {
    let Some(prod) = table.get_mut("production").and_then(|p| p.as_table_mut()) else {
        return;
    };
    if prod.get("utc_offset_min").and_then(|v| v.as_integer()) == Some(540)
        && !prod.contains_key("time_zone")
    {
        prod.remove("utc_offset_min");
        prod.insert(
            "time_zone".into(),
            toml::Value::String(crate::clock::DEFAULT_TIME_ZONE.into()),
        );
    }
}

/// Keys in the file that no setting reads (a typo such as `work_windw` would otherwise be silently ignored and
/// its default used): every key of `input` must also appear when the parsed config is written back.
fn unknown_keys(input: &toml::Table, cfg: &Config) -> Vec<String> {
    let Ok(toml::Value::Table(known)) = toml::Value::try_from(cfg) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    fn walk(prefix: &str, input: &toml::Table, known: &toml::Table, out: &mut Vec<String>) {
        for (k, v) in input {
            let key = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            if key == "production.utc_offset_min" {
                out.push(format!(
                    "production.utc_offset_min: {v} is a fixed offset, which is wrong for half the year where clocks \
                     change; replace it with production.time_zone = \"<your IANA zone>\" (e.g. \"America/New_York\", \
                     \"Europe/Berlin\", \"Asia/Seoul\")"
                ));
                continue;
            }
            match (v, known.get(k)) {
                (_, None) => {
                    // The nearest known key in the same section, when it is a plausible typo (Levenshtein ≤ 2).
                    let near = known
                        .keys()
                        .map(|c| (strsim::levenshtein(k, c), c))
                        .filter(|(d, _)| *d <= 2)
                        .min();
                    out.push(match near {
                        Some((_, c)) => format!(
                            "{key}: not a setting this studio reads; did you mean {}?",
                            if prefix.is_empty() {
                                c.clone()
                            } else {
                                format!("{prefix}.{c}")
                            }
                        ),
                        None => format!("{key}: not a setting this studio reads"),
                    });
                }
                (toml::Value::Table(a), Some(toml::Value::Table(b))) => walk(&key, a, b, out),
                _ => {}
            }
        }
    }
    walk("", input, &known, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_key_is_named_once_and_nothing_is_read_as_a_default() {
        let text = "[production]\nwork_window = \"밤 10시부터\"\ntime_zone = \"Seoul\"\nworkers = 0\n\
                    [visuals]\nbudget_per_episode_usd = 8.0\nhard_cap_usd = 5.0\n\
                    [youtube]\npublish_times = [\"7pm\"]\n[render]\nwork_windw = 1\n";
        let e = Config::parse(text, Path::new("/d/config.toml")).unwrap_err();
        assert_eq!(e.code(), "invalid_config");
        let m = e.to_string();
        assert!(m.starts_with("/d/config.toml: "), "{m}");
        for key in [
            "production.work_window",
            "production.time_zone",
            "production.workers",
            "visuals.budget_per_episode_usd",
            "youtube.publish_times",
            "render.work_windw",
        ] {
            assert_eq!(m.matches(&format!("{key}:")).count(), 1, "{key} in {m}");
        }
        assert!(
            m.contains("22:00-07:00"),
            "an example of a good window: {m}"
        );
        assert!(m.contains("hard cap"), "{m}");
        let typo = Config::parse(
            "[production]\nwork_windw = \"22:00-07:00\"\n",
            Path::new("c"),
        )
        .unwrap_err();
        assert!(
            typo.to_string()
                .contains("did you mean production.work_window?"),
            "{typo}"
        );
        // The same budget under its cap is fine.
        let ok = "[visuals]\nbudget_per_episode_usd = 4.0\nhard_cap_usd = 5.0\n[production]\nwork_window = \"22:00-07:00\"\n";
        assert!(Config::parse(ok, Path::new("c")).is_ok());
    }

    #[test]
    fn an_old_fixed_offset_becomes_a_time_zone() {
        let c = Config::parse("[production]\nutc_offset_min = 540\n", Path::new("c")).unwrap();
        assert_eq!(c.production.time_zone, "Asia/Seoul");
        // Any other offset was a person's choice: named, with what to write instead, never guessed.
        for other in ["-300", "330", "0"] {
            let e = Config::parse(
                &format!("[production]\nutc_offset_min = {other}\n"),
                Path::new("c"),
            )
            .unwrap_err();
            let m = e.to_string();
            assert!(
                m.contains("production.utc_offset_min") && m.contains("production.time_zone"),
                "{m}"
            );
            assert!(!m.contains("not a setting"), "{m}");
        }
    }

    #[test]
    fn defaults_round_trip_and_fill_missing_endpoints() {
        let text = "version = 1\n[endpoints]\nopenai = \"http://127.0.0.1:11434/v1\"\n";
        let c = Config::parse(text, Path::new("config.toml")).unwrap();
        assert_eq!(c.endpoint("openai"), Some("http://127.0.0.1:11434/v1"));
        assert_eq!(c.endpoint("fal_queue"), Some("https://queue.fal.run"));
        let again = Config::parse(&toml::to_string(&c).unwrap(), Path::new("c")).unwrap();
        assert_eq!(again, c);
    }

    #[test]
    fn newer_versions_and_bad_urls_are_refused_with_the_place() {
        let e = Config::parse("version = 9", Path::new("/d/config.toml")).unwrap_err();
        assert!(e.to_string().contains("/d/config.toml"), "{e}");
        assert!(e.to_string().contains("newer"));
        let e = Config::parse("[endpoints]\nfal_queue = \"ftp://x\"", Path::new("c")).unwrap_err();
        assert!(e.to_string().contains("endpoints.fal_queue"), "{e}");
        let e = Config::parse("version = \"one\"", Path::new("c")).unwrap_err();
        assert_eq!(e.code(), "invalid_config");
    }

    #[test]
    fn env_overrides_apply() {
        let mut c = Config::default();
        let vars: BTreeMap<String, String> = [
            ("AIDAS_FAL_QUEUE_URL", "http://127.0.0.1:9999/"),
            ("AIDAS_SECRETS_BACKEND", "env"),
            ("AIDAS_KEYRING_SERVICE", "test-svc"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        c.apply_env(&vars).unwrap();
        assert_eq!(c.endpoint("fal_queue"), Some("http://127.0.0.1:9999"));
        assert_eq!(c.secrets.backend, SecretsBackend::Env);
        assert_eq!(c.secrets.keyring_service, "test-svc");
        let bad: BTreeMap<String, String> =
            [("AIDAS_SECRETS_BACKEND".to_string(), "vault".to_string())]
                .into_iter()
                .collect();
        assert!(c.apply_env(&bad).is_err());
    }
}
