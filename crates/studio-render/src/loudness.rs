//! # Loudness (ITU-R BS.1770-4 / EBU R128) and true peak
//!
//! Measured in process, on interleaved float samples: K-weighting (a high shelf and a high pass, designed for the
//! actual sample rate), 400 ms blocks overlapping by 75 %, the absolute gate at −70 LUFS and the relative gate
//! 10 LU below the ungated mean. True peak is the largest absolute value of the signal upsampled four times with a
//! windowed-sinc interpolator (BS.1770 Annex 2). The render uses both to hit −14 LUFS integrated with true peak
//! ≤ −1 dBTP, and the tests use them to check the result.

use std::f64::consts::PI;

#[derive(Debug, Clone, Copy)]
struct Biquad {
    b: [f64; 3],
    a: [f64; 2],
    z: [f64; 2],
}

impl Biquad {
    fn run(&mut self, x: f64) -> f64 {
        // Transposed direct form II.
        let y = self.b[0] * x + self.z[0];
        self.z[0] = self.b[1] * x - self.a[0] * y + self.z[1];
        self.z[1] = self.b[2] * x - self.a[1] * y;
        y
    }
}

/// The two K-weighting stages for `rate` (BS.1770's filter, re-derived for any rate by the bilinear transform).
fn k_weighting(rate: f64) -> [Biquad; 2] {
    // Stage 1: high shelf, +4 dB above ~1.7 kHz.
    let (f0, gain_db, q) = (
        1_681.974_450_955_533,
        3.999_843_853_973_347,
        0.707_175_236_955_419_6,
    );
    let k = (PI * f0 / rate).tan();
    let vh = 10f64.powf(gain_db / 20.0);
    let vb = vh.powf(0.499_666_774_154_541_6);
    let a0 = 1.0 + k / q + k * k;
    let shelf = Biquad {
        b: [
            (vh + vb * k / q + k * k) / a0,
            2.0 * (k * k - vh) / a0,
            (vh - vb * k / q + k * k) / a0,
        ],
        a: [2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0],
        z: [0.0; 2],
    };
    // Stage 2: high pass at ~38 Hz.
    let (f0, q) = (38.135_470_876_024_44, 0.500_327_037_323_877_3);
    let k = (PI * f0 / rate).tan();
    let a0 = 1.0 + k / q + k * k;
    let hp = Biquad {
        b: [1.0, -2.0, 1.0],
        a: [2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0],
        z: [0.0; 2],
    };
    [shelf, hp]
}

/// Channel weight by position for up to 5.1 (L, R, C, LFE, Ls, Rs): LFE is not counted, surrounds weigh 1.41.
fn weight(channel: usize, channels: usize) -> f64 {
    if channels < 6 {
        1.0
    } else {
        match channel {
            3 => 0.0,
            4 | 5 => 1.41,
            _ => 1.0,
        }
    }
}

const TAPS_PER_PHASE: usize = 12;
const OVERSAMPLE: usize = 4;

/// Polyphase coefficients of a 4× interpolator: a Hann-windowed sinc, 48 taps.
fn interpolator() -> Vec<[f64; TAPS_PER_PHASE]> {
    let n = TAPS_PER_PHASE * OVERSAMPLE;
    let centre = (n as f64 - 1.0) / 2.0;
    let mut phases = vec![[0.0; TAPS_PER_PHASE]; OVERSAMPLE];
    for i in 0..n {
        let t = (i as f64 - centre) / OVERSAMPLE as f64;
        let sinc = if t.abs() < 1e-12 {
            1.0
        } else {
            (PI * t).sin() / (PI * t)
        };
        let w = 0.5 - 0.5 * (2.0 * PI * (i as f64 + 0.5) / n as f64).cos();
        phases[i % OVERSAMPLE][i / OVERSAMPLE] = sinc * w;
    }
    // Each phase sums to one, so DC passes at unit gain.
    for p in &mut phases {
        let s: f64 = p.iter().sum();
        if s.abs() > 1e-9 {
            for c in p.iter_mut() {
                *c /= s;
            }
        }
    }
    phases
}

/// Integrated loudness and true peak over a whole programme.
pub struct LoudnessMeter {
    channels: usize,
    filters: Vec<[Biquad; 2]>,
    /// Sum of weighted squares per 100 ms step.
    step_len: usize,
    step_fill: usize,
    step_acc: f64,
    steps: Vec<f64>,
    history: Vec<Vec<f64>>,
    phases: Vec<[f64; TAPS_PER_PHASE]>,
    /// The largest absolute coefficient sum of any phase (bounds what a phase can output).
    phase_gain: f64,
    peak: f64,
    sample_peak: f64,
}

impl LoudnessMeter {
    pub fn new(sample_rate: u32, channels: usize) -> LoudnessMeter {
        let rate = f64::from(sample_rate.max(1));
        let channels = channels.max(1);
        LoudnessMeter {
            channels,
            filters: vec![k_weighting(rate); channels],
            step_len: ((rate / 10.0).round() as usize).max(1),
            step_fill: 0,
            step_acc: 0.0,
            steps: Vec::new(),
            history: vec![vec![0.0; TAPS_PER_PHASE]; channels],
            phase_gain: interpolator()
                .iter()
                .map(|p| p.iter().map(|c| c.abs()).sum::<f64>())
                .fold(0.0, f64::max),
            phases: interpolator(),
            peak: 0.0,
            sample_peak: 0.0,
        }
    }

    /// Adds interleaved samples (any trailing partial frame is ignored).
    pub fn push(&mut self, interleaved: &[f32]) {
        for frame in interleaved.chunks_exact(self.channels) {
            let mut sum = 0.0;
            for (c, &x) in frame.iter().enumerate() {
                let x = if x.is_finite() { f64::from(x) } else { 0.0 };
                let [f1, f2] = &mut self.filters[c];
                let y = f2.run(f1.run(x));
                sum += weight(c, self.channels) * y * y;
                // True peak: shift the history and evaluate every phase — unless no phase can beat the peak so far
                // (each interpolated value is at most the window's largest sample times the phase's absolute sum).
                let h = &mut self.history[c];
                h.rotate_right(1);
                h[0] = x;
                self.sample_peak = self.sample_peak.max(x.abs());
                let window_max = h.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                if window_max * self.phase_gain > self.peak {
                    for p in &self.phases {
                        let v: f64 = p.iter().zip(h.iter()).map(|(a, b)| a * b).sum();
                        self.peak = self.peak.max(v.abs());
                    }
                }
            }
            self.step_acc += sum;
            self.step_fill += 1;
            if self.step_fill == self.step_len {
                self.steps.push(self.step_acc / self.step_len as f64);
                self.step_acc = 0.0;
                self.step_fill = 0;
            }
        }
    }

    fn blocks(&self) -> Vec<f64> {
        // 400 ms blocks = four 100 ms steps, advancing one step (75 % overlap).
        self.steps
            .windows(4)
            .map(|w| w.iter().sum::<f64>() / 4.0)
            .collect()
    }

    /// Integrated loudness in LUFS; None when everything is below the absolute gate (silence).
    pub fn integrated_lufs(&self) -> Option<f64> {
        let lufs = |z: f64| -0.691 + 10.0 * z.log10();
        let blocks: Vec<f64> = self
            .blocks()
            .into_iter()
            .filter(|&z| z > 0.0 && lufs(z) > -70.0)
            .collect();
        if blocks.is_empty() {
            return None;
        }
        let mean = blocks.iter().sum::<f64>() / blocks.len() as f64;
        let gate = lufs(mean) - 10.0;
        let kept: Vec<f64> = blocks.into_iter().filter(|&z| lufs(z) > gate).collect();
        if kept.is_empty() {
            return None;
        }
        Some(lufs(kept.iter().sum::<f64>() / kept.len() as f64))
    }

    /// True peak in dBTP (4× oversampled).
    pub fn true_peak_dbtp(&self) -> f64 {
        20.0 * self.peak.max(self.sample_peak).max(1e-12).log10()
    }

    pub fn sample_peak_dbfs(&self) -> f64 {
        20.0 * self.sample_peak.max(1e-12).log10()
    }
}

/// Measures a whole buffer.
pub fn measure(interleaved: &[f32], sample_rate: u32, channels: usize) -> (Option<f64>, f64) {
    let mut m = LoudnessMeter::new(sample_rate, channels);
    m.push(interleaved);
    (m.integrated_lufs(), m.true_peak_dbtp())
}

/// The gain (dB) that brings `integrated` to `target`, and whether the result's true peak would pass `ceiling`
/// so a limiter is needed.
pub fn normalisation_gain(
    integrated: f64,
    true_peak: f64,
    target: f64,
    ceiling: f64,
) -> (f64, bool) {
    let gain = target - integrated;
    (gain, true_peak + gain > ceiling)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stereo sine at `dbfs` (RMS relative to a full-scale sine, as EBU Tech 3341 states its levels).
    fn sine(freq: f64, dbfs: f64, secs: f64, rate: u32, phase: f64) -> Vec<f32> {
        let amp = 10f64.powf(dbfs / 20.0);
        let n = (secs * f64::from(rate)) as usize;
        (0..n)
            .flat_map(|i| {
                let v = (amp * (2.0 * PI * freq * i as f64 / f64::from(rate) + phase).sin()) as f32;
                [v, v]
            })
            .collect()
    }

    #[test]
    fn ebu_tech_3341_stereo_sines_read_their_level() {
        for (db, rate) in [(-23.0, 48_000), (-33.0, 48_000), (-23.0, 44_100)] {
            let (l, _) = measure(&sine(1000.0, db, 20.0, rate, 0.0), rate, 2);
            let l = l.unwrap();
            assert!(
                (l - db).abs() <= 0.1,
                "{db} dBFS at {rate} Hz read {l:.2} LUFS"
            );
        }
    }

    #[test]
    fn gating_ignores_quiet_passages_like_tech_3341_cases_3_to_5() {
        let rate = 48_000;
        let mut s = sine(1000.0, -36.0, 10.0, rate, 0.0);
        s.extend(sine(1000.0, -23.0, 60.0, rate, 0.0));
        s.extend(sine(1000.0, -36.0, 10.0, rate, 0.0));
        let l = measure(&s, rate, 2).0.unwrap();
        assert!((l + 23.0).abs() <= 0.1, "case 3 read {l:.2}");

        let mut s = sine(1000.0, -72.0, 10.0, rate, 0.0);
        s.extend(sine(1000.0, -36.0, 10.0, rate, 0.0));
        s.extend(sine(1000.0, -23.0, 60.0, rate, 0.0));
        s.extend(sine(1000.0, -36.0, 10.0, rate, 0.0));
        s.extend(sine(1000.0, -72.0, 10.0, rate, 0.0));
        let l = measure(&s, rate, 2).0.unwrap();
        assert!((l + 23.0).abs() <= 0.1, "case 4 read {l:.2}");

        assert_eq!(measure(&vec![0.0; 96_000], rate, 2).0, None, "silence");
    }

    #[test]
    fn true_peak_finds_the_peak_between_samples() {
        let rate = 48_000;
        // fs/4 with a 45° phase: every sample is at ±0.707 of the peak, which sits between samples.
        let amp_db = -3.0;
        let n = 48_000;
        let a = 10f64.powf(amp_db / 20.0);
        let s: Vec<f32> = (0..n)
            .flat_map(|i| {
                let v = (a * (PI / 2.0 * i as f64 + PI / 4.0).sin()) as f32;
                [v, v]
            })
            .collect();
        let mut m = LoudnessMeter::new(rate, 2);
        m.push(&s);
        assert!((m.sample_peak_dbfs() - (amp_db - 3.01)).abs() < 0.05);
        let tp = m.true_peak_dbtp();
        assert!((tp - amp_db).abs() < 0.3, "true peak {tp:.2} dBTP");
        let (g, limit) = normalisation_gain(-20.0, tp, -14.0, -1.0);
        assert_eq!(g, 6.0);
        assert!(limit, "a -3 dBTP peak raised 6 dB passes -1 dBTP");
    }
}
