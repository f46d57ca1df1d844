DROP INDEX jobs_finished;
