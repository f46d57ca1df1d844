-- Every attempt of a job, so operators see why one retried or failed: which worker ran it,
-- when, how it ended and with what error. A trigger on the job's own transitions writes
-- it, so every path that ends an attempt (a worker's answer, a lease expiry, a cancel, a
-- hand-off to another kind) records it in the same statement, and nothing can forget to.
CREATE TABLE job_attempts (
    job_id uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    attempt integer NOT NULL,
    kind text NOT NULL,
    worker text,
    started_at timestamptz NOT NULL DEFAULT now(),
    ended_at timestamptz,
    -- succeeded, failed, retried, lease_expired, handed_off or cancelled; NULL while it runs.
    outcome text,
    error text,
    PRIMARY KEY (job_id, attempt)
);

CREATE FUNCTION record_job_attempt() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'running' THEN
        INSERT INTO job_attempts (job_id, attempt, kind, worker)
        VALUES (NEW.id, NEW.attempt, NEW.kind, NEW.worker)
        ON CONFLICT (job_id, attempt) DO NOTHING;
    ELSIF OLD.status = 'running' THEN
        UPDATE job_attempts SET
            ended_at = now(),
            outcome = CASE
                WHEN NEW.status = 'succeeded' THEN 'succeeded'
                WHEN NEW.status = 'cancelled' THEN 'cancelled'
                WHEN OLD.lease_expires_at < now() THEN 'lease_expired'
                WHEN NEW.kind <> OLD.kind THEN 'handed_off'
                WHEN NEW.status = 'failed' THEN 'failed'
                ELSE 'retried'
            END,
            error = CASE WHEN NEW.status = 'succeeded' THEN NULL ELSE NEW.error END
        WHERE job_id = OLD.id AND attempt = OLD.attempt;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER jobs_record_attempt AFTER UPDATE OF status ON jobs
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION record_job_attempt();
