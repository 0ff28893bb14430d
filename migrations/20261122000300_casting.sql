-- Casting: a voice per character for the whole series (locked once production starts), and every voiced line.
ALTER TABLE series ADD COLUMN cast_locked INTEGER NOT NULL DEFAULT 0;

CREATE TABLE cast_entries (
    series_id      TEXT NOT NULL,
    character_id   TEXT NOT NULL,
    primary_json   TEXT NOT NULL,
    fallbacks_json TEXT NOT NULL DEFAULT '[]',
    cast_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (series_id, character_id),
    FOREIGN KEY (series_id, character_id) REFERENCES characters(series_id, id) ON DELETE CASCADE
);

CREATE TABLE line_audio (
    series_id         TEXT NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    episode_number    INTEGER NOT NULL,
    line_id           TEXT NOT NULL,
    character_id      TEXT NOT NULL,
    provider          TEXT NOT NULL,
    voice_id          TEXT NOT NULL,
    chain_index       INTEGER NOT NULL DEFAULT 0,
    path              TEXT NOT NULL,
    sha256            TEXT NOT NULL,
    duration_sec      REAL NOT NULL,
    sample_rate       INTEGER NOT NULL,
    cues_json         TEXT NOT NULL DEFAULT '[]',
    timing_estimated  INTEGER NOT NULL DEFAULT 1,
    billed_characters INTEGER NOT NULL DEFAULT 0,
    created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (series_id, episode_number, line_id)
);
