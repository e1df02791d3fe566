//! People: someone with a login, who may belong to several co-ops.

use crate::{DisplayName, Email, Locale, PersonId, Timestamp};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub id: PersonId,
    pub email: Email,
    pub display_name: String,
    pub locale: Locale,
    pub created_at: Timestamp,
}

/// A person about to sign up; the password is already hashed.
#[derive(Clone, Debug)]
pub struct NewPerson {
    pub email: Email,
    pub display_name: DisplayName,
    pub password_hash: String,
    pub locale: Locale,
}
