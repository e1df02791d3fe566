//! Values taken from URL paths. Anything that is not an id names nothing,
//! so it is "not found", like an id that does not exist.

use std::str::FromStr;

use coopkit_app::AppError;
use coopkit_domain::{MembershipId, PersonId};
use coopkit_ledger::TransferId;

fn id<T: FromStr>(segment: &str, what: &'static str) -> Result<T, AppError> {
    segment.parse().map_err(|_| AppError::NotFound(what))
}

pub fn membership_id(segment: &str, what: &'static str) -> Result<MembershipId, AppError> {
    id(segment, what).map(MembershipId)
}

pub fn person_id(segment: &str, what: &'static str) -> Result<PersonId, AppError> {
    id(segment, what).map(PersonId)
}

/// A transfer or payment request id: a decimal number below 2^128.
pub fn transfer_id(segment: &str, what: &'static str) -> Result<TransferId, AppError> {
    id(segment, what).map(TransferId)
}
