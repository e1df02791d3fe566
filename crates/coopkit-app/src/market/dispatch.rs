//! Requests for help and the dispatch board: a member posts what they
//! need; a coordinator asks the matching engine to propose providers for
//! every open request at once; each proposal is an offer the provider
//! accepts (which books and confirms them) or declines. Nobody is given
//! work without saying yes.

use std::collections::HashMap;

use coopkit_domain::{CoopId, PersonId, Role, Zone};
use coopkit_ledger::{AccountOwner, Limit};
use coopkit_market::matching::{propose, Point, Provider, Reason, Request};
use coopkit_market::{Action, OfferAnswer, Party, Payment, ProviderProfile, Window};
use coopkit_store::{Booking, Coop, HelpRequestId, NewRequest, Offer, OpenRequest, Person};

use super::bookings::BookForm;
use super::valid_point;
use crate::ledger::AccountView;
use crate::{App, AppError, Result};

#[derive(Clone, Debug)]
pub struct RequestForm {
    pub category: String,
    pub window: Window,
    pub place: Point,
    /// A language code, or empty for any.
    pub language: String,
    pub notes: String,
}

/// An open request with the names and offers the board shows.
#[derive(Clone, Debug)]
pub struct BoardRow {
    pub request: OpenRequest,
    pub requester_name: String,
    /// (provider name, offer).
    pub offers: Vec<(String, Offer)>,
}

/// An offer to the caller, with the request it is for.
#[derive(Clone, Debug)]
pub struct OfferToMe {
    pub request: OpenRequest,
    pub requester_name: String,
    pub offer: Offer,
}

/// One of the caller's open requests, and how many providers it was
/// offered to.
#[derive(Clone, Debug)]
pub struct MyRequest {
    pub request: OpenRequest,
    pub offered: usize,
}

/// Reasons as stored with an offer: short codes a page translates.
fn reason_codes(reasons: &[Reason]) -> String {
    reasons
        .iter()
        .map(|reason| match reason {
            Reason::Favourite => "favourite".to_owned(),
            Reason::BookedBefore => "booked-before".to_owned(),
            Reason::Near { metres } => format!("near:{metres}"),
            Reason::SharedLanguage => "language".to_owned(),
            Reason::NeedsWork { balance } => format!("needs-work:{balance}"),
        })
        .collect::<Vec<_>>()
        .join(",")
}

impl App {
    /// Posts a request for help, for providers to be offered.
    pub async fn post_request(
        &self,
        actor: &Person,
        slug: &str,
        form: RequestForm,
    ) -> Result<HelpRequestId> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        let mut errors = coopkit_domain::validation::Collector::new();
        if !self
            .store
            .categories(coop.id)
            .await?
            .iter()
            .any(|c| c.key == form.category)
        {
            errors.push_absent("category", "category-unknown");
        }
        if form.window.start.as_millis() <= self.clock.now().as_millis() {
            errors.push("from", "booking-in-past");
        }
        if !valid_point(form.place) {
            errors.push("lat", "place-range");
        }
        if form.notes.chars().count() > 1000 {
            errors.push("notes", "too-long");
        }
        errors.finish()?;
        let new = NewRequest {
            coop: coop.id,
            requester: actor.id,
            category: form.category,
            window: form.window,
            place: form.place,
            language: form.language.trim().to_ascii_lowercase(),
            notes: form.notes.trim().to_owned(),
        };
        Ok(self.store.create_request(&new, self.clock.now()).await?)
    }

    /// Asks the matching engine for a provider for every open request, and
    /// offers each proposal to its provider. Coordinators only. Returns how
    /// many new offers were made.
    pub async fn run_matching(&self, actor: &Person, slug: &str) -> Result<usize> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Coordinator).await?;
        self.match_requests(&coop).await
    }

    /// The scheduled run: matching for every co-op with open requests, as
    /// the server does every hour. Returns the offers made.
    pub async fn match_all_coops(&self) -> Result<usize> {
        let mut offers = 0;
        for summary in self.store.list_coops().await? {
            if !self
                .store
                .open_requests(summary.coop.id, self.clock.now())
                .await?
                .is_empty()
            {
                offers += self.match_requests(&summary.coop).await?;
            }
        }
        Ok(offers)
    }

    async fn match_requests(&self, coop: &coopkit_store::Coop) -> Result<usize> {
        let now = self.clock.now();
        let open = self.store.open_requests(coop.id, now).await?;
        let already = self.store.offers(coop.id).await?;
        // A request someone was offered and has not answered waits for them.
        let waiting: Vec<HelpRequestId> = already
            .iter()
            .filter(|o| o.answer == OfferAnswer::Offered)
            .map(|o| o.request)
            .collect();
        let open: Vec<OpenRequest> = open
            .into_iter()
            .filter(|r| !waiting.contains(&r.id))
            .collect();
        let requests = self.matching_requests(coop.id, &open, &already).await?;
        let accounts = self.ledger.accounts(coop.id).await?;
        let mut busy: HashMap<PersonId, Vec<Window>> = HashMap::new();
        for (provider, window) in self.store.busy_windows(coop.id, now).await? {
            busy.entry(provider).or_default().push(window);
        }
        let providers: Vec<Provider> = self
            .store
            .providers(coop.id)
            .await?
            .into_iter()
            .filter_map(|listing| {
                let zone = &coop.settings.time_zone;
                matching_provider(listing.profile, zone, &accounts, &mut busy)
            })
            .collect();
        let matching = propose(&requests, &providers, &coop.settings.time_zone);
        let offers: Vec<Offer> = matching
            .proposals
            .into_iter()
            .map(|p| Offer {
                request: open[p.request].id,
                provider: p.provider,
                reasons: reason_codes(&p.reasons),
                answer: OfferAnswer::Offered,
            })
            .collect();
        self.store.add_offers(coop.id, &offers, now).await?;
        tracing::info!(coop = %coop.slug, open = open.len(), offers = offers.len(), "matching run");
        Ok(offers.len())
    }

    /// Open requests as the matching engine reads them: with the
    /// requester's favourites, the providers they have settled with before,
    /// and the providers who declined this request already.
    async fn matching_requests(
        &self,
        coop: CoopId,
        open: &[OpenRequest],
        already: &[Offer],
    ) -> Result<Vec<Request>> {
        let settled = self.store.settled_pairs(coop).await?;
        let mut requests = Vec::with_capacity(open.len());
        for r in open {
            requests.push(Request {
                requester: r.request.requester,
                category: r.request.category.clone(),
                window: r.request.window,
                place: r.request.place,
                language: Some(r.request.language.clone()).filter(|l| !l.is_empty()),
                favourites: self.store.favourites(coop, r.request.requester).await?,
                past_providers: settled
                    .iter()
                    .filter(|(requester, _)| *requester == r.request.requester)
                    .map(|(_, provider)| *provider)
                    .collect(),
                declined: already
                    .iter()
                    .filter(|o| o.request == r.id)
                    .map(|o| o.provider)
                    .collect(),
            });
        }
        Ok(requests)
    }

    /// The dispatch board: open requests with their offers and answers.
    /// Coordinators only.
    pub async fn dispatch_board(&self, actor: &Person, slug: &str) -> Result<Vec<BoardRow>> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Coordinator).await?;
        let offers = self.store.offers(coop.id).await?;
        let mut rows = Vec::new();
        for request in self.store.open_requests(coop.id, self.clock.now()).await? {
            let mut with_names = Vec::new();
            for offer in offers.iter().filter(|o| o.request == request.id) {
                with_names.push((self.name_of(offer.provider).await?, offer.clone()));
            }
            rows.push(BoardRow {
                requester_name: self.name_of(request.request.requester).await?,
                offers: with_names,
                request,
            });
        }
        Ok(rows)
    }

    /// The caller's own requests still open, with how many providers were
    /// offered each: the person who asked sees where it stands.
    pub async fn my_requests(&self, actor: &Person, slug: &str) -> Result<Vec<MyRequest>> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        let offers = self.store.offers(coop.id).await?;
        Ok(self
            .store
            .open_requests(coop.id, self.clock.now())
            .await?
            .into_iter()
            .filter(|r| r.request.requester == actor.id)
            .map(|request| MyRequest {
                offered: offers.iter().filter(|o| o.request == request.id).count(),
                request,
            })
            .collect())
    }

    /// Offers waiting for the caller's answer.
    pub async fn my_offers(&self, actor: &Person, slug: &str) -> Result<Vec<OfferToMe>> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        self.offers_to(&coop, actor).await
    }

    /// Offers of still open requests that `provider` has not answered.
    pub(crate) async fn offers_to(&self, coop: &Coop, provider: &Person) -> Result<Vec<OfferToMe>> {
        let mut mine = Vec::new();
        for offer in self.store.offers(coop.id).await? {
            if offer.provider != provider.id || offer.answer != OfferAnswer::Offered {
                continue;
            }
            if let Some(request) = self.store.request(coop.id, offer.request).await? {
                if request.booking.is_none() {
                    mine.push(OfferToMe {
                        requester_name: self.name_of(request.request.requester).await?,
                        request,
                        offer,
                    });
                }
            }
        }
        Ok(mine)
    }

    /// The provider's answer to an offer. Yes books them for the request
    /// and confirms it (holding the requester's tokens); no leaves the
    /// request open for the next run.
    pub async fn answer_offer(
        &self,
        actor: &Person,
        slug: &str,
        request: HelpRequestId,
        accept: bool,
    ) -> Result<Option<Booking>> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        let open = self
            .store
            .request(coop.id, request)
            .await?
            .ok_or(AppError::NotFound("request"))?;
        let offered = self.store.offers(coop.id).await?.into_iter().any(|o| {
            o.request == request && o.provider == actor.id && o.answer == OfferAnswer::Offered
        });
        if !offered {
            return Err(AppError::NotFound("offer"));
        }
        if !accept {
            self.store
                .answer_offer(coop.id, request, actor.id, false, self.clock.now())
                .await?;
            return Ok(None);
        }
        if open.booking.is_some() {
            return Err(AppError::Conflict {
                field: "request",
                code: "request-taken",
            });
        }
        let requester = self
            .store
            .person(open.request.requester)
            .await?
            .ok_or(AppError::NotFound("request"))?;
        let form = BookForm {
            provider: actor.id,
            category: open.request.category.clone(),
            window: open.request.window,
            payment: Payment::Ledger,
            notes: open.request.notes.clone(),
        };
        let booking = self.place_booking(&coop, &requester, form).await?;
        let closed = self
            .store
            .close_request(coop.id, request, booking.id, actor.id, self.clock.now())
            .await?;
        if !closed {
            // Another provider took it a moment earlier: withdraw ours.
            self.take_step(booking, Party::Provider, Some(actor.id), Action::Decline)
                .await?;
            return Err(AppError::Conflict {
                field: "request",
                code: "request-taken",
            });
        }
        self.store
            .answer_offer(coop.id, request, actor.id, true, self.clock.now())
            .await?;
        let confirmed = self
            .take_step(booking, Party::Provider, Some(actor.id), Action::Accept)
            .await?;
        Ok(Some(confirmed))
    }

    /// Marks or unmarks a provider as one of the caller's favourites.
    pub async fn set_favourite(
        &self,
        actor: &Person,
        slug: &str,
        provider: PersonId,
        favourite: bool,
    ) -> Result<()> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        if self.store.provider(coop.id, provider).await?.is_none() {
            return Err(AppError::NotFound("provider"));
        }
        Ok(self
            .store
            .set_favourite(coop.id, actor.id, provider, favourite, self.clock.now())
            .await?)
    }

    /// The caller's favourite providers in the co-op.
    pub async fn my_favourites(&self, actor: &Person, slug: &str) -> Result<Vec<PersonId>> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        Ok(self.store.favourites(coop.id, actor.id).await?)
    }

    pub(crate) async fn name_of(&self, person: PersonId) -> Result<String> {
        Ok(self
            .store
            .person(person)
            .await?
            .map(|p| p.display_name)
            .unwrap_or_default())
    }
}

/// The prefix of calendar link secrets, so a leaked one is recognisable.
const CALENDAR_PREFIX: &str = "cal_";

impl App {
    /// A new private calendar link secret for the caller's bookings in the
    /// co-op; the previous one stops working. Shown once: only its digest
    /// is kept.
    pub async fn new_calendar_secret(&self, actor: &Person, slug: &str) -> Result<String> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        let secret = format!("{CALENDAR_PREFIX}{}", crate::new_secret());
        self.store
            .set_calendar_token(
                coop.id,
                actor.id,
                &crate::auth::digest(&secret),
                self.clock.now(),
            )
            .await?;
        Ok(secret)
    }

    /// The iCalendar feed behind a calendar link: the member's bookings in
    /// that co-op, as requester and as provider. The secret is the only
    /// credential (calendar apps send no cookies); a member who left the
    /// co-op gets nothing.
    pub async fn calendar_feed(&self, secret: &str) -> Result<String> {
        use coopkit_market::ical::{feed, Event};
        let not_found = AppError::NotFound("calendar");
        if !secret.starts_with(CALENDAR_PREFIX) {
            return Err(not_found);
        }
        let (coop, coop_name, person) = self
            .store
            .calendar_owner(&crate::auth::digest(secret))
            .await?
            .ok_or(AppError::NotFound("calendar"))?;
        let active = self
            .store
            .membership(coop, person)
            .await?
            .is_some_and(|m| m.status.is_active());
        if !active {
            return Err(not_found);
        }
        let mut events = Vec::new();
        for booking in self.store.bookings_of(coop, person).await? {
            use coopkit_market::BookingState as S;
            if matches!(booking.facts.state, S::Declined) {
                continue;
            }
            let (other, role) = if booking.requester == person {
                (booking.provider, "provider")
            } else {
                (booking.requester, "requester")
            };
            events.push(Event {
                uid: format!("booking-{}@{}", booking.id, coop),
                start: booking.facts.window.start,
                end: booking.facts.window.end,
                summary: format!(
                    "{} ({role}: {})",
                    booking.category,
                    self.name_of(other).await?
                ),
                description: booking.notes.clone(),
                cancelled: matches!(booking.facts.state, S::Cancelled | S::Refunded),
            });
        }
        let zone = self
            .store
            .coop_by_id(coop)
            .await?
            .map(|coop| coop.settings.time_zone)
            .unwrap_or_default();
        Ok(feed(&coop_name, &zone, &events, self.clock.now()))
    }
}

/// A provider as the matching engine reads them, or none without an area
/// they serve: their balance and cap in the currency of their first
/// service, and their bookings and days away (whole days in the co-op's
/// `zone`) as busy windows.
fn matching_provider(
    profile: ProviderProfile,
    zone: &Zone,
    accounts: &[AccountView],
    busy: &mut HashMap<PersonId, Vec<Window>>,
) -> Option<Provider> {
    let area = profile.area?;
    let currency = profile.services.first().map(|s| s.currency.clone());
    let account = accounts.iter().find(|v| {
        Some(&v.account.currency) == currency.as_ref()
            && v.account.owner == AccountOwner::Member(profile.person)
    });
    let balance = account.map_or(0, |v| {
        i64::try_from(v.balances.balance()).unwrap_or(i64::MAX)
    });
    let balance_cap = account.and_then(|v| match v.account.balance_cap {
        Limit::Unlimited => None,
        Limit::AtMost(cap) => Some(i64::try_from(cap).unwrap_or(i64::MAX)),
    });
    let days_off = profile
        .days_off
        .iter()
        .filter_map(|day| Window::new(*day, zone.on_same_day(*day, 24 * 60)).ok());
    Some(Provider {
        person: profile.person,
        categories: profile
            .services
            .iter()
            .map(|s| s.category.clone())
            .collect(),
        slots: profile.slots,
        busy: busy
            .remove(&profile.person)
            .unwrap_or_default()
            .into_iter()
            .chain(days_off)
            .collect(),
        place: area.place,
        radius_m: area.radius_m,
        languages: profile.languages,
        balance,
        balance_cap,
    })
}
