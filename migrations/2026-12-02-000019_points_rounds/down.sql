CREATE OR REPLACE FUNCTION settle_job_points() RETURNS trigger AS $$
DECLARE
    reserved integer;
    after integer;
BEGIN
    SELECT -amount INTO reserved FROM points_ledger WHERE job_id = NEW.id AND entry = 'reserve';
    IF NOT FOUND OR EXISTS (
        SELECT 1 FROM points_ledger WHERE job_id = NEW.id AND entry IN ('settle', 'refund')
    ) THEN
        RETURN NEW;
    END IF;
    IF NEW.status = 'succeeded' THEN
        SELECT balance INTO after FROM point_balances WHERE user_id = NEW.owner_id;
        INSERT INTO points_ledger (user_id, job_id, entry, amount, balance_after, note)
        VALUES (NEW.owner_id, NEW.id, 'settle', 0, after, NEW.kind);
    ELSE
        UPDATE point_balances SET balance = balance + reserved, updated_at = now()
        WHERE user_id = NEW.owner_id RETURNING balance INTO after;
        INSERT INTO points_ledger (user_id, job_id, entry, amount, balance_after, note)
        VALUES (NEW.owner_id, NEW.id, 'refund', reserved, after, NEW.kind);
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
DELETE FROM points_ledger WHERE round > 1;
ALTER TABLE points_ledger DROP CONSTRAINT points_ledger_job_round_entry;
ALTER TABLE points_ledger ADD CONSTRAINT points_ledger_job_id_entry_key UNIQUE (job_id, entry);
ALTER TABLE points_ledger DROP COLUMN round;
