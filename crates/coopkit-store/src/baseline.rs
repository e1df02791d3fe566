//! The benchmark's baseline: transfers the way a typical web app writes
//! them, one database transaction each, locking and checking both
//! accounts, updating two balance rows and inserting the transfer. It is
//! here only so `coopkit bench ledger` can compare the ledger writer with
//! it in the same process, on the same database.

use crate::{on_pool, BeginWrite, Pool, Result, Store};

/// What became of one baseline transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BaselineOutcome {
    Done,
    /// The debit account would go below minus its limit.
    Refused,
}

#[derive(Clone, Copy, sqlx::FromRow)]
struct BenchAccount {
    id: i64,
    balance: i64,
    debit_limit: i64,
}

impl Store {
    /// Empties the baseline tables and opens `accounts` accounts with
    /// balance zero and the given debit limit.
    pub async fn baseline_setup(&self, accounts: u64, debit_limit: i64) -> Result<()> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM bench_transfer")
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM bench_account")
                .execute(&mut *tx)
                .await?;
            let ids: Vec<i64> = (1..=accounts as i64).collect();
            for chunk in ids.chunks(5000) {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO bench_account (id, balance, debit_limit) ",
                );
                insert.push_values(chunk, |mut row, id| {
                    row.push_bind(*id).push_bind(0_i64).push_bind(debit_limit);
                });
                insert.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// One transfer in its own transaction: lock both accounts (in id
    /// order, to avoid deadlocks), check the debit limit, update both
    /// balances, record the transfer, commit.
    pub async fn baseline_transfer(
        &self,
        id: i64,
        debit: i64,
        credit: i64,
        amount: i64,
    ) -> Result<BaselineOutcome> {
        // PostgreSQL locks the rows it reads with FOR UPDATE; SQLite's
        // BEGIN IMMEDIATE has already locked the whole database.
        let lock = match self.pool {
            Pool::Sqlite(_) => "",
            Pool::Postgres(_) => " FOR UPDATE",
        };
        let select = format!("SELECT id, balance, debit_limit FROM bench_account WHERE id IN ($1, $2) ORDER BY id{lock}");
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let rows: Vec<BenchAccount> = sqlx::query_as(&select)
                .bind(debit)
                .bind(credit)
                .fetch_all(&mut *tx)
                .await?;
            let Some(BenchAccount {
                balance,
                debit_limit: limit,
                ..
            }) = rows.iter().find(|account| account.id == debit).copied()
            else {
                return Ok(BaselineOutcome::Refused);
            };
            if balance - amount < -limit {
                tx.rollback().await?;
                return Ok(BaselineOutcome::Refused);
            }
            sqlx::query("UPDATE bench_account SET balance = balance - $1 WHERE id = $2")
                .bind(amount)
                .bind(debit)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE bench_account SET balance = balance + $1 WHERE id = $2")
                .bind(amount)
                .bind(credit)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO bench_transfer (id, debit, credit, amount) VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(debit)
            .bind(credit)
            .bind(amount)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(BaselineOutcome::Done)
        })
    }

    /// The sum of the baseline's balances: zero if it kept double entry.
    pub async fn baseline_balance_sum(&self) -> Result<i64> {
        let sum: Option<i64> = on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT CAST(SUM(balance) AS BIGINT) FROM bench_account")
                .fetch_one(pool)
                .await
        })?;
        Ok(sum.unwrap_or(0))
    }
}
