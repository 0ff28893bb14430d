-- Publishing: channel sign-in state, crash-safe YouTube uploads, local quota accounting, playlists per series, and
-- review decisions.

-- connected | reconnect_needed (Google refused the refresh token: the person must sign in again)
ALTER TABLE channels ADD COLUMN state TEXT NOT NULL DEFAULT 'connected';
ALTER TABLE channels ADD COLUMN state_detail TEXT;

-- One upload per episode. The session URI is written before the first byte is sent, so a restarted process asks
-- YouTube where the session stands instead of inserting a second video.
CREATE TABLE uploads (
    series_id        TEXT NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    episode_number   INTEGER NOT NULL,
    channel_id       TEXT NOT NULL,
    -- new | uploading | uploaded | done
    state            TEXT NOT NULL DEFAULT 'new',
    file_path        TEXT NOT NULL,
    file_size        INTEGER NOT NULL,
    file_sha256      TEXT NOT NULL,
    resource_json    TEXT NOT NULL,
    publish_at       TEXT,
    session_uri      TEXT,
    sessions_started INTEGER NOT NULL DEFAULT 0,
    bytes_confirmed  INTEGER NOT NULL DEFAULT 0,
    video_id         TEXT,
    thumbnail_done   INTEGER NOT NULL DEFAULT 0,
    captions_done    INTEGER NOT NULL DEFAULT 0,
    playlist_done    INTEGER NOT NULL DEFAULT 0,
    privacy_status   TEXT,
    forced_private   INTEGER NOT NULL DEFAULT 0,
    parked_until_ms  INTEGER,
    last_error       TEXT,
    updated_ms       INTEGER NOT NULL,
    PRIMARY KEY (series_id, episode_number)
);

-- YouTube API units and videos.insert calls counted per Pacific day (day = the reset instant, unix ms).
CREATE TABLE youtube_quota (
    day_reset_ms INTEGER PRIMARY KEY NOT NULL,
    units        INTEGER NOT NULL DEFAULT 0,
    uploads      INTEGER NOT NULL DEFAULT 0,
    -- YouTube said quotaExceeded: nothing more today, whatever the local count says.
    exhausted    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE playlists (
    series_id   TEXT NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    channel_id  TEXT NOT NULL,
    playlist_id TEXT NOT NULL,
    PRIMARY KEY (series_id, channel_id)
);

-- Every review decision, with its time and reason.
CREATE TABLE review_decisions (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    series_id      TEXT NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    episode_number INTEGER NOT NULL,
    -- approve | reject | regenerate
    decision       TEXT NOT NULL,
    reason         TEXT NOT NULL DEFAULT '',
    scenes_json    TEXT NOT NULL DEFAULT '[]',
    publish_at     TEXT,
    at_ms          INTEGER NOT NULL
);
CREATE INDEX review_by_episode ON review_decisions (series_id, episode_number);
