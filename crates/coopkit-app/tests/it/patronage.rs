//! Closing a year: patronage from settled bookings, the members' vote,
//! and the ledger, on each backend.

use std::sync::Arc;

use coopkit_app::governance::VoteForm;
use coopkit_app::patronage::{CloseYearForm, PatronageSettings};
use coopkit_app::{App, AppConfig, AppError};
use coopkit_domain::Subject;
use coopkit_domain::{CoopId, CoopSettings, ManualClock, PersonId, Timestamp};
use coopkit_ledger::{AccountOwner, CoopAccount, CurrencyCode, TransferId};
use coopkit_market::{BookingFacts, BookingState, Payment, Window};
use coopkit_patronage::{Bylaws, ClassPool, LossRule, Measure};
use coopkit_store::{Currency, CurrencyKind, NewBooking, Store};
use coopkit_testkit::{each_backend, story, Backend, TestDb, TEST_START};

use crate::support::{coop_with, load, person};

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

async fn currency(store: &Store, coop: CoopId, code: &str, name: &str) {
    store
        .create_currency(
            coop,
            &Currency {
                code: CurrencyCode::parse(code).unwrap(),
                name: name.into(),
                kind: CurrencyKind::Money,
                scale: 2,
                default_debit_limit: None,
                default_balance_cap: None,
                policy: Default::default(),
            },
            None,
            coopkit_domain::Timestamp(0),
        )
        .await
        .unwrap();
}

/// A settled cash booking of `hours` hours that ended `days` into the year.
async fn worked(
    store: &Store,
    coop: CoopId,
    provider: PersonId,
    client: PersonId,
    hours: i64,
    days: i64,
) {
    let start = Timestamp(TEST_START.as_millis() + days * DAY);
    let window = Window::new(start, Timestamp(start.as_millis() + hours * HOUR)).unwrap();
    let booking = store
        .create_booking(
            &NewBooking {
                coop,
                requester: client,
                provider,
                category: "cleaning".into(),
                currency: CurrencyCode::parse("USD").unwrap(),
                amount: 2_500 * hours as u64,
                payment: Payment::Cash,
                window,
                notes: String::new(),
            },
            |id| TransferId::derived(&format!("test-booking-{}", id.0)),
            client,
            TEST_START,
        )
        .await
        .unwrap();
    let settled = BookingFacts {
        state: BookingState::Settled,
        window,
        payment: Payment::Cash,
        requester_done: true,
        provider_done: true,
    };
    store
        .step_booking(&booking, &settled, None, TEST_START)
        .await
        .unwrap();
}

async fn balance(
    app: &App,
    coordinator: &coopkit_store::Person,
    currency: &str,
    owner: AccountOwner,
) -> i128 {
    app.coop_accounts(coordinator, "clean")
        .await
        .unwrap()
        .into_iter()
        .find(|v| v.account.currency.as_str() == currency && v.account.owner == owner)
        .map_or(0, |v| v.balances.balance())
}

each_backend! {
    async fn a_year_closes_by_work_and_posts_only_after_the_members_approve(backend: Backend) {
        let db = TestDb::new(backend).await;
        let store = db.store.clone();
        let [ada, bo, cy] = [
            person(&store, "ada").await,
            person(&store, "bo").await,
            person(&store, "cy").await,
        ];
        let coop = coop_with(&store, "clean", CoopSettings::default(), ada, &[bo, cy]).await;
        currency(&store, coop, "USD", "Dollar").await;
        currency(&store, coop, "CAPITAL", "Members' capital").await;
        let clock = Arc::new(ManualClock::at(TEST_START));
        let app = App::new(store.clone(), clock.clone(), AppConfig::default());
        let [ada, bo, cy] = [
            load(&store, ada).await,
            load(&store, bo).await,
            load(&store, cy).await,
        ];

        // Bo worked 30 hours, Cy 10, inside the year; Cy's 5 hours after
        // it do not count.
        worked(&store, coop, bo.id, ada.id, 30, 10).await;
        worked(&store, coop, cy.id, ada.id, 10, 20).await;
        worked(&store, coop, cy.id, ada.id, 5, 400).await;
        let year = CloseYearForm {
            year: "2027".into(),
            period_start: TEST_START,
            period_end: Timestamp(TEST_START.as_millis() + 365 * DAY),
            net: 1_000_000,
            vote_closes_at: Timestamp(TEST_START.as_millis() + 7 * DAY),
            quorum_percent: 50,
        };
        assert!(matches!(
            app.propose_allocation(&ada, "clean", year.clone()).await,
            Err(AppError::Conflict {
                code: "patronage-rules-missing",
                ..
            })
        ));
        let settings = PatronageSettings {
            bylaws: Bylaws {
                reserve_percent: 30,
                pools: vec![ClassPool {
                    class: "member".into(),
                    percent: 100,
                    measure: Measure::Hours,
                }],
                cash_percent: 20,
                losses: LossRule::Reserve,
            },
            currency: "USD".into(),
            capital_currency: "CAPITAL".into(),
        };
        assert!(matches!(
            app.set_patronage_settings(&bo, "clean", settings.clone())
                .await,
            Err(AppError::Forbidden("admins-only"))
        ));
        app.set_patronage_settings(&ada, "clean", settings)
            .await
            .unwrap();
        let (allocation, proposal) = app
            .propose_allocation(&ada, "clean", year.clone())
            .await
            .unwrap();
        assert!(matches!(
            app.propose_allocation(&ada, "clean", year).await,
            Err(AppError::Conflict {
                code: "year-already-closed",
                ..
            })
        ));

        // 7,000.00 to share by hours: Bo 30 of 40, Cy 10 of 40.
        let view = app.allocation(&bo, "clean", allocation).await.unwrap();
        assert_eq!(view.allocation.reserve, 300_000);
        let mine = view.mine.clone().unwrap();
        assert_eq!((mine.patronage, mine.amount), (30 * 60, 525_000));
        assert_eq!((mine.cash, mine.retained), (105_000, 420_000));
        assert_eq!(
            view.lines.iter().map(|l| l.line.amount).sum::<u64>() + view.allocation.reserve,
            1_000_000
        );
        assert_eq!(view.record.state.as_str(), "proposed");
        assert_eq!(
            balance(&app, &ada, "USD", AccountOwner::Member(bo.id)).await,
            0,
            "nothing is paid before the vote"
        );

        for member in [&bo, &cy] {
            app.vote(
                &member.clone(),
                "clean",
                proposal,
                VoteForm {
                    choice: "yes".into(),
                    ..VoteForm::default()
                },
            )
            .await
            .unwrap();
        }
        clock.advance_ms(7 * DAY);
        let view = app.allocation(&cy, "clean", allocation).await.unwrap();
        assert_eq!(view.record.state.as_str(), "posted");
        // Proposed by the admin who closed the year; posted once, by the
        // clock, however many pages read it since.
        app.allocation(&bo, "clean", allocation).await.unwrap();
        assert_eq!(
            story(&store, "clean", Subject::Allocation(allocation)).await,
            [("allocation.proposed", Some(ada.id)), ("allocation.posted", None)],
            "{backend:?}"
        );
        assert_eq!(
            balance(&app, &ada, "USD", AccountOwner::Member(bo.id)).await,
            105_000
        );
        assert_eq!(
            balance(&app, &ada, "CAPITAL", AccountOwner::Member(bo.id)).await,
            420_000
        );
        assert_eq!(
            balance(&app, &ada, "USD", AccountOwner::Member(cy.id)).await,
            35_000
        );
        assert_eq!(
            balance(&app, &ada, "USD", AccountOwner::Coop(CoopAccount::Reserve)).await,
            300_000
        );
        // The surplus entered the ledger from issuance: reserve and cash
        // in dollars, retained in capital the co-op owes its members.
        assert_eq!(
            balance(&app, &ada, "USD", AccountOwner::Coop(CoopAccount::Issuance)).await,
            -(300_000 + 140_000)
        );
        assert_eq!(
            balance(
                &app,
                &ada,
                "CAPITAL",
                AccountOwner::Coop(CoopAccount::Issuance)
            )
            .await,
            -560_000
        );
        // Looking again posts nothing twice.
        app.allocation(&bo, "clean", allocation).await.unwrap();
        assert_eq!(
            balance(&app, &ada, "USD", AccountOwner::Member(bo.id)).await,
            105_000
        );
        let csv = app
            .allocation_statement_csv(&bo, "clean", allocation)
            .await
            .unwrap();
        assert!(
            csv.body
                .lines()
                .nth(1)
                .unwrap()
                .contains(",1800,75.0000,5250.00,1050.00,4200.00,USD,posted"),
            "{}",
            csv.body
        );
    }
}
