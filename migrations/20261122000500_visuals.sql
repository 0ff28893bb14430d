-- Every shot's visual: the route the router chose (with its reason and estimate), the still, the clip.
CREATE TABLE shot_media (
    series_id      TEXT NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    episode_number INTEGER NOT NULL,
    shot_index     INTEGER NOT NULL,
    media_json     TEXT NOT NULL,
    clip_sha256    TEXT NOT NULL,
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (series_id, episode_number, shot_index)
);
