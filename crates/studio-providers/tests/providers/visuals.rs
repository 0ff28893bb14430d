//! The visuals stage against a mock fal queue: IN_QUEUE → IN_PROGRESS → COMPLETED, 422 at submit, a failed result
//! (504), an expired download link, a restart between submit and completion (exactly one submit), a job stuck past
//! its deadline, and a budget that runs out mid-episode.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use studio_domain::EpisodeScript;
use studio_pipeline::visuals::{ClipProbe, Route, VisualConfig, VisualsStage};
use studio_pipeline::{CheckConfig, Pricing, ScriptStage};
use studio_providers::{FalQueue, OfflineStills, TemplateWriter};
use studio_store::Store;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const KLING: &str = "fal-ai/kling-video/v2.1/standard/image-to-video";
const FLUX: &str = "fal-ai/flux/schnell";

/// Clip lengths read by the render crate (in-process FFmpeg), as the engine reads them.
pub struct Ffmpeg;
impl ClipProbe for Ffmpeg {
    fn video_duration(&self, path: &Path) -> Result<f64, String> {
        studio_render::kenburns::probe_video(path)
            .map(|p| p.duration_sec)
            .map_err(|e| e.to_string())
    }
}

/// Media the mock CDN serves: a PNG and a real 1 s MP4.
fn media() -> (Vec<u8>, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("k.png");
    image::RgbImage::from_fn(640, 360, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 80])
    })
    .save(&png)
    .unwrap();
    let mp4 = dir.path().join("v.mp4");
    studio_render::kenburns::ken_burns(
        &png,
        &mp4,
        1.0,
        studio_render::kenburns::Effect::pick(0, "", ""),
        &studio_render::kenburns::EncodeOptions {
            preset: "ultrafast".into(),
            crf: 30,
        },
    )
    .unwrap();
    (std::fs::read(&png).unwrap(), std::fs::read(&mp4).unwrap())
}

#[derive(Default)]
struct FalState {
    submits: HashMap<String, usize>,
    polls: HashMap<String, usize>,
    /// Per model path: what submit answers (None = accept).
    reject_submit: HashMap<String, u16>,
    result_status: u16,
    /// The next result requests answer these (status, Retry-After) before the result itself.
    result_faults: Vec<(u16, Option<u32>)>,
    result_requests: usize,
    expire_first_download: bool,
    downloads: HashMap<String, usize>,
    /// Keys whose account is locked for lack of balance: every submit answers 403 as fal does.
    locked_keys: std::collections::HashSet<String>,
    /// Submits per key, and the key that took each request (polled only with that key).
    submits_by_key: HashMap<String, usize>,
    owner: HashMap<String, String>,
}

struct Fal {
    uri: String,
    state: Arc<Mutex<FalState>>,
    /// While false, video jobs stay IN_PROGRESS (for the restart and stuck scenarios).
    finish: Arc<AtomicBool>,
    counter: AtomicUsize,
    png: Vec<u8>,
    mp4: Vec<u8>,
}

impl Respond for Fal {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let path = req.url.path().trim_start_matches('/').to_string();
        let mut st = self.state.lock().unwrap();
        let key = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .trim_start_matches("Key ")
            .to_string();
        if req.method.as_str() == "POST" {
            *st.submits_by_key.entry(key.clone()).or_default() += 1;
            if st.locked_keys.contains(&key) {
                // fal's answer for a locked account (fal-ai/fal issues #1112, #1147).
                return ResponseTemplate::new(403).set_body_json(json!({"detail": "User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing."}));
            }
            *st.submits.entry(path.clone()).or_default() += 1;
            if let Some(code) = st.reject_submit.get(&path) {
                return ResponseTemplate::new(*code).set_body_json(json!({"detail": [{"loc": ["body", "image_url"], "msg": "image too large", "type": "image_too_large"}]}));
            }
            let kind = if path.contains("kling") { "vid" } else { "img" };
            let id = format!("{kind}-{}", self.counter.fetch_add(1, Ordering::SeqCst));
            let app: String = path.split('/').take(2).collect::<Vec<_>>().join("/");
            let base = format!("{}/{app}/requests/{id}", self.uri);
            // The tag carries the local job id.
            assert!(
                req.headers
                    .get("x-fal-tags")
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .starts_with("job=")
            );
            assert!(key.starts_with("fal-"), "{key}");
            st.owner.insert(id.clone(), key);
            return ResponseTemplate::new(200).set_body_json(json!({
                "request_id": id, "status_url": format!("{base}/status"), "response_url": base, "cancel_url": format!("{base}/cancel"), "queue_position": 0
            }));
        }
        let id = path.split('/').nth(3).unwrap_or("").to_string();
        // A request is another account's business: polled or fetched with another key, fal refuses.
        if st.owner.get(&id).is_some_and(|o| *o != key) {
            return ResponseTemplate::new(403).set_body_json(json!({"detail": "Forbidden"}));
        }
        if path.ends_with("/status") {
            let n = {
                let c = st.polls.entry(id.clone()).or_default();
                *c += 1;
                *c
            };
            let video = id.starts_with("vid");
            return if video && !self.finish.load(Ordering::SeqCst) {
                ResponseTemplate::new(202)
                    .set_body_json(json!({"status": "IN_PROGRESS", "logs": []}))
            } else if video && n == 1 {
                ResponseTemplate::new(202)
                    .set_body_json(json!({"status": "IN_QUEUE", "queue_position": 2}))
            } else if video && n == 2 {
                ResponseTemplate::new(202)
                    .set_body_json(json!({"status": "IN_PROGRESS", "logs": null}))
            } else {
                ResponseTemplate::new(200).set_body_json(
                    json!({"status": "COMPLETED", "metrics": {"inference_time": 1.0}}),
                )
            };
        }
        if path.starts_with("cdn/") {
            let c = {
                let c = st.downloads.entry(path.clone()).or_default();
                *c += 1;
                *c
            };
            if st.expire_first_download && c == 1 && !path.contains("fresh") {
                return ResponseTemplate::new(410);
            }
            return ResponseTemplate::new(200).set_body_bytes(if path.ends_with(".mp4") {
                self.mp4.clone()
            } else {
                self.png.clone()
            });
        }
        // The result.
        if id.starts_with("vid") {
            st.result_requests += 1;
        }
        if id.starts_with("vid") && !st.result_faults.is_empty() {
            let (code, after) = st.result_faults.remove(0);
            let mut r = ResponseTemplate::new(code).set_body_string(if code == 429 {
                r#"{"error":"rate limited"}"#
            } else {
                "<html><body>502 Bad Gateway</body><center>nginx</center></html>"
            });
            if let Some(a) = after {
                r = r.insert_header("Retry-After", a.to_string().as_str());
            }
            return r;
        }
        if st.result_status != 200 && id.starts_with("vid") {
            return ResponseTemplate::new(st.result_status).set_body_json(
                json!({"detail": "startup timeout", "error_type": "startup_timeout"}),
            );
        }
        let fresh = if st.downloads.keys().any(|k| k.contains(&id)) {
            "-fresh"
        } else {
            ""
        };
        if id.starts_with("vid") {
            ResponseTemplate::new(200).set_body_json(
                json!({"video": {"url": format!("{}/cdn/{id}{fresh}.mp4", self.uri)}}),
            )
        } else {
            ResponseTemplate::new(200).set_body_json(json!({"images": [{"url": format!("{}/cdn/{id}{fresh}.png", self.uri), "width": 1920, "height": 1080}], "seed": 1}))
        }
    }
}

struct World {
    _dir: tempfile::TempDir,
    store: Store,
    server: MockServer,
    state: Arc<Mutex<FalState>>,
    finish: Arc<AtomicBool>,
    data: std::path::PathBuf,
}

/// An offline-planned episode cut to three short shots (high, low, high) so the test renders little.
async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let (store, _script) = crate::offline::three_shot_episode(dir.path(), |_| true).await;
    let server = MockServer::start().await;
    let (png, mp4) = media();
    let state = Arc::new(Mutex::new(FalState {
        result_status: 200,
        ..Default::default()
    }));
    let finish = Arc::new(AtomicBool::new(true));
    Mock::given(wiremock::matchers::any())
        .respond_with(Fal {
            uri: server.uri(),
            state: state.clone(),
            finish: finish.clone(),
            counter: AtomicUsize::new(0),
            png,
            mp4,
        })
        .mount(&server)
        .await;
    let data = dir.path().to_path_buf();
    World {
        _dir: dir,
        store,
        server,
        state,
        finish,
        data,
    }
}

/// fal's queue on the mock with `key`, polling every 5 ms.
fn fal_queue(w: &World, key: &str) -> FalQueue {
    FalQueue::new(&w.server.uri(), Some(key.into()), Duration::from_millis(5))
        .with_policy(crate::fast_policy(1))
}

fn stage<'a>(
    w: &'a World,
    pricing: &'a Pricing,
    cfg: VisualConfig,
    deadline: Duration,
) -> VisualsStage<'a> {
    let fal = fal_queue(w, "fal-test");
    VisualsStage {
        remote: Some(Arc::new(fal)),
        deadline,
        stills: vec![Arc::new(OfflineStills)],
        clips: Arc::new(Ffmpeg),
        store: &w.store,
        data_dir: w.data.clone(),
        pricing,
        // The queue's lifecycle, without the characters' references (`references.rs` covers those).
        cfg: VisualConfig {
            references: false,
            ..cfg
        },
        caps: vec![],
    }
}

fn submits(w: &World, model: &str) -> usize {
    w.state
        .lock()
        .unwrap()
        .submits
        .get(model)
        .copied()
        .unwrap_or(0)
}

#[tokio::test]
async fn a_video_shot_goes_through_the_whole_queue_lifecycle() {
    let w = world().await;
    let pricing = Pricing::bundled();
    let d = stage(
        &w,
        &pricing,
        VisualConfig::default(),
        Duration::from_secs(60),
    );
    let (_, plan) = d.storyboard("rom", 1).await.unwrap();
    assert!(
        matches!(plan.decisions[0].route, Route::Video { .. }),
        "{:?}",
        plan.decisions[0]
    );
    let r = d.make_visuals("rom", 1).await.unwrap();
    assert!(r.failed.is_empty(), "{:?}", r.failed);
    let media = d.shot_media("rom", 1).await.unwrap();
    assert_eq!(media[0].generator, KLING);
    assert!((media[0].duration_sec - 1.0).abs() < 0.05);
    assert_eq!(
        media[1].generator, FLUX,
        "the low shot got a paid FLUX still"
    );
    // Each paid job was submitted exactly once; the video polled through IN_QUEUE and IN_PROGRESS.
    assert_eq!(submits(&w, KLING), 2, "shots 0 and 2");
    assert_eq!(
        submits(&w, FLUX),
        3 + 12,
        "two keyframes, one still, and a reference per character (once)"
    );
    assert!(
        w.state
            .lock()
            .unwrap()
            .polls
            .iter()
            .filter(|(k, _)| k.starts_with("vid"))
            .all(|(_, n)| *n >= 3)
    );
    let job = w
        .store
        .remote_job("rom", 1, "shot:0")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.state, "downloaded");
    assert!(
        job.status_url.unwrap().ends_with("/status")
            && job.response_url.is_some()
            && job.cancel_url.is_some()
    );
    // The ledger: reserved at submit, reconciled on download, never above the budget.
    let ledger = w.store.usage(Some("rom")).await.unwrap();
    assert!(ledger.iter().all(|l| l.actual_usd.is_some()), "{ledger:?}");
    let spent = w.store.episode_spend("rom", 1).await.unwrap();
    assert!(
        (spent - plan.estimated_usd).abs() < 1e-9,
        "{spent} vs {}",
        plan.estimated_usd
    );
    assert!(spent <= VisualConfig::default().budget_per_episode_usd);
    // A re-run pays for nothing.
    let again = d.make_visuals("rom", 1).await.unwrap();
    assert_eq!((again.made_now, again.already_done), (0, 3));
    assert_eq!(submits(&w, KLING), 2);
}

#[tokio::test]
async fn a_422_at_submit_falls_back_to_a_still_and_costs_nothing() {
    let w = world().await;
    w.state
        .lock()
        .unwrap()
        .reject_submit
        .insert(KLING.into(), 422);
    let pricing = Pricing::bundled();
    let d = stage(
        &w,
        &pricing,
        VisualConfig::default(),
        Duration::from_secs(60),
    );
    let r = d.make_visuals("rom", 1).await.unwrap();
    assert!(r.failed.is_empty());
    let media = d.shot_media("rom", 1).await.unwrap();
    assert_eq!(media[0].generator, FLUX, "the keyframe became the still");
    assert!(
        media[0].decision.reason.contains("video failed")
            && media[0].decision.reason.contains("image too large"),
        "{}",
        media[0].decision.reason
    );
    let job = w
        .store
        .remote_job("rom", 1, "shot:0")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.state, "failed");
    assert!(
        w.store
            .usage(Some("rom"))
            .await
            .unwrap()
            .iter()
            .filter(|l| l.operation.contains(KLING))
            .all(|l| l.actual_usd == Some(0.0)),
        "a refused submit's reservation is released: it costs nothing"
    );
}

#[tokio::test]
async fn a_failed_result_is_not_billed_and_an_expired_link_is_refreshed() {
    let w = world().await;
    w.state.lock().unwrap().result_status = 504;
    let pricing = Pricing::bundled();
    let d = stage(
        &w,
        &pricing,
        VisualConfig::default(),
        Duration::from_secs(60),
    );
    d.make_visuals("rom", 1).await.unwrap();
    let job = w
        .store
        .remote_job("rom", 1, "shot:0")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.state, "failed");
    assert!(job.error.unwrap().contains("startup timeout"));
    let ledger = w.store.usage(Some("rom")).await.unwrap();
    let video = ledger.iter().find(|l| l.operation.contains(KLING)).unwrap();
    assert_eq!(video.actual_usd, Some(0.0), "a 5xx result is not billed");

    let w2 = world().await;
    w2.state.lock().unwrap().expire_first_download = true;
    let d2 = stage(
        &w2,
        &pricing,
        VisualConfig::default(),
        Duration::from_secs(60),
    );
    let r = d2.make_visuals("rom", 1).await.unwrap();
    assert!(r.failed.is_empty(), "{:?}", r.failed);
    let job = w2
        .store
        .remote_job("rom", 1, "shot:0")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.state, "downloaded");
    assert!(
        job.result_url.unwrap().contains("-fresh"),
        "the refreshed link was used"
    );
    assert_eq!(submits(&w2, KLING), 2, "a refreshed link is not a new job");
}

#[tokio::test]
async fn a_finished_job_whose_result_is_rate_limited_is_fetched_later_not_paid_twice() {
    let w = world().await;
    // COMPLETED → result 429 (Retry-After 2) → a gateway's 502 → 200.
    w.state.lock().unwrap().result_faults = vec![(429, Some(2)), (502, None)];
    let pricing = Pricing::bundled();
    let d = stage(
        &w,
        &pricing,
        VisualConfig::default(),
        Duration::from_secs(60),
    );
    let started = std::time::Instant::now();
    let r = d.make_visuals("rom", 1).await.unwrap();
    assert!(r.failed.is_empty(), "{:?}", r.failed);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "Retry-After was honoured"
    );
    let job = w
        .store
        .remote_job("rom", 1, "shot:0")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.state, "downloaded");
    assert!(job.result_sha256.is_some());
    assert_eq!(
        submits(&w, KLING),
        2,
        "one submit per video shot, none again"
    );
    assert!(w.state.lock().unwrap().result_requests >= 4);
    // Reconciled at the estimate: the clip was made and paid for once.
    let ledger = w.store.usage(Some("rom")).await.unwrap();
    for l in ledger.iter().filter(|l| l.operation.contains(KLING)) {
        assert_eq!(l.actual_usd, Some(l.estimated_usd), "{l:?}");
    }
}

#[tokio::test]
async fn a_restart_between_submit_and_completion_polls_again_without_resubmitting() {
    let w = world().await;
    w.finish.store(false, Ordering::SeqCst);
    let pricing = Pricing::bundled();
    {
        let d = stage(
            &w,
            &pricing,
            VisualConfig {
                parallel: 3,
                ..Default::default()
            },
            Duration::from_secs(600),
        );
        // The "process" dies while the videos are in progress.
        let r = tokio::time::timeout(Duration::from_millis(1500), d.make_visuals("rom", 1)).await;
        assert!(r.is_err(), "still polling when killed");
    }
    let job = w
        .store
        .remote_job("rom", 1, "shot:0")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        job.state, "submitted",
        "the request id was stored before polling"
    );
    assert!(job.request_id.is_some());
    assert_eq!(submits(&w, KLING), 2);
    // Restart: a new stage on the same store resumes.
    w.finish.store(true, Ordering::SeqCst);
    let d = stage(
        &w,
        &pricing,
        VisualConfig {
            parallel: 3,
            ..Default::default()
        },
        Duration::from_secs(600),
    );
    let r = d.make_visuals("rom", 1).await.unwrap();
    assert!(r.failed.is_empty());
    assert_eq!(
        submits(&w, KLING),
        2,
        "exactly one submit per video shot across the restart"
    );
    assert_eq!(
        w.store
            .remote_job("rom", 1, "shot:0")
            .await
            .unwrap()
            .unwrap()
            .state,
        "downloaded"
    );
    assert_eq!(d.shot_media("rom", 1).await.unwrap()[0].generator, KLING);
}

#[tokio::test]
async fn a_job_past_its_deadline_is_stuck_visible_and_never_resubmitted() {
    let w = world().await;
    w.finish.store(false, Ordering::SeqCst);
    let pricing = Pricing::bundled();
    let d = stage(
        &w,
        &pricing,
        VisualConfig::default(),
        Duration::from_millis(0),
    );
    let r = d.make_visuals("rom", 1).await.unwrap();
    assert!(r.failed.is_empty(), "the shot still got a visual");
    let media = d.shot_media("rom", 1).await.unwrap();
    assert!(
        media[0].decision.reason.contains("needs attention"),
        "{}",
        media[0].decision.reason
    );
    assert_eq!(
        w.store
            .remote_job("rom", 1, "shot:0")
            .await
            .unwrap()
            .unwrap()
            .state,
        "stuck"
    );
    let attention = w.store.remote_jobs_needing_attention().await.unwrap();
    assert!(attention.iter().any(|j| j.purpose == "shot:0"));
    assert!(
        w.state
            .lock()
            .unwrap()
            .submits
            .keys()
            .all(|k| !k.contains("cancel")),
        "no auto-cancel"
    );
    // Delete the shot's picture (its keyframe, moving meanwhile) and run again: the stuck job is reported, not
    // submitted again.
    assert!(media[0].drawn_from_still() && media[0].clip_path.is_empty());
    std::fs::remove_file(w.data.join(media[0].source())).unwrap();
    d.make_visuals("rom", 1).await.unwrap();
    assert_eq!(submits(&w, KLING), 2);
}

#[tokio::test]
async fn a_budget_that_runs_out_mid_episode_keeps_the_ledger_under_the_cap() {
    let w = world().await;
    let pricing = Pricing::bundled();
    // Room for one video (0.28 + 0.009 keyframe) and the low still (0.009), not the second video.
    let cfg = VisualConfig {
        budget_per_episode_usd: 0.30,
        ..Default::default()
    };
    let d = stage(&w, &pricing, cfg.clone(), Duration::from_secs(60));
    let (_, plan) = d.storyboard("rom", 1).await.unwrap();
    assert!(matches!(plan.decisions[0].route, Route::Video { .. }));
    assert!(!matches!(plan.decisions[2].route, Route::Video { .. }));
    assert!(
        plan.decisions[2].reason.contains("budget"),
        "{}",
        plan.decisions[2].reason
    );
    d.make_visuals("rom", 1).await.unwrap();
    let spent = w.store.episode_spend("rom", 1).await.unwrap();
    assert!(spent <= cfg.budget_per_episode_usd + 1e-9, "spent {spent}");
    assert_eq!(submits(&w, KLING), 1);
    let media = d.shot_media("rom", 1).await.unwrap();
    assert_ne!(media[2].generator, KLING);
    let _: Value = json!(null);
}

#[tokio::test]
async fn a_daily_cap_below_the_estimate_holds_with_three_workers_racing() {
    let w = world().await;
    let pricing = Pricing::bundled();
    // The episode budget allows both videos; the day's cap (0.35) allows one video and its keyframe only. Three
    // shot workers run at once: whichever reserves first gets the room, the others degrade to offline stills.
    let cfg = VisualConfig {
        parallel: 3,
        ..Default::default()
    };
    let mut d = stage(&w, &pricing, cfg, Duration::from_secs(60));
    d.caps = vec![studio_store::SpendCap {
        name: "daily cap".into(),
        provider: None,
        since: "2000-01-01T00:00:00".into(),
        limit_usd: 0.35,
        ..Default::default()
    }];
    let (_, plan) = d.storyboard("rom", 1).await.unwrap();
    assert!(
        plan.estimated_usd > 0.35,
        "the plan wants more than the cap: {}",
        plan.estimated_usd
    );
    let r = d.make_visuals("rom", 1).await.unwrap();
    assert!(r.failed.is_empty(), "{:?}", r.failed);
    let spent: f64 = w
        .store
        .usage(None)
        .await
        .unwrap()
        .iter()
        .map(|e| e.actual_usd.unwrap_or(e.estimated_usd))
        .sum();
    assert!(spent <= 0.35 + 1e-9, "the ledger passed the cap: {spent}");
    assert!(submits(&w, KLING) <= 1);
    let media = d.shot_media("rom", 1).await.unwrap();
    assert_eq!(media.len(), 3, "every shot still has a visual");
    assert!(media.iter().filter(|m| m.generator == KLING).count() <= 1);
    assert!(
        media
            .iter()
            .any(|m| m.decision.reason.contains("daily cap")),
        "a shot says it degraded at the cap: {:?}",
        media.iter().map(|m| &m.decision.reason).collect::<Vec<_>>()
    );
    // …and as a value the screens word: the daily cap, on the video route it no longer has, or on its still.
    use studio_pipeline::visuals::{RouteWhy, SpendLimit, StillWhy};
    let capped = |m: &&studio_pipeline::visuals::ShotMedia| {
        m.decision.why
            == Some(RouteWhy::VideoOverLimit {
                limit: SpendLimit::DailyCap,
            })
            || m.decision.still
                == Some(StillWhy::OverLimit {
                    limit: SpendLimit::DailyCap,
                })
    };
    assert!(
        media.iter().any(|m| capped(&m)),
        "{:?}",
        media
            .iter()
            .map(|m| (&m.decision.why, &m.decision.still))
            .collect::<Vec<_>>()
    );
    // A shot that is not a video does not say "video".
    for m in &media {
        if m.generator != KLING {
            assert_ne!(
                m.decision.why,
                Some(RouteWhy::Video),
                "{:?}",
                m.decision.reason
            );
        }
    }
}

fn mean_luma(path: &Path) -> f64 {
    let img = image::open(path).unwrap().to_rgb8();
    let n = (img.width() * img.height()) as f64;
    img.pixels()
        .map(|p| 0.2126 * p[0] as f64 + 0.7152 * p[1] as f64 + 0.0722 * p[2] as f64)
        .sum::<f64>()
        / n
}

#[tokio::test]
async fn offline_stills_differ_follow_the_time_of_day_and_references_are_made_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.db")).await.unwrap();
    let pricing = Pricing::bundled();
    let w = TemplateWriter;
    let sd = ScriptStage {
        writer: &w,
        store: &store,
        pricing: &pricing,
        cfg: CheckConfig::default(),
    };
    let plan = sd
        .plan_series(crate::offline::request(
            studio_domain::Genre::Romance,
            "rom",
            16,
        ))
        .await
        .unwrap()
        .plan;
    store.save_plan(&plan).await.unwrap();
    let mut script: EpisodeScript = sd.write_episode("rom", 1).await.unwrap().script.unwrap();
    for s in &mut script.storyboard {
        s.duration_sec = 0.4;
    }
    store
        .save_script("rom", 1, &serde_json::to_value(&script).unwrap(), None)
        .await
        .unwrap();
    let d = VisualsStage {
        remote: None,
        deadline: Duration::from_secs(1),
        stills: vec![Arc::new(OfflineStills)],
        clips: Arc::new(Ffmpeg),
        store: &store,
        data_dir: dir.path().to_path_buf(),
        pricing: &pricing,
        cfg: VisualConfig::default(),
        caps: vec![],
    };
    let r = d.make_visuals("rom", 1).await.unwrap();
    assert_eq!(r.offline_stills, script.storyboard.len());
    let media = d.shot_media("rom", 1).await.unwrap();
    // No two stills are the same picture.
    let hashes: std::collections::HashSet<String> = media
        .iter()
        .map(|m| studio_pipeline::artifact::sha256_file(&dir.path().join(&m.still_path)).unwrap())
        .collect();
    assert_eq!(hashes.len(), media.len());
    // Night and dawn scenes are darker than day scenes.
    let time_of = |scene: u32| {
        script
            .scenes
            .iter()
            .find(|s| s.number == scene)
            .unwrap()
            .time
            .clone()
    };
    let (mut night, mut day) = (Vec::new(), Vec::new());
    for m in &media {
        let t = time_of(m.decision.scene);
        let l = mean_luma(&dir.path().join(&m.still_path));
        if t == "밤" || t == "새벽" {
            night.push(l)
        } else if t == "낮" || t == "아침" || t == "오후" {
            day.push(l)
        }
    }
    assert!(
        !night.is_empty() && !day.is_empty(),
        "the episode spans day and night"
    );
    let avg = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    assert!(
        avg(&night) < avg(&day),
        "night {} vs day {}",
        avg(&night),
        avg(&day)
    );
    assert!(
        media
            .iter()
            .all(|m| m.offline && m.generator == "offline-procedural"),
        "labelled offline"
    );
    // Stills stay stills (the render moves them), each filling exactly its shot's length.
    assert!(
        media
            .iter()
            .all(|m| m.clip_path.is_empty() && m.drawn_from_still())
    );
    for m in &media {
        assert!(
            (m.duration_sec - m.decision.duration_sec).abs() <= 1.0 / 30.0 + 1e-9,
            "{m:?}"
        );
    }
    // References: one per character, made once.
    let refs = d.ensure_references("rom").await.unwrap();
    assert_eq!(refs.len(), 12);
    let first = std::fs::metadata(dir.path().join(&refs[0].1))
        .unwrap()
        .modified()
        .unwrap();
    let again = d.ensure_references("rom").await.unwrap();
    assert_eq!(again, refs);
    assert_eq!(
        std::fs::metadata(dir.path().join(&refs[0].1))
            .unwrap()
            .modified()
            .unwrap(),
        first,
        "not regenerated"
    );
}

#[tokio::test]
async fn prompts_carry_the_cast_appearance_to_fal() {
    let w = world().await;
    let pricing = Pricing::bundled();
    let d = stage(
        &w,
        &pricing,
        VisualConfig::default(),
        Duration::from_secs(60),
    );
    d.make_visuals("rom", 1).await.unwrap();
    let bodies: Vec<Value> = w
        .server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    let shot_prompts: Vec<&str> = bodies
        .iter()
        .filter_map(|b| b["prompt"].as_str())
        .filter(|p| !p.starts_with("Character reference"))
        .collect();
    assert!(!shot_prompts.is_empty());
    // Shots of people carry their looks; a shot of the place (its passers-by are not the cast) does not; every
    // prompt carries the series look.
    for p in &shot_prompts {
        let place = p.starts_with("Wide establishing shot");
        assert_eq!(p.contains(". Featuring a Korean"), !place, "{p}");
        assert!(p.ends_with("Style: cinematic, photorealistic, professional lighting, natural colour grade, 35mm lens."), "{p}");
    }
    assert!(
        shot_prompts
            .iter()
            .any(|p| p.starts_with("Wide establishing shot"))
    );
    let video: Vec<&Value> = bodies
        .iter()
        .filter(|b| b.get("image_url").is_some())
        .collect();
    assert!(
        video
            .iter()
            .all(|b| b["duration"] == "5" && b["image_url"].as_str().unwrap().contains("/cdn/")),
        "the keyframe's fal URL feeds image-to-video"
    );
}

/// A provider that answers a poll with a rejected key once, then fails to hand over the result once.
struct Flaky {
    submits: AtomicUsize,
    status_calls: AtomicUsize,
    media_calls: AtomicUsize,
}

#[async_trait::async_trait]
impl studio_pipeline::remote::RemoteProvider for Flaky {
    fn name(&self) -> &str {
        "fal"
    }
    fn poll_interval(&self) -> Duration {
        Duration::from_millis(1)
    }
    async fn submit(
        &self,
        _model: &str,
        _input: &Value,
        _tag: &str,
    ) -> Result<studio_pipeline::remote::Ticket, studio_pipeline::remote::RemoteError> {
        self.submits.fetch_add(1, Ordering::SeqCst);
        Ok(studio_pipeline::remote::Ticket {
            request_id: "req-1".into(),
            status_url: "s".into(),
            response_url: "r".into(),
            cancel_url: "c".into(),
            ..Default::default()
        })
    }
    async fn status(
        &self,
        _t: &studio_pipeline::remote::Ticket,
    ) -> Result<studio_pipeline::remote::RemoteStatus, studio_pipeline::remote::RemoteError> {
        if self.status_calls.fetch_add(1, Ordering::SeqCst) == 0 {
            return Err(studio_pipeline::remote::RemoteError::Auth("401".into()));
        }
        Ok(studio_pipeline::remote::RemoteStatus::Completed)
    }
    async fn media_url(
        &self,
        _t: &studio_pipeline::remote::Ticket,
        _model: &str,
    ) -> Result<String, studio_pipeline::remote::RemoteError> {
        if self.media_calls.fetch_add(1, Ordering::SeqCst) == 0 {
            // A rejected key: not asked again within the run (a 429 or a gateway error would be).
            return Err(studio_pipeline::remote::RemoteError::Auth(
                "HTTP 403 fetching a finished result".into(),
            ));
        }
        Ok("https://example.invalid/v.mp4".into())
    }
    async fn download(
        &self,
        _url: &str,
        out: &Path,
    ) -> Result<(), studio_pipeline::remote::RemoteError> {
        std::fs::write(out, b"video").unwrap();
        Ok(())
    }
}

#[tokio::test]
async fn an_accepted_job_the_provider_cannot_answer_for_is_kept_not_failed_or_refunded() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _, _) = crate::offline::store_with_episode(dir.path()).await;
    let p = Flaky {
        submits: AtomicUsize::new(0),
        status_calls: AtomicUsize::new(0),
        media_calls: AtomicUsize::new(0),
    };
    let runner = studio_pipeline::remote::RemoteRunner {
        store: &store,
        provider: &p,
        deadline: Duration::from_secs(60),
        caps: &[],
    };
    let out = dir.path().join("v.mp4");
    let input = json!({});
    let run = || runner.run("rom", 1, "shot:0", "kling", &input, 0.49, &out);

    // 1. A rejected key while polling: the job may still run and bill, so it stays submitted and reserved.
    let e = run().await.unwrap_err().to_string();
    assert!(e.contains("run again"), "{e}");
    let j = store.remote_job("rom", 1, "shot:0").await.unwrap().unwrap();
    assert_eq!(j.state, "submitted");
    assert!((store.episode_spend("rom", 1).await.unwrap() - 0.49).abs() < 1e-9);

    // 2. Completed, but the result link cannot be fetched: it stays completed (billed), nothing refunded.
    let e = run().await.unwrap_err().to_string();
    assert!(e.contains("fetching the result"), "{e}");
    let j = store.remote_job("rom", 1, "shot:0").await.unwrap().unwrap();
    assert_eq!(j.state, "completed");
    assert!((store.episode_spend("rom", 1).await.unwrap() - 0.49).abs() < 1e-9);

    // 3. The next run downloads it; one submit in all, the ledger at the estimate.
    let end = run().await.unwrap();
    assert!(
        matches!(end, studio_pipeline::remote::JobEnd::Done { .. }),
        "{end:?}"
    );
    assert_eq!(p.submits.load(Ordering::SeqCst), 1);
    assert_eq!(std::fs::read(&out).unwrap(), b"video");
    assert!((store.episode_spend("rom", 1).await.unwrap() - 0.49).abs() < 1e-9);
}

/// Two fal keys: the first account runs out of balance (fal's 403 "User is locked"), so it is set aside with that
/// reason and the second key takes the same jobs; every job is polled with the key that took it; each key's spend
/// stays its own in the ledger, and the first key's earlier spend is kept.
#[tokio::test]
async fn a_key_out_of_balance_is_set_aside_and_the_next_key_takes_the_job() {
    use studio_pipeline::remote::{Account, Accounts, JobEnd, RemoteProvider, RemoteRunner};
    let w = world().await;
    let fal = |key: &str| -> Arc<dyn RemoteProvider> { Arc::new(fal_queue(&w, key)) };
    let account = |name: &str, key: &str| Account {
        name: name.into(),
        fingerprint: format!("fp-{key}"),
        provider: fal(key),
    };
    let accounts = || {
        Arc::new(Accounts::new(
            "fal",
            vec![account("fal", "fal-one"), account("fal#2", "fal-two")],
            w.store.clone(),
        ))
    };
    // 1. While the first account can pay, it takes the work.
    let first = accounts();
    let runner = RemoteRunner {
        store: &w.store,
        provider: first.as_ref(),
        deadline: Duration::from_secs(60),
        caps: &[],
    };
    let out = w.data.join("probe.png");
    let end = runner
        .run(
            "rom",
            1,
            "probe:1",
            FLUX,
            &json!({"prompt": "a street"}),
            0.003,
            &out,
        )
        .await
        .unwrap();
    assert!(matches!(end, JobEnd::Done { .. }), "{end:?}");
    assert_eq!(w.store.account_aside("fal").await.unwrap(), None);
    // 2. Its balance runs out: the next submit is refused, the key is set aside, the second key takes the job.
    w.state.lock().unwrap().locked_keys.insert("fal-one".into());
    let pricing = Pricing::bundled();
    let mut d = stage(
        &w,
        &pricing,
        VisualConfig::default(),
        Duration::from_secs(60),
    );
    d.remote = Some(accounts());
    let r = d.make_visuals("rom", 1).await.unwrap();
    assert!(r.failed.is_empty(), "{:?}", r.failed);
    let aside = w
        .store
        .account_aside("fal")
        .await
        .unwrap()
        .expect("the first key is set aside");
    assert!(
        aside.reason.contains("Exhausted balance"),
        "{}",
        aside.reason
    );
    assert_eq!(w.store.account_aside("fal#2").await.unwrap(), None);
    let by_key = w.state.lock().unwrap().submits_by_key.clone();
    assert_eq!(
        by_key.get("fal-one"),
        Some(&2),
        "the probe, then the one refused submit: {by_key:?}"
    );
    assert!(
        by_key.get("fal-two").copied().unwrap_or(0) >= 5,
        "{by_key:?}"
    );
    let job = w
        .store
        .remote_job("rom", 1, "shot:0")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (job.state.as_str(), job.account.as_deref()),
        ("downloaded", Some("fal#2"))
    );
    let probe = w
        .store
        .remote_job("rom", 1, "probe:1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(probe.account.as_deref(), Some("fal"));
    // 3. Each key's spend apart: the first key keeps its probe, the rest is the second's; together the episode.
    let spend = w.store.spend_by_account(None).await.unwrap();
    let of = |a: &str| {
        spend
            .iter()
            .filter(|(p, acct, _)| p == "fal" && acct == a)
            .map(|(_, _, v)| *v)
            .sum::<f64>()
    };
    assert!((of("fal") - 0.003).abs() < 1e-9, "{spend:?}");
    assert!(of("fal#2") > 0.1, "{spend:?}");
    let ledger: f64 = w
        .store
        .usage(Some("rom"))
        .await
        .unwrap()
        .iter()
        .map(|l| l.actual_usd.unwrap_or(l.estimated_usd))
        .sum();
    assert!(
        (of("fal") + of("fal#2") - ledger).abs() < 1e-9,
        "{spend:?} vs {ledger}"
    );
    let episode = w.store.episode_spend("rom", 1).await.unwrap();
    // 4. Later runs go straight to the second key (the first is not asked again) and pay for nothing new.
    let again = d.make_visuals("rom", 1).await.unwrap();
    assert_eq!(again.made_now, 0);
    assert_eq!(
        w.state.lock().unwrap().submits_by_key.get("fal-one"),
        Some(&2)
    );
    // 5. Both keys out: the job is not sent anywhere, costs nothing, says every key is set aside, and is not kept —
    // once a key is in order again (here: the first account topped up and put back), the same job goes out.
    w.state.lock().unwrap().locked_keys.insert("fal-two".into());
    let p2 = w.data.join("p2.png");
    let end = runner
        .run(
            "rom",
            1,
            "probe:2",
            FLUX,
            &json!({"prompt": "a bridge"}),
            0.003,
            &p2,
        )
        .await
        .unwrap();
    assert!(
        matches!(&end, JobEnd::Refused { reason } if reason.contains("every fal key is set aside")),
        "{end:?}"
    );
    assert!((w.store.episode_spend("rom", 1).await.unwrap() - episode).abs() < 1e-9);
    assert_eq!(w.store.remote_job("rom", 1, "probe:2").await.unwrap(), None);
    w.state.lock().unwrap().locked_keys.remove("fal-one");
    assert!(w.store.clear_account_aside("fal").await.unwrap());
    let end = runner
        .run(
            "rom",
            1,
            "probe:2",
            FLUX,
            &json!({"prompt": "a bridge"}),
            0.003,
            &p2,
        )
        .await
        .unwrap();
    assert!(matches!(end, JobEnd::Done { .. }), "{end:?}");
    let probe2 = w
        .store
        .remote_job("rom", 1, "probe:2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(probe2.account.as_deref(), Some("fal"));
    // 6. A set-aside recorded against another key under the same name (one replaced since) does not hold.
    w.store
        .set_account_aside("fal", "an old key's refusal", "fp-an-old-key", 1)
        .await
        .unwrap();
    let end = runner
        .run(
            "rom",
            1,
            "probe:3",
            FLUX,
            &json!({"prompt": "a river"}),
            0.003,
            &w.data.join("p3.png"),
        )
        .await
        .unwrap();
    assert!(matches!(end, JobEnd::Done { .. }), "{end:?}");
    assert_eq!(
        w.store
            .remote_job("rom", 1, "probe:3")
            .await
            .unwrap()
            .unwrap()
            .account
            .as_deref(),
        Some("fal")
    );
}
