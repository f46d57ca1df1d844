-- An analysis' row of record, written by the statement that marks its job succeeded: a
-- batch of successes is one statement however many analyses it holds (the workers wrote
-- one insert per job, in the batch's transaction, and each batch waited on them). The
-- owner comes from the job; a resume deleted meanwhile is recorded as none.
CREATE FUNCTION record_analysis() RETURNS trigger AS $$
DECLARE
    resume uuid := (SELECT id FROM resumes WHERE id = (NEW.payload->>'resume_id')::uuid);
BEGIN
    IF NEW.kind = 'resume.diagnose' THEN
        INSERT INTO diagnoses (job_id, owner_id, resume_id, overall_score, language, engine, result)
        VALUES (NEW.id, NEW.owner_id, resume, LEAST((NEW.result->>'overall_score')::bigint, 100),
                NEW.result->>'language', NEW.result->'engine'->>'engine', NEW.result)
        ON CONFLICT (job_id) DO NOTHING;
    ELSE
        INSERT INTO question_sets (job_id, owner_id, resume_id, questions, language, engine, result)
        VALUES (NEW.id, NEW.owner_id, resume, jsonb_array_length(NEW.result->'questions'),
                NEW.result->>'language', NEW.result->'engine'->>'engine', NEW.result)
        ON CONFLICT (job_id) DO NOTHING;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER jobs_record_analysis AFTER UPDATE OF status ON jobs
    FOR EACH ROW
    WHEN (NEW.status = 'succeeded' AND OLD.status IS DISTINCT FROM NEW.status
          AND NEW.kind IN ('resume.diagnose', 'questions.predict') AND NEW.owner_id IS NOT NULL)
    EXECUTE FUNCTION record_analysis();
