-- Whether a remote model may see a few rows of the session's datasets; by default it sees
-- only their columns and aggregate statistics.
ALTER TABLE sessions ADD COLUMN allow_sample_rows boolean NOT NULL DEFAULT false;
