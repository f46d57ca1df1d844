DROP TRIGGER jobs_record_analysis ON jobs;
DROP FUNCTION record_analysis();
