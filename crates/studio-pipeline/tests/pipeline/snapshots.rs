//! Snapshot tests of the rendered prompts. Set UPDATE_SNAPSHOTS=1 to rewrite them after a deliberate change, then
//! read the diff.

use std::path::PathBuf;

use studio_domain::Genre;
use studio_pipeline::writer::PlanRequest;
use studio_pipeline::{CheckConfig, prompts};

use crate::world;

fn check(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/pipeline/snapshots")
        .join(name);
    assert!(
        !actual.contains("{{"),
        "{name}: an unfilled placeholder:\n{actual}"
    );
    if std::env::var("UPDATE_SNAPSHOTS").as_deref() == Ok("1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing snapshot {name}; run with UPDATE_SNAPSHOTS=1"));
    assert_eq!(
        actual, expected,
        "{name} changed; if intended, run with UPDATE_SNAPSHOTS=1 and review the diff"
    );
}

#[test]
fn series_plan_prompt() {
    let p = prompts::plan_prompt(&PlanRequest {
        title: "첫사랑은 처음이라서".into(),
        genre: Genre::Romance,
        episodes: 16,
        episode_duration_min: 10,
        premise: "스타트업 CEO와 정체를 숨긴 웹툰 작가".into(),
        main_theme: "첫사랑의 설렘과 성장".into(),
        target_audience: "20-30대 여성".into(),
        series_id: "first-love".into(),
        seed: 1,
    });
    check("series_plan.txt", &format!("{}\n---\n{}", p.system, p.user));
    assert_eq!(p.schema_name, "series_plan");
}

#[test]
fn episode_script_prompt_with_feedback() {
    let (ctx, chars, _) = world();
    let p = prompts::script_prompt(
        &ctx,
        &chars,
        &CheckConfig::default(),
        &["scenes[1].lines[2]: \"홍길동\" is not a character of this series".into()],
    );
    check(
        "episode_script.txt",
        &format!("{}\n---\n{}", p.system, p.user),
    );
    assert!(p.user.contains("대사 80-100개"));
    assert!(p.user.contains("[부재중]") && p.user.contains("[사망]"));
}

#[test]
fn continuity_check_prompt() {
    let (ctx, _, script) = world();
    let p = prompts::continuity_prompt(&ctx, &script);
    check(
        "continuity_check.txt",
        &format!("{}\n---\n{}", p.system, p.user),
    );
}

#[test]
fn every_template_placeholder_is_filled_somewhere() {
    // The renderers above fail on leftovers; this also proves each template has placeholders at all.
    for (name, t) in prompts::templates() {
        assert!(t.contains("{{"), "{name} has no placeholders");
    }
}
