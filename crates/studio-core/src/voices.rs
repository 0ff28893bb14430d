//! Casting and voices: which voice providers the engine uses (keys from the secret store), the FFmpeg-backed audio
//! tools, and the operations the shells call.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use studio_domain::{CastEntry, LineAudio};
use studio_pipeline::Pricing;
use studio_pipeline::voice::VoiceProvider;
use studio_pipeline::voicing::{AudioMeasure, AudioNormalizer, VoiceStage, VoicingReport};
use studio_providers::{AzureVoices, ElevenLabsVoices, EspeakVoices, GoogleVoices};

use crate::{CoreError, Engine};

/// In-process media through the render crate (FFmpeg via ffmpeg-next): audio normalisation and clip lengths.
pub struct RenderMedia;

impl studio_pipeline::visuals::ClipProbe for RenderMedia {
    fn video_duration(&self, path: &Path) -> Result<f64, String> {
        studio_render::kenburns::probe_video(path)
            .map(|p| p.duration_sec)
            .map_err(|e| e.to_string())
    }
}

impl studio_pipeline::avatars::AudioJoin for RenderMedia {
    fn join(&self, parts: &[PathBuf], gap_sec: f64, dst: &Path) -> Result<Vec<(f64, f64)>, String> {
        let parts: Vec<&Path> = parts.iter().map(PathBuf::as_path).collect();
        studio_render::audio::join_wav48k(&parts, gap_sec, dst).map_err(|e| e.to_string())
    }
}

impl AudioNormalizer for RenderMedia {
    fn normalize(&self, src: &Path, dst: &Path) -> Result<AudioMeasure, String> {
        studio_render::audio::normalize_to_wav48k(src, dst)
            .map(|i| AudioMeasure {
                duration_sec: i.duration_sec,
                sample_rate: i.sample_rate,
                rms_dbfs: i.rms_dbfs,
            })
            .map_err(|e| e.to_string())
    }
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CastRow {
    pub character_id: String,
    pub name: String,
    pub importance: studio_domain::Importance,
    pub entry: CastEntry,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CastView {
    pub series_id: String,
    pub locked: bool,
    pub rows: Vec<CastRow>,
    pub notes: Vec<String>,
}

impl Engine {
    /// Voice providers in fallback order: every configured cloud provider whose key is set, then espeak-ng.
    ///
    /// # Errors
    /// `KeyringUnavailable`/`KeyringError` when a key cannot be read.
    pub async fn voice_providers(&self) -> Result<Vec<Arc<dyn VoiceProvider>>, CoreError> {
        let cfg = &self.config().voices;
        let endpoint = |n: &str| self.config().endpoint(n).unwrap_or_default().to_string();
        let mut out: Vec<Arc<dyn VoiceProvider>> = Vec::new();
        for p in &cfg.providers {
            match p.as_str() {
                "elevenlabs" => {
                    if let Some(k) = self.secret("elevenlabs").await? {
                        out.push(Arc::new(
                            ElevenLabsVoices::new(
                                &endpoint("elevenlabs"),
                                Some(k.expose().into()),
                                &cfg.elevenlabs_model,
                                cfg.elevenlabs_concurrency,
                            )
                            .with_limits(self.rate_limits()),
                        ));
                    }
                }
                "google" => {
                    if let Some(k) = self.secret("google_tts").await? {
                        out.push(Arc::new(
                            GoogleVoices::new(&endpoint("google_tts"), Some(k.expose().into()))
                                .with_limits(self.rate_limits()),
                        ));
                    }
                }
                "azure" => {
                    if let Some(k) = self.secret("azure_tts").await? {
                        out.push(Arc::new(
                            AzureVoices::new(&endpoint("azure_tts"), Some(k.expose().into()))
                                .with_limits(self.rate_limits()),
                        ));
                    }
                }
                other => tracing::warn!(
                    provider = other,
                    "unknown voice provider in config; ignored"
                ),
            }
        }
        out.push(Arc::new(EspeakVoices::new(&cfg.espeak_binary)));
        Ok(out)
    }

    pub(crate) async fn voice_stage<'a>(
        &'a self,
        pricing: &'a Pricing,
    ) -> Result<VoiceStage<'a>, CoreError> {
        Ok(VoiceStage {
            providers: self.voice_providers().await?,
            store: self.store(),
            audio: Arc::new(RenderMedia),
            data_dir: self.data_dir().to_path_buf(),
            pricing,
            caps: self.spend_caps(),
        })
    }

    pub(crate) async fn cast_view(
        &self,
        series_id: &str,
        notes: Vec<String>,
    ) -> Result<CastView, CoreError> {
        let (entries, locked) = self.store().cast(series_id).await?;
        let chars = self.store().characters(series_id).await?;
        let rows = entries
            .into_iter()
            .filter_map(|e| {
                chars
                    .iter()
                    .find(|c| c.id == e.character_id)
                    .map(|c| CastRow {
                        character_id: c.id.clone(),
                        name: c.name.clone(),
                        importance: c.importance,
                        entry: e,
                    })
            })
            .collect();
        Ok(CastView {
            series_id: series_id.into(),
            locked,
            rows,
            notes,
        })
    }

    /// The series' cast, casting it (and locking it) if nobody has a voice yet.
    ///
    /// # Errors
    /// `UnknownSeries` when no series has that id or title; `Database` (and `CorruptData`) from the store.
    pub async fn cast(&self, series: &str) -> Result<CastView, CoreError> {
        let s = self.store().find_series(series).await?;
        let pricing = Pricing::bundled();
        let (_, notes) = self.voice_stage(&pricing).await?.ensure_cast(&s.id).await?;
        self.cast_view(&s.id, notes).await
    }

    /// # Errors
    /// `UnknownSeries` when no series has that id or title; `Database` (and `CorruptData`) from the store.
    pub async fn set_cast_locked(&self, series: &str, locked: bool) -> Result<CastView, CoreError> {
        let s = self.store().find_series(series).await?;
        self.store().set_cast_locked(&s.id, locked).await?;
        self.cast_view(&s.id, Vec::new()).await
    }

    /// Casts again from the current voice pool (the cast must be unlocked), then locks it.
    ///
    /// # Errors
    /// `UnknownSeries` when no series has that id or title; the voice providers' errors by class (`Auth`,
    /// `QuotaExhausted`, …); keyring errors reading their keys; `Database` (and `CorruptData`) from the store.
    pub async fn recast(&self, series: &str) -> Result<CastView, CoreError> {
        let s = self.store().find_series(series).await?;
        let pricing = Pricing::bundled();
        let (_, notes) = self.voice_stage(&pricing).await?.recast(&s.id).await?;
        self.store().set_cast_locked(&s.id, true).await?;
        self.cast_view(&s.id, notes).await
    }

    /// Speaks a sample with a character's voice; returns what was measured, with the file (`path`, relative to the
    /// data directory).
    ///
    /// # Errors
    /// `unknown_series`, `unknown_character`; `invalid_input` for text with nothing to speak; voice provider errors.
    pub async fn audition(
        &self,
        series: &str,
        character: &str,
        text: Option<&str>,
    ) -> Result<LineAudio, CoreError> {
        let s = self.store().find_series(series).await?;
        let pricing = Pricing::bundled();
        let default_text = "안녕하세요. 오늘부터 이 목소리로 이야기를 들려드릴게요.";
        let a = self
            .voice_stage(&pricing)
            .await?
            .audition(&s.id, character, text.unwrap_or(default_text))
            .await?;
        Ok(a)
    }

    pub(crate) async fn visuals_stage<'a>(
        &'a self,
        pricing: &'a Pricing,
    ) -> Result<studio_pipeline::visuals::VisualsStage<'a>, CoreError> {
        let cfg = &self.config().visuals;
        // fal (FLUX stills, Kling video) when its key is set; offline stills otherwise.
        // fal's keys in order (`fal`, `fal#2`, …: the next takes over when one is set aside); offline stills
        // without any.
        let poll = std::time::Duration::from_secs_f64(cfg.poll_interval_sec.max(0.05));
        let queue = self
            .config()
            .endpoint("fal_queue")
            .unwrap_or_default()
            .to_string();
        let storage = self
            .config()
            .endpoint("fal_storage")
            .unwrap_or_default()
            .to_string();
        let limits = self.rate_limits();
        let remote = self
            .remote_accounts("fal", |k| {
                Arc::new(
                    studio_providers::FalQueue::new(&queue, Some(k.expose().into()), poll)
                        .with_storage(&storage)
                        .with_limits(limits.clone()),
                )
            })
            .await?;
        Ok(studio_pipeline::visuals::VisualsStage {
            remote,
            deadline: std::time::Duration::from_secs_f64(cfg.job_deadline_min.max(0.01) * 60.0),
            stills: {
                let mut v: Vec<Arc<dyn studio_pipeline::visuals::StillGen>> = Vec::new();
                if let Some(k) = self.secret("hf").await? {
                    v.push(Arc::new(
                        studio_providers::HfStills::new(
                            self.config().endpoint("hf").unwrap_or_default(),
                            Some(k.expose().into()),
                            &self.config().hf_still_model,
                        )
                        .with_limits(self.rate_limits()),
                    ));
                }
                v.push(Arc::new(studio_providers::OfflineStills));
                v
            },
            clips: Arc::new(RenderMedia),
            store: self.store(),
            data_dir: self.data_dir().to_path_buf(),
            pricing,
            cfg: cfg.clone(),
            caps: self.spend_caps(),
        })
    }

    /// The storyboard of an accepted episode: every shot with its measured duration, route, estimate and reason.
    pub(crate) async fn storyboard(
        &self,
        series: &str,
        n: u32,
    ) -> Result<
        (
            studio_domain::EpisodeScript,
            studio_pipeline::visuals::RoutePlan,
        ),
        CoreError,
    > {
        let s = self.store().find_series(series).await?;
        let pricing = Pricing::bundled();
        Ok(self
            .visuals_stage(&pricing)
            .await?
            .storyboard(&s.id, n)
            .await?)
    }

    /// The scene priority review: sets one shot's priority (high → AI video, low → still + Ken Burns) in the stored
    /// script and returns the storyboard re-estimated. Shots that already have media keep it until regenerated.
    pub(crate) async fn set_shot_priority(
        &self,
        series: &str,
        n: u32,
        shot: usize,
        priority: studio_domain::ClipPriority,
    ) -> Result<
        (
            studio_domain::EpisodeScript,
            studio_pipeline::visuals::RoutePlan,
        ),
        CoreError,
    > {
        let (s, mut script) = self.series_and_script(series, n).await?;
        let count = script.storyboard.len();
        let Some(sh) = script.storyboard.get_mut(shot) else {
            return Err(CoreError::invalid(format!(
                "{} episode {n} has shots 0–{}, not {shot}",
                s.title,
                count.saturating_sub(1)
            )));
        };
        if sh.clip_priority != priority {
            sh.clip_priority = priority;
            let report = self.store().check_report(&s.id, n).await?;
            let v = serde_json::to_value(&script)
                .map_err(|e| CoreError::Internal(format!("script: {e}")))?;
            self.store()
                .save_script(&s.id, n, &v, report.as_ref())
                .await?;
        }
        self.storyboard(&s.id, n).await
    }

    /// Makes a picture for every shot of an episode (an AI clip or a still; offline, stills); only missing ones are
    /// made.
    ///
    /// # Errors
    /// `UnknownSeries` when no series has that id or title; the providers' errors by class (`QuotaExhausted`,
    /// `Auth`, …) when a paid job cannot be sent; keyring errors; `Database` (and `CorruptData`) from the store.
    pub async fn make_visuals(
        &self,
        series: &str,
        n: u32,
    ) -> Result<studio_pipeline::visuals::VisualsReport, CoreError> {
        let s = self.store().find_series(series).await?;
        let pricing = Pricing::bundled();
        Ok(self
            .visuals_stage(&pricing)
            .await?
            .make_visuals(&s.id, n)
            .await?)
    }

    /// Lip-synced avatars for the episode's lines (HeyGen), by the per-importance strategy. Needs a HeyGen key;
    /// without one every character is voice-only and the report says so.
    ///
    /// # Errors
    /// `UnknownSeries` when no series has that id or title; the avatar provider's errors by class; keyring errors;
    /// `Database` (and `CorruptData`) from the store.
    pub async fn make_avatars(
        &self,
        series: &str,
        n: u32,
    ) -> Result<studio_pipeline::avatars::AvatarReport, CoreError> {
        let s = self.store().find_series(series).await?;
        let keys = self.provider_keys("heygen").await?;
        if keys.is_empty() {
            return Ok(studio_pipeline::avatars::AvatarReport {
                series_id: s.id,
                episode: n,
                notes: vec![
                    "no HeyGen key: every character is voice-only (portrait still + subtitles)"
                        .into(),
                ],
                ..Default::default()
            });
        }
        let cfg = self.config().avatars.clone();
        let poll = std::time::Duration::from_secs_f64(cfg.poll_interval_sec.max(0.05));
        let heygen = |k: &crate::Secret| {
            studio_providers::HeyGen::new(
                self.config().endpoint("heygen").unwrap_or_default(),
                self.config().endpoint("heygen_upload").unwrap_or_default(),
                Some(k.expose().into()),
                poll,
            )
            .with_limits(self.rate_limits())
        };
        // The account's avatars and quota come from the key in use (the first not set aside).
        let mut in_use = &keys[0].1;
        for (name, k) in &keys {
            if self.key_aside(name, k).await?.is_none() {
                in_use = k;
                break;
            }
        }
        let hg = heygen(in_use);
        let avatars = hg.avatars().await.unwrap_or_default();
        let remaining = hg.remaining_quota().await.ok();
        let provider = self
            .remote_accounts("heygen", |k| Arc::new(heygen(k)))
            .await?
            .ok_or_else(|| CoreError::Internal("the HeyGen keys vanished".into()))?;
        let pricing = Pricing::bundled();
        let stage = studio_pipeline::avatars::AvatarStage {
            provider,
            audio: Arc::new(RenderMedia),
            avatars,
            remaining_quota: remaining,
            store: self.store(),
            data_dir: self.data_dir().to_path_buf(),
            pricing: &pricing,
            cfg,
            caps: self.spend_caps(),
        };
        Ok(stage.make_avatars(&s.id, n).await?)
    }

    /// Voices every line of an accepted episode script that is not voiced yet.
    ///
    /// # Errors
    /// `UnknownSeries` when no series has that id or title; `InvalidInput` when the episode has no script; keyring
    /// errors reading the voices' keys; `Database` from the store. Lines no voice could speak are listed in the
    /// report's `failed` (with an alert), not an error.
    pub async fn voice_episode(&self, series: &str, n: u32) -> Result<VoicingReport, CoreError> {
        let s = self.store().find_series(series).await?;
        let pricing = Pricing::bundled();
        let r = self
            .voice_stage(&pricing)
            .await?
            .voice_episode(&s.id, n)
            .await?;
        if !r.failed.is_empty() {
            self.raise_alert(
                &format!("lines_not_voiced:{}:{n}", s.id),
                crate::AlertLevel::Warning,
                crate::events::AlertAbout::LinesNotVoiced {
                    series_id: s.id.clone(),
                    episode: n,
                    lines: r.failed.len(),
                },
                format!(
                    "{} episode {n}: {} line(s) could not be voiced",
                    s.title,
                    r.failed.len()
                ),
            )
            .await;
        }
        Ok(r)
    }
}
