-- Queues an administrator paused: nothing of theirs is handed to Redis until resumed; jobs
-- keep being accepted and wait here. This flag is the record. Redis holds a copy that the
-- window's admission reads (the API's and the dispatcher's alike), rewritten by the
-- dispatcher every repair pass, so a wiped Redis or a restarted fleet stays paused.
CREATE TABLE queue_controls (
    kind text PRIMARY KEY,
    paused boolean NOT NULL DEFAULT false,
    changed_by uuid REFERENCES users (id) ON DELETE SET NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);
