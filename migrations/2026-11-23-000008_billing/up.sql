-- Orders: what a user asked to pay for, in fen. `out_trade_no` is the id the payment
-- provider knows the order by. An order outlives its owner's account (owner set to NULL):
-- money records are kept for the audit.
CREATE TABLE orders (
    id uuid PRIMARY KEY,
    owner_id uuid REFERENCES users (id) ON DELETE SET NULL,
    client_key text NOT NULL CHECK (length(client_key) BETWEEN 1 AND 64),
    out_trade_no text NOT NULL UNIQUE,
    product text NOT NULL CHECK (product IN ('topup', 'week', 'month', 'quarter')),
    amount_fen bigint NOT NULL CHECK (amount_fen > 0),
    points integer NOT NULL CHECK (points >= 0),
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid')),
    code_url text,
    transaction_id text,
    paid_at timestamptz,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'paid') = (paid_at IS NOT NULL))
);
CREATE UNIQUE INDEX orders_client_key ON orders (owner_id, client_key);
CREATE INDEX orders_owner ON orders (owner_id, id DESC);
CREATE INDEX orders_paid_at ON orders (paid_at) WHERE paid_at IS NOT NULL;

-- Points bought with an order are a `credit` naming it; a paid report download is a
-- `download` naming the report's job. Credits are deliberately not unique per order in
-- the schema: the order's own pending → paid change (under its row lock) is what credits
-- once, and the audit is there to catch anything that writes a second one.
ALTER TABLE points_ledger ADD COLUMN order_id uuid;
ALTER TABLE points_ledger DROP CONSTRAINT points_ledger_entry_check;
ALTER TABLE points_ledger ADD CONSTRAINT points_ledger_entry_check
    CHECK (entry IN ('grant', 'reserve', 'settle', 'refund', 'credit', 'download'));
CREATE INDEX points_ledger_order ON points_ledger (order_id) WHERE order_id IS NOT NULL;
CREATE INDEX points_ledger_credits ON points_ledger (created_at) WHERE entry = 'credit';

-- Membership: cumulative top-ups (fen), from which the level follows (jobs::billing), and a
-- running package's end. No row: nothing paid yet, level normal.
CREATE TABLE memberships (
    user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    paid_fen bigint NOT NULL DEFAULT 0 CHECK (paid_fen >= 0),
    package_until timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- An audit of a range of days (China time). A scheduled run is keyed by its tick, so any
-- number of schedulers make one run per tick.
CREATE TABLE reconciliation_runs (
    id uuid PRIMARY KEY,
    job_id uuid NOT NULL,
    tick timestamptz UNIQUE,
    day_from date NOT NULL,
    day_to date NOT NULL CHECK (day_to >= day_from),
    requested_by uuid REFERENCES users (id) ON DELETE SET NULL,
    status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    summary jsonb,
    error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);

-- What a run found. `reference` names the thing (an out_trade_no, or a ledger entry id);
-- `first_seen` is false when an earlier run already reported the same kind and reference,
-- so a re-run over the same days alerts nobody again.
CREATE TABLE reconciliation_mismatches (
    id bigserial PRIMARY KEY,
    run_id uuid NOT NULL REFERENCES reconciliation_runs (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('paid_not_recorded', 'missing_at_provider',
        'status_differs', 'amount_differs', 'never_credited', 'credited_twice',
        'credit_without_order')),
    reference text NOT NULL,
    order_id uuid,
    action text NOT NULL CHECK (action IN ('healed', 'flagged')),
    first_seen boolean NOT NULL,
    details jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reconciliation_mismatches_run ON reconciliation_mismatches (run_id, id);
CREATE INDEX reconciliation_mismatches_seen ON reconciliation_mismatches (kind, reference);
