-- Viewer feedback: comments read from YouTube (author reduced to a keyed hash, @handles removed from the text),
-- where each video's comment reading stands, statistics and Analytics snapshots, the analyses per episode (kept,
-- newest last) and the outline changes they caused (each one an outline revision that can be rolled back).

CREATE TABLE viewer_comments (
    video_id       TEXT NOT NULL,
    comment_id     TEXT NOT NULL,
    series_id      TEXT NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    episode_number INTEGER NOT NULL,
    -- The thread's top-level comment, for a reply.
    parent_id      TEXT,
    -- HMAC-SHA256 of the author's channel id under a key kept in the OS keyring (first 16 hex digits).
    author_key     TEXT NOT NULL,
    -- The channel's own comment (the creator answering): kept so reading stops at it, never analysed.
    own            INTEGER NOT NULL DEFAULT 0,
    text           TEXT NOT NULL,
    like_count     INTEGER NOT NULL DEFAULT 0,
    -- For a top-level comment: the thread's reply count when it was read.
    reply_count    INTEGER NOT NULL DEFAULT 0,
    published_at   TEXT NOT NULL,
    PRIMARY KEY (video_id, comment_id)
);
CREATE INDEX viewer_comments_by_episode ON viewer_comments (series_id, episode_number);

-- A writer's (LLM's) reading of one comment, kept so a comment is paid for once per writer.
CREATE TABLE comment_readings (
    video_id     TEXT NOT NULL,
    comment_id   TEXT NOT NULL,
    analyser     TEXT NOT NULL,
    reading_json TEXT NOT NULL,
    PRIMARY KEY (video_id, comment_id, analyser)
);

-- Where reading a video's comments stands. `older_tokens` holds page tokens of older comments not read yet (a run
-- that stopped at its cap, the quota or an error): the next run reads new comments first, then these.
CREATE TABLE comment_reading (
    video_id       TEXT PRIMARY KEY NOT NULL,
    series_id      TEXT NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    episode_number INTEGER NOT NULL,
    older_tokens   TEXT NOT NULL DEFAULT '[]',
    -- The first full read reached the oldest comment.
    complete       INTEGER NOT NULL DEFAULT 0,
    -- Why this video was left out of the last collection (not public yet, comments off, gone), in the person's words.
    skipped        TEXT,
    updated_ms     INTEGER NOT NULL
);

CREATE TABLE audience_snapshots (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    series_id       TEXT NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    episode_number  INTEGER NOT NULL,
    video_id        TEXT NOT NULL,
    taken_ms        INTEGER NOT NULL,
    views           INTEGER,
    likes           INTEGER,
    comments        INTEGER,
    duration_sec    REAL,
    -- YouTube Analytics (NULL when not granted or not reported yet).
    minutes_watched REAL,
    average_view_sec REAL,
    average_view_percentage REAL,
    subscribers_gained INTEGER,
    -- [[elapsedVideoTimeRatio, audienceWatchRatio, relativeRetentionPerformance|null], …]; NULL when not read.
    retention_json  TEXT
);
CREATE INDEX audience_snapshots_by_episode ON audience_snapshots (series_id, episode_number, taken_ms);

CREATE TABLE channel_snapshots (
    channel_id  TEXT NOT NULL,
    taken_ms    INTEGER NOT NULL,
    subscribers INTEGER,
    views       INTEGER,
    videos      INTEGER,
    PRIMARY KEY (channel_id, taken_ms)
);

-- Each analysis of an episode's feedback, kept (the newest is the current one).
CREATE TABLE feedback_reports (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    series_id      TEXT NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    episode_number INTEGER NOT NULL,
    made_ms        INTEGER NOT NULL,
    -- "offline" or the writer that read the comments ("openai:gpt-4o-…").
    analyser       TEXT NOT NULL,
    report_json    TEXT NOT NULL
);
CREATE INDEX feedback_reports_by_episode ON feedback_reports (series_id, episode_number, id);

-- One proposed change to one outline. Accepting writes `after` into episode_outlines (an outline revision tied to
-- the reports that caused it); rolling back writes `before` again.
CREATE TABLE outline_changes (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    series_id      TEXT NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    episode_number INTEGER NOT NULL,
    -- Proposals made together share this number.
    proposal       INTEGER NOT NULL,
    before_json    TEXT NOT NULL,
    after_json     TEXT NOT NULL,
    -- [{kind, text}] in the person's words, and the [feedback_reports id, episode] pairs they come from.
    reasons_json   TEXT NOT NULL,
    report_ids_json TEXT NOT NULL,
    -- pending | accepted | rejected | rolled_back | stale
    state          TEXT NOT NULL DEFAULT 'pending',
    -- creator | unattended
    decided_by     TEXT,
    created_ms     INTEGER NOT NULL,
    decided_ms     INTEGER
);
CREATE INDEX outline_changes_by_series ON outline_changes (series_id, state);

-- Feedback reads may use only part of the day's YouTube units (the rest stays for uploads).
ALTER TABLE youtube_quota ADD COLUMN feedback_units INTEGER NOT NULL DEFAULT 0;
