-- Every worker process records itself and renews its row while it lives, so operators see
-- the fleet; an administrator can ask one to stop taking jobs (quiet), and it drains as on
-- SIGTERM. A row whose renewals stopped is a process gone (killed, or cut off).
CREATE TABLE worker_processes (
    id text PRIMARY KEY,
    host text NOT NULL,
    pid integer NOT NULL,
    version text NOT NULL,
    queues jsonb NOT NULL,
    concurrency integer NOT NULL,
    running integer NOT NULL DEFAULT 0,
    started_at timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now(),
    quiet_requested_at timestamptz,
    stopped_at timestamptz
);
CREATE INDEX worker_processes_recent ON worker_processes (heartbeat_at DESC);
