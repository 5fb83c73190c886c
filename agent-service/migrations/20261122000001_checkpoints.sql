-- Graph checkpoints (src/graph): one row per step of a run, written after every node.
-- `step` counts the nodes finished (0: the initial state); `next_node` is NULL once the
-- run reached the end. Rows are inserted, never overwritten; only the latest row of a run
-- changes status (waiting, failed, cancelled, resumed), compare-and-set on `status`.
-- The state is JSON, never an opaque binary.
CREATE TABLE checkpoints (
    run_id     uuid        NOT NULL,
    step       bigint      NOT NULL CHECK (step >= 0),
    next_node  text,
    state      jsonb       NOT NULL,
    status     text        NOT NULL CHECK (status IN ('running', 'waiting', 'done', 'failed', 'cancelled')),
    prompt     jsonb,
    approval   jsonb,
    error      text,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, step),
    CHECK ((status = 'done') = (next_node IS NULL))
);

-- Retention looks for runs that ended long ago: only latest rows leave `running`, so this
-- index stays small.
CREATE INDEX checkpoints_ended ON checkpoints (updated_at) WHERE status <> 'running';
