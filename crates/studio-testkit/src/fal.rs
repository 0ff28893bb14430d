//! fal's queue as documented: submit (POST → request_id + status/response/cancel URLs) → status 202 IN_QUEUE →
//! 202 IN_PROGRESS → 200 COMPLETED → the result (video or images) → the CDN file. Every submit is counted per model
//! and `X-Fal-Tags` value, so tests can prove a paid job went out exactly once; every submit's input is kept, so
//! tests can read what a model was sent. fal's storage is here too (an upload token, then the file), with every
//! upload kept; a model can be told to refuse its input (422, as fal answers a validation error).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Submits per "model-path tag".
pub type Submits = Arc<Mutex<HashMap<String, usize>>>;

/// Pairs of (model path or part of one, something for it), shared with the handler.
pub type PerModel<T> = Arc<Mutex<Vec<(String, T)>>>;

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
    /// Every submit: the model path and its JSON input, in order.
    pub inputs: PerModel<serde_json::Value>,
    /// Every upload: the file name sent (`X-Fal-File-Name`), its bytes' length and the URL answered.
    pub uploads: Arc<Mutex<Vec<(String, usize, String)>>>,
    /// Model paths (or parts of them) whose submits are refused with 422.
    pub refuse: Arc<Mutex<Vec<String>>>,
    /// Model paths (or parts of them) whose image results are these bytes instead of the default PNG.
    pub images: PerModel<Vec<u8>>,
    /// While true, every upload answers 503 (the storage is down).
    pub storage_down: Arc<AtomicBool>,
}

struct Handler {
    uri: String,
    timing: FalTiming,
    submits: Submits,
    inputs: PerModel<serde_json::Value>,
    uploads: Arc<Mutex<Vec<(String, usize, String)>>>,
    refuse: Arc<Mutex<Vec<String>>>,
    images: PerModel<Vec<u8>>,
    storage_down: Arc<AtomicBool>,
    /// The model path of each request id.
    models: Mutex<HashMap<String, String>>,
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
        let inputs: PerModel<serde_json::Value> = Arc::default();
        let uploads: Arc<Mutex<Vec<(String, usize, String)>>> = Arc::default();
        let refuse: Arc<Mutex<Vec<String>>> = Arc::default();
        let images: PerModel<Vec<u8>> = Arc::default();
        let storage_down: Arc<AtomicBool> = Arc::default();
        Mock::given(wiremock::matchers::any())
            .respond_with(Handler {
                uri: server.uri(),
                timing,
                submits: submits.clone(),
                inputs: inputs.clone(),
                uploads: uploads.clone(),
                refuse: refuse.clone(),
                images: images.clone(),
                storage_down: storage_down.clone(),
                models: Mutex::default(),
                polls: Mutex::default(),
                started: Mutex::default(),
                counter: AtomicUsize::new(0),
                png,
                mp4,
            })
            .mount(&server)
            .await;
        Self {
            server,
            submits,
            inputs,
            uploads,
            refuse,
            images,
            storage_down,
        }
    }
    /// The inputs sent to models whose path contains `model`, in order.
    pub fn inputs_for(&self, model: &str) -> Vec<serde_json::Value> {
        self.inputs
            .lock()
            .unwrap()
            .iter()
            .filter(|(m, _)| m.contains(model))
            .map(|(_, v)| v.clone())
            .collect()
    }
    /// The uploads so far: (file name, bytes, URL).
    pub fn uploads(&self) -> Vec<(String, usize, String)> {
        self.uploads.lock().unwrap().clone()
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
        // fal's storage: a token, then the file (providers reference §1.6).
        if req.method.as_str() == "POST" && path == "storage/auth/token" {
            return ResponseTemplate::new(200).set_body_json(json!({
                "token": "upload-token", "token_type": "Bearer", "base_url": self.uri,
                "expires_at": "2099-01-01T00:00:00Z"
            }));
        }
        if req.method.as_str() == "POST" && path == "files/upload" {
            if self.storage_down.load(Ordering::SeqCst) {
                return ResponseTemplate::new(503)
                    .set_body_json(json!({"detail": "storage unavailable"}));
            }
            if req
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                != Some("Bearer upload-token")
            {
                return ResponseTemplate::new(401).set_body_json(json!({"detail": "bad token"}));
            }
            let name = req
                .headers
                .get("x-fal-file-name")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("file")
                .to_string();
            let mut up = self.uploads.lock().unwrap();
            let url = format!("{}/cdn/upload-{}-{name}", self.uri, up.len());
            up.push((name, req.body.len(), url.clone()));
            return ResponseTemplate::new(200).set_body_json(json!({ "access_url": url }));
        }
        if req.method.as_str() == "POST" {
            let input: serde_json::Value =
                serde_json::from_slice(&req.body).unwrap_or(serde_json::Value::Null);
            self.inputs.lock().unwrap().push((path.clone(), input));
            if self
                .refuse
                .lock()
                .unwrap()
                .iter()
                .any(|m| path.contains(m.as_str()))
            {
                return ResponseTemplate::new(422).set_body_json(json!({"detail": [
                    {"loc": ["body", "image_urls"], "msg": "could not load an image", "type": "image_load_error"}
                ]}));
            }
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
            self.models.lock().unwrap().insert(id.clone(), path.clone());
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
            if path.ends_with(".mp4") {
                return ResponseTemplate::new(200).set_body_bytes(self.mp4.clone());
            }
            // An image result of a model with its own picture, else the default (uploads come back as the PNG too).
            let id = path
                .trim_start_matches("cdn/")
                .trim_end_matches(".png")
                .to_string();
            let model = self.models.lock().unwrap().get(&id).cloned();
            let own = model.and_then(|m| {
                self.images
                    .lock()
                    .unwrap()
                    .iter()
                    .find(|(part, _)| m.contains(part.as_str()))
                    .map(|(_, b)| b.clone())
            });
            return ResponseTemplate::new(200)
                .set_body_bytes(own.unwrap_or_else(|| self.png.clone()));
        }
        if id.starts_with("vid") {
            ResponseTemplate::new(200)
                .set_body_json(json!({"video": {"url": format!("{}/cdn/{id}.mp4", self.uri)}}))
        } else {
            ResponseTemplate::new(200).set_body_json(json!({"images": [{"url": format!("{}/cdn/{id}.png", self.uri), "width": 1920, "height": 1080}], "seed": 1}))
        }
    }
}
