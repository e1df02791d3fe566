//! coopkit's core vocabulary, free of I/O so every rule here is tested
//! without a database or a server.
//!
//! Values that arrive from outside (a slug, an email address, a password)
//! are validated once, when they become one of these types; code that holds
//! an [`Email`] never checks it again.

pub mod apportion;
pub mod clock;
pub mod coop;
pub mod ids;
pub mod membership;
pub mod validation;
pub mod values;

pub use clock::{Clock, ManualClock, SystemClock, Timestamp};
pub use coop::{
    format_minor_units, join_outcome, parse_minor_units, CoopSettings, DuesPeriod, MemberClassSpec,
    NewCoop,
};
pub use ids::{ApiTokenId, CoopId, MemberClassId, MembershipId, PersonId};
pub use membership::{MembershipStatus, Role};
pub use validation::{FieldError, Invalid};
pub use values::{ClassKey, CoopName, DisplayName, Email, Locale, Password, Slug};
