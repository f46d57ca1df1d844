-- What `GET /admin/stats` counts per day, each read by a range of one index: it stays
-- fast with a hundred thousand users and a million jobs.
CREATE INDEX users_created ON users (created_at);
CREATE INDEX sessions_created ON sessions (created_at);
CREATE INDEX sessions_refreshed ON sessions (refreshed_at) WHERE revoked_at IS NULL;
CREATE INDEX orders_paid ON orders (paid_at) WHERE paid_at IS NOT NULL;
CREATE INDEX resumes_created ON resumes (created_at);
CREATE INDEX diagnoses_created ON diagnoses (created_at);
CREATE INDEX question_sets_created ON question_sets (created_at);
CREATE INDEX interviews_created ON interviews (created_at);
CREATE INDEX crawl_runs_created ON crawl_runs (created_at);
