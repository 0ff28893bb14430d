//! The one error edge every shell maps: a stable `code` the UI branches on, and a message that says what went
//! wrong and where. Internal detail (SQL, FFmpeg text) goes to the log, not to the message.

use std::path::Path;

use serde::Serialize;
use studio_domain::ErrorCode;
use studio_store::StoreError;

use crate::secrets::SecretError;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Stage(#[from] studio_pipeline::StageError),
    #[error("{file}: {message}")]
    Config { file: String, message: String },
    /// A file the user handed us is unreadable or malformed.
    #[error("{file}: {message}")]
    BadFile { file: String, message: String },
    #[error("{0}")]
    Invalid(String),
    /// Refused for a reason of its own kind (`episode_closed`, `step_missing`): nothing was changed.
    #[error("{message}")]
    Blocked { code: ErrorCode, message: String },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Internal(String),
    /// The person (or shutdown) stopped the work; nothing half-done was kept.
    #[error("{0}")]
    Cancelled(String),
    /// An episode waits at the review gate for a person's decision.
    #[error("{0}")]
    AwaitingReview(String),
    /// A remote service failed; `transient` says whether trying again later may work.
    #[error("{message}")]
    Remote {
        code: ErrorCode,
        message: String,
        transient: bool,
    },
    /// Nothing to do until a known time (a provider's daily quota reset).
    #[error("{message}")]
    WaitUntil {
        until_ms: i64,
        kind: ErrorCode,
        message: String,
    },
}

/// What crosses IPC, HTTP and `--json` error output: a code to branch on and a message that names the thing and
/// what to do next (in words, never a command of one shell).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
#[ts(export)]
pub struct ErrorPayload {
    pub code: ErrorCode,
    pub message: String,
}

impl CoreError {
    pub fn config(file: &Path, message: impl Into<String>) -> Self {
        CoreError::Config {
            file: file.display().to_string(),
            message: message.into(),
        }
    }
    pub fn bad_file(file: &Path, message: impl Into<String>) -> Self {
        CoreError::BadFile {
            file: file.display().to_string(),
            message: message.into(),
        }
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        CoreError::Invalid(message.into())
    }
    /// Refused with its own code (see [`CoreError::Blocked`]).
    pub fn blocked(code: ErrorCode, message: impl Into<String>) -> Self {
        CoreError::Blocked {
            code,
            message: message.into(),
        }
    }
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        CoreError::Io {
            context: context.into(),
            source,
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Store(e) => e.code(),
            Self::Secret(e) => e.code(),
            Self::Stage(e) => e.code(),
            Self::Config { .. } => ErrorCode::InvalidConfig,
            Self::BadFile { .. } => ErrorCode::BadFile,
            Self::Invalid(_) => ErrorCode::InvalidInput,
            Self::Blocked { code, .. } => *code,
            Self::Io { .. } => ErrorCode::Io,
            Self::Internal(_) => ErrorCode::Internal,
            Self::Cancelled(_) => ErrorCode::Cancelled,
            Self::AwaitingReview(_) => ErrorCode::AwaitingReview,
            Self::Remote { code, .. } => *code,
            Self::WaitUntil { kind, .. } => *kind,
        }
    }

    /// True when the person can fix it (bad input, missing key, quota), false for the machine's own failures. Shells
    /// use it for exit codes (2 vs 1) and for "what to do next" wording.
    pub fn is_user_error(&self) -> bool {
        use studio_pipeline::{RetryClass, StageError};
        match self {
            Self::Store(e) | Self::Stage(StageError::Store(e)) => e.is_user_error(),
            Self::Stage(StageError::Invalid(_) | StageError::StepMissing(_)) => true,
            Self::Stage(StageError::Writer(w)) => w.retry_class() == RetryClass::Never,
            Self::Secret(_)
            | Self::Config { .. }
            | Self::BadFile { .. }
            | Self::Invalid(_)
            | Self::Blocked { .. }
            | Self::Cancelled(_)
            | Self::AwaitingReview(_) => true,
            Self::Remote { transient, .. } => !transient,
            Self::WaitUntil { .. } => true,
            Self::Io { .. } | Self::Internal(_) => false,
        }
    }

    pub fn payload(&self) -> ErrorPayload {
        let message = match self {
            // Database and migration failures: say what failed and where the details are, not the SQL.
            Self::Stage(studio_pipeline::StageError::Store(StoreError::Database(e)))
            | Self::Store(StoreError::Database(e)) => {
                tracing::error!(error = %e, "database error");
                "the story database could not complete the operation (details in the log)"
                    .to_string()
            }
            other => other.to_string(),
        };
        ErrorPayload {
            code: self.code(),
            message,
        }
    }
}
