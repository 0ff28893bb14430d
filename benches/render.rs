//! Benchmark: rendering a 10-minute 1080p30 episode timeline — 40 shots (30 Ken Burns clips made from stills, 10
//! AI-video stand-ins at 1280×720 24 fps that are scaled, rate-mapped and looped), intro and outro cards, a fade at
//! every scene change, burned-in subtitles for 150 lines, dialogue over a ducked music bed brought to −14 LUFS,
//! AAC — against a baseline measured in the same run: the bare encode of the same frames (same sources, same count,
//! same preset) with hard cuts, no subtitles and no audio. Each measurement runs in a child process so its peak
//! RSS (VmHWM) is its own.
//!
//! Run: `cargo bench --bench render` (options after `--`: `--minutes M`, `--preset P`, `--shots N`).

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use studio_render::frames::{Fit, Visual};
use studio_render::kenburns::{Effect, EncodeOptions, ken_burns, pattern_clip};
use studio_render::mix::{Mix, MixSettings, PlacedVoice};
use studio_render::render::{RenderSpec, Segment, render, render_video_only};
use studio_render::transition::Transition;

mod common;
use common::*;

/// Builds the timeline in `dir` (clips made once, by the parent) and returns the spec plus the lines' offsets.
fn timeline(dir: &Path, a: &Args, make: bool) -> (RenderSpec, Vec<f64>, f64) {
    let total = a.minutes * 60.0;
    let body = total - INTRO - OUTRO;
    let shot_sec = body / a.shots as f64;
    let prep = EncodeOptions {
        preset: "ultrafast".into(),
        crf: 20,
    };
    let fade = Some(Transition::default());
    let mut segments = vec![intro()];
    for k in 0..a.shots {
        let start = INTRO + k as f64 * shot_sec;
        let end = if k + 1 == a.shots {
            INTRO + body
        } else {
            start + shot_sec
        };
        let clip = dir.join(format!("shot{k:03}.mp4"));
        let ai = k % 4 == 3; // every fourth shot is "AI video"
        if make && !clip.exists() {
            if ai {
                pattern_clip(&clip, 1280, 720, 24, 24 * 5, &prep).unwrap();
            } else {
                let img = dir.join(format!("still{k:03}.png"));
                still(&img, k);
                let fx = Effect::pick(k, "", "");
                ken_burns(&img, &clip, end - start, fx, &prep).unwrap();
            }
        }
        segments.push(Segment {
            visual: Visual::Clip(clip),
            start_sec: start,
            end_sec: end,
            fit: Fit::Loop,
            clip_offset_sec: 0.0,
            transition_in: if k % SHOTS_PER_SCENE == 0 { fade } else { None },
            label: format!("shot {}", k + 1),
        });
    }
    segments.push(Segment {
        visual: Visual::Card(card("다음 이야기")),
        start_sec: INTRO + body,
        end_sec: total,
        fit: Fit::Hold,
        clip_offset_sec: 0.0,
        transition_in: fade,
        label: "outro".into(),
    });
    // Lines every 4 s through the body; subtitles from them.
    let (burn, offsets) = dialogue(dir, body, make);
    (
        RenderSpec {
            width: 1920,
            height: 1080,
            fps: 30,
            segments,
            subtitles: Some(burn),
            encode: EncodeOptions {
                preset: a.preset.clone(),
                crf: 20,
            },
            framing: studio_render::frames::Framing::Auto,
        },
        offsets,
        total,
    )
}

fn child(a: &Args, which: &str, dir: &Path) {
    let (mut spec, offsets, total) = timeline(dir, a, false);
    // Diagnosis: AIDAS_BENCH_DROP=subs,audio,fades renders without those parts.
    let drop = std::env::var("AIDAS_BENCH_DROP").unwrap_or_default();
    if drop.contains("subs") {
        spec.subtitles = None;
    }
    if drop.contains("fades") {
        for s in &mut spec.segments {
            s.transition_in = None;
        }
    }
    let out = dir.join(format!("{which}.mp4"));
    let started = Instant::now();
    let frames = if which == "render" {
        let lines: Vec<Vec<f32>> = (0..offsets.len()).map(|k| speech(LINE_SEC, k)).collect();
        let music = studio_render::music::ambient_bed(studio_render::music::Mood::Warm, 1, 48_000);
        let voices: Vec<PlacedVoice<'_>> = offsets
            .iter()
            .zip(&lines)
            .map(|(o, s)| PlacedVoice {
                offset_sec: *o,
                samples: s,
            })
            .collect();
        let frames_total = (total * 30.0).round();
        let mix = Mix::new(
            &voices,
            Some(&music),
            frames_total / 30.0,
            &MixSettings::default(),
        );
        let (mut stream, report) = mix.prepare();
        eprintln!("  mix measured in {:.2} s", started.elapsed().as_secs_f64());
        let audio: Option<&mut dyn studio_render::render::AudioSource> = if drop.contains("audio") {
            None
        } else {
            Some(&mut stream)
        };
        let r = render(&spec, audio, &out, &AtomicBool::new(false), &mut |_, _| {}).unwrap();
        eprintln!(
            "  render: {} frames, {} transitions, mix {:.2} LUFS / {:.2} dBTP",
            r.frames,
            r.transitions,
            report.integrated_lufs.unwrap_or(f64::NAN),
            report.true_peak_dbtp
        );
        r.frames
    } else {
        render_video_only(&spec, &out).unwrap()
    };
    let secs = started.elapsed().as_secs_f64();
    println!("{which} {frames} {secs:.3} {:.1}", peak_rss_mb());
}

/// One measurement in a child process: (frames, seconds, peak RSS MB).
fn measure(which: &str, dir: &Path, a: &Args) -> (u64, f64, f64) {
    let f = measure_in_child(which, dir, a, 4);
    (
        f[1].parse().unwrap(),
        f[2].parse().unwrap(),
        f[3].parse().unwrap(),
    )
}

fn main() {
    let a = args();
    if let Some((which, dir)) = &a.child {
        child(&a, which, dir);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    eprintln!(
        "render bench: {} min 1080p30, {} shots, preset {} — preparing clips (not measured)…",
        a.minutes, a.shots, a.preset
    );
    let t = Instant::now();
    let (spec, offsets, _) = timeline(dir.path(), &a, true);
    eprintln!(
        "  prepared {} segments, {} lines in {:.1} s",
        spec.segments.len(),
        offsets.len(),
        t.elapsed().as_secs_f64()
    );
    // Baseline first and again last, so drift in machine speed shows.
    let (bf, b1, brss) = measure("bare", dir.path(), &a);
    let (rf, r, rrss) = measure("render", dir.path(), &a);
    let (_, b2, _) = measure("bare", dir.path(), &a);
    assert_eq!(bf, rf, "same frame count");
    let base = (b1 + b2) / 2.0;
    println!(
        "render bench ({} min 1080p30, {} shots, preset {}):",
        a.minutes, a.shots, a.preset
    );
    println!("  frames:                 {rf}");
    println!(
        "  bare encode (baseline): {b1:.1} s and {b2:.1} s, mean {base:.1} s ({:.1} fps), peak RSS {brss:.0} MB",
        rf as f64 / base
    );
    println!(
        "  full render:            {r:.1} s ({:.1} fps, {:.1}× realtime), peak RSS {rrss:.0} MB",
        rf as f64 / r,
        a.minutes * 60.0 / r
    );
    println!("  ratio render / bare:    {:.3} (target ≤ 1.15)", r / base);
    println!(
        "  peak RSS target:        ≤ 600 MB → {}",
        if rrss <= 600.0 { "met" } else { "NOT met" }
    );
}
