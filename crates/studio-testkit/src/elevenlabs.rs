//! ElevenLabs as documented (`shared/reference/providers.md` §3): the voice list, the subscription, and
//! text-to-speech with timestamps — a real WAV whose length follows the text at a speaking rate that differs from
//! line to line (5.5–8.5 characters a second, fixed per text), character alignment, and the billed character count
//! in `x-character-count`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// What was billed: characters per request.
#[derive(Debug, Default, Clone)]
pub struct Billed {
    pub requests: usize,
    pub characters: usize,
}

pub struct ElevenLabsMock {
    pub server: MockServer,
    pub billed: Arc<Mutex<Billed>>,
}

/// A 24 kHz mono 16-bit WAV of `secs` (a quiet tone), as the API's `pcm`/`wav` answers carry.
pub fn wav(secs: f64) -> Vec<u8> {
    let rate = 24_000u32;
    let n = (secs * rate as f64) as usize;
    let mut out = Vec::with_capacity(44 + n * 2);
    let data = (n * 2) as u32;
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data.to_le_bytes());
    for i in 0..n {
        let v = ((i as f64 * 220.0 * std::f64::consts::TAU / rate as f64).sin() * 6000.0) as i16;
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

/// Seconds of speech for `text`: characters at a rate between 5.5 and 8.5 a second chosen by the text's bytes
/// (the same text always takes as long), plus 0.3 s of breath.
pub fn speech_seconds(text: &str) -> f64 {
    let chars = text.chars().count() as f64;
    let h = text
        .bytes()
        .fold(7u32, |a, b| a.wrapping_mul(31).wrapping_add(b as u32));
    let rate = 5.5 + (h % 31) as f64 / 10.0;
    0.3 + chars / rate
}

struct Speak {
    billed: Arc<Mutex<Billed>>,
    n: AtomicUsize,
}

impl Respond for Speak {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let k = self.n.fetch_add(1, Ordering::SeqCst);
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let text = body["text"].as_str().unwrap_or_default().to_string();
        let chars: Vec<String> = text.chars().map(|c| c.to_string()).collect();
        let secs = speech_seconds(&text);
        let n = chars.len().max(1) as f64;
        let starts: Vec<f64> = (0..chars.len())
            .map(|i| 0.15 + i as f64 * (secs - 0.3) / n)
            .collect();
        let ends: Vec<f64> = starts.iter().map(|s| s + (secs - 0.3) / n * 0.9).collect();
        {
            let mut b = self.billed.lock().unwrap();
            b.requests += 1;
            b.characters += chars.len();
        }
        ResponseTemplate::new(200)
            .insert_header("request-id", format!("req-{k}").as_str())
            .insert_header("x-character-count", chars.len().to_string().as_str())
            .set_body_json(json!({
                "audio_base64": base64::engine::general_purpose::STANDARD.encode(wav(secs)),
                "alignment": {"characters": chars, "character_start_times_seconds": starts, "character_end_times_seconds": ends}
            }))
    }
}

/// The voice list `GET /v1/voices` answers: eight premade voices, four male and four female, young to old.
pub fn voices() -> Value {
    let v = |id: &str, name: &str, g: &str, age: &str, desc: &str| json!({"voice_id": id, "name": name, "category": "premade", "labels": {"gender": g, "age": age, "description": desc}});
    json!({ "voices": [
        v("el-m1", "Adam", "male", "young", "warm"), v("el-m2", "Josh", "male", "young", "confident"),
        v("el-m3", "Arnold", "male", "middle aged", "deep"), v("el-m4", "Clyde", "male", "old", "serious"),
        v("el-f1", "Bella", "female", "young", "soft"), v("el-f2", "Elli", "female", "young", "cheerful"),
        v("el-f3", "Grace", "female", "middle aged", "sophisticated"), v("el-f4", "Glinda", "female", "old", "caring")
    ]})
}

impl ElevenLabsMock {
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        let billed: Arc<Mutex<Billed>> = Arc::default();
        Mock::given(method("GET"))
            .and(path("/v1/voices"))
            .respond_with(ResponseTemplate::new(200).set_body_json(voices()))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/v1/user/subscription"))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                json!({"tier": "creator", "character_count": 10_000, "character_limit": 1_000_000}),
            ))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path_regex(r"^/v1/text-to-speech/[^/]+/with-timestamps$"))
            .respond_with(Speak {
                billed: billed.clone(),
                n: AtomicUsize::new(0),
            })
            .mount(&server)
            .await;
        Self { server, billed }
    }
    pub fn uri(&self) -> String {
        self.server.uri()
    }
}
