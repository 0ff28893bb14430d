//! The workers: claim a ready job (a lease renewed by heartbeat), run its stage, record the outcome, classify a
//! failure (retry at a reset, back off, or park for a person), and take back jobs whose worker died.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use serde::Serialize;
use studio_domain::{ErrorCode, JobStatus, Stage};
use studio_store::JobFailure;

use crate::clock::now_ms;
use crate::events::{AlertAbout, AlertLevel, EngineEvent};
use crate::production::ProductionConfig;
use crate::task::AbortOnDrop;
use crate::{CoreError, Engine};

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

/// How one claimed job ended: the job status it was left in, or `Lost` when its lease was taken back before it
/// finished (another worker owns it now).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, ts_rs::TS, strum::IntoStaticStr)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum JobEnd {
    Succeeded,
    RetryWaiting,
    NeedsAttention,
    Cancelled,
    Lost,
}

impl JobEnd {
    /// The name as serialized (`needs_attention`), for logs.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl std::fmt::Display for JobEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Waits `d`, or less when the service is stopped meanwhile.
async fn idle(stop: &CancellationToken, d: Duration) {
    tokio::select! {
        _ = stop.cancelled() => {}
        _ = tokio::time::sleep(d) => {}
    }
}

/// What happened to one claimed job.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct JobOutcome {
    pub job_id: i64,
    pub series_id: String,
    pub episode: u32,
    pub stage: Stage,
    pub status: JobEnd,
    pub message: String,
    pub seconds: f64,
}

/// How a failure is handled, from the error's kind.
pub fn classify(e: &CoreError, attempts: i64, cfg: &ProductionConfig, now: i64) -> JobFailure {
    use studio_pipeline::{RetryClass, StageError};
    // The studio's one backoff (the HTTP clients' in-call retries use it too).
    let backoff = |attempts: i64| {
        let secs = |s: f64| {
            Duration::from_secs_f64(if s.is_finite() {
                s.clamp(0.0, 86_400.0)
            } else {
                0.0
            })
        };
        let k = u32::try_from((attempts - 1).clamp(0, 30)).unwrap_or(0);
        let d = studio_providers::backoff_delay(
            secs(cfg.backoff_base_sec),
            secs(cfg.backoff_max_sec),
            k,
        );
        now + i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2)
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

/// One line for logs and the CLI from a stage's result.
fn summary(v: &serde_json::Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 160 {
        format!("{}…", s.chars().take(160).collect::<String>())
    } else {
        s
    }
}

impl Engine {
    /// Jobs held by workers that cannot come back — a dead process on this host, or an expired lease — return to
    /// the queue. Run at start and periodically.
    ///
    /// # Errors
    /// `Database` (and `CorruptData`) from the store.
    pub async fn requeue_orphans(&self) -> Result<u64, CoreError> {
        let now = now_ms();
        let mut n = self.store().requeue_stale_jobs(now).await?;
        let host = worker_id(0);
        let host = host.split(':').next().unwrap_or_default().to_string();
        for j in self.store().jobs(None, None).await? {
            if j.status != JobStatus::Running {
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
    ///
    /// # Errors
    /// `Database` (and `CorruptData`) from the store (a stage's own failure is the job's outcome, not an error).
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
        // Heartbeat while the stage runs; a lost lease or a cancel request cancels the job's token, which the
        // stage watches at its safe points (between frames, between upload chunks).
        let cancel = CancellationToken::new();
        let hb = {
            let store = self.store().clone();
            let (cancel, owner, id) = (cancel.clone(), owner.to_string(), job.id);
            let every = Duration::from_secs(cfg.heartbeat_sec.max(1));
            AbortOnDrop(tokio::spawn(async move {
                let mut beat = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
                beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    beat.tick().await;
                    match store.heartbeat_job(id, &owner, now_ms(), lease_ms).await {
                        Ok(true) => {}
                        Ok(false) | Err(_) => {
                            cancel.cancel();
                            break;
                        }
                    }
                }
            }))
        };
        // Fault injection for crash tests: hold the claimed job (heartbeating) before its work starts.
        if let Some(ms) = self
            .env_var("AIDAS_FAULT_HOLD_MS")
            .and_then(|v| v.parse::<u64>().ok())
        {
            tokio::time::sleep(Duration::from_millis(ms.min(60_000))).await;
        }
        let result = self.run_stage(&job, cancel.clone()).await;
        drop(hb);
        let n = job.episode_number as u32;
        let now = now_ms();
        let (status, message) = match result {
            Ok(v) => {
                let text = v.to_string();
                if self.store().complete_job(job.id, owner, now, &text).await? {
                    (JobEnd::Succeeded, summary(&v))
                } else {
                    (
                        JobEnd::Lost,
                        "the job was taken back before it finished".to_string(),
                    )
                }
            }
            Err(e) => {
                let failure =
                    if cancel.is_cancelled() && self.store().job_cancel_requested(job.id).await? {
                        JobFailure::Cancelled {
                            message: "cancelled by request".into(),
                        }
                    } else {
                        classify(&e, job.attempts, &cfg, now)
                    };
                let status = match &failure {
                    JobFailure::Retry { .. } => JobEnd::RetryWaiting,
                    JobFailure::Attention { .. } => JobEnd::NeedsAttention,
                    JobFailure::Cancelled { .. } => JobEnd::Cancelled,
                };
                if !self.store().fail_job(job.id, owner, now, &failure).await? {
                    (JobEnd::Lost, e.to_string())
                } else {
                    // The series by its title in the sentence the alert channels carry.
                    let title = match self.store().series(&job.series_id).await {
                        Ok(s) => s.title,
                        Err(_) => job.series_id.clone(),
                    };
                    if matches!(
                        &failure,
                        JobFailure::Attention {
                            kind: ErrorCode::AwaitingReview,
                            ..
                        }
                    ) {
                        self.raise_alert(
                            &format!("ready_for_review:{}:{n}", job.series_id),
                            AlertLevel::Info,
                            AlertAbout::ReadyForReview {
                                series_id: job.series_id.clone(),
                                episode: n,
                            },
                            format!("{title} episode {n} is ready for review"),
                        )
                        .await;
                    } else if status == JobEnd::NeedsAttention {
                        self.raise_alert(
                            &format!("needs_attention:{}:{n}:{}", job.series_id, job.stage),
                            AlertLevel::Warning,
                            AlertAbout::NeedsAttention {
                                series_id: job.series_id.clone(),
                                episode: n,
                                stage: job.stage,
                                code: e.code(),
                            },
                            format!("{title} episode {n}: {} needs attention — {e}", job.stage),
                        )
                        .await;
                    }
                    (status, e.to_string())
                }
            }
        };
        self.store()
            .log_job(
                job.id,
                if status == JobEnd::Succeeded {
                    "info"
                } else {
                    "warn"
                },
                &format!("{}: {message}", status.as_str()),
                None,
            )
            .await?;
        tracing::info!(
            job = job.id,
            series = %job.series_id,
            episode = n,
            stage = %job.stage,
            status = status.as_str(),
            attempt = job.attempts,
            seconds = started.elapsed().as_secs_f64(),
            message = %message,
            "job finished"
        );
        self.events().publish(EngineEvent::JobFinished {
            series_id: job.series_id.clone(),
            episode: n,
            stage: job.stage,
            status,
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

    /// Runs `workers` workers until `stop` is cancelled — or, with `until_idle`, until no job is ready or running.
    /// On stop, workers finish the job in hand (stages checkpoint as they go) and return.
    ///
    /// # Errors
    /// `Database` (and `CorruptData`) from the store from a worker; `Internal` when a worker task panicked.
    pub async fn run_workers(
        self: &Arc<Self>,
        workers: usize,
        stop: CancellationToken,
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
                while !stop.is_cancelled() {
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
                        idle(&stop, poll.max(Duration::from_secs(30))).await;
                        continue;
                    }
                    match engine.work_one(&owner).await? {
                        Some(o) => outcomes.push(o),
                        None => {
                            if until_idle {
                                let jobs = engine.store().jobs(None, None).await?;
                                let now = now_ms();
                                let busy = jobs.iter().any(|j| {
                                    j.status == JobStatus::Running
                                        || (j.status == JobStatus::RetryWaiting
                                            && j.run_after_ms <= now + 1000)
                                });
                                if !busy {
                                    break;
                                }
                            }
                            idle(&stop, poll).await;
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use studio_pipeline::{StageError, WriterError};

    #[test]
    fn job_end_names_match_their_serialized_form() {
        for e in [
            JobEnd::Succeeded,
            JobEnd::RetryWaiting,
            JobEnd::NeedsAttention,
            JobEnd::Cancelled,
            JobEnd::Lost,
        ] {
            assert_eq!(serde_json::to_value(e).unwrap(), e.as_str());
        }
    }

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
        // base 30 s: the first retry waits 30–60 s, the third 120–240 s.
        let (d1, d3) = (delay(1), delay(3));
        assert!((30.0..=60.0).contains(&d1), "{d1}");
        assert!((120.0..=240.0).contains(&d3), "{d3}");
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
