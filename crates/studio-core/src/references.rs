//! The characters' reference images, as the creator keeps them: the studio's generated portrait, the creator's own
//! files (one or several angles; the first is the main one), or one picked from four generated candidates. Every
//! change is a new version (older ones stay and can be used again), and while the cast is locked the references
//! are locked with the voices. The visuals stage gives the main image of each character to the reference models
//! (`studio_pipeline::visuals`), so a change shows in the shots made after it; shots already made keep their
//! picture until they are made again.
//!
//! Outfits are part of the set: when the story memory dresses a character in something else (a development's
//! `outfit`), the casting screen shows a set for that outfit, which the creator fills the same ways (their files,
//! or one of four candidates that keep the face of the usual reference). Shots in that outfit use it; without one
//! they use the usual reference for the face and the outfit in words.

use serde::Serialize;
use studio_domain::Series;

use crate::{CoreError, Engine};

/// How many candidates one "make candidates" asks for.
pub const CANDIDATES: usize = 4;

/// The largest reference file taken (10 MB, the limit Kling's reference endpoints state).
pub const MAX_REFERENCE_FILE: usize = 10 * 1024 * 1024;

/// The smallest side a reference image may have (300 px, the least Kling's reference endpoints take).
pub const MIN_REFERENCE_SIDE: u32 = 300;

/// At most this many files (angles) in one upload.
pub const MAX_ANGLES: usize = 4;

/// Where a reference version came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceSource {
    /// Made by the studio from the character's look.
    Generated,
    /// The creator's own files.
    Uploaded,
    /// Picked by the creator from generated candidates.
    Chosen,
}

impl ReferenceSource {
    fn key(self) -> &'static str {
        match self {
            Self::Generated => "generated",
            Self::Uploaded => "uploaded",
            Self::Chosen => "chosen",
        }
    }
    fn of(key: &str) -> Self {
        match key {
            "uploaded" => Self::Uploaded,
            "chosen" => Self::Chosen,
            _ => Self::Generated,
        }
    }
}

/// One version of a character's references.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ReferenceVersionView {
    pub version: i64,
    pub source: ReferenceSource,
    /// The files as media URL paths; the first is the main one.
    pub files: Vec<String>,
    /// When it was made (Unix ms; screens show it in the creator's time zone).
    pub created_ms: i64,
    /// The version in use.
    pub current: bool,
}

/// A character's references for the casting screen: the usual look, and each outfit the story has dressed them in.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CharacterReferences {
    pub character_id: String,
    pub name: String,
    /// The usual look (`outfit` empty).
    #[serde(flatten)]
    pub usual: ReferenceSet,
    /// The outfits from the story memory, in order of first wear.
    pub outfits: Vec<ReferenceSet>,
}

/// The references of one look of a character.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ReferenceSet {
    /// The outfit in the story's words; empty for the usual look.
    pub outfit: String,
    /// The first episode by whose end the character wears it (`None` for the usual look).
    pub first_episode: Option<u32>,
    /// The main image in use (a media URL path); `None` before the first visuals run makes the usual one, or while
    /// an outfit has none (its shots then use the usual reference and the outfit in words).
    pub current: Option<String>,
    pub source: Option<ReferenceSource>,
    /// Every version, oldest first (empty while only the generated one exists).
    pub versions: Vec<ReferenceVersionView>,
    /// The latest candidates to choose from (media URL paths), empty when none wait.
    pub candidates: Vec<String>,
    /// What the candidates cost (USD; 0 offline).
    pub candidates_cost_usd: f64,
    /// Whether every one of them was made offline (no image provider, or every paid one failed).
    pub candidates_offline: bool,
    /// An outfit's candidates were all made from the character's usual reference, so they keep its face; false
    /// when they were drawn from words (no usual reference yet, reference models off, or offline).
    pub candidates_keep_face: bool,
    /// An outfit's picture in use was made before the usual reference in use was set, so its face may be the old
    /// one (false for the usual look, and while either has no version).
    pub made_before_usual: bool,
}

/// All references of a series' cast.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ReferencesView {
    pub series_id: String,
    /// Locked with the cast: no reference changes until the cast is unlocked.
    pub locked: bool,
    pub characters: Vec<CharacterReferences>,
}

/// The settings row of the candidates waiting for a character's look (`""` for the usual one), by its
/// [`studio_store::look_key`].
fn candidates_key(series_id: &str, character_id: &str, outfit: &str) -> String {
    format!(
        "ref-candidates/{series_id}/{}",
        studio_store::look_key(character_id, outfit)
    )
}

/// The folder of a character's reference files for an outfit (relative to the data directory): the character's
/// own for the usual look, a subfolder named by a hash of the outfit's words otherwise (file names stay ASCII).
fn references_dir(series_id: &str, character_id: &str, outfit: &str) -> String {
    if outfit.is_empty() {
        format!("series/{series_id}/refs/{character_id}")
    } else {
        format!(
            "series/{series_id}/refs/{character_id}/outfit-{}",
            studio_store::outfit_tag(outfit)
        )
    }
}

/// The candidates waiting for a choice (settings row `ref-candidates/<series>/<slot>`), and the last batch made:
/// a batch's paid jobs are named by its number, so a batch cut short (a crash) is finished from what was paid, and a
/// new one gets the next number. Written once, after the batch is made.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct Candidates {
    batch: u32,
    files: Vec<String>,
    generator: String,
    cost_usd: f64,
    /// An outfit's candidates all made from the usual reference (so they keep its face).
    #[serde(default)]
    keep_face: bool,
}

fn now_ms() -> i64 {
    crate::clock::now_ms()
}

impl Engine {
    /// The references of every character of a series.
    ///
    /// # Errors
    /// An unknown series; the store's.
    pub async fn references(&self, series: &str) -> Result<ReferencesView, CoreError> {
        let s = self.store().find_series(series).await?;
        let (_, locked) = self.store().cast(&s.id).await?;
        let current = self.store().references_in_use(&s.id).await?;
        let worn = self.store().outfits_worn(&s.id).await?;
        let mut characters = Vec::new();
        for c in self.store().characters(&s.id).await? {
            let mut looks = vec![(String::new(), None)];
            looks.extend(
                worn.iter()
                    .filter(|(id, _, _)| *id == c.id)
                    .map(|(_, o, e)| (o.clone(), Some(*e))),
            );
            let mut sets = Vec::new();
            for (outfit, first_episode) in looks {
                sets.push(
                    self.reference_set(&s.id, &c.id, &current, outfit, first_episode)
                        .await?,
                );
            }
            let usual = sets.remove(0);
            let since = |set: &ReferenceSet| {
                set.versions
                    .iter()
                    .find(|v| v.current)
                    .map(|v| v.created_ms)
            };
            if let Some(usual_set) = since(&usual) {
                for o in &mut sets {
                    o.made_before_usual = since(o).is_some_and(|t| t < usual_set);
                }
            }
            characters.push(CharacterReferences {
                character_id: c.id,
                name: c.name,
                usual,
                outfits: sets,
            });
        }
        Ok(ReferencesView {
            series_id: s.id,
            locked,
            characters,
        })
    }

    /// One look's references: in use, versions, candidates waiting.
    async fn reference_set(
        &self,
        series_id: &str,
        character_id: &str,
        current: &studio_store::ReferenceMap,
        outfit: String,
        first_episode: Option<u32>,
    ) -> Result<ReferenceSet, CoreError> {
        let url = |rel: &str| self.media_path(&self.data_dir().join(rel));
        let slot = studio_store::reference_slot(character_id, &outfit);
        let now = current
            .get(&slot)
            .filter(|(p, _)| self.data_dir().join(p).is_file());
        let versions: Vec<ReferenceVersionView> = self
            .store()
            .reference_versions(series_id, character_id, Some(&outfit))
            .await?
            .into_iter()
            .map(|v| {
                let files: Vec<String> = serde_json::from_str(&v.files_json).unwrap_or_default();
                ReferenceVersionView {
                    version: v.version,
                    source: ReferenceSource::of(&v.source),
                    current: now.is_some_and(|(p, _)| files.first() == Some(p)),
                    files: files.iter().map(|f| url(f)).collect(),
                    created_ms: v.created_ms,
                }
            })
            .collect();
        let waiting: Candidates = self
            .store()
            .setting(&candidates_key(series_id, character_id, &outfit))
            .await?
            .unwrap_or_default();
        Ok(ReferenceSet {
            current: now.map(|(p, _)| url(p)),
            source: now.map(|(_, g)| ReferenceSource::of(g)),
            versions,
            candidates: waiting.files.iter().map(|f| url(f)).collect(),
            candidates_cost_usd: waiting.cost_usd,
            candidates_offline: !waiting.generator.is_empty()
                && waiting.generator.split(", ").all(|g| g.contains("offline")),
            candidates_keep_face: waiting.keep_face,
            made_before_usual: false,
            outfit,
            first_episode,
        })
    }

    /// The outfit asked for, as the story memory has it (trimmed; empty for the usual look).
    ///
    /// # Errors
    /// `invalid_input` for an outfit the story never dressed the character in, naming the ones it did.
    async fn known_outfit(
        &self,
        s: &Series,
        c: &studio_domain::Character,
        outfit: &str,
    ) -> Result<String, CoreError> {
        let outfit = outfit.trim();
        if outfit.is_empty() {
            return Ok(String::new());
        }
        let worn: Vec<String> = self
            .store()
            .outfits_worn(&s.id)
            .await?
            .into_iter()
            .filter(|(id, _, _)| *id == c.id)
            .map(|(_, o, _)| o)
            .collect();
        if worn.iter().any(|o| o == outfit) {
            return Ok(outfit.to_string());
        }
        Err(CoreError::invalid(if worn.is_empty() {
            format!(
                "the story has not dressed {} in anything but their usual look, so \"{outfit}\" has no reference set",
                c.name
            )
        } else {
            format!(
                "the story has not dressed {} in \"{outfit}\"; their outfits so far: {}",
                c.name,
                worn.join(", ")
            )
        }))
    }

    /// Refuses while the cast is locked, naming what to do.
    async fn references_open(&self, s: &Series) -> Result<(), CoreError> {
        let (_, locked) = self.store().cast(&s.id).await?;
        if locked {
            return Err(CoreError::invalid(format!(
                "the cast of {} is locked, and the references with it; unlock the cast to change a reference",
                s.title
            )));
        }
        Ok(())
    }

    /// Keeps the generated reference in use as a version before the first change of the usual look, so the
    /// creator can go back to it (version 1 unless outfit versions came first: numbers count across looks).
    async fn keep_generated(&self, s: &Series, character_id: &str) -> Result<(), CoreError> {
        if !self
            .store()
            .reference_versions(&s.id, character_id, Some(""))
            .await?
            .is_empty()
        {
            return Ok(());
        }
        let current = self.store().references_in_use(&s.id).await?;
        if let Some((path, generator)) = current.get(character_id)
            && self.data_dir().join(path).is_file()
        {
            // A copy of its own: the generated file is made again in place when the character's look changes.
            let kept = format!("series/{}/refs/{character_id}/v1-generated.png", s.id);
            let to = self.data_dir().join(&kept);
            if let Some(d) = to.parent() {
                std::fs::create_dir_all(d)
                    .map_err(|e| CoreError::io(d.display().to_string(), e))?;
            }
            std::fs::copy(self.data_dir().join(path), &to)
                .map_err(|e| CoreError::io(to.display().to_string(), e))?;
            self.store()
                .add_reference_version(
                    &s.id,
                    character_id,
                    "",
                    ReferenceSource::Generated.key(),
                    &[kept],
                    generator,
                    now_ms(),
                )
                .await?;
        }
        Ok(())
    }

    /// The creator's own reference images for a character in their usual look or in an outfit of the story (`""`
    /// for the usual look; one or more angles, the first the main one): each must be a PNG or JPEG of at most 10 MB
    /// with both sides at least 300 px. They become a new version in use.
    ///
    /// # Errors
    /// `invalid_input` for no file, too many, an empty, too large, too small or unreadable file (naming it), an
    /// outfit the story never dressed the character in, or a locked cast — nothing is changed then; an unknown
    /// series or character; `io` writing the files.
    pub async fn upload_reference(
        &self,
        series: &str,
        character: &str,
        outfit: &str,
        files: &[(String, Vec<u8>)],
    ) -> Result<ReferencesView, CoreError> {
        let s = self.store().find_series(series).await?;
        let c = self.character_of(&s, character).await?;
        self.references_open(&s).await?;
        let outfit = self.known_outfit(&s, &c, outfit).await?;
        let slot = studio_store::reference_slot(&c.id, &outfit);
        if files.is_empty() {
            return Err(CoreError::invalid(format!(
                "choose at least one image of {} (PNG or JPEG)",
                c.name
            )));
        }
        if files.len() > MAX_ANGLES {
            return Err(CoreError::invalid(format!(
                "{} files: a reference takes at most {MAX_ANGLES} images (angles) of {}",
                files.len(),
                c.name
            )));
        }
        // Every file is read and checked before anything is written.
        let mut images = Vec::new();
        for (name, bytes) in files {
            if bytes.is_empty() {
                return Err(CoreError::invalid(format!("{name} is empty")));
            }
            if bytes.len() > MAX_REFERENCE_FILE {
                return Err(CoreError::invalid(format!(
                    "{name} is {} MB; a reference image can be at most {} MB",
                    bytes.len() / (1024 * 1024),
                    MAX_REFERENCE_FILE / (1024 * 1024)
                )));
            }
            let img = crate::directing::decode_upright(bytes).map_err(|e| {
                CoreError::invalid(format!(
                    "{name} is not an image we can read (PNG or JPEG): {e}"
                ))
            })?;
            if img.width() < MIN_REFERENCE_SIDE || img.height() < MIN_REFERENCE_SIDE {
                return Err(CoreError::invalid(format!(
                    "{name} is {}×{} px; a reference image needs at least {MIN_REFERENCE_SIDE} px on each side",
                    img.width(),
                    img.height()
                )));
            }
            images.push(img);
        }
        // The same pictures as the version in use make no new version.
        let mut encoded = Vec::new();
        for img in &images {
            let mut png = std::io::Cursor::new(Vec::new());
            img.to_rgb8()
                .write_to(&mut png, image::ImageFormat::Png)
                .map_err(|e| CoreError::Internal(format!("encoding a reference: {e}")))?;
            encoded.push(png.into_inner());
        }
        let main_now: Option<String> = self
            .store()
            .references_in_use(&s.id)
            .await?
            .remove(&slot)
            .map(|(p, _)| p);
        let in_use: Vec<Vec<u8>> = self
            .store()
            .reference_versions(&s.id, &c.id, Some(&outfit))
            .await?
            .into_iter()
            .map(|v| serde_json::from_str::<Vec<String>>(&v.files_json).unwrap_or_default())
            .find(|files| !files.is_empty() && files.first() == main_now.as_ref())
            .unwrap_or_default()
            .iter()
            .filter_map(|f| std::fs::read(self.data_dir().join(f)).ok())
            .collect();
        if in_use == encoded {
            return self.references(&s.id).await;
        }
        if outfit.is_empty() {
            self.keep_generated(&s, &c.id).await?;
        }
        let stamp = now_ms();
        let folder = references_dir(&s.id, &c.id, &outfit);
        let mut rels = Vec::new();
        for (k, png) in encoded.iter().enumerate() {
            let rel = format!("{folder}/up-{stamp}-{k}.png");
            let path = self.data_dir().join(&rel);
            if let Some(d) = path.parent() {
                std::fs::create_dir_all(d)
                    .map_err(|e| CoreError::io(d.display().to_string(), e))?;
            }
            std::fs::write(&path, png).map_err(|e| CoreError::io(path.display().to_string(), e))?;
            rels.push(rel);
        }
        let uploaded = ReferenceSource::Uploaded.key();
        self.store()
            .add_reference_version(&s.id, &c.id, &outfit, uploaded, &rels, uploaded, stamp)
            .await?;
        self.references(&s.id).await
    }

    /// Makes [`CANDIDATES`] new candidate references for a character in their usual look or an outfit of the
    /// story (`""` for the usual look) to choose from: paid when fal is set up (FLUX stills; an outfit's from FLUX
    /// Kontext given the usual reference, so the face stays), offline otherwise. The earlier candidates are
    /// replaced.
    ///
    /// # Errors
    /// A locked cast or an outfit the story never dressed the character in (`invalid_input`), an unknown series or
    /// character, the visuals stage's.
    pub async fn reference_candidates(
        &self,
        series: &str,
        character: &str,
        outfit: &str,
    ) -> Result<ReferencesView, CoreError> {
        let s = self.store().find_series(series).await?;
        let c = self.character_of(&s, character).await?;
        self.references_open(&s).await?;
        let outfit = self.known_outfit(&s, &c, outfit).await?;
        let key = candidates_key(&s.id, &c.id, &outfit);
        let before: Candidates = self.store().setting(&key).await?.unwrap_or_default();
        let batch = before.batch + 1;
        let pricing = studio_pipeline::Pricing::bundled();
        let stage = self.visuals_stage(&pricing).await?;
        let dir = self.data_dir().join(format!(
            "{}/candidates",
            references_dir(&s.id, &c.id, &outfit)
        ));
        // The models' words for the outfit: the writer's English as the story memory keeps it.
        let words = if outfit.is_empty() {
            String::new()
        } else {
            self.store()
                .outfit_words(&s.id, &c.id, &outfit)
                .await?
                .unwrap_or_else(|| outfit.clone())
        };
        let (files, generator, cost) = stage
            .reference_candidates(&s.id, &c, &outfit, &words, batch, CANDIDATES, &dir)
            .await?;
        let keep_face = !outfit.is_empty()
            && generator
                .split(", ")
                .all(|g| g == stage.cfg.reference_still_model);
        self.store()
            .set_setting(
                &key,
                &Candidates {
                    batch,
                    files,
                    generator,
                    cost_usd: cost,
                    keep_face,
                },
            )
            .await?;
        for f in before.files {
            let _ = std::fs::remove_file(self.data_dir().join(f));
        }
        self.references(&s.id).await
    }

    /// Uses candidate `index` (from 0) of the candidates waiting for a look (`""` for the usual one, else an outfit
    /// of the story) as its reference: a new version.
    ///
    /// # Errors
    /// `invalid_input` when no candidates wait or the index is outside them, for an unknown outfit, or while the
    /// cast is locked; the store's.
    pub async fn choose_reference(
        &self,
        series: &str,
        character: &str,
        outfit: &str,
        index: usize,
    ) -> Result<ReferencesView, CoreError> {
        let s = self.store().find_series(series).await?;
        let c = self.character_of(&s, character).await?;
        self.references_open(&s).await?;
        let outfit = self.known_outfit(&s, &c, outfit).await?;
        let key = candidates_key(&s.id, &c.id, &outfit);
        let waiting: Candidates = self.store().setting(&key).await?.unwrap_or_default();
        let Some(file) = waiting.files.get(index) else {
            return Err(CoreError::invalid(if waiting.files.is_empty() {
                format!(
                    "{} has no candidates to choose from; make four first (the casting screen, or the candidates command)",
                    c.name
                )
            } else {
                format!(
                    "{} has candidates 1–{}, not {}",
                    c.name,
                    waiting.files.len(),
                    index + 1
                )
            }));
        };
        if outfit.is_empty() {
            self.keep_generated(&s, &c.id).await?;
        }
        let stamp = now_ms();
        let rel = format!(
            "{}/chosen-{stamp}.png",
            references_dir(&s.id, &c.id, &outfit)
        );
        let to = self.data_dir().join(&rel);
        std::fs::copy(self.data_dir().join(file), &to)
            .map_err(|e| CoreError::io(to.display().to_string(), e))?;
        let chosen = ReferenceSource::Chosen.key();
        self.store()
            .add_reference_version(&s.id, &c.id, &outfit, chosen, &[rel], chosen, stamp)
            .await?;
        for f in &waiting.files {
            let _ = std::fs::remove_file(self.data_dir().join(f));
        }
        // The batch number stays, so the next candidates are a new batch (new paid jobs), not this one again.
        self.store()
            .set_setting(
                &key,
                &Candidates {
                    batch: waiting.batch,
                    ..Default::default()
                },
            )
            .await?;
        self.references(&s.id).await
    }

    /// Uses an earlier version of one of a character's looks again (`outfit` `""` for the usual look). Version
    /// numbers count across the character's looks, so a version of another look is refused, naming it.
    ///
    /// # Errors
    /// `invalid_input` for a version the look never had (naming the ones it has, or the look the version is of), an
    /// unknown outfit or a locked cast; the store's.
    pub async fn use_reference(
        &self,
        series: &str,
        character: &str,
        outfit: &str,
        version: i64,
    ) -> Result<ReferencesView, CoreError> {
        let s = self.store().find_series(series).await?;
        let c = self.character_of(&s, character).await?;
        self.references_open(&s).await?;
        let outfit = self.known_outfit(&s, &c, outfit).await?;
        let all = self.store().reference_versions(&s.id, &c.id, None).await?;
        let look = |o: &str| {
            if o.is_empty() {
                "their usual look".to_string()
            } else {
                format!("the outfit \"{o}\"")
            }
        };
        let mine: Vec<i64> = all
            .iter()
            .filter(|v| v.outfit == outfit)
            .map(|v| v.version)
            .collect();
        if !mine.contains(&version) {
            return Err(CoreError::invalid(
                if let Some(other) = all.iter().find(|v| v.version == version) {
                    format!(
                        "version {version} of {} is a reference of {}, not of {}",
                        c.name,
                        look(&other.outfit),
                        look(&outfit)
                    )
                } else if mine.is_empty() {
                    format!(
                        "{} has no earlier reference versions of {} to go back to",
                        c.name,
                        look(&outfit)
                    )
                } else {
                    format!(
                        "{} has reference versions {} of {}, not {version}",
                        c.name,
                        mine.iter()
                            .map(i64::to_string)
                            .collect::<Vec<_>>()
                            .join(", "),
                        look(&outfit)
                    )
                },
            ));
        }
        self.store()
            .use_reference_version(&s.id, &c.id, version)
            .await?;
        self.references(&s.id).await
    }
}
