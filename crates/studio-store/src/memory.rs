//! Story memory: series plans and the per-episode deltas that make "the world as of episode N" a query.

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

fn parse_name<T: std::str::FromStr>(s: &str, what: &str) -> Result<T, StoreError>
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
         active_goals_json, resolved_goals_json, traits_json, situation, alive, present, note) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (series_id, character_id, episode_number) DO UPDATE SET \
         emotional_state = excluded.emotional_state, location = excluded.location, \
         active_goals_json = excluded.active_goals_json, resolved_goals_json = excluded.resolved_goals_json, \
         traits_json = excluded.traits_json, situation = excluded.situation, alive = excluded.alive, \
         present = excluded.present, note = trim(note || ' ' || excluded.note)",
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

impl Store {
    /// Stores a whole series plan — series, characters, outlines, the initial world (episode 0) and a planned row
    /// per episode — in one transaction.
    pub async fn save_plan(&self, plan: &SeriesPlan) -> Result<(), StoreError> {
        let problems = plan.integrity_problems();
        if !problems.is_empty() {
            return Err(StoreError::InvalidPlan(problems));
        }
        let s = &plan.series;
        let mut tx = self.begin_write().await?;
        let clash: Option<(String, String)> =
            sqlx::query_as("SELECT id, title FROM series WHERE id = ? OR title = ? LIMIT 1")
                .bind(&s.id)
                .bind(&s.title)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some((id, _)) = clash {
            return Err(if id == s.id {
                StoreError::DuplicateSeries(s.id.clone())
            } else {
                StoreError::TitleTaken(s.title.clone())
            });
        }
        sqlx::query(
            "INSERT INTO series (id, title, genre, genre_label, total_episodes, episode_duration_min, main_theme, \
             target_audience, premise, status, plot_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&s.id)
        .bind(&s.title)
        .bind(s.genre.to_string())
        .bind(&s.genre_label)
        .bind(s.total_episodes as i64)
        .bind(s.episode_duration_min as i64)
        .bind(&s.main_theme)
        .bind(&s.target_audience)
        .bind(&s.premise)
        .bind(s.status.to_string())
        .bind(to_json(&s.plot))
        .execute(&mut *tx)
        .await?;
        for (i, c) in plan.characters.iter().enumerate() {
            insert_character(&mut tx, &s.id, c, i as i64).await?;
            insert_state(&mut tx, &s.id, 0, &c.initial_state(), "").await?;
        }
        let cast = Cast::new(&plan.characters);
        for r in &plan.relationships {
            let (a, b) = Relationship::pair(&cast.id(&s.id, &r.a)?, &cast.id(&s.id, &r.b)?);
            insert_rel(&mut tx, &s.id, 0, &Relationship { a, b, ..r.clone() }).await?;
        }
        let titles: HashMap<u32, &str> = plan
            .outlines
            .iter()
            .map(|o| (o.episode_number, o.title.as_str()))
            .collect();
        for o in &plan.outlines {
            let focus: Vec<String> = o
                .character_focus
                .iter()
                .map(|c| cast.id(&s.id, c))
                .collect::<Result<_, _>>()?;
            sqlx::query(
                "INSERT INTO episode_outlines (series_id, episode_number, title, arc_phase, main_event, \
                 sub_events_json, character_focus_json, target_emotions_json, hook, cliffhanger) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&s.id)
            .bind(o.episode_number as i64)
            .bind(&o.title)
            .bind(o.arc_phase.to_string())
            .bind(&o.main_event)
            .bind(to_json(&o.sub_events))
            .bind(to_json(&focus))
            .bind(to_json(&o.target_emotions))
            .bind(&o.hook)
            .bind(&o.cliffhanger)
            .execute(&mut *tx)
            .await?;
        }
        for n in 1..=s.total_episodes {
            sqlx::query("INSERT INTO episodes (series_id, episode_number, title) VALUES (?, ?, ?)")
                .bind(&s.id)
                .bind(n as i64)
                .bind(titles.get(&n).copied().unwrap_or(""))
                .execute(&mut *tx)
                .await?;
        }
        for t in &plan.threads {
            sqlx::query(
                "INSERT INTO plot_threads (series_id, id, title, description, opened_in) VALUES (?, ?, ?, ?, 0)",
            )
            .bind(&s.id)
            .bind(&t.id)
            .bind(&t.title)
            .bind(&t.description)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Adds a character to an existing series (its state starts at episode 0).
    pub async fn add_character(&self, series_id: &str, c: &Character) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        series_in(&mut tx, series_id).await?;
        let clash: Option<(String, String)> = sqlx::query_as(
            "SELECT id, name FROM characters WHERE series_id = ? AND (id = ? OR name = ?) LIMIT 1",
        )
        .bind(series_id)
        .bind(&c.id)
        .bind(&c.name)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((id, _)) = clash {
            return Err(if id == c.id {
                StoreError::DuplicateCharacter {
                    series: series_id.into(),
                    id: c.id.clone(),
                }
            } else {
                StoreError::NameCollision {
                    series: series_id.into(),
                    name: c.name.clone(),
                }
            });
        }
        let order: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(sort_order) + 1, 0) FROM characters WHERE series_id = ?",
        )
        .bind(series_id)
        .fetch_one(&mut *tx)
        .await?;
        insert_character(&mut tx, series_id, c, order).await?;
        insert_state(&mut tx, series_id, 0, &c.initial_state(), "").await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn series_exists(&self, id: &str) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM series WHERE id = ?")
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    pub async fn series(&self, id: &str) -> Result<Series, StoreError> {
        let row: Option<SeriesRow> = sqlx::query_as("SELECT * FROM series WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.ok_or_else(|| StoreError::UnknownSeries(id.into()))?
            .into_series()
    }

    /// Finds a series by id, or else by exact title (what a person types on the command line).
    pub async fn find_series(&self, id_or_title: &str) -> Result<Series, StoreError> {
        let row: Option<SeriesRow> = sqlx::query_as(
            "SELECT * FROM series WHERE id = ? OR title = ? ORDER BY id = ? DESC LIMIT 1",
        )
        .bind(id_or_title)
        .bind(id_or_title)
        .bind(id_or_title)
        .fetch_optional(&self.pool)
        .await?;
        row.ok_or_else(|| StoreError::UnknownSeries(id_or_title.into()))?
            .into_series()
    }

    pub async fn list_series(&self) -> Result<Vec<SeriesSummary>, StoreError> {
        #[derive(FromRow)]
        struct SummaryRow {
            id: String,
            title: String,
            genre: String,
            status: String,
            total: i64,
            chars: i64,
            recorded: i64,
            published: i64,
        }
        let rows: Vec<SummaryRow> = sqlx::query_as(
            "SELECT s.id, s.title, s.genre, s.status, s.total_episodes AS total, \
               (SELECT COUNT(*) FROM characters c WHERE c.series_id = s.id) AS chars, \
               (SELECT COUNT(*) FROM episodes e WHERE e.series_id = s.id AND e.recorded_at IS NOT NULL) AS recorded, \
               (SELECT COUNT(*) FROM episodes e WHERE e.series_id = s.id AND e.status = 'published') AS published \
             FROM series s ORDER BY s.created_at, s.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(SeriesSummary {
                    genre: parse_name(&r.genre, "series genre")?,
                    status: parse_name(&r.status, "series status")?,
                    id: r.id,
                    title: r.title,
                    total_episodes: r.total as u32,
                    characters: r.chars as u32,
                    recorded_episodes: r.recorded as u32,
                    published_episodes: r.published as u32,
                })
            })
            .collect()
    }

    pub async fn characters(&self, series_id: &str) -> Result<Vec<Character>, StoreError> {
        self.series(series_id).await?;
        let rows: Vec<CharacterRow> =
            sqlx::query_as("SELECT * FROM characters WHERE series_id = ? ORDER BY sort_order, id")
                .bind(series_id)
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter().map(CharacterRow::into_character).collect()
    }

    pub async fn outlines(&self, series_id: &str) -> Result<Vec<EpisodeOutline>, StoreError> {
        let rows: Vec<OutlineRow> = sqlx::query_as(
            "SELECT * FROM episode_outlines WHERE series_id = ? ORDER BY episode_number",
        )
        .bind(series_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(OutlineRow::into_outline).collect()
    }

    /// The plan as stored, with the world as of episode 0.
    pub async fn plan(&self, series_id: &str) -> Result<SeriesPlan, StoreError> {
        let series = self.series(series_id).await?;
        let characters = self.characters(series_id).await?;
        let outlines = self.outlines(series_id).await?;
        let relationships = self
            .relationships_as_of(series_id, 0)
            .await?
            .into_iter()
            .map(|(_, r)| r)
            .collect();
        let threads = sqlx::query_as::<_, ThreadRow>(
            "SELECT id, title, description, opened_in, resolved_in, resolution FROM plot_threads \
             WHERE series_id = ? AND opened_in = 0 ORDER BY rowid",
        )
        .bind(series_id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|t| studio_domain::ThreadSeed {
            id: t.id,
            title: t.title,
            description: t.description,
            reopen_reason: None,
        })
        .collect();
        Ok(SeriesPlan {
            format: studio_domain::plan::SERIES_FORMAT.into(),
            series,
            characters,
            relationships,
            outlines,
            threads,
        })
    }

    pub async fn episodes(
        &self,
        series_id: &str,
    ) -> Result<Vec<studio_domain::Episode>, StoreError> {
        self.series(series_id).await?;
        let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT episode_number, title, summary, status FROM episodes WHERE series_id = ? ORDER BY episode_number",
        )
        .bind(series_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(n, title, summary, status)| {
                Ok(studio_domain::Episode {
                    series_id: series_id.into(),
                    number: n as u32,
                    title,
                    summary,
                    status: parse_name(&status, "episode status")?,
                })
            })
            .collect()
    }

    /// Episode numbers whose outcome is recorded, ascending.
    pub async fn recorded_episodes(&self, series_id: &str) -> Result<Vec<u32>, StoreError> {
        let v: Vec<i64> = sqlx::query_scalar(
            "SELECT episode_number FROM episodes WHERE series_id = ? AND recorded_at IS NOT NULL \
             ORDER BY episode_number",
        )
        .bind(series_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(v.into_iter().map(|n| n as u32).collect())
    }

    /// Records what an accepted episode changed — summary, key events, character developments, relationship
    /// changes, threads opened and resolved, cliffhanger — in one transaction. Episodes are recorded in order.
    pub async fn record_outcome(
        &self,
        series_id: &str,
        o: &EpisodeOutcome,
    ) -> Result<(), StoreError> {
        self.record_outcome_with_script(series_id, o, None).await
    }

    /// Like [`Store::record_outcome`], and keeps the accepted script and its check report in the same
    /// transaction, so an accepted script is never recorded without its memory (or the other way round).
    pub async fn record_outcome_with_script(
        &self,
        series_id: &str,
        o: &EpisodeOutcome,
        script: Option<(&serde_json::Value, &serde_json::Value)>,
    ) -> Result<(), StoreError> {
        let n = o.episode_number;
        let mut tx = self.begin_write().await?;
        let series = series_in(&mut tx, series_id).await?;
        check_range(&series, n)?;
        let row: Option<(Option<String>, String)> = sqlx::query_as(
            "SELECT recorded_at, status FROM episodes WHERE series_id = ? AND episode_number = ?",
        )
        .bind(series_id)
        .bind(n as i64)
        .fetch_optional(&mut *tx)
        .await?;
        let (recorded_at, status) = row.ok_or_else(|| StoreError::Corrupt {
            what: format!("episode {n} of series {series_id}"),
            detail: "the planned episode row is missing".into(),
        })?;
        if recorded_at.is_some() {
            return Err(StoreError::DuplicateEpisode {
                series: series_id.into(),
                episode: n,
            });
        }
        if n > 1 {
            let prev: Option<Option<String>> = sqlx::query_scalar(
                "SELECT recorded_at FROM episodes WHERE series_id = ? AND episode_number = ?",
            )
            .bind(series_id)
            .bind((n - 1) as i64)
            .fetch_optional(&mut *tx)
            .await?;
            if !matches!(prev, Some(Some(_))) {
                return Err(StoreError::EpisodeGap {
                    series: series_id.into(),
                    episode: n,
                    missing: n - 1,
                });
            }
        }
        let mut problems = Vec::new();
        if o.summary.trim().is_empty() {
            problems.push(PlanProblem {
                path: "summary".into(),
                message: "is empty".into(),
            });
        }
        for (i, r) in o.relationship_changes.iter().enumerate() {
            if r.intimacy.is_some_and(|x| !(1..=10).contains(&x)) {
                problems.push(PlanProblem {
                    path: format!("relationship_changes[{i}].intimacy"),
                    message: format!("{} is outside 1–10", r.intimacy.unwrap_or(0)),
                });
            }
        }
        if !problems.is_empty() {
            return Err(StoreError::InvalidOutcome(problems));
        }
        let next_status: EpisodeStatus =
            parse_name::<EpisodeStatus>(&status, "episode status")?.script()?;

        let chars: Vec<CharacterRow> =
            sqlx::query_as("SELECT * FROM characters WHERE series_id = ?")
                .bind(series_id)
                .fetch_all(&mut *tx)
                .await?;
        let chars: Vec<Character> = chars
            .into_iter()
            .map(CharacterRow::into_character)
            .collect::<Result<_, _>>()?;
        let cast = Cast::new(&chars);
        let prev = n - 1;

        // Character developments, applied to the state as of the previous episode (several for one character
        // accumulate).
        let mut states: HashMap<String, (CharacterState, Vec<String>)> = HashMap::new();
        for d in &o.character_developments {
            let id = cast.id(series_id, &d.character)?;
            let current = match states.remove(&id) {
                Some(x) => x,
                None => {
                    let s = state_as_of(&mut tx, series_id, &id, prev).await?;
                    (s, Vec::new())
                }
            };
            let next = current.0.apply(d)?;
            let mut notes = current.1;
            if !d.note.trim().is_empty() {
                notes.push(d.note.trim().to_string());
            }
            states.insert(id, (next, notes));
        }
        let mut ids: Vec<&String> = states.keys().collect();
        ids.sort();
        for id in ids {
            let (s, notes) = &states[id];
            insert_state(&mut tx, series_id, n, s, &notes.join(" ")).await?;
            if !notes.is_empty() {
                insert_memory(
                    &mut tx,
                    series_id,
                    n,
                    "character_event",
                    serde_json::json!({ "character_id": id, "note": notes.join(" ") }),
                    3,
                )
                .await?;
            }
        }

        let mut rels: HashMap<(String, String), Relationship> = HashMap::new();
        for c in &o.relationship_changes {
            let (a, b) = Relationship::pair(&cast.id(series_id, &c.a)?, &cast.id(series_id, &c.b)?);
            if a == b {
                return Err(StoreError::InvalidOutcome(vec![PlanProblem {
                    path: "relationship_changes".into(),
                    message: format!("\"{}\" cannot relate to itself", c.a),
                }]));
            }
            let key = (a.clone(), b.clone());
            let current = match rels.remove(&key) {
                Some(r) => r,
                None => rel_as_of(&mut tx, series_id, &a, &b, prev)
                    .await?
                    .unwrap_or_else(|| Relationship {
                        a: a.clone(),
                        b: b.clone(),
                        kind: "지인".into(),
                        intimacy: NEW_RELATIONSHIP_INTIMACY as u8,
                        status: String::new(),
                        recent_events: vec![],
                    }),
            };
            let next = current.apply(c);
            if let Some(e) = &c.event {
                insert_memory(
                    &mut tx,
                    series_id,
                    n,
                    "relationship_event",
                    serde_json::json!({ "a": a, "b": b, "event": e, "intimacy": next.intimacy }),
                    3,
                )
                .await?;
            }
            rels.insert(key, next);
        }
        let mut keys: Vec<&(String, String)> = rels.keys().collect();
        keys.sort();
        for k in keys {
            insert_rel(&mut tx, series_id, n, &rels[k]).await?;
        }

        for t in &o.threads_opened {
            if t.id.trim().is_empty() {
                return Err(StoreError::InvalidOutcome(vec![PlanProblem {
                    path: "threads_opened".into(),
                    message: "a thread needs an id".into(),
                }]));
            }
            let exists: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM plot_threads WHERE series_id = ? AND id = ?",
            )
            .bind(series_id)
            .bind(&t.id)
            .fetch_one(&mut *tx)
            .await?;
            if exists > 0 {
                return Err(StoreError::InvalidOutcome(vec![PlanProblem {
                    path: format!("threads_opened.{}", t.id),
                    message: "a thread with this id already exists".into(),
                }]));
            }
            sqlx::query(
                "INSERT INTO plot_threads (series_id, id, title, description, opened_in) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(series_id)
            .bind(&t.id)
            .bind(&t.title)
            .bind(&t.description)
            .bind(n as i64)
            .execute(&mut *tx)
            .await?;
        }
        for r in &o.threads_resolved {
            let row: Option<ThreadRow> = sqlx::query_as(
                "SELECT id, title, description, opened_in, resolved_in, resolution FROM plot_threads \
                 WHERE series_id = ? AND id = ?",
            )
            .bind(series_id)
            .bind(&r.id)
            .fetch_optional(&mut *tx)
            .await?;
            let thread: PlotThread = row
                .ok_or_else(|| StoreError::UnknownThread {
                    series: series_id.into(),
                    id: r.id.clone(),
                })?
                .into();
            let closed = thread.resolve(n, &r.resolution)?;
            sqlx::query("UPDATE plot_threads SET resolved_in = ?, resolution = ? WHERE series_id = ? AND id = ?")
                .bind(n as i64)
                .bind(&closed.resolution)
                .bind(series_id)
                .bind(&r.id)
                .execute(&mut *tx)
                .await?;
        }

        for (i, r) in o.secrets_revealed.iter().enumerate() {
            let id = cast.id(series_id, &r.character)?;
            let owner = chars.iter().find(|c| c.id == id);
            if !owner.is_some_and(|c| c.secrets.iter().any(|x| x == &r.secret)) {
                return Err(StoreError::InvalidOutcome(vec![PlanProblem {
                    path: format!("secrets_revealed[{i}].secret"),
                    message: format!("\"{}\" is not one of {}'s secrets", r.secret, r.character),
                }]));
            }
            insert_memory(
                &mut tx,
                series_id,
                n,
                "secret_revealed",
                serde_json::json!({ "character_id": id, "secret": r.secret }),
                5,
            )
            .await?;
        }
        if !o.appearances.is_empty() {
            let mut ids: Vec<String> = Vec::new();
            for a in &o.appearances {
                let id = cast.id(series_id, a)?;
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            insert_memory(
                &mut tx,
                series_id,
                n,
                "appearances",
                serde_json::json!({ "character_ids": ids }),
                2,
            )
            .await?;
        }
        for (i, e) in o.key_events.iter().enumerate() {
            insert_memory(
                &mut tx,
                series_id,
                n,
                "key_event",
                serde_json::json!({ "order": i, "event": e }),
                4,
            )
            .await?;
        }
        if !o.cliffhanger.trim().is_empty() {
            insert_memory(
                &mut tx,
                series_id,
                n,
                "cliffhanger",
                serde_json::json!({ "text": o.cliffhanger }),
                5,
            )
            .await?;
        }
        let title = if o.title.trim().is_empty() {
            None
        } else {
            Some(o.title.as_str())
        };
        sqlx::query(
            "UPDATE episodes SET title = COALESCE(?, title), summary = ?, key_events_json = ?, cliffhanger = ?, \
             outcome_json = ?, status = ?, recorded_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), \
             script_json = COALESCE(?, script_json), check_report_json = COALESCE(?, check_report_json), \
             updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE series_id = ? AND episode_number = ?",
        )
        .bind(title)
        .bind(&o.summary)
        .bind(to_json(&o.key_events))
        .bind(&o.cliffhanger)
        .bind(to_json(o))
        .bind(next_status.to_string())
        .bind(script.map(|(s, _)| s.to_string()))
        .bind(script.map(|(_, r)| r.to_string()))
        .bind(series_id)
        .bind(n as i64)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The continuity context for writing episode `n`: the outline, the last five recorded episodes, and threads,
    /// character states and relationships as of episode n−1.
    pub async fn context_for(&self, series_id: &str, n: u32) -> Result<EpisodeContext, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let row: Option<SeriesRow> = sqlx::query_as("SELECT * FROM series WHERE id = ?")
            .bind(series_id)
            .fetch_optional(&mut *conn)
            .await?;
        let series = row
            .ok_or_else(|| StoreError::UnknownSeries(series_id.into()))?
            .into_series()?;
        check_range(&series, n)?;
        let prev = n - 1;
        let outline: Option<OutlineRow> = sqlx::query_as(
            "SELECT * FROM episode_outlines WHERE series_id = ? AND episode_number = ?",
        )
        .bind(series_id)
        .bind(n as i64)
        .fetch_optional(&mut *conn)
        .await?;
        let outline = outline.map(OutlineRow::into_outline).transpose()?;

        let prev_rows: Vec<(i64, String, String, String, String)> = sqlx::query_as(
            "SELECT episode_number, title, summary, key_events_json, cliffhanger FROM episodes \
             WHERE series_id = ? AND episode_number < ? AND recorded_at IS NOT NULL \
             ORDER BY episode_number DESC LIMIT ?",
        )
        .bind(series_id)
        .bind(n as i64)
        .bind(CONTEXT_EPISODES)
        .fetch_all(&mut *conn)
        .await?;
        let mut previous_episodes = prev_rows
            .into_iter()
            .map(|(num, title, summary, ke, cliffhanger)| {
                Ok(EpisodeMemory {
                    episode_number: num as u32,
                    key_events: from_json(&ke, format!("key events of episode {num}"))?,
                    title,
                    summary,
                    cliffhanger,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        previous_episodes.reverse();

        let open_threads: Vec<PlotThread> = sqlx::query_as::<_, ThreadRow>(
            "SELECT id, title, description, opened_in, resolved_in, resolution FROM plot_threads \
             WHERE series_id = ?1 AND opened_in <= ?2 AND (resolved_in IS NULL OR resolved_in > ?2) \
             ORDER BY opened_in, rowid",
        )
        .bind(series_id)
        .bind(prev as i64)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|r| PlotThread {
            // Open as of n−1: how (and when) it is resolved later is the future, not context.
            resolved_in: None,
            resolution: None,
            ..PlotThread::from(r)
        })
        .collect();

        let resolved_threads: Vec<PlotThread> = sqlx::query_as::<_, ThreadRow>(
            "SELECT id, title, description, opened_in, resolved_in, resolution FROM plot_threads \
             WHERE series_id = ?1 AND resolved_in IS NOT NULL AND resolved_in <= ?2 ORDER BY resolved_in, rowid",
        )
        .bind(series_id)
        .bind(prev as i64)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(PlotThread::from)
        .collect();

        let chars: Vec<(String, String, String)> =
            sqlx::query_as("SELECT id, name, importance FROM characters WHERE series_id = ? ORDER BY sort_order, id")
                .bind(series_id)
                .fetch_all(&mut *conn)
                .await?;
        let mut names: HashMap<String, (String, Importance)> = HashMap::new();
        for (id, name, imp) in &chars {
            names.insert(
                id.clone(),
                (name.clone(), parse_name(imp, "character importance")?),
            );
        }
        let state_rows: Vec<StateRow> = sqlx::query_as(
            "SELECT character_id, episode_number, emotional_state, location, active_goals_json, \
             resolved_goals_json, traits_json, situation, alive, present FROM character_states cs \
             WHERE cs.series_id = ?1 AND cs.episode_number = (SELECT MAX(x.episode_number) FROM character_states x \
             WHERE x.series_id = cs.series_id AND x.character_id = cs.character_id AND x.episode_number <= ?2)",
        )
        .bind(series_id)
        .bind(prev as i64)
        .fetch_all(&mut *conn)
        .await?;
        let mut by_id: HashMap<String, (u32, CharacterState)> = HashMap::new();
        for r in state_rows {
            let (ep, s) = r.into_state()?;
            by_id.insert(s.character_id.clone(), (ep, s));
        }
        let mut character_states = Vec::with_capacity(chars.len());
        for (id, _, _) in &chars {
            if let Some((ep, state)) = by_id.remove(id) {
                let (name, importance) = names[id].clone();
                character_states.push(CharacterSnapshot {
                    name,
                    importance,
                    as_of_episode: ep,
                    state,
                });
            }
        }
        drop(conn);

        let cast_names: HashMap<&str, &str> = chars
            .iter()
            .map(|(id, name, _)| (id.as_str(), name.as_str()))
            .collect();
        let relationships = self
            .relationships_as_of(series_id, prev)
            .await?
            .into_iter()
            .map(|(ep, r)| RelationshipSnapshot {
                a_name: cast_names
                    .get(r.a.as_str())
                    .unwrap_or(&r.a.as_str())
                    .to_string(),
                b_name: cast_names
                    .get(r.b.as_str())
                    .unwrap_or(&r.b.as_str())
                    .to_string(),
                as_of_episode: ep,
                relationship: r,
            })
            .collect();

        let revealed: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT json_extract(content_json, '$.character_id'), json_extract(content_json, '$.secret'), \
             episode_number FROM story_memory WHERE series_id = ? AND memory_type = 'secret_revealed' \
             AND episode_number <= ? ORDER BY episode_number, id",
        )
        .bind(series_id)
        .bind(prev as i64)
        .fetch_all(&self.pool)
        .await?;
        let revealed_secrets = revealed
            .into_iter()
            .map(|(character_id, secret, ep)| RevealedSecret {
                character_id,
                secret,
                episode: ep as u32,
            })
            .collect();
        let appearances: Vec<(String, i64)> = sqlx::query_as(
            "SELECT j.value, MAX(m.episode_number) FROM story_memory m, json_each(m.content_json, '$.character_ids') j \
             WHERE m.series_id = ? AND m.memory_type = 'appearances' AND m.episode_number <= ? GROUP BY j.value",
        )
        .bind(series_id)
        .bind(prev as i64)
        .fetch_all(&self.pool)
        .await?;
        let last_appearances = appearances
            .into_iter()
            .map(|(id, ep)| (id, ep as u32))
            .collect();

        Ok(EpisodeContext {
            episode_number: n,
            total_episodes: series.total_episodes,
            as_of_episode: prev,
            story_progress_percent: series.progress_percent(n),
            series,
            outline,
            previous_episodes,
            open_threads,
            resolved_threads,
            character_states,
            relationships,
            revealed_secrets,
            last_appearances,
        })
    }

    /// Every relationship as it stood after episode `n`, with the episode that last changed it.
    pub async fn relationships_as_of(
        &self,
        series_id: &str,
        n: u32,
    ) -> Result<Vec<(u32, Relationship)>, StoreError> {
        let rows: Vec<RelRow> = sqlx::query_as(
            "SELECT a, b, episode_number, kind, intimacy, status, recent_events_json FROM character_relationships r \
             WHERE r.series_id = ?1 AND r.episode_number = (SELECT MAX(x.episode_number) FROM \
             character_relationships x WHERE x.series_id = r.series_id AND x.a = r.a AND x.b = r.b \
             AND x.episode_number <= ?2) ORDER BY a, b",
        )
        .bind(series_id)
        .bind(n as i64)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(RelRow::into_rel).collect()
    }

    /// Undoes episode `n` and everything after it: their states, relationships, memories and threads go, their
    /// episodes return to "planned". Refused when any of those episodes is published.
    pub async fn roll_back(&self, series_id: &str, n: u32) -> Result<RollbackReport, StoreError> {
        let mut tx = self.begin_write().await?;
        let series = series_in(&mut tx, series_id).await?;
        check_range(&series, n)?;
        let published: Vec<i64> = sqlx::query_scalar(
            "SELECT episode_number FROM episodes WHERE series_id = ? AND episode_number >= ? \
             AND (status = 'published' OR published_at IS NOT NULL) ORDER BY episode_number",
        )
        .bind(series_id)
        .bind(n as i64)
        .fetch_all(&mut *tx)
        .await?;
        if !published.is_empty() {
            return Err(StoreError::PublishedLater {
                series: series_id.into(),
                episode: n,
                published: published.into_iter().map(|x| x as u32).collect(),
            });
        }
        let episodes: Vec<i64> = sqlx::query_scalar(
            "SELECT episode_number FROM episodes WHERE series_id = ? AND episode_number >= ? \
             AND (recorded_at IS NOT NULL OR status != 'planned') ORDER BY episode_number",
        )
        .bind(series_id)
        .bind(n as i64)
        .fetch_all(&mut *tx)
        .await?;
        let del = |table: &'static str| -> &'static str {
            match table {
                "character_states" => {
                    "DELETE FROM character_states WHERE series_id = ? AND episode_number >= ?"
                }
                "character_relationships" => {
                    "DELETE FROM character_relationships WHERE series_id = ? AND episode_number >= ?"
                }
                _ => "DELETE FROM story_memory WHERE series_id = ? AND episode_number >= ?",
            }
        };
        let mut counts = [0u64; 3];
        for (i, t) in [
            "character_states",
            "character_relationships",
            "story_memory",
        ]
        .into_iter()
        .enumerate()
        {
            counts[i] = sqlx::query(del(t))
                .bind(series_id)
                .bind(n as i64)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        // The voiced lines of rolled-back episodes belonged to scripts that are gone.
        // Paid jobs stay on record (they were paid for) but no longer stand for the rolled-back shots.
        sqlx::query(
            "UPDATE remote_jobs SET purpose = purpose || '@rolled-back-' || id \
             WHERE series_id = ? AND episode_number >= ? AND purpose NOT LIKE '%@rolled-back-%'",
        )
        .bind(series_id)
        .bind(n as i64)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM shot_media WHERE series_id = ? AND episode_number >= ?")
            .bind(series_id)
            .bind(n as i64)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM line_audio WHERE series_id = ? AND episode_number >= ?")
            .bind(series_id)
            .bind(n as i64)
            .execute(&mut *tx)
            .await?;
        let threads_removed =
            sqlx::query("DELETE FROM plot_threads WHERE series_id = ? AND opened_in >= ?")
                .bind(series_id)
                .bind(n as i64)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        let threads_reopened = sqlx::query(
            "UPDATE plot_threads SET resolved_in = NULL, resolution = NULL WHERE series_id = ? AND resolved_in >= ?",
        )
        .bind(series_id)
        .bind(n as i64)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query(
            "UPDATE episodes SET status = 'planned', summary = '', key_events_json = '[]', cliffhanger = '', \
             outcome_json = NULL, script_json = NULL, check_report_json = NULL, recorded_at = NULL, \
             title = COALESCE((SELECT o.title FROM episode_outlines o WHERE o.series_id = episodes.series_id \
                               AND o.episode_number = episodes.episode_number), ''), \
             updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
             WHERE series_id = ? AND episode_number >= ?",
        )
        .bind(series_id)
        .bind(n as i64)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(RollbackReport {
            series_id: series_id.into(),
            episodes: episodes.into_iter().map(|x| x as u32).collect(),
            state_rows: counts[0],
            relationship_rows: counts[1],
            memory_rows: counts[2],
            threads_removed,
            threads_reopened,
        })
    }

    /// Marks an episode published (the publish stage calls this; tests use it to check rollback refusals).
    pub async fn mark_published(
        &self,
        series_id: &str,
        n: u32,
        video_id: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let series = series_in(&mut tx, series_id).await?;
        check_range(&series, n)?;
        let status: String = sqlx::query_scalar(
            "SELECT status FROM episodes WHERE series_id = ? AND episode_number = ?",
        )
        .bind(series_id)
        .bind(n as i64)
        .fetch_one(&mut *tx)
        .await?;
        let current = parse_name::<EpisodeStatus>(&status, "episode status")?;
        // Publishing is reached through the review gate; the store enforces the same rule.
        let next = current.publish()?;
        sqlx::query(
            "UPDATE episodes SET status = ?, youtube_id = ?, published_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
             WHERE series_id = ? AND episode_number = ?",
        )
        .bind(next.to_string())
        .bind(video_id)
        .bind(series_id)
        .bind(n as i64)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Moves an episode through its lifecycle with a compare-and-set on the current status.
    pub async fn transition_episode(
        &self,
        series_id: &str,
        n: u32,
        step: impl FnOnce(EpisodeStatus) -> Result<EpisodeStatus, studio_domain::TransitionError>,
    ) -> Result<EpisodeStatus, StoreError> {
        let mut tx = self.begin_write().await?;
        let series = series_in(&mut tx, series_id).await?;
        check_range(&series, n)?;
        let status: String = sqlx::query_scalar(
            "SELECT status FROM episodes WHERE series_id = ? AND episode_number = ?",
        )
        .bind(series_id)
        .bind(n as i64)
        .fetch_one(&mut *tx)
        .await?;
        let next = step(parse_name(&status, "episode status")?)?;
        sqlx::query(
            "UPDATE episodes SET status = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
             WHERE series_id = ? AND episode_number = ? AND status = ?",
        )
        .bind(next.to_string())
        .bind(series_id)
        .bind(n as i64)
        .bind(&status)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(next)
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
         traits_json, situation, alive, present FROM character_states \
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
