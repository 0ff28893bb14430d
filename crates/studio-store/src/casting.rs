//! The series cast and voiced lines.

use sqlx::FromRow;
use studio_domain::{CastEntry, LineAudio, VoiceAssignment};

use crate::{Store, StoreError};

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        what: what.into(),
        detail: e.to_string(),
    }
}

#[derive(FromRow)]
struct LineRow {
    line_id: String,
    character_id: String,
    provider: String,
    voice_id: String,
    chain_index: i64,
    path: String,
    sha256: String,
    duration_sec: f64,
    sample_rate: i64,
    cues_json: String,
    timing_estimated: bool,
    billed_characters: i64,
}

impl Store {
    /// The series' cast and whether it is locked; an empty list when nobody has been cast yet.
    pub async fn cast(&self, series_id: &str) -> Result<(Vec<CastEntry>, bool), StoreError> {
        let locked: Option<bool> =
            sqlx::query_scalar("SELECT cast_locked FROM series WHERE id = ?")
                .bind(series_id)
                .fetch_optional(&self.pool)
                .await?;
        let locked = locked.ok_or_else(|| StoreError::UnknownSeries(series_id.into()))?;
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT e.character_id, e.primary_json, e.fallbacks_json FROM cast_entries e \
             JOIN characters c ON c.series_id = e.series_id AND c.id = e.character_id \
             WHERE e.series_id = ? ORDER BY c.sort_order, c.id",
        )
        .bind(series_id)
        .fetch_all(&self.pool)
        .await?;
        let entries = rows
            .into_iter()
            .map(|(character_id, p, f)| {
                Ok(CastEntry {
                    primary: serde_json::from_str::<VoiceAssignment>(&p)
                        .map_err(|e| corrupt("cast entry", e))?,
                    fallbacks: serde_json::from_str(&f)
                        .map_err(|e| corrupt("cast fallbacks", e))?,
                    character_id,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((entries, locked))
    }

    /// Replaces the cast. Refused while the cast is locked (re-casting needs an explicit unlock).
    pub async fn save_cast(
        &self,
        series_id: &str,
        entries: &[CastEntry],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        cast_unlocked(&mut tx, series_id).await?;
        sqlx::query("DELETE FROM cast_entries WHERE series_id = ?")
            .bind(series_id)
            .execute(&mut *tx)
            .await?;
        for e in entries {
            put_cast_entry(&mut tx, series_id, e).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Sets one character's voices (primary and fallbacks), leaving the rest of the cast. Refused while the cast is
    /// locked.
    ///
    /// # Errors
    /// `UnknownSeries`; `CastLocked`; `UnknownCharacter` when the series has no such character.
    pub async fn set_cast_entry(&self, series_id: &str, e: &CastEntry) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        cast_unlocked(&mut tx, series_id).await?;
        put_cast_entry(&mut tx, series_id, e).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn set_cast_locked(&self, series_id: &str, locked: bool) -> Result<(), StoreError> {
        let r = sqlx::query("UPDATE series SET cast_locked = ? WHERE id = ?")
            .bind(locked)
            .bind(series_id)
            .execute(&self.pool)
            .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::UnknownSeries(series_id.into()));
        }
        Ok(())
    }

    pub async fn save_line_audio(
        &self,
        series_id: &str,
        n: u32,
        a: &LineAudio,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO line_audio (series_id, episode_number, line_id, character_id, provider, voice_id, chain_index, \
             path, sha256, duration_sec, sample_rate, cues_json, timing_estimated, billed_characters) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (series_id, episode_number, line_id) DO UPDATE SET character_id = excluded.character_id, \
             provider = excluded.provider, voice_id = excluded.voice_id, chain_index = excluded.chain_index, \
             path = excluded.path, sha256 = excluded.sha256, duration_sec = excluded.duration_sec, \
             sample_rate = excluded.sample_rate, cues_json = excluded.cues_json, \
             timing_estimated = excluded.timing_estimated, billed_characters = excluded.billed_characters, \
             created_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        )
        .bind(series_id)
        .bind(n as i64)
        .bind(&a.line_id)
        .bind(&a.character_id)
        .bind(a.provider.to_string())
        .bind(&a.voice_id)
        .bind(a.chain_index as i64)
        .bind(&a.path)
        .bind(&a.sha256)
        .bind(a.duration_sec)
        .bind(a.sample_rate as i64)
        .bind(serde_json::to_string(&a.cues).map_err(|e| corrupt("cues", e))?)
        .bind(a.timing_estimated)
        .bind(a.billed_characters as i64)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn line_audio(&self, series_id: &str, n: u32) -> Result<Vec<LineAudio>, StoreError> {
        let rows: Vec<LineRow> = sqlx::query_as(
            "SELECT line_id, character_id, provider, voice_id, chain_index, path, sha256, duration_sec, sample_rate, \
             cues_json, timing_estimated, billed_characters FROM line_audio WHERE series_id = ? AND episode_number = ? \
             ORDER BY line_id",
        )
        .bind(series_id)
        .bind(n as i64)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(LineAudio {
                    provider: r
                        .provider
                        .parse()
                        .map_err(|e| corrupt("voice provider", e))?,
                    cues: serde_json::from_str(&r.cues_json).map_err(|e| corrupt("cues", e))?,
                    line_id: r.line_id,
                    character_id: r.character_id,
                    voice_id: r.voice_id,
                    chain_index: r.chain_index as usize,
                    path: r.path,
                    sha256: r.sha256,
                    duration_sec: r.duration_sec,
                    sample_rate: r.sample_rate as u32,
                    timing_estimated: r.timing_estimated,
                    billed_characters: r.billed_characters as u64,
                })
            })
            .collect()
    }
}

/// Shot media: stored as the pipeline's JSON (the store does not interpret routes).
impl Store {
    pub async fn save_shot_media<T: serde::Serialize>(
        &self,
        series_id: &str,
        n: u32,
        index: usize,
        media: &T,
        clip_sha256: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO shot_media (series_id, episode_number, shot_index, media_json, clip_sha256) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (series_id, episode_number, shot_index) DO UPDATE SET media_json = excluded.media_json, \
             clip_sha256 = excluded.clip_sha256, created_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        )
        .bind(series_id)
        .bind(n as i64)
        .bind(index as i64)
        .bind(serde_json::to_string(media).map_err(|e| corrupt("shot media", e))?)
        .bind(clip_sha256)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn shot_media_json(
        &self,
        series_id: &str,
        n: u32,
    ) -> Result<Vec<serde_json::Value>, StoreError> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT media_json FROM shot_media WHERE series_id = ? AND episode_number = ? ORDER BY shot_index",
        )
        .bind(series_id)
        .bind(n as i64)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| serde_json::from_str(r).map_err(|e| corrupt("shot media", e)))
            .collect()
    }
}

/// Refuses (inside the caller's transaction) when the series is unknown or its cast is locked.
async fn cast_unlocked(
    conn: &mut sqlx::SqliteConnection,
    series_id: &str,
) -> Result<(), StoreError> {
    let locked: Option<bool> = sqlx::query_scalar("SELECT cast_locked FROM series WHERE id = ?")
        .bind(series_id)
        .fetch_optional(&mut *conn)
        .await?;
    match locked {
        None => Err(StoreError::UnknownSeries(series_id.into())),
        Some(true) => Err(StoreError::CastLocked(series_id.into())),
        Some(false) => Ok(()),
    }
}

/// Writes one character's voices (replacing what they had), naming an unknown character as such.
async fn put_cast_entry(
    conn: &mut sqlx::SqliteConnection,
    series_id: &str,
    e: &CastEntry,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO cast_entries (series_id, character_id, primary_json, fallbacks_json) VALUES (?, ?, ?, ?) \
         ON CONFLICT (series_id, character_id) DO UPDATE SET primary_json = excluded.primary_json, \
         fallbacks_json = excluded.fallbacks_json, cast_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
    )
    .bind(series_id)
    .bind(&e.character_id)
    .bind(serde_json::to_string(&e.primary).map_err(|x| corrupt("cast entry", x))?)
    .bind(serde_json::to_string(&e.fallbacks).map_err(|x| corrupt("cast fallbacks", x))?)
    .execute(&mut *conn)
    .await
    .map_err(|err| match &err {
        sqlx::Error::Database(d) if d.message().contains("FOREIGN KEY") => StoreError::UnknownCharacter {
            series: series_id.into(),
            reference: e.character_id.clone(),
        },
        _ => StoreError::Database(err),
    })?;
    Ok(())
}

/// One version of a character's reference images.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct ReferenceVersion {
    pub version: i64,
    /// "generated" (the studio's portrait, kept as version 1 when the creator first changes it), "uploaded" or
    /// "chosen".
    pub source: String,
    /// The files, relative to the data directory; the first is the main one.
    pub files_json: String,
    pub created_ms: i64,
    /// The outfit the version shows, in the story's words; empty for the character's usual look.
    pub outfit: String,
}

impl Store {
    /// A character's reference versions for one outfit (`Some("")` for the usual look) or for all (`None`),
    /// oldest first. Version numbers count across all the character's outfits.
    ///
    /// # Errors
    /// The database's.
    pub async fn reference_versions(
        &self,
        series_id: &str,
        character_id: &str,
        outfit: Option<&str>,
    ) -> Result<Vec<ReferenceVersion>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT version, source, files_json, created_ms, outfit FROM character_references \
             WHERE series_id = ? AND character_id = ? AND (?3 IS NULL OR outfit = ?3) ORDER BY version",
        )
        .bind(series_id)
        .bind(character_id)
        .bind(outfit.map(str::trim))
        .fetch_all(&self.pool)
        .await?)
    }

    /// Adds a reference version of a character in an outfit (`""` for the usual look) and makes its main file the
    /// reference of that [`reference_slot`] (settings row [`references_key`]), in one transaction, refused while
    /// the cast is locked. Returns the new version's number.
    ///
    /// # Errors
    /// [`StoreError::CastLocked`] while the cast is locked; the database's.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_reference_version(
        &self,
        series_id: &str,
        character_id: &str,
        outfit: &str,
        source: &str,
        files: &[String],
        generator: &str,
        created_ms: i64,
    ) -> Result<i64, StoreError> {
        let outfit = outfit.trim();
        let mut tx = self.begin_write().await?;
        cast_unlocked(&mut tx, series_id).await?;
        let version: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM character_references WHERE series_id = ? AND character_id = ?",
        )
        .bind(series_id)
        .bind(character_id)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO character_references (series_id, character_id, version, source, files_json, created_ms, \
             outfit) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(series_id)
        .bind(character_id)
        .bind(version)
        .bind(source)
        .bind(serde_json::to_string(files).unwrap_or_else(|_| "[]".into()))
        .bind(created_ms)
        .bind(outfit)
        .execute(&mut *tx)
        .await?;
        let slot = reference_slot(character_id, outfit);
        point_reference(&mut tx, series_id, &slot, files, generator).await?;
        tx.commit().await?;
        Ok(version)
    }

    /// Makes an earlier version the reference of its outfit again (refused while the cast is locked). False, with
    /// nothing changed, for a version the character never had.
    ///
    /// # Errors
    /// [`StoreError::CastLocked`]; the database's.
    pub async fn use_reference_version(
        &self,
        series_id: &str,
        character_id: &str,
        version: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        cast_unlocked(&mut tx, series_id).await?;
        let row: Option<(String, String, String)> = sqlx::query_as(
            "SELECT source, files_json, outfit FROM character_references \
             WHERE series_id = ? AND character_id = ? AND version = ?",
        )
        .bind(series_id)
        .bind(character_id)
        .bind(version)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((source, files, outfit)) = row else {
            return Ok(false);
        };
        let files: Vec<String> = serde_json::from_str(&files).unwrap_or_default();
        let slot = reference_slot(character_id, &outfit);
        point_reference(&mut tx, series_id, &slot, &files, &source).await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// The reference image in use per [`reference_slot`] of a series: slot → (the file, relative to the data directory;
/// what made it — a generator id, "uploaded" or "chosen").
pub type ReferenceMap = std::collections::BTreeMap<String, (String, String)>;

/// A short ASCII name for an outfit (8 hex digits of the SHA-256 of its trimmed words), for file paths, settings
/// keys and paid-job purposes, which must not carry the writer's free text (fal's job tags keep ASCII only).
pub fn outfit_tag(outfit: &str) -> String {
    use sha2::Digest;
    let h = sha2::Sha256::digest(outfit.trim().as_bytes());
    h[..4].iter().map(|b| format!("{b:02x}")).collect()
}

/// A character's look as an ASCII key for settings rows and paid-job purposes: the character id for their usual
/// look, `<id>@<outfit_tag>` for an outfit ("CHAR001@1a2b3c4d").
pub fn look_key(character_id: &str, outfit: &str) -> String {
    if outfit.trim().is_empty() {
        character_id.to_string()
    } else {
        format!("{character_id}@{}", outfit_tag(outfit))
    }
}

/// The key of a character's reference in a [`ReferenceMap`]: the character id for their usual look,
/// `<id>@<outfit>` for an outfit the story dresses them in ("CHAR001@하얀 웨딩드레스").
pub fn reference_slot(character_id: &str, outfit: &str) -> String {
    let outfit = outfit.trim();
    if outfit.is_empty() {
        character_id.to_string()
    } else {
        format!("{character_id}@{outfit}")
    }
}

/// Whether a reference's maker (the second half of a [`ReferenceMap`] entry) is the creator: uploaded or chosen by
/// them, so the studio never replaces it on its own.
pub fn is_creators_reference(maker: &str) -> bool {
    matches!(maker, "uploaded" | "chosen")
}

/// The settings row holding a series' [`ReferenceMap`].
pub fn references_key(series_id: &str) -> String {
    format!("refs/{series_id}")
}

impl Store {
    /// The reference in use per character of a series (empty before any is made).
    ///
    /// # Errors
    /// The database's; a stored row that does not read.
    pub async fn references_in_use(&self, series_id: &str) -> Result<ReferenceMap, StoreError> {
        Ok(self
            .setting(&references_key(series_id))
            .await?
            .unwrap_or_default())
    }

    /// Records the studio's generated reference of a character (settings row `refs/<series>`) unless the entry
    /// changed since the caller read it (`seen`): a reference the creator uploaded or chose meanwhile is kept. One
    /// write transaction; true when recorded.
    ///
    /// # Errors
    /// The database's.
    pub async fn record_generated_reference(
        &self,
        series_id: &str,
        character_id: &str,
        seen: Option<&(String, String)>,
        file: &str,
        generator: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let key = format!("refs/{series_id}");
        let mut refs: std::collections::BTreeMap<String, (String, String)> =
            crate::settings::setting_in(&mut tx, &key)
                .await?
                .unwrap_or_default();
        if refs.get(character_id) != seen {
            return Ok(false);
        }
        refs.insert(
            character_id.to_string(),
            (file.to_string(), generator.to_string()),
        );
        crate::settings::set_setting_in(&mut tx, &key, &refs).await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// Points the settings row `refs/<series>` at `files[0]` for a [`reference_slot`].
async fn point_reference(
    tx: &mut sqlx::SqliteConnection,
    series_id: &str,
    character_id: &str,
    files: &[String],
    generator: &str,
) -> Result<(), StoreError> {
    let Some(main) = files.first() else {
        return Err(StoreError::Corrupt {
            what: format!("the reference of {character_id}"),
            detail: "a version without files".into(),
        });
    };
    let key = format!("refs/{series_id}");
    let mut refs: std::collections::BTreeMap<String, (String, String)> =
        crate::settings::setting_in(tx, &key)
            .await?
            .unwrap_or_default();
    refs.insert(
        character_id.to_string(),
        (main.clone(), generator.to_string()),
    );
    crate::settings::set_setting_in(tx, &key, &refs).await
}
