//! Read models kept in memory: views of a co-op that its busiest pages
//! read on every request (its market, its members' names), each kept with
//! the co-op's event head it was read after and used while the head
//! stands still.
//!
//! Every change to a co-op's state records an event of the co-op in its
//! own transaction (a profile saved, a category, a currency or its rules,
//! feedback, a booking settled, a member admitted or gone, a payment
//! batch), and event numbers follow commit order. So a view read after
//! the head `h` holds everything up to `h`, and is current for as long as
//! the head is still `h`: asking for the head is one indexed query, on
//! whichever app server answers. A view read while a change commits may
//! hold more than its head says; the next request sees the new head and
//! reads the view again. Any event moves the head, a payment too, so in a
//! co-op that pays all day a view is read again after each batch: never
//! more often than the pages read it before there were views.
//!
//! Rejected: invalidation by the writers (each write path would have to
//! know every view, and another app server's writes would never reach
//! this one's memory); a time to live (a member would not see their own
//! change at once).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use coopkit_domain::membership::{MemberListing, MembershipStatus};
use coopkit_domain::{CoopId, EventSeq, PersonId};
use coopkit_store::Store;

use crate::market::MarketView;
use crate::{App, Result};

/// How many co-ops' views of one kind are kept; past it the least recently
/// used goes.
const VIEWS_KEPT: usize = 256;

/// The views kept, shared by every clone of the [`App`].
#[derive(Debug, Default)]
pub(crate) struct Views {
    market: Kept<MarketView>,
    roster: Kept<Roster>,
}

/// The active members of a co-op by name: the pay form's list, and the
/// names a statement shows.
#[derive(Debug)]
pub(crate) struct Roster {
    /// By name, with their classes and since when they belong.
    pub members: Vec<MemberListing>,
    /// Each member's place in `members`.
    at: HashMap<PersonId, usize>,
}

impl Roster {
    async fn read(store: &Store, coop: CoopId) -> Result<Self> {
        let members = store.members(coop, MembershipStatus::Active).await?;
        let at = members
            .iter()
            .enumerate()
            .map(|(i, m)| (m.membership.person_id, i))
            .collect();
        Ok(Roster { members, at })
    }

    /// An active member's name; `None` for anyone else (someone who left
    /// is not named).
    pub fn name(&self, person: PersonId) -> Option<&str> {
        let at = *self.at.get(&person)?;
        Some(self.members[at].display_name.as_str())
    }
}

/// One kind of view, by co-op.
#[derive(Debug)]
struct Kept<T> {
    kept: Mutex<Entries<T>>,
}

impl<T> Default for Kept<T> {
    fn default() -> Self {
        Kept {
            kept: Mutex::new(Entries {
                views: HashMap::new(),
                uses: 0,
            }),
        }
    }
}

#[derive(Debug)]
struct Entries<T> {
    /// Each co-op's view, the head it was read after, and its last use.
    views: HashMap<CoopId, Entry<T>>,
    /// Counts uses, to find the least recently used view.
    uses: u64,
}

#[derive(Debug)]
struct Entry<T> {
    view: Arc<T>,
    head: EventSeq,
    used: u64,
}

impl<T> Kept<T> {
    fn current(&self, coop: CoopId, head: EventSeq) -> Option<Arc<T>> {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.uses += 1;
        let uses = kept.uses;
        let entry = kept.views.get_mut(&coop)?;
        (entry.head == head).then(|| {
            entry.used = uses;
            Arc::clone(&entry.view)
        })
    }

    fn keep(&self, coop: CoopId, head: EventSeq, view: Arc<T>) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.uses += 1;
        let used = kept.uses;
        // Requests racing past a change each read a view; the newest stays.
        if kept.views.get(&coop).is_some_and(|e| e.head > head) {
            return;
        }
        if kept.views.len() >= VIEWS_KEPT && !kept.views.contains_key(&coop) {
            let oldest = kept
                .views
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(coop, _)| *coop);
            if let Some(oldest) = oldest {
                kept.views.remove(&oldest);
            }
        }
        kept.views.insert(coop, Entry { view, head, used });
    }

    /// The co-op's view as of `head`, read with `read` when the one kept
    /// is older or missing.
    async fn get<F>(&self, coop: CoopId, head: EventSeq, read: F) -> Result<Arc<T>>
    where
        F: std::future::Future<Output = Result<T>>,
    {
        if let Some(view) = self.current(coop, head) {
            return Ok(view);
        }
        let view = Arc::new(read.await?);
        self.keep(coop, head, Arc::clone(&view));
        Ok(view)
    }
}

impl App {
    /// The co-op's market as of its latest event.
    pub(crate) async fn market_view(&self, coop: CoopId) -> Result<Arc<MarketView>> {
        let head = self.store.event_head(coop).await?;
        let read = MarketView::read(&self.store, coop);
        self.views.market.get(coop, head, read).await
    }

    /// The co-op's active members by name, as of its latest event.
    pub(crate) async fn roster(&self, coop: CoopId) -> Result<Arc<Roster>> {
        let head = self.store.event_head(coop).await?;
        let read = Roster::read(&self.store, coop);
        self.views.roster.get(coop, head, read).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_are_kept_for_their_head_newest_first_and_bounded() {
        let kept: Kept<&str> = Kept::default();
        let (coop, other) = (CoopId(1), CoopId(2));
        kept.keep(coop, EventSeq(5), Arc::new("at 5"));
        assert_eq!(kept.current(coop, EventSeq(5)).as_deref(), Some(&"at 5"));
        assert!(kept.current(coop, EventSeq(6)).is_none(), "the head moved");
        assert!(kept.current(other, EventSeq(5)).is_none(), "another co-op");
        // A request that read before a change and finishes after a newer
        // one does not put the older view back.
        kept.keep(coop, EventSeq(7), Arc::new("at 7"));
        kept.keep(coop, EventSeq(6), Arc::new("at 6"));
        assert_eq!(kept.current(coop, EventSeq(7)).as_deref(), Some(&"at 7"));

        // Past the bound the least recently used co-op goes, not the one
        // just read.
        for id in 2..=i64::try_from(VIEWS_KEPT).unwrap() {
            kept.keep(CoopId(id), EventSeq(1), Arc::new("other"));
        }
        assert!(kept.current(coop, EventSeq(7)).is_some());
        kept.keep(CoopId(10_000), EventSeq(1), Arc::new("new"));
        let entries = kept.kept.lock().unwrap();
        assert_eq!(entries.views.len(), VIEWS_KEPT);
        assert!(entries.views.contains_key(&coop), "used last but one");
        assert!(!entries.views.contains_key(&CoopId(2)), "used least");
    }
}
