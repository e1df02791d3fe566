//! Signing up, logging in, sessions and API tokens.
//!
//! Passwords are hashed with argon2id (the argon2 crate's defaults, which
//! are OWASP's: 19 MiB, 2 passes). Session and API tokens are 32 random
//! bytes from the OS; the database keeps only their SHA-256, so a copy of
//! it lets no one in.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use coopkit_domain::throttle::{login_wait, LoginLimits};
use coopkit_domain::validation::Collector;
use coopkit_domain::{DisplayName, Email, Locale, Password, Zone};
use coopkit_store::{NewPerson, Person};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::{App, AppError, Result};

/// What a person types to sign up.
#[derive(Debug)]
pub struct SignUp {
    pub email: String,
    pub display_name: String,
    pub password: String,
    pub locale: Locale,
}

/// What a person types to log in, and where the attempt came from.
#[derive(Debug)]
pub struct LoginAttempt {
    pub email: String,
    pub password: String,
    /// The client's address, for the per-client limit.
    pub client: String,
    /// The secret of the browser's device cookie, if it sent one: a browser
    /// that logged in to this account before is not slowed by failures
    /// for it from elsewhere.
    pub device: Option<String>,
}

/// How long a device cookie vouches for its browser.
pub const DEVICE_TTL_MS: i64 = 365 * 24 * 60 * 60 * 1000;

/// Someone who proved who they are, and their browser's new device
/// secret, for its cookie.
#[derive(Debug)]
pub struct LoggedIn {
    pub person: Person,
    pub device: DeviceSecret,
}

/// A device cookie's value. Only its digest is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceSecret(pub String);

impl std::fmt::Debug for DeviceSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeviceSecret(..)")
    }
}

/// A session's secret: the cookie value. Only its digest is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(pub String);

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(..)")
    }
}

/// A new API token. `secret` is shown to its owner once and never again.
#[derive(Clone)]
pub struct ApiToken {
    pub id: coopkit_domain::ApiTokenId,
    pub name: String,
    pub secret: String,
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiToken")
            .field("id", &self.id)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// API tokens start with this, so a leaked one is recognisable in logs and
/// by secret scanners.
const API_TOKEN_PREFIX: &str = "coopkit_";

/// 32 random bytes from the OS, as 64 hex digits: session secrets, CSRF
/// tokens, API tokens.
pub fn new_secret() -> String {
    hex::encode(random_bytes())
}

/// 32 bytes from the operating system's generator: a key.
pub fn random_bytes() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

/// The CSRF token of a logged-in browser's forms: an HMAC keyed by its
/// session secret (OWASP's signed double-submit). Only the holder of the
/// session can compute it, so a token planted in a cookie, or read from
/// someone else's page, is worthless; and every app server derives the
/// same token without sharing a key.
pub fn session_form_token(session_secret: &str) -> Result<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(session_secret.as_bytes())
        .map_err(AppError::because("form token key"))?;
    mac.update(b"coopkit form token v1");
    Ok(hex::encode(mac.finalize().into_bytes()))
}

pub(crate) fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Hashes a password with argon2id and a fresh salt, as a PHC string.
pub fn hash_password(password: &Password) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|_| AppError::invalid("password", "password-unhashable"))
}

pub(crate) fn password_matches(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Runs CPU-bound work (argon2, a simulation) off the async workers: tens
/// of milliseconds of CPU on a worker thread would stall every other
/// request on it.
pub(crate) async fn off_the_runtime<T: Send + 'static>(
    what: &'static str,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| AppError::internal(what))
}

impl App {
    /// Creates a login. Every field is checked before anything is written.
    pub async fn sign_up(&self, form: SignUp) -> Result<Person> {
        let mut errors = Collector::new();
        let email = errors.check("email", Email::parse(&form.email));
        let display_name = errors.check("display_name", DisplayName::parse(&form.display_name));
        let password = errors.check("password", Password::parse(&form.password));
        let ((email, display_name), password) =
            errors.finish_with(email.zip(display_name).zip(password))?;
        let password_hash = off_the_runtime("password hashing task failed", move || {
            hash_password(&password)
        })
        .await??;
        let new = NewPerson {
            email,
            display_name,
            password_hash,
            locale: form.locale,
            verified: false,
        };
        let person = self.store.create_person(&new, self.clock.now()).await?;
        tracing::info!(person = %person.id, "signed up");
        Ok(person)
    }

    /// Checks a password, within the failed-login limits
    /// (`coopkit_domain::throttle`). The same answer, and about the same
    /// time, whether the address is unknown or the password wrong, so the
    /// login form does not reveal who has an account.
    pub async fn log_in(&self, attempt: LoginAttempt) -> Result<LoggedIn> {
        let now = self.clock.now();
        let email_key = attempt.email.trim().to_lowercase();
        let known_device = match &attempt.device {
            Some(secret) => {
                let since = now.plus_millis(-DEVICE_TTL_MS);
                self.store
                    .is_login_device(&digest(secret), &email_key, since)
                    .await?
            }
            None => false,
        };
        self.check_login_throttle(&email_key, &attempt.client, known_device)
            .await?;
        let found = match Email::parse(&attempt.email) {
            Ok(email) => self.store.person_with_password(&email).await?,
            Err(_) => None,
        };
        let (person, phc) = match found {
            Some((person, phc)) => (Some(person), phc),
            None => (None, dummy_hash().to_owned()),
        };
        let password = attempt.password;
        let matches = off_the_runtime("password checking task failed", move || {
            password_matches(&password, &phc)
        })
        .await?;
        match person {
            Some(person) if matches => {
                self.store
                    .clear_login_failures(&email_key, &attempt.client)
                    .await?;
                let device = new_secret();
                self.store
                    .add_login_device(&digest(&device), &email_key, now)
                    .await?;
                Ok(LoggedIn {
                    person,
                    device: DeviceSecret(device),
                })
            }
            _ => {
                self.store
                    .record_login_failure(&email_key, &attempt.client, now)
                    .await?;
                Err(AppError::invalid("password", "login-failed"))
            }
        }
    }

    /// Refuses, as `RateLimited`, while the failed logins for `email_key`
    /// or from `client` call for a wait (`coopkit_domain::throttle`).
    pub(crate) async fn check_login_throttle(
        &self,
        email_key: &str,
        client: &str,
        known_device: bool,
    ) -> Result<()> {
        let now = self.clock.now();
        let window_start = now.plus_millis(-self.config.login_window_ms);
        let failures = self
            .store
            .login_failures_since(email_key, client, window_start)
            .await?;
        let limits = LoginLimits {
            window_ms: self.config.login_window_ms,
            per_account: self.config.login_failures_per_email_max,
            per_client: self.config.login_failures_per_client_max,
        };
        let wait_ms = login_wait(&failures, known_device, &limits, now);
        if wait_ms > 0 {
            tracing::warn!(%client, wait_ms, "login throttled");
            return Err(AppError::RateLimited {
                retry_after_s: (wait_ms + 999) / 1000,
            });
        }
        Ok(())
    }

    /// Opens a session for someone who just proved who they are.
    pub async fn start_session(&self, person: &Person) -> Result<SessionToken> {
        let secret = new_secret();
        let now = self.clock.now();
        let expires = now.plus_millis(self.config.session_ttl_ms);
        self.store
            .create_session(&digest(&secret), person.id, now, expires)
            .await?;
        Ok(SessionToken(secret))
    }

    /// Who holds this session cookie, if it is live.
    pub async fn session_person(&self, secret: &str) -> Result<Option<Person>> {
        Ok(self
            .store
            .session_person(&digest(secret), self.clock.now())
            .await?)
    }

    pub async fn end_session(&self, secret: &str) -> Result<()> {
        Ok(self.store.delete_session(&digest(secret)).await?)
    }

    /// Makes an API token for `person`, named so they can tell tokens apart.
    pub async fn create_api_token(&self, person: &Person, name: &str) -> Result<ApiToken> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(AppError::invalid("name", "token-name"));
        }
        let secret = format!("{API_TOKEN_PREFIX}{}", new_secret());
        let id = self
            .store
            .create_api_token(person.id, name, &digest(&secret), self.clock.now())
            .await?;
        Ok(ApiToken {
            id,
            name: name.to_owned(),
            secret,
        })
    }

    /// Who an API bearer token belongs to.
    pub async fn api_token_person(&self, secret: &str) -> Result<Option<Person>> {
        if !secret.starts_with(API_TOKEN_PREFIX) {
            return Ok(None);
        }
        Ok(self.store.api_token_person(&digest(secret)).await?)
    }

    /// The zone `person` reads times in: an IANA name, or empty for the
    /// zone of each co-op whose pages they read.
    pub async fn set_time_zone(&self, person: &Person, name: &str) -> Result<()> {
        let zone = match name.trim() {
            "" => None,
            name => Some(Zone::named(name).map_err(|code| AppError::invalid("time_zone", code))?),
        };
        Ok(self.store.set_time_zone(person.id, zone.as_ref()).await?)
    }

    pub async fn set_locale(&self, person: &Person, locale: Locale) -> Result<()> {
        Ok(self.store.set_locale(person.id, locale).await?)
    }

    /// Forgets expired sessions, login failures older than the window and
    /// device cookies older than a year.
    pub async fn purge_expired(&self) -> Result<u64> {
        let now = self.clock.now();
        let failures_before = now.plus_millis(-self.config.login_window_ms);
        let devices_before = now.plus_millis(-DEVICE_TTL_MS);
        Ok(self
            .store
            .purge_expired(now, failures_before, devices_before)
            .await?)
    }
}

/// A real argon2id hash of a random password, checked against when the
/// address is unknown so that both paths cost one verification.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(new_secret().as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let password = Password::parse("correct horse battery").unwrap();
        let phc = hash_password(&password).unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(password_matches("correct horse battery", &phc));
        assert!(!password_matches("correct horse batterY", &phc));
        assert!(!password_matches("anything", "not a phc string"));
    }

    #[test]
    fn secrets_are_distinct_and_digests_fixed_length() {
        let a = new_secret();
        let b = new_secret();
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_ne!(digest(&a), digest(&b));
    }
}
