//! The stable codes every error crosses the shells with (`{code, message}` over HTTP and IPC, `--json` on the
//! CLI). Screens branch on the code, never on the message; the CLI adds its own "what to run next" by code.

use serde::{Deserialize, Serialize};

/// What kind of failure an error is. Serialized in snake_case (`unknown_series`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
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
    EpisodeOutOfRange,
    EpisodeGap,
    PublishedLater,
    InvalidPlan,
    InvalidOutcome,
    InvalidTransition,
    Cancelled,
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
}

impl ErrorCode {
    /// Every code, in declaration order.
    pub const ALL: [ErrorCode; 54] = [
        ErrorCode::InvalidInput,
        ErrorCode::InvalidConfig,
        ErrorCode::BadFile,
        ErrorCode::UnknownSeries,
        ErrorCode::UnknownCharacter,
        ErrorCode::UnknownThread,
        ErrorCode::UnknownProvider,
        ErrorCode::DuplicateSeries,
        ErrorCode::DuplicateCharacter,
        ErrorCode::DuplicateEpisode,
        ErrorCode::TitleTaken,
        ErrorCode::NameCollision,
        ErrorCode::CastLocked,
        ErrorCode::EpisodeOutOfRange,
        ErrorCode::EpisodeGap,
        ErrorCode::PublishedLater,
        ErrorCode::InvalidPlan,
        ErrorCode::InvalidOutcome,
        ErrorCode::InvalidTransition,
        ErrorCode::Cancelled,
        ErrorCode::AwaitingReview,
        ErrorCode::MissingKey,
        ErrorCode::EmptySecret,
        ErrorCode::SecretsReadOnly,
        ErrorCode::KeyringUnavailable,
        ErrorCode::KeyringError,
        ErrorCode::RateLimited,
        ErrorCode::QuotaExhausted,
        ErrorCode::Auth,
        ErrorCode::Refused,
        ErrorCode::Truncated,
        ErrorCode::Transient,
        ErrorCode::BadRequest,
        ErrorCode::ProviderBusy,
        ErrorCode::Network,
        ErrorCode::ReconnectChannel,
        ErrorCode::YoutubeQuota,
        ErrorCode::YoutubeUploadLimit,
        ErrorCode::YoutubeRateLimited,
        ErrorCode::YoutubeUnavailable,
        ErrorCode::YoutubeSessionGone,
        ErrorCode::YoutubeUnauthorized,
        ErrorCode::YoutubeRefused,
        ErrorCode::YoutubeProtocol,
        ErrorCode::OauthDenied,
        ErrorCode::OauthStateMismatch,
        ErrorCode::OauthTimeout,
        ErrorCode::OauthRefused,
        ErrorCode::Unauthorized,
        ErrorCode::CorruptData,
        ErrorCode::Database,
        ErrorCode::Migration,
        ErrorCode::Io,
        ErrorCode::Internal,
    ];

    /// The code as it is serialized (`unknown_series`).
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            InvalidInput => "invalid_input",
            InvalidConfig => "invalid_config",
            BadFile => "bad_file",
            UnknownSeries => "unknown_series",
            UnknownCharacter => "unknown_character",
            UnknownThread => "unknown_thread",
            UnknownProvider => "unknown_provider",
            DuplicateSeries => "duplicate_series",
            DuplicateCharacter => "duplicate_character",
            DuplicateEpisode => "duplicate_episode",
            TitleTaken => "title_taken",
            NameCollision => "name_collision",
            CastLocked => "cast_locked",
            EpisodeOutOfRange => "episode_out_of_range",
            EpisodeGap => "episode_gap",
            PublishedLater => "published_later",
            InvalidPlan => "invalid_plan",
            InvalidOutcome => "invalid_outcome",
            InvalidTransition => "invalid_transition",
            Cancelled => "cancelled",
            AwaitingReview => "awaiting_review",
            MissingKey => "missing_key",
            EmptySecret => "empty_secret",
            SecretsReadOnly => "secrets_read_only",
            KeyringUnavailable => "keyring_unavailable",
            KeyringError => "keyring_error",
            RateLimited => "rate_limited",
            QuotaExhausted => "quota_exhausted",
            Auth => "auth",
            Refused => "refused",
            Truncated => "truncated",
            Transient => "transient",
            BadRequest => "bad_request",
            ProviderBusy => "provider_busy",
            Network => "network",
            ReconnectChannel => "reconnect_channel",
            YoutubeQuota => "youtube_quota",
            YoutubeUploadLimit => "youtube_upload_limit",
            YoutubeRateLimited => "youtube_rate_limited",
            YoutubeUnavailable => "youtube_unavailable",
            YoutubeSessionGone => "youtube_session_gone",
            YoutubeUnauthorized => "youtube_unauthorized",
            YoutubeRefused => "youtube_refused",
            YoutubeProtocol => "youtube_protocol",
            OauthDenied => "oauth_denied",
            OauthStateMismatch => "oauth_state_mismatch",
            OauthTimeout => "oauth_timeout",
            OauthRefused => "oauth_refused",
            Unauthorized => "unauthorized",
            CorruptData => "corrupt_data",
            Database => "database",
            Migration => "migration",
            Io => "io",
            Internal => "internal",
        }
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
        for c in ErrorCode::ALL {
            assert!(seen.insert(c.as_str()), "{c} twice");
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
            let back: ErrorCode = serde_json::from_value(serde_json::json!(c.as_str())).unwrap();
            assert_eq!(back, c);
        }
    }
}
