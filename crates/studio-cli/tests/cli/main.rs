//! The `aidas` binary as a user runs it: fresh data dirs, JSON output, errors, re-runs, secrets.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

mod background;
mod crash;
mod hardening;
mod one_api;

fn aidas(dir: &Path, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aidas"));
    cmd.arg("--data-dir").arg(dir).args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("AIDAS_") && k != "AIDAS_REQUIRE_KEYRING" {
            cmd.env_remove(k);
        }
    }
    cmd.env("AIDAS_SECRETS_BACKEND", "env");
    // These tests are about the commands; the full-size render is checked by the end-to-end tests.
    cmd.env("AIDAS_RENDER_PRESET", "ultrafast")
        .env("AIDAS_RENDER_RESOLUTION", "720p");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("aidas runs");
    {
        let mut si = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            si.write_all(s.as_bytes()).unwrap();
        }
    }
    child.wait_with_output().unwrap()
}

fn ok_json(o: &Output) -> Value {
    assert!(
        o.status.success(),
        "exit {:?}\nstderr: {}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// An offline-planned thriller "밤의 목격자" (id `night`, 3 one-minute episodes) in `dir`.
fn night_series(dir: &Path) {
    ok_json(&aidas(
        dir,
        &[
            "--json",
            "series",
            "new",
            "--title",
            "밤의 목격자",
            "--genre",
            "thriller",
            "--episodes",
            "3",
            "--duration",
            "1",
            "--id",
            "night",
        ],
        None,
        &[],
    ));
}

/// A data directory where `aidas demo` has already run once (the full run takes about a minute: script, voices,
/// Ken Burns clips). Made once per test binary and copied for each test that needs one.
fn demo_dir() -> tempfile::TempDir {
    static TEMPLATE: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    let tpl = TEMPLATE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        ok_json(&aidas(&dir, &["demo", "--json"], None, &[]));
        dir
    });
    let d = tempfile::tempdir().unwrap();
    copy_dir(tpl, d.path());
    d
}

#[test]
fn demo_json_prints_episode_4_context_and_a_rerun_duplicates_nothing() {
    let d = tempfile::tempdir().unwrap();
    let first = ok_json(&aidas(d.path(), &["demo", "--json"], None, &[]));
    assert_eq!(first["offline"], true);
    assert_eq!(first["imported"], true);
    assert_eq!(first["recorded_now"], serde_json::json!([1, 2, 3]));
    let c = &first["context"];
    assert_eq!(c["episode_number"], 4);
    assert_eq!(c["as_of_episode"], 3);
    let prev: Vec<u64> = c["previous_episodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["episode_number"].as_u64().unwrap())
        .collect();
    assert_eq!(prev, vec![1, 2, 3]);
    let threads: Vec<&str> = c["open_threads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        threads,
        vec!["T-secret-identity", "T-minjun-trauma", "T-investment"]
    );
    let states = c["character_states"].as_array().unwrap();
    assert_eq!(states.len(), 12);
    let minjun = states.iter().find(|s| s["name"] == "강민준").unwrap();
    assert_eq!(minjun["as_of_episode"], 3);
    assert_eq!(minjun["emotional_state"], "갈등");
    assert!(
        states
            .iter()
            .all(|s| s["as_of_episode"].as_u64().unwrap() <= 3)
    );
    assert_eq!(first["data_dir"], d.path().to_str().unwrap());

    // The planned series: plan, episode 1 written, voiced and its visuals made — all offline.
    let p = &first["planned"];
    assert_eq!(p["planned_now"], true);
    assert_eq!(p["episode_1"]["accepted"], true);
    assert_eq!(p["episode_1"]["written_now"], true);
    assert!(p["episode_1"]["lines"].as_u64().unwrap() >= 80);
    assert!(
        p["episode_1"]["written_by"]
            .as_str()
            .unwrap()
            .contains("offline")
    );
    assert_eq!(p["voices"]["voiced_now"], p["episode_1"]["lines"]);
    assert_eq!(p["voices"]["failed"], serde_json::json!([]));
    assert_eq!(
        p["voices"]["by_provider"]["espeak"], p["voices"]["voiced_now"],
        "offline: espeak-ng voices"
    );
    assert_eq!(p["visuals"]["made_now"], p["episode_1"]["shots"]);
    assert_eq!(p["visuals"]["offline_stills"], p["episode_1"]["shots"]);
    assert_eq!(p["visuals"]["failed"], serde_json::json!([]));
    // Offline, every shot is a still that the render moves: a picture per shot, no intermediate clip.
    let count = |ext: &str| {
        std::fs::read_dir(d.path().join("series/offline-demo/ep001/visuals"))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == ext)
            })
            .count() as u64
    };
    assert_eq!(count("png"), p["episode_1"]["shots"].as_u64().unwrap());
    assert_eq!(count("mp4"), 0, "no Ken Burns clip is encoded for a still");

    let second = ok_json(&aidas(d.path(), &["demo", "--json"], None, &[]));
    assert_eq!(second["imported"], false);
    assert_eq!(second["planned"]["planned_now"], false);
    assert_eq!(second["planned"]["episode_1"]["written_now"], false);
    assert_eq!(
        second["planned"]["episode_1"]["title"],
        p["episode_1"]["title"]
    );
    assert_eq!(second["planned"]["voices"]["voiced_now"], 0);
    assert_eq!(second["planned"]["visuals"]["made_now"], 0);
    assert_eq!(
        second["planned"]["visuals"]["already_done"],
        p["episode_1"]["shots"]
    );
    assert_eq!(second["recorded_now"], serde_json::json!([]));
    assert_eq!(second["recorded_before"], serde_json::json!([1, 2, 3]));
    assert_eq!(second["context"], first["context"]);
    let list = ok_json(&aidas(d.path(), &["series", "list", "--json"], None, &[]));
    let first_love = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "first-love")
        .unwrap();
    assert_eq!(first_love["recorded_episodes"], 3);
    assert_eq!(
        list.as_array().unwrap().len(),
        2,
        "the sample and the offline-planned demo series, once each"
    );

    // Human output names where the data lives.
    let human = aidas(d.path(), &["demo"], None, &[]);
    assert!(human.status.success());
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("Continuity context for episode 4/16"),
        "{text}"
    );
    assert!(text.contains(&d.path().join("aidas.db").display().to_string()));
}

#[test]
fn errors_are_one_line_on_stderr_with_the_next_step_and_a_nonzero_exit() {
    let d = demo_dir();
    let o = aidas(d.path(), &["memory", "context", "nope", "1"], None, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    let e = stderr(&o);
    // The error in one line, then what to run next (the CLI's, by code: the engine's message names no command).
    let lines: Vec<&str> = e.trim_end().lines().collect();
    assert_eq!(lines.len(), 2, "{e}");
    assert!(
        lines[0].starts_with("error: unknown series \"nope\""),
        "{e}"
    );
    assert!(!lines[0].contains("aidas "), "{e}");
    assert_eq!(
        lines[1],
        "  next: `aidas series list` shows the series in this studio"
    );

    let o = aidas(
        d.path(),
        &["memory", "context", "nope", "1", "--json"],
        None,
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    let v: Value = serde_json::from_str(stderr(&o).trim()).unwrap();
    assert_eq!(v["error"]["code"], "unknown_series");

    let o = aidas(
        d.path(),
        &["memory", "context", "first-love", "17"],
        None,
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("episode 17 is outside series \"first-love\" (episodes 1–16)"));

    let bad = d.path().join("broken.json");
    std::fs::write(&bad, "{\n  \"series\": {\n").unwrap();
    let o = aidas(
        d.path(),
        &["series", "import", bad.to_str().unwrap()],
        None,
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("broken.json: not valid JSON at line"), "{e}");

    let o = aidas(
        d.path(),
        &["series", "import", "/does/not/exist.json"],
        None,
        &[],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("/does/not/exist.json"));

    let o = aidas(d.path(), &["secrets", "set", "openai"], Some("x"), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("read-only"), "{}", stderr(&o));
}

#[test]
fn import_show_record_and_roll_back_through_the_cli() {
    let d = tempfile::tempdir().unwrap();
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/samples");
    let r = ok_json(&aidas(
        d.path(),
        &[
            "series",
            "import",
            samples.join("first-love.series.json").to_str().unwrap(),
            "--json",
        ],
        None,
        &[],
    ));
    assert_eq!(r["kind"], "series");
    assert_eq!(r["characters"], 12);
    assert_eq!(r["readiness"], serde_json::json!([]));
    let again = aidas(
        d.path(),
        &[
            "series",
            "import",
            samples.join("first-love.series.json").to_str().unwrap(),
        ],
        None,
        &[],
    );
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("already exists"));

    let show = ok_json(&aidas(
        d.path(),
        &["series", "show", "첫사랑은 처음이라서", "--json"],
        None,
        &[],
    ));
    assert_eq!(show["plan"]["characters"].as_array().unwrap().len(), 12);
    assert_eq!(show["episodes"].as_array().unwrap().len(), 16);

    let outcomes: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(samples.join("first-love.outcomes.json")).unwrap(),
    )
    .unwrap();
    for o in &outcomes {
        let f = d.path().join(format!("ep{}.json", o["episode_number"]));
        std::fs::write(&f, o.to_string()).unwrap();
        ok_json(&aidas(
            d.path(),
            &[
                "memory",
                "record",
                "first-love",
                f.to_str().unwrap(),
                "--json",
            ],
            None,
            &[],
        ));
    }
    let before = ok_json(&aidas(
        d.path(),
        &["memory", "context", "first-love", "2", "--json"],
        None,
        &[],
    ));
    let rb = ok_json(&aidas(
        d.path(),
        &["memory", "rollback", "first-love", "2", "--json"],
        None,
        &[],
    ));
    assert_eq!(rb["episodes"], serde_json::json!([2, 3]));
    let after = ok_json(&aidas(
        d.path(),
        &["memory", "context", "first-love", "2", "--json"],
        None,
        &[],
    ));
    assert_eq!(before, after);
    let c4 = ok_json(&aidas(
        d.path(),
        &["memory", "context", "first-love", "4", "--json"],
        None,
        &[],
    ));
    assert_eq!(c4["previous_episodes"].as_array().unwrap().len(), 1);
}

#[test]
fn the_seeds_settings_json_imports() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("settings.json");
    std::fs::write(
        &f,
        r#"{"channel": {"id": "", "name": "my-channel", "youtube_channel_id": "UCxxxxxx"},
            "audio": {"bgm_enabled": true, "bgm_volume": 0.12},
            "video_generation": {"provider": "kling", "clip_duration": 5, "budget_credits_per_video": 250},
            "tts": {"provider": "elevenlabs", "api_key": "sk-should-not-be-kept"}}"#,
    )
    .unwrap();
    let r = ok_json(&aidas(
        d.path(),
        &["series", "import", f.to_str().unwrap(), "--json"],
        None,
        &[],
    ));
    assert_eq!(r["kind"], "settings");
    assert_eq!(r["sections"].as_array().unwrap().len(), 4);
    assert!(r["warnings"][0].as_str().unwrap().contains("tts.api_key"));
    let db = std::fs::read(d.path().join("aidas.db")).unwrap();
    assert!(!db.windows(21).any(|w| w == b"sk-should-not-be-kept"));
}

#[test]
fn doctor_reports_every_check() {
    let d = tempfile::tempdir().unwrap();
    let o = aidas(d.path(), &["doctor", "--json"], None, &[]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let names: Vec<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec![
            "database",
            "ffmpeg",
            "korean_font",
            "espeak_ng",
            "keyring",
            "disk",
            "providers"
        ]
    );
    for c in v["checks"].as_array().unwrap() {
        if ["database", "ffmpeg", "korean_font", "espeak_ng"].contains(&c["name"].as_str().unwrap())
        {
            assert_eq!(c["status"], "ok", "{c}");
        }
    }
    // With the env backend chosen, the keyring check says so and how keys are read instead.
    let kc = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "keyring")
        .unwrap();
    assert_eq!(kc["status"], "warn");
    assert!(
        kc["hint"]
            .as_str()
            .unwrap()
            .contains("AIDAS_<PROVIDER>_API_KEY")
    );
}

/// Everything a user might see or keep — stdout, stderr with trace logging, the data directory — after a key has
/// been set, for both the environment backend and (where the test command provides one) the real keyring.
#[test]
fn a_secret_never_reaches_the_database_logs_or_json_output() {
    const SECRET: &str = "sk-CLI-LEAKCHECK-5d1e9a";
    let mut cases: Vec<(&str, Vec<(String, String)>)> =
        vec![("env", vec![("AIDAS_OPENAI_API_KEY".into(), SECRET.into())])];
    let have_bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
    if std::env::var("AIDAS_REQUIRE_KEYRING").as_deref() == Ok("1") {
        assert!(have_bus, "AIDAS_REQUIRE_KEYRING=1 without a D-Bus session");
    }
    if have_bus {
        let service = format!("aidas-cli-test-{}", std::process::id());
        cases.push((
            "keyring",
            vec![
                ("AIDAS_SECRETS_BACKEND".into(), "keyring".into()),
                ("AIDAS_KEYRING_SERVICE".into(), service),
            ],
        ));
    } else {
        eprintln!("SKIPPED the keyring case: no D-Bus session (scripts/test.sh provides one)");
    }
    for (name, env) in cases {
        let d = demo_dir();
        let mut env: Vec<(&str, &str)> =
            env.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        env.push(("AIDAS_LOG", "trace"));
        let mut seen = Vec::new();
        if name == "keyring" {
            let o = aidas(
                d.path(),
                &["secrets", "set", "openai", "--json"],
                Some(SECRET),
                &env,
            );
            let v = ok_json(&o);
            assert_eq!(v["source"], "keyring");
            seen.push(o);
        }
        for args in [
            vec!["secrets", "status", "--json"],
            vec!["demo", "--json"],
            vec!["doctor", "--json"],
            vec!["series", "show", "first-love", "--json"],
            vec!["memory", "context", "first-love", "4", "--json"],
            vec!["secrets", "status"],
        ] {
            seen.push(aidas(d.path(), &args, None, &env));
        }
        let status: Value =
            serde_json::from_slice(&seen[if name == "keyring" { 1 } else { 0 }].stdout).unwrap();
        let openai = status
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["provider"] == "openai")
            .unwrap();
        assert_eq!(
            openai["configured"], true,
            "{name}: the key is really there"
        );
        let mut all_logs = String::new();
        for o in &seen {
            let out = String::from_utf8_lossy(&o.stdout);
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(!out.contains(SECRET), "{name}: secret on stdout: {out}");
            assert!(!err.contains(SECRET), "{name}: secret on stderr");
            all_logs.push_str(&err);
        }
        assert!(
            all_logs.contains("TRACE") || all_logs.contains("DEBUG"),
            "{name}: trace logging was on"
        );
        for entry in std::fs::read_dir(d.path()).unwrap() {
            let p = entry.unwrap().path();
            if p.is_file() {
                let bytes = std::fs::read(&p).unwrap();
                assert!(
                    !bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()),
                    "{name}: secret in {}",
                    p.display()
                );
            }
        }
        if name == "keyring" {
            ok_json(&aidas(
                d.path(),
                &["secrets", "delete", "openai", "--json"],
                None,
                &env,
            ));
        }
    }
}

#[test]
fn plan_a_series_then_write_check_and_show_episodes_offline() {
    let d = tempfile::tempdir().unwrap();
    let r = ok_json(&aidas(
        d.path(),
        &[
            "series",
            "new",
            "--title",
            "Night Shift",
            "--genre",
            "thriller",
            "--episodes",
            "8",
            "--writer",
            "offline",
            "--json",
        ],
        None,
        &[],
    ));
    let id = r["series_id"].as_str().unwrap().to_string();
    assert!(id.starts_with("night-shift-"), "{id}");
    assert_eq!(
        r["problems"],
        serde_json::json!([]),
        "the offline plan validates"
    );
    assert!(r["characters"].as_u64().unwrap() >= 10);
    assert_eq!(r["offline"], true);

    let s1 = ok_json(&aidas(
        d.path(),
        &["episode", "script", &id, "1", "--json"],
        None,
        &[],
    ));
    assert_eq!(s1["verdict"], "accepted");
    assert_eq!(s1["offline"], true);
    assert!(
        s1["script"]["written_by"]
            .as_str()
            .unwrap()
            .starts_with("offline-template")
    );
    let check = ok_json(&aidas(
        d.path(),
        &["episode", "check", &id, "1", "--json"],
        None,
        &[],
    ));
    assert_eq!(check["passed"], true);
    let shown = ok_json(&aidas(
        d.path(),
        &["episode", "show", &id, "1", "--json"],
        None,
        &[],
    ));
    assert_eq!(shown["episode_number"], 1);

    // Episode 2 is written from memory: it opens on episode 1's cliffhanger.
    let s2 = ok_json(&aidas(
        d.path(),
        &["episode", "script", &id, "2", "--json"],
        None,
        &[],
    ));
    assert_eq!(
        s2["script"]["plot_progressions"][0]["progress"],
        s1["script"]["cliffhanger"]
    );
    let ctx3 = ok_json(&aidas(
        d.path(),
        &["memory", "context", &id, "3", "--json"],
        None,
        &[],
    ));
    assert_eq!(ctx3["previous_episodes"].as_array().unwrap().len(), 2);

    let again = aidas(d.path(), &["episode", "script", &id, "1"], None, &[]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("already has an accepted script"),
        "{}",
        stderr(&again)
    );
    let skip = aidas(d.path(), &["episode", "script", &id, "4"], None, &[]);
    assert_eq!(skip.status.code(), Some(2));
    assert!(stderr(&skip).contains("must be scripted before episode 4"));
    let bad = aidas(
        d.path(),
        &["series", "new", "--title", "x", "--genre", "horror"],
        None,
        &[],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("unknown genre \"horror\""));
    let human = aidas(d.path(), &["episode", "show", &id, "2"], None, &[]);
    assert!(String::from_utf8_lossy(&human.stdout).contains("[장면 1]"));

    // Directing through the same engine calls as the screens: a line (direction split off, checked again), a
    // shot counted from 1 (0 refused as bad input), nothing voiced yet so nothing to make again.
    let line = s2["script"]["scenes"][0]["lines"][0]["id"]
        .as_str()
        .unwrap();
    let edited = ok_json(&aidas(
        d.path(),
        &[
            "direct",
            "line",
            &id,
            "2",
            line,
            "--text",
            "(웃으며) 그래, 내일 보자.",
            "--json",
        ],
        None,
        &[],
    ));
    let first = &edited["script"]["scenes"][0]["lines"][0];
    assert_eq!(first["text"], "그래, 내일 보자.");
    assert_eq!(first["direction"], "웃으며");
    assert_eq!(edited["stages_reopened"], serde_json::json!([]));
    assert_eq!(edited["check"]["passed"], true, "{}", edited["check"]);
    let shot = ok_json(&aidas(
        d.path(),
        &[
            "direct",
            "shot",
            &id,
            "2",
            "1",
            "--priority",
            "high",
            "--json",
        ],
        None,
        &[],
    ));
    assert_eq!(shot["shot"], 0);
    let zero = aidas(d.path(), &["direct", "redo", &id, "2", "0"], None, &[]);
    assert_eq!(zero.status.code(), Some(2), "{}", stderr(&zero));
    assert!(
        stderr(&zero).contains("numbered from 1"),
        "{}",
        stderr(&zero)
    );
    let nothing = aidas(
        d.path(),
        &["direct", "line", &id, "2", line, "--text", "……"],
        None,
        &[],
    );
    assert_eq!(nothing.status.code(), Some(2));
    assert!(
        stderr(&nothing).contains("nothing to speak"),
        "{}",
        stderr(&nothing)
    );
}

#[test]
fn cast_lock_recast_audition_and_voice() {
    let d = demo_dir();
    // The demo ran in this data dir already: a re-run voices nothing new.
    let again = ok_json(&aidas(d.path(), &["demo", "--json"], None, &[]));
    let v = &again["planned"]["voices"];
    assert_eq!(v["voiced_now"], 0);
    assert_eq!(v["already_done"], again["planned"]["episode_1"]["lines"]);

    let cast = ok_json(&aidas(
        d.path(),
        &["cast", "offline-demo", "--json"],
        None,
        &[],
    ));
    assert_eq!(cast["locked"], true);
    let rows = cast["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 12);
    let voices: std::collections::HashSet<String> = rows
        .iter()
        .map(|r| {
            let p = &r["entry"]["primary"];
            format!(
                "{}:{}:{:.1}:{:.2}",
                p["voice_id"],
                p["provider"],
                p["modulation"]["pitch_st"].as_f64().unwrap(),
                p["modulation"]["speed"].as_f64().unwrap()
            )
        })
        .collect();
    assert_eq!(voices.len(), 12, "twelve distinct voices");
    let refused = aidas(d.path(), &["cast", "offline-demo", "--recast"], None, &[]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("locked"), "{}", stderr(&refused));
    ok_json(&aidas(
        d.path(),
        &["cast", "offline-demo", "--unlock", "--json"],
        None,
        &[],
    ));
    let recast = ok_json(&aidas(
        d.path(),
        &["cast", "offline-demo", "--recast", "--json"],
        None,
        &[],
    ));
    assert_eq!(
        recast["rows"], cast["rows"],
        "same voices from the same pool"
    );
    assert_eq!(recast["locked"], true);

    let a = ok_json(&aidas(
        d.path(),
        &[
            "cast",
            "audition",
            "offline-demo",
            "CHAR002",
            "--text",
            "오디션입니다",
            "--json",
        ],
        None,
        &[],
    ));
    let file = std::path::PathBuf::from(a["file"].as_str().unwrap());
    assert!(file.is_file() && file.starts_with(d.path()));
    assert!(a["audio"]["duration_sec"].as_f64().unwrap() > 0.3);
    let unknown = aidas(
        d.path(),
        &["cast", "audition", "offline-demo", "아무개"],
        None,
        &[],
    );
    assert_eq!(unknown.status.code(), Some(2));

    // Episode 2: script, then voice; a second voice run redoes nothing.
    ok_json(&aidas(
        d.path(),
        &["episode", "script", "offline-demo", "2", "--json"],
        None,
        &[],
    ));
    let v2 = ok_json(&aidas(
        d.path(),
        &["episode", "voice", "offline-demo", "2", "--json"],
        None,
        &[],
    ));
    assert!(v2["voiced_now"].as_u64().unwrap() >= 80);
    let v2b = ok_json(&aidas(
        d.path(),
        &["episode", "voice", "offline-demo", "2", "--json"],
        None,
        &[],
    ));
    assert_eq!(v2b["voiced_now"], 0);
    let no_script = aidas(
        d.path(),
        &["episode", "voice", "offline-demo", "5"],
        None,
        &[],
    );
    assert_eq!(no_script.status.code(), Some(2));
    assert!(stderr(&no_script).contains("no accepted script"));
    // A step not done yet says which step, and the command that does it.
    assert!(
        stderr(&no_script).contains("`aidas episode script SERIES N`"),
        "{}",
        stderr(&no_script)
    );
    let no_estimate = aidas(
        d.path(),
        &["estimate", "offline-demo", "5", "--json"],
        None,
        &[],
    );
    assert_eq!(no_estimate.status.code(), Some(2));
    let v: Value = serde_json::from_str(stderr(&no_estimate).trim()).unwrap();
    assert_eq!(v["error"]["code"], "step_missing", "{v}");
}

#[test]
fn package_writes_subtitles_and_metadata_timed_by_the_voices() {
    let d = demo_dir();
    let r = ok_json(&aidas(
        d.path(),
        &["package", "offline-demo", "1", "--json"],
        None,
        &[],
    ));
    assert_eq!(r["offline"], true, "every part of the demo is offline");
    assert_eq!(r["estimated_lines"], 0, "the demo voiced every line");
    assert_eq!(r["problems"].as_array().unwrap().len(), 0);
    let title = r["metadata"]["title"].as_str().unwrap();
    assert!(title.starts_with("서울, 봄날의 계약 EP.1 - "), "{title}");
    assert!(r["metadata"]["chapters"].as_bool().unwrap());
    let desc = r["metadata"]["description"].as_str().unwrap();
    assert!(desc.contains("\n0:00 "), "{desc}");
    assert!(
        desc.contains("offline"),
        "the credits say the episode is offline"
    );

    // Subtitles: one event per line at least, times ascending, the last one ending at the voiced total.
    let dir = d.path().join("series/offline-demo/ep001/package");
    let srt = std::fs::read_to_string(dir.join("subtitles.ko.srt")).unwrap();
    let blocks: Vec<&str> = srt.trim_end().split("\n\n").collect();
    assert!(blocks.len() >= 90, "{} subtitle blocks", blocks.len());
    let secs = |t: &str| -> f64 {
        let (hms, ms) = t.split_once(',').unwrap();
        let p: Vec<f64> = hms.split(':').map(|x| x.parse().unwrap()).collect();
        p[0] * 3600.0 + p[1] * 60.0 + p[2] + ms.parse::<f64>().unwrap() / 1000.0
    };
    let mut last_end = 0.0;
    for b in &blocks {
        let times = b.lines().nth(1).unwrap();
        let (a, z) = times.split_once(" --> ").unwrap();
        let (a, z) = (secs(a), secs(z));
        assert!(a >= last_end - 1e-3 && z > a, "{times}");
        last_end = z;
    }
    // Timed to the rendered video: the first line after the 3 s intro, the last ending 0.3 s before the
    // 4 s outro starts (the defaults of [render]).
    let first_start = secs(
        blocks[0]
            .lines()
            .nth(1)
            .unwrap()
            .split(" --> ")
            .next()
            .unwrap(),
    );
    assert!((first_start - 3.0).abs() < 1e-3, "{first_start}");
    let total = r["total_sec"].as_f64().unwrap();
    assert!(
        (last_end - (total - 4.0 - 0.3)).abs() < 0.01,
        "{last_end} vs {total}"
    );
    let vtt = std::fs::read_to_string(dir.join("subtitles.ko.vtt")).unwrap();
    assert!(vtt.starts_with("WEBVTT\n\n"));
    let ass = std::fs::read_to_string(dir.join("subtitles.ko.ass")).unwrap();
    assert!(ass.contains("Style: Default,NanumGothic,48,"));
    assert_eq!(ass.matches("\nDialogue: ").count(), blocks.len());
    let meta: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("metadata.json")).unwrap()).unwrap();
    assert_eq!(meta["youtube"]["status"]["containsSyntheticMedia"], true);
    assert_eq!(meta["youtube"]["snippet"]["categoryId"], "24");

    // The thumbnail: from the demo's key still, 1280×720 JPEG under 2 MB.
    let thumb = std::fs::read(dir.join("thumbnail.jpg")).unwrap();
    assert_eq!(&thumb[..3], &[0xFF, 0xD8, 0xFF]);
    assert!(thumb.len() <= 2 * 1024 * 1024);
    assert_eq!(r["thumbnail"]["width"], 1280);
    assert_eq!(r["thumbnail"]["height"], 720);
    assert_eq!(r["thumbnail"]["bytes"], thumb.len());

    // An episode without a script is a clear error, not a crash.
    let o = aidas(d.path(), &["package", "offline-demo", "9"], None, &[]);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("no script"), "{}", stderr(&o));
}

/// A PNG of `w`×`h` pixels in one colour.
fn png(w: u32, h: u32, rgb: [u8; 3]) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(w, h, image::Rgb(rgb));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[test]
fn cast_references_four_candidates_a_choice_an_upload_and_an_outfit() {
    let d = demo_dir();
    let run = |args: &[&str]| aidas(d.path(), args, None, &[]);
    // Locked with the cast: refused with what to do.
    let locked = run(&["cast", "candidates", "offline-demo", "CHAR001"]);
    assert_eq!(locked.status.code(), Some(2));
    assert!(
        stderr(&locked).contains("unlock the cast"),
        "{}",
        stderr(&locked)
    );
    ok_json(&run(&["cast", "offline-demo", "--unlock", "--json"]));

    // Four candidates, each a file on this machine, and the command to choose one.
    let o = run(&["cast", "candidates", "offline-demo", "CHAR001"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let files: Vec<&str> = out
        .lines()
        .filter_map(|l| l.trim().strip_prefix("candidate "))
        .map(|l| l.split_once(": ").unwrap().1)
        .collect();
    assert_eq!(files.len(), 4, "{out}");
    assert!(files.iter().all(|f| Path::new(f).is_file()), "{out}");
    assert!(
        out.contains("made offline — choose one: `aidas cast choose offline-demo CHAR001 NUMBER`"),
        "{out}"
    );
    // Only the character changed is printed.
    let people = out
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .count();
    assert_eq!(people, 1, "{out}");
    let zero = run(&["cast", "choose", "offline-demo", "CHAR001", "0"]);
    assert_eq!(zero.status.code(), Some(2));
    assert!(
        stderr(&zero).contains("numbered from 1"),
        "{}",
        stderr(&zero)
    );
    let chosen = run(&["cast", "choose", "offline-demo", "CHAR001", "2"]);
    assert!(chosen.status.success(), "{}", stderr(&chosen));
    assert!(
        String::from_utf8_lossy(&chosen.stdout).contains("chosen from candidates"),
        "{}",
        String::from_utf8_lossy(&chosen.stdout)
    );

    // The creator's own files: a path that is not there is their input; two angles become a version.
    let missing = run(&["cast", "upload", "offline-demo", "CHAR001", "없는파일.png"]);
    assert_eq!(missing.status.code(), Some(2), "{}", stderr(&missing));
    assert!(
        stderr(&missing).contains("없는파일.png is not there; check the path"),
        "{}",
        stderr(&missing)
    );
    let (front, side) = (d.path().join("front.png"), d.path().join("side.png"));
    std::fs::write(&front, png(400, 500, [200, 30, 40])).unwrap();
    std::fs::write(&side, png(500, 400, [30, 40, 200])).unwrap();
    let up = ok_json(&run(&[
        "cast",
        "upload",
        "offline-demo",
        "CHAR001",
        front.to_str().unwrap(),
        side.to_str().unwrap(),
        "--json",
    ]));
    let lead = &up["characters"][0];
    assert_eq!(lead["source"], "uploaded");
    let versions = lead["versions"].as_array().unwrap();
    assert_eq!(
        versions.last().unwrap()["files"].as_array().unwrap().len(),
        2
    );
    let back = ok_json(&run(&[
        "cast",
        "use-reference",
        "offline-demo",
        "CHAR001",
        &versions[versions.len() - 2]["version"].to_string(),
        "--json",
    ]));
    assert_eq!(back["characters"][0]["source"], "chosen");

    // The sample series dresses 강민준 (CHAR001) in a navy suit in episode 3: a set of its own, filled from candidates.
    let o = run(&["cast", "references", "first-love"]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        out.contains("outfit \"네이비 정장\", from episode 3 — none yet"),
        "{out}"
    );
    let bad = run(&[
        "cast",
        "candidates",
        "first-love",
        "CHAR001",
        "--outfit",
        "우주복",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("네이비 정장"), "{}", stderr(&bad));
    let o = run(&[
        "cast",
        "candidates",
        "first-love",
        "CHAR001",
        "--outfit",
        "네이비 정장",
    ]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        out.contains("`aidas cast choose first-love CHAR001 NUMBER --outfit \"네이비 정장\"`"),
        "{out}"
    );
    let v = ok_json(&run(&[
        "cast",
        "choose",
        "first-love",
        "CHAR001",
        "1",
        "--outfit",
        "네이비 정장",
        "--json",
    ]));
    let suit = &v["characters"][0]["outfits"][0];
    assert_eq!(suit["outfit"], "네이비 정장");
    assert_eq!(suit["source"], "chosen");
    // The usual look is what it was (none made yet in the sample series).
    assert!(v["characters"][0]["source"].is_null(), "{v}");
}
