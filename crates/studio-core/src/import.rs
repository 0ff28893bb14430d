//! Reading what people hand the studio: our series JSON, and the seeds' `settings.json` layout
//! (channel / content / pipeline / tts / image / video_generation / visual_style / audio / publish).

use std::path::Path;

use serde::Serialize;
use serde_json::Value;
use studio_domain::SeriesPlan;

use crate::CoreError;

/// The sections of the seeds' settings.json that the studio understands.
pub const SETTINGS_SECTIONS: &[&str] = &[
    "channel",
    "content",
    "pipeline",
    "tts",
    "image",
    "video_generation",
    "visual_style",
    "audio",
    "publish",
];

pub enum Imported {
    Series(Box<SeriesPlan>),
    Settings(SettingsImport),
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SettingsImport {
    /// (section, value) to store under the section's name.
    #[serde(skip)]
    pub sections: Vec<(String, Value)>,
    pub section_names: Vec<String>,
    /// Things skipped, with the reason (unknown sections, secrets that do not belong in a file).
    pub warnings: Vec<String>,
}

/// Parses a file into a series plan or a settings import, with errors that name the file and the place.
///
/// # Errors
/// `BadFile` for a file that cannot be read or is not UTF-8 text; `InvalidInput` for JSON or TOML that does not
/// parse (with line and column).
pub fn read_import(path: &Path) -> Result<Imported, CoreError> {
    let text = crate::textfile::read_text(path)?;
    parse_import(&text, path)
}

/// # Errors
/// `InvalidInput` for content that is neither a series nor the design documents' settings, or does not validate
/// (with the path of the field).
pub fn parse_import(text: &str, path: &Path) -> Result<Imported, CoreError> {
    let value: Value = serde_json::from_str(crate::textfile::strip_bom(text)).map_err(|e| {
        CoreError::bad_file(
            path,
            format!(
                "not valid JSON at line {}, column {}: {e}",
                e.line(),
                e.column()
            ),
        )
    })?;
    let Some(obj) = value.as_object() else {
        return Err(CoreError::bad_file(
            path,
            "expected a JSON object at the top level",
        ));
    };
    if obj.contains_key("series") || obj.contains_key("characters") {
        let plan: SeriesPlan = serde_path_to_error::deserialize(&value).map_err(|e| {
            let at = e.path().to_string();
            CoreError::bad_file(path, format!("at {at}: {}", e.inner()))
        })?;
        if !plan.format.starts_with("aidas.series/") {
            return Err(CoreError::bad_file(
                path,
                format!(
                    "format \"{}\" is not a series format this studio reads (aidas.series/1)",
                    plan.format
                ),
            ));
        }
        return Ok(Imported::Series(Box::new(plan)));
    }
    if obj.keys().any(|k| SETTINGS_SECTIONS.contains(&k.as_str())) {
        return settings_import(obj, path).map(Imported::Settings);
    }
    Err(CoreError::bad_file(
        path,
        "neither a series (with \"series\" and \"characters\") nor a settings.json (channel, content, tts, …)",
    ))
}

fn looks_secret(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.contains("api_key")
        || k.contains("apikey")
        || k.contains("secret")
        || k.contains("token")
        || k == "key"
        || (k.ends_with("_key") && !k.contains("voice"))
}

/// Removes secret-looking string values (recursively), noting where they were.
fn strip_secrets(v: &mut Value, at: &str, warnings: &mut Vec<String>) {
    if let Value::Object(map) = v {
        let keys: Vec<String> = map.keys().cloned().collect();
        for k in keys {
            let here = format!("{at}.{k}");
            let is_secret = looks_secret(&k)
                && map
                    .get(&k)
                    .and_then(|x| x.as_str())
                    .is_some_and(|s| !s.is_empty());
            if is_secret {
                map.remove(&k);
                warnings.push(format!(
                    "{here} looks like a secret and was not imported; store it with the API keys (kept in the system keyring)"
                ));
            } else if let Some(child) = map.get_mut(&k) {
                strip_secrets(child, &here, warnings);
            }
        }
    }
}

fn number_in(v: &Value, section: &str, field: &str, lo: f64, hi: f64) -> Result<(), String> {
    match v.get(field) {
        None | Some(Value::Null) => Ok(()),
        Some(x) => match x.as_f64() {
            Some(n) if (lo..=hi).contains(&n) => Ok(()),
            _ => Err(format!(
                "{section}.{field}: {x} is not a number in {lo}–{hi}"
            )),
        },
    }
}

fn one_of(v: &Value, section: &str, field: &str, allowed: &[&str]) -> Result<(), String> {
    match v.get(field) {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(s)) if allowed.contains(&s.as_str()) => Ok(()),
        Some(x) => Err(format!(
            "{section}.{field}: {x} is not one of {}",
            allowed.join(", ")
        )),
    }
}

fn validate_section(name: &str, v: &Value) -> Result<(), String> {
    if !v.is_object() {
        return Err(format!("{name}: expected an object"));
    }
    match name {
        "content" => number_in(v, name, "target_duration_min", 1.0, 180.0),
        "tts" => {
            number_in(v, name, "stability", 0.0, 1.0)?;
            number_in(v, name, "similarity_boost", 0.0, 1.0)
        }
        "video_generation" => {
            match v.get("clip_duration") {
                None | Some(Value::Null) => {}
                Some(x)
                    if x.as_f64() == Some(5.0)
                        || x.as_f64() == Some(10.0)
                        || x == "5"
                        || x == "10" => {}
                Some(x) => {
                    return Err(format!(
                        "video_generation.clip_duration: {x} must be 5 or 10 (seconds)"
                    ));
                }
            }
            number_in(v, name, "budget_credits_per_video", 0.0, 1e9)?;
            number_in(v, name, "parallel_workers", 1.0, 32.0)?;
            number_in(v, name, "max_clips_per_video", 0.0, 1000.0)?;
            number_in(v, name, "timeout_sec", 1.0, 86_400.0)
        }
        "audio" => number_in(v, name, "bgm_volume", 0.0, 1.0),
        "publish" => {
            one_of(v, name, "privacy", &["public", "private", "unlisted"])?;
            if let Some(t) = v.get("schedule_time").and_then(|t| t.as_str()) {
                let ok = t.len() == 5
                    && t.as_bytes()[2] == b':'
                    && t[..2].parse::<u8>().is_ok_and(|h| h < 24)
                    && t[3..].parse::<u8>().is_ok_and(|m| m < 60);
                if !ok {
                    return Err(format!("publish.schedule_time: \"{t}\" is not HH:MM"));
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn settings_import(
    obj: &serde_json::Map<String, Value>,
    path: &Path,
) -> Result<SettingsImport, CoreError> {
    let mut sections = Vec::new();
    let mut warnings = Vec::new();
    for (k, v) in obj {
        if !SETTINGS_SECTIONS.contains(&k.as_str()) {
            warnings.push(format!(
                "section \"{k}\" is not one the studio uses; skipped"
            ));
            continue;
        }
        validate_section(k, v).map_err(|m| CoreError::bad_file(path, m))?;
        let mut v = v.clone();
        strip_secrets(&mut v, k, &mut warnings);
        sections.push((k.clone(), v));
    }
    Ok(SettingsImport {
        section_names: sections.iter().map(|(k, _)| k.clone()).collect(),
        sections,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED_SETTINGS: &str = r#"{
      "channel": {"id": "", "name": "my-channel", "youtube_channel_id": "UCxxxxxx"},
      "content": {"type": "explainer", "target_duration_min": 10, "language": "ko"},
      "pipeline": {"variant": "B", "parallel_stage3": true, "human_review_script": false, "resume_on_failure": true},
      "tts": {"provider": "elevenlabs", "voice_id": "ksaI0TCD9BstzEzlxj4q", "model": "eleven_multilingual_v2",
              "stability": 0.4, "similarity_boost": 0.85, "fallback_provider": "edge-tts",
              "fallback_voice": "ko-KR-InJoonNeural", "api_key": "sk-leak"},
      "image": {"provider": "pillow_solid"},
      "video_generation": {"provider": "kling", "fallback": "flux", "model": "fal-ai/kling-video/v2.1/standard/text-to-video",
              "max_clips_per_video": 15, "clip_duration": 5, "aspect_ratio": "16:9", "budget_credits_per_video": 250,
              "parallel_workers": 3, "timeout_sec": 180},
      "visual_style": {"prefix": "cinematic", "negative": "text, watermark"},
      "audio": {"bgm_enabled": true, "bgm_volume": 0.12},
      "publish": {"privacy": "public", "schedule_enabled": false, "schedule_time": "09:00", "schedule_timezone": "Asia/Seoul"},
      "extra": {}
    }"#;

    #[test]
    fn the_seeds_settings_json_imports_without_its_secrets() {
        let Imported::Settings(s) =
            parse_import(SEED_SETTINGS, Path::new("settings.json")).unwrap()
        else {
            panic!("not settings")
        };
        assert_eq!(s.section_names.len(), 9);
        let tts = &s.sections.iter().find(|(k, _)| k == "tts").unwrap().1;
        assert!(tts.get("api_key").is_none());
        assert_eq!(tts["voice_id"], "ksaI0TCD9BstzEzlxj4q");
        assert!(
            s.warnings.iter().any(|w| w.contains("tts.api_key")),
            "{:?}",
            s.warnings
        );
        assert!(s.warnings.iter().any(|w| w.contains("\"extra\"")));
    }

    #[test]
    fn bad_values_name_the_field() {
        let e = parse_import(r#"{"audio": {"bgm_volume": 3}}"#, Path::new("s.json"))
            .err()
            .unwrap();
        assert!(e.to_string().contains("audio.bgm_volume"), "{e}");
        let e = parse_import(
            r#"{"video_generation": {"clip_duration": 7}}"#,
            Path::new("s.json"),
        )
        .err()
        .unwrap();
        assert!(e.to_string().contains("5 or 10"), "{e}");
        let e = parse_import(
            r#"{"publish": {"schedule_time": "25:00"}}"#,
            Path::new("s.json"),
        )
        .err()
        .unwrap();
        assert!(e.to_string().contains("HH:MM"), "{e}");
    }

    #[test]
    fn malformed_files_say_where() {
        let e = parse_import("{\n  \"series\": \n", Path::new("/x/plan.json"))
            .err()
            .unwrap();
        assert_eq!(e.code(), "bad_file");
        assert!(
            e.to_string()
                .starts_with("/x/plan.json: not valid JSON at line"),
            "{e}"
        );
        let plan = r#"{"series": {"id": "x", "title": "t", "genre": "romance", "total_episodes": 2,
            "episode_duration_min": 10}, "characters": [{"id": "C1", "name": "a", "role": "r",
            "importance": "main", "voice_profile": {"age_group": "adult"}}]}"#;
        let e = parse_import(plan, Path::new("p.json")).err().unwrap();
        assert!(e.to_string().contains("characters[0].voice_profile"), "{e}");
        assert!(e.to_string().contains("gender"), "{e}");
        let e = parse_import("[1,2]", Path::new("p.json")).err().unwrap();
        assert!(e.to_string().contains("object"));
        let e = parse_import("{\"hello\": 1}", Path::new("p.json"))
            .err()
            .unwrap();
        assert!(e.to_string().contains("neither a series"));
    }
}
