//! # The episode render
//!
//! One pass, in process: every slot of the timeline (intro card, shots, outro) is turned into frames at the output
//! size and rate (`frames`), scene changes get their transition (`transition`), subtitles are burned in with libass
//! (the `ass` filter, the bundled font), the mixed programme is pulled alongside frame by frame, and everything is
//! encoded to YouTube's recommended upload settings (`mp4`). Slot lengths are whole frames with cumulative rounding,
//! so the video is the timeline's length to the frame and the audio ends with it. Progress is reported as frames
//! done of total; a cancel flag stops between frames. The output is written to `<name>.part` and renamed only when
//! complete, so a crash or cancel never leaves a file that looks finished.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use ff::format::Pixel;
use ffmpeg_next as ff;
use serde::Serialize;

use crate::MediaError;
use crate::frames::{Chain, Fit, Frames, Framing, Visual, quote};
use crate::mix::MixStream;
use crate::mp4::EncodeOptions;
use crate::mp4::{AUDIO_RATE, Mp4Writer};
use crate::transition::{Transition, TransitionKind, compose};

/// One slot of the timeline.
#[derive(Debug, Clone)]
pub struct Segment {
    pub visual: Visual,
    pub start_sec: f64,
    pub end_sec: f64,
    pub fit: Fit,
    /// Where a clip starts playing, in seconds into the file (a shot continued after an avatar line).
    pub clip_offset_sec: f64,
    /// The transition from the previous slot into this one (None or Cut: a hard cut).
    pub transition_in: Option<Transition>,
    /// For messages ("scene 3 shot 2", "intro").
    pub label: String,
}

#[derive(Debug, Clone)]
pub struct SubtitleBurn {
    pub ass: PathBuf,
    /// Where the ASS file's fonts are (the bundled Korean font).
    pub fonts_dir: Option<PathBuf>,
    /// When subtitles are on screen (start, end in seconds, in order). Frames outside them skip the subtitle
    /// filter; empty means every frame goes through it.
    pub spans: Vec<(f64, f64)>,
}

#[derive(Debug, Clone)]
pub struct RenderSpec {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub segments: Vec<Segment>,
    pub subtitles: Option<SubtitleBurn>,
    pub encode: EncodeOptions,
    /// How pictures of another shape (9:16, 1:1 clips and stills) are fitted into the frame.
    pub framing: Framing,
}

/// Interleaved stereo samples at 48 kHz, pulled in order.
pub trait AudioSource {
    /// Fills `out`; returns how many samples were written (fewer only at the end).
    fn fill(&mut self, out: &mut [f32]) -> usize;
}

impl AudioSource for MixStream<'_> {
    fn fill(&mut self, out: &mut [f32]) -> usize {
        MixStream::fill(self, out)
    }
}

/// A fixed buffer as an audio source.
pub struct BufferSource<'a> {
    pub samples: &'a [f32],
    pub pos: usize,
}

impl AudioSource for BufferSource<'_> {
    fn fill(&mut self, out: &mut [f32]) -> usize {
        let n = out
            .len()
            .min(self.samples.len() - self.pos.min(self.samples.len()));
        out[..n].copy_from_slice(&self.samples[self.pos..self.pos + n]);
        self.pos += n;
        n
    }
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct RenderReport {
    pub output: String,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub frames: u64,
    pub duration_sec: f64,
    pub audio_samples: u64,
    pub segments: usize,
    pub transitions: usize,
    pub subtitles_burned: bool,
    /// Samples the audio source did not have (filled with silence).
    pub audio_padded_samples: u64,
    pub elapsed_sec: f64,
    pub bytes: u64,
    /// One note per input whose shape differs from the frame's: its size and how it was fitted.
    #[serde(default)]
    pub framing_notes: Vec<String>,
}

/// Frame boundaries of the slots: slot i covers [b[i], b[i+1]).
fn boundaries(spec: &RenderSpec) -> Result<Vec<u64>, MediaError> {
    let bad = |m: String| MediaError::Invalid(m);
    if spec.segments.is_empty() {
        return Err(bad("the timeline is empty".into()));
    }
    if !(1..=120).contains(&spec.fps) || spec.width < 16 || spec.height < 16 {
        return Err(bad(format!(
            "{}×{} at {} fps is not a render size",
            spec.width, spec.height, spec.fps
        )));
    }
    let fps = f64::from(spec.fps);
    let mut b = Vec::with_capacity(spec.segments.len() + 1);
    let mut prev_end = 0.0;
    for (i, s) in spec.segments.iter().enumerate() {
        if !(s.start_sec.is_finite() && s.end_sec.is_finite()) || s.end_sec < s.start_sec {
            return Err(bad(format!(
                "{}: {}–{} s is not a time span",
                s.label, s.start_sec, s.end_sec
            )));
        }
        if (s.start_sec - prev_end).abs() > 1e-6 {
            return Err(bad(format!(
                "{} starts at {:.3} s but the timeline so far ends at {:.3} s{}",
                s.label,
                s.start_sec,
                prev_end,
                if i == 0 { " (it must start at 0)" } else { "" }
            )));
        }
        b.push((s.start_sec * fps).round() as u64);
        prev_end = s.end_sec;
    }
    if prev_end > 4.0 * 3600.0 {
        return Err(bad(format!(
            "{prev_end:.0} s is longer than the 4 hours a render allows"
        )));
    }
    b.push((prev_end * fps).round() as u64);
    if b.last() == Some(&0) {
        return Err(bad("the timeline is shorter than one frame".into()));
    }
    Ok(b)
}

/// Renders `spec` with `audio` (silence when None) into `output` (MP4). `progress(done, total)` is called every
/// few frames and at the end; setting `cancel` stops the render, removes the partial file and returns `Cancelled`.
pub fn render(
    spec: &RenderSpec,
    audio: Option<&mut dyn AudioSource>,
    output: &Path,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<RenderReport, MediaError> {
    crate::init()?;
    let bounds = boundaries(spec)?;
    let part = {
        let mut name = output.file_name().unwrap_or_default().to_os_string();
        name.push(".part");
        output.with_file_name(name)
    };
    if let Some(dir) = output.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|x| MediaError::Io(format!("{}: {x}", dir.display())))?;
    }
    let started = Instant::now();
    let result = run(spec, &bounds, audio, &part, cancel, progress, false);
    match result {
        Ok((frames, samples, padded, transitions)) => {
            std::fs::rename(&part, output)
                .map_err(|x| MediaError::Io(format!("{}: {x}", output.display())))?;
            let bytes = std::fs::metadata(output).map(|m| m.len()).unwrap_or(0);
            Ok(RenderReport {
                output: output.display().to_string(),
                width: spec.width,
                height: spec.height,
                fps: spec.fps,
                frames,
                duration_sec: frames as f64 / f64::from(spec.fps),
                audio_samples: samples,
                segments: spec.segments.len(),
                transitions,
                subtitles_burned: spec.subtitles.is_some(),
                audio_padded_samples: padded,
                elapsed_sec: started.elapsed().as_secs_f64(),
                bytes,
                framing_notes: spec
                    .segments
                    .iter()
                    .filter_map(|sg| {
                        crate::frames::framing_note(
                            &sg.label,
                            &sg.visual,
                            spec.framing,
                            spec.width,
                            spec.height,
                        )
                    })
                    .collect(),
            })
        }
        Err(x) => {
            let _ = std::fs::remove_file(&part);
            Err(x)
        }
    }
}

/// The same frames with none of the timeline's own work: hard cuts, no subtitles, no audio track. A quick video
/// draft, and the benchmark's baseline (the encode the full render is measured against).
pub fn render_video_only(spec: &RenderSpec, output: &Path) -> Result<u64, MediaError> {
    crate::init()?;
    let bounds = boundaries(spec)?;
    let r = run(
        spec,
        &bounds,
        None,
        output,
        &AtomicBool::new(false),
        &mut |_, _| {},
        true,
    )?;
    Ok(r.0)
}

fn run(
    spec: &RenderSpec,
    bounds: &[u64],
    mut audio: Option<&mut dyn AudioSource>,
    part: &Path,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(u64, u64),
    bare: bool,
) -> Result<(u64, u64, u64, usize), MediaError> {
    let (w, h, fps) = (spec.width, spec.height, spec.fps);
    let n = spec.segments.len();
    let len = |i: usize| bounds[i + 1] - bounds[i];
    let total = bounds[n];
    // Half-width (frames) of the transition into slot i, limited to half of each side.
    let half: Vec<u64> = (0..n)
        .map(|i| match spec.segments[i].transition_in {
            Some(t)
                if i > 0 && t.kind != TransitionKind::Cut && t.sec.is_finite() && t.sec > 0.0 =>
            {
                let want = (t.sec * f64::from(fps) / 2.0).round() as u64;
                want.min(len(i - 1) / 2).min(len(i) / 2)
            }
            _ => 0,
        })
        .collect();
    let transitions = half.iter().filter(|h| **h > 0).count();

    let mut writer = Mp4Writer::create(part, w, h, fps, &spec.encode, !bare)?;
    let mut subs = match &spec.subtitles {
        Some(s) if !bare => {
            let mut args = format!("filename={}", quote(&s.ass.display().to_string()));
            if let Some(d) = &s.fonts_dir {
                args.push_str(&format!(":fontsdir={}", quote(&d.display().to_string())));
            }
            let yuv: ff::ffi::AVPixelFormat = Pixel::YUV420P.into();
            Some(Chain::single(
                &format!(
                    "video_size={w}x{h}:pix_fmt={}:time_base=1/{fps}:pixel_aspect=1/1",
                    yuv as i32
                ),
                "ass",
                &args,
                Pixel::YUV420P,
            )?)
        }
        _ => None,
    };
    let spans: &[(f64, f64)] = spec.subtitles.as_ref().map_or(&[], |s| s.spans.as_slice());
    let mut span_at = 0usize;
    let mut blend = ff::frame::Video::new(Pixel::YUV420P, w, h);
    let mut burned = ff::frame::Video::empty();
    let mut next: Option<Frames> = None;
    let mut prev_last: Option<ff::frame::Video> = None;
    let mut abuf: Vec<f32> = Vec::new();
    let mut padded = 0u64;
    let open = |i: usize| {
        let s = &spec.segments[i];
        Frames::open(
            &s.visual,
            len(i) as u32,
            (s.fit, spec.framing),
            s.clip_offset_sec,
            (w, h),
        )
        .map_err(|x| label(&s.label, x))
    };

    for i in 0..n {
        if len(i) == 0 {
            continue;
        }
        let seg = &spec.segments[i];
        let mut src = match next.take() {
            Some(f) => f,
            None => open(i)?,
        };
        let h_in = half[i];
        let (h_out, kind_out) = match spec.segments.get(i + 1) {
            Some(s) if half[i + 1] > 0 => (
                half[i + 1],
                s.transition_in.map_or(TransitionKind::Cut, |t| t.kind),
            ),
            _ => (0, TransitionKind::Cut),
        };
        let b0 = if h_out > 0 {
            let mut f = open(i + 1)?;
            let first = f
                .frame(0, fps)
                .map_err(|x| label(&spec.segments[i + 1].label, x))?
                .clone();
            next = Some(f);
            Some(first)
        } else {
            None
        };
        let kind_in = seg.transition_in.map_or(TransitionKind::Cut, |t| t.kind);
        let l = len(i);
        for k in 0..l {
            if cancel.load(Ordering::Relaxed) {
                return Err(MediaError::Cancelled);
            }
            let g = bounds[i] + k;
            let frame = src.frame(k, fps).map_err(|x| label(&seg.label, x))?;
            let last_of_slot = k + 1 == l;
            if last_of_slot && h_out > 0 {
                prev_last = Some(frame.clone());
            }
            let out: &mut ff::frame::Video = match &b0 {
                Some(b) if k >= l - h_out => {
                    let alpha = ((k - (l - h_out)) as f64 + 0.5) / (2 * h_out) as f64;
                    compose(kind_out, frame, b, alpha, &mut blend);
                    &mut blend
                }
                _ if k < h_in => match &prev_last {
                    Some(a) => {
                        let alpha = ((h_in + k) as f64 + 0.5) / (2 * h_in) as f64;
                        compose(kind_in, a, frame, alpha, &mut blend);
                        &mut blend
                    }
                    None => frame,
                },
                _ => frame,
            };
            // Is a subtitle on screen during this frame?
            let (t0, t1) = (g as f64 / f64::from(fps), (g + 1) as f64 / f64::from(fps));
            while spans.get(span_at).is_some_and(|s| s.1 <= t0) {
                span_at += 1;
            }
            let on_screen = spans.is_empty() || spans.get(span_at).is_some_and(|s| s.0 < t1);
            match subs.as_mut().filter(|_| on_screen) {
                Some(chain) => {
                    out.set_pts(Some(g as i64));
                    chain.push(out)?;
                    if !chain.pull(&mut burned) {
                        return Err(MediaError::Encode(format!(
                            "the subtitle filter returned no frame at {:.2} s",
                            g as f64 / f64::from(fps)
                        )));
                    }
                    writer.push_video(&mut burned)?;
                }
                None => writer.push_video(out)?,
            }
            // Audio up to the end of this frame.
            if bare {
                continue;
            }
            let target = (g + 1) * u64::from(AUDIO_RATE) / u64::from(fps);
            let need = (target - writer.samples()) as usize * 2;
            abuf.clear();
            abuf.resize(need, 0.0);
            let got = match audio.as_mut() {
                Some(a) => {
                    let mut got = 0;
                    while got < need {
                        let m = a.fill(&mut abuf[got..]);
                        if m == 0 {
                            break;
                        }
                        got += m;
                    }
                    got
                }
                None => need,
            };
            padded += ((need - got) / 2) as u64;
            writer.push_audio(&abuf)?;
            if (g + 1).is_multiple_of(15) || g + 1 == total {
                progress(g + 1, total);
            }
        }
        if h_out == 0 {
            prev_last = None;
        }
    }
    let (frames, samples) = writer.finish()?;
    Ok((frames, samples, padded, transitions))
}

fn label(what: &str, e: MediaError) -> MediaError {
    match e {
        MediaError::Decode(m) => MediaError::Decode(format!("{what}: {m}")),
        MediaError::Encode(m) => MediaError::Encode(format!("{what}: {m}")),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kenburns::pattern_clip;
    use crate::mix::{Mix, MixSettings, PlacedVoice};
    use crate::motion::Effect;
    use crate::probe::{luma_at, probe_media};

    fn assets() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets")
    }

    fn fast() -> EncodeOptions {
        EncodeOptions {
            preset: "ultrafast".into(),
            crf: 23,
        }
    }

    fn grey_still(path: &Path) {
        image::RgbImage::from_pixel(640, 360, image::Rgb([110, 110, 110]))
            .save(path)
            .unwrap();
    }

    const ASS: &str = "[Script Info]\nScriptType: v4.00+\nPlayResX: 1920\nPlayResY: 1080\n\n[V4+ Styles]\n\
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, \
Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, \
MarginV, Encoding\n\
Style: Default,NanumGothic,48,&H00FFFFFF,&H00FFFFFF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,2,0,2,40,40,60,1\n\n\
[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n\
Dialogue: 0,0:00:05.00,0:00:06.00,Default,,0,0,0,,자막이 보이나요?\n";

    fn speech(secs: f64) -> Vec<f32> {
        let n = (secs * 48_000.0) as usize;
        (0..n)
            .map(|i| {
                let t = i as f64 / 48_000.0;
                let syll = (0.5 - 0.5 * (std::f64::consts::TAU * 4.0 * t).cos()).powi(2);
                (0.1 * syll * (std::f64::consts::TAU * 220.0 * t).sin()) as f32
            })
            .collect()
    }

    /// Intro card 0–1 s, a 24 fps 1280×720 clip looped over 1–4 s, a grey still with a slow zoom 4–8.41 s; fades
    /// between them; one subtitle at 5–6 s; speech and music.
    fn episode(dir: &Path) -> (RenderSpec, f64) {
        let clip = dir.join("clip.mp4");
        pattern_clip(&clip, 1280, 720, 24, 48, &fast()).unwrap();
        let still = dir.join("grey.png");
        grey_still(&still);
        let ass = dir.join("subs.ass");
        std::fs::write(&ass, ASS).unwrap();
        let card = crate::card::title_card(
            1920,
            1080,
            &assets().join("fonts/NanumGothic-Bold.ttf"),
            [30, 40, 90],
            &[crate::card::CardLine {
                text: "EP.1".into(),
                size: 120.0,
                colour: [255, 255, 255],
            }],
        )
        .unwrap();
        let fade = Some(Transition::default());
        let segments = vec![
            Segment {
                visual: Visual::Card(card),
                start_sec: 0.0,
                end_sec: 1.0,
                fit: Fit::Hold,
                clip_offset_sec: 0.0,
                transition_in: None,
                label: "intro".into(),
            },
            Segment {
                visual: Visual::Clip(clip),
                start_sec: 1.0,
                end_sec: 4.0,
                fit: Fit::Loop,
                clip_offset_sec: 0.0,
                transition_in: fade,
                label: "scene 1".into(),
            },
            Segment {
                visual: Visual::KenBurns {
                    image: still,
                    effect: Effect::ZoomIn,
                },
                start_sec: 4.0,
                end_sec: 8.41,
                fit: Fit::Loop,
                clip_offset_sec: 0.0,
                transition_in: fade,
                label: "scene 2".into(),
            },
        ];
        (
            RenderSpec {
                width: 1920,
                height: 1080,
                fps: 30,
                segments,
                subtitles: Some(SubtitleBurn {
                    ass,
                    fonts_dir: Some(assets().join("fonts")),
                    spans: vec![(5.0, 6.0)],
                }),
                encode: fast(),
                framing: Framing::Auto,
            },
            8.41,
        )
    }

    #[test]
    fn an_episode_renders_to_youtube_upload_settings() {
        let dir = tempfile::tempdir().unwrap();
        let (spec, total) = episode(dir.path());
        let (a, b) = (speech(2.0), speech(3.0));
        let music = crate::music::ambient_bed(crate::music::Mood::Warm, 0, 48_000);
        let voices = [
            PlacedVoice {
                offset_sec: 1.2,
                samples: &a,
            },
            PlacedVoice {
                offset_sec: 4.9,
                samples: &b,
            },
        ];
        let mix = Mix::new(&voices, Some(&music), total, &MixSettings::default());
        let (mut stream, mix_report) = mix.prepare();
        let out = dir.path().join("ep.mp4");
        let mut calls = Vec::new();
        let report = render(
            &spec,
            Some(&mut stream),
            &out,
            &AtomicBool::new(false),
            &mut |d, t| calls.push((d, t)),
        )
        .unwrap();
        let expected_frames = (total * 30.0).round() as u64;
        assert_eq!(report.frames, expected_frames);
        assert_eq!(report.transitions, 2);
        assert_eq!(report.audio_padded_samples, 0);
        assert_eq!(calls.last(), Some(&(expected_frames, expected_frames)));
        assert!(calls.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(!dir.path().join("ep.mp4.part").exists());

        let p = probe_media(&out).unwrap();
        let v = &p.video;
        assert_eq!((v.codec.as_str(), v.pix_fmt.as_str()), ("h264", "yuv420p"));
        assert!(v.profile.to_lowercase().contains("high"), "{v:?}");
        assert_eq!((v.width, v.height), (1920, 1080));
        assert!((v.fps - 30.0).abs() < 1e-9, "{v:?}");
        assert!(v.moov_first, "the index must come before the media data");
        assert!(
            (v.duration_sec - total).abs() <= 1.0 / 30.0,
            "video {:.4} s vs timeline {total} s",
            v.duration_sec
        );
        let a = p.audio.clone().expect("an audio stream");
        assert_eq!(a.codec, "aac");
        assert!(a.profile.to_lowercase().contains("low"), "{a:?}");
        assert_eq!((a.sample_rate, a.channels), (48_000, 2));
        let drift = (p.audio_end_sec.unwrap() - p.video_end_sec).abs();
        assert!(drift <= 0.040, "A/V end drift {drift:.4} s ({p:?})");

        // Loudness of the file's own audio, measured in process.
        let pcm = crate::audio::decode_pcm(&out, 2, 48_000).unwrap();
        let (lufs, tp) = crate::loudness::measure(&pcm, 48_000, 2);
        let lufs = lufs.unwrap();
        assert!(
            (lufs + 14.0).abs() <= 1.0,
            "file at {lufs:.2} LUFS (mix said {mix_report:?})"
        );
        assert!(tp <= -0.5, "true peak {tp:.2} dBTP after AAC");

        // The subtitle: white text in the bottom band at its midpoint (5.5 s), none at 7 s.
        let bright_bottom = |frame: u64| {
            let (w, h, y) = luma_at(&out, frame).unwrap();
            let (w, h) = (w as usize, h as usize);
            (h * 3 / 4..h)
                .flat_map(|r| y[r * w..(r + 1) * w].iter())
                .filter(|v| **v > 200)
                .count()
        };
        if let Ok(dump) = std::env::var("AIDAS_DUMP_FRAME") {
            let (w, h, y) = luma_at(&out, 165).unwrap();
            image::GrayImage::from_raw(w, h, y)
                .unwrap()
                .save(dump)
                .unwrap();
        }
        let during = bright_bottom(165);
        let after = bright_bottom(210);
        assert!(during > 800, "subtitle pixels at 5.5 s: {during}");
        assert_eq!(after, 0, "no subtitle at 7 s");
    }

    /// A still drawn in the render moves as the effect chosen for it, over exactly its slot: a white disc on black
    /// grows under a zoom in and shrinks under a zoom out (its bright pixels counted in the first and last frames of
    /// the slot, as decoded from the final file).
    #[test]
    fn a_stills_motion_in_the_final_video_follows_its_effect() {
        let dir = tempfile::tempdir().unwrap();
        let still = dir.path().join("disc.png");
        image::RgbImage::from_fn(640, 360, |x, y| {
            let (dx, dy) = (x as f64 - 320.0, y as f64 - 180.0);
            if dx * dx + dy * dy < 60.0 * 60.0 {
                image::Rgb([255, 255, 255])
            } else {
                image::Rgb([0, 0, 0])
            }
        })
        .save(&still)
        .unwrap();
        let seg = |effect, start: f64, end: f64| Segment {
            visual: Visual::KenBurns {
                image: still.clone(),
                effect,
            },
            start_sec: start,
            end_sec: end,
            fit: Fit::Hold,
            clip_offset_sec: 0.0,
            transition_in: None,
            label: "shot".into(),
        };
        let spec = RenderSpec {
            width: 640,
            height: 360,
            fps: 30,
            // 2 s of zoom in (frames 0–59), then 2 s of zoom out (60–119).
            segments: vec![
                seg(Effect::ZoomIn, 0.0, 2.0),
                seg(Effect::ZoomOut, 2.0, 4.0),
            ],
            subtitles: None,
            encode: fast(),
            framing: Framing::Auto,
        };
        let out = dir.path().join("kb.mp4");
        assert_eq!(render_video_only(&spec, &out).unwrap(), 120);
        let disc = |frame: u64| {
            let (_, _, y) = luma_at(&out, frame).unwrap();
            y.iter().filter(|v| **v > 128).count() as f64
        };
        let (in_first, in_last) = (disc(0), disc(59));
        let (out_first, out_last) = (disc(60), disc(119));
        assert!(
            in_last > in_first * 1.1,
            "zoom in: the disc grows {in_first} → {in_last}"
        );
        assert!(
            out_last < out_first / 1.1,
            "zoom out: the disc shrinks {out_first} → {out_last}"
        );
        // Each slot starts where its effect starts: the zoom out opens on the close-up the zoom in ended on.
        assert!(
            (out_first - in_last).abs() / in_last < 0.1,
            "{in_last} vs {out_first}"
        );
    }

    #[test]
    fn portrait_and_square_inputs_are_fitted_by_policy_and_noted() {
        let dir = tempfile::tempdir().unwrap();
        let portrait = dir.path().join("portrait.mp4");
        pattern_clip(&portrait, 180, 320, 30, 15, &fast()).unwrap();
        let square = dir.path().join("square.png");
        image::RgbImage::from_pixel(200, 200, image::Rgb([230, 200, 40]))
            .save(&square)
            .unwrap();
        let wide = dir.path().join("wide.mp4");
        pattern_clip(&wide, 320, 180, 30, 15, &fast()).unwrap();
        let seg = |visual, start: f64, label: &str| Segment {
            visual,
            start_sec: start,
            end_sec: start + 0.5,
            fit: Fit::Hold,
            clip_offset_sec: 0.0,
            transition_in: None,
            label: label.into(),
        };
        // Mean brightness of the leftmost tenth of frame k (where a 9:16 picture has no pixels of its own).
        let edge = |out: &Path, k: u64| {
            let (w, h, y) = luma_at(out, k).unwrap();
            let cols = (w / 10) as usize;
            let mut sum = 0u64;
            for row in 0..h as usize {
                sum += y[row * w as usize..row * w as usize + cols]
                    .iter()
                    .map(|v| u64::from(*v))
                    .sum::<u64>();
            }
            sum as f64 / (cols * h as usize) as f64
        };
        let mut edges = Vec::new();
        for framing in [Framing::Auto, Framing::Letterbox, Framing::Cover] {
            let spec = RenderSpec {
                width: 320,
                height: 180,
                fps: 30,
                segments: vec![
                    seg(Visual::Clip(portrait.clone()), 0.0, "shot 1"),
                    seg(Visual::Image(square.clone()), 0.5, "shot 2"),
                    seg(Visual::Clip(wide.clone()), 1.0, "shot 3"),
                ],
                subtitles: None,
                encode: fast(),
                framing,
            };
            let out = dir.path().join(format!("{framing:?}.mp4"));
            let r = render(&spec, None, &out, &AtomicBool::new(false), &mut |_, _| {}).unwrap();
            assert_eq!(r.frames, 45);
            // The 16:9 clip needs no note; the 9:16 clip and the square still each get one.
            assert_eq!(r.framing_notes.len(), 2, "{:?}", r.framing_notes);
            assert!(
                r.framing_notes[0].starts_with("shot 1: 180×320 (9:16) in a 16:9 frame"),
                "{:?}",
                r.framing_notes
            );
            assert!(
                r.framing_notes[1].starts_with("shot 2: 200×200 (1:1)"),
                "{:?}",
                r.framing_notes
            );
            let how = match framing {
                Framing::Letterbox => "black bars",
                Framing::Cover => "cropped",
                _ => "blurred background",
            };
            assert!(
                r.framing_notes.iter().all(|n| n.contains(how)),
                "{:?}",
                r.framing_notes
            );
            edges.push((edge(&out, 7), edge(&out, 22)));
        }
        let (auto, letterbox, cover) = (edges[0], edges[1], edges[2]);
        // Letterbox: black bars beside the portrait clip and the square still.
        assert!(letterbox.0 < 20.0 && letterbox.1 < 20.0, "{letterbox:?}");
        // Blurred background: the sides carry the picture's colours (the yellow still is bright), not black.
        assert!(auto.0 > 40.0 && auto.1 > 100.0, "{auto:?}");
        // Cover fills the frame too (by cropping).
        assert!(cover.1 > 100.0, "{cover:?}");
    }

    #[test]
    fn short_clips_loop_or_hold_and_sources_map_to_the_output_rate() {
        let dir = tempfile::tempdir().unwrap();
        let clip = dir.path().join("c.mp4");
        // 1 s at 25 fps: over a 2 s slot at 30 fps.
        pattern_clip(&clip, 320, 180, 25, 25, &fast()).unwrap();
        for fit in [Fit::Loop, Fit::Hold] {
            let spec = RenderSpec {
                width: 320,
                height: 180,
                fps: 30,
                segments: vec![Segment {
                    visual: Visual::Clip(clip.clone()),
                    start_sec: 0.0,
                    end_sec: 2.0,
                    fit,
                    clip_offset_sec: 0.0,
                    transition_in: None,
                    label: "shot".into(),
                }],
                subtitles: None,
                encode: fast(),
                framing: Framing::Auto,
            };
            let out = dir.path().join(format!("{fit:?}.mp4"));
            let r = render(&spec, None, &out, &AtomicBool::new(false), &mut |_, _| {}).unwrap();
            assert_eq!(r.frames, 60);
            let diff = |a: u64, b: u64| {
                let (_, _, x) = luma_at(&out, a).unwrap();
                let (_, _, y) = luma_at(&out, b).unwrap();
                x.iter()
                    .zip(&y)
                    .map(|(p, q)| p.abs_diff(*q) as u64)
                    .sum::<u64>() as f64
                    / x.len() as f64
            };
            match fit {
                // Frame 30 (1.0 s) is the clip's first frame again; frame 45 is its middle, like frame 15.
                Fit::Loop => {
                    assert!(diff(0, 30) < 2.0, "loop restarts: {}", diff(0, 30));
                    assert!(diff(15, 45) < 2.0);
                    assert!(diff(0, 15) > 2.0, "the pattern moves");
                }
                Fit::Hold => {
                    assert!(diff(29, 59) < 1.0, "last frame held: {}", diff(29, 59));
                    assert!(diff(40, 59) < 1.0);
                }
            }
        }
    }

    #[test]
    fn cancelling_stops_and_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let still = dir.path().join("g.png");
        grey_still(&still);
        let spec = RenderSpec {
            width: 320,
            height: 180,
            fps: 30,
            segments: vec![Segment {
                visual: Visual::Image(still),
                start_sec: 0.0,
                end_sec: 20.0,
                fit: Fit::Hold,
                clip_offset_sec: 0.0,
                transition_in: None,
                label: "shot".into(),
            }],
            subtitles: None,
            encode: fast(),
            framing: Framing::Auto,
        };
        let cancel = AtomicBool::new(false);
        let out = dir.path().join("x.mp4");
        let r = render(&spec, None, &out, &cancel, &mut |d, _| {
            if d >= 60 {
                cancel.store(true, Ordering::Relaxed);
            }
        });
        assert!(matches!(r, Err(MediaError::Cancelled)), "{r:?}");
        assert!(!out.exists());
        assert!(!dir.path().join("x.mp4.part").exists());
    }

    #[test]
    fn bad_timelines_say_what_and_where() {
        let dir = tempfile::tempdir().unwrap();
        let seg = |label: &str, a: f64, b: f64, v: Visual| Segment {
            visual: v,
            start_sec: a,
            end_sec: b,
            fit: Fit::Loop,
            clip_offset_sec: 0.0,
            transition_in: None,
            label: label.into(),
        };
        let spec = |segments| RenderSpec {
            width: 320,
            height: 180,
            fps: 30,
            segments,
            subtitles: None,
            encode: fast(),
            framing: Framing::Auto,
        };
        let out = dir.path().join("x.mp4");
        let no = AtomicBool::new(false);
        let missing = Visual::Clip(dir.path().join("missing.mp4"));
        let gap = render(
            &spec(vec![
                seg("intro", 0.0, 1.0, Visual::Image(dir.path().join("a.png"))),
                seg("scene 1", 1.5, 2.0, missing.clone()),
            ]),
            None,
            &out,
            &no,
            &mut |_, _| {},
        )
        .unwrap_err()
        .to_string();
        assert!(gap.contains("scene 1") && gap.contains("1.500"), "{gap}");
        let err = render(
            &spec(vec![seg("scene 2 shot 3", 0.0, 1.0, missing)]),
            None,
            &out,
            &no,
            &mut |_, _| {},
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("scene 2 shot 3") && err.contains("missing.mp4"),
            "{err}"
        );
        let nan = render(
            &spec(vec![seg(
                "s",
                0.0,
                f64::NAN,
                Visual::Image(dir.path().join("a.png")),
            )]),
            None,
            &out,
            &no,
            &mut |_, _| {},
        );
        assert!(matches!(nan, Err(MediaError::Invalid(_))));
        assert!(!out.exists());
    }
}
