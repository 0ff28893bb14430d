//! HeyGen avatars against a mock that bills every video by the started 30 seconds of its audio: upload → generate
//! with audio_asset_id → waiting → processing → completed (or failed) → download; one take per character and
//! scene, each line's cut at its words; the per-importance strategy; a restart mid-poll resumes without generating
//! again.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use studio_domain::Importance;
use studio_pipeline::Pricing;
use studio_pipeline::avatars::{AvatarConfig, AvatarCut, AvatarStage, AvatarStrategy};
use studio_pipeline::voicing::VoiceStage;
use studio_providers::{EspeakVoices, HeyGen};
use studio_render::audio::decode_pcm;
use studio_store::Store;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

#[derive(Default)]
struct HgState {
    uploads: Vec<(String, usize)>,
    /// Credits billed: one per started 30 s of each generated video's audio (HeyGen's billing unit).
    credits: u64,
    /// Seconds of audio per uploaded asset id.
    asset_seconds: HashMap<String, f64>,
    generates: Vec<Value>,
    polls: HashMap<String, usize>,
    /// Videos made with these avatars fail at HeyGen (after a poll), as an avatar that cannot render would.
    fail_avatars: Vec<String>,
    /// The avatar of each generated video.
    video_avatar: HashMap<String, String>,
    /// Keys whose account is out of credits: generate answers 402 `insufficient_credit`.
    broke_keys: Vec<String>,
}

struct Hg {
    uri: String,
    state: Arc<Mutex<HgState>>,
    finish: Arc<AtomicBool>,
    n: AtomicUsize,
}

impl Respond for Hg {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let path = req.url.path().to_string();
        // The key goes to HeyGen's API and upload hosts, never to the CDN that serves the finished video.
        let key = req
            .headers
            .get("x-api-key")
            .map(|v| v.to_str().unwrap().to_string());
        if path.starts_with("/cdn/") {
            assert_eq!(key, None, "the API key leaked to the media download");
        } else {
            assert!(
                key.as_deref().is_some_and(|k| k.starts_with("hg-")),
                "{}",
                req.url
            );
        }
        let mut st = self.state.lock().unwrap();
        if path == "/v2/video/generate" && st.broke_keys.contains(key.as_ref().unwrap()) {
            // HeyGen's answer for an account without credits (API reference, error codes).
            return ResponseTemplate::new(402).set_body_json(json!({"error": {"code": "insufficient_credit", "message": "Insufficient credit", "doc_url": "https://docs.heygen.com"}}));
        }
        match (req.method.as_str(), path.as_str()) {
            ("POST", "/v1/asset") => {
                st.uploads.push((
                    req.headers
                        .get("content-type")
                        .unwrap()
                        .to_str()
                        .unwrap()
                        .to_string(),
                    req.body.len(),
                ));
                let id = format!("asset-{}", self.n.fetch_add(1, Ordering::SeqCst));
                // 48 kHz mono 16-bit WAV with a 44-byte header.
                let seconds = req.body.len().saturating_sub(44) as f64 / 96_000.0;
                st.asset_seconds.insert(id.clone(), seconds);
                ResponseTemplate::new(200).set_body_json(json!({"code": 100, "data": {"id": id, "file_type": "audio", "url": "https://x"}}))
            }
            ("POST", "/v2/video/generate") => {
                let body: Value = serde_json::from_slice(&req.body).unwrap();
                let asset = body["video_inputs"][0]["voice"]["audio_asset_id"]
                    .as_str()
                    .unwrap()
                    .to_string();
                let seconds = st.asset_seconds[&asset];
                st.credits += (seconds / 30.0).ceil().max(1.0) as u64;
                let id = format!("v-{}", self.n.fetch_add(1, Ordering::SeqCst));
                let avatar = body["video_inputs"][0]["character"]["avatar_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                st.video_avatar.insert(id.clone(), avatar);
                st.generates.push(body);
                ResponseTemplate::new(200)
                    .set_body_json(json!({"error": null, "data": {"video_id": id}}))
            }
            ("GET", "/v1/video_status.get") => {
                let id = req
                    .url
                    .query_pairs()
                    .find(|(k, _)| k == "video_id")
                    .map(|(_, v)| v.to_string())
                    .unwrap();
                let n = {
                    let c = st.polls.entry(id.clone()).or_default();
                    *c += 1;
                    *c
                };
                let failing = st
                    .video_avatar
                    .get(&id)
                    .is_some_and(|a| st.fail_avatars.contains(a));
                let status = if failing && n >= 2 {
                    return ResponseTemplate::new(200).set_body_json(json!({"code": 100, "data": {"id": id, "status": "failed", "error": {"code": 40044, "message": "INVALID_AUDIO_FORMAT", "detail": "bad audio"}}}));
                } else if !self.finish.load(Ordering::SeqCst) || n == 2 {
                    "processing"
                } else if n == 1 {
                    "waiting"
                } else {
                    "completed"
                };
                ResponseTemplate::new(200).set_body_json(json!({"code": 100, "message": "Success", "data": {
                    "id": id, "status": status, "video_url": if status == "completed" { json!(format!("{}/cdn/{id}.mp4", self.uri)) } else { Value::Null }, "error": null}}))
            }
            ("GET", p) if p.starts_with("/cdn/") => ResponseTemplate::new(200)
                .set_body_bytes(b"\x00\x00\x00\x18ftypmp42 avatar video".to_vec()),
            _ => ResponseTemplate::new(404),
        }
    }
}

struct World {
    _dir: tempfile::TempDir,
    store: Store,
    server: MockServer,
    state: Arc<Mutex<HgState>>,
    finish: Arc<AtomicBool>,
}

/// One scene of 20 voiced lines: 4 by a main character, 10 by a major supporting one, 6 by a supporting one.
async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let (store, plan, mut script) = crate::offline::store_with_episode(dir.path()).await;
    let pricing = Pricing::bundled();
    let imp = |id: &str| {
        plan.characters
            .iter()
            .find(|c| c.id == id)
            .unwrap()
            .importance
    };
    assert_eq!(
        (imp("CHAR001"), imp("CHAR003"), imp("CHAR007")),
        (
            Importance::Main,
            Importance::MajorSupporting,
            Importance::Supporting
        )
    );
    script.scenes.truncate(2);
    let mut lines: Vec<studio_domain::DialogueLine> = script
        .scenes
        .iter()
        .flat_map(|s| s.lines.clone())
        .take(20)
        .collect();
    for (i, l) in lines.iter_mut().enumerate() {
        l.character = if i < 4 {
            "CHAR001"
        } else if i < 14 {
            "CHAR003"
        } else {
            "CHAR007"
        }
        .into();
        l.text = "짧은 대사야.".into();
    }
    script.scenes.truncate(1);
    script.scenes[0].lines = lines;
    store
        .save_script("rom", 1, &serde_json::to_value(&script).unwrap(), None)
        .await
        .unwrap();
    let vd = VoiceStage {
        providers: vec![Arc::new(EspeakVoices::default())],
        store: &store,
        audio: Arc::new(crate::voices::Ffmpeg),
        data_dir: dir.path().to_path_buf(),
        pricing: &pricing,
        caps: vec![],
    };
    let r = vd.voice_episode("rom", 1).await.unwrap();
    assert_eq!(r.voiced_now, 20);
    let server = MockServer::start().await;
    let state = Arc::new(Mutex::new(HgState::default()));
    let finish = Arc::new(AtomicBool::new(true));
    Mock::given(wiremock::matchers::any())
        .respond_with(Hg {
            uri: server.uri(),
            state: state.clone(),
            finish: finish.clone(),
            n: AtomicUsize::new(0),
        })
        .mount(&server)
        .await;
    World {
        _dir: dir,
        store,
        server,
        state,
        finish,
    }
}

/// HeyGen on the mock with `key`, polling every 5 ms.
fn heygen(w: &World, key: &str) -> HeyGen {
    HeyGen::new(
        &w.server.uri(),
        &w.server.uri(),
        Some(key.into()),
        Duration::from_millis(5),
    )
    .with_policy(crate::fast_policy(1))
}

fn stage<'a>(w: &'a World, pricing: &'a Pricing, remaining: Option<f64>) -> AvatarStage<'a> {
    AvatarStage {
        provider: Arc::new(heygen(w, "hg-test")),
        avatars: vec![
            ("av-m1".into(), "male".into()),
            ("av-f1".into(), "female".into()),
            ("av-m2".into(), "male".into()),
            ("av-f2".into(), "female".into()),
            ("av-m3".into(), "male".into()),
        ],
        remaining_quota: remaining,
        audio: Arc::new(crate::voices::Ffmpeg),
        store: &w.store,
        data_dir: w._dir.path().to_path_buf(),
        pricing,
        cfg: AvatarConfig::default(),
        caps: vec![],
    }
}

#[tokio::test]
async fn avatars_follow_the_strategy_and_the_heygen_lifecycle() {
    let w = world().await;
    let pricing = Pricing::bundled();
    let d = stage(&w, &pricing, Some(5000.0));
    let r = d.make_avatars("rom", 1).await.unwrap();
    assert_eq!(r.strategies["CHAR001"], AvatarStrategy::Full);
    assert_eq!(r.strategies["CHAR003"], AvatarStrategy::Partial);
    assert_eq!(r.strategies["CHAR007"], AvatarStrategy::VoiceOnly);
    assert_eq!(
        r.lines_with_avatar,
        4 + 7,
        "all main lines, 7 of 10 major lines, no supporting lines"
    );
    assert_eq!(r.made_now, 11);
    assert_eq!(
        (r.takes, r.takes_made),
        (2, 2),
        "one take per character and scene"
    );
    assert!(r.failed.is_empty() && r.needs_attention.is_empty(), "{r:?}");
    {
        let st = w.state.lock().unwrap();
        assert_eq!(st.generates.len(), 2);
        assert!(
            st.uploads
                .iter()
                .all(|(ct, len)| ct == "audio/wav" && *len > 1000),
            "our own voiced audio is uploaded as raw bytes"
        );
        for g in &st.generates {
            let input = &g["video_inputs"][0];
            assert!(
                input["voice"]["audio_asset_id"]
                    .as_str()
                    .unwrap()
                    .starts_with("asset-"),
                "{g}"
            );
            assert_eq!(input["voice"]["type"], "audio");
            assert_eq!(input["character"]["type"], "avatar");
            assert_eq!(g["dimension"], json!({"width": 1920, "height": 1080}));
        }
        assert!(
            st.polls.values().all(|n| *n >= 3),
            "waiting → processing → completed"
        );
    }
    // Every line's cut points into its character's take exactly where its own audio is.
    let ep = w._dir.path().join("series/rom/ep001");
    let audio = w.store.line_audio("rom", 1).await.unwrap();
    let mut take_seconds: HashMap<String, f64> = HashMap::new();
    let mut cuts = 0;
    for a in &audio {
        let Some(cut) = AvatarCut::read(&ep, &a.line_id) else {
            continue;
        };
        cuts += 1;
        assert_eq!(cut.audio_sha256, a.sha256);
        let line = decode_pcm(&w._dir.path().join(&a.path), 1, 48_000).unwrap();
        let take = decode_pcm(&ep.join(cut.clip.replace(".mp4", ".wav")), 1, 48_000).unwrap();
        let at = (cut.offset_sec * 48_000.0).round() as usize;
        assert_eq!(line.len(), (cut.duration_sec * 48_000.0).round() as usize);
        assert_eq!(
            &take[at..at + line.len()],
            &line[..],
            "{}: the take speaks the line at its offset",
            a.line_id
        );
        let end = take_seconds.entry(cut.clip.clone()).or_default();
        *end = end.max(cut.offset_sec + cut.duration_sec);
    }
    assert_eq!(cuts, 11);
    // Billed: at most the sum over videos of ceil(character-seconds with the rests / 30 s) — one credit per take
    // here; a video per line would have cost 11.
    assert_eq!(take_seconds.len(), 2);
    let bound: u64 = take_seconds
        .values()
        .map(|s| (s / 30.0).ceil() as u64)
        .sum();
    let credits = w.state.lock().unwrap().credits;
    assert!(
        credits <= bound && credits == 2,
        "{credits} credits, bound {bound}"
    );
    let ledger = w.store.usage(Some("rom")).await.unwrap();
    let avatars: Vec<_> = ledger.iter().filter(|l| l.provider == "heygen").collect();
    assert_eq!(avatars.len(), 2);
    let spent: f64 = avatars.iter().filter_map(|l| l.actual_usd).sum();
    assert!(
        (spent - credits as f64 * 0.99).abs() < 1e-9,
        "the ledger holds what was billed: {spent}"
    );
    // Again: nothing new is generated.
    let again = d.make_avatars("rom", 1).await.unwrap();
    assert_eq!((again.made_now, again.already_done), (0, 11));
    assert_eq!(w.state.lock().unwrap().generates.len(), 2);
}

#[tokio::test]
async fn a_plan_mostly_used_keeps_major_supporting_characters_voice_only() {
    let w = world().await;
    let pricing = Pricing::bundled();
    let r = stage(&w, &pricing, Some(1000.0))
        .make_avatars("rom", 1)
        .await
        .unwrap();
    assert!(r.usage.unwrap() > 0.8);
    assert_eq!(r.strategies["CHAR003"], AvatarStrategy::VoiceOnly);
    assert_eq!(r.lines_with_avatar, 4);
}

/// A take whose avatar cannot render is made again with the character's fallback avatar (same gender); when that
/// fails too, the lines go voice-only with the reason. The failed renders are not billed.
#[tokio::test]
async fn a_failed_render_is_made_with_the_fallback_avatar_then_voice_only() {
    let w = world().await;
    let pricing = Pricing::bundled();
    let d = stage(&w, &pricing, Some(5000.0));
    let characters = w.store.characters("rom").await.unwrap();
    let main = characters.iter().find(|c| c.id == "CHAR001").unwrap();
    let assigned = d.assign(&characters);
    let own = assigned["CHAR001"].clone();
    // The characters with avatar takes in this episode: the main and the major supporting one.
    let on_screen = [own.clone(), assigned["CHAR003"].clone()];
    let fallback = d.fallback_avatar(main, &own, &on_screen).unwrap();
    // An avatar no other character on screen wears, of the main character's gender.
    assert!(!on_screen.contains(&fallback), "{fallback} {assigned:?}");
    let gender = |id: &str| d.avatars.iter().find(|(a, _)| a == id).unwrap().1.clone();
    assert_eq!(gender(&fallback), main.voice_profile.gender);
    // 1. The main character's own avatar fails: its take is made with the fallback, every line keeps an avatar.
    w.state.lock().unwrap().fail_avatars = vec![own.clone()];
    let r = d.make_avatars("rom", 1).await.unwrap();
    assert!(
        r.failed.is_empty() && r.voice_only.is_empty(),
        "{:?} {:?}",
        r.failed,
        r.voice_only
    );
    assert!(
        r.notes.iter().any(|n| n.contains(&format!(
            "the take was made with the fallback avatar {fallback}"
        ))),
        "{:?}",
        r.notes
    );
    let by_avatar = |a: &str| {
        w.state
            .lock()
            .unwrap()
            .generates
            .iter()
            .filter(|g| g["video_inputs"][0]["character"]["avatar_id"] == a)
            .count()
    };
    assert_eq!((by_avatar(&own), by_avatar(&fallback)), (1, 1));
    let ledger = w.store.usage(Some("rom")).await.unwrap();
    let heygen: Vec<_> = ledger.iter().filter(|l| l.provider == "heygen").collect();
    assert_eq!(
        heygen.iter().filter(|l| l.actual_usd == Some(0.0)).count(),
        1,
        "the failed render costs nothing: {heygen:?}"
    );
    // 2. A fresh episode where both avatars fail: the main character's lines are voice-only, saying why.
    let w = world().await;
    let d = stage(&w, &pricing, Some(5000.0));
    w.state.lock().unwrap().fail_avatars = vec![own.clone(), fallback.clone()];
    let r = d.make_avatars("rom", 1).await.unwrap();
    assert!(r.failed.is_empty(), "{:?}", r.failed);
    assert_eq!(
        r.voice_only.len(),
        4,
        "the main character's 4 lines: {:?}",
        r.voice_only
    );
    assert!(
        r.voice_only[0]
            .reason
            .starts_with("voice only: the avatar take failed"),
        "{}",
        r.voice_only[0].reason
    );
    assert!(r.voice_only[0].reason.contains("INVALID_AUDIO_FORMAT"));
    // A re-run sends neither again.
    let generated = w.state.lock().unwrap().generates.len();
    let again = d.make_avatars("rom", 1).await.unwrap();
    assert_eq!(again.voice_only.len(), 4);
    assert_eq!(w.state.lock().unwrap().generates.len(), generated);
}

/// Two HeyGen keys: the first account is out of credits (402 `insufficient_credit`), so it is set aside and the
/// second key makes the takes; the ledger lines are the second key's.
#[tokio::test]
async fn a_heygen_key_out_of_credits_is_set_aside_for_the_next() {
    let w = world().await;
    let pricing = Pricing::bundled();
    let key =
        |k: &str| -> Arc<dyn studio_pipeline::remote::RemoteProvider> { Arc::new(heygen(&w, k)) };
    let mut d = stage(&w, &pricing, Some(5000.0));
    let account = |name: &str, k: &str| studio_pipeline::remote::Account {
        name: name.into(),
        fingerprint: format!("fp-{k}"),
        provider: key(k),
    };
    d.provider = Arc::new(studio_pipeline::remote::Accounts::new(
        "heygen",
        vec![account("heygen", "hg-one"), account("heygen#2", "hg-two")],
        w.store.clone(),
    ));
    w.state.lock().unwrap().broke_keys = vec!["hg-one".into()];
    let r = d.make_avatars("rom", 1).await.unwrap();
    assert!(
        r.failed.is_empty() && r.voice_only.is_empty(),
        "{:?} {:?}",
        r.failed,
        r.voice_only
    );
    assert!(r.takes_made >= 2, "{r:?}");
    let aside = w
        .store
        .account_aside("heygen")
        .await
        .unwrap()
        .expect("set aside");
    assert!(
        aside.reason.contains("Insufficient credit"),
        "{}",
        aside.reason
    );
    let spend = w.store.spend_by_account(None).await.unwrap();
    assert!(
        spend
            .iter()
            .all(|(p, a, v)| p != "heygen" || a == "heygen#2" || *v == 0.0),
        "{spend:?}"
    );
    assert!(
        spend
            .iter()
            .any(|(p, a, v)| p == "heygen" && a == "heygen#2" && *v > 0.0),
        "{spend:?}"
    );
}

#[tokio::test]
async fn a_restart_mid_render_polls_again_without_generating_again() {
    let w = world().await;
    w.finish.store(false, Ordering::SeqCst);
    let pricing = Pricing::bundled();
    {
        let d = stage(&w, &pricing, Some(5000.0));
        assert!(
            tokio::time::timeout(Duration::from_millis(800), d.make_avatars("rom", 1))
                .await
                .is_err()
        );
    }
    let generated = w.state.lock().unwrap().generates.len();
    assert!(generated >= 1);
    let waiting = w.store.remote_jobs_waiting("rom", 1).await.unwrap();
    let job = &waiting[0];
    assert!(
        job.purpose.starts_with("avatar-take:scene01-CHAR001-"),
        "{}",
        job.purpose
    );
    assert_eq!(
        job.state, "submitted",
        "the video id was stored before polling"
    );
    w.finish.store(true, Ordering::SeqCst);
    let r = stage(&w, &pricing, Some(5000.0))
        .make_avatars("rom", 1)
        .await
        .unwrap();
    assert_eq!(r.made_now + r.already_done, 11);
    let st = w.state.lock().unwrap();
    assert_eq!(st.generates.len(), 2, "no take was generated twice");
    let ids: std::collections::HashSet<String> = st
        .generates
        .iter()
        .map(|g| g["callback_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 2);
}

/// The episode cap over every provider holds avatars too: the take that would pass it is not sent, its lines stay
/// voice-only with the cap as the reason, and the ledger stays under the cap.
#[tokio::test]
async fn a_take_past_the_episode_cap_leaves_its_lines_voice_only() {
    let w = world().await;
    let pricing = Pricing::bundled();
    let mut d = stage(&w, &pricing, Some(5000.0));
    d.caps = vec![studio_store::SpendCap {
        name: "episode cap".into(),
        limit_usd: 1.5,
        per_episode: true,
        ..Default::default()
    }];
    let r = d.make_avatars("rom", 1).await.unwrap();
    assert_eq!((r.takes, r.takes_made), (1, 1), "{r:?}");
    assert_eq!(r.made_now, 4, "the main character's take fits");
    assert_eq!(r.voice_only.len(), 7, "{r:?}");
    assert!(r.failed.is_empty() && r.needs_attention.is_empty(), "{r:?}");
    assert!(
        r.voice_only
            .iter()
            .all(|f| f.reason.contains("episode cap") && f.reason.starts_with("voice only")),
        "{:?}",
        r.voice_only
    );
    assert_eq!(
        w.state.lock().unwrap().generates.len(),
        1,
        "nothing sent past the cap"
    );
    let spent: f64 = w
        .store
        .usage(Some("rom"))
        .await
        .unwrap()
        .iter()
        .map(|l| l.actual_usd.unwrap_or(l.estimated_usd))
        .sum();
    assert!(spent <= 1.5, "{spent}");
}

/// A take is made from all of its lines at once: while one of them is not voiced yet, the take waits (made now, it
/// would be paid for again once that line is voiced); the other character's take of the scene goes ahead.
#[tokio::test]
async fn a_take_with_an_unvoiced_line_waits_and_nothing_is_paid_for_it() {
    let w = world().await;
    let mut script: studio_domain::EpisodeScript =
        serde_json::from_value(w.store.script("rom", 1).await.unwrap().unwrap()).unwrap();
    let mut extra = script.scenes[0].lines[0].clone();
    extra.id = "L001-900".into();
    extra.text = "아직 목소리가 없는 대사야.".into();
    script.scenes[0].lines.push(extra);
    w.store
        .save_script("rom", 1, &serde_json::to_value(&script).unwrap(), None)
        .await
        .unwrap();
    let pricing = Pricing::bundled();
    let r = stage(&w, &pricing, Some(5000.0))
        .make_avatars("rom", 1)
        .await
        .unwrap();
    assert_eq!((r.takes, r.takes_made), (1, 1), "{r:?}");
    assert_eq!(
        r.made_now, 7,
        "the major supporting character's take is made"
    );
    let waiting: Vec<&str> = r.failed.iter().map(|f| f.line_id.as_str()).collect();
    assert_eq!(
        waiting.len(),
        5,
        "the unvoiced line and the 4 it shares a take with: {waiting:?}"
    );
    assert!(waiting.contains(&"L001-900"));
    assert_eq!(w.state.lock().unwrap().generates.len(), 1);
}
