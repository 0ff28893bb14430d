//! Cloud voices: ElevenLabs (with timestamps), Google Cloud Text-to-Speech and Azure Speech, each built from a
//! base URL so tests point them at local mock servers.

use crate::ratelimit::SendAs;
use async_trait::async_trait;
use base64::Engine as _;
use serde_json::{Value, json};
use studio_domain::{TtsProvider, VoiceInfo};
use studio_pipeline::voice::{Alignment, Speech, SpeechRequest, VoiceError, VoiceProvider};

use crate::http::{ClientConfig, RetryPolicy, reset_hint};

fn b64(s: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .ok()
}

/// Sends a request with the client's retry policy: transient, busy and concurrency failures are retried with
/// backoff inside the call; everything else is returned.
async fn send_with_retries<F>(
    cfg: &ClientConfig,
    provider: TtsProvider,
    build: F,
    classify: fn(TtsProvider, u16, &reqwest::header::HeaderMap, &str) -> VoiceError,
) -> Result<(reqwest::header::HeaderMap, Vec<u8>), VoiceError>
where
    F: Fn() -> reqwest::RequestBuilder,
{
    let mut attempt = 0u32;
    loop {
        let err = match build().send_as(&provider.to_string()).await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let headers = resp.headers().clone();
                let body = resp.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
                if (200..300).contains(&status) {
                    return Ok((headers, body));
                }
                classify(provider, status, &headers, &String::from_utf8_lossy(&body))
            }
            Err(e) => VoiceError::Transient {
                provider,
                message: if e.is_timeout() {
                    "timed out".into()
                } else {
                    format!("could not connect to {}", cfg.base_url)
                },
            },
        };
        if err.retryable() && attempt < cfg.policy.max_retries {
            let wait = match &err {
                // Our own concurrency: one of our requests finishes soon; a short fixed wait, no backoff.
                VoiceError::Concurrency { .. } => cfg.policy.base_backoff,
                // The provider is overloaded: its hint, else exponential backoff with jitter.
                VoiceError::Busy {
                    retry_after: Some(d),
                    ..
                } if *d <= cfg.policy.max_wait => *d,
                _ => cfg.policy.backoff(attempt),
            };
            tokio::time::sleep(wait).await;
            attempt += 1;
            continue;
        }
        return Err(err);
    }
}

fn message_of(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    v.pointer("/detail/message")
        .or_else(|| v.pointer("/error/message"))
        .or_else(|| v.get("message"))
        .and_then(|m| m.as_str())
        .map(|s| s.to_string())
        .unwrap_or_else(|| body.chars().take(200).collect())
}

fn generic(
    provider: TtsProvider,
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: &str,
) -> VoiceError {
    let message = message_of(body);
    match status {
        401 | 403 => VoiceError::Auth { provider, message },
        402 => VoiceError::QuotaExhausted { provider, message },
        429 => VoiceError::Busy {
            provider,
            retry_after: reset_hint(headers),
        },
        408 | 500..=599 => VoiceError::Transient {
            provider,
            message: format!("HTTP {status}: {message}"),
        },
        _ => VoiceError::BadRequest {
            provider,
            message: format!("HTTP {status}: {message}"),
        },
    }
}

// ------------------------------------------------------------------------------------------------ ElevenLabs --

#[derive(Debug, Clone)]
pub struct ElevenLabsVoices {
    cfg: ClientConfig,
    concurrency: usize,
    output_format: String,
}

impl ElevenLabsVoices {
    /// `model` is the model id (`eleven_multilingual_v2`); `concurrency` is the plan's (Free 2 … Pro 10).
    pub fn new(base_url: &str, api_key: Option<String>, model: &str, concurrency: usize) -> Self {
        Self {
            cfg: ClientConfig::new(base_url, api_key, model),
            concurrency: concurrency.max(1),
            output_format: "mp3_44100_128".into(),
        }
    }
    pub fn with_policy(mut self, p: RetryPolicy) -> Self {
        self.cfg.set_policy(p);
        self
    }
    fn key(&self) -> Result<&str, VoiceError> {
        self.cfg.api_key.as_deref().ok_or_else(|| VoiceError::Auth {
            provider: TtsProvider::Elevenlabs,
            message: "no API key — `aidas secrets set elevenlabs`".into(),
        })
    }

    /// The request body, public for tests and docs.
    pub fn body(&self, req: &SpeechRequest) -> Value {
        let c = &req.controls;
        let ids: Vec<&String> = req
            .previous_request_ids
            .iter()
            .rev()
            .take(3)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        json!({
            "text": req.text,
            "model_id": self.cfg.model,
            "voice_settings": {
                // More emotion: less stability, more style. Speed within the documented-safe 0.7–1.2.
                "stability": (0.75 - 0.5 * c.emotion_strength).clamp(0.2, 0.9),
                "similarity_boost": 0.8,
                "style": (0.8 * c.emotion_strength).clamp(0.0, 1.0),
                "use_speaker_boost": true,
                "speed": c.speed.clamp(0.7, 1.2)
            },
            "previous_request_ids": ids
        })
    }
}

fn elevenlabs_error(
    provider: TtsProvider,
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: &str,
) -> VoiceError {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let detail = v
        .pointer("/detail/status")
        .and_then(|s| s.as_str())
        .unwrap_or("");
    match (status, detail) {
        // Our concurrency exceeded the plan's: retry as soon as one of ours finishes.
        (429, "too_many_concurrent_requests") => VoiceError::Concurrency { provider },
        // ElevenLabs itself is overloaded: back off.
        (429, "system_busy") => VoiceError::Busy {
            provider,
            retry_after: reset_hint(headers),
        },
        (_, "quota_exceeded") | (_, "insufficient_credits") => VoiceError::QuotaExhausted {
            provider,
            message: message_of(body),
        },
        _ => generic(provider, status, headers, body),
    }
}

#[async_trait]
impl VoiceProvider for ElevenLabsVoices {
    fn provider(&self) -> TtsProvider {
        TtsProvider::Elevenlabs
    }
    fn concurrency(&self) -> usize {
        self.concurrency
    }
    async fn voices(&self) -> Result<Vec<VoiceInfo>, VoiceError> {
        let key = self.key()?.to_string();
        let url = format!("{}/v1/voices", self.cfg.base_url);
        let (_, body) = send_with_retries(
            &self.cfg,
            TtsProvider::Elevenlabs,
            || self.cfg.client.get(&url).header("xi-api-key", &key),
            elevenlabs_error,
        )
        .await?;
        let v: Value = serde_json::from_slice(&body).map_err(|e| VoiceError::Transient {
            provider: TtsProvider::Elevenlabs,
            message: format!("voices: {e}"),
        })?;
        Ok(v.get("voices")
            .and_then(|x| x.as_array())
            .map(|list| {
                list.iter()
                    .filter_map(|x| {
                        let id = x.get("voice_id")?.as_str()?.to_string();
                        let label = |k: &str| {
                            x.pointer(&format!("/labels/{k}"))
                                .and_then(|l| l.as_str())
                                .unwrap_or("")
                                .to_lowercase()
                        };
                        let age = match label("age").replace(' ', "_").as_str() {
                            "young" => "young_adult",
                            "middle_aged" | "middle_age" => "middle_age",
                            "old" | "senior" => "senior",
                            _ => "adult",
                        }
                        .to_string();
                        let tones = ["description", "use_case", "descriptive"]
                            .iter()
                            .map(|k| label(k))
                            .filter(|t| !t.is_empty())
                            .collect();
                        Some(VoiceInfo {
                            provider: TtsProvider::Elevenlabs,
                            name: x
                                .get("name")
                                .and_then(|n| n.as_str())
                                .unwrap_or(&id)
                                .to_string(),
                            voice_id: id,
                            gender: label("gender"),
                            age_group: age,
                            tones,
                            language: "multilingual".into(),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default())
    }
    async fn synthesize(&self, req: &SpeechRequest) -> Result<Speech, VoiceError> {
        let key = self.key()?.to_string();
        let url = format!(
            "{}/v1/text-to-speech/{}/with-timestamps?output_format={}",
            self.cfg.base_url, req.voice.voice_id, self.output_format
        );
        let body = self.body(req);
        let (headers, bytes) = send_with_retries(
            &self.cfg,
            TtsProvider::Elevenlabs,
            || {
                self.cfg
                    .client
                    .post(&url)
                    .header("xi-api-key", &key)
                    .json(&body)
            },
            elevenlabs_error,
        )
        .await?;
        let v: Value = serde_json::from_slice(&bytes).map_err(|e| VoiceError::Transient {
            provider: TtsProvider::Elevenlabs,
            message: format!("unreadable response: {e}"),
        })?;
        let audio = v
            .get("audio_base64")
            .and_then(|a| a.as_str())
            .and_then(b64)
            .ok_or_else(|| VoiceError::Transient {
                provider: TtsProvider::Elevenlabs,
                message: "the response had no audio".into(),
            })?;
        let alignment = v.get("alignment").and_then(|a| {
            let chars: Vec<String> = a
                .get("characters")?
                .as_array()?
                .iter()
                .filter_map(|c| c.as_str().map(|s| s.to_string()))
                .collect();
            let nums = |k: &str| -> Option<Vec<f64>> {
                a.get(k)?.as_array()?.iter().map(|x| x.as_f64()).collect()
            };
            let starts = nums("character_start_times_seconds")?;
            let ends = nums("character_end_times_seconds")?;
            (chars.len() == starts.len() && chars.len() == ends.len()).then_some(Alignment {
                characters: chars,
                starts,
                ends,
            })
        });
        let header = |k: &str| {
            headers
                .get(k)
                .and_then(|h| h.to_str().ok())
                .map(|s| s.to_string())
        };
        Ok(Speech {
            audio,
            alignment,
            request_id: header("request-id"),
            billed_characters: header("x-character-count")
                .and_then(|c| c.parse().ok())
                .unwrap_or(req.text.chars().count() as u64),
        })
    }
    async fn remaining_characters(&self) -> Result<Option<u64>, VoiceError> {
        let key = self.key()?.to_string();
        let url = format!("{}/v1/user/subscription", self.cfg.base_url);
        let (_, body) = send_with_retries(
            &self.cfg,
            TtsProvider::Elevenlabs,
            || self.cfg.client.get(&url).header("xi-api-key", &key),
            elevenlabs_error,
        )
        .await?;
        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let used = v
            .get("character_count")
            .and_then(|x| x.as_u64())
            .unwrap_or(0);
        let limit = v
            .get("character_limit")
            .and_then(|x| x.as_u64())
            .unwrap_or(0);
        Ok(Some(limit.saturating_sub(used)))
    }
}

// ------------------------------------------------------------------------------------------------ Google -----

#[derive(Debug, Clone)]
pub struct GoogleVoices {
    cfg: ClientConfig,
}

pub fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

impl GoogleVoices {
    /// `base_url` ends before `/text:synthesize` (`https://texttospeech.googleapis.com/v1`).
    pub fn new(base_url: &str, api_key: Option<String>) -> Self {
        Self {
            cfg: ClientConfig::new(base_url, api_key, "ko-KR"),
        }
    }
    pub fn with_policy(mut self, p: RetryPolicy) -> Self {
        self.cfg.set_policy(p);
        self
    }
    fn key(&self) -> Result<&str, VoiceError> {
        self.cfg.api_key.as_deref().ok_or_else(|| VoiceError::Auth {
            provider: TtsProvider::Google,
            message: "no API key — `aidas secrets set google_tts`".into(),
        })
    }
    pub fn body(&self, req: &SpeechRequest) -> Value {
        let c = &req.controls;
        json!({
            "input": { "ssml": format!("<speak>{}</speak>", xml_escape(&req.text)) },
            "voice": { "languageCode": "ko-KR", "name": req.voice.voice_id },
            "audioConfig": {
                "audioEncoding": "LINEAR16",
                "speakingRate": c.speed.clamp(0.25, 4.0),
                "pitch": c.pitch_st.clamp(-20.0, 20.0),
                "volumeGainDb": (20.0 * c.volume.log10()).clamp(-96.0, 16.0),
                "sampleRateHertz": 48000
            }
        })
    }
}

#[async_trait]
impl VoiceProvider for GoogleVoices {
    fn provider(&self) -> TtsProvider {
        TtsProvider::Google
    }
    fn concurrency(&self) -> usize {
        4
    }
    async fn voices(&self) -> Result<Vec<VoiceInfo>, VoiceError> {
        let key = self.key()?.to_string();
        let url = format!("{}/voices?languageCode=ko-KR", self.cfg.base_url);
        let (_, body) = send_with_retries(
            &self.cfg,
            TtsProvider::Google,
            || self.cfg.client.get(&url).header("X-Goog-Api-Key", &key),
            generic,
        )
        .await?;
        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        Ok(v.get("voices")
            .and_then(|x| x.as_array())
            .map(|list| {
                list.iter()
                    .filter_map(|x| {
                        let name = x.get("name")?.as_str()?.to_string();
                        let ko = x
                            .get("languageCodes")?
                            .as_array()?
                            .iter()
                            .any(|l| l.as_str() == Some("ko-KR"));
                        ko.then(|| VoiceInfo {
                            provider: TtsProvider::Google,
                            voice_id: name.clone(),
                            gender: x
                                .get("ssmlGender")
                                .and_then(|g| g.as_str())
                                .unwrap_or("")
                                .to_lowercase(),
                            age_group: String::new(),
                            tones: name
                                .split('-')
                                .nth(2)
                                .map(|t| vec![t.to_lowercase()])
                                .unwrap_or_default(),
                            name,
                            language: "ko-KR".into(),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default())
    }
    async fn synthesize(&self, req: &SpeechRequest) -> Result<Speech, VoiceError> {
        let key = self.key()?.to_string();
        let url = format!("{}/text:synthesize", self.cfg.base_url);
        let body = self.body(req);
        let (_, bytes) = send_with_retries(
            &self.cfg,
            TtsProvider::Google,
            || {
                self.cfg
                    .client
                    .post(&url)
                    .header("X-Goog-Api-Key", &key)
                    .json(&body)
            },
            generic,
        )
        .await?;
        let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let audio = v
            .get("audioContent")
            .and_then(|a| a.as_str())
            .and_then(b64)
            .ok_or_else(|| VoiceError::Transient {
                provider: TtsProvider::Google,
                message: "the response had no audioContent".into(),
            })?;
        Ok(Speech {
            audio,
            alignment: None,
            request_id: None,
            billed_characters: req.text.chars().count() as u64,
        })
    }
}

// ------------------------------------------------------------------------------------------------- Azure -----

#[derive(Debug, Clone)]
pub struct AzureVoices {
    cfg: ClientConfig,
}

impl AzureVoices {
    /// `base_url` is the region's TTS host (`https://koreacentral.tts.speech.microsoft.com`).
    pub fn new(base_url: &str, api_key: Option<String>) -> Self {
        Self {
            cfg: ClientConfig::new(base_url, api_key, "ko-KR"),
        }
    }
    pub fn with_policy(mut self, p: RetryPolicy) -> Self {
        self.cfg.set_policy(p);
        self
    }
    fn key(&self) -> Result<&str, VoiceError> {
        self.cfg.api_key.as_deref().ok_or_else(|| VoiceError::Auth {
            provider: TtsProvider::Azure,
            message: "no API key — `aidas secrets set azure_tts`".into(),
        })
    }
    /// SSML with prosody for the line's controls.
    pub fn ssml(req: &SpeechRequest) -> String {
        let c = &req.controls;
        let rate = ((c.speed - 1.0) * 100.0).round() as i64;
        let vol = ((c.volume - 1.0) * 100.0).round() as i64;
        format!(
            "<speak version='1.0' xmlns='http://www.w3.org/2001/10/synthesis' xml:lang='ko-KR'><voice name='{}'><prosody rate='{:+}%' pitch='{:+.1}st' volume='{:+}%'>{}</prosody></voice></speak>",
            xml_escape(&req.voice.voice_id),
            rate,
            c.pitch_st,
            vol,
            xml_escape(&req.text)
        )
    }
}

#[async_trait]
impl VoiceProvider for AzureVoices {
    fn provider(&self) -> TtsProvider {
        TtsProvider::Azure
    }
    fn concurrency(&self) -> usize {
        4
    }
    async fn voices(&self) -> Result<Vec<VoiceInfo>, VoiceError> {
        let key = self.key()?.to_string();
        let url = format!("{}/cognitiveservices/voices/list", self.cfg.base_url);
        let (_, body) = send_with_retries(
            &self.cfg,
            TtsProvider::Azure,
            || {
                self.cfg
                    .client
                    .get(&url)
                    .header("Ocp-Apim-Subscription-Key", &key)
            },
            generic,
        )
        .await?;
        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        Ok(v.as_array()
            .map(|list| {
                list.iter()
                    .filter(|x| x.get("Locale").and_then(|l| l.as_str()) == Some("ko-KR"))
                    .filter_map(|x| {
                        let short = x.get("ShortName")?.as_str()?.to_string();
                        Some(VoiceInfo {
                            provider: TtsProvider::Azure,
                            name: x
                                .get("LocalName")
                                .or_else(|| x.get("DisplayName"))
                                .and_then(|n| n.as_str())
                                .unwrap_or(&short)
                                .to_string(),
                            voice_id: short,
                            gender: x
                                .get("Gender")
                                .and_then(|g| g.as_str())
                                .unwrap_or("")
                                .to_lowercase(),
                            age_group: String::new(),
                            tones: x
                                .get("StyleList")
                                .and_then(|s| s.as_array())
                                .map(|s| {
                                    s.iter()
                                        .filter_map(|t| t.as_str().map(|t| t.to_string()))
                                        .collect()
                                })
                                .unwrap_or_default(),
                            language: "ko-KR".into(),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default())
    }
    async fn synthesize(&self, req: &SpeechRequest) -> Result<Speech, VoiceError> {
        let key = self.key()?.to_string();
        let url = format!("{}/cognitiveservices/v1", self.cfg.base_url);
        let ssml = Self::ssml(req);
        let (_, audio) = send_with_retries(
            &self.cfg,
            TtsProvider::Azure,
            || {
                self.cfg
                    .client
                    .post(&url)
                    .header("Ocp-Apim-Subscription-Key", &key)
                    .header("Content-Type", "application/ssml+xml")
                    .header("X-Microsoft-OutputFormat", "riff-48khz-16bit-mono-pcm")
                    .header("User-Agent", "aidas-studio")
                    .body(ssml.clone())
            },
            generic,
        )
        .await?;
        Ok(Speech {
            audio,
            alignment: None,
            request_id: None,
            billed_characters: req.text.chars().count() as u64,
        })
    }
}
