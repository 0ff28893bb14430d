//! Casting and voicing: distinct and stable voices for the sample cast, espeak output measured, mock ElevenLabs /
//! Google / Azure servers (voices, with-timestamps, subscription, both 429 kinds, 5xx), and an outage that moves
//! characters to their persisted fallbacks — the same ones in the next episode.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};
use studio_domain::{CastEntry, Character, EpisodeScript, SeriesPlan, TtsProvider, VoiceInfo};
use studio_pipeline::voice::{VoiceProvider, cast_series};
use studio_pipeline::voicing::{AudioMeasure, AudioNormalizer, VoiceStage};
use studio_pipeline::{CheckConfig, Pricing, ScriptStage};
use studio_providers::{
    AzureVoices, ElevenLabsVoices, EspeakVoices, GoogleVoices, RetryPolicy, TemplateWriter,
};
use studio_store::Store;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The engine's audio tools, re-implemented here over the render crate so the providers' tests need no engine.
pub struct Ffmpeg;
impl studio_pipeline::avatars::AudioJoin for Ffmpeg {
    fn join(
        &self,
        parts: &[std::path::PathBuf],
        gap_sec: f64,
        dst: &Path,
    ) -> Result<Vec<(f64, f64)>, String> {
        let parts: Vec<&Path> = parts.iter().map(|p| p.as_path()).collect();
        studio_render::audio::join_wav48k(&parts, gap_sec, dst).map_err(|e| e.to_string())
    }
}

impl AudioNormalizer for Ffmpeg {
    fn normalize(&self, src: &Path, dst: &Path) -> Result<AudioMeasure, String> {
        studio_render::audio::normalize_to_wav48k(src, dst)
            .map(|i| AudioMeasure {
                duration_sec: i.duration_sec,
                sample_rate: i.sample_rate,
                rms_dbfs: i.rms_dbfs,
            })
            .map_err(|e| e.to_string())
    }
}

fn sample() -> SeriesPlan {
    serde_json::from_str(include_str!(
        "../../../../assets/samples/first-love.series.json"
    ))
    .unwrap()
}

/// A real WAV (a tone) of `secs`, as a provider would send.
fn wav(secs: f64) -> Vec<u8> {
    let rate = 24_000u32;
    let pcm: Vec<i16> = (0..(secs * rate as f64) as usize)
        .map(|i| ((i as f64 * 220.0 * std::f64::consts::TAU / rate as f64).sin() * 9000.0) as i16)
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.wav");
    studio_render::audio::write_wav(&p, &pcm, rate).unwrap();
    std::fs::read(p).unwrap()
}

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn google_voices() -> Value {
    json!({ "voices": [
        {"languageCodes": ["ko-KR"], "name": "ko-KR-Neural2-A", "ssmlGender": "FEMALE", "naturalSampleRateHertz": 24000},
        {"languageCodes": ["ko-KR"], "name": "ko-KR-Neural2-B", "ssmlGender": "FEMALE", "naturalSampleRateHertz": 24000},
        {"languageCodes": ["ko-KR"], "name": "ko-KR-Neural2-C", "ssmlGender": "MALE", "naturalSampleRateHertz": 24000},
        {"languageCodes": ["ko-KR"], "name": "ko-KR-Wavenet-D", "ssmlGender": "MALE", "naturalSampleRateHertz": 24000},
        {"languageCodes": ["en-US"], "name": "en-US-Neural2-A", "ssmlGender": "MALE", "naturalSampleRateHertz": 24000}
    ]})
}

fn azure_voices() -> Value {
    json!([
        {"Name": "x", "ShortName": "ko-KR-SunHiNeural", "LocalName": "선히", "Gender": "Female", "Locale": "ko-KR"},
        {"Name": "y", "ShortName": "ko-KR-InJoonNeural", "LocalName": "인준", "Gender": "Male", "Locale": "ko-KR"},
        {"Name": "z", "ShortName": "en-US-JennyNeural", "LocalName": "Jenny", "Gender": "Female", "Locale": "en-US"}
    ])
}

/// ElevenLabs with-timestamps replies: audio plus character alignment for the requested text.
struct Speak {
    fail_after: Option<usize>,
    count: std::sync::atomic::AtomicUsize,
}

impl Respond for Speak {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let k = self.count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if self.fail_after.is_some_and(|n| k >= n) {
            return ResponseTemplate::new(503).set_body_json(
                json!({"detail": {"status": "service_unavailable", "message": "down"}}),
            );
        }
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        let text = body["text"].as_str().unwrap().to_string();
        let chars: Vec<String> = text.chars().map(|c| c.to_string()).collect();
        let n = chars.len() as f64;
        let secs = 0.4 + n * 0.12;
        let starts: Vec<f64> = (0..chars.len())
            .map(|i| 0.2 + i as f64 * (secs - 0.4) / n)
            .collect();
        let ends: Vec<f64> = starts.iter().map(|s| s + (secs - 0.4) / n * 0.9).collect();
        ResponseTemplate::new(200)
            .insert_header("request-id", format!("req-{k}").as_str())
            .insert_header("x-character-count", chars.len().to_string().as_str())
            .set_body_json(json!({
                "audio_base64": b64(&wav(secs)),
                "alignment": {"characters": chars, "character_start_times_seconds": starts, "character_end_times_seconds": ends}
            }))
    }
}

async fn mount_elevenlabs(server: &MockServer, remaining: u64, fail_after: Option<usize>) {
    Mock::given(method("GET"))
        .and(path("/v1/voices"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(studio_testkit::elevenlabs::voices()),
        )
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/user/subscription"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"tier": "creator", "character_count": 10_000, "character_limit": 10_000 + remaining})))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/v1/text-to-speech/[^/]+/with-timestamps$"))
        .respond_with(Speak {
            fail_after,
            count: Default::default(),
        })
        .mount(server)
        .await;
}

async fn mount_google(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/v1/voices"))
        .respond_with(ResponseTemplate::new(200).set_body_json(google_voices()))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/text:synthesize"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"audioContent": b64(&wav(1.2))})),
        )
        .mount(server)
        .await;
}

async fn mount_azure(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/cognitiveservices/voices/list"))
        .respond_with(ResponseTemplate::new(200).set_body_json(azure_voices()))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/cognitiveservices/v1"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(wav(1.0)))
        .mount(server)
        .await;
}

fn pool_of(providers: &[(TtsProvider, usize)]) -> Vec<VoiceInfo> {
    // A synthetic pool shaped like the providers' real ones.
    let mut out = Vec::new();
    for (p, n) in providers {
        for i in 0..*n {
            out.push(VoiceInfo {
                provider: *p,
                voice_id: format!("{p}-{i}"),
                name: format!("{p} {i}"),
                gender: if i % 2 == 0 {
                    "male".into()
                } else {
                    "female".into()
                },
                age_group: ["young", "young_adult", "adult", "middle_age", "senior"][i % 5].into(),
                tones: vec![],
                language: "ko-KR".into(),
            });
        }
    }
    out
}

fn distinct(cast: &[CastEntry]) -> usize {
    cast.iter()
        .map(|e| {
            let k = e.primary.modulation.audible_key();
            (e.primary.provider, e.primary.voice_id.clone(), k.0, k.1)
        })
        .collect::<HashSet<_>>()
        .len()
}

#[tokio::test]
async fn the_sample_cast_gets_12_distinct_stable_voices_with_fallbacks() {
    let plan = sample();
    // Offline only: espeak's variants.
    let espeak = EspeakVoices::default().voices().await.unwrap();
    let offline = cast_series(&plan.characters, &espeak);
    assert_eq!(offline.len(), 12);
    assert_eq!(
        distinct(&offline),
        12,
        "every character has its own (voice, modulation)"
    );
    assert_eq!(
        offline,
        cast_series(&plan.characters, &espeak),
        "stable across runs"
    );
    // With every provider: mains and major supporting get premium voices, each their own.
    let pool = pool_of(&[
        (TtsProvider::Elevenlabs, 8),
        (TtsProvider::Google, 4),
        (TtsProvider::Azure, 4),
    ]);
    let full_pool: Vec<VoiceInfo> = pool.iter().cloned().chain(espeak.iter().cloned()).collect();
    let cast = cast_series(&plan.characters, &full_pool);
    assert_eq!(distinct(&cast), 12);
    let importance = |id: &str| {
        plan.characters
            .iter()
            .find(|c| c.id == id)
            .unwrap()
            .importance
    };
    let mut premium_ids = HashSet::new();
    for e in &cast {
        let c: &Character = plan
            .characters
            .iter()
            .find(|c| c.id == e.character_id)
            .unwrap();
        if matches!(
            importance(&e.character_id),
            studio_domain::Importance::Main | studio_domain::Importance::MajorSupporting
        ) {
            assert_eq!(e.primary.provider, TtsProvider::Elevenlabs, "{}", c.name);
            assert!(
                premium_ids.insert(e.primary.voice_id.clone()),
                "premium voices are not shared"
            );
        } else {
            assert_eq!(e.primary.provider, TtsProvider::Google, "{}", c.name);
        }
        // One fallback per other provider, in order, with the character's own modulation.
        let fb: Vec<TtsProvider> = e.fallbacks.iter().map(|f| f.provider).collect();
        let expected: Vec<TtsProvider> = TtsProvider::FALLBACK_ORDER
            .iter()
            .copied()
            .filter(|p| *p != e.primary.provider)
            .collect();
        assert_eq!(fb, expected);
        // Gender is respected wherever the pool allows.
        assert!(e.chain().all(|a| {
            full_pool
                .iter()
                .find(|v| v.voice_id == a.voice_id)
                .unwrap()
                .gender
                == c.voice_profile.gender
        }));
    }
    assert_eq!(cast, cast_series(&plan.characters, &full_pool));
}

async fn store_with_episode(dir: &Path) -> (Store, EpisodeScript) {
    let (store, _, script) = crate::offline::store_with_episode(dir).await;
    (store, script)
}

fn voice_stage<'a>(
    store: &'a Store,
    dir: &Path,
    pricing: &'a Pricing,
    providers: Vec<Arc<dyn VoiceProvider>>,
) -> VoiceStage<'a> {
    VoiceStage {
        providers,
        store,
        audio: Arc::new(Ffmpeg),
        data_dir: dir.to_path_buf(),
        pricing,
        caps: vec![],
    }
}

#[tokio::test]
async fn espeak_lines_are_audible_and_the_store_records_the_measured_duration() {
    let dir = tempfile::tempdir().unwrap();
    let (store, script) = store_with_episode(dir.path()).await;
    let pricing = Pricing::bundled();
    let stage = voice_stage(
        &store,
        dir.path(),
        &pricing,
        vec![Arc::new(EspeakVoices::default())],
    );
    let r = stage.voice_episode("rom", 1).await.unwrap();
    assert_eq!(r.voiced_now, script.line_count());
    assert!(r.failed.is_empty(), "{:?}", r.failed);
    let lines = store.line_audio("rom", 1).await.unwrap();
    assert_eq!(lines.len(), script.line_count());
    for a in lines.iter().take(12) {
        let p = dir.path().join(&a.path);
        let probed = studio_render::audio::probe_duration(&p).unwrap();
        assert!(
            (probed - a.duration_sec).abs() < 0.002,
            "{} stored {} probed {probed}",
            a.line_id,
            a.duration_sec
        );
        assert_eq!(a.sample_rate, 48_000);
        let tmp = dir.path().join("check.wav");
        let info = studio_render::audio::normalize_to_wav48k(&p, &tmp).unwrap();
        assert!(
            info.rms_dbfs > -35.0,
            "{}: {} dBFS is near silence",
            a.line_id,
            info.rms_dbfs
        );
        assert!(a.timing_estimated, "espeak gives no alignment");
        assert!(
            a.cues
                .iter()
                .all(|c| c.start >= 0.0 && c.end <= a.duration_sec + 1e-9)
        );
        assert_eq!(a.provider, TtsProvider::Espeak);
    }
    // Partial recovery: delete one file and damage another; only those two are redone.
    std::fs::remove_file(dir.path().join(&lines[0].path)).unwrap();
    std::fs::write(dir.path().join(&lines[1].path), b"broken").unwrap();
    let again = stage.voice_episode("rom", 1).await.unwrap();
    assert_eq!(
        (again.voiced_now, again.already_done),
        (2, script.line_count() - 2)
    );
    // Twelve characters, twelve different voices in the files.
    let (cast, locked) = store.cast("rom").await.unwrap();
    assert!(locked, "the cast is locked once an episode is voiced");
    assert_eq!(distinct(&cast), 12);
}

#[tokio::test]
async fn elevenlabs_with_timestamps_chains_requests_and_times_lines() {
    let server = MockServer::start().await;
    mount_elevenlabs(&server, 1_000_000, None).await;
    let el = ElevenLabsVoices::new(
        &server.uri(),
        Some("xi-test".into()),
        "eleven_multilingual_v2",
        3,
    )
    .with_policy(crate::fast_policy(2));
    let voices = el.voices().await.unwrap();
    assert_eq!(voices.len(), 8);
    assert_eq!(voices[2].age_group, "middle_age");
    assert_eq!(voices[4].gender, "female");
    let dir = tempfile::tempdir().unwrap();
    let (store, script) = store_with_episode(dir.path()).await;
    let pricing = Pricing::bundled();
    let stage = voice_stage(
        &store,
        dir.path(),
        &pricing,
        vec![Arc::new(el), Arc::new(EspeakVoices::default())],
    );
    let r = stage.voice_episode("rom", 1).await.unwrap();
    assert!(r.failed.is_empty());
    let lines = store.line_audio("rom", 1).await.unwrap();
    let el_lines: Vec<_> = lines
        .iter()
        .filter(|a| a.provider == TtsProvider::Elevenlabs)
        .collect();
    assert!(!el_lines.is_empty());
    let text_of = |id: &str| {
        script
            .scenes
            .iter()
            .flat_map(|s| &s.lines)
            .find(|l| l.id == id)
            .unwrap()
            .text
            .clone()
    };
    for a in &el_lines {
        assert!(!a.timing_estimated);
        // Alignment → cues: monotonic, inside the audio, covering every character of the text.
        for w in a.cues.windows(2) {
            assert!(w[0].end <= w[1].start + 1e-9);
        }
        assert!(
            a.cues
                .iter()
                .all(|c| c.start >= 0.0 && c.end <= a.duration_sec + 1e-6)
        );
        let covered: String = a.cues.iter().map(|c| c.text.clone()).collect();
        assert_eq!(
            covered,
            text_of(&a.line_id)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
        );
        assert_eq!(
            a.billed_characters,
            text_of(&a.line_id).chars().count() as u64
        );
    }
    // Requests: voice settings sent, and each character's lines chain the previous request ids.
    let reqs = server.received_requests().await.unwrap();
    let tts: Vec<Value> = reqs
        .iter()
        .filter(|r| r.url.path().ends_with("/with-timestamps"))
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert!(
        reqs.iter()
            .any(|r| r.url.query() == Some("output_format=mp3_44100_128"))
    );
    assert!(tts.iter().all(|b| b["model_id"] == "eleven_multilingual_v2"
        && b["voice_settings"]["speed"].as_f64().unwrap() <= 1.2));
    assert!(
        tts.iter()
            .any(|b| !b["previous_request_ids"].as_array().unwrap().is_empty()),
        "continuity ids were chained"
    );
    assert!(
        tts.iter()
            .all(|b| b["previous_request_ids"].as_array().unwrap().len() <= 3)
    );
    assert!(
        reqs.iter()
            .all(|r| r.headers.get("xi-api-key").is_none_or(|k| k == "xi-test"))
    );
    // The ledger has one line per billed line at the ElevenLabs price.
    let ledger = store.usage(Some("rom")).await.unwrap();
    let el_cost: f64 = ledger
        .iter()
        .filter(|c| c.provider == "elevenlabs")
        .map(|c| c.actual_usd.unwrap())
        .sum();
    let chars: u64 = el_lines.iter().map(|a| a.billed_characters).sum();
    assert!((el_cost - chars as f64 / 1000.0 * 0.30).abs() < 1e-9);
}

#[tokio::test]
async fn elevenlabs_429_kinds_and_5xx_are_retried_differently() {
    let server = MockServer::start().await;
    let busy = |status: &str| {
        ResponseTemplate::new(429)
            .set_body_json(json!({"detail": {"status": status, "message": "wait"}}))
    };
    Mock::given(method("POST"))
        .respond_with(busy("too_many_concurrent_requests"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(busy("system_busy"))
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .with_priority(3)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(Speak {
            fail_after: None,
            count: Default::default(),
        })
        .with_priority(4)
        .mount(&server)
        .await;
    let el = ElevenLabsVoices::new(&server.uri(), Some("k".into()), "eleven_multilingual_v2", 2)
        .with_policy(RetryPolicy {
            max_retries: 3,
            ..crate::fast_policy(2)
        });
    let req = studio_pipeline::voice::SpeechRequest {
        text: "안녕하세요".into(),
        voice: studio_domain::VoiceAssignment {
            provider: TtsProvider::Elevenlabs,
            voice_id: "el-f1".into(),
            voice_name: "Bella".into(),
            modulation: Default::default(),
            match_score: 1.0,
        },
        controls: studio_pipeline::voice::emotion_controls(
            &studio_domain::Modulation::NEUTRAL,
            "설렘",
            "",
        ),
        previous_request_ids: vec![],
    };
    let s = el.synthesize(&req).await.unwrap();
    assert!(s.alignment.is_some());
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        4,
        "concurrency, busy and 500 each retried once"
    );
    // Classification without retries.
    let server2 = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(busy("too_many_concurrent_requests"))
        .mount(&server2)
        .await;
    let el2 =
        ElevenLabsVoices::new(&server2.uri(), Some("k".into()), "m", 2).with_policy(RetryPolicy {
            max_retries: 0,
            ..crate::fast_policy(2)
        });
    assert!(matches!(
        el2.synthesize(&req).await,
        Err(studio_pipeline::voice::VoiceError::Concurrency { .. })
    ));
    let server3 = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(busy("system_busy").insert_header("retry-after", "2"))
        .mount(&server3)
        .await;
    let el3 =
        ElevenLabsVoices::new(&server3.uri(), Some("k".into()), "m", 2).with_policy(RetryPolicy {
            max_retries: 0,
            ..crate::fast_policy(2)
        });
    assert!(
        matches!(el3.synthesize(&req).await, Err(studio_pipeline::voice::VoiceError::Busy { retry_after: Some(d), .. }) if d == Duration::from_secs(2))
    );
    let server4 = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(
                json!({"detail": {"status": "invalid_api_key", "message": "bad key"}}),
            ),
        )
        .mount(&server4)
        .await;
    let el4 = ElevenLabsVoices::new(&server4.uri(), Some("k".into()), "m", 2)
        .with_policy(crate::fast_policy(2));
    let e = el4.synthesize(&req).await.unwrap_err();
    assert!(e.provider_down(), "{e}");
    assert_eq!(
        server4.received_requests().await.unwrap().len(),
        1,
        "a bad key is not retried"
    );
}

#[tokio::test]
async fn google_and_azure_voices_and_requests() {
    let g = MockServer::start().await;
    mount_google(&g).await;
    let google = GoogleVoices::new(&format!("{}/v1", g.uri()), Some("g-key".into()))
        .with_policy(crate::fast_policy(2));
    let gv = google.voices().await.unwrap();
    assert_eq!(gv.len(), 4, "Korean voices only");
    assert_eq!(gv[2].gender, "male");
    let a = MockServer::start().await;
    mount_azure(&a).await;
    let azure =
        AzureVoices::new(&a.uri(), Some("az-key".into())).with_policy(crate::fast_policy(2));
    let av = azure.voices().await.unwrap();
    assert_eq!(
        av.iter().map(|v| v.voice_id.as_str()).collect::<Vec<_>>(),
        vec!["ko-KR-SunHiNeural", "ko-KR-InJoonNeural"]
    );

    let mut req = studio_pipeline::voice::SpeechRequest {
        text: "<조심> 해 & 봐".into(),
        voice: studio_domain::VoiceAssignment {
            provider: TtsProvider::Google,
            voice_id: "ko-KR-Neural2-C".into(),
            voice_name: "C".into(),
            modulation: Default::default(),
            match_score: 1.0,
        },
        controls: studio_pipeline::voice::emotion_controls(
            &studio_domain::Modulation {
                pitch_st: 2.0,
                speed: 1.05,
                timbre: 0.0,
            },
            "sad",
            "",
        ),
        previous_request_ids: vec![],
    };
    let s = google.synthesize(&req).await.unwrap();
    assert!(!s.audio.is_empty());
    let body: Value =
        serde_json::from_slice(&g.received_requests().await.unwrap().last().unwrap().body).unwrap();
    assert_eq!(
        body["input"]["ssml"],
        "<speak>&lt;조심&gt; 해 &amp; 봐</speak>"
    );
    assert_eq!(body["voice"]["name"], "ko-KR-Neural2-C");
    assert_eq!(body["audioConfig"]["audioEncoding"], "LINEAR16");
    assert!(
        body["audioConfig"]["pitch"].as_f64().unwrap() < 2.0,
        "sad lowers the character's pitch"
    );
    assert!(body["audioConfig"]["speakingRate"].as_f64().unwrap() < 1.05);
    assert_eq!(
        g.received_requests()
            .await
            .unwrap()
            .last()
            .unwrap()
            .headers
            .get("x-goog-api-key")
            .unwrap(),
        "g-key"
    );

    req.voice.provider = TtsProvider::Azure;
    req.voice.voice_id = "ko-KR-InJoonNeural".into();
    azure.synthesize(&req).await.unwrap();
    let last = a.received_requests().await.unwrap().pop().unwrap();
    let ssml = String::from_utf8(last.body.clone()).unwrap();
    assert!(
        ssml.contains("<voice name='ko-KR-InJoonNeural'>")
            && ssml.contains("&lt;조심&gt; 해 &amp; 봐"),
        "{ssml}"
    );
    assert!(
        ssml.contains("pitch='+") || ssml.contains("pitch='-"),
        "{ssml}"
    );
    assert_eq!(
        last.headers.get("content-type").unwrap(),
        "application/ssml+xml"
    );
    assert_eq!(
        last.headers.get("x-microsoft-outputformat").unwrap(),
        "riff-48khz-16bit-mono-pcm"
    );
    assert_eq!(
        last.headers.get("ocp-apim-subscription-key").unwrap(),
        "az-key"
    );
    assert!(last.headers.get("user-agent").is_some());
}

#[tokio::test]
async fn an_outage_moves_characters_to_their_persisted_fallbacks_and_they_keep_them() {
    let el = MockServer::start().await;
    // ElevenLabs answers 10 lines, then goes down.
    mount_elevenlabs(&el, 1_000_000, Some(10)).await;
    let g = MockServer::start().await;
    mount_google(&g).await;
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = store_with_episode(dir.path()).await;
    let pricing = Pricing::bundled();
    let stage = voice_stage(&store, dir.path(), &pricing, el_google_espeak(&el, &g));
    let r1 = stage.voice_episode("rom", 1).await.unwrap();
    assert!(r1.failed.is_empty(), "{:?}", r1.failed);
    assert!(
        !r1.fallbacks_used.is_empty(),
        "the outage pushed lines to fallbacks"
    );
    let (cast, _) = store.cast("rom").await.unwrap();
    let lines1 = store.line_audio("rom", 1).await.unwrap();
    for a in lines1.iter().filter(|a| a.chain_index > 0) {
        let entry = cast
            .iter()
            .find(|e| e.character_id == a.character_id)
            .unwrap();
        assert_eq!(entry.primary.provider, TtsProvider::Elevenlabs);
        // The persisted fallback, not whatever happened to be free.
        assert_eq!(
            (a.provider, a.voice_id.as_str()),
            (
                entry.fallbacks[a.chain_index - 1].provider,
                entry.fallbacks[a.chain_index - 1].voice_id.as_str()
            )
        );
    }
    // Episode 2 with ElevenLabs still down: the same characters get the same fallback voices.
    let w = TemplateWriter;
    let sd = ScriptStage {
        writer: &w,
        store: &store,
        pricing: &pricing,
        cfg: CheckConfig::default(),
    };
    sd.write_episode("rom", 2).await.unwrap();
    let r2 = stage.voice_episode("rom", 2).await.unwrap();
    assert!(r2.failed.is_empty());
    let lines2 = store.line_audio("rom", 2).await.unwrap();
    let voice_of =
        |lines: &[studio_domain::LineAudio], c: &str| -> HashSet<(TtsProvider, String)> {
            lines
                .iter()
                .filter(|a| a.character_id == c && a.chain_index > 0)
                .map(|a| (a.provider, a.voice_id.clone()))
                .collect()
        };
    let mut compared = 0;
    for e in cast
        .iter()
        .filter(|e| e.primary.provider == TtsProvider::Elevenlabs)
    {
        let a = voice_of(&lines1, &e.character_id);
        let b = voice_of(&lines2, &e.character_id);
        if !a.is_empty() && !b.is_empty() {
            assert_eq!(
                a, b,
                "{} keeps its fallback voice across episodes",
                e.character_id
            );
            compared += 1;
        }
    }
    assert!(
        compared >= 2,
        "characters on fallbacks in both episodes: {compared}"
    );
    // The breaker: once ElevenLabs failed three lines in a row it was skipped, not hammered line after line.
    let el_calls = el
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|x| x.url.path().ends_with("with-timestamps"))
        .count();
    // Per run at most (3 strikes + 2 in flight) failing lines × 3 attempts each; two runs, plus the 10 that worked.
    assert!(
        el_calls <= 10 + 2 * (3 + 2) * 3,
        "{el_calls} calls to a provider that was down"
    );
    assert!(
        r2.notes
            .iter()
            .any(|n| n.contains("elevenlabs was skipped")),
        "{:?}",
        r2.notes
    );
    // The cast itself did not change.
    assert_eq!(store.cast("rom").await.unwrap().0, cast);
}

/// ElevenLabs and Google voices on their mocks, then the offline voice: the chain the fallback tests use.
fn el_google_espeak(el: &MockServer, g: &MockServer) -> Vec<Arc<dyn VoiceProvider>> {
    vec![
        Arc::new(
            ElevenLabsVoices::new(&el.uri(), Some("k".into()), "eleven_multilingual_v2", 2)
                .with_policy(crate::fast_policy(2)),
        ),
        Arc::new(
            GoogleVoices::new(&format!("{}/v1", g.uri()), Some("g".into()))
                .with_policy(crate::fast_policy(2)),
        ),
        Arc::new(EspeakVoices::default()),
    ]
}

#[tokio::test]
async fn a_subscription_without_enough_characters_sends_lines_to_fallbacks_up_front() {
    let el = MockServer::start().await;
    mount_elevenlabs(&el, 50, None).await;
    let g = MockServer::start().await;
    mount_google(&g).await;
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = store_with_episode(dir.path()).await;
    let pricing = Pricing::bundled();
    let stage = voice_stage(&store, dir.path(), &pricing, el_google_espeak(&el, &g));
    let r = stage.voice_episode("rom", 1).await.unwrap();
    assert!(
        r.notes.iter().any(|n| n.contains("50 characters left")),
        "{:?}",
        r.notes
    );
    let tts_calls = el
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|x| x.url.path().ends_with("with-timestamps"))
        .count();
    assert_eq!(
        tts_calls, 0,
        "no paid request is made that the plan cannot cover"
    );
    assert!(!r.by_provider.contains_key("elevenlabs"));
}

/// The episode cap binds voices too: each paid line is reserved before it is sent; when the next would pass the
/// cap the provider is skipped for the episode and the chain goes on down to the offline voice — nothing fails,
/// nothing is overspent, and the notes say which cap.
#[tokio::test]
async fn the_episode_cap_moves_lines_down_the_chain_before_it_is_passed() {
    let el = MockServer::start().await;
    mount_elevenlabs(&el, 1_000_000, None).await;
    let g = MockServer::start().await;
    mount_google(&g).await;
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = store_with_episode(dir.path()).await;
    let pricing = Pricing::bundled();
    let mut stage = voice_stage(&store, dir.path(), &pricing, el_google_espeak(&el, &g));
    stage.caps = vec![studio_store::SpendCap {
        name: "episode cap".into(),
        limit_usd: 0.05,
        per_episode: true,
        ..Default::default()
    }];
    let r = stage.voice_episode("rom", 1).await.unwrap();
    assert!(r.failed.is_empty(), "{:?}", r.failed);
    let ledger = store.usage(Some("rom")).await.unwrap();
    let spent: f64 = ledger
        .iter()
        .map(|l| l.actual_usd.unwrap_or(l.estimated_usd))
        .sum();
    assert!(spent <= 0.05 + 1e-9, "{spent}");
    assert!(
        ledger.iter().all(|l| l.actual_usd.is_some()),
        "every reservation is settled"
    );
    assert!(
        r.by_provider.get("elevenlabs").copied().unwrap_or(0) > 0
            && r.by_provider.get("espeak").copied().unwrap_or(0) > 0,
        "{:?}",
        r.by_provider
    );
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("elevenlabs was skipped") && n.contains("episode cap")),
        "{:?}",
        r.notes
    );
    let el_calls = el
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|x| x.url.path().ends_with("with-timestamps"))
        .count();
    assert_eq!(
        el_calls, r.by_provider["elevenlabs"],
        "no line was sent past the cap"
    );
}

#[tokio::test]
async fn wordless_lines_are_never_sent_and_directions_are_not_spoken() {
    let server = MockServer::start().await;
    mount_elevenlabs(&server, 1_000_000, None).await;
    let el = ElevenLabsVoices::new(
        &server.uri(),
        Some("xi-test".into()),
        "eleven_multilingual_v2",
        3,
    )
    .with_policy(crate::fast_policy(2));
    let dir = tempfile::tempdir().unwrap();
    let (store, mut script) = store_with_episode(dir.path()).await;
    // A script saved before directions were split off: one line is only a direction, one only dots, one has a
    // direction inside its words.
    let lines = &mut script.scenes[0].lines;
    lines[0].text = "(한숨)".into();
    lines[1].text = "……".into();
    lines[2].text = "*웃으며* 그래, 알았어.".into();
    let (silent, dots, spoken) = (
        lines[0].id.clone(),
        lines[1].id.clone(),
        lines[2].id.clone(),
    );
    store
        .save_script("rom", 1, &serde_json::to_value(&script).unwrap(), None)
        .await
        .unwrap();
    let pricing = Pricing::bundled();
    let stage = voice_stage(
        &store,
        dir.path(),
        &pricing,
        vec![Arc::new(el), Arc::new(EspeakVoices::default())],
    );
    let r = stage.voice_episode("rom", 1).await.unwrap();
    // Beats in an older script: not failures (production goes on), never voiced.
    assert!(r.failed.is_empty(), "{:?}", r.failed);
    assert_eq!(r.silent, [silent.clone(), dots.clone()]);
    // No provider was asked to say nothing; the direction was not said.
    let reqs = server.received_requests().await.unwrap();
    let texts: Vec<String> = reqs
        .iter()
        .filter(|r| r.url.path().ends_with("/with-timestamps"))
        .map(|r| {
            serde_json::from_slice::<Value>(&r.body).unwrap()["text"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(!texts.is_empty());
    assert!(
        texts.iter().all(|t| studio_domain::speech::has_words(t)),
        "{texts:?}"
    );
    assert!(texts.iter().any(|t| t == "그래, 알았어."), "{texts:?}");
    assert!(
        !texts
            .iter()
            .any(|t| t.contains("웃으며") || t.contains("한숨"))
    );
    let audio = store.line_audio("rom", 1).await.unwrap();
    assert!(audio.iter().any(|a| a.line_id == spoken));
    assert!(
        !audio
            .iter()
            .any(|a| a.line_id == silent || a.line_id == dots)
    );
}
