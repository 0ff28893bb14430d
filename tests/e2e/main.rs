//! Workspace-level end-to-end tests over the engine and store on real files.

#[path = "../support/generate.rs"]
mod generate;

use std::collections::BTreeMap;

use studio_core::{Engine, EngineOptions, secrets::MemorySecretStore};
use studio_store::Store;

async fn engine(dir: &std::path::Path) -> Engine {
    Engine::open(EngineOptions {
        data_dir: Some(dir.to_path_buf()),
        env: Some(BTreeMap::new()),
        secret_store: Some(Box::new(MemorySecretStore::default())),
    })
    .await
    .unwrap()
}

/// Over a 40-episode series: the context for episode n never changes once episode n−1 is recorded (later
/// episodes cannot leak into it), and rolling back to k then recording the same episodes again reproduces
/// every context exactly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contexts_are_stable_over_a_long_series_and_rollback_replays_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let plan = generate::long_plan("long", 40);
    e.import_plan(&plan).await.unwrap();
    let mut at_write_time = Vec::new();
    for n in 1..=40 {
        at_write_time.push(e.memory_context("long", n).await.unwrap());
        if n < 40 {
            e.record_outcome("long", &generate::outcome(n))
                .await
                .unwrap();
        }
    }
    for n in 1..=40u32 {
        let now = e.memory_context("long", n).await.unwrap();
        assert_eq!(
            now,
            at_write_time[(n - 1) as usize],
            "context for episode {n} changed after later episodes"
        );
        assert!(now.previous_episodes.len() <= 5);
        assert!(
            now.open_threads
                .iter()
                .all(|t| t.opened_in < n && t.resolved_in.is_none())
        );
    }
    let rb = e.roll_back("long", 17).await.unwrap();
    assert_eq!(rb.episodes, (17..=39).collect::<Vec<u32>>());
    for n in 17..40 {
        e.record_outcome("long", &generate::outcome(n))
            .await
            .unwrap();
    }
    for n in 1..=40u32 {
        assert_eq!(
            e.memory_context("long", n).await.unwrap(),
            at_write_time[(n - 1) as usize],
            "episode {n} after replay"
        );
    }
    assert_eq!(e.store().integrity_check().await.unwrap(), "ok");
}

/// The data directory survives a restart: a second engine on the same directory sees the same world, and the
/// file opens with the plain store too (no engine state hidden outside SQLite).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_sees_the_same_world() {
    let dir = tempfile::tempdir().unwrap();
    let first = {
        let e = engine(dir.path()).await;
        let r = e.demo().await.unwrap();
        e.store().close().await;
        r
    };
    // The main job ends with a whole episode: an MP4 to YouTube's upload settings.
    let r = &first.planned.render;
    assert!(r.offline && !r.reused);
    let mp4 = dir.path().join(&r.file);
    let p = studio_render::probe::probe_media(&mp4).unwrap();
    assert_eq!(
        (p.video.width, p.video.height, p.video.codec.as_str()),
        (1920, 1080, "h264")
    );
    assert!(p.video.profile.to_lowercase().contains("high") && p.video.moov_first);
    assert_eq!(
        p.audio
            .as_ref()
            .map(|a| (a.codec.as_str(), a.sample_rate, a.channels)),
        Some(("aac", 48_000, 2))
    );
    assert!((p.audio_end_sec.unwrap() - p.video_end_sec).abs() <= 0.04);
    assert!((r.mix.integrated_lufs.unwrap() + 14.0).abs() <= 1.0);
    assert!(r.video.subtitles_burned && r.subtitle_events > 10);
    let e = engine(dir.path()).await;
    let again = e.demo().await.unwrap();
    assert_eq!(again.context, first.context);
    assert!(again.recorded_now.is_empty());
    assert!(
        again.planned.render.reused,
        "a re-run keeps the rendered episode"
    );
    let raw = Store::open(&dir.path().join(studio_core::DB_FILE))
        .await
        .unwrap();
    assert_eq!(
        raw.context_for("first-love", 4).await.unwrap(),
        first.context
    );
}
