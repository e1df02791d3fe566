//! The life of bookings through the use cases, with the ledger, on each
//! backend: every step, every refusal, and no hold left behind.

use std::sync::Arc;

use coopkit_app::market::{BookForm, FeedbackForm, ProfileForm, SearchQuery, ServiceForm};
use coopkit_app::{App, AppConfig, AppError};
use coopkit_domain::{CoopSettings, ManualClock, Timestamp};
use coopkit_ledger::{CurrencyCode, HoldStatus, Limit};
use coopkit_market::availability::weekday;
use coopkit_market::{Action, BookingState, Payment, WeeklySlot, Window};
use coopkit_store::{Booking, Currency, CurrencyKind, Person, Stepped};
use coopkit_testkit::{each_backend, Backend, TestDb, TEST_START};

use crate::support::{coop_with, load, person};

pub(crate) const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

/// Midnight starting the first Friday after `now`.
pub(crate) fn next_friday(now: Timestamp) -> Timestamp {
    let midnight = now.as_millis() - now.as_millis().rem_euclid(DAY);
    let mut day = Timestamp(midnight + DAY);
    while weekday(&coopkit_domain::Zone::utc(), day) != 4 {
        day = day.plus_millis(DAY);
    }
    day
}

pub(crate) fn evening(friday: Timestamp, week: i64, from: i64, to: i64) -> Window {
    let day = friday.plus_millis(week * 7 * DAY);
    Window::new(day.plus_millis(from * HOUR), day.plus_millis(to * HOUR)).unwrap()
}

pub(crate) fn book(provider: &Person, window: Window) -> BookForm {
    BookForm {
        provider: provider.id,
        category: "babysitting".into(),
        window,
        payment: Payment::Ledger,
        notes: "two children, asleep by eight".into(),
    }
}

pub(crate) fn code(error: AppError) -> &'static str {
    match error {
        AppError::Conflict { code, .. } => code,
        AppError::Invalid(invalid) => invalid.0[0].code,
        AppError::Forbidden(code) => code,
        AppError::NotFound(_) => "not-found",
        other => panic!("unexpected {other:?}"),
    }
}

pub(crate) struct Sitters {
    pub app: App,
    pub clock: ManualClock,
    pub admin: Person,
    pub ana: Person,
    pub ben: Person,
    pub carol: Person,
}

impl Sitters {
    pub(crate) async fn hold(&self, booking: &Booking) -> Option<HoldStatus> {
        self.app
            .transfer_view(&self.admin, "sitters", booking.hold_id)
            .await
            .ok()
            .and_then(|t| t.hold)
    }

    pub(crate) async fn balance(&self, who: &Person) -> (i128, i128) {
        self.app
            .my_holdings(who, "sitters")
            .await
            .unwrap()
            .first()
            .map_or((0, 0), |h| {
                (h.view.balances.balance(), h.view.balances.available())
            })
    }

    pub(crate) async fn act(
        &self,
        who: &Person,
        booking: &Booking,
        action: Action,
    ) -> Result<Booking, AppError> {
        self.app
            .act_on_booking(who, "sitters", booking.id, action)
            .await
            .map(|view| view.booking)
    }
}

pub(crate) async fn sitters(db: &TestDb) -> Sitters {
    let store = db.store.clone();
    let ids = [
        person(&store, "admin").await,
        person(&store, "ana").await,
        person(&store, "ben").await,
        person(&store, "carol").await,
    ];
    let coop = coop_with(
        &store,
        "sitters",
        CoopSettings::default(),
        ids[0],
        &ids[1..],
    )
    .await;
    store
        .create_currency(
            coop,
            &Currency {
                code: CurrencyCode::parse("HALFHOUR").unwrap(),
                name: "Half hour".into(),
                kind: CurrencyKind::Time,
                scale: 0,
                default_debit_limit: Some(10),
                default_balance_cap: None,
                policy: Default::default(),
            },
            None,
            coopkit_domain::Timestamp(0),
        )
        .await
        .unwrap();
    let clock = ManualClock::at(TEST_START);
    let app = App::new(store.clone(), Arc::new(clock.clone()), AppConfig::default());
    let [admin, ana, ben, carol] = [
        load(&store, ids[0]).await,
        load(&store, ids[1]).await,
        load(&store, ids[2]).await,
        load(&store, ids[3]).await,
    ];
    app.set_categories(
        &admin,
        "sitters",
        &[("babysitting".into(), "Babysitting".into())],
    )
    .await
    .unwrap();
    // Ben sits on Friday evenings into the small hours, one token a half hour.
    app.save_profile(
        &ben,
        "sitters",
        ProfileForm {
            bio: "Retired teacher, loves board games".into(),
            languages: "en, es".into(),
            services: vec![ServiceForm {
                category: "babysitting".into(),
                currency: "HALFHOUR".into(),
                price: 1,
                unit_minutes: 30,
            }],
            slots: vec![
                WeeklySlot::new(4, 18 * 60, 24 * 60).unwrap(),
                WeeklySlot::new(5, 0, 2 * 60).unwrap(),
            ],
            area: None,
            days_off: Vec::new(),
        },
    )
    .await
    .unwrap();
    Sitters {
        app,
        clock,
        admin,
        ana,
        ben,
        carol,
    }
}

each_backend! {
    async fn a_sitting_is_booked_held_completed_paid_and_reviewed(backend: Backend) {
        let db = TestDb::new(backend).await;
        let s = sitters(&db).await;
        let friday = next_friday(TEST_START);

        // Search finds Ben by word, language and free time.
        let found = |words: &str, language: &str, window| SearchQuery {
            words: words.into(),
            category: "babysitting".into(),
            language: language.into(),
            available: window,
            ..SearchQuery::default()
        };
        let hits = s
            .app
            .market_page(
                &s.ana,
                "sitters",
                &found("board", "es", Some(evening(friday, 0, 19, 23))),
            )
            .await
            .unwrap()
            .cards;
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].listing.display_name, "ben");
        for query in [
            found("chess", "", None),
            found("", "fr", None),
            found("", "", Some(evening(friday, 0, 10, 12))),
        ] {
            assert!(s
                .app
                .market_page(&s.ana, "sitters", &query)
                .await
                .unwrap()
                .cards
                .is_empty());
        }

        // Ana books Friday 19:00 to 23:00: 8 half hours.
        let booking = s
            .app
            .book(&s.ana, "sitters", book(&s.ben, evening(friday, 0, 19, 23)))
            .await
            .unwrap();
        assert_eq!(
            (booking.amount, booking.facts.state),
            (8, BookingState::Requested)
        );
        assert_eq!(
            s.hold(&booking).await,
            None,
            "nothing is held before the provider says yes"
        );

        // Carol asks for the same evening; Ben says yes to Ana first.
        let clash = s
            .app
            .book(
                &s.carol,
                "sitters",
                book(&s.ben, evening(friday, 0, 20, 22)),
            )
            .await
            .unwrap();
        assert_eq!(
            code(s.act(&s.ana, &booking, Action::Accept).await.unwrap_err()),
            "booking-not-your-turn",
            "only the provider accepts"
        );
        let confirmed = s.act(&s.ben, &booking, Action::Accept).await.unwrap();
        assert_eq!(confirmed.facts.state, BookingState::Confirmed);
        assert_eq!(s.hold(&booking).await, Some(HoldStatus::Open));
        assert_eq!(s.balance(&s.ana).await, (0, -8), "held, not yet paid");
        assert_eq!(
            code(s.act(&s.ben, &clash, Action::Accept).await.unwrap_err()),
            "booking-overlaps"
        );
        assert_eq!(
            s.hold(&clash).await,
            None,
            "a refused acceptance leaves no hold"
        );
        assert_eq!(
            code(
                s.app
                    .book(
                        &s.carol,
                        "sitters",
                        book(&s.ben, evening(friday, 0, 22, 24))
                    )
                    .await
                    .unwrap_err()
            ),
            "booking-overlaps"
        );
        // Too early to mark done; accepting twice makes no sense.
        assert_eq!(
            code(s.act(&s.ben, &confirmed, Action::Accept).await.unwrap_err()),
            "booking-wrong-state"
        );
        assert_eq!(
            code(
                s.act(&s.ana, &confirmed, Action::MarkDone)
                    .await
                    .unwrap_err()
            ),
            "booking-not-started"
        );
        assert_eq!(
            code(s.act(&s.ana, &clash, Action::Accept).await.unwrap_err()),
            "not-found",
            "not Ana's booking"
        );

        // The evening passes; both say it happened; the tokens move.
        s.clock
            .advance_ms(confirmed.facts.window.end.as_millis() - TEST_START.as_millis() + HOUR);
        let half = s.act(&s.ana, &confirmed, Action::MarkDone).await.unwrap();
        assert_eq!(half.facts.state, BookingState::Confirmed);
        let settled = s.act(&s.ben, &half, Action::MarkDone).await.unwrap();
        assert_eq!(settled.facts.state, BookingState::Settled);
        assert_eq!(s.hold(&booking).await, Some(HoldStatus::Posted));
        assert_eq!(
            (s.balance(&s.ana).await.0, s.balance(&s.ben).await.0),
            (-8, 8)
        );

        // Ana says how it went, once; Ben answers; only Ana may review.
        let review = FeedbackForm {
            went_well: "The kids loved the games".into(),
            could_be_better: "A note on bedtime".into(),
            would_book_again: true,
        };
        assert_eq!(
            code(
                s.app
                    .leave_feedback(&s.ben, "sitters", booking.id, review.clone())
                    .await
                    .unwrap_err()
            ),
            "requester-reviews"
        );
        s.app
            .leave_feedback(&s.ana, "sitters", booking.id, review.clone())
            .await
            .unwrap();
        assert_eq!(
            code(
                s.app
                    .leave_feedback(&s.ana, "sitters", booking.id, review.clone())
                    .await
                    .unwrap_err()
            ),
            "feedback-given"
        );
        let answered = s
            .app
            .answer_feedback(&s.ben, "sitters", booking.id, "Thank you!")
            .await
            .unwrap();
        assert_eq!(answered.feedback.unwrap().answer, "Thank you!");
        let cards = s
            .app
            .market_page(&s.carol, "sitters", &SearchQuery::default())
            .await
            .unwrap()
            .cards;
        let summary = cards[0].summary;
        assert_eq!(
            (summary.reviews, summary.would_book_again),
            (1, 1),
            "search shows it too"
        );
        // Ana has had one settled sitting with Ben; Carol none.
        let booked_before = |cards: &[coopkit_app::market::ProviderCard]| {
            cards
                .iter()
                .find(|c| c.listing.profile.person == s.ben.id)
                .map(|c| c.booked_before)
        };
        assert_eq!(booked_before(&cards), Some(0));
        let anas = s
            .app
            .market_page(&s.ana, "sitters", &SearchQuery::default())
            .await
            .unwrap()
            .cards;
        assert_eq!(booked_before(&anas), Some(1));
        let dashboard = s.app.provider_dashboard(&s.ben, "sitters").await.unwrap();
        assert_eq!(dashboard.months.len(), 1);
        assert_eq!(dashboard.months[0].minutes, 240);
        assert_eq!(dashboard.months[0].earned, vec![("HALFHOUR".to_owned(), 8)]);
        assert!(dashboard.repeat_clients.is_empty(), "Ana booked once");
        let page = s
            .app
            .provider_page(&s.carol, "sitters", s.ben.id)
            .await
            .unwrap();
        assert_eq!(
            (page.summary.reviews, page.summary.would_book_again),
            (1, 1)
        );
        // Carol's request was never accepted: no review for what never happened.
        assert_eq!(
            code(
                s.app
                    .leave_feedback(&s.carol, "sitters", clash.id, review)
                    .await
                    .unwrap_err()
            ),
            "booking-not-completed"
        );
    }
}

each_backend! {
    async fn every_refusal_names_its_reason_and_leaves_nothing_held(backend: Backend) {
        let db = TestDb::new(backend).await;
        let s = sitters(&db).await;
        let friday = next_friday(TEST_START);
        let refusal = |form| async { code(s.app.book(&s.ana, "sitters", form).await.unwrap_err()) };
        assert_eq!(
            refusal(book(&s.ana, evening(friday, 0, 19, 20))).await,
            "booking-own"
        );
        assert_eq!(
            refusal(book(&s.ben, evening(friday, 0, 16, 19))).await,
            "booking-outside-availability"
        );
        assert_eq!(
            refusal(book(&s.ben, evening(friday, -1, 19, 20))).await,
            "booking-in-past"
        );
        let mut other = book(&s.ben, evening(friday, 0, 19, 20));
        other.category = "cleaning".into();
        assert_eq!(refusal(other).await, "category-not-offered");
        // Eight hours is 16 tokens: past Ana's credit line of 10.
        assert_eq!(
            refusal(book(&s.ben, evening(friday, 0, 18, 26))).await,
            "exceeds-debit-limit"
        );
        assert!(
            s.app
                .my_bookings(&s.ana, "sitters")
                .await
                .unwrap()
                .is_empty(),
            "nothing was written"
        );

        // Booked within her means, but she spends the credit before Ben
        // says yes: the acceptance is refused and the booking waits.
        let booking = s
            .app
            .book(&s.ana, "sitters", book(&s.ben, evening(friday, 0, 19, 23)))
            .await
            .unwrap();
        s.app
            .set_limits(
                &s.admin,
                "sitters",
                s.ana.id,
                "HALFHOUR",
                Limit::AtMost(4),
                Limit::Unlimited,
            )
            .await
            .unwrap();
        assert_eq!(
            code(s.act(&s.ben, &booking, Action::Accept).await.unwrap_err()),
            "exceeds-debit-limit"
        );
        let after = s
            .app
            .booking(&s.ana, "sitters", booking.id)
            .await
            .unwrap()
            .booking;
        assert_eq!(after.facts.state, BookingState::Requested);
        assert_eq!(s.hold(&booking).await, None);

        // Ben takes the next Friday off: it can no longer be booked.
        let mut profile = s.app.my_profile(&s.ben, "sitters").await.unwrap().unwrap();
        let next_week = evening(friday, 1, 19, 20);
        profile.days_off = vec![next_week.start];
        s.app
            .save_profile(
                &s.ben,
                "sitters",
                ProfileForm {
                    bio: profile.bio,
                    languages: profile.languages.join(","),
                    services: vec![ServiceForm {
                        category: "babysitting".into(),
                        currency: "HALFHOUR".into(),
                        price: 1,
                        unit_minutes: 30,
                    }],
                    slots: profile.slots,
                    area: None,
                    days_off: profile.days_off,
                },
            )
            .await
            .unwrap();
        assert_eq!(
            refusal(book(&s.ben, next_week)).await,
            "booking-outside-availability"
        );
        assert!(s
            .app
            .book(
                &s.carol,
                "sitters",
                book(&s.ben, evening(friday, 2, 19, 20))
            )
            .await
            .is_ok());
    }
}

each_backend! {
    async fn cancellations_disputes_silence_and_crashes_all_end_with_the_ledger_in_step(backend: Backend) {
        let db = TestDb::new(backend).await;
        let s = sitters(&db).await;
        let friday = next_friday(TEST_START);
        let s = &s;
        let accepted = |week| async move {
            let b = s
                .app
                .book(
                    &s.ana,
                    "sitters",
                    book(&s.ben, evening(friday, week, 19, 20)),
                )
                .await
                .unwrap();
            s.act(&s.ben, &b, Action::Accept).await.unwrap()
        };

        // Cancelled before the start: the hold is released.
        let cancelled = s
            .act(&s.ana, &accepted(0).await, Action::Cancel)
            .await
            .unwrap();
        assert_eq!(cancelled.facts.state, BookingState::Cancelled);
        assert_eq!(s.hold(&cancelled).await, Some(HoldStatus::Voided));
        assert_eq!(s.balance(&s.ana).await, (0, 0));

        let disputed = accepted(1).await;
        let silent = accepted(2).await;
        let crashed = accepted(3).await;
        // Four weeks on, every evening has passed.
        s.clock.advance_ms(30 * DAY);
        let disputed = s.act(&s.ana, &disputed, Action::Dispute).await.unwrap();
        assert_eq!(
            code(
                s.act(&s.ben, &disputed, Action::Resolve { pay: true })
                    .await
                    .unwrap_err()
            ),
            "booking-not-your-turn"
        );
        let refunded = s
            .act(&s.admin, &disputed, Action::Resolve { pay: false })
            .await
            .unwrap();
        assert_eq!(refunded.facts.state, BookingState::Refunded);
        assert_eq!(s.hold(&refunded).await, Some(HoldStatus::Voided));

        // A crash between storing "settled" and posting the hold.
        db.store
            .step_booking(
                &crashed,
                &coopkit_market::BookingFacts {
                    state: BookingState::Settled,
                    ..crashed.facts
                },
                None,
                s.clock_now(),
            )
            .await
            .map(|stepped| assert_eq!(stepped, Stepped::Done))
            .unwrap();
        assert_eq!(s.hold(&crashed).await, Some(HoldStatus::Open));

        // The tick settles the booking nobody disputed and repairs the crash.
        let tick = s.app.market_tick().await.unwrap();
        assert_eq!((tick.completed, tick.repaired), (1, 1));
        assert_eq!(s.hold(&silent).await, Some(HoldStatus::Posted));
        assert_eq!(s.hold(&crashed).await, Some(HoldStatus::Posted));
        assert_eq!(
            s.app.market_tick().await.unwrap(),
            Default::default(),
            "a second tick finds nothing to do"
        );
        assert_eq!(
            (s.balance(&s.ana).await.0, s.balance(&s.ben).await.0),
            (-4, 4)
        );
        let dashboard = s.app.provider_dashboard(&s.ben, "sitters").await.unwrap();
        let minutes: u64 = dashboard.months.iter().map(|m| m.minutes).sum();
        assert_eq!(
            minutes, 120,
            "the two settled evenings, not the cancelled or refunded"
        );
        assert_eq!(dashboard.repeat_clients, vec![("ana".to_owned(), 2)]);
    }
}

impl Sitters {
    fn clock_now(&self) -> Timestamp {
        use coopkit_domain::Clock;
        self.clock.now()
    }
}

each_backend! {
    async fn a_weekly_series_is_booked_whole_or_not_at_all(backend: Backend) {
        let db = TestDb::new(backend).await;
        let s = sitters(&db).await;
        let friday = next_friday(TEST_START);
        let series = s
            .app
            .book_series(
                &s.ana,
                "sitters",
                book(&s.ben, evening(friday, 0, 19, 20)),
                1,
                3,
            )
            .await
            .unwrap();
        let starts: Vec<i64> = series
            .iter()
            .map(|b| b.facts.window.start.as_millis())
            .collect();
        assert_eq!(starts[1] - starts[0], 7 * DAY);
        assert_eq!(starts[2] - starts[1], 7 * DAY);
        assert!(series[2].notes.ends_with("(3/3)"), "{}", series[2].notes);

        // Carol holds Ben's evening in three weeks: her fortnightly series
        // of three would clash on its second date, so none of it is made.
        let clash = s
            .app
            .book(
                &s.carol,
                "sitters",
                book(&s.ben, evening(friday, 3, 21, 22)),
            )
            .await
            .unwrap();
        s.act(&s.ben, &clash, Action::Accept).await.unwrap();
        let before = s.app.my_bookings(&s.carol, "sitters").await.unwrap().len();
        let refused = s
            .app
            .book_series(
                &s.carol,
                "sitters",
                book(&s.ben, evening(friday, 1, 21, 22)),
                2,
                3,
            )
            .await
            .unwrap_err();
        assert_eq!(code(refused), "booking-overlaps");
        assert_eq!(
            s.app.my_bookings(&s.carol, "sitters").await.unwrap().len(),
            before
        );
        for (every, times, field) in [
            (3, 3, "repeat-range"),
            (1, 13, "times-range"),
            (1, 1, "times-range"),
        ] {
            let error = s
                .app
                .book_series(
                    &s.carol,
                    "sitters",
                    book(&s.ben, evening(friday, 1, 21, 22)),
                    every,
                    times,
                )
                .await
                .unwrap_err();
            assert_eq!(code(error), field);
        }
    }
}
