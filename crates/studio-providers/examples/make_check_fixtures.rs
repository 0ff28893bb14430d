//! Writes the fixtures the pipeline's check tests use (`crates/studio-pipeline/tests/pipeline/fixtures/`): a world
//! with a dead character, an absent one, a resolved thread and a main character off screen since episode 1, and a
//! clean offline script for episode 4 of it. Run: `cargo run -p studio-providers --example make_check_fixtures`.

use studio_domain::{CharacterDevelopment, EpisodeOutcome, Genre, ThreadResolution, ThreadSeed};
use studio_pipeline::writer::{PlanCall, PlanRequest, ScriptCall, Writer};
use studio_pipeline::{CheckConfig, prompts};
use studio_providers::TemplateWriter;
use studio_store::Store;

#[tokio::main]
async fn main() {
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../studio-pipeline/tests/pipeline/fixtures");
    std::fs::create_dir_all(&out).expect("fixture dir");
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("f.db")).await.expect("store");
    let req = PlanRequest {
        title: "검사용 로맨스".into(),
        genre: Genre::Romance,
        episodes: 16,
        episode_duration_min: 10,
        premise: String::new(),
        main_theme: String::new(),
        target_audience: String::new(),
        series_id: "fixture".into(),
        seed: 2026,
    };
    let w = TemplateWriter;
    let plan_text = w
        .plan_series(&PlanCall {
            prompt: prompts::plan_prompt(&req),
            request: req,
            feedback: vec![],
        })
        .await
        .expect("plan")
        .text;
    let plan: studio_domain::SeriesPlan = serde_json::from_str(&plan_text).expect("plan json");
    store.save_plan(&plan).await.expect("save");
    let dev = |c: &str, f: fn(&mut CharacterDevelopment)| {
        let mut d = CharacterDevelopment {
            character: c.into(),
            ..Default::default()
        };
        f(&mut d);
        d
    };
    let ep = |n: u32| EpisodeOutcome {
        episode_number: n,
        title: format!("{n}화"),
        summary: format!("{n}화 요약"),
        key_events: vec![format!("{n}화 사건")],
        cliffhanger: format!("{n}화의 끝에서 누군가 문을 두드린다"),
        appearances: vec!["CHAR001".into(), "CHAR003".into()],
        ..Default::default()
    };
    let mut e1 = ep(1);
    e1.appearances.push("CHAR002".into());
    e1.character_developments = vec![
        dev("CHAR012", |d| d.alive = Some(false)),
        dev("CHAR011", |d| {
            d.present = Some(false);
            d.location = Some("해외 출장".into());
        }),
    ];
    e1.threads_opened = vec![ThreadSeed {
        id: "T-e1".into(),
        title: "잃어버린 반지".into(),
        description: "반지의 행방".into(),
        reopen_reason: None,
    }];
    let mut e2 = ep(2);
    e2.threads_resolved = vec![ThreadResolution {
        id: "T-e1".into(),
        resolution: "반지를 찾았다".into(),
    }];
    let e3 = ep(3);
    for o in [e1, e2, e3] {
        store.record_outcome("fixture", &o).await.expect("record");
    }
    let ctx = store.context_for("fixture", 4).await.expect("context");
    let characters = store.characters("fixture").await.expect("characters");
    let call = ScriptCall {
        prompt: prompts::script_prompt(&ctx, &characters, &CheckConfig::default(), &[]),
        context: ctx.clone(),
        characters: characters.clone(),
        plan,
        feedback: vec![],
        attempt: 1,
        seed: 4,
    };
    let script = w.write_script(&call).await.expect("script").text;
    let pretty = |v: &str| {
        serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(v).expect("json"))
            .expect("pretty")
            + "\n"
    };
    std::fs::write(
        out.join("context_ep4.json"),
        serde_json::to_string_pretty(&ctx).expect("ctx") + "\n",
    )
    .expect("write");
    std::fs::write(
        out.join("characters.json"),
        serde_json::to_string_pretty(&characters).expect("chars") + "\n",
    )
    .expect("write");
    std::fs::write(out.join("clean_script_ep4.json"), pretty(&script)).expect("write");
    println!("wrote fixtures to {}", out.display());
}
