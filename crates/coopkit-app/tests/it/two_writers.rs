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
use coopkit_store::{Currency, CurrencyKind, Person};
use coopkit_testkit::{each_backend, Backend, TestDb, TEST_START};

use crate::support::{coop_with, load, person};

/// Two app servers on `db`, and Ana and Ben, members of co-op `slug`
/// with an HOUR currency of debit limit `limit`.
async fn two_servers(db: &TestDb, slug: &str, limit: Option<u64>) -> ([App; 2], Person, Person) {
    let store = db.store.clone();
    let [founder, ana, ben] = [
        person(&store, &format!("{slug}-founder")).await,
        person(&store, &format!("{slug}-ana")).await,
        person(&store, &format!("{slug}-ben")).await,
    ];
    let coop = coop_with(&store, slug, CoopSettings::default(), founder, &[ana, ben]).await;
    let hour = Currency {
        code: CurrencyCode::parse("HOUR").unwrap(),
        name: "Hour".into(),
        kind: CurrencyKind::Time,
        scale: 0,
        default_debit_limit: limit,
        default_balance_cap: None,
        policy: Default::default(),
    };
    store
        .create_currency(coop, &hour, None, coopkit_domain::Timestamp(0))
        .await
        .unwrap();
    let server = || {
        App::new(
            store.clone(),
            Arc::new(ManualClock::at(TEST_START)),
            AppConfig::default(),
        )
    };
    let (ana, ben) = (load(&store, ana).await, load(&store, ben).await);
    ([server(), server()], ana, ben)
}

fn pay(id: u128, to: &Person, amount: u64) -> TransferForm {
    TransferForm {
        id: TransferId(id),
        currency: "HOUR".into(),
        to: to.id,
        amount,
        from_issuance: false,
        hold: None,
        linked: false,
        memo: String::new(),
        cause: String::new(),
    }
}

each_backend! {
    async fn a_second_writer_never_forks_the_journal(backend: Backend) {
        let db = TestDb::new(backend).await;
        let ([one, two], ana, ben) = two_servers(&db, "twins", Some(10)).await;
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
        let balance = |app: App, who: Person| async move {
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

/// A writer keeps its co-ops' locks across rounds while it is busy, but
/// only for a while: a server waiting for the same co-op is answered while
/// the first is still busy, not after. PostgreSQL only: servers share a
/// database there, and take turns by its locks.
#[tokio::test]
async fn a_busy_server_lets_another_take_its_turn() {
    let Some(backend) = coopkit_testkit::postgres() else {
        return;
    };
    let db = TestDb::new(backend).await;
    let ([busy, other], ana, ben) = two_servers(&db, "turns", None).await;
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let made = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut clients = Vec::new();
    for client in 0..8u128 {
        let (busy, ana, ben, done, made) = (
            busy.clone(),
            ana.clone(),
            ben.clone(),
            done.clone(),
            made.clone(),
        );
        clients.push(tokio::spawn(async move {
            let mut n = 0u128;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let forms = (0..50)
                    .map(|i| pay((client << 64) | (n * 50 + i + 1), &ben, 1))
                    .collect();
                let answers = busy.transfer(&ana, "turns", forms).await.unwrap();
                assert!(
                    answers.iter().all(|a| *a == Ok(Applied::New)),
                    "{answers:?}"
                );
                made.fetch_add(50, std::sync::atomic::Ordering::Relaxed);
                n += 1;
            }
        }));
    }
    while made.load(std::sync::atomic::Ordering::Relaxed) < 2_000 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let waited = std::time::Instant::now();
    let answer = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        other.transfer(&ben, "turns", vec![pay(u128::MAX, &ana, 1)]),
    )
    .await
    .expect("the other server was answered while the first was busy");
    let waited = waited.elapsed();
    let busy_still = !clients.iter().any(|c| c.is_finished());
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    for client in clients {
        client.await.unwrap();
    }
    assert_eq!(answer.unwrap(), vec![Ok(Applied::New)], "after {waited:?}");
    assert!(busy_still, "the first server's clients were still at work");
    let journal = busy.journal_for_operator("turns").await.unwrap();
    let ledger = verify_json_lines(&coopkit_ledger::journal::to_json_lines(&journal)).unwrap();
    let transfers = made.load(std::sync::atomic::Ordering::Relaxed) + 1;
    assert_eq!(
        ledger
            .totals()
            .values()
            .map(|t| t.debits_posted)
            .sum::<u128>(),
        u128::from(transfers)
    );
}
