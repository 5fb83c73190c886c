-- Uploaded datasets. The bytes live in storage under `storage_key`; the profile is the
-- JSON of DESIGN.md section 5. File names are unique per user.
CREATE TABLE files (
    id          uuid        PRIMARY KEY,
    user_id     uuid        NOT NULL,
    file_name   text        NOT NULL,
    description text        NOT NULL,
    format      text        NOT NULL,
    -- The field delimiter of CSV, one character; NULL for other formats.
    delimiter   text,
    storage_key text        NOT NULL,
    size_bytes  bigint      NOT NULL CHECK (size_bytes >= 0),
    row_count   bigint      NOT NULL CHECK (row_count >= 0),
    column_count bigint     NOT NULL CHECK (column_count >= 0),
    summary     text        NOT NULL,
    profile     jsonb       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX files_user_id_file_name_key ON files (user_id, file_name);
CREATE INDEX files_user_id_created_at_idx ON files (user_id, created_at DESC);

-- The active file of each session: at most one per (user, session). Sessions belong to
-- session-service, so `session_id` references nothing here; session-service calls
-- ForgetSession when it deletes one.
CREATE TABLE active_files (
    user_id    uuid        NOT NULL,
    session_id uuid        NOT NULL,
    file_id    uuid        NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, session_id)
);

CREATE INDEX active_files_file_id_idx ON active_files (file_id);
