//! The marketplace's rules, free of I/O: what a booking costs, whether it
//! fits a provider's week, and how a booking moves from requested to
//! settled; and for co-ops that sell creative work, who a sale pays
//! ([`royalty`]) and what a play costs until the track is owned
//! ([`stream`]). The use cases (`coopkit-app`) load and store
//! bookings and move value in the ledger as [`booking::Effect`] says.
//!
//! Times are the co-op's wall-clock time, as milliseconds in a
//! [`coopkit_domain::Timestamp`]: a sitting "Friday 19:00 to 23:00" is
//! entered, stored and compared as such, whatever the server's zone.

pub mod availability;
pub mod booking;
pub mod catalogue;
pub mod fund;
pub mod ical;
pub mod matching;
pub mod price;
pub mod provider;
pub mod request;
pub mod royalty;
pub mod stream;
pub mod task;
pub mod thread;

pub use availability::{WeeklySlot, Window};
pub use booking::{
    Action, Booking, BookingFacts, BookingId, BookingState, Effect, Feedback, NewBooking, Party,
    Payment, Refusal, Step,
};
pub use catalogue::{
    CatalogueSettings, Item, ItemKind, Licence, NewItem, NewOrder, Order, OrderAction, OrderLine,
    OrderRefusal, OrderState, StoredFile,
};
pub use fund::{NewProject, Project, ProjectAction, ProjectState};
pub use price::Price;
pub use provider::{Badge, Category, ProviderListing, ProviderProfile, Service, ServiceArea};
pub use request::{NewRequest, Offer, OfferAnswer, OpenRequest, Referral};
pub use task::{
    NewTask, Task, TaskAction, TaskActor, TaskEffect, TaskFacts, TaskRefusal, TaskState,
};
