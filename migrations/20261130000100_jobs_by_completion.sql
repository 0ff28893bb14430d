-- The studio's stage history (`jobs_recent`, read every few seconds by the production screen) is the jobs that
-- finished last: an index on the finish time keeps it a short scan however long the queue's history grows.
CREATE INDEX IF NOT EXISTS jobs_by_completion ON jobs (completed_ms);
