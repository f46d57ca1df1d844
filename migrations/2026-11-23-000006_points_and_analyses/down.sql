DROP TABLE question_sets;
DROP TABLE diagnoses;
DROP TRIGGER jobs_settle_points ON jobs;
DROP FUNCTION settle_job_points();
DROP TABLE points_ledger;
DROP TABLE point_balances;
