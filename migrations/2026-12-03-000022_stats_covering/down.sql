DROP INDEX sessions_created;
CREATE INDEX sessions_created ON sessions (created_at);
DROP INDEX orders_paid;
CREATE INDEX orders_paid ON orders (paid_at) WHERE paid_at IS NOT NULL;
