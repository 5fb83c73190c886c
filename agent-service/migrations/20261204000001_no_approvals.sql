-- Runs no longer pause for an approval (nothing used it; issue 12): no checkpoint waits, and
-- none keeps a prompt or an approval. A run left waiting (none is expected: no graph ever
-- paused) ends as failed, so that retention deletes it like any other ended run.
UPDATE checkpoints
SET status = 'failed', error = 'the run waited for an approval, which runs no longer do'
WHERE status = 'waiting';

ALTER TABLE checkpoints
    DROP COLUMN prompt,
    DROP COLUMN approval,
    DROP CONSTRAINT checkpoints_status_check,
    ADD CONSTRAINT checkpoints_status_check CHECK (status IN ('running', 'done', 'failed', 'cancelled'));
