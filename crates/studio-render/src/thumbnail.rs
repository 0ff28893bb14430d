//! # Thumbnails
//!
//! A 1280×720 JPEG (YouTube's recommended thumbnail size, ≤ 2 MB) from a key frame: the frame is scaled to fill
//! and centre-cropped, the bottom darkened so text reads on any picture, the episode badge drawn top left and the
//! series title (and the episode title, smaller) bottom left in the bundled Korean font with a black outline,
//! shaped and with font fallback (`crate::text`): emoji, hanja and symbols are drawn, never as boxes.
//! Text that does not fit is scaled down, then wrapped, then shortened with "…". JPEG quality steps down until
//! the file is under the limit.

use std::path::Path;

use image::{Rgb, imageops};

use crate::text::{Pen, draw_text, wrap};

pub const THUMB_WIDTH: u32 = 1280;
pub const THUMB_HEIGHT: u32 = 720;
pub const THUMB_MAX_BYTES: u64 = 2 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ThumbnailError {
    #[error("key frame {path}: {message}")]
    Frame { path: String, message: String },
    #[error("font {path}: {message}")]
    Font { path: String, message: String },
    #[error("writing {path}: {message}")]
    Write { path: String, message: String },
}

#[derive(Debug, Clone, Default)]
pub struct ThumbnailText {
    /// The series title (large).
    pub title: String,
    /// "EP.3" (badge).
    pub badge: String,
    /// The episode title (smaller, under the series title).
    pub subtitle: String,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ThumbnailInfo {
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    pub jpeg_quality: u8,
    /// Characters of the title, episode title or badge that no font could draw, left out of the picture.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left_out: Vec<char>,
}

/// Makes the thumbnail from `frame` (PNG or JPEG) with `font` (TTF/OTF) into `out` (JPEG).
pub fn make_thumbnail(
    frame: &Path,
    font: &Path,
    text: &ThumbnailText,
    out: &Path,
) -> Result<ThumbnailInfo, ThumbnailError> {
    let ferr = |m: String| ThumbnailError::Frame {
        path: frame.display().to_string(),
        message: m,
    };
    let src = image::ImageReader::open(frame)
        .map_err(|e| ferr(e.to_string()))?
        .with_guessed_format()
        .map_err(|e| ferr(e.to_string()))?
        .decode()
        .map_err(|e| ferr(e.to_string()))?
        .to_rgb8();
    if src.width() == 0 || src.height() == 0 {
        return Err(ferr("the image is empty".into()));
    }
    let face = crate::text::typeface(font)?;
    let mut left_out: Vec<char> = Vec::new();
    for t in [&text.title, &text.subtitle, &text.badge] {
        for c in crate::text::missing_glyphs(&face, t) {
            if !left_out.contains(&c) {
                left_out.push(c);
            }
        }
    }

    // Fill and centre-crop.
    let (w, h) = (THUMB_WIDTH, THUMB_HEIGHT);
    let s = (f64::from(w) / f64::from(src.width())).max(f64::from(h) / f64::from(src.height()));
    let (sw, sh) = (
        ((f64::from(src.width()) * s).ceil() as u32).max(w),
        ((f64::from(src.height()) * s).ceil() as u32).max(h),
    );
    let scaled = imageops::resize(&src, sw, sh, imageops::FilterType::CatmullRom);
    let mut img = imageops::crop_imm(&scaled, (sw - w) / 2, (sh - h) / 2, w, h).to_image();

    // Darken the bottom 45% progressively so white text reads on bright frames.
    let start = (f64::from(h) * 0.55) as u32;
    for y in start..h {
        let t = f64::from(y - start) / f64::from(h - start);
        let k = 1.0 - 0.65 * t;
        for x in 0..w {
            let p = img.get_pixel_mut(x, y);
            for c in &mut p.0 {
                *c = (f64::from(*c) * k) as u8;
            }
        }
    }

    let margin = 56.0;
    // Badge: a yellow box with black text, top left.
    if !text.badge.trim().is_empty() {
        let px = 64.0;
        let bw = face.width(px, text.badge.trim()) + 40.0;
        let (bx, by, bh) = (margin as u32, 40u32, 88u32);
        for y in by..(by + bh).min(h) {
            for x in bx..((bx as f32 + bw) as u32).min(w) {
                img.put_pixel(x, y, Rgb([255, 214, 0]));
            }
        }
        let asc = face.ascent(px);
        draw_text(
            &mut img,
            &face,
            px,
            Pen {
                x: margin + 20.0,
                baseline: by as f32 + (bh as f32 + asc * 0.75) / 2.0,
                colour: [20, 20, 20],
                outline: 0,
            },
            text.badge.trim(),
        );
    }

    // Title and subtitle, bottom left, sized to fit.
    let width = w as f32 - 2.0 * margin;
    let mut size = 112.0f32;
    while size > 64.0 && face.width(size, text.title.trim()) > width {
        size -= 4.0;
    }
    let title_lines = wrap(&face, size, text.title.trim(), width, 2);
    let sub_px = 56.0;
    let sub_lines = if text.subtitle.trim().is_empty() {
        vec![]
    } else {
        wrap(&face, sub_px, text.subtitle.trim(), width, 1)
    };
    let mut baseline = h as f32 - margin;
    for l in sub_lines.iter().rev() {
        let pen = Pen {
            x: margin,
            baseline,
            colour: [255, 235, 160],
            outline: 3,
        };
        draw_text(&mut img, &face, sub_px, pen, l);
        baseline -= sub_px * 1.3;
    }
    for l in title_lines.iter().rev() {
        let pen = Pen {
            x: margin,
            baseline,
            colour: [255, 255, 255],
            outline: 5,
        };
        draw_text(&mut img, &face, size, pen, l);
        baseline -= size * 1.15;
    }

    // Encode, stepping quality down until it fits.
    let werr = |m: String| ThumbnailError::Write {
        path: out.display().to_string(),
        message: m,
    };
    let mut quality = 92u8;
    loop {
        let mut buf = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut buf, quality)
            .encode_image(&img)
            .map_err(|e| werr(e.to_string()))?;
        if buf.len() as u64 <= THUMB_MAX_BYTES || quality <= 40 {
            std::fs::write(out, &buf).map_err(|e| werr(e.to_string()))?;
            return Ok(ThumbnailInfo {
                width: w,
                height: h,
                bytes: buf.len() as u64,
                jpeg_quality: quality,
                left_out,
            });
        }
        quality -= 8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::RgbImage;

    fn font() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/fonts/NanumGothic-Bold.ttf")
    }

    #[test]
    fn a_thumbnail_is_1280x720_jpeg_under_2mb_with_text_drawn() {
        let dir = tempfile::tempdir().unwrap();
        // A noisy 4:3 frame (hard to compress) checks both the crop and the size limit.
        let mut seed = 7u32;
        let frame = RgbImage::from_fn(1600, 1200, |_, _| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            Rgb([(seed >> 16) as u8, (seed >> 8) as u8, seed as u8])
        });
        let fp = dir.path().join("frame.png");
        frame.save(&fp).unwrap();
        let out = dir.path().join("thumb.jpg");
        let info = make_thumbnail(
            &fp,
            &font(),
            &ThumbnailText {
                title: "서울, 봄날의 계약".into(),
                badge: "EP.1".into(),
                subtitle: "최악의 첫 만남".into(),
            },
            &out,
        )
        .unwrap();
        let bytes = std::fs::metadata(&out).unwrap().len();
        assert_eq!(bytes, info.bytes);
        assert!(bytes <= THUMB_MAX_BYTES, "{bytes}");
        let img = image::open(&out).unwrap();
        assert_eq!((img.width(), img.height()), (1280, 720));
        assert_eq!(
            &std::fs::read(&out).unwrap()[..3],
            &[0xFF, 0xD8, 0xFF],
            "JPEG"
        );

        // On a flat grey frame, the text leaves white and black pixels in the bottom left, and the badge yellow.
        let grey = RgbImage::from_pixel(1920, 1080, Rgb([128, 128, 128]));
        grey.save(&fp).unwrap();
        make_thumbnail(
            &fp,
            &font(),
            &ThumbnailText {
                title: "서울, 봄날의 계약".into(),
                badge: "EP.12".into(),
                subtitle: String::new(),
            },
            &out,
        )
        .unwrap();
        let img = image::open(&out).unwrap().to_rgb8();
        let band = |y0: u32, y1: u32, pred: &dyn Fn(&Rgb<u8>) -> bool| {
            (y0..y1)
                .flat_map(|y| (0..1280).map(move |x| (x, y)))
                .filter(|&(x, y)| pred(img.get_pixel(x, y)))
                .count()
        };
        let white = |p: &Rgb<u8>| p.0.iter().all(|&c| c > 235);
        let black = |p: &Rgb<u8>| p.0.iter().all(|&c| c < 25);
        assert!(band(520, 700, &white) > 2000, "title pixels");
        assert!(band(520, 700, &black) > 2000, "outline pixels");
        assert_eq!(band(200, 400, &white), 0, "nothing drawn mid-frame");
        let yellow = |p: &Rgb<u8>| p.0[0] > 230 && p.0[1] > 190 && p.0[2] < 40;
        assert!(band(40, 128, &yellow) > 3000, "badge");
    }

    #[test]
    fn a_title_with_emoji_hanja_and_accents_is_drawn_whole() {
        let dir = tempfile::tempdir().unwrap();
        let fp = dir.path().join("frame.png");
        RgbImage::from_pixel(1280, 720, Rgb([60, 90, 120]))
            .save(&fp)
            .unwrap();
        let out = dir.path().join("thumb.jpg");
        let info = make_thumbnail(
            &fp,
            &font(),
            &ThumbnailText {
                title: "우리 사이 💘 愛 Cafe\u{301}".into(),
                badge: "EP.2 🤝".into(),
                subtitle: "계약 🤝".into(),
            },
            &out,
        )
        .unwrap();
        assert!(info.left_out.is_empty(), "{:?}", info.left_out);
        if let Ok(dump) = std::env::var("AIDAS_DUMP_THUMB") {
            std::fs::copy(&out, dump).unwrap();
        }
        // The heart and the handshake are drawn in colour (a box would be grey on grey).
        let img = image::open(&out).unwrap().to_rgb8();
        let coloured = img
            .pixels()
            .filter(|p| {
                let [r, g, b] = p.0;
                r > 180 && g < 120 && b > 100
            })
            .count();
        assert!(coloured > 100, "pink pixels of 💘: {coloured}");
    }

    #[test]
    fn a_long_title_is_wrapped_and_shortened_and_bad_inputs_say_which_file() {
        let dir = tempfile::tempdir().unwrap();
        let fp = dir.path().join("frame.png");
        RgbImage::from_pixel(640, 360, Rgb([40, 80, 120]))
            .save(&fp)
            .unwrap();
        let out = dir.path().join("t.jpg");
        make_thumbnail(
            &fp,
            &font(),
            &ThumbnailText {
                title: "아주 긴 제목이 계속 이어지는 드라마 ".repeat(8),
                badge: "EP.100".into(),
                subtitle: "부제 ".repeat(40),
            },
            &out,
        )
        .unwrap();
        let f = crate::text::typeface(&font()).unwrap();
        let lines = wrap(&f, 64.0, &"아주 긴 제목이 계속 ".repeat(20), 1168.0, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with('…'));
        assert!(lines.iter().all(|l| f.width(64.0, l) <= 1168.0));

        let bad = dir.path().join("broken.png");
        std::fs::write(&bad, b"not an image").unwrap();
        let e = make_thumbnail(&bad, &font(), &ThumbnailText::default(), &out).unwrap_err();
        assert!(e.to_string().contains("broken.png"), "{e}");
        let e = make_thumbnail(
            &fp,
            &dir.path().join("nofont.ttf"),
            &ThumbnailText::default(),
            &out,
        )
        .unwrap_err();
        assert!(e.to_string().contains("nofont.ttf"), "{e}");
    }
}
