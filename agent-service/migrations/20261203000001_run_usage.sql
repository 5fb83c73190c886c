-- What each run spent on a model, and who answered it: tokens and cost (priced per model
-- from the configuration), the model (`offline` for the built-in analyst) and the version
-- of the prompts it was asked with. Summed per user and day for the daily budget, and per
-- session for accounting.
ALTER TABLE runs
    ADD COLUMN input_tokens   bigint           NOT NULL DEFAULT 0,
    ADD COLUMN output_tokens  bigint           NOT NULL DEFAULT 0,
    ADD COLUMN cost_usd       double precision NOT NULL DEFAULT 0,
    ADD COLUMN model          text             NOT NULL DEFAULT 'offline',
    ADD COLUMN prompt_version text             NOT NULL DEFAULT '';
CREATE INDEX runs_user_created ON runs (user_id, created_at);
