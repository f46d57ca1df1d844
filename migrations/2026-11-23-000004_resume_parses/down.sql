DROP TABLE skill_matches;
DROP TABLE resume_parse_results;
