//! AIDAS Studio media, in process through ffmpeg-next (no ffmpeg binary at run time): what the linked FFmpeg
//! libraries can do, probing, audio decoding, normalising and joining (avatar takes), the timeline render in one
//! encode (clips, stills moved with Ken Burns as they are drawn, cards, transitions, burned-in subtitles), mixing
//! and loudness, thumbnails.
//!
//! Depends on FFmpeg's C libraries only; it knows nothing of the store, providers or shells.

pub mod audio;
pub mod card;
pub mod frames;
pub mod kenburns;
pub mod loudness;
pub mod mix;
pub mod motion;
pub(crate) mod mp4;
pub mod music;
pub mod probe;
pub mod render;
pub(crate) mod resample;
pub mod text;
pub mod thumbnail;
pub mod transition;

use serde::Serialize;

/// Encoders the studio's YouTube output needs.
pub const REQUIRED_ENCODERS: &[&str] = &["libx264", "aac"];
/// Filters the in-process render builds its graphs from (frames.rs, render.rs, probe.rs): sources and
/// sinks, scaling, cropping and padding, the blurred-background fit, and subtitle burn-in. Ken Burns motion, mixing,
/// loudness and transitions are computed in Rust, not by FFmpeg filters.
pub const REQUIRED_FILTERS: &[&str] = &[
    "buffer",
    "buffersink",
    "scale",
    "crop",
    "pad",
    "setsar",
    "format",
    "split",
    "boxblur",
    "overlay",
    "transpose",
    "hflip",
    "vflip",
    "ass",
];

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LibraryVersions {
    pub avcodec: String,
    pub avformat: String,
    pub avfilter: String,
    pub avutil: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MediaCapabilities {
    pub versions: LibraryVersions,
    /// Required encoders and filters that the linked libraries lack.
    pub missing: Vec<String>,
}

impl MediaCapabilities {
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("FFmpeg could not be initialised: {0}")]
    Init(String),
    #[error("media could not be read: {0}")]
    Decode(String),
    #[error("media could not be written: {0}")]
    Io(String),
    #[error("media could not be encoded: {0}")]
    Encode(String),
    #[error("the render cannot start: {0}")]
    Invalid(String),
    #[error("the render was cancelled")]
    Cancelled,
}

/// Initialises FFmpeg once and keeps its own logging to errors (libx264 otherwise prints pages per clip).
pub fn init() -> Result<(), MediaError> {
    static QUIET: std::sync::Once = std::sync::Once::new();
    ffmpeg_next::init().map_err(|e| MediaError::Init(e.to_string()))?;
    QUIET.call_once(|| ffmpeg_next::util::log::set_level(ffmpeg_next::util::log::Level::Error));
    Ok(())
}

fn version_string(v: u32) -> String {
    format!("{}.{}.{}", v >> 16, (v >> 8) & 0xff, v & 0xff)
}

/// Initialises FFmpeg (idempotent) and reports library versions and missing encoders/filters.
pub fn capabilities() -> Result<MediaCapabilities, MediaError> {
    init()?;
    let versions = LibraryVersions {
        avcodec: version_string(ffmpeg_next::codec::version()),
        avformat: version_string(ffmpeg_next::format::version()),
        avfilter: version_string(ffmpeg_next::filter::version()),
        avutil: version_string(ffmpeg_next::util::version()),
    };
    let mut missing = Vec::new();
    for e in REQUIRED_ENCODERS {
        if ffmpeg_next::encoder::find_by_name(e).is_none() {
            missing.push(format!("encoder {e}"));
        }
    }
    for f in REQUIRED_FILTERS {
        if ffmpeg_next::filter::find(f).is_none() {
            missing.push(format!("filter {f}"));
        }
    }
    Ok(MediaCapabilities { versions, missing })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every required filter is one the code uses: doctor must not demand filters the render never touches (it once
    /// asked for xfade, loudnorm, ebur128, amix, sidechaincompress and concat, which the render computes in Rust).
    #[test]
    fn required_filters_are_exactly_the_ones_the_code_uses() {
        let sources = [
            include_str!("frames.rs"),
            include_str!("render.rs"),
            include_str!("kenburns.rs"),
            include_str!("motion.rs"),
            include_str!("mp4.rs"),
            include_str!("probe.rs"),
        ]
        .concat();
        for f in REQUIRED_FILTERS {
            let used = sources.contains(&format!("{f}="))
                || sources.contains(&format!("\"{f}\""))
                || sources.contains(&format!("]{f}"))
                || sources.contains(&format!("{f}["))
                || sources.contains(&format!("{f},"));
            assert!(used, "{f} is required but not used");
        }
        for unused in [
            "xfade",
            "loudnorm",
            "ebur128",
            "amix",
            "sidechaincompress",
            "concat",
        ] {
            assert!(!REQUIRED_FILTERS.contains(&unused), "{unused}");
        }
    }

    #[test]
    fn the_linked_ffmpeg_has_what_the_studio_needs() {
        let caps = capabilities().unwrap();
        assert!(caps.is_complete(), "missing: {:?}", caps.missing);
        assert!(
            caps.versions
                .avcodec
                .split('.')
                .next()
                .unwrap()
                .parse::<u32>()
                .unwrap()
                >= 58
        );
    }

    #[test]
    fn versions_format_as_major_minor_micro() {
        assert_eq!(version_string((59 << 16) | (37 << 8) | 100), "59.37.100");
    }
}
