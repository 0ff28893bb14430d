//! # Subtitles
//!
//! Subtitle events from voiced lines: each line is placed at its offset on the episode timeline, split into
//! readable events by its word cues (alignment from the provider when present, else estimated), and each event
//! broken into at most two balanced lines. Written as ASS for the burn-in (the design documents' EDIT_SETTINGS:
//! NanumGothic 48 px at 1080p, white with a 2 px black outline, bottom centre; optional colour per speaker), and as
//! SRT and WebVTT for upload as caption tracks.

use serde::{Deserialize, Serialize};
use studio_domain::Cue;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubtitleStyle {
    pub font: String,
    /// Pixels at 1080p (scaled with the frame).
    pub size: u32,
    /// RGB hex, e.g. "FFFFFF".
    pub colour: String,
    pub outline_colour: String,
    pub outline: f64,
    /// Distance of the bottom line from the frame's bottom edge, in pixels at 1080p.
    pub margin_bottom: u32,
    /// Characters per display line before it is broken in two.
    pub max_line_chars: usize,
    /// Characters per event before the spoken line is split across events.
    pub max_event_chars: usize,
    /// Colour per speaker (RGB hex by character id or name); others use `colour`.
    pub speaker_colours: std::collections::BTreeMap<String, String>,
}

impl Default for SubtitleStyle {
    fn default() -> Self {
        Self {
            font: "NanumGothic".into(),
            size: 48,
            colour: "FFFFFF".into(),
            outline_colour: "000000".into(),
            outline: 2.0,
            margin_bottom: 60,
            max_line_chars: 22,
            max_event_chars: 40,
            speaker_colours: Default::default(),
        }
    }
}

/// One subtitle on screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubtitleEvent {
    pub start: f64,
    pub end: f64,
    /// Display lines joined with '\n'.
    pub text: String,
    pub speaker: Option<String>,
}

/// A voiced line placed on the timeline.
#[derive(Debug, Clone)]
pub struct PlacedLine<'a> {
    /// Where the line's audio starts in the episode, in seconds.
    pub offset: f64,
    pub duration: f64,
    pub text: &'a str,
    pub cues: &'a [Cue],
    pub speaker: Option<&'a str>,
}

const MIN_EVENT_SEC: f64 = 0.6;

/// Breaks `text` into at most two lines near the middle, at a space, when it is longer than `max`.
pub fn balance(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let n = text.chars().count();
    if n <= max {
        return text;
    }
    let mid = n / 2;
    let best = text
        .char_indices()
        .enumerate()
        .filter(|(_, (_, c))| *c == ' ')
        .min_by_key(|(ci, _)| ci.abs_diff(mid))
        .map(|(_, (bi, _))| bi);
    match best {
        Some(i) => format!("{}\n{}", &text[..i], &text[i + 1..]),
        None => text,
    }
}

/// Subtitle events for the placed lines, in time order, never overlapping.
pub fn events(lines: &[PlacedLine<'_>], style: &SubtitleStyle) -> Vec<SubtitleEvent> {
    let mut out: Vec<SubtitleEvent> = Vec::new();
    for l in lines {
        let text = l.text.trim();
        if text.is_empty() || !l.offset.is_finite() || !l.duration.is_finite() {
            continue;
        }
        let speaker = l.speaker.map(str::to_string);
        let n = text.chars().count();
        let usable_cues = !l.cues.is_empty()
            && l.cues
                .iter()
                .all(|c| c.start.is_finite() && c.end.is_finite() && c.end >= c.start);
        if n <= style.max_event_chars || !usable_cues {
            out.push(SubtitleEvent {
                start: l.offset,
                end: l.offset + l.duration.max(MIN_EVENT_SEC),
                text: balance(text, style.max_line_chars),
                speaker,
            });
            continue;
        }
        // Split by words: aim for equal parts, each within max_event_chars.
        let parts = n.div_ceil(style.max_event_chars.max(1));
        let target = n.div_ceil(parts);
        let mut chunk: Vec<&Cue> = Vec::new();
        let mut len = 0;
        let flush = |chunk: &mut Vec<&Cue>, out: &mut Vec<SubtitleEvent>, last: bool| {
            if chunk.is_empty() {
                return;
            }
            let words: Vec<&str> = chunk.iter().map(|c| c.text.as_str()).collect();
            let start = l.offset + chunk[0].start;
            let end = if last {
                l.offset + l.duration
            } else {
                l.offset + chunk[chunk.len() - 1].end
            };
            out.push(SubtitleEvent {
                start,
                end: end.max(start + MIN_EVENT_SEC),
                text: balance(&words.join(" "), style.max_line_chars),
                speaker: speaker.clone(),
            });
            chunk.clear();
        };
        for (i, c) in l.cues.iter().enumerate() {
            let w = c.text.chars().count() + usize::from(!chunk.is_empty());
            if !chunk.is_empty() && (len + w > style.max_event_chars || len >= target) {
                flush(&mut chunk, &mut out, false);
                len = 0;
            }
            len += if chunk.is_empty() {
                c.text.chars().count()
            } else {
                w
            };
            chunk.push(c);
            if i + 1 == l.cues.len() {
                flush(&mut chunk, &mut out, true);
            }
        }
    }
    out.sort_by(|a, b| a.start.total_cmp(&b.start));
    // No overlaps: an event ends when the next starts.
    for i in 1..out.len() {
        let next_start = out[i].start;
        let prev = &mut out[i - 1];
        if prev.end > next_start {
            prev.end = next_start.max(prev.start + 0.05);
        }
    }
    out
}

fn clock(sec: f64, sep: char) -> String {
    let ms = (sec.max(0.0) * 1000.0).round() as u64;
    format!(
        "{:02}:{:02}:{:02}{sep}{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

pub fn to_srt(events: &[SubtitleEvent]) -> String {
    let mut s = String::new();
    for (i, e) in events.iter().enumerate() {
        s.push_str(&format!(
            "{}\n{} --> {}\n{}\n\n",
            i + 1,
            clock(e.start, ','),
            clock(e.end, ','),
            e.text
        ));
    }
    s
}

pub fn to_vtt(events: &[SubtitleEvent]) -> String {
    let mut s = String::from("WEBVTT\n\n");
    for e in events {
        // "-->" inside a cue would end it early; '&' and '<' are markup.
        let text = e
            .text
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace("-->", "→");
        s.push_str(&format!(
            "{} --> {}\n{text}\n\n",
            clock(e.start, '.'),
            clock(e.end, '.')
        ));
    }
    s
}

/// "FFFFFF" (RGB) → "&H00FFFFFF" (ASS: alpha, blue, green, red). Anything unreadable becomes white.
fn ass_colour(rgb: &str) -> String {
    let h = rgb.trim().trim_start_matches('#');
    if h.len() == 6 && h.chars().all(|c| c.is_ascii_hexdigit()) {
        format!(
            "&H00{}{}{}",
            &h[4..6].to_uppercase(),
            &h[2..4].to_uppercase(),
            &h[0..2].to_uppercase()
        )
    } else {
        "&H00FFFFFF".into()
    }
}

fn ass_clock(sec: f64) -> String {
    let cs = (sec.max(0.0) * 100.0).round() as u64;
    format!(
        "{}:{:02}:{:02}.{:02}",
        cs / 360_000,
        cs / 6000 % 60,
        cs / 100 % 60,
        cs % 100
    )
}

/// An ASS script for libass at `width`×`height` (sizes are given at 1080p and scaled).
pub fn to_ass(events: &[SubtitleEvent], style: &SubtitleStyle, width: u32, height: u32) -> String {
    let scale = f64::from(height) / 1080.0;
    let size = (f64::from(style.size) * scale).round();
    let outline = style.outline * scale;
    let margin = (f64::from(style.margin_bottom) * scale).round();
    let mut s = format!(
        "[Script Info]\nScriptType: v4.00+\nPlayResX: {width}\nPlayResY: {height}\nWrapStyle: 2\n\
         ScaledBorderAndShadow: yes\n\n[V4+ Styles]\n\
         Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, \
         Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, \
         MarginR, MarginV, Encoding\n\
         Style: Default,{font},{size},{fg},&H000000FF,{oc},&H00000000,0,0,0,0,100,100,0,0,1,{outline:.1},0,2,40,40,\
         {margin},1\n\n[Events]\n\
         Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n",
        font = style.font.replace(',', " "),
        fg = ass_colour(&style.colour),
        oc = ass_colour(&style.outline_colour),
    );
    for e in events {
        let colour = e
            .speaker
            .as_ref()
            .and_then(|sp| style.speaker_colours.get(sp))
            .map(|c| format!("{{\\c{}&}}", ass_colour(c)))
            .unwrap_or_default();
        // Braces start override blocks and backslashes escapes: keep the text literal.
        let text = e
            .text
            .replace('\\', "＼")
            .replace('{', "(")
            .replace('}', ")")
            .replace('\n', "\\N");
        s.push_str(&format!(
            "Dialogue: 0,{},{},Default,,0,0,0,,{colour}{text}\n",
            ass_clock(e.start),
            ass_clock(e.end)
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cue(t: &str, s: f64, e: f64) -> Cue {
        Cue {
            text: t.into(),
            start: s,
            end: e,
        }
    }

    #[test]
    fn short_lines_are_one_event_at_their_offset() {
        let l = [
            PlacedLine {
                offset: 1.0,
                duration: 2.0,
                text: "안녕하세요.",
                cues: &[],
                speaker: Some("seoyun"),
            },
            PlacedLine {
                offset: 3.5,
                duration: 1.5,
                text: "반가워요.",
                cues: &[],
                speaker: None,
            },
        ];
        let e = events(&l, &SubtitleStyle::default());
        assert_eq!(e.len(), 2);
        assert_eq!((e[0].start, e[0].end), (1.0, 3.0));
        assert_eq!(
            to_srt(&e),
            "1\n00:00:01,000 --> 00:00:03,000\n안녕하세요.\n\n2\n00:00:03,500 --> 00:00:05,000\n반가워요.\n\n"
        );
        assert!(to_vtt(&e).starts_with("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n안녕하세요.\n"));
    }

    #[test]
    fn long_lines_split_by_their_cues_and_balance_in_two() {
        let words = "오늘 밤 옥상에서 모든 것을 말할게요 그러니까 제발 끝까지 들어줘요 부탁이에요";
        let cues: Vec<Cue> = words
            .split(' ')
            .enumerate()
            .map(|(i, w)| cue(w, i as f64 * 0.5, i as f64 * 0.5 + 0.45))
            .collect();
        let l = [PlacedLine {
            offset: 10.0,
            duration: 6.0,
            text: words,
            cues: &cues,
            speaker: None,
        }];
        let style = SubtitleStyle::default();
        let e = events(&l, &style);
        assert!(e.len() >= 2, "{e:?}");
        for ev in &e {
            assert!(ev.text.replace('\n', " ").chars().count() <= style.max_event_chars);
            assert!(ev.text.lines().count() <= 2);
            assert!(
                ev.text
                    .lines()
                    .all(|x| x.chars().count() <= style.max_line_chars + 6)
            );
        }
        assert_eq!(e[0].start, 10.0);
        assert_eq!(e.last().unwrap().end, 16.0);
        let joined: Vec<String> = e.iter().map(|x| x.text.replace('\n', " ")).collect();
        assert_eq!(joined.join(" "), words);
        assert!(e.windows(2).all(|w| w[0].end <= w[1].start));
    }

    #[test]
    fn ass_has_the_seed_style_and_speaker_colours() {
        let mut style = SubtitleStyle::default();
        style
            .speaker_colours
            .insert("seoyun".into(), "FFD700".into());
        let e = vec![SubtitleEvent {
            start: 61.25,
            end: 63.0,
            text: "첫 줄\n{둘째} 줄".into(),
            speaker: Some("seoyun".into()),
        }];
        let a = to_ass(&e, &style, 1920, 1080);
        assert!(a.contains("Style: Default,NanumGothic,48,&H00FFFFFF,&H000000FF,&H00000000"));
        assert!(a.contains(",1,2.0,0,2,"), "outline 2, bottom centre: {a}");
        assert!(a.contains(
            "Dialogue: 0,0:01:01.25,0:01:03.00,Default,,0,0,0,,{\\c&H0000D7FF&}첫 줄\\N(둘째) 줄"
        ));
        let small = to_ass(&e, &style, 1280, 720);
        assert!(small.contains("NanumGothic,32,"));
    }

    #[test]
    fn overlapping_lines_do_not_overlap_on_screen() {
        let l = [
            PlacedLine {
                offset: 0.0,
                duration: 3.0,
                text: "하나",
                cues: &[],
                speaker: None,
            },
            PlacedLine {
                offset: 2.0,
                duration: 1.0,
                text: "둘",
                cues: &[],
                speaker: None,
            },
        ];
        let e = events(&l, &SubtitleStyle::default());
        assert_eq!(e[0].end, 2.0);
        assert_eq!(
            balance("가나다라마바사아자차카타파하 가나다라마바사아자차", 22)
                .lines()
                .count(),
            2
        );
        assert_eq!(balance("짧은 줄", 22), "짧은 줄");
    }
}
