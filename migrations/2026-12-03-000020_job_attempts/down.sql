DROP TRIGGER jobs_record_attempt ON jobs;
DROP FUNCTION record_job_attempt();
DROP TABLE job_attempts;
