//! Stage jobs and cost entries.

use serde::{Deserialize, Serialize};

use crate::{TransitionError, string_enum};

/// The stages of one episode, in DAG order (voices and visuals run side by side).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    ts_rs::TS,
    strum::IntoStaticStr,
)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Stage {
    Script,
    MemoryUpdate,
    Storyboard,
    Voices,
    Visuals,
    Avatars,
    Render,
    Package,
    ReviewGate,
    Publish,
    Finalize,
}
string_enum!(Stage, "stage");

impl Stage {
    /// The name as serialized (`review_gate`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub const ALL: [Stage; 11] = [
        Stage::Script,
        Stage::MemoryUpdate,
        Stage::Storyboard,
        Stage::Voices,
        Stage::Visuals,
        Stage::Avatars,
        Stage::Render,
        Stage::Package,
        Stage::ReviewGate,
        Stage::Publish,
        Stage::Finalize,
    ];

    /// The stages to run again when the output of `changed` changes: those stages and every stage that consumes
    /// their output, directly or through another, up to the review gate (publishing is the reviewer's decision, not
    /// a consequence of an edit). In DAG order. A stage left out would run on the old output or, worse, be claimed
    /// before the stage it needs has made its new output.
    pub fn redo_from(changed: &[Stage]) -> Vec<Stage> {
        let mut out: Vec<Stage> = Vec::new();
        for st in Stage::ALL {
            if matches!(st, Stage::Publish | Stage::Finalize) {
                continue;
            }
            if changed.contains(&st) || st.inputs().iter().any(|i| out.contains(i)) {
                out.push(st);
            }
        }
        out
    }

    /// The stages whose output this one consumes.
    pub fn inputs(self) -> &'static [Stage] {
        use Stage::*;
        match self {
            Script => &[],
            MemoryUpdate => &[Script],
            Storyboard => &[MemoryUpdate],
            Voices => &[Storyboard],
            Visuals => &[Storyboard],
            Avatars => &[Voices, Visuals],
            Render => &[Avatars],
            Package => &[Render],
            ReviewGate => &[Package],
            Publish => &[ReviewGate],
            Finalize => &[Publish],
        }
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    ts_rs::TS,
    strum::IntoStaticStr,
)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    /// Failed on something a retry may fix; will run again at `run_at`.
    RetryWaiting,
    /// Stopped on something only a person can fix (quota, auth, bad input).
    NeedsAttention,
    Cancelled,
}
string_enum!(JobStatus, "job status");

impl JobStatus {
    /// The name as serialized (`needs_attention`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    fn go(self, ok: bool, to: Self, action: &str) -> Result<Self, TransitionError> {
        if ok {
            Ok(to)
        } else {
            Err(TransitionError::new("job", self, action))
        }
    }
    pub fn claim(self) -> Result<Self, TransitionError> {
        self.go(
            matches!(self, Self::Queued | Self::RetryWaiting),
            Self::Running,
            "claim",
        )
    }
    pub fn succeed(self) -> Result<Self, TransitionError> {
        self.go(self == Self::Running, Self::Succeeded, "complete")
    }
    pub fn fail_retryable(self) -> Result<Self, TransitionError> {
        self.go(
            self == Self::Running,
            Self::RetryWaiting,
            "schedule a retry of",
        )
    }
    pub fn park(self) -> Result<Self, TransitionError> {
        self.go(
            matches!(self, Self::Running | Self::Queued | Self::RetryWaiting),
            Self::NeedsAttention,
            "park",
        )
    }
    /// A person asks for another attempt.
    pub fn retry(self) -> Result<Self, TransitionError> {
        self.go(
            matches!(
                self,
                Self::NeedsAttention | Self::Cancelled | Self::RetryWaiting
            ),
            Self::Queued,
            "retry",
        )
    }
    pub fn cancel(self) -> Result<Self, TransitionError> {
        self.go(
            !matches!(self, Self::Succeeded | Self::Cancelled),
            Self::Cancelled,
            "cancel",
        )
    }
    /// A lease ran out: the worker died. The job goes back to the queue.
    pub fn lease_expired(self) -> Result<Self, TransitionError> {
        self.go(self == Self::Running, Self::Queued, "re-queue")
    }
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Succeeded | Self::Cancelled)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Job {
    pub id: i64,
    pub series_id: String,
    pub episode_number: u32,
    pub stage: Stage,
    pub status: JobStatus,
    pub priority: i32,
    pub attempts: u32,
    pub last_error: Option<String>,
}

/// One line of the cost ledger: an estimate when work is reserved, the actual figure when the provider reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct CostEntry {
    pub provider: String,
    pub operation: String,
    pub series_id: Option<String>,
    pub episode_number: Option<u32>,
    pub units: f64,
    pub unit: String,
    pub estimated_usd: f64,
    pub actual_usd: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redo_takes_every_stage_downstream_up_to_the_review_gate() {
        use Stage::*;
        // A redone shot: visuals, then avatars (which the render waits on), render, package, the gate.
        assert_eq!(
            Stage::redo_from(&[Visuals]),
            [Visuals, Avatars, Render, Package, ReviewGate]
        );
        assert_eq!(
            Stage::redo_from(&[Voices, Visuals]),
            [Voices, Visuals, Avatars, Render, Package, ReviewGate]
        );
        assert_eq!(Stage::redo_from(&[Render]), [Render, Package, ReviewGate]);
        assert_eq!(Stage::redo_from(&[]), Vec::<Stage>::new());
    }

    #[test]
    fn job_lifecycle() {
        let s = JobStatus::Queued.claim().unwrap();
        assert_eq!(s, JobStatus::Running);
        assert_eq!(s.fail_retryable().unwrap(), JobStatus::RetryWaiting);
        assert_eq!(JobStatus::RetryWaiting.claim().unwrap(), JobStatus::Running);
        assert_eq!(s.succeed().unwrap(), JobStatus::Succeeded);
        assert!(JobStatus::Succeeded.claim().is_err());
        assert!(JobStatus::Succeeded.cancel().is_err());
        assert_eq!(s.park().unwrap(), JobStatus::NeedsAttention);
        assert_eq!(
            JobStatus::NeedsAttention.retry().unwrap(),
            JobStatus::Queued
        );
        assert_eq!(s.lease_expired().unwrap(), JobStatus::Queued);
        assert!(JobStatus::Queued.lease_expired().is_err());
        assert!(JobStatus::Succeeded.is_terminal());
    }

    #[test]
    fn stage_dag_is_acyclic_and_ordered() {
        for s in Stage::ALL {
            for i in s.inputs() {
                assert!(i < &s, "{s} depends on later stage {i}");
            }
        }
        assert_eq!(Stage::Avatars.inputs(), &[Stage::Voices, Stage::Visuals]);
    }
}
