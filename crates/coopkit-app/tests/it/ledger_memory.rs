//! The ledger writer holds a co-op's balances, not its history: what a
//! co-op did before comes back from the journal's index and snapshots, and
//! a ledger let go of (as when idle) or loaded from a journal with no
//! index answers as it did before.

use std::sync::Arc;

use coopkit_app::ledger::{new_coop_key, Settlement, StatementPage, TransferForm};
use coopkit_app::{App, AppConfig};
use coopkit_domain::{CoopId, CoopSettings, ManualClock};
use coopkit_ledger::{
    Account, AccountId, AccountOwner, Applied, BatchIndex, BatchRecord, CoopAccount, CurrencyCode,
    Event, Hash, Limit, MemoryLedger, Refusal, SealKey, Transfer, TransferId, TransferKind,
};
use coopkit_store::{Currency, CurrencyKind, LedgerAppend, Person, Store};
use coopkit_testkit::{each_backend, Backend, TestDb, TEST_START};

use crate::support::{coop_with, load, person};

fn hour() -> Currency {
    Currency {
        code: CurrencyCode::parse("HOUR").unwrap(),
        name: "Hour".into(),
        kind: CurrencyKind::Time,
        scale: 0,
        default_debit_limit: Some(50),
        default_balance_cap: None,
        policy: Default::default(),
    }
}

fn pay(id: u128, to: &Person, amount: u64, hold: bool) -> TransferForm {
    TransferForm {
        id: TransferId(id),
        currency: "HOUR".into(),
        to: to.id,
        amount,
        from_issuance: false,
        hold: hold.then_some(None),
        linked: false,
        memo: format!("payment {id}"),
        cause: String::new(),
    }
}

struct Members {
    slug: &'static str,
    app: App,
    store: Store,
    coop: CoopId,
    ana: Person,
    ben: Person,
}

async fn members(db: &TestDb, slug: &'static str) -> Members {
    let store = db.store.clone();
    let [founder, ana, ben] = [
        person(&store, &format!("{slug}-founder")).await,
        person(&store, &format!("{slug}-ana")).await,
        person(&store, &format!("{slug}-ben")).await,
    ];
    let coop = coop_with(&store, slug, CoopSettings::default(), founder, &[ana, ben]).await;
    store
        .create_currency(coop, &hour(), None, coopkit_domain::Timestamp(0))
        .await
        .unwrap();
    let app = App::new(
        store.clone(),
        Arc::new(ManualClock::at(TEST_START)),
        AppConfig::default(),
    );
    let (ana, ben) = (load(&store, ana).await, load(&store, ben).await);
    Members {
        slug,
        app,
        store,
        coop,
        ana,
        ben,
    }
}

/// Everything a member reads of the ledger: balances and the whole
/// statement, with running balances.
async fn everything(m: &Members, who: &Person) -> (Vec<i128>, Vec<(u128, i128, bool)>) {
    let slug = m.slug;
    let holdings = m.app.my_holdings(who, slug).await.unwrap();
    let balances = holdings.iter().map(|h| h.view.balances.balance()).collect();
    let StatementPage { entries, .. } = m
        .app
        .my_statement(who, slug, "HOUR", None, 500)
        .await
        .unwrap();
    let lines = entries
        .iter()
        .map(|e| (e.line.transfer.id.0, e.balance_after, e.received))
        .collect();
    (balances, lines)
}

each_backend! {
    async fn a_ledger_let_go_of_comes_back_from_its_snapshot(backend: Backend) {
        let db = TestDb::new(backend).await;
        let m = members(&db, "snapshots").await;
        let (ana, ben) = (&m.ana, &m.ben);
        let made = m
            .app
            .transfer(ana, "snapshots", vec![pay(1, ben, 5, false), pay(2, ben, 7, true), pay(3, ben, 2, true)])
            .await
            .unwrap();
        assert_eq!(made, vec![Ok(Applied::New); 3]);
        let posted = m
            .app
            .settle_hold(ana, "snapshots", TransferId(2), TransferId(4), Settlement::Post { amount: Some(6) })
            .await
            .unwrap();
        assert_eq!(posted, Ok(Applied::New));
        // Known before any snapshot, from the writer's memory; and on a
        // server started afresh, which replays the journal.
        let again = m.app.transfer(ana, "snapshots", vec![pay(1, ben, 5, false)]).await.unwrap();
        assert_eq!(again, vec![Ok(Applied::Replayed)]);
        let restarted = App::new(
            m.store.clone(),
            Arc::new(ManualClock::at(TEST_START)),
            AppConfig::default(),
        );
        let again = restarted.transfer(ana, "snapshots", vec![pay(1, ben, 5, false)]).await.unwrap();
        assert_eq!(again, vec![Ok(Applied::Replayed)]);
        let before = (everything(&m, ana).await, everything(&m, ben).await);
        assert_eq!(before.0 .0, vec![-11], "5 paid and 6 of the hold of 7 posted");

        m.app.let_go_of_ledger("snapshots").await.unwrap();
        let (seq, _) = m.store.ledger_snapshot(m.coop).await.unwrap().expect("a snapshot was kept");
        assert_eq!(seq, 1, "after the second batch");

        // Loaded again from the snapshot: the same balances and statements,
        // and what was done before is known by its ids.
        assert_eq!((everything(&m, ana).await, everything(&m, ben).await), before);
        let again = m.app.transfer(ana, "snapshots", vec![pay(1, ben, 5, false)]).await.unwrap();
        assert_eq!(again, vec![Ok(Applied::Replayed)]);
        let changed = m.app.transfer(ana, "snapshots", vec![pay(1, ben, 6, false)]).await.unwrap();
        assert_eq!(changed, vec![Err(Refusal::ExistsWithDifferentFields)]);
        let twice = m
            .app
            .settle_hold(ana, "snapshots", TransferId(2), TransferId(5), Settlement::Void)
            .await
            .unwrap();
        assert_eq!(twice, Err(Refusal::PendingAlreadyPosted));
        // The hold still open was kept in the snapshot, and can be voided.
        let voided = m
            .app
            .settle_hold(ana, "snapshots", TransferId(3), TransferId(6), Settlement::Void)
            .await
            .unwrap();
        assert_eq!(voided, Ok(Applied::New));

        // `coopkit ledger verify` replays the journal and checks the
        // snapshot; a snapshot that disagrees is refused by its batch.
        let ledger = m.app.verify_ledger("snapshots").await.unwrap().unwrap();
        assert_eq!(ledger.next_seq(), 3);
        let (_, state) = m.store.ledger_snapshot(m.coop).await.unwrap().unwrap();
        let forged = state.replacen("\"debits_posted\":11", "\"debits_posted\":1", 1);
        assert_ne!(forged, state, "the snapshot holds Ana's debits");
        let forged = coopkit_store::SnapshotWrite {
            seq: 0,
            state: forged,
            ids: Vec::new(),
            used_ids: Vec::new(),
        };
        m.store.add_ledger_snapshot(m.coop, &forged).await.unwrap();
        let problem = m.app.verify_ledger("snapshots").await.unwrap().unwrap_err();
        assert_eq!(problem.to_string(), "the snapshot after batch 0 does not agree with the journal");

        // A snapshot kept without its filter of used ids (as every one
        // before filters were kept): the filter is built from the index,
        // and what was done before is still known by its ids.
        m.app.let_go_of_ledger("snapshots").await.unwrap();
        db.execute("UPDATE ledger_snapshot SET used_ids = NULL").await;
        let again = m.app.transfer(ana, "snapshots", vec![pay(1, ben, 5, false)]).await.unwrap();
        assert_eq!(again, vec![Ok(Applied::Replayed)]);
        let again = m
            .app
            .settle_hold(ana, "snapshots", TransferId(3), TransferId(6), Settlement::Void)
            .await
            .unwrap();
        assert_eq!(again, Ok(Applied::Replayed));
    }

    async fn a_journal_from_before_the_index_and_sealing_is_indexed_and_chained_again(backend: Backend) {
        // As after the migrations that added the index and the seal key:
        // batches chained the old way, over their events whole, with no
        // index rows, no snapshot and no seal key.
        let db = TestDb::new(backend).await;
        let m = members(&db, "unindexed").await;
        let hour = CurrencyCode::parse("HOUR").unwrap();
        let open = |id: u64, owner| {
            Event::OpenAccount(Account {
                id: AccountId(id),
                currency: hour.clone(),
                owner,
                debit_limit: Limit::AtMost(50),
                balance_cap: Limit::Unlimited,
                closed: false,
            })
        };
        let mv = |id: u128, debit: u64, credit: u64, amount: u64| {
            Event::Transfer(Transfer {
                id: TransferId(id),
                kind: TransferKind::Move { debit: AccountId(debit), credit: AccountId(credit), amount },
                linked: false,
                memo: format!("old {id}"),
                cause: String::new(),
            })
        };
        let batches = vec![
            vec![
                open(1, AccountOwner::Coop(CoopAccount::Issuance)),
                open(2, AccountOwner::Member(m.ana.id)),
                open(3, AccountOwner::Member(m.ben.id)),
            ],
            (10..14).map(|id| mv(id, 2, 3, 1)).collect(),
            vec![mv(20, 3, 2, 3)],
        ];
        let mut memory = MemoryLedger::new(SealKey::from_bytes([3; 32]));
        let records: Vec<BatchRecord> = batches
            .into_iter()
            .enumerate()
            .map(|(i, events)| memory.apply(events, coopkit_domain::Timestamp(i as i64)).record.unwrap())
            .collect();
        for record in chained_the_old_way(records) {
            m.store
                .append_ledger_batches(&[LedgerAppend {
                    coop: m.coop,
                    record: &record,
                    index: &BatchIndex::default(),
                    payees: Vec::new(),
                    snapshot: None,
                }])
                .await
                .unwrap();
        }
        let key = new_coop_key();
        m.app.sign_checkpoint("unindexed", &key).await.unwrap();
        assert_eq!(m.store.checkpoints(m.coop).await.unwrap().len(), 1, "signed once sealed");
        let (balances, lines) = everything(&m, &m.ana).await;
        assert_eq!(balances, vec![-1]);
        assert_eq!(
            lines,
            vec![(20, -1, true), (13, -4, false), (12, -3, false), (11, -2, false), (10, -1, false)]
        );
        assert!(m.store.ledger_snapshot(m.coop).await.unwrap().is_some(), "a snapshot once indexed");
        let again = m.app.transfer(&m.ana, "unindexed", vec![TransferForm { memo: "old 10".into(), ..pay(10, &m.ben, 1, false) }]).await.unwrap();
        assert_eq!(again, vec![Ok(Applied::Replayed)], "an old id is known");
        // Chained again under the co-op's seal key, and whole.
        let journal = m.store.ledger_journal(m.coop).await.unwrap();
        let seal = m.store.ledger_seal(m.coop).await.unwrap().unwrap();
        assert!(journal.iter().all(|batch| batch.hash_holds(&seal.key)));
        assert!(!journal.iter().any(BatchRecord::legacy_hash_holds));
        let ledger = m.app.verify_ledger("unindexed").await.unwrap().unwrap();
        assert_eq!(ledger.next_seq(), 3);
    }

    async fn a_damaged_index_is_found_by_verify_and_rebuilt_from_the_journal(backend: Backend) {
        let db = TestDb::new(backend).await;
        let m = members(&db, "damaged").await;
        let made = m
            .app
            .transfer(&m.ana, "damaged", vec![pay(1, &m.ben, 5, false), pay(2, &m.ben, 7, true)])
            .await
            .unwrap();
        assert_eq!(made, vec![Ok(Applied::New), Ok(Applied::New)]);
        m.app.let_go_of_ledger("damaged").await.unwrap();
        let before = everything(&m, &m.ana).await;
        assert!(m.app.verify_ledger("damaged").await.unwrap().is_ok());

        // Each kind of index row, damaged in turn, is named; a repair
        // rebuilds it and the statement reads as before.
        let coop = m.coop.0;
        for (damage, named) in [
            (format!("UPDATE ledger_line SET entries = '[]' WHERE coop_id = {coop}"), "the statement of account"),
            (format!("UPDATE ledger_hold SET status = 'voided' WHERE coop_id = {coop}"), "transfer 2, a hold still open"),
            (format!("UPDATE ledger_hold SET amount = amount + 1 WHERE coop_id = {coop}"), "transfer 2, a hold made at batch 0"),
            (format!("UPDATE ledger_transfer SET idx = idx + 1 WHERE coop_id = {coop} AND id_low = 1"), "puts transfer 1 where"),
            (format!("DELETE FROM ledger_transfer WHERE coop_id = {coop} AND id_low = 2"), "transfer 2, which it lacks"),
        ] {
            db.execute(&damage).await;
            let problem = m.app.verify_ledger("damaged").await.unwrap().unwrap_err();
            assert!(problem.to_string().contains(named), "{damage}: {problem}");
            m.app.rebuild_ledger_index("damaged").await.unwrap();
            assert!(m.app.verify_ledger("damaged").await.unwrap().is_ok(), "{damage}");
            assert_eq!(everything(&m, &m.ana).await, before, "{damage}");
        }
    }

    async fn a_journal_from_before_sealing_that_was_altered_is_refused(backend: Backend) {
        let db = TestDb::new(backend).await;
        let m = members(&db, "altered").await;
        let made = m.app.transfer(&m.ana, "altered", vec![pay(1, &m.ben, 5, false)]).await.unwrap();
        assert_eq!(made, vec![Ok(Applied::New)]);
        // Put the journal back as it was chained before sealing, but with
        // the amount changed after it was hashed.
        let mut journal = chained_the_old_way(m.store.ledger_journal(m.coop).await.unwrap());
        let last = journal.last_mut().unwrap();
        if let Some(Event::Transfer(Transfer { kind: TransferKind::Move { amount, .. }, .. })) = last.events.last_mut() {
            *amount = 500;
        }
        let db2 = TestDb::new(backend).await;
        let fresh = members(&db2, "altered").await;
        for record in &journal {
            fresh.store
                .append_ledger_batches(&[LedgerAppend { coop: fresh.coop, record, index: &BatchIndex::default(), payees: Vec::new(), snapshot: None }])
                .await
                .unwrap();
        }
        let refused = fresh.app.transfer(&fresh.ana, "altered", vec![pay(2, &fresh.ben, 1, false)]).await;
        assert!(refused.is_err(), "{refused:?}");
        assert!(fresh.store.ledger_seal(fresh.coop).await.unwrap().is_none(), "nothing sealed over it");
    }
}

/// Chains records as journals were chained before sealing: each hash over
/// the previous and the batch's events whole.
fn chained_the_old_way(records: Vec<BatchRecord>) -> Vec<BatchRecord> {
    use sha2::{Digest, Sha256};
    #[derive(serde::Serialize)]
    struct Body<'a> {
        seq: u64,
        timestamp: coopkit_domain::Timestamp,
        events: &'a [Event],
    }
    let mut prev = Hash::default();
    records
        .into_iter()
        .map(|mut record| {
            let body = Body {
                seq: record.seq,
                timestamp: record.timestamp,
                events: &record.events,
            };
            let digest = Sha256::new()
                .chain_update(prev.0)
                .chain_update(serde_json::to_vec(&body).unwrap())
                .finalize();
            record.prev_hash = prev;
            record.hash = Hash(digest.into());
            prev = record.hash;
            assert!(record.legacy_hash_holds());
            record
        })
        .collect()
}

each_backend! {
    async fn a_transfer_sent_again_while_its_batch_commits_is_made_once(backend: Backend) {
        // Eight clients send the same 90 transfers (a third of them holds,
        // each then posted) in different orders, four times over, so that
        // many arrive while the batch holding their first copy is still
        // being committed and the writer, not the index, must know them.
        let db = TestDb::new(backend).await;
        let m = Arc::new(members(&db, "pipeline").await);
        const IDS: u128 = 90;
        let mut clients = Vec::new();
        for client in 0..8u128 {
            let m = m.clone();
            clients.push(tokio::spawn(async move {
                let mut results = Vec::new();
                for base in [0, 10_000, 20_000, 30_000] {
                    let ids = (0..IDS).map(|step| 1 + (step + 11 * client) % IDS);
                    for id in ids.clone() {
                        // Alternating ways, so no limit is reached in any order.
                        let (from, to) = if id % 2 == 0 { (&m.ana, &m.ben) } else { (&m.ben, &m.ana) };
                        let made = m.app.transfer(from, m.slug, vec![pay(base + id, to, 1, id % 3 == 0)]).await;
                        results.push((base + id, made.unwrap()[0]));
                    }
                    for id in ids.filter(|id| id % 3 == 0) {
                        let from = if id % 2 == 0 { &m.ana } else { &m.ben };
                        let (pending, post) = (TransferId(base + id), TransferId(base + 1000 + id));
                        let posted = m.app.settle_hold(from, m.slug, pending, post, Settlement::Post { amount: None }).await;
                        results.push((post.0, posted.unwrap()));
                    }
                }
                results
            }));
        }
        let mut made = std::collections::BTreeMap::<u128, Vec<Result<Applied, Refusal>>>::new();
        for client in clients {
            for (id, result) in client.await.unwrap() {
                made.entry(id).or_default().push(result);
            }
        }
        assert_eq!(made.len(), 4 * (90 + 30));
        for (id, results) in &made {
            let new = results.iter().filter(|r| **r == Ok(Applied::New)).count();
            let replayed = results.iter().filter(|r| **r == Ok(Applied::Replayed)).count();
            assert_eq!((new, replayed), (1, 7), "{backend:?}: transfer {id}: {results:?}");
        }
        // Each in the journal once, and the journal verifies.
        let journal = m.store.ledger_journal(m.coop).await.unwrap();
        let mut ids: Vec<u128> = journal
            .iter()
            .flat_map(|batch| &batch.events)
            .filter_map(|event| match event {
                Event::Transfer(transfer) => Some(transfer.id.0),
                _ => None,
            })
            .collect();
        ids.sort_unstable();
        assert_eq!(ids, made.keys().copied().collect::<Vec<_>>());
        let ledger = m.app.verify_ledger(m.slug).await.unwrap().unwrap();
        let balances: Vec<i128> = ledger.accounts().map(|(_, b)| b.balance()).collect();
        assert_eq!(balances, vec![0, 0], "45 hours each way");
    }
}

each_backend! {
    async fn a_journal_download_reads_in_pieces_up_to_where_the_journal_ended(backend: Backend) {
        let db = TestDb::new(backend).await;
        let m = members(&db, "pieces").await;
        // Forty batches, more than the download reads at a time.
        for id in 1..=40 {
            let made = m.app.transfer(&m.ana, "pieces", vec![pay(id, &m.ben, 1, false)]).await.unwrap();
            assert_eq!(made, vec![Ok(Applied::New)]);
        }
        let end = m.store.ledger_next_seq(m.coop).await.unwrap();
        let download = m.app.journal(&m.ana, "pieces").await.unwrap();
        // Committed once the download began: left for the next one.
        let made = m.app.transfer(&m.ana, "pieces", vec![pay(41, &m.ben, 1, false)]).await.unwrap();
        assert_eq!(made, vec![Ok(Applied::New)]);
        let pieces: Vec<String> = futures_util::TryStreamExt::try_collect(download.into_lines()).await.unwrap();
        assert!(pieces.len() > 1, "{} pieces", pieces.len());
        let text = pieces.concat();
        assert_eq!(text.lines().count() as u64, end);
        let replayed = coopkit_ledger::journal::verify_json_lines(&text).unwrap();
        assert_eq!(replayed.next_seq(), end);
        let balances: Vec<i128> = replayed.accounts().map(|(_, b)| b.balance()).collect();
        assert!(balances.contains(&-40) && balances.contains(&40), "{balances:?}");
    }
}
