//! Frame sources for the render: every visual — a video clip, a still with a Ken Burns move, a still held, a
//! generated card — becomes yuv420p frames at the output size and rate, asked for by output frame index. A clip is
//! fitted to the length it is given: frames are picked by time (so any source rate maps to the output rate), a clip
//! longer than its slot is trimmed, a shorter one loops or holds its last frame.

use std::path::{Path, PathBuf};

use ff::format::Pixel;
use ffmpeg_next as ff;
use serde::{Deserialize, Serialize};

use crate::MediaError;
use crate::motion::{Effect, MAX_ZOOM};
use crate::resample::{Plane, Rect, Resampler};

fn e(context: &str, err: impl std::fmt::Display) -> MediaError {
    MediaError::Encode(format!("{context}: {err}"))
}

fn d(path: &Path, err: impl std::fmt::Display) -> MediaError {
    MediaError::Decode(format!("{}: {err}", path.display()))
}

/// What a clip shorter than its slot does after its last frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum Fit {
    /// Start again from the first frame (the autoworker's default for AI clips).
    #[default]
    Loop,
    /// Hold the last frame.
    Hold,
}

/// How a picture whose shape differs from the frame's is fitted into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum Framing {
    /// Cover when the shape is within 10 % of the frame's (nothing important is cut), else a blurred background.
    #[default]
    Auto,
    /// Scale to cover the frame and crop the overflow (a 9:16 clip loses two thirds of its picture in 16:9).
    Cover,
    /// The whole picture, centred over a blurred, zoomed copy of itself filling the frame (as phone videos are
    /// shown on television).
    Blur,
    /// The whole picture, centred on black bars.
    Letterbox,
}

/// A shape within this ratio of the frame's is covered under [`Framing::Auto`].
pub const COVER_TOLERANCE: f64 = 0.10;

impl Framing {
    /// What this policy does with a `sw`×`sh` picture in a `w`×`h` frame.
    pub fn resolve(self, sw: u32, sh: u32, w: u32, h: u32) -> Framing {
        match self {
            Framing::Auto => {
                if aspect_differs(sw, sh, w, h) {
                    Framing::Blur
                } else {
                    Framing::Cover
                }
            }
            other => other,
        }
    }

    /// The FFmpeg filter chain that fits a `sw`×`sh` picture into `w`×`h` (square pixels follow it).
    pub(crate) fn filter(self, sw: u32, sh: u32, w: u32, h: u32) -> String {
        let cover = format!(
            "scale={w}:{h}:force_original_aspect_ratio=increase:flags=bicubic,crop={w}:{h}"
        );
        let inside = format!(
            "scale={w}:{h}:force_original_aspect_ratio=decrease:force_divisible_by=2:flags=bicubic"
        );
        match self.resolve(sw, sh, w, h) {
            Framing::Blur => {
                let r = (w.min(h) / 30).max(2);
                format!(
                    "split[fg_in][bg_in];[bg_in]{cover},boxblur=luma_radius={r}:luma_power=2:chroma_radius={}:chroma_power=2[bg];\
                     [fg_in]{inside}[fg];[bg][fg]overlay=x=(W-w)/2:y=(H-h)/2",
                    (r / 2).max(1)
                )
            }
            Framing::Letterbox => format!("{inside},pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color=black"),
            _ => cover,
        }
    }
}

/// True when a `sw`×`sh` picture's shape differs from `w`×`h` by more than [`COVER_TOLERANCE`].
pub fn aspect_differs(sw: u32, sh: u32, w: u32, h: u32) -> bool {
    if sw == 0 || sh == 0 || w == 0 || h == 0 {
        return false;
    }
    let ratio = (f64::from(sw) / f64::from(sh)) / (f64::from(w) / f64::from(h));
    (ratio - 1.0).abs() > COVER_TOLERANCE
}

/// A picture's shape as people say it ("16:9", "9:16", "1:1", else "W:H").
fn shape(w: u32, h: u32) -> String {
    let r = f64::from(w) / f64::from(h.max(1));
    for (name, v) in [
        ("16:9", 16.0 / 9.0),
        ("9:16", 9.0 / 16.0),
        ("1:1", 1.0),
        ("4:3", 4.0 / 3.0),
        ("3:4", 0.75),
        ("4:5", 0.8),
        ("21:9", 21.0 / 9.0),
    ] {
        if (r / v - 1.0).abs() < 0.02 {
            return name.to_string();
        }
    }
    format!("{w}:{h}")
}

/// The clockwise rotation (0, 90, 180 or 270 degrees) a player applies to a video stream: phones record portrait
/// video as landscape frames with a display matrix (FFmpeg's `av_display_rotation_get`, counter-clockwise, negated
/// and rounded as `ffmpeg` does).
fn stream_rotation(stream: &ff::format::stream::Stream<'_>) -> u32 {
    for sd in stream.side_data() {
        if sd.kind() == ff::codec::packet::side_data::Type::DisplayMatrix && sd.data().len() >= 36 {
            let mut m = [0i32; 9];
            for (i, v) in m.iter_mut().enumerate() {
                let b = &sd.data()[i * 4..i * 4 + 4];
                *v = i32::from_ne_bytes([b[0], b[1], b[2], b[3]]);
            }
            // SAFETY: `m` is the 3×3 matrix of nine i32 the function reads.
            let ccw = unsafe { ff::ffi::av_display_rotation_get(m.as_ptr()) };
            if ccw.is_finite() {
                return quarter_turns(-ccw);
            }
        }
    }
    0
}

/// Degrees to the nearest quarter turn in 0..360.
fn quarter_turns(deg: f64) -> u32 {
    ((deg / 90.0).round() as i64).rem_euclid(4) as u32 * 90
}

/// The filters that turn a picture upright for a clockwise `rotation`.
fn upright(rotation: u32) -> &'static str {
    match rotation {
        90 => "transpose=clock,",
        180 => "hflip,vflip,",
        270 => "transpose=cclock,",
        _ => "",
    }
}

/// The size of a visual's picture as shown (a clip's rotation and a photo's EXIF orientation applied), read from
/// its header (clips: the video stream) or the decoded image.
pub fn visual_size(visual: &Visual) -> Option<(u32, u32)> {
    match visual {
        Visual::Clip(p) => {
            crate::init().ok()?;
            let ictx = ff::format::input(p).ok()?;
            let stream = ictx.streams().best(ff::media::Type::Video)?;
            let par = stream.parameters();
            // SAFETY: `par` wraps valid AVCodecParameters owned by the open input.
            let (w, h) = unsafe { ((*par.as_ptr()).width, (*par.as_ptr()).height) };
            let (w, h) = if stream_rotation(&stream) % 180 == 90 {
                (h, w)
            } else {
                (w, h)
            };
            (w > 0 && h > 0).then_some((w as u32, h as u32))
        }
        Visual::KenBurns { image, .. } | Visual::Image(image) => {
            // The header and the EXIF orientation only: the pixels were decoded once already, for the frames.
            use image::ImageDecoder;
            let mut decoder = image::ImageReader::open(image)
                .ok()?
                .with_guessed_format()
                .ok()?
                .into_decoder()
                .ok()?;
            let (w, h) = decoder.dimensions();
            let turned = matches!(
                decoder.orientation().ok()?,
                image::metadata::Orientation::Rotate90
                    | image::metadata::Orientation::Rotate270
                    | image::metadata::Orientation::Rotate90FlipH
                    | image::metadata::Orientation::Rotate270FlipH
            );
            Some(if turned { (h, w) } else { (w, h) })
        }
        Visual::Card(rgb) => Some((rgb.width(), rgb.height())),
    }
}

/// A note for every input whose shape differs from the frame's: what it is and how it was fitted (for
/// render.json). `label` names the input.
pub fn framing_note(
    label: &str,
    visual: &Visual,
    framing: Framing,
    w: u32,
    h: u32,
) -> Option<String> {
    let (sw, sh) = visual_size(visual)?;
    if !aspect_differs(sw, sh, w, h) {
        return None;
    }
    let how = match framing.resolve(sw, sh, w, h) {
        Framing::Blur => "shown whole over a blurred background",
        Framing::Letterbox => "shown whole between black bars",
        _ => "cropped to cover the frame (part of the picture is cut)",
    };
    Some(format!(
        "{label}: {sw}×{sh} ({}) in a {} frame, {how}",
        shape(sw, sh),
        shape(w, h)
    ))
}

/// One visual on the timeline.
#[derive(Debug, Clone)]
pub enum Visual {
    /// A video file (any codec, size and rate FFmpeg reads), scaled to cover the frame.
    Clip(PathBuf),
    /// A still made to move (zoom or pan) over the slot.
    KenBurns { image: PathBuf, effect: Effect },
    /// A still held for the slot.
    Image(PathBuf),
    /// An image made in process (title cards).
    Card(image::RgbImage),
}

/// Quotes a value for FFmpeg's option parser (single quotes; a quote inside is closed, escaped and reopened).
pub(crate) fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// A linear filter chain with one video input and one output, fed and drained by hand.
pub(crate) struct Chain {
    graph: ff::filter::Graph,
}

impl Chain {
    /// `source` is the buffer source's arguments; `spec` the chain between it and the sink.
    pub(crate) fn new(source: &str, spec: &str, out: Pixel) -> Result<Chain, MediaError> {
        let mut graph = ff::filter::Graph::new();
        graph
            .add(
                &ff::filter::find("buffer").ok_or_else(|| e("filter", "no buffer"))?,
                "in",
                source,
            )
            .map_err(|x| e("buffer source", x))?;
        graph
            .add(
                &ff::filter::find("buffersink").ok_or_else(|| e("filter", "no buffersink"))?,
                "out",
                "",
            )
            .map_err(|x| e("buffer sink", x))?;
        if let Some(mut o) = graph.get("out") {
            o.set_pixel_format(out);
        }
        graph
            .output("in", 0)
            .and_then(|p| p.input("out", 0))
            .and_then(|p| p.parse(spec))
            .map_err(|x| e(&format!("filter graph {spec}"), x))?;
        graph
            .validate()
            .map_err(|x| e(&format!("filter graph {spec}"), x))?;
        Ok(Chain { graph })
    }

    /// One filter between the source and the sink, its options given directly (no graph-syntax parsing, so
    /// paths need only option-level quoting — see `quote`).
    pub(crate) fn single(
        source: &str,
        filter: &str,
        args: &str,
        out: Pixel,
    ) -> Result<Chain, MediaError> {
        let mut graph = ff::filter::Graph::new();
        let find = |n: &str| ff::filter::find(n).ok_or_else(|| e("filter", format!("no {n}")));
        let src = graph
            .add(&find("buffer")?, "in", source)
            .map_err(|x| e("buffer source", x))
            .map(|c| unsafe { c.as_ptr() })?;
        let mid = graph
            .add(&find(filter)?, "f", args)
            .map_err(|x| e(&format!("filter {filter}"), x))
            .map(|c| unsafe { c.as_ptr() })?;
        let sink = {
            let mut c = graph
                .add(&find("buffersink")?, "out", "")
                .map_err(|x| e("buffer sink", x))?;
            c.set_pixel_format(out);
            // SAFETY: the pointer stays valid while `graph` lives.
            unsafe { c.as_ptr() }
        };
        // SAFETY: the three contexts belong to `graph`, which is alive; avfilter_link only connects their pads.
        let linked = unsafe {
            ff::ffi::avfilter_link(src as *mut _, 0, mid as *mut _, 0) >= 0
                && ff::ffi::avfilter_link(mid as *mut _, 0, sink as *mut _, 0) >= 0
        };
        if !linked {
            return Err(e(&format!("filter {filter}"), "could not be linked"));
        }
        graph
            .validate()
            .map_err(|x| e(&format!("filter {filter}"), x))?;
        Ok(Chain { graph })
    }

    /// Buffer-source arguments for frames like `f`.
    pub(crate) fn source_args(f: &ff::frame::Video, time_base: ff::Rational) -> String {
        let fmt: ff::ffi::AVPixelFormat = f.format().into();
        format!(
            "video_size={}x{}:pix_fmt={}:time_base={}/{}:pixel_aspect=1/1",
            f.width(),
            f.height(),
            fmt as i32,
            time_base.numerator(),
            time_base.denominator().max(1)
        )
    }

    /// Feeds a frame, keeping the caller's reference (the filter copies before writing).
    pub(crate) fn push(&mut self, frame: &ff::frame::Video) -> Result<(), MediaError> {
        let mut src = self
            .graph
            .get("in")
            .ok_or_else(|| e("filter", "lost the source"))?;
        // SAFETY: both pointers are valid for the call; av_buffersrc_write_frame only adds a reference.
        let r = unsafe { ff::ffi::av_buffersrc_write_frame(src.as_mut_ptr(), frame.as_ptr()) };
        if r < 0 {
            return Err(e("feeding the filter", ff::Error::from(r)));
        }
        Ok(())
    }

    pub(crate) fn end(&mut self) -> Result<(), MediaError> {
        let mut src = self
            .graph
            .get("in")
            .ok_or_else(|| e("filter", "lost the source"))?;
        src.source().flush().map_err(|x| e("closing the filter", x))
    }

    /// The next filtered frame, if one is ready.
    pub(crate) fn pull(&mut self, out: &mut ff::frame::Video) -> bool {
        match self.graph.get("out") {
            Some(mut sink) => sink.sink().frame(out).is_ok(),
            None => false,
        }
    }
}

/// Fit a `sw`×`sh` picture into `w`×`h` by `framing`, square pixels, yuv420p.
fn fitted(framing: Framing, sw: u32, sh: u32, w: u32, h: u32) -> String {
    format!("{},setsar=1,format=yuv420p", framing.filter(sw, sh, w, h))
}

fn rgb_frame(rgb: &image::RgbImage) -> ff::frame::Video {
    let (w, h) = (rgb.width(), rgb.height());
    let mut frame = ff::frame::Video::new(Pixel::RGB24, w, h);
    let stride = frame.stride(0);
    let data = frame.data_mut(0);
    let raw = rgb.as_raw();
    let row = (w * 3) as usize;
    for y in 0..h as usize {
        data[y * stride..y * stride + row].copy_from_slice(&raw[y * row..(y + 1) * row]);
    }
    frame.set_pts(Some(0));
    frame
}

/// Reads an image by content (providers send JPEG or PNG whatever the name says).
pub(crate) fn load_rgb(path: &Path) -> Result<image::RgbImage, MediaError> {
    use image::ImageDecoder;
    let mut decoder = image::ImageReader::open(path)
        .and_then(|r| r.with_guessed_format())
        .map_err(|x| d(path, x))?
        .into_decoder()
        .map_err(|x| d(path, x))?;
    // A phone photo is stored sideways with an EXIF orientation: turn it upright as viewers do.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = image::DynamicImage::from_decoder(decoder).map_err(|x| d(path, x))?;
    img.apply_orientation(orientation);
    let rgb = img.to_rgb8();
    if rgb.width() < 16 || rgb.height() < 16 {
        return Err(d(
            path,
            format!("{}×{} is too small for video", rgb.width(), rgb.height()),
        ));
    }
    Ok(rgb)
}

/// An RGB image as one yuv420p frame of `w`×`h`, fitted by `framing`.
pub(crate) fn still_frame(
    rgb: &image::RgbImage,
    w: u32,
    h: u32,
    framing: Framing,
) -> Result<ff::frame::Video, MediaError> {
    let frame = rgb_frame(rgb);
    let mut chain = Chain::new(
        &Chain::source_args(&frame, (1, 30).into()),
        &fitted(framing, rgb.width(), rgb.height(), w, h),
        Pixel::YUV420P,
    )?;
    chain.push(&frame)?;
    chain.end()?;
    let mut out = ff::frame::Video::empty();
    if !chain.pull(&mut out) {
        return Err(e("converting a still", "no frame came out"));
    }
    Ok(out)
}

/// Ken Burns frames from one still: `frames` yuv420p frames of `w`×`h` (even sizes). The still is fitted once, in
/// yuv420p, at [`MAX_ZOOM`] times the frame's size; each frame is then the part of it its effect shows at that moment
/// ([`Effect::window`]), resampled bilinearly with sub-pixel precision ([`crate::resample`]) — no enlargement, no
/// colour conversion and no filter graph per frame.
pub(crate) struct KenBurnsFrames {
    still: ff::frame::Video,
    effect: Effect,
    frames: u32,
    made: u32,
    size: (u32, u32),
    current: ff::frame::Video,
    resampler: Resampler,
}

/// `v` × `by`, rounded up to an even number (yuv420p sizes), at least 2.
fn even(v: u32, by: f64) -> u32 {
    (((f64::from(v) * by / 2.0).ceil() as u32) * 2).max(2)
}

impl KenBurnsFrames {
    pub(crate) fn new(
        rgb: &image::RgbImage,
        frames: u32,
        effect: Effect,
        (w, h): (u32, u32),
        framing: Framing,
    ) -> Result<KenBurnsFrames, MediaError> {
        let still = still_frame(rgb, even(w, MAX_ZOOM), even(h, MAX_ZOOM), framing)?;
        Ok(KenBurnsFrames {
            still,
            effect,
            frames: frames.max(1),
            made: 0,
            size: (w, h),
            current: ff::frame::Video::empty(),
            resampler: Resampler::default(),
        })
    }

    /// The next frame, or None after the last. The frame's buffer is reused unless something else (the encoder's
    /// queue, a transition) still holds a reference to it; then a new one is drawn, and the held one is never
    /// drawn over.
    pub(crate) fn next_frame(&mut self) -> Result<Option<&mut ff::frame::Video>, MediaError> {
        if self.made >= self.frames {
            return Ok(None);
        }
        let (w, h) = self.size;
        // SAFETY: `current` is a valid (possibly empty) frame; the call only reads its buffer references.
        let writable = unsafe { ff::ffi::av_frame_is_writable(self.current.as_mut_ptr()) } > 0;
        if !writable || self.current.width() != w || self.current.height() != h {
            self.current = ff::frame::Video::new(Pixel::YUV420P, w, h);
        }
        let (x, y, ww, wh) = self.effect.window(self.made, self.frames);
        let (sw, sh) = (self.still.width() as usize, self.still.height() as usize);
        for plane in 0..3 {
            // Chroma planes are half the size each way (rounded up), and the window is the same part of every
            // plane: chroma is taken as sited at the centre of its 2×2 luma pixels, which is within 1/8 of a luma
            // pixel of H.264's default siting.
            let (pw, ph, ow, oh) = if plane == 0 {
                (sw, sh, w as usize, h as usize)
            } else {
                (
                    sw.div_ceil(2),
                    sh.div_ceil(2),
                    (w as usize).div_ceil(2),
                    (h as usize).div_ceil(2),
                )
            };
            let src = Plane {
                data: self.still.data(plane),
                stride: self.still.stride(plane),
                width: pw,
                height: ph,
            };
            let rect = Rect {
                x: x * pw as f64,
                y: y * ph as f64,
                w: ww * pw as f64,
                h: wh * ph as f64,
            };
            let stride = self.current.stride(plane);
            let drawn =
                self.resampler
                    .draw(src, rect, self.current.data_mut(plane), stride, (ow, oh));
            if !drawn {
                return Err(e(
                    "Ken Burns",
                    format!("plane {plane} of frame {} could not be drawn", self.made),
                ));
            }
        }
        self.current.set_pts(Some(i64::from(self.made)));
        self.made += 1;
        Ok(Some(&mut self.current))
    }
}

/// A video clip decoded, scaled to cover the frame and mapped to output frame times.
pub(crate) struct ClipFrames {
    path: PathBuf,
    fit: Fit,
    framing: Framing,
    /// Clockwise degrees the stream is shown turned by (display matrix).
    rotation: u32,
    w: u32,
    h: u32,
    ictx: ff::format::context::Input,
    index: usize,
    decoder: ff::decoder::Video,
    tb: f64,
    chain: Option<Chain>,
    sent_eof: bool,
    chain_ended: bool,
    first_pts: Option<i64>,
    /// Seconds added to this pass's times (loops).
    offset: f64,
    last_t: f64,
    frame_dur: f64,
    decoded_any: bool,
    loops: u32,
}

impl ClipFrames {
    fn open(
        path: &Path,
        (fit, framing): (Fit, Framing),
        w: u32,
        h: u32,
        offset: f64,
        loops: u32,
    ) -> Result<ClipFrames, MediaError> {
        let ictx = ff::format::input(&path).map_err(|x| d(path, x))?;
        let stream = ictx
            .streams()
            .best(ff::media::Type::Video)
            .ok_or_else(|| d(path, "no video stream"))?;
        let index = stream.index();
        let rotation = stream_rotation(&stream);
        let tb = stream.time_base();
        let rate = stream.avg_frame_rate();
        let mut ctx = ff::codec::context::Context::from_parameters(stream.parameters())
            .map_err(|x| d(path, x))?;
        ctx.set_threading(ff::codec::threading::Config {
            kind: ff::codec::threading::Type::Frame,
            count: 2,
            ..Default::default()
        });
        let decoder = ctx.decoder().video().map_err(|x| d(path, x))?;
        let frame_dur = if rate.numerator() > 0 && rate.denominator() > 0 {
            f64::from(rate.denominator()) / f64::from(rate.numerator())
        } else {
            1.0 / 30.0
        };
        Ok(ClipFrames {
            path: path.to_path_buf(),
            fit,
            framing,
            rotation,
            w,
            h,
            ictx,
            index,
            decoder,
            tb: f64::from(tb.numerator()) / f64::from(tb.denominator().max(1)),
            chain: None,
            sent_eof: false,
            chain_ended: false,
            first_pts: None,
            offset,
            last_t: offset,
            frame_dur,
            decoded_any: false,
            loops,
        })
    }

    /// The next decoded, scaled frame and its time in seconds from the clip's start (loops included).
    fn decode_next(&mut self) -> Result<Option<(f64, ff::frame::Video)>, MediaError> {
        let mut decoded = ff::frame::Video::empty();
        loop {
            if let Some(chain) = self.chain.as_mut() {
                let mut out = ff::frame::Video::empty();
                if chain.pull(&mut out) {
                    let pts = out.pts().unwrap_or(0);
                    let first = *self.first_pts.get_or_insert(pts);
                    let t = self.offset + (pts - first) as f64 * self.tb;
                    self.last_t = self.last_t.max(t);
                    self.decoded_any = true;
                    return Ok(Some((t, out)));
                }
                if self.chain_ended {
                    return Ok(None);
                }
            }
            if self.decoder.receive_frame(&mut decoded).is_ok() {
                let pts = decoded.timestamp().or(decoded.pts()).unwrap_or(0);
                decoded.set_pts(Some(pts));
                if self.chain.is_none() {
                    let tb = ff::Rational::new(1, 1); // pts pass through unchanged; times use the stream's base
                    let (sw, sh) = if self.rotation % 180 == 90 {
                        (decoded.height(), decoded.width())
                    } else {
                        (decoded.width(), decoded.height())
                    };
                    self.chain = Some(Chain::new(
                        &Chain::source_args(&decoded, tb),
                        &format!(
                            "{}{}",
                            upright(self.rotation),
                            fitted(self.framing, sw, sh, self.w, self.h)
                        ),
                        Pixel::YUV420P,
                    )?);
                }
                if let Some(chain) = self.chain.as_mut() {
                    chain.push(&decoded)?;
                }
                continue;
            }
            if self.sent_eof {
                match self.chain.as_mut() {
                    Some(chain) if !self.chain_ended => {
                        chain.end()?;
                        self.chain_ended = true;
                        continue;
                    }
                    _ => return Ok(None),
                }
            }
            let mut sent = false;
            for (s, packet) in self.ictx.packets() {
                if s.index() == self.index {
                    // A damaged packet is skipped; the frames around it still decode.
                    let _ = self.decoder.send_packet(&packet);
                    sent = true;
                    break;
                }
            }
            if !sent {
                let _ = self.decoder.send_eof();
                self.sent_eof = true;
            }
        }
    }
}

/// A source of frames for one slot.
pub(crate) enum Frames {
    Clip {
        clip: Box<ClipFrames>,
        current: Option<ff::frame::Video>,
        next: Option<(f64, ff::frame::Video)>,
        done: bool,
        /// Seconds into the clip where the slot starts.
        start: f64,
    },
    KenBurns(Box<KenBurnsFrames>, u64),
    Held(ff::frame::Video),
}

impl Frames {
    pub(crate) fn open(
        visual: &Visual,
        frames: u32,
        (fit, framing): (Fit, Framing),
        offset_sec: f64,
        (w, h): (u32, u32),
    ) -> Result<Frames, MediaError> {
        crate::init()?;
        Ok(match visual {
            Visual::Clip(p) => Frames::Clip {
                clip: Box::new(ClipFrames::open(p, (fit, framing), w, h, 0.0, 0)?),
                current: None,
                next: None,
                done: false,
                start: if offset_sec.is_finite() {
                    offset_sec.max(0.0)
                } else {
                    0.0
                },
            },
            Visual::KenBurns { image, effect } => {
                let rgb = load_rgb(image)?;
                Frames::KenBurns(
                    Box::new(KenBurnsFrames::new(&rgb, frames, *effect, (w, h), framing)?),
                    0,
                )
            }
            Visual::Image(p) => Frames::Held(still_frame(&load_rgb(p)?, w, h, framing)?),
            Visual::Card(rgb) => Frames::Held(still_frame(rgb, w, h, framing)?),
        })
    }

    /// The frame shown at output index `k` of the slot (k never decreases between calls).
    pub(crate) fn frame(&mut self, k: u64, fps: u32) -> Result<&mut ff::frame::Video, MediaError> {
        match self {
            Frames::Held(f) => Ok(f),
            Frames::KenBurns(kb, made) => {
                while *made <= k {
                    if kb.next_frame()?.is_none() {
                        break;
                    }
                    *made += 1;
                }
                Ok(&mut kb.current)
            }
            Frames::Clip {
                clip,
                current,
                next,
                done,
                start,
            } => {
                // A quarter frame of tolerance: a 30 fps clip maps one to one onto 30 fps output.
                let t = *start + k as f64 / f64::from(fps.max(1)) + 0.25 / f64::from(fps.max(1));
                loop {
                    if next.is_none() && !*done {
                        *next = clip.decode_next()?;
                        if next.is_none() {
                            if clip.fit == Fit::Loop && clip.decoded_any && clip.loops < 100_000 {
                                let offset = clip.last_t + clip.frame_dur;
                                let (path, w, h, loops) =
                                    (clip.path.clone(), clip.w, clip.h, clip.loops + 1);
                                let framing = clip.framing;
                                **clip = ClipFrames::open(
                                    &path,
                                    (Fit::Loop, framing),
                                    w,
                                    h,
                                    offset,
                                    loops,
                                )?;
                                *next = clip.decode_next()?;
                            }
                            if next.is_none() {
                                *done = true;
                            }
                        }
                    }
                    match next {
                        Some((tn, _)) if *tn <= t || current.is_none() => {
                            *current = next.take().map(|(_, f)| f);
                        }
                        _ => break,
                    }
                }
                current
                    .as_mut()
                    .ok_or_else(|| d(&clip.path, "the clip has no frames"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotations_turn_to_the_nearest_quarter_and_map_to_filters() {
        // av_display_rotation_get is counter-clockwise; a phone's portrait video reads −90 (90° clockwise).
        assert_eq!(quarter_turns(90.0), 90);
        assert_eq!(quarter_turns(-90.0), 270);
        assert_eq!(quarter_turns(179.6), 180);
        assert_eq!(quarter_turns(-0.2), 0);
        assert_eq!(upright(90), "transpose=clock,");
        assert_eq!(upright(270), "transpose=cclock,");
        assert_eq!(upright(0), "");
        assert!(!aspect_differs(1920, 1080, 1920, 1080));
        assert!(aspect_differs(1080, 1920, 1920, 1080));
        assert!(!aspect_differs(1280, 720, 1920, 1080));
        // 4:3 is 25 % narrower than 16:9: shown whole under auto.
        assert!(aspect_differs(1440, 1080, 1920, 1080));
    }

    /// `still` as a Ken Burns source of `frames` frames at 320×180.
    fn ken_burns(still: &image::RgbImage, frames: u32, effect: Effect) -> KenBurnsFrames {
        KenBurnsFrames::new(still, frames, effect, (320, 180), Framing::Cover).unwrap()
    }

    #[test]
    fn ken_burns_draws_exactly_its_frames_in_every_plane() {
        // A flat colour stays that colour in all three planes, in every frame (within the one level by which
        // FFmpeg's fit of the still already varies), then the source ends.
        let still = image::RgbImage::from_pixel(64, 36, image::Rgb([200, 60, 30]));
        let flat = still_frame(&still, 320, 180, Framing::Cover).unwrap();
        let mut kb = ken_burns(&still, 12, Effect::ZoomIn);
        let mut count = 0;
        while let Some(f) = kb.next_frame().unwrap() {
            for p in 0..3 {
                let (w, h) = if p == 0 { (320, 180) } else { (160, 90) };
                let want = i32::from(flat.data(p)[0]);
                for y in 0..h {
                    let row = &f.data(p)[y * f.stride(p)..y * f.stride(p) + w];
                    assert!(
                        row.iter().all(|v| (i32::from(*v) - want).abs() <= 1),
                        "plane {p} row {y}: {row:?} vs {want}"
                    );
                }
            }
            count += 1;
        }
        assert_eq!(count, 12);
        assert!(kb.next_frame().unwrap().is_none());
    }

    #[test]
    fn a_ken_burns_frame_still_held_elsewhere_is_never_drawn_over() {
        let still = image::RgbImage::from_fn(64, 36, |x, y| {
            image::Rgb([(x * 4) as u8, (y * 7) as u8, 90])
        });
        let mut kb = ken_burns(&still, 30, Effect::PanRight);
        let first = kb.next_frame().unwrap().unwrap();
        let first_buf = first.data(0).as_ptr();
        let copy: Vec<u8> = first.data(0).to_vec();
        // Another holder takes a reference to the frame's buffers (as the encoder's queue would).
        let mut held = ff::frame::Video::empty();
        // SAFETY: both frames are valid; av_frame_ref only adds a reference to the source's buffers.
        assert!(unsafe { ff::ffi::av_frame_ref(held.as_mut_ptr(), first.as_ptr()) } >= 0);
        let second = kb.next_frame().unwrap().unwrap();
        assert_ne!(second.data(0).as_ptr(), first_buf, "a new buffer was drawn");
        assert_eq!(held.data(0), &copy[..], "the held frame is unchanged");
        drop(held);
        // Nobody else holds the second frame: the third is drawn in its buffer.
        let second_buf = second.data(0).as_ptr();
        let third = kb.next_frame().unwrap().unwrap();
        assert_eq!(third.data(0).as_ptr(), second_buf);
    }

    #[test]
    fn a_pan_moves_by_the_same_fraction_of_a_pixel_every_frame() {
        // A still dark on the left and light on the right, the change a soft ramp of 40 pixels, panned right over
        // 60 frames: the ramp's position in a row (how many dark pixels the row holds, in fractions) moves by the
        // same step every frame. Whole-pixel windows, as FFmpeg's zoompan crops, move it in uneven jumps
        // (0.54 or 1.08 px here, for a mean of 0.8).
        let still = image::RgbImage::from_fn(640, 360, |x, _| {
            let v = ((f64::from(x) - 380.0) / 40.0).clamp(0.0, 1.0) * 255.0;
            image::Rgb([v as u8; 3])
        });
        let mut kb = ken_burns(&still, 60, Effect::PanRight);
        let mut edges = Vec::new();
        while let Some(f) = kb.next_frame().unwrap() {
            let row = &f.data(0)[90 * f.stride(0)..90 * f.stride(0) + 320];
            let dark: f64 = row.iter().map(|v| (235.0 - f64::from(*v)) / 219.0).sum();
            edges.push(dark);
        }
        let steps: Vec<f64> = edges.windows(2).map(|w| w[1] - w[0]).collect();
        let mean = steps.iter().sum::<f64>() / steps.len() as f64;
        // Panning right shows more of the light side: the ramp moves left by ~0.8 px a frame.
        assert!((-1.0..-0.6).contains(&mean), "mean step {mean}");
        for (k, s) in steps.iter().enumerate() {
            assert!(
                (s - mean).abs() < 0.05,
                "frame {k}: step {s} vs {mean}: {steps:?}"
            );
        }
    }
}
