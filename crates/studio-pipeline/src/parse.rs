//! Turning a writer's reply text into typed values. Replies come from LLMs and local servers, so nothing here
//! trusts the input: fences and prose around the JSON are tolerated, every error names the JSON path, and no input
//! can panic (fuzzed in tests).

use serde_json::Value;
use studio_domain::{EpisodeScript, SeriesPlan};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[error("{}{message}", if path.is_empty() || path == "." { String::new() } else { format!("at {path}: ") })]
pub struct ParseError {
    pub path: String,
    pub message: String,
}

impl ParseError {
    fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// What parsing had to repair, to be reported with the result.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ParseNotes {
    /// Storyboard indexes whose clip_priority was missing or not "high"/"low".
    pub clip_priority_missing: Vec<usize>,
}

/// The JSON object inside a reply: strips code fences and any prose before the first `{` / after the last `}`.
/// (A rough cut for a first look; [`json_value`] is what parses replies.)
pub fn extract_json(text: &str) -> Option<&str> {
    let start = text.find('{')?;
    // No closing brace after the first opening one: hand over the rest, so the JSON error says where it stops.
    match text.rfind('}').filter(|e| *e > start) {
        Some(end) => Some(&text[start..=end]),
        None => Some(&text[start..]),
    }
}

/// `text` without reasoning blocks (`<think>…</think>`, `<thinking>…</thinking>`) that models put before the
/// answer; an unclosed block hides everything after it, so it is kept as it is.
fn without_reasoning(text: &str) -> String {
    let mut out = text.to_string();
    for (open, close) in [("<think>", "</think>"), ("<thinking>", "</thinking>")] {
        while let Some(a) = out.find(open) {
            let Some(b) = out[a..].find(close) else { break };
            out.replace_range(a..a + b + close.len(), "");
        }
    }
    out
}

/// The bodies of fenced code blocks (```json … ``` or ``` … ```), in order.
fn fenced_blocks(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(a) = rest.find("```") {
        let after = &rest[a + 3..];
        // Skip the info string (json, JSON, javascript, …) up to the end of the line.
        let body_start = after.find('\n').map_or(after.len(), |i| i + 1);
        let body = &after[body_start..];
        let Some(end) = body.find("```") else { break };
        out.push(&body[..end]);
        rest = &body[end + 3..];
    }
    out
}

/// Whether a JSON text scanned character by character is inside a string literal.
#[derive(Default)]
struct StringState {
    in_string: bool,
    escaped: bool,
}

impl StringState {
    /// Takes the next character; true when it is outside any string (and not the quote that opens one).
    fn outside(&mut self, c: char) -> bool {
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if c == '\\' {
                self.escaped = true;
            } else if c == '"' {
                self.in_string = false;
            }
            return false;
        }
        if c == '"' {
            self.in_string = true;
            return false;
        }
        true
    }
}

/// Removes commas that directly precede `}` or `]` (outside strings): a common LLM slip that JSON forbids.
fn without_trailing_commas(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut strings = StringState::default();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !strings.outside(c) {
            out.push(c);
            continue;
        }
        if c == ',' {
            let next = chars[i + 1..].iter().find(|x| !x.is_whitespace());
            if matches!(next, Some('}') | Some(']')) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// Where the object opening at byte `start` (a `{`) closes: the byte after its matching `}`, counting braces
/// outside strings. None when it never closes.
fn object_end(text: &str, start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut strings = StringState::default();
    for (i, c) in text[start..].char_indices() {
        if !strings.outside(c) {
            continue;
        }
        match c {
            '{' => depth += 1,
            '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(start + i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// The first complete JSON object in `text` that parses, with trailing commas forgiven; prose or a second object
/// after it is ignored. Only objects at the top level are candidates: when one fails to parse, the objects inside
/// it are skipped (an issue inside a broken `continuity_issues` list is not the reply), and one that never closes
/// (a truncated reply) ends the scan with its error.
fn first_object(text: &str) -> Result<Value, Option<serde_json::Error>> {
    let mut first_error = None;
    let mut skip_until = 0;
    for (i, _) in text.match_indices('{') {
        if i < skip_until {
            continue;
        }
        let mut last = None;
        for candidate in [text[i..].to_string(), without_trailing_commas(&text[i..])] {
            let mut stream = serde_json::Deserializer::from_str(&candidate).into_iter::<Value>();
            match stream.next() {
                Some(Ok(v @ Value::Object(_))) => return Ok(v),
                Some(Err(e)) => last = Some(e),
                _ => {}
            }
        }
        let Some(e) = last else { continue };
        match object_end(text, i) {
            Some(end) if !e.is_eof() => {
                first_error.get_or_insert(e);
                skip_until = end;
            }
            // Cut off at the end: what is inside is not what the writer meant.
            _ => return Err(first_error.or(Some(e))),
        }
    }
    Err(first_error)
}

/// The JSON object a writer meant, from a reply as models write them: reasoning blocks (`<think>`, with braces
/// inside) are dropped; a fenced block is preferred over prose; then the first complete object that parses;
/// trailing commas are forgiven.
///
/// # Errors
/// When no object parses: the JSON error of the most likely candidate (line and column) or "no JSON object".
pub fn json_value(text: &str) -> Result<Value, ParseError> {
    let clean = without_reasoning(text);
    let mut error = None;
    for block in fenced_blocks(&clean) {
        match first_object(block) {
            Ok(v) => return Ok(v),
            Err(e) => error = error.or(e),
        }
    }
    match first_object(&clean) {
        Ok(v) => return Ok(v),
        Err(e) => error = error.or(e),
    }
    Err(match error {
        Some(e) => ParseError::new(
            "",
            format!(
                "not valid JSON (line {}, column {}): {e}",
                e.line(),
                e.column()
            ),
        ),
        None => ParseError::new("", "the reply contains no JSON object"),
    })
}

fn to_value(text: &str) -> Result<Value, ParseError> {
    json_value(text)
}

/// Parses an episode script. Missing or unknown clip priorities are removed (so the auto rules can decide them)
/// and noted.
pub fn parse_script(text: &str) -> Result<(EpisodeScript, ParseNotes), ParseError> {
    let mut v = to_value(text)?;
    let mut notes = ParseNotes::default();
    if let Some(shots) = v.get_mut("storyboard").and_then(|s| s.as_array_mut()) {
        for (i, shot) in shots.iter_mut().enumerate() {
            if let Some(o) = shot.as_object_mut() {
                let ok = matches!(
                    o.get("clip_priority").and_then(|p| p.as_str()),
                    Some("high" | "low")
                );
                if !ok {
                    o.remove("clip_priority");
                    notes.clip_priority_missing.push(i);
                }
            }
        }
    }
    let script: EpisodeScript = serde_path_to_error::deserialize(&v)
        .map_err(|e| ParseError::new(e.path().to_string(), e.inner().to_string()))?;
    Ok((script, notes))
}

/// Parses a series plan; accepts milestones as an object or as the schema's `[{name, episode}]` list.
pub fn parse_plan(text: &str) -> Result<SeriesPlan, ParseError> {
    let mut v = to_value(text)?;
    if let Some(m) = v.pointer_mut("/series/plot/milestones")
        && let Some(list) = m.as_array()
    {
        let mut map = serde_json::Map::new();
        for (i, item) in list.iter().enumerate() {
            let name = item.get("name").and_then(|x| x.as_str());
            let ep = item.get("episode").and_then(|x| x.as_u64());
            match (name, ep) {
                (Some(n), Some(e)) => {
                    map.insert(n.to_string(), Value::from(e));
                }
                _ => {
                    return Err(ParseError::new(
                        format!("series.plot.milestones[{i}]"),
                        "expected {\"name\": string, \"episode\": integer}",
                    ));
                }
            }
        }
        *m = Value::Object(map);
    }
    // Nullable appearance fields in the strict schema: drop nulls so the profile keeps only what was said.
    if let Some(chars) = v.get_mut("characters").and_then(|c| c.as_array_mut()) {
        for c in chars {
            if let Some(ap) = c
                .get_mut("appearance_profile")
                .and_then(|a| a.as_object_mut())
            {
                ap.retain(|_, x| !x.is_null());
            }
        }
    }
    serde_path_to_error::deserialize(&v)
        .map_err(|e| ParseError::new(e.path().to_string(), e.inner().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_and_prose_are_tolerated() {
        assert_eq!(
            extract_json("Here:\n```json\n{\"a\":1}\n```\nDone"),
            Some("{\"a\":1}")
        );
        assert_eq!(extract_json("no json"), None);
        assert_eq!(extract_json("} {"), Some("{"));
    }

    #[test]
    fn replies_with_reasoning_trailing_commas_and_several_blocks_are_recovered() {
        let think = "<think>The schema wants {\"a\": 1}; maybe {\"b\"… let me write it.</think>\n```json\n{\"a\": 2}\n```";
        assert_eq!(json_value(think).unwrap(), serde_json::json!({"a": 2}));
        let trailing = "```json\n{\"a\": [1, 2,], \"b\": {\"c\": \"x,]\",},}\n```";
        assert_eq!(
            json_value(trailing).unwrap(),
            serde_json::json!({"a": [1, 2], "b": {"c": "x,]"}})
        );
        // Prose with braces before the JSON; a second object after it is ignored.
        let prose = "I used {placeholders} here. {\"a\": 3} and also {\"a\": 4}";
        assert_eq!(json_value(prose).unwrap(), serde_json::json!({"a": 3}));
        // A fenced block wins over an object in the prose before it.
        let fence = "Example: {\"a\": 0}\n```\n{\"a\": 5}\n```";
        assert_eq!(json_value(fence).unwrap(), serde_json::json!({"a": 5}));
        assert!(json_value("no json at all").is_err());
        // A broken top-level object is an error, not its first inner object.
        let broken =
            r#"{"continuity_issues": [{"issue": "x", "severity": "high"}], "severity": high}"#;
        let e = json_value(broken).unwrap_err();
        assert!(e.message.contains("not valid JSON"), "{e:?}");
        // A truncated script reply says so, rather than handing back a scene.
        let cut = r#"{"episode_number": 1, "scenes": [{"number": 1, "lines": []}, {"number": 2"#;
        assert!(json_value(cut).unwrap_err().message.contains("EOF"));
        let e = json_value("{\"a\": ").unwrap_err();
        assert!(e.message.contains("not valid JSON"), "{e:?}");
    }

    #[test]
    fn errors_name_the_path() {
        let e = parse_script(
            r#"{"episode_number": 1, "title": "t", "summary": "s", "scenes": [{"number": "x"}]}"#,
        )
        .unwrap_err();
        assert!(e.path.starts_with("scenes[0]"), "{e:?}");
        let e = parse_script("{\"episode_number\": 1,").unwrap_err();
        assert!(e.message.contains("not valid JSON"), "{e:?}");
    }

    #[test]
    fn unknown_clip_priorities_are_noted_not_fatal() {
        let text = r#"{"episode_number":1,"title":"t","summary":"s","cliffhanger":"c","scenes":[],
            "storyboard":[{"scene":1,"visual":"v","video_prompt":"p","duration_sec":3,"clip_priority":"medium"},
                          {"scene":1,"visual":"v","video_prompt":"p","duration_sec":3},
                          {"scene":1,"visual":"v","video_prompt":"p","duration_sec":3,"clip_priority":"high"}]}"#;
        let (s, notes) = parse_script(text).unwrap();
        assert_eq!(notes.clip_priority_missing, vec![0, 1]);
        assert_eq!(
            s.storyboard[2].clip_priority,
            studio_domain::ClipPriority::High
        );
    }
}
