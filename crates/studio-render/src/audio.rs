//! Audio in process: decode whatever a voice provider returned (MP3, WAV, PCM in a container), resample to the
//! studio's one dialogue format (48 kHz, mono, 16-bit PCM WAV), and measure what was written.

use std::io::Write;
use std::path::Path;

use ff::ChannelLayout;
use ff::format::Sample;
use ff::format::sample::Type as SampleType;
use ff::software::resampling;
use ffmpeg_next as ff;
use serde::Serialize;

use crate::MediaError;

pub const DIALOGUE_RATE: u32 = 48_000;

#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct AudioInfo {
    pub duration_sec: f64,
    pub sample_rate: u32,
    pub samples: u64,
    /// Root mean square of the samples, in dBFS (−∞ for silence is reported as −120).
    pub rms_dbfs: f64,
    pub peak_dbfs: f64,
}

fn err(context: &str, e: impl std::fmt::Display) -> MediaError {
    MediaError::Decode(format!("{context}: {e}"))
}

/// Decodes `input` and writes it to `output` as 48 kHz mono s16 WAV. Returns what was written, measured from the
/// samples themselves.
pub fn normalize_to_wav48k(input: &Path, output: &Path) -> Result<AudioInfo, MediaError> {
    let pcm: Vec<i16> = decode_pcm(input, 1, DIALOGUE_RATE)?
        .into_iter()
        .map(|x| (f64::from(x) * 32768.0).round().clamp(-32768.0, 32767.0) as i16)
        .collect();
    write_wav(output, &pcm, DIALOGUE_RATE)?;
    Ok(measure(&pcm, DIALOGUE_RATE))
}

/// Joins audio files into one 48 kHz mono s16 WAV at `output`, in order, with `gap_sec` of silence between
/// them (one avatar video speaks several lines of a character: the gaps let the mouth rest between lines). Returns
/// each part's (offset, duration) in seconds in the joined track, measured in samples (exact to 1/48000 s).
///
/// # Errors
/// `Decode` when a part cannot be read; `Io` when the output cannot be written.
pub fn join_wav48k(
    parts: &[&Path],
    gap_sec: f64,
    output: &Path,
) -> Result<Vec<(f64, f64)>, MediaError> {
    let rate = f64::from(DIALOGUE_RATE);
    let gap = (gap_sec.max(0.0) * rate).round() as usize;
    let mut pcm: Vec<i16> = Vec::new();
    let mut spans = Vec::with_capacity(parts.len());
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            pcm.resize(pcm.len() + gap, 0);
        }
        let start = pcm.len();
        pcm.extend(
            decode_pcm(part, 1, DIALOGUE_RATE)?
                .into_iter()
                .map(|x| (f64::from(x) * 32768.0).round().clamp(-32768.0, 32767.0) as i16),
        );
        spans.push((start as f64 / rate, (pcm.len() - start) as f64 / rate));
    }
    write_wav(output, &pcm, DIALOGUE_RATE)?;
    Ok(spans)
}

/// Decodes the best audio stream of `input` to interleaved f32 with `channels` channels (1 or 2) at `rate`.
pub fn decode_pcm(input: &Path, channels: u16, rate: u32) -> Result<Vec<f32>, MediaError> {
    crate::init()?;
    let out_layout = if channels >= 2 {
        ChannelLayout::STEREO
    } else {
        ChannelLayout::MONO
    };
    let out_channels = usize::from(channels.clamp(1, 2));
    let out_format = Sample::F32(SampleType::Packed);
    let mut ictx =
        ff::format::input(input).map_err(|e| err(&format!("opening {}", input.display()), e))?;
    let stream = ictx
        .streams()
        .best(ff::media::Type::Audio)
        .ok_or_else(|| MediaError::Decode(format!("{} has no audio stream", input.display())))?;
    let index = stream.index();
    let mut decoder = ff::codec::context::Context::from_parameters(stream.parameters())
        .and_then(|c| c.decoder().audio())
        .map_err(|e| err("opening the audio decoder", e))?;
    // WAVs from espeak carry no channel layout; derive it from the channel count.
    let in_layout = if decoder.channel_layout().is_empty() {
        ChannelLayout::default(decoder.channels() as i32)
    } else {
        decoder.channel_layout()
    };
    decoder.set_channel_layout(in_layout);
    let mut resampler = resampling::Context::get(
        decoder.format(),
        in_layout,
        decoder.rate(),
        out_format,
        out_layout,
        rate,
    )
    .map_err(|e| err("setting up the resampler", e))?;

    let in_rate = decoder.rate().max(1) as u64;
    // An empty output frame would be sized to the *input's* sample count, which truncates when upsampling; give
    // every conversion room for the rate ratio plus the resampler's delay.
    let out_frame = |in_samples: usize| {
        let cap = (in_samples as u64 * u64::from(rate)).div_ceil(in_rate) as usize + 512;
        ff::frame::Audio::new(out_format, cap, out_layout)
    };
    let take = |frame: &ff::frame::Audio, pcm: &mut Vec<f32>| {
        let n = frame.samples() * out_channels;
        if n > 0 {
            let data: &[f32] = frame.plane(0);
            pcm.extend_from_slice(&data[..n.min(data.len())]);
        }
    };
    let mut pcm: Vec<f32> = Vec::new();
    let mut decoded = ff::frame::Audio::empty();
    let mut drain = |decoder: &mut ff::decoder::Audio,
                     resampler: &mut resampling::Context,
                     pcm: &mut Vec<f32>|
     -> Result<(), MediaError> {
        while decoder.receive_frame(&mut decoded).is_ok() {
            if decoded.channel_layout().is_empty() {
                decoded.set_channel_layout(in_layout);
            }
            let mut out = out_frame(decoded.samples());
            resampler
                .run(&decoded, &mut out)
                .map_err(|e| err("resampling", e))?;
            take(&out, pcm);
        }
        Ok(())
    };
    for (s, packet) in ictx.packets() {
        if s.index() != index {
            continue;
        }
        decoder
            .send_packet(&packet)
            .map_err(|e| err("decoding", e))?;
        drain(&mut decoder, &mut resampler, &mut pcm)?;
    }
    decoder
        .send_eof()
        .map_err(|e| err("finishing the decode", e))?;
    drain(&mut decoder, &mut resampler, &mut pcm)?;
    // Samples still inside the resampler's filter.
    for _ in 0..64 {
        let mut tail = out_frame(4096);
        match resampler.flush(&mut tail) {
            Ok(_) if tail.samples() > 0 => take(&tail, &mut pcm),
            _ => break,
        }
    }
    if pcm.is_empty() {
        return Err(MediaError::Decode(format!(
            "{} decoded to no audio",
            input.display()
        )));
    }
    Ok(pcm)
}

pub fn measure(pcm: &[i16], rate: u32) -> AudioInfo {
    let n = pcm.len().max(1) as f64;
    let sum: f64 = pcm.iter().map(|s| (*s as f64 / 32768.0).powi(2)).sum();
    let rms = (sum / n).sqrt();
    let peak = pcm
        .iter()
        .map(|s| (*s as f64).abs() / 32768.0)
        .fold(0.0, f64::max);
    let db = |x: f64| if x <= 1e-6 { -120.0 } else { 20.0 * x.log10() };
    AudioInfo {
        duration_sec: pcm.len() as f64 / rate as f64,
        sample_rate: rate,
        samples: pcm.len() as u64,
        rms_dbfs: db(rms),
        peak_dbfs: db(peak),
    }
}

/// A canonical 44-byte-header PCM WAV, written to a temp file and renamed, so a crash never leaves half a file.
pub fn write_wav(path: &Path, pcm: &[i16], rate: u32) -> Result<(), MediaError> {
    let tmp = path.with_extension("wav.part");
    let io = |e: std::io::Error| MediaError::Io(format!("{}: {e}", path.display()));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let data_len = (pcm.len() * 2) as u32;
    let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp).map_err(io)?);
    let mut h = Vec::with_capacity(44);
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&(36 + data_len).to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&16u32.to_le_bytes());
    h.extend_from_slice(&1u16.to_le_bytes()); // PCM
    h.extend_from_slice(&1u16.to_le_bytes()); // mono
    h.extend_from_slice(&rate.to_le_bytes());
    h.extend_from_slice(&(rate * 2).to_le_bytes());
    h.extend_from_slice(&2u16.to_le_bytes());
    h.extend_from_slice(&16u16.to_le_bytes());
    h.extend_from_slice(b"data");
    h.extend_from_slice(&data_len.to_le_bytes());
    f.write_all(&h).map_err(io)?;
    let mut bytes = Vec::with_capacity(pcm.len() * 2);
    for s in pcm {
        bytes.extend_from_slice(&s.to_le_bytes());
    }
    f.write_all(&bytes).map_err(io)?;
    f.into_inner()
        .map_err(|e| io(e.into_error()))?
        .sync_all()
        .map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)?;
    Ok(())
}

/// The duration FFmpeg reports for a media file (container duration, else the audio stream's).
pub fn probe_duration(path: &Path) -> Result<f64, MediaError> {
    crate::init()?;
    let ictx =
        ff::format::input(path).map_err(|e| err(&format!("opening {}", path.display()), e))?;
    let d = ictx.duration();
    if d > 0 {
        return Ok(d as f64 / ff::ffi::AV_TIME_BASE as f64);
    }
    let s = ictx
        .streams()
        .best(ff::media::Type::Audio)
        .ok_or_else(|| MediaError::Decode("no audio stream".into()))?;
    let tb = s.time_base();
    Ok(s.duration() as f64 * tb.numerator() as f64 / tb.denominator().max(1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sine_round_trips_through_wav_at_48k() {
        let dir = tempfile::tempdir().unwrap();
        // 1 s of a 440 Hz tone at 22.05 kHz, like espeak's output rate.
        let rate = 22_050u32;
        let pcm: Vec<i16> = (0..rate)
            .map(|i| {
                ((i as f64 * 440.0 * std::f64::consts::TAU / rate as f64).sin() * 12_000.0) as i16
            })
            .collect();
        let src = dir.path().join("in.wav");
        write_wav(&src, &pcm, rate).unwrap();
        let dst = dir.path().join("out.wav");
        let info = normalize_to_wav48k(&src, &dst).unwrap();
        assert_eq!(info.sample_rate, 48_000);
        assert!((info.duration_sec - 1.0).abs() < 0.01, "{info:?}");
        // A sine of amplitude A has RMS A/√2: 12000/32768/√2 ≈ −11.7 dBFS.
        assert!((info.rms_dbfs + 11.7).abs() < 0.5, "{info:?}");
        let probed = probe_duration(&dst).unwrap();
        assert!((probed - info.duration_sec).abs() < 0.005, "{probed}");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.mp3");
        std::fs::write(&bad, b"this is not audio at all").unwrap();
        assert!(normalize_to_wav48k(&bad, &dir.path().join("o.wav")).is_err());
        assert!(
            normalize_to_wav48k(&dir.path().join("missing.wav"), &dir.path().join("o.wav"))
                .is_err()
        );
    }
}
