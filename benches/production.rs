//! Benchmark: one episode through the production engine (`run_workers`, 2 workers) with a mock fal queue whose
//! jobs take as long as the real ones, scaled down uniformly (Kling video 100–280 s and FLUX stills 2–6 s, ÷ SCALE),
//! against the critical-path lower bound measured in the same run: the longest chain of the stages' own durations
//! through the DAG (voices and visuals side by side). The ratio is what the queue itself costs — claiming, polling,
//! handing over between stages. Run: `cargo bench --bench production [-- --scale N]`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use studio_core::secrets::MemorySecretStore;
use studio_core::{Engine, EngineOptions, NewSeries};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

struct Fal {
    uri: String,
    scale: f64,
    started: Mutex<HashMap<String, (Instant, Duration)>>,
    counter: AtomicUsize,
    png: Vec<u8>,
    mp4: Vec<u8>,
}

impl Respond for Fal {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let path = req.url.path().trim_start_matches('/').to_string();
        if req.method.as_str() == "POST" {
            let n = self.counter.fetch_add(1, Ordering::SeqCst);
            let video = path.contains("kling");
            // Spread over the real ranges, deterministically.
            let real = if video {
                100.0 + (n * 37 % 180) as f64
            } else {
                2.0 + (n * 7 % 4) as f64
            };
            let id = format!("{}-{n}", if video { "vid" } else { "img" });
            self.started.lock().unwrap().insert(
                id.clone(),
                (Instant::now(), Duration::from_secs_f64(real / self.scale)),
            );
            let app: String = path.split('/').take(2).collect::<Vec<_>>().join("/");
            let base = format!("{}/{app}/requests/{id}", self.uri);
            return ResponseTemplate::new(200).set_body_json(json!({
                "request_id": id, "status_url": format!("{base}/status"), "response_url": base,
                "cancel_url": format!("{base}/cancel"), "queue_position": 0
            }));
        }
        let id = path.split('/').nth(3).unwrap_or("").to_string();
        if path.ends_with("/status") {
            let done = self
                .started
                .lock()
                .unwrap()
                .get(&id)
                .is_some_and(|(t, d)| t.elapsed() >= *d);
            return if done {
                ResponseTemplate::new(200).set_body_json(json!({"status": "COMPLETED"}))
            } else {
                ResponseTemplate::new(202)
                    .set_body_json(json!({"status": "IN_PROGRESS", "logs": []}))
            };
        }
        if path.starts_with("cdn/") {
            return ResponseTemplate::new(200).set_body_bytes(if path.ends_with(".mp4") {
                self.mp4.clone()
            } else {
                self.png.clone()
            });
        }
        if id.starts_with("vid") {
            ResponseTemplate::new(200)
                .set_body_json(json!({"video": {"url": format!("{}/cdn/{id}.mp4", self.uri)}}))
        } else {
            ResponseTemplate::new(200).set_body_json(json!({"images": [{"url": format!("{}/cdn/{id}.png", self.uri), "width": 1920, "height": 1080}], "seed": 1}))
        }
    }
}

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
        let media = tempfile::tempdir().unwrap();
        let png = media.path().join("k.png");
        image::RgbImage::from_fn(640, 360, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]))
            .save(&png)
            .unwrap();
        let mp4 = media.path().join("v.mp4");
        studio_render::kenburns::pattern_clip(
            &mp4,
            640,
            360,
            24,
            48,
            &studio_render::kenburns::EncodeOptions {
                preset: "ultrafast".into(),
                crf: 28,
            },
        )
        .unwrap();
        let server = MockServer::start().await;
        Mock::given(wiremock::matchers::any())
            .respond_with(Fal {
                uri: server.uri(),
                scale,
                started: Mutex::default(),
                counter: AtomicUsize::new(0),
                png: std::fs::read(&png).unwrap(),
                mp4: std::fs::read(&mp4).unwrap(),
            })
            .mount(&server)
            .await;
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
            .run_workers(2, Arc::new(AtomicBool::new(false)), true)
            .await
            .unwrap();
        let makespan = t0.elapsed().as_secs_f64();
        assert!(outcomes.iter().all(|o| o.status == "succeeded"), "{outcomes:?}");
        // Each stage's own duration, from the jobs' start and end.
        let jobs = e.store().jobs(Some("bench"), Some(1)).await.unwrap();
        let d: HashMap<String, f64> = jobs
            .iter()
            .map(|j| {
                (
                    j.stage.clone(),
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
