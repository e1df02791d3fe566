//! Bookings: asking a provider for their time, the provider's answer, the
//! hold on the requester's tokens or money, completion, disputes and
//! feedback. `coopkit-market` decides each step; here the step is stored
//! first, then carried out in the ledger (ids derived from the booking, so
//! doing it twice does it once), and [`App::market_tick`] finishes any
//! ledger effect a crash interrupted.

use coopkit_domain::{PersonId, Role, Timestamp};
use coopkit_ledger::{AccountOwner, Applied, HoldStatus, Refusal as LedgerRefusal, TransferId};
use coopkit_market::booking::step;
use coopkit_market::{
    availability, Action, BookingId, BookingState, Effect, Party, Payment, Window,
};
use coopkit_store::{Booking, Coop, Feedback, NewBooking, Person, Stepped};

use crate::ledger::{Instruction, Payment as LedgerPayment};
use crate::{App, AppError, Result};

/// How far back [`App::market_tick`] looks for steps whose ledger effect a
/// crash may have cut short.
const RECONCILE_WINDOW_MS: i64 = 7 * 24 * 60 * 60 * 1000;

#[derive(Clone, Debug)]
pub struct BookForm {
    pub provider: PersonId,
    pub category: String,
    pub window: Window,
    pub payment: Payment,
    pub notes: String,
}

/// A booking with the names a page shows and the caller's side of it.
#[derive(Clone, Debug)]
pub struct BookingView {
    pub booking: Booking,
    pub requester_name: String,
    pub provider_name: String,
    pub party: Party,
    pub feedback: Option<Feedback>,
}

#[derive(Clone, Debug)]
pub struct FeedbackForm {
    pub went_well: String,
    pub could_be_better: String,
    pub would_book_again: bool,
}

/// The most bookings one series makes: a school term of weeks.
const SERIES_MAX: u8 = 12;

/// What one run of [`App::market_tick`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MarketTick {
    /// Bookings settled because their time had passed undisputed.
    pub completed: usize,
    /// Ledger effects carried out that a crash had cut short.
    pub repaired: usize,
}

fn effect_id(booking: &Booking, effect: &str) -> TransferId {
    TransferId::derived(&format!(
        "coopkit-booking|{}|{}|{effect}",
        booking.coop, booking.id
    ))
}

fn refused(refusal: coopkit_market::Refusal) -> AppError {
    AppError::Conflict {
        field: "booking",
        code: refusal.code(),
    }
}

impl App {
    /// Asks a provider for their time. Refused, with nothing written, when
    /// the window is in the past, outside the provider's week, on top of
    /// one of their confirmed bookings, or beyond what the requester can
    /// pay under their debit limit.
    pub async fn book(&self, actor: &Person, slug: &str, form: BookForm) -> Result<Booking> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        self.place_booking(&coop, actor, form).await
    }

    /// Books the same time with the same provider `times` times, every
    /// `every_weeks` weeks (1 or 2): each a booking of its own, which the
    /// provider accepts or declines. Every date is checked before any is
    /// written, so a clash on the third leaves none behind.
    pub async fn book_series(
        &self,
        actor: &Person,
        slug: &str,
        form: BookForm,
        every_weeks: u8,
        times: u8,
    ) -> Result<Vec<Booking>> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        if !(1..=2).contains(&every_weeks) {
            return Err(AppError::invalid("repeat", "repeat-range"));
        }
        if !(2..=SERIES_MAX).contains(&times) {
            return Err(AppError::invalid("times", "times-range"));
        }
        let week = 7 * 24 * 60 * 60 * 1000 * i64::from(every_weeks);
        let mut checked = Vec::with_capacity(usize::from(times));
        for n in 0..i64::from(times) {
            let window = Window::new(
                form.window.start.plus_millis(n * week),
                form.window.end.plus_millis(n * week),
            )
            .map_err(refused)?;
            let one = BookForm {
                window,
                notes: format!("{} ({}/{times})", form.notes.trim(), n + 1)
                    .trim()
                    .to_owned(),
                ..form.clone()
            };
            checked.push(self.check_booking(&coop, actor, one).await?);
        }
        let mut bookings = Vec::with_capacity(checked.len());
        for new in checked {
            bookings.push(self.create_booking(&coop, new).await?);
        }
        Ok(bookings)
    }

    /// Records a requested booking for `actor` after every check.
    pub(super) async fn place_booking(
        &self,
        coop: &Coop,
        actor: &Person,
        form: BookForm,
    ) -> Result<Booking> {
        let new = self.check_booking(coop, actor, form).await?;
        self.create_booking(coop, new).await
    }

    async fn create_booking(&self, coop: &Coop, new: NewBooking) -> Result<Booking> {
        let hold =
            |id: BookingId| TransferId::derived(&format!("coopkit-booking|{}|{id}|hold", coop.id));
        Ok(self
            .store
            .create_booking(&new, hold, new.requester, self.clock.now())
            .await?)
    }

    /// Every check a booking must pass, without writing anything.
    async fn check_booking(
        &self,
        coop: &Coop,
        actor: &Person,
        form: BookForm,
    ) -> Result<NewBooking> {
        if form.provider == actor.id {
            return Err(refused(coopkit_market::Refusal::OwnBooking));
        }
        let provider_active = self
            .store
            .membership(coop.id, form.provider)
            .await?
            .is_some_and(|m| m.status.is_active());
        let profile = match self.store.provider(coop.id, form.provider).await? {
            Some(profile) if provider_active => profile,
            _ => return Err(AppError::NotFound("provider")),
        };
        let service = profile
            .services
            .iter()
            .find(|s| s.category == form.category)
            .ok_or_else(|| AppError::invalid("category", "category-not-offered"))?;
        if form.window.start.as_millis() <= self.clock.now().as_millis() {
            return Err(refused(coopkit_market::Refusal::StartsInPast));
        }
        let zone = &coop.settings.time_zone;
        if !availability::available(&profile.slots, &profile.days_off, zone, form.window) {
            return Err(refused(coopkit_market::Refusal::OutsideAvailability));
        }
        if !self
            .store
            .overlapping_bookings(coop.id, form.provider, form.window)
            .await?
            .is_empty()
        {
            return Err(refused(coopkit_market::Refusal::Overlaps));
        }
        let amount = service.price.for_window(form.window).map_err(refused)?;
        if form.payment == Payment::Ledger {
            self.check_means(coop, actor, &service.currency, amount)
                .await?;
        }
        if form.notes.len() > 1000 {
            return Err(AppError::invalid("notes", "too-long"));
        }
        Ok(NewBooking {
            coop: coop.id,
            requester: actor.id,
            provider: form.provider,
            category: form.category,
            currency: service.currency.clone(),
            amount,
            payment: form.payment,
            window: form.window,
            notes: form.notes.trim().to_owned(),
        })
    }

    /// Refuses a booking the requester could not pay for now: their
    /// available balance less the amount must stay within their limit.
    async fn check_means(
        &self,
        coop: &Coop,
        actor: &Person,
        currency: &coopkit_ledger::CurrencyCode,
        amount: u64,
    ) -> Result<()> {
        let accounts = self.ledger.accounts(coop.id).await?;
        let mine = accounts.iter().find(|v| {
            v.account.currency == *currency && v.account.owner == AccountOwner::Member(actor.id)
        });
        let (available, limit) = match mine {
            Some(v) => (v.balances.available(), v.account.debit_limit),
            None => {
                let defaults = self.coop_currency(coop, currency).await?;
                let limit = defaults.default_debit_limit.map_or(
                    coopkit_ledger::Limit::Unlimited,
                    coopkit_ledger::Limit::AtMost,
                );
                (0, limit)
            }
        };
        if let coopkit_ledger::Limit::AtMost(limit) = limit {
            if available - i128::from(amount) < -i128::from(limit) {
                return Err(AppError::Conflict {
                    field: "booking",
                    code: LedgerRefusal::ExceedsDebitLimit.code(),
                });
            }
        }
        Ok(())
    }

    /// One booking, for its two sides and the co-op's coordinators.
    pub async fn booking(&self, actor: &Person, slug: &str, id: BookingId) -> Result<BookingView> {
        let (coop, booking, party) = self.booking_of(actor, slug, id).await?;
        self.view(&coop, booking, party).await
    }

    /// The booking and the caller's side of it. A coordinator who is a
    /// side of the booking acts as that side: they cannot resolve a
    /// dispute about their own booking.
    async fn booking_of(
        &self,
        actor: &Person,
        slug: &str,
        id: BookingId,
    ) -> Result<(Coop, Booking, Party)> {
        let coop = self.coop(slug).await?;
        let role = self.require_role(&coop, actor, Role::Member).await?.role;
        let booking = self
            .store
            .booking(coop.id, id)
            .await?
            .ok_or(AppError::NotFound("booking"))?;
        let party = party_of(&booking, actor, role).ok_or(AppError::NotFound("booking"))?;
        Ok((coop, booking, party))
    }

    async fn view(&self, coop: &Coop, booking: Booking, party: Party) -> Result<BookingView> {
        Ok(BookingView {
            requester_name: self.name_of(booking.requester).await?,
            provider_name: self.name_of(booking.provider).await?,
            feedback: self.store.feedback(coop.id, booking.id).await?,
            party,
            booking,
        })
    }

    /// The caller's bookings in the co-op, as requester and as provider,
    /// latest first.
    pub async fn my_bookings(&self, actor: &Person, slug: &str) -> Result<Vec<BookingView>> {
        let coop = self.coop(slug).await?;
        let role = self.require_role(&coop, actor, Role::Member).await?.role;
        let mut views = Vec::new();
        for booking in self.store.bookings_of(coop.id, actor.id).await? {
            if let Some(party) = party_of(&booking, actor, role) {
                views.push(self.view(&coop, booking, party).await?);
            }
        }
        Ok(views)
    }

    /// Takes a step on a booking as the caller: accept, decline, cancel,
    /// mark done, dispute, or (coordinators) resolve a dispute.
    pub async fn act_on_booking(
        &self,
        actor: &Person,
        slug: &str,
        id: BookingId,
        action: Action,
    ) -> Result<BookingView> {
        let (coop, booking, party) = self.booking_of(actor, slug, id).await?;
        let booking = self
            .take_step(booking, party, Some(actor.id), action)
            .await?;
        self.view(&coop, booking, party).await
    }

    /// Decides, stores, then carries out a step, taken by `by` (`None`:
    /// the server's clock). A hold the ledger refuses (the requester spent
    /// their credit since booking) undoes the step.
    pub(super) async fn take_step(
        &self,
        booking: Booking,
        party: Party,
        by: Option<PersonId>,
        action: Action,
    ) -> Result<Booking> {
        let now = self.clock.now();
        let next = step(booking.facts, party, action, now).map_err(refused)?;
        match self
            .store
            .step_booking(&booking, &next.facts, by, now)
            .await?
        {
            Stepped::Done => {}
            Stepped::Stale => {
                return Err(AppError::Conflict {
                    field: "booking",
                    code: "booking-changed",
                })
            }
            Stepped::Overlaps => return Err(refused(coopkit_market::Refusal::Overlaps)),
        }
        let stepped = Booking {
            facts: next.facts,
            updated_at: now,
            ..booking.clone()
        };
        if let Err(refusal) = self.carry_out(&stepped, next.effect).await? {
            // Put the booking back as it was; the refusal says why.
            self.store
                .step_booking(&stepped, &booking.facts, by, now)
                .await?;
            return Err(AppError::Conflict {
                field: "booking",
                code: refusal.code(),
            });
        }
        Ok(stepped)
    }

    /// The ledger side of a step. `Ok(Err(_))` is the ledger's refusal.
    async fn carry_out(
        &self,
        booking: &Booking,
        effect: Effect,
    ) -> Result<std::result::Result<(), LedgerRefusal>> {
        let instruction = match effect {
            Effect::None => return Ok(Ok(())),
            Effect::PlaceHold => Instruction::Pay(LedgerPayment {
                id: booking.hold_id,
                currency: booking.currency.clone(),
                from: AccountOwner::Member(booking.requester),
                to: AccountOwner::Member(booking.provider),
                amount: booking.amount,
                hold: Some(None),
                linked: false,
                memo: format!("booking {}", booking.id),
                cause: format!("booking:{}", booking.id),
            }),
            Effect::PostHold => Instruction::Post {
                id: effect_id(booking, "post"),
                pending: booking.hold_id,
                amount: None,
            },
            Effect::VoidHold => Instruction::Void {
                id: effect_id(booking, "void"),
                pending: booking.hold_id,
            },
        };
        let result = self
            .ledger
            .submit(booking.coop, vec![instruction])
            .await?
            .pop()
            .ok_or(AppError::internal("the ledger answered an empty batch"))?;
        Ok(match result {
            Ok(Applied::New | Applied::Replayed) => Ok(()),
            // Posting or voiding what is already so: done before.
            Err(LedgerRefusal::PendingAlreadyPosted) if effect == Effect::PostHold => Ok(()),
            Err(LedgerRefusal::PendingAlreadyVoided) if effect == Effect::VoidHold => Ok(()),
            Err(refusal) => Err(refusal),
        })
    }

    /// Settles confirmed bookings whose time passed undisputed, and
    /// finishes any ledger effect a crash cut short, so the ledger agrees
    /// with every booking's state. Run every minute by the server.
    pub async fn market_tick(&self) -> Result<MarketTick> {
        let now = self.clock.now();
        let mut report = MarketTick::default();
        let since = Timestamp(now.as_millis() - RECONCILE_WINDOW_MS);
        for booking in self.store.bookings_to_reconcile(since).await? {
            if booking.facts.payment == Payment::Cash {
                if step(booking.facts, Party::Clock, Action::AutoComplete, now).is_ok() {
                    self.take_step(booking, Party::Clock, None, Action::AutoComplete)
                        .await?;
                    report.completed += 1;
                }
                continue;
            }
            let hold = self
                .ledger
                .transfer(booking.coop, booking.hold_id)
                .await?
                .and_then(|t| t.hold);
            let wanted = match (booking.facts.state, hold) {
                (BookingState::Confirmed | BookingState::Disputed, None) => Some(Effect::PlaceHold),
                (BookingState::Settled, Some(HoldStatus::Open)) => Some(Effect::PostHold),
                (
                    BookingState::Requested
                    | BookingState::Declined
                    | BookingState::Cancelled
                    | BookingState::Refunded,
                    Some(HoldStatus::Open),
                ) => Some(Effect::VoidHold),
                _ => None,
            };
            if let Some(effect) = wanted {
                if let Err(refusal) = self.carry_out(&booking, effect).await? {
                    tracing::warn!(booking = %booking.id, %refusal, "could not repair a booking's hold");
                } else {
                    report.repaired += 1;
                }
                continue;
            }
            if step(booking.facts, Party::Clock, Action::AutoComplete, now).is_ok() {
                match self
                    .take_step(booking, Party::Clock, None, Action::AutoComplete)
                    .await
                {
                    Ok(_) => report.completed += 1,
                    Err(error) => tracing::warn!(%error, "could not complete a booking"),
                }
            }
        }
        Ok(report)
    }

    /// The requester's feedback on a settled booking, once.
    pub async fn leave_feedback(
        &self,
        actor: &Person,
        slug: &str,
        id: BookingId,
        form: FeedbackForm,
    ) -> Result<BookingView> {
        let view = self.booking(actor, slug, id).await?;
        if view.party != Party::Requester {
            return Err(AppError::Forbidden("requester-reviews"));
        }
        if view.booking.facts.state != BookingState::Settled {
            return Err(AppError::Conflict {
                field: "booking",
                code: "booking-not-completed",
            });
        }
        let mut errors = coopkit_domain::validation::Collector::new();
        for (field, text) in [
            ("went_well", &form.went_well),
            ("could_be_better", &form.could_be_better),
        ] {
            if text.chars().count() > 2000 {
                errors.push(field, "too-long");
            }
        }
        if form.went_well.trim().is_empty() {
            errors.push("went_well", "required");
        }
        errors.finish()?;
        self.store
            .add_feedback(
                view.booking.coop,
                &Feedback {
                    booking: id,
                    went_well: form.went_well.trim().to_owned(),
                    could_be_better: form.could_be_better.trim().to_owned(),
                    would_book_again: form.would_book_again,
                    answer: String::new(),
                    created_at: self.clock.now(),
                },
                actor.id,
            )
            .await?;
        self.booking(actor, slug, id).await
    }

    /// The provider's answer to the feedback on their booking.
    pub async fn answer_feedback(
        &self,
        actor: &Person,
        slug: &str,
        id: BookingId,
        answer: &str,
    ) -> Result<BookingView> {
        let view = self.booking(actor, slug, id).await?;
        if view.party != Party::Provider {
            return Err(AppError::Forbidden("provider-answers"));
        }
        if answer.chars().count() > 2000 {
            return Err(AppError::invalid("answer", "too-long"));
        }
        let answered = self
            .store
            .answer_feedback(
                view.booking.coop,
                id,
                answer.trim(),
                actor.id,
                self.clock.now(),
            )
            .await?;
        if !answered {
            return Err(AppError::NotFound("feedback"));
        }
        self.booking(actor, slug, id).await
    }
}

/// The caller's side of a booking; `None` for a member who is neither side
/// nor a coordinator, to whom the booking does not exist.
fn party_of(booking: &Booking, actor: &Person, role: Role) -> Option<Party> {
    if booking.requester == actor.id {
        Some(Party::Requester)
    } else if booking.provider == actor.id {
        Some(Party::Provider)
    } else if role.can_decide_applications() {
        Some(Party::Coordinator)
    } else {
        None
    }
}

/// One month of a provider's settled work.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MonthOfWork {
    /// `YYYY-MM`.
    pub month: String,
    pub minutes: u64,
    /// Earned per currency code, in minor units, through the ledger.
    pub earned: Vec<(String, u64)>,
    /// Earned per currency code in cash, recorded but outside the ledger.
    pub cash: Vec<(String, u64)>,
}

/// What a provider's dashboard shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProviderDashboard {
    /// Oldest month first.
    pub months: Vec<MonthOfWork>,
    /// Clients who booked more than once: (name, settled bookings).
    pub repeat_clients: Vec<(String, u32)>,
}

fn add_to(totals: &mut Vec<(String, u64)>, currency: &str, amount: u64) {
    match totals.iter_mut().find(|(c, _)| c == currency) {
        Some((_, total)) => *total = total.saturating_add(amount),
        None => totals.push((currency.to_owned(), amount)),
    }
}

impl App {
    /// The caller's work as a provider in the co-op: settled bookings by
    /// the month they started, and the clients who came back.
    pub async fn provider_dashboard(
        &self,
        actor: &Person,
        slug: &str,
    ) -> Result<ProviderDashboard> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        let mut months: Vec<MonthOfWork> = Vec::new();
        let mut clients: std::collections::BTreeMap<PersonId, u32> = Default::default();
        let mut bookings = self.store.bookings_of(coop.id, actor.id).await?;
        bookings.retain(|b| b.provider == actor.id && b.facts.state == BookingState::Settled);
        bookings.sort_by_key(|b| b.facts.window.start);
        for booking in bookings {
            let month = coop.settings.time_zone.date(booking.facts.window.start)[..7].to_owned();
            if months.last().is_none_or(|m| m.month != month) {
                months.push(MonthOfWork {
                    month,
                    ..MonthOfWork::default()
                });
            }
            if let Some(row) = months.last_mut() {
                row.minutes += booking.facts.window.minutes();
                let totals = match booking.facts.payment {
                    Payment::Ledger => &mut row.earned,
                    Payment::Cash => &mut row.cash,
                };
                add_to(totals, booking.currency.as_str(), booking.amount);
            }
            *clients.entry(booking.requester).or_default() += 1;
        }
        let mut repeat_clients = Vec::new();
        for (client, count) in clients.into_iter().filter(|(_, n)| *n > 1) {
            repeat_clients.push((self.name_of(client).await?, count));
        }
        repeat_clients.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(ProviderDashboard {
            months,
            repeat_clients,
        })
    }
}
