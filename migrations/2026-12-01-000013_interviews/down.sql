DROP TRIGGER jobs_interviews_follow ON jobs;
DROP FUNCTION interviews_follow_their_jobs();
DROP TABLE interview_turns;
DROP TABLE interviews;
