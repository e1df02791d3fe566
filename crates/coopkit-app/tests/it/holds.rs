use std::sync::Arc;
use std::time::Duration;

use coopkit_app::ledger::{Instruction, LedgerWriter, Payment};
use coopkit_domain::coop::NewCoop;
use coopkit_domain::{
    ClassKey, CoopName, CoopSettings, DisplayName, Email, Locale, ManualClock, MemberClassSpec,
    PersonId, Slug,
};
use coopkit_ledger::journal::Event;
use coopkit_ledger::ledger::Applied;
use coopkit_ledger::{AccountOwner, CoopAccount, CurrencyCode, TransferId};
use coopkit_store::{Currency, CurrencyKind, NewPerson};
use coopkit_testkit::{each_backend, Backend, TestDb, TEST_START};

each_backend! {
    async fn holds_lapse_on_their_own_and_the_lapse_is_journaled(backend: Backend) {
        let db = TestDb::new(backend).await;
        let store = db.store.clone();
        let founder = store
            .create_person(
                &NewPerson {
                    email: Email::parse("f@example.coop").unwrap(),
                    display_name: DisplayName::parse("F").unwrap(),
                    password_hash: "!".into(),
                    locale: Locale::En,
                    verified: true,
                },
                TEST_START,
            )
            .await
            .unwrap();
        let key = ClassKey::parse("member").unwrap();
        let coop = store
            .create_coop(
                &NewCoop {
                    slug: Slug::parse("holders").unwrap(),
                    name: CoopName::parse("Holders").unwrap(),
                    description: String::new(),
                    profile: String::new(),
                    settings: CoopSettings::default(),
                    classes: vec![MemberClassSpec {
                        key: key.clone(),
                        name: "M".into(),
                        description: String::new(),
                        open_to_join: true,
                        requires_approval: false,
                    }],
                },
                founder.id,
                &key,
                None,
                TEST_START,
            )
            .await
            .unwrap();
        let hour = CurrencyCode::parse("HOUR").unwrap();
        store
            .create_currency(
                coop.id,
                &Currency {
                    code: hour.clone(),
                    name: "Hour".into(),
                    kind: CurrencyKind::Time,
                    scale: 0,
                    default_debit_limit: Some(0),
                    default_balance_cap: None,
                    policy: Default::default(),
                }, None, coopkit_domain::Timestamp(0),
            )
            .await
            .unwrap();

        let clock = ManualClock::at(TEST_START);
        let writer = LedgerWriter::start(store.clone(), Arc::new(clock.clone()));
        let pay = |id: u128,
                   from: AccountOwner,
                   to: AccountOwner,
                   amount: u64,
                   hold: Option<Option<u64>>| {
            Instruction::Pay(Payment {
                id: TransferId(id),
                currency: hour.clone(),
                from,
                to,
                amount,
                hold,
                linked: false,
                memo: String::new(),
                cause: String::new(),
            })
        };
        let (parent, sitter) = (
            AccountOwner::Member(PersonId(1)),
            AccountOwner::Member(PersonId(2)),
        );
        let results = writer
            .submit(
                coop.id,
                vec![
                    pay(
                        1,
                        AccountOwner::Coop(CoopAccount::Issuance),
                        parent,
                        10,
                        None,
                    ),
                    // A booking holds 6 hours for a minute.
                    pay(2, parent, sitter, 6, Some(Some(60_000))),
                ],
            )
            .await
            .unwrap();
        assert_eq!(results, vec![Ok(Applied::New), Ok(Applied::New)]);
        let available = |views: &[coopkit_app::ledger::AccountView]| {
            views
                .iter()
                .find(|v| v.account.owner == parent)
                .unwrap()
                .balances
                .available()
        };
        assert_eq!(available(&writer.accounts(coop.id).await.unwrap()), 4);

        // The minute passes; within the next check the hold is released.
        clock.advance_ms(60_000);
        let mut released = false;
        for _ in 0..30 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if available(&writer.accounts(coop.id).await.unwrap()) == 10 {
                released = true;
                break;
            }
        }
        assert!(released, "{backend:?}: the hold lapsed");
        let journal = store.ledger_journal(coop.id).await.unwrap();
        assert!(
            journal.iter().flat_map(|b| &b.events).any(|e| *e
                == Event::Expire {
                    pending: TransferId(2)
                }),
            "{backend:?}: the lapse is in the journal"
        );
        // Posting the lapsed hold is refused.
        let late = writer
            .submit(
                coop.id,
                vec![Instruction::Post {
                    id: TransferId(3),
                    pending: TransferId(2),
                    amount: None,
                }],
            )
            .await
            .unwrap();
        assert_eq!(late, vec![Err(coopkit_ledger::Refusal::PendingExpired)]);
    }
}
