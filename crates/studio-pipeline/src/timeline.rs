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

/// How long a line with nothing to say (a beat: "……", a stage direction) holds the picture.
pub const SILENT_BEAT_SEC: f64 = 1.0;

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
            let said = l.spoken();
            let (duration, measured) = match by_line.get(l.id.as_str()) {
                Some(d) => (*d, true),
                // A line with nothing to say is a beat: a pause, never voiced.
                None if !said.is_speakable() => (SILENT_BEAT_SEC, true),
                None => {
                    estimated += 1;
                    (estimated_line_sec(&said.text), false)
                }
            };
            lines.push(PlacedLineRef {
                line_id: l.id.clone(),
                scene: s.number,
                character: l.character.clone(),
                // Subtitles show what is said: directions are not shown, and a beat shows nothing.
                text: if said.is_speakable() {
                    said.text
                } else {
                    String::new()
                },
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

/// What fills a stretch of the picture.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SlotSource {
    /// Storyboard shot `index`, starting `offset` seconds into its clip (a shot split by an avatar line continues
    /// where it left off).
    Shot { index: usize, offset: f64 },
    /// The lip-synced avatar clip of a line.
    Avatar { line_id: String },
    /// A scene the storyboard has no shot for: a card with its place and time.
    SceneCard { scene: u32 },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Slot {
    pub start: f64,
    pub end: f64,
    pub scene: u32,
    pub source: SlotSource,
}

/// The picture from the first scene's start to the last scene's end: each scene's span shared among its storyboard
/// shots in proportion to their planned lengths (as the visuals were made), with the lines that have an avatar
/// clip cut in over the shots under them.
pub fn video_slots(
    script: &EpisodeScript,
    tl: &Timeline,
    avatar_lines: &std::collections::HashSet<String>,
) -> Vec<Slot> {
    let mut out = Vec::new();
    for sc in &tl.scenes {
        let shots: Vec<(usize, f64)> = script
            .storyboard
            .iter()
            .enumerate()
            .filter(|(_, sh)| sh.scene == sc.number)
            .map(|(i, sh)| {
                let w = if sh.duration_sec.is_finite() && sh.duration_sec > 0.0 {
                    sh.duration_sec.max(0.1)
                } else {
                    1.0
                };
                (i, w)
            })
            .collect();
        let span = sc.end - sc.start;
        let mut slots: Vec<Slot> = Vec::new();
        if shots.is_empty() {
            slots.push(Slot {
                start: sc.start,
                end: sc.end,
                scene: sc.number,
                source: SlotSource::SceneCard { scene: sc.number },
            });
        } else {
            let total: f64 = shots.iter().map(|(_, w)| w).sum();
            let mut acc = 0.0;
            for (k, (i, w)) in shots.iter().enumerate() {
                let start = sc.start + span * acc / total;
                acc += w;
                let end = if k + 1 == shots.len() {
                    sc.end
                } else {
                    sc.start + span * acc / total
                };
                slots.push(Slot {
                    start,
                    end,
                    scene: sc.number,
                    source: SlotSource::Shot {
                        index: *i,
                        offset: 0.0,
                    },
                });
            }
        }
        // Avatar lines replace whatever is under them.
        for l in tl
            .lines
            .iter()
            .filter(|l| l.scene == sc.number && avatar_lines.contains(&l.line_id))
        {
            let (a, b) = (l.offset, (l.offset + l.duration).min(sc.end));
            if b <= a {
                continue;
            }
            let mut next = Vec::with_capacity(slots.len() + 2);
            for s in slots {
                if s.end <= a || s.start >= b {
                    next.push(s);
                    continue;
                }
                if s.start < a {
                    next.push(Slot {
                        end: a,
                        ..s.clone()
                    });
                }
                if s.end > b {
                    let source = match &s.source {
                        SlotSource::Shot { index, offset } => SlotSource::Shot {
                            index: *index,
                            offset: offset + (b - s.start),
                        },
                        other => other.clone(),
                    };
                    next.push(Slot {
                        start: b,
                        source,
                        ..s.clone()
                    });
                }
            }
            let at = next.iter().position(|s| s.start >= b).unwrap_or(next.len());
            next.insert(
                at,
                Slot {
                    start: a,
                    end: b,
                    scene: sc.number,
                    source: SlotSource::Avatar {
                        line_id: l.line_id.clone(),
                    },
                },
            );
            slots = next;
        }
        out.extend(slots);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use studio_domain::{DialogueLine, Scene, TtsProvider};

    /// A measured line's audio record (only the id and duration matter here).
    fn audio(id: &str, d: f64) -> LineAudio {
        LineAudio {
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
        }
    }

    fn line(id: &str, text: &str) -> DialogueLine {
        DialogueLine {
            id: id.into(),
            character: "seoyun".into(),
            text: text.into(),
            emotion: "neutral".into(),
            listener_reaction: String::new(),
            direction: String::new(),
        }
    }

    #[test]
    fn placed_lines_carry_only_what_is_said() {
        let mut l = line("L1", "(한숨) 그래, 알았어.");
        let script = EpisodeScript {
            scenes: vec![Scene {
                number: 1,
                location: "카페".into(),
                time: "밤".into(),
                atmosphere: String::new(),
                characters: vec![],
                lines: vec![l.clone()],
            }],
            ..serde_json::from_value(serde_json::json!({
                "episode_number": 1, "title": "t", "summary": "s", "scenes": [], "storyboard": [],
                "cliffhanger": "c"
            }))
            .unwrap()
        };
        let tl = place(&script, &[audio("L1", 1.0)], 0.0);
        assert_eq!(tl.lines[0].text, "그래, 알았어.");
        // A beat with nothing to say holds a short pause and is not an unvoiced (estimated) line.
        let mut beat = script.clone();
        beat.scenes[0].lines.push(line("L2", "……"));
        let tl = place(&beat, &[audio("L1", 1.0)], 0.0);
        assert_eq!(tl.lines[1].text, "");
        assert_eq!(tl.lines[1].duration, SILENT_BEAT_SEC);
        assert!(tl.lines[1].measured);
        // Moved on acceptance, the direction is kept on the line and not said.
        assert!(l.split_directions());
        assert_eq!(
            (l.text.as_str(), l.direction.as_str()),
            ("그래, 알았어.", "한숨")
        );
        assert_eq!(l.spoken().directions, ["한숨"]);
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

    #[test]
    fn slots_share_scenes_among_shots_and_avatars_cut_in() {
        let mut script: EpisodeScript = serde_json::from_value(serde_json::json!({
            "episode_number": 1, "title": "t", "summary": "s", "cliffhanger": "c",
            "scenes": [
                {"number": 1, "location": "카페", "time": "밤", "atmosphere": "", "characters": [],
                 "lines": [{"id": "L1", "character": "a", "text": "가", "emotion": ""},
                           {"id": "L2", "character": "a", "text": "나", "emotion": ""}]},
                {"number": 2, "location": "옥상", "time": "밤", "atmosphere": "", "characters": [],
                 "lines": [{"id": "L3", "character": "a", "text": "다", "emotion": ""}]}
            ],
            "storyboard": []
        }))
        .unwrap();
        let shot = |scene: u32, d: f64| -> studio_domain::Shot {
            serde_json::from_value(serde_json::json!({
                "scene": scene, "duration_sec": d, "visual": "", "video_prompt": ""
            }))
            .unwrap()
        };
        script.storyboard = vec![shot(1, 2.0), shot(1, 6.0)];
        let tl = place(
            &script,
            &[audio("L1", 1.7), audio("L2", 1.7), audio("L3", 1.0)],
            3.0,
        );
        // Scene 1 spans 3.0–7.0: shots of 1.0 and 3.0 s; scene 2 has no shot.
        let none = std::collections::HashSet::new();
        let s = video_slots(&script, &tl, &none);
        assert_eq!(s.len(), 3);
        assert!((s[0].start - 3.0).abs() < 1e-9 && (s[0].end - 4.0).abs() < 1e-9);
        assert!((s[1].end - 7.0).abs() < 1e-9);
        assert_eq!(s[2].source, SlotSource::SceneCard { scene: 2 });
        // L2 (5.0–6.7) has an avatar: shot 1 is cut around it and continues 2.7 s into its clip.
        let avatars: std::collections::HashSet<String> = ["L2".to_string()].into();
        let s = video_slots(&script, &tl, &avatars);
        let kinds: Vec<_> = s.iter().map(|x| x.source.clone()).collect();
        assert_eq!(
            kinds[1..4],
            [
                SlotSource::Shot {
                    index: 1,
                    offset: 0.0
                },
                SlotSource::Avatar {
                    line_id: "L2".into()
                },
                SlotSource::Shot {
                    index: 1,
                    offset: 2.7
                },
            ]
        );
        assert!(
            s.windows(2).all(|w| (w[0].end - w[1].start).abs() < 1e-9),
            "{s:?}"
        );
        assert!((s[2].start - 5.0).abs() < 1e-9 && (s[2].end - 6.7).abs() < 1e-9);
    }
}
