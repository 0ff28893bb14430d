//! Crash safety: `aidas daemon` runs as a child process on a temp data directory with a mock fal queue (paid video
//! and stills), and is killed with SIGKILL inside each stage in turn; restarted, it finishes the episode with every
//! artifact intact (checksums) and every paid job submitted exactly once.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use studio_testkit::YouTubeMock;
use studio_testkit::fal::{FalMock, FalTiming, Submits};

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
        // The characters' references go to the mock's storage too (never the network).
        .env("AIDAS_FAL_STORAGE_URL", fal)
        // The channel's sign-in (a headless machine gives it by environment), valid for long.
        .env(
            "AIDAS_YOUTUBE_CHANNEL_UCTEST_API_KEY",
            r#"{"access_token":"at-1","refresh_token":"rt-1","expires_at_ms":4000000000000,"scope":"youtube.upload"}"#,
        )
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

/// A mock fal queue and a data directory with an offline-planned series whose episode 1 is queued (unattended).
async fn setup() -> (tempfile::TempDir, FalMock, Submits, YouTubeMock) {
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
    let server = FalMock::start(
        std::fs::read(&png).unwrap(),
        std::fs::read(&mp4).unwrap(),
        FalTiming::Polls,
    )
    .await;
    let submits = server.submits.clone();
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
    // Publish to a (mock) YouTube channel in 256 KiB chunks that take a moment each, so a kill lands mid-upload.
    let yt = YouTubeMock::start().await;
    yt.with(|s| s.chunk_delay_ms = 120);
    let u = yt.uri();
    for (from, to) in [
        (
            "chunk_kib = 8192",
            "chunk_kib = 256\ndefault_channel = \"UCtest\"".to_string(),
        ),
        ("retry_base_ms = 1000", "retry_base_ms = 50".to_string()),
        (
            "youtube = \"https://www.googleapis.com/youtube/v3\"",
            format!("youtube = \"{u}/youtube/v3\""),
        ),
        (
            "youtube_upload = \"https://www.googleapis.com/upload/youtube/v3\"",
            format!("youtube_upload = \"{u}/upload/youtube/v3\""),
        ),
    ] {
        assert!(text.contains(from), "config.toml has {from}");
        text = text.replace(from, &to);
    }
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
    let store = studio_store::Store::open(&dir.join("aidas.db"))
        .await
        .unwrap();
    store
        .upsert_channel(
            "UCtest",
            "테스트 채널",
            Some("UCtest"),
            &serde_json::json!({}),
        )
        .await
        .unwrap();
    store.close().await;
    (d, server, submits, yt)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_daemons_on_one_database_run_every_job_once() {
    let (d, server, submits, yt) = setup().await;
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
    yt.with(|s| assert_eq!((s.sessions.len(), s.videos_inserted), (1, 1), "one upload"));
    let submits = submits.lock().unwrap().clone();
    assert!(submits.keys().any(|k| k.contains("kling")));
    for (k, n) in &submits {
        assert_eq!(*n, 1, "{k} was submitted {n} times");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_killed_inside_every_stage_finishes_the_episode_without_paying_twice() {
    let (d, server, submits, yt) = setup().await;
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
            if st == "running" && stage == "publish" {
                // Mid-upload: a few chunks in.
                let t = Instant::now();
                while yt.with(|s| s.chunk_puts) < 3 && t.elapsed() < Duration::from_secs(60) {
                    std::thread::sleep(Duration::from_millis(20));
                }
                seen = yt.with(|s| s.chunk_puts) >= 3;
                break;
            }
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
        killed_in.contains(&"publish"),
        "killed mid-upload: {killed_in:?}"
    );
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
        let sha = studio_pipeline::artifact::sha256_file(&dir.join(&a.path)).unwrap();
        assert_eq!(sha, a.sha256, "{}", a.path);
    }
    let media = store.shot_media_json("crash", 1).await.unwrap();
    assert!(!media.is_empty());
    for m in media {
        // Each shot's source as made: its clip, or (stills move in the render) its still.
        let m: studio_pipeline::visuals::ShotMedia = serde_json::from_value(m).unwrap();
        // Stills stay stills (no intermediate clip); AI video shots keep their clip.
        assert_eq!(
            m.clip_path.is_empty(),
            m.drawn_from_still(),
            "shot {}: {} / {}",
            m.index,
            m.generator,
            m.clip_path
        );
        let path = dir.join(m.source());
        let sha = studio_pipeline::artifact::sha256_file(&path).unwrap();
        assert_eq!(sha, m.clip_sha256, "{}", path.display());
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
    // Killed mid-upload and restarted: one session, one video, YouTube holds the file byte for byte.
    let bytes = std::fs::read(dir.join("series/crash/ep001/episode.mp4")).unwrap();
    yt.with(|s| {
        assert_eq!(s.sessions.len(), 1, "one upload session");
        assert_eq!(s.videos_inserted, 1, "one video");
        assert!(
            s.sessions[0].bytes == bytes,
            "the uploaded bytes are the file"
        );
        assert!(
            s.status_queries >= 1,
            "the restart asked the session where it stood"
        );
        assert_eq!(s.playlist_items.len(), 1);
        assert_eq!(s.captions.len(), 1);
    });
    let row = store.upload("crash", 1).await.unwrap().unwrap();
    assert_eq!(
        (row.state.as_str(), row.video_id.as_deref()),
        ("done", Some("vid0"))
    );
    // The whole-episode estimate recorded before the paid work started (at the storyboard, from the script's text)
    // is within ±10 % of what the reconciled ledger holds after the kills and restarts, per provider and in total.
    let v: serde_json::Value =
        serde_json::from_str(&run_ok(dir, fal, &["--json", "estimate", "crash", "1"])).unwrap();
    let recorded = &v["recorded"];
    assert!(
        recorded.is_object(),
        "the storyboard recorded an estimate: {v}"
    );
    let checks = v["against_ledger"].as_array().unwrap();
    eprintln!("estimate recorded against the ledger: {checks:?}");
    assert!(
        checks
            .iter()
            .any(|c| c["provider"] == "fal" && c["spent_usd"].as_f64().unwrap() > 0.0),
        "{checks:?}"
    );
    // Every provider either side: one expected and not spent fails as well as one spent and not expected.
    for c in checks {
        let (want, got) = (
            c["expected_usd"].as_f64().unwrap(),
            c["spent_usd"].as_f64().unwrap(),
        );
        assert!(
            (want - got).abs() <= 0.10 * got + 1e-9,
            "{}: estimated ${want:.3}, spent ${got:.3}",
            c["provider"]
        );
    }
    let spent = v["estimate"]["spent_usd"].as_object().unwrap();
    let total: f64 = spent.values().map(|x| x.as_f64().unwrap()).sum();
    let want = recorded["total_usd"].as_f64().unwrap();
    assert!(
        (want - total).abs() <= 0.10 * total + 1e-9,
        "in total: estimated ${want:.3}, spent ${total:.3}"
    );
    assert_eq!(
        recorded["upload_units"].as_i64(),
        Some(1600 + 50 + 50 + 400),
        "the upload's quota units: insert, thumbnail, playlist item, captions"
    );
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
