//! Paying by request, settling holds, per-account limits and signed
//! checkpoints, through the use cases on each backend.

use std::sync::Arc;

use coopkit_app::ledger::{new_coop_key, PaymentRequestForm, Settlement, TransferForm};
use coopkit_app::{App, AppConfig, AppError};
use coopkit_domain::{CoopSettings, ManualClock};
use coopkit_ledger::checkpoint;
use coopkit_ledger::{Applied, CurrencyCode, HoldStatus, Limit, Refusal, TransferId};
use coopkit_store::{Currency, CurrencyKind, Person};
use coopkit_testkit::{each_backend, Backend, TestDb, TEST_START};

use crate::support::{coop_with, load, person};

fn request(amount: u64, memo: &str) -> PaymentRequestForm {
    PaymentRequestForm {
        currency: "LETS".into(),
        amount,
        memo: memo.into(),
    }
}

async fn balance(app: &App, who: &Person) -> i128 {
    app.my_holdings(who, "market")
        .await
        .unwrap()
        .first()
        .map_or(0, |h| h.view.balances.balance())
}

each_backend! {
    async fn a_request_is_paid_once_and_limits_holds_and_checkpoints_follow_their_rules(backend: Backend) {
        let db = TestDb::new(backend).await;
        let store = db.store.clone();
        let [shop, alice, bob, carol] = [
            person(&store, "shop").await,
            person(&store, "alice").await,
            person(&store, "bob").await,
            person(&store, "carol").await,
        ];
        let market = coop_with(
            &store,
            "market",
            CoopSettings::default(),
            shop,
            &[alice, bob, carol],
        )
        .await;
        coop_with(&store, "elsewhere", CoopSettings::default(), alice, &[]).await;
        store
            .create_currency(
                market,
                &Currency {
                    code: CurrencyCode::parse("LETS").unwrap(),
                    name: "Lets".into(),
                    kind: CurrencyKind::Community,
                    scale: 2,
                    // Mutual credit: anyone may go 10.00 below zero.
                    default_debit_limit: Some(10_00),
                    default_balance_cap: None,
                    policy: Default::default(),
                }, None, coopkit_domain::Timestamp(0),
            )
            .await
            .unwrap();
        let app = App::new(
            store.clone(),
            Arc::new(ManualClock::at(TEST_START)),
            AppConfig::default(),
        );
        let [shop, alice, bob, carol] = [
            load(&store, shop).await,
            load(&store, alice).await,
            load(&store, bob).await,
            load(&store, carol).await,
        ];

        // The shop asks for 4.50; Alice scans and pays.
        let bread = app
            .request_payment(&shop, "market", request(4_50, "bread"))
            .await
            .unwrap();
        let view = app
            .payment_request(&alice, "market", bread.id)
            .await
            .unwrap();
        assert_eq!((view.paid_at, view.payee_name.as_str()), (None, "shop"));
        let asked = coopkit_domain::Subject::PaymentRequest(coopkit_domain::PaymentRequestId(bread.id.0));
        assert_eq!(
            coopkit_testkit::story(&db.store, "market", asked).await,
            [("payment_request.created", Some(shop.id))],
            "{backend:?}"
        );
        assert_eq!(
            app.pay_request(&alice, "market", bread.id).await.unwrap(),
            Ok(Applied::New)
        );
        assert_eq!(
            app.pay_request(&alice, "market", bread.id).await.unwrap(),
            Ok(Applied::Replayed),
            "a second scan pays nothing more"
        );
        assert!(matches!(
            app.pay_request(&bob, "market", bread.id).await,
            Err(AppError::Conflict {
                code: "request-already-paid",
                ..
            })
        ));
        assert!(matches!(
            app.pay_request(&shop, "market", bread.id).await,
            Err(AppError::Conflict {
                code: "request-own",
                ..
            })
        ));
        assert_eq!(
            (balance(&app, &alice).await, balance(&app, &shop).await),
            (-4_50, 4_50)
        );
        let mine = app.my_payment_requests(&shop, "market").await.unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].paid_at, Some(TEST_START));
        // Another co-op never sees it, even by its id.
        assert!(matches!(
            app.payment_request(&alice, "elsewhere", bread.id).await,
            Err(AppError::NotFound(_))
        ));
        for (form, field) in [
            (request(0, ""), "amount"),
            (request(1, &"x".repeat(257)), "memo"),
        ] {
            match app.request_payment(&shop, "market", form).await {
                Err(AppError::Invalid(invalid)) => assert_eq!(invalid.0[0].field, field),
                other => panic!("expected an error on {field}, got {other:?}"),
            }
        }
        let unknown = PaymentRequestForm {
            currency: "EUR".into(),
            ..request(1, "")
        };
        assert!(matches!(
            app.request_payment(&shop, "market", unknown).await,
            Err(AppError::Invalid(_))
        ));

        // Bob's 20.00 is past his 10.00 of credit until an admin raises it.
        let bike = app
            .request_payment(&shop, "market", request(20_00, "bike repair"))
            .await
            .unwrap();
        assert_eq!(
            app.pay_request(&bob, "market", bike.id).await.unwrap(),
            Err(Refusal::ExceedsDebitLimit)
        );
        assert!(matches!(
            app.set_limits(
                &alice,
                "market",
                bob.id,
                "LETS",
                Limit::AtMost(50_00),
                Limit::Unlimited
            )
            .await,
            Err(AppError::Forbidden(_))
        ));
        let raised = app
            .set_limits(
                &shop,
                "market",
                bob.id,
                "LETS",
                Limit::AtMost(50_00),
                Limit::Unlimited,
            )
            .await
            .unwrap();
        assert_eq!(raised.account.debit_limit, Limit::AtMost(50_00));
        assert_eq!(
            app.pay_request(&bob, "market", bike.id).await.unwrap(),
            Ok(Applied::New)
        );
        assert!(matches!(
            app.set_limits(
                &shop,
                "market",
                bob.id,
                "EUR",
                Limit::Unlimited,
                Limit::Unlimited
            )
            .await,
            Err(AppError::Invalid(_))
        ));

        // Alice holds 2.00 for Bob; only she (or a coordinator) may post it.
        let hold = |id: u128, amount| TransferForm {
            id: TransferId(id),
            currency: "LETS".into(),
            to: bob.id,
            amount,
            from_issuance: false,
            hold: Some(None),
            linked: false,
            memo: "babysitting".into(),
            cause: String::new(),
        };
        let results = app
            .transfer(&alice, "market", vec![hold(900, 2_00)])
            .await
            .unwrap();
        assert_eq!(results, vec![Ok(Applied::New)]);
        let post = Settlement::Post { amount: Some(1_50) };
        assert!(matches!(
            app.settle_hold(&bob, "market", TransferId(900), TransferId(901), post)
                .await,
            Err(AppError::Forbidden("payer-settles-hold"))
        ));
        assert!(matches!(
            app.transfer_view(&carol, "market", TransferId(900)).await,
            Err(AppError::NotFound(_))
        ));
        assert_eq!(
            app.settle_hold(&alice, "market", TransferId(900), TransferId(901), post)
                .await
                .unwrap(),
            Ok(Applied::New)
        );
        let view = app
            .transfer_view(&bob, "market", TransferId(900))
            .await
            .unwrap();
        assert_eq!(view.hold, Some(HoldStatus::Posted));
        assert_eq!(balance(&app, &alice).await, -4_50 - 1_50);
        // The payee may decline a hold: void.
        app.transfer(&alice, "market", vec![hold(902, 3_00)])
            .await
            .unwrap();
        assert_eq!(
            app.settle_hold(
                &bob,
                "market",
                TransferId(902),
                TransferId(903),
                Settlement::Void
            )
            .await
            .unwrap(),
            Ok(Applied::New)
        );
        assert_eq!(
            app.settle_hold(
                &alice,
                "market",
                TransferId(902),
                TransferId(904),
                Settlement::Void
            )
            .await
            .unwrap(),
            Err(Refusal::PendingAlreadyVoided)
        );
        assert_eq!(
            app.settle_hold(
                &alice,
                "market",
                bread.id,
                TransferId(905),
                Settlement::Void
            )
            .await
            .unwrap(),
            Err(Refusal::NotPending)
        );

        // The co-op signs the head of its journal; any member checks it.
        let key = new_coop_key();
        let signed = app.sign_checkpoint("market", &key).await.unwrap();
        let journal = app.journal(&carol, "market").await.unwrap().all().await.unwrap();
        assert_eq!(signed.seq, journal.last().unwrap().seq);
        let checkpoints = app.checkpoints(&carol, "market").await.unwrap();
        assert_eq!(checkpoints, vec![signed.clone()]);
        assert_eq!(
            checkpoint::check(
                &checkpoints,
                "market",
                &journal.iter().map(|b| b.hash).collect::<Vec<_>>(),
                Some(&key.public_key())
            ),
            Ok(())
        );
        assert_eq!(app.sign_checkpoint("market", &key).await.unwrap(), signed);
        assert_eq!(
            app.checkpoints(&carol, "market").await.unwrap().len(),
            1,
            "signing twice keeps one"
        );
        assert_eq!(
            coopkit_testkit::story(
                &db.store,
                "market",
                coopkit_domain::Subject::LedgerBatch(signed.seq)
            )
            .await,
            [("ledger.batch_committed", None), ("ledger.checkpoint_signed", None)],
            "{backend:?}: the batch, then its one signature"
        );
        assert!(matches!(
            app.sign_checkpoint("elsewhere", &key).await,
            Err(AppError::Conflict {
                code: "journal-empty",
                ..
            })
        ));
    }
}
