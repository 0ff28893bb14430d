//! Measures of dialogue that a person hears at once and a structural check cannot see: the same sentences and
//! tails over and over, a speaker naming themself in the third person, and narration or outline text pasted into
//! what a character says.
//!
//! Thresholds are calibrated on the labelled fixtures in `tests/pipeline/fixtures/dialogue/` (scripts marked varied or
//! repetitive, lines marked by kind); `tests/pipeline/dialogue.rs` checks every label and prints the figures.

use std::collections::HashMap;

/// A sentence (at least [`MIN_SENTENCE_CHARS`] letters) said in more than this share of an episode's lines, or in
/// more than 2 lines when that is more, is overused. Calibrated: in the varied fixtures no sentence passes it; in
/// the repetitive ones the tails ("나 진심이야", "정말이야") pass it several times over.
pub const OVERUSE_LINE_SHARE: f64 = 1.0 / 30.0;
/// Shorter sentences ("응.", "뭐?", "왜?") are left out of the count: people say them all the time.
pub const MIN_SENTENCE_CHARS: usize = 4;
/// A line opening (its first word: "솔직히", "그게", "있잖아") used by more than this share of the lines, or by more
/// than 3 when that is more, is a tic: counted like an overused sentence.
pub const OVERUSE_OPENING_SHARE: f64 = 0.08;
/// Distinct word pairs per word pair at which variety is full. Varied fixtures: 0.93–0.99; repetitive: 0.62–0.74.
pub const DISTINCT_2_FULL: f64 = 0.85;

/// How much an episode's dialogue repeats itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Repetition {
    /// Overused sentences (and line openings, as "그게 …") with the number of lines that say them, most first.
    pub overused: Vec<(String, usize)>,
    /// Share of lines that contain an overused sentence.
    pub overused_line_share: f64,
    /// Distinct word bigrams (within lines) over all word bigrams: 1.0 when nothing repeats.
    pub distinct_2: f64,
    /// 0–1: 1 − 2 × the overused share, capped by distinct-2 ÷ [`DISTINCT_2_FULL`].
    pub variety: f64,
}

fn letters(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).collect()
}

/// The sentences of a line, split at . ! ? … ~ and line breaks.
pub fn sentences(text: &str) -> Vec<String> {
    text.split(['.', '!', '?', '…', '~', '\n', '。'])
        .map(letters)
        .filter(|s| s.chars().count() >= MIN_SENTENCE_CHARS)
        .collect()
}

/// Measures repetition over `lines` (the spoken text of each line, in order).
pub fn repetition(lines: &[&str]) -> Repetition {
    let mut said_in: HashMap<String, usize> = HashMap::new();
    let per_line: Vec<Vec<String>> = lines
        .iter()
        .map(|l| {
            let mut s = sentences(l);
            s.sort();
            s.dedup();
            s
        })
        .collect();
    for s in per_line.iter().flatten() {
        *said_in.entry(s.clone()).or_default() += 1;
    }
    let limit = ((lines.len() as f64 * OVERUSE_LINE_SHARE).ceil() as usize).max(2);
    let mut overused: Vec<(String, usize)> =
        said_in.into_iter().filter(|(_, n)| *n > limit).collect();
    overused.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    // Openings: the first word of each line of two words or more.
    let openings: Vec<Option<String>> = lines
        .iter()
        .map(|l| {
            let mut words = l.split_whitespace();
            let first = letters(words.next()?);
            (words.next().is_some() && !first.is_empty()).then_some(first)
        })
        .collect();
    let mut opened: HashMap<&str, usize> = HashMap::new();
    for o in openings.iter().flatten() {
        *opened.entry(o.as_str()).or_default() += 1;
    }
    let open_limit = ((lines.len() as f64 * OVERUSE_OPENING_SHARE).ceil() as usize).max(3);
    let mut tics: Vec<(String, usize)> = opened
        .into_iter()
        .filter(|(_, n)| *n > open_limit)
        .map(|(o, n)| (o.to_string(), n))
        .collect();
    tics.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let over_lines = per_line
        .iter()
        .zip(&openings)
        .filter(|(ss, open)| {
            ss.iter().any(|s| overused.iter().any(|(o, _)| o == s))
                || open
                    .as_ref()
                    .is_some_and(|o| tics.iter().any(|(t, _)| t == o))
        })
        .count();
    overused.extend(tics.into_iter().map(|(o, n)| (format!("{o} …"), n)));
    overused.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let overused_line_share = if lines.is_empty() {
        0.0
    } else {
        over_lines as f64 / lines.len() as f64
    };
    let mut pairs: HashMap<(String, String), usize> = HashMap::new();
    let mut total = 0usize;
    for l in lines {
        let words: Vec<String> = l
            .split_whitespace()
            .map(letters)
            .filter(|w| !w.is_empty())
            .collect();
        for w in words.windows(2) {
            *pairs.entry((w[0].clone(), w[1].clone())).or_default() += 1;
            total += 1;
        }
    }
    let distinct_2 = if total == 0 {
        1.0
    } else {
        pairs.len() as f64 / total as f64
    };
    let variety = (1.0 - 2.0 * overused_line_share)
        .min(distinct_2 / DISTINCT_2_FULL)
        .clamp(0.0, 1.0);
    Repetition {
        overused,
        overused_line_share,
        distinct_2,
        variety,
    }
}

/// Particles after a name that make it the subject, topic, object or owner of a sentence.
const PARTICLES: &[&str] = &[
    "의", "이", "가", "은", "는", "을", "를", "에게", "한테", "도", "이가", "이는", "이도", "이의",
];

fn is_hangul(c: char) -> bool {
    ('가'..='힣').contains(&c)
}

/// The given name of a Korean full name ("송시우" → "시우"); None for names that are not two to four syllables
/// of Hangul.
pub fn given_name(full: &str) -> Option<&str> {
    let n = full.chars().count();
    if !(3..=4).contains(&n) || !full.chars().all(is_hangul) {
        return None;
    }
    full.char_indices().nth(1).map(|(i, _)| &full[i..])
}

/// Where `name` appears in `text` as a word followed by a particle (or alone), not inside another word.
fn names_as_word(text: &str, name: &str) -> bool {
    let mut from = 0;
    while let Some(i) = text[from..].find(name) {
        let at = from + i;
        let before = text[..at].chars().next_back();
        let after = &text[at + name.len()..];
        let word_start = before.is_none_or(|c| !is_hangul(c));
        let rest: String = after.chars().take_while(|c| is_hangul(*c)).collect();
        if word_start && (rest.is_empty() || PARTICLES.contains(&rest.as_str())) {
            return true;
        }
        from = at + name.len();
    }
    false
}

/// True when a character speaks of themself by name in the third person ("송시우의 휴대폰이 울린다" said by
/// 송시우; "시우는 그런 사람 아니야" said by 시우). `name` is the speaker's full name.
pub fn names_self(text: &str, name: &str) -> bool {
    if name.trim().is_empty() {
        return false;
    }
    if names_as_word(text, name) || names_as_word(text, &name.replace(' ', "")) {
        return true;
    }
    // The given name alone only with a subject/topic/possessive particle (a bare given name can be a word).
    given_name(name).is_some_and(|g| {
        ["의", "는", "가", "이가", "이는", "이의"]
            .iter()
            .any(|p| names_as_word_with(text, g, p))
    })
}

fn names_as_word_with(text: &str, name: &str, particle: &str) -> bool {
    let needle = format!("{name}{particle}");
    let mut from = 0;
    while let Some(i) = text[from..].find(&needle) {
        let at = from + i;
        let before = text[..at].chars().next_back();
        let after = text[at + needle.len()..].chars().next();
        if before.is_none_or(|c| !is_hangul(c)) && after.is_none_or(|c| !is_hangul(c)) {
            return true;
        }
        from = at + needle.len();
    }
    false
}

/// True when a sentence reads as narration (a stage direction or synopsis in the present plain form, "울린다",
/// "발견한다", "사라진다") about a named character: dialogue addresses someone; narration describes them.
pub fn is_narration(text: &str, cast_names: &[&str]) -> bool {
    text.split(['.', '!', '?', '…', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .any(|s| {
            let names_someone = cast_names.iter().any(|n| {
                names_as_word_with(s, n, "의")
                    || names_as_word_with(s, n, "이")
                    || names_as_word_with(s, n, "가")
                    || names_as_word_with(s, n, "은")
                    || names_as_word_with(s, n, "는")
                    || names_as_word_with(s, n, "을")
                    || names_as_word_with(s, n, "를")
                    || names_as_word_with(s, n, "에게")
            });
            names_someone && ends_in_plain_present(s)
        })
}

/// The sentence ends in the plain present "-ㄴ다/-는다" of a verb (narration's tense), e.g. 울린다, 먹는다.
fn ends_in_plain_present(s: &str) -> bool {
    let hangul: Vec<char> = s.chars().filter(|c| is_hangul(*c)).collect();
    let [.., before, last] = hangul.as_slice() else {
        return false;
    };
    if *last != '다' {
        return false;
    }
    // A syllable with the final consonant ㄴ (jongseong index 4), or 는.
    *before == '는' || (*before as u32 - 0xAC00) % 28 == 4
}

/// The longest run of characters (letters only, spaces ignored) that `line` shares with `source`, if at least
/// `min` long: outline text pasted into dialogue.
pub fn pasted_from(line: &str, source: &str, min: usize) -> Option<String> {
    let a: Vec<char> = letters(line).chars().collect();
    let b: Vec<char> = letters(source).chars().collect();
    if a.len() < min || b.len() < min {
        return None;
    }
    // Longest common substring by dynamic programming over two short strings.
    let mut best = (0usize, 0usize);
    let mut prev = vec![0usize; b.len() + 1];
    for i in 1..=a.len() {
        let mut cur = vec![0usize; b.len() + 1];
        for j in 1..=b.len() {
            if a[i - 1] == b[j - 1] {
                cur[j] = prev[j - 1] + 1;
                if cur[j] > best.0 {
                    best = (cur[j], i);
                }
            }
        }
        prev = cur;
    }
    (best.0 >= min).then(|| a[best.1 - best.0..best.1].iter().collect())
}

/// Letters shared with the outline that make a line a paste, not an echo of a name or a place.
pub const PASTE_MIN_CHARS: usize = 12;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_tails_are_overused_and_short_replies_are_not() {
        let mut lines: Vec<String> = (0..30)
            .map(|i| format!("오늘은 {i}번째 이야기를 해 볼게. 나 진심이야."))
            .collect();
        lines.extend((0..10).map(|_| "응.".to_string()));
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let r = repetition(&refs);
        assert_eq!(r.overused.len(), 2, "{:?}", r.overused);
        assert_eq!(r.overused[0].0, "나진심이야");
        assert_eq!(
            r.overused[1].0, "오늘은 …",
            "the same opening on every line"
        );
        assert!(r.variety < 0.6, "{r:?}");
    }

    #[test]
    fn self_naming_and_narration_are_told_from_dialogue() {
        assert!(names_self(
            "회사 로비에서 송시우의 휴대폰이 울린다… 이게 무슨 일이야?",
            "송시우"
        ));
        assert!(names_self("시우는 그런 사람 아니야.", "송시우"));
        assert!(!names_self("시우야, 잠깐만.", "한지민"));
        assert!(!names_self("나는 그런 사람 아니야.", "송시우"));
        assert!(
            !names_self("정부 지원을 받았어.", "김지원"),
            "a given name inside another word"
        );
        assert!(is_narration(
            "회사 로비에서 송시우의 휴대폰이 울린다",
            &["송시우"]
        ));
        assert!(!is_narration("송시우, 전화 왔어.", &["송시우"]));
        assert!(!is_narration("알았다, 간다!", &["송시우"]));
        assert_eq!(
            pasted_from(
                "설마… 모든 것을 털어놓으려는 순간 ?",
                "지호가 모든 것을 털어놓으려는 순간 전화가 울린다",
                12
            )
            .as_deref(),
            Some("모든것을털어놓으려는순간")
        );
        assert_eq!(
            pasted_from("카페에서 보자.", "카페에서 두 사람이 만난다", 12),
            None
        );
    }
}
