-- Tables for `coopkit bench ledger`'s baseline: the way a typical web app
-- keeps balances (a row per account, updated in place, one transaction per
-- transfer). Not used by coopkit itself; the benchmark empties them.

CREATE TABLE bench_account (
    id          BIGINT PRIMARY KEY,
    balance     BIGINT NOT NULL,
    debit_limit BIGINT NOT NULL
);

CREATE TABLE bench_transfer (
    id     BIGINT PRIMARY KEY,
    debit  BIGINT NOT NULL REFERENCES bench_account (id),
    credit BIGINT NOT NULL REFERENCES bench_account (id),
    amount BIGINT NOT NULL CHECK (amount > 0)
);
