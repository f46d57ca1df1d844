-- Where postings come from, each crawled on its own cron schedule.
CREATE TABLE crawl_sources (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    -- The source's kind and how to read it (crawler::SourceSpec as JSON).
    spec jsonb NOT NULL,
    -- cron, seconds first: `0 0 3 * * *` is 03:00 every day.
    schedule text NOT NULL,
    enabled boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per crawl. A scheduled run carries its tick, unique per source: however many
-- schedulers see the tick, one insert wins and only it enqueues the crawl.
CREATE TABLE crawl_runs (
    id uuid PRIMARY KEY,
    source_id uuid NOT NULL REFERENCES crawl_sources (id) ON DELETE CASCADE,
    job_id uuid NOT NULL,
    tick timestamptz,
    status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    fetched integer NOT NULL DEFAULT 0,
    new integer NOT NULL DEFAULT 0,
    updated integer NOT NULL DEFAULT 0,
    unchanged integer NOT NULL DEFAULT 0,
    closed integer NOT NULL DEFAULT 0,
    errors integer NOT NULL DEFAULT 0,
    -- The first errors, for people: [{url, reason}].
    error_samples jsonb NOT NULL DEFAULT '[]',
    duration_ms bigint,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    UNIQUE (source_id, tick)
);
CREATE INDEX crawl_runs_recent ON crawl_runs (id DESC);

-- What each page held last time: its validators for a conditional GET, and its postings.
CREATE TABLE crawl_pages (
    source_id uuid NOT NULL REFERENCES crawl_sources (id) ON DELETE CASCADE,
    url text NOT NULL,
    etag text,
    last_modified text,
    external_ids text[] NOT NULL,
    PRIMARY KEY (source_id, url)
);

CREATE TABLE postings (
    id uuid PRIMARY KEY,
    source_id uuid NOT NULL REFERENCES crawl_sources (id) ON DELETE CASCADE,
    external_id text NOT NULL,
    url text NOT NULL,
    title text NOT NULL,
    company text,
    location text,
    remote boolean NOT NULL,
    salary_min double precision,
    salary_max double precision,
    salary_currency text,
    salary_period text,
    employment_type text,
    description text NOT NULL,
    requirements jsonb NOT NULL,
    skills text[] NOT NULL,
    posted_on date,
    content_hash text NOT NULL,
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    closed_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now(),
    search tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title), 'A')
        || setweight(to_tsvector('simple', coalesce(company, '')), 'B')
        || setweight(to_tsvector('simple', description), 'C')
    ) STORED,
    UNIQUE (source_id, external_id)
);
CREATE INDEX postings_search ON postings USING gin (search);
CREATE INDEX postings_skills ON postings USING gin (skills);
CREATE INDEX postings_recent ON postings (id DESC);
