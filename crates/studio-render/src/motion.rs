//! The Ken Burns motions: which slow zoom or pan a still gets, and which part of the still each frame shows. Drawn
//! in process by [`crate::frames`] (with [`crate::resample`]); used for clips by [`crate::kenburns`].

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    ZoomIn,
    ZoomOut,
    PanLeft,
    PanRight,
    PanUp,
}

impl Effect {
    /// The autoworker's `_pick_effect`, made explicit: tense and intense moments push in, sad or calm ones pull out,
    /// establishing and background shots pan; otherwise the effects rotate by shot so cuts never repeat a move.
    pub fn pick(index: usize, emotion: &str, visual: &str) -> Effect {
        let e = emotion.to_lowercase();
        if ["intense", "dramatic", "tense", "긴장", "분노", "충격"]
            .iter()
            .any(|k| e.contains(k))
        {
            return Effect::ZoomIn;
        }
        if ["sad", "calm", "슬픔", "평온"]
            .iter()
            .any(|k| e.contains(k))
        {
            return Effect::ZoomOut;
        }
        if e == "background" || ["배경", "풍경", "전환"].iter().any(|k| visual.contains(k)) {
            return if index.is_multiple_of(2) {
                Effect::PanRight
            } else {
                Effect::PanLeft
            };
        }
        [
            Effect::ZoomIn,
            Effect::PanLeft,
            Effect::ZoomOut,
            Effect::PanRight,
            Effect::PanUp,
        ][index % 5]
    }

    /// The part of the still shown at frame `n` (0-based) of `frames`, as fractions of the still: left, top, width,
    /// height. Zooms move between 1× and [`MAX_ZOOM`] about the centre; pans hold [`PAN_ZOOM`] and cross the still's
    /// spare width (or height). The first frame shows the effect's start and the last its end, so a zoom out opens
    /// on the close-up a zoom in ended on; a slot of one frame shows the start.
    pub fn window(self, n: u32, frames: u32) -> (f64, f64, f64, f64) {
        let t = if frames <= 1 {
            0.0
        } else {
            f64::from(n.min(frames - 1)) / f64::from(frames - 1)
        };
        let zoom = match self {
            Effect::ZoomIn => 1.0 + (MAX_ZOOM - 1.0) * t,
            Effect::ZoomOut => MAX_ZOOM - (MAX_ZOOM - 1.0) * t,
            Effect::PanLeft | Effect::PanRight | Effect::PanUp => PAN_ZOOM,
        };
        let size = 1.0 / zoom;
        let spare = 1.0 - size;
        let centre = spare / 2.0;
        let (x, y) = match self {
            Effect::PanLeft => (spare * (1.0 - t), centre),
            Effect::PanRight => (spare * t, centre),
            Effect::PanUp => (centre, spare * (1.0 - t)),
            Effect::ZoomIn | Effect::ZoomOut => (centre, centre),
        };
        (x, y, size, size)
    }
}

/// The closest a zoom comes: the still is kept at this many times the frame's size, so no frame is enlarged.
pub const MAX_ZOOM: f64 = 1.25;
/// The zoom a pan holds while it crosses the still.
pub const PAN_ZOOM: f64 = 1.15;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_follow_the_effect_from_the_first_frame_to_the_last() {
        let close = |a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)| {
            [(a.0, b.0), (a.1, b.1), (a.2, b.2), (a.3, b.3)]
                .iter()
                .all(|(p, q)| (p - q).abs() < 1e-9)
        };
        let spare = 1.0 - 1.0 / PAN_ZOOM;
        let (mid, side) = (spare / 2.0, 1.0 / PAN_ZOOM);
        // (effect, first frame, last frame) of a 100-frame slot.
        let cases = [
            (Effect::ZoomIn, (0.0, 0.0, 1.0, 1.0), (0.1, 0.1, 0.8, 0.8)),
            (Effect::ZoomOut, (0.1, 0.1, 0.8, 0.8), (0.0, 0.0, 1.0, 1.0)),
            (
                Effect::PanLeft,
                (spare, mid, side, side),
                (0.0, mid, side, side),
            ),
            (
                Effect::PanRight,
                (0.0, mid, side, side),
                (spare, mid, side, side),
            ),
            (
                Effect::PanUp,
                (mid, spare, side, side),
                (mid, 0.0, side, side),
            ),
        ];
        for (effect, first, last) in cases {
            assert!(close(effect.window(0, 100), first), "{effect:?} first");
            assert!(close(effect.window(99, 100), last), "{effect:?} last");
            // Past the end holds the end; a one-frame slot shows the start.
            assert!(close(effect.window(150, 100), last), "{effect:?} past");
            assert!(close(effect.window(0, 1), first), "{effect:?} one frame");
            for n in 0..100 {
                let (x, y, w, h) = effect.window(n, 100);
                assert!(x >= 0.0 && y >= 0.0 && x + w <= 1.0 + 1e-12 && y + h <= 1.0 + 1e-12);
            }
        }
        // The zoom out opens exactly where the zoom in ends.
        assert!(close(
            Effect::ZoomOut.window(0, 30),
            Effect::ZoomIn.window(29, 30)
        ));
    }
}
