//! Production through the job engine: an offline episode goes through the whole stage DAG, waits at the review
//! gate, and after approval lands in the export folder; queuing it again adds nothing. Alerts reach their channels;
//! the key in use is the first not set aside.

use std::sync::{Arc, Mutex};

use studio_core::domain::{JobStatus, Stage};
use studio_core::{JobEnd, NewSeries, Secret};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_episode_runs_the_dag_waits_for_review_and_is_exported() {
    let dir = tempfile::tempdir().unwrap();
    let e = Arc::new(super::fast_engine(dir.path()).await);
    let s = e
        .new_series(NewSeries {
            title: "잡 엔진 시험".into(),
            genre: Some(studio_domain::Genre::Thriller),
            episodes: 4,
            episode_duration_min: 2,
            premise: "작은 마을의 비밀".into(),
            main_theme: "진실".into(),
            target_audience: "20-30대".into(),
            writer: Some("offline".into()),
            id: Some("dag".into()),
            seed: Some(7),
        })
        .await
        .unwrap();
    assert!(s.problems.is_empty(), "{:?}", s.problems);
    assert!(e.produce("dag", 9).await.is_err(), "no episode 9");
    assert_eq!(e.produce("dag", 1).await.unwrap().jobs_added, 11);

    let stop = studio_core::CancellationToken::new();
    let first = e.run_workers(2, stop.clone(), true).await.unwrap();
    let stages: Vec<(&str, &str)> = first
        .iter()
        .map(|o| (o.stage.as_str(), o.status.as_str()))
        .collect();
    for st in [
        "script",
        "memory_update",
        "storyboard",
        "voices",
        "visuals",
        "avatars",
        "render",
        "package",
    ] {
        assert!(stages.contains(&(st, "succeeded")), "{st}: {stages:?}");
    }
    assert!(
        stages.contains(&("review_gate", "needs_attention")),
        "{stages:?}"
    );
    let status = e.status().await.unwrap();
    assert_eq!(status.attention.len(), 1);
    assert_eq!(
        status.attention[0].kind,
        Some(studio_core::domain::ErrorCode::AwaitingReview)
    );
    assert_eq!(
        e.episode_status("dag", 1).await.unwrap().to_string(),
        "in_review"
    );
    let ep = &status.episodes[0];
    assert_eq!((ep.done, ep.total), (8, 11));

    // Review: a rejection needs a reason; regenerating scene 1 redoes only its lines and shots.
    assert_eq!(
        e.reject_episode("dag", 1, "  ").await.unwrap_err().code(),
        "invalid_input"
    );
    e.reject_episode("dag", 1, "1장 그림이 어둡다")
        .await
        .unwrap();
    assert_eq!(
        e.review_list().await.unwrap()[0].status,
        studio_core::domain::EpisodeStatus::Rejected
    );
    let script = e.episode_script("dag", 1).await.unwrap().unwrap();
    let scene1_lines = script.scenes[0].lines.len();
    let scene1_shots: Vec<usize> = script
        .storyboard
        .iter()
        .enumerate()
        .filter(|(_, s)| s.scene == script.scenes[0].number)
        .map(|(i, _)| i)
        .collect();
    assert!(!scene1_shots.is_empty() && scene1_shots.len() < script.storyboard.len());
    let before: Vec<String> = e
        .store()
        .shot_media_json("dag", 1)
        .await
        .unwrap()
        .iter()
        .map(|m| m["clip_sha256"].as_str().unwrap().to_string())
        .collect();
    assert!(
        e.regenerate_scenes("dag", 1, &[99], "").await.is_err(),
        "unknown scene"
    );
    let r = e
        .regenerate_scenes("dag", 1, &[script.scenes[0].number], "어두운 장면 다시")
        .await
        .unwrap();
    assert_eq!((r.lines, &r.shots), (scene1_lines, &scene1_shots));
    let redo = e.run_workers(2, stop.clone(), true).await.unwrap();
    let jobs_now = e.store().jobs(Some("dag"), Some(1)).await.unwrap();
    let result = |stage: &str| -> serde_json::Value {
        let o = redo.iter().find(|o| o.stage.as_str() == stage).unwrap();
        assert_eq!(o.status.as_str(), "succeeded", "{stage}: {}", o.message);
        let j = jobs_now.iter().find(|j| j.stage.as_str() == stage).unwrap();
        serde_json::from_str(j.result_json.as_deref().unwrap()).unwrap()
    };
    let voices = result("voices");
    assert_eq!(voices["voiced_now"], scene1_lines as u64);
    assert_eq!(
        voices["already_done"],
        (script.line_count() - scene1_lines) as u64
    );
    let visuals = result("visuals");
    assert_eq!(visuals["made_now"], scene1_shots.len() as u64, "{visuals}");
    assert_eq!(
        visuals["already_done"],
        (script.storyboard.len() - scene1_shots.len()) as u64
    );
    result("render");
    let after: Vec<String> = e
        .store()
        .shot_media_json("dag", 1)
        .await
        .unwrap()
        .iter()
        .map(|m| m["clip_sha256"].as_str().unwrap().to_string())
        .collect();
    for i in 0..before.len() {
        assert_eq!(
            before[i] != after[i],
            scene1_shots.contains(&i),
            "shot {i}: only scene 1's shots are new takes"
        );
    }
    assert!(
        redo.iter()
            .any(|o| o.stage == Stage::ReviewGate && o.status == JobEnd::NeedsAttention),
        "back in review"
    );
    assert_eq!(
        e.episode_status("dag", 1).await.unwrap().to_string(),
        "in_review"
    );

    let ok = e.approve_episode("dag", 1, "좋다", None).await.unwrap();
    assert_eq!(ok.publish_at, None, "no channel: nothing to schedule");
    let decisions = e.store().review_decisions("dag", Some(1)).await.unwrap();
    let kinds: Vec<(&str, &str)> = decisions
        .iter()
        .map(|d| (d.decision.as_str(), d.reason.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("reject", "1장 그림이 어둡다"),
            ("regenerate", "어두운 장면 다시"),
            ("approve", "좋다")
        ]
    );
    assert!(decisions.iter().all(|d| d.at_ms > 0));
    // The scenes a decision names are read back as numbers (the regeneration named scene 1).
    let scenes: Vec<&[u32]> = decisions.iter().map(|d| d.scenes.as_slice()).collect();
    assert_eq!(scenes, [&[][..], &[1][..], &[][..]]);
    let second = e.run_workers(1, stop, true).await.unwrap();
    let stages: Vec<(&str, &str)> = second
        .iter()
        .map(|o| (o.stage.as_str(), o.status.as_str()))
        .collect();
    assert_eq!(
        stages,
        [
            ("review_gate", "succeeded"),
            ("publish", "succeeded"),
            ("finalize", "succeeded")
        ]
    );
    let export = dir.path().join("export/dag/ep001");
    for f in [
        "episode.mp4",
        "metadata.json",
        "subtitles.ko.srt",
        "thumbnail.jpg",
    ] {
        assert!(export.join(f).is_file(), "{f} exported");
    }
    let p = studio_render::probe::probe_media(&export.join("episode.mp4")).unwrap();
    assert_eq!((p.video.width, p.video.height), (1280, 720));
    // The series' dashboard: episode 1 exported with every stage done, the others still to write.
    let dash = e.series_dashboard("dag").await.unwrap();
    let ep1 = &dash.episodes[0];
    assert_eq!((ep1.number, ep1.stages_done, ep1.stages_total), (1, 11, 11));
    assert_eq!(ep1.export_dir.as_deref(), Some("export/dag/ep001"));
    assert!(ep1.attention.is_none());
    assert_eq!(ep1.next, studio_core::dashboard::NextStep::Done);
    assert!(
        dash.episodes[1..]
            .iter()
            .all(|c| c.next == studio_core::dashboard::NextStep::WriteScript && c.stages_total == 0)
    );
    assert_eq!(dash.episodes.len(), 4);
    // Everything done; queuing again adds nothing, and every job ran exactly once except the gate (twice).
    assert_eq!(e.produce("dag", 1).await.unwrap().jobs_added, 0);
    let jobs = e.store().jobs(Some("dag"), Some(1)).await.unwrap();
    assert!(
        jobs.iter().all(|j| j.status == JobStatus::Succeeded),
        "{jobs:?}"
    );
    for j in &jobs {
        let expected = if j.stage == Stage::ReviewGate { 2 } else { 1 };
        assert_eq!(j.attempts, expected, "{}", j.stage);
    }
    assert!(e.status().await.unwrap().attention.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spending_near_a_cap_raises_one_alert_and_posts_the_webhook() {
    use wiremock::matchers::{body_partial_json, method};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let hook = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_partial_json(
            serde_json::json!({"rule": "spend:daily cap", "source": "aidas-studio"}),
        ))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&hook)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let e = crate::engine_with_config(
        dir.path(),
        &format!(
            "version = 1\n[production]\ndaily_cap_usd = 1.0\nalert_webhook_url = \"{}/hook\"\n",
            hook.uri()
        ),
    )
    .await;
    let events = crate::EventLog::start(&e);
    assert!(
        e.check_alerts()
            .await
            .unwrap()
            .iter()
            .all(|a| a.rule != "spend:daily cap")
    );
    spend_85_percent_of_the_daily_cap(&e).await;
    let mut alerts = 0;
    for ev in events.finish().await {
        if matches!(ev, studio_core::EngineEvent::Alert { ref message, .. } if message.contains("$0.85 of the $1.00"))
        {
            alerts += 1;
        }
    }
    assert_eq!(alerts, 1);
    // Not repeated within the hour.
    assert!(
        e.check_alerts()
            .await
            .unwrap()
            .iter()
            .all(|a| a.rule != "spend:daily cap")
    );
    hook.verify().await;
}

/// What a small SMTP server on 127.0.0.1 heard: the AUTH lines and each message's DATA.
#[derive(Default)]
struct SmtpHeard {
    auth: Vec<String>,
    messages: Vec<String>,
}

/// A minimal SMTP server (RFC 5321's dialogue: greeting, EHLO with AUTH PLAIN, MAIL, RCPT, DATA, QUIT) that takes
/// every message: the test's stand-in for a mail relay.
async fn smtp_listener() -> (u16, Arc<Mutex<SmtpHeard>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let heard = Arc::new(Mutex::new(SmtpHeard::default()));
    let h = heard.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let h = h.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                w.write_all(b"220 test ESMTP\r\n").await.unwrap();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(d) = data.as_mut() {
                        if line == "." {
                            h.lock().unwrap().messages.push(data.take().unwrap());
                            w.write_all(b"250 2.0.0 queued\r\n").await.unwrap();
                        } else {
                            d.push_str(&line);
                            d.push('\n');
                        }
                        continue;
                    }
                    let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" => b"250-test\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n",
                        "AUTH" => {
                            h.lock().unwrap().auth.push(line.clone());
                            b"235 2.7.0 ok\r\n"
                        }
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go on\r\n"
                        }
                        "QUIT" => {
                            let _ = w.write_all(b"221 bye\r\n").await;
                            return;
                        }
                        _ => b"250 ok\r\n",
                    };
                    w.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, heard)
}

/// Slack, Discord, Telegram and e-mail each get the test alert in their own format; a warning reaches only the
/// channels routed for warnings; the SMTP password comes from the keyring.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_reach_slack_discord_telegram_and_email_by_their_routing() {
    use studio_core::alerts::channels::{AlertChannel, AlertSent};
    use wiremock::matchers::{body_partial_json, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let chat = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/slack/T000/B000/XXX"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .named("slack")
        .mount(&chat)
        .await;
    Mock::given(method("POST"))
        .and(path("/discord/api/webhooks/1/abc"))
        .and(body_partial_json(
            serde_json::json!({"username": "AIDAS Studio", "allowed_mentions": {"parse": []}}),
        ))
        .respond_with(ResponseTemplate::new(204))
        .named("discord")
        .mount(&chat)
        .await;
    Mock::given(method("POST"))
        .and(path("/bot123:telegram-token/sendMessage"))
        .and(body_partial_json(
            serde_json::json!({"chat_id": -1001234567890_i64}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"ok": true})))
        .named("telegram")
        .mount(&chat)
        .await;
    let (smtp_port, heard) = smtp_listener().await;
    let dir = tempfile::tempdir().unwrap();
    let e = crate::engine_with_config(
        dir.path(),
        &format!(
            "version = 1\n[production]\ndaily_cap_usd = 1.0\n[alerts]\ntelegram_chat_id = \"-1001234567890\"\n\
             email_to = \"pd@example.com, writer@example.com\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {smtp_port}\n\
             smtp_user = \"studio@example.com\"\nsmtp_security = \"none\"\n[endpoints]\ntelegram = \"{}\"\n",
            chat.uri()
        )
    )
    .await;
    // Before anything is stored, every channel says what it is missing (e-mail: only the account's password).
    use studio_core::alerts::channels::AlertPart;
    let before = e.send_test_alert().await.unwrap();
    let missing = |c: AlertChannel| match &before.iter().find(|d| d.channel == c).unwrap().sent {
        AlertSent::NotSetUp { missing } => missing.clone(),
        other => panic!("{c:?}: {other:?}"),
    };
    assert_eq!(missing(AlertChannel::Email), [AlertPart::MailPassword]);
    assert_eq!(missing(AlertChannel::Telegram), [AlertPart::BotToken]);
    assert_eq!(missing(AlertChannel::Slack), [AlertPart::SlackUrl]);
    assert_eq!(missing(AlertChannel::Webhook), [AlertPart::WebhookUrl]);
    for (name, value) in [
        ("slack", format!("{}/slack/T000/B000/XXX", chat.uri())),
        (
            "discord",
            format!("{}/discord/api/webhooks/1/abc", chat.uri()),
        ),
        ("telegram", "123:telegram-token".to_string()),
        ("smtp", "pw-from-the-keyring".to_string()),
    ] {
        e.set_secret(name, Secret::new(value)).await.unwrap();
    }
    let sent = e.send_test_alert().await.unwrap();
    let outcome = |c: AlertChannel| sent.iter().find(|d| d.channel == c).unwrap().sent.clone();
    for c in [
        AlertChannel::Slack,
        AlertChannel::Discord,
        AlertChannel::Telegram,
        AlertChannel::Email,
    ] {
        assert_eq!(outcome(c), AlertSent::Sent, "{c:?}: {sent:?}");
    }
    assert_eq!(
        outcome(AlertChannel::Webhook),
        AlertSent::NotSetUp {
            missing: vec![AlertPart::WebhookUrl]
        }
    );
    {
        let h = heard.lock().unwrap();
        assert_eq!(h.messages.len(), 1);
        let m = &h.messages[0];
        assert!(m.contains("To: pd@example.com, writer@example.com"), "{m}");
        assert!(m.contains("From: studio@example.com"), "{m}");
        assert!(m.contains("Subject:"), "{m}");
        // AUTH PLAIN carries "\0user\0password" in base64: the password is the keyring's.
        use base64::Engine as _;
        let plain = h.auth[0].rsplit(' ').next().unwrap();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(plain)
            .unwrap();
        assert_eq!(decoded, b"\0studio@example.com\0pw-from-the-keyring");
    }
    // The channels are sent to at once: find Slack's request by its path.
    let slack_body: serde_json::Value = chat
        .received_requests()
        .await
        .unwrap()
        .iter()
        .find(|r| r.url.path().starts_with("/slack/"))
        .unwrap()
        .body_json()
        .unwrap();
    assert!(
        slack_body["text"]
            .as_str()
            .unwrap()
            .starts_with("🔔 *AIDAS Studio — 테스트 알림 (test)*\nAIDAS Studio 테스트 알림입니다."),
        "{slack_body}"
    );
    // A warning (85 % of the daily cap) goes to Slack and Discord, not to Telegram or e-mail (critical only).
    spend_85_percent_of_the_daily_cap(&e).await;
    // (Other rules may fire on this machine — a nearly full disk is critical and is e-mailed — so the spending
    // warning itself is looked for.)
    let mailed = heard.lock().unwrap().messages.clone();
    assert!(
        !mailed.iter().any(|m| m.contains("daily cap")),
        "the warning went by e-mail: {mailed:?}"
    );
    assert!(mailed[0].contains("test alert"), "{}", mailed[0]);
    // Both alerts (the test and the warning) reach Slack and Discord; Telegram takes critical ones only. (Counted by
    // content: other rules may fire on the machine running the test, a nearly full disk for one.)
    let got = chat.received_requests().await.unwrap();
    let count = |prefix: &str, what: &str| {
        got.iter()
            .filter(|r| r.url.path().starts_with(prefix))
            .filter(|r| String::from_utf8_lossy(&r.body).contains(what))
            .count()
    };
    for (channel, warnings) in [("/slack/", 1), ("/discord/", 1), ("/bot", 0)] {
        assert_eq!(count(channel, "테스트 알림"), 1, "{channel}");
        assert_eq!(count(channel, "daily cap"), warnings, "{channel}");
    }
}

/// fal's further keys: listed when stored, the first key not set aside is the one in use, a set-aside key is back
/// in use when a new key is stored under its name or when it is put back; unknown names are refused.
#[tokio::test]
async fn the_key_in_use_is_the_first_not_set_aside() {
    let dir = tempfile::tempdir().unwrap();
    let e = crate::fast_engine(dir.path()).await;
    for (name, key) in [("fal", "fal-one"), ("fal#2", "fal-two")] {
        e.set_secret(name, Secret::new(key)).await.unwrap();
    }
    let status = e.secret_status().await.unwrap();
    assert!(status.iter().any(|s| s.provider == "fal#2" && s.configured));
    assert!(
        !status.iter().any(|s| s.provider == "fal#3"),
        "unstored further keys are not listed"
    );
    let state = |v: &[studio_core::accounts::AccountView], a: &str| {
        let x = v.iter().find(|x| x.account == a).unwrap();
        (x.configured, x.in_use, x.set_aside.is_some())
    };
    let v = e.accounts().await.unwrap();
    assert_eq!(state(&v, "fal"), (true, true, false));
    assert_eq!(state(&v, "fal#2"), (true, false, false));
    assert_eq!(state(&v, "heygen"), (false, false, false));
    let fp = |k: &str| studio_core::accounts::key_fingerprint(&Secret::new(k));
    // A set-aside of another key under the name (one replaced since) does not hold for the stored key.
    e.store()
        .set_account_aside("fal", "refused", &fp("an-old-key"), 1)
        .await
        .unwrap();
    assert_eq!(
        state(&e.accounts().await.unwrap(), "fal"),
        (true, true, false)
    );
    e.store()
        .set_account_aside(
            "fal",
            "the account cannot pay: User is locked. Reason: Exhausted balance.",
            &fp("fal-one"),
            1,
        )
        .await
        .unwrap();
    let v = e.accounts().await.unwrap();
    assert_eq!(state(&v, "fal"), (true, false, true));
    assert_eq!(state(&v, "fal#2"), (true, true, false));
    assert!(e.has_usable_key("fal").await.unwrap());
    let shown = e.status().await.unwrap().accounts;
    assert_eq!(
        shown.iter().map(|a| a.account.as_str()).collect::<Vec<_>>(),
        ["fal", "fal#2"]
    );
    // Put back by hand (after topping up), or by storing a new key under the name.
    let v = e.restore_account("fal").await.unwrap();
    assert_eq!(state(&v, "fal"), (true, true, false));
    e.store()
        .set_account_aside("fal#2", "refused", &fp("fal-two"), 1)
        .await
        .unwrap();
    e.set_secret("fal#2", Secret::new("fal-two-new"))
        .await
        .unwrap();
    assert_eq!(e.store().account_aside("fal#2").await.unwrap(), None);
    assert!(e.restore_account("openai#2").await.is_err());
    assert!(e.set_secret("fal#6", Secret::new("x")).await.is_err());
}

/// Records $0.85 of fal work today (85 % of a $1.00 daily cap) and checks that the spending rule fires.
async fn spend_85_percent_of_the_daily_cap(e: &studio_core::Engine) {
    e.store()
        .record_usage(&studio_domain::CostEntry {
            provider: "fal".into(),
            operation: "shot".into(),
            series_id: None,
            episode_number: None,
            units: 1.0,
            unit: "job".into(),
            estimated_usd: 0.85,
            actual_usd: None,
        })
        .await
        .unwrap();
    let raised = e.check_alerts().await.unwrap();
    assert!(
        raised.iter().any(|a| a.rule == "spend:daily cap"),
        "{raised:?}"
    );
}
