//! JSON Schemas for what writers return, in the strict subset OpenAI structured outputs accept (every object closes
//! with `additionalProperties: false`, every property is required, optional values are nullable). The pipeline
//! validates replies client-side anyway: local servers may ignore `strict`.

use serde_json::{Value, json};

fn obj(props: Value) -> Value {
    let required: Vec<Value> = props
        .as_object()
        .map(|m| m.keys().map(|k| Value::String(k.clone())).collect())
        .unwrap_or_default();
    json!({ "type": "object", "additionalProperties": false, "required": required, "properties": props })
}

fn arr(items: Value) -> Value {
    json!({ "type": "array", "items": items })
}

const S: &str = "string";

fn s() -> Value {
    json!({ "type": S })
}
fn ns() -> Value {
    json!({ "type": [S, "null"] })
}
fn int() -> Value {
    json!({ "type": "integer" })
}

pub const SCRIPT_SCHEMA_NAME: &str = "episode_script";
pub const PLAN_SCHEMA_NAME: &str = "series_plan";
pub const CONTINUITY_SCHEMA_NAME: &str = "continuity_check";

pub fn episode_script() -> Value {
    let line = obj(json!({
        "id": s(), "character": s(), "text": s(), "emotion": s(), "listener_reaction": s(),
        "direction": s()
    }));
    let scene = obj(json!({
        "number": int(), "location": s(), "time": s(), "atmosphere": s(),
        "characters": arr(s()), "lines": arr(line)
    }));
    let shot = obj(json!({
        "scene": int(), "visual": s(), "video_prompt": s(), "emotion": s(),
        "duration_sec": { "type": "number" },
        "clip_priority": { "type": S, "enum": ["high", "low"] }
    }));
    let dev = obj(json!({
        "character": s(), "note": s(), "emotional_state": ns(), "location": ns(),
        "goals_added": arr(s()), "goals_resolved": arr(s()), "new_traits": arr(s()),
        "situation": ns(), "alive": { "type": ["boolean", "null"] }, "present": { "type": ["boolean", "null"] },
        "outfit": ns(), "outfit_scene": { "type": ["integer", "null"] }, "outfit_prompt": ns()
    }));
    let rel = obj(json!({
        "a": s(), "b": s(), "type": ns(), "intimacy": { "type": ["integer", "null"] },
        "intimacy_delta": { "type": ["integer", "null"] }, "status": ns(), "event": ns()
    }));
    obj(json!({
        "episode_number": int(),
        "title": s(),
        "summary": s(),
        "scenes": arr(scene),
        "storyboard": arr(shot),
        "key_events": arr(s()),
        "character_developments": arr(dev),
        "relationship_changes": arr(rel),
        "threads_opened": arr(obj(json!({ "id": s(), "title": s(), "description": s(), "reopen_reason": ns() }))),
        "threads_resolved": arr(obj(json!({ "id": s(), "resolution": s() }))),
        "secrets_revealed": arr(obj(json!({ "character": s(), "secret": s() }))),
        "plot_progressions": arr(obj(json!({ "plot": s(), "progress": s() }))),
        "cliffhanger": s()
    }))
}

pub fn series_plan() -> Value {
    let voice = obj(json!({ "gender": s(), "age_group": s(), "tone": s(), "speaking_style": s() }));
    let look = obj(
        json!({ "avatar_type": ns(), "age_appearance": ns(), "style": ns(), "description": ns() }),
    );
    let character = obj(json!({
        "id": s(), "name": s(), "role": s(),
        "importance": { "type": S, "enum": ["main", "major_supporting", "supporting", "minor"] },
        "age": { "type": ["integer", "null"] }, "occupation": s(), "personality": arr(s()), "background": s(),
        "goals": arr(s()), "secrets": arr(s()), "voice_profile": voice, "appearance_profile": look
    }));
    let outline = obj(json!({
        "episode_number": int(), "title": s(),
        "arc_phase": { "type": S, "enum": ["exposition", "rising_action", "climax", "resolution"] },
        "main_event": s(), "sub_events": arr(s()), "character_focus": arr(s()), "target_emotions": arr(s()),
        "hook": s(), "cliffhanger": s()
    }));
    let plot = obj(json!({
        "overall_arc": obj(json!({ "exposition": s(), "rising_action": s(), "climax": s(), "resolution": s() })),
        "main_conflict": s(),
        "sub_plots": arr(obj(json!({ "title": s(), "episodes": arr(int()) }))),
        "milestones": arr(obj(json!({ "name": s(), "episode": int() })))
    }));
    let series = obj(json!({
        "id": s(), "title": s(),
        "genre": { "type": S, "enum": ["romance", "thriller", "comedy", "other"] },
        "genre_label": s(), "total_episodes": int(), "episode_duration_min": int(), "main_theme": s(),
        "target_audience": s(), "premise": s(), "plot": plot
    }));
    obj(json!({
        "series": series,
        "characters": arr(character),
        "relationships": arr(obj(json!({
            "a": s(), "b": s(), "type": s(), "intimacy": int(), "status": s(), "recent_events": arr(s())
        }))),
        "outlines": arr(outline),
        "threads": arr(obj(json!({ "id": s(), "title": s(), "description": s(), "reopen_reason": ns() })))
    }))
}

pub fn continuity_check() -> Value {
    obj(json!({
        "continuity_issues": arr(obj(json!({
            "type": s(), "character": ns(), "issue": s(), "suggestion": s()
        }))),
        "severity": { "type": S, "enum": ["high", "medium", "low", "none"] }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every object in a strict schema closes and requires all its properties.
    fn assert_strict(v: &Value, at: &str) {
        if let Some(o) = v.as_object() {
            if o.get("type") == Some(&json!("object")) {
                assert_eq!(o.get("additionalProperties"), Some(&json!(false)), "{at}");
                let props: Vec<&String> = o["properties"].as_object().unwrap().keys().collect();
                let req: Vec<&str> = o["required"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap())
                    .collect();
                assert_eq!(props.len(), req.len(), "{at}");
                for p in props {
                    assert!(req.contains(&p.as_str()), "{at}.{p} not required");
                }
            }
            for (k, x) in o {
                assert_strict(x, &format!("{at}.{k}"));
            }
        } else if let Some(a) = v.as_array() {
            for x in a {
                assert_strict(x, at);
            }
        }
    }

    #[test]
    fn schemas_follow_the_strict_subset() {
        assert_strict(&episode_script(), "script");
        assert_strict(&series_plan(), "plan");
        assert_strict(&continuity_check(), "continuity");
    }
}
