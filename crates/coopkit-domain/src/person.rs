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
    /// An address they asked to change to: it becomes theirs when they
    /// follow the link mailed to it.
    pub email_pending: Option<Email>,
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

/// What is left of a deleted account: a name that says only that someone
/// was here, for the ledger's lines and the ballots' rolls that must keep
/// pointing at them, and an address nobody can receive mail at (`.invalid`
/// is reserved for that, RFC 2606).
pub fn erased(id: PersonId) -> (String, String) {
    (
        format!("Former member {id}"),
        format!("erased-{id}@deleted.invalid"),
    )
}

/// What came of asking to delete an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deletion {
    Deleted,
    /// They are the last active admin of this co-op: someone else must be
    /// made one first. Nothing was changed.
    LastAdmin(crate::CoopId),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_erased_account_keeps_a_valid_address_nobody_receives() {
        let (name, email) = erased(PersonId(42));
        assert_eq!(name, "Former member 42");
        let email = Email::parse(&email).unwrap();
        assert!(email.as_str().ends_with(".invalid"));
    }
}
