//! The market's read model: what the market page shows of a co-op (its
//! active providers with their services, weeks and areas, categories,
//! currencies, feedback and who booked whom), read in one go and kept
//! while the co-op's event head stands still (see [`crate::views`]).

use std::collections::HashMap;

use coopkit_domain::{CoopId, PersonId};
use coopkit_ledger::Currency;
use coopkit_store::{Category, ProviderListing, Store};

use super::FeedbackSummary;
use crate::Result;

/// A co-op's market as of an event head.
#[derive(Debug)]
pub(crate) struct MarketView {
    /// Active members' provider profiles, by display name.
    pub listings: Vec<ProviderListing>,
    pub categories: Vec<Category>,
    pub currencies: Vec<Currency>,
    feedback: HashMap<PersonId, FeedbackSummary>,
    /// Settled bookings by `(requester, provider)`.
    settled: HashMap<(PersonId, PersonId), u32>,
}

impl MarketView {
    pub(crate) async fn read(store: &Store, coop: CoopId) -> Result<Self> {
        Ok(MarketView {
            listings: store.providers(coop).await?,
            categories: store.categories(coop).await?,
            currencies: store.currencies(coop).await?,
            feedback: store
                .feedback_counts(coop)
                .await?
                .into_iter()
                .map(|(provider, (reviews, would_book_again))| {
                    let summary = FeedbackSummary {
                        reviews,
                        would_book_again,
                    };
                    (provider, summary)
                })
                .collect(),
            settled: store.settled_bookings_by_pair(coop).await?,
        })
    }

    pub fn feedback(&self, provider: PersonId) -> FeedbackSummary {
        self.feedback.get(&provider).copied().unwrap_or_default()
    }

    /// How many of `requester`'s bookings `provider` settled.
    pub fn settled(&self, requester: PersonId, provider: PersonId) -> u32 {
        self.settled
            .get(&(requester, provider))
            .copied()
            .unwrap_or(0)
    }
}
