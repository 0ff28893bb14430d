//! Ken Burns clips in process: a still image becomes an exact-length 1920×1080 30 fps H.264 clip with a slow zoom or
//! pan (FFmpeg's zoompan through ffmpeg-next), MP4 with the index at the front.

use std::path::Path;

use ff::format::Pixel;
use ffmpeg_next as ff;
use serde::{Deserialize, Serialize};

use crate::MediaError;

pub const WIDTH: u32 = 1920;
pub const HEIGHT: u32 = 1080;
pub const FPS: u32 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    ZoomIn,
    ZoomOut,
    PanLeft,
    PanRight,
    PanUp,
}

impl Effect {
    /// The autoworker's `_pick_effect`, made explicit: tense and intense moments push in, sad or calm ones pull out,
    /// establishing and background shots pan; otherwise the effects rotate by shot so cuts never repeat a move.
    pub fn pick(index: usize, emotion: &str, visual: &str) -> Effect {
        let e = emotion.to_lowercase();
        if ["intense", "dramatic", "tense", "긴장", "분노", "충격"]
            .iter()
            .any(|k| e.contains(k))
        {
            return Effect::ZoomIn;
        }
        if ["sad", "calm", "슬픔", "평온"]
            .iter()
            .any(|k| e.contains(k))
        {
            return Effect::ZoomOut;
        }
        if e == "background" || ["배경", "풍경", "전환"].iter().any(|k| visual.contains(k)) {
            return if index.is_multiple_of(2) {
                Effect::PanRight
            } else {
                Effect::PanLeft
            };
        }
        [
            Effect::ZoomIn,
            Effect::PanLeft,
            Effect::ZoomOut,
            Effect::PanRight,
            Effect::PanUp,
        ][index % 5]
    }

    /// zoompan expressions over `frames` output frames (input pre-scaled to 2× for smooth sub-pixel motion).
    fn zoompan(self, frames: u32) -> String {
        let f = frames.max(1);
        let (z, x, y) = match self {
            Effect::ZoomIn => (
                format!("1+0.25*on/{f}"),
                "iw/2-(iw/zoom/2)".to_string(),
                "ih/2-(ih/zoom/2)".to_string(),
            ),
            Effect::ZoomOut => (
                format!("1.25-0.25*on/{f}"),
                "iw/2-(iw/zoom/2)".to_string(),
                "ih/2-(ih/zoom/2)".to_string(),
            ),
            Effect::PanLeft => (
                "1.15".to_string(),
                format!("(iw-iw/zoom)*(1-on/{f})"),
                "ih/2-(ih/zoom/2)".to_string(),
            ),
            Effect::PanRight => (
                "1.15".to_string(),
                format!("(iw-iw/zoom)*on/{f}"),
                "ih/2-(ih/zoom/2)".to_string(),
            ),
            Effect::PanUp => (
                "1.15".to_string(),
                "iw/2-(iw/zoom/2)".to_string(),
                format!("(ih-ih/zoom)*(1-on/{f})"),
            ),
        };
        format!("zoompan=z='{z}':x='{x}':y='{y}':d={f}:s={WIDTH}x{HEIGHT}:fps={FPS}")
    }
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct ClipInfo {
    pub frames: u32,
    pub duration_sec: f64,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone)]
pub struct EncodeOptions {
    /// libx264 preset (veryfast by default).
    pub preset: String,
    pub crf: u8,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        Self {
            preset: "veryfast".into(),
            crf: 23,
        }
    }
}

fn e(context: &str, err: impl std::fmt::Display) -> MediaError {
    MediaError::Encode(format!("{context}: {err}"))
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
    // By content, not extension: providers send JPEG or PNG whatever the file is called.
    let rgb = image::ImageReader::open(image)
        .and_then(|r| r.with_guessed_format())
        .map_err(|x| MediaError::Decode(format!("{}: {x}", image.display())))?
        .decode()
        .map_err(|x| MediaError::Decode(format!("{}: {x}", image.display())))?
        .to_rgb8();
    let (w, h) = (rgb.width(), rgb.height());
    if w < 16 || h < 16 {
        return Err(MediaError::Decode(format!(
            "{}: {w}×{h} is too small for a clip",
            image.display()
        )));
    }
    let frames = ((duration * FPS as f64).round() as u32).max(1);

    // Filter graph: one RGB frame in, `frames` yuv420p frames out.
    let mut graph = ff::filter::Graph::new();
    let args = format!("video_size={w}x{h}:pix_fmt=rgb24:time_base=1/{FPS}:pixel_aspect=1/1");
    graph
        .add(
            &ff::filter::find("buffer").ok_or_else(|| e("filter", "no buffer"))?,
            "in",
            &args,
        )
        .map_err(|x| e("buffer source", x))?;
    graph
        .add(
            &ff::filter::find("buffersink").ok_or_else(|| e("filter", "no buffersink"))?,
            "out",
            "",
        )
        .map_err(|x| e("buffer sink", x))?;
    if let Some(mut out) = graph.get("out") {
        out.set_pixel_format(Pixel::YUV420P);
    }
    // Cover 16:9 first (crop what does not fit), then 2× for smooth motion.
    let spec = format!(
        "scale={cw}:{ch}:force_original_aspect_ratio=increase,crop={cw}:{ch},{zp},setsar=1,format=yuv420p",
        cw = WIDTH * 2,
        ch = HEIGHT * 2,
        zp = effect.zoompan(frames)
    );
    graph
        .output("in", 0)
        .and_then(|p| p.input("out", 0))
        .and_then(|p| p.parse(&spec))
        .map_err(|x| e("filter graph", x))?;
    graph.validate().map_err(|x| e("filter graph", x))?;

    let mut frame = ff::frame::Video::new(Pixel::RGB24, w, h);
    let stride = frame.stride(0);
    {
        let data = frame.data_mut(0);
        let raw = rgb.as_raw();
        let row = (w * 3) as usize;
        for y in 0..h as usize {
            data[y * stride..y * stride + row].copy_from_slice(&raw[y * row..(y + 1) * row]);
        }
    }
    frame.set_pts(Some(0));

    let mut octx =
        ff::format::output(&output).map_err(|x| e(&format!("creating {}", output.display()), x))?;
    let codec = ff::encoder::find_by_name("libx264")
        .ok_or_else(|| e("encoder", "libx264 is not available"))?;
    let global_header = octx
        .format()
        .flags()
        .contains(ff::format::Flags::GLOBAL_HEADER);
    let mut ost = octx.add_stream(codec).map_err(|x| e("stream", x))?;
    let mut enc = ff::codec::context::Context::new_with_codec(codec)
        .encoder()
        .video()
        .map_err(|x| e("encoder", x))?;
    enc.set_width(WIDTH);
    enc.set_height(HEIGHT);
    enc.set_format(Pixel::YUV420P);
    enc.set_time_base((1, FPS as i32));
    enc.set_frame_rate(Some((FPS as i32, 1)));
    // Closed GOP of half the frame rate (YouTube's recommendation), two B-frames.
    enc.set_gop(FPS / 2);
    enc.set_max_b_frames(2);
    if global_header {
        enc.set_flags(ff::codec::Flags::GLOBAL_HEADER);
    }
    let mut dict = ff::Dictionary::new();
    dict.set("preset", &opts.preset);
    dict.set("crf", &opts.crf.to_string());
    dict.set("profile", "high");
    dict.set("x264-params", "open-gop=0:scenecut=0");
    let mut encoder = enc.open_with(dict).map_err(|x| e("opening libx264", x))?;
    ost.set_parameters(&encoder);
    ost.set_time_base((1, FPS as i32));
    let mut mux = ff::Dictionary::new();
    mux.set("movflags", "+faststart");
    octx.write_header_with(mux)
        .map_err(|x| e("writing the header", x))?;
    let ost_tb = octx
        .stream(0)
        .map(|s| s.time_base())
        .unwrap_or((1, FPS as i32).into());

    let mut written = 0u32;
    let write_packets = |encoder: &mut ff::encoder::Video,
                         octx: &mut ff::format::context::Output|
     -> Result<(), MediaError> {
        let mut pkt = ff::Packet::empty();
        while encoder.receive_packet(&mut pkt).is_ok() {
            pkt.set_stream(0);
            pkt.set_duration(1);
            pkt.rescale_ts((1, FPS as i32), ost_tb);
            pkt.write_interleaved(octx)
                .map_err(|x| e("writing a packet", x))?;
        }
        Ok(())
    };
    {
        let mut src = graph
            .get("in")
            .ok_or_else(|| e("filter", "lost the source"))?;
        src.source()
            .add(&frame)
            .map_err(|x| e("feeding the still", x))?;
        src.source()
            .flush()
            .map_err(|x| e("closing the source", x))?;
    }
    let mut out = ff::frame::Video::empty();
    loop {
        let got = match graph.get("out") {
            Some(mut sink) => sink.sink().frame(&mut out).is_ok(),
            None => false,
        };
        if !got || written >= frames {
            break;
        }
        out.set_pts(Some(written as i64));
        encoder.send_frame(&out).map_err(|x| e("encoding", x))?;
        write_packets(&mut encoder, &mut octx)?;
        written += 1;
    }
    encoder
        .send_eof()
        .map_err(|x| e("finishing the encode", x))?;
    write_packets(&mut encoder, &mut octx)?;
    octx.write_trailer()
        .map_err(|x| e("writing the trailer", x))?;
    if written != frames {
        return Err(MediaError::Encode(format!(
            "zoompan produced {written} of {frames} frames"
        )));
    }
    Ok(ClipInfo {
        frames,
        duration_sec: frames as f64 / FPS as f64,
        width: WIDTH,
        height: HEIGHT,
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
