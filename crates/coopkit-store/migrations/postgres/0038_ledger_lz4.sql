-- The ledger's long values, a batch's events in parts of 128 and a
-- snapshot's state, are compressed with LZ4 where the server was built
-- with it (PostgreSQL 14 and later, as Debian's and the PostgreSQL
-- project's packages are) instead of PostgreSQL's own pglz. A profile of
-- `coopkit bench ledger` put pglz first among PostgreSQL's functions,
-- compressing every commit's parts; LZ4 does the same work in a fraction
-- of the time. Values written before keep their compression; a server
-- without LZ4 keeps pglz. Statements run by EXECUTE, so that an older
-- server's syntax error is caught here too.
DO $$
BEGIN
    EXECUTE 'ALTER TABLE ledger_batch_part ALTER COLUMN events SET COMPRESSION lz4';
    EXECUTE 'ALTER TABLE ledger_snapshot ALTER COLUMN state SET COMPRESSION lz4';
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
    RAISE NOTICE 'LZ4 is not available: the ledger keeps pglz';
END
$$;
