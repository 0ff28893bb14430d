//! # Offline music bed
//!
//! When no music file is configured the studio writes its own bed: a slow chord pad (four chords, four seconds
//! each) in a mood chosen from the genre, with a soft heartbeat under tense series and a light plucked arpeggio over
//! comedies. It is one seamless 16-second loop — every partial is tuned to a whole number of cycles per loop and the
//! chord cross-fades wrap around — so the mixer can repeat it for any length. Generated here, it carries no
//! licence terms at all.

use std::f64::consts::TAU;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mood {
    /// Major, warm (romance, family).
    Warm,
    /// Minor with a low heartbeat (thriller, mystery).
    Tense,
    /// Bright major with a plucked arpeggio (comedy).
    Light,
}

impl Mood {
    pub fn for_genre(genre: &str) -> Mood {
        let g = genre.to_lowercase();
        if [
            "thriller",
            "mystery",
            "horror",
            "스릴러",
            "미스터리",
            "공포",
            "추리",
        ]
        .iter()
        .any(|k| g.contains(k))
        {
            Mood::Tense
        } else if ["comedy", "코미디", "시트콤", "sitcom"]
            .iter()
            .any(|k| g.contains(k))
        {
            Mood::Light
        } else {
            Mood::Warm
        }
    }
}

pub const LOOP_SEC: f64 = 16.0;
const CHORD_SEC: f64 = 4.0;
const FADE_SEC: f64 = 1.0;

/// MIDI notes per chord (bass first), two progressions per mood picked by the seed.
fn progression(mood: Mood, seed: u64) -> [[i32; 4]; 4] {
    let alt = seed % 2 == 1;
    match (mood, alt) {
        // C G Am F / Am F C G
        (Mood::Warm, false) => [
            [48, 60, 64, 67],
            [43, 59, 62, 67],
            [45, 60, 64, 69],
            [41, 60, 65, 69],
        ],
        (Mood::Warm, true) => [
            [45, 60, 64, 69],
            [41, 60, 65, 69],
            [48, 60, 64, 67],
            [43, 59, 62, 67],
        ],
        // Am F Dm E / Dm Am E Am
        (Mood::Tense, false) => [
            [33, 57, 60, 64],
            [29, 57, 60, 65],
            [38, 57, 62, 65],
            [28, 56, 59, 64],
        ],
        (Mood::Tense, true) => [
            [38, 57, 62, 65],
            [33, 57, 60, 64],
            [28, 56, 59, 64],
            [33, 57, 60, 64],
        ],
        // F C Dm Bb / C F G C
        (Mood::Light, false) => [
            [41, 65, 69, 72],
            [36, 64, 67, 72],
            [38, 65, 69, 74],
            [34, 65, 70, 74],
        ],
        (Mood::Light, true) => [
            [36, 64, 67, 72],
            [41, 65, 69, 72],
            [43, 67, 71, 74],
            [36, 64, 67, 72],
        ],
    }
}

/// Frequency of a MIDI note, rounded to a whole number of cycles per loop so the loop joins without a click.
fn freq(note: i32, detune: f64) -> f64 {
    let f = 440.0 * 2f64.powf(f64::from(note - 69) / 12.0) * detune;
    (f * LOOP_SEC).round() / LOOP_SEC
}

/// Weight of chord `i` at loop time `t`: raised-cosine cross-fades of FADE_SEC centred on each change, wrapping.
fn chord_weight(i: usize, t: f64) -> f64 {
    let start = i as f64 * CHORD_SEC;
    // Distance into the chord's span, taken around the loop.
    let d = (t - start).rem_euclid(LOOP_SEC);
    let half = FADE_SEC / 2.0;
    if d <= CHORD_SEC - half {
        if d < half {
            // Fading in (second half of the fade).
            0.5 + 0.5 * (std::f64::consts::PI * (d / FADE_SEC)).sin()
        } else {
            1.0
        }
    } else if d < CHORD_SEC + half {
        let x = (d - (CHORD_SEC - half)) / FADE_SEC;
        0.5 + 0.5 * (std::f64::consts::PI * x).cos()
    } else if d > LOOP_SEC - half {
        // Fading in (first half of the fade), before the chord's start.
        let x = (d - (LOOP_SEC - half)) / FADE_SEC;
        0.5 - 0.5 * (std::f64::consts::PI * (0.5 - x)).sin()
    } else {
        0.0
    }
}

/// One seamless loop of the bed, interleaved stereo at `rate`, peaking at −6 dBFS.
pub fn ambient_bed(mood: Mood, seed: u64, rate: u32) -> Vec<f32> {
    let rate = rate.max(8_000);
    let frames = (LOOP_SEC * f64::from(rate)) as usize;
    let chords = progression(mood, seed);
    // Per chord note: (frequency left, frequency right, gain); the bass sits lower and softer.
    let voices: Vec<Vec<(f64, f64, f64)>> = chords
        .iter()
        .map(|c| {
            c.iter()
                .enumerate()
                .map(|(k, &n)| {
                    let g = if k == 0 { 0.55 } else { 0.3 };
                    (freq(n, 0.998), freq(n, 1.002), g)
                })
                .collect()
        })
        .collect();
    let mut out = vec![0.0f32; frames * 2];
    let mut peak = 0.0f64;
    let tremolo = 4.0 / LOOP_SEC; // 0.25 Hz, whole cycles per loop
    for i in 0..frames {
        let t = i as f64 / f64::from(rate);
        let (mut l, mut r) = (0.0, 0.0);
        for (ci, notes) in voices.iter().enumerate() {
            let w = chord_weight(ci, t);
            if w <= 0.0 {
                continue;
            }
            for &(fl, fr, g) in notes {
                // Three partials, softer as they rise: a mellow pad.
                for (h, a) in [(1.0, 1.0), (2.0, 0.35), (3.0, 0.12)] {
                    l += w * g * a * (TAU * fl * h * t).sin();
                    r += w * g * a * (TAU * fr * h * t).sin();
                }
            }
        }
        let swell = 0.85 + 0.15 * (TAU * tremolo * t).sin();
        l *= swell;
        r *= swell;
        match mood {
            Mood::Tense => {
                // Heartbeat at 60 bpm: lub-dub on a low 55 Hz thump.
                let beat = t.rem_euclid(1.0);
                let thump = |at: f64| {
                    let d = beat - at;
                    if d >= 0.0 {
                        (-d * 18.0).exp() * (TAU * 55.0 * d).sin()
                    } else {
                        0.0
                    }
                };
                let hb = 0.9 * thump(0.0) + 0.6 * thump(0.28);
                l += hb;
                r += hb;
            }
            Mood::Light => {
                // Eighth-note arpeggio over the current chord, alternating sides.
                let step = (t / 0.5).floor();
                let d = t - step * 0.5;
                let chord = (((t / CHORD_SEC) as usize) % 4).min(3);
                let note = chords[chord][1 + (step as usize % 3)] + 12;
                let f = freq(note, 1.0);
                let v = 0.35
                    * (-d * 7.0).exp()
                    * ((TAU * f * d).sin() + 0.3 * (TAU * 2.0 * f * d).sin());
                // Fade the last pluck out before the loop point so the join is silent for it.
                let tail = ((LOOP_SEC - t) / 0.05).clamp(0.0, 1.0);
                let pan = if (step as usize).is_multiple_of(2) {
                    0.7
                } else {
                    0.3
                };
                l += v * pan * tail;
                r += v * (1.0 - pan) * tail;
            }
            Mood::Warm => {}
        }
        out[2 * i] = l as f32;
        out[2 * i + 1] = r as f32;
        peak = peak.max(l.abs()).max(r.abs());
    }
    if peak > 0.0 {
        let k = (0.5 / peak) as f32;
        for x in &mut out {
            *x *= k;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rms(v: &[f32]) -> f64 {
        (v.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>() / v.len().max(1) as f64).sqrt()
    }

    #[test]
    fn the_bed_is_a_seamless_audible_loop() {
        for mood in [Mood::Warm, Mood::Tense, Mood::Light] {
            let b = ambient_bed(mood, 1, 48_000);
            assert_eq!(b.len(), 16 * 48_000 * 2);
            let r = rms(&b);
            assert!(r > 0.05, "{mood:?} is nearly silent: {r}");
            let peak = b.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            assert!((peak - 0.5).abs() < 1e-3, "{mood:?} peak {peak}");
            // The jump across the loop point is no bigger than the signal's ordinary sample-to-sample steps.
            let steps: Vec<f32> = b
                .chunks_exact(2)
                .zip(b.chunks_exact(2).skip(1))
                .map(|(a, c)| (a[0] - c[0]).abs())
                .collect();
            let max_step = steps.iter().fold(0.0f32, |m, x| m.max(*x));
            let join = (b[b.len() - 2] - b[0]).abs();
            assert!(
                join <= max_step * 1.01,
                "{mood:?}: join {join}, max step {max_step}"
            );
        }
    }

    #[test]
    fn moods_follow_the_genre_and_differ() {
        assert_eq!(Mood::for_genre("thriller"), Mood::Tense);
        assert_eq!(Mood::for_genre("로맨틱 코미디"), Mood::Light);
        assert_eq!(Mood::for_genre("romance"), Mood::Warm);
        let a = ambient_bed(Mood::Warm, 0, 16_000);
        let b = ambient_bed(Mood::Tense, 0, 16_000);
        assert_ne!(a, b);
        assert_eq!(a, ambient_bed(Mood::Warm, 0, 16_000), "deterministic");
        assert_ne!(
            a,
            ambient_bed(Mood::Warm, 1, 16_000),
            "the seed picks the progression"
        );
    }

    #[test]
    fn chord_weights_cross_fade_to_one() {
        for k in 0..1600 {
            let t = k as f64 * 0.01;
            let sum: f64 = (0..4).map(|i| chord_weight(i, t)).sum();
            assert!((sum - 1.0).abs() < 1e-9, "t={t}: {sum}");
        }
    }
}
