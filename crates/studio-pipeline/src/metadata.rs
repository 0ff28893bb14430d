//! # Upload metadata
//!
//! Title, description and tags for an episode, from the design documents' `UPLOAD_CONFIG` templates, fitted to
//! YouTube's limits with care rather than rejected: the title keeps "{drama} EP.{n}" and shortens the episode title;
//! the description shortens the summary first (at a sentence or word boundary), then the teaser, and drops the
//! chapters last; tags are de-duplicated and the least important ones dropped. Every change is reported in
//! `adjustments` so the review screen can show it.
//!
//! Limits (YouTube Data API `videos.insert`): title ≤ 100 characters, no `<` or `>`; description ≤ 5000 UTF-8
//! bytes, no `<` or `>`; tags ≤ 500 characters in total, counting the commas between tags and two quote
//! characters for a tag that contains a space. Chapters follow YouTube's rules: the first at 0:00, at least three,
//! each at least 10 seconds long, in ascending order — otherwise they are left out (and the reason noted).

use serde::{Deserialize, Serialize};

pub const TITLE_MAX_CHARS: usize = 100;
pub const DESCRIPTION_MAX_BYTES: usize = 5000;
pub const TAGS_MAX_CHARS: usize = 500;
pub const CHAPTER_MIN_SEC: f64 = 10.0;
pub const CHAPTERS_MIN: usize = 3;

/// The templates (the seed's UPLOAD_CONFIG, with honest credits and a real next-episode teaser).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MetadataTemplate {
    /// Placeholders: `{drama_title}`, `{episode_number}`, `{episode_title}`.
    pub title: String,
    /// Placeholders: the title ones plus `{episode_summary}`, `{next_teaser}`, `{chapters}`, `{credits}`, `{genre}`.
    /// A line whose placeholders are all empty is dropped, and so is a section header (`[…]`) left without body.
    pub description: String,
    /// Tags for every episode, most important first; the series' genre and title are added after them.
    pub tags: Vec<String>,
    pub category_id: String,
    pub language: String,
}

impl Default for MetadataTemplate {
    fn default() -> Self {
        Self {
            title: "{drama_title} EP.{episode_number} - {episode_title}".into(),
            description: "{drama_title} {episode_number}화 - {episode_title}\n\n\
                          {credits}\n\n\
                          [줄거리]\n{episode_summary}\n\n\
                          [다음 이야기]\n{next_teaser}\n\n\
                          [챕터]\n{chapters}\n\n\
                          #AI드라마 #웹드라마 #{genre}"
                .into(),
            tags: [
                "AI드라마",
                "웹드라마",
                "AI",
                "인공지능",
                "AIContent",
                "WebDrama",
                "KDrama",
            ]
            .map(String::from)
            .to_vec(),
            category_id: "24".into(),
            language: "ko".into(),
        }
    }
}

/// What an episode's metadata is made from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MetadataInput {
    pub drama_title: String,
    pub episode_number: u32,
    pub episode_title: String,
    /// The genre as a hashtag word (e.g. "로맨스").
    pub genre: String,
    pub summary: String,
    /// The next episode's hook, when there is one.
    pub next_teaser: Option<String>,
    /// (start second, title) per scene, in order.
    pub chapters: Vec<(f64, String)>,
    /// Who made what, one line each (e.g. "✍️ 각본: 오프라인 템플릿 작가").
    pub credits: Vec<String>,
    /// Extra tags (characters, genre words), after the template's.
    pub extra_tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoMetadata {
    pub title: String,
    pub description: String,
    pub tags: Vec<String>,
    pub category_id: String,
    pub default_language: String,
    /// Always declared: the studio's pictures and voices are synthetic.
    pub contains_synthetic_media: bool,
    pub self_declared_made_for_kids: bool,
    /// Whether the description carries valid chapters.
    pub chapters: bool,
    /// What was shortened, replaced or left out to fit YouTube's rules.
    pub adjustments: Vec<String>,
}

/// Counts tags the way YouTube does: commas between tags, and quotes around a tag with a space.
pub fn tags_length(tags: &[String]) -> usize {
    let body: usize = tags
        .iter()
        .map(|t| t.chars().count() + if t.contains(' ') { 2 } else { 0 })
        .sum();
    body + tags.len().saturating_sub(1)
}

/// The problems YouTube would reject, empty when the metadata is fine.
pub fn validate(m: &VideoMetadata) -> Vec<String> {
    let mut out = Vec::new();
    let n = m.title.chars().count();
    if m.title.trim().is_empty() {
        out.push("title is empty".into());
    }
    if n > TITLE_MAX_CHARS {
        out.push(format!(
            "title has {n} characters (at most {TITLE_MAX_CHARS})"
        ));
    }
    if m.title.contains(['<', '>']) {
        out.push("title contains < or >".into());
    }
    if m.description.len() > DESCRIPTION_MAX_BYTES {
        out.push(format!(
            "description has {} bytes (at most {DESCRIPTION_MAX_BYTES})",
            m.description.len()
        ));
    }
    if m.description.contains(['<', '>']) {
        out.push("description contains < or >".into());
    }
    let t = tags_length(&m.tags);
    if t > TAGS_MAX_CHARS {
        out.push(format!(
            "tags count {t} characters (at most {TAGS_MAX_CHARS})"
        ));
    }
    out
}

/// `<` and `>` are refused by YouTube; their look-alikes are not.
fn no_angles(s: &str) -> String {
    s.replace('<', "‹").replace('>', "›")
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Shortens `s` to at most `max` characters, at a word boundary when one is near, ending with "…".
pub fn shorten_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let keep: String = s.chars().take(max - 1).collect();
    let cut = match keep.rfind(char::is_whitespace) {
        Some(i) if keep[..i].chars().count() * 4 >= max * 3 => keep[..i].trim_end().to_string(),
        _ => keep.trim_end().to_string(),
    };
    format!("{cut}…")
}

/// Shortens `s` to at most `max` UTF-8 bytes: at a sentence end when one is in the last third, else a word
/// boundary, else a character boundary; ends with "…" when anything was cut.
pub fn shorten_bytes(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let ell = "…";
    if max < ell.len() {
        return String::new();
    }
    let mut end = max - ell.len();
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let keep = &s[..end];
    let sentence = keep
        .char_indices()
        .filter(|(_, c)| matches!(c, '.' | '!' | '?' | '。'))
        .map(|(i, c)| i + c.len_utf8())
        .next_back()
        .filter(|&i| i * 3 >= end * 2);
    if let Some(i) = sentence {
        return keep[..i].to_string();
    }
    let word = keep
        .rfind(char::is_whitespace)
        .filter(|&i| i * 4 >= end * 3);
    match word {
        Some(i) => format!("{}{ell}", keep[..i].trim_end()),
        None => format!("{keep}{ell}"),
    }
}

fn timestamp(sec: f64) -> String {
    let s = sec.max(0.0).floor() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// YouTube chapters: merges chapters shorter than 10 s into the one before, starts the first at 0:00, and
/// returns None (with the reason) when fewer than three remain.
pub fn chapter_lines(chapters: &[(f64, String)], total_sec: f64) -> Result<Vec<String>, String> {
    let mut kept: Vec<(f64, String)> = Vec::new();
    let mut sorted: Vec<(f64, String)> = chapters
        .iter()
        .filter(|(s, t)| s.is_finite() && !t.trim().is_empty())
        .cloned()
        .collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (i, (start, title)) in sorted.iter().enumerate() {
        let start = if i == 0 { 0.0 } else { *start };
        if let Some(last) = kept.last()
            && start - last.0 < CHAPTER_MIN_SEC
        {
            // The previous chapter would be too short: this one starts later, so merge into it.
            continue;
        }
        kept.push((start, one_line(&no_angles(title))));
    }
    // The last chapter must also last 10 s.
    while kept.len() > 1 && total_sec - kept[kept.len() - 1].0 < CHAPTER_MIN_SEC {
        kept.pop();
    }
    if kept.len() < CHAPTERS_MIN {
        return Err(format!(
            "chapters left out: {} of at least {CHAPTER_MIN_SEC:.0} s (YouTube needs {CHAPTERS_MIN})",
            kept.len()
        ));
    }
    Ok(kept
        .iter()
        .map(|(s, t)| format!("{} {}", timestamp(*s), shorten_chars(t, 80)))
        .collect())
}

fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = Vec::new();
    for line in template.lines() {
        let mut l = line.to_string();
        let mut had = false;
        let mut all_empty = true;
        for (k, v) in vars {
            let key = format!("{{{k}}}");
            if l.contains(&key) {
                had = true;
                all_empty &= v.is_empty();
                l = l.replace(&key, v);
            }
        }
        if had && all_empty && l.trim().is_empty() {
            continue;
        }
        out.push(l);
    }
    // Drop section headers left without a body, and collapse runs of blank lines.
    let mut cleaned: Vec<String> = Vec::new();
    for (i, l) in out.iter().enumerate() {
        let t = l.trim();
        let header = t.starts_with('[') && t.ends_with(']');
        let next_blank = out.get(i + 1).is_none_or(|n| n.trim().is_empty());
        if header && next_blank {
            continue;
        }
        if t.is_empty() && cleaned.last().is_none_or(|p: &String| p.trim().is_empty()) {
            continue;
        }
        cleaned.push(l.clone());
    }
    while cleaned.last().is_some_and(|l| l.trim().is_empty()) {
        cleaned.pop();
    }
    cleaned.join("\n")
}

/// Builds the metadata and fits it to YouTube's limits. `total_sec` is the rendered length (for chapters).
pub fn build(input: &MetadataInput, tpl: &MetadataTemplate, total_sec: f64) -> VideoMetadata {
    let mut adjustments = Vec::new();
    let drama = one_line(&no_angles(&input.drama_title));
    let ep_title = one_line(&no_angles(&input.episode_title));
    let n = input.episode_number.to_string();
    if input.drama_title.contains(['<', '>']) || input.episode_title.contains(['<', '>']) {
        adjustments.push("‹ › replace < > in the title (YouTube refuses them)".into());
    }

    // Title: shorten the episode title first, then the drama title.
    let title_with = |d: &str, e: &str| {
        one_line(
            &tpl.title
                .replace("{drama_title}", d)
                .replace("{episode_number}", &n)
                .replace("{episode_title}", e),
        )
        .trim_end_matches([' ', '-'])
        .to_string()
    };
    let mut title = title_with(&drama, &ep_title);
    if title.chars().count() > TITLE_MAX_CHARS {
        let fixed = title_with(&drama, "").chars().count();
        let room = TITLE_MAX_CHARS.saturating_sub(fixed + 3);
        let short_ep = if room >= 8 {
            shorten_chars(&ep_title, room)
        } else {
            String::new()
        };
        title = title_with(&drama, &short_ep);
        if title.chars().count() > TITLE_MAX_CHARS {
            let over = title.chars().count() - TITLE_MAX_CHARS;
            let d = shorten_chars(&drama, drama.chars().count().saturating_sub(over));
            title = title_with(&d, &short_ep);
        }
        title = shorten_chars(&title, TITLE_MAX_CHARS);
        adjustments.push(format!(
            "title shortened to {} characters",
            title.chars().count()
        ));
    }
    let title = no_angles(&title);

    // Description: chapters, then shorten the summary, then the teaser, then drop chapters and credits.
    let (chapters, chapter_note) = match chapter_lines(&input.chapters, total_sec) {
        Ok(c) => (c.join("\n"), None),
        Err(why) => (String::new(), Some(why)),
    };
    if let Some(why) = chapter_note
        && !input.chapters.is_empty()
    {
        adjustments.push(why);
    }
    let mut summary = no_angles(input.summary.trim());
    let mut teaser = no_angles(input.next_teaser.as_deref().unwrap_or("").trim());
    let mut chapters = chapters;
    let mut credits = no_angles(&input.credits.join("\n"));
    let genre = one_line(&no_angles(&input.genre)).replace(' ', "");
    let render = |summary: &str, teaser: &str, chapters: &str, credits: &str| {
        fill(
            &tpl.description,
            &[
                ("drama_title", &drama),
                ("episode_number", &n),
                ("episode_title", &ep_title),
                ("episode_summary", summary),
                ("next_teaser", teaser),
                ("chapters", chapters),
                ("credits", credits),
                ("genre", &genre),
            ],
        )
    };
    let mut description = render(&summary, &teaser, &chapters, &credits);
    if description.len() > DESCRIPTION_MAX_BYTES {
        let over = description.len() - DESCRIPTION_MAX_BYTES;
        let keep = summary.len().saturating_sub(over).max(summary.len() / 4);
        summary = shorten_bytes(&summary, keep);
        adjustments.push(format!("summary shortened to {} bytes", summary.len()));
        description = render(&summary, &teaser, &chapters, &credits);
    }
    if description.len() > DESCRIPTION_MAX_BYTES {
        let over = description.len() - DESCRIPTION_MAX_BYTES;
        teaser = shorten_bytes(&teaser, teaser.len().saturating_sub(over));
        adjustments.push("next-episode teaser shortened".into());
        description = render(&summary, &teaser, &chapters, &credits);
    }
    if description.len() > DESCRIPTION_MAX_BYTES && !chapters.is_empty() {
        chapters.clear();
        adjustments.push("chapters left out to fit 5000 bytes".into());
        description = render(&summary, &teaser, &chapters, &credits);
    }
    if description.len() > DESCRIPTION_MAX_BYTES && !credits.is_empty() {
        credits.clear();
        adjustments.push("credits left out to fit 5000 bytes".into());
        description = render(&summary, &teaser, &chapters, &credits);
    }
    if description.len() > DESCRIPTION_MAX_BYTES {
        description = shorten_bytes(&description, DESCRIPTION_MAX_BYTES);
        adjustments.push("description cut at 5000 bytes".into());
    }
    let has_chapters = !chapters.is_empty();

    // Tags: template first, then genre, drama title, extras; no duplicates, no commas or angle brackets.
    let mut tags: Vec<String> = Vec::new();
    let candidates = tpl
        .tags
        .iter()
        .chain(std::iter::once(&genre))
        .chain(std::iter::once(&drama))
        .chain(input.extra_tags.iter());
    for t in candidates {
        let t = one_line(&no_angles(t).replace(',', " "));
        let t = t.trim_matches('#').trim().to_string();
        if t.is_empty() || tags.iter().any(|x| x.to_lowercase() == t.to_lowercase()) {
            continue;
        }
        tags.push(t);
    }
    let mut dropped = 0;
    while tags_length(&tags) > TAGS_MAX_CHARS {
        tags.pop();
        dropped += 1;
    }
    if dropped > 0 {
        adjustments.push(format!(
            "{dropped} tags left out to fit {TAGS_MAX_CHARS} characters"
        ));
    }

    VideoMetadata {
        title,
        description,
        tags,
        category_id: tpl.category_id.clone(),
        default_language: tpl.language.clone(),
        contains_synthetic_media: true,
        self_declared_made_for_kids: false,
        chapters: has_chapters,
        adjustments,
    }
}

impl VideoMetadata {
    /// The checkable part of a YouTube `snippet` (as stored in `package/metadata.json`).
    pub fn from_snippet(sn: &serde_json::Value) -> VideoMetadata {
        VideoMetadata {
            title: sn["title"].as_str().unwrap_or("").into(),
            description: sn["description"].as_str().unwrap_or("").into(),
            tags: sn["tags"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|t| t.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            category_id: sn["categoryId"].as_str().unwrap_or("24").into(),
            default_language: sn["defaultLanguage"].as_str().unwrap_or("ko").into(),
            contains_synthetic_media: true,
            self_declared_made_for_kids: false,
            chapters: false,
            adjustments: vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> MetadataInput {
        MetadataInput {
            drama_title: "서울, 봄날의 계약".into(),
            episode_number: 1,
            episode_title: "계약의 시작".into(),
            genre: "로맨스".into(),
            summary: "서윤은 계약 연애를 제안받는다. 도현은 비밀을 숨긴다.".into(),
            next_teaser: Some("도현의 비밀이 드러난다.".into()),
            chapters: vec![
                (0.0, "카페".into()),
                (65.0, "회사".into()),
                (130.0, "옥상".into()),
            ],
            credits: vec!["✍️ 각본: 오프라인 템플릿 작가".into()],
            extra_tags: vec!["서윤".into(), "도현".into()],
        }
    }

    #[test]
    fn the_seed_template_fills_in_order() {
        let m = build(&input(), &MetadataTemplate::default(), 200.0);
        assert_eq!(m.title, "서울, 봄날의 계약 EP.1 - 계약의 시작");
        assert!(
            m.description
                .starts_with("서울, 봄날의 계약 1화 - 계약의 시작\n")
        );
        assert!(m.description.contains("[줄거리]\n서윤은 계약 연애를"));
        assert!(m.description.contains("[다음 이야기]\n도현의 비밀이"));
        assert!(m.description.contains("0:00 카페\n1:05 회사\n2:10 옥상"));
        assert!(m.description.ends_with("#AI드라마 #웹드라마 #로맨스"));
        assert!(m.chapters);
        assert!(m.contains_synthetic_media);
        assert!(m.tags.contains(&"로맨스".to_string()) && m.tags.contains(&"서윤".to_string()));
        assert!(validate(&m).is_empty());
        assert!(m.adjustments.is_empty(), "{:?}", m.adjustments);
    }

    #[test]
    fn a_missing_teaser_drops_its_section() {
        let mut i = input();
        i.next_teaser = None;
        let m = build(&i, &MetadataTemplate::default(), 200.0);
        assert!(
            !m.description.contains("[다음 이야기]"),
            "{}",
            m.description
        );
        assert!(!m.description.contains("\n\n\n"));
    }

    #[test]
    fn short_or_few_chapters_are_merged_or_left_out() {
        // 5 s scene merges into the one before; the last scene must last 10 s.
        let c = vec![
            (0.0, "a".to_string()),
            (30.0, "b".to_string()),
            (33.0, "c".to_string()),
            (60.0, "d".to_string()),
            (95.0, "e".to_string()),
        ];
        let lines = chapter_lines(&c, 100.0).unwrap();
        assert_eq!(lines, vec!["0:00 a", "0:30 b", "1:00 d"]);
        assert!(chapter_lines(&c[..2], 100.0).is_err());
        // The first chapter always starts at 0:00.
        let late = vec![
            (3.0, "x".to_string()),
            (40.0, "y".to_string()),
            (80.0, "z".to_string()),
        ];
        assert_eq!(chapter_lines(&late, 120.0).unwrap()[0], "0:00 x");
        assert_eq!(timestamp(3725.0), "1:02:05");
    }

    #[test]
    fn korean_text_at_the_byte_limit_is_shortened_at_a_boundary() {
        let mut i = input();
        // ~3 bytes per Hangul syllable: 2500 syllables in sentences are 7500+ bytes.
        i.summary = "서윤은 도현에게 계약서를 내민다. ".repeat(200);
        let m = build(&i, &MetadataTemplate::default(), 200.0);
        assert!(
            m.description.len() <= DESCRIPTION_MAX_BYTES,
            "{}",
            m.description.len()
        );
        assert!(
            m.description.len() > DESCRIPTION_MAX_BYTES - 200,
            "too much was cut"
        );
        assert!(validate(&m).is_empty());
        // Still valid UTF-8 ending on a sentence, and the sections after the summary survive.
        assert!(m.description.contains("계약서를 내민다.\n\n[다음 이야기]"));
        assert!(m.description.contains("0:00 카페"));
        assert!(
            m.adjustments
                .iter()
                .any(|a| a.contains("summary shortened"))
        );

        // Exactly at the limit is kept as is.
        let base = build(
            &MetadataInput {
                summary: String::new(),
                ..input()
            },
            &MetadataTemplate::default(),
            200.0,
        );
        let room = DESCRIPTION_MAX_BYTES - base.description.len() - "[줄거리]\n\n\n".len();
        let exact = "가".repeat(room / 3) + &"a".repeat(room % 3);
        let m = build(
            &MetadataInput {
                summary: exact.clone(),
                ..input()
            },
            &MetadataTemplate::default(),
            200.0,
        );
        assert_eq!(m.description.len(), DESCRIPTION_MAX_BYTES);
        assert!(m.description.contains(&exact));
        assert!(m.adjustments.is_empty(), "{:?}", m.adjustments);
    }

    #[test]
    fn a_long_korean_title_keeps_the_series_and_episode_number() {
        let mut i = input();
        i.episode_title = "끝나지 않는 봄날의 약속과 계약 그리고 비밀 ".repeat(6);
        let m = build(&i, &MetadataTemplate::default(), 200.0);
        assert!(m.title.chars().count() <= TITLE_MAX_CHARS);
        assert!(m.title.starts_with("서울, 봄날의 계약 EP.1 - 끝나지"));
        assert!(m.title.ends_with('…'));
        // Exactly 100 characters is kept.
        let fixed = "서울, 봄날의 계약 EP.1 - ".chars().count();
        i.episode_title = "가".repeat(TITLE_MAX_CHARS - fixed);
        let m = build(&i, &MetadataTemplate::default(), 200.0);
        assert_eq!(m.title.chars().count(), TITLE_MAX_CHARS);
        assert!(!m.title.ends_with('…'));
        // An absurd drama title is shortened too.
        i.drama_title = "봄".repeat(150);
        let m = build(&i, &MetadataTemplate::default(), 200.0);
        assert!(validate(&m).is_empty(), "{:?}", validate(&m));
        assert!(m.title.contains("EP.1"));
    }

    #[test]
    fn angle_brackets_are_replaced_not_rejected() {
        let mut i = input();
        i.episode_title = "<비밀>".into();
        i.summary = "a < b > c".into();
        let m = build(&i, &MetadataTemplate::default(), 200.0);
        assert!(m.title.contains("‹비밀›"));
        assert!(validate(&m).is_empty());
    }

    #[test]
    fn tags_are_counted_the_youtube_way_and_trimmed() {
        assert_eq!(tags_length(&["Foo Baz".to_string()]), 9);
        assert_eq!(tags_length(&["a".to_string(), "b".to_string()]), 3);
        let mut i = input();
        i.extra_tags = (0..200).map(|k| format!("등장인물 {k}")).collect();
        i.extra_tags.push("AI드라마".into());
        let m = build(&i, &MetadataTemplate::default(), 200.0);
        assert!(tags_length(&m.tags) <= TAGS_MAX_CHARS);
        assert!(tags_length(&m.tags) > TAGS_MAX_CHARS - 12);
        assert_eq!(m.tags[0], "AI드라마", "template tags come first");
        assert_eq!(m.tags.iter().filter(|t| *t == "AI드라마").count(), 1);
        assert!(m.adjustments.iter().any(|a| a.contains("tags left out")));
    }

    #[test]
    fn shortening_never_splits_a_character() {
        let s = "가나다라마바사 아자차카타파하".repeat(10);
        for max in 0..s.len() {
            let t = shorten_bytes(&s, max);
            assert!(t.len() <= max, "{max}: {}", t.len());
        }
        for max in 0..40 {
            assert!(shorten_chars(&s, max).chars().count() <= max);
        }
    }
}
