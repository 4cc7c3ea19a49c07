INSERT INTO item (name) VALUES ('from the first migration');
