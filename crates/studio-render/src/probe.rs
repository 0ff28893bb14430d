//! Reading rendered files back with FFmpeg: what the streams are, where each ends, and single decoded frames — for
//! the render's own checks and the tests that hold it to YouTube's upload settings.

use std::path::Path;

use ffmpeg_next as ff;
use serde::Serialize;

use crate::MediaError;
use crate::kenburns::{VideoProbe, probe_video};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AudioProbe {
    pub codec: String,
    pub profile: String,
    pub sample_rate: u32,
    pub channels: u16,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MediaProbe {
    pub video: VideoProbe,
    pub audio: Option<AudioProbe>,
    /// Presentation end of the last video / audio packet, in seconds.
    pub video_end_sec: f64,
    pub audio_end_sec: Option<f64>,
}

fn d(path: &Path, e: impl std::fmt::Display) -> MediaError {
    MediaError::Decode(format!("{}: {e}", path.display()))
}

pub fn probe_media(path: &Path) -> Result<MediaProbe, MediaError> {
    let video = probe_video(path)?;
    let mut ictx = ff::format::input(&path).map_err(|x| d(path, x))?;
    let v_index = ictx
        .streams()
        .best(ff::media::Type::Video)
        .map(|s| s.index());
    let audio_stream = ictx.streams().best(ff::media::Type::Audio);
    let (a_index, audio) = match audio_stream {
        Some(s) => {
            let ctx = ff::codec::context::Context::from_parameters(s.parameters())
                .map_err(|x| d(path, x))?;
            let dec = ctx.decoder().audio().map_err(|x| d(path, x))?;
            let probe = AudioProbe {
                codec: dec
                    .codec()
                    .map(|c| c.name().to_string())
                    .unwrap_or_default(),
                profile: format!("{:?}", dec.profile()),
                sample_rate: dec.rate(),
                channels: dec.channels(),
            };
            (Some(s.index()), Some(probe))
        }
        None => (None, None),
    };
    let tbs: Vec<f64> = ictx
        .streams()
        .map(|s| {
            f64::from(s.time_base().numerator()) / f64::from(s.time_base().denominator().max(1))
        })
        .collect();
    let (mut v_end, mut a_end) = (0.0f64, None::<f64>);
    for (s, p) in ictx.packets() {
        let end = (p.pts().unwrap_or(0) + p.duration()) as f64 * tbs[s.index()];
        if Some(s.index()) == v_index {
            v_end = v_end.max(end);
        } else if Some(s.index()) == a_index {
            a_end = Some(a_end.map_or(end, |a| a.max(end)));
        }
    }
    Ok(MediaProbe {
        video,
        audio,
        video_end_sec: v_end,
        audio_end_sec: a_end,
    })
}

/// The luma plane (width, height, rows without padding) of decoded frame number `index` (0-based, display order).
pub fn luma_at(path: &Path, index: u64) -> Result<(u32, u32, Vec<u8>), MediaError> {
    let f = frame_at(path, index)?;
    let (w, h, s) = (f.width() as usize, f.height() as usize, f.stride(0));
    let data = f.data(0);
    let rows: Vec<u8> = (0..h)
        .flat_map(|y| data[y * s..y * s + w].to_vec())
        .collect();
    Ok((f.width(), f.height(), rows))
}

/// Decoded frame number `index` as an RGB image (for looking at renders, and thumbnails from video).
pub fn rgb_at(path: &Path, index: u64) -> Result<image::RgbImage, MediaError> {
    let f = frame_at(path, index)?;
    let (w, h) = (f.width(), f.height());
    let mut chain = crate::frames::Chain::new(
        &crate::frames::Chain::source_args(&f, (1, 30).into()),
        "format=rgb24",
        ff::format::Pixel::RGB24,
    )?;
    chain.push(&f)?;
    chain.end()?;
    let mut out = ff::frame::Video::empty();
    if !chain.pull(&mut out) {
        return Err(d(path, "the frame could not be converted"));
    }
    let s = out.stride(0);
    let data = out.data(0);
    let raw: Vec<u8> = (0..h as usize)
        .flat_map(|y| data[y * s..y * s + w as usize * 3].to_vec())
        .collect();
    image::RgbImage::from_raw(w, h, raw).ok_or_else(|| d(path, "bad frame size"))
}

fn frame_at(path: &Path, index: u64) -> Result<ff::frame::Video, MediaError> {
    crate::init()?;
    let mut ictx = ff::format::input(&path).map_err(|x| d(path, x))?;
    let stream = ictx
        .streams()
        .best(ff::media::Type::Video)
        .ok_or_else(|| d(path, "no video stream"))?;
    let vi = stream.index();
    let mut dec = ff::codec::context::Context::from_parameters(stream.parameters())
        .and_then(|c| c.decoder().video())
        .map_err(|x| d(path, x))?;
    let mut n = 0u64;
    let mut f = ff::frame::Video::empty();
    for (s, p) in ictx.packets() {
        if s.index() != vi {
            continue;
        }
        dec.send_packet(&p).map_err(|x| d(path, x))?;
        while dec.receive_frame(&mut f).is_ok() {
            if n == index {
                return Ok(f);
            }
            n += 1;
        }
    }
    dec.send_eof().map_err(|x| d(path, x))?;
    while dec.receive_frame(&mut f).is_ok() {
        if n == index {
            return Ok(f);
        }
        n += 1;
    }
    Err(d(path, format!("has {n} frames, not {}", index + 1)))
}
