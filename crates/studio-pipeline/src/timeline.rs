//! # Episode timeline
//!
//! Where every voiced line sits in the episode: scenes in order, each line followed by a short pause, an optional
//! intro before the first scene. Shot lengths (`visuals::shot_durations`), subtitles, chapters and the render all
//! use this one placement, so they agree to the millisecond. Lines without audio yet get an estimate from their
//! length, and the timeline says it is estimated.

use std::collections::HashMap;

use serde::Serialize;
use studio_domain::{EpisodeScript, LineAudio};

/// Silence after each line (the seeds' pacing; also used for shot lengths).
pub const LINE_PAUSE_SEC: f64 = 0.3;
/// Korean speech when a line has no audio yet: about 7 syllables a second, never under a second.
const CHARS_PER_SEC: f64 = 7.0;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PlacedLineRef {
    pub line_id: String,
    pub scene: u32,
    pub character: String,
    pub text: String,
    pub offset: f64,
    pub duration: f64,
    /// False when the duration is a text-length estimate (no audio yet).
    pub measured: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SceneSpan {
    pub number: u32,
    pub location: String,
    pub start: f64,
    pub end: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Timeline {
    pub intro_sec: f64,
    pub lines: Vec<PlacedLineRef>,
    pub scenes: Vec<SceneSpan>,
    /// End of the last scene (before any outro).
    pub total_sec: f64,
    pub estimated_lines: usize,
}

pub fn estimated_line_sec(text: &str) -> f64 {
    let n = text.chars().filter(|c| !c.is_whitespace()).count() as f64;
    (n / CHARS_PER_SEC).max(1.0)
}

pub fn place(script: &EpisodeScript, audio: &[LineAudio], intro_sec: f64) -> Timeline {
    let by_line: HashMap<&str, f64> = audio
        .iter()
        .filter(|a| a.duration_sec.is_finite() && a.duration_sec > 0.0)
        .map(|a| (a.line_id.as_str(), a.duration_sec))
        .collect();
    let intro_sec = if intro_sec.is_finite() {
        intro_sec.max(0.0)
    } else {
        0.0
    };
    let mut cursor = intro_sec;
    let mut lines = Vec::new();
    let mut scenes = Vec::new();
    let mut estimated = 0;
    for s in &script.scenes {
        let start = cursor;
        for l in &s.lines {
            let (duration, measured) = match by_line.get(l.id.as_str()) {
                Some(d) => (*d, true),
                None => {
                    estimated += 1;
                    (estimated_line_sec(&l.text), false)
                }
            };
            lines.push(PlacedLineRef {
                line_id: l.id.clone(),
                scene: s.number,
                character: l.character.clone(),
                text: l.text.clone(),
                offset: cursor,
                duration,
                measured,
            });
            cursor += duration + LINE_PAUSE_SEC;
        }
        scenes.push(SceneSpan {
            number: s.number,
            location: s.location.clone(),
            start,
            end: cursor,
        });
    }
    Timeline {
        intro_sec,
        lines,
        scenes,
        total_sec: cursor,
        estimated_lines: estimated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use studio_domain::{DialogueLine, Scene, TtsProvider};

    fn line(id: &str, text: &str) -> DialogueLine {
        DialogueLine {
            id: id.into(),
            character: "seoyun".into(),
            text: text.into(),
            emotion: "neutral".into(),
            listener_reaction: String::new(),
        }
    }

    #[test]
    fn lines_follow_each_other_with_a_pause_and_scenes_span_them() {
        let script = EpisodeScript {
            scenes: vec![
                Scene {
                    number: 1,
                    location: "카페".into(),
                    time: "밤".into(),
                    atmosphere: String::new(),
                    characters: vec![],
                    lines: vec![
                        line("L1", "안녕"),
                        line("L2", "가나다라마바사아자차카타파하"),
                    ],
                },
                Scene {
                    number: 2,
                    location: "옥상".into(),
                    time: "밤".into(),
                    atmosphere: String::new(),
                    characters: vec![],
                    lines: vec![line("L3", "응")],
                },
            ],
            ..serde_json::from_value(serde_json::json!({
                "episode_number": 1, "title": "t", "summary": "s", "scenes": [], "storyboard": [],
                "cliffhanger": "c"
            }))
            .unwrap()
        };
        let audio = |id: &str, d: f64| LineAudio {
            line_id: id.into(),
            character_id: "seoyun".into(),
            provider: TtsProvider::Espeak,
            voice_id: "ko".into(),
            path: String::new(),
            sha256: String::new(),
            duration_sec: d,
            sample_rate: 48_000,
            cues: vec![],
            timing_estimated: true,
            billed_characters: 0,
            chain_index: 0,
        };
        let t = place(&script, &[audio("L1", 1.5), audio("L3", 2.0)], 2.0);
        assert_eq!(t.lines[0].offset, 2.0);
        assert!((t.lines[1].offset - 3.8).abs() < 1e-9);
        assert!(!t.lines[1].measured);
        assert!(
            (t.lines[1].duration - 2.0).abs() < 1e-9,
            "14 syllables at 7/s"
        );
        assert!((t.scenes[1].start - 6.1).abs() < 1e-9);
        assert!((t.total_sec - 8.4).abs() < 1e-9);
        assert_eq!(t.estimated_lines, 1);
        assert_eq!(t.scenes[0].end, t.scenes[1].start);
    }
}
