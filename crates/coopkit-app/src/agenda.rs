//! What waits on a person across their co-ops, for the page they land on
//! after logging in: their co-ops with their balances, and each thing
//! only they can move (an application to decide, a booking to accept or
//! mark done, a vote to cast, an offer to answer, an order to send),
//! newest first.
//!
//! Each item is read with the rule that decides it elsewhere (a booking's
//! steps from [`booking::allowed`], a vote from [`proposal::may_vote`]),
//! so the home never offers what its page would refuse.

use coopkit_domain::membership::{MembershipStatus, PersonalMembership};
use coopkit_domain::{BookingId, HelpRequestId, OrderId, ProposalId, Slug, Timestamp};
use coopkit_governance::proposal;
use coopkit_market::booking::{self, Action};
use coopkit_market::OrderState;
use coopkit_store::{Coop, Person};

use crate::governance::schedule;
use crate::ledger::Holding;
use crate::{App, Result};

/// The most items the home lists; the rest are counted.
pub const AGENDA_MAX: usize = 30;

/// A person's co-ops and what waits on them.
#[derive(Clone, Debug, Default)]
pub struct Agenda {
    pub coops: Vec<AgendaCoop>,
    /// Newest first, at most [`AGENDA_MAX`].
    pub waiting: Vec<Waiting>,
    /// Items beyond the first [`AGENDA_MAX`].
    pub more: usize,
}

/// One of the person's memberships (active, applied or suspended) with
/// their balances there.
#[derive(Clone, Debug)]
pub struct AgendaCoop {
    pub membership: PersonalMembership,
    pub holdings: Vec<Holding>,
}

/// One thing that waits on the person, in a co-op.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiting {
    pub coop_slug: Slug,
    pub coop_name: String,
    /// Since when it waits: what orders the list.
    pub since: Timestamp,
    pub item: WaitingItem,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WaitingItem {
    /// Someone applied to join; coordinators decide.
    Application {
        applicant: String,
        class_name: String,
    },
    /// A booking whose next step is the person's: accept it, or say the
    /// work was done.
    Booking {
        id: BookingId,
        step: Action,
        /// The other side of the booking.
        with: String,
        starts: Timestamp,
    },
    /// A vote open to the person that they have not cast.
    Vote {
        id: ProposalId,
        title: String,
        closes: Timestamp,
    },
    /// The dispatch board offered the person someone's request for help.
    Offer {
        request: HelpRequestId,
        requester: String,
        starts: Timestamp,
    },
    /// A paid order of the person's goods, to send.
    Order { id: OrderId, title: String },
}

/// The booking steps that wait on a party; cancelling or disputing is
/// open to them too, but nothing waits for it.
const WAITING_STEPS: [Action; 2] = [Action::Accept, Action::MarkDone];

impl App {
    /// The actor's co-ops and what waits on them there.
    pub async fn agenda(&self, actor: &Person) -> Result<Agenda> {
        let mut agenda = Agenda::default();
        let mut waiting = Vec::new();
        for membership in self.store.memberships_of(actor.id).await? {
            let shown = matches!(
                membership.membership.status,
                MembershipStatus::Active | MembershipStatus::Pending | MembershipStatus::Suspended
            );
            if !shown {
                continue;
            }
            let coop = self.coop(membership.coop_slug.as_str()).await?;
            let holdings = if membership.membership.status == MembershipStatus::Pending {
                Vec::new()
            } else {
                let currencies = self.store.currencies(coop.id).await?;
                self.holdings_of(&coop, actor, &currencies).await?
            };
            if membership.membership.status == MembershipStatus::Active {
                let found = self.waiting_in(&coop, actor, &membership).await?;
                waiting.extend(found.into_iter().map(|(since, item)| Waiting {
                    coop_slug: membership.coop_slug.clone(),
                    coop_name: membership.coop_name.clone(),
                    since,
                    item,
                }));
            }
            agenda.coops.push(AgendaCoop {
                membership,
                holdings,
            });
        }
        waiting.sort_by_key(|w| std::cmp::Reverse(w.since.as_millis()));
        agenda.more = waiting.len().saturating_sub(AGENDA_MAX);
        waiting.truncate(AGENDA_MAX);
        agenda.waiting = waiting;
        Ok(agenda)
    }

    /// What waits on an active member in one co-op, each with since when.
    async fn waiting_in(
        &self,
        coop: &Coop,
        actor: &Person,
        membership: &PersonalMembership,
    ) -> Result<Vec<(Timestamp, WaitingItem)>> {
        let mut found = Vec::new();
        if membership.membership.role.can_decide_applications() {
            for applicant in self
                .store
                .members(coop.id, MembershipStatus::Pending)
                .await?
            {
                found.push((
                    applicant.membership.applied_at,
                    WaitingItem::Application {
                        applicant: applicant.display_name,
                        class_name: applicant.class_name,
                    },
                ));
            }
        }
        let now = self.clock.now();
        for b in self.store.bookings_of(coop.id, actor.id).await? {
            let party = if b.requester == actor.id {
                booking::Party::Requester
            } else {
                booking::Party::Provider
            };
            let allowed = booking::allowed(b.facts, party, now);
            let Some(step) = WAITING_STEPS.into_iter().find(|s| allowed.contains(s)) else {
                continue;
            };
            let other = match party {
                booking::Party::Requester => b.provider,
                _ => b.requester,
            };
            found.push((
                b.updated_at,
                WaitingItem::Booking {
                    id: b.id,
                    step,
                    with: self.name_of(other).await?,
                    starts: b.facts.window.start,
                },
            ));
        }
        for p in self.proposals(actor, coop.slug.as_str()).await? {
            if !proposal::may_vote(p.state, schedule(&p), now.as_millis())
                || self.store.roll_entry(p.id, actor.id).await?.is_none()
                || self.has_voted(actor, p.id).await?
            {
                continue;
            }
            found.push((
                p.proposal.opens_at,
                WaitingItem::Vote {
                    id: p.id,
                    title: p.proposal.title,
                    closes: p.proposal.closes_at,
                },
            ));
        }
        for offer in self.offers_to(coop, actor).await? {
            found.push((
                offer.request.created_at,
                WaitingItem::Offer {
                    request: offer.request.id,
                    requester: offer.requester_name,
                    starts: offer.request.request.window.start,
                },
            ));
        }
        for line in self.store.orders_to_seller(coop.id, actor.id).await? {
            if line.order.state == OrderState::Paid {
                found.push((
                    line.order.created_at,
                    WaitingItem::Order {
                        id: line.order.id,
                        title: line.title,
                    },
                ));
            }
        }
        Ok(found)
    }
}
