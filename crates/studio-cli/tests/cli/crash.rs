//! Crash safety: `aidas daemon` runs as a child process on a temp data directory with a mock fal queue (paid video
//! and stills), and is killed with SIGKILL inside each stage in turn; restarted, it finishes the episode with every
//! artifact intact (checksums) and every paid job submitted exactly once.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// fal's queue: submit → IN_QUEUE → IN_PROGRESS → COMPLETED over a few polls, then the result and the CDN file.
struct Fal {
    uri: String,
    submits: Arc<Mutex<HashMap<String, usize>>>,
    polls: Mutex<HashMap<String, usize>>,
    counter: AtomicUsize,
    png: Vec<u8>,
    mp4: Vec<u8>,
}

impl Respond for Fal {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let path = req.url.path().trim_start_matches('/').to_string();
        if req.method.as_str() == "POST" {
            // One entry per local job (the tag carries its id) and model.
            let tag = req
                .headers
                .get("x-fal-tags")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            *self
                .submits
                .lock()
                .unwrap()
                .entry(format!("{path} {tag}"))
                .or_default() += 1;
            let kind = if path.contains("kling") { "vid" } else { "img" };
            let id = format!("{kind}-{}", self.counter.fetch_add(1, Ordering::SeqCst));
            let app: String = path.split('/').take(2).collect::<Vec<_>>().join("/");
            let base = format!("{}/{app}/requests/{id}", self.uri);
            return ResponseTemplate::new(200).set_body_json(json!({
                "request_id": id, "status_url": format!("{base}/status"), "response_url": base,
                "cancel_url": format!("{base}/cancel"), "queue_position": 0
            }));
        }
        let id = path.split('/').nth(3).unwrap_or("").to_string();
        if path.ends_with("/status") {
            let n = {
                let mut p = self.polls.lock().unwrap();
                let c = p.entry(id.clone()).or_default();
                *c += 1;
                *c
            };
            return match n {
                1 => ResponseTemplate::new(202)
                    .set_body_json(json!({"status": "IN_QUEUE", "queue_position": 1})),
                2 | 3 => ResponseTemplate::new(202)
                    .set_body_json(json!({"status": "IN_PROGRESS", "logs": []})),
                _ => ResponseTemplate::new(200).set_body_json(json!({"status": "COMPLETED"})),
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

fn cmd(dir: &Path, fal: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_aidas"));
    c.arg("--data-dir").arg(dir).args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("AIDAS_") {
            c.env_remove(k);
        }
    }
    c.env("AIDAS_SECRETS_BACKEND", "env")
        .env("AIDAS_FAL_API_KEY", "fal-test")
        .env("AIDAS_FAL_QUEUE_URL", fal)
        .env("AIDAS_RENDER_PRESET", "ultrafast")
        .env("AIDAS_RENDER_RESOLUTION", "720p")
        // Every claimed job holds 700 ms before its work, so even the quick stages can be killed inside.
        .env("AIDAS_FAULT_HOLD_MS", "700")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

fn run_ok(dir: &Path, fal: &str, args: &[&str]) -> String {
    let out = cmd(dir, fal, args).stdout(Stdio::piped()).output().unwrap();
    assert!(
        out.status.success(),
        "aidas {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn jobs(dir: &Path, fal: &str) -> Vec<serde_json::Value> {
    let text = run_ok(dir, fal, &["--json", "jobs", "list"]);
    serde_json::from_str::<Vec<serde_json::Value>>(&text).unwrap()
}

fn kill(mut child: Child) {
    // SIGKILL: no chance to clean up.
    let _ = child.kill();
    let _ = child.wait();
}

type Submits = Arc<Mutex<HashMap<String, usize>>>;

/// A mock fal queue and a data directory with an offline-planned series whose episode 1 is queued (unattended).
async fn setup() -> (tempfile::TempDir, MockServer, Submits) {
    let media = tempfile::tempdir().unwrap();
    let png = media.path().join("k.png");
    image::RgbImage::from_fn(640, 360, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    })
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
    let submits: Submits = Arc::default();
    Mock::given(wiremock::matchers::any())
        .respond_with(Fal {
            uri: server.uri(),
            submits: submits.clone(),
            polls: Mutex::default(),
            counter: AtomicUsize::new(0),
            png: std::fs::read(&png).unwrap(),
            mp4: std::fs::read(&mp4).unwrap(),
        })
        .mount(&server)
        .await;
    let uri = server.uri();
    let fal = uri.as_str();
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    run_ok(dir, fal, &["init"]);
    // Unattended, quick polling.
    let cfg = dir.join("config.toml");
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text = text.replace("review = \"always\"", "review = \"never\"");
    text = text.replace("poll_sec = 2.0", "poll_sec = 0.2");
    text = text.replace("poll_interval_sec = 4.0", "poll_interval_sec = 0.1");
    std::fs::write(&cfg, text).unwrap();
    run_ok(
        dir,
        fal,
        &[
            "series",
            "new",
            "--title",
            "Crash Test",
            "--genre",
            "thriller",
            "--episodes",
            "3",
            "--duration",
            "2",
            "--writer",
            "offline",
            "--id",
            "crash",
            "--seed",
            "5",
        ],
    );
    run_ok(dir, fal, &["produce", "crash", "1"]);
    (d, server, submits)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_daemons_on_one_database_run_every_job_once() {
    let (d, server, submits) = setup().await;
    let (dir, uri) = (d.path(), server.uri());
    let fal = uri.as_str();
    let spawn = || {
        let mut c = cmd(dir, fal, &["daemon", "--workers", "2", "--until-idle"]);
        c.env_remove("AIDAS_FAULT_HOLD_MS");
        c.spawn().unwrap()
    };
    let (a, b) = (spawn(), spawn());
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // A daemon may go idle while the other still works: a last pass finishes anything left.
    run_ok(dir, fal, &["daemon", "--until-idle"]);
    for j in jobs(dir, fal) {
        assert_eq!(j["status"], "succeeded", "{j}");
        assert_eq!(j["attempts"], 1, "each job ran once: {j}");
    }
    let submits = submits.lock().unwrap().clone();
    assert!(submits.keys().any(|k| k.contains("kling")));
    for (k, n) in &submits {
        assert_eq!(*n, 1, "{k} was submitted {n} times");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_killed_inside_every_stage_finishes_the_episode_without_paying_twice() {
    let (d, server, submits) = setup().await;
    let (dir, uri) = (d.path(), server.uri());
    let fal = uri.as_str();

    // Kill inside each stage in turn: start the daemon, wait until that stage's job is running, SIGKILL.
    let stages = [
        "script",
        "memory_update",
        "storyboard",
        "voices",
        "visuals",
        "avatars",
        "render",
        "package",
        "review_gate",
        "publish",
        "finalize",
    ];
    let mut killed_in = Vec::new();
    for stage in stages {
        let status = |dir: &Path| {
            jobs(dir, fal)
                .into_iter()
                .find(|j| j["stage"] == stage)
                .map(|j| j["status"].as_str().unwrap_or("").to_string())
                .unwrap_or_default()
        };
        if status(dir) == "succeeded" {
            continue;
        }
        let child = cmd(dir, fal, &["daemon", "--workers", "2"])
            .spawn()
            .unwrap();
        let started = Instant::now();
        let mut seen = false;
        while started.elapsed() < Duration::from_secs(240) {
            let st = status(dir);
            if st == "running" {
                seen = true;
                // Into the stage's own work for the slow ones.
                let into = match stage {
                    "voices" | "visuals" | "render" => 1500,
                    _ => 200,
                };
                std::thread::sleep(Duration::from_millis(into));
                break;
            }
            if st == "succeeded" {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        kill(child);
        if seen {
            killed_in.push(stage);
        }
    }
    eprintln!("killed inside: {killed_in:?}");
    assert!(
        killed_in.len() >= 9,
        "the daemon was killed inside only {killed_in:?}"
    );

    // Restart and let it finish.
    let out = cmd(dir, fal, &["daemon", "--workers", "2", "--until-idle"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all = jobs(dir, fal);
    for j in &all {
        assert_eq!(j["status"], "succeeded", "{j}");
    }
    // Every paid job went out once.
    let submits = submits.lock().unwrap().clone();
    eprintln!("paid submits: {submits:?}");
    assert!(
        submits.keys().any(|k| k.contains("kling")) && submits.keys().any(|k| k.contains("flux")),
        "the episode used the (mock) paid video and still providers: {submits:?}"
    );
    for (k, n) in submits.iter() {
        assert_eq!(*n, 1, "{k} was submitted {n} times");
    }
    // Artifacts intact: voices and clips match their recorded checksums, the render probes whole.
    let store = studio_store::Store::open(&dir.join("aidas.db"))
        .await
        .unwrap();
    for a in store.line_audio("crash", 1).await.unwrap() {
        let sha = studio_pipeline::voicing::sha256_file(&dir.join(&a.path)).unwrap();
        assert_eq!(sha, a.sha256, "{}", a.path);
    }
    let media = store.shot_media_json("crash", 1).await.unwrap();
    assert!(!media.is_empty());
    for m in media {
        let path = dir.join(m["clip_path"].as_str().unwrap());
        let sha = studio_pipeline::voicing::sha256_file(&path).unwrap();
        assert_eq!(
            sha,
            m["clip_sha256"].as_str().unwrap(),
            "{}",
            path.display()
        );
    }
    let mp4 = dir.join("export/crash/ep001/episode.mp4");
    let p = studio_render::probe::probe_media(&mp4).unwrap();
    assert_eq!((p.video.width, p.video.height), (1280, 720));
    assert!((p.audio_end_sec.unwrap() - p.video_end_sec).abs() <= 0.04);
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("series/crash/ep001/render.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        report["video"]["bytes"].as_u64().unwrap(),
        std::fs::metadata(&mp4).unwrap().len()
    );
    assert!(!dir.join("series/crash/ep001/episode.mp4.part").exists());
}

#[test]
fn an_interrupted_demo_resumes_its_episode_instead_of_starting_over() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    // No paid providers here: the fal URL is never called without a key.
    let fal = "http://127.0.0.1:9";
    let mut c = cmd(dir, fal, &["demo"]);
    c.env_remove("AIDAS_FAL_API_KEY");
    let child = c.spawn().unwrap();
    let started = Instant::now();
    let mut killed_in = None;
    while started.elapsed() < Duration::from_secs(300) {
        if dir.join("aidas.db").exists() {
            let out = cmd(dir, fal, &["--json", "jobs", "list"])
                .stdout(Stdio::piped())
                .output()
                .unwrap();
            if let Ok(list) = serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout)
                && let Some(j) = list
                    .iter()
                    .find(|j| j["stage"] == "visuals" && j["status"] == "running")
            {
                std::thread::sleep(Duration::from_millis(1500));
                killed_in = Some(j["id"].clone());
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    kill(child);
    assert!(
        killed_in.is_some(),
        "the demo was never seen inside its visuals stage"
    );

    let mut again = cmd(dir, fal, &["--json", "demo"]);
    again.env_remove("AIDAS_FAL_API_KEY");
    let out = again.stdout(Stdio::piped()).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ran: Vec<&str> = report["planned"]["stages_run_now"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(ran.first(), Some(&"visuals"), "resumed at visuals: {ran:?}");
    assert!(
        !ran.contains(&"script") && !ran.contains(&"voices"),
        "{ran:?}"
    );
    assert!(
        ran.contains(&"render") && ran.contains(&"package"),
        "{ran:?}"
    );
    assert_eq!(report["planned"]["waiting_for_review"], true);
    assert!(
        dir.join(report["planned"]["render"]["file"].as_str().unwrap())
            .is_file()
    );
    let jobs = jobs(dir, fal);
    let attempts =
        |stage: &str| jobs.iter().find(|j| j["stage"] == stage).unwrap()["attempts"].clone();
    assert_eq!(attempts("script"), 1);
    assert_eq!(attempts("voices"), 1);
    assert_eq!(attempts("visuals"), 2);
}
