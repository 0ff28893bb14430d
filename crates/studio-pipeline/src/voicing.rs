//! Voicing an episode: every line through its character's voice chain (primary → persisted fallbacks → espeak),
//! characters in parallel within per-provider limits, only missing or damaged lines redone (the seed's
//! `generate_voices_with_partial_recovery`), each line normalised to 48 kHz, measured, timed and costed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use studio_domain::{CastEntry, CostEntry, Cue, EpisodeScript, LineAudio, TtsProvider, VoiceInfo};
use studio_store::Store;
use tokio::sync::Semaphore;

use crate::Pricing;
use crate::stage::StageError;
use crate::voice::{
    Alignment, SpeechRequest, VoiceError, VoiceProvider, cast_series, emotion_controls,
};

#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct AudioMeasure {
    pub duration_sec: f64,
    pub sample_rate: u32,
    pub rms_dbfs: f64,
}

/// Media work the stage needs, implemented by the engine over the render crate (in-process FFmpeg).
pub trait AudioNormalizer: Send + Sync {
    /// Decodes `src` (whatever a provider returned) and writes `dst` as 48 kHz mono 16-bit WAV.
    fn normalize(&self, src: &Path, dst: &Path) -> Result<AudioMeasure, String>;
}

/// A line spoken by a fallback voice: which line, whose, and the provider and voice that spoke it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
pub struct FallbackVoice {
    pub line_id: String,
    pub character_id: String,
    pub provider: String,
    pub voice_id: String,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, Default)]
pub struct VoicingReport {
    pub series_id: String,
    pub episode: u32,
    pub lines: usize,
    pub voiced_now: usize,
    pub already_done: usize,
    pub by_provider: BTreeMap<String, usize>,
    /// Lines spoken by a fallback voice (not the first of their character's chain).
    pub fallbacks_used: Vec<FallbackVoice>,
    /// Lines no voice could speak, with the last error.
    pub failed: Vec<crate::LineFailure>,
    /// Lines with nothing to say (only dots, symbols or a stage direction — a beat in an older script): never sent
    /// to a voice; the timeline holds a short pause for them.
    #[serde(default)]
    pub silent: Vec<String>,
    pub notes: Vec<String>,
    pub total_duration_sec: f64,
    pub cost_usd: f64,
}

pub struct VoiceStage<'a> {
    pub providers: Vec<Arc<dyn VoiceProvider>>,
    pub store: &'a Store,
    pub audio: Arc<dyn AudioNormalizer>,
    pub data_dir: PathBuf,
    pub pricing: &'a Pricing,
    /// Spending caps (the day's, each provider's, the episode's): a paid line's cost is reserved within them
    /// before it is sent; a provider whose next line would pass one is skipped for the episode (the next voice in
    /// the chain speaks, the offline one last) and the report's notes say which cap.
    pub caps: Vec<studio_store::SpendCap>,
}

use crate::artifact::sha256_file;

/// Subtitle cues from character alignment: characters grouped into words on whitespace; each cue starts at its
/// first character and ends at its last. Times are clamped into the audio and kept monotonic.
pub fn cues_from_alignment(a: &Alignment, duration: f64) -> Vec<Cue> {
    let mut cues: Vec<Cue> = Vec::new();
    let mut word = String::new();
    let mut start = 0.0;
    let mut end = 0.0;
    let mut last_end = 0.0f64;
    let flush =
        |word: &mut String, start: f64, end: f64, cues: &mut Vec<Cue>, last_end: &mut f64| {
            if !word.is_empty() {
                let s = start.max(*last_end).clamp(0.0, duration);
                let e = end.max(s).clamp(s, duration);
                cues.push(Cue {
                    text: std::mem::take(word),
                    start: s,
                    end: e,
                });
                *last_end = e;
            }
        };
    for (i, ch) in a.characters.iter().enumerate() {
        if ch.trim().is_empty() {
            flush(&mut word, start, end, &mut cues, &mut last_end);
            continue;
        }
        if word.is_empty() {
            start = a.starts.get(i).copied().unwrap_or(end);
        }
        word.push_str(ch);
        end = a.ends.get(i).copied().unwrap_or(start);
    }
    flush(&mut word, start, end, &mut cues, &mut last_end);
    cues
}

/// Estimated cues when a provider gives no timing: words share the duration in proportion to their length.
pub fn estimated_cues(text: &str, duration: f64) -> Vec<Cue> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let total: usize = words
        .iter()
        .map(|w| w.chars().count())
        .sum::<usize>()
        .max(1);
    let mut t = 0.0;
    words
        .iter()
        .map(|w| {
            let d = duration * w.chars().count() as f64 / total as f64;
            let c = Cue {
                text: w.to_string(),
                start: t,
                end: (t + d).min(duration),
            };
            t += d;
            c
        })
        .collect()
}

/// Which providers are out for this run, and each provider's run of consecutive failures (the breaker).
#[derive(Default)]
struct Health {
    down: HashMap<TtsProvider, String>,
    strikes: HashMap<TtsProvider, u32>,
}

/// A provider that fails this many lines in a row is skipped for the rest of the run.
const BREAKER_STRIKES: u32 = 3;

/// A voiced line and its cost, or the line id and why no voice could speak it.
type LineResult = Result<(LineAudio, f64), (String, String)>;

/// Why a line was not voiced: it has no letter or digit once directions and symbols are set aside.
pub const NOTHING_TO_SPEAK: &str = "the text has nothing to speak";

struct Pending<'s> {
    line_id: &'s str,
    character: String,
    /// What is said: directions split off and normalised (`studio_domain::speech`), never empty.
    text: String,
    emotion: String,
    atmosphere: &'s str,
}

impl VoiceStage<'_> {
    fn provider(&self, p: TtsProvider) -> Option<&Arc<dyn VoiceProvider>> {
        self.providers.iter().find(|x| x.provider() == p)
    }

    /// Every configured provider's voices; a provider that cannot list its voices is noted and left out.
    pub async fn voice_pool(&self) -> (Vec<VoiceInfo>, Vec<String>) {
        let mut pool = Vec::new();
        let mut notes = Vec::new();
        for p in &self.providers {
            match p.voices().await {
                Ok(v) => pool.extend(v),
                Err(e) => notes.push(format!("{} voices unavailable: {e}", p.provider())),
            }
        }
        (pool, notes)
    }

    /// The series' cast, casting (and locking) it first if nobody has been cast yet.
    pub async fn ensure_cast(
        &self,
        series_id: &str,
    ) -> Result<(Vec<CastEntry>, Vec<String>), StageError> {
        let (cast, _) = self.store.cast(series_id).await?;
        let characters = self.store.characters(series_id).await?;
        if !cast.is_empty()
            && characters
                .iter()
                .all(|c| cast.iter().any(|e| e.character_id == c.id))
        {
            return Ok((cast, Vec::new()));
        }
        let (pool, notes) = self.voice_pool().await;
        let cast = cast_series(&characters, &pool);
        self.store.save_cast(series_id, &cast).await?;
        self.store.set_cast_locked(series_id, true).await?;
        Ok((cast, notes))
    }

    /// Re-casts from the current voice pool; refused while the cast is locked.
    pub async fn recast(
        &self,
        series_id: &str,
    ) -> Result<(Vec<CastEntry>, Vec<String>), StageError> {
        let characters = self.store.characters(series_id).await?;
        let (pool, notes) = self.voice_pool().await;
        let cast = cast_series(&characters, &pool);
        self.store.save_cast(series_id, &cast).await?;
        Ok((cast, notes))
    }

    fn line_path(&self, series_id: &str, n: u32, line_id: &str) -> (String, PathBuf) {
        let safe: String = line_id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let rel = format!("series/{series_id}/ep{n:03}/voices/{safe}.wav");
        let abs = self.data_dir.join(&rel);
        (rel, abs)
    }

    /// Voices every line of an accepted script that is not already voiced intact.
    pub async fn voice_episode(
        &self,
        series_id: &str,
        n: u32,
    ) -> Result<VoicingReport, StageError> {
        let script: EpisodeScript = match self.store.script(series_id, n).await? {
            Some(v)
                if !v.is_null() && self.store.recorded_episodes(series_id).await?.contains(&n) =>
            {
                serde_json::from_value(v).map_err(|e| {
                    StageError::Invalid(format!("the script of episode {n} is unreadable: {e}"))
                })?
            }
            _ => {
                return Err(StageError::StepMissing(format!(
                    "episode {n} of {series_id} has no accepted script; write it first"
                )));
            }
        };
        let (cast, mut notes) = self.ensure_cast(series_id).await?;
        let characters = self.store.characters(series_id).await?;
        let resolve = |r: &str| {
            characters
                .iter()
                .find(|c| c.id == r || c.name == r)
                .map(|c| c.id.clone())
        };
        let by_char: HashMap<&str, &CastEntry> =
            cast.iter().map(|e| (e.character_id.as_str(), e)).collect();

        // Partial recovery: a line is done when its file is there with the recorded checksum.
        let existing: HashMap<String, LineAudio> = self
            .store
            .line_audio(series_id, n)
            .await?
            .into_iter()
            .map(|a| (a.line_id.clone(), a))
            .collect();
        let mut report = VoicingReport {
            series_id: series_id.into(),
            episode: n,
            lines: script.line_count(),
            ..Default::default()
        };
        let mut pending: Vec<Pending> = Vec::new();
        for scene in &script.scenes {
            for line in &scene.lines {
                let intact = existing.get(&line.id).is_some_and(|a| {
                    let p = self.data_dir.join(&a.path);
                    sha256_file(&p).map(|s| s == a.sha256).unwrap_or(false)
                });
                if intact {
                    report.already_done += 1;
                    continue;
                }
                let Some(cid) = resolve(&line.character) else {
                    report.failed.push(crate::LineFailure {
                        line_id: line.id.clone(),
                        reason: format!("\"{}\" is not a character of this series", line.character),
                    });
                    continue;
                };
                // A line with nothing to say is never sent to a voice (nor billed): a silent beat. The checks refuse
                // such lines in new scripts; older accepted scripts may have them.
                let said = line.spoken();
                if !said.is_speakable() {
                    report.silent.push(line.id.clone());
                    continue;
                }
                // A direction written in the line is the emotion hint when the writer gave none (the voice maps read
                // the emotion words they know in it).
                let emotion = if (line.emotion.is_empty() || line.emotion == "neutral")
                    && !said.directions.is_empty()
                {
                    said.directions.join(", ")
                } else {
                    line.emotion.clone()
                };
                pending.push(Pending {
                    line_id: &line.id,
                    character: cid,
                    text: said.text,
                    emotion,
                    atmosphere: &scene.atmosphere,
                });
            }
        }

        // Providers that are down for this episode (quota, key, missing tool), with why.
        let health: Mutex<Health> = Mutex::new(Health::default());
        // Subscription pre-check: the premium provider must have enough characters for its share of the episode.
        if let Some(p) = self.provider(TtsProvider::Elevenlabs) {
            let needed: u64 = pending
                .iter()
                .filter(|l| {
                    by_char
                        .get(l.character.as_str())
                        .is_some_and(|e| e.primary.provider == TtsProvider::Elevenlabs)
                })
                .map(|l| l.text.chars().count() as u64)
                .sum();
            if needed > 0 {
                match p.remaining_characters().await {
                    Ok(Some(left)) if left < needed => {
                        let why = format!(
                            "elevenlabs has {left} characters left and this episode needs {needed}; its lines use the fallback voices"
                        );
                        notes.push(why.clone());
                        health
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .down
                            .insert(TtsProvider::Elevenlabs, why);
                    }
                    Err(e) if e.provider_down() => {
                        notes.push(format!("elevenlabs: {e}"));
                        health
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .down
                            .insert(TtsProvider::Elevenlabs, e.to_string());
                    }
                    _ => {}
                }
            }
        }
        let semaphores: HashMap<TtsProvider, Arc<Semaphore>> = self
            .providers
            .iter()
            .map(|p| {
                (
                    p.provider(),
                    Arc::new(Semaphore::new(p.concurrency().max(1))),
                )
            })
            .collect();

        // One task per character: their lines in order (for prosody continuity), characters in parallel.
        let mut groups: BTreeMap<String, Vec<&Pending>> = BTreeMap::new();
        for p in &pending {
            groups.entry(p.character.clone()).or_default().push(p);
        }
        let results: Mutex<Vec<LineResult>> = Mutex::new(Vec::new());
        let tasks = groups.iter().map(|(cid, lines)| {
            let entry = by_char.get(cid.as_str()).copied();
            let health = &health;
            let semaphores = &semaphores;
            let results = &results;
            async move {
                let Some(entry) = entry else {
                    for l in lines {
                        results.lock().unwrap_or_else(|e| e.into_inner()).push(Err((
                            l.line_id.to_string(),
                            format!("{cid} has no voice in the cast"),
                        )));
                    }
                    return;
                };
                let mut previous: Vec<String> = Vec::new();
                for l in lines {
                    let r = self
                        .voice_line(series_id, n, l, entry, &mut previous, health, semaphores)
                        .await;
                    results.lock().unwrap_or_else(|e| e.into_inner()).push(r);
                }
            }
        });
        futures::future::join_all(tasks).await;

        let mut seen_fallback: HashSet<String> = HashSet::new();
        for r in results.into_inner().unwrap_or_else(|e| e.into_inner()) {
            match r {
                Ok((a, cost)) => {
                    // Its cost is in the ledger already: reserved before sending, settled when spoken.
                    self.store.save_line_audio(series_id, n, &a).await?;
                    report.cost_usd += cost;
                    report.voiced_now += 1;
                    *report
                        .by_provider
                        .entry(a.provider.to_string())
                        .or_default() += 1;
                    if a.chain_index > 0 {
                        seen_fallback.insert(a.character_id.clone());
                        report.fallbacks_used.push(FallbackVoice {
                            line_id: a.line_id.clone(),
                            character_id: a.character_id.clone(),
                            provider: a.provider.to_string(),
                            voice_id: a.voice_id.clone(),
                        });
                    }
                }
                Err((line_id, reason)) => {
                    report.failed.push(crate::LineFailure { line_id, reason })
                }
            }
        }
        for (p, why) in health.into_inner().unwrap_or_else(|e| e.into_inner()).down {
            let note = format!("{p} was skipped: {why}");
            // Said once per provider: a reason already noted for this provider (the subscription pre-check) is not
            // repeated, but two providers stopped by the same cap are both named.
            let provider = p.to_string();
            if !notes.contains(&note)
                && !notes
                    .iter()
                    .any(|x| x.contains(&why) && x.contains(&provider))
            {
                notes.push(note);
            }
        }
        if !seen_fallback.is_empty() {
            let mut who: Vec<String> = seen_fallback.into_iter().collect();
            who.sort();
            notes.push(format!("fallback voices were used for {}", who.join(", ")));
        }
        report.notes = notes;
        report.fallbacks_used.sort();
        report.failed.sort();
        report.total_duration_sec = self
            .store
            .line_audio(series_id, n)
            .await?
            .iter()
            .map(|a| a.duration_sec)
            .fold(0.0, |a, b| a + b);
        Ok(report)
    }

    #[allow(clippy::too_many_arguments)]
    async fn voice_line(
        &self,
        series_id: &str,
        n: u32,
        l: &Pending<'_>,
        entry: &CastEntry,
        previous: &mut Vec<String>,
        health: &Mutex<Health>,
        semaphores: &HashMap<TtsProvider, Arc<Semaphore>>,
    ) -> LineResult {
        // The last guard before any provider: empty or wordless text is never sent (nor billed).
        if !studio_domain::speech::has_words(&l.text) {
            return Err((l.line_id.to_string(), NOTHING_TO_SPEAK.into()));
        }
        let mut last_error = String::from("no voice provider is configured");
        // The chain, then espeak as the last resort even if casting found no espeak fallback.
        let mut chain: Vec<(usize, studio_domain::VoiceAssignment)> =
            entry.chain().cloned().enumerate().collect();
        if !chain.iter().any(|(_, a)| a.provider == TtsProvider::Espeak) {
            let m = entry.primary.modulation;
            let voice = if self.voice_is_female(entry) {
                "f1"
            } else {
                "m1"
            };
            chain.push((
                chain.len(),
                studio_domain::VoiceAssignment {
                    provider: TtsProvider::Espeak,
                    voice_id: voice.into(),
                    voice_name: voice.into(),
                    modulation: m,
                    match_score: 0.0,
                },
            ));
        }
        for (idx, a) in chain {
            if health
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .down
                .contains_key(&a.provider)
            {
                continue;
            }
            let Some(provider) = self.provider(a.provider) else {
                continue;
            };
            let req = SpeechRequest {
                text: l.text.to_string(),
                controls: emotion_controls(&a.modulation, &l.emotion, l.atmosphere),
                previous_request_ids: if idx == 0 {
                    previous.clone()
                } else {
                    Vec::new()
                },
                voice: a.clone(),
            };
            // A paid line is reserved within the caps before it is sent (the offline voice costs nothing).
            let reserved = if a.provider == TtsProvider::Espeak {
                None
            } else {
                let entry = CostEntry {
                    provider: a.provider.to_string(),
                    operation: format!("voice line {} ({})", l.line_id, a.voice_id),
                    series_id: Some(series_id.into()),
                    episode_number: Some(n),
                    units: l.text.chars().count() as f64,
                    unit: "characters".into(),
                    estimated_usd: self
                        .pricing
                        .tts_cost(a.provider, l.text.chars().count() as u64),
                    actual_usd: None,
                };
                match self.store.reserve_usage(&entry, &self.caps).await {
                    Ok(Ok(id)) => Some(id),
                    Ok(Err(hit)) => {
                        health
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .down
                            .insert(a.provider, format!("not sent: {hit}"));
                        last_error = format!("{}: not sent: {hit}", a.provider);
                        continue;
                    }
                    Err(e) => return Err((l.line_id.to_string(), e.to_string())),
                }
            };
            // What the line cost in the end (nothing when it failed: providers bill spoken audio).
            let settle = |usd: f64| async move {
                if let Some(id) = reserved
                    && let Err(e) = self.store.reconcile_usage(id, usd).await
                {
                    tracing::warn!(ledger = id, error = %e, "the voice line's cost could not be settled");
                }
            };
            let speech = {
                let _permit = match semaphores.get(&a.provider) {
                    Some(s) => Some(s.clone().acquire_owned().await),
                    None => None,
                };
                // The breaker may have tripped while this line waited for a permit.
                if health
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .down
                    .contains_key(&a.provider)
                {
                    settle(0.0).await;
                    continue;
                }
                provider.synthesize(&req).await
            };
            let speech = match speech {
                Ok(s) => s,
                Err(e) => {
                    // A refusal (busy, quota, key, bad request) bills nothing; after a failure mid-call the
                    // provider may have spoken and billed the line, so the reservation stands at its estimate.
                    if !matches!(e, VoiceError::Transient { .. }) {
                        settle(0.0).await;
                    }
                    let mut h = health.lock().unwrap_or_else(|x| x.into_inner());
                    if e.provider_down() {
                        h.down.insert(a.provider, e.to_string());
                    } else if e.retryable() {
                        let n = h.strikes.entry(a.provider).or_insert(0);
                        *n += 1;
                        if *n >= BREAKER_STRIKES {
                            let why = format!("failed {n} lines in a row ({e})");
                            h.down.insert(a.provider, why);
                        }
                    }
                    drop(h);
                    tracing::warn!(line = l.line_id, provider = %a.provider, error = %e, "voice failed; trying the next in the chain");
                    last_error = e.to_string();
                    continue;
                }
            };
            health
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .strikes
                .insert(a.provider, 0);
            let billed = self.pricing.tts_cost(a.provider, speech.billed_characters);
            match self.store_line(series_id, n, l, idx, &a, speech).await {
                Ok((audio, request_id, cost)) => {
                    settle(cost).await;
                    if let Some(id) = request_id {
                        previous.push(id);
                        if previous.len() > 3 {
                            previous.remove(0);
                        }
                    }
                    return Ok((audio, cost));
                }
                Err(e) => {
                    // Spoken and billed, but unusable: the ledger keeps what it cost.
                    settle(billed).await;
                    last_error = format!("{}: the audio could not be decoded ({e})", a.provider);
                    continue;
                }
            }
        }
        Err((l.line_id.to_string(), last_error))
    }

    /// Speaks `text` with a character's voice chain into `series/<id>/auditions/<character>.wav` (not stored as
    /// an episode line). Returns the voiced sample.
    pub async fn audition(
        &self,
        series_id: &str,
        character: &str,
        text: &str,
    ) -> Result<LineAudio, StageError> {
        let (cast, _) = self.ensure_cast(series_id).await?;
        let characters = self.store.characters(series_id).await?;
        let c = characters
            .iter()
            .find(|c| c.id == character || c.name == character)
            .ok_or_else(|| studio_store::StoreError::UnknownCharacter {
                series: series_id.into(),
                reference: character.into(),
            })?;
        let entry = cast
            .iter()
            .find(|e| e.character_id == c.id)
            .ok_or_else(|| StageError::Invalid(format!("{} has no voice yet", c.name)))?;
        let line_id = format!("audition-{}", c.id);
        let said = studio_domain::speech::split_directions(text);
        if !said.is_speakable() {
            return Err(StageError::Invalid(if said.directions.is_empty() {
                format!(
                    "{NOTHING_TO_SPEAK}: write a few words for {} to say",
                    c.name
                )
            } else {
                format!(
                    "{NOTHING_TO_SPEAK}: ({}) is a stage direction, not words; write what {} says",
                    said.directions.join(", "),
                    c.name
                )
            }));
        }
        let text = said.text;
        let p = Pending {
            line_id: &line_id,
            character: c.id.clone(),
            text,
            emotion: "neutral".into(),
            atmosphere: "",
        };
        let health = Mutex::new(Health::default());
        let sems: HashMap<TtsProvider, Arc<Semaphore>> = HashMap::new();
        let mut prev = Vec::new();
        self.voice_line(series_id, 0, &p, entry, &mut prev, &health, &sems)
            .await
            .map(|(a, _)| a)
            .map_err(|(_, why)| {
                StageError::Invalid(format!("no voice could speak the audition: {why}"))
            })
    }

    fn voice_is_female(&self, e: &CastEntry) -> bool {
        e.chain().any(|a| a.voice_id.starts_with('f'))
    }

    async fn store_line(
        &self,
        series_id: &str,
        n: u32,
        l: &Pending<'_>,
        idx: usize,
        a: &studio_domain::VoiceAssignment,
        speech: crate::voice::Speech,
    ) -> Result<(LineAudio, Option<String>, f64), String> {
        let (rel, abs) = self.line_path(series_id, n, l.line_id);
        let dir = abs.parent().map(|d| d.to_path_buf()).unwrap_or_default();
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let src = dir.join(format!(
            "{}.src",
            abs.file_stem().and_then(|s| s.to_str()).unwrap_or("line")
        ));
        std::fs::write(&src, &speech.audio).map_err(|e| e.to_string())?;
        let tools = self.audio.clone();
        let (s2, d2) = (src.clone(), abs.clone());
        let measured = tokio::task::spawn_blocking(move || tools.normalize(&s2, &d2))
            .await
            .map_err(|e| e.to_string())?;
        let _ = std::fs::remove_file(&src);
        let m = measured?;
        let sha = sha256_file(&abs).map_err(|e| e.to_string())?;
        let (cues, estimated) = match &speech.alignment {
            Some(al) if !al.characters.is_empty() => {
                (cues_from_alignment(al, m.duration_sec), false)
            }
            _ => (estimated_cues(&l.text, m.duration_sec), true),
        };
        let cost = self.pricing.tts_cost(a.provider, speech.billed_characters);
        Ok((
            LineAudio {
                line_id: l.line_id.to_string(),
                character_id: l.character.clone(),
                provider: a.provider,
                voice_id: a.voice_id.clone(),
                path: rel,
                sha256: sha,
                duration_sec: m.duration_sec,
                sample_rate: m.sample_rate,
                cues,
                timing_estimated: estimated,
                billed_characters: speech.billed_characters,
                chain_index: idx,
            },
            speech.request_id,
            cost,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alignment_cues_are_monotonic_inside_the_audio_and_cover_the_text() {
        let text = "안녕, 오늘 정말 좋은 날이야!";
        let chars: Vec<String> = text.chars().map(|c| c.to_string()).collect();
        let starts: Vec<f64> = (0..chars.len()).map(|i| i as f64 * 0.1).collect();
        let ends: Vec<f64> = starts.iter().map(|s| s + 0.09).collect();
        let cues = cues_from_alignment(
            &Alignment {
                characters: chars,
                starts,
                ends,
            },
            1.5,
        );
        assert_eq!(
            cues.iter().map(|c| c.text.as_str()).collect::<Vec<_>>(),
            vec!["안녕,", "오늘", "정말", "좋은", "날이야!"]
        );
        for w in cues.windows(2) {
            assert!(w[0].end <= w[1].start + 1e-9 && w[0].start <= w[0].end);
        }
        assert!(cues.iter().all(|c| c.start >= 0.0 && c.end <= 1.5));
        let covered: String = cues.iter().map(|c| c.text.clone()).collect();
        assert_eq!(
            covered,
            text.chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
        );
        // Overlapping or out-of-range provider times are clamped into order.
        let messy = Alignment {
            characters: vec!["가".into(), " ".into(), "나".into()],
            starts: vec![0.5, 0.6, 0.2],
            ends: vec![0.7, 0.6, 9.0],
        };
        let c = cues_from_alignment(&messy, 1.0);
        assert!(c[1].start >= c[0].end && c[1].end <= 1.0);
    }

    #[test]
    fn estimated_cues_share_the_duration_by_length() {
        let c = estimated_cues("가나 다라마", 1.0);
        assert_eq!(c.len(), 2);
        assert!((c[0].end - 0.4).abs() < 1e-9 && (c[1].end - 1.0).abs() < 1e-9);
    }
}
