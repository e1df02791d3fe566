//! Configuration, in layers: built-in defaults, then a TOML file, then
//! `COOPKIT__SECTION__KEY` environment variables, then command-line flags.
//! `coopkit config` prints the defaults as a commented starting file.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub server: Server,
    pub database: Database,
    pub security: Security,
    pub log: Log,
    #[serde(default)]
    pub directory: Directory,
    #[serde(default)]
    pub uploads: Uploads,
    #[serde(default)]
    pub coops: Coops,
    #[serde(default)]
    pub mail: Mail,
    #[serde(default)]
    pub geocoding: Geocoding,
    #[serde(default)]
    pub ledger: Ledger,
    #[serde(default)]
    pub webhooks: Webhooks,
}

/// Delivering co-ops' events to the endpoints their admins register.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Webhooks {
    /// Whether endpoints may be `http://` addresses on this machine's
    /// loopback; off, only `https://`.
    pub loopback: bool,
    /// Seconds between two looks for deliveries due.
    pub send_every_seconds: u64,
}

impl Default for Webhooks {
    fn default() -> Self {
        Webhooks {
            loopback: false,
            send_every_seconds: 5,
        }
    }
}

/// When the ledger writer keeps snapshots of a co-op's balances and lets
/// go of a co-op left idle.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Ledger {
    /// Events committed to a co-op after which a snapshot is kept: what a
    /// restart replays at most.
    pub snapshot_every: u64,
    /// Seconds a co-op's ledger stays in memory unused.
    pub idle_seconds: u64,
}

impl Default for Ledger {
    fn default() -> Self {
        let limits = coopkit_app::ledger::LedgerLimits::default();
        Ledger {
            snapshot_every: limits.snapshot_every,
            idle_seconds: limits.idle_after.as_secs(),
        }
    }
}

/// A geocoding service for street addresses, beside the bundled
/// gazetteer of towns and ZIP codes.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Geocoding {
    /// Nominatim's search (`https://nominatim.example.org/search`) or
    /// Photon's (`https://photon.example.org/api`); empty: none.
    pub url: String,
}

/// Outgoing mail.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Mail {
    /// The SMTP server: `smtp://host:port` (plain, a relay on the same
    /// machine), `smtps://user:password@host` (TLS), or
    /// `smtp://user:password@host?tls=required` (STARTTLS). Empty: mail
    /// is off.
    pub smtp_url: String,
    /// Whom messages are from, as `Name <address>`.
    pub from: String,
    /// Seconds between two looks at the outbox.
    pub every_seconds: u64,
}

impl Default for Mail {
    fn default() -> Self {
        Mail {
            smtp_url: String::new(),
            from: "coopkit <coopkit@localhost>".to_owned(),
            every_seconds: 5,
        }
    }
}

/// Who may found co-ops on this server.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Coops {
    /// "anyone" (with an account), "verified" (whose address is) or
    /// "operators".
    pub founders: coopkit_domain::coop::Founders,
    /// The operators' email addresses: they may always found co-ops.
    pub operators: Vec<String>,
    /// How many co-ops one account may found.
    pub founded_per_account: u32,
}

impl Default for Coops {
    fn default() -> Self {
        Coops {
            founders: coopkit_domain::coop::Founders::Anyone,
            operators: Vec::new(),
            founded_per_account: 3,
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Uploads {
    /// The memory, in MiB, that decoding uploaded images (for their
    /// thumbnails) may take at once, across all uploads in flight: more
    /// uploads at once wait their turn. An image needs 4 bytes a pixel (8
    /// for 16-bit PNGs), and none may pass 100 megapixels.
    pub decode_memory_mib: u32,
}

impl Default for Uploads {
    fn default() -> Self {
        Uploads {
            decode_memory_mib: 512,
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Server {
    /// Address and port to listen on.
    pub addr: SocketAddr,
    /// Mark cookies Secure (and use `__Host-` names). Browsers accept Secure
    /// cookies over HTTPS and from localhost; turn this off only for a
    /// server reached over plain HTTP on a private network.
    pub secure_cookies: bool,
    /// The address people reach this server at, such as
    /// `https://coop.example.org`, for links that leave the browser
    /// (payment QR codes). Empty: taken from each request's Host header.
    pub public_url: String,
    /// Reverse proxies (CIDR networks or addresses) whose `Forwarded` or
    /// `X-Forwarded-For` and `-Proto` headers are believed; from anyone
    /// else those headers are ignored. Empty: the socket's peer is the
    /// client.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Database {
    /// Where the SQLite database (and later, uploaded files) live.
    pub data_dir: PathBuf,
    /// A `postgres://` URL. When set, PostgreSQL is used instead of the
    /// SQLite file in `data_dir`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Security {
    /// Days a login lasts.
    pub session_days: i64,
    /// Minutes over which failed logins are counted.
    pub login_window_minutes: i64,
    /// Failed logins allowed per email address in the window.
    pub login_failures_per_email_max: i64,
    /// Failed logins allowed per client address in the window.
    pub login_failures_per_client_max: i64,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Directory {
    /// The map's tile server, as a URL template with {z}, {x} and {y}.
    pub tiles: String,
    /// The attribution the tile server requires, shown on the map.
    pub tiles_attribution: String,
    /// The open licence the directory is published under: `ODbL-1.0` or
    /// `CC-BY-4.0`.
    pub licence: String,
}

impl Default for Directory {
    fn default() -> Self {
        let settings = coopkit_web::DirectorySettings::default();
        Directory {
            licence: settings.licence_name().to_owned(),
            tiles: settings.tiles,
            tiles_attribution: settings.tiles_attribution,
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Log {
    /// `text` for people, `json` for log collectors.
    pub format: String,
    /// A tracing filter, such as `info` or `coopkit=debug,tower_http=info`.
    /// `RUST_LOG` overrides it.
    pub filter: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            server: Server {
                addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
                secure_cookies: true,
                public_url: String::new(),
                trusted_proxies: Vec::new(),
            },
            database: Database {
                data_dir: PathBuf::from("coopkit-data"),
                url: None,
            },
            security: Security {
                session_days: 30,
                login_window_minutes: 15,
                login_failures_per_email_max: 5,
                login_failures_per_client_max: 20,
            },
            log: Log {
                format: "text".into(),
                filter: "info".into(),
            },
            directory: Directory::default(),
            uploads: Uploads::default(),
            coops: Coops::default(),
            mail: Mail::default(),
            geocoding: Geocoding::default(),
            ledger: Ledger::default(),
            webhooks: Webhooks::default(),
        }
    }
}

/// Values given on the command line, which win over every other layer.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub addr: Option<SocketAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Config {
    pub fn load(file: Option<&Path>, overrides: Overrides) -> anyhow::Result<Config> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            anyhow::ensure!(
                file.is_file(),
                "the config file {} does not exist",
                file.display()
            );
            figment = figment.merge(Toml::file(file));
        }
        figment = figment.merge(Env::prefixed("COOPKIT__").split("__"));
        if let Some(addr) = overrides.addr {
            figment = figment.merge(Serialized::default("server.addr", addr));
        }
        if let Some(dir) = overrides.data_dir {
            figment = figment.merge(Serialized::default("database.data_dir", dir));
        }
        if let Some(url) = overrides.url {
            figment = figment.merge(Serialized::default("database.url", url));
        }
        let config: Config = figment.extract().context("invalid configuration")?;
        anyhow::ensure!(
            config.server.public_url.is_empty()
                || url::Url::parse(&config.server.public_url)
                    .is_ok_and(|u| matches!(u.scheme(), "http" | "https")),
            "invalid configuration: server.public_url must be an http(s) URL, not {:?}",
            config.server.public_url
        );
        anyhow::ensure!(
            matches!(config.log.format.as_str(), "text" | "json"),
            "invalid configuration: log.format must be \"text\" or \"json\", not {:?}",
            config.log.format
        );
        anyhow::ensure!(
            config.mail.every_seconds > 0 && config.webhooks.send_every_seconds > 0,
            "invalid configuration: mail.every_seconds and webhooks.send_every_seconds must be at least 1"
        );
        anyhow::ensure!(
            config.ledger.snapshot_every > 0 && config.ledger.idle_seconds > 0,
            "invalid configuration: ledger.snapshot_every and ledger.idle_seconds must be at least 1"
        );
        for email in &config.coops.operators {
            anyhow::ensure!(
                coopkit_domain::Email::parse(email).is_ok(),
                "invalid configuration: coops.operators holds {email:?}, which is not an email address"
            );
        }
        Ok(config)
    }

    /// The defaults as a TOML file, each key with its explanation.
    pub fn defaults_toml() -> String {
        let documented = [
            ("[server]", ""),
            ("addr", "Address and port to listen on."),
            ("secure_cookies", "Mark cookies Secure (with __Host- names). Browsers accept them over HTTPS and from localhost; turn off only for plain HTTP on a private network."),
            ("public_url", "The address people reach this server at, such as \"https://coop.example.org\", for links in payment QR codes. Empty: taken from each request's Host header."),
            ("trusted_proxies", "Reverse proxies (CIDR networks or addresses, e.g. [\"10.0.0.0/8\"]) whose Forwarded, X-Forwarded-For and X-Forwarded-Proto headers are believed; from anyone else they are ignored. Behind a proxy that says HTTPS, pages carry HSTS."),
            ("[database]", ""),
            ("data_dir", "Where the SQLite database lives."),
            ("[security]", ""),
            ("session_days", "Days a login lasts."),
            ("login_window_minutes", "Minutes over which failed logins are counted."),
            ("login_failures_per_email_max", "Failed logins allowed per email address in the window."),
            ("login_failures_per_client_max", "Failed logins allowed per client address in the window."),
            ("[log]", ""),
            ("format", "\"text\" for people, \"json\" for log collectors."),
            ("filter", "A tracing filter such as \"info\" or \"coopkit=debug\". RUST_LOG overrides it."),
            ("[directory]", ""),
            ("tiles", "The directory map's tile server, a URL template with {z}, {x} and {y}."),
            ("tiles_attribution", "The attribution the tile server requires, shown on the map."),
            ("licence", "The open licence the directory is published under: \"ODbL-1.0\" or \"CC-BY-4.0\"."),
            ("[uploads]", ""),
            ("decode_memory_mib", "MiB that decoding uploaded images may take at once, across all uploads: more wait their turn. An image takes 4 bytes a pixel (8 for 16-bit PNG); none may pass 100 megapixels."),
            ("[coops]", ""),
            ("founders", "Who may found a co-op: \"anyone\" with an account, \"verified\" (anyone whose address is verified), or \"operators\" only. New co-ops are listed publicly once they have a description and a profile."),
            ("operators", "The operators' email addresses, e.g. [\"ops@example.org\"]: they may always found co-ops."),
            ("founded_per_account", "How many co-ops one account may found (operators: any number)."),
            ("[mail]", ""),
            ("smtp_url", "The SMTP server: \"smtp://host:port\" (plain, for a relay on this machine), \"smtps://user:password@host\" (TLS) or \"smtp://user:password@host?tls=required\" (STARTTLS). Empty: mail is off, and pages say so to admins."),
            ("from", "Whom messages are from, as \"Name <address@example.org>\"."),
            ("every_seconds", "Seconds between two looks at the outbox."),
            ("[ledger]", ""),
            ("snapshot_every", "Events committed to a co-op after which the ledger keeps a snapshot of its balances: what a restart replays at most. Lower: quicker restarts, more writing."),
            ("idle_seconds", "Seconds a co-op's ledger stays in memory unused; then it is snapshotted and let go, and read back on its next use."),
            ("[webhooks]", ""),
            ("loopback", "Whether co-ops' webhooks may be delivered to http:// addresses on this machine (127.0.0.1, localhost): for a receiver beside the server. Off, only https:// addresses receive them, and a co-op's admins cannot point the server at services only it can reach."),
            ("send_every_seconds", "Seconds between two looks for webhook deliveries due."),
            ("[geocoding]", ""),
            ("url", "A geocoding service for street addresses in forms, which the bundled gazetteer of towns and ZIP codes does not know: Nominatim's search (\"https://nominatim.example.org/search\") or Photon's (\"https://photon.example.org/api\"). Only addresses the gazetteer does not know are sent. Empty: none."),
        ];
        let rendered = toml::to_string(&Config::default()).unwrap_or_default();
        let mut out = String::from(
            "# coopkit configuration: every key with its default.\n\
             # Any key can also be set as COOPKIT__SECTION__KEY, e.g. COOPKIT__SERVER__ADDR.\n\
             # To use PostgreSQL, add under [database]: url = \"postgres://user:password@host/db\"\n",
        );
        for line in rendered.lines() {
            let key = line.split(" = ").next().unwrap_or_default().trim();
            if let Some((_, doc)) = documented.iter().find(|(k, _)| *k == key) {
                if !doc.is_empty() {
                    out.push_str(&format!("# {doc}\n"));
                }
            }
            if line.starts_with('[') && !out.ends_with("\n\n") {
                out.push('\n');
            }
            out.push_str(line);
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_defaults_file_is_current() {
        let committed = include_str!("../../../config/defaults.toml");
        assert_eq!(
            committed,
            Config::defaults_toml(),
            "config/defaults.toml is stale: run `coopkit config > config/defaults.toml`"
        );
    }

    #[test]
    fn the_defaults_file_loads_back_to_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("coopkit.toml");
        std::fs::write(&file, Config::defaults_toml()).unwrap();
        let loaded = Config::load(Some(&file), Overrides::default()).unwrap();
        assert_eq!(loaded.server.addr, Config::default().server.addr);
        assert_eq!(loaded.security.session_days, 30);
    }

    #[test]
    fn flags_win_over_files_and_unknown_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("coopkit.toml");
        std::fs::write(&file, "[server]\naddr = \"127.0.0.1:9000\"\n").unwrap();
        let overrides = Overrides {
            addr: Some("127.0.0.1:9100".parse().unwrap()),
            ..Overrides::default()
        };
        assert_eq!(
            Config::load(Some(&file), overrides)
                .unwrap()
                .server
                .addr
                .port(),
            9100
        );
        assert_eq!(
            Config::load(Some(&file), Overrides::default())
                .unwrap()
                .server
                .addr
                .port(),
            9000
        );

        std::fs::write(&file, "[server]\nadress = \"127.0.0.1:9000\"\n").unwrap();
        let error = format!(
            "{:#}",
            Config::load(Some(&file), Overrides::default()).unwrap_err()
        );
        assert!(error.contains("adress"), "{error}");
    }
}
