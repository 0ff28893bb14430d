//! Scene transitions on yuv420p frames, centred on the cut so the timeline keeps its length: before the cut the
//! outgoing scene plays under the incoming scene's first frame, after it the incoming scene plays over the outgoing
//! scene's last frame.

use ffmpeg_next as ff;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum TransitionKind {
    /// Hard cut.
    Cut,
    /// Cross-dissolve.
    #[default]
    Fade,
    /// Dip to black and back.
    FadeBlack,
    /// The new scene pushes the old one out to the left.
    Slide,
    /// The old scene zooms in while dissolving into the new one.
    Zoom,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    pub kind: TransitionKind,
    /// Whole length, centred on the cut.
    pub sec: f64,
}

impl Default for Transition {
    fn default() -> Self {
        Transition {
            kind: TransitionKind::Fade,
            sec: 0.5,
        }
    }
}

/// Plane geometry of a yuv420p frame: (width, height) of plane `p`.
fn plane_size(f: &ff::frame::Video, p: usize) -> (usize, usize) {
    let (w, h) = (f.width() as usize, f.height() as usize);
    if p == 0 {
        (w, h)
    } else {
        (w.div_ceil(2), h.div_ceil(2))
    }
}

/// Writes the transition from `a` to `b` at progress `alpha` (0 = all `a`, 1 = all `b`) into `out`. All three
/// are yuv420p frames of one size.
pub(crate) fn compose(
    kind: TransitionKind,
    a: &ff::frame::Video,
    b: &ff::frame::Video,
    alpha: f64,
    out: &mut ff::frame::Video,
) {
    let alpha = alpha.clamp(0.0, 1.0);
    for p in 0..3 {
        let (w, h) = plane_size(out, p);
        let (sa, sb, so) = (a.stride(p), b.stride(p), out.stride(p));
        let black = if p == 0 { 16u8 } else { 128u8 };
        let (da, db) = (a.data(p), b.data(p));
        let dout = out.data_mut(p);
        match kind {
            TransitionKind::Cut => {
                let src = if alpha < 0.5 { (da, sa) } else { (db, sb) };
                for y in 0..h {
                    dout[y * so..y * so + w].copy_from_slice(&src.0[y * src.1..y * src.1 + w]);
                }
            }
            TransitionKind::Fade => {
                let k = (alpha * 256.0).round() as u32;
                for y in 0..h {
                    let (ra, rb) = (&da[y * sa..y * sa + w], &db[y * sb..y * sb + w]);
                    for ((o, &x), &z) in dout[y * so..y * so + w].iter_mut().zip(ra).zip(rb) {
                        *o = ((u32::from(x) * (256 - k) + u32::from(z) * k + 128) >> 8) as u8;
                    }
                }
            }
            TransitionKind::FadeBlack => {
                let (src, s, level) = if alpha < 0.5 {
                    (da, sa, 1.0 - 2.0 * alpha)
                } else {
                    (db, sb, 2.0 * alpha - 1.0)
                };
                let k = (level * 256.0).round() as i32;
                for y in 0..h {
                    for (o, &x) in dout[y * so..y * so + w]
                        .iter_mut()
                        .zip(&src[y * s..y * s + w])
                    {
                        let v = i32::from(black) + (((i32::from(x) - i32::from(black)) * k) >> 8);
                        *o = v.clamp(0, 255) as u8;
                    }
                }
            }
            TransitionKind::Slide => {
                let shift = ((w as f64) * alpha).round() as usize;
                for y in 0..h {
                    let row = &mut dout[y * so..y * so + w];
                    let keep = w - shift.min(w);
                    row[..keep].copy_from_slice(&da[y * sa + shift..y * sa + shift + keep]);
                    row[keep..].copy_from_slice(&db[y * sb..y * sb + (w - keep)]);
                }
            }
            TransitionKind::Zoom => {
                // a, scaled up by 1 + 0.3·alpha about the centre (bilinear, 8-bit fixed point), dissolving into b.
                let z = 1.0 + 0.3 * alpha;
                let k = (alpha * 256.0).round() as u32;
                let (cx, cy) = (w as f64 / 2.0, h as f64 / 2.0);
                for y in 0..h {
                    let sy = (cy + (y as f64 + 0.5 - cy) / z - 0.5).clamp(0.0, (h - 1) as f64);
                    let (y0, fy) = (sy.floor() as usize, ((sy.fract()) * 256.0) as u32);
                    let y1 = (y0 + 1).min(h - 1);
                    for x in 0..w {
                        let sx = (cx + (x as f64 + 0.5 - cx) / z - 0.5).clamp(0.0, (w - 1) as f64);
                        let (x0, fx) = (sx.floor() as usize, ((sx.fract()) * 256.0) as u32);
                        let x1 = (x0 + 1).min(w - 1);
                        let px = |yy: usize, xx: usize| u32::from(da[yy * sa + xx]);
                        let top = px(y0, x0) * (256 - fx) + px(y0, x1) * fx;
                        let bot = px(y1, x0) * (256 - fx) + px(y1, x1) * fx;
                        let va = (top * (256 - fy) + bot * fy + (1 << 15)) >> 16;
                        let vb = u32::from(db[y * sb + x]);
                        dout[y * so + x] = ((va * (256 - k) + vb * k + 128) >> 8) as u8;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ff::format::Pixel;

    fn solid(y: u8, w: u32, h: u32) -> ff::frame::Video {
        let mut f = ff::frame::Video::new(Pixel::YUV420P, w, h);
        for p in 0..3 {
            let v = if p == 0 { y } else { 128 };
            f.data_mut(p).fill(v);
        }
        f
    }

    #[test]
    fn transitions_move_from_a_to_b() {
        crate::init().unwrap();
        let (a, b) = (solid(40, 64, 36), solid(200, 64, 36));
        let mut out = solid(0, 64, 36);
        let luma = |f: &ff::frame::Video, x: usize, y: usize| f.data(0)[y * f.stride(0) + x];
        for kind in [
            TransitionKind::Fade,
            TransitionKind::FadeBlack,
            TransitionKind::Slide,
            TransitionKind::Zoom,
            TransitionKind::Cut,
        ] {
            compose(kind, &a, &b, 0.0, &mut out);
            assert_eq!(luma(&out, 10, 10), 40, "{kind:?} starts on a");
            compose(kind, &a, &b, 1.0, &mut out);
            assert_eq!(luma(&out, 10, 10), 200, "{kind:?} ends on b");
        }
        compose(TransitionKind::Fade, &a, &b, 0.5, &mut out);
        assert_eq!(luma(&out, 5, 5), 120);
        compose(TransitionKind::FadeBlack, &a, &b, 0.5, &mut out);
        assert_eq!(luma(&out, 5, 5), 16, "black at the cut");
        compose(TransitionKind::Slide, &a, &b, 0.25, &mut out);
        assert_eq!((luma(&out, 0, 0), luma(&out, 63, 0)), (40, 200));
        assert_eq!(luma(&out, 47, 0), 40);
        assert_eq!(luma(&out, 48, 0), 200);
    }
}
