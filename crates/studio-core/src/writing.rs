//! Writing: which writer the engine uses, planning new series and writing episode scripts through the stage.

use serde::{Deserialize, Serialize};
use studio_domain::plan::{
    DEFAULT_EPISODE_MINUTES, DEFAULT_EPISODES, MAX_EPISODE_MINUTES, MAX_EPISODES,
    MAX_PREMISE_CHARS, MAX_TITLE_CHARS,
};
use studio_domain::{Genre, SeriesPlan};
use studio_pipeline::writer::{PlanRequest, Writer};
use studio_pipeline::{CheckReport, Pricing, ScriptResult, ScriptStage};
use studio_providers::{AnthropicWriter, OpenAiWriter, TemplateWriter};

use crate::{CoreError, Engine};

/// A new series as every shell asks for it (the `series_new` command, `aidas series new`, the planner form). In
/// JSON only `title` is required — the rest have one default each, the same everywhere — and an unknown field is
/// refused (a misspelt one would otherwise be a silent default). The TypeScript type asks for the whole form.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(default, deny_unknown_fields)]
pub struct NewSeries {
    /// 1–[`MAX_TITLE_CHARS`] characters.
    pub title: String,
    /// Romance when not given.
    #[ts(optional)]
    pub genre: Option<Genre>,
    /// 1–[`MAX_EPISODES`]; [`DEFAULT_EPISODES`] when not given.
    pub episodes: u32,
    /// Minutes per episode, 1–[`MAX_EPISODE_MINUTES`]; [`DEFAULT_EPISODE_MINUTES`] when not given.
    pub episode_duration_min: u32,
    /// At most [`MAX_PREMISE_CHARS`] characters.
    pub premise: String,
    pub main_theme: String,
    pub target_audience: String,
    /// "offline" | "openai" | "anthropic"; `None` uses `writer.default` from the config.
    #[ts(optional)]
    pub writer: Option<String>,
    /// The series id; derived from the title when not given.
    #[ts(optional)]
    pub id: Option<String>,
    /// The offline writer's seed; derived from the title when not given.
    #[ts(optional, type = "number")]
    pub seed: Option<u64>,
}

impl Default for NewSeries {
    fn default() -> Self {
        Self {
            title: String::new(),
            genre: None,
            episodes: DEFAULT_EPISODES,
            episode_duration_min: DEFAULT_EPISODE_MINUTES,
            premise: String::new(),
            main_theme: String::new(),
            target_audience: String::new(),
            writer: None,
            id: None,
            seed: None,
        }
    }
}

impl NewSeries {
    /// Every field that is out of bounds, each said in words (empty: the request can be planned).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let title = self.title.trim().chars().count();
        if title == 0 {
            out.push("a series needs a title".to_string());
        } else if title > MAX_TITLE_CHARS {
            out.push(format!(
                "the title has {title} characters; at most {MAX_TITLE_CHARS} fit"
            ));
        }
        if !(1..=MAX_EPISODES).contains(&self.episodes) {
            out.push(format!(
                "{} episodes is outside 1–{MAX_EPISODES}",
                self.episodes
            ));
        }
        if !(1..=MAX_EPISODE_MINUTES).contains(&self.episode_duration_min) {
            out.push(format!(
                "an episode of {} minutes is outside 1–{MAX_EPISODE_MINUTES}",
                self.episode_duration_min
            ));
        }
        let premise = self.premise.chars().count();
        if premise > MAX_PREMISE_CHARS {
            out.push(format!(
                "the premise has {premise} characters; at most {MAX_PREMISE_CHARS} fit"
            ));
        }
        out
    }
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct NewSeriesReport {
    pub series_id: String,
    pub title: String,
    pub writer: String,
    pub offline: bool,
    pub characters: usize,
    pub episodes: u32,
    /// What still blocks production (empty: ready).
    pub problems: Vec<String>,
    pub attempts: u32,
    pub cost_usd: f64,
}

/// A stable id from a title: ASCII words kept, anything else hashed (Korean titles have no ASCII slug).
pub fn series_id_for(title: &str) -> String {
    let ascii: String = title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let hash = studio_pipeline::artifact::seed_for(title, 0, 0);
    if ascii.len() >= 3 {
        format!(
            "{}-{:04x}",
            ascii.chars().take(32).collect::<String>(),
            hash & 0xffff
        )
    } else {
        format!("s-{:08x}", hash & 0xffff_ffff)
    }
}

impl Engine {
    /// The writer to use: the named one, else the configured default. Keys come from the secret store.
    ///
    /// # Errors
    /// `InvalidInput` for an unknown writer name; `KeyringUnavailable`/`KeyringError` reading its key.
    pub async fn writer(&self, name: Option<&str>) -> Result<Box<dyn Writer>, CoreError> {
        let name = name.unwrap_or(&self.config().writer.default).to_string();
        let w = &self.config().writer;
        let endpoint = |n: &str| self.config().endpoint(n).unwrap_or_default().to_string();
        Ok(match name.as_str() {
            "offline" => Box::new(TemplateWriter),
            "openai" => {
                let key = self.secret("openai").await?.map(|s| s.expose().to_string());
                let mut x = OpenAiWriter::new(&endpoint("openai"), key, &w.openai_model)
                    .with_max_tokens(w.max_output_tokens)
                    .with_limits(self.rate_limits());
                x.llm_continuity_check = w.llm_continuity_check;
                Box::new(x)
            }
            "anthropic" => {
                let key = self
                    .secret("anthropic")
                    .await?
                    .map(|s| s.expose().to_string());
                let mut x = AnthropicWriter::new(&endpoint("anthropic"), key, &w.anthropic_model)
                    .with_max_tokens(w.max_output_tokens)
                    .with_limits(self.rate_limits());
                x.llm_continuity_check = w.llm_continuity_check;
                Box::new(x)
            }
            other => {
                return Err(CoreError::invalid(format!(
                    "unknown writer \"{other}\" (offline, openai, anthropic)"
                )));
            }
        })
    }

    fn script_stage<'a>(&'a self, writer: &'a dyn Writer, pricing: &'a Pricing) -> ScriptStage<'a> {
        ScriptStage {
            writer,
            store: self.store(),
            pricing,
            cfg: self.config().checks.clone(),
        }
    }

    /// Plans a new series with a writer and stores it (as a draft) when its structure is sound; readiness problems
    /// are reported for the person to fix before production.
    ///
    /// # Errors
    /// `InvalidInput` listing every problem of the request (title, premise, counts; limits from
    /// `studio_domain::plan`); `TitleTaken`; the writer's errors by class; `Database` (and `CorruptData`) from the
    /// store.
    pub async fn new_series(&self, req: NewSeries) -> Result<NewSeriesReport, CoreError> {
        let problems = req.problems();
        if !problems.is_empty() {
            return Err(CoreError::invalid(problems.join("; ")));
        }
        let req = NewSeries {
            title: req.title.trim().to_string(),
            ..req
        };
        let id = req.id.clone().unwrap_or_else(|| series_id_for(&req.title));
        if self.store().series_exists(&id).await? {
            return Err(studio_store::StoreError::DuplicateSeries(id).into());
        }
        let writer = self.writer(req.writer.as_deref()).await?;
        let pricing = Pricing::bundled();
        let stage = self.script_stage(writer.as_ref(), &pricing);
        let genre = req.genre.unwrap_or(Genre::Romance);
        let result = stage
            .plan_series(PlanRequest {
                title: req.title.clone(),
                genre,
                episodes: req.episodes,
                episode_duration_min: req.episode_duration_min,
                premise: req.premise.clone(),
                main_theme: req.main_theme.clone(),
                target_audience: req.target_audience.clone(),
                series_id: id.clone(),
                seed: req.seed.unwrap_or_else(|| {
                    studio_pipeline::artifact::seed_for(&req.title, req.episodes, 0)
                }),
            })
            .await?;
        let mut plan: SeriesPlan = result.plan;
        plan.series.id = id.clone();
        plan.series.title = req.title.clone();
        self.import_plan(&plan).await?;
        Ok(NewSeriesReport {
            series_id: id,
            title: req.title,
            writer: result.writer,
            offline: result.offline,
            characters: plan.characters.len(),
            episodes: plan.series.total_episodes,
            problems: result.problems.iter().map(|p| p.to_string()).collect(),
            attempts: result.attempts,
            cost_usd: result.cost_usd,
        })
    }

    /// Writes, checks and (when it passes) records episode `n`; parks it for review after the allowed attempts.
    ///
    /// # Errors
    /// `UnknownSeries` when no series has that id or title; `InvalidInput` for an unknown writer or an episode the
    /// plan does not have; the writer's errors by class (`RateLimited`, `QuotaExhausted`, `Auth`, `Refused`, …);
    /// `Database` (and `CorruptData`) from the store.
    pub async fn write_episode(
        &self,
        series: &str,
        n: u32,
        writer: Option<&str>,
    ) -> Result<ScriptResult, CoreError> {
        let s = self.store().find_series(series).await?;
        let writer = self.writer(writer).await?;
        let pricing = Pricing::bundled();
        let r = self
            .script_stage(writer.as_ref(), &pricing)
            .write_episode(&s.id, n)
            .await?;
        if r.verdict == studio_pipeline::Verdict::Accepted {
            self.events().publish(crate::EngineEvent::EpisodeRecorded {
                series_id: s.id.clone(),
                episode: n,
            });
        } else {
            self.raise_alert(
                &format!("script_needs_review:{}:{n}", s.id),
                crate::AlertLevel::Warning,
                crate::events::AlertAbout::ScriptNeedsReview {
                    series_id: s.id.clone(),
                    episode: n,
                },
                format!(
                    "{} episode {n} needs review: {}",
                    s.title,
                    r.cause.clone().unwrap_or_default()
                ),
            )
            .await;
        }
        Ok(r)
    }

    /// Checks the stored script of episode `n` again (continuity and quality), as `aidas episode check` prints.
    ///
    /// # Errors
    /// `UnknownSeries` when no series has that id or title; `InvalidInput` when the episode has no script;
    /// `Database` (and `CorruptData`) from the store.
    pub async fn check_episode(&self, series: &str, n: u32) -> Result<CheckReport, CoreError> {
        let s = self.store().find_series(series).await?;
        let w = TemplateWriter;
        let pricing = Pricing::bundled();
        Ok(self
            .script_stage(&w, &pricing)
            .check_stored(&s.id, n)
            .await?)
    }

    /// The checks of an edited script of episode `n` before it is saved (as [`Engine::check_episode`]).
    ///
    /// # Errors
    /// `Database` (and `CorruptData`) from the store.
    pub(crate) async fn check_script(
        &self,
        series_id: &str,
        n: u32,
        script: &studio_domain::EpisodeScript,
    ) -> Result<CheckReport, CoreError> {
        let w = TemplateWriter;
        let pricing = Pricing::bundled();
        Ok(self
            .script_stage(&w, &pricing)
            .check(series_id, n, script)
            .await?)
    }

    /// Writes a written episode again before it goes into production: undoes it in story memory (and every
    /// later one), then writes it anew. Refused once the episode is past writing (regenerate scenes in review).
    ///
    /// # Errors
    /// `UnknownSeries` when no series has that id or title; `InvalidInput` when the episode has no script; the
    /// writer's errors by class; `Database` (and `CorruptData`) from the store.
    pub async fn rewrite_episode(
        &self,
        series: &str,
        n: u32,
    ) -> Result<studio_pipeline::ScriptResult, CoreError> {
        use studio_domain::EpisodeStatus as S;
        let s = self.store().find_series(series).await?;
        let st = self.episode_status(&s.id, n).await?;
        if matches!(st, S::Approved | S::Scheduled | S::Published) {
            return Err(CoreError::blocked(
                studio_domain::ErrorCode::EpisodeClosed,
                format!("{} episode {n} is {st}: its script is final", s.title),
            ));
        }
        if !matches!(st, S::Planned | S::Scripted | S::NeedsAttention) {
            return Err(CoreError::invalid(format!(
                "{} episode {n} is {st}: it is past writing; regenerate scenes in review instead",
                s.title
            )));
        }
        if st != S::Planned {
            self.roll_back(&s.id, n).await?;
        }
        self.write_episode(&s.id, n, None).await
    }

    /// The series and the script of its episode `n`, or a clear error saying how to write it.
    pub(crate) async fn series_and_script(
        &self,
        series: &str,
        n: u32,
    ) -> Result<(studio_domain::Series, studio_domain::EpisodeScript), CoreError> {
        let s = self.store().find_series(series).await?;
        let script = self.episode_script(&s.id, n).await?.ok_or_else(|| {
            CoreError::blocked(
                studio_domain::ErrorCode::StepMissing,
                format!("{} episode {n} has no script yet: write it first", s.title),
            )
        })?;
        Ok((s, script))
    }

    /// # Errors
    /// `Database` (and `CorruptData`) from the store (`CorruptData` for a stored script that no longer parses).
    pub async fn episode_script(
        &self,
        series: &str,
        n: u32,
    ) -> Result<Option<studio_domain::EpisodeScript>, CoreError> {
        let s = self.store().find_series(series).await?;
        match self.store().script(&s.id, n).await? {
            Some(v) if !v.is_null() => Ok(Some(serde_json::from_value(v).map_err(|e| {
                CoreError::Internal(format!(
                    "the stored script of episode {n} is unreadable: {e}"
                ))
            })?)),
            _ => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_titles() {
        assert!(series_id_for("첫사랑은 처음이라서").starts_with("s-"));
        assert_eq!(
            series_id_for("첫사랑은 처음이라서"),
            series_id_for("첫사랑은 처음이라서")
        );
        assert!(series_id_for("Seoul Nights 2").starts_with("seoul-nights-2-"));
        let id = series_id_for("Seoul Nights 2");
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    }
}
