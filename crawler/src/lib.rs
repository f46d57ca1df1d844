//! Crawling job postings politely and parsing them (scraper, JSON-LD, board APIs): the
//! library the `postings.crawl` job will run. Empty until that job kind lands.
