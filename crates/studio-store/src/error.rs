use studio_domain::{PlanProblem, TransitionError};

/// Everything the store can refuse. Variants other than `Database`, `Migration` and `Io` are the caller's input
/// being wrong, and say what and where.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unknown series \"{0}\"")]
    UnknownSeries(String),
    #[error("series \"{series}\" has no character \"{reference}\"")]
    UnknownCharacter { series: String, reference: String },
    #[error("series \"{series}\" has no plot thread \"{id}\"")]
    UnknownThread { series: String, id: String },
    #[error("a series with id \"{0}\" already exists")]
    DuplicateSeries(String),
    #[error("a series titled \"{0}\" already exists")]
    TitleTaken(String),
    #[error("the cast of series \"{0}\" is locked; unlock it to re-cast")]
    CastLocked(String),
    /// Work on the thing is under way (a stage running, a paid job in flight); nothing was changed.
    #[error("{0}; try again when it finishes")]
    Busy(String),
    /// The episode is approved or published: its script and media are final.
    #[error("{0}: it can no longer be changed")]
    Closed(String),
    #[error("series \"{series}\" already has a character named \"{name}\"")]
    NameCollision { series: String, name: String },
    #[error("series \"{series}\" already has a character with id \"{id}\"")]
    DuplicateCharacter { series: String, id: String },
    #[error(
        "episode {episode} of series \"{series}\" already has a recorded outcome (roll it back first)"
    )]
    DuplicateEpisode { series: String, episode: u32 },
    #[error("episode {episode} is outside series \"{series}\" (episodes 1–{total})")]
    EpisodeOutOfRange {
        series: String,
        episode: u32,
        total: u32,
    },
    #[error("episode {episode} of series \"{series}\" cannot be recorded before episode {missing}")]
    EpisodeGap {
        series: String,
        episode: u32,
        missing: u32,
    },
    #[error(
        "cannot roll back series \"{series}\" to before episode {episode}: episode(s) {published:?} are published"
    )]
    PublishedLater {
        series: String,
        episode: u32,
        published: Vec<u32>,
    },
    #[error("the series plan is invalid: {}", join(.0))]
    InvalidPlan(Vec<PlanProblem>),
    #[error("the episode outcome is invalid: {}", join(.0))]
    InvalidOutcome(Vec<PlanProblem>),
    #[error("{0}")]
    Transition(#[from] TransitionError),
    #[error("stored {what} is unreadable: {detail}")]
    Corrupt { what: String, detail: String },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

fn join(p: &[PlanProblem]) -> String {
    p.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

impl StoreError {
    /// A stable code for shells (CLI exit messages, IPC `{code, message}`).
    pub fn code(&self) -> studio_domain::ErrorCode {
        use studio_domain::ErrorCode;
        match self {
            Self::UnknownSeries(_) => ErrorCode::UnknownSeries,
            Self::UnknownCharacter { .. } => ErrorCode::UnknownCharacter,
            Self::UnknownThread { .. } => ErrorCode::UnknownThread,
            Self::DuplicateSeries(_) => ErrorCode::DuplicateSeries,
            Self::TitleTaken(_) => ErrorCode::TitleTaken,
            Self::NameCollision { .. } => ErrorCode::NameCollision,
            Self::CastLocked(_) => ErrorCode::CastLocked,
            Self::Busy(_) => ErrorCode::WorkInProgress,
            Self::Closed(_) => ErrorCode::EpisodeClosed,
            Self::DuplicateCharacter { .. } => ErrorCode::DuplicateCharacter,
            Self::DuplicateEpisode { .. } => ErrorCode::DuplicateEpisode,
            Self::EpisodeOutOfRange { .. } => ErrorCode::EpisodeOutOfRange,
            Self::EpisodeGap { .. } => ErrorCode::EpisodeGap,
            Self::PublishedLater { .. } => ErrorCode::PublishedLater,
            Self::InvalidPlan(_) => ErrorCode::InvalidPlan,
            Self::InvalidOutcome(_) => ErrorCode::InvalidOutcome,
            Self::Transition(_) => ErrorCode::InvalidTransition,
            Self::Corrupt { .. } => ErrorCode::CorruptData,
            Self::Database(_) => ErrorCode::Database,
            Self::Migration(_) => ErrorCode::Migration,
            Self::Io { .. } => ErrorCode::Io,
        }
    }

    /// True when the input was wrong (the caller can fix it); false for the machine's own failures.
    pub fn is_user_error(&self) -> bool {
        !matches!(
            self,
            Self::Database(_) | Self::Migration(_) | Self::Io { .. } | Self::Corrupt { .. }
        )
    }
}
