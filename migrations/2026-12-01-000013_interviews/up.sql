-- Mock interview sessions. The session is the record; its jobs (plan, one feedback per
-- answer, the report) carry only ids. The report job is accepted with the session, its
-- price reserved, and not due until the session ends: the points machinery settles or
-- refunds it exactly once, as for every paid job.
CREATE TABLE interviews (
    id uuid PRIMARY KEY,
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    resume_id uuid NOT NULL,
    target jsonb NOT NULL,
    question_set_id uuid,
    mode text NOT NULL CHECK (mode IN ('practice', 'real')),
    language text NOT NULL,
    question_count integer NOT NULL CHECK (question_count BETWEEN 1 AND 15),
    seconds_per_question integer CHECK (seconds_per_question > 0),
    status text NOT NULL DEFAULT 'planning'
        CHECK (status IN ('planning', 'in_progress', 'reporting', 'finished', 'abandoned', 'failed')),
    error text,
    plan_job_id uuid NOT NULL,
    report_job_id uuid NOT NULL,
    assessment jsonb,
    overall_score integer CHECK (overall_score BETWEEN 0 AND 100),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE INDEX interviews_owner ON interviews (owner_id, id DESC);
CREATE UNIQUE INDEX interviews_plan_job ON interviews (plan_job_id);
CREATE UNIQUE INDEX interviews_report_job ON interviews (report_job_id);

-- Questions asked, in order of (question_index, follow_up): a plan's question has
-- follow_up 0, its follow-ups 1 and 2.
CREATE TABLE interview_turns (
    interview_id uuid NOT NULL REFERENCES interviews (id) ON DELETE CASCADE,
    question_index integer NOT NULL,
    follow_up integer NOT NULL DEFAULT 0 CHECK (follow_up BETWEEN 0 AND 2),
    question text NOT NULL,
    category text NOT NULL,
    difficulty text NOT NULL,
    key_points jsonb NOT NULL,
    answer text,
    skipped boolean NOT NULL DEFAULT false,
    answered_at timestamptz,
    feedback jsonb,
    score integer CHECK (score BETWEEN 0 AND 100),
    PRIMARY KEY (interview_id, question_index, follow_up)
);

-- One state machine: a plan that fails for good fails its session and cancels the report
-- (refunding the price); a report that fails fails the session; a cancelled report (the
-- session abandoned) leaves it abandoned. Successes are written by the jobs' own records.
CREATE FUNCTION interviews_follow_their_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.kind = 'interview.plan' THEN
        UPDATE interviews SET status = 'failed', error = NEW.error, updated_at = now(),
                              finished_at = now()
            WHERE plan_job_id = NEW.id AND status = 'planning';
        UPDATE jobs SET status = 'cancelled', finished_at = now(), updated_at = now(),
                        error = 'the interview could not be planned'
            WHERE id = (SELECT report_job_id FROM interviews WHERE plan_job_id = NEW.id)
              AND status = 'queued';
    ELSIF NEW.status = 'failed' THEN
        UPDATE interviews SET status = 'failed', error = NEW.error, updated_at = now(),
                              finished_at = now()
            WHERE report_job_id = NEW.id AND status NOT IN ('finished', 'failed');
    ELSE
        UPDATE interviews SET status = 'abandoned', updated_at = now(), finished_at = now()
            WHERE report_job_id = NEW.id AND status NOT IN ('finished', 'failed', 'abandoned');
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER jobs_interviews_follow AFTER UPDATE OF status ON jobs FOR EACH ROW
    WHEN (NEW.kind IN ('interview.plan', 'interview.report')
          AND NEW.status IN ('failed', 'cancelled') AND OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION interviews_follow_their_jobs();
