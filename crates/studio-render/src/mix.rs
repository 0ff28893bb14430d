//! # The episode's sound
//!
//! Dialogue lines placed at their timeline offsets (mono, centred), a music bed at the configured volume (the
//! seeds' 0.12) looped to the length and ducked under speech, then the whole programme brought to the loudness
//! target (−14 LUFS integrated) with a look-ahead limiter that keeps the true peak at or under the ceiling
//! (−1 dBTP). The result is checked with the in-process meter and the report carries the measured figures.

use std::collections::VecDeque;

#[derive(Debug, Clone, serde::Serialize)]
pub struct MixSettings {
    pub sample_rate: u32,
    /// Linear gain of the music bed (0.12 in the design documents).
    pub music_volume: f64,
    /// How far the music drops under speech, in dB (negative).
    pub duck_db: f64,
    pub target_lufs: f64,
    pub ceiling_dbtp: f64,
}

impl Default for MixSettings {
    fn default() -> Self {
        Self {
            sample_rate: 48_000,
            music_volume: 0.12,
            duck_db: -9.0,
            target_lufs: -14.0,
            ceiling_dbtp: -1.0,
        }
    }
}

/// One voiced line: mono samples at the mix rate, starting `offset_sec` into the programme.
pub struct PlacedVoice<'a> {
    pub offset_sec: f64,
    pub samples: &'a [f32],
}

#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct MixReport {
    pub frames: usize,
    pub integrated_lufs: Option<f64>,
    pub true_peak_dbtp: f64,
    pub gain_db: f64,
    /// Share of frames the limiter turned down.
    pub limited_share: f64,
}

fn db(x: f64) -> f64 {
    10f64.powf(x / 20.0)
}

/// Sliding minimum over ±radius (monotonic deque, O(n)).
fn sliding_min(v: &[f32], radius: usize) -> Vec<f32> {
    let n = v.len();
    let mut out = vec![1.0; n];
    let mut q: VecDeque<usize> = VecDeque::new();
    let mut next = 0;
    for (i, o) in out.iter_mut().enumerate() {
        let hi = (i + radius).min(n.saturating_sub(1));
        while next <= hi {
            while q.back().is_some_and(|&b| v[b] >= v[next]) {
                q.pop_back();
            }
            q.push_back(next);
            next += 1;
        }
        while q.front().is_some_and(|&f| f + radius < i) {
            q.pop_front();
        }
        *o = q.front().map_or(1.0, |&f| v[f]);
    }
    out
}

/// Look-ahead limiter on interleaved stereo: the gain at each frame is at most what the loudest frame within
/// ±1.5 ms allows, averaged so it moves smoothly, and recovers over ~80 ms. Returns the share of frames turned down.
fn limit(stereo: &mut [f32], rate: u32, ceiling: f64) -> f64 {
    let frames = stereo.len() / 2;
    if frames == 0 {
        return 0.0;
    }
    let need: Vec<f32> = stereo
        .chunks_exact(2)
        .map(|f| {
            let p = f[0].abs().max(f[1].abs()) as f64;
            if p > ceiling {
                (ceiling / p) as f32
            } else {
                1.0
            }
        })
        .collect();
    if need.iter().all(|&g| g >= 1.0) {
        return 0.0;
    }
    let radius = (f64::from(rate) * 0.0015) as usize;
    let floor = sliding_min(&need, radius);
    // Moving average over ±radius/2: every value averaged already covers the frame, so it stays under its need.
    let half = (radius / 2).max(1);
    let mut prefix = vec![0.0f64; frames + 1];
    for (i, g) in floor.iter().enumerate() {
        prefix[i + 1] = prefix[i] + f64::from(*g);
    }
    let release = 1.0 - (-1.0 / (0.08 * f64::from(rate))).exp();
    let mut g_prev = 1.0f64;
    let mut turned = 0usize;
    for i in 0..frames {
        let (a, b) = (i.saturating_sub(half), (i + half + 1).min(frames));
        let smooth = (prefix[b] - prefix[a]) / (b - a) as f64;
        let g = smooth.min(g_prev + (1.0 - g_prev) * release);
        g_prev = g;
        if g < 0.9999 {
            turned += 1;
        }
        stereo[2 * i] = (f64::from(stereo[2 * i]) * g) as f32;
        stereo[2 * i + 1] = (f64::from(stereo[2 * i + 1]) * g) as f32;
    }
    turned as f64 / frames as f64
}

fn measure(stereo: &[f32], rate: u32) -> (Option<f64>, f64) {
    crate::loudness::measure(stereo, rate, 2)
}

/// Mixes the programme: `total_sec` long, voices at their offsets, `music` (interleaved stereo, looped) under them.
pub fn mix(
    voices: &[PlacedVoice<'_>],
    music: Option<&[f32]>,
    total_sec: f64,
    s: &MixSettings,
) -> (Vec<f32>, MixReport) {
    let rate = s.sample_rate.max(1);
    let frames = if total_sec.is_finite() && total_sec > 0.0 {
        (total_sec * f64::from(rate)).round() as usize
    } else {
        0
    };
    let mut dialogue = vec![0.0f32; frames];
    for v in voices {
        if !v.offset_sec.is_finite() || v.offset_sec < 0.0 {
            continue;
        }
        let at = (v.offset_sec * f64::from(rate)).round() as usize;
        for (d, x) in dialogue.iter_mut().skip(at).zip(v.samples) {
            *d += if x.is_finite() { *x } else { 0.0 };
        }
    }

    // Ducking: speech in a 50 ms block (above −45 dBFS RMS) pulls the music down; 60 ms attack, 500 ms release.
    let block = (f64::from(rate) * 0.05) as usize;
    let threshold = db(-45.0).powi(2);
    let duck = db(s.duck_db);
    let (att, rel) = (
        1.0 - (-1.0 / (0.06 * f64::from(rate))).exp(),
        1.0 - (-1.0 / (0.5 * f64::from(rate))).exp(),
    );
    let mut stereo = vec![0.0f32; frames * 2];
    let mut g = 1.0f64;
    let music = music.filter(|m| m.len() >= 2);
    // Hold the duck 300 ms past the last speech so the music does not pump between words.
    let hold_blocks = 6usize;
    let mut since_speech = usize::MAX;
    for (bi, chunk) in dialogue.chunks(block.max(1)).enumerate() {
        let ms = chunk.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>() / chunk.len() as f64;
        since_speech = if ms > threshold {
            0
        } else {
            since_speech.saturating_add(1)
        };
        let target = if since_speech <= hold_blocks {
            duck
        } else {
            1.0
        };
        for (j, x) in chunk.iter().enumerate() {
            let i = bi * block.max(1) + j;
            g += (target - g) * if target < g { att } else { rel };
            let (ml, mr) = match music {
                Some(m) => {
                    let k = (2 * i) % (m.len() & !1);
                    (f64::from(m[k]), f64::from(m[k + 1]))
                }
                None => (0.0, 0.0),
            };
            let mg = s.music_volume * g;
            stereo[2 * i] = (f64::from(*x) + ml * mg) as f32;
            stereo[2 * i + 1] = (f64::from(*x) + mr * mg) as f32;
        }
    }

    // Loudness: gain to the target, limit, re-measure; twice more if the limiter cost loudness.
    let ceiling_lin = db(s.ceiling_dbtp - 0.6);
    let mut gain_db = 0.0;
    let mut limited = 0.0;
    for _ in 0..3 {
        let (Some(l), _) = measure(&stereo, rate) else {
            break;
        };
        let step = s.target_lufs - l;
        if step.abs() < 0.2 && gain_db != 0.0 {
            break;
        }
        let k = db(step);
        for x in &mut stereo {
            *x = (f64::from(*x) * k) as f32;
        }
        gain_db += step;
        limited = limit(&mut stereo, rate, ceiling_lin);
    }
    // Intersample peaks the sample limiter missed: pull the ceiling in until the meter agrees.
    for _ in 0..4 {
        let (_, tp) = measure(&stereo, rate);
        if tp <= s.ceiling_dbtp {
            break;
        }
        let c = db(s.ceiling_dbtp - (tp - s.ceiling_dbtp) - 0.8);
        limited = limited.max(limit(&mut stereo, rate, c));
    }
    let (integrated_lufs, true_peak_dbtp) = measure(&stereo, rate);
    (
        stereo,
        MixReport {
            frames,
            integrated_lufs,
            true_peak_dbtp,
            gain_db,
            limited_share: limited,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    /// Speech-like bursts: a 220 Hz tone with harmonics, amplitude-modulated like syllables.
    fn speech(secs: f64, amp: f64, rate: u32) -> Vec<f32> {
        let n = (secs * f64::from(rate)) as usize;
        (0..n)
            .map(|i| {
                let t = i as f64 / f64::from(rate);
                let syll = (0.5 - 0.5 * (2.0 * PI * 4.0 * t).cos()).powi(2);
                let v = (2.0 * PI * 220.0 * t).sin()
                    + 0.5 * (2.0 * PI * 440.0 * t).sin()
                    + 0.3 * (2.0 * PI * 1320.0 * t).sin();
                (amp * syll * v / 1.8) as f32
            })
            .collect()
    }

    fn music(secs: f64, rate: u32) -> Vec<f32> {
        let n = (secs * f64::from(rate)) as usize;
        (0..n)
            .flat_map(|i| {
                let t = i as f64 / f64::from(rate);
                let l = 0.6 * (2.0 * PI * 330.0 * t).sin() + 0.3 * (2.0 * PI * 110.0 * t).sin();
                let r = 0.6 * (2.0 * PI * 392.0 * t).sin() + 0.3 * (2.0 * PI * 110.0 * t).sin();
                [l as f32, r as f32]
            })
            .collect()
    }

    #[test]
    fn a_quiet_mix_is_brought_to_minus_14_lufs_under_minus_1_dbtp() {
        let rate = 48_000;
        let a = speech(3.0, 0.05, rate);
        let b = speech(4.0, 0.9, rate); // a shout: the limiter must hold it
        let voices = [
            PlacedVoice {
                offset_sec: 1.0,
                samples: &a,
            },
            PlacedVoice {
                offset_sec: 5.0,
                samples: &b,
            },
        ];
        let m = music(7.3, rate);
        let (out, r) = mix(&voices, Some(&m), 12.0, &MixSettings::default());
        assert_eq!(out.len(), 12 * rate as usize * 2);
        let l = r.integrated_lufs.unwrap();
        assert!((l + 14.0).abs() <= 1.0, "integrated {l:.2} LUFS");
        assert!(
            r.true_peak_dbtp <= -1.0,
            "true peak {:.2} dBTP",
            r.true_peak_dbtp
        );
        // Re-measured independently.
        let (l2, tp2) = crate::loudness::measure(&out, rate, 2);
        assert_eq!(l2, Some(l));
        assert_eq!(tp2, r.true_peak_dbtp);
    }

    #[test]
    fn music_ducks_under_speech_and_comes_back() {
        let rate = 48_000;
        let a = speech(2.0, 0.5, rate);
        let voices = [PlacedVoice {
            offset_sec: 2.0,
            samples: &a,
        }];
        let m = music(10.0, rate);
        let s = MixSettings {
            target_lufs: -30.0, // low enough that nothing is limited: compare raw levels
            ..Default::default()
        };
        let (with, _) = mix(&voices, Some(&m), 8.0, &s);
        let (bed, _) = mix(&[], Some(&m), 8.0, &s);
        // The music-only right channel differs from the mix's only by speech (centred) — compare the
        // music level where there is no speech (0.5–1.5 s, 6–7.5 s) against inside speech via the bed alone:
        let rms = |v: &[f32], a: f64, b: f64| {
            let (i, j) = ((a * 48_000.0) as usize * 2, (b * 48_000.0) as usize * 2);
            (v[i..j].iter().map(|x| f64::from(*x).powi(2)).sum::<f64>() / (j - i) as f64).sqrt()
        };
        // Gains differ between the two mixes (each was normalised); compare ratios within each.
        let before = rms(&with, 0.5, 1.5);
        let after = rms(&with, 6.5, 7.9);
        assert!(
            (before / after - 1.0).abs() < 0.1,
            "music returns after the line: {before} vs {after}"
        );
        let steady = rms(&bed, 0.5, 1.5) / rms(&bed, 6.5, 7.9);
        assert!((steady - 1.0).abs() < 0.05);
        // Inside speech: left minus right cancels the centred speech and leaves the (different) music channels,
        // so the mix's L−R over the bed's L−R (after the normalisation gain seen where nobody speaks) is the duck.
        let g_with = rms(&with, 0.5, 1.5) / rms(&bed, 0.5, 1.5);
        let music_during: f64 = {
            let (i, j) = (2.6 * 48_000.0, 3.6 * 48_000.0);
            let (i, j) = (i as usize, j as usize);
            // Left minus right cancels the centred speech and leaves the (different) music channels.
            let diff = |v: &[f32]| {
                ((i..j)
                    .map(|k| f64::from(v[2 * k] - v[2 * k + 1]).powi(2))
                    .sum::<f64>()
                    / (j - i) as f64)
                    .sqrt()
            };
            diff(&with) / (diff(&bed) * g_with)
        };
        let expected = db(s.duck_db);
        assert!(
            (music_during - expected).abs() < 0.08,
            "music under speech at {music_during:.3} of its level (expected {expected:.3})"
        );
    }

    #[test]
    fn silence_and_bad_offsets_do_not_panic() {
        let a = vec![f32::NAN; 100];
        let voices = [PlacedVoice {
            offset_sec: -1.0,
            samples: &a,
        }];
        let (out, r) = mix(&voices, None, 1.0, &MixSettings::default());
        assert_eq!(out.len(), 96_000);
        assert_eq!(r.integrated_lufs, None);
        let (out, _) = mix(&[], None, f64::NAN, &MixSettings::default());
        assert!(out.is_empty());
    }
}
