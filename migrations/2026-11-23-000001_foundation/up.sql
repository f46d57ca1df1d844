CREATE TABLE users (
    id uuid PRIMARY KEY,
    email text NOT NULL,
    password_hash text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- An uploaded file. Its bytes live in the blob store under `sha256`, never under the
-- name the user sent, so two users uploading the same file share one blob.
CREATE TABLE files (
    id uuid PRIMARY KEY,
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sha256 text NOT NULL,
    size_bytes bigint NOT NULL,
    media_type text NOT NULL,
    original_name text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX files_owner ON files (owner_id, id DESC);

CREATE TABLE jobs (
    id uuid PRIMARY KEY,
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind text NOT NULL,
    status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    attempt integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL CHECK (max_attempts > 0),
    progress smallint NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    payload jsonb NOT NULL,
    result jsonb,
    error text,
    idempotency_key text,
    -- Not before this time: the backoff of a retry.
    run_after timestamptz NOT NULL DEFAULT now(),
    -- Set when the job is pushed to Redis, with the id of that push; NULL means the
    -- dispatcher still has to push it.
    dispatched_at timestamptz,
    dispatch_id text,
    worker text,
    lease_expires_at timestamptz,
    heartbeat_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX jobs_owner_idempotency_key ON jobs (owner_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX jobs_owner ON jobs (owner_id, id DESC);
CREATE INDEX jobs_undispatched ON jobs (kind, id)
    WHERE status = 'queued' AND dispatched_at IS NULL;
CREATE INDEX jobs_dispatched_waiting ON jobs (dispatched_at)
    WHERE status = 'queued' AND dispatched_at IS NOT NULL;
CREATE INDEX jobs_running_lease ON jobs (lease_expires_at) WHERE status = 'running';
