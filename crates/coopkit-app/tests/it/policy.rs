use coopkit_app::ledger::TransferForm;
use coopkit_app::{App, AppConfig};
use std::sync::Arc;

use coopkit_domain::{
    Clock, CoopId, CoopSettings, DuesPeriod, ManualClock, PersonId, Subject, Timestamp, Zone,
};
use coopkit_ledger::policy::Policy;
use coopkit_ledger::{CurrencyCode, TransferId};
use coopkit_store::{Currency, CurrencyKind, Store};
use coopkit_testkit::{each_backend, Backend, TestDb, TEST_START};

use crate::support::{coop_with, person};

each_backend! {
    async fn a_month_applies_once_however_often_it_is_ticked(backend: Backend) {
        let db = TestDb::new(backend).await;
        let store = db.store.clone();
        let (_, founder, rich, poor) = tickers(&store, Zone::utc()).await;
        let app = App::new(
            store.clone(),
            std::sync::Arc::new(ManualClock::at(TEST_START)),
            AppConfig::default(),
        );
        let as_person = |id| {
            let store = store.clone();
            async move { store.person(id).await.unwrap().unwrap() }
        };
        let balance = |id| {
            let app = app.clone();
            async move {
                let holdings = app
                    .my_holdings(&as_person(id).await, "tickers")
                    .await
                    .unwrap();
                holdings.first().map_or(0, |h| h.view.balances.balance())
            }
        };

        // The founder (an admin) issues 210 tokens to "rich" first.
        let issued = app
            .transfer(
                &as_person(founder).await,
                "tickers",
                vec![TransferForm {
                    id: TransferId(1),
                    currency: "HOUR".into(),
                    to: rich,
                    amount: 210,
                    from_issuance: true,
                    hold: None,
                    linked: false,
                    memo: String::new(),
                    cause: String::new(),
                }],
            )
            .await
            .unwrap();
        assert!(issued[0].is_ok());

        // Issuance for 3 members, demurrage for "rich" (1% of the 200 above
        // 10), dues of 2 for 3 members, after their issuance.
        let first = app.tick("tickers", "2026-11").await.unwrap();
        assert_eq!(
            (first.applied, first.already, first.refused.len()),
            (7, 0, 0),
            "{backend:?}: {first:?}"
        );
        assert_eq!(balance(rich).await, 210 + 4 - 2 - 2, "{backend:?}");
        assert_eq!(balance(poor).await, 4 - 2);
        assert_eq!(balance(founder).await, 4 - 2);

        // Ticking the same month again changes nothing.
        let second = app.tick("tickers", "2026-11").await.unwrap();
        assert_eq!(
            (second.applied, second.already),
            (0, 7),
            "{backend:?}: {second:?}"
        );
        assert_eq!((balance(rich).await, balance(poor).await), (210, 2));

        // The next month applies again; a month that does not exist is refused.
        let december = app.tick("tickers", "2026-12").await.unwrap();
        assert_eq!(december.applied, 7, "{december:?}");
        assert_eq!(balance(poor).await, 4);
        assert!(app.tick("tickers", "2026-13").await.is_err());

        // "poor" pays January's dues in cash: the tick charges everyone else.
        let founder_person = as_person(founder).await;
        let poor_person = as_person(poor).await;
        assert!(matches!(
            app.record_cash_dues(&poor_person, "tickers", poor, "2027-01")
                .await,
            Err(coopkit_app::AppError::Forbidden(_))
        ));
        assert!(matches!(
            app.record_cash_dues(&founder_person, "tickers", poor, "2027-1")
                .await,
            Err(coopkit_app::AppError::Invalid(_))
        ));
        app.record_cash_dues(&founder_person, "tickers", poor, "2027-01")
            .await
            .unwrap();
        // Recording it twice keeps one record and one event, by the founder.
        app.record_cash_dues(&founder_person, "tickers", poor, "2027-01")
            .await
            .unwrap();
        assert_eq!(
            coopkit_testkit::story(&db.store, "tickers", coopkit_domain::Subject::Member(poor))
                .await,
            [("dues.paid_in_cash", Some(founder))],
            "{backend:?}"
        );
        let january = app.tick("tickers", "2027-01").await.unwrap();
        assert_eq!(
            (january.applied, january.paid_in_cash),
            (6, 1),
            "{january:?}"
        );
        assert_eq!(balance(poor).await, 4 + 4, "issued, not charged");
    }
}

/// The co-op "tickers" in `zone`, founded at `TEST_START`, with monthly
/// dues of 2 HOUR and an HOUR currency that issues 4 a month to everyone
/// and charges 1% a month on balances above 10: its founder and two
/// members, "rich" and "poor".
async fn tickers(store: &Store, zone: Zone) -> (CoopId, PersonId, PersonId, PersonId) {
    let founder = person(store, "founder").await;
    let settings = CoopSettings {
        joining_requires_approval: false,
        dues_amount: 2,
        dues_currency: "HOUR".into(),
        dues_period: DuesPeriod::Monthly,
        time_zone: zone,
    };
    let (rich, poor) = (person(store, "rich").await, person(store, "poor").await);
    let coop = coop_with(store, "tickers", settings, founder, &[rich, poor]).await;
    let currency = Currency {
        code: CurrencyCode::parse("HOUR").unwrap(),
        name: "Hour".into(),
        kind: CurrencyKind::Time,
        scale: 0,
        default_debit_limit: Some(0),
        default_balance_cap: None,
        policy: Policy {
            issuance_per_month: 4,
            demurrage_bp: 100,
            demurrage_threshold: 10,
            ..Policy::default()
        },
    };
    store
        .create_currency(coop, &currency, None, Timestamp(0))
        .await
        .unwrap();
    (coop, founder, rich, poor)
}

each_backend! {
    async fn the_server_applies_each_month_once_it_begins_in_the_coops_zone(backend: Backend) {
        let db = TestDb::new(backend).await;
        let store = db.store.clone();
        let new_york = Zone::named("America/New_York").unwrap();
        let (_, _, _, poor) = tickers(&store, new_york.clone()).await;
        let clock = Arc::new(ManualClock::at(TEST_START));
        let app = App::new(store.clone(), clock.clone(), AppConfig::default());
        let poor = store.person(poor).await.unwrap().unwrap();
        let balance = |app: App| {
            let poor = poor.clone();
            async move {
                let holdings = app.my_holdings(&poor, "tickers").await.unwrap();
                holdings.first().map_or(0, |h| h.view.balances.balance())
            }
        };
        let months = || async {
            coopkit_testkit::story(&store, "tickers", Subject::Coop(CoopId(1)))
                .await
                .into_iter()
                .filter(|(kind, _)| *kind == "ledger.month_applied")
                .count()
        };

        // Founded in November: nothing until December begins in New York.
        assert!(app.monthly_tick().await.unwrap().is_empty());
        let set = |text: &str| {
            let at = Zone::utc().read_wall_clock(text).unwrap();
            clock.advance_ms(at.as_millis() - clock.now().as_millis());
        };
        set("2026-12-01T04:30");
        assert!(app.monthly_tick().await.unwrap().is_empty(), "23:30 on 30 November there");
        set("2026-12-01T05:30");
        let december = app.monthly_tick().await.unwrap();
        assert_eq!(december.len(), 1);
        assert_eq!(december[0].1.to_string(), "2026-12");
        assert_eq!(balance(app.clone()).await, 4 - 2, "December's issuance, less dues");
        assert!(app.monthly_tick().await.unwrap().is_empty(), "applied once");
        assert_eq!(months().await, 1);

        // Down through January; in February two servers start at once and
        // catch up January, then February, each once.
        set("2027-02-03T12:00");
        let other = App::new(store.clone(), clock.clone(), AppConfig::default());
        let (a, b) = tokio::join!(app.monthly_tick(), other.monthly_tick());
        let (a, b) = (a.unwrap(), b.unwrap());
        let caught_up: Vec<String> = a.iter().chain(&b).map(|(_, p, _)| p.to_string()).collect();
        assert!(caught_up.contains(&"2027-01".to_owned()) && caught_up.contains(&"2027-02".to_owned()));
        assert_eq!(balance(app.clone()).await, 3 * (4 - 2), "three months, each paid once");
        assert_eq!(months().await, 3, "each month recorded once");
        assert!(app.monthly_tick().await.unwrap().is_empty());
    }
}

each_backend! {
    /// Seen in the demo: a family admitted to Capitol Hill Sitters had no
    /// tokens ("You have no account yet") though the co-op's page promises
    /// 20. A currency's joining grant is paid when a member is admitted,
    /// by a coordinator or at once, and only once.
    async fn a_new_member_is_given_the_joining_grant_once(backend: Backend) {
        let db = TestDb::new(backend).await;
        let store = db.store.clone();
        let founder = person(&store, "founder").await;
        let settings = CoopSettings {
            joining_requires_approval: true,
            ..CoopSettings::default()
        };
        let coop = coop_with(&store, "sitters", settings, founder, &[]).await;
        let currency = Currency {
            code: CurrencyCode::parse("HALFHOUR").unwrap(),
            name: "Sitting token".into(),
            kind: CurrencyKind::Time,
            scale: 0,
            default_debit_limit: Some(0),
            default_balance_cap: None,
            policy: Policy {
                joining_grant: 20,
                ..Policy::default()
            },
        };
        store.create_currency(coop, &currency, None, Timestamp(0)).await.unwrap();
        let app = App::new(
            store.clone(),
            Arc::new(ManualClock::at(TEST_START)),
            AppConfig::default(),
        );
        let family = store.person(person(&store, "family").await).await.unwrap().unwrap();
        let founder = store.person(founder).await.unwrap().unwrap();
        let balance = || async {
            let holdings = app.my_holdings(&family, "sitters").await.unwrap();
            holdings.first().map_or(0, |h| h.view.balances.balance())
        };

        let applied = app.join(&family, "sitters", "member").await.unwrap();
        assert!(!applied.admitted, "they wait for a coordinator");
        app.decide_application(&founder, "sitters", applied.membership.id, true)
            .await
            .unwrap();
        assert_eq!(balance().await, 20);

        // Leaving and joining again gives nothing more.
        app.leave(&family, "sitters").await.unwrap();
        let again = app.join(&family, "sitters", "member").await.unwrap();
        app.decide_application(&founder, "sitters", again.membership.id, true)
            .await
            .unwrap();
        assert_eq!(balance().await, 20);
    }
}
