//! Azure Speech: SSML over the region endpoint, the voice list.

use super::*;

#[derive(Debug, Clone)]
pub struct AzureVoices {
    cfg: ClientConfig,
}

impl AzureVoices {
    /// The same client, waiting for `limits` (the Engine's request rates) before each call.
    pub fn with_limits(mut self, limits: crate::ratelimit::RateLimits) -> Self {
        self.cfg.limits = limits;
        self
    }

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
            message: "no Azure TTS key is stored".into(),
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
