//! People: someone with a login, who may belong to several co-ops.

use crate::{ApiTokenId, DisplayName, Email, Locale, PersonId, Timestamp, Zone};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub id: PersonId,
    pub email: Email,
    pub display_name: String,
    pub locale: Locale,
    /// The zone they read times in; `None`: the zone of the co-op whose
    /// page they are on.
    pub time_zone: Option<Zone>,
    pub created_at: Timestamp,
    /// When they proved the address they have now; `None`: not yet, and
    /// nothing but that proof is mailed to it.
    pub email_verified_at: Option<Timestamp>,
}

/// A person about to sign up; the password is already hashed.
#[derive(Clone, Debug)]
pub struct NewPerson {
    pub email: Email,
    pub display_name: DisplayName,
    pub password_hash: String,
    pub locale: Locale,
    /// Whether the address is known to be theirs already (the demo's
    /// people, an operator's command); otherwise a message to verify it
    /// is queued with the account.
    pub verified: bool,
}

/// An API token as its owner sees it: never its secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiTokenListing {
    pub id: ApiTokenId,
    pub name: String,
    pub created_at: Timestamp,
}
