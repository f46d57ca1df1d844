DROP TABLE invitation_credits;
ALTER TABLE users DROP COLUMN invited_by;
ALTER TABLE users DROP COLUMN invitation_code;
