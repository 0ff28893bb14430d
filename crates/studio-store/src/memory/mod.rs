//! Story memory: series plans and the per-episode deltas that make "the world as of episode N" a query.

mod context;
mod lifecycle;
mod plan;
mod record;
mod rollback;

use std::collections::HashMap;

use serde::{Serialize, de::DeserializeOwned};
use sqlx::{FromRow, Sqlite, Transaction};
use studio_domain::{
    ArcPhase, Character, CharacterSnapshot, CharacterState, EpisodeContext, EpisodeMemory,
    EpisodeOutcome, EpisodeOutline, EpisodeStatus, Genre, Importance, PlanProblem, PlotThread,
    Relationship, RelationshipSnapshot, RevealedSecret, Series, SeriesPlan, SeriesStatus,
};

use crate::{Store, StoreError};

/// How many earlier episodes a script's context carries (seed §4.1.2: `LIMIT 5`).
pub const CONTEXT_EPISODES: i64 = 5;
/// Intimacy a relationship starts at when an episode introduces it without saying.
const NEW_RELATIONSHIP_INTIMACY: i16 = 3;

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SeriesSummary {
    pub id: String,
    pub title: String,
    pub genre: Genre,
    pub status: SeriesStatus,
    pub total_episodes: u32,
    pub characters: u32,
    pub recorded_episodes: u32,
    pub published_episodes: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RollbackReport {
    pub series_id: String,
    pub episodes: Vec<u32>,
    pub state_rows: u64,
    pub relationship_rows: u64,
    pub memory_rows: u64,
    pub threads_removed: u64,
    pub threads_reopened: u64,
}

fn to_json<T: Serialize>(v: &T) -> String {
    // Serialising our own plain data types cannot fail (no maps with non-string keys, no custom serialisers).
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

fn from_json<T: DeserializeOwned>(s: &str, what: impl Into<String>) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt {
        what: what.into(),
        detail: e.to_string(),
    })
}

pub(crate) fn parse_name<T: std::str::FromStr>(s: &str, what: &str) -> Result<T, StoreError>
where
    T::Err: std::fmt::Display,
{
    s.parse().map_err(|e: T::Err| StoreError::Corrupt {
        what: what.into(),
        detail: e.to_string(),
    })
}

#[derive(FromRow)]
struct SeriesRow {
    id: String,
    title: String,
    genre: String,
    genre_label: String,
    total_episodes: i64,
    episode_duration_min: i64,
    main_theme: String,
    target_audience: String,
    premise: String,
    status: String,
    plot_json: String,
}

impl SeriesRow {
    fn into_series(self) -> Result<Series, StoreError> {
        Ok(Series {
            genre: parse_name(&self.genre, "series genre")?,
            status: parse_name(&self.status, "series status")?,
            plot: from_json(&self.plot_json, format!("plot of series {}", self.id))?,
            id: self.id,
            title: self.title,
            genre_label: self.genre_label,
            total_episodes: self.total_episodes as u32,
            episode_duration_min: self.episode_duration_min as u32,
            main_theme: self.main_theme,
            target_audience: self.target_audience,
            premise: self.premise,
        })
    }
}

#[derive(FromRow)]
struct CharacterRow {
    id: String,
    name: String,
    role: String,
    importance: String,
    age: Option<i64>,
    occupation: String,
    personality_json: String,
    background: String,
    goals_json: String,
    secrets_json: String,
    voice_profile_json: String,
    appearance_profile_json: String,
}

impl CharacterRow {
    fn into_character(self) -> Result<Character, StoreError> {
        let w = |f: &str| format!("{f} of character {}", self.id);
        Ok(Character {
            importance: parse_name(&self.importance, "character importance")?,
            age: self.age.map(|a| a as u32),
            personality: from_json(&self.personality_json, w("personality"))?,
            goals: from_json(&self.goals_json, w("goals"))?,
            secrets: from_json(&self.secrets_json, w("secrets"))?,
            voice_profile: from_json(&self.voice_profile_json, w("voice profile"))?,
            appearance_profile: from_json(&self.appearance_profile_json, w("appearance profile"))?,
            id: self.id,
            name: self.name,
            role: self.role,
            occupation: self.occupation,
            background: self.background,
        })
    }
}

#[derive(FromRow)]
struct OutlineRow {
    episode_number: i64,
    title: String,
    arc_phase: String,
    main_event: String,
    sub_events_json: String,
    character_focus_json: String,
    target_emotions_json: String,
    hook: String,
    cliffhanger: String,
}

impl OutlineRow {
    fn into_outline(self) -> Result<EpisodeOutline, StoreError> {
        let w = |f: &str| format!("{f} of outline {}", self.episode_number);
        Ok(EpisodeOutline {
            episode_number: self.episode_number as u32,
            arc_phase: parse_name::<ArcPhase>(&self.arc_phase, "arc phase")?,
            sub_events: from_json(&self.sub_events_json, w("sub events"))?,
            character_focus: from_json(&self.character_focus_json, w("character focus"))?,
            target_emotions: from_json(&self.target_emotions_json, w("target emotions"))?,
            title: self.title,
            main_event: self.main_event,
            hook: self.hook,
            cliffhanger: self.cliffhanger,
        })
    }
}

#[derive(FromRow)]
struct StateRow {
    character_id: String,
    episode_number: i64,
    emotional_state: String,
    location: String,
    active_goals_json: String,
    resolved_goals_json: String,
    traits_json: String,
    situation: String,
    alive: bool,
    present: bool,
    outfit: String,
    outfit_prompt: String,
}

impl StateRow {
    fn into_state(self) -> Result<(u32, CharacterState), StoreError> {
        let w = |f: &str| {
            format!(
                "{f} of character {} in episode {}",
                self.character_id, self.episode_number
            )
        };
        Ok((
            self.episode_number as u32,
            CharacterState {
                active_goals: from_json(&self.active_goals_json, w("active goals"))?,
                resolved_goals: from_json(&self.resolved_goals_json, w("resolved goals"))?,
                traits: from_json(&self.traits_json, w("traits"))?,
                character_id: self.character_id,
                emotional_state: self.emotional_state,
                location: self.location,
                situation: self.situation,
                alive: self.alive,
                present: self.present,
                outfit: self.outfit,
                outfit_prompt: self.outfit_prompt,
            },
        ))
    }
}

#[derive(FromRow)]
struct RelRow {
    a: String,
    b: String,
    episode_number: i64,
    kind: String,
    intimacy: i64,
    status: String,
    recent_events_json: String,
}

impl RelRow {
    fn into_rel(self) -> Result<(u32, Relationship), StoreError> {
        let what = format!("recent events of {}–{}", self.a, self.b);
        Ok((
            self.episode_number as u32,
            Relationship {
                recent_events: from_json(&self.recent_events_json, what)?,
                a: self.a,
                b: self.b,
                kind: self.kind,
                intimacy: self.intimacy.clamp(1, 10) as u8,
                status: self.status,
            },
        ))
    }
}

#[derive(FromRow)]
struct ThreadRow {
    id: String,
    title: String,
    description: String,
    opened_in: i64,
    resolved_in: Option<i64>,
    resolution: Option<String>,
}

impl From<ThreadRow> for PlotThread {
    fn from(r: ThreadRow) -> Self {
        PlotThread {
            id: r.id,
            title: r.title,
            description: r.description,
            opened_in: r.opened_in as u32,
            resolved_in: r.resolved_in.map(|x| x as u32),
            resolution: r.resolution,
        }
    }
}

async fn insert_state(
    tx: &mut Transaction<'static, Sqlite>,
    series: &str,
    episode: u32,
    s: &CharacterState,
    note: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO character_states (series_id, character_id, episode_number, emotional_state, location, \
         active_goals_json, resolved_goals_json, traits_json, situation, alive, present, note, outfit, \
         outfit_prompt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (series_id, character_id, episode_number) DO UPDATE SET \
         emotional_state = excluded.emotional_state, location = excluded.location, \
         active_goals_json = excluded.active_goals_json, resolved_goals_json = excluded.resolved_goals_json, \
         traits_json = excluded.traits_json, situation = excluded.situation, alive = excluded.alive, \
         present = excluded.present, note = trim(note || ' ' || excluded.note), outfit = excluded.outfit, \
         outfit_prompt = excluded.outfit_prompt",
    )
    .bind(series)
    .bind(&s.character_id)
    .bind(episode as i64)
    .bind(&s.emotional_state)
    .bind(&s.location)
    .bind(to_json(&s.active_goals))
    .bind(to_json(&s.resolved_goals))
    .bind(to_json(&s.traits))
    .bind(&s.situation)
    .bind(s.alive)
    .bind(s.present)
    .bind(note)
    .bind(&s.outfit)
    .bind(&s.outfit_prompt)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_rel(
    tx: &mut Transaction<'static, Sqlite>,
    series: &str,
    episode: u32,
    r: &Relationship,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO character_relationships (series_id, a, b, episode_number, kind, intimacy, status, \
         recent_events_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (series_id, a, b, episode_number) DO UPDATE SET kind = excluded.kind, \
         intimacy = excluded.intimacy, status = excluded.status, recent_events_json = excluded.recent_events_json",
    )
    .bind(series)
    .bind(&r.a)
    .bind(&r.b)
    .bind(episode as i64)
    .bind(&r.kind)
    .bind(r.intimacy as i64)
    .bind(&r.status)
    .bind(to_json(&r.recent_events))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_memory(
    tx: &mut Transaction<'static, Sqlite>,
    series: &str,
    episode: u32,
    kind: &str,
    content: serde_json::Value,
    importance: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO story_memory (series_id, episode_number, memory_type, content_json, importance_level) \
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(series)
    .bind(episode as i64)
    .bind(kind)
    .bind(content.to_string())
    .bind(importance)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Resolves character references (id or name) for one series.
struct Cast {
    by_ref: HashMap<String, String>,
}

impl Cast {
    fn new(chars: &[Character]) -> Self {
        let mut by_ref = HashMap::new();
        for c in chars {
            by_ref.insert(c.id.clone(), c.id.clone());
            by_ref.insert(c.name.clone(), c.id.clone());
        }
        Cast { by_ref }
    }
    fn id(&self, series: &str, r: &str) -> Result<String, StoreError> {
        self.by_ref
            .get(r.trim())
            .cloned()
            .ok_or_else(|| StoreError::UnknownCharacter {
                series: series.into(),
                reference: r.into(),
            })
    }
}

async fn insert_character(
    tx: &mut Transaction<'static, Sqlite>,
    series: &str,
    c: &Character,
    order: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO characters (series_id, id, name, role, importance, age, occupation, personality_json, \
         background, goals_json, secrets_json, voice_profile_json, appearance_profile_json, sort_order) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(series)
    .bind(&c.id)
    .bind(&c.name)
    .bind(&c.role)
    .bind(c.importance.to_string())
    .bind(c.age.map(|a| a as i64))
    .bind(&c.occupation)
    .bind(to_json(&c.personality))
    .bind(&c.background)
    .bind(to_json(&c.goals))
    .bind(to_json(&c.secrets))
    .bind(to_json(&c.voice_profile))
    .bind(to_json(&c.appearance_profile))
    .bind(order)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn series_in(tx: &mut Transaction<'static, Sqlite>, id: &str) -> Result<Series, StoreError> {
    let row: Option<SeriesRow> = sqlx::query_as("SELECT * FROM series WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    row.ok_or_else(|| StoreError::UnknownSeries(id.into()))?
        .into_series()
}

fn check_range(series: &Series, n: u32) -> Result<(), StoreError> {
    if n == 0 || n > series.total_episodes {
        return Err(StoreError::EpisodeOutOfRange {
            series: series.id.clone(),
            episode: n,
            total: series.total_episodes,
        });
    }
    Ok(())
}

async fn state_as_of(
    tx: &mut Transaction<'static, Sqlite>,
    series: &str,
    character: &str,
    n: u32,
) -> Result<CharacterState, StoreError> {
    let row: Option<StateRow> = sqlx::query_as(
        "SELECT character_id, episode_number, emotional_state, location, active_goals_json, resolved_goals_json, \
         traits_json, situation, alive, present, outfit, outfit_prompt FROM character_states \
         WHERE series_id = ? AND character_id = ? AND episode_number <= ? ORDER BY episode_number DESC LIMIT 1",
    )
    .bind(series)
    .bind(character)
    .bind(n as i64)
    .fetch_optional(&mut **tx)
    .await?;
    match row {
        Some(r) => Ok(r.into_state()?.1),
        None => Err(StoreError::Corrupt {
            what: format!("state of character {character}"),
            detail: "no initial state row".into(),
        }),
    }
}

async fn rel_as_of(
    tx: &mut Transaction<'static, Sqlite>,
    series: &str,
    a: &str,
    b: &str,
    n: u32,
) -> Result<Option<Relationship>, StoreError> {
    let row: Option<RelRow> = sqlx::query_as(
        "SELECT a, b, episode_number, kind, intimacy, status, recent_events_json FROM character_relationships \
         WHERE series_id = ? AND a = ? AND b = ? AND episode_number <= ? ORDER BY episode_number DESC LIMIT 1",
    )
    .bind(series)
    .bind(a)
    .bind(b)
    .bind(n as i64)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| r.into_rel().map(|x| x.1)).transpose()
}
