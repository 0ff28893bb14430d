//! Keeping characters recognisable: the series look (locked words and a style image for every still and clip), what
//! a shot records about its characters' references, and the drift check that compares a paid still with the
//! references of the characters it shows.
//!
//! The drift check compares **outfits only**: no face-identity model ships with the studio. The ones that run
//! locally in a maintained Rust runtime (ArcFace/InsightFace through `ort`) carry non-commercial licences or would
//! have to be downloaded at run time, which the studio does not do. So faces are reported as not checked
//! ([`FaceCheck::NotChecked`]), and the outfit check is a colour comparison: the hue–saturation histogram of the
//! reference's subject (the centre of a portrait on a plain background) against the best-matching window of the
//! shot (a character may stand anywhere in a frame).

use std::path::Path;

use serde::{Deserialize, Serialize};

/// How long an uploaded reference is named by its URL before it is uploaded again: inside the 30 days the upload
/// asks the provider to keep it (fal's `X-Fal-Object-Lifecycle-Preference`).
pub const UPLOAD_REUSE_DAYS: i64 = 25;

/// The look every still and clip of a series shares, locked the first time the series' pictures are made (settings
/// key `look/<series>`), so a change to `[visuals] look` later does not change a running series' pictures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesLook {
    /// Words added to every still and clip prompt (style, colour grade, lens).
    pub words: String,
    /// What no still or clip may show.
    pub negative: String,
    /// The style image, relative to the data directory: one establishing frame in the look, given to reference
    /// models beside the characters' references. Empty while no reference model is used.
    pub style_image: String,
    /// What made the style image ("offline-procedural", a model id).
    pub generator: String,
}

/// What a shot with characters records about their references.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShotIdentity {
    /// The characters the shot shows (ids).
    pub characters: Vec<String>,
    /// Whether their reference images were given to the model that made the still or keyframe.
    pub conditioned: bool,
    /// Whether the series' style image was given too.
    pub style_image: bool,
    /// The drift check of a paid still (`None` for offline stills, which are drawn from the text).
    #[serde(default)]
    pub drift: Option<DriftCheck>,
    /// What the characters wear in this shot when the story changed their clothes (character id → outfit, in the
    /// story's words).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub outfits: std::collections::BTreeMap<String, String>,
    /// Characters shown in an outfit no reference of theirs shows: the model got their usual reference for the
    /// face and the outfit in words, and their clothes were not compared.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outfit_unchecked: Vec<String>,
}

/// What a character wears in a shot when the story changed their clothes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Worn {
    /// The outfit in the story's words ("하얀 웨딩드레스"), as the reference sets name it.
    pub outfit: String,
    /// The words the image and video models get: the writer's English (`outfit_prompt`), else `outfit`.
    pub words: String,
}

/// What each character wears in each shot of an episode (character id → [`Worn`], for those not in their usual
/// look): the outfit they wore after the previous episode (`before`, from the story memory: id → (outfit, English
/// words)), changed by the episode's `character_developments` from the scene they name (`outfit_scene`, the whole
/// episode when absent). Of several changes for one character, a shot takes the one from the latest scene at or
/// before its own (on the same scene, the later in the list, as the story memory keeps the last); an empty outfit
/// is a return to the usual look. `casts` are the shots' characters ([`super::shot_casts`]); a development names a
/// character by id or by name, trimmed, as the story memory resolves it.
pub fn shot_outfits(
    script: &studio_domain::EpisodeScript,
    characters: &[studio_domain::Character],
    casts: &[Vec<String>],
    before: &std::collections::BTreeMap<String, (String, String)>,
) -> Vec<std::collections::BTreeMap<String, Worn>> {
    let mut changes: Vec<(&str, Worn, u32)> = Vec::new();
    for d in &script.character_developments {
        let Some(o) = d.outfit.as_deref() else {
            continue;
        };
        let who = d.character.trim();
        let Some(c) = characters.iter().find(|c| c.id == who || c.name == who) else {
            tracing::warn!(character = %d.character, "an outfit change names nobody in the cast; it is not drawn");
            continue;
        };
        let outfit = o.trim().to_string();
        let words = d
            .outfit_prompt
            .as_deref()
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .unwrap_or(&outfit)
            .to_string();
        changes.push((
            c.id.as_str(),
            Worn { outfit, words },
            d.outfit_scene.unwrap_or(0),
        ));
    }
    script
        .storyboard
        .iter()
        .enumerate()
        .map(|(i, shot)| {
            casts
                .get(i)
                .into_iter()
                .flatten()
                .filter_map(|id| {
                    // The latest change by this shot's scene; on a tie the later one.
                    let changed = changes
                        .iter()
                        .filter(|(c, _, from)| c == id && *from <= shot.scene)
                        .max_by_key(|(_, _, from)| *from)
                        .map(|(_, w, _)| w.clone());
                    let wears = changed.or_else(|| {
                        before.get(id).map(|(o, p)| Worn {
                            outfit: o.clone(),
                            words: if p.is_empty() { o.clone() } else { p.clone() },
                        })
                    })?;
                    (!wears.outfit.is_empty()).then(|| (id.clone(), wears))
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod outfit_tests {
    use super::*;
    use studio_domain::{CharacterDevelopment, EpisodeScript, Shot};

    fn script(changes: Vec<CharacterDevelopment>) -> EpisodeScript {
        let shot = |scene: u32| Shot {
            scene,
            visual: String::new(),
            video_prompt: String::new(),
            emotion: String::new(),
            duration_sec: 1.0,
            clip_priority: Default::default(),
        };
        EpisodeScript {
            storyboard: (1..=5).map(shot).collect(),
            character_developments: changes,
            ..serde_json::from_value(serde_json::json!({
                "episode_number": 2, "title": "t", "summary": "s", "scenes": [], "storyboard": [],
                "cliffhanger": "c"
            }))
            .unwrap()
        }
    }

    fn change(who: &str, outfit: &str, scene: Option<u32>) -> CharacterDevelopment {
        CharacterDevelopment {
            character: who.into(),
            outfit: Some(outfit.into()),
            outfit_scene: scene,
            ..Default::default()
        }
    }

    fn cast() -> Vec<studio_domain::Character> {
        serde_json::from_value(serde_json::json!([{
            "id": "CHAR001", "name": "한서윤", "role": "주인공", "importance": "main",
            "voice_profile": { "gender": "female", "age_group": "20s", "tone": "밝음" }
        }]))
        .unwrap()
    }

    fn worn(v: &[std::collections::BTreeMap<String, Worn>]) -> Vec<Option<String>> {
        v.iter()
            .map(|m| m.get("CHAR001").map(|w| w.outfit.clone()))
            .collect()
    }

    #[test]
    fn each_shot_wears_the_latest_change_by_its_scene() {
        let casts = vec![vec!["CHAR001".to_string()]; 5];
        let mut before = std::collections::BTreeMap::new();
        before.insert(
            "CHAR001".to_string(),
            ("교복".to_string(), "a school uniform".to_string()),
        );
        // Named by name with spaces; a suit from scene 2, back to the usual look from scene 4 (listed first, so
        // list order alone would get it wrong).
        let s = script(vec![
            change("CHAR001", "", Some(4)),
            change(" 한서윤 ", "검은 정장", Some(2)),
        ]);
        let got = shot_outfits(&s, &cast(), &casts, &before);
        assert_eq!(
            worn(&got),
            vec![
                Some("교복".into()),
                Some("검은 정장".into()),
                Some("검은 정장".into()),
                None,
                None
            ]
        );
        // The models get English words when the writer gave them, else the outfit as it is.
        assert_eq!(got[0]["CHAR001"].words, "a school uniform");
        assert_eq!(got[1]["CHAR001"].words, "검은 정장");
        // Two changes for the same scene: the later one, as the story memory keeps.
        let s = script(vec![
            change("CHAR001", "한복", Some(3)),
            change("CHAR001", "트렌치코트", Some(3)),
        ]);
        assert_eq!(
            worn(&shot_outfits(&s, &cast(), &casts, &Default::default()))[2],
            Some("트렌치코트".into())
        );
        // Nobody in the cast: nothing changes.
        let s = script(vec![change("유령", "한복", None)]);
        assert!(
            shot_outfits(&s, &cast(), &casts, &Default::default())
                .iter()
                .all(|m| m.is_empty())
        );
    }
}

/// Whether faces were compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaceCheck {
    /// No face-identity model ships with the studio (see the module header).
    NotChecked,
}

/// The result of comparing a still with its characters' references.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftCheck {
    /// The lowest outfit similarity over the shot's characters (0–1).
    pub outfit: f64,
    /// The character with that score.
    pub weakest: String,
    /// The least score that passes (`[visuals] drift_threshold`).
    pub threshold: f64,
    pub faces: FaceCheck,
    /// Whether the still was made once more after a first one fell below the threshold.
    pub retried: bool,
    /// Still below the threshold after the retry: shown in review.
    pub flagged: bool,
}

/// Hue bins × saturation bins of the histograms.
const HUE_BINS: usize = 18;
const SAT_BINS: usize = 3;

/// A normalised hue–saturation histogram of the pixels of `img` inside `(x0, y0, x1, y1)` (fractions of the size).
/// Grey pixels (saturation under 0.15) go to one bin per brightness third, so black, grey and white clothes count
/// too.
fn histogram(img: &image::RgbImage, region: (f64, f64, f64, f64)) -> Vec<f64> {
    let (w, h) = img.dimensions();
    let (x0, y0) = ((region.0 * w as f64) as u32, (region.1 * h as f64) as u32);
    let (x1, y1) = (
        ((region.2 * w as f64) as u32).min(w),
        ((region.3 * h as f64) as u32).min(h),
    );
    let mut bins = vec![0.0; HUE_BINS * SAT_BINS + 3];
    let mut n = 0.0;
    // Every second pixel in each direction is plenty for colours.
    for y in (y0..y1).step_by(2) {
        for x in (x0..x1).step_by(2) {
            let p = img.get_pixel(x, y);
            let (r, g, b) = (
                p[0] as f64 / 255.0,
                p[1] as f64 / 255.0,
                p[2] as f64 / 255.0,
            );
            let max = r.max(g).max(b);
            let min = r.min(g).min(b);
            let s = if max > 0.0 { (max - min) / max } else { 0.0 };
            let bin = if s < 0.15 {
                HUE_BINS * SAT_BINS + ((max * 3.0) as usize).min(2)
            } else {
                let d = max - min;
                let hue = if max == r {
                    ((g - b) / d).rem_euclid(6.0)
                } else if max == g {
                    (b - r) / d + 2.0
                } else {
                    (r - g) / d + 4.0
                } / 6.0;
                let hb = ((hue * HUE_BINS as f64) as usize).min(HUE_BINS - 1);
                let sb = (((s - 0.15) / 0.85 * SAT_BINS as f64) as usize).min(SAT_BINS - 1);
                hb * SAT_BINS + sb
            };
            bins[bin] += 1.0;
            n += 1.0;
        }
    }
    if n > 0.0 {
        bins.iter_mut().for_each(|b| *b /= n);
    }
    bins
}

/// Histogram intersection: 1 for the same colours in the same shares, 0 for none in common.
fn intersection(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x.min(*y)).sum()
}

fn load(path: &Path) -> Result<image::RgbImage, String> {
    Ok(image::ImageReader::open(path)
        .and_then(|r| r.with_guessed_format())
        .map_err(|e| format!("{}: {e}", path.display()))?
        .decode()
        .map_err(|e| format!("{}: {e}", path.display()))?
        .to_rgb8())
}

/// How closely the clothes in `shot` match the character in `reference` (0–1): the reference's subject — the middle
/// half of a portrait, from just below the face to the bottom — against windows of the shot at two sizes (see the
/// loop), best match wins. It compares colours, so it tells a red coat from a green dress, not one person from
/// another in the same clothes.
///
/// # Errors
/// Either file does not open or decode as an image.
pub fn outfit_similarity(reference: &Path, shot: &Path) -> Result<f64, String> {
    let r = load(reference)?;
    let s = load(shot)?;
    let subject = histogram(&r, (0.3, 0.45, 0.7, 1.0));
    let mut best: f64 = 0.0;
    // Two window sizes: a third of the width by half the height (a character in a medium shot), and a sixth by a
    // third (one further away); each moved by half its size.
    for (w, h) in [(1.0 / 3.0, 0.5), (1.0 / 6.0, 1.0 / 3.0)] {
        let (sx, sy) = (w / 2.0, h / 2.0);
        let mut y0 = 0.0;
        while y0 + h <= 1.0 + 1e-9 {
            let mut x0 = 0.0;
            while x0 + w <= 1.0 + 1e-9 {
                let window = histogram(&s, (x0, y0, x0 + w, y0 + h));
                best = best.max(intersection(&subject, &window));
                x0 += sx;
            }
            y0 += sy;
        }
    }
    Ok(best)
}

/// The drift check of one still: every character's outfit similarity; the weakest decides.
///
/// # Errors
/// A reference or the still does not decode.
pub fn check_drift(
    still: &Path,
    references: &[(String, std::path::PathBuf)],
    threshold: f64,
) -> Result<DriftCheck, String> {
    let mut weakest = (String::new(), 1.0f64);
    for (id, path) in references {
        let score = outfit_similarity(path, still)?;
        if score < weakest.1 {
            weakest = (id.clone(), score);
        }
    }
    Ok(DriftCheck {
        outfit: (weakest.1 * 1000.0).round() / 1000.0,
        weakest: weakest.0,
        threshold,
        faces: FaceCheck::NotChecked,
        retried: false,
        flagged: weakest.1 < threshold,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A figure: a face-coloured head over a torso of `coat`, at (`cx`, `top`) with height `tall` (pixels).
    fn figure(img: &mut image::RgbImage, cx: u32, top: u32, tall: u32, coat: [u8; 3]) {
        let head = tall / 4;
        for y in top..(top + tall).min(img.height()) {
            for x in cx.saturating_sub(tall / 4)..(cx + tall / 4).min(img.width()) {
                let in_head = y < top + head && (x as i64 - cx as i64).abs() < (head / 2) as i64;
                if in_head {
                    img.put_pixel(x, y, image::Rgb([224, 182, 150]));
                } else if y >= top + head {
                    img.put_pixel(x, y, image::Rgb(coat));
                }
            }
        }
    }

    fn picture(
        dir: &Path,
        name: &str,
        w: u32,
        h: u32,
        background: [u8; 3],
        figures: &[(u32, u32, u32, [u8; 3])],
    ) -> std::path::PathBuf {
        let mut img = image::RgbImage::from_pixel(w, h, image::Rgb(background));
        // A little texture in the background, as in a real room.
        for y in (0..h).step_by(7) {
            for x in 0..w {
                img.put_pixel(
                    x,
                    y,
                    image::Rgb([background[0] / 2, background[1] / 2, background[2] / 2]),
                );
            }
        }
        for &(cx, top, tall, coat) in figures {
            figure(&mut img, cx, top, tall, coat);
        }
        let p = dir.join(name);
        img.save(&p).unwrap();
        p
    }

    const RED_COAT: [u8; 3] = [178, 34, 40];
    const NAVY_SUIT: [u8; 3] = [30, 40, 110];
    const GREEN_DRESS: [u8; 3] = [40, 140, 70];
    const BLACK_COAT: [u8; 3] = [22, 22, 24];

    /// The small test set: two portraits on a plain background (red coat, navy suit), and shots in other rooms with
    /// the same people smaller and off-centre, the same person in another outfit, and two people at once.
    #[test]
    fn the_same_outfit_passes_and_another_outfit_is_flagged() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let red_ref = picture(
            d,
            "ref-red.png",
            512,
            512,
            [200, 200, 205],
            &[(256, 60, 440, RED_COAT)],
        );
        let navy_ref = picture(
            d,
            "ref-navy.png",
            512,
            512,
            [200, 200, 205],
            &[(256, 60, 440, NAVY_SUIT)],
        );
        let black_ref = picture(
            d,
            "ref-black.png",
            512,
            512,
            [200, 200, 205],
            &[(256, 60, 440, BLACK_COAT)],
        );
        // A warm café, the red-coated character small on the left.
        let same = picture(
            d,
            "same.png",
            960,
            540,
            [150, 110, 70],
            &[(200, 150, 360, RED_COAT)],
        );
        // The same café and place, but a green dress.
        let other = picture(
            d,
            "other.png",
            960,
            540,
            [150, 110, 70],
            &[(200, 150, 360, GREEN_DRESS)],
        );
        // Both characters in an office at night.
        let both = picture(
            d,
            "both.png",
            960,
            540,
            [60, 70, 80],
            &[(250, 120, 400, RED_COAT), (700, 120, 400, NAVY_SUIT)],
        );
        // A dark-clothed character in a dim room: grey counts as a colour, so black matches black.
        let dim = picture(
            d,
            "dim.png",
            960,
            540,
            [90, 80, 70],
            &[(600, 100, 420, BLACK_COAT)],
        );

        let same_score = outfit_similarity(&red_ref, &same).unwrap();
        let other_score = outfit_similarity(&red_ref, &other).unwrap();
        assert!(same_score > 0.6, "same outfit: {same_score}");
        assert!(other_score < 0.3, "another outfit: {other_score}");
        assert!(outfit_similarity(&black_ref, &dim).unwrap() > 0.6);
        assert!(
            outfit_similarity(&navy_ref, &same).unwrap() < 0.3,
            "another person's suit is not in the café"
        );

        let threshold = crate::visuals::VisualConfig::default().drift_threshold;
        let refs = vec![
            ("CHAR001".to_string(), red_ref.clone()),
            ("CHAR002".to_string(), navy_ref.clone()),
        ];
        let ok = check_drift(&both, &refs, threshold).unwrap();
        assert!(!ok.flagged, "{ok:?}");
        assert_eq!(ok.faces, FaceCheck::NotChecked);
        // The café shows only the red coat: the navy-suited character drifted (or is missing) — the weakest decides.
        let drifted = check_drift(&same, &refs, threshold).unwrap();
        assert!(
            drifted.flagged && drifted.weakest == "CHAR002",
            "{drifted:?}"
        );
        assert!(check_drift(&other, &refs[..1], threshold).unwrap().flagged);
        assert!(check_drift(&d.join("missing.png"), &refs, threshold).is_err());
    }
}
