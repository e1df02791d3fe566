//! The ledger's storage on both backends: currencies, the journal and its
//! index, which must answer as a ledger with its history in memory does.

use coopkit_domain::{ClassKey, PersonId, Timestamp};
use coopkit_ledger::auditor::AuditorKey;
use coopkit_ledger::{
    Account, AccountId, AccountOwner, BatchIndex, BatchRecord, CoopAccount, CurrencyCode, Event,
    Hash, Ledger, Limit, MemoryLedger, SealKey, Transfer, TransferId, TransferKind,
};
use coopkit_store::{Conflict, Currency, CurrencyKind, LedgerAppend, SnapshotWrite, StoreError};
use coopkit_testkit::{each_backend, Backend, TestDb};

use crate::story::{new_coop, person, T0};

fn open(id: u64, owner: AccountOwner) -> Event {
    Event::OpenAccount(Account {
        id: AccountId(id),
        currency: CurrencyCode::parse("HOUR").unwrap(),
        owner,
        debit_limit: if id == 1 {
            Limit::Unlimited
        } else {
            Limit::AtMost(5)
        },
        balance_cap: Limit::Unlimited,
        closed: false,
    })
}

fn mv(id: u128, debit: u64, credit: u64, amount: u64) -> Event {
    Event::Transfer(Transfer {
        id: TransferId(id),
        kind: TransferKind::Move {
            debit: AccountId(debit),
            credit: AccountId(credit),
            amount,
        },
        linked: false,
        memo: format!("transfer {id}"),
        cause: String::new(),
    })
}

each_backend! {
    async fn currencies_and_the_journal_round_trip(backend: Backend) {
        let db = TestDb::new(backend).await;
        let store = &db.store;
        let founder = person(store, "Founder").await;
        let coop = store
            .create_coop(
                &new_coop("ledgers"),
                founder.id,
                &ClassKey::parse("worker").unwrap(),
                None,
                T0,
            )
            .await
            .unwrap();

        let hour = Currency {
            code: CurrencyCode::parse("HOUR").unwrap(),
            name: "Hour".into(),
            kind: CurrencyKind::Time,
            scale: 0,
            default_debit_limit: Some(5),
            default_balance_cap: None,
            policy: Default::default(),
        };
        store.create_currency(coop.id, &hour, None, coopkit_domain::Timestamp(0)).await.unwrap();
        let again = store.create_currency(coop.id, &hour, None, coopkit_domain::Timestamp(0)).await;
        assert!(
            matches!(again, Err(StoreError::Conflict(Conflict::Currency))),
            "{again:?}"
        );
        assert_eq!(store.currencies(coop.id).await.unwrap(), vec![hour]);

        // Three batches: open accounts, then two batches of moves.
        let mut ledger = MemoryLedger::new(key());
        let batches = vec![
            vec![
                open(1, AccountOwner::Coop(CoopAccount::Issuance)),
                open(2, AccountOwner::Member(PersonId(2))),
                open(3, AccountOwner::Member(PersonId(3))),
            ],
            (1..=5).map(|i| mv(i, 1, 2, i as u64)).collect(),
            (6..=8).map(|i| mv(i, 2, 3, 1)).collect::<Vec<_>>(),
        ];
        let mut records = Vec::new();
        for (i, events) in batches.into_iter().enumerate() {
            let outcome = ledger.apply(events, Timestamp(T0.0 + i as i64));
            let record = outcome.record.unwrap();
            store
                .append_ledger_batches(&[LedgerAppend {
                    coop: coop.id,
                    record: &record,
                    index: &outcome.index,
                    payees: Vec::new(),
                    snapshot: None,
                }])
                .await
                .unwrap();
            records.push(record);
        }
        assert_eq!(
            store.ledger_journal(coop.id).await.unwrap(),
            records,
            "{backend:?}: the journal reads back exactly"
        );

        // Appending a batch again (same seq) is refused and writes nothing.
        let twice = store
            .append_ledger_batches(&[LedgerAppend {
                coop: coop.id,
                record: &records[2],
                index: &BatchIndex::default(),
                payees: Vec::new(),
                snapshot: None,
            }])
            .await;
        assert!(twice.is_err());
        assert_eq!(store.ledger_journal(coop.id).await.unwrap().len(), 3);

        // Sealing keeps the key and the journal's new hashes in one go,
        // drops what named the old ones, and happens once.
        let snapshot = SnapshotWrite { seq: 2, state: "{}".into(), ids: Vec::new(), used_ids: Vec::new() };
        store.add_ledger_snapshot(coop.id, &snapshot).await.unwrap();
        assert!(store.ledger_seal(coop.id).await.unwrap().is_none());
        let other = SealKey::from_bytes([8; 32]);
        let mut prev = Hash::default();
        let rechained: Vec<_> = records
            .iter()
            .map(|r| {
                let sealed = BatchRecord::seal(r.seq, r.timestamp, prev, r.events.clone(), &other);
                prev = sealed.hash;
                (sealed.seq, sealed.prev_hash, sealed.hash)
            })
            .collect();
        assert!(store.seal_ledger(coop.id, &other, &rechained).await.unwrap());
        let journal = store.ledger_journal(coop.id).await.unwrap();
        assert!(journal.iter().all(|batch| batch.hash_holds(&other)), "{backend:?}");
        assert!(store.ledger_snapshot(coop.id).await.unwrap().is_none());
        let seal = store.ledger_seal(coop.id).await.unwrap().unwrap();
        assert_eq!((seal.key, seal.auditor), (other, None));
        assert!(!store.seal_ledger(coop.id, &key(), &[]).await.unwrap(), "sealed once");
        assert_eq!(store.ledger_seal(coop.id).await.unwrap().unwrap().key, SealKey::from_bytes([8; 32]));
        let auditor = Some(AuditorKey([4; 32]));
        assert!(store.set_ledger_auditor(coop.id, auditor).await.unwrap());
        assert_eq!(store.ledger_seal(coop.id).await.unwrap().unwrap().auditor, auditor);
    }
}

/// The co-op's secret for its journal's commitments.
fn key() -> SealKey {
    SealKey::from_bytes([1; 32])
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

/// Random moves, holds, posts and voids among six accounts, some linked,
/// some refused, in batches large enough to span several stored parts.
fn random_batches(rng: &mut Rng) -> Vec<Vec<Event>> {
    let mut batches = vec![(1..=6)
        .map(|id| {
            let owner = if id == 1 {
                AccountOwner::Coop(CoopAccount::Issuance)
            } else {
                AccountOwner::Member(PersonId(id as i64))
            };
            open(id, owner)
        })
        .collect::<Vec<_>>()];
    let mut next_id = 1u128;
    for size in [3, 300, 1, 200, 140] {
        let mut events = Vec::new();
        for _ in 0..size {
            next_id += 1;
            let (debit, credit) = (1 + rng.below(6), 1 + rng.below(6));
            let amount = 1 + rng.below(4);
            let kind = match rng.below(6) {
                0..=2 => TransferKind::Move {
                    debit: AccountId(debit),
                    credit: AccountId(credit),
                    amount,
                },
                3 => TransferKind::Hold {
                    debit: AccountId(debit),
                    credit: AccountId(credit),
                    amount,
                    timeout_ms: None,
                },
                4 => TransferKind::Post {
                    pending: TransferId(1 + u128::from(rng.below(next_id as u64))),
                    amount: None,
                },
                _ => TransferKind::Void {
                    pending: TransferId(1 + u128::from(rng.below(next_id as u64))),
                },
            };
            // Now and then an id used before: a replay, or a refusal.
            let id = if rng.below(20) == 0 {
                1 + u128::from(rng.below(next_id as u64))
            } else {
                next_id
            };
            events.push(Event::Transfer(Transfer {
                id: TransferId(id),
                kind,
                linked: rng.below(8) == 0,
                memo: format!("memo {id}"),
                cause: String::new(),
            }));
        }
        batches.push(events);
    }
    batches
}

each_backend! {
    async fn the_index_answers_as_a_ledger_with_its_history_in_memory(backend: Backend) {
        let db = TestDb::new(backend).await;
        let store = &db.store;
        let founder = person(store, "Founder").await;
        let coop = store
            .create_coop(&new_coop("indexed"), founder.id, &ClassKey::parse("worker").unwrap(), None, T0)
            .await
            .unwrap();
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut memory = MemoryLedger::new(key());
        let mut bounded = Ledger::new(key());
        for (i, events) in random_batches(&mut rng).into_iter().enumerate() {
            let now = Timestamp(T0.0 + i as i64);
            // The server's way: look up the ids the batch names, then apply.
            let names = bounded.names(&events);
            let past = store.ledger_recall(coop.id, &names, bounded.next_seq()).await.unwrap();
            let outcome = bounded.apply(events.clone(), now, &past);
            let expected = memory.apply(events, now);
            assert_eq!(outcome.results, expected.results, "{backend:?}: batch {i}");
            let Some(record) = outcome.record else { continue };
            store
                .append_ledger_batches(&[LedgerAppend {
                    coop: coop.id,
                    record: &record,
                    index: &outcome.index,
                    payees: Vec::new(),
                    // Ids reach the index with a snapshot: here, every batch.
                    snapshot: Some(&SnapshotWrite {
                        seq: record.seq,
                        state: serde_json::to_string(&bounded.snapshot()).unwrap(),
                        ids: outcome
                            .index
                            .transfers
                            .iter()
                            .map(|r| (r.transfer.id, r.seq, r.index))
                            .collect(),
                        used_ids: record.seq.to_le_bytes().to_vec(),
                    }),
                }])
                .await
                .unwrap();
        }
        assert!(memory.transfer(TransferId(2)).is_some(), "the batches made transfers");

        let ids: Vec<TransferId> = (1..=700).map(TransferId).collect();
        // Every id reads back as the ledger with its history has it.
        let recalled = store.ledger_recall(coop.id, &ids, u64::MAX >> 1).await.unwrap();
        for id in &ids {
            assert_eq!(
                recalled.get(id).map(|p| (&p.record, p.hold)),
                memory.transfer(*id).map(|r| (r, memory.hold_status(*id))),
                "{backend:?}: transfer {id}"
            );
        }

        // Every statement, in pages of every size, reads the same lines.
        for account in (1..=6).map(AccountId) {
            let head = bounded.statement_head(account);
            for limit in [1, 7, 1000] {
                let mut before = None;
                loop {
                    let (lines, next) = store
                        .ledger_statement(coop.id, account, head, before, limit)
                        .await
                        .unwrap();
                    let (expected, expected_next) = memory.statement(account, before, limit);
                    let expected: Vec<_> = expected
                        .into_iter()
                        .map(|(line, record)| (record.clone(), line.position, line.balance_after))
                        .collect();
                    let read: Vec<_> = lines
                        .into_iter()
                        .map(|l| (l.record, l.position, l.balance_after))
                        .collect();
                    assert_eq!(read, expected, "{backend:?}: account {account:?}, page of {limit} before {before:?}");
                    assert_eq!(next, expected_next);
                    match next {
                        Some(next) => before = Some(next),
                        None => break,
                    }
                }
            }
        }

        // The newest snapshot is the ledger's state, and only two are kept.
        let (seq, state) = store.ledger_snapshot(coop.id).await.unwrap().unwrap();
        assert_eq!(seq + 1, bounded.next_seq());
        let snapshot: coopkit_ledger::Snapshot = serde_json::from_str(&state).unwrap();
        assert_eq!(Ledger::from_snapshot(snapshot, key()), bounded);
        assert_eq!(store.ledger_snapshots(coop.id, 10).await.unwrap().len(), 2);
        // Only the newest keeps its filter of used ids, as it was written.
        let used = store.ledger_used_ids(coop.id, seq).await.unwrap();
        assert_eq!(used, Some(seq.to_le_bytes().to_vec()));
        let (older, _) = store.ledger_snapshots(coop.id, 2).await.unwrap()[0].clone();
        assert_eq!(store.ledger_used_ids(coop.id, older).await.unwrap(), None);
        // The index names every id used, for a filter built from it.
        let mut indexed = Vec::new();
        store.ledger_indexed_ids(coop.id, |id| indexed.push(id)).await.unwrap();
        indexed.sort();
        let used: Vec<TransferId> = ids.iter().copied().filter(|id| memory.transfer(*id).is_some()).collect();
        assert_eq!(indexed, used);

        // A snapshot taken again (after a crash, or by another server)
        // names ids the index has, with a place of its own: it is written,
        // an id new to the index goes in, and the others keep their place.
        let new_id = TransferId(1 << 100);
        let again = SnapshotWrite {
            seq,
            state: "{}".into(),
            ids: used.iter().chain([&new_id]).map(|id| (*id, 0, 0)).collect(),
            used_ids: Vec::new(),
        };
        store.add_ledger_snapshot(coop.id, &again).await.unwrap();
        let mut indexed = Vec::new();
        store.ledger_indexed_ids(coop.id, |id| indexed.push(id)).await.unwrap();
        assert!(indexed.contains(&new_id), "{backend:?}");
        let recalled = store.ledger_recall(coop.id, &used, u64::MAX >> 1).await.unwrap();
        for id in &used {
            assert_eq!(recalled.get(id).map(|p| &p.record), memory.transfer(*id), "{backend:?}: {id}");
        }
    }
}
