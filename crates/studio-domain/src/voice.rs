//! Voices, casting and voiced lines: who speaks with which voice (and modulation), what to fall back to when a
//! provider fails, and what each voiced line produced.

use serde::{Deserialize, Serialize};

use crate::string_enum;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS,
)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum TtsProvider {
    Elevenlabs,
    Google,
    Azure,
    /// espeak-ng, offline.
    Espeak,
}
string_enum!(TtsProvider, "voice provider");

impl TtsProvider {
    /// Premium providers carry the main cast; the others are standard voices with modulation.
    pub fn is_premium(self) -> bool {
        self == TtsProvider::Elevenlabs
    }
    pub fn is_offline(self) -> bool {
        self == TtsProvider::Espeak
    }
    /// The order fallbacks are tried in after a character's primary provider.
    pub const FALLBACK_ORDER: [TtsProvider; 4] = [
        TtsProvider::Elevenlabs,
        TtsProvider::Google,
        TtsProvider::Azure,
        TtsProvider::Espeak,
    ];
}

/// A voice a provider offers, described the way casting compares them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct VoiceInfo {
    pub provider: TtsProvider,
    pub voice_id: String,
    pub name: String,
    /// "male" | "female" | "" (unknown)
    pub gender: String,
    /// young | young_adult | adult | middle_age | senior | "" (unknown)
    pub age_group: String,
    /// Free descriptors ("warm", "deep", …) from the provider's labels.
    pub tones: Vec<String>,
    /// BCP-47 ("ko-KR") or "multilingual".
    pub language: String,
}

/// A character-specific change to a base voice, so two characters sharing a base voice still sound different.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default, ts_rs::TS)]
#[ts(export)]
pub struct Modulation {
    /// Semitones, −6..6.
    pub pitch_st: f64,
    /// Rate multiplier, 0.8..1.2.
    pub speed: f64,
    /// Brightness/darkness of the timbre, −0.2..0.2 (formant-like; providers map it as they can).
    pub timbre: f64,
}

impl Modulation {
    pub const NEUTRAL: Modulation = Modulation {
        pitch_st: 0.0,
        speed: 1.0,
        timbre: 0.0,
    };

    /// Buckets that are audibly the same: half a semitone, 4 % of speed, 0.1 of timbre.
    pub fn audible_key(&self) -> (i32, i32, i32) {
        (
            (self.pitch_st * 2.0).round() as i32,
            ((self.speed - 1.0) * 25.0).round() as i32,
            (self.timbre * 10.0).round() as i32,
        )
    }
}

/// One voice (with its modulation) a character can speak with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct VoiceAssignment {
    pub provider: TtsProvider,
    pub voice_id: String,
    pub voice_name: String,
    pub modulation: Modulation,
    /// How well the voice matches the character's voice profile, 0–1.
    pub match_score: f64,
}

/// A character's voice for the series: the primary, then one fallback per other provider in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct CastEntry {
    pub character_id: String,
    pub primary: VoiceAssignment,
    pub fallbacks: Vec<VoiceAssignment>,
}

impl CastEntry {
    /// Primary first, then fallbacks: the order a line tries voices in.
    pub fn chain(&self) -> impl Iterator<Item = &VoiceAssignment> {
        std::iter::once(&self.primary).chain(self.fallbacks.iter())
    }
}

/// A timed piece of a line (a word or phrase) for subtitles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Cue {
    pub text: String,
    pub start: f64,
    pub end: f64,
}

/// What voicing one dialogue line produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct LineAudio {
    pub line_id: String,
    pub character_id: String,
    pub provider: TtsProvider,
    pub voice_id: String,
    /// Relative to the data directory.
    pub path: String,
    pub sha256: String,
    pub duration_sec: f64,
    pub sample_rate: u32,
    pub cues: Vec<Cue>,
    /// True when the provider gave no alignment and cues were estimated from the text.
    pub timing_estimated: bool,
    pub billed_characters: u64,
    /// Which voice in the character's chain spoke (0 = primary).
    pub chain_index: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audible_keys_bucket_small_differences() {
        let a = Modulation {
            pitch_st: 1.1,
            speed: 1.01,
            timbre: 0.04,
        };
        let b = Modulation {
            pitch_st: 1.2,
            speed: 1.0,
            timbre: 0.02,
        };
        assert_eq!(a.audible_key(), b.audible_key());
        let c = Modulation { pitch_st: 2.0, ..a };
        assert_ne!(a.audible_key(), c.audible_key());
        assert_eq!(
            "google".parse::<TtsProvider>().unwrap(),
            TtsProvider::Google
        );
        assert!(TtsProvider::Elevenlabs.is_premium() && TtsProvider::Espeak.is_offline());
    }
}
