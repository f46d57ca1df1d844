DROP TABLE leaderships;
