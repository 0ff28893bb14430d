//! Engine tests: the real OS keyring (Secret Service), and proof that secrets stay out of the database, the logs
//! and JSON output.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use studio_core::secrets::{KeyringSecretStore, MemorySecretStore, SecretStore};
use studio_core::{Engine, EngineEvent, EngineOptions, Secret};

mod directing;
mod feedback;
mod production;
mod publishing;
mod references;

/// An engine on `dir` with in-memory secrets that renders small and fast (720p, ultrafast): for tests about
/// production rather than picture quality.
pub async fn fast_engine(dir: &std::path::Path) -> Engine {
    let env: BTreeMap<String, String> = [
        ("AIDAS_RENDER_PRESET", "ultrafast"),
        ("AIDAS_RENDER_RESOLUTION", "720p"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    Engine::open(EngineOptions {
        data_dir: Some(dir.to_path_buf()),
        env: Some(env),
        secret_store: Some(Box::new(MemorySecretStore::default())),
    })
    .await
    .unwrap()
}

/// Plans an offline romance series of one-minute episodes about two people at the same company.
pub async fn offline_series(e: &Engine, id: &str, title: &str, episodes: u32, seed: u64) {
    e.new_series(studio_core::NewSeries {
        title: title.into(),
        genre: Some(studio_domain::Genre::Romance),
        episodes,
        episode_duration_min: 1,
        premise: "같은 회사의 두 사람".into(),
        main_theme: "용기".into(),
        target_audience: "20-30대".into(),
        writer: Some("offline".into()),
        id: Some(id.into()),
        seed: Some(seed),
    })
    .await
    .unwrap();
}

/// An engine on `dir` with this `config.toml`, no environment and in-memory secrets.
pub async fn engine_with_config(dir: &std::path::Path, config: &str) -> Engine {
    std::fs::write(dir.join("config.toml"), config).unwrap();
    Engine::open(EngineOptions {
        data_dir: Some(dir.to_path_buf()),
        env: Some(BTreeMap::new()),
        secret_store: Some(Box::new(MemorySecretStore::default())),
    })
    .await
    .unwrap()
}

/// The test command runs the suite under `dbus-run-session` with an unlocked gnome-keyring and sets
/// AIDAS_REQUIRE_KEYRING=1, so there a missing Secret Service is a failure, not a skip.
/// Receives the engine's events on a task of its own while a test runs. A long render publishes progress twice a
/// second; a `try_recv` loop after the fact reads nothing at all once the bus has overflowed (its first answer is
/// `Lagged`), so tests that check events collect them as they happen.
pub struct EventLog {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Vec<EngineEvent>>,
}

impl EventLog {
    pub fn start(e: &Engine) -> Self {
        use tokio::sync::broadcast::error::RecvError;
        let mut rx = e.events().subscribe();
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let mut out = Vec::new();
            loop {
                tokio::select! {
                    biased;
                    ev = rx.recv() => match ev {
                        Ok(ev) => out.push(ev),
                        Err(RecvError::Lagged(n)) => panic!("the test's event log fell {n} events behind"),
                        Err(RecvError::Closed) => break,
                    },
                    _ = &mut stopped => break,
                }
            }
            out
        });
        Self { stop, task }
    }

    /// Every event published since `start`, in order (events are published before the call that caused them
    /// returns, so nothing is still on its way).
    pub async fn finish(self) -> Vec<EngineEvent> {
        let _ = self.stop.send(());
        self.task.await.expect("the event log task")
    }
}

fn secret_service_available() -> bool {
    let have_bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
    if !have_bus && std::env::var("AIDAS_REQUIRE_KEYRING").as_deref() == Ok("1") {
        panic!(
            "AIDAS_REQUIRE_KEYRING=1 but there is no D-Bus session (run under dbus-run-session, see scripts/test.sh)"
        );
    }
    if !have_bus {
        eprintln!(
            "SKIPPED: no D-Bus session bus; run scripts/test.sh to test against a real Secret Service"
        );
    }
    have_bus
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}-{}-{nanos}", std::process::id())
}

#[test]
fn keyring_set_read_overwrite_delete_against_a_real_secret_service() {
    if !secret_service_available() {
        return;
    }
    let service = unique("aidas-test");
    let k = KeyringSecretStore::connect(&service).expect("Secret Service reachable");
    assert_eq!(k.get("openai").unwrap(), None);
    k.set("openai", &Secret::new("sk-first")).unwrap();
    assert_eq!(k.get("openai").unwrap().unwrap().expose(), "sk-first");
    k.set("openai", &Secret::new("sk-second")).unwrap();
    assert_eq!(k.get("openai").unwrap().unwrap().expose(), "sk-second");
    // A second connection (another process would be the same) sees the stored value.
    let k2 = KeyringSecretStore::connect(&service).unwrap();
    assert_eq!(k2.get("openai").unwrap().unwrap().expose(), "sk-second");
    assert_eq!(k2.get("fal").unwrap(), None, "entries are per provider");
    assert!(k.delete("openai").unwrap());
    assert_eq!(k.get("openai").unwrap(), None);
    assert!(
        !k.delete("openai").unwrap(),
        "deleting twice reports nothing deleted"
    );
    assert!(k.get("not-a-provider").is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_stores_keys_in_the_real_keyring() {
    if !secret_service_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let env: BTreeMap<String, String> = [
        ("AIDAS_SECRETS_BACKEND".to_string(), "keyring".to_string()),
        (
            "AIDAS_KEYRING_SERVICE".to_string(),
            unique("aidas-engine-test"),
        ),
    ]
    .into_iter()
    .collect();
    let e = Engine::open(EngineOptions {
        data_dir: Some(dir.path().into()),
        env: Some(env),
        secret_store: None,
    })
    .await
    .unwrap();
    let st = e.set_secret("heygen", Secret::new("hg-123")).await.unwrap();
    assert_eq!((st.configured, st.source), (true, Some("keyring")));
    assert_eq!(
        e.secret("heygen").await.unwrap().unwrap().expose(),
        "hg-123"
    );
    let doctor = e.doctor().await;
    let kc = doctor.checks.iter().find(|c| c.name == "keyring").unwrap();
    assert_eq!(kc.status, studio_core::doctor::CheckStatus::Ok, "{kc:?}");
    assert!(e.delete_secret("heygen").await.unwrap());
    assert!(e.secret("heygen").await.unwrap().is_none());
}

/// A `Write` that appends to a shared buffer, for capturing every log line the engine emits.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_never_appears_in_the_database_logs_json_or_events() {
    const SECRET: &str = "sk-LEAKCHECK-7f3a9c2e1b";
    let logs = Capture::default();
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(EngineOptions {
        data_dir: Some(dir.path().into()),
        env: Some(BTreeMap::new()),
        secret_store: Some(Box::new(MemorySecretStore::default())),
    })
    .await
    .unwrap();
    let events = EventLog::start(&e);
    let mut json_out = Vec::new();
    let st = e.set_secret("openai", Secret::new(SECRET)).await.unwrap();
    json_out.push(serde_json::to_string(&st).unwrap());
    assert!(st.configured);
    json_out.push(serde_json::to_string(&e.secret_status().await.unwrap()).unwrap());
    json_out.push(serde_json::to_string(&e.demo().await.unwrap()).unwrap());
    json_out.push(serde_json::to_string(&e.doctor().await).unwrap());
    json_out.push(serde_json::to_string(&e.list_series().await.unwrap()).unwrap());
    json_out.push(serde_json::to_string(&e.show_series("first-love").await.unwrap()).unwrap());
    json_out.push(format!("{:?}", e.secret("openai").await.unwrap()));
    // An error path too: a bad provider name echoes the name, never a value.
    let err = e.set_secret("nope", Secret::new(SECRET)).await.unwrap_err();
    json_out.push(serde_json::to_string(&err.payload()).unwrap());
    for ev in events.finish().await {
        if let EngineEvent::SecretChanged { configured, .. } = &ev {
            assert!(*configured);
        }
        json_out.push(serde_json::to_string(&ev).unwrap());
    }
    // The value is really there to be found (so the search below is meaningful).
    assert_eq!(e.secret("openai").await.unwrap().unwrap().expose(), SECRET);

    for s in &json_out {
        assert!(!s.contains(SECRET), "secret in JSON output: {s}");
    }
    let log_text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        log_text.contains("stored an API key"),
        "the capture saw the engine's logs"
    );
    assert!(!log_text.contains(SECRET), "secret in logs");
    e.store().close().await;
    let mut files = 0;
    for entry in walk(dir.path()) {
        let bytes = std::fs::read(&entry).unwrap();
        files += 1;
        assert!(
            !bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()),
            "secret found in {}",
            entry.display()
        );
    }
    assert!(files >= 2, "the database and config were searched");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_imports_record_and_roll_back_with_events() {
    let dir = tempfile::tempdir().unwrap();
    // The demo renders an episode; this test is about events, so a small fast render will do.
    let e = fast_engine(&dir.path().join("data")).await;
    let events = EventLog::start(&e);
    let r = e.demo().await.unwrap();
    assert!(r.imported);
    assert_eq!(r.recorded_now, vec![1, 2, 3]);
    // The 720p option: still H.264 High (even at ultrafast) with AAC, the index first.
    let mp4 = dir.path().join("data").join(&r.planned.render.file);
    let p = studio_render::probe::probe_media(&mp4).unwrap();
    assert_eq!((p.video.width, p.video.height), (1280, 720));
    assert!(
        p.video.profile.to_lowercase().contains("high"),
        "{:?}",
        p.video
    );
    assert!(p.video.moov_first && p.audio.is_some());
    let again = e.demo().await.unwrap();
    assert!(!again.imported && again.recorded_now.is_empty());
    assert_eq!(again.context, r.context);
    let rb = e.roll_back("첫사랑은 처음이라서", 3).await.unwrap();
    assert_eq!(rb.episodes, vec![3]);
    let mut kinds = Vec::new();
    let mut planned = Vec::new();
    for ev in events.finish().await {
        let v = serde_json::to_value(&ev).unwrap();
        let kind = v["type"].as_str().unwrap().to_string();
        if kind == "job_finished" {
            continue;
        }
        if kind == "render_progress" {
            assert!(v["frames_done"].as_u64() <= v["frames_total"].as_u64());
            continue;
        }
        if v["series_id"] == "first-love" {
            kinds.push(kind);
        } else {
            planned.push(kind);
        }
    }
    assert_eq!(
        planned,
        vec![
            "series_imported",
            "episode_recorded",
            "render_started",
            "episode_rendered",
            "alert"
        ],
        "the offline-planned demo series (rendered once: the second run keeps the file; \
         the alert says episode 1 is ready for review)"
    );
    assert_eq!(
        kinds,
        vec![
            "series_imported",
            "episode_recorded",
            "episode_recorded",
            "episode_recorded",
            "episode_rolled_back"
        ]
    );
    // The demo puts the rolled-back episode back on the next run.
    let r3 = e.demo().await.unwrap();
    assert_eq!(r3.recorded_now, vec![3]);
    assert_eq!(r3.context, r.context);
    // The config file was created with its version.
    let cfg = std::fs::read_to_string(dir.path().join("data/config.toml")).unwrap();
    assert!(cfg.contains("version = 1"));
}

#[tokio::test]
async fn a_broken_config_file_is_reported_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        "version = 1\n[secrets]\nbackend = \"vault\"\n",
    )
    .unwrap();
    let err = match Engine::open(EngineOptions {
        data_dir: Some(dir.path().into()),
        env: Some(BTreeMap::new()),
        secret_store: None,
    })
    .await
    {
        Ok(_) => panic!("a bad backend name was accepted"),
        Err(e) => e,
    };
    assert_eq!(err.code(), "invalid_config");
    assert!(err.to_string().contains("config.toml"), "{err}");
    // Nothing was overwritten.
    assert!(
        std::fs::read_to_string(dir.path().join("config.toml"))
            .unwrap()
            .contains("vault")
    );
}
