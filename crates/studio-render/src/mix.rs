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

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
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

/// The dialogue and the ducked music bed, 50 ms at a time, before any loudness gain. Deterministic, so every pass
/// over the programme (measuring, then writing) sees the same samples.
struct Premix<'a> {
    /// (start frame, samples), by start.
    voices: &'a [(usize, &'a [f32])],
    music: Option<&'a [f32]>,
    frames: usize,
    pos: usize,
    first_active: usize,
    block: usize,
    duck: f64,
    att: f64,
    rel: f64,
    threshold: f64,
    music_volume: f64,
    g: f64,
    since_speech: usize,
    dialogue: Vec<f32>,
}

/// Hold the duck 300 ms (six 50 ms blocks) past the last speech so the music does not pump between words.
const HOLD_BLOCKS: usize = 6;

impl<'a> Premix<'a> {
    fn new(m: &'a Mix<'a>) -> Premix<'a> {
        let rate = f64::from(m.s.sample_rate.max(1));
        Premix {
            voices: &m.voices,
            music: m.music,
            frames: m.frames,
            pos: 0,
            first_active: 0,
            block: ((rate * 0.05) as usize).max(1),
            duck: db(m.s.duck_db),
            // Speech in a 50 ms block (above −45 dBFS RMS) pulls the music down; 60 ms attack, 500 ms release.
            att: 1.0 - (-1.0 / (0.06 * rate)).exp(),
            rel: 1.0 - (-1.0 / (0.5 * rate)).exp(),
            threshold: db(-45.0).powi(2),
            music_volume: m.s.music_volume,
            g: 1.0,
            since_speech: usize::MAX,
            dialogue: Vec::new(),
        }
    }

    /// The next block as interleaved stereo into `out` (cleared first); false at the end of the programme.
    fn next_block(&mut self, out: &mut Vec<f32>) -> bool {
        out.clear();
        if self.pos >= self.frames {
            return false;
        }
        let (pos, n) = (self.pos, self.block.min(self.frames - self.pos));
        self.dialogue.clear();
        self.dialogue.resize(n, 0.0);
        while self
            .voices
            .get(self.first_active)
            .is_some_and(|(at, v)| at + v.len() <= pos)
        {
            self.first_active += 1;
        }
        for (at, v) in &self.voices[self.first_active..] {
            if *at >= pos + n {
                break;
            }
            let from = pos.saturating_sub(*at);
            let into = at.saturating_sub(pos);
            for (d, x) in self.dialogue[into..].iter_mut().zip(v.iter().skip(from)) {
                *d += if x.is_finite() { *x } else { 0.0 };
            }
        }
        let ms = self
            .dialogue
            .iter()
            .map(|x| f64::from(*x).powi(2))
            .sum::<f64>()
            / n as f64;
        self.since_speech = if ms > self.threshold {
            0
        } else {
            self.since_speech.saturating_add(1)
        };
        let target = if self.since_speech <= HOLD_BLOCKS {
            self.duck
        } else {
            1.0
        };
        for (j, x) in self.dialogue.iter().enumerate() {
            let i = pos + j;
            self.g += (target - self.g) * if target < self.g { self.att } else { self.rel };
            let (ml, mr) = match self.music {
                Some(m) => {
                    let k = (2 * i) % (m.len() & !1);
                    (f64::from(m[k]), f64::from(m[k + 1]))
                }
                None => (0.0, 0.0),
            };
            let mg = self.music_volume * self.g;
            out.push((f64::from(*x) + ml * mg) as f32);
            out.push((f64::from(*x) + mr * mg) as f32);
        }
        self.pos += n;
        true
    }
}

/// Streaming look-ahead limiter on stereo frames. The gain at a frame is the average, over the `d` frames up to it,
/// of the minimum need within the `d` frames from each — every term of that average covers the frame itself, so
/// the gain never exceeds what the frame needs — and it recovers over ~80 ms. The output lags the input by d − 1
/// frames; the start and end are padded so exactly the input's frames come out.
struct Limiter {
    ceiling: f64,
    d: usize,
    release: f64,
    /// Input frames not yet output (padded index, samples).
    delay: VecDeque<[f32; 2]>,
    /// Monotonic deque of (padded index, need) for the sliding minimum.
    needs: VecDeque<(usize, f32)>,
    mins: VecDeque<f32>,
    box_sum: f64,
    g_prev: f64,
    pushed: usize,
    skip: usize,
    turned: usize,
    emitted: usize,
}

impl Limiter {
    fn new(rate: u32, ceiling: f64) -> Limiter {
        let d = ((f64::from(rate) * 0.003) as usize).max(2);
        let mut l = Limiter {
            ceiling,
            d,
            release: 1.0 - (-1.0 / (0.08 * f64::from(rate))).exp(),
            delay: VecDeque::with_capacity(d + 1),
            needs: VecDeque::new(),
            mins: std::iter::repeat_n(1.0, d).collect(),
            box_sum: d as f64,
            g_prev: 1.0,
            pushed: 0,
            skip: d - 1,
            turned: 0,
            emitted: 0,
        };
        for _ in 0..d - 1 {
            l.push([0.0, 0.0], &mut Vec::new());
        }
        l
    }

    fn push(&mut self, frame: [f32; 2], out: &mut Vec<f32>) {
        let p = self.pushed;
        self.pushed += 1;
        let peak = f64::from(frame[0].abs().max(frame[1].abs()));
        let need = if peak > self.ceiling {
            (self.ceiling / peak) as f32
        } else {
            1.0
        };
        while self.needs.back().is_some_and(|&(_, v)| v >= need) {
            self.needs.pop_back();
        }
        self.needs.push_back((p, need));
        self.delay.push_back(frame);
        if p + 1 < self.d {
            return;
        }
        // m for the window starting at k = p − d + 1.
        let k = p + 1 - self.d;
        while self.needs.front().is_some_and(|&(i, _)| i < k) {
            self.needs.pop_front();
        }
        let m = self.needs.front().map_or(1.0, |&(_, v)| v);
        self.box_sum += f64::from(m) - f64::from(self.mins.pop_front().unwrap_or(1.0));
        self.mins.push_back(m);
        let y = self.box_sum / self.d as f64;
        let g = y.min(self.g_prev + (1.0 - self.g_prev) * self.release);
        self.g_prev = g;
        let Some(f) = self.delay.pop_front() else {
            return;
        };
        if self.skip > 0 {
            self.skip -= 1;
            return;
        }
        if g < 0.9999 {
            self.turned += 1;
        }
        self.emitted += 1;
        out.push((f64::from(f[0]) * g) as f32);
        out.push((f64::from(f[1]) * g) as f32);
    }

    /// Pushes the padding that brings the last real frames out.
    fn finish(&mut self, out: &mut Vec<f32>) {
        for _ in 0..self.d - 1 {
            self.push([0.0, 0.0], out);
        }
    }
}

/// A mix ready to be measured and written: voices placed, music chosen, settings fixed.
pub struct Mix<'a> {
    voices: Vec<(usize, &'a [f32])>,
    music: Option<&'a [f32]>,
    frames: usize,
    s: MixSettings,
}

/// The programme's samples, pulled in order (interleaved stereo). Reproduces exactly what `Mix::prepare` measured.
pub struct MixStream<'a> {
    pre: Premix<'a>,
    gain: f64,
    limiter: Limiter,
    block: Vec<f32>,
    pending: Vec<f32>,
    pending_pos: usize,
    finished: bool,
}

impl MixStream<'_> {
    /// Fills `out` with the next samples; returns how many were written (0 at the end).
    pub fn fill(&mut self, out: &mut [f32]) -> usize {
        let mut written = 0;
        while written < out.len() {
            if self.pending_pos >= self.pending.len() {
                self.pending.clear();
                self.pending_pos = 0;
                if self.finished {
                    break;
                }
                if self.pre.next_block(&mut self.block) {
                    for f in self.block.chunks_exact(2) {
                        let (l, r) = (f64::from(f[0]) * self.gain, f64::from(f[1]) * self.gain);
                        self.limiter.push([l as f32, r as f32], &mut self.pending);
                    }
                } else {
                    self.limiter.finish(&mut self.pending);
                    self.finished = true;
                }
                continue;
            }
            let n = (out.len() - written).min(self.pending.len() - self.pending_pos);
            out[written..written + n]
                .copy_from_slice(&self.pending[self.pending_pos..self.pending_pos + n]);
            written += n;
            self.pending_pos += n;
        }
        written
    }

    /// Share of the frames written so far that the limiter turned down.
    pub fn limited_share(&self) -> f64 {
        self.limiter.turned as f64 / self.limiter.emitted.max(1) as f64
    }
}

impl<'a> Mix<'a> {
    pub fn new(
        voices: &[PlacedVoice<'a>],
        music: Option<&'a [f32]>,
        total_sec: f64,
        s: &MixSettings,
    ) -> Mix<'a> {
        let rate = f64::from(s.sample_rate.max(1));
        let frames = if total_sec.is_finite() && total_sec > 0.0 {
            (total_sec * rate).round() as usize
        } else {
            0
        };
        let mut placed: Vec<(usize, &'a [f32])> = voices
            .iter()
            .filter(|v| v.offset_sec.is_finite() && v.offset_sec >= 0.0)
            .map(|v| ((v.offset_sec * rate).round() as usize, v.samples))
            .collect();
        placed.sort_by_key(|(at, _)| *at);
        Mix {
            voices: placed,
            music: music.filter(|m| m.len() >= 2),
            frames,
            s: MixSettings {
                sample_rate: s.sample_rate.max(1),
                ..s.clone()
            },
        }
    }

    /// Frames (per channel) in the programme.
    pub fn frames(&self) -> usize {
        self.frames
    }

    fn stream(&self, gain_db: f64, ceiling: f64) -> MixStream<'_> {
        MixStream {
            pre: Premix::new(self),
            gain: db(gain_db),
            limiter: Limiter::new(self.s.sample_rate, ceiling),
            block: Vec::new(),
            pending: Vec::new(),
            pending_pos: 0,
            finished: false,
        }
    }

    fn measure(&self, gain_db: f64, ceiling: f64) -> (Option<f64>, f64, f64) {
        let mut st = self.stream(gain_db, ceiling);
        let mut meter = crate::loudness::LoudnessMeter::new(self.s.sample_rate, 2);
        let mut buf = vec![0.0f32; 2 * 4096];
        loop {
            let n = st.fill(&mut buf);
            if n == 0 {
                break;
            }
            meter.push(&buf[..n]);
        }
        (
            meter.integrated_lufs(),
            meter.true_peak_dbtp(),
            st.limited_share(),
        )
    }

    /// Measures the programme and chooses the gain (to the loudness target) and the limiter's ceiling (so the true
    /// peak stays under the configured ceiling), a few passes at most; returns the stream that writes exactly the
    /// measured result, and the figures. Memory stays small however long the programme is.
    pub fn prepare(&self) -> (MixStream<'_>, MixReport) {
        let s = &self.s;
        let (l0, tp, _) = self.measure(0.0, f64::INFINITY);
        let Some(l0) = l0 else {
            return (
                self.stream(0.0, f64::INFINITY),
                MixReport {
                    frames: self.frames,
                    integrated_lufs: None,
                    true_peak_dbtp: tp,
                    gain_db: 0.0,
                    limited_share: 0.0,
                },
            );
        };
        let mut gain = s.target_lufs - l0;
        let mut ceiling_db = s.ceiling_dbtp - 0.6;
        let mut last = (None, 0.0, 0.0);
        for pass in 0..5 {
            last = self.measure(gain, db(ceiling_db));
            let (l, tp, _) = last;
            let loud_ok = l.is_none_or(|l| (l - s.target_lufs).abs() < 0.2);
            if (loud_ok && tp <= s.ceiling_dbtp) || pass == 4 {
                break;
            }
            if tp > s.ceiling_dbtp {
                ceiling_db -= tp - s.ceiling_dbtp + 0.3;
            }
            if let Some(l) = l.filter(|_| !loud_ok) {
                gain += s.target_lufs - l;
            }
        }
        let (integrated_lufs, true_peak_dbtp, limited_share) = last;
        (
            self.stream(gain, db(ceiling_db)),
            MixReport {
                frames: self.frames,
                integrated_lufs,
                true_peak_dbtp,
                gain_db: gain,
                limited_share,
            },
        )
    }
}

/// Mixes the programme into memory: `total_sec` long, voices at their offsets, `music` (interleaved stereo, looped)
/// under them. (The render streams instead, through `Mix::prepare`.)
pub fn mix(
    voices: &[PlacedVoice<'_>],
    music: Option<&[f32]>,
    total_sec: f64,
    s: &MixSettings,
) -> (Vec<f32>, MixReport) {
    let m = Mix::new(voices, music, total_sec, s);
    let (mut st, report) = m.prepare();
    let mut out = vec![0.0f32; m.frames() * 2];
    let n = st.fill(&mut out);
    out.truncate(n);
    (out, report)
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
