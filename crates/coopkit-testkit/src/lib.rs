//! Test support: fresh databases on both backends, a real server on port
//! 0, a clock the test controls, and a client that behaves like a browser
//! with cookies and forms.
//!
//! PostgreSQL runs when `COOPKIT_TEST_POSTGRES_URL` names a server the
//! tests may create databases on (`scripts/test` starts one). With
//! `COOPKIT_REQUIRE_POSTGRES=1`, its absence fails the tests instead of
//! skipping the PostgreSQL half.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test support: fail loudly

mod client;
mod smtp;

use std::sync::Arc;

pub use smtp::{Received, SmtpServer};

use coopkit_app::{App, AppConfig};
use coopkit_domain::{ManualClock, Timestamp};
use coopkit_store::{DatabaseLocation, Store};
use coopkit_web::{AppState, CookiePolicy};

pub use client::{Client, Part, Reply};

/// 2026-11-21T12:00:00Z: tests start here, so dates in pages are fixed.
pub const TEST_START: Timestamp = Timestamp::from_millis(1_795_262_400_000);

/// The backends to run a test on: SQLite always, PostgreSQL when
/// configured.
pub fn backends() -> Vec<Backend> {
    let mut backends = vec![Backend::Sqlite];
    match std::env::var("COOPKIT_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => backends.push(Backend::Postgres),
        _ => assert!(
            std::env::var("COOPKIT_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "COOPKIT_REQUIRE_POSTGRES=1 but COOPKIT_TEST_POSTGRES_URL is not set"
        ),
    }
    backends
}

/// PostgreSQL, when a test server is configured; `None` (the test is
/// skipped) when it is not and not required.
pub fn postgres() -> Option<Backend> {
    backends()
        .contains(&Backend::Postgres)
        .then_some(Backend::Postgres)
}

/// Declares `async fn name(backend: Backend)` and runs it as two test
/// cases, `name::sqlite` and `name::postgres`, so one backend's failure
/// never hides the other's result.
///
/// ```text
/// each_backend! {
///     async fn people_sign_up_once(backend: Backend) {
///         let db = TestDb::new(backend).await;
///         // …
///     }
/// }
/// ```
#[macro_export]
macro_rules! each_backend {
    ($($(#[$meta:meta])* async fn $name:ident($backend:ident: $ty:ty) $body:block)*) => {$(
        $(#[$meta])*
        async fn $name($backend: $ty) $body

        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::Backend::Sqlite).await
            }

            #[tokio::test]
            async fn postgres() {
                if let Some(backend) = $crate::postgres() {
                    super::$name(backend).await
                }
            }
        }
    )*};
}

pub use coopkit_store::Backend;

/// What the log says happened to `subject` in co-op `slug`, oldest first,
/// as (kind, actor): how a test reads back a feature's steps.
pub async fn story(
    store: &Store,
    slug: &str,
    subject: coopkit_domain::Subject,
) -> Vec<(&'static str, Option<coopkit_domain::PersonId>)> {
    let coop = store.coop_by_slug(slug).await.unwrap().unwrap().id;
    store
        .events(coop, coopkit_domain::EventSeq(0), 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.happened.event.subject() == subject)
        .map(|e| (e.happened.event.kind(), e.happened.actor))
        .collect()
}

/// A fresh, empty, migrated database. The SQLite file lives as long as
/// this value; a PostgreSQL database is created with a random name on the
/// test server (a throwaway cluster, dropped with it).
#[derive(Debug)]
pub struct TestDb {
    pub store: Store,
    pub location: DatabaseLocation,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        let db = TestDb::unmigrated(backend).await;
        db.store
            .migrate(&db.location)
            .await
            .expect("migrate test database");
        db
    }

    /// A fresh database with no schema at all: for tests of migrations.
    pub async fn unmigrated(backend: Backend) -> TestDb {
        let (location, dir) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory");
                (
                    DatabaseLocation::SqliteFile(dir.path().join("test.sqlite")),
                    Some(dir),
                )
            }
            Backend::Postgres => (
                DatabaseLocation::Postgres(fresh_postgres_database().await),
                None,
            ),
        };
        let store = Store::connect(&location).await.expect("open test database");
        TestDb {
            store,
            location,
            _dir: dir,
        }
    }
}

impl TestDb {
    /// The first column, as bytes, of every row `sql` returns, read on a
    /// connection of the test's own: for tests that look under the store.
    pub async fn raw_column(&self, sql: &str) -> Vec<Vec<u8>> {
        use sqlx::Connection;
        match &self.location {
            DatabaseLocation::SqliteFile(path) => {
                let url = format!("sqlite://{}", path.display());
                let mut connection = sqlx::SqliteConnection::connect(&url).await.expect("open");
                let rows: Vec<(Vec<u8>,)> = sqlx::query_as(sql)
                    .fetch_all(&mut connection)
                    .await
                    .expect("query");
                rows.into_iter().map(|(bytes,)| bytes).collect()
            }
            DatabaseLocation::Postgres(url) => {
                let mut connection = sqlx::PgConnection::connect(url).await.expect("connect");
                let rows: Vec<(Vec<u8>,)> = sqlx::query_as(sql)
                    .fetch_all(&mut connection)
                    .await
                    .expect("query");
                rows.into_iter().map(|(bytes,)| bytes).collect()
            }
        }
    }

    /// Runs `sql` on a connection of the test's own, as someone who writes
    /// under the store (damaging what it keeps) would.
    pub async fn execute(&self, sql: &str) {
        use sqlx::Connection;
        match &self.location {
            DatabaseLocation::SqliteFile(path) => {
                let url = format!("sqlite://{}", path.display());
                let mut connection = sqlx::SqliteConnection::connect(&url).await.expect("open");
                sqlx::query(sql)
                    .execute(&mut connection)
                    .await
                    .expect("execute");
            }
            DatabaseLocation::Postgres(url) => {
                let mut connection = sqlx::PgConnection::connect(url).await.expect("connect");
                sqlx::query(sql)
                    .execute(&mut connection)
                    .await
                    .expect("execute");
            }
        }
    }

    /// Every byte the engine keeps on disk for `tables`, as someone who
    /// copies the database's files would read them: the SQLite file and
    /// its WAL whole, or PostgreSQL's files of those tables after a
    /// checkpoint has written them out.
    pub async fn files_of(&self, tables: &[&str]) -> Vec<u8> {
        use sqlx::Connection;
        match &self.location {
            DatabaseLocation::SqliteFile(path) => {
                let mut bytes = std::fs::read(path).expect("the SQLite file");
                let mut wal = path.clone().into_os_string();
                wal.push("-wal");
                bytes.extend(std::fs::read(wal).unwrap_or_default());
                bytes
            }
            DatabaseLocation::Postgres(url) => {
                let mut connection = sqlx::PgConnection::connect(url).await.expect("connect");
                sqlx::query("CHECKPOINT")
                    .execute(&mut connection)
                    .await
                    .expect("checkpoint");
                let (data,): (String,) = sqlx::query_as("SELECT current_setting('data_directory')")
                    .fetch_one(&mut connection)
                    .await
                    .expect("data directory");
                let mut bytes = Vec::new();
                for table in tables {
                    // The table's own file and each of its indexes' (a
                    // unique index holds the keys it guards).
                    let files: Vec<(String,)> = sqlx::query_as(
                        "SELECT pg_relation_filepath($1::regclass) UNION ALL \
                         SELECT pg_relation_filepath(indexrelid) FROM pg_index \
                         WHERE indrelid = $1::regclass",
                    )
                    .bind(table)
                    .fetch_all(&mut connection)
                    .await
                    .expect("a table's files");
                    for (file,) in files {
                        let file = std::path::Path::new(&data).join(file);
                        bytes.extend(std::fs::read(&file).expect("the table's file"));
                    }
                }
                bytes
            }
        }
    }
}

impl TestDb {
    /// Fails unless nobody who copies the database's files can find a
    /// voter's tag (in a live row, an erased one or a replaced vote's) or
    /// the secret that makes them, in any table that ever held either.
    pub async fn assert_no_ballot_tied_to_a_voter(&self, tags: &[Vec<u8>], secret: &[u8]) {
        let backend = self.store.backend();
        let files = self
            .files_of(&[
                "governance_open_ballot",
                "governance_open_vote",
                "governance_ballot",
                "governance_proposal",
            ])
            .await;
        assert!(
            contains(&files, b"abstain"),
            "{backend:?}: the files were read"
        );
        for tag in tags {
            assert!(
                !contains(&files, tag),
                "{backend:?}: a voter tag is still on disk"
            );
        }
        assert!(
            !contains(&files, secret),
            "{backend:?}: the ballot secret is still on disk"
        );
    }
}

/// Whether `needle` occurs anywhere in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// A connection of the test's own inside a read transaction: what it
/// read first fixes its snapshot until [`Reader::end`], as a report or a
/// backup running beside the server would.
#[derive(Debug)]
pub enum Reader {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl TestDb {
    /// Begins a [`Reader`] that has read `table` (and so holds a snapshot
    /// from now on).
    pub async fn reader(&self, table: &str) -> Reader {
        use sqlx::Connection;
        let read = format!("SELECT COUNT(*) FROM {table}");
        match &self.location {
            DatabaseLocation::SqliteFile(path) => {
                let url = format!("sqlite://{}", path.display());
                let mut connection = sqlx::SqliteConnection::connect(&url).await.expect("open");
                sqlx::raw_sql("BEGIN")
                    .execute(&mut connection)
                    .await
                    .expect("begin");
                sqlx::query(&read)
                    .execute(&mut connection)
                    .await
                    .expect("read");
                Reader::Sqlite(connection)
            }
            DatabaseLocation::Postgres(url) => {
                let mut connection = sqlx::PgConnection::connect(url).await.expect("connect");
                sqlx::raw_sql("BEGIN ISOLATION LEVEL REPEATABLE READ")
                    .execute(&mut connection)
                    .await
                    .expect("begin");
                sqlx::query(&read)
                    .execute(&mut connection)
                    .await
                    .expect("read");
                Reader::Postgres(connection)
            }
        }
    }
}

impl Reader {
    pub async fn end(self) {
        match self {
            Reader::Sqlite(mut connection) => {
                sqlx::raw_sql("COMMIT")
                    .execute(&mut connection)
                    .await
                    .expect("commit");
            }
            Reader::Postgres(mut connection) => {
                sqlx::raw_sql("COMMIT")
                    .execute(&mut connection)
                    .await
                    .expect("commit");
            }
        }
    }
}

async fn fresh_postgres_database() -> String {
    use sqlx::Connection;
    let admin_url = std::env::var("COOPKIT_TEST_POSTGRES_URL").expect("COOPKIT_TEST_POSTGRES_URL");
    let name = format!("coopkit_test_{}", &coopkit_app::new_secret()[..16]);
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("connect to the test PostgreSQL server");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create test database");
    let mut url = url::Url::parse(&admin_url).expect("COOPKIT_TEST_POSTGRES_URL is a URL");
    url.set_path(&name);
    url.to_string()
}

/// A coopkit server running in this process on a free port.
#[derive(Debug)]
pub struct TestServer {
    pub base_url: String,
    pub app: App,
    pub clock: ManualClock,
    pub db: TestDb,
    _server: tokio::task::JoinHandle<()>,
}

impl TestServer {
    pub async fn spawn(backend: Backend) -> TestServer {
        Self::spawn_with(backend, AppConfig::default()).await
    }

    pub async fn spawn_with(backend: Backend, config: AppConfig) -> TestServer {
        Self::spawn_behind(backend, config, &[]).await
    }

    /// A server that believes the forwarded headers of `trusted_proxies`
    /// (CIDR networks or addresses), listening on 127.0.0.1 for clients
    /// from any loopback address ([`Client::from_address`]).
    pub async fn spawn_behind(
        backend: Backend,
        config: AppConfig,
        trusted_proxies: &[&str],
    ) -> TestServer {
        let db = TestDb::new(backend).await;
        let clock = ManualClock::at(TEST_START);
        let app = App::new(db.store.clone(), Arc::new(clock.clone()), config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base_url = format!("http://{}", listener.local_addr().expect("local address"));
        let state = AppState {
            app: app.clone(),
            cookies: CookiePolicy { secure: true },
            session_ttl_s: 3600,
            public_url: None,
            directory: Default::default(),
            trusted_proxies: coopkit_web::client::TrustedProxies::parse(trusted_proxies)
                .expect("trusted proxies"),
            mail_on: false,
        };
        let server = tokio::spawn(async move {
            coopkit_web::serve(listener, state, std::future::pending())
                .await
                .expect("server");
        });
        TestServer {
            base_url,
            app,
            clock,
            db,
            _server: server,
        }
    }

    /// A client with an empty cookie jar.
    pub fn client(&self) -> Client {
        Client::new(&self.base_url)
    }

    /// A client whose connections come from `local`, another loopback
    /// address (127.0.0.2, 127.0.0.3…): another machine, as the server sees it.
    pub fn client_from(&self, local: std::net::IpAddr) -> Client {
        Client::from_address(&self.base_url, local)
    }

    pub fn backend(&self) -> Backend {
        self.db.store.backend()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self._server.abort();
    }
}

/// A PNG of `width` × `height` black pixels at one bit each, compressed as
/// far as it goes: under a megabyte on the wire for 16384 × 10240, half a
/// gigabyte once decoded. What an attacker uploads to exhaust memory.
pub fn png_bomb(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    encoder.set_compression(png::Compression::High);
    let mut writer = encoder.write_header().expect("a PNG header");
    let mut stream = writer.stream_writer().expect("a PNG stream");
    let row = vec![0u8; (width as usize).div_ceil(8)];
    for _ in 0..height {
        std::io::Write::write_all(&mut stream, &row).expect("a row");
    }
    stream.finish().expect("the PNG's end");
    drop(writer);
    bytes
}
