//! Offline voices: espeak-ng's Korean voice with its variants. Robotic, but a real voice for every character, with
//! pitch, speed and amplitude controls, and no network or key.

use async_trait::async_trait;
use studio_domain::{TtsProvider, VoiceInfo};
use studio_pipeline::voice::{Speech, SpeechRequest, VoiceError, VoiceProvider};
use tokio::io::AsyncWriteExt;

/// (variant, name, gender, age group, tones)
const VARIANTS: &[(&str, &str, &str, &str, &[&str])] = &[
    ("m1", "민석", "male", "adult", &["deep", "serious"]),
    ("m2", "준호", "male", "young_adult", &["warm", "confident"]),
    ("m3", "현우", "male", "adult", &["articulate", "calm"]),
    (
        "m4",
        "정훈",
        "male",
        "middle_age",
        &["authoritative", "formal"],
    ),
    ("m5", "도윤", "male", "young", &["youthful", "shy"]),
    ("m6", "태호", "male", "adult", &["calculating", "dry"]),
    (
        "m7",
        "지훈",
        "male",
        "young_adult",
        &["energetic", "casual"],
    ),
    ("m8", "상철", "male", "middle_age", &["gentle", "caring"]),
    ("grandpa", "영감", "male", "senior", &["deep", "formal"]),
    ("edward", "에드", "male", "adult", &["crisp", "blunt"]),
    (
        "f1",
        "수진",
        "female",
        "young_adult",
        &["soft", "thoughtful"],
    ),
    (
        "f2",
        "하늘",
        "female",
        "young_adult",
        &["cheerful", "energetic"],
    ),
    ("f3", "유진", "female", "young", &["bright", "shy"]),
    (
        "f4",
        "소영",
        "female",
        "adult",
        &["sophisticated", "assertive"],
    ),
    ("f5", "미경", "female", "middle_age", &["caring", "gentle"]),
    (
        "linda",
        "린다",
        "female",
        "young_adult",
        &["warm", "playful"],
    ),
    (
        "anika",
        "아니카",
        "female",
        "young",
        &["youthful", "bright"],
    ),
    ("aunty", "이모", "female", "middle_age", &["chatty", "warm"]),
    ("grandma", "할머니", "female", "senior", &["caring", "deep"]),
];

#[derive(Debug, Clone)]
pub struct EspeakVoices {
    binary: String,
    concurrency: usize,
}

impl Default for EspeakVoices {
    fn default() -> Self {
        Self {
            binary: "espeak-ng".into(),
            concurrency: 4,
        }
    }
}

impl EspeakVoices {
    pub fn new(binary: &str) -> Self {
        Self {
            binary: binary.into(),
            ..Default::default()
        }
    }

    /// The espeak arguments for a request: words per minute, pitch 0–99, amplitude.
    pub fn args(req: &SpeechRequest) -> Vec<String> {
        let c = &req.controls;
        let wpm = (165.0 * c.speed).round().clamp(80.0, 450.0) as i64;
        // espeak has no timbre control; brightness shifts the pitch base a little so it still tells voices apart.
        let pitch = (50.0 + c.pitch_st * 4.0 + c.timbre * 20.0)
            .round()
            .clamp(0.0, 99.0) as i64;
        let amplitude = (100.0 * c.volume).round().clamp(10.0, 200.0) as i64;
        vec![
            "-v".into(),
            format!("ko+{}", req.voice.voice_id),
            "-s".into(),
            wpm.to_string(),
            "-p".into(),
            pitch.to_string(),
            "-a".into(),
            amplitude.to_string(),
        ]
    }
}

#[async_trait]
impl VoiceProvider for EspeakVoices {
    fn provider(&self) -> TtsProvider {
        TtsProvider::Espeak
    }
    fn concurrency(&self) -> usize {
        self.concurrency
    }
    async fn voices(&self) -> Result<Vec<VoiceInfo>, VoiceError> {
        Ok(VARIANTS
            .iter()
            .map(|(id, name, g, a, tones)| VoiceInfo {
                provider: TtsProvider::Espeak,
                voice_id: id.to_string(),
                name: name.to_string(),
                gender: g.to_string(),
                age_group: a.to_string(),
                tones: tones.iter().map(|t| t.to_string()).collect(),
                language: "ko-KR".into(),
            })
            .collect())
    }
    async fn synthesize(&self, req: &SpeechRequest) -> Result<Speech, VoiceError> {
        let unavailable = |m: String| VoiceError::Unavailable {
            provider: TtsProvider::Espeak,
            message: m,
        };
        let out = tempfile::Builder::new()
            .suffix(".wav")
            .tempfile()
            .map_err(|e| unavailable(format!("temp file: {e}")))?;
        let mut cmd = tokio::process::Command::new(&self.binary);
        // Text on stdin, so a line that starts with "-" is never read as an option.
        cmd.args(Self::args(req))
            .arg("-w")
            .arg(out.path())
            .arg("--stdin");
        cmd.stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().map_err(|e| {
            unavailable(format!(
                "{} could not start ({e}); install espeak-ng",
                self.binary
            ))
        })?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(req.text.as_bytes())
                .await
                .map_err(|e| unavailable(e.to_string()))?;
        }
        let status = child
            .wait_with_output()
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        if !status.status.success() {
            return Err(VoiceError::Transient {
                provider: TtsProvider::Espeak,
                message: String::from_utf8_lossy(&status.stderr)
                    .chars()
                    .take(200)
                    .collect(),
            });
        }
        let audio = tokio::fs::read(out.path())
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        Ok(Speech {
            audio,
            alignment: None,
            request_id: None,
            billed_characters: 0,
        })
    }
}
