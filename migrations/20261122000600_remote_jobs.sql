-- Paid remote jobs (fal video/images, HeyGen avatars), written before the first byte is sent and updated as they
-- progress, so a restart polls instead of paying again. One row per purpose ("shot:3", "keyframe:3", "avatar:L1").
CREATE TABLE remote_jobs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    series_id       TEXT NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    episode_number  INTEGER NOT NULL,
    purpose         TEXT NOT NULL,
    provider        TEXT NOT NULL,
    model           TEXT NOT NULL,
    -- submitting | submitted | completed | downloaded | failed | unknown | stuck
    state           TEXT NOT NULL,
    request_id      TEXT,
    status_url      TEXT,
    response_url    TEXT,
    cancel_url      TEXT,
    result_url      TEXT,
    result_path     TEXT,
    result_sha256   TEXT,
    estimate_usd    REAL NOT NULL DEFAULT 0,
    ledger_id       INTEGER,
    error           TEXT,
    submitted_unix  INTEGER,
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (series_id, episode_number, purpose)
);

CREATE INDEX remote_jobs_by_state ON remote_jobs (state);
