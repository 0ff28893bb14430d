//! Faults creators meet with tools like ours, each shown through the CLI with the right behaviour.

use super::{aidas, demo_dir, ok_json, stderr};
use serde_json::Value;

fn sample(name: &str) -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/samples");
    std::fs::read_to_string(root.join(name)).unwrap()
}

#[test]
fn files_saved_by_other_tools_are_read_or_refused_as_bad_input() {
    let d = tempfile::tempdir().unwrap();
    // A series JSON with a UTF-8 byte-order mark (Notepad, Excel) imports.
    let with_bom = d.path().join("series-bom.json");
    std::fs::write(
        &with_bom,
        format!("\u{feff}{}", sample("first-love.series.json")),
    )
    .unwrap();
    let r = ok_json(&aidas(
        d.path(),
        &["series", "import", with_bom.to_str().unwrap(), "--json"],
        None,
        &[],
    ));
    assert_eq!(r["kind"], "series", "{r}");
    // An episode outcome with a BOM records.
    let outcomes: Value = serde_json::from_str(&sample("first-love.outcomes.json")).unwrap();
    let first = outcomes
        .as_array()
        .map(|a| a[0].clone())
        .unwrap_or_else(|| outcomes["outcomes"][0].clone());
    let out = d.path().join("ep1.json");
    std::fs::write(&out, format!("\u{feff}{first}")).unwrap();
    let rec = aidas(
        d.path(),
        &["memory", "record", "first-love", out.to_str().unwrap()],
        None,
        &[],
    );
    assert!(rec.status.success(), "{}", stderr(&rec));
    // The design documents' settings.json with a BOM imports.
    let settings = d.path().join("settings.json");
    std::fs::write(&settings, "\u{feff}{\"audio\": {\"bgm_enabled\": true}}").unwrap();
    let r = ok_json(&aidas(
        d.path(),
        &["series", "import", settings.to_str().unwrap(), "--json"],
        None,
        &[],
    ));
    assert_eq!(r["kind"], "settings");
    // CP949 (Korean Windows): bad input naming the file, exit 2, "save it as UTF-8".
    let (cp949, _, _) = encoding_rs::EUC_KR
        .encode("{\"format\": \"aidas.series/1\", \"series\": {\"title\": \"우리 사이\"}}");
    let legacy = d.path().join("우리사이.json");
    std::fs::write(&legacy, &cp949).unwrap();
    let o = aidas(
        d.path(),
        &["series", "import", legacy.to_str().unwrap(), "--json"],
        None,
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    let v: Value = serde_json::from_str(stderr(&o).trim()).unwrap();
    assert_eq!(v["error"]["code"], "invalid_input");
    let m = v["error"]["message"].as_str().unwrap();
    assert!(
        m.contains("우리사이.json") && m.contains("save it as UTF-8"),
        "{m}"
    );
}

#[test]
fn an_audition_with_nothing_to_say_is_refused_with_the_reason() {
    let d = demo_dir();
    for text in ["……", "---", "!!!", "😊😊", "   ", "", "(한숨)"] {
        let o = aidas(
            d.path(),
            &[
                "cast",
                "audition",
                "offline-demo",
                "CHAR002",
                "--text",
                text,
            ],
            None,
            &[],
        );
        assert_eq!(o.status.code(), Some(2), "{text:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("the text has nothing to speak"),
            "{text:?}: {}",
            stderr(&o)
        );
    }
    // A direction inside the text is not spoken: the audition says only the words.
    let a = ok_json(&aidas(
        d.path(),
        &[
            "cast",
            "audition",
            "offline-demo",
            "CHAR002",
            "--text",
            "(한숨) 그래, 알았어.",
            "--json",
        ],
        None,
        &[],
    ));
    assert!(a["audio"]["duration_sec"].as_f64().unwrap() > 0.3);
    let said: String = a["audio"]["cues"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["text"].as_str())
        .collect();
    assert!(!said.contains("한숨"), "{said}");
}

#[test]
fn status_on_a_new_studio_spends_zero_and_logs_have_no_colour_codes() {
    let d = tempfile::tempdir().unwrap();
    let o = aidas(d.path(), &["status", "-vv"], None, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("Spent today: $0.00 (since midnight Asia/Seoul)"),
        "{out}"
    );
    assert!(!out.contains("-0.00"), "{out}");
    // stderr is a pipe here, not a terminal: log lines, and no ANSI escape codes in them.
    let err = stderr(&o);
    assert!(
        err.lines()
            .any(|l| l.contains("DEBUG") || l.contains("INFO")),
        "some log lines: {err:?}"
    );
    assert!(!err.contains('\u{1b}'), "{err:?}");
}

#[test]
fn a_config_that_means_nothing_is_refused_with_every_bad_key() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("config.toml"),
        "[production]\nwork_window = \"밤 10시부터\"\n[visuals]\nbudget_per_episode_usd = 8.0\nhard_cap_usd = 5.0\n",
    )
    .unwrap();
    let o = aidas(d.path(), &["status", "--json"], None, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let v: Value = serde_json::from_str(stderr(&o).trim()).unwrap();
    assert_eq!(v["error"]["code"], "invalid_config");
    let m = v["error"]["message"].as_str().unwrap();
    assert!(
        m.contains("production.work_window") && m.contains("22:00-07:00"),
        "{m}"
    );
    assert!(m.contains("visuals.budget_per_episode_usd"), "{m}");
}
