//! # Production: the durable stage DAG and its workers
//!
//! `produce` queues one job per stage of an episode (script → memory update → storyboard → voices ∥ visuals →
//! avatars → render → package → review gate → publish → finalize); workers claim jobs whose inputs have succeeded
//! (`studio-store::jobs`: one `UPDATE … RETURNING` in `BEGIN IMMEDIATE`), hold them with a lease they renew by
//! heartbeat, and finish them compare-and-set. Stages are idempotent — each engine step redoes only what is missing
//! (voices and clips are checked against their hashes, the render against its inputs fingerprint, paid jobs follow
//! the write-ahead rule) — so a job re-run after a crash costs only the unfinished part. A failure is classified:
//! rate limit → retry after the reset, transient → exponential backoff with jitter, anything a person must fix →
//! parked as "needs attention" with the cause, never silently dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use studio_domain::{EpisodeStatus, Stage};
use studio_store::{JobFailure, JobRow};

use crate::clock::now_ms;
use crate::events::{AlertLevel, EngineEvent};
use crate::{CoreError, Engine};
use studio_domain::ErrorCode;

/// Production settings (`[production]` in config.toml).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(default)]
pub struct ProductionConfig {
    /// Jobs run side by side in the daemon.
    pub workers: usize,
    /// How long a claimed job stays a worker's without a heartbeat.
    pub lease_sec: u64,
    pub heartbeat_sec: u64,
    /// How often an idle worker looks for work.
    pub poll_sec: f64,
    /// Attempts before a transient failure is parked for a person.
    pub max_attempts: i64,
    /// First retry delay; doubles per attempt (with ±20 % jitter), at most `backoff_max_sec`.
    pub backoff_base_sec: f64,
    pub backoff_max_sec: f64,
    /// The review gate: "always" (a person approves every episode), "flagged" (only when checks flagged
    /// something), "never" (unattended).
    pub review: String,
    /// Episodes started per day by the daily plan (across active series, fairly).
    pub episodes_per_day: u32,
    /// Whether the daemon queues the daily plan itself (else it only works off what was queued).
    pub auto_plan: bool,
    /// Spending per day (the creator's day, in `time_zone`) over all providers; no paid job is sent past it.
    pub daily_cap_usd: f64,
    /// Spending per day per provider ("fal", "heygen", "elevenlabs", …).
    pub provider_daily_cap_usd: std::collections::BTreeMap<String, f64>,
    /// Requests per minute per provider ("fal", "heygen", "elevenlabs", "openai", "youtube", …), spaced out
    /// in this process; bursts up to a tenth of a minute's worth (at least 1).
    pub provider_rate_per_min: std::collections::BTreeMap<String, f64>,
    /// Alerts are also POSTed here as JSON (`{source, rule, level, message}`), when set.
    pub alert_webhook_url: Option<String>,
    /// When new jobs may start, "HH:MM-HH:MM" in local time (may wrap past midnight, e.g. "22:00-07:00"); empty
    /// means always. Jobs already running finish.
    pub work_window: String,
    /// The creator's time zone (IANA name, e.g. "Asia/Seoul", "America/New_York") for the work window and
    /// publish times; daylight saving is followed.
    pub time_zone: String,
}

impl Default for ProductionConfig {
    fn default() -> Self {
        Self {
            workers: 2,
            lease_sec: 120,
            heartbeat_sec: 15,
            poll_sec: 2.0,
            max_attempts: 5,
            backoff_base_sec: 30.0,
            backoff_max_sec: 1800.0,
            review: "always".into(),
            episodes_per_day: 10,
            auto_plan: false,
            daily_cap_usd: 25.0,
            provider_daily_cap_usd: Default::default(),
            provider_rate_per_min: Default::default(),
            alert_webhook_url: None,
            work_window: String::new(),
            time_zone: crate::clock::DEFAULT_TIME_ZONE.into(),
        }
    }
}

/// This process's worker identity: host, pid and a per-worker number. A re-started process on the same host can
/// tell that jobs held by a dead pid are orphans.
pub fn worker_id(n: usize) -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "host".into());
    format!("{host}:{}:{n}", std::process::id())
}

fn pid_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        std::path::Path::new(&format!("/proc/{pid}")).exists()
    } else {
        true // elsewhere the lease decides
    }
}

/// What happened to one claimed job.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct JobOutcome {
    pub job_id: i64,
    pub series_id: String,
    pub episode: u32,
    pub stage: String,
    /// succeeded | retry_waiting | needs_attention | cancelled | lost
    pub status: String,
    pub message: String,
    pub seconds: f64,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ProduceReport {
    pub series_id: String,
    pub episode: u32,
    pub jobs_added: u64,
}

/// How a failure is handled, from the error's kind.
pub fn classify(e: &CoreError, attempts: i64, cfg: &ProductionConfig, now: i64) -> JobFailure {
    use studio_pipeline::{RetryClass, StageError};
    let backoff = |attempts: i64| {
        let base = cfg.backoff_base_sec.max(0.0) * 2f64.powi((attempts - 1).clamp(0, 30) as i32);
        let jitter = 0.8 + 0.4 * ((now as u64 ^ 0x9e37_79b9) % 1000) as f64 / 1000.0;
        now + (base.min(cfg.backoff_max_sec) * jitter * 1000.0) as i64
    };
    let message = e.to_string();
    match e {
        CoreError::Cancelled(m) => JobFailure::Cancelled { message: m.clone() },
        CoreError::WaitUntil { until_ms, kind, .. } => JobFailure::Retry {
            at_ms: *until_ms,
            kind: *kind,
            message,
        },
        CoreError::AwaitingReview(m) => JobFailure::Attention {
            kind: ErrorCode::AwaitingReview,
            message: m.clone(),
        },
        CoreError::Stage(StageError::Writer(w)) => match w.retry_class() {
            RetryClass::After => {
                let wait = match w {
                    studio_pipeline::WriterError::RateLimited { retry_after, .. } => {
                        retry_after.map_or(60_000, |d| d.as_millis() as i64)
                    }
                    _ => 60_000,
                };
                JobFailure::Retry {
                    at_ms: now + wait.max(1000),
                    kind: ErrorCode::RateLimited,
                    message,
                }
            }
            RetryClass::Backoff | RetryClass::Regenerate if attempts < cfg.max_attempts => {
                JobFailure::Retry {
                    at_ms: backoff(attempts),
                    kind: ErrorCode::Transient,
                    message,
                }
            }
            RetryClass::Backoff | RetryClass::Regenerate => JobFailure::Attention {
                kind: ErrorCode::RetriesExhausted,
                message: format!("{message} (after {attempts} attempts)"),
            },
            RetryClass::Never => JobFailure::Attention {
                kind: w.code(),
                message,
            },
        },
        e if e.is_user_error() => JobFailure::Attention {
            kind: e.code(),
            message,
        },
        _ if attempts < cfg.max_attempts => JobFailure::Retry {
            at_ms: backoff(attempts),
            kind: ErrorCode::Transient,
            message,
        },
        _ => JobFailure::Attention {
            kind: ErrorCode::RetriesExhausted,
            message: format!("{message} (after {attempts} attempts)"),
        },
    }
}

impl Engine {
    /// Where today began for daily caps, the daily plan and "spent today": midnight in the creator's time zone
    /// (`[production] time_zone`), as a UTC time like the ledger's.
    pub fn day_start(&self) -> String {
        crate::clock::local_day_start(now_ms(), &self.config().time_zone())
    }

    /// When a stage's paid jobs are accepted but the provider could not answer for them (a rate limit beyond the
    /// run's patience, a gateway error, a rejected key while polling), the stage is retried by the queue with
    /// backoff — the jobs are kept and never submitted again — instead of waiting for a person.
    ///
    /// # Errors
    /// [`CoreError::Remote`] (`provider_busy`, transient) when such jobs exist; store errors.
    async fn provider_waits(&self, s: &str, n: u32) -> Result<(), CoreError> {
        let waiting = self.store().remote_jobs_waiting(s, n).await?;
        let Some(j) = waiting.first() else {
            return Ok(());
        };
        Err(CoreError::Remote {
            code: ErrorCode::ProviderBusy,
            message: format!(
                "{} paid job(s) at {} are done or running but could not be fetched yet (first: {}); they are kept \
                 and asked again later, never sent twice",
                waiting.len(),
                j.provider,
                j.purpose
            ),
            transient: true,
        })
    }

    /// Today's spending caps from the config, for every paid call.
    pub fn spend_caps(&self) -> Vec<studio_store::SpendCap> {
        let p = &self.config().production;
        let since = self.day_start();
        let mut caps = vec![studio_store::SpendCap {
            name: "daily cap".into(),
            provider: None,
            since: since.clone(),
            limit_usd: p.daily_cap_usd,
        }];
        for (provider, limit) in &p.provider_daily_cap_usd {
            caps.push(studio_store::SpendCap {
                name: format!("{provider} daily cap"),
                provider: Some(provider.clone()),
                since: since.clone(),
                limit_usd: *limit,
            });
        }
        caps
    }

    pub async fn episode_status(&self, series: &str, n: u32) -> Result<EpisodeStatus, CoreError> {
        self.store()
            .episodes(series)
            .await?
            .into_iter()
            .find(|e| e.number == n)
            .map(|e| e.status)
            .ok_or_else(|| CoreError::invalid(format!("{series} has no episode {n}")))
    }

    /// Moves the episode one step along its lifecycle; a step that does not apply (already past it) is skipped.
    async fn advance(
        &self,
        series: &str,
        n: u32,
        step: fn(EpisodeStatus) -> Result<EpisodeStatus, studio_domain::TransitionError>,
    ) -> Result<(), CoreError> {
        match self.store().transition_episode(series, n, step).await {
            Ok(_) | Err(studio_store::StoreError::Transition(_)) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Queues every stage of episode `n` (idempotent).
    pub async fn produce(&self, series: &str, n: u32) -> Result<ProduceReport, CoreError> {
        let s = self.store().find_series(series).await?;
        if n == 0 || n > s.total_episodes {
            return Err(CoreError::invalid(format!(
                "{} has episodes 1–{}, not {n}",
                s.title, s.total_episodes
            )));
        }
        let added = self.store().enqueue_episode(&s.id, n, 5, now_ms()).await?;
        Ok(ProduceReport {
            series_id: s.id,
            episode: n,
            jobs_added: added,
        })
    }

    /// Jobs held by workers that cannot come back — a dead process on this host, or an expired lease — return to
    /// the queue. Run at start and periodically.
    pub async fn requeue_orphans(&self) -> Result<u64, CoreError> {
        let now = now_ms();
        let mut n = self.store().requeue_stale_jobs(now).await?;
        let host = worker_id(0);
        let host = host.split(':').next().unwrap_or_default().to_string();
        for j in self.store().jobs(None, None).await? {
            if j.status != "running" {
                continue;
            }
            let owner = j.lease_owner.clone().unwrap_or_default();
            let mut parts = owner.split(':');
            let (h, pid) = (
                parts.next(),
                parts.next().and_then(|p| p.parse::<u32>().ok()),
            );
            if h == Some(host.as_str())
                && pid.is_some_and(|p| p != std::process::id() && !pid_alive(p))
            {
                n += self.store().requeue_jobs_of(&owner).await?;
            }
        }
        Ok(n)
    }

    /// Claims one ready job and runs it to an outcome. None when nothing is ready.
    pub async fn work_one(&self, owner: &str) -> Result<Option<JobOutcome>, CoreError> {
        let cfg = self.config().production.clone();
        let lease_ms = (cfg.lease_sec.max(5) * 1000) as i64;
        let Some(job) = self.store().claim_job(owner, now_ms(), lease_ms).await? else {
            return Ok(None);
        };
        let started = std::time::Instant::now();
        self.store()
            .log_job(
                job.id,
                "info",
                &format!("started by {owner} (attempt {})", job.attempts),
                None,
            )
            .await?;
        // Heartbeat while the stage runs; a lost lease or a cancel request sets the flag the stage watches.
        let cancel = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicBool::new(false));
        let hb = {
            let store = self.store().clone();
            let (cancel, done, owner, id) =
                (cancel.clone(), done.clone(), owner.to_string(), job.id);
            let every = Duration::from_secs(cfg.heartbeat_sec.max(1));
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    if done.load(Ordering::Relaxed) {
                        break;
                    }
                    match store.heartbeat_job(id, &owner, now_ms(), lease_ms).await {
                        Ok(true) => {}
                        Ok(false) | Err(_) => {
                            cancel.store(true, Ordering::Relaxed);
                            break;
                        }
                    }
                }
            })
        };
        // Fault injection for crash tests: hold the claimed job (heartbeating) before its work starts.
        if let Some(ms) = self
            .env_var("AIDAS_FAULT_HOLD_MS")
            .and_then(|v| v.parse::<u64>().ok())
        {
            tokio::time::sleep(Duration::from_millis(ms.min(60_000))).await;
        }
        let result = self.run_stage(&job, cancel.clone()).await;
        done.store(true, Ordering::Relaxed);
        hb.abort();
        let n = job.episode_number as u32;
        let now = now_ms();
        let (status, message) = match result {
            Ok(v) => {
                let text = v.to_string();
                if self.store().complete_job(job.id, owner, now, &text).await? {
                    ("succeeded".to_string(), summary(&v))
                } else {
                    (
                        "lost".to_string(),
                        "the job was taken back before it finished".to_string(),
                    )
                }
            }
            Err(e) => {
                let failure = if cancel.load(Ordering::Relaxed)
                    && self.store().job_cancel_requested(job.id).await?
                {
                    JobFailure::Cancelled {
                        message: "cancelled by request".into(),
                    }
                } else {
                    classify(&e, job.attempts, &cfg, now)
                };
                let status = match &failure {
                    JobFailure::Retry { .. } => "retry_waiting",
                    JobFailure::Attention { .. } => "needs_attention",
                    JobFailure::Cancelled { .. } => "cancelled",
                };
                if !self.store().fail_job(job.id, owner, now, &failure).await? {
                    ("lost".to_string(), e.to_string())
                } else {
                    if matches!(
                        &failure,
                        JobFailure::Attention {
                            kind: ErrorCode::AwaitingReview,
                            ..
                        }
                    ) {
                        self.events().publish(EngineEvent::Alert {
                            level: AlertLevel::Info,
                            message: format!("{} episode {n} is ready for review", job.series_id),
                        });
                    } else if status == "needs_attention" {
                        self.events().publish(EngineEvent::Alert {
                            level: AlertLevel::Warning,
                            message: format!(
                                "{} episode {n}: {} needs attention — {e}",
                                job.series_id, job.stage
                            ),
                        });
                    }
                    (status.to_string(), e.to_string())
                }
            }
        };
        self.store()
            .log_job(
                job.id,
                if status == "succeeded" {
                    "info"
                } else {
                    "warn"
                },
                &format!("{status}: {message}"),
                None,
            )
            .await?;
        tracing::info!(
            job = job.id,
            series = %job.series_id,
            episode = n,
            stage = %job.stage,
            status = %status,
            attempt = job.attempts,
            seconds = started.elapsed().as_secs_f64(),
            message = %message,
            "job finished"
        );
        self.events().publish(EngineEvent::JobFinished {
            series_id: job.series_id.clone(),
            episode: n,
            stage: job.stage.clone(),
            status: status.clone(),
        });
        Ok(Some(JobOutcome {
            job_id: job.id,
            series_id: job.series_id,
            episode: n,
            stage: job.stage,
            status,
            message,
            seconds: started.elapsed().as_secs_f64(),
        }))
    }

    /// Runs `workers` workers until `stop` is set — or, with `until_idle`, until no job is ready or running.
    /// On stop, workers finish the job in hand (stages checkpoint as they go) and return.
    pub async fn run_workers(
        self: &Arc<Self>,
        workers: usize,
        stop: Arc<AtomicBool>,
        until_idle: bool,
    ) -> Result<Vec<JobOutcome>, CoreError> {
        let requeued = self.requeue_orphans().await?;
        tracing::info!(workers, requeued, "production workers starting");
        let poll = Duration::from_secs_f64(self.config().production.poll_sec.clamp(0.05, 60.0));
        let mut handles = Vec::new();
        for w in 0..workers.max(1) {
            let engine = self.clone();
            let stop = stop.clone();
            let owner = worker_id(w);
            handles.push(tokio::spawn(async move {
                let mut outcomes = Vec::new();
                let mut last_sweep = std::time::Instant::now();
                while !stop.load(Ordering::Relaxed) {
                    if last_sweep.elapsed() > Duration::from_secs(30) {
                        last_sweep = std::time::Instant::now();
                        engine.requeue_orphans().await?;
                    }
                    let window = &engine.config().production;
                    if !crate::clock::in_work_window(
                        now_ms(),
                        &window.work_window,
                        &engine.config().time_zone(),
                    ) {
                        if until_idle {
                            break;
                        }
                        tokio::time::sleep(poll.max(Duration::from_secs(30))).await;
                        continue;
                    }
                    match engine.work_one(&owner).await? {
                        Some(o) => outcomes.push(o),
                        None => {
                            if until_idle {
                                let jobs = engine.store().jobs(None, None).await?;
                                let now = now_ms();
                                let busy = jobs.iter().any(|j| {
                                    j.status == "running"
                                        || (j.status == "retry_waiting"
                                            && j.run_after_ms <= now + 1000)
                                });
                                if !busy {
                                    break;
                                }
                            }
                            tokio::time::sleep(poll).await;
                        }
                    }
                }
                Ok::<_, CoreError>(outcomes)
            }));
        }
        let mut all = Vec::new();
        for h in handles {
            all.extend(
                h.await
                    .map_err(|e| CoreError::Internal(format!("worker: {e}")))??,
            );
        }
        Ok(all)
    }

    async fn run_stage(
        &self,
        job: &JobRow,
        cancel: Arc<AtomicBool>,
    ) -> Result<serde_json::Value, CoreError> {
        let stage: Stage = job.stage.parse().map_err(|_| {
            CoreError::Internal(format!("job {} has an unknown stage {}", job.id, job.stage))
        })?;
        let (s, n) = (job.series_id.as_str(), job.episode_number as u32);
        let json = |v: &dyn erased::Ser| v.value();
        match stage {
            Stage::Script => {
                if self.store().recorded_episodes(s).await?.contains(&n) {
                    return Ok(
                        serde_json::json!({ "kept": "the script is already written and recorded" }),
                    );
                }
                let r = self.write_episode(s, n, None).await?;
                if r.verdict != studio_pipeline::Verdict::Accepted {
                    return Err(CoreError::invalid(format!(
                        "the script needs review: {}",
                        r.cause.clone().unwrap_or_else(|| "checks failed".into())
                    )));
                }
                Ok(serde_json::json!({ "verdict": "accepted", "attempts": r.attempts }))
            }
            Stage::MemoryUpdate => {
                if self.store().recorded_episodes(s).await?.contains(&n) {
                    Ok(serde_json::json!({ "recorded": true }))
                } else {
                    Err(CoreError::invalid(format!(
                        "episode {n} is written but not recorded in story memory"
                    )))
                }
            }
            Stage::Storyboard => {
                let (_, plan) = self.storyboard(s, n).await?;
                Ok(json(&plan))
            }
            Stage::Voices => {
                self.advance(s, n, EpisodeStatus::start_production).await?;
                let r = self.voice_episode(s, n).await?;
                if !r.failed.is_empty() {
                    return Err(CoreError::invalid(format!(
                        "{} line(s) could not be voiced (first: {} — {})",
                        r.failed.len(),
                        r.failed[0].0,
                        r.failed[0].1
                    )));
                }
                Ok(json(&r))
            }
            Stage::Visuals => {
                let r = self.make_visuals(s, n).await?;
                if !r.failed.is_empty() {
                    self.provider_waits(s, n).await?;
                    return Err(CoreError::invalid(format!(
                        "{} shot(s) have no visual (first: shot {} — {})",
                        r.failed.len(),
                        r.failed[0].0 + 1,
                        r.failed[0].1
                    )));
                }
                Ok(json(&r))
            }
            Stage::Avatars => {
                let r = self.make_avatars(s, n).await?;
                if !r.failed.is_empty() || !r.needs_attention.is_empty() {
                    self.provider_waits(s, n).await?;
                }
                if let Some((line, why)) = r.needs_attention.first() {
                    return Err(CoreError::invalid(format!("avatar for {line}: {why}")));
                }
                Ok(json(&r))
            }
            Stage::Render => {
                let r = self
                    .render_episode(
                        s,
                        n,
                        &crate::RenderOptions::default(),
                        Arc::new(|_, _| {}),
                        cancel,
                    )
                    .await?;
                self.advance(s, n, EpisodeStatus::start_production).await?;
                self.advance(s, n, EpisodeStatus::rendered).await?;
                Ok(json(&r))
            }
            Stage::Package => Ok(json(&self.package(s, n).await?)),
            Stage::ReviewGate => {
                let policy = self.config().production.review.clone();
                self.advance(s, n, EpisodeStatus::submit_for_review).await?;
                if self.episode_status(s, n).await? == EpisodeStatus::InReview {
                    let flags = self.episode_flags(s, n).await;
                    let why = match policy.as_str() {
                        "never" => Some("approved unattended (review = never)".to_string()),
                        "flagged" if flags.is_empty() => Some(
                            "approved unattended: nothing flagged (review = flagged)".to_string(),
                        ),
                        _ => None,
                    };
                    if let Some(why) = why {
                        let r = self.approve_episode(s, n, &why, None).await?;
                        return Ok(
                            serde_json::json!({ "review": why, "publish_at": r.publish_at }),
                        );
                    }
                }
                match self.episode_status(s, n).await? {
                    EpisodeStatus::Approved
                    | EpisodeStatus::Scheduled
                    | EpisodeStatus::Published => Ok(serde_json::json!({ "review": "approved" })),
                    EpisodeStatus::Rejected => Err(CoreError::invalid(format!(
                        "{s} episode {n} was rejected in review; regenerate what was wrong and render again"
                    ))),
                    _ => Err(CoreError::AwaitingReview(format!(
                        "waiting for review: watch {s} episode {n}, then approve it (or reject it, saying why)"
                    ))),
                }
            }
            Stage::Publish => {
                // The folder copy always; YouTube when the series publishes to a channel.
                Ok(json(&self.publish_approved(s, n, None, cancel).await?))
            }
            Stage::Finalize => Ok(serde_json::json!({
                "status": self.episode_status(s, n).await?.to_string()
            })),
        }
    }
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct EpisodeProgress {
    pub series_id: String,
    pub episode: u32,
    pub status: String,
    pub done: usize,
    pub total: usize,
    /// (stage, job status) in DAG order.
    pub stages: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct AttentionItem {
    pub job_id: i64,
    pub series_id: String,
    pub episode: u32,
    pub stage: String,
    /// Why it waits (`None` for a kind this version does not know).
    pub kind: Option<ErrorCode>,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct StatusReport {
    pub jobs_by_status: std::collections::BTreeMap<String, usize>,
    pub episodes: Vec<EpisodeProgress>,
    /// Ledger spending since midnight UTC, per provider, and the total.
    pub cost_today: Vec<(String, f64)>,
    pub cost_today_usd: f64,
    /// The creator's time zone, where "today" begins (IANA name).
    pub time_zone: String,
    pub attention: Vec<AttentionItem>,
    pub paused_series: Vec<String>,
    /// YouTube today: quota used (units, uploads), the limits, and the uploads with their state.
    pub youtube: YouTubeStatus,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct YouTubeStatus {
    pub units_used: i64,
    pub units_limit: i64,
    pub uploads_used: i64,
    pub uploads_limit: i64,
    /// YouTube said the quota is used up today.
    pub exhausted: bool,
    /// When the quota resets (RFC 3339 UTC).
    pub resets_at: String,
    pub uploads: Vec<studio_store::UploadRow>,
}

impl Engine {
    /// The queue, every episode's stage progress, today's spending and what needs a person.
    pub async fn status(&self) -> Result<StatusReport, CoreError> {
        let jobs = self.store().jobs(None, None).await?;
        let mut by_status = std::collections::BTreeMap::new();
        for j in &jobs {
            *by_status.entry(j.status.clone()).or_insert(0) += 1;
        }
        let mut episodes: Vec<EpisodeProgress> = Vec::new();
        for j in &jobs {
            let n = j.episode_number as u32;
            let idx = match episodes
                .iter()
                .position(|e| e.series_id == j.series_id && e.episode == n)
            {
                Some(i) => i,
                None => {
                    episodes.push(EpisodeProgress {
                        series_id: j.series_id.clone(),
                        episode: n,
                        status: self
                            .episode_status(&j.series_id, n)
                            .await
                            .map(|s| s.to_string())
                            .unwrap_or_default(),
                        done: 0,
                        total: 0,
                        stages: Vec::new(),
                    });
                    episodes.len() - 1
                }
            };
            let e = &mut episodes[idx];
            e.total += 1;
            if j.status == "succeeded" {
                e.done += 1;
            }
            e.stages.push((j.stage.clone(), j.status.clone()));
        }
        let cost_today = self.store().spend_since(&self.day_start()).await?;
        let attention = jobs
            .iter()
            .filter(|j| j.status == "needs_attention")
            .map(|j| AttentionItem {
                job_id: j.id,
                series_id: j.series_id.clone(),
                episode: j.episode_number as u32,
                stage: j.stage.clone(),
                kind: j.error_kind.as_deref().and_then(ErrorCode::parse),
                message: j.last_error.clone().unwrap_or_default(),
            })
            .collect();
        let mut paused_series = Vec::new();
        for s in self.store().list_series().await? {
            if self.store().series_paused(&s.id).await? {
                paused_series.push(s.id);
            }
        }
        let q = self.youtube_quota().await?;
        let y = &self.config().youtube;
        let youtube = YouTubeStatus {
            units_used: q.units,
            units_limit: y.daily_units,
            uploads_used: q.uploads,
            uploads_limit: y.uploads_per_day,
            exhausted: q.exhausted != 0,
            resets_at: crate::clock::rfc3339_utc(q.day_reset_ms),
            uploads: self.store().uploads().await?,
        };
        Ok(StatusReport {
            youtube,
            jobs_by_status: by_status,
            episodes,
            cost_today_usd: studio_domain::money::total_usd(cost_today.iter().map(|(_, c)| *c)),
            time_zone: self.config().production.time_zone.clone(),
            cost_today,
            attention,
            paused_series,
        })
    }
}

/// One line for logs and the CLI from a stage's result.
fn summary(v: &serde_json::Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 160 {
        format!("{}…", s.chars().take(160).collect::<String>())
    } else {
        s
    }
}

mod erased {
    /// Serialises any report to JSON for the job's result.
    pub trait Ser {
        fn value(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Ser for T {
        fn value(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use studio_pipeline::{StageError, WriterError};

    #[test]
    fn failures_are_classified_by_kind() {
        let cfg = ProductionConfig::default();
        let now = 1_000_000;
        let rate = CoreError::Stage(StageError::Writer(WriterError::RateLimited {
            provider: "openai".into(),
            retry_after: Some(Duration::from_secs(42)),
        }));
        assert!(matches!(
            classify(&rate, 1, &cfg, now),
            JobFailure::Retry { at_ms, ref kind, .. } if at_ms == now + 42_000 && kind == "rate_limited"
        ));
        let quota = CoreError::Stage(StageError::Writer(WriterError::QuotaExhausted {
            provider: "openai".into(),
            message: "insufficient_quota".into(),
        }));
        assert!(matches!(
            classify(&quota, 1, &cfg, now),
            JobFailure::Attention { ref kind, .. } if kind == "quota_exhausted"
        ));
        // Transient: exponential backoff with jitter, then parked after max_attempts.
        let io = CoreError::io("writing a clip", std::io::Error::other("disk hiccup"));
        let delay = |attempts| match classify(&io, attempts, &cfg, now) {
            JobFailure::Retry { at_ms, .. } => (at_ms - now) as f64 / 1000.0,
            other => panic!("{other:?}"),
        };
        let (d1, d3) = (delay(1), delay(3));
        assert!((24.0..=36.0).contains(&d1), "{d1}");
        assert!((96.0..=144.0).contains(&d3), "{d3}");
        assert!(matches!(
            classify(&io, cfg.max_attempts, &cfg, now),
            JobFailure::Attention { ref kind, .. } if kind == "retries_exhausted"
        ));
        assert!(matches!(
            classify(&CoreError::invalid("bad shot"), 1, &cfg, now),
            JobFailure::Attention { ref kind, .. } if kind == "invalid_input"
        ));
        assert!(matches!(
            classify(&CoreError::Cancelled("x".into()), 1, &cfg, now),
            JobFailure::Cancelled { .. }
        ));
        assert!(matches!(
            classify(&CoreError::AwaitingReview("x".into()), 1, &cfg, now),
            JobFailure::Attention { ref kind, .. } if kind == "awaiting_review"
        ));
    }
}
