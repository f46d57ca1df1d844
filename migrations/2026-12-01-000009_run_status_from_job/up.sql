-- One state machine: a crawl run's or an audit run's status is its job's, written by this
-- trigger in the transaction that changes the job, whichever path changes it (a worker,
-- an expired lease, a cancel, an admin's retry). The runs keep their counts and reports.
ALTER TABLE crawl_runs DROP CONSTRAINT crawl_runs_status_check;
ALTER TABLE crawl_runs ADD CONSTRAINT crawl_runs_status_check
    CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled'));
ALTER TABLE reconciliation_runs DROP CONSTRAINT reconciliation_runs_status_check;
ALTER TABLE reconciliation_runs ADD CONSTRAINT reconciliation_runs_status_check
    CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled'));
CREATE INDEX crawl_runs_job ON crawl_runs (job_id);
CREATE INDEX reconciliation_runs_job ON reconciliation_runs (job_id);

-- Runs left `running` by a job that had already failed take their job's status now.
UPDATE crawl_runs r SET status = j.status, finished_at = j.finished_at
    FROM jobs j WHERE j.id = r.job_id AND r.status <> j.status;
UPDATE reconciliation_runs r SET status = j.status, finished_at = j.finished_at, error = j.error
    FROM jobs j WHERE j.id = r.job_id AND r.status <> j.status;

CREATE FUNCTION runs_follow_their_job() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    finished timestamptz := CASE WHEN NEW.status IN ('succeeded', 'failed', 'cancelled')
                                 THEN coalesce(NEW.finished_at, now()) END;
BEGIN
    IF NEW.kind = 'postings.crawl' THEN
        UPDATE crawl_runs SET
            status = NEW.status,
            finished_at = finished,
            error_samples = CASE WHEN NEW.status = 'failed' AND error_samples = '[]'
                                 THEN jsonb_build_array(jsonb_build_object('url', '', 'reason', NEW.error))
                                 ELSE error_samples END
        WHERE job_id = NEW.id;
    ELSE
        UPDATE reconciliation_runs SET
            status = NEW.status,
            finished_at = finished,
            error = CASE WHEN NEW.status = 'failed' THEN NEW.error END
        WHERE job_id = NEW.id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER jobs_runs_follow AFTER UPDATE OF status ON jobs FOR EACH ROW
    WHEN (NEW.kind IN ('postings.crawl', 'billing.reconcile') AND OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION runs_follow_their_job();
