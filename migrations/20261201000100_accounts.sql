-- Several keys per provider ("fal", "fal#2", …): which account a paid remote job was sent with (it is polled with
-- the same key after a restart) and which account each ledger line was spent on. NULL is the provider's first key
-- (everything recorded before accounts existed).
ALTER TABLE remote_jobs ADD COLUMN account TEXT;
ALTER TABLE api_usage ADD COLUMN account TEXT;
