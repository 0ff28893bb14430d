//! Drawn text (thumbnails, title cards): shaped, with font fallback, so every character of a title that a person
//! or an LLM wrote — Hangul, hanja, Latin with combining marks, symbols, emoji — is drawn, or deliberately left
//! out and reported.
//!
//! Shaping, bidi and fallback are `cosmic-text` (HarfRust shaping, `fontdb` font database, per-script fallback
//! lists, then every installed face); rasterising is `swash` (outlines and colour bitmaps such as Noto Color
//! Emoji). The fallback chain is: the requested font (the bundled NanumGothic), the other fonts bundled beside it,
//! then the system's fonts. A character that no font has (it would be drawn as the missing-glyph box) is left out
//! of the drawing and returned by [`missing_glyphs`], so callers can note it.
//!
//! One font system is shared by the process (loading the system's fonts takes a moment) behind a mutex.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};

use cosmic_text::{
    Attrs, Buffer, Color, Family, FontSystem, Metrics, Shaping, Stretch, Style, SwashCache, Weight,
};
use image::RgbImage;

use crate::thumbnail::ThumbnailError;

struct Shared {
    system: FontSystem,
    cache: SwashCache,
    /// Font file → (family, weight, style, stretch) of its first face.
    loaded: HashMap<PathBuf, (String, Weight, Style, Stretch)>,
}

fn shared() -> MutexGuard<'static, Shared> {
    static SHARED: OnceLock<Mutex<Shared>> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            let mut db = cosmic_text::fontdb::Database::new();
            db.load_system_fonts();
            Mutex::new(Shared {
                system: FontSystem::new_with_locale_and_db("ko-KR".into(), db),
                cache: SwashCache::new(),
                loaded: HashMap::new(),
            })
        })
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// A font to draw with: the face of a font file, with the fallback chain behind it.
#[derive(Debug, Clone)]
pub struct Typeface {
    family: String,
    weight: Weight,
    style: Style,
    stretch: Stretch,
}

/// Where and how a run of text is drawn: left x, baseline y, fill colour, black outline width in pixels.
pub(crate) struct Pen {
    pub(crate) x: f32,
    pub(crate) baseline: f32,
    pub(crate) colour: [u8; 3],
    pub(crate) outline: i32,
}

/// Loads a font file (TTF/OTF) and the fonts bundled beside it into the shared font system.
///
/// # Errors
/// [`ThumbnailError::Font`] when the file cannot be read or holds no font face.
pub fn typeface(path: &Path) -> Result<Typeface, ThumbnailError> {
    let err = |m: String| ThumbnailError::Font {
        path: path.display().to_string(),
        message: m,
    };
    let mut sh = shared();
    if let Some((family, weight, style, stretch)) = sh.loaded.get(path) {
        return Ok(Typeface {
            family: family.clone(),
            weight: *weight,
            style: *style,
            stretch: *stretch,
        });
    }
    let data = std::fs::read(path).map_err(|e| err(e.to_string()))?;
    let ids = sh
        .system
        .db_mut()
        .load_font_source(cosmic_text::fontdb::Source::Binary(std::sync::Arc::new(
            data,
        )));
    let face = ids
        .first()
        .and_then(|id| sh.system.db().face(*id))
        .ok_or_else(|| err("no font face in the file".into()))?;
    let family = face
        .families
        .first()
        .map(|(f, _)| f.clone())
        .ok_or_else(|| err("the font has no family name".into()))?;
    let entry = (family.clone(), face.weight, face.style, face.stretch);
    // The other bundled fonts (fallbacks shipped with the studio) join the chain once.
    if let Some(dir) = path.parent()
        && !sh.loaded.keys().any(|p| p.parent() == Some(dir))
    {
        sh.system.db_mut().load_fonts_dir(dir);
    }
    sh.loaded.insert(path.to_path_buf(), entry.clone());
    Ok(Typeface {
        family,
        weight: entry.1,
        style: entry.2,
        stretch: entry.3,
    })
}

impl Typeface {
    fn attrs(&self) -> Attrs<'_> {
        Attrs::new()
            .family(Family::Name(&self.family))
            .weight(self.weight)
            .style(self.style)
            .stretch(self.stretch)
    }

    /// A one-line buffer of `text` at `px`, shaped.
    fn buffer(&self, sh: &mut Shared, px: f32, text: &str) -> Buffer {
        let px = px.max(1.0);
        let mut b = Buffer::new(&mut sh.system, Metrics::new(px, px * 1.25));
        b.set_size(None, None);
        b.set_text(text, &self.attrs(), Shaping::Advanced, None);
        b.shape_until_scroll(&mut sh.system, false);
        b
    }

    /// Width in pixels of `text` at `px` pixels per em (after shaping and fallback).
    pub fn width(&self, px: f32, text: &str) -> f32 {
        let mut sh = shared();
        let b = self.buffer(&mut sh, px, text);
        b.layout_runs().map(|r| r.line_w).fold(0.0, f32::max)
    }

    /// Distance from the top of the line to the baseline at `px`.
    pub fn ascent(&self, px: f32) -> f32 {
        let mut sh = shared();
        let b = self.buffer(&mut sh, px, "가");
        b.layout_runs()
            .next()
            .map_or(px * 0.8, |r| r.line_y - r.line_top)
    }
}

/// Characters that would be drawn as the missing-glyph box in every font of the chain, in order of first
/// appearance, each once (whitespace and invisible joiners never count).
pub fn missing_glyphs(face: &Typeface, text: &str) -> Vec<char> {
    let mut sh = shared();
    let b = face.buffer(&mut sh, 32.0, text);
    let mut out: Vec<char> = Vec::new();
    for run in b.layout_runs() {
        for g in run.glyphs {
            if g.glyph_id != 0 {
                continue;
            }
            for c in run.text[g.start..g.end].chars() {
                if !c.is_whitespace() && !c.is_control() && !invisible(c) && !out.contains(&c) {
                    out.push(c);
                }
            }
        }
    }
    out
}

/// Joiners and variation selectors: shaped into their neighbours, never drawn alone.
fn invisible(c: char) -> bool {
    matches!(c as u32, 0x200B..=0x200F | 0xFE00..=0xFE0F | 0xE0100..=0xE01EF | 0x2060..=0x2064)
}

/// `text` without the characters no font can draw (see [`missing_glyphs`]), and those characters.
pub fn drawable(face: &Typeface, text: &str) -> (String, Vec<char>) {
    let missing = missing_glyphs(face, text);
    if missing.is_empty() {
        return (text.to_string(), missing);
    }
    (
        text.chars().filter(|c| !missing.contains(c)).collect(),
        missing,
    )
}

/// Draws `text` (one line) with its outline, then its fill (colour glyphs such as emoji keep their colours).
/// Characters no font has are left out.
pub(crate) fn draw_text(img: &mut RgbImage, face: &Typeface, px: f32, pen: Pen, text: &str) {
    let (text, _) = drawable(face, text);
    let mut sh = shared();
    let mut b = face.buffer(&mut sh, px, &text);
    let top = b
        .layout_runs()
        .next()
        .map_or(pen.baseline - px * 0.8, |r| pen.baseline - r.line_y);
    let (ox, oy) = (pen.x.round() as i32, top.round() as i32);
    // Coverage of the text (for the outline) and the fill pixels, gathered once.
    let mut fill: Vec<(i32, i32, Color)> = Vec::new();
    let Shared { system, cache, .. } = &mut *sh;
    let [r, g, bl] = pen.colour;
    b.draw(
        system,
        cache,
        Color::rgba(r, g, bl, 255),
        |x, y, w, h, c| {
            for dy in 0..h as i32 {
                for dx in 0..w as i32 {
                    fill.push((x + dx + ox, y + dy + oy, c));
                }
            }
        },
    );
    drop(sh);
    let (iw, ih) = (img.width() as i32, img.height() as i32);
    let mut blend = |px: i32, py: i32, a: f32, col: [u8; 3]| {
        if px < 0 || py < 0 || px >= iw || py >= ih || a <= 0.0 {
            return;
        }
        let p = img.get_pixel_mut(px as u32, py as u32);
        let a = a.min(1.0);
        for (c, t) in p.0.iter_mut().zip(col) {
            *c = (f32::from(*c) * (1.0 - a) + f32::from(t) * a).round() as u8;
        }
    };
    if pen.outline > 0 {
        let o = pen.outline;
        let disc: Vec<(i32, i32)> = (-o..=o)
            .flat_map(|dy| (-o..=o).map(move |dx| (dx, dy)))
            .filter(|(dx, dy)| (*dx, *dy) != (0, 0) && dx * dx + dy * dy <= o * o)
            .collect();
        for (x, y, c) in &fill {
            let a = f32::from(c.a()) / 255.0;
            for (dx, dy) in &disc {
                blend(x + dx, y + dy, a, [0, 0, 0]);
            }
        }
    }
    for (x, y, c) in fill {
        blend(x, y, f32::from(c.a()) / 255.0, [c.r(), c.g(), c.b()]);
    }
}

/// Splits text into at most `max_lines` lines that fit `width` at `px`, shortening the last with "…".
pub(crate) fn wrap(
    face: &Typeface,
    px: f32,
    text: &str,
    width: f32,
    max_lines: usize,
) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let cand = if cur.is_empty() {
            word.to_string()
        } else {
            format!("{cur} {word}")
        };
        if face.width(px, &cand) <= width || cur.is_empty() {
            cur = cand;
        } else {
            lines.push(std::mem::take(&mut cur));
            cur = word.to_string();
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    if lines.len() > max_lines.max(1) {
        let rest = lines.split_off(max_lines.max(1) - 1).join(" ");
        lines.push(rest);
    }
    for l in &mut lines {
        if face.width(px, l) > width {
            let mut chars: Vec<char> = l.chars().collect();
            while !chars.is_empty()
                && face.width(px, &format!("{}…", chars.iter().collect::<String>())) > width
            {
                chars.pop();
            }
            *l = format!("{}…", chars.iter().collect::<String>().trim_end());
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bold() -> Typeface {
        typeface(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/fonts/NanumGothic-Bold.ttf"),
        )
        .unwrap()
    }

    #[test]
    fn every_character_of_a_mixed_title_has_a_glyph() {
        // Hangul, hanja, Latin, an emoji (with its variation selector), a combining acute accent and a symbol.
        let title = "우리 사이 💘 愛情 Café e\u{301} ❤\u{fe0f} ♪";
        assert_eq!(missing_glyphs(&bold(), title), Vec::<char>::new());
    }

    #[test]
    fn a_character_no_font_has_is_left_out_and_named() {
        // A private-use code point: no font in the chain draws it.
        let (text, missing) = drawable(&bold(), "계약 \u{10FFFD}끝");
        assert_eq!(missing, ['\u{10FFFD}']);
        assert_eq!(text, "계약 끝");
        assert!(!text.contains('\u{10FFFD}'));
    }

    #[test]
    fn emoji_are_drawn_in_colour_not_as_boxes() {
        let face = bold();
        let mut img = RgbImage::from_pixel(200, 100, image::Rgb([0, 0, 0]));
        let pen = Pen {
            x: 10.0,
            baseline: 70.0,
            colour: [255, 255, 255],
            outline: 0,
        };
        draw_text(&mut img, &face, 60.0, pen, "💘");
        // A white box outline would be white/grey only; the emoji has saturated colour.
        let coloured = img
            .pixels()
            .filter(|p| {
                let [r, g, b] = p.0;
                r.max(g).max(b) - r.min(g).min(b) > 80
            })
            .count();
        assert!(coloured > 200, "{coloured} coloured pixels");
    }
}
