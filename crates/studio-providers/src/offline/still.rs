//! Offline procedural stills: a composed 1920×1080 picture of the scene — sky and light from the time of day, a
//! setting drawn from the kind of place (interior with windows and furniture; street with buildings; park or river
//! with trees and water), the scene's characters as silhouettes, and a colour grade from the emotion. Deterministic
//! for a seed; different scenes get different pictures. Labelled offline in what the visuals stage records.

use image::{Rgb, RgbImage};

use super::rng::Rng;

pub const W: u32 = 1920;
pub const H: u32 = 1080;

#[derive(Debug, Clone)]
pub struct StillSpec<'a> {
    pub location: &'a str,
    /// 아침 / 낮 / 오후 / 저녁 / 밤 / 새벽 (or English).
    pub time: &'a str,
    pub emotion: &'a str,
    /// How many people to show (0–4).
    pub people: usize,
    pub seed: u64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Setting {
    Interior,
    Street,
    Nature,
}

fn setting(location: &str) -> Setting {
    let l = location.to_lowercase();
    if [
        "공원", "강", "한강", "옥상", "정원", "park", "river", "garden", "rooftop", "다리",
    ]
    .iter()
    .any(|k| l.contains(k))
    {
        Setting::Nature
    } else if [
        "골목",
        "거리",
        "정류장",
        "시장",
        "앞",
        "alley",
        "street",
        "stop",
        "market",
        "포장마차",
    ]
    .iter()
    .any(|k| l.contains(k))
    {
        Setting::Street
    } else {
        Setting::Interior
    }
}

/// (top, bottom, light level 0–1)
fn sky(time: &str) -> ([f32; 3], [f32; 3], f32) {
    let t = time.to_lowercase();
    if t.contains('밤') || t.contains("night") {
        ([8.0, 12.0, 35.0], [25.0, 30.0, 60.0], 0.25)
    } else if t.contains("새벽") || t.contains("dawn") {
        ([20.0, 30.0, 70.0], [90.0, 90.0, 130.0], 0.45)
    } else if t.contains("저녁") || t.contains("dusk") || t.contains("evening") {
        ([60.0, 40.0, 110.0], [240.0, 140.0, 80.0], 0.6)
    } else if t.contains("오후") || t.contains("afternoon") {
        ([120.0, 170.0, 230.0], [250.0, 220.0, 170.0], 0.85)
    } else if t.contains("아침") || t.contains("morning") {
        ([150.0, 190.0, 240.0], [250.0, 215.0, 190.0], 0.85)
    } else {
        ([90.0, 160.0, 240.0], [200.0, 225.0, 250.0], 1.0)
    }
}

/// A colour grade (multipliers) for the emotion.
fn grade(emotion: &str) -> [f32; 3] {
    let e = emotion.to_lowercase();
    if ["긴장", "분노", "intense", "dramatic", "tense", "angry"]
        .iter()
        .any(|k| e.contains(k))
    {
        [1.15, 0.85, 0.85]
    } else if ["슬픔", "sad", "쓸쓸", "의심"]
        .iter()
        .any(|k| e.contains(k))
    {
        [0.85, 0.92, 1.12]
    } else if ["설렘", "기쁨", "emotional", "exciting", "happy"]
        .iter()
        .any(|k| e.contains(k))
    {
        [1.1, 0.98, 1.02]
    } else {
        [1.0, 1.0, 1.0]
    }
}

fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

fn rect(img: &mut [[f32; 3]], x0: i64, y0: i64, x1: i64, y1: i64, c: [f32; 3], alpha: f32) {
    let (x0, x1) = (
        x0.clamp(0, W as i64) as usize,
        x1.clamp(0, W as i64) as usize,
    );
    let (y0, y1) = (
        y0.clamp(0, H as i64) as usize,
        y1.clamp(0, H as i64) as usize,
    );
    for y in y0..y1 {
        for x in x0..x1 {
            let p = &mut img[y * W as usize + x];
            *p = mix(*p, c, alpha);
        }
    }
}

fn ellipse(img: &mut [[f32; 3]], cx: f32, cy: f32, rx: f32, ry: f32, c: [f32; 3], alpha: f32) {
    let (x0, x1) = (
        (cx - rx).max(0.0) as usize,
        ((cx + rx) as usize).min(W as usize),
    );
    let (y0, y1) = (
        (cy - ry).max(0.0) as usize,
        ((cy + ry) as usize).min(H as usize),
    );
    for y in y0..y1 {
        for x in x0..x1 {
            let dx = (x as f32 - cx) / rx;
            let dy = (y as f32 - cy) / ry;
            if dx * dx + dy * dy <= 1.0 {
                let p = &mut img[y * W as usize + x];
                *p = mix(*p, c, alpha);
            }
        }
    }
}

pub fn render(spec: &StillSpec) -> RgbImage {
    let mut rng = Rng::new(spec.seed);
    let (top, bottom, light) = sky(spec.time);
    let set = setting(spec.location);
    let mut img = vec![[0f32; 3]; (W * H) as usize];
    let horizon = H as f32 * (0.55 + rng.below(10) as f32 / 100.0);
    // Sky or wall.
    for y in 0..H as usize {
        let t = y as f32 / horizon;
        let c = if set == Setting::Interior {
            let wall = mix(
                [200.0, 185.0, 165.0],
                [150.0, 135.0, 120.0],
                (y as f32 / H as f32).min(1.0),
            );
            mix(wall, [30.0, 30.0, 45.0], 1.0 - light)
        } else {
            mix(top, bottom, t.min(1.0))
        };
        for x in 0..W as usize {
            img[y * W as usize + x] = c;
        }
    }
    let night = light < 0.4;
    match set {
        Setting::Interior => {
            // Windows show the sky; furniture blocks on the floor.
            let n = 1 + rng.below(3) as i64;
            for i in 0..n {
                let wx = 150 + i * 520 + rng.below(120) as i64;
                let wy = 140 + rng.below(80) as i64;
                rect(
                    &mut img,
                    wx,
                    wy,
                    wx + 340,
                    wy + 380,
                    mix(top, bottom, 0.5),
                    1.0,
                );
                rect(
                    &mut img,
                    wx + 165,
                    wy,
                    wx + 175,
                    wy + 380,
                    [60.0, 50.0, 45.0],
                    0.9,
                );
            }
            rect(
                &mut img,
                0,
                horizon as i64,
                W as i64,
                H as i64,
                mix([120.0, 90.0, 70.0], [20.0, 18.0, 22.0], 1.0 - light),
                1.0,
            );
            for _ in 0..(2 + rng.below(3)) {
                let x = rng.below(W as usize - 300) as i64;
                let w = 180 + rng.below(260) as i64;
                let h = 90 + rng.below(160) as i64;
                rect(
                    &mut img,
                    x,
                    horizon as i64 - h / 2,
                    x + w,
                    horizon as i64 + h / 2,
                    [
                        90.0 * light + 20.0,
                        70.0 * light + 15.0,
                        60.0 * light + 15.0,
                    ],
                    0.95,
                );
            }
            if night {
                // A warm lamp.
                let lx = 200.0 + rng.below(1500) as f32;
                ellipse(
                    &mut img,
                    lx,
                    horizon - 200.0,
                    160.0,
                    160.0,
                    [255.0, 200.0, 120.0],
                    0.25,
                );
            }
        }
        Setting::Street => {
            let mut x = 0i64;
            while x < W as i64 {
                let w = 140 + rng.below(220) as i64;
                let h = 250 + rng.below(420) as i64;
                let shade = 40.0 + rng.below(50) as f32;
                let body = mix(
                    [shade, shade, shade + 10.0],
                    [10.0, 10.0, 16.0],
                    1.0 - light,
                );
                rect(
                    &mut img,
                    x,
                    horizon as i64 - h,
                    x + w,
                    horizon as i64,
                    body,
                    1.0,
                );
                // Windows, lit at night.
                let win = if night {
                    [250.0, 210.0, 130.0]
                } else {
                    mix(top, [255.0, 255.0, 255.0], 0.3)
                };
                let mut wy = horizon as i64 - h + 30;
                while wy < horizon as i64 - 40 {
                    let mut wx = x + 18;
                    while wx < x + w - 30 {
                        if rng.below(3) > 0 {
                            rect(
                                &mut img,
                                wx,
                                wy,
                                wx + 22,
                                wy + 30,
                                win,
                                if night { 0.9 } else { 0.5 },
                            );
                        }
                        wx += 44;
                    }
                    wy += 60;
                }
                x += w + 10;
            }
            rect(
                &mut img,
                0,
                horizon as i64,
                W as i64,
                H as i64,
                mix([95.0, 95.0, 100.0], [20.0, 20.0, 26.0], 1.0 - light),
                1.0,
            );
        }
        Setting::Nature => {
            let water =
                spec.location.contains('강') || spec.location.to_lowercase().contains("river");
            let ground = if water {
                mix([60.0, 110.0, 150.0], [10.0, 20.0, 40.0], 1.0 - light)
            } else {
                mix([90.0, 140.0, 80.0], [15.0, 25.0, 18.0], 1.0 - light)
            };
            rect(&mut img, 0, horizon as i64, W as i64, H as i64, ground, 1.0);
            for _ in 0..(4 + rng.below(6)) {
                let tx = rng.below(W as usize) as f32;
                let r = 70.0 + rng.below(90) as f32;
                let trunk = [60.0 * light + 10.0, 40.0 * light + 8.0, 30.0 * light + 8.0];
                rect(
                    &mut img,
                    tx as i64 - 12,
                    (horizon - r) as i64,
                    tx as i64 + 12,
                    horizon as i64 + 30,
                    trunk,
                    1.0,
                );
                ellipse(
                    &mut img,
                    tx,
                    horizon - r * 1.4,
                    r,
                    r * 0.9,
                    mix([60.0, 130.0, 70.0], [10.0, 25.0, 15.0], 1.0 - light),
                    1.0,
                );
            }
            if night {
                let mx = 300.0 + rng.below(1300) as f32;
                ellipse(&mut img, mx, 160.0, 45.0, 45.0, [240.0, 235.0, 210.0], 1.0);
            }
        }
    }
    // The scene's people as silhouettes, spaced across the frame.
    let people = spec.people.min(4);
    for i in 0..people {
        let cx =
            W as f32 * (i as f32 + 1.0) / (people as f32 + 1.0) + (rng.below(120) as f32 - 60.0);
        let scale = 0.9 + rng.below(25) as f32 / 100.0;
        let base = horizon + 160.0;
        let c = mix([45.0, 40.0, 45.0], [5.0, 5.0, 8.0], 1.0 - light);
        ellipse(
            &mut img,
            cx,
            base - 330.0 * scale,
            48.0 * scale,
            56.0 * scale,
            c,
            0.95,
        );
        ellipse(
            &mut img,
            cx,
            base - 150.0 * scale,
            95.0 * scale,
            150.0 * scale,
            c,
            0.95,
        );
    }
    // Grade, vignette, light.
    let g = grade(spec.emotion);
    let mut out = RgbImage::new(W, H);
    for (i, p) in img.iter().enumerate() {
        let x = (i as u32 % W) as f32 / W as f32 - 0.5;
        let y = (i as u32 / W) as f32 / H as f32 - 0.5;
        let v = 1.0 - 0.55 * (x * x + y * y);
        let px = [p[0] * g[0] * v, p[1] * g[1] * v, p[2] * g[2] * v];
        out.put_pixel(
            i as u32 % W,
            i as u32 / W,
            Rgb([
                px[0].clamp(0.0, 255.0) as u8,
                px[1].clamp(0.0, 255.0) as u8,
                px[2].clamp(0.0, 255.0) as u8,
            ]),
        );
    }
    out
}

/// Mean luminance (Rec. 709), 0–255.
pub fn mean_luma(img: &RgbImage) -> f64 {
    let n = (img.width() * img.height()).max(1) as f64;
    img.pixels()
        .map(|p| 0.2126 * p[0] as f64 + 0.7152 * p[1] as f64 + 0.0722 * p[2] as f64)
        .sum::<f64>()
        / n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn night_is_darker_than_day_and_scenes_differ() {
        let day = render(&StillSpec {
            location: "성수동 카페",
            time: "낮",
            emotion: "설렘",
            people: 2,
            seed: 1,
        });
        let night = render(&StillSpec {
            location: "성수동 카페",
            time: "밤",
            emotion: "설렘",
            people: 2,
            seed: 1,
        });
        assert!(
            mean_luma(&night) + 30.0 < mean_luma(&day),
            "night {} day {}",
            mean_luma(&night),
            mean_luma(&day)
        );
        let other = render(&StillSpec {
            location: "한강 공원",
            time: "낮",
            emotion: "설렘",
            people: 2,
            seed: 2,
        });
        assert_ne!(day.as_raw(), other.as_raw());
        let again = render(&StillSpec {
            location: "성수동 카페",
            time: "낮",
            emotion: "설렘",
            people: 2,
            seed: 1,
        });
        assert_eq!(day.as_raw(), again.as_raw(), "deterministic");
    }
}

/// The offline still generator behind the pipeline's `StillGen`.
#[derive(Debug, Default, Clone)]
pub struct OfflineStills;

pub const OFFLINE_STILLS_ID: &str = "offline-procedural";

#[async_trait::async_trait]
impl studio_pipeline::visuals::StillGen for OfflineStills {
    fn id(&self) -> String {
        OFFLINE_STILLS_ID.into()
    }
    fn is_offline(&self) -> bool {
        true
    }
    async fn still(
        &self,
        req: &studio_pipeline::visuals::StillRequest,
        out: &std::path::Path,
    ) -> Result<f64, studio_pipeline::visuals::VisualError> {
        let spec = (
            req.location.clone(),
            req.time.clone(),
            req.emotion.clone(),
            req.people,
            req.seed,
        );
        let out = out.to_path_buf();
        tokio::task::spawn_blocking(move || {
            let img = render(&StillSpec {
                location: &spec.0,
                time: &spec.1,
                emotion: &spec.2,
                people: spec.3,
                seed: spec.4,
            });
            img.save(&out).map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r)
        .map_err(|message| studio_pipeline::visuals::VisualError::Failed {
            provider: OFFLINE_STILLS_ID.into(),
            message,
        })?;
        Ok(0.0)
    }
}
