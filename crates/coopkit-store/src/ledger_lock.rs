//! One ledger writer per co-op at a time, across app servers sharing a
//! PostgreSQL database: the writer holds the co-op's advisory lock from
//! catching up with the journal until its batch is committed, so another
//! server's writer waits its turn instead of losing a race for the next
//! batch number. PostgreSQL releases the lock itself if the server dies.
//! SQLite needs none: one server writes a database file, and a write
//! transaction there already excludes every other.

use coopkit_domain::CoopId;
use sqlx::pool::PoolConnection;
use sqlx::Postgres;

use crate::{Pool, Result, Store};

/// The first key of the ledger's advisory locks (PostgreSQL's two-key
/// form), so that they cannot be mistaken for any other lock.
const LEDGER_LOCKS: i32 = 0x4C44; // "LD"

/// Advisory locks held on a dedicated connection until released.
#[derive(Debug)]
pub struct LedgerLock {
    connection: Option<PoolConnection<Postgres>>,
}

impl Store {
    /// Waits for, then takes, the ledger lock of each co-op, in order of
    /// key so that two servers locking the same co-ops never wait on each
    /// other. On SQLite, at once, and nothing is held.
    pub async fn lock_ledgers(&self, coops: &[CoopId]) -> Result<LedgerLock> {
        let Pool::Postgres(pool) = &self.pool else {
            return Ok(LedgerLock { connection: None });
        };
        // Two co-ops sharing a key only take turns: no harm.
        let mut keys: Vec<i32> = coops
            .iter()
            .map(|coop| coop.0.rem_euclid(i64::from(i32::MAX)) as i32)
            .collect();
        keys.sort_unstable();
        keys.dedup();
        let mut connection = pool.acquire().await?;
        for key in keys {
            let locked = sqlx::query("SELECT pg_advisory_lock($1, $2)")
                .bind(LEDGER_LOCKS)
                .bind(key)
                .execute(&mut *connection)
                .await;
            if let Err(error) = locked {
                // Never back into the pool with a lock held.
                connection.close_on_drop();
                return Err(error.into());
            }
        }
        Ok(LedgerLock {
            connection: Some(connection),
        })
    }
}

impl LedgerLock {
    /// Whether locks are held: only on PostgreSQL.
    pub fn is_held(&self) -> bool {
        self.connection.is_some()
    }

    /// Releases the locks.
    pub async fn release(mut self) -> Result<()> {
        let Some(mut connection) = self.connection.take() else {
            return Ok(());
        };
        let released = sqlx::query("SELECT pg_advisory_unlock_all()")
            .execute(&mut *connection)
            .await;
        if released.is_err() {
            connection.close_on_drop();
        }
        released?;
        Ok(())
    }
}

impl Drop for LedgerLock {
    fn drop(&mut self) {
        // Not released: closing the connection releases its locks.
        if let Some(connection) = &mut self.connection {
            connection.close_on_drop();
        }
    }
}
