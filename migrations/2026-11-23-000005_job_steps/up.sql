-- Progress in the kind's own unit (pages for resume reading), beside the percentage.
ALTER TABLE jobs ADD COLUMN steps_done integer, ADD COLUMN steps_total integer;
