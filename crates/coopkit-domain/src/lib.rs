//! coopkit's core vocabulary, free of I/O so every rule here is tested
//! without a database or a server.
//!
//! Values that arrive from outside (a slug, an email address, a password)
//! are validated once, when they become one of these types; code that holds
//! an [`Email`] never checks it again.

pub mod amount_text;
pub mod apportion;
pub mod clock;
pub mod coop;
pub mod event;
pub mod ids;
pub mod membership;
pub mod notice;
pub mod outbox;
pub mod person;
pub mod server_role;
pub mod subject;
pub mod throttle;
pub mod validation;
pub mod values;
pub mod webhook;
pub mod zone;

pub use amount_text::{format_minor_units, parse_minor_units, parse_written_amount, Separators};
pub use clock::{CivilTime, Clock, ManualClock, SystemClock, Timestamp};
pub use coop::{join_outcome, CoopSettings, DuesPeriod, Joining, MemberClassSpec, NewCoop};
pub use event::{Event, EventSeq, Happened, LoggedEvent, Payee, SettingsPart, Subject};
pub use ids::{
    AllocationId, ApiTokenId, BookingId, CoopId, DeliveryId, EditId, ForecastId, HelpRequestId,
    ItemId, MailId, MemberClassId, MembershipId, MessageId, OrderId, PaymentRequestId, PersonId,
    ProjectId, ProposalId, ReviewId, TaskId, WebhookId,
};
pub use membership::{MembershipStatus, Reason, Role};
pub use notice::{Audience, Delivery, NoticeKind};
pub use outbox::{Attempt, MailState, MailStatus};
pub use server_role::ServerRole;
pub use validation::{FieldError, Invalid};
pub use values::{ClassKey, CoopName, DisplayName, Email, Locale, Password, Slug};
pub use zone::{Transition, Zone};
