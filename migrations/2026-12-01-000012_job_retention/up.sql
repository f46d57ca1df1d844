-- Finished jobs of kinds that keep their record elsewhere are pruned after the retention
-- window, oldest first, one kind at a time: by kind first, so that the pass never reads
-- the kept kinds' ever-growing history.
CREATE INDEX jobs_finished ON jobs (kind, finished_at) WHERE finished_at IS NOT NULL;
