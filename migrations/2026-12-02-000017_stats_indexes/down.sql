DROP INDEX users_created, sessions_created, sessions_refreshed, orders_paid, resumes_created,
    diagnoses_created, question_sets_created, interviews_created, crawl_runs_created;
