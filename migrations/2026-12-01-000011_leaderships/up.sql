-- Who acts for the fleet in a role (the dispatcher), until when. A holder that stops
-- renewing (paused, partitioned, dead) loses the role when its lease runs out, unlike a
-- session advisory lock, which a paused process kept for as long as it was paused.
CREATE TABLE leaderships (
    role text PRIMARY KEY,
    holder text NOT NULL,
    expires_at timestamptz NOT NULL
);
