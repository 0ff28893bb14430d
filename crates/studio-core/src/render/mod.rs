//! Rendering an episode: the voiced script on its timeline (intro, scenes, outro), the shots' clips in their slots
//! (avatar clips over the lines that have them, a card for a scene with no shot), transitions between scenes, the
//! subtitles burned in, the dialogue mixed over the music bed — into `series/<id>/epNNN/episode.mp4` with a
//! `render.json` beside it. The work runs on a blocking thread with progress and cancellation.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use studio_pipeline::timeline::{self, SlotSource};
use studio_pipeline::visuals::ShotMedia;
use studio_render::card::{CardLine, title_card};
use studio_render::frames::{Fit, Visual};
use studio_render::kenburns::{Effect, EncodeOptions};
use studio_render::mix::{Mix, MixReport, MixSettings, PlacedVoice};
use studio_render::music::{Mood, ambient_bed};
use studio_render::render::{RenderReport, RenderSpec, Segment, SubtitleBurn};
use studio_render::transition::{Transition, TransitionKind};
use tokio_util::sync::CancellationToken;

use crate::events::EngineEvent;
use crate::{CoreError, Engine};

/// Overrides for one render (else the config's).
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    pub resolution: Option<String>,
    pub preset: Option<String>,
    /// Render even when the episode's inputs have not changed since the last render.
    pub force: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EpisodeRender {
    pub series_id: String,
    pub episode: u32,
    /// Relative to the data directory.
    pub file: String,
    pub video: RenderReport,
    pub mix: MixReport,
    pub offline: bool,
    /// Where the intro, outro and music came from.
    pub intro: String,
    pub outro: String,
    pub music: String,
    pub shots: usize,
    pub avatar_lines: usize,
    pub scene_cards: usize,
    pub subtitle_events: usize,
    pub notes: Vec<String>,
    /// SHA-256 over everything the render reads (script, voices, clips, avatars, assets, settings).
    pub inputs_sha256: String,
    /// True when the MP4 from an earlier render with the same inputs was kept.
    #[serde(default)]
    pub reused: bool,
}

/// Size and modification time of a file, for fingerprints of files too big to hash on every call.
fn stamp(p: &Path) -> String {
    match std::fs::metadata(p) {
        Ok(m) => format!(
            "{}:{}",
            m.len(),
            m.modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_millis())
        ),
        Err(_) => "-".into(),
    }
}

/// The first of `assets/<name>.{mp4,mov,webm,png,jpg}` in the data directory's assets, then the bundled ones.
fn find_asset(dirs: &[PathBuf], name: &str) -> Option<PathBuf> {
    for d in dirs {
        for ext in ["mp4", "mov", "webm", "png", "jpg", "jpeg"] {
            let p = d.join(format!("{name}.{ext}"));
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

fn asset_visual(p: &Path) -> Visual {
    let ext = p
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_lowercase();
    if ["png", "jpg", "jpeg"].contains(&ext.as_str()) {
        Visual::Image(p.to_path_buf())
    } else {
        Visual::Clip(p.to_path_buf())
    }
}

/// What an episode's render is made from, checked complete by [`Engine::render_inputs`].
struct RenderInputs {
    s: studio_domain::Series,
    script: studio_domain::EpisodeScript,
    n: u32,
    /// The render settings with the call's overrides applied.
    cfg: crate::config::RenderConfig,
    data: PathBuf,
    audio: Vec<studio_domain::LineAudio>,
    /// Each shot's clip or still, by storyboard index.
    media: HashMap<usize, ShotMedia>,
    /// `series/<id>/ep<NNN>`, relative to the data directory, and the same absolute.
    ep_dir_rel: String,
    ep_dir: PathBuf,
    /// Lines that have a lip-synced picture: the clip (absolute) and where the line starts in it (seconds).
    avatar_lines: HashMap<String, (PathBuf, f64)>,
}

/// What goes to the encoder.
struct EncodeJob {
    spec: RenderSpec,
    /// Each voiced line's offset (seconds) and audio file.
    placed: Vec<(f64, PathBuf)>,
    music_src: Option<PathBuf>,
    auto_music: bool,
    mood: Mood,
    music_seed: u64,
    mix_settings: MixSettings,
    frames_total: f64,
}

/// The laid-out episode: the encoder's job and what the report says about it.
struct RenderPlan {
    job: EncodeJob,
    intro: String,
    outro: String,
    music_label: String,
    scene_cards: usize,
    subtitle_events: usize,
    notes: Vec<String>,
    offline: bool,
}

/// The last render, when its inputs' fingerprint equals `inputs_sha256` and its file is intact.
fn reusable_render(data: &Path, report_path: &Path, inputs_sha256: &str) -> Option<EpisodeRender> {
    let text = std::fs::read_to_string(report_path).ok()?;
    let mut prev = serde_json::from_str::<EpisodeRender>(&text)
        .ok()
        .filter(|p| p.inputs_sha256 == inputs_sha256)?;
    let size = std::fs::metadata(data.join(&prev.file))
        .map(|m| m.len())
        .ok();
    (size == Some(prev.video.bytes)).then(|| {
        prev.reused = true;
        prev
    })
}

mod plan;

impl Engine {
    /// Renders episode `n` of `series`. `progress(done, total)` is called as frames are encoded (also published as
    /// events); cancelling `cancel` stops it between frames and leaves no partial file. The steps: check the inputs
    /// are complete, fingerprint them (an unchanged episode keeps its file), lay out the segments, encode, record.
    ///
    /// # Errors
    /// `InvalidInput` for a missing voice, shot or music file and for media the renderer cannot read;
    /// `Cancelled` when stopped; store and I/O errors.
    pub async fn render_episode(
        &self,
        series: &str,
        n: u32,
        opts: &RenderOptions,
        progress: Arc<dyn Fn(u64, u64) + Send + Sync>,
        cancel: CancellationToken,
    ) -> Result<EpisodeRender, CoreError> {
        let inp = self.render_inputs(series, n, opts).await?;
        let inputs_sha256 = self.render_fingerprint(&inp).await;
        let report_path = inp.ep_dir.join("render.json");
        if !opts.force
            && let Some(prev) = reusable_render(&inp.data, &report_path, &inputs_sha256)
        {
            return Ok(prev);
        }
        let plan = self.render_plan(&inp).await?;
        let out = inp.ep_dir.join("episode.mp4");
        let (video, mix) = self
            .encode_episode(&inp, plan.job, out, progress, cancel)
            .await?;
        let RenderInputs {
            s,
            script,
            ep_dir_rel,
            avatar_lines,
            ..
        } = inp;
        let file = format!("{ep_dir_rel}/episode.mp4");
        let result = EpisodeRender {
            series_id: s.id.clone(),
            episode: n,
            file: file.clone(),
            video,
            mix,
            offline: plan.offline,
            intro: plan.intro,
            outro: plan.outro,
            music: plan.music_label,
            shots: script.storyboard.len(),
            avatar_lines: avatar_lines.len(),
            scene_cards: plan.scene_cards,
            subtitle_events: plan.subtitle_events,
            notes: plan.notes,
            inputs_sha256,
            reused: false,
        };
        let json = serde_json::to_string_pretty(&result)
            .map_err(|e| CoreError::Internal(format!("render report: {e}")))?;
        std::fs::write(&report_path, json)
            .map_err(|e| CoreError::io(format!("writing {}", report_path.display()), e))?;
        self.events().publish(EngineEvent::EpisodeRendered {
            series_id: s.id,
            episode: n,
            file,
        });
        Ok(result)
    }

    /// The render's inputs, checked complete: every line voiced (a line with nothing to say is a silent beat),
    /// every shot with a clip or still; the avatar clips that exist.
    ///
    /// # Errors
    /// `InvalidInput` naming what is missing and the stage that makes it; an invalid render config.
    async fn render_inputs(
        &self,
        series: &str,
        n: u32,
        opts: &RenderOptions,
    ) -> Result<RenderInputs, CoreError> {
        let (s, script) = self.series_and_script(series, n).await?;
        let mut cfg = self.config().render.clone();
        if let Some(r) = &opts.resolution {
            cfg.resolution = r.clone();
        }
        if let Some(p) = &opts.preset {
            cfg.preset = p.clone();
        }
        if let Some(p) = cfg.problems().into_iter().next() {
            return Err(CoreError::invalid(p));
        }
        let data = self.data_dir().to_path_buf();

        // Voices: every line must have its audio.
        let audio = self.store().line_audio(&s.id, n).await?;
        let voiced: HashSet<&str> = audio.iter().map(|a| a.line_id.as_str()).collect();
        let unvoiced: Vec<&str> = script
            .scenes
            .iter()
            .flat_map(|sc| &sc.lines)
            // A line with nothing to say is a silent beat, not a missing voice.
            .filter(|l| !voiced.contains(l.id.as_str()) && l.spoken().is_speakable())
            .map(|l| l.id.as_str())
            .collect();
        if !unvoiced.is_empty() {
            return Err(CoreError::blocked(
                studio_domain::ErrorCode::StepMissing,
                format!(
                    "{} episode {n} has {} line(s) without a voice (first: {}): voice the episode first",
                    s.title,
                    unvoiced.len(),
                    unvoiced[0],
                ),
            ));
        }

        // Visuals: every shot must have its clip or still.
        let media: HashMap<usize, ShotMedia> = self
            .store()
            .shot_media_json(&s.id, n)
            .await?
            .into_iter()
            .filter_map(|v| serde_json::from_value::<ShotMedia>(v).ok())
            .map(|m| (m.index, m))
            .collect();
        let missing: Vec<usize> = (0..script.storyboard.len())
            .filter(|i| {
                media.get(i).is_none_or(|m| {
                    !(data.join(&m.clip_path).is_file() || data.join(&m.still_path).is_file())
                })
            })
            .collect();
        if !missing.is_empty() {
            return Err(CoreError::blocked(
                studio_domain::ErrorCode::StepMissing,
                format!(
                    "{} episode {n} has no visuals for shot(s) {}: make the visuals first",
                    s.title,
                    missing
                        .iter()
                        .map(|i| (i + 1).to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            ));
        }
        let ep_dir_rel = format!("series/{}/ep{n:03}", s.id);
        let ep_dir = data.join(&ep_dir_rel);
        // A line's stretch of its character's take for the scene, while the take was made from the line's
        // current audio; else a clip of the line alone (made before takes).
        let sha: HashMap<&str, &str> = audio
            .iter()
            .map(|a| (a.line_id.as_str(), a.sha256.as_str()))
            .collect();
        let avatar_lines: HashMap<String, (PathBuf, f64)> = script
            .scenes
            .iter()
            .flat_map(|sc| &sc.lines)
            .filter_map(|l| {
                if let Some(cut) = studio_pipeline::avatars::AvatarCut::read(&ep_dir, &l.id)
                    .filter(|c| sha.get(l.id.as_str()) == Some(&c.audio_sha256.as_str()))
                {
                    return Some((l.id.clone(), (ep_dir.join(&cut.clip), cut.offset_sec)));
                }
                let own = ep_dir.join(format!("avatars/{}.mp4", l.id));
                std::fs::metadata(&own)
                    .is_ok_and(|m| m.is_file() && m.len() > 0)
                    .then(|| (l.id.clone(), (own, 0.0)))
            })
            .collect();

        Ok(RenderInputs {
            s,
            script,
            n,
            cfg,
            data,
            audio,
            media,
            ep_dir_rel,
            ep_dir,
            avatar_lines,
        })
    }

    /// A hash of everything the render reads (script, settings, voices, shots, avatars, intro/outro assets, music,
    /// the next episode's hook, the title): equal fingerprints mean an equal render.
    async fn render_fingerprint(&self, inp: &RenderInputs) -> String {
        let RenderInputs {
            s,
            script,
            n,
            cfg,
            data,
            audio,
            media,
            avatar_lines,
            ..
        } = inp;
        let n = *n;
        let asset_dirs = [data.join("assets"), self.assets_dir()];
        let mut h = Sha256::new();
        let mut put = |x: &str| {
            h.update(x.as_bytes());
            h.update([0u8]);
        };
        put(&serde_json::to_string(&script).unwrap_or_default());
        put(&serde_json::to_string(&cfg).unwrap_or_default());
        put(&serde_json::to_string(&self.config().subtitles).unwrap_or_default());
        for a in audio {
            put(&format!("{} {} {}", a.line_id, a.sha256, a.duration_sec));
        }
        let mut idx: Vec<&usize> = media.keys().collect();
        idx.sort();
        for i in idx {
            let m = &media[i];
            put(&format!(
                "{i} {} {} {}",
                m.clip_sha256,
                m.clip_path,
                stamp(&data.join(&m.still_path))
            ));
        }
        let mut av: Vec<(&String, &(PathBuf, f64))> = avatar_lines.iter().collect();
        av.sort_by(|a, b| a.0.cmp(b.0));
        for (l, (clip, offset)) in av {
            put(&format!("{l} {} {offset}", stamp(clip)));
        }
        for name in ["intro", "outro"] {
            let p = find_asset(&asset_dirs, name);
            put(&format!(
                "{name} {:?} {}",
                p,
                p.as_deref().map(stamp).unwrap_or_default()
            ));
        }
        if !["auto", "none"].contains(&cfg.music.as_str()) {
            put(&stamp(&data.join(&cfg.music)));
        }
        if let Ok(o) = self.store().outlines(&s.id).await {
            put(
                &serde_json::to_string(&o.iter().find(|o| o.episode_number == n + 1))
                    .unwrap_or_default(),
            );
        }
        put(&s.title);
        format!("{:x}", h.finalize())
    }

    /// Encodes the plan on a blocking thread: decodes the voices and music, mixes them to the loudness target and
    /// renders the frames, publishing progress; the job's token stops it between frames.
    ///
    /// # Errors
    /// `Cancelled` when stopped (no file is left); `InvalidInput` for media that cannot be decoded.
    async fn encode_episode(
        &self,
        inp: &RenderInputs,
        job: EncodeJob,
        out: PathBuf,
        progress: Arc<dyn Fn(u64, u64) + Send + Sync>,
        cancel: CancellationToken,
    ) -> Result<(RenderReport, MixReport), CoreError> {
        let EncodeJob {
            spec,
            placed,
            music_src,
            auto_music,
            mood,
            music_seed,
            mix_settings,
            frames_total,
        } = job;
        let bus = self.events().clone();
        let (sid, ep) = (inp.s.id.clone(), inp.n);
        let started_bus = bus.clone();
        started_bus.publish(EngineEvent::RenderStarted {
            series_id: sid.clone(),
            episode: ep,
        });
        let out2 = out.clone();
        // The blocking encoder checks a flag between frames; the job's token sets it.
        let stop_flag = Arc::new(AtomicBool::new(false));
        let _stop_on_drop = crate::task::SetOnDrop(stop_flag.clone());
        let _watch = crate::task::AbortOnDrop(tokio::spawn({
            let (token, flag) = (cancel.clone(), stop_flag.clone());
            async move {
                token.cancelled().await;
                flag.store(true, Ordering::Relaxed);
            }
        }));
        let job =
            tokio::task::spawn_blocking(move || -> Result<(RenderReport, MixReport), CoreError> {
                let voices: Vec<(f64, Vec<f32>)> = placed
                    .iter()
                    .map(|(at, p)| {
                        studio_render::audio::decode_pcm(p, 1, 48_000)
                            .map(|v| (*at, v))
                            .map_err(|e| CoreError::invalid(e.to_string()))
                    })
                    .collect::<Result<_, _>>()?;
                let music: Option<Vec<f32>> = match (&music_src, auto_music) {
                    (Some(p), _) => Some(
                        studio_render::audio::decode_pcm(p, 2, 48_000)
                            .map_err(|e| CoreError::invalid(format!("render.music: {e}")))?,
                    ),
                    (None, true) => Some(ambient_bed(mood, music_seed, 48_000)),
                    (None, false) => None,
                };
                let pv: Vec<PlacedVoice<'_>> = voices
                    .iter()
                    .map(|(at, v)| PlacedVoice {
                        offset_sec: *at,
                        samples: v,
                    })
                    .collect();
                // Exactly the video's length, so the audio ends with the last frame.
                let mix = Mix::new(
                    &pv,
                    music.as_deref(),
                    frames_total / f64::from(spec.fps),
                    &mix_settings,
                );
                let (mut stream, mix_report) = mix.prepare();
                let mut last = std::time::Instant::now();
                let report = studio_render::render::render(
                    &spec,
                    Some(&mut stream),
                    &out2,
                    &stop_flag,
                    &mut |done, total| {
                        progress(done, total);
                        if last.elapsed().as_millis() >= 500 || done == total {
                            last = std::time::Instant::now();
                            bus.publish(EngineEvent::RenderProgress {
                                series_id: sid.clone(),
                                episode: ep,
                                frames_done: done,
                                frames_total: total,
                            });
                        }
                    },
                )
                .map_err(|e| match e {
                    studio_render::MediaError::Cancelled => {
                        CoreError::Cancelled("the render was cancelled; nothing was written".into())
                    }
                    other => CoreError::invalid(other.to_string()),
                })?;
                Ok((report, mix_report))
            });
        job.await
            .map_err(|e| CoreError::Internal(format!("render task: {e}")))?
    }
}
