-- Chat memory per (user, session, file): the conversation turns and what the analyst keeps
-- about them, as JSON (never an opaque binary). Redis caches it; this table is the truth.
CREATE TABLE memories (
    user_id    uuid        NOT NULL,
    session_id uuid        NOT NULL,
    file_id    text        NOT NULL,
    data       jsonb       NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, session_id, file_id)
);
CREATE INDEX memories_session ON memories (session_id);

-- Runs of the agent graph. At most one run per session is running, enforced here: a second
-- gets "busy" (409). A run's events live in its checkpoints and, finished, in the memory.
-- `dataset` is how to read the run's file (the executor's DatasetSpec as JSON), so that a run
-- interrupted by a restart can resume without its caller; `incarnation` counts those resumes.
CREATE TABLE runs (
    id          uuid        PRIMARY KEY,
    user_id     uuid        NOT NULL,
    session_id  uuid        NOT NULL,
    file_id     text        NOT NULL,
    question    text        NOT NULL,
    dataset     jsonb       NOT NULL,
    incarnation integer     NOT NULL DEFAULT 0,
    status      text        NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'cancelled', 'interrupted')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE UNIQUE INDEX runs_one_running_per_session ON runs (session_id) WHERE status = 'running';
CREATE INDEX runs_session ON runs (session_id, created_at DESC);
