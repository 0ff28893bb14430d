//! Casting: the cast with its voices, locking it, auditioning a voice.

use serde::{Deserialize, Serialize};
use studio_domain::{Character, LineAudio, TtsProvider};

use super::SeriesArgs;
use crate::directing::{CharacterEdit, VoiceChoice};
use crate::references::ReferencesView;
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

/// A character's own reference images (one or more angles; the first is the main one).
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct ReferenceUploadArgs {
    pub series: String,
    /// The character's id or name.
    pub character: String,
    /// An outfit of the story, as the references view names it; empty (or absent) for the usual look.
    #[serde(default)]
    #[ts(optional)]
    pub outfit: Option<String>,
    pub files: Vec<ReferenceFile>,
}

/// Make candidates for a character's usual look or for an outfit of the story.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct ReferenceCandidatesArgs {
    pub series: String,
    /// The character's id or name.
    pub character: String,
    /// An outfit of the story, as the references view names it; empty (or absent) for the usual look.
    #[serde(default)]
    #[ts(optional)]
    pub outfit: Option<String>,
}

/// One file the creator picked.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct ReferenceFile {
    /// The file's name as the creator picked it.
    pub file_name: String,
    /// The file's bytes, base64 (standard alphabet, padded).
    pub content_base64: String,
}

/// Use one of the waiting candidates (`candidate` from 0).
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct ReferenceChooseArgs {
    pub series: String,
    /// The character's id or name.
    pub character: String,
    /// An outfit of the story, as the references view names it; empty (or absent) for the usual look.
    #[serde(default)]
    #[ts(optional)]
    pub outfit: Option<String>,
    pub candidate: usize,
}

/// Use an earlier version of a character's reference.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct ReferenceUseArgs {
    pub series: String,
    /// The character's id or name.
    pub character: String,
    /// The outfit the version is of, as the references view names it; empty (or absent) for the usual look.
    #[serde(default)]
    #[ts(optional)]
    pub outfit: Option<String>,
    pub version: i64,
}

commands! {
    /// The characters' reference images: in use, earlier versions, candidates waiting.
    character_references(SeriesArgs) -> ReferencesView = |e, a| e.references(&a.series).await;
    /// Uses the creator's own images as a character's reference (a new version).
    character_reference_upload(ReferenceUploadArgs) -> ReferencesView = |e, a| {
        let mut files = Vec::new();
        for f in &a.files {
            files.push((f.file_name.clone(), super::storyboard::decode_base64(&f.file_name, &f.content_base64)?));
        }
        e.upload_reference(&a.series, &a.character, a.outfit.as_deref().unwrap_or(""), &files).await
    };
    /// Makes four candidate references for a character (or one of their outfits) to choose from.
    character_reference_candidates(ReferenceCandidatesArgs) -> ReferencesView = |e, a| {
        e.reference_candidates(&a.series, &a.character, a.outfit.as_deref().unwrap_or("")).await
    };
    /// Uses one of the candidates as the character's reference (a new version).
    character_reference_choose(ReferenceChooseArgs) -> ReferencesView = |e, a| {
        e.choose_reference(&a.series, &a.character, a.outfit.as_deref().unwrap_or(""), a.candidate).await
    };
    /// Uses an earlier version of a character's reference again.
    character_reference_use(ReferenceUseArgs) -> ReferencesView = |e, a| {
        e.use_reference(&a.series, &a.character, a.outfit.as_deref().unwrap_or(""), a.version).await
    };
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
