-- Telling people what happened. A change worth telling (a user's job finished, an order
-- paid) writes a notice in the transaction of the change itself, by trigger, so no path
-- that finishes a job can forget to; the dispatcher fans notices out to inboxes, mail and
-- webhook deliveries in one transaction a batch, and marks them fanned out.

-- Time-ordered ids for rows written by set-based statements (an announcement to every
-- user): the 48-bit Unix time in milliseconds over a random v4 UUID, version bits set to 7.
CREATE FUNCTION uuid_v7() RETURNS uuid LANGUAGE sql VOLATILE AS $$
    SELECT encode(
        set_bit(set_bit(
            overlay(uuid_send(gen_random_uuid())
                    PLACING substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                    FROM 1 FOR 6),
            52, 1), 53, 1),
        'hex')::uuid
$$;

CREATE TABLE notices (
    id bigserial PRIMARY KEY,
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- job.succeeded, job.failed, order.paid (also the webhook event's type), or
    -- webhook.disabled (the subject is the delivery job whose answer turned it off).
    event text NOT NULL,
    subject_id uuid NOT NULL,
    -- What telling it needs beyond the subject's row.
    detail jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    fanned_at timestamptz,
    -- A mail was asked for: a job is mailed about at most once, whatever it went through.
    mailed boolean NOT NULL DEFAULT false,
    UNIQUE (event, subject_id)
);
CREATE INDEX notices_pending ON notices (id) WHERE fanned_at IS NULL;
CREATE INDEX notices_mailed ON notices (subject_id) WHERE mailed;

CREATE FUNCTION record_job_notice() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO notices (owner_id, event, subject_id)
    VALUES (NEW.owner_id, 'job.' || NEW.status, NEW.id)
    ON CONFLICT (event, subject_id) DO NOTHING;
    RETURN NULL;
END $$;

-- The kinds whose end is news to their owner: echo is a diagnostic, a mail or an answer's
-- feedback is part of something else.
CREATE TRIGGER jobs_record_notice AFTER UPDATE OF status ON jobs
    FOR EACH ROW
    WHEN (NEW.status IN ('succeeded', 'failed') AND OLD.status IS DISTINCT FROM NEW.status
          AND NEW.owner_id IS NOT NULL
          AND NEW.kind IN ('resume.extract', 'resume.ocr', 'resume.diagnose', 'questions.predict',
                           'postings.crawl', 'interview.plan', 'interview.report'))
    EXECUTE FUNCTION record_job_notice();

CREATE FUNCTION record_order_notice() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO notices (owner_id, event, subject_id)
    VALUES (NEW.owner_id, 'order.paid', NEW.id)
    ON CONFLICT (event, subject_id) DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER orders_record_notice AFTER UPDATE OF status ON orders
    FOR EACH ROW
    WHEN (NEW.status = 'paid' AND OLD.status IS DISTINCT FROM NEW.status
          AND NEW.owner_id IS NOT NULL)
    EXECUTE FUNCTION record_order_notice();

-- A user's inbox. `dedupe_key` names what the message is about ('job:<id>',
-- 'announcement:<id>'), so nothing reaches one user twice however often it is fanned out.
CREATE TABLE messages (
    id uuid PRIMARY KEY DEFAULT uuid_v7(),
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind text NOT NULL,
    title text NOT NULL,
    body text NOT NULL,
    link text,
    dedupe_key text NOT NULL,
    read_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (owner_id, dedupe_key)
);
CREATE INDEX messages_owner ON messages (owner_id, id);
CREATE INDEX messages_unread ON messages (owner_id) WHERE read_at IS NULL;

-- How a user wants to hear of each topic; a topic without a row has its default.
CREATE TABLE notification_preferences (
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    topic text NOT NULL,
    channel text NOT NULL CHECK (channel IN ('inbox', 'mail', 'both', 'none')),
    PRIMARY KEY (owner_id, topic)
);

-- Standard Webhooks endpoints. The secret signs every delivery, so the workers read it;
-- during a rotation the previous one signs too until `previous_secret_until`.
CREATE TABLE webhook_endpoints (
    id uuid PRIMARY KEY,
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    url text NOT NULL,
    description text NOT NULL DEFAULT '',
    event_types text[] NOT NULL,
    secret text NOT NULL,
    previous_secret text,
    previous_secret_until timestamptz,
    enabled boolean NOT NULL DEFAULT true,
    disabled_reason text,
    -- Attempts failed in a row since the last success.
    failures integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_owner ON webhook_endpoints (owner_id, id);

-- One event for one endpoint; its `webhook.deliver` jobs (the first and any redelivery)
-- send the same body under the same `webhook-id`.
CREATE TABLE webhook_deliveries (
    id uuid PRIMARY KEY,
    endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_type text NOT NULL,
    body jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);

-- The delivery log: every request sent and how it was answered.
CREATE TABLE webhook_attempts (
    id bigserial PRIMARY KEY,
    delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    job_id uuid NOT NULL,
    attempt integer NOT NULL,
    status_code integer,
    latency_ms integer NOT NULL,
    -- The first bytes of the answer, or why there was none.
    response text NOT NULL,
    succeeded boolean NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (job_id, attempt)
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
