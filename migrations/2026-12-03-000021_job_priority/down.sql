DROP INDEX jobs_undispatched;
CREATE INDEX jobs_undispatched ON jobs (kind, id)
    WHERE status = 'queued' AND dispatched_at IS NULL;
ALTER TABLE jobs DROP COLUMN priority;
