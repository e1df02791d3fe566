//! The market page and the ledger page's names are read from views kept
//! while the co-op's event log stands still: every change that feeds them
//! shows on the next page, on the app server that made it and on another
//! one over the same database. (Feedback and settled bookings are followed
//! in `market.rs`, where the market page is read before and after them.)

use std::sync::Arc;

use coopkit_app::ledger::{Counterparty, CurrencyForm, TransferForm};
use coopkit_app::market::{ProfileForm, SearchQuery, ServiceForm};
use coopkit_app::{App, AppConfig};
use coopkit_domain::ManualClock;
use coopkit_ledger::TransferId;
use coopkit_store::Person;
use coopkit_testkit::{each_backend, Backend, TestDb, TEST_START};

use crate::market::sitters;

/// What a page shows that changes can touch: each provider's name, bio and
/// categories, the co-op's categories and currencies.
async fn seen(
    app: &App,
    who: &Person,
) -> (Vec<(String, String, Vec<String>)>, Vec<String>, Vec<String>) {
    let page = app
        .market_page(who, "sitters", &SearchQuery::default())
        .await
        .unwrap();
    let providers = page
        .cards
        .iter()
        .map(|card| {
            let profile = &card.listing.profile;
            let categories = profile
                .services
                .iter()
                .map(|s| s.category.clone())
                .collect();
            (
                card.listing.display_name.clone(),
                profile.bio.clone(),
                categories,
            )
        })
        .collect();
    let categories = page.categories.iter().map(|c| c.key.clone()).collect();
    let currencies = page
        .currencies
        .iter()
        .map(|c| c.code.as_str().to_owned())
        .collect();
    (providers, categories, currencies)
}

/// Whom the ledger page offers `who` to pay, and whom their statement
/// names, newest first.
async fn named(app: &App, who: &Person) -> (Vec<String>, Vec<Option<String>>) {
    let page = app
        .ledger_page(who, "sitters", "HALFHOUR", None, 20)
        .await
        .unwrap();
    let payees = page
        .overview
        .payees
        .into_iter()
        .map(|m| m.display_name)
        .collect();
    let named = page
        .statement
        .entries
        .into_iter()
        .map(|entry| match entry.counterparty {
            Counterparty::Member(name) => Some(name),
            Counterparty::FormerMember => None,
            Counterparty::Coop(account) => panic!("paid by the co-op's {account:?}"),
        })
        .collect();
    (payees, named)
}

/// A second app server on the same database, with its own memory.
fn another_server(db: &TestDb) -> App {
    App::new(
        db.store.clone(),
        Arc::new(ManualClock::at(TEST_START)),
        AppConfig::default(),
    )
}

fn tutor_profile(bio: &str, category: &str) -> ProfileForm {
    ProfileForm {
        bio: bio.into(),
        languages: "en".into(),
        services: vec![ServiceForm {
            category: category.into(),
            currency: "HALFHOUR".into(),
            price: 2,
            unit_minutes: 60,
        }],
        slots: Vec::new(),
        area: None,
        days_off: Vec::new(),
    }
}

each_backend! {
    async fn the_market_page_follows_every_change_on_every_app_server(backend: Backend) {
        let db = TestDb::new(backend).await;
        let s = sitters(&db).await;
        let other = another_server(&db);
        let both = [&s.app, &other];
        let ben = |bio: &str| ("ben".to_owned(), bio.to_owned(), vec!["babysitting".to_owned()]);
        for app in both {
            assert_eq!(
                seen(app, &s.ana).await,
                (
                    vec![ben("Retired teacher, loves board games")],
                    vec!["babysitting".to_owned()],
                    vec!["HALFHOUR".to_owned()],
                )
            );
        }

        // A new category, made on the other server.
        other
            .set_categories(
                &s.admin,
                "sitters",
                &[
                    ("babysitting".into(), "Babysitting".into()),
                    ("tutoring".into(), "Tutoring".into()),
                ],
            )
            .await
            .unwrap();
        for app in both {
            assert_eq!(seen(app, &s.ana).await.1, ["babysitting", "tutoring"]);
        }

        // Carol offers tutoring; Ben rewrites his bio.
        s.app
            .save_profile(&s.carol, "sitters", tutor_profile("Maths up to A level", "tutoring"))
            .await
            .unwrap();
        let mut bens = tutor_profile("Board games and homework", "babysitting");
        bens.services[0].unit_minutes = 30;
        other.save_profile(&s.ben, "sitters", bens).await.unwrap();
        let carol = (
            "carol".to_owned(),
            "Maths up to A level".to_owned(),
            vec!["tutoring".to_owned()],
        );
        for app in both {
            assert_eq!(
                seen(app, &s.ana).await.0,
                [ben("Board games and homework"), carol.clone()]
            );
        }

        // A second currency.
        s.app
            .define_currency(
                &s.admin,
                "sitters",
                CurrencyForm {
                    code: "FOOD".into(),
                    name: "Meal".into(),
                    kind: "time".into(),
                    scale: 0,
                    default_debit_limit: Some(5),
                    default_balance_cap: None,
                    policy: Default::default(),
                },
            )
            .await
            .unwrap();
        for app in both {
            assert_eq!(seen(app, &s.ana).await.2, ["FOOD", "HALFHOUR"]);
        }

        // Ben leaves the co-op: his profile stays, but nobody finds him.
        other.leave(&s.ben, "sitters").await.unwrap();
        for app in both {
            assert_eq!(seen(app, &s.ana).await.0, std::slice::from_ref(&carol));
        }
    }
}

each_backend! {
    async fn the_ledger_page_names_members_as_they_are_now(backend: Backend) {
        let db = TestDb::new(backend).await;
        let s = sitters(&db).await;
        let other = another_server(&db);
        let both = [&s.app, &other];
        let pay = |id, to: &Person| TransferForm {
            id: TransferId(id),
            currency: "HALFHOUR".into(),
            to: to.id,
            amount: 2,
            from_issuance: false,
            hold: None,
            linked: false,
            memo: String::new(),
            cause: String::new(),
        };
        let names = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        for app in both {
            assert_eq!(named(app, &s.ana).await, (names(&["admin", "ben", "carol"]), vec![]));
        }

        // Ana pays Ben, then Carol. (Statements are read on the server
        // that wrote: a ledger writer sees another's payments only when it
        // next writes, the issue "The ledger at hosting scale".)
        s.app.transfer(&s.ana, "sitters", vec![pay(1, &s.ben)]).await.unwrap();
        s.app.transfer(&s.ana, "sitters", vec![pay(2, &s.carol)]).await.unwrap();
        assert_eq!(
            named(&s.app, &s.ana).await.1,
            [Some("carol".to_owned()), Some("ben".to_owned())]
        );

        // Carol leaves through the other server: nobody can pay her, and
        // her name leaves Ana's statement.
        other.leave(&s.carol, "sitters").await.unwrap();
        assert_eq!(
            named(&s.app, &s.ana).await,
            (names(&["admin", "ben"]), vec![None, Some("ben".to_owned())])
        );
        assert_eq!(named(&other, &s.ana).await.0, names(&["admin", "ben"]));
    }
}
