-- Once a turn has a chart, a run's state and its remembered answer hold the chart's PNG
-- (base64): tens of kilobytes, written at several steps of every turn.
--
-- A checkpoint's state is written whole and read back whole, never queried inside, so it is
-- kept as `json` (the text as written, checked once) rather than `jsonb` (parsed into a tree
-- on every write: four times the server's CPU for such a state).
ALTER TABLE checkpoints ALTER COLUMN state TYPE json USING state::json;

-- The default pglz spends its CPU on such text and then gives up on compressing it; lz4
-- compresses it at a tenth of that cost. A server built without lz4 keeps the default.
DO $$
BEGIN
    ALTER TABLE checkpoints ALTER COLUMN state SET COMPRESSION lz4;
    ALTER TABLE memories ALTER COLUMN data SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    RAISE NOTICE 'lz4 is not available on this server: states keep the default compression';
END $$;
