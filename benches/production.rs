//! Benchmark: one episode through the production engine (`run_workers`, 2 workers) with a mock fal queue whose
//! jobs take as long as the real ones, scaled down uniformly (Kling video 100–280 s and FLUX stills 2–6 s, ÷ SCALE),
//! against the critical-path lower bound measured in the same run: the longest chain of the stages' own durations
//! through the DAG (voices and visuals side by side). The ratio is what the queue itself costs — claiming, polling,
//! handing over between stages. Run: `cargo bench --bench production [-- --scale N]`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use studio_core::secrets::MemorySecretStore;
use studio_core::{Engine, EngineOptions, NewSeries};

mod common;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let scale: f64 = args
        .iter()
        .position(|a| a == "--scale")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(50.0);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let (_media, server) = common::fal_with_media(scale).await;
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.toml"),
            "version = 1\n[production]\nreview = \"never\"\npoll_sec = 0.1\n[visuals]\npoll_interval_sec = 0.05\nbudget_per_episode_usd = 5.0\n",
        )
        .unwrap();
        let env = [
            ("AIDAS_RENDER_PRESET", "ultrafast"),
            ("AIDAS_RENDER_RESOLUTION", "720p"),
            ("AIDAS_FAL_QUEUE_URL", server.uri().as_str()),
            // References go to the mock's storage too, never to fal.
            ("AIDAS_FAL_STORAGE_URL", server.uri().as_str()),
            ("AIDAS_FAL_API_KEY", "fal-bench"),
            ("AIDAS_SECRETS_BACKEND", "env"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let e = Arc::new(
            Engine::open(EngineOptions {
                data_dir: Some(dir.path().to_path_buf()),
                env: Some(env),
                secret_store: Some(Box::new(MemorySecretStore::default())),
            })
            .await
            .unwrap(),
        );
        e.new_series(NewSeries {
            title: "벤치".into(),
            genre: Some(studio_domain::Genre::Thriller),
            episodes: 3,
            episode_duration_min: 3,
            premise: "밤의 도시".into(),
            main_theme: "비밀".into(),
            target_audience: "20-30대".into(),
            writer: Some("offline".into()),
            id: Some("bench".into()),
            seed: Some(3),
        })
        .await
        .unwrap();
        e.produce("bench", 1).await.unwrap();
        let t0 = Instant::now();
        let outcomes = e
            .run_workers(2, studio_core::CancellationToken::new(), true)
            .await
            .unwrap();
        let makespan = t0.elapsed().as_secs_f64();
        assert!(outcomes.iter().all(|o| o.status == studio_core::JobEnd::Succeeded), "{outcomes:?}");
        // Each stage's own duration, from the jobs' start and end.
        let jobs = e.store().jobs(Some("bench"), Some(1)).await.unwrap();
        let d: HashMap<String, f64> = jobs
            .iter()
            .map(|j| {
                (
                    j.stage.to_string(),
                    (j.completed_ms.unwrap_or(0) - j.started_ms.unwrap_or(0)) as f64 / 1000.0,
                )
            })
            .collect();
        let g = |s: &str| d.get(s).copied().unwrap_or(0.0);
        let critical = g("script")
            + g("memory_update")
            + g("storyboard")
            + g("voices").max(g("visuals"))
            + ["avatars", "render", "package", "review_gate", "publish", "finalize"]
                .iter()
                .map(|s| g(s))
                .sum::<f64>();
        println!("production bench (mock fal latencies ÷ {scale}, 2 workers, 3-minute offline-written episode):");
        let mut stages: Vec<_> = d.iter().collect();
        stages.sort_by(|a, b| b.1.partial_cmp(a.1).unwrap());
        for (s, t) in stages {
            println!("  {s:<14} {t:>7.2} s");
        }
        println!("  makespan:               {makespan:.2} s");
        println!("  critical-path bound:    {critical:.2} s");
        println!("  ratio makespan / bound: {:.3} (target ≤ 1.10)", makespan / critical);
    });
}
