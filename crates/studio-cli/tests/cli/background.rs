//! One background service in every shell: `aidas daemon` and `aidas serve` (and the desktop app, which calls the
//! same `Engine::run_background`) queue the same daily plan and raise the same alert from the same config.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{aidas, night_series, ok_json};

/// A studio with one offline-planned series, a daily plan of one episode (`auto_plan`), $0.85 of today's $1.00
/// cap already spent (so the spending rule fires), alerts posted to `webhook`, and a work window that starts two
/// hours from now (so the workers start nothing and the test sees the plan exactly as queued).
async fn studio(webhook: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    night_series(dir);
    let cfg = dir.join("config.toml");
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    // Now in Seoul (the default time zone, no daylight saving): the window is [h+2, h+3).
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let h = (secs / 3600 + 9) % 24;
    let window = format!("{:02}:00-{:02}:00", (h + 2) % 24, (h + 3) % 24);
    for (from, to) in [
        ("episodes_per_day = 10", "episodes_per_day = 1".to_string()),
        ("auto_plan = false", "auto_plan = true".to_string()),
        (
            "daily_cap_usd = 25.0",
            format!("daily_cap_usd = 1.0\nalert_webhook_url = \"{webhook}\""),
        ),
        ("work_window = \"\"", format!("work_window = \"{window}\"")),
        ("poll_sec = 2.0", "poll_sec = 0.2".to_string()),
    ] {
        assert!(text.contains(from), "config.toml has {from}");
        text = text.replace(from, &to);
    }
    std::fs::write(&cfg, text).unwrap();
    let store = studio_store::Store::open(&dir.join("aidas.db"))
        .await
        .unwrap();
    store
        .record_usage(&studio_domain::CostEntry {
            provider: "fal".into(),
            operation: "shot".into(),
            series_id: Some("night".into()),
            episode_number: Some(1),
            units: 1.0,
            unit: "job".into(),
            estimated_usd: 0.85,
            actual_usd: None,
        })
        .await
        .unwrap();
    store.close().await;
    d
}

/// The queue as (series, episode, stage, status), sorted.
fn queue(dir: &Path) -> Vec<(String, u64, String, String)> {
    let jobs = ok_json(&aidas(dir, &["--json", "jobs", "list"], None, &[]));
    let mut out: Vec<_> = jobs
        .as_array()
        .unwrap()
        .iter()
        .map(|j| {
            (
                j["series_id"].as_str().unwrap().to_string(),
                j["episode_number"].as_u64().unwrap(),
                j["stage"].as_str().unwrap().to_string(),
                j["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The spending alerts the webhook received, as (rule, level, message). Only the spending rule is this test's
/// setup; the disk rule depends on the machine the test runs on (a nearly full disk raises it too).
async fn alerts(hook: &wiremock::MockServer) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for r in hook.received_requests().await.unwrap_or_default() {
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        if !v["rule"].as_str().unwrap_or_default().starts_with("spend:") {
            continue;
        }
        out.push((
            v["rule"].as_str().unwrap().to_string(),
            v["level"].as_str().unwrap().to_string(),
            v["message"].as_str().unwrap().to_string(),
        ));
    }
    out
}

async fn webhook() -> wiremock::MockServer {
    let hook = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(wiremock::ResponseTemplate::new(200))
        .mount(&hook)
        .await;
    hook
}

#[tokio::test]
async fn the_daemon_and_serve_plan_the_same_day_and_raise_the_same_alert() {
    // The daemon: one pass, nothing to work in the window, so it returns.
    let daemon_hook = webhook().await;
    let d = studio(&format!("{}/alerts", daemon_hook.uri())).await;
    let out = aidas(d.path(), &["daemon", "--until-idle"], None, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let daemon_queue = queue(d.path());
    let daemon_alerts = alerts(&daemon_hook).await;
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("$0.85 of the $1.00 daily cap"),
        "the daemon prints the alert: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // `aidas serve` with workers: the same service, so the same plan and alert while it serves.
    let serve_hook = webhook().await;
    let s = studio(&format!("{}/alerts", serve_hook.uri())).await;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_aidas"));
    for (k, _) in std::env::vars() {
        if k.starts_with("AIDAS_") {
            cmd.env_remove(k);
        }
    }
    let mut child = cmd
        .arg("--data-dir")
        .arg(s.path())
        .args(["serve", "--addr", "127.0.0.1:0", "--workers", "1"])
        .env("AIDAS_SECRETS_BACKEND", "env")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut url = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut url)
        .unwrap();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let deadline = Instant::now() + Duration::from_secs(60);
    let (serve_queue, serve_alerts) = loop {
        let (q, a) = (queue(s.path()), alerts(&serve_hook).await);
        if (!q.is_empty() && !a.is_empty()) || Instant::now() > deadline {
            break (q, a);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let _ = child.kill();
    let _ = child.wait();

    // Episode 1 of the one series, all its stages, waiting for the work window.
    assert!(!daemon_queue.is_empty(), "the daemon queued the plan");
    assert!(
        daemon_queue
            .iter()
            .all(|(s, n, _, _)| s == "night" && *n == 1),
        "{daemon_queue:?}"
    );
    assert!(
        daemon_queue
            .iter()
            .any(|(_, _, stage, _)| stage == "script")
    );
    assert_eq!(serve_queue, daemon_queue, "serve queued the same plan");
    assert_eq!(
        daemon_alerts,
        vec![(
            "spend:daily cap".to_string(),
            "warning".to_string(),
            "$0.85 of the $1.00 daily cap is spent (85 %); paid work degrades or stops at the cap"
                .to_string()
        )]
    );
    assert_eq!(serve_alerts, daemon_alerts, "serve raised the same alert");
}
