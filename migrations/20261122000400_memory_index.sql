-- Context queries read story memory by type (secret reveals, appearances) up to an episode.
CREATE INDEX story_memory_by_type ON story_memory (series_id, memory_type, episode_number);
