-- Every job is written four to five times (accepted, pushed, claimed, finished, pruned) and
-- none of those updates is HOT, since each changes a column an index reads: the table makes
-- dead rows at several times the rate it takes jobs. With the default triggers (a fifth of
-- the table dead) and the default throttle, autovacuum falls behind and the partial indexes
-- the dispatcher scans every cycle fill with dead entries. Vacuum it after a fixed number
-- of dead rows, unthrottled; the rest of the database keeps the server's defaults.
ALTER TABLE jobs SET (
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 10000,
    autovacuum_vacuum_insert_scale_factor = 0,
    autovacuum_vacuum_insert_threshold = 10000,
    autovacuum_analyze_scale_factor = 0.02,
    autovacuum_vacuum_cost_delay = 0
);
