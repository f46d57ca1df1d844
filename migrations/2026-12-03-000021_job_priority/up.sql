-- Where a job stands in its queue's backlog: the dispatcher fills a window with the due
-- jobs of the highest priority first, oldest first within one. Adding a column with a
-- constant default rewrites nothing; the index replaces the (kind, id) one it orders like.
ALTER TABLE jobs ADD COLUMN priority smallint NOT NULL DEFAULT 0;
DROP INDEX jobs_undispatched;
CREATE INDEX jobs_undispatched ON jobs (kind, priority DESC, id)
    WHERE status = 'queued' AND dispatched_at IS NULL;
