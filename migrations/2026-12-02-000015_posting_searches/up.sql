-- A user's recent posting searches, for the dashboard: one row per distinct search (its
-- filters in a canonical form), moved to the front each time it is run again. Only the
-- latest few per user are kept.
CREATE TABLE posting_searches (
    id uuid PRIMARY KEY,
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    filters jsonb NOT NULL,
    filters_key text NOT NULL,
    runs integer NOT NULL DEFAULT 1,
    last_results integer NOT NULL,
    first_run_at timestamptz NOT NULL DEFAULT now(),
    last_run_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (owner_id, filters_key)
);
CREATE INDEX posting_searches_recent ON posting_searches (owner_id, last_run_at DESC);
