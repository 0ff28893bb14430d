//! Property tests (fuzzing) of what parses untrusted writer output and what checks it: no input may panic.
//! CI runs PROPTEST_CASES (default 256) per property; the long runs reported in the issue used
//! `PROPTEST_CASES=200000 cargo test -p studio-pipeline --release --test pipeline fuzz`.

use proptest::prelude::*;
use serde_json::Value;
use studio_pipeline::checks::{self, CheckConfig};
use studio_pipeline::parse;

use crate::{fixture, world};

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)),
        ".{0,20}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("scenes".to_string()),
                    Just("lines".to_string()),
                    Just("storyboard".to_string()),
                    Just("clip_priority".to_string()),
                    Just("character".to_string()),
                    Just("episode_number".to_string()),
                    "[a-z_]{1,12}",
                ],
                inner,
                0..8
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A valid script with one random edit: a key removed, a value replaced by random JSON, or the text cut.
fn mutated_script() -> impl Strategy<Value = String> {
    let base: Value = serde_json::from_str(&fixture("clean_script_ep4.json")).unwrap();
    (
        any::<prop::sample::Index>(),
        arb_json(),
        0u8..4,
        any::<prop::sample::Index>(),
    )
        .prop_map(move |(at, junk, op, cut)| {
            let mut v = base.clone();
            let mut paths: Vec<String> = Vec::new();
            collect_paths(&v, String::new(), &mut paths);
            let p = at.get(&paths).clone();
            match op {
                0 => {
                    if let Some(slot) = v.pointer_mut(&p) {
                        *slot = junk;
                    }
                }
                1 => {
                    if let Some((parent, key)) = p.rsplit_once('/')
                        && let Some(Value::Object(m)) = v.pointer_mut(parent)
                    {
                        m.remove(key);
                    }
                }
                2 => {
                    let s = v.to_string();
                    let i = cut.index(s.len().max(1));
                    let i = (0..=i).rev().find(|i| s.is_char_boundary(*i)).unwrap_or(0);
                    return s[..i].to_string();
                }
                _ => {
                    if let Some(slot) = v.pointer_mut(&p) {
                        *slot = Value::String("\u{0}\u{202e}🎬 <script>".into());
                    }
                }
            }
            v.to_string()
        })
}

fn collect_paths(v: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => m
            .iter()
            .for_each(|(k, x)| collect_paths(x, format!("{at}/{k}"), out)),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| collect_paths(x, format!("{at}/{i}"), out)),
        _ => {}
    }
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(s in ".{0,400}") {
        let _ = parse::parse_script(&s);
        let _ = parse::parse_plan(&s);
        let _ = parse::extract_json(&s);
        let _ = parse::json_value(&s);
    }

    #[test]
    fn arbitrary_json_never_panics(v in arb_json()) {
        let text = v.to_string();
        let _ = parse::parse_script(&text);
        let _ = parse::parse_plan(&text);
        let _ = studio_pipeline::stage::parse_llm_issues(&text);
    }

    #[test]
    fn mutated_scripts_parse_or_fail_cleanly_and_checks_never_panic(text in mutated_script()) {
        let (ctx, chars, _) = world();
        if let Ok((mut script, notes)) = parse::parse_script(&text) {
            checks::settle_clip_priorities(&mut script, &notes);
            let r = checks::check_script(&script, &ctx, &chars, &CheckConfig::default(), vec![], vec![]);
            prop_assert!(r.quality.overall.is_finite() && (0.0..=1.0).contains(&r.quality.overall));
        }
    }
}
