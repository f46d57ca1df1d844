-- Points: an append-only ledger and one balance per user that can never go negative.
CREATE TABLE point_balances (
    user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    balance integer NOT NULL CHECK (balance >= 0),
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO point_balances (user_id, balance) SELECT id, 0 FROM users;

-- grant: points given (sign-up); reserve: a priced job's price held at enqueue (negative);
-- settle: the job succeeded, the reservation is spent (0); refund: it failed or was
-- cancelled, the reservation comes back. Each job has at most one entry of each kind.
CREATE TABLE points_ledger (
    id bigserial PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    job_id uuid,
    entry text NOT NULL CHECK (entry IN ('grant', 'reserve', 'settle', 'refund')),
    amount integer NOT NULL,
    balance_after integer NOT NULL CHECK (balance_after >= 0),
    note text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (job_id, entry)
);
CREATE INDEX points_ledger_user ON points_ledger (user_id, id DESC);

CREATE RULE points_ledger_no_update AS ON UPDATE TO points_ledger DO INSTEAD NOTHING;

-- Settles or refunds a priced job when it finishes, in the transaction that finishes it,
-- whichever path finishes it (worker, lease expiry, cancel, account deletion). The job row's
-- lock orders finishers; the unique (job_id, entry) refuses a second refund outright.
CREATE FUNCTION settle_job_points() RETURNS trigger AS $$
DECLARE
    reserved integer;
    after integer;
BEGIN
    SELECT -amount INTO reserved FROM points_ledger WHERE job_id = NEW.id AND entry = 'reserve';
    IF NOT FOUND OR EXISTS (
        SELECT 1 FROM points_ledger WHERE job_id = NEW.id AND entry IN ('settle', 'refund')
    ) THEN
        RETURN NEW;
    END IF;
    IF NEW.status = 'succeeded' THEN
        SELECT balance INTO after FROM point_balances WHERE user_id = NEW.owner_id;
        INSERT INTO points_ledger (user_id, job_id, entry, amount, balance_after, note)
        VALUES (NEW.owner_id, NEW.id, 'settle', 0, after, NEW.kind);
    ELSE
        UPDATE point_balances SET balance = balance + reserved, updated_at = now()
        WHERE user_id = NEW.owner_id RETURNING balance INTO after;
        INSERT INTO points_ledger (user_id, job_id, entry, amount, balance_after, note)
        VALUES (NEW.owner_id, NEW.id, 'refund', reserved, after, NEW.kind);
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER jobs_settle_points AFTER UPDATE OF status ON jobs FOR EACH ROW
    WHEN (NEW.status IN ('succeeded', 'failed', 'cancelled') AND OLD.status IS DISTINCT FROM NEW.status
          AND NEW.owner_id IS NOT NULL)
    EXECUTE FUNCTION settle_job_points();

-- Results of analyses, one row per successful job (the job is the analysis: its id, owner,
-- input and status). Deleted with the job.
CREATE TABLE diagnoses (
    job_id uuid PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    resume_id uuid REFERENCES resumes (id) ON DELETE SET NULL,
    overall_score integer NOT NULL CHECK (overall_score BETWEEN 0 AND 100),
    language text NOT NULL,
    engine text NOT NULL,
    result jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX diagnoses_owner ON diagnoses (owner_id, job_id DESC);

CREATE TABLE question_sets (
    job_id uuid PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    resume_id uuid REFERENCES resumes (id) ON DELETE SET NULL,
    questions integer NOT NULL CHECK (questions >= 0),
    language text NOT NULL,
    engine text NOT NULL,
    result jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX question_sets_owner ON question_sets (owner_id, job_id DESC);
