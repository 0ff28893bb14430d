-- Production queue: times in unix milliseconds (leases compare numbers, not text), what a job waits for, why it
-- stopped, and series that are paused.
ALTER TABLE jobs ADD COLUMN run_after_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN lease_until_ms INTEGER;
ALTER TABLE jobs ADD COLUMN error_kind TEXT;
ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN started_ms INTEGER;
ALTER TABLE jobs ADD COLUMN completed_ms INTEGER;
CREATE INDEX jobs_ready ON jobs (status, run_after_ms, priority);

-- A job may start when every job it depends on has succeeded.
CREATE TABLE job_deps (
    job_id     INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    depends_on INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    PRIMARY KEY (job_id, depends_on)
);

ALTER TABLE series ADD COLUMN paused INTEGER NOT NULL DEFAULT 0;
