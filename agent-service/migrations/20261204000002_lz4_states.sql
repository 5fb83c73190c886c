-- Once a turn has a chart, a run's state and its remembered answer hold the chart's PNG
-- (base64): tens of kilobytes, written at several steps of every turn. The default pglz
-- spends its CPU on such text and then gives up on compressing it; lz4 compresses it at a
-- fraction of that cost. A server built without lz4 keeps the default.
DO $$
BEGIN
    ALTER TABLE checkpoints ALTER COLUMN state SET COMPRESSION lz4;
    ALTER TABLE memories ALTER COLUMN data SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    RAISE NOTICE 'lz4 is not available on this server: states keep the default compression';
END $$;
