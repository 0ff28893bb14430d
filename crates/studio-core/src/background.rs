//! # Background production
//!
//! The one service that keeps a studio producing while nobody watches: production workers (claims, leases,
//! heartbeats, retries), the orphan sweep, the daily plan (`[production] auto_plan`, `episodes_per_day` across
//! active series, in the creator's day), the alert rules and viewer feedback (collected, read and turned into
//! outline proposals every `[feedback] every_hours`, or after the quota reset a collection waited for). `aidas daemon`, `aidas serve` and the desktop app all
//! run it through [`Engine::run_background`], with the same config, so what a creator gets does not depend on the
//! shell they left running.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::queue::JobOutcome;
use crate::task::AbortOnDrop;
use crate::{CoreError, Engine};

/// How often the alert rules are evaluated while the service runs (an alert is repeated at most once an hour).
pub const ALERT_EVERY: Duration = Duration::from_secs(60);
/// How often the daily plan is looked at (queuing is idempotent within the creator's day).
pub const PLAN_EVERY: Duration = Duration::from_secs(300);
/// How often the service looks whether a series' viewer feedback is due (`[feedback] every_hours`).
pub const FEEDBACK_EVERY: Duration = Duration::from_secs(900);

/// What the background service does besides the config's own settings.
#[derive(Debug, Clone, Default)]
pub struct BackgroundOptions {
    /// Production workers; `None` takes `[production] workers`.
    pub workers: Option<usize>,
    /// Return when no job is ready or running (and, outside the work window, at once) instead of waiting for
    /// `stop`.
    pub until_idle: bool,
    /// Queue the daily plan even when `[production] auto_plan` is off (`aidas daemon --plan`).
    pub plan: bool,
}

impl Engine {
    /// Runs background production until `stop` is cancelled (or, with `until_idle`, until there is nothing left to do):
    /// first one pass of the daily plan (when `auto_plan` or `opts.plan`) and of the alert rules, so a service
    /// that has just started shows today's plan and warnings at once; then the workers, with the plan every
    /// [`PLAN_EVERY`] and the alerts every [`ALERT_EVERY`] beside them. Raised alerts go out as
    /// [`crate::EngineEvent::Alert`] (and to `alert_webhook_url`). On stop, the jobs in hand finish first.
    ///
    /// Returns the outcome of every job the workers ran.
    ///
    /// # Errors
    /// What the workers return (store errors); a failing plan or alert pass is logged and tried again at the
    /// next tick, never the end of the service.
    pub async fn run_background(
        self: &Arc<Self>,
        opts: BackgroundOptions,
        stop: CancellationToken,
    ) -> Result<Vec<JobOutcome>, CoreError> {
        let plan = opts.plan || self.config().production.auto_plan;
        let workers = opts
            .workers
            .unwrap_or(self.config().production.workers)
            .max(1);
        tracing::info!(workers, plan, "background production starting");
        if plan {
            self.plan_pass().await;
        }
        self.alert_pass().await;
        // The plan and alert ticker ends with the workers (`done`), on stop, and when this future is dropped.
        let done = stop.child_token();
        let ticker = AbortOnDrop({
            let (engine, done) = (self.clone(), done.clone());
            tokio::spawn(async move {
                let mut alerts = tokio::time::interval(ALERT_EVERY);
                let mut plans = tokio::time::interval(PLAN_EVERY);
                let mut feedback = tokio::time::interval(FEEDBACK_EVERY);
                feedback.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                // After a machine sleeps, one pass — not a burst of the ticks it missed.
                alerts.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                plans.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                // Both passes just ran; the intervals' first ticks are immediate.
                alerts.tick().await;
                plans.tick().await;
                loop {
                    tokio::select! {
                        _ = done.cancelled() => return,
                        _ = alerts.tick() => engine.alert_pass().await,
                        _ = plans.tick(), if plan => engine.plan_pass().await,
                        _ = feedback.tick() => {
                            if let Err(err) = engine.feedback_pass().await {
                                tracing::warn!(%err, "viewer feedback");
                            }
                        }
                    }
                }
            })
        });
        let outcomes = self.run_workers(workers, stop, opts.until_idle).await;
        done.cancel();
        let mut ticker = ticker;
        let _ = (&mut ticker.0).await;
        outcomes
    }

    async fn plan_pass(&self) {
        match self.plan_today().await {
            Ok(p) if !p.queued_now.is_empty() => {
                tracing::info!(queued = ?p.queued_now, per_day = p.per_day, "daily plan queued")
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(%err, "daily plan"),
        }
    }

    async fn alert_pass(&self) {
        match self.check_alerts().await {
            Ok(raised) => {
                // A warning in the service's log (and on the daemon's stderr), besides the event and the webhook.
                for a in raised {
                    tracing::warn!(rule = %a.rule, "alert: {}", a.message);
                }
            }
            Err(err) => tracing::warn!(%err, "alert check"),
        }
    }
}
