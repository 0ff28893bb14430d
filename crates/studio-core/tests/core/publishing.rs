//! YouTube publishing against the stateful mock in `youtube_mock`: the OAuth loopback sign-in, the resumable upload
//! surviving an interruption and a process restart with exactly one video, a 308 without Range, a lost final
//! reply, quotaExceeded parking until the reset, token refresh and invalid_grant, forced-private detection, and the
//! video resource at YouTube's Korean byte limits.

use std::collections::BTreeMap;
use std::sync::Arc;

use studio_core::secrets::{MemorySecretStore, SecretError, SecretStore};
use studio_core::{CoreError, Engine, EngineOptions, NewSeries, Secret};
use studio_domain::EpisodeStatus;
use studio_providers::google_oauth::Tokens;

use studio_testkit::YouTubeMock;

/// One secret store shared by the engines of a test (a "restarted process" still has its keyring).
#[derive(Clone, Default)]
pub struct Shared(Arc<MemorySecretStore>);

impl SecretStore for Shared {
    fn backend(&self) -> &'static str {
        "memory"
    }
    fn get(&self, p: &str) -> Result<Option<Secret>, SecretError> {
        self.0.get(p)
    }
    fn set(&self, p: &str, v: &Secret) -> Result<(), SecretError> {
        self.0.set(p, v)
    }
    fn delete(&self, p: &str) -> Result<bool, SecretError> {
        self.0.delete(p)
    }
}

const FILE_LEN: usize = 5 * 256 * 1024 + 12_345;

pub async fn open(
    dir: &std::path::Path,
    mock: &YouTubeMock,
    keys: &Shared,
    extra: &[(&str, String)],
) -> Engine {
    let mut env: BTreeMap<String, String> = mock.env().into_iter().collect();
    for (k, v) in extra {
        env.insert((*k).into(), v.clone());
    }
    Engine::open(EngineOptions {
        data_dir: Some(dir.to_path_buf()),
        env: Some(env),
        secret_store: Some(Box::new(keys.clone())),
    })
    .await
    .unwrap()
}

pub fn write_config(dir: &std::path::Path, extra: &str) {
    std::fs::write(
        dir.join("config.toml"),
        format!(
            "version = 1\n[youtube]\nchunk_kib = 256\nretry_base_ms = 5\nchunk_retries = 2\ndefault_channel = \"UCtest\"\n{extra}"
        ),
    )
    .unwrap();
}

pub fn tokens(access: &str, refresh: &str, expires_at_ms: i64) -> Secret {
    Secret::new(
        serde_json::to_string(&Tokens {
            access_token: access.into(),
            refresh_token: Some(refresh.into()),
            expires_at_ms,
            scope: "youtube.upload".into(),
        })
        .unwrap(),
    )
}

pub fn far() -> i64 {
    studio_core::clock::now_ms() + 3_600_000
}

/// A series with episodes "rendered and packaged" (a file of known bytes and the package files), approved.
pub async fn fixture(e: &Engine, episodes: &[u32], description: &str) -> Vec<Vec<u8>> {
    fixture_with(e, episodes, description, false).await
}

/// [`fixture`], with each episode's script written first (offline) when `scripts` is set.
pub async fn fixture_with(
    e: &Engine,
    episodes: &[u32],
    description: &str,
    scripts: bool,
) -> Vec<Vec<u8>> {
    e.new_series(NewSeries {
        title: "업로드 시험".into(),
        genre: Some(studio_domain::Genre::Romance),
        episodes: 4,
        episode_duration_min: 2,
        premise: "업로드가 끊겨도 한 번만 올라간다".into(),
        main_theme: "신뢰".into(),
        target_audience: "20-30대".into(),
        writer: Some("offline".into()),
        id: Some("up".into()),
        seed: Some(3),
    })
    .await
    .unwrap();
    e.store()
        .upsert_channel(
            "UCtest",
            "테스트 채널",
            Some("UCtest"),
            &serde_json::json!({}),
        )
        .await
        .unwrap();
    let mut files = Vec::new();
    for &n in episodes {
        let dir = e.data_dir().join(format!("series/up/ep{n:03}"));
        std::fs::create_dir_all(dir.join("package")).unwrap();
        let bytes: Vec<u8> = (0..FILE_LEN)
            .map(|i| ((i as u64 * 2_654_435_761 + u64::from(n)) >> 13) as u8)
            .collect();
        std::fs::write(dir.join("episode.mp4"), &bytes).unwrap();
        files.push(bytes);
        let meta = serde_json::json!({
            "youtube": {
                "snippet": { "title": format!("업로드 시험 EP.{n} | 한 번만"), "description": description,
                             "tags": ["AI드라마", "웹드라마"], "categoryId": "24",
                             "defaultLanguage": "ko", "defaultAudioLanguage": "ko" },
                "status": { "privacyStatus": "private", "selfDeclaredMadeForKids": false,
                            "containsSyntheticMedia": true }
            },
            "problems": []
        });
        std::fs::write(dir.join("package/metadata.json"), meta.to_string()).unwrap();
        std::fs::write(dir.join("package/thumbnail.jpg"), vec![0xFFu8; 40_000]).unwrap();
        std::fs::write(
            dir.join("package/subtitles.ko.srt"),
            "1\n00:00:01,000 --> 00:00:02,500\n안녕하세요\n",
        )
        .unwrap();
        let mut steps = vec![
            EpisodeStatus::script as fn(EpisodeStatus) -> _,
            EpisodeStatus::start_production,
            EpisodeStatus::rendered,
            EpisodeStatus::submit_for_review,
        ];
        if scripts {
            e.write_episode("up", n, Some("offline")).await.unwrap();
            steps.remove(0);
        }
        for step in steps {
            e.store().transition_episode("up", n, step).await.unwrap();
        }
        e.approve_episode("up", n, "looks right", None)
            .await
            .unwrap();
    }
    files
}

pub fn stop() -> studio_core::CancellationToken {
    Default::default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_oauth_loopback_flow_connects_a_channel() {
    let mock = YouTubeMock::start().await;
    let dir = tempfile::tempdir().unwrap();
    let keys = Shared::default();
    let e = open(dir.path(), &mock, &keys, &[]).await;

    let flow = e.begin_channel_connect().await.unwrap();
    let url = url::Url::parse(&flow.url).unwrap();
    assert_eq!(url.path(), "/auth");
    let q: BTreeMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(q["client_id"], "client-1.apps.googleusercontent.com");
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["access_type"], "offline");
    assert!(q["scope"].contains("https://www.googleapis.com/auth/youtube.upload"));
    let redirect = q["redirect_uri"].clone();
    assert!(redirect.starts_with("http://127.0.0.1:"), "{redirect}");
    assert_eq!(redirect, flow.redirect_uri);
    assert!(q["state"].len() >= 16);
    mock.with(|s| {
        s.expected_challenge = Some(q["code_challenge"].clone());
        s.auth_code = Some("4/code-xyz".into());
    });

    // The "browser": first a favicon request, then Google's redirect with the code and the state.
    let state = q["state"].clone();
    let browser = tokio::spawn(async move {
        let c = reqwest::Client::new();
        let _ = c.get(format!("{redirect}/favicon.ico")).send().await;
        c.get(format!(
            "{redirect}/?code=4%2Fcode-xyz&state={state}&scope=x"
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
    });
    let ch = e
        .finish_channel_connect(flow, std::time::Duration::from_secs(20))
        .await
        .unwrap();
    let page = browser.await.unwrap();
    assert!(page.contains("채널이 연결되었습니다"), "{page}");
    assert_eq!(
        (ch.id.as_str(), ch.name.as_str(), ch.state.as_str()),
        ("UCtest", "테스트 채널", "connected")
    );
    let stored: Tokens = serde_json::from_str(
        keys.get("youtube_channel:UCtest")
            .unwrap()
            .unwrap()
            .expose(),
    )
    .unwrap();
    assert_eq!(stored.access_token, "at-1");
    assert_eq!(stored.refresh_token.as_deref(), Some("rt-1"));
    assert!(
        format!("{stored:?}").find("at-1").is_none(),
        "tokens never print"
    );
    // Nothing about the token in the database.
    let db = std::fs::read(e.database_path()).unwrap();
    assert!(!db.windows(4).any(|w| w == b"rt-1"));

    // A forged reply (wrong state) is refused.
    let flow = e.begin_channel_connect().await.unwrap();
    let redirect = flow.redirect_uri.clone();
    let forged = tokio::spawn(async move {
        reqwest::get(format!("{redirect}/?code=4%2Fcode-xyz&state=forged"))
            .await
            .unwrap()
            .status()
    });
    let err = e
        .finish_channel_connect(flow, std::time::Duration::from_secs(20))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "oauth_state_mismatch", "{err}");
    assert!(forged.await.unwrap().is_success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_upload_resumes_after_a_restart_with_exactly_one_video() {
    let mock = YouTubeMock::start().await;
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), "");
    let keys = Shared::default();
    keys.set("youtube_channel:UCtest", &tokens("at-1", "rt-1", far()))
        .unwrap();
    let file = {
        let e = open(dir.path(), &mock, &keys, &[]).await;
        let files = fixture(&e, &[1], "설명").await;
        // YouTube goes down after two chunks: the run gives up after its retries, keeping its place.
        mock.with(|s| s.down_after_chunks = Some(2));
        let err = e
            .publish_youtube("up", 1, "UCtest", stop())
            .await
            .unwrap_err();
        assert_eq!(err.code(), "youtube_unavailable", "{err}");
        assert!(
            !err.is_user_error(),
            "a transient failure is retried by the queue"
        );
        let row = e.store().upload("up", 1).await.unwrap().unwrap();
        assert_eq!(row.bytes_confirmed, 2 * 256 * 1024);
        assert!(row.session_uri.is_some() && row.video_id.is_none());
        files.into_iter().next().unwrap()
    }; // the process ends here
    mock.with(|s| s.down_after_chunks = None);
    let puts_before = mock.with(|s| s.chunk_puts);

    let e = open(dir.path(), &mock, &keys, &[]).await;
    let r = e.publish_youtube("up", 1, "UCtest", stop()).await.unwrap();
    assert!(!r.already_done);
    assert_eq!(r.video_id, "vid0");
    assert_eq!(r.sessions_started, 1);
    mock.with(|s| {
        assert_eq!(s.sessions.len(), 1, "one session");
        assert_eq!(s.videos_inserted, 1, "one video");
        assert!(
            s.sessions[0].bytes == file,
            "YouTube has the file, byte for byte"
        );
        assert!(
            s.status_queries >= 1,
            "the restart asked where the session stood"
        );
        // Resumed at 512 KiB: 4 more chunks (3 full, 1 partial), not 6.
        assert_eq!(s.chunk_puts - puts_before, 4);
        let res = &s.sessions[0].resource;
        assert_eq!(res["status"]["containsSyntheticMedia"], true);
        assert_eq!(res["status"]["selfDeclaredMadeForKids"], false);
        assert_eq!(res["status"]["privacyStatus"], "private");
        let at = res["status"]["publishAt"].as_str().unwrap();
        assert!(
            at.ends_with("T10:00:00Z"),
            "19:00 in Seoul is 10:00 UTC: {at}"
        );
        assert_eq!(s.thumbnails, [("vid0".to_string(), 40_000)]);
        assert_eq!(s.captions.len(), 1);
        assert!(
            s.captions[0].1.contains("안녕하세요")
                && s.captions[0].1.contains("\"language\":\"ko\"")
        );
        assert_eq!(s.playlists_created, 1);
        assert_eq!(
            s.playlist_items,
            [("PL1".to_string(), "vid0".to_string(), 0)]
        );
    });
    assert_eq!(
        e.episode_status("up", 1).await.unwrap(),
        EpisodeStatus::Published
    );
    let q = e.youtube_quota().await.unwrap();
    assert_eq!((q.uploads, q.units), (1, 1600 + 50 + 400 + 50 + 50 + 1));

    // Publishing again changes nothing and calls nobody.
    let calls = mock.server.received_requests().await.unwrap().len();
    let again = e.publish_youtube("up", 1, "UCtest", stop()).await.unwrap();
    assert!(again.already_done);
    assert_eq!(again.video_id, "vid0");
    assert_eq!(mock.server.received_requests().await.unwrap().len(), calls);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_final_reply_and_a_308_without_range_never_duplicate_the_video() {
    let mock = YouTubeMock::start().await;
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), "playlist = false\n");
    let keys = Shared::default();
    keys.set("youtube_channel:UCtest", &tokens("at-1", "rt-1", far()))
        .unwrap();
    let e = open(dir.path(), &mock, &keys, &[]).await;
    let files = fixture(&e, &[1, 2], "설명").await;

    // Episode 1: the last chunk lands but its reply is lost; the status query finds the video.
    mock.with(|s| s.lose_final_reply = true);
    let r = e.publish_youtube("up", 1, "UCtest", stop()).await.unwrap();
    assert_eq!(r.video_id, "vid0");
    mock.with(|s| {
        assert_eq!((s.sessions.len(), s.videos_inserted), (1, 1));
        assert!(s.sessions[0].bytes == files[0]);
    });

    // Episode 2: after two chunks the server answers 308 with no Range (it has nothing): start again from zero.
    let puts = mock.with(|s| s.chunk_puts);
    mock.with(|s| s.forget_after_chunks = Some(puts + 2));
    let r = e.publish_youtube("up", 2, "UCtest", stop()).await.unwrap();
    assert_eq!(r.video_id, "vid1");
    mock.with(|s| {
        assert_eq!((s.sessions.len(), s.videos_inserted), (2, 2));
        assert!(s.sessions[1].bytes == files[1], "re-sent from byte 0");
        assert_eq!(s.chunk_puts - puts, 3 + 6);
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_channels_upload_limit_waits_for_the_next_day_and_moves_the_slot() {
    let mock = YouTubeMock::start().await;
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), "publish_times = [\"19:00\"]\n");
    let keys = Shared::default();
    keys.set("youtube_channel:UCtest", &tokens("at-1", "rt-1", far()))
        .unwrap();
    let e = open(dir.path(), &mock, &keys, &[]).await;
    fixture(&e, &[1], "설명").await;
    // Approved for a time that is still ahead now (so nothing moves it before the upload) but before the next quota
    // day: once the channel's cap is hit, it cannot go up in time.
    let now = studio_core::clock::now_ms();
    let reset = studio_core::clock::next_quota_reset_ms(now);
    let soon = studio_core::clock::rfc3339_utc(now + 3_600_000 + (reset - now) / 2 + 60_000);
    e.store().move_publish_time("up", 1, &soon).await.unwrap();

    mock.with(|s| s.upload_limit_next = true);
    let err = e
        .publish_youtube("up", 1, "UCtest", stop())
        .await
        .unwrap_err();
    let CoreError::WaitUntil {
        until_ms,
        kind,
        message,
    } = &err
    else {
        panic!("expected a wait, got {err:?}");
    };
    assert_eq!((*until_ms, kind.as_str()), (reset, "youtube_upload_limit"));
    assert!(message.contains("daily upload limit"), "{message}");
    assert!(err.is_user_error());
    // Not a refusal for a person: the queue retries it at the reset.
    match studio_core::queue::classify(&err, 1, &studio_core::ProductionConfig::default(), 0) {
        studio_store::JobFailure::Retry { at_ms, .. } => assert_eq!(at_ms, reset),
        other => panic!("{other:?}"),
    }
    let row = e.store().upload("up", 1).await.unwrap().unwrap();
    assert_eq!(row.parked_until_ms, Some(reset));
    // The API project's quota is untouched: other channels may still upload today.
    assert_eq!(e.youtube_quota().await.unwrap().exhausted, 0);
    // The publish time moved to the calendar's next 19:00 Seoul slot at least an hour after the reset.
    let moved = e
        .store()
        .review_decisions("up", Some(1))
        .await
        .unwrap()
        .into_iter()
        .rev()
        .find(|d| d.decision == "approve")
        .and_then(|d| d.publish_at)
        .unwrap();
    let at = studio_core::clock::parse_rfc3339_utc(&moved).unwrap();
    assert!(at >= reset + 3_600_000, "{moved}");
    assert!(message.contains(&moved), "{message}");
    assert_eq!(
        at.rem_euclid(86_400_000),
        10 * 3_600_000,
        "19:00 KST is 10:00 UTC: {moved}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_series_title_youtube_refuses_is_cleaned_in_every_field_sent() {
    let mock = YouTubeMock::start().await;
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), "schedule = false\n");
    let keys = Shared::default();
    keys.set("youtube_channel:UCtest", &tokens("at-1", "rt-1", far()))
        .unwrap();
    let e = open(dir.path(), &mock, &keys, &[]).await;
    fixture(&e, &[1], "설명").await;
    // A title and premise as people and LLMs write them: the playlist used to be created with them raw (400).
    sqlx::query(
        "UPDATE series SET title = '우리 사이 <3', premise = '<비밀> 연애' WHERE id = 'up'",
    )
    .execute(e.store().pool())
    .await
    .unwrap();
    let r = e.publish_youtube("up", 1, "UCtest", stop()).await.unwrap();
    assert!(!r.video_id.is_empty());
    mock.with(|s| {
        assert_eq!(s.playlist_titles, ["우리 사이 ‹3"]);
        assert_eq!(s.playlist_items.len(), 1);
    });
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("playlist title") && n.contains("‹")),
        "the change is listed: {:?}",
        r.notes
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quota_exceeded_parks_until_the_reset_then_the_upload_goes_on() {
    let mock = YouTubeMock::start().await;
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), "uploads_per_day = 6\n");
    let keys = Shared::default();
    keys.set("youtube_channel:UCtest", &tokens("at-1", "rt-1", far()))
        .unwrap();
    let e = open(dir.path(), &mock, &keys, &[]).await;
    fixture(&e, &[1], "설명").await;

    mock.with(|s| s.quota_exceeded_next = true);
    let reset = studio_core::clock::next_quota_reset_ms(studio_core::clock::now_ms());
    let err = e
        .publish_youtube("up", 1, "UCtest", stop())
        .await
        .unwrap_err();
    let CoreError::WaitUntil { until_ms, kind, .. } = &err else {
        panic!("expected a wait, got {err:?}");
    };
    assert_eq!((*until_ms, kind.as_str()), (reset, "youtube_quota"));
    // The queue turns it into a retry at the reset, not a failure.
    let cfg = studio_core::ProductionConfig::default();
    match studio_core::queue::classify(&err, 1, &cfg, 0) {
        studio_store::JobFailure::Retry { at_ms, kind, .. } => {
            assert_eq!((at_ms, kind.as_str()), (reset, "youtube_quota"))
        }
        other => panic!("{other:?}"),
    }
    let row = e.store().upload("up", 1).await.unwrap().unwrap();
    assert_eq!(row.parked_until_ms, Some(reset));
    assert!(row.last_error.unwrap().contains("quota"));
    assert_eq!(e.youtube_quota().await.unwrap().exhausted, 1);
    // Until the reset nothing is even tried.
    let calls = mock.server.received_requests().await.unwrap().len();
    let again = e
        .publish_youtube("up", 1, "UCtest", stop())
        .await
        .unwrap_err();
    assert_eq!(again.code(), "youtube_quota");
    assert_eq!(mock.server.received_requests().await.unwrap().len(), calls);

    // After the reset (the clock moved past midnight Pacific) it goes through.
    let later = (reset - studio_core::clock::now_ms() + 60_000).to_string();
    let e = open(
        dir.path(),
        &mock,
        &keys,
        &[("AIDAS_CLOCK_OFFSET_MS", later)],
    )
    .await;
    let r = e.publish_youtube("up", 1, "UCtest", stop()).await.unwrap();
    assert_eq!(r.video_id, "vid0");
    mock.with(|s| assert_eq!((s.sessions.len(), s.videos_inserted), (1, 1)));
    assert_eq!(e.youtube_quota().await.unwrap().uploads, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_upload_allowance_holds_the_next_episode_for_tomorrow() {
    let mock = YouTubeMock::start().await;
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        "uploads_per_day = 1\ncaptions = false\nplaylist = false\n",
    );
    let keys = Shared::default();
    keys.set("youtube_channel:UCtest", &tokens("at-1", "rt-1", far()))
        .unwrap();
    let e = open(dir.path(), &mock, &keys, &[]).await;
    fixture(&e, &[1, 2], "설명").await;
    e.publish_youtube("up", 1, "UCtest", stop()).await.unwrap();
    let err = e
        .publish_youtube("up", 2, "UCtest", stop())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "youtube_quota");
    assert!(err.to_string().contains("uploads: 1 of 1"), "{err}");
    mock.with(|s| assert_eq!(s.sessions.len(), 1, "the second upload was not started"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_refresh_and_a_dead_refresh_token_asks_to_reconnect() {
    let mock = YouTubeMock::start().await;
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), "captions = false\nplaylist = false\n");
    let keys = Shared::default();
    // Expired: refreshed before the first call.
    keys.set("youtube_channel:UCtest", &tokens("at-old", "rt-1", 0))
        .unwrap();
    let e = open(dir.path(), &mock, &keys, &[]).await;
    fixture(&e, &[1, 2, 3], "설명").await;
    e.publish_youtube("up", 1, "UCtest", stop()).await.unwrap();
    let t: Tokens = serde_json::from_str(
        keys.get("youtube_channel:UCtest")
            .unwrap()
            .unwrap()
            .expose(),
    )
    .unwrap();
    assert_eq!(
        (t.access_token.as_str(), t.refresh_token.as_deref()),
        ("at-r1", Some("rt-1"))
    );
    assert_eq!(mock.with(|s| s.refreshes), 1);

    // A 401 mid-way (token revoked early): refreshed once and the call repeated.
    mock.with(|s| s.unauthorized_next = true);
    e.publish_youtube("up", 2, "UCtest", stop()).await.unwrap();
    assert_eq!(mock.with(|s| s.refreshes), 2);

    // Google refuses the refresh token (Testing-mode projects lose them after 7 days).
    keys.set("youtube_channel:UCtest", &tokens("at-old", "rt-dead", 0))
        .unwrap();
    let events = crate::EventLog::start(&e);
    let err = e
        .publish_youtube("up", 3, "UCtest", stop())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "reconnect_channel", "{err}");
    assert!(err.is_user_error());
    // Said in words any shell can show; the CLI adds the command by code.
    assert!(
        err.to_string().contains("connect the channel again") && !err.to_string().contains("aidas"),
        "{err}"
    );
    let ch = &e.channels().await.unwrap()[0];
    assert_eq!(ch.state, "reconnect_needed");
    let alert = events.finish().await.into_iter().next().expect("an alert");
    assert!(
        format!("{alert:?}").contains("must be reconnected"),
        "{alert:?}"
    );
    // Until reconnected, publishing says so without calling Google.
    let calls = mock.server.received_requests().await.unwrap().len();
    let err = e
        .publish_youtube("up", 3, "UCtest", stop())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "reconnect_channel");
    assert_eq!(mock.server.received_requests().await.unwrap().len(), calls);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn korean_metadata_at_the_byte_limit_goes_up_and_one_byte_over_is_refused_before_any_call() {
    let mock = YouTubeMock::start().await;
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        "captions = false\nplaylist = false\nschedule = false\nprivacy = \"public\"\n",
    );
    let keys = Shared::default();
    keys.set("youtube_channel:UCtest", &tokens("at-1", "rt-1", far()))
        .unwrap();
    let e = open(dir.path(), &mock, &keys, &[]).await;
    // 1666 Hangul syllables (3 bytes each) + "ab" = exactly 5000 bytes.
    let desc = format!("{}ab", "가".repeat(1666));
    assert_eq!(desc.len(), 5000);
    fixture(&e, &[1, 2], &desc).await;
    mock.with(|s| s.force_private = true);
    let events = crate::EventLog::start(&e);
    let r = e.publish_youtube("up", 1, "UCtest", stop()).await.unwrap();
    mock.with(|s| {
        let res = &s.sessions[0].resource;
        assert_eq!(res["snippet"]["description"].as_str().unwrap().len(), 5000);
        assert_eq!(res["status"]["privacyStatus"], "public");
        assert!(res["status"].get("publishAt").is_none());
    });
    // The unaudited project forced it private: said plainly.
    assert!(r.forced_private);
    assert_eq!(r.privacy_status.as_deref(), Some("private"));
    assert!(
        r.notes.iter().any(|n| n.contains("API audit")),
        "{:?}",
        r.notes
    );
    let mut alerts = Vec::new();
    for ev in events.finish().await {
        if let studio_core::EngineEvent::Alert { message, .. } = ev {
            alerts.push(message);
        }
    }
    assert!(
        alerts.iter().any(|m| m.contains("locked private")),
        "{alerts:?}"
    );

    let path = e.data_dir().join("series/up/ep002/package/metadata.json");
    let mut meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    meta["youtube"]["snippet"]["description"] = format!("{desc}c").into();
    std::fs::write(&path, meta.to_string()).unwrap();
    let sessions = mock.with(|s| s.sessions.len());
    let err = e
        .publish_youtube("up", 2, "UCtest", stop())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "bad_file", "{err}");
    assert!(
        err.to_string().contains("metadata.json") && err.to_string().contains("5000"),
        "{err}"
    );
    assert_eq!(mock.with(|s| s.sessions.len()), sessions, "nothing sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_edits_to_metadata_are_checked_kept_and_settings_are_validated_before_saving() {
    let mock = YouTubeMock::start().await;
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), "");
    let keys = Shared::default();
    let e = open(dir.path(), &mock, &keys, &[]).await;
    fixture(&e, &[1], "설명").await;
    let v = e.metadata_view("up", 1).await.unwrap();
    assert_eq!((v.description_bytes, v.problems.len()), (6, 0));
    // One byte over the limit: refused with the reason, nothing written.
    let too_long = studio_core::editing::MetadataEdit {
        description: Some(format!("{}abc", "가".repeat(1666))),
        ..Default::default()
    };
    let err = e.edit_metadata("up", 1, too_long).await.unwrap_err();
    assert!(err.to_string().contains("5001 bytes"), "{err}");
    assert!(!e.metadata_view("up", 1).await.unwrap().edited);
    let ok = studio_core::editing::MetadataEdit {
        title: Some("새 제목 EP.1".into()),
        tags: Some(vec!["드라마".into(), "AI 드라마".into()]),
        ..Default::default()
    };
    let v = e.edit_metadata("up", 1, ok).await.unwrap();
    assert_eq!(v.title, "새 제목 EP.1");
    assert!(v.edited);
    assert_eq!(
        v.tags_chars,
        3 + 1 + 8,
        "a tag with a space counts its quotes"
    );
    let on_disk =
        std::fs::read_to_string(dir.path().join("series/up/ep001/package/metadata.json")).unwrap();
    assert!(on_disk.contains("새 제목 EP.1"));
    // The upload sends the edited title.
    keys.set("youtube_channel:UCtest", &tokens("at-1", "rt-1", far()))
        .unwrap();
    e.publish_youtube("up", 1, "UCtest", stop()).await.unwrap();
    mock.with(|s| assert_eq!(s.sessions[0].resource["snippet"]["title"], "새 제목 EP.1"));

    // Settings: whitelisted keys only, and the whole file must stay valid.
    let mut changes = serde_json::Map::new();
    changes.insert("visuals.budget_per_episode_usd".into(), 3.5.into());
    changes.insert(
        "youtube.publish_times".into(),
        serde_json::json!(["18:30", "21:00"]),
    );
    assert_eq!(e.edit_settings(&changes).unwrap().len(), 2);
    let cfg = studio_core::config::Config::load_or_create(dir.path()).unwrap();
    assert_eq!(cfg.visuals.budget_per_episode_usd, 3.5);
    assert_eq!(cfg.youtube.publish_times, ["18:30", "21:00"]);
    let before = std::fs::read_to_string(dir.path().join("config.toml")).unwrap();
    let mut bad = serde_json::Map::new();
    bad.insert("production.review".into(), "sometimes".into());
    assert!(
        e.edit_settings(&bad)
            .unwrap_err()
            .to_string()
            .contains("production.review")
    );
    let mut secret = serde_json::Map::new();
    secret.insert("secrets.backend".into(), "env".into());
    assert!(
        e.edit_settings(&secret).is_err(),
        "not editable from the UI"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("config.toml")).unwrap(),
        before
    );

    // Saved through the settings screen: in force at once, except what shapes the running service (the worker
    // count, changed in config.toml by hand here), which asks for a restart — and keeps asking after later saves.
    let workers = e.config().production.workers;
    let toml = std::fs::read_to_string(dir.path().join("config.toml")).unwrap();
    let toml = if toml.contains("[production]") {
        toml.replace(
            "[production]",
            &format!("[production]\nworkers = {}", workers + 1),
        )
    } else {
        format!("{toml}\n[production]\nworkers = {}\n", workers + 1)
    };
    std::fs::write(dir.path().join("config.toml"), toml).unwrap();
    let mut budget = serde_json::Map::new();
    budget.insert("visuals.budget_per_episode_usd".into(), 2.0.into());
    let change = e.change_settings(&budget).unwrap();
    assert_eq!(change.at_start, ["production.workers"]);
    assert!(change.restart_needed);
    assert_eq!(
        e.config().visuals.budget_per_episode_usd,
        2.0,
        "in force at once"
    );
    assert_eq!(
        e.config().production.workers,
        workers,
        "the running service keeps its workers"
    );
    budget.insert("visuals.budget_per_episode_usd".into(), 2.5.into());
    let change = e.change_settings(&budget).unwrap();
    assert!(
        change.restart_needed,
        "the new worker count still waits for a restart"
    );
    let view = e.settings_view().unwrap();
    assert!(view.restart_needed);
    assert_eq!(
        view.production.workers,
        workers + 1,
        "the form shows what is saved"
    );
}

#[tokio::test]
async fn a_series_publishes_to_its_chosen_channel_or_to_the_folder_only() {
    let mock = YouTubeMock::start().await;
    let dir = tempfile::tempdir().unwrap();
    // The config names a default channel (UCtest).
    write_config(dir.path(), "");
    let keys = Shared::default();
    let e = open(dir.path(), &mock, &keys, &[]).await;
    fixture(&e, &[1], "설명").await;
    assert_eq!(
        e.publish_channel("up").await.unwrap().as_deref(),
        Some("UCtest")
    );
    assert_eq!(
        e.series_dashboard("up")
            .await
            .unwrap()
            .publish_channel
            .as_deref(),
        Some("UCtest")
    );
    // "Export folder only" holds even though a default channel is configured.
    e.set_publish_channel("up", None).await.unwrap();
    assert_eq!(e.publish_channel("up").await.unwrap(), None);
    assert_eq!(
        e.series_dashboard("up").await.unwrap().publish_channel,
        None
    );
    // A channel picked by its name is stored by its id.
    e.set_publish_channel("up", Some("테스트 채널"))
        .await
        .unwrap();
    assert_eq!(
        e.publish_channel("up").await.unwrap().as_deref(),
        Some("UCtest")
    );
    // A channel that is not connected is refused and the choice stays.
    let err = e
        .set_publish_channel("up", Some("UCnobody"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("UCnobody"), "{err}");
    assert_eq!(
        e.publish_channel("up").await.unwrap().as_deref(),
        Some("UCtest")
    );
    // Through the command surface the UI uses: null is the folder only.
    let e = Arc::new(e);
    let rows = studio_core::api::call(
        &e,
        "publish_channel_set",
        serde_json::json!({ "series": "up", "channel": null }),
    )
    .await
    .unwrap();
    assert_eq!(rows[0]["id"], "UCtest");
    assert_eq!(e.publish_channel("up").await.unwrap(), None);
    // The dashboard says when an approved episode was approved (what the upload calendar shows without a time).
    let decided = e.store().review_decisions("up", Some(1)).await.unwrap();
    let card = &e.series_dashboard("up").await.unwrap().episodes[0];
    let at = card
        .approved_at
        .as_deref()
        .expect("approved_at after approval");
    assert_eq!(
        at,
        studio_core::clock::rfc3339_utc(decided.last().unwrap().at_ms)
    );
    assert!(at.ends_with('Z') && at.len() >= 20, "{at}");
}
