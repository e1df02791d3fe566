-- Tokens a currency gives each member once, when they are admitted (the
-- Capitol Hill co-op's 20 on joining), from the co-op's issuance account.
ALTER TABLE ledger_currency ADD COLUMN joining_grant INTEGER NOT NULL DEFAULT 0 CHECK (joining_grant >= 0);
