//! coopkit's storage: one [`Store`] over SQLite (the default: one file,
//! nothing to install) or PostgreSQL (production, several app servers).
//!
//! Each query is written once, in SQL both engines accept (`$1`
//! placeholders, `RETURNING`, `ON CONFLICT`), and compiled for both through
//! [`on_pool!`]; only the migrations differ per backend. See
//! ARCHITECTURE.md for why this is an enum rather than a trait object.

mod account_changes;
mod baseline;
mod bookings;
mod catalogue;
mod connect;
mod coop_profile;
mod coops;
mod directory;
mod dispatch;
mod error;
mod events;
mod forecasts;
mod fund;
mod governance;
mod ledger;
mod ledger_audit;
mod ledger_index;
mod ledger_journal;
mod ledger_lock;
mod ledger_months;
mod ledger_rows;
mod ledger_seal;
mod mail;
mod mail_links;
mod market;
mod memberships;
mod orders;
mod own_account;
mod password_resets;
mod patronage;
mod payment_requests;
mod people;
pub mod records;
mod reminders;
mod server_roles;
mod sessions;
mod standing;
mod tasks;
mod threads;
mod webhooks;

pub use baseline::BaselineOutcome;
pub use bookings::{Booking, Feedback, NewBooking, Stepped};
pub use catalogue::{CatalogueSettings, Item, Licence, NewItem, StoredFile};
pub use connect::{Backend, DatabaseLocation};
pub use coops::CoopRules;
pub use directory::{DirectoryWrite, NewRows};
pub use dispatch::{HelpRequestId, NewRequest, Offer, OpenRequest, Referral};
pub use error::{Conflict, StoreError};
pub use fund::{NewProject, Project};
pub use governance::{
    CastBallot, Comment, NewProposal, Proposal, ProposalId, RollEntry, StoredBallot,
};
pub use ledger::{Currency, CurrencyKind};
pub use ledger_index::{SnapshotWrite, StatementLine};
pub use ledger_journal::LedgerAppend;
pub use ledger_lock::LedgerLock;
pub use ledger_months::MonthApplied;
pub use ledger_seal::{LedgerSeal, Rechained};
pub use market::{Badge, Category, ProviderListing, ProviderProfile, Service, ServiceArea};
pub use orders::{NewOrder, Order, OrderLine};
pub use own_account::SessionRecord;
pub use password_resets::ResetRequests;
pub use records::*;
pub use tasks::{NewTask, Task, TaskId};
pub use threads::Message;

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use sqlx::{PgPool, SqlitePool};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database behind coopkit. Cheap to clone: it holds a pool.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    /// SQLite only: a vote has closed since the WAL was last checkpointed
    /// and truncated, so it may still hold voter tags (see
    /// [`Store::scrub_wal`]). Set at start, as a crash may have left some.
    wal_scrub_due: Arc<AtomicBool>,
}

#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to whichever pool the store holds. The
/// body is compiled once per backend, so one query text serves both.
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite($pool) => $body,
            $crate::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// States as a query names them, `'confirmed', 'disputed'`, written from
/// the enums' own `as_str`: a state renamed in the domain cannot leave a
/// stale word in a query. The words are the enums' fixed snake_case, so
/// quoting them needs no escaping.
pub(crate) fn sql_words(words: impl IntoIterator<Item = &'static str>) -> String {
    words
        .into_iter()
        .map(|word| {
            debug_assert!(word
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'.'));
            format!("'{word}'")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Opening a transaction that will write. SQLite must take its write lock
/// up front (`BEGIN IMMEDIATE`): a deferred transaction that reads and then
/// writes fails with SQLITE_BUSY, without waiting, when another writer got
/// there first.
pub(crate) trait BeginWrite {
    type Db: sqlx::Database;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Self::Db>>;
}

impl BeginWrite for SqlitePool {
    type Db = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        Ok(self.begin_with("BEGIN IMMEDIATE").await?)
    }
}

impl BeginWrite for PgPool {
    type Db = sqlx::Postgres;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        Ok(self.begin().await?)
    }
}

impl Store {
    /// Which engine this store runs on.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Answers when the database answers; for `/healthz`.
    pub async fn ping(&self) -> Result<()> {
        on_pool!(self, |pool| sqlx::query("SELECT 1")
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Closes every connection, waiting for queries under way.
    pub async fn close(&self) {
        on_pool!(self, |pool| pool.close().await)
    }
}
