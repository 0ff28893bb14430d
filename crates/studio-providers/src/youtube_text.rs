//! YouTube's rules for every text field we send, applied in one place at the edge: video title, description and
//! tags, playlist title and description, caption track name. Each field has its own limits; every function lists
//! what it changed so the caller can tell the person.
//!
//! Sources (YouTube Data API v3 reference): Videos resource — `snippet.title` at most 100 characters and no `<` or
//! `>`, `snippet.description` at most 5000 bytes and no `<` or `>`, `snippet.tags[]` at most 500 characters in all
//! (a tag with a space counts its quotes; commas separate tags); Playlists resource — `snippet.title` at most 150
//! characters, `snippet.description` at most 5000 bytes; Captions resource — `snippet.name` at most 150
//! characters. Angle brackets are refused in every snippet text field (`invalidTitle`, `invalidDescription`,
//! `invalidPlaylistSnippet`), so they become the look-alikes ‹ ›.

use serde_json::Value;

/// A text field YouTube takes from us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    VideoTitle,
    VideoDescription,
    PlaylistTitle,
    PlaylistDescription,
    CaptionName,
}

impl TextField {
    fn name(self) -> &'static str {
        match self {
            TextField::VideoTitle => "video title",
            TextField::VideoDescription => "video description",
            TextField::PlaylistTitle => "playlist title",
            TextField::PlaylistDescription => "playlist description",
            TextField::CaptionName => "caption track name",
        }
    }
    /// (limit, counted in bytes rather than characters, one line only)
    fn limit(self) -> (usize, bool, bool) {
        match self {
            TextField::VideoTitle => (100, false, true),
            TextField::VideoDescription | TextField::PlaylistDescription => (5000, true, false),
            TextField::PlaylistTitle | TextField::CaptionName => (150, false, true),
        }
    }
}

pub use studio_pipeline::metadata::{TAGS_MAX_CHARS, shorten_bytes, shorten_chars, tags_length};

/// `text` made acceptable for `field`, and what was changed (empty when nothing was).
pub fn clean(field: TextField, text: &str) -> (String, Vec<String>) {
    let (limit, bytes, one_line) = field.limit();
    let mut changes = Vec::new();
    // Line breaks and tabs are whitespace (a title is then joined onto one line); other control characters go.
    let mut out: String = text
        .chars()
        .filter(|c| !c.is_control() || c.is_whitespace())
        .map(|c| {
            if c.is_whitespace() && c != '\n' {
                ' '
            } else {
                c
            }
        })
        .collect();
    if out.chars().count() != text.chars().count() {
        changes.push(format!("{}: control characters removed", field.name()));
    }
    if one_line {
        let joined = out.split_whitespace().collect::<Vec<_>>().join(" ");
        if joined != out {
            out = joined;
        }
    }
    if out.contains(['<', '>']) {
        out = out.replace('<', "‹").replace('>', "›");
        changes.push(format!(
            "{}: < > replaced by ‹ › (YouTube refuses them)",
            field.name()
        ));
    }
    let over = if bytes {
        out.len() > limit
    } else {
        out.chars().count() > limit
    };
    if over {
        out = if bytes {
            shorten_bytes(&out, limit)
        } else {
            shorten_chars(&out, limit)
        };
        changes.push(format!(
            "{}: shortened to {limit} {}",
            field.name(),
            if bytes { "bytes" } else { "characters" }
        ));
    }
    (out, changes)
}

/// Tags made acceptable: no angle brackets or commas inside a tag, no empty or repeated tags, and the last ones
/// left out when all of them count over [`TAGS_MAX_CHARS`].
pub fn clean_tags(tags: &[String]) -> (Vec<String>, Vec<String>) {
    let mut changes = Vec::new();
    let mut out: Vec<String> = Vec::new();
    for t in tags {
        let c = t
            .replace(['<', '>', ','], " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if c != *t {
            changes.push(format!("tag \"{t}\": < > , and extra spaces removed"));
        }
        if !c.is_empty() && !out.contains(&c) {
            out.push(c);
        }
    }
    while tags_length(&out) > TAGS_MAX_CHARS {
        if let Some(t) = out.pop() {
            changes.push(format!(
                "tag \"{t}\" left out (tags count at most {TAGS_MAX_CHARS} characters)"
            ));
        }
    }
    (out, changes)
}

/// Cleans the text fields of a video resource (`snippet.title`, `snippet.description`, `snippet.tags`) in place.
pub fn clean_video_resource(resource: &mut Value) -> Vec<String> {
    let mut changes = Vec::new();
    let Some(snippet) = resource.get_mut("snippet").and_then(|s| s.as_object_mut()) else {
        return changes;
    };
    for (key, field) in [
        ("title", TextField::VideoTitle),
        ("description", TextField::VideoDescription),
    ] {
        if let Some(v) = snippet.get(key).and_then(|v| v.as_str()) {
            let (c, ch) = clean(field, v);
            changes.extend(ch);
            snippet.insert(key.into(), Value::String(c));
        }
    }
    if let Some(tags) = snippet.get("tags").and_then(|v| v.as_array()) {
        let tags: Vec<String> = tags
            .iter()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect();
        let (c, ch) = clean_tags(&tags);
        changes.extend(ch);
        snippet.insert("tags".into(), Value::from(c));
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_loses_angle_brackets_and_fits_its_own_limit() {
        let (t, ch) = clean(TextField::PlaylistTitle, "우리 사이 <3");
        assert_eq!(t, "우리 사이 ‹3");
        assert_eq!(ch.len(), 1);
        let (d, _) = clean(TextField::PlaylistDescription, "a <b> c\n둘째 줄");
        assert_eq!(d, "a ‹b› c\n둘째 줄");
        let (n, _) = clean(TextField::CaptionName, "한국어 <자막>");
        assert_eq!(n, "한국어 ‹자막›");
        let long = "가".repeat(200);
        assert_eq!(
            clean(TextField::PlaylistTitle, &long).0.chars().count(),
            150
        );
        assert_eq!(clean(TextField::VideoTitle, &long).0.chars().count(), 100);
        assert_eq!(clean(TextField::CaptionName, &long).0.chars().count(), 150);
        let huge = "설명 ".repeat(2000);
        assert!(clean(TextField::VideoDescription, &huge).0.len() <= 5000);
        assert!(clean(TextField::PlaylistDescription, &huge).0.len() <= 5000);
        // Titles are one line; nothing changes when nothing needs to.
        assert_eq!(clean(TextField::VideoTitle, "a\nb").0, "a b");
        assert!(clean(TextField::VideoTitle, "첫사랑 EP.1").1.is_empty());
    }

    #[test]
    fn tags_are_cleaned_and_fitted() {
        let tags: Vec<String> = ["<웹드라마>", "a,b", "웹드라마", ""]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let (t, ch) = clean_tags(&tags);
        assert_eq!(t, ["웹드라마", "a b"]);
        assert!(!ch.is_empty());
        let many: Vec<String> = (0..100).map(|i| format!("태그{i:03}")).collect();
        let (t, _) = clean_tags(&many);
        assert!(tags_length(&t) <= TAGS_MAX_CHARS);
        let mut r = serde_json::json!({"snippet": {"title": "우리 사이 <3", "description": "<>", "tags": ["<a>"]}});
        let ch = clean_video_resource(&mut r);
        assert_eq!(r["snippet"]["title"], "우리 사이 ‹3");
        assert_eq!(r["snippet"]["tags"], serde_json::json!(["a"]));
        assert_eq!(ch.len(), 3);
    }
}
