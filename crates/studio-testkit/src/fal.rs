//! fal's queue as documented: submit (POST → request_id + status/response/cancel URLs) → status 202 IN_QUEUE →
//! 202 IN_PROGRESS → 200 COMPLETED → the result (video or images) → the CDN file. Every submit is counted per model
//! and `X-Fal-Tags` value, so tests can prove a paid job went out exactly once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Submits per "model-path tag".
pub type Submits = Arc<Mutex<HashMap<String, usize>>>;

/// How long a job takes.
#[derive(Debug, Clone, Copy)]
pub enum FalTiming {
    /// Done after a few polls: IN_QUEUE once, IN_PROGRESS twice, then COMPLETED.
    Polls,
    /// The real shape (Kling video 100–280 s, FLUX stills 2–6 s, spread deterministically), divided by `scale`.
    RealShape { scale: f64 },
}

pub struct FalMock {
    pub server: MockServer,
    pub submits: Submits,
}

struct Handler {
    uri: String,
    timing: FalTiming,
    submits: Submits,
    polls: Mutex<HashMap<String, usize>>,
    started: Mutex<HashMap<String, (Instant, Duration)>>,
    counter: AtomicUsize,
    png: Vec<u8>,
    mp4: Vec<u8>,
}

impl FalMock {
    /// `png` and `mp4` are what the CDN serves for stills and videos.
    pub async fn start(png: Vec<u8>, mp4: Vec<u8>, timing: FalTiming) -> Self {
        let server = MockServer::start().await;
        let submits: Submits = Arc::default();
        Mock::given(wiremock::matchers::any())
            .respond_with(Handler {
                uri: server.uri(),
                timing,
                submits: submits.clone(),
                polls: Mutex::default(),
                started: Mutex::default(),
                counter: AtomicUsize::new(0),
                png,
                mp4,
            })
            .mount(&server)
            .await;
        Self { server, submits }
    }
    pub fn uri(&self) -> String {
        self.server.uri()
    }
    pub fn submits(&self) -> HashMap<String, usize> {
        self.submits.lock().unwrap().clone()
    }
}

impl Respond for Handler {
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
            let n = self.counter.fetch_add(1, Ordering::SeqCst);
            let video = path.contains("kling");
            let id = format!("{}-{n}", if video { "vid" } else { "img" });
            if let FalTiming::RealShape { scale } = self.timing {
                let real = if video {
                    100.0 + (n * 37 % 180) as f64
                } else {
                    2.0 + (n * 7 % 4) as f64
                };
                self.started.lock().unwrap().insert(
                    id.clone(),
                    (Instant::now(), Duration::from_secs_f64(real / scale)),
                );
            }
            let app: String = path.split('/').take(2).collect::<Vec<_>>().join("/");
            let base = format!("{}/{app}/requests/{id}", self.uri);
            return ResponseTemplate::new(200).set_body_json(json!({
                "request_id": id, "status_url": format!("{base}/status"), "response_url": base,
                "cancel_url": format!("{base}/cancel"), "queue_position": 0
            }));
        }
        let id = path.split('/').nth(3).unwrap_or("").to_string();
        if path.ends_with("/status") {
            let state = match self.timing {
                FalTiming::Polls => {
                    let mut p = self.polls.lock().unwrap();
                    let c = p.entry(id.clone()).or_default();
                    *c += 1;
                    match *c {
                        1 => "IN_QUEUE",
                        2 | 3 => "IN_PROGRESS",
                        _ => "COMPLETED",
                    }
                }
                FalTiming::RealShape { .. } => {
                    let done = self
                        .started
                        .lock()
                        .unwrap()
                        .get(&id)
                        .is_some_and(|(t, d)| t.elapsed() >= *d);
                    if done { "COMPLETED" } else { "IN_PROGRESS" }
                }
            };
            return match state {
                "COMPLETED" => {
                    ResponseTemplate::new(200).set_body_json(json!({"status": "COMPLETED"}))
                }
                "IN_QUEUE" => ResponseTemplate::new(202)
                    .set_body_json(json!({"status": "IN_QUEUE", "queue_position": 1})),
                _ => ResponseTemplate::new(202)
                    .set_body_json(json!({"status": "IN_PROGRESS", "logs": []})),
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
