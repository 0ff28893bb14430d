//! What in a line of dialogue is spoken, and what is a stage direction.
//!
//! Writers (LLMs above all) put directions inside dialogue: `(한숨) 그래, 알았어.`, `*웃으며* 그래.`,
//! `[작게] 가자.`. A voice must not read them and a subtitle must not show them, so they are split off before
//! voicing and subtitles and kept as the line's direction (which may steer the emotion). A line with nothing left
//! to say — `……`, `---`, `!!!`, `😊😊`, blanks, or only a direction — is never sent to a voice.

/// A line split into what is said and the directions that were written inside it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Spoken {
    /// The words to voice and subtitle: directions removed, whitespace collapsed, runs of dots or ellipses made
    /// one `…`, pictographs (emoji) removed. Empty when there is nothing to say.
    pub text: String,
    /// The directions found, in order, without their brackets (`한숨`, `웃으며`).
    pub directions: Vec<String>,
}

impl Spoken {
    /// True when the line has at least one letter or digit to say (Hangul, hanja, Latin, any script).
    pub fn is_speakable(&self) -> bool {
        has_words(&self.text)
    }
}

/// Bracket pairs that mark a direction inside dialogue.
const PAIRS: &[(char, char)] = &[
    ('(', ')'),
    ('（', '）'),
    ('[', ']'),
    ('［', '］'),
    ('【', '】'),
    ('〔', '〕'),
    ('*', '*'),
];

/// True when `text` contains a letter or a digit of any script. Lone Hangul jamo (ㅋㅋ, ㅠㅠ, ㅎㅎ) are chat
/// laughter and tears, not words a voice can say.
pub fn has_words(text: &str) -> bool {
    text.chars().any(|c| c.is_alphanumeric() && !is_jamo(c))
}

/// A lone Hangul letter (compatibility or conjoining jamo), as in ㅋㅋㅋ or ㅠㅠ.
fn is_jamo(c: char) -> bool {
    matches!(c as u32, 0x3131..=0x318E | 0x1100..=0x11FF)
}

/// A `*…*` span is a stage direction when it reads like one: a connective or adverbial verb ending (웃으며,
/// 울먹이고, 작게 — -며, -고, -서, -게, -듯, -채), or a non-verbal sound or act (한숨, 침묵, 웃음, …). Anything else
/// between asterisks is emphasis (`*정말* 몰랐어`): the asterisks go, the word stays.
fn is_direction_like(inner: &str) -> bool {
    const ACTS: &[&str] = &[
        "한숨",
        "침묵",
        "웃음",
        "눈물",
        "속삭임",
        "작게",
        "크게",
        "울음",
        "헛기침",
        "기침",
        "미소",
        "정적",
        "사이",
        "한동안",
        "머뭇",
        "혼잣말",
        "독백",
        "전화",
        "문자",
        "노크",
        "박수",
    ];
    let w = inner.trim();
    let last_word = w.split_whitespace().last().unwrap_or("");
    w.split_whitespace().count() > 2
        || ACTS.iter().any(|a| w.starts_with(a))
        || ["며", "고", "서", "게", "듯", "채", "면서"]
            .iter()
            .any(|e| last_word.ends_with(e))
}

/// Pictographs and the characters that join or vary them (emoji): drawn by some fonts, read aloud as their names
/// by some voices, said by none. Ranges from Unicode's emoji data (Extended_Pictographic, variation selectors,
/// ZWJ, skin-tone modifiers, regional indicators, keycap).
pub fn is_pictograph(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF
        | 0xFE00..=0xFE0F | 0x200D | 0x20E3 | 0xE0020..=0xE007F | 0x2190..=0x21FF
        | 0x2300..=0x23FF | 0x25A0..=0x25FF | 0x3030 | 0x303D | 0x3297 | 0x3299 | 0x00A9 | 0x00AE
        | 0x2122 | 0x2139 | 0x24C2)
}

/// Splits directions off `text` (see the module doc). An opening bracket without its closing one is kept as
/// text. Never fails; any input gives some (possibly empty) `Spoken`.
pub fn split_directions(text: &str) -> Spoken {
    let chars: Vec<char> = text.chars().collect();
    let mut said = String::new();
    let mut directions = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if let Some(&(_, close)) = PAIRS.iter().find(|(open, _)| *open == c)
            && let Some(len) = chars[i + 1..].iter().position(|x| *x == close)
        {
            let inner: String = chars[i + 1..i + 1 + len].iter().collect();
            let inner = inner.trim();
            if c == '*' && !is_direction_like(inner) {
                // Emphasis, not a direction: keep the words.
                said.push_str(inner);
            } else {
                if !inner.is_empty() {
                    directions.push(inner.to_string());
                }
                said.push(' ');
            }
            i += len + 2;
            continue;
        }
        said.push(c);
        i += 1;
    }
    Spoken {
        text: normalise(&said),
        directions,
    }
}

/// Whitespace collapsed and trimmed, `...`/`……` made one `…`, pictographs removed, stray leading punctuation
/// (left where a direction was cut out) dropped.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut dots = 0;
    let flush_dots = |out: &mut String, dots: &mut usize| {
        if *dots > 0 {
            out.push('…');
            *dots = 0;
        }
    };
    for c in text.chars() {
        // Pictographs and chat jamo (ㅋㅋ, ㅠㅠ) are not said.
        if is_pictograph(c) || is_jamo(c) {
            continue;
        }
        match c {
            '.' | '…' | '⋯' => {
                dots += if c == '.' { 1 } else { 3 };
                continue;
            }
            _ => {}
        }
        if dots > 0 {
            if dots < 3 {
                out.extend(std::iter::repeat_n('.', dots));
                dots = 0;
            } else {
                flush_dots(&mut out, &mut dots);
            }
        }
        if c.is_whitespace() {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    if dots > 0 {
        if dots < 3 {
            out.extend(std::iter::repeat_n('.', dots));
        } else {
            out.push('…');
        }
    }
    let out = out.trim();
    let out = out.trim_start_matches([',', '、', '，', ' ']);
    out.trim().to_string()
}

/// The normalised text to voice, or `None` when the line has nothing to say.
pub fn speakable(text: &str) -> Option<String> {
    let s = split_directions(text);
    s.is_speakable().then_some(s.text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directions_are_split_off_in_every_bracket() {
        let s = split_directions("(한숨) 그래, 알았어.");
        assert_eq!(s.text, "그래, 알았어.");
        assert_eq!(s.directions, ["한숨"]);
        let s = split_directions("*웃으며* 그래, 알았어.");
        assert_eq!(s.text, "그래, 알았어.");
        assert_eq!(s.directions, ["웃으며"]);
        let s = split_directions("[작게] 가자. （눈물을 닦으며） 이제.");
        assert_eq!(s.text, "가자. 이제.");
        assert_eq!(s.directions, ["작게", "눈물을 닦으며"]);
        // Emphasis between asterisks keeps its words; a direction between asterisks does not.
        assert_eq!(split_directions("*정말* 몰랐어.").text, "정말 몰랐어.");
        assert_eq!(
            split_directions("*정말* 몰랐어.").directions,
            Vec::<String>::new()
        );
        assert_eq!(split_directions("*한숨* 몰랐어.").directions, ["한숨"]);
        assert_eq!(split_directions("*작게 속삭이듯* 가자.").text, "가자.");
        // An unclosed bracket is text, not a direction.
        assert_eq!(split_directions("3) 이거야").text, "3) 이거야");
        assert_eq!(split_directions("(말끝을 흐리며").text, "(말끝을 흐리며");
    }

    #[test]
    fn lines_with_nothing_to_say_are_not_speakable() {
        for t in [
            "……",
            "...",
            "---",
            "!!!",
            "😊😊",
            "   ",
            "",
            "(한숨)",
            "*침묵*",
            "(한숨) ……",
        ] {
            assert_eq!(speakable(t), None, "{t:?}");
        }
        assert_eq!(speakable("그래…… 알았어..."), Some("그래… 알았어…".into()));
        assert_eq!(speakable("좋아 😊"), Some("좋아".into()));
        assert_eq!(speakable("ㅋㅋㅋ 진짜 웃기다"), Some("진짜 웃기다".into()));
        assert_eq!(speakable("  1등이야!  "), Some("1등이야!".into()));
        assert_eq!(speakable("OK."), Some("OK.".into()));
        assert_eq!(speakable("漢字 좋아"), Some("漢字 좋아".into()));
    }
}
