//! Providers as a co-op's marketplace lists them: the categories of work,
//! what each provider offers at what price, when and where they work, and
//! the checks coordinators confirmed for them.

use coopkit_domain::{PersonId, Timestamp};
use coopkit_ledger::CurrencyCode;

use crate::matching::Point;
use crate::{Price, WeeklySlot};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Category {
    /// Lower-case letters and hyphens: `babysitting`.
    pub key: String,
    pub name: String,
}

/// One service a provider offers, at a price.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    pub category: String,
    pub currency: CurrencyCode,
    pub price: Price,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderProfile {
    pub person: PersonId,
    pub bio: String,
    /// Language codes: `en`, `es`.
    pub languages: Vec<String>,
    pub services: Vec<Service>,
    pub slots: Vec<WeeklySlot>,
    /// Where they work from and how far they travel; `None`: anywhere.
    pub area: Option<ServiceArea>,
    /// Whole days away, each as its first millisecond, in order.
    pub days_off: Vec<Timestamp>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServiceArea {
    pub place: Point,
    pub radius_m: u32,
}

/// A provider as search shows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderListing {
    pub profile: ProviderProfile,
    pub display_name: String,
}

/// A check a coordinator confirmed for a provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Badge {
    pub label: String,
    /// `YYYY-MM-DD`.
    pub done_on: String,
    pub confirmed_by: PersonId,
    pub confirmed_by_name: String,
}
