-- Chat memory as one row per turn. Remembering a turn was a rewrite of the whole
-- conversation (a jsonb document with every answer, charts included, parsed and stored again
-- and sent back whole to be cached); it is now one small insert, whatever the conversation's
-- length, and a conversation is its turns in the order they were remembered.
CREATE TABLE memory_turns (
    id         bigserial   PRIMARY KEY,
    user_id    uuid        NOT NULL,
    session_id uuid        NOT NULL,
    file_id    text        NOT NULL,
    -- The run that answered: a run is remembered once (a run resumed after a crash between
    -- its append and its checkpoint appends the same turn again). Turns of no run may repeat.
    run_id     text,
    -- The turn as written (question, answer events, notes), never queried inside: `json`.
    turn       json        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, session_id, file_id, run_id)
);
CREATE INDEX memory_turns_conversation ON memory_turns (user_id, session_id, file_id, id);
CREATE INDEX memory_turns_session ON memory_turns (session_id);

INSERT INTO memory_turns (user_id, session_id, file_id, run_id, turn, created_at)
SELECT memory.user_id, memory.session_id, memory.file_id, turn.value->>'run_id', turn.value::json,
       memory.updated_at
FROM memories memory, jsonb_array_elements(memory.data->'turns') WITH ORDINALITY AS turn (value, n)
ORDER BY memory.user_id, memory.session_id, memory.file_id, turn.n;

DROP TABLE memories;

-- A turn with a chart holds its PNG (base64): lz4 as for checkpoints' states (see
-- 20261204000002), where the server has it.
DO $$
BEGIN
    ALTER TABLE memory_turns ALTER COLUMN turn SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    RAISE NOTICE 'lz4 is not available on this server: turns keep the default compression';
END $$;
