//! The stable codes every error crosses the shells with (`{code, message}` over HTTP and IPC, `--json` on the
//! CLI). Screens branch on the code, never on the message; the CLI adds its own "what to run next" by code.

use serde::{Deserialize, Serialize};

/// What kind of failure an error is. Serialized in snake_case (`unknown_series`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    ts_rs::TS,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ErrorCode {
    // Input a person can fix.
    InvalidInput,
    InvalidConfig,
    BadFile,
    UnknownSeries,
    UnknownCharacter,
    UnknownThread,
    UnknownProvider,
    DuplicateSeries,
    DuplicateCharacter,
    DuplicateEpisode,
    TitleTaken,
    NameCollision,
    CastLocked,
    /// Work on the thing is under way (a stage running, a paid job in flight): try again when it finishes.
    WorkInProgress,
    /// The episode is approved or published: its script, shots and voices are final.
    EpisodeClosed,
    /// A step before this one is not done yet (no script to make shots from): do that step first.
    StepMissing,
    EpisodeOutOfRange,
    EpisodeGap,
    PublishedLater,
    InvalidPlan,
    InvalidOutcome,
    InvalidTransition,
    Cancelled,
    /// A job failed as often as `[production] max_attempts` allows and waits for a person.
    RetriesExhausted,
    AwaitingReview,
    // Keys and the keyring.
    MissingKey,
    EmptySecret,
    SecretsReadOnly,
    KeyringUnavailable,
    KeyringError,
    // Writers and providers.
    RateLimited,
    QuotaExhausted,
    Auth,
    Refused,
    Truncated,
    Transient,
    BadRequest,
    ProviderBusy,
    Network,
    // YouTube and Google sign-in.
    ReconnectChannel,
    YoutubeQuota,
    YoutubeUploadLimit,
    YoutubeRateLimited,
    YoutubeUnavailable,
    YoutubeSessionGone,
    YoutubeUnauthorized,
    YoutubeRefused,
    YoutubeProtocol,
    OauthDenied,
    OauthStateMismatch,
    OauthTimeout,
    OauthRefused,
    // The studio's own access token (`aidas serve` on a network address).
    Unauthorized,
    // The machine's own failures.
    CorruptData,
    Database,
    Migration,
    Io,
    Internal,
    /// A job's worker stopped renewing its lease (crashed or hung); the job was queued again.
    LeaseExpired,
    /// A job's worker process ended while the job ran; the job was queued again.
    WorkerDied,
}

impl ErrorCode {
    /// The code as it is serialized (`unknown_series`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The code for its serialized name, if there is one.
    pub fn parse(name: &str) -> Option<ErrorCode> {
        name.parse().ok()
    }

    /// Every code, in declaration order.
    pub fn all() -> impl Iterator<Item = ErrorCode> {
        <ErrorCode as strum::IntoEnumIterator>::iter()
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for ErrorCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `as_str` and serde agree for every code, and no two codes share a string.
    #[test]
    fn the_string_is_the_serialized_code() {
        let mut seen = std::collections::BTreeSet::new();
        for c in ErrorCode::all() {
            assert!(seen.insert(c.as_str()), "{c} twice");
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
            let back: ErrorCode = serde_json::from_value(serde_json::json!(c.as_str())).unwrap();
            assert_eq!(back, c);
            assert_eq!(ErrorCode::parse(c.as_str()), Some(c));
        }
    }
}
