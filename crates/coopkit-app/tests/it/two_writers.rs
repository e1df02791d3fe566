//! Two app servers on one database, each with its own ledger writer: the
//! journal's (co-op, seq) key lets only one of two racing batches commit;
//! the other writer reloads what was committed and judges its submissions
//! again, so the journal never forks and no limit is breached.

use std::sync::Arc;

use coopkit_app::ledger::TransferForm;
use coopkit_app::{App, AppConfig};
use coopkit_domain::{CoopSettings, ManualClock};
use coopkit_ledger::journal::verify_json_lines;
use coopkit_ledger::{Applied, CurrencyCode, TransferId};
use coopkit_store::{Currency, CurrencyKind};
use coopkit_testkit::{each_backend, Backend, TestDb, TEST_START};

use crate::support::{coop_with, load, person};

each_backend! {
    async fn a_second_writer_never_forks_the_journal(backend: Backend) {
        let db = TestDb::new(backend).await;
        let store = db.store.clone();
        let [founder, ana, ben] = [
            person(&store, "founder").await,
            person(&store, "ana").await,
            person(&store, "ben").await,
        ];
        let coop = coop_with(
            &store,
            "twins",
            CoopSettings::default(),
            founder,
            &[ana, ben],
        )
        .await;
        store
            .create_currency(
                coop,
                &Currency {
                    code: CurrencyCode::parse("HOUR").unwrap(),
                    name: "Hour".into(),
                    kind: CurrencyKind::Time,
                    scale: 0,
                    default_debit_limit: Some(10),
                    default_balance_cap: None,
                    policy: Default::default(),
                }, None, coopkit_domain::Timestamp(0),
            )
            .await
            .unwrap();
        let server = || {
            App::new(
                store.clone(),
                Arc::new(ManualClock::at(TEST_START)),
                AppConfig::default(),
            )
        };
        let (one, two) = (server(), server());
        let (ana, ben) = (load(&store, ana).await, load(&store, ben).await);
        let pay = |id: u128, to: &coopkit_store::Person, amount| TransferForm {
            id: TransferId(id),
            currency: "HOUR".into(),
            to: to.id,
            amount,
            from_issuance: false,
            hold: None,
            linked: false,
            memo: String::new(),
            cause: String::new(),
        };
        // Both servers load the (empty) ledger.
        one.my_holdings(&ana, "twins").await.unwrap();
        two.my_holdings(&ana, "twins").await.unwrap();

        // Ana spends her whole credit line through server one...
        let first = one
            .transfer(&ana, "twins", vec![pay(1, &ben, 10)])
            .await
            .unwrap();
        assert_eq!(first, vec![Ok(Applied::New)]);
        // ...and server two, not knowing, would let her spend it again. Its
        // batch takes the same place in the chain and is refused whole;
        // it reloads what server one committed and judges again: refused.
        let stale = two
            .transfer(&ana, "twins", vec![pay(2, &ben, 10)])
            .await
            .unwrap();
        assert_eq!(stale.len(), 1);
        assert_eq!(stale[0].unwrap_err().code(), "exceeds-debit-limit");
        let fine = two
            .transfer(&ben, "twins", vec![pay(3, &ana, 4)])
            .await
            .unwrap();
        assert_eq!(fine, vec![Ok(Applied::New)]);

        // Server one, which has not written since, reads what server two
        // committed: a page never shows balances from before another
        // server's batch.
        let balance = |app: App, who: coopkit_store::Person| async move {
            let holdings = app.my_holdings(&who, "twins").await.unwrap();
            holdings[0].view.balances.balance()
        };
        assert_eq!(balance(one.clone(), ana.clone()).await, -6);
        assert_eq!(balance(two.clone(), ben.clone()).await, 6);
        // And its statement has the line, with the running balance.
        let page = one.my_statement(&ana, "twins", "HOUR", None, 10).await.unwrap();
        let newest = &page.entries[0];
        assert_eq!((newest.line.transfer.id, newest.balance_after), (TransferId(3), -6));

        let journal = one.journal_for_operator("twins").await.unwrap();
        let text = coopkit_ledger::journal::to_json_lines(&journal);
        let ledger = verify_json_lines(&text).unwrap();
        assert!(ledger.totals().values().all(|t| t.is_balanced()));
        let balances: Vec<i128> = ledger.accounts().map(|(_, b)| b.balance()).collect();
        assert_eq!(balances.iter().sum::<i128>(), 0);
        assert!(
            balances.contains(&-6) && balances.contains(&6),
            "{balances:?}"
        );
    }
}
