-- What the latest successful reading of a resume found: the text and its structured parse.
-- One row per resume; a new reading replaces it when it succeeds, so a failed re-read
-- keeps the last good parse.
CREATE TABLE resume_parse_results (
    resume_id uuid PRIMARY KEY REFERENCES resumes (id) ON DELETE CASCADE,
    -- The reading that produced it.
    job_id uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    language text NOT NULL CHECK (language IN ('zh-CN', 'en')),
    text text NOT NULL,
    pages integer NOT NULL CHECK (pages >= 0),
    contact jsonb NOT NULL,
    sections jsonb NOT NULL,
    education jsonb NOT NULL,
    experience jsonb NOT NULL,
    years_of_experience double precision NOT NULL CHECK (years_of_experience >= 0),
    confidence double precision NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    parsed_at timestamptz NOT NULL DEFAULT now()
);

-- The vocabulary skills a resume mentions: what diagnoses compare with a job's requirements.
CREATE TABLE skill_matches (
    resume_id uuid NOT NULL REFERENCES resumes (id) ON DELETE CASCADE,
    skill text NOT NULL,
    mentions integer NOT NULL CHECK (mentions > 0),
    PRIMARY KEY (resume_id, skill)
);
CREATE INDEX skill_matches_skill ON skill_matches (skill);
