-- Named analysis sessions. Titles are unique per user; at most one session per user is
-- active, enforced by a partial unique index.
CREATE TABLE sessions (
    id         uuid        PRIMARY KEY,
    user_id    uuid        NOT NULL,
    title      text        NOT NULL,
    active     boolean     NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sessions_user_title_key UNIQUE (user_id, title)
);

CREATE UNIQUE INDEX sessions_one_active_per_user ON sessions (user_id) WHERE active;
CREATE INDEX sessions_user_newest ON sessions (user_id, created_at DESC, id DESC);
