DROP TABLE posting_searches;
