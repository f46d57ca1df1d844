DROP TABLE postings;
DROP TABLE crawl_pages;
DROP TABLE crawl_runs;
DROP TABLE crawl_sources;
