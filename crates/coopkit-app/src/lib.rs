//! coopkit's use cases. Each public method is one thing a person can do;
//! it decides whether they may, then asks the store. The web layer
//! translates requests into these calls and their results into responses,
//! and decides nothing.

pub mod agenda;
mod audit_log;
mod auth;
pub mod catalogue;
mod coop_profile;
mod coops;
pub mod demo;
pub mod directory;
mod error;
pub mod forecasts;
pub mod geocoding;
pub mod governance;
pub mod joining;
pub mod ledger;
pub mod mail;
pub mod market;
mod memberships;
mod own_account;
mod password_reset;
pub mod patronage;
mod personal_data;
pub mod referrals;
mod server_roles;
mod views;
pub mod webhooks;

use std::sync::{Arc, OnceLock};

use coopkit_domain::Clock;
use coopkit_store::Store;

pub use audit_log::{AuditEntry, AuditPage, AUDIT_PAGE};
pub use auth::{
    hash_password, new_secret, session_form_token, ApiToken, DeviceSecret, LoggedIn, LoginAttempt,
    SessionToken, SignUp, DEVICE_TTL_MS,
};
pub use coops::{CoopPage, FoundCoop};
pub use error::{AppError, Result};
pub use memberships::JoinOutcome;
pub use own_account::SessionView;
pub use password_reset::RESET_LINK_MS;
pub use personal_data::{PersonalAccount, PersonalData};

/// The entities use cases hand back, gathered from the pure crates that
/// define them (none is the store's: it only reads and writes them).
pub mod records {
    pub use coopkit_domain::coop::{Coop, CoopSummary, MemberClass};
    pub use coopkit_domain::membership::{
        LeaveOutcome, MemberListing, Membership, PersonalMembership, RoleChange,
    };
    pub use coopkit_domain::person::{ApiTokenListing, Person};
    pub use coopkit_domain::{HelpRequestId, ProposalId, TaskId};
    pub use coopkit_governance::Proposal;
    pub use coopkit_ledger::{Currency, CurrencyKind};
    pub use coopkit_market::{
        Booking, Category, Feedback, OpenRequest, ProviderListing, ProviderProfile, ServiceArea,
    };
}

/// Knobs that are policy rather than code; the CLI fills them from config.
#[derive(Clone, Debug)]
pub struct AppConfig {
    /// How long a login lasts without logging in again.
    pub session_ttl_ms: i64,
    /// The window over which failed logins are counted.
    pub login_window_ms: i64,
    /// Failed logins allowed per address in the window.
    pub login_failures_per_email_max: i64,
    /// Failed logins allowed per client address in the window (one
    /// client guessing at many accounts).
    pub login_failures_per_client_max: i64,
    /// Where uploaded files are kept.
    pub files_dir: std::path::PathBuf,
    /// The memory, in MiB, that decoding uploaded images may take at once
    /// across every upload in flight.
    pub decode_memory_mib: u32,
    /// Who may found a co-op here.
    pub founders: coopkit_domain::coop::Founders,
    /// The server's operators, by email: they may always found co-ops.
    pub operators: Vec<coopkit_domain::Email>,
    /// How many co-ops one account may found (operators: any number).
    pub founded_per_account: u32,
    /// A Nominatim- or Photon-compatible search for street addresses;
    /// empty: places are found in the bundled gazetteer only.
    pub geocoding_url: String,
    /// When the ledger writer keeps snapshots and lets go of idle co-ops.
    pub ledger: ledger::LedgerLimits,
    /// Whether webhooks may be delivered to `http://` on this machine's
    /// loopback (a receiver beside the server); off, a co-op's admins
    /// could point the server at services only it can reach.
    pub webhooks_on_loopback: bool,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            session_ttl_ms: 30 * 24 * 60 * 60 * 1000,
            login_window_ms: 15 * 60 * 1000,
            login_failures_per_email_max: 5,
            login_failures_per_client_max: 20,
            files_dir: std::env::temp_dir().join("coopkit-files"),
            decode_memory_mib: 512,
            founders: coopkit_domain::coop::Founders::Anyone,
            operators: Vec::new(),
            founded_per_account: 3,
            geocoding_url: String::new(),
            ledger: ledger::LedgerLimits::default(),
            webhooks_on_loopback: false,
        }
    }
}

/// The application: the store, the clock and the policy. Cheap to clone.
#[derive(Clone, Debug)]
pub struct App {
    store: Store,
    clock: Arc<dyn Clock>,
    config: Arc<AppConfig>,
    ledger: ledger::LedgerWriter,
    /// The directory's search index, made when first needed.
    directory: Arc<OnceLock<Arc<coopkit_search::SearchIndex>>>,
    /// Uploaded works and previews.
    files: Arc<dyn catalogue::FileStore>,
    /// Uploads on their way in, beside the files.
    staging: catalogue::Staging,
    /// The memory image decoding may take at once.
    decode_budget: catalogue::DecodeBudget,
    views: Arc<views::Views>,
    /// The operator's geocoding service, if one is set.
    geocoder: Option<geocoding::Geocoder>,
}

impl App {
    /// What time it is, by the app's clock (a test's clock in tests).
    pub fn now(&self) -> coopkit_domain::Timestamp {
        self.clock.now()
    }

    /// Makes the application and starts its ledger writer task, so it
    /// must be called inside a Tokio runtime. Files are kept in the
    /// config's directory; [`App::with_files`] puts them elsewhere.
    pub fn new(store: Store, clock: Arc<dyn Clock>, config: AppConfig) -> Self {
        let ledger = ledger::LedgerWriter::start_with(store.clone(), clock.clone(), config.ledger);
        let files = Arc::new(catalogue::DataDirFiles::new(config.files_dir.clone()));
        let staging = catalogue::Staging::new(config.files_dir.join("incoming"));
        Self {
            staging,
            geocoder: geocoding::Geocoder::new(&config.geocoding_url),
            decode_budget: catalogue::DecodeBudget::new(config.decode_memory_mib),
            store,
            clock,
            config: Arc::new(config),
            ledger,
            directory: Arc::default(),
            files,
            views: Arc::default(),
        }
    }

    /// Where the web layer streams uploads to.
    pub fn staging(&self) -> &catalogue::Staging {
        &self.staging
    }

    /// A file already in memory as an upload: the demo's works, a test's.
    pub async fn upload(&self, name: &str, bytes: &[u8]) -> Result<catalogue::Upload> {
        let file = self
            .staging
            .stage(bytes)
            .await
            .map_err(AppError::because("staging an upload"))?;
        Ok(catalogue::Upload {
            name: name.to_owned(),
            file,
        })
    }

    /// The same application keeping its files in `files` (an
    /// S3-compatible store, say).
    pub fn with_files(self, files: Arc<dyn catalogue::FileStore>) -> Self {
        Self { files, ..self }
    }

    /// The directory's search index (empty until
    /// [`App::rebuild_directory_index`] or an import fills it).
    pub(crate) fn search_index(&self) -> Result<Arc<coopkit_search::SearchIndex>> {
        if let Some(index) = self.directory.get() {
            return Ok(index.clone());
        }
        let index = coopkit_search::SearchIndex::new()
            .map_err(AppError::because("the search index could not be made"))?;
        // Two first callers may race; the index kept is the first set.
        let _ = self.directory.set(Arc::new(index));
        self.directory
            .get()
            .cloned()
            .ok_or(AppError::internal("the search index could not be made"))
    }

    /// Answers when the database answers; for `/healthz`.
    pub async fn ping(&self) -> Result<()> {
        Ok(self.store.ping().await?)
    }

    /// Closes the database's connections, waiting for queries under way:
    /// the last thing a stopping server does.
    pub async fn close(&self) {
        self.store.close().await
    }

    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }
}
