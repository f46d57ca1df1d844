DELETE FROM jobs WHERE owner_id IS NULL;
ALTER TABLE jobs ALTER COLUMN owner_id SET NOT NULL;
DROP TABLE account_tokens;
DROP TABLE refresh_tokens;
DROP TABLE sessions;
ALTER TABLE users
    DROP COLUMN role,
    DROP COLUMN email_verified_at,
    DROP COLUMN display_name,
    DROP COLUMN language,
    DROP COLUMN difficulty,
    DROP COLUMN updated_at;
