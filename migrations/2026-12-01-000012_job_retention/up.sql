-- Finished jobs of kinds that keep their record elsewhere are pruned after the retention
-- window, oldest first: this index finds them without reading the live ones.
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
