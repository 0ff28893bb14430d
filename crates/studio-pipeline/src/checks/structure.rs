//! Structure: the shape of a script (scenes, lines, speakers, shots and their prompts, lengths) and the shots' clip priorities.

use super::*;

/// The autoworker's `_auto_clip_priority`: position first (hooks high, outro low, the midpoint high), then
/// emotion, then keywords in the Korean visual note; budget-saving "low" otherwise. `index` is 1-based.
pub fn auto_clip_priority(index: usize, total: usize, emotion: &str, visual: &str) -> ClipPriority {
    if index <= 2 {
        return ClipPriority::High;
    }
    if index + 1 >= total {
        return ClipPriority::Low;
    }
    if index == total / 2 {
        return ClipPriority::High;
    }
    let e = emotion.to_lowercase();
    const HIGH_EMOTIONS: &[&str] = &[
        "dramatic",
        "exciting",
        "emotional",
        "intense",
        "climax",
        "충격",
        "분노",
        "긴장",
        "슬픔",
        "설렘",
    ];
    const LOW_EMOTIONS: &[&str] = &["neutral", "calm", "background", "평온", "차분"];
    if HIGH_EMOTIONS.iter().any(|h| e == *h) {
        return ClipPriority::High;
    }
    if LOW_EMOTIONS.iter().any(|l| e == *l) {
        return ClipPriority::Low;
    }
    const HIGH_KEYWORDS: &[&str] = &["인물", "등장", "대화", "충격", "결말", "반전", "클라이맥스"];
    const LOW_KEYWORDS: &[&str] = &["배경", "풍경", "전환", "통계", "그래프", "자막"];
    if HIGH_KEYWORDS.iter().any(|k| visual.contains(k)) {
        return ClipPriority::High;
    }
    if LOW_KEYWORDS.iter().any(|k| visual.contains(k)) {
        return ClipPriority::Low;
    }
    ClipPriority::Low
}

/// Fills in missing clip priorities, and redoes all of them when the writer's choice is implausible (every shot
/// high, or none); returns notes saying so.
pub fn settle_clip_priorities(script: &mut EpisodeScript, parse: &ParseNotes) -> Vec<String> {
    let total = script.storyboard.len();
    let mut notes = Vec::new();
    if total == 0 {
        return notes;
    }
    let highs = script
        .storyboard
        .iter()
        .enumerate()
        .filter(|(i, s)| {
            !parse.clip_priority_missing.contains(i) && s.clip_priority == ClipPriority::High
        })
        .count();
    let given = total - parse.clip_priority_missing.len();
    let implausible = total >= 4 && given == total && (highs == total || highs == 0);
    for (i, shot) in script.storyboard.iter_mut().enumerate() {
        if implausible || parse.clip_priority_missing.contains(&i) {
            shot.clip_priority = auto_clip_priority(i + 1, total, &shot.emotion, &shot.visual);
        }
    }
    if implausible {
        notes.push(format!(
            "clip_priority: the writer marked {} of {total} shots high; all priorities were re-decided by the autoworker rules",
            highs
        ));
    } else if !parse.clip_priority_missing.is_empty() {
        notes.push(format!(
            "clip_priority: missing or invalid on storyboard {:?}; decided by the autoworker rules",
            parse.clip_priority_missing
        ));
    }
    notes
}

/// Words a video prompt must not contain: they make models draw text.
const BANNED_PROMPT_WORDS: &[&str] = &[
    "text",
    "subtitle",
    "subtitles",
    "caption",
    "captions",
    "watermark",
    "logo",
    "letters",
    "typography",
];

fn is_hangul(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
        || ('\u{1100}'..='\u{11FF}').contains(&c)
        || ('\u{3130}'..='\u{318F}').contains(&c)
}

/// Structural validation (seed §7.0 for scripts).
/// The longest outfit a development may give (characters), as the writer's prompt asks (40) with room to spare.
pub const MAX_OUTFIT_CHARS: usize = 60;

pub fn validate_structure(
    script: &EpisodeScript,
    ctx: &EpisodeContext,
    cfg: &CheckConfig,
) -> Vec<Finding> {
    let mut out = Vec::new();
    if script.episode_number != ctx.episode_number {
        out.push(Finding::error(
            FindingKind::WrongEpisode,
            "episode_number",
            format!(
                "the script is for episode {}, expected {}",
                script.episode_number, ctx.episode_number
            ),
        ));
    }
    for (field, v) in [
        ("title", &script.title),
        ("summary", &script.summary),
        ("cliffhanger", &script.cliffhanger),
    ] {
        if v.trim().is_empty()
            && !(field == "cliffhanger" && ctx.episode_number == ctx.total_episodes)
        {
            out.push(Finding::error(FindingKind::EmptyField, field, "is empty"));
        }
    }
    if script.scenes.is_empty() {
        out.push(Finding::error(
            FindingKind::EmptyField,
            "scenes",
            "the script has no scenes",
        ));
    }
    let mut scene_numbers = HashSet::new();
    let mut line_ids = HashSet::new();
    for (i, s) in script.scenes.iter().enumerate() {
        if !scene_numbers.insert(s.number) {
            out.push(Finding::error(
                FindingKind::DuplicateScene,
                format!("scenes[{i}].number"),
                format!("scene {} appears twice", s.number),
            ));
        }
        if s.lines.is_empty() {
            out.push(Finding::error(
                FindingKind::EmptyField,
                format!("scenes[{i}].lines"),
                "the scene has no dialogue",
            ));
        }
        for (j, l) in s.lines.iter().enumerate() {
            if !line_ids.insert(l.id.as_str()) {
                out.push(Finding::error(
                    FindingKind::DuplicateLineId,
                    format!("scenes[{i}].lines[{j}].id"),
                    format!("line id \"{}\" is used twice", l.id),
                ));
            }
            let said = l.spoken();
            if l.text.trim().is_empty() && l.direction.is_empty() {
                out.push(Finding::error(
                    FindingKind::EmptyField,
                    format!("scenes[{i}].lines[{j}].text"),
                    "is empty",
                ));
            } else if !said.is_speakable() {
                out.push(Finding::error(
                    FindingKind::NothingToSpeak,
                    format!("scenes[{i}].lines[{j}].text"),
                    if said.directions.is_empty() {
                        format!(
                            "\"{}\" has nothing to speak: write the words the character says",
                            l.text.trim()
                        )
                    } else {
                        format!(
                            "is only a stage direction ({}): write the words the character says and keep directions out of dialogue",
                            said.directions.join(", ")
                        )
                    },
                ));
            }
        }
    }
    let minutes = ctx.series.episode_duration_min.max(1) as f64;
    let (lo, hi) = cfg.lines_per_10_min;
    let (lo, hi) = (
        (lo as f64 * minutes / 10.0).floor() as usize,
        (hi as f64 * minutes / 10.0).ceil() as usize,
    );
    let n = script.line_count();
    if n < lo || n > hi {
        out.push(Finding::error(
            FindingKind::DialogueCount,
            "scenes",
            format!("{n} dialogue lines; a {minutes}-minute episode needs {lo}–{hi}"),
        ));
    }
    let shot_scenes: HashSet<u32> = script.storyboard.iter().map(|s| s.scene).collect();
    for (i, s) in script.scenes.iter().enumerate() {
        if !shot_scenes.contains(&s.number) {
            out.push(Finding::error(
                FindingKind::SceneWithoutShots,
                format!("scenes[{i}]"),
                format!("scene {} has no storyboard shot", s.number),
            ));
        }
    }
    for (i, d) in script.character_developments.iter().enumerate() {
        let path = |f: &str| format!("character_developments[{i}].{f}");
        match (d.outfit.as_deref(), d.outfit_scene) {
            (None, Some(n)) => out.push(Finding::error(
                FindingKind::OutfitChange,
                path("outfit_scene"),
                format!("scene {n} is given but no outfit to change into"),
            )),
            (Some(_), Some(n)) if !scene_numbers.contains(&n) => out.push(Finding::error(
                FindingKind::OutfitChange,
                path("outfit_scene"),
                format!("there is no scene {n} to change clothes in"),
            )),
            _ => {}
        }
        // The outfit names a reference set and goes into prompts: a short line.
        if let Some(o) = d.outfit.as_deref()
            && (o.contains(['\n', '\r']) || o.trim().chars().count() > MAX_OUTFIT_CHARS)
        {
            out.push(Finding::error(
                FindingKind::OutfitChange,
                path("outfit"),
                format!("must be one line of at most {MAX_OUTFIT_CHARS} characters"),
            ));
        }
    }
    for (i, shot) in script.storyboard.iter().enumerate() {
        if !scene_numbers.contains(&shot.scene) {
            out.push(Finding::error(
                FindingKind::ShotForUnknownScene,
                format!("storyboard[{i}].scene"),
                format!("there is no scene {}", shot.scene),
            ));
        }
        if !(shot.duration_sec > 0.0 && shot.duration_sec <= 60.0) {
            out.push(Finding::error(
                FindingKind::ShotDuration,
                format!("storyboard[{i}].duration_sec"),
                format!("{} s is outside 0–60 s", shot.duration_sec),
            ));
        }
        let p = &shot.video_prompt;
        let path = format!("storyboard[{i}].video_prompt");
        if p.chars().any(is_hangul) {
            out.push(Finding::error(
                FindingKind::VideoPrompt,
                &path,
                "must be English (it contains Hangul)",
            ));
        }
        let words: Vec<&str> = p.split_whitespace().collect();
        if words.len() < 15 || words.len() > 50 {
            out.push(Finding::error(
                FindingKind::VideoPrompt,
                &path,
                format!("{} words; 15–50 are needed", words.len()),
            ));
        }
        let lower = p.to_lowercase();
        for w in lower.split(|c: char| !c.is_ascii_alphanumeric()) {
            if BANNED_PROMPT_WORDS.contains(&w) {
                out.push(Finding::error(
                    FindingKind::VideoPrompt,
                    &path,
                    format!("must not ask for \"{w}\" (models draw it)"),
                ));
            }
        }
        if shot.visual.trim().is_empty() {
            out.push(Finding::error(
                FindingKind::EmptyField,
                format!("storyboard[{i}].visual"),
                "the Korean visual note is empty",
            ));
        }
    }
    out
}
