//! The offline template writer through the real stage and store.

use studio_domain::{Genre, Importance};
use studio_pipeline::{CheckConfig, PlanRequest, Pricing, ScriptStage, Verdict, checks};
use studio_providers::TemplateWriter;
use studio_store::Store;

pub fn request(genre: Genre, id: &str, episodes: u32) -> PlanRequest {
    PlanRequest {
        title: format!("오프라인 {id}"),
        genre,
        episodes,
        episode_duration_min: 10,
        premise: String::new(),
        main_theme: String::new(),
        target_audience: "20-30대".into(),
        series_id: id.into(),
        seed: 42,
    }
}

/// A store in `dir` holding an offline-planned 16-episode romance ("rom") with episode 1 written and accepted.
pub async fn store_with_episode(
    dir: &std::path::Path,
) -> (
    Store,
    studio_domain::SeriesPlan,
    studio_domain::EpisodeScript,
) {
    let store = Store::open(&dir.join("t.db")).await.unwrap();
    let pricing = Pricing::bundled();
    let w = TemplateWriter;
    let stage = ScriptStage {
        writer: &w,
        store: &store,
        pricing: &pricing,
        cfg: CheckConfig::default(),
    };
    let plan = stage
        .plan_series(request(Genre::Romance, "rom", 16))
        .await
        .unwrap()
        .plan;
    store.save_plan(&plan).await.unwrap();
    let script = stage.write_episode("rom", 1).await.unwrap().script.unwrap();
    (store, plan, script)
}

/// [`store_with_episode`] with episode 1 cut to its first three shots that `keep` keeps, each one second long
/// (high, low, high priority), so visuals tests make and render little.
pub async fn three_shot_episode(
    dir: &std::path::Path,
    keep: impl Fn(&studio_domain::Shot) -> bool,
) -> (Store, studio_domain::EpisodeScript) {
    let (store, _plan, mut script) = store_with_episode(dir).await;
    let mut shots: Vec<studio_domain::Shot> = script
        .storyboard
        .iter()
        .filter(|s| keep(s))
        .take(3)
        .cloned()
        .collect();
    for (i, s) in shots.iter_mut().enumerate() {
        s.duration_sec = 1.0;
        s.clip_priority = if i == 1 {
            studio_domain::ClipPriority::Low
        } else {
            studio_domain::ClipPriority::High
        };
    }
    script.storyboard = shots;
    store
        .save_script("rom", 1, &serde_json::to_value(&script).unwrap(), None)
        .await
        .unwrap();
    (store, script)
}

async fn store() -> (tempfile::TempDir, Store) {
    let d = tempfile::tempdir().unwrap();
    let s = Store::open(&d.path().join("t.db")).await.unwrap();
    (d, s)
}

#[tokio::test]
async fn plans_for_every_genre_validate_and_are_deterministic() {
    let (_d, s) = store().await;
    let pricing = Pricing::bundled();
    let w = TemplateWriter;
    let stage = ScriptStage {
        writer: &w,
        store: &s,
        pricing: &pricing,
        cfg: CheckConfig::default(),
    };
    for (genre, id) in [
        (Genre::Romance, "rom"),
        (Genre::Thriller, "thr"),
        (Genre::Comedy, "com"),
    ] {
        let r = stage.plan_series(request(genre, id, 16)).await.unwrap();
        assert!(r.problems.is_empty(), "{genre}: {:?}", r.problems);
        assert!(r.offline);
        let p = &r.plan;
        assert!(p.characters.len() >= 10);
        assert_eq!(p.outlines.len(), 16);
        assert!(p.outlines.iter().all(|o| !o.hook.is_empty()));
        assert!(
            p.outlines
                .iter()
                .filter(|o| o.episode_number < 16)
                .all(|o| !o.cliffhanger.is_empty())
        );
        assert_eq!(
            p.characters
                .iter()
                .filter(|c| c.importance == Importance::Main)
                .count(),
            2
        );
        let names: std::collections::HashSet<&str> =
            p.characters.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names.len(), p.characters.len(), "names are unique");
        assert!(checks::validate_plan(p).is_empty());
        // Same seed, same plan.
        let again = stage.plan_series(request(genre, id, 16)).await.unwrap();
        assert_eq!(again.plan, r.plan);
        s.save_plan(&r.plan).await.unwrap();
    }
    let other_seed = stage
        .plan_series(PlanRequest {
            seed: 7,
            ..request(Genre::Romance, "rom2", 16)
        })
        .await
        .unwrap();
    assert_ne!(
        other_seed.plan.characters[0].name,
        stage
            .plan_series(request(Genre::Romance, "rom", 16))
            .await
            .unwrap()
            .plan
            .characters[0]
            .name
    );
}

#[tokio::test]
async fn episodes_1_to_3_follow_the_memory() {
    let (_d, s) = store().await;
    let pricing = Pricing::bundled();
    let w = TemplateWriter;
    let stage = ScriptStage {
        writer: &w,
        store: &s,
        pricing: &pricing,
        cfg: CheckConfig::default(),
    };
    let plan = stage
        .plan_series(request(Genre::Romance, "rom", 16))
        .await
        .unwrap()
        .plan;
    s.save_plan(&plan).await.unwrap();
    for n in 1..=3u32 {
        let before = s.context_for("rom", n).await.unwrap();
        let r = stage.write_episode("rom", n).await.unwrap();
        let report = r.report.as_ref().unwrap();
        assert_eq!(
            r.verdict,
            Verdict::Accepted,
            "episode {n}: {:#?}",
            report.findings
        );
        let script = r.script.unwrap();
        // It opens on the previous cliffhanger, or (episode 1) on an open thread.
        let first = &script.plot_progressions[0];
        match before.previous_cliffhanger() {
            Some(c) => assert_eq!(
                (first.plot.as_str(), first.progress.as_str()),
                ("previous_cliffhanger", c)
            ),
            None => assert!(
                before.open_threads.iter().any(|t| t.id == first.plot),
                "{first:?}"
            ),
        }
        // Only characters alive and present as of n−1 speak.
        for l in script.scenes.iter().flat_map(|s| &s.lines) {
            let st = before
                .character_states
                .iter()
                .find(|c| c.state.character_id == l.character)
                .unwrap();
            assert!(st.state.alive && st.state.present);
        }
        // Threads it resolves were open; after recording, memory agrees.
        let after = s.context_for("rom", n + 1).await.unwrap();
        for t in &script.threads_resolved {
            assert!(before.open_threads.iter().any(|o| o.id == t.id));
            assert!(!after.open_threads.iter().any(|o| o.id == t.id));
        }
        for t in &script.threads_opened {
            assert!(after.open_threads.iter().any(|o| o.id == t.id));
        }
        assert_eq!(after.previous_episodes.last().unwrap().episode_number, n);
        assert_eq!(
            after.previous_episodes.last().unwrap().cliffhanger,
            script.cliffhanger
        );
        // Relationship moves stay within the step.
        for rc in &script.relationship_changes {
            assert!(
                rc.intimacy_delta.unwrap_or(0).unsigned_abs()
                    <= CheckConfig::default().max_intimacy_step
            );
        }
        assert!(script.written_by.starts_with("offline-template"));
    }
    // Episode 2 resolved a ripe thread or advanced one; something moved.
    let c4 = s.context_for("rom", 4).await.unwrap();
    assert_eq!(c4.previous_episodes.len(), 3);
    assert!(
        s.usage(Some("rom")).await.unwrap().is_empty(),
        "offline writing costs nothing and records no paid usage"
    );
}
