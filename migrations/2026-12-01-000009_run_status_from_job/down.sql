DROP TRIGGER jobs_runs_follow ON jobs;
DROP FUNCTION runs_follow_their_job();
DROP INDEX reconciliation_runs_job;
DROP INDEX crawl_runs_job;
