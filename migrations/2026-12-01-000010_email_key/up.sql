-- The address as it is looked up: folded once, by the API (Unicode lowercase as Rust
-- computes it), so that storing and looking up can never disagree. PostgreSQL's lower()
-- folds some letters differently (a final Σ, a dotted İ), which made such addresses
-- register but never sign in. Existing rows take lower(), the old rule they were made by.
ALTER TABLE users ADD COLUMN email_key text;
UPDATE users SET email_key = lower(email);
ALTER TABLE users ALTER COLUMN email_key SET NOT NULL;
DROP INDEX users_email_key;
CREATE UNIQUE INDEX users_email_key ON users (email_key);
