//! HeyGen as documented (`shared/reference/providers.md` §4): the avatar list, the remaining quota, an audio asset
//! upload, video generation from that asset, status polling (waiting → processing → completed) and the finished
//! video on a CDN. Every generated video is billed like HeyGen's API plan: one credit per started 30 seconds of its
//! audio (at least one).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// What HeyGen billed.
#[derive(Debug, Default, Clone)]
pub struct HeyGenBill {
    /// Credits: Σ ceil(seconds of each video's audio ÷ 30), at least 1 each.
    pub credits: u64,
    pub videos: usize,
    /// Seconds of audio per generated video.
    pub seconds: Vec<f64>,
}

pub struct HeyGenMock {
    pub server: MockServer,
    pub bill: Arc<Mutex<HeyGenBill>>,
}

struct Handler {
    uri: String,
    bill: Arc<Mutex<HeyGenBill>>,
    assets: Mutex<HashMap<String, f64>>,
    polls: Mutex<HashMap<String, usize>>,
    n: AtomicUsize,
}

/// Seconds of a PCM WAV from its header's byte rate and the data that follows (44-byte canonical header).
fn wav_seconds(bytes: &[u8]) -> f64 {
    if bytes.len() < 44 || &bytes[0..4] != b"RIFF" {
        return 0.0;
    }
    let byte_rate = u32::from_le_bytes([bytes[28], bytes[29], bytes[30], bytes[31]]) as f64;
    if byte_rate <= 0.0 {
        return 0.0;
    }
    (bytes.len() - 44) as f64 / byte_rate
}

impl Respond for Handler {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let p = req.url.path().to_string();
        match (req.method.as_str(), p.as_str()) {
            ("GET", "/v2/avatars") => ResponseTemplate::new(200).set_body_json(
                json!({"error": null, "data": {"avatars": [
                    {"avatar_id": "av-m1", "avatar_name": "Daniel", "gender": "male"},
                    {"avatar_id": "av-f1", "avatar_name": "Anna", "gender": "female"},
                    {"avatar_id": "av-m2", "avatar_name": "Tyler", "gender": "male"},
                    {"avatar_id": "av-f2", "avatar_name": "Lina", "gender": "female"}
                ]}}),
            ),
            ("GET", "/v2/user/remaining_quota") => ResponseTemplate::new(200)
                .set_body_json(json!({"error": null, "data": {"remaining_quota": 5400}})),
            ("POST", "/v1/asset") => {
                let id = format!("asset-{}", self.n.fetch_add(1, Ordering::SeqCst));
                self.assets
                    .lock()
                    .unwrap()
                    .insert(id.clone(), wav_seconds(&req.body));
                ResponseTemplate::new(200).set_body_json(
                    json!({"code": 100, "data": {"id": id, "file_type": "audio", "url": "https://x"}}),
                )
            }
            ("POST", "/v2/video/generate") => {
                let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
                let asset = body["video_inputs"][0]["voice"]["audio_asset_id"]
                    .as_str()
                    .unwrap_or_default();
                let seconds = self
                    .assets
                    .lock()
                    .unwrap()
                    .get(asset)
                    .copied()
                    .unwrap_or(0.0);
                {
                    let mut b = self.bill.lock().unwrap();
                    b.credits += (seconds / 30.0).ceil().max(1.0) as u64;
                    b.videos += 1;
                    b.seconds.push(seconds);
                }
                let id = format!("v-{}", self.n.fetch_add(1, Ordering::SeqCst));
                ResponseTemplate::new(200)
                    .set_body_json(json!({"error": null, "data": {"video_id": id}}))
            }
            ("GET", "/v1/video_status.get") => {
                let id = req
                    .url
                    .query_pairs()
                    .find(|(k, _)| k == "video_id")
                    .map(|(_, v)| v.to_string())
                    .unwrap_or_default();
                let n = {
                    let mut polls = self.polls.lock().unwrap();
                    let c = polls.entry(id.clone()).or_default();
                    *c += 1;
                    *c
                };
                let status = match n {
                    1 => "waiting",
                    2 => "processing",
                    _ => "completed",
                };
                ResponseTemplate::new(200).set_body_json(json!({"code": 100, "message": "Success", "data": {
                    "id": id, "status": status,
                    "video_url": if status == "completed" { json!(format!("{}/cdn/{id}.mp4", self.uri)) } else { Value::Null },
                    "error": null}}))
            }
            ("GET", c) if c.starts_with("/cdn/") => ResponseTemplate::new(200)
                .set_body_bytes(b"\x00\x00\x00\x18ftypmp42 avatar video".to_vec()),
            _ => ResponseTemplate::new(404),
        }
    }
}

impl HeyGenMock {
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        let bill: Arc<Mutex<HeyGenBill>> = Arc::default();
        Mock::given(wiremock::matchers::any())
            .respond_with(Handler {
                uri: server.uri(),
                bill: bill.clone(),
                assets: Mutex::default(),
                polls: Mutex::default(),
                n: AtomicUsize::new(0),
            })
            .mount(&server)
            .await;
        Self { server, bill }
    }
    pub fn uri(&self) -> String {
        self.server.uri()
    }
}
