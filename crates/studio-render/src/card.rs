//! Title cards drawn in process: the default intro (series title, episode badge, episode title) and outro (the
//! next episode's teaser and a sign-off) when `assets/` holds no intro or outro of its own. Text is centred in the
//! bundled Korean font with an outline (shaped, with font fallback: see `crate::text`), wrapped and shortened to fit.

use std::path::Path;

use image::{Rgb, RgbImage};

use crate::text::{Pen, draw_text, wrap};
use crate::thumbnail::ThumbnailError;

#[derive(Debug, Clone)]
pub struct CardLine {
    pub text: String,
    /// Pixels at 1080p (scaled to the card's height).
    pub size: f32,
    pub colour: [u8; 3],
}

/// A `w`×`h` card: a dark vertical gradient tinted by `tint`, the lines centred as a block.
pub fn title_card(
    w: u32,
    h: u32,
    font: &Path,
    tint: [u8; 3],
    lines: &[CardLine],
) -> Result<RgbImage, ThumbnailError> {
    let face = crate::text::typeface(font)?;
    let (w, h) = (w.max(16), h.max(16));
    let mut img = RgbImage::from_fn(w, h, |_, y| {
        let t = y as f32 / h as f32;
        let k = 0.45 * (1.0 - t) + 0.08;
        Rgb(tint.map(|c| (f32::from(c) * k) as u8))
    });
    let unit = h as f32 / 1080.0;
    let max_width = w as f32 * 0.84;
    // Lay out first (each line may wrap to two), then centre the block vertically.
    let mut rows: Vec<(String, f32, [u8; 3])> = Vec::new();
    for l in lines.iter().filter(|l| !l.text.trim().is_empty()) {
        let px = l.size * unit;
        for row in wrap(&face, px, l.text.trim(), max_width, 2) {
            rows.push((row, px, l.colour));
        }
    }
    let gap = 0.35;
    let block: f32 = rows.iter().map(|(_, s, _)| s * (1.0 + gap)).sum();
    let mut y = (h as f32 - block) / 2.0;
    for (text, px, colour) in rows {
        y += px;
        let tw = face.width(px, &text);
        draw_text(
            &mut img,
            &face,
            px,
            Pen {
                x: (w as f32 - tw) / 2.0,
                baseline: y,
                colour,
                outline: (3.0 * unit).round().max(1.0) as i32,
            },
            &text,
        );
        y += px * gap;
    }
    Ok(img)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn font() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/fonts/NanumGothic-Bold.ttf")
    }

    #[test]
    fn a_card_has_centred_text_on_a_dark_ground() {
        let img = title_card(
            640,
            360,
            &font(),
            [40, 60, 140],
            &[
                CardLine {
                    text: "첫사랑의 온도".into(),
                    size: 120.0,
                    colour: [255, 255, 255],
                },
                CardLine {
                    text: "EP.1 · 다시 만난 날".into(),
                    size: 64.0,
                    colour: [255, 210, 90],
                },
            ],
        )
        .unwrap();
        let bright = |x0: u32, x1: u32, y0: u32, y1: u32| {
            let mut n = 0;
            for y in y0..y1 {
                for x in x0..x1 {
                    if img.get_pixel(x, y).0.iter().all(|c| *c > 200) {
                        n += 1;
                    }
                }
            }
            n
        };
        assert!(bright(160, 480, 100, 260) > 500, "text in the middle");
        assert_eq!(bright(0, 640, 0, 60), 0, "nothing at the top");
        assert_eq!(bright(0, 80, 0, 360), 0, "nothing at the left edge");
        // Dark ground: the corner is well below mid-grey.
        assert!(img.get_pixel(2, 2).0.iter().all(|c| *c < 100));
        assert!(title_card(64, 36, Path::new("/no/such/font.ttf"), [0, 0, 0], &[]).is_err());
    }
}
