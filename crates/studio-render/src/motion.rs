//! The Ken Burns motions: which slow zoom or pan a still gets, and the FFmpeg `zoompan` expression for it. Drawn
//! in process by [`crate::frames`]; used for clips by [`crate::kenburns`].

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

    /// zoompan expressions over `frames` output frames (input pre-scaled to 2× for smooth sub-pixel motion).
    pub(crate) fn zoompan(self, frames: u32, w: u32, h: u32, fps: u32) -> String {
        let f = frames.max(1);
        let (z, x, y) = match self {
            Effect::ZoomIn => (
                format!("1+0.25*on/{f}"),
                "iw/2-(iw/zoom/2)".to_string(),
                "ih/2-(ih/zoom/2)".to_string(),
            ),
            Effect::ZoomOut => (
                format!("1.25-0.25*on/{f}"),
                "iw/2-(iw/zoom/2)".to_string(),
                "ih/2-(ih/zoom/2)".to_string(),
            ),
            Effect::PanLeft => (
                "1.15".to_string(),
                format!("(iw-iw/zoom)*(1-on/{f})"),
                "ih/2-(ih/zoom/2)".to_string(),
            ),
            Effect::PanRight => (
                "1.15".to_string(),
                format!("(iw-iw/zoom)*on/{f}"),
                "ih/2-(ih/zoom/2)".to_string(),
            ),
            Effect::PanUp => (
                "1.15".to_string(),
                "iw/2-(iw/zoom/2)".to_string(),
                format!("(ih-ih/zoom)*(1-on/{f})"),
            ),
        };
        format!("zoompan=z='{z}':x='{x}':y='{y}':d={f}:s={w}x{h}:fps={fps}")
    }
}
