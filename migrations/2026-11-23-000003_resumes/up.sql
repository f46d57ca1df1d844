-- A resume: an uploaded file and the latest job that reads it. Its status is that job's.
CREATE TABLE resumes (
    id uuid PRIMARY KEY,
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    file_id uuid NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    job_id uuid NOT NULL REFERENCES jobs (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX resumes_owner ON resumes (owner_id, id DESC);
CREATE INDEX resumes_job ON resumes (job_id);
