//! Benchmark: stills and AI clips → the final MP4 of a 10-minute 1080p30 episode timeline (40 shots: 30 stills, 10
//! AI-video stand-ins at 1280×720 24 fps; intro and outro cards, a fade at every scene change, burned-in subtitles,
//! dialogue over a ducked music bed, AAC), end to end, two ways, against a baseline measured in the same run:
//!
//! - **before** — what the visuals stage and the render did until stills stayed stills: every still encoded into a
//!   1080p Ken Burns clip of its slot's length (ultrafast, CRF 18, as the visuals stage did), then the render
//!   decoding those clips and encoding the frames again;
//! - **after** — the render drawing each still's Ken Burns motion itself, in its one encode;
//! - **bare** (baseline) — a bare encode of the same final frames with the same preset: the finished episode's
//!   frames decoded and encoded once more, video only, hard cuts, no subtitles.
//!
//! Each measurement runs in a child process so its peak RSS (VmHWM) is its own; "before" is two children (its clips,
//! then its render) whose times add and whose larger peak counts. Intermediate bytes are the files written between
//! the inputs (stills, AI clips) and the final MP4.
//!
//! Run: `cargo bench --bench one_encode` (options after `--`: `--minutes M`, `--preset P`, `--shots N`).

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

/// A shot of the timeline: its slot and whether it is an AI clip (every fourth) or a still.
struct Shot {
    start: f64,
    end: f64,
    ai: bool,
}

fn shots(a: &Args) -> Vec<Shot> {
    let body = a.minutes * 60.0 - INTRO - OUTRO;
    let len = body / a.shots as f64;
    (0..a.shots)
        .map(|k| Shot {
            start: INTRO + k as f64 * len,
            end: if k + 1 == a.shots {
                INTRO + body
            } else {
                INTRO + (k + 1) as f64 * len
            },
            ai: k % 4 == 3,
        })
        .collect()
}

/// The inputs every way starts from: a still per still shot, an AI clip per video shot (made once, not measured).
fn inputs(dir: &Path, a: &Args) {
    let prep = EncodeOptions {
        preset: "ultrafast".into(),
        crf: 20,
    };
    for (k, s) in shots(a).iter().enumerate() {
        if s.ai {
            pattern_clip(
                &dir.join(format!("ai{k:03}.mp4")),
                1280,
                720,
                24,
                24 * 5,
                &prep,
            )
            .unwrap();
        } else {
            still(&dir.join(format!("still{k:03}.png")), k);
        }
    }
}

/// "before", step 1: every still encoded into a Ken Burns clip of its slot (as the visuals stage did). Returns the
/// bytes written.
fn ken_burns_clips(dir: &Path, a: &Args) -> u64 {
    let opts = EncodeOptions {
        preset: "ultrafast".into(),
        crf: 18,
    };
    let mut bytes = 0;
    for (k, s) in shots(a).iter().enumerate() {
        if s.ai {
            continue;
        }
        let clip = dir.join(format!("kb{k:03}.mp4"));
        ken_burns(
            &dir.join(format!("still{k:03}.png")),
            &clip,
            s.end - s.start,
            Effect::pick(k, "", ""),
            &opts,
        )
        .unwrap();
        bytes += std::fs::metadata(&clip).unwrap().len();
    }
    bytes
}

/// The episode's timeline; stills as pre-made Ken Burns clips (`clips`) or drawn in the render.
fn timeline(dir: &Path, a: &Args, clips: bool) -> (RenderSpec, Vec<f64>, f64) {
    let total = a.minutes * 60.0;
    let body = total - INTRO - OUTRO;
    let fade = Some(Transition::default());
    let mut segments = vec![intro()];
    for (k, s) in shots(a).iter().enumerate() {
        let visual = if s.ai {
            Visual::Clip(dir.join(format!("ai{k:03}.mp4")))
        } else if clips {
            Visual::Clip(dir.join(format!("kb{k:03}.mp4")))
        } else {
            Visual::KenBurns {
                image: dir.join(format!("still{k:03}.png")),
                effect: Effect::pick(k, "", ""),
            }
        };
        segments.push(Segment {
            visual,
            start_sec: s.start,
            end_sec: s.end,
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
    let (burn, offsets) = dialogue(dir, body, true);
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

/// The full render (video, subtitles, fades, mixed audio) of the timeline to `out`; returns its frames.
fn full_render(spec: &RenderSpec, offsets: &[f64], total: f64, out: &Path) -> u64 {
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
    let (mut stream, _) = mix.prepare();
    render(
        spec,
        Some(&mut stream),
        out,
        &AtomicBool::new(false),
        &mut |_, _| {},
    )
    .unwrap()
    .frames
}

fn child(a: &Args, which: &str, dir: &Path) {
    let started = Instant::now();
    let (frames, bytes) = match which {
        "kb-clips" => (0, ken_burns_clips(dir, a)),
        "before-render" => {
            let (spec, offsets, total) = timeline(dir, a, true);
            (
                full_render(&spec, &offsets, total, &dir.join("before.mp4")),
                0,
            )
        }
        "after" => {
            let (spec, offsets, total) = timeline(dir, a, false);
            (
                full_render(&spec, &offsets, total, &dir.join("after.mp4")),
                0,
            )
        }
        "bare" => {
            // The finished episode's frames, decoded and encoded once more with the same preset.
            let total = a.minutes * 60.0;
            let spec = RenderSpec {
                width: 1920,
                height: 1080,
                fps: 30,
                segments: vec![Segment {
                    visual: Visual::Clip(dir.join("after.mp4")),
                    start_sec: 0.0,
                    end_sec: total,
                    fit: Fit::Hold,
                    clip_offset_sec: 0.0,
                    transition_in: None,
                    label: "final frames".into(),
                }],
                subtitles: None,
                encode: EncodeOptions {
                    preset: a.preset.clone(),
                    crf: 20,
                },
                framing: studio_render::frames::Framing::Auto,
            };
            (render_video_only(&spec, &dir.join("bare.mp4")).unwrap(), 0)
        }
        "decode" => {
            // Decoding the final frames alone (the share of "bare" that is not encoding).
            let frames = (a.minutes * 60.0 * 30.0).round() as u64;
            studio_render::probe::luma_at(&dir.join("after.mp4"), frames - 1).unwrap();
            (frames, 0)
        }
        other => panic!("unknown measurement {other}"),
    };
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{which} {frames} {secs:.3} {:.1} {bytes} {:.1}",
        peak_rss_mb(),
        cpu_sec()
    );
}

/// One measurement in a child process: (frames, seconds, peak RSS MB, bytes written, CPU seconds).
fn measure(which: &str, dir: &Path, a: &Args) -> (u64, f64, f64, u64, f64) {
    let f = measure_in_child(which, dir, a, 6);
    (
        f[1].parse().unwrap(),
        f[2].parse().unwrap(),
        f[3].parse().unwrap(),
        f[4].parse().unwrap(),
        f[5].parse().unwrap(),
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
        "one-encode bench: {} min 1080p30, {} shots, preset {} — preparing stills and AI clips (not measured)…",
        a.minutes, a.shots, a.preset
    );
    inputs(dir.path(), &a);
    // The final frames come from "after"; the baseline re-encodes them. Baseline first and again last.
    let sizes = |d: &Path| -> std::collections::BTreeMap<String, u64> {
        std::fs::read_dir(d)
            .unwrap()
            .flatten()
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    e.metadata().map_or(0, |m| m.len()),
                )
            })
            .collect()
    };
    // Bytes of the files a way wrote besides its final MP4 (measured from the folder, not assumed).
    let written = |before: &std::collections::BTreeMap<String, u64>, final_name: &str| -> u64 {
        sizes(dir.path())
            .iter()
            .filter(|(n, _)| n.as_str() != final_name && !before.contains_key(n.as_str()))
            .map(|(_, b)| b)
            .sum()
    };
    let start = sizes(dir.path());
    let (af, after, after_rss, _, after_cpu) = measure("after", dir.path(), &a);
    let after_bytes = written(&start, "after.mp4");
    let (bf, b1, bare_rss, _, bare_cpu) = measure("bare", dir.path(), &a);
    let (_, dec, _, _, _) = measure("decode", dir.path(), &a);
    let mid = sizes(dir.path());
    let (_, kb, kb_rss, _, kb_cpu) = measure("kb-clips", dir.path(), &a);
    let (rf, render_s, render_rss, _, render_cpu) = measure("before-render", dir.path(), &a);
    let kb_bytes = written(&mid, "before.mp4");
    let (_, b2, _, _, _) = measure("bare", dir.path(), &a);
    assert_eq!(af, bf, "the baseline encodes the same frames");
    assert_eq!(af, rf, "both ways make the same frames");
    let base = (b1 + b2) / 2.0;
    let before = kb + render_s;
    let mb = |b: u64| b as f64 / 1e6;
    println!(
        "one-encode bench ({} min 1080p30, {} shots, {} stills, preset {}):",
        a.minutes,
        a.shots,
        shots(&a).iter().filter(|s| !s.ai).count(),
        a.preset
    );
    println!("  frames:                         {af}");
    println!(
        "  bare encode of the final frames: {b1:.1} s and {b2:.1} s, mean {base:.1} s, peak RSS {bare_rss:.0} MB"
    );
    println!(
        "  of which decoding the final frames: {dec:.1} s (encode alone ≈ {:.1} s)",
        base - dec
    );
    println!(
        "  before (Ken Burns clips + render): {kb:.1} s + {render_s:.1} s = {before:.1} s → {:.3}× bare, peak RSS {:.0} MB, intermediate {:.0} MB of 1080p clips",
        before / base,
        kb_rss.max(render_rss),
        mb(kb_bytes)
    );
    println!(
        "  after (stills drawn in the render): {after:.1} s → {:.3}× bare (target ≤ 1.2), {:.3}× the encode alone, peak RSS {after_rss:.0} MB (target ≤ 600), intermediate {:.1} MB",
        after / base,
        after / (base - dec),
        mb(after_bytes)
    );
    println!("  after / before:                 {:.3}", after / before);
    println!(
        "  CPU seconds (all threads): bare {bare_cpu:.0} ({:.2} cores busy), before {:.0}, after {after_cpu:.0} ({:.2} cores busy)",
        bare_cpu / b1,
        kb_cpu + render_cpu,
        after_cpu / after
    );
}
