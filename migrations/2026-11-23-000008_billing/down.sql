DROP TABLE reconciliation_mismatches;
DROP TABLE reconciliation_runs;
DROP TABLE memberships;
DELETE FROM points_ledger WHERE entry IN ('credit', 'download');
ALTER TABLE points_ledger DROP CONSTRAINT points_ledger_entry_check;
ALTER TABLE points_ledger ADD CONSTRAINT points_ledger_entry_check
    CHECK (entry IN ('grant', 'reserve', 'settle', 'refund'));
ALTER TABLE points_ledger DROP COLUMN order_id;
DROP TABLE orders;
