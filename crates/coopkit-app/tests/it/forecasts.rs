//! Forecasting a token-rule change from a co-op's own members and
//! balances, and putting it to the vote with the forecast attached, on
//! each backend.

use std::sync::Arc;

use coopkit_app::forecasts::{ProposeRuleChange, RuleChangeForm, TokenRules, CURRENT, PROPOSED};
use coopkit_app::governance::VoteForm;
use coopkit_app::ledger::TransferForm;
use coopkit_app::{App, AppConfig, AppError};
use coopkit_domain::{CoopId, CoopSettings, ManualClock, Timestamp};
use coopkit_ledger::{AccountOwner, CurrencyCode, Limit, TransferId};
use coopkit_store::{Currency, CurrencyKind, Store};
use coopkit_testkit::{each_backend, Backend, TestDb, TEST_START};

use crate::support::{coop_with, load, person};

const DAY: i64 = 24 * 3_600_000;

async fn currency(store: &Store, coop: CoopId, code: &str, kind: CurrencyKind) {
    store
        .create_currency(
            coop,
            &Currency {
                code: CurrencyCode::parse(code).unwrap(),
                name: code.into(),
                kind,
                scale: 0,
                default_debit_limit: Some(0),
                default_balance_cap: None,
                policy: Default::default(),
            },
            None,
            coopkit_domain::Timestamp(0),
        )
        .await
        .unwrap();
}

fn invalid_field(result: Result<coopkit_domain::ForecastId, AppError>) -> String {
    match result {
        Err(AppError::Invalid(invalid)) => invalid.0[0].field.clone(),
        other => panic!("expected a form error, got {other:?}"),
    }
}

fn mutual_credit() -> TokenRules {
    TokenRules {
        debit_limit: 30,
        balance_cap: None,
        issuance_per_month: 0,
        demurrage_bp: 0,
        demurrage_threshold: 0,
        issue_now: 5,
    }
}

each_backend! {
    async fn a_coordinator_forecasts_a_rule_change_and_puts_it_to_the_vote(backend: Backend) {
        let db = TestDb::new(backend).await;
        let store = db.store.clone();
        let ada = person(&store, "ada").await;
        let mut families = Vec::new();
        for i in 0..11 {
            families.push(person(&store, &format!("family{i}")).await);
        }
        let coop = coop_with(&store, "sitters", CoopSettings::default(), ada, &families).await;
        currency(&store, coop, "HALFHOUR", CurrencyKind::Time).await;
        currency(&store, coop, "USD", CurrencyKind::Money).await;
        let outsider = person(&store, "outsider").await;
        coop_with(&store, "elsewhere", CoopSettings::default(), outsider, &[]).await;
        let clock = Arc::new(ManualClock::at(TEST_START));
        let app = App::new(store.clone(), clock.clone(), AppConfig::default());
        let ada = load(&store, ada).await;
        let member = load(&store, families[0]).await;
        let outsider = load(&store, outsider).await;

        // Each family holds 20 tokens, as on joining; the co-op 12 families.
        let issue: Vec<TransferForm> = families
            .iter()
            .enumerate()
            .map(|(i, family)| TransferForm {
                id: TransferId(1 + i as u128),
                currency: "HALFHOUR".into(),
                to: *family,
                amount: 20,
                from_issuance: true,
                hold: None,
                linked: false,
                memo: String::new(),
                cause: "joining".into(),
            })
            .collect();
        let applied = app.transfer(&ada, "sitters", issue).await.unwrap();
        assert!(applied.iter().all(Result::is_ok));

        let choices = app.forecast_choices(&ada, "sitters").await.unwrap();
        assert_eq!(choices.len(), 1, "money is not forecast");
        assert_eq!(choices[0].currency.code.as_str(), "HALFHOUR");
        assert_eq!(choices[0].members, 12);
        assert_eq!(choices[0].current.unwrap().debit_limit, 0);
        assert!(matches!(
            app.forecast_choices(&member, "sitters").await,
            Err(AppError::Forbidden("coordinators-only"))
        ));

        let form = |proposed| RuleChangeForm {
            currency: "HALFHOUR".into(),
            weeks: 26,
            tokens_per_hour: 2,
            proposed,
        };
        assert!(matches!(
            app.forecast_rule_change(&member, "sitters", form(mutual_credit()))
                .await,
            Err(AppError::Forbidden("coordinators-only"))
        ));
        let cap_too_low = TokenRules {
            balance_cap: Some(5),
            ..mutual_credit()
        };
        assert_eq!(
            invalid_field(
                app.forecast_rule_change(&ada, "sitters", form(cap_too_low))
                    .await
            ),
            "balance_cap"
        );
        let mut in_dollars = form(mutual_credit());
        in_dollars.currency = "USD".into();
        assert_eq!(
            invalid_field(app.forecast_rule_change(&ada, "sitters", in_dollars).await),
            "currency"
        );
        let mut too_long = form(mutual_credit());
        too_long.weeks = 0;
        assert_eq!(
            invalid_field(app.forecast_rule_change(&ada, "sitters", too_long).await),
            "weeks"
        );

        let id = app
            .forecast_rule_change(&ada, "sitters", form(mutual_credit()))
            .await
            .unwrap();
        let view = app.forecast(&member, "sitters", id).await.unwrap();
        assert_eq!((view.setup.members, view.setup.weeks), (12, 26));
        let [current, proposed] = [CURRENT, PROPOSED].map(|name| {
            view.comparison
                .alternatives
                .iter()
                .find(|a| a.name == name)
                .unwrap()
                .result
                .clone()
        });
        // The co-op's own balances went in: 11 × 20 tokens, which the
        // current rules (no credit, no issue, no dues) keep constant.
        assert_eq!(current.weekly[0].circulation, 220.0);
        assert_eq!(current.weekly[25].circulation, 220.0);
        assert_eq!(current.final_spendable.len(), 12);
        // With credit the families go out; without, they hoard. (With 60
        // on top of their 20, nobody would want to sit: the model's glut.)
        assert!(
            proposed.served_share.mean > current.served_share.mean + 0.2,
            "{:?} vs {:?}",
            proposed.served_share,
            current.served_share
        );
        assert!(matches!(
            app.forecast(&outsider, "sitters", id).await,
            Err(AppError::Forbidden("members-only"))
        ));
        assert!(matches!(
            app.forecast(&outsider, "elsewhere", id).await,
            Err(AppError::NotFound("forecast"))
        ));

        let propose = || ProposeRuleChange {
            title: "Mutual credit: go 30 half-hours below zero".into(),
            body: "See the forecast.".into(),
            closes_at: Timestamp(TEST_START.as_millis() + 7 * DAY),
            quorum_percent: 50,
        };
        assert!(matches!(
            app.propose_rule_change(&member, "sitters", id, propose())
                .await,
            Err(AppError::Forbidden("coordinators-only"))
        ));
        let proposal = app
            .propose_rule_change(&ada, "sitters", id, propose())
            .await
            .unwrap();
        let shown = app.proposal(&member, "sitters", proposal).await.unwrap();
        assert_eq!(
            shown.proposal.proposal.kind,
            coopkit_governance::ProposalKind::Bylaw
        );
        assert_eq!(shown.forecasts.len(), 1);
        assert_eq!(shown.forecasts[0].id, id);
        assert_eq!(
            app.forecast(&member, "sitters", id).await.unwrap().proposal,
            Some(proposal)
        );
        assert!(matches!(
            app.propose_rule_change(&ada, "sitters", id, propose())
                .await,
            Err(AppError::Conflict {
                code: "forecast-attached",
                ..
            })
        ));

        // Nothing changes before the vote closes; once it passes, the
        // currency's rules are the proposed ones, for every account, and
        // the one-time issue is paid once.
        for family in &families[..7] {
            let voter = load(&store, *family).await;
            app.vote(&voter, "sitters", proposal, yes()).await.unwrap();
        }
        let rules_now = || async {
            let hour = app
                .currencies("sitters")
                .await
                .unwrap()
                .into_iter()
                .find(|c| c.code.as_str() == "HALFHOUR")
                .unwrap();
            let accounts = app.coop_accounts(&ada, "sitters").await.unwrap();
            let account = accounts
                .iter()
                .find(|a| {
                    a.account.currency == hour.code
                        && a.account.owner == AccountOwner::Member(families[1])
                })
                .unwrap();
            (
                hour.default_debit_limit,
                account.account.debit_limit,
                account.balances.balance(),
            )
        };
        assert_eq!(rules_now().await, (Some(0), Limit::AtMost(0), 20));
        clock.advance_ms(7 * DAY);
        for _ in 0..2 {
            app.proposal(&member, "sitters", proposal).await.unwrap();
        }
        assert_eq!(rules_now().await, (Some(30), Limit::AtMost(30), 25));
        assert_eq!(
            app.forecast(&member, "sitters", id)
                .await
                .unwrap()
                .outcome
                .map(|o| o.as_str()),
            Some("enacted")
        );
        // Made, put to the vote and settled: each step once, in the log,
        // and the enacted rules as a change to the currency by nobody.
        assert_eq!(
            coopkit_testkit::story(&store, "sitters", coopkit_domain::Subject::Forecast(id)).await,
            [
                ("forecast.made", Some(ada.id)),
                ("forecast.attached", Some(ada.id)),
                ("forecast.settled", None),
            ],
            "{backend:?}"
        );
        let coop = store.coop_by_slug("sitters").await.unwrap().unwrap().id;
        let changes: Vec<_> = store
            .events(coop, coopkit_domain::EventSeq(0), 10_000)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.happened.event.kind() == "currency.rules_changed")
            .map(|e| e.happened.actor)
            .collect();
        assert_eq!(changes, [None], "{backend:?}");

        // A change the members do not approve (here, nobody votes: no
        // quorum) leaves the rules as they are.
        let capped = TokenRules {
            balance_cap: Some(40),
            ..mutual_credit()
        };
        let id = app
            .forecast_rule_change(&ada, "sitters", form(capped))
            .await
            .unwrap();
        let proposal = app
            .propose_rule_change(
                &ada,
                "sitters",
                id,
                ProposeRuleChange {
                    closes_at: Timestamp(TEST_START.as_millis() + 14 * DAY),
                    ..propose()
                },
            )
            .await
            .unwrap();
        clock.advance_ms(7 * DAY);
        app.proposal(&member, "sitters", proposal).await.unwrap();
        assert_eq!(
            app.forecast(&member, "sitters", id)
                .await
                .unwrap()
                .outcome
                .map(|o| o.as_str()),
            Some("rejected")
        );
        assert_eq!(rules_now().await, (Some(30), Limit::AtMost(30), 25));
        let hour = app.currencies("sitters").await.unwrap();
        assert_eq!(hour[0].default_balance_cap, None, "no cap came in");
    }
}

fn yes() -> VoteForm {
    VoteForm {
        choice: "yes".into(),
        ..VoteForm::default()
    }
}
