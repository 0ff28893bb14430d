-- The continuity/quality report of an episode's last script check (kept when the episode is parked for review).
ALTER TABLE episodes ADD COLUMN check_report_json TEXT;
