//! Who may found co-ops, how many, and when a new co-op is listed: the
//! operator's settings, on each backend.

use std::sync::Arc;

use coopkit_app::ledger::CurrencyForm;
use coopkit_app::FoundCoop;
use coopkit_app::{App, AppConfig, AppError};
use coopkit_domain::coop::Founders;
use coopkit_domain::person::NewPerson;
use coopkit_domain::{
    ClassKey, CoopSettings, DisplayName, Email, Locale, ManualClock, MemberClassSpec,
};
use coopkit_ledger::policy::Policy;
use coopkit_testkit::{each_backend, Backend, TestDb, TEST_START};

use crate::support::{load, person};

fn founding(slug: &str, profile: &str) -> FoundCoop {
    FoundCoop {
        slug: slug.into(),
        name: format!("Co-op {slug}"),
        description: "Cleaners who own their co-op.".into(),
        profile: profile.into(),
        settings: CoopSettings::default(),
        classes: vec![MemberClassSpec {
            key: ClassKey::parse("worker").unwrap(),
            name: "Worker".into(),
            description: String::new(),
            open_to_join: true,
            requires_approval: false,
        }],
        founder_class: "worker".into(),
        currency: None,
    }
}

fn hours(code: &str) -> CurrencyForm {
    CurrencyForm {
        code: code.into(),
        name: "Hour".into(),
        kind: "time".into(),
        scale: 0,
        default_debit_limit: Some(10),
        default_balance_cap: None,
        policy: Policy::default(),
    }
}

each_backend! {
    async fn an_account_founds_up_to_its_limit_and_operators_decide_who_founds(backend: Backend) {
        let db = TestDb::new(backend).await;
        let store = db.store.clone();
        let clock = Arc::new(ManualClock::at(TEST_START));
        let ada = load(&store, person(&store, "ada").await).await;
        let ops = load(&store, person(&store, "ops").await).await;
        let config = AppConfig {
            founded_per_account: 2,
            operators: vec![ops.email.clone()],
            ..AppConfig::default()
        };
        let app = App::new(store.clone(), clock.clone(), config.clone());

        // Ada founds two, then no more; nothing of the third is written.
        app.found_coop(&ada, founding("one", "We clean.")).await.unwrap();
        app.found_coop(&ada, founding("two", "")).await.unwrap();
        assert!(matches!(
            app.found_coop(&ada, founding("three", "We clean.")).await,
            Err(AppError::Forbidden("founding-limit"))
        ));
        assert!(store.coop_by_slug("three").await.unwrap().is_none());
        // The operator is not limited.
        for slug in ["o1", "o2", "o3"] {
            app.found_coop(&ops, founding(slug, "Run by the server's operators.")).await.unwrap();
        }

        // Only co-ops that say what they are are listed; "two" has no
        // profile yet, but its page answers.
        let listed: Vec<String> = app
            .list_coops()
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.coop.slug.as_str().to_owned())
            .collect();
        assert!(listed.contains(&"one".to_owned()), "{listed:?}");
        assert!(!listed.contains(&"two".to_owned()), "{listed:?}");
        app.coop_page(None, "two").await.unwrap();

        // Operators only: everyone else is refused before anything is read.
        let closed = App::new(
            store.clone(),
            clock,
            AppConfig {
                founders: Founders::Operators,
                ..config
            },
        );
        let bo = load(&store, person(&store, "bo").await).await;
        assert!(matches!(
            closed.found_coop(&bo, founding("", "")).await,
            Err(AppError::Forbidden("founding-operators-only"))
        ));
        closed.found_coop(&ops, founding("o4", "")).await.unwrap();
        assert_eq!(ops.email, Email::parse("ops@example.coop").unwrap());

        // Verified addresses only: someone who has not followed the link
        // mailed to them is refused, and once they have, founds.
        let verified_only = App::new(
            store.clone(),
            Arc::new(ManualClock::at(TEST_START)),
            AppConfig {
                founders: Founders::Verified,
                ..AppConfig::default()
            },
        );
        let unproven = store
            .create_person(
                &NewPerson {
                    email: Email::parse("new@example.coop").unwrap(),
                    display_name: DisplayName::parse("New").unwrap(),
                    password_hash: "!".into(),
                    locale: Locale::En,
                    verified: false,
                },
                TEST_START,
            )
            .await
            .unwrap();
        assert!(matches!(
            verified_only.found_coop(&unproven, founding("v1", "")).await,
            Err(AppError::Forbidden("founding-verified-only"))
        ));
        verified_only.found_coop(&bo, founding("v2", "")).await.unwrap();
    }
}

each_backend! {
    async fn a_coop_is_founded_with_its_first_currency_or_not_at_all(backend: Backend) {
        let db = TestDb::new(backend).await;
        let store = db.store.clone();
        let app = App::new(store.clone(), Arc::new(ManualClock::at(TEST_START)), AppConfig::default());
        let ada = load(&store, person(&store, "ada").await).await;

        // A wrong currency is named apart from the co-op's own fields, and
        // nothing is written.
        let wrong = FoundCoop { currency: Some(hours("hours")), ..founding("timebank", "") };
        let Err(AppError::Invalid(invalid)) = app.found_coop(&ada, wrong).await else {
            panic!("a lower-case code is refused");
        };
        let fields: Vec<&str> = invalid.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["currency.code"]);
        assert!(store.coop_by_slug("timebank").await.unwrap().is_none());

        let right = FoundCoop { currency: Some(hours("HOUR")), ..founding("timebank", "") };
        let coop = app.found_coop(&ada, right).await.unwrap();
        let currencies = app.currencies("timebank").await.unwrap();
        assert_eq!(currencies.len(), 1);
        assert_eq!((currencies[0].code.as_str(), currencies[0].default_debit_limit), ("HOUR", Some(10)));
        let kinds: Vec<&str> = store
            .events(coop.id, coopkit_domain::EventSeq(0), 10)
            .await
            .unwrap()
            .iter()
            .map(|e| e.happened.event.kind())
            .collect();
        assert_eq!(kinds, ["coop.founded", "currency.defined"]);
    }
}
