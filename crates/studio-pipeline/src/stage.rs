//! The script stage: plans series and writes episodes with a writer, checks every reply, regenerates with the
//! problems fed back (at most `max_attempts`), and either accepts the script into story memory or parks the
//! episode as "needs attention" with the report. Every writer call is entered in the cost ledger.

use crate::artifact::seed_for;
use serde::Serialize;
use studio_domain::{
    Character, CostEntry, EpisodeContext, EpisodeScript, EpisodeStatus, PlanProblem, SeriesPlan,
    ThreadSeed,
};
use studio_store::{Store, StoreError};

use crate::Pricing;
use crate::checks::{self, CheckConfig, CheckReport, Finding, FindingKind, Severity};
use crate::parse;
use crate::prompts;
use crate::writer::{
    PlanCall, PlanRequest, Reply, RetryClass, ScriptCall, Usage, Writer, WriterError,
};

#[derive(Debug, thiserror::Error)]
pub enum StageError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A writer failure the caller should retry later (rate limit past the client's patience, outage).
    #[error(transparent)]
    Writer(#[from] WriterError),
    #[error("{0}")]
    Invalid(String),
    /// A step before this one is not done (no script to voice or to make shots from): do that step first.
    #[error("{0}")]
    StepMissing(String),
}

impl StageError {
    pub fn code(&self) -> studio_domain::ErrorCode {
        use studio_domain::ErrorCode;
        match self {
            Self::Store(e) => e.code(),
            Self::Writer(e) => e.code(),
            Self::Invalid(_) => ErrorCode::InvalidInput,
            Self::StepMissing(_) => ErrorCode::StepMissing,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Accepted,
    /// Parked as "needs attention": a person must look at the report.
    NeedsReview,
}

#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
#[ts(export)]
pub struct Attempt {
    pub number: u32,
    /// "accepted", "rejected by checks", "unparseable reply", "truncated", …
    pub outcome: String,
    pub errors: usize,
    pub quality: Option<f64>,
    pub cost_usd: f64,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ScriptResult {
    pub series_id: String,
    pub episode: u32,
    pub verdict: Verdict,
    pub writer: String,
    pub offline: bool,
    pub script: Option<EpisodeScript>,
    pub report: Option<CheckReport>,
    pub attempts: Vec<Attempt>,
    /// Why the episode was parked, in a sentence.
    pub cause: Option<String>,
    pub cost_usd: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlanResult {
    pub plan: SeriesPlan,
    pub problems: Vec<PlanProblem>,
    pub writer: String,
    pub offline: bool,
    pub attempts: u32,
    pub cost_usd: f64,
}

pub struct ScriptStage<'a> {
    pub writer: &'a dyn Writer,
    pub store: &'a Store,
    pub pricing: &'a Pricing,
    pub cfg: CheckConfig,
}

impl ScriptStage<'_> {
    async fn ledger(
        &self,
        usage: &Option<Usage>,
        op: &str,
        series: &str,
        episode: Option<u32>,
    ) -> Result<f64, StageError> {
        let Some(u) = usage else {
            return Ok(0.0);
        };
        let cost = self.pricing.llm_cost(u);
        if !cost.priced {
            tracing::warn!(model = %u.model, "no price for this model in pricing.toml; the ledger records 0");
        }
        self.store
            .record_usage(&CostEntry {
                provider: u.provider.clone(),
                operation: format!("{op} ({})", u.model),
                series_id: self
                    .store
                    .series_exists(series)
                    .await?
                    .then(|| series.to_string()),
                episode_number: episode,
                units: (u.input_tokens + u.output_tokens) as f64,
                unit: "tokens".into(),
                estimated_usd: cost.usd,
                actual_usd: Some(cost.usd),
            })
            .await?;
        Ok(cost.usd)
    }

    /// Plans a series (not stored: the caller saves it once a person or the validator is content). Unparseable
    /// or invalid plans are regenerated with the problems fed back.
    pub async fn plan_series(&self, req: PlanRequest) -> Result<PlanResult, StageError> {
        let prompt = prompts::plan_prompt(&req);
        let mut feedback: Vec<String> = Vec::new();
        let mut cost = 0.0;
        let mut last: Option<(SeriesPlan, Vec<PlanProblem>)> = None;
        for attempt in 1..=self.cfg.max_attempts.max(1) {
            let call = PlanCall {
                request: req.clone(),
                prompt: prompt.clone(),
                feedback: feedback.clone(),
            };
            let reply = match self.writer.plan_series(&call).await {
                Ok(r) => r,
                Err(e) if e.retry_class() == RetryClass::Regenerate => {
                    feedback = vec![
                        "the reply was cut off at the output limit; keep descriptions short".into(),
                    ];
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            cost += self
                .ledger(&reply.usage, "plan series", &req.series_id, None)
                .await?;
            match parse::parse_plan(&reply.text) {
                Ok(mut plan) => {
                    plan.series.id = req.series_id.clone();
                    let problems = checks::validate_plan(&plan);
                    if problems.is_empty() {
                        return Ok(PlanResult {
                            plan,
                            problems,
                            writer: self.writer.id(),
                            offline: self.writer.is_offline(),
                            attempts: attempt,
                            cost_usd: cost,
                        });
                    }
                    feedback = problems.iter().map(|p| p.to_string()).collect();
                    last = Some((plan, problems));
                }
                Err(e) => feedback = vec![format!("the reply was not a valid series plan: {e}")],
            }
        }
        match last {
            Some((plan, problems)) => Ok(PlanResult {
                plan,
                problems,
                writer: self.writer.id(),
                offline: self.writer.is_offline(),
                attempts: self.cfg.max_attempts,
                cost_usd: cost,
            }),
            None => Err(StageError::Invalid(format!(
                "the writer ({}) produced no usable series plan in {} attempts: {}",
                self.writer.id(),
                self.cfg.max_attempts,
                feedback.join("; ")
            ))),
        }
    }

    /// Writes episode `n`: context from story memory → writer → checks → (regenerate)* → accept or park.
    pub async fn write_episode(&self, series_id: &str, n: u32) -> Result<ScriptResult, StageError> {
        let recorded = self.store.recorded_episodes(series_id).await?;
        if recorded.contains(&n) {
            return Err(StageError::Invalid(format!(
                "episode {n} of {series_id} already has an accepted script; roll story memory back to before it to rewrite it"
            )));
        }
        if n > 1 && !recorded.contains(&(n - 1)) {
            return Err(StageError::Invalid(format!(
                "episode {} of {series_id} must be scripted before episode {n}",
                n - 1
            )));
        }
        let ctx = self.store.context_for(series_id, n).await?;
        let characters = self.store.characters(series_id).await?;
        let plan = self.store.plan(series_id).await?;
        let mut feedback: Vec<String> = Vec::new();
        let mut attempts = Vec::new();
        let mut total_cost = 0.0;
        let mut last: Option<(EpisodeScript, CheckReport)> = None;
        let mut cause: Option<String> = None;

        for number in 1..=self.cfg.max_attempts.max(1) {
            let call = ScriptCall {
                prompt: prompts::script_prompt(&ctx, &characters, &self.cfg, &feedback),
                context: ctx.clone(),
                characters: characters.clone(),
                plan: plan.clone(),
                feedback: feedback.clone(),
                attempt: number,
                seed: seed_for(series_id, n, number),
            };
            let reply: Reply = match self.writer.write_script(&call).await {
                Ok(r) => r,
                Err(e) => match e.retry_class() {
                    RetryClass::Regenerate => {
                        attempts.push(Attempt {
                            number,
                            outcome: e.to_string(),
                            errors: 0,
                            quality: None,
                            cost_usd: 0.0,
                        });
                        feedback = vec![format!(
                            "the previous reply was cut off at the output limit; write exactly the required number of lines, keep notes brief"
                        )];
                        continue;
                    }
                    RetryClass::Never => {
                        cause = Some(e.to_string());
                        attempts.push(Attempt {
                            number,
                            outcome: e.to_string(),
                            errors: 0,
                            quality: None,
                            cost_usd: 0.0,
                        });
                        break;
                    }
                    RetryClass::After | RetryClass::Backoff => return Err(e.into()),
                },
            };
            let cost = self
                .ledger(
                    &reply.usage,
                    &format!("script episode {n}"),
                    series_id,
                    Some(n),
                )
                .await?;
            total_cost += cost;
            let (mut script, notes) = match parse::parse_script(&reply.text) {
                Ok(x) => x,
                Err(e) => {
                    attempts.push(Attempt {
                        number,
                        outcome: format!("unparseable reply: {e}"),
                        errors: 1,
                        quality: None,
                        cost_usd: cost,
                    });
                    feedback = vec![format!(
                        "the previous reply did not match the episode_script schema: {e}. Reply with one JSON object only."
                    )];
                    continue;
                }
            };
            if script.written_by.is_empty() {
                script.written_by = self.writer.id();
            }
            let mut note_lines = checks::settle_clip_priorities(&mut script, &notes);
            // Stage directions written inside dialogue are kept as the line's direction, never voiced or shown.
            let moved = script
                .scenes
                .iter_mut()
                .flat_map(|s| s.lines.iter_mut())
                .filter_map(|l| l.split_directions().then_some(()))
                .count();
            if moved > 0 {
                note_lines.push(format!(
                    "{moved} line(s) had stage directions inside the dialogue; they were moved to the line's direction"
                ));
            }
            if self.writer.is_offline() {
                note_lines.push("written offline by the template writer".into());
            }
            let llm = self
                .llm_findings(&ctx, &script, series_id, n, &mut total_cost)
                .await?;
            let report =
                checks::check_script(&script, &ctx, &characters, &self.cfg, note_lines, llm);
            let errors = report.errors().count();
            if report.passed {
                attempts.push(Attempt {
                    number,
                    outcome: "accepted".into(),
                    errors,
                    quality: Some(report.quality.overall),
                    cost_usd: cost,
                });
                let outcome = outcome_for(&script, &ctx);
                let script_json = serde_json::to_value(&script)
                    .map_err(|e| StageError::Invalid(e.to_string()))?;
                let report_json = serde_json::to_value(&report)
                    .map_err(|e| StageError::Invalid(e.to_string()))?;
                self.store
                    .record_outcome_with_script(
                        series_id,
                        &outcome,
                        Some((&script_json, &report_json)),
                    )
                    .await?;
                return Ok(ScriptResult {
                    series_id: series_id.into(),
                    episode: n,
                    verdict: Verdict::Accepted,
                    writer: self.writer.id(),
                    offline: self.writer.is_offline(),
                    script: Some(script),
                    report: Some(report),
                    attempts,
                    cause: None,
                    cost_usd: total_cost,
                });
            }
            attempts.push(Attempt {
                number,
                outcome: "rejected by checks".into(),
                errors,
                quality: Some(report.quality.overall),
                cost_usd: cost,
            });
            feedback = report.feedback(&self.cfg);
            last = Some((script, report));
        }

        // Parked: keep the last script and its report for the person who reviews it.
        let cause = cause.unwrap_or_else(|| {
            format!(
                "the script failed its checks {} times; see the report",
                self.cfg.max_attempts
            )
        });
        let (script, report) = match last {
            Some((s, r)) => (Some(s), Some(r)),
            None => (None, None),
        };
        let park_report =
            serde_json::json!({ "cause": cause, "report": report, "attempts": attempts });
        let script_json = script
            .as_ref()
            .map(|s| serde_json::to_value(s).unwrap_or_default())
            .unwrap_or(serde_json::Value::Null);
        self.store
            .save_script(series_id, n, &script_json, Some(&park_report))
            .await?;
        self.store
            .transition_episode(series_id, n, EpisodeStatus::park)
            .await?;
        tracing::warn!(series = series_id, episode = n, %cause, "episode parked for review");
        Ok(ScriptResult {
            series_id: series_id.into(),
            episode: n,
            verdict: Verdict::NeedsReview,
            writer: self.writer.id(),
            offline: self.writer.is_offline(),
            script,
            report,
            attempts,
            cause: Some(cause),
            cost_usd: total_cost,
        })
    }

    async fn llm_findings(
        &self,
        ctx: &EpisodeContext,
        script: &EpisodeScript,
        series_id: &str,
        n: u32,
        total_cost: &mut f64,
    ) -> Result<Vec<Finding>, StageError> {
        let prompt = prompts::continuity_prompt(ctx, script);
        let reply = match self.writer.check_continuity(&prompt).await {
            Ok(Some(r)) => r,
            Ok(None) => return Ok(Vec::new()),
            // The rule checks still run; a failed LLM check is a warning, not a verdict.
            Err(e) => {
                return Ok(vec![Finding {
                    kind: FindingKind::LlmContinuity,
                    severity: Severity::Warning,
                    path: "llm".into(),
                    message: format!("the LLM continuity check could not run: {e}"),
                }]);
            }
        };
        *total_cost += self
            .ledger(
                &reply.usage,
                &format!("continuity check episode {n}"),
                series_id,
                Some(n),
            )
            .await?;
        Ok(parse_llm_issues(&reply.text))
    }

    /// Re-checks the stored script of an episode against story memory as it stands (for `aidas episode check`).
    pub async fn check_stored(&self, series_id: &str, n: u32) -> Result<CheckReport, StageError> {
        let Some(v) = self.store.script(series_id, n).await? else {
            return Err(StageError::StepMissing(format!(
                "episode {n} of {series_id} has no script yet"
            )));
        };
        let script: EpisodeScript = serde_json::from_value(v).map_err(|e| {
            StageError::Invalid(format!(
                "the stored script of episode {n} is unreadable: {e}"
            ))
        })?;
        self.check(series_id, n, &script).await
    }

    /// The structure and continuity checks of `script` as episode `n` of the series (without the LLM's review),
    /// whether or not it is stored: an edit is checked before it is saved.
    ///
    /// # Errors
    /// Store errors reading the story so far and the characters.
    pub async fn check(
        &self,
        series_id: &str,
        n: u32,
        script: &EpisodeScript,
    ) -> Result<CheckReport, StageError> {
        let ctx = self.store.context_for(series_id, n).await?;
        let characters: Vec<Character> = self.store.characters(series_id).await?;
        Ok(checks::check_script(
            script,
            &ctx,
            &characters,
            &self.cfg,
            Vec::new(),
            Vec::new(),
        ))
    }
}

/// The LLM continuity check's issues as findings; "high" severity blocks acceptance.
pub fn parse_llm_issues(text: &str) -> Vec<Finding> {
    let v = match parse::json_value(text) {
        Ok(v) => v,
        Err(e) => {
            return vec![Finding {
                kind: FindingKind::LlmContinuity,
                severity: Severity::Warning,
                path: "llm".into(),
                message: format!("the continuity check reply could not be read: {e}"),
            }];
        }
    };
    let severity = match v.get("severity").and_then(|s| s.as_str()) {
        Some("high") => Severity::Error,
        _ => Severity::Warning,
    };
    v.get("continuity_issues")
        .and_then(|i| i.as_array())
        .map(|issues| {
            issues
                .iter()
                .map(|i| {
                    let get = |k: &str| i.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
                    Finding {
                        kind: FindingKind::LlmContinuity,
                        severity,
                        path: format!("llm.{}", get("type")),
                        message: format!(
                            "{} {} — {}",
                            get("character"),
                            get("issue"),
                            get("suggestion")
                        )
                        .trim()
                        .to_string(),
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The outcome an accepted script leaves; a deliberately reopened thread becomes a new thread that says why.
fn outcome_for(script: &EpisodeScript, ctx: &EpisodeContext) -> studio_domain::EpisodeOutcome {
    let mut o = script.to_outcome();
    let taken: Vec<&str> = ctx
        .open_threads
        .iter()
        .chain(ctx.resolved_threads.iter())
        .map(|t| t.id.as_str())
        .collect();
    o.threads_opened = o
        .threads_opened
        .into_iter()
        .map(|t| {
            if taken.contains(&t.id.as_str()) {
                let reason = t.reopen_reason.clone().unwrap_or_default();
                ThreadSeed {
                    id: format!("{}~{}", t.id, script.episode_number),
                    description: format!("{} (다시 열림: {reason})", t.description),
                    ..t
                }
            } else {
                t
            }
        })
        .collect();
    o
}

/// A line a stage could not finish, and why (in the stage's report).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct LineFailure {
    pub line_id: String,
    pub reason: String,
}

/// A shot (storyboard index, from 0) a stage could not finish, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct ShotFailure {
    pub shot: usize,
    pub reason: String,
}
