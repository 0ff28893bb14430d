//! Google Cloud Text-to-Speech: SSML with marks for timings, the voice list.

use super::*;

#[derive(Debug, Clone)]
pub struct GoogleVoices {
    cfg: ClientConfig,
}

impl GoogleVoices {
    /// The same client, waiting for `limits` (the Engine's request rates) before each call.
    pub fn with_limits(mut self, limits: crate::ratelimit::RateLimits) -> Self {
        self.cfg.limits = limits;
        self
    }

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
            message: "no Google TTS key is stored".into(),
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
