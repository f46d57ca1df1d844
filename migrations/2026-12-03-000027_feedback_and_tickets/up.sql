-- What users think of what they got (a rating and a comment on a diagnosis, a question
-- set or an interview; one each, changed by rating again), and tickets: a thread between a
-- user and the operators. An operator's reply writes a notice in its own transaction, so
-- the user hears of it as of everything else.
CREATE TABLE feedback (
    id uuid PRIMARY KEY,
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- diagnosis, question_set or interview.
    module text NOT NULL CHECK (module IN ('diagnosis', 'question_set', 'interview')),
    subject_id uuid NOT NULL,
    rating smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (owner_id, module, subject_id)
);
CREATE INDEX feedback_module ON feedback (module);

CREATE TABLE tickets (
    id uuid PRIMARY KEY,
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    subject text NOT NULL,
    -- open (waiting for the operators), answered (waiting for the user) or closed.
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered', 'closed')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tickets_owner ON tickets (owner_id, id);
CREATE INDEX tickets_status ON tickets (status, id);

CREATE TABLE ticket_posts (
    id uuid PRIMARY KEY,
    ticket_id uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author_id uuid REFERENCES users (id) ON DELETE SET NULL,
    from_staff boolean NOT NULL,
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ticket_posts_ticket ON ticket_posts (ticket_id, id);
