-- Promotion by invitation. Every user has a code to share; registering with it records
-- the inviter; when the invitee verifies their address the inviter is credited once. The
-- credit is keyed by the invitee's address, so neither replaying the verification nor
-- deleting the account and registering again pays twice.
ALTER TABLE users ADD COLUMN invitation_code text NOT NULL
    DEFAULT upper(substr(md5(gen_random_uuid()::text), 1, 16));
CREATE UNIQUE INDEX users_invitation_code ON users (invitation_code);
ALTER TABLE users ADD COLUMN invited_by uuid REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX users_invited_by ON users (invited_by) WHERE invited_by IS NOT NULL;

CREATE TABLE invitation_credits (
    invitee_email_key text PRIMARY KEY,
    inviter_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    invitee_id uuid REFERENCES users (id) ON DELETE SET NULL,
    points integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (inviter_id <> invitee_id)
);
CREATE INDEX invitation_credits_inviter ON invitation_credits (inviter_id);
