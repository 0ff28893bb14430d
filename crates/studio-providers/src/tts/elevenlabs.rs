//! ElevenLabs: speech with character timestamps (`/v1/text-to-speech/{voice}/with-timestamps`), the voice list, the plan's concurrency.

use super::*;

#[derive(Debug, Clone)]
pub struct ElevenLabsVoices {
    cfg: ClientConfig,
    concurrency: usize,
    output_format: String,
}

impl ElevenLabsVoices {
    /// The same client, waiting for `limits` (the Engine's request rates) before each call.
    pub fn with_limits(mut self, limits: crate::ratelimit::RateLimits) -> Self {
        self.cfg.limits = limits;
        self
    }

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
            message: "no ElevenLabs key is stored".into(),
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
