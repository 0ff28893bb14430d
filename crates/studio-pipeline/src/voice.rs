//! The Voice capability (text to speech) and the rules around it: how emotion and scene atmosphere change a voice
//! (the seed's `calculate_modulation`), and how a series is cast — a distinct, recognisable voice per character with
//! a persisted fallback on every other provider.

use std::collections::HashSet;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use studio_domain::{
    CastEntry, Character, Importance, Modulation, TtsProvider, VoiceAssignment, VoiceInfo,
};

#[derive(Debug, Clone, PartialEq)]
pub struct SpeechRequest {
    pub text: String,
    pub voice: VoiceAssignment,
    pub controls: EmotionControls,
    /// The character's previous request ids in this episode (ElevenLabs prosody continuity), newest last, ≤ 3.
    pub previous_request_ids: Vec<String>,
}

/// Character-level alignment as ElevenLabs returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Alignment {
    pub characters: Vec<String>,
    pub starts: Vec<f64>,
    pub ends: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Speech {
    /// Encoded audio as the provider sent it (MP3, WAV, …); the pipeline decodes it.
    pub audio: Vec<u8>,
    pub alignment: Option<Alignment>,
    pub request_id: Option<String>,
    pub billed_characters: u64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VoiceError {
    /// Our own concurrency exceeded the plan's: retry as soon as one of our requests finishes.
    #[error("{provider}: too many concurrent requests for the plan")]
    Concurrency { provider: TtsProvider },
    /// The provider is overloaded: back off.
    #[error("{provider} is busy{}", .retry_after.map(|d| format!(" (retry in {:.1}s)", d.as_secs_f64())).unwrap_or_default())]
    Busy {
        provider: TtsProvider,
        retry_after: Option<Duration>,
    },
    #[error("{provider} has no characters or credits left: {message}")]
    QuotaExhausted {
        provider: TtsProvider,
        message: String,
    },
    #[error("{provider} rejected the key: {message}")]
    Auth {
        provider: TtsProvider,
        message: String,
    },
    #[error("{provider} rejected the request: {message}")]
    BadRequest {
        provider: TtsProvider,
        message: String,
    },
    #[error("{provider} failed: {message}")]
    Transient {
        provider: TtsProvider,
        message: String,
    },
    #[error("{provider} is not available here: {message}")]
    Unavailable {
        provider: TtsProvider,
        message: String,
    },
}

impl VoiceError {
    /// Whether the provider should be skipped for the rest of the episode (the chain moves on for every line).
    pub fn provider_down(&self) -> bool {
        matches!(
            self,
            Self::QuotaExhausted { .. } | Self::Auth { .. } | Self::Unavailable { .. }
        )
    }
    /// Whether this same call may succeed if repeated shortly.
    pub fn retryable(&self) -> bool {
        matches!(
            self,
            Self::Concurrency { .. } | Self::Busy { .. } | Self::Transient { .. }
        )
    }
}

#[async_trait]
pub trait VoiceProvider: Send + Sync {
    fn provider(&self) -> TtsProvider;
    /// How many requests may run at once (ElevenLabs: the plan's concurrency).
    fn concurrency(&self) -> usize;
    async fn voices(&self) -> Result<Vec<VoiceInfo>, VoiceError>;
    async fn synthesize(&self, req: &SpeechRequest) -> Result<Speech, VoiceError>;
    /// Characters (credits) left this period, when the provider meters them.
    async fn remaining_characters(&self) -> Result<Option<u64>, VoiceError> {
        Ok(None)
    }
}

/// The controls a line is spoken with: the character's modulation moved by emotion and atmosphere.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EmotionControls {
    pub pitch_st: f64,
    pub speed: f64,
    /// Linear gain, 1.0 = as is.
    pub volume: f64,
    /// 0–1: how strongly the emotion should colour the delivery.
    pub emotion_strength: f64,
    pub timbre: f64,
}

/// Maps the script's emotion words (Korean or English) to the seed's six emotions.
pub fn base_emotion(e: &str) -> &'static str {
    let e = e.trim().to_lowercase();
    match e.as_str() {
        "happy" | "기쁨" | "설렘" | "행복" | "신남" | "exciting" | "joy" => "happy",
        "sad" | "슬픔" | "쓸쓸함" | "안타까움" | "그리움" => "sad",
        "angry" | "분노" | "화남" | "짜증" | "dramatic" => "angry",
        "surprised" | "놀람" | "당황" | "충격" => "surprised",
        "fear" | "두려움" | "불안" | "긴장" | "의심" | "intense" | "tense" => "fear",
        _ => "neutral",
    }
}

/// The seed's `calculate_modulation`: emotion adjusts pitch, speed and volume; a tense scene speeds up and
/// quietens, a romantic one slows and deepens the emotion. Pitch offsets are fractions of an octave in the seed
/// (+0.1 ≈ 1.2 semitones).
pub fn emotion_controls(base: &Modulation, emotion: &str, atmosphere: &str) -> EmotionControls {
    let (dp, ds, dv) = match base_emotion(emotion) {
        "happy" => (0.1, 0.05, 0.1),
        "sad" => (-0.1, -0.1, -0.1),
        "angry" => (-0.05, 0.1, 0.2),
        "surprised" => (0.2, 0.15, 0.15),
        "fear" => (0.15, 0.2, -0.05),
        _ => (0.0, 0.0, 0.0),
    };
    let mut c = EmotionControls {
        pitch_st: base.pitch_st + dp * 12.0,
        speed: base.speed + ds,
        volume: 1.0 + dv,
        emotion_strength: if base_emotion(emotion) == "neutral" {
            0.3
        } else {
            0.5
        },
        timbre: base.timbre,
    };
    let a = atmosphere.to_lowercase();
    if a.contains("tense") || a.contains("긴장") || a.contains("추격") {
        c.speed += 0.1;
        c.volume -= 0.1;
    } else if a.contains("romantic") || a.contains("로맨틱") || a.contains("설렘") {
        c.speed -= 0.05;
        c.emotion_strength += 0.2;
    }
    c.pitch_st = c.pitch_st.clamp(-8.0, 8.0);
    c.speed = c.speed.clamp(0.7, 1.3);
    c.volume = c.volume.clamp(0.5, 1.5);
    c.emotion_strength = c.emotion_strength.clamp(0.0, 1.0);
    c
}

const AGES: [&str; 5] = ["young", "young_adult", "adult", "middle_age", "senior"];

fn age_distance(a: &str, b: &str) -> Option<usize> {
    let i = AGES.iter().position(|x| *x == a)?;
    let j = AGES.iter().position(|x| *x == b)?;
    Some(i.abs_diff(j))
}

/// How well a voice fits a character's profile, 0–1. A gender mismatch scores 0.
pub fn match_score(c: &Character, v: &VoiceInfo) -> f64 {
    let p = &c.voice_profile;
    if !v.gender.is_empty() && !p.gender.is_empty() && v.gender != p.gender {
        return 0.0;
    }
    let mut s: f64 = 0.5;
    s += match age_distance(&p.age_group, &v.age_group) {
        Some(0) => 0.3,
        Some(1) => 0.15,
        Some(_) => 0.0,
        None => 0.08,
    };
    if v.tones
        .iter()
        .any(|t| t.eq_ignore_ascii_case(&p.tone) || t.eq_ignore_ascii_case(&p.speaking_style))
    {
        s += 0.2;
    }
    s.min(1.0)
}

/// A stable 64-bit hash of an id with every bit mixed (FNV-1a alone leaves bits 16–39 nearly unchanged for ids that
/// differ only in their last character, which would give "CHAR001" and "CHAR002" the same speed).
fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    // splitmix64 finaliser
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d049bb133111eb);
    h ^ (h >> 31)
}

/// The seed's `generate_unique_modulation`: deterministic from the character id, pitch range by age group, speed
/// 0.9–1.1, timbre ±0.2.
pub fn unique_modulation(character_id: &str, age_group: &str) -> Modulation {
    let h = fnv(character_id);
    let u = |k: u32| ((h >> (k * 16)) & 0xffff) as f64 / 65535.0;
    let (lo, hi) = match age_group {
        "young" => (-0.1, 0.1),
        "young_adult" => (-0.05, 0.05),
        "adult" => (-0.02, 0.08),
        "middle_age" => (0.0, 0.1),
        "senior" => (0.05, 0.15),
        _ => (0.0, 0.0),
    };
    // The seed's pitch values are fractions of an octave, and older voices go *lower*.
    let octave_frac = lo + (hi - lo) * u(0);
    let sign = if matches!(age_group, "middle_age" | "senior") {
        -1.0
    } else {
        1.0
    };
    Modulation {
        pitch_st: sign * octave_frac * 12.0,
        speed: 0.9 + 0.2 * u(1),
        timbre: -0.2 + 0.4 * u(2),
    }
}

/// What makes two assignments sound alike: same voice and same audible pitch/speed bucket.
fn sound_key(a: &VoiceAssignment) -> (TtsProvider, String, i32, i32) {
    let k = a.modulation.audible_key();
    (a.provider, a.voice_id.clone(), k.0, k.1)
}

/// Casts every character (mains first): premium voices for main and major supporting characters where a premium
/// provider is available, otherwise the best-matching standard voice plus a per-character modulation; every
/// (voice, modulation) pair distinct in the series; one fallback per other provider, nearest match, same
/// modulation. Deterministic for the same characters and pool.
pub fn cast_series(characters: &[Character], pool: &[VoiceInfo]) -> Vec<CastEntry> {
    let mut order: Vec<&Character> = characters.iter().collect();
    order.sort_by_key(|c| (c.importance, c.id.clone()));
    let providers: Vec<TtsProvider> = {
        let mut p: Vec<TtsProvider> = pool.iter().map(|v| v.provider).collect();
        p.sort();
        p.dedup();
        p
    };
    let mut taken: HashSet<(TtsProvider, String, i32, i32)> = HashSet::new();
    let mut premium_used: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for c in order {
        let wants_premium = matches!(c.importance, Importance::Main | Importance::MajorSupporting);
        let primary_provider = providers
            .iter()
            .copied()
            .find(|p| wants_premium && p.is_premium())
            .or_else(|| {
                providers
                    .iter()
                    .copied()
                    .find(|p| !p.is_premium() && !p.is_offline())
            })
            .or_else(|| providers.first().copied());
        let Some(pp) = primary_provider else { continue };
        let unique = unique_modulation(&c.id, &c.voice_profile.age_group);
        let premium_primary = pp.is_premium();
        let primary = pick(
            c,
            pool,
            pp,
            if premium_primary {
                Modulation::NEUTRAL
            } else {
                unique
            },
            &mut taken,
            premium_primary.then_some(&mut premium_used),
        );
        let Some(primary) = primary else { continue };
        // Fallbacks keep the character recognisable: nearest voice, and the character's own modulation.
        let mut fallbacks = Vec::new();
        for p in TtsProvider::FALLBACK_ORDER
            .iter()
            .copied()
            .filter(|p| *p != pp && providers.contains(p))
        {
            if let Some(f) = pick(c, pool, p, unique, &mut taken, None) {
                fallbacks.push(f);
            }
        }
        out.push(CastEntry {
            character_id: c.id.clone(),
            primary,
            fallbacks,
        });
    }
    // Back to the characters' own order.
    out.sort_by_key(|e| characters.iter().position(|c| c.id == e.character_id));
    out
}

fn pick(
    c: &Character,
    pool: &[VoiceInfo],
    provider: TtsProvider,
    base: Modulation,
    taken: &mut HashSet<(TtsProvider, String, i32, i32)>,
    exclusive: Option<&mut HashSet<String>>,
) -> Option<VoiceAssignment> {
    let mut candidates: Vec<(&VoiceInfo, f64)> = pool
        .iter()
        .filter(|v| v.provider == provider)
        .map(|v| (v, match_score(c, v)))
        .filter(|(_, s)| *s > 0.0)
        .collect();
    if candidates.is_empty() {
        // No voice of the right gender: take the best of the rest rather than leave the character mute.
        candidates = pool
            .iter()
            .filter(|v| v.provider == provider)
            .map(|v| (v, 0.01))
            .collect();
    }
    candidates.sort_by(|a, b| {
        b.1.partial_cmp(&a.1)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.0.voice_id.cmp(&b.0.voice_id))
    });
    if let Some(ex) = exclusive {
        // A premium voice belongs to one character.
        if let Some((v, s)) = candidates.iter().find(|(v, _)| !ex.contains(&v.voice_id)) {
            ex.insert(v.voice_id.clone());
            let a = VoiceAssignment {
                provider,
                voice_id: v.voice_id.clone(),
                voice_name: v.name.clone(),
                modulation: base,
                match_score: *s,
            };
            taken.insert(sound_key(&a));
            return Some(a);
        }
    }
    // Best voice whose (voice, modulation) sound is still free; nudge the pitch until it is.
    for step in 0u32..24 {
        for (v, s) in &candidates {
            let nudge = if step == 0 {
                0.0
            } else {
                (if step % 2 == 0 { 1.0 } else { -1.0 }) * (step.div_ceil(2) as f64) * 0.75
            };
            let m = Modulation {
                pitch_st: (base.pitch_st + nudge).clamp(-6.0, 6.0),
                ..base
            };
            let a = VoiceAssignment {
                provider,
                voice_id: v.voice_id.clone(),
                voice_name: v.name.clone(),
                modulation: m,
                match_score: *s,
            };
            if taken.insert(sound_key(&a)) {
                return Some(a);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emotions_move_controls_the_seed_way() {
        let base = Modulation::NEUTRAL;
        let happy = emotion_controls(&base, "설렘", "");
        assert!(happy.pitch_st > 0.0 && happy.speed > 1.0 && happy.volume > 1.0);
        let sad = emotion_controls(&base, "sad", "");
        assert!(sad.pitch_st < 0.0 && sad.speed < 1.0);
        let tense = emotion_controls(&base, "neutral", "긴장");
        assert!((tense.speed - 1.1).abs() < 1e-9 && tense.volume < 1.0);
        let romantic = emotion_controls(&base, "neutral", "로맨틱");
        assert!(romantic.speed < 1.0 && romantic.emotion_strength > 0.3);
    }

    #[test]
    fn unique_modulation_is_deterministic_and_in_range() {
        let a = unique_modulation("CHAR011", "young");
        assert_eq!(a, unique_modulation("CHAR011", "young"));
        assert_ne!(a, unique_modulation("CHAR012", "young"));
        // Ids that differ in one character still spread over the whole range.
        let speeds: Vec<f64> = (1..=12)
            .map(|i| unique_modulation(&format!("CHAR{i:03}"), "adult").speed)
            .collect();
        let spread = speeds.iter().cloned().fold(f64::MIN, f64::max)
            - speeds.iter().cloned().fold(f64::MAX, f64::min);
        assert!(spread > 0.1, "{speeds:?}");
        for id in ["A", "B", "C", "CHAR001", "x"] {
            for age in AGES {
                let m = unique_modulation(id, age);
                assert!(
                    (0.9..=1.1).contains(&m.speed)
                        && (-0.2..=0.2).contains(&m.timbre)
                        && m.pitch_st.abs() <= 1.81
                );
            }
        }
    }
}
