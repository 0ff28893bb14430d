-- AIDAS Studio initial schema (SQLite). Forward-only: later changes are new files.
--
-- Story memory is a log of per-episode deltas: every state, relationship, memory and thread row names the episode
-- that produced it (0 = the plan). "The world as of episode N" is the latest row per key with episode <= N, and
-- rolling episode N back deletes exactly the rows with episode >= N.

CREATE TABLE series (
    id                   TEXT PRIMARY KEY NOT NULL,
    title                TEXT NOT NULL UNIQUE,
    genre                TEXT NOT NULL,
    genre_label          TEXT NOT NULL DEFAULT '',
    total_episodes       INTEGER NOT NULL CHECK (total_episodes > 0),
    episode_duration_min INTEGER NOT NULL CHECK (episode_duration_min > 0),
    main_theme           TEXT NOT NULL DEFAULT '',
    target_audience      TEXT NOT NULL DEFAULT '',
    premise              TEXT NOT NULL DEFAULT '',
    status               TEXT NOT NULL DEFAULT 'draft',
    plot_json            TEXT NOT NULL DEFAULT '{}',
    created_at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE characters (
    series_id               TEXT NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    id                      TEXT NOT NULL,
    name                    TEXT NOT NULL,
    role                    TEXT NOT NULL DEFAULT '',
    importance              TEXT NOT NULL,
    age                     INTEGER,
    occupation              TEXT NOT NULL DEFAULT '',
    personality_json        TEXT NOT NULL DEFAULT '[]',
    background              TEXT NOT NULL DEFAULT '',
    goals_json              TEXT NOT NULL DEFAULT '[]',
    secrets_json            TEXT NOT NULL DEFAULT '[]',
    voice_profile_json      TEXT NOT NULL,
    appearance_profile_json TEXT NOT NULL DEFAULT '{}',
    sort_order              INTEGER NOT NULL DEFAULT 0,
    created_at              TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (series_id, id),
    UNIQUE (series_id, name)
);

CREATE TABLE episode_outlines (
    series_id            TEXT NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    episode_number       INTEGER NOT NULL CHECK (episode_number > 0),
    title                TEXT NOT NULL DEFAULT '',
    arc_phase            TEXT NOT NULL,
    main_event           TEXT NOT NULL,
    sub_events_json      TEXT NOT NULL DEFAULT '[]',
    character_focus_json TEXT NOT NULL DEFAULT '[]',
    target_emotions_json TEXT NOT NULL DEFAULT '[]',
    hook                 TEXT NOT NULL DEFAULT '',
    cliffhanger          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (series_id, episode_number)
);

-- One row per planned episode. The outcome columns are filled when the episode's script is accepted
-- (recorded_at set) and cleared again by a rollback.
CREATE TABLE episodes (
    series_id      TEXT NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    episode_number INTEGER NOT NULL CHECK (episode_number > 0),
    title          TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL DEFAULT 'planned',
    summary        TEXT NOT NULL DEFAULT '',
    key_events_json TEXT NOT NULL DEFAULT '[]',
    cliffhanger    TEXT NOT NULL DEFAULT '',
    outcome_json   TEXT,
    script_json    TEXT,
    recorded_at    TEXT,
    youtube_id     TEXT,
    published_at   TEXT,
    updated_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (series_id, episode_number)
);

CREATE TABLE character_states (
    series_id           TEXT NOT NULL,
    character_id        TEXT NOT NULL,
    episode_number      INTEGER NOT NULL CHECK (episode_number >= 0),
    emotional_state     TEXT NOT NULL DEFAULT '',
    location            TEXT NOT NULL DEFAULT '',
    active_goals_json   TEXT NOT NULL DEFAULT '[]',
    resolved_goals_json TEXT NOT NULL DEFAULT '[]',
    traits_json         TEXT NOT NULL DEFAULT '[]',
    situation           TEXT NOT NULL DEFAULT '',
    alive               INTEGER NOT NULL DEFAULT 1,
    present             INTEGER NOT NULL DEFAULT 1,
    note                TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (series_id, character_id, episode_number),
    FOREIGN KEY (series_id, character_id) REFERENCES characters(series_id, id) ON DELETE CASCADE
);

-- Pairs are stored in id order (a < b).
CREATE TABLE character_relationships (
    series_id          TEXT NOT NULL,
    a                  TEXT NOT NULL,
    b                  TEXT NOT NULL,
    episode_number     INTEGER NOT NULL CHECK (episode_number >= 0),
    kind               TEXT NOT NULL DEFAULT '',
    intimacy           INTEGER NOT NULL CHECK (intimacy BETWEEN 1 AND 10),
    status             TEXT NOT NULL DEFAULT '',
    recent_events_json TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (series_id, a, b, episode_number),
    CHECK (a < b),
    FOREIGN KEY (series_id, a) REFERENCES characters(series_id, id) ON DELETE CASCADE,
    FOREIGN KEY (series_id, b) REFERENCES characters(series_id, id) ON DELETE CASCADE
);

-- Free-form memories per episode (key events, plot progressions, cliffhangers), seed §5 story_memory.
CREATE TABLE story_memory (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    series_id        TEXT NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    episode_number   INTEGER NOT NULL CHECK (episode_number >= 0),
    memory_type      TEXT NOT NULL,
    content_json     TEXT NOT NULL,
    importance_level INTEGER NOT NULL DEFAULT 3 CHECK (importance_level BETWEEN 1 AND 5),
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX story_memory_by_episode ON story_memory (series_id, episode_number);

CREATE TABLE plot_threads (
    series_id   TEXT NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    opened_in   INTEGER NOT NULL CHECK (opened_in >= 0),
    resolved_in INTEGER,
    resolution  TEXT,
    PRIMARY KEY (series_id, id),
    CHECK (resolved_in IS NULL OR resolved_in >= opened_in)
);

-- Production: one job per stage per episode; items are tracked by later migrations.
CREATE TABLE jobs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    series_id       TEXT NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    episode_number  INTEGER NOT NULL,
    stage           TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'queued',
    priority        INTEGER NOT NULL DEFAULT 5,
    run_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    lease_owner     TEXT,
    lease_expires_at TEXT,
    payload_json    TEXT NOT NULL DEFAULT '{}',
    result_json     TEXT,
    last_error      TEXT,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    started_at      TEXT,
    completed_at    TEXT,
    UNIQUE (series_id, episode_number, stage)
);
CREATE INDEX jobs_claimable ON jobs (status, run_at, priority);

CREATE TABLE job_logs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id       INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    level        TEXT NOT NULL,
    message      TEXT NOT NULL,
    details_json TEXT,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- The cost ledger (seed §5 api_usage): estimate at reservation, actual when the provider reports.
CREATE TABLE api_usage (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    provider       TEXT NOT NULL,
    operation      TEXT NOT NULL,
    series_id      TEXT REFERENCES series(id) ON DELETE SET NULL,
    episode_number INTEGER,
    job_id         INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
    units          REAL NOT NULL DEFAULT 0,
    unit           TEXT NOT NULL DEFAULT '',
    estimated_usd  REAL NOT NULL DEFAULT 0,
    actual_usd     REAL,
    status_code    INTEGER,
    duration_ms    INTEGER,
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX api_usage_by_day ON api_usage (created_at);

CREATE TABLE settings (
    key        TEXT PRIMARY KEY NOT NULL,
    value_json TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE channels (
    id                 TEXT PRIMARY KEY NOT NULL,
    name               TEXT NOT NULL,
    youtube_channel_id TEXT,
    settings_json      TEXT NOT NULL DEFAULT '{}',
    created_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Files produced by stages, keyed by a hash of their inputs so an unchanged stage is never redone.
CREATE TABLE artifacts (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    series_id      TEXT NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    episode_number INTEGER,
    kind           TEXT NOT NULL,
    input_hash     TEXT NOT NULL,
    path           TEXT NOT NULL,
    sha256         TEXT NOT NULL,
    bytes          INTEGER NOT NULL,
    meta_json      TEXT NOT NULL DEFAULT '{}',
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (series_id, kind, input_hash)
);
