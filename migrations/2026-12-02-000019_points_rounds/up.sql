-- An admin's retry of a failed priced job reserves its price again: each try is a round of
-- the job's ledger lines (reserve, then settle or refund), and the trigger settles the latest.
ALTER TABLE points_ledger ADD COLUMN round smallint NOT NULL DEFAULT 1;
ALTER TABLE points_ledger DROP CONSTRAINT points_ledger_job_id_entry_key;
ALTER TABLE points_ledger ADD CONSTRAINT points_ledger_job_round_entry UNIQUE (job_id, round, entry);

CREATE OR REPLACE FUNCTION settle_job_points() RETURNS trigger AS $$
DECLARE
    reserved integer;
    current smallint;
    after integer;
BEGIN
    SELECT -amount, round INTO reserved, current FROM points_ledger
    WHERE job_id = NEW.id AND entry = 'reserve' ORDER BY round DESC LIMIT 1;
    IF NOT FOUND OR EXISTS (
        SELECT 1 FROM points_ledger
        WHERE job_id = NEW.id AND round = current AND entry IN ('settle', 'refund')
    ) THEN
        RETURN NEW;
    END IF;
    IF NEW.status = 'succeeded' THEN
        SELECT balance INTO after FROM point_balances WHERE user_id = NEW.owner_id;
        INSERT INTO points_ledger (user_id, job_id, entry, amount, balance_after, note, round)
        VALUES (NEW.owner_id, NEW.id, 'settle', 0, after, NEW.kind, current);
    ELSE
        UPDATE point_balances SET balance = balance + reserved, updated_at = now()
        WHERE user_id = NEW.owner_id RETURNING balance INTO after;
        INSERT INTO points_ledger (user_id, job_id, entry, amount, balance_after, note, round)
        VALUES (NEW.owner_id, NEW.id, 'refund', reserved, after, NEW.kind, current);
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
