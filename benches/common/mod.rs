//! What the render benchmarks share: their command line, the episode timeline's inputs (textured stills, speech-like
//! dialogue), the child-process measurement (each way in a process of its own, so its peak RSS and CPU time are its
//! own) and those two readings from /proc; for the engine benchmarks, a mock fal queue serving real media.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use studio_pipeline::subtitles::{self, PlacedLine, SubtitleStyle};
use studio_render::card::{CardLine, title_card};
use studio_render::frames::{Fit, Visual};
use studio_render::render::{Segment, SubtitleBurn};

pub const INTRO: f64 = 3.0;
pub const OUTRO: f64 = 4.0;
pub const LINE_SEC: f64 = 3.7;
pub const SHOTS_PER_SCENE: usize = 5;

/// `--minutes M` (10), `--preset P` (veryfast), `--shots N` (40); `--child WHICH DIR` runs one measurement.
pub struct Args {
    pub minutes: f64,
    pub preset: String,
    pub shots: usize,
    pub child: Option<(String, PathBuf)>,
}

pub fn args() -> Args {
    let mut a = Args {
        minutes: 10.0,
        preset: "veryfast".into(),
        shots: 40,
        child: None,
    };
    let v: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < v.len() {
        let next = v.get(i + 1).cloned().unwrap_or_default();
        match v[i].as_str() {
            "--minutes" => a.minutes = next.parse().expect("--minutes M"),
            "--preset" => a.preset = next,
            "--shots" => a.shots = next.parse().expect("--shots N"),
            "--child" => {
                a.child = Some((
                    next,
                    PathBuf::from(v.get(i + 2).cloned().unwrap_or_default()),
                ));
                i += 1;
            }
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    a
}

pub fn assets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets")
}

/// A still with some texture (gradients and soft discs), different per shot.
pub fn still(path: &Path, k: usize) {
    let (w, h) = (1920u32, 1080u32);
    let seed = k as f32 * 0.37;
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
        let d = ((fx - 0.3 - seed.sin() * 0.2).powi(2) + (fy - 0.5).powi(2)).sqrt();
        let disc = if d < 0.18 { 60.0 } else { 0.0 };
        let r = 90.0 + 80.0 * fx + disc + 10.0 * ((x / 7 + y / 11) % 3) as f32;
        let g = 70.0 + 60.0 * fy + 40.0 * (seed + fx * 6.0).sin();
        let b = 110.0 + 50.0 * (1.0 - fx) + disc * 0.5;
        image::Rgb([
            r.min(255.0) as u8,
            g.clamp(0.0, 255.0) as u8,
            b.min(255.0) as u8,
        ])
    });
    img.save(path).unwrap();
}

/// `secs` of a voice-like tone with syllable rhythm at 48 kHz, a different pitch per `k`.
pub fn speech(secs: f64, k: usize) -> Vec<f32> {
    let n = (secs * 48_000.0) as usize;
    let f0 = 160.0 + 40.0 * (k % 5) as f64;
    (0..n)
        .map(|i| {
            let t = i as f64 / 48_000.0;
            let syll = (0.5 - 0.5 * (std::f64::consts::TAU * 4.5 * t).cos()).powi(2);
            let v = (std::f64::consts::TAU * f0 * t).sin()
                + 0.4 * (std::f64::consts::TAU * 2.0 * f0 * t).sin()
                + 0.2 * (std::f64::consts::TAU * 3.0 * f0 * t).sin();
            (0.12 * syll * v) as f32
        })
        .collect()
}

/// A 1080p title card with `text` in white on blue.
pub fn card(text: &str) -> image::RgbImage {
    title_card(
        1920,
        1080,
        &assets().join("fonts/NanumGothic-Bold.ttf"),
        [40, 56, 120],
        &[CardLine {
            text: text.into(),
            size: 110.0,
            colour: [255, 255, 255],
        }],
    )
    .unwrap()
}

/// The timeline's first slot: the intro card, `INTRO` seconds.
pub fn intro() -> Segment {
    Segment {
        visual: Visual::Card(card("벤치마크 EP.1")),
        start_sec: 0.0,
        end_sec: INTRO,
        fit: Fit::Hold,
        clip_offset_sec: 0.0,
        transition_in: None,
        label: "intro".into(),
    }
}

/// The dialogue of a timeline whose scenes run from `INTRO` for `body` seconds: a line of `LINE_SEC` every
/// `LINE_SEC` + 0.3 s, and its burned-in subtitles (two-line Korean text) as an ASS file in `dir` — written when
/// `write` (the parent writes it once; the children read it). Returns the burn and the lines' offsets.
pub fn dialogue(dir: &Path, body: f64, write: bool) -> (SubtitleBurn, Vec<f64>) {
    let mut offsets = Vec::new();
    let mut t = INTRO + 0.5;
    while t + LINE_SEC < INTRO + body {
        offsets.push(t);
        t += LINE_SEC + 0.3;
    }
    let texts: Vec<String> = (0..offsets.len())
        .map(|i| format!("벤치마크 대사 {i}번, 자막이 두 줄로 나뉠 만큼 조금 길게 씁니다"))
        .collect();
    let placed: Vec<PlacedLine<'_>> = offsets
        .iter()
        .zip(&texts)
        .map(|(o, t)| PlacedLine {
            offset: *o,
            duration: LINE_SEC,
            text: t,
            cues: &[],
            speaker: None,
        })
        .collect();
    let style = SubtitleStyle::default();
    let ass = dir.join("subs.ass");
    let events = subtitles::events(&placed, &style);
    if write {
        std::fs::write(&ass, subtitles::to_ass(&events, &style, 1920, 1080)).unwrap();
    }
    (
        SubtitleBurn {
            ass,
            fonts_dir: Some(assets().join("fonts")),
            spans: events.iter().map(|e| (e.start, e.end)).collect(),
        },
        offsets,
    )
}

/// This process's peak resident memory (VmHWM), MB.
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// CPU seconds (user + system, every thread) this process has used: /proc/self/stat fields 14 and 15, in USER_HZ
/// ticks (100 per second on Linux).
pub fn cpu_sec() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // The command name (field 2) is in parentheses and may hold spaces: count from after it.
            let rest = &s[s.rfind(')')? + 2..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some((f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?) / 100.0)
        })
        .unwrap_or(f64::NAN)
}

/// Runs measurement `which` on `dir` in a child process (this benchmark's own executable with `--child`) and
/// returns the fields of the line it prints, which must be `fields` long; its stderr is passed on.
pub fn measure_in_child(which: &str, dir: &Path, a: &Args, fields: usize) -> Vec<String> {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe)
        .args([
            "--minutes",
            &a.minutes.to_string(),
            "--preset",
            &a.preset,
            "--shots",
            &a.shots.to_string(),
            "--child",
            which,
            dir.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    let line = String::from_utf8_lossy(&out.stdout).to_string();
    let f: Vec<String> = line.split_whitespace().map(str::to_string).collect();
    assert!(
        out.status.success() && f.len() == fields,
        "child {which} failed: {line}"
    );
    f
}

/// A mock fal queue whose jobs take their real shapes ÷ `scale`, serving a 640×360 PNG and a 2 s 640×360 MP4; the
/// folder holding those files goes with it.
pub async fn fal_with_media(scale: f64) -> (tempfile::TempDir, studio_testkit::fal::FalMock) {
    let media = tempfile::tempdir().unwrap();
    let png = media.path().join("k.png");
    image::RgbImage::from_fn(640, 360, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    })
    .save(&png)
    .unwrap();
    let mp4 = media.path().join("v.mp4");
    studio_render::kenburns::pattern_clip(
        &mp4,
        640,
        360,
        24,
        48,
        &studio_render::kenburns::EncodeOptions {
            preset: "ultrafast".into(),
            crf: 28,
        },
    )
    .unwrap();
    let server = studio_testkit::fal::FalMock::start(
        std::fs::read(&png).unwrap(),
        std::fs::read(&mp4).unwrap(),
        studio_testkit::fal::FalTiming::RealShape { scale },
    )
    .await;
    (media, server)
}
