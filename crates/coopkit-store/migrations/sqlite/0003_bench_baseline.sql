-- Tables for `coopkit bench ledger`'s baseline: the way a typical web app
-- keeps balances (a row per account, updated in place, one transaction per
-- transfer). Not used by coopkit itself; the benchmark empties them.

CREATE TABLE bench_account (
    id          INTEGER PRIMARY KEY,
    balance     INTEGER NOT NULL,
    debit_limit INTEGER NOT NULL
);

CREATE TABLE bench_transfer (
    id     INTEGER PRIMARY KEY,
    debit  INTEGER NOT NULL REFERENCES bench_account (id),
    credit INTEGER NOT NULL REFERENCES bench_account (id),
    amount INTEGER NOT NULL CHECK (amount > 0)
);
