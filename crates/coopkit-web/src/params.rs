//! Values taken from URL paths.

use coopkit_app::AppError;
use coopkit_domain::MembershipId;

/// A membership id from a path segment. Anything that is not an id names
/// no membership, so it is "not found", like an id that does not exist.
pub fn membership_id(segment: &str, what: &'static str) -> Result<MembershipId, AppError> {
    segment
        .parse()
        .map(MembershipId)
        .map_err(|_| AppError::NotFound(what))
}
