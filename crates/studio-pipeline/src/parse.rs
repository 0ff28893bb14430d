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
pub fn extract_json(text: &str) -> Option<&str> {
    let start = text.find('{')?;
    // No closing brace after the first opening one: hand over the rest, so the JSON error says where it stops.
    match text.rfind('}').filter(|e| *e > start) {
        Some(end) => Some(&text[start..=end]),
        None => Some(&text[start..]),
    }
}

fn to_value(text: &str) -> Result<Value, ParseError> {
    let body = extract_json(text)
        .ok_or_else(|| ParseError::new("", "the reply contains no JSON object"))?;
    serde_json::from_str(body).map_err(|e| {
        ParseError::new(
            "",
            format!(
                "not valid JSON (line {}, column {}): {e}",
                e.line(),
                e.column()
            ),
        )
    })
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
