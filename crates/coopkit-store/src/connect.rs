//! Opening a database, and bringing its schema up to date.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::{on_pool, Pool, Result, Store, StoreError};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// The two engines coopkit runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Where the database lives.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseLocation {
    /// An SQLite file, created if absent.
    SqliteFile(PathBuf),
    /// A `postgres://` URL.
    Postgres(String),
}

impl DatabaseLocation {
    /// The location as it may be shown in logs and errors: a PostgreSQL
    /// password is replaced by `***`.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseLocation::SqliteFile(path) => path.display().to_string(),
            DatabaseLocation::Postgres(url) => redact_password(url),
        }
    }
}

impl std::fmt::Debug for DatabaseLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

impl Store {
    /// Connects to the database (creating an SQLite file if absent). Does
    /// not migrate: see [`Store::migrate`].
    pub async fn connect(location: &DatabaseLocation) -> Result<Store> {
        let unreachable = |error: sqlx::Error| StoreError::Unreachable {
            location: location.redacted(),
            reason: error.to_string(),
        };
        let pool = match location {
            DatabaseLocation::SqliteFile(path) => {
                // Durable on return: WAL with synchronous=FULL syncs the log
                // at every commit, which the ledger's acknowledgements rely on.
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    // Freed space is zeroed, so an erased voter tag or a
                    // replaced vote is gone from the file (see
                    // `Store::close_proposal`).
                    .pragma("secure_delete", "on")
                    .busy_timeout(Duration::from_secs(10));
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await
                    .map_err(unreachable)?;
                Pool::Sqlite(pool)
            }
            DatabaseLocation::Postgres(url) => {
                let options = PgConnectOptions::from_str(url).map_err(unreachable)?;
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await
                    .map_err(unreachable)?;
                Pool::Postgres(pool)
            }
        };
        Ok(Store {
            pool,
            wal_scrub_due: Arc::new(AtomicBool::new(true)),
        })
    }

    /// Connects and brings the schema up to date.
    pub async fn open(location: &DatabaseLocation) -> Result<Store> {
        let store = Store::connect(location).await?;
        store.migrate(location).await?;
        Ok(store)
    }

    /// Applies the migrations this build knows and the database lacks.
    /// Refuses, without touching anything, a database whose schema is newer
    /// than this build.
    pub async fn migrate(&self, location: &DatabaseLocation) -> Result<()> {
        let migrator = match self.pool {
            Pool::Sqlite(_) => &SQLITE_MIGRATIONS,
            Pool::Postgres(_) => &POSTGRES_MIGRATIONS,
        };
        let known = migrator.iter().map(|m| m.version).max().unwrap_or(0);
        if let Some(found) = self.schema_version().await? {
            if found > known {
                return Err(StoreError::SchemaTooNew {
                    location: location.redacted(),
                    found,
                    known,
                });
            }
        }
        on_pool!(self, |pool| migrator.run(pool).await)?;
        tracing::debug!(
            backend = self.backend().as_str(),
            version = known,
            "schema up to date"
        );
        Ok(())
    }

    /// The newest migration applied, or `None` for a fresh database.
    pub async fn schema_version(&self) -> Result<Option<i64>> {
        let has_table: bool = match &self.pool {
            Pool::Sqlite(pool) => {
                sqlx::query_scalar(
                    "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
                )
                .fetch_one(pool)
                .await?
            }
            Pool::Postgres(pool) => {
                sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
                    .fetch_one(pool)
                    .await?
            }
        };
        if !has_table {
            return Ok(None);
        }
        let version: Option<i64> = on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(pool)
                .await
        })?;
        Ok(version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_the_logs() {
        let location = DatabaseLocation::Postgres("postgres://coop:s3cret@db:5432/coopkit".into());
        assert_eq!(location.redacted(), "postgres://coop:***@db:5432/coopkit");
        assert!(!format!("{location:?}").contains("s3cret"));
        let no_password = DatabaseLocation::Postgres("postgres://db/coopkit".into());
        assert_eq!(no_password.redacted(), "postgres://db/coopkit");
    }
}
