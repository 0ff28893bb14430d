//! The one MP4 writer: H.264 High 4:2:0 with a closed GOP of half the frame rate (YouTube's recommended upload
//! settings), optionally AAC-LC 48 kHz stereo, index at the front (`+faststart`). Frames and samples are pushed in
//! order; packets are interleaved by FFmpeg's muxer.

use std::path::Path;

use ff::format::Pixel;
use ff::format::Sample;
use ff::format::sample::Type as SampleType;
use ff::{ChannelLayout, Rational};
use ffmpeg_next as ff;

use crate::MediaError;

/// Encoder settings for the H.264 stream.
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

pub const AUDIO_RATE: u32 = 48_000;
/// YouTube recommends 384 kbps for stereo.
const AUDIO_BITRATE: usize = 384_000;

fn e(context: &str, err: impl std::fmt::Display) -> MediaError {
    MediaError::Encode(format!("{context}: {err}"))
}

struct AudioOut {
    enc: ff::encoder::Audio,
    index: usize,
    tb: Rational,
    frame_size: usize,
    /// Interleaved stereo samples not yet encoded.
    pending: Vec<f32>,
    pts: i64,
}

pub(crate) struct Mp4Writer {
    octx: ff::format::context::Output,
    venc: ff::encoder::Video,
    vtb: Rational,
    fps: u32,
    audio: Option<AudioOut>,
    frames: u64,
    samples: u64,
}

impl Mp4Writer {
    /// Creates `path` as MP4 whatever its extension (so a `.part` file can be renamed when complete).
    pub(crate) fn create(
        path: &Path,
        width: u32,
        height: u32,
        fps: u32,
        opts: &EncodeOptions,
        with_audio: bool,
    ) -> Result<Mp4Writer, MediaError> {
        crate::init()?;
        let mut octx = ff::format::output_as(&path, "mp4")
            .map_err(|x| e(&format!("creating {}", path.display()), x))?;
        let global_header = octx
            .format()
            .flags()
            .contains(ff::format::Flags::GLOBAL_HEADER);

        let codec = ff::encoder::find_by_name("libx264")
            .ok_or_else(|| e("encoder", "libx264 is not available"))?;
        let mut ost = octx.add_stream(codec).map_err(|x| e("stream", x))?;
        let mut enc = ff::codec::context::Context::new_with_codec(codec)
            .encoder()
            .video()
            .map_err(|x| e("encoder", x))?;
        enc.set_width(width);
        enc.set_height(height);
        enc.set_format(Pixel::YUV420P);
        enc.set_time_base((1, fps as i32));
        enc.set_frame_rate(Some((fps as i32, 1)));
        // Closed GOP of half the frame rate, two B-frames.
        enc.set_gop((fps / 2).max(1));
        enc.set_max_b_frames(2);
        if global_header {
            enc.set_flags(ff::codec::Flags::GLOBAL_HEADER);
        }
        let mut dict = ff::Dictionary::new();
        dict.set("preset", &opts.preset);
        dict.set("crf", &opts.crf.to_string());
        dict.set("profile", "high");
        // 8x8 transforms are a High-profile tool: on for every preset so the stream is always High.
        dict.set("x264-params", "open-gop=0:scenecut=0:8x8dct=1");
        let venc = enc.open_with(dict).map_err(|x| e("opening libx264", x))?;
        ost.set_parameters(&venc);
        ost.set_time_base((1, fps as i32));

        let audio = if with_audio {
            let codec = ff::encoder::find(ff::codec::Id::AAC)
                .ok_or_else(|| e("encoder", "the AAC encoder is not available"))?;
            let mut ost = octx.add_stream(codec).map_err(|x| e("audio stream", x))?;
            let index = ost.index();
            let mut enc = ff::codec::context::Context::new_with_codec(codec)
                .encoder()
                .audio()
                .map_err(|x| e("audio encoder", x))?;
            enc.set_rate(AUDIO_RATE as i32);
            enc.set_channel_layout(ChannelLayout::STEREO);
            enc.set_format(Sample::F32(SampleType::Planar));
            enc.set_bit_rate(AUDIO_BITRATE);
            enc.set_time_base((1, AUDIO_RATE as i32));
            if global_header {
                enc.set_flags(ff::codec::Flags::GLOBAL_HEADER);
            }
            let mut dict = ff::Dictionary::new();
            dict.set("profile", "aac_low");
            // The fast coder: at 384 kbps it is transparent, and it costs a fraction of the default search.
            dict.set("aac_coder", "fast");
            let aenc = enc.open_with(dict).map_err(|x| e("opening AAC", x))?;
            ost.set_parameters(&aenc);
            ost.set_time_base((1, AUDIO_RATE as i32));
            let frame_size = (aenc.frame_size() as usize).max(1);
            Some(AudioOut {
                enc: aenc,
                index,
                tb: (1, AUDIO_RATE as i32).into(),
                frame_size,
                pending: Vec::new(),
                pts: 0,
            })
        } else {
            None
        };

        let mut mux = ff::Dictionary::new();
        mux.set("movflags", "+faststart");
        octx.write_header_with(mux)
            .map_err(|x| e("writing the header", x))?;
        let vtb = octx
            .stream(0)
            .map(|s| s.time_base())
            .unwrap_or((1, fps as i32).into());
        let mut audio = audio;
        if let Some(a) = audio.as_mut() {
            a.tb = octx.stream(a.index).map(|s| s.time_base()).unwrap_or(a.tb);
        }
        Ok(Mp4Writer {
            octx,
            venc,
            vtb,
            fps,
            audio,
            frames: 0,
            samples: 0,
        })
    }

    fn drain_video(&mut self) -> Result<(), MediaError> {
        let mut pkt = ff::Packet::empty();
        while self.venc.receive_packet(&mut pkt).is_ok() {
            pkt.set_stream(0);
            pkt.set_duration(1);
            pkt.rescale_ts((1, self.fps as i32), self.vtb);
            pkt.write_interleaved(&mut self.octx)
                .map_err(|x| e("writing a video packet", x))?;
        }
        Ok(())
    }

    /// Encodes the next frame (yuv420p at the writer's size); its pts is set to its index.
    pub(crate) fn push_video(&mut self, frame: &mut ff::frame::Video) -> Result<(), MediaError> {
        frame.set_pts(Some(self.frames as i64));
        self.venc
            .send_frame(frame)
            .map_err(|x| e("encoding video", x))?;
        self.frames += 1;
        self.drain_video()
    }

    fn drain_audio(
        a: &mut AudioOut,
        octx: &mut ff::format::context::Output,
    ) -> Result<(), MediaError> {
        let mut pkt = ff::Packet::empty();
        while a.enc.receive_packet(&mut pkt).is_ok() {
            pkt.set_stream(a.index);
            pkt.rescale_ts((1, AUDIO_RATE as i32), a.tb);
            pkt.write_interleaved(octx)
                .map_err(|x| e("writing an audio packet", x))?;
        }
        Ok(())
    }

    fn encode_audio_frame(
        a: &mut AudioOut,
        n: usize,
        octx: &mut ff::format::context::Output,
    ) -> Result<(), MediaError> {
        let mut frame =
            ff::frame::Audio::new(Sample::F32(SampleType::Planar), n, ChannelLayout::STEREO);
        frame.set_rate(AUDIO_RATE);
        for ch in 0..2 {
            let plane: &mut [f32] = frame.plane_mut(ch);
            for (i, x) in plane.iter_mut().take(n).enumerate() {
                let v = a.pending[2 * i + ch];
                *x = if v.is_finite() { v } else { 0.0 };
            }
        }
        frame.set_pts(Some(a.pts));
        a.pts += n as i64;
        a.enc
            .send_frame(&frame)
            .map_err(|x| e("encoding audio", x))?;
        a.pending.drain(..2 * n);
        Self::drain_audio(a, octx)
    }

    /// Queues interleaved stereo samples at 48 kHz; whole encoder frames are encoded as they fill.
    pub(crate) fn push_audio(&mut self, interleaved: &[f32]) -> Result<(), MediaError> {
        let Some(a) = self.audio.as_mut() else {
            return Ok(());
        };
        a.pending
            .extend_from_slice(&interleaved[..interleaved.len() & !1]);
        self.samples += (interleaved.len() / 2) as u64;
        while a.pending.len() >= 2 * a.frame_size {
            let n = a.frame_size;
            Self::encode_audio_frame(a, n, &mut self.octx)?;
        }
        Ok(())
    }

    pub(crate) fn samples(&self) -> u64 {
        self.samples
    }

    /// Flushes both encoders and writes the index (moved to the front). Returns (video frames, audio samples).
    pub(crate) fn finish(mut self) -> Result<(u64, u64), MediaError> {
        self.venc
            .send_eof()
            .map_err(|x| e("finishing the video encode", x))?;
        self.drain_video()?;
        if let Some(a) = self.audio.as_mut() {
            let rest = a.pending.len() / 2;
            if rest > 0 {
                // The last frame may be short; the muxer's edit list keeps the exact length.
                Self::encode_audio_frame(a, rest, &mut self.octx)?;
            }
            a.enc
                .send_eof()
                .map_err(|x| e("finishing the audio encode", x))?;
            Self::drain_audio(a, &mut self.octx)?;
        }
        self.octx
            .write_trailer()
            .map_err(|x| e("writing the trailer", x))?;
        Ok((self.frames, self.samples))
    }
}
