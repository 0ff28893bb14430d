//! Ken Burns clips in process: a still image becomes an exact-length 1920×1080 30 fps H.264 clip with a slow zoom or
//! pan (drawn as the render draws it, [`crate::frames`]), encoded through ffmpeg-next, MP4 with the index at the front.

use std::path::Path;

use ffmpeg_next as ff;
use serde::Serialize;

use crate::MediaError;

pub const WIDTH: u32 = 1920;
pub const HEIGHT: u32 = 1080;
pub const FPS: u32 = 30;

// The motion and the encoder settings live where they are used (frames draw the motion, mp4 encodes); they are
// re-exported here, where callers making Ken Burns clips look for them.
pub use crate::motion::Effect;
pub use crate::mp4::EncodeOptions;

#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct ClipInfo {
    pub frames: u32,
    pub duration_sec: f64,
    pub width: u32,
    pub height: u32,
}

/// Renders `image` into an exact `duration` clip (rounded to whole frames, at least one) with `effect`.
pub fn ken_burns(
    image: &Path,
    output: &Path,
    duration: f64,
    effect: Effect,
    opts: &EncodeOptions,
) -> Result<ClipInfo, MediaError> {
    if !(duration.is_finite() && duration > 0.0 && duration <= 600.0) {
        return Err(MediaError::Encode(format!(
            "a clip of {duration} s cannot be made (0–600 s)"
        )));
    }
    crate::init()?;
    let rgb = crate::frames::load_rgb(image)?;
    let frames = ((duration * FPS as f64).round() as u32).max(1);
    let mut kb = crate::frames::KenBurnsFrames::new(
        &rgb,
        frames,
        effect,
        (WIDTH, HEIGHT),
        crate::frames::Framing::Auto,
    )?;
    let mut out = crate::mp4::Mp4Writer::create(output, WIDTH, HEIGHT, FPS, opts, false)?;
    while let Some(frame) = kb.next_frame()? {
        out.push_video(frame)?;
    }
    let (written, _) = out.finish()?;
    if written != u64::from(frames) {
        return Err(MediaError::Encode(format!(
            "the Ken Burns clip has {written} of {frames} frames"
        )));
    }
    Ok(ClipInfo {
        frames,
        duration_sec: frames as f64 / FPS as f64,
        width: WIDTH,
        height: HEIGHT,
    })
}

/// A moving test-pattern clip (FFmpeg's `testsrc2` source, in process) of `frames` frames: stands in for AI video
/// in tests and benchmarks, at any size and rate.
pub fn pattern_clip(
    output: &Path,
    width: u32,
    height: u32,
    fps: u32,
    frames: u32,
    opts: &EncodeOptions,
) -> Result<ClipInfo, MediaError> {
    crate::init()?;
    let fail = |c: &str, x: ffmpeg_next::Error| MediaError::Encode(format!("{c}: {x}"));
    let mut graph = ff::filter::Graph::new();
    graph
        .add(
            &ff::filter::find("buffersink")
                .ok_or_else(|| MediaError::Encode("no buffersink".into()))?,
            "out",
            "",
        )
        .map_err(|x| fail("buffer sink", x))?;
    let spec = format!("testsrc2=size={width}x{height}:rate={fps},format=yuv420p");
    graph
        .input("out", 0)
        .and_then(|p| p.parse(&spec))
        .map_err(|x| fail("test source", x))?;
    graph.validate().map_err(|x| fail("test source", x))?;
    let mut out = crate::mp4::Mp4Writer::create(output, width, height, fps, opts, false)?;
    let mut frame = ff::frame::Video::empty();
    for _ in 0..frames {
        let got = graph
            .get("out")
            .is_some_and(|mut s| s.sink().frame(&mut frame).is_ok());
        if !got {
            return Err(MediaError::Encode("the test source stopped".into()));
        }
        out.push_video(&mut frame)?;
    }
    let (written, _) = out.finish()?;
    Ok(ClipInfo {
        frames: written as u32,
        duration_sec: written as f64 / f64::from(fps),
        width,
        height,
    })
}

/// What a video file holds, read back with FFmpeg (for checks and tests).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VideoProbe {
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    pub frames: u64,
    pub duration_sec: f64,
    pub codec: String,
    pub profile: String,
    pub pix_fmt: String,
    /// True when the MP4 index (moov) comes before the media data (mdat).
    pub moov_first: bool,
}

pub fn probe_video(path: &Path) -> Result<VideoProbe, MediaError> {
    crate::init()?;
    let mut ictx = ff::format::input(&path)
        .map_err(|x| MediaError::Decode(format!("{}: {x}", path.display())))?;
    let stream = ictx
        .streams()
        .best(ff::media::Type::Video)
        .ok_or_else(|| MediaError::Decode("no video stream".into()))?;
    let index = stream.index();
    let rate = stream.avg_frame_rate();
    let ctx = ff::codec::context::Context::from_parameters(stream.parameters())
        .map_err(|x| MediaError::Decode(x.to_string()))?;
    let dec = ctx
        .decoder()
        .video()
        .map_err(|x| MediaError::Decode(x.to_string()))?;
    let (width, height) = (dec.width(), dec.height());
    let pix_fmt = format!("{:?}", dec.format()).to_lowercase();
    let codec = dec
        .codec()
        .map(|c| c.name().to_string())
        .unwrap_or_default();
    let profile = format!("{:?}", dec.profile());
    let mut frames = 0u64;
    for (s, _) in ictx.packets() {
        if s.index() == index {
            frames += 1;
        }
    }
    let fps = if rate.denominator() != 0 {
        rate.numerator() as f64 / rate.denominator() as f64
    } else {
        0.0
    };
    let bytes = std::fs::read(path).map_err(|x| MediaError::Io(x.to_string()))?;
    let find = |tag: &[u8]| bytes.windows(4).position(|w| w == tag);
    let moov_first = matches!((find(b"moov"), find(b"mdat")), (Some(m), Some(d)) if m < d);
    Ok(VideoProbe {
        width,
        height,
        fps,
        frames,
        duration_sec: if fps > 0.0 { frames as f64 / fps } else { 0.0 },
        codec,
        profile,
        pix_fmt,
        moov_first,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn still(path: &Path, w: u32, h: u32) {
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x * 255 / w) as u8, (y * 255 / h) as u8, 128])
        });
        img.save(path).unwrap();
    }

    #[test]
    fn clips_are_1080p30_with_the_exact_duration() {
        let dir = tempfile::tempdir().unwrap();
        let img = dir.path().join("s.png");
        still(&img, 1280, 720);
        for (i, (d, fx)) in [
            (2.0, Effect::ZoomIn),
            (1.37, Effect::PanLeft),
            (0.5, Effect::ZoomOut),
        ]
        .into_iter()
        .enumerate()
        {
            let out = dir.path().join(format!("c{i}.mp4"));
            let info = ken_burns(&img, &out, d, fx, &EncodeOptions::default()).unwrap();
            let p = probe_video(&out).unwrap();
            assert_eq!((p.width, p.height), (1920, 1080), "{p:?}");
            assert!((p.fps - 30.0).abs() < 1e-6, "{p:?}");
            assert!(
                (p.duration_sec - d).abs() <= 1.0 / 30.0 + 1e-9,
                "{d} s requested, {p:?}"
            );
            assert_eq!(p.frames, info.frames as u64);
            assert_eq!(p.codec, "h264");
            assert!(p.profile.to_lowercase().contains("high"), "{p:?}");
            assert_eq!(p.pix_fmt, "yuv420p");
            assert!(p.moov_first);
        }
    }

    #[test]
    fn bad_inputs_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let img = dir.path().join("s.png");
        still(&img, 64, 36);
        assert!(
            ken_burns(
                &img,
                &dir.path().join("a.mp4"),
                0.0,
                Effect::ZoomIn,
                &EncodeOptions::default()
            )
            .is_err()
        );
        assert!(
            ken_burns(
                &img,
                &dir.path().join("a.mp4"),
                f64::NAN,
                Effect::ZoomIn,
                &EncodeOptions::default()
            )
            .is_err()
        );
        std::fs::write(dir.path().join("bad.png"), b"not a png").unwrap();
        assert!(
            ken_burns(
                &dir.path().join("bad.png"),
                &dir.path().join("b.mp4"),
                1.0,
                Effect::ZoomIn,
                &EncodeOptions::default()
            )
            .is_err()
        );
    }

    #[test]
    fn effects_follow_the_moment() {
        assert_eq!(Effect::pick(3, "intense", ""), Effect::ZoomIn);
        assert_eq!(Effect::pick(3, "슬픔", ""), Effect::ZoomOut);
        assert!(matches!(
            Effect::pick(2, "background", "카페 배경 풍경"),
            Effect::PanRight | Effect::PanLeft
        ));
        assert_ne!(
            Effect::pick(0, "curious", ""),
            Effect::pick(1, "curious", "")
        );
    }
}
