//! The ledger's storage on both backends: currencies and the journal.

use coopkit_domain::{ClassKey, PersonId, Timestamp};
use coopkit_ledger::ledger::Ledger;
use coopkit_ledger::{
    Account, AccountId, AccountOwner, CoopAccount, CurrencyCode, Event, Limit, Transfer,
    TransferId, TransferKind,
};
use coopkit_store::{Conflict, Currency, CurrencyKind, LedgerAppend, StoreError};
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
        let mut ledger = Ledger::new();
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
            let record = ledger
                .apply(events, Timestamp(T0.0 + i as i64))
                .record
                .unwrap();
            store
                .append_ledger_batches(&[LedgerAppend {
                    coop: coop.id,
                    record: &record,
                    payees: Vec::new(),
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
                payees: Vec::new(),
            }])
            .await;
        assert!(twice.is_err());
        assert_eq!(store.ledger_journal(coop.id).await.unwrap().len(), 3);
    }
}
