//! `aidas doctor`: what this machine can and cannot do for the studio, and what to do about it.

use std::path::Path;
use std::process::Command;

use serde::Serialize;

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Ok,
    Warn,
    Fail,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
#[ts(export)]
pub struct Check {
    pub name: &'static str,
    pub status: CheckStatus,
    pub detail: String,
    /// What to do when it is not ok.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Check {
    pub fn ok(name: &'static str, detail: impl Into<String>) -> Self {
        Self {
            name,
            status: CheckStatus::Ok,
            detail: detail.into(),
            hint: None,
        }
    }
    pub fn warn(name: &'static str, detail: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            name,
            status: CheckStatus::Warn,
            detail: detail.into(),
            hint: Some(hint.into()),
        }
    }
    pub fn fail(name: &'static str, detail: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            name,
            status: CheckStatus::Fail,
            detail: detail.into(),
            hint: Some(hint.into()),
        }
    }
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct DoctorReport {
    pub checks: Vec<Check>,
    pub worst: CheckStatus,
}

impl DoctorReport {
    pub fn new(checks: Vec<Check>) -> Self {
        let worst = checks
            .iter()
            .map(|c| c.status)
            .max()
            .unwrap_or(CheckStatus::Ok);
        Self { checks, worst }
    }
}

pub fn check_ffmpeg() -> Check {
    match studio_render::capabilities() {
        Ok(c) if c.is_complete() => Check::ok(
            "ffmpeg",
            format!(
                "libavcodec {}, libavformat {}, libavfilter {}",
                c.versions.avcodec, c.versions.avformat, c.versions.avfilter
            ),
        ),
        Ok(c) => Check::fail(
            "ffmpeg",
            format!("the FFmpeg libraries lack: {}", c.missing.join(", ")),
            "install FFmpeg built with libx264 and libass (Debian: libavcodec59 libavfilter8 from the main archive)",
        ),
        Err(e) => Check::fail(
            "ffmpeg",
            e.to_string(),
            "install the FFmpeg shared libraries (libavcodec, libavformat, libavfilter)",
        ),
    }
}

/// The bundled Korean font, else a system copy.
pub fn check_korean_font(assets: &Path) -> Check {
    let bundled = assets.join("fonts/NanumGothic-Regular.ttf");
    if bundled.is_file() {
        return Check::ok(
            "korean_font",
            format!("bundled NanumGothic (OFL) at {}", bundled.display()),
        );
    }
    for p in [
        "/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    ] {
        if Path::new(p).is_file() {
            return Check::warn(
                "korean_font",
                format!("the bundled font is missing; using {p}"),
                "reinstall AIDAS Studio to restore assets/fonts",
            );
        }
    }
    Check::fail(
        "korean_font",
        "no Korean font found",
        "install fonts-nanum, or restore assets/fonts from the release",
    )
}

pub fn check_espeak() -> Check {
    let version = Command::new("espeak-ng").arg("--version").output();
    let Ok(out) = version else {
        return Check::fail(
            "espeak_ng",
            "espeak-ng is not installed",
            "install espeak-ng (offline voices need it)",
        );
    };
    let v = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    let voices = Command::new("espeak-ng").arg("--voices=ko").output();
    match voices {
        Ok(o)
            if String::from_utf8_lossy(&o.stdout)
                .lines()
                .skip(1)
                .any(|l| l.split_whitespace().nth(1) == Some("ko")) =>
        {
            Check::ok("espeak_ng", format!("{v}; Korean voice present"))
        }
        _ => Check::fail(
            "espeak_ng",
            format!("{v}; no Korean (ko) voice"),
            "install espeak-ng-data with the ko voice",
        ),
    }
}

pub fn check_disk(dir: &Path) -> Check {
    match fs4::available_space(dir) {
        Ok(bytes) => {
            let gib = bytes as f64 / (1u64 << 30) as f64;
            let detail = format!("{gib:.1} GiB free at {}", dir.display());
            if gib < 1.0 {
                Check::fail(
                    "disk",
                    detail,
                    "free space: an episode's render needs about 1 GiB of scratch space",
                )
            } else if gib < 5.0 {
                Check::warn(
                    "disk",
                    detail,
                    "less than 5 GiB free; unattended production may stop when it runs out",
                )
            } else {
                Check::ok("disk", detail)
            }
        }
        Err(e) => Check::warn(
            "disk",
            format!("free space unknown: {e}"),
            "check that the data directory is on a local disk",
        ),
    }
}
