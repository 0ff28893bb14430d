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
        "google_oauth_auth",
        "AIDAS_GOOGLE_OAUTH_AUTH_URL",
        "https://accounts.google.com/o/oauth2/v2/auth",
    ),
    (
        "google_oauth_token",
        "AIDAS_GOOGLE_OAUTH_TOKEN_URL",
        "https://oauth2.googleapis.com/token",
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
            endpoints: ENDPOINTS
                .iter()
                .map(|(n, _, url)| (n.to_string(), url.to_string()))
                .collect(),
        }
    }
}

impl Config {
    /// Reads `config.toml` from the data dir, writing the defaults there first if it does not exist.
    pub fn load_or_create(data_dir: &Path) -> Result<Config, CoreError> {
        let path = data_dir.join(CONFIG_FILE);
        let cfg = match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&text, &path)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let cfg = Config::default();
                let text = format!(
                    "# AIDAS Studio configuration. Secrets are never stored here: use `aidas secrets set`.\n{}",
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

    pub fn parse(text: &str, path: &Path) -> Result<Config, CoreError> {
        let mut cfg: Config =
            toml::from_str(text).map_err(|e| CoreError::config(path, e.to_string()))?;
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
        if !["offline", "openai", "anthropic"].contains(&cfg.writer.default.as_str()) {
            return Err(CoreError::config(
                path,
                format!(
                    "writer.default: \"{}\" is not one of offline, openai, anthropic",
                    cfg.writer.default
                ),
            ));
        }
        if let Some(problem) = cfg.render.problems().into_iter().next() {
            return Err(CoreError::config(path, problem));
        }
        if !["always", "flagged", "never"].contains(&cfg.production.review.as_str()) {
            return Err(CoreError::config(
                path,
                format!(
                    "production.review: \"{}\" is not one of always, flagged, never",
                    cfg.production.review
                ),
            ));
        }
        for (name, url) in &cfg.endpoints {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(CoreError::config(
                    path,
                    format!("endpoints.{name}: \"{url}\" is not an http(s) URL"),
                ));
            }
        }
        Ok(cfg)
    }

    /// Applies `AIDAS_*` environment overrides (base URLs, secrets backend, keyring service).
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

#[cfg(test)]
mod tests {
    use super::*;

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
