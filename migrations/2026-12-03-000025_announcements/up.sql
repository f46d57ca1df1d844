-- Announcements an administrator publishes to many users at once. Its `announcement.deliver`
-- job writes the inbox messages a batch of users at a time, in user-id order; `reached_user`
-- is the last user of the last batch committed, written in that batch's transaction, so a
-- run that was killed goes on where it stopped, and the messages' unique key makes sure no
-- user gets one twice.
CREATE TABLE announcements (
    id uuid PRIMARY KEY,
    title text NOT NULL,
    body text NOT NULL,
    -- Who it is for: everyone, or those at this membership level or above, or of this
    -- language; both when both are set.
    min_level text,
    language text CHECK (language IN ('zh-CN', 'en')),
    send_at timestamptz NOT NULL,
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    job_id uuid NOT NULL,
    reached_user uuid,
    delivered integer NOT NULL DEFAULT 0,
    finished_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
