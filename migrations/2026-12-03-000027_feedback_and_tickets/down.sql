DROP TABLE ticket_posts;
DROP TABLE tickets;
DROP TABLE feedback;
