ALTER TABLE jobs DROP COLUMN steps_done, DROP COLUMN steps_total;
