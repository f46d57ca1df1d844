DROP TABLE queue_controls;
