//! Casting: the cast with its voices, locking it, auditioning a voice.

use serde::{Deserialize, Serialize};
use studio_domain::{Character, LineAudio, TtsProvider};

use super::SeriesArgs;
use crate::directing::{CharacterEdit, VoiceChoice};
use crate::{CastView, CoreError, Engine};

/// Lock the cast (voices fixed for the series) or unlock it.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct CastLockArgs {
    pub series: String,
    pub locked: bool,
}

/// Speak a sample with a character's voice.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct CastAuditionArgs {
    pub series: String,
    /// The character's id or name.
    pub character: String,
    /// What to say; a standard greeting when not given.
    #[serde(default)]
    #[ts(optional)]
    pub text: Option<String>,
}

/// What an audition made: the file to play (a `/media/…` URL path on the studio's media server) and its
/// measurements.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Audition {
    pub media: String,
    pub audio: LineAudio,
}

impl Engine {
    /// [`Engine::audition`] with the file as a media URL path.
    ///
    /// # Errors
    /// As [`Engine::audition`].
    pub async fn audition_media(
        &self,
        series: &str,
        character: &str,
        text: Option<&str>,
    ) -> Result<Audition, CoreError> {
        let audio = self.audition(series, character, text).await?;
        let media = self.media_path(&self.data_dir().join(&audio.path));
        if media.is_empty() {
            return Err(CoreError::Internal(format!(
                "the audition was written outside the data folder ({})",
                audio.path
            )));
        }
        Ok(Audition { media, audio })
    }
}

/// Edit a character's profile.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct CharacterEditArgs {
    pub series: String,
    /// The character's id or name.
    pub character: String,
    pub edit: CharacterEdit,
}

/// A character of a series.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct CharacterArgs {
    pub series: String,
    /// The character's id or name.
    pub character: String,
}

/// Give a character the voice the creator picked.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct VoiceSetArgs {
    pub series: String,
    /// The character's id or name.
    pub character: String,
    pub provider: TtsProvider,
    pub voice_id: String,
}

commands! {
    /// The cast: characters, their voices and whether the cast is locked.
    cast_view(SeriesArgs) -> CastView = |e, a| e.cast(&a.series).await;
    /// Locks the cast (assigning voices to anyone without one) or unlocks it.
    cast_lock(CastLockArgs) -> CastView = |e, a| e.set_cast_locked(&a.series, a.locked).await;
    /// Speaks a sample with a character's voice (never billed for text with nothing to say).
    cast_audition(CastAuditionArgs) -> Audition = |e, a| {
        e.audition_media(&a.series, &a.character, a.text.as_deref()).await
    };
    /// Edits a character's profile (name, role, occupation, personality, appearance, voice profile).
    character_edit(CharacterEditArgs) -> Character = |e, a| e.edit_character(&a.series, &a.character, a.edit).await;
    /// The voices a character can be given, best fit first.
    voice_choices(CharacterArgs) -> Vec<VoiceChoice> = |e, a| e.voice_choices(&a.series, &a.character).await;
    /// Gives a character the picked voice (the cast must be unlocked).
    cast_voice_set(VoiceSetArgs) -> CastView = |e, a| {
        e.set_voice(&a.series, &a.character, a.provider, &a.voice_id).await
    };
}
