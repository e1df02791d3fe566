//! Property tests: whatever is submitted, in whatever order, the ledger
//! stays double-entry, never breaches a limit, and its journal rebuilds it.

use std::collections::{BTreeMap, HashMap};

use coopkit_ledger::journal::{replay, to_json_lines, verify_json_lines};
use coopkit_ledger::ledger::Applied;
use coopkit_ledger::offline;
use coopkit_ledger::{
    AccountId, BatchRecord, CurrencyCode, Event, Limit, AMOUNT_MAX, HOLD_TIMEOUT_MAX_MS,
};
use coopkit_ledger::{Ledger, MemoryLedger, Past, Recall, TransferId};
use proptest::prelude::*;

use crate::support::*;

const ACCOUNTS: u64 = 6;

fn currencies() -> [CurrencyCode; 2] {
    [hour(), CurrencyCode::parse("BRISTOL").unwrap()]
}

/// Accounts 1..=6: 1 and 4 are issuance accounts; the rest have random
/// limits. Odd ids hold HOUR, even ids BRISTOL... except that 1..3 and
/// 4..6 share a currency each, so most transfers can succeed.
fn open_accounts() -> impl Strategy<Value = Vec<Event>> {
    let limit = prop_oneof![
        2 => Just(Limit::Unlimited),
        4 => (0u64..50).prop_map(Limit::AtMost),
        1 => Just(Limit::AtMost(AMOUNT_MAX)),
    ];
    proptest::collection::vec((limit.clone(), limit), 4).prop_map(|limits| {
        let [hour, bristol] = currencies();
        let mut events = vec![issuance(1, &hour), issuance(4, &bristol)];
        for (i, (debit_limit, cap)) in limits.into_iter().enumerate() {
            let id = [2, 3, 5, 6][i];
            let currency = if id < 4 { &hour } else { &bristol };
            events.push(member(id, currency, debit_limit, cap));
        }
        events
    })
}

fn event() -> impl Strategy<Value = Event> {
    let account = 1..=ACCOUNTS;
    let id = 1u128..40;
    // Small amounts, and the edges: the largest amount, one past it.
    let amount = prop_oneof![
        6 => 0u64..30,
        1 => Just(AMOUNT_MAX),
        1 => Just(AMOUNT_MAX - 1),
        1 => Just(u64::MAX),
    ];
    let timeout = prop_oneof![0u64..3, Just(HOLD_TIMEOUT_MAX_MS), Just(u64::MAX)];
    prop_oneof![
        4 => (id.clone(), account.clone(), account.clone(), amount.clone()).prop_map(|(i, d, c, a)| mv(i, d, c, a)),
        2 => (id.clone(), account.clone(), account, amount.clone(), proptest::option::of(timeout))
            .prop_map(|(i, d, c, a, t)| hold(i, d, c, a, t)),
        2 => (id.clone(), id.clone(), proptest::option::of(amount)).prop_map(|(i, p, a)| post(i, p, a)),
        1 => (id.clone(), id.clone()).prop_map(|(i, p)| void(i, p)),
        1 => id.prop_map(|p| Event::Expire { pending: coopkit_ledger::TransferId(p) }),
    ]
}

fn batch() -> impl Strategy<Value = Vec<Event>> {
    proptest::collection::vec((event(), proptest::bool::weighted(0.25)), 0..8).prop_map(|events| {
        events
            .into_iter()
            .map(|(e, l)| if l { linked(e) } else { e })
            .collect()
    })
}

/// Every invariant the ledger promises, checked from the accounts up
/// rather than trusted from the running totals.
fn check_invariants(ledger: &MemoryLedger) -> Result<(), TestCaseError> {
    let mut sums: BTreeMap<CurrencyCode, (i128, u128, u128)> = BTreeMap::new();
    for (account, b) in ledger.accounts() {
        let sum = sums.entry(account.currency.clone()).or_default();
        sum.0 += b.balance();
        sum.1 += b.debits_pending;
        sum.2 += b.credits_pending;
        // Every balance, holds counted or not, and every limit fit an i64.
        for figure in [
            b.balance(),
            b.available(),
            b.balance() + b.credits_pending as i128,
        ] {
            prop_assert!(
                figure.unsigned_abs() <= u128::from(AMOUNT_MAX),
                "{account:?} {b:?} out of range"
            );
        }
        prop_assert!(
            account.debit_limit.is_within_bounds() && account.balance_cap.is_within_bounds()
        );
        if let Limit::AtMost(limit) = account.debit_limit {
            prop_assert!(
                b.debits_posted + b.debits_pending <= b.credits_posted + u128::from(limit),
                "{account:?} {b:?} past its debit limit"
            );
        }
        if let Limit::AtMost(cap) = account.balance_cap {
            prop_assert!(
                b.credits_posted + b.credits_pending <= b.debits_posted + u128::from(cap),
                "{account:?} {b:?} past its cap"
            );
        }
    }
    for (currency, (balance, debits_pending, credits_pending)) in sums {
        prop_assert_eq!(balance, 0, "{} does not sum to zero", currency);
        prop_assert_eq!(
            debits_pending,
            credits_pending,
            "{} holds do not match",
            currency
        );
    }
    for totals in ledger.totals().values() {
        prop_assert!(totals.is_balanced());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn balances_sum_to_zero_and_limits_hold(accounts in open_accounts(), batches in proptest::collection::vec(batch(), 1..12)) {
        let mut ledger = MemoryLedger::new(key());
        let mut records: Vec<BatchRecord> = Vec::new();
        records.extend(ledger.apply(accounts, T0).record);
        for (i, batch) in batches.into_iter().enumerate() {
            let now = T0.plus_millis(i as i64);
            let outcome = ledger.apply(batch.clone(), now);
            prop_assert_eq!(outcome.results.len(), batch.len());
            check_invariants(&ledger)?;
            if let Some(record) = outcome.record {
                let new = outcome.results.iter().filter(|r| **r == Ok(Applied::New)).count();
                prop_assert_eq!(record.events.len(), new, "the record holds exactly the new events");

                // Submitting what was accepted again changes nothing.
                let again = ledger.apply(record.events.clone(), now);
                prop_assert!(again.results.iter().all(|r| *r == Ok(Applied::Replayed)), "{:?}", again.results);
                prop_assert!(again.record.is_none());
                records.push(record);
            }
        }

        // The journal alone rebuilds the same ledger: published with
        // every opening, exactly; sealed, with the same balances.
        let opened: Vec<_> = records.iter().map(|r| r.published(&key(), true)).collect();
        let sealed: Vec<_> = records.iter().map(|r| r.published(&key(), false)).collect();
        let rebuilt = replay(opened.iter().enumerate().map(|(i, b)| (i + 1, b, &b.openings[..]))).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let from_sealed = replay(sealed.iter().enumerate().map(|(i, b)| (i + 1, b, &[][..]))).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(rebuilt.head(), ledger.head());
        prop_assert_eq!(from_sealed.head(), ledger.head());
        prop_assert_eq!(from_sealed.totals(), ledger.totals());
        for id in 1..=ACCOUNTS {
            prop_assert_eq!(rebuilt.account(AccountId(id)).map(|a| a.1), ledger.account(AccountId(id)).map(|a| a.1));
            prop_assert_eq!(from_sealed.account(AccountId(id)).map(|a| a.1), ledger.account(AccountId(id)).map(|a| a.1));
            prop_assert_eq!(rebuilt.statement(AccountId(id), None, 1000), ledger.statement(AccountId(id), None, 1000));
            // A statement's running balance starts from nothing, ends at
            // the balance the account has, and each line's is the one
            // before it plus what the line did; positions count from 1.
            let account = AccountId(id);
            let (lines, _) = ledger.statement(account, None, 1000);
            let now = ledger.account(account).map_or(0, |a| a.1.balance());
            prop_assert_eq!(lines.first().map_or(0, |(line, _)| line.balance_after), now);
            let mut running = now;
            for (newer, (line, record)) in lines.iter().enumerate() {
                prop_assert_eq!(line.position, (lines.len() - newer) as u64);
                prop_assert_eq!(line.balance_after, running);
                running -= record.posted_change(account);
            }
            prop_assert_eq!(running, 0);
        }
    }

    /// The server's ledger keeps no history: before each batch it looks
    /// up only the ids the batch names. Judged that way, every batch comes
    /// out exactly as it does with the whole history at hand.
    #[test]
    fn a_lookup_of_the_named_ids_is_all_a_batch_needs(accounts in open_accounts(), batches in proptest::collection::vec(batch(), 1..12)) {
        let mut whole = MemoryLedger::new(key());
        let mut bounded = Ledger::new(key());
        let mut all = accounts;
        all.extend(batches.into_iter().flatten());
        for (i, events) in all.chunks(5).enumerate() {
            let now = T0.plus_millis(i as i64);
            let looked_up: HashMap<TransferId, Past> = bounded
                .names(events)
                .into_iter()
                .filter_map(|id| Some((id, whole.history().recall(id)?.clone())))
                .collect();
            let expected = whole.apply(events.to_vec(), now);
            let outcome = bounded.apply(events.to_vec(), now, &looked_up);
            prop_assert_eq!(&outcome.results, &expected.results);
            prop_assert_eq!(&outcome.record, &expected.record);
            prop_assert_eq!(&outcome.index, &expected.index);
            prop_assert_eq!(&bounded, &*whole);
        }
    }

    /// A journal read twice from a file, remembering only the ids that may
    /// repeat (`offline`), reaches the same verdict as the memory ledger
    /// that remembers every transfer: on a true journal, and on one with a
    /// last batch of any events sealed onto its chain without being judged
    /// (a forger with the co-op's key: repeats, posts of holds already
    /// ended), which only the replay can catch.
    #[test]
    fn a_journal_read_twice_is_judged_as_with_its_whole_history(
        accounts in open_accounts(),
        batches in proptest::collection::vec(batch(), 1..12),
        forged in proptest::option::of((batch(), proptest::bool::ANY)),
        openings in proptest::bool::ANY,
    ) {
        let mut ledger = MemoryLedger::new(key());
        let mut records: Vec<BatchRecord> = Vec::new();
        records.extend(ledger.apply(accounts, T0).record);
        for (i, batch) in batches.into_iter().enumerate() {
            records.extend(ledger.apply(batch, T0.plus_millis(i as i64)).record);
        }
        if let (Some((mut events, fresh)), Some(last)) = (forged, records.last()) {
            // With ids of their own, its posts, voids and expiries are
            // judged by the holds they name rather than refused as repeats.
            for (i, event) in events.iter_mut().enumerate().filter(|_| fresh) {
                if let Event::Transfer(transfer) = event {
                    transfer.id = TransferId(1_000 + i as u128);
                }
            }
            let (seq, prev) = (last.seq + 1, last.hash);
            records.push(BatchRecord::seal(seq, T0.plus_millis(100), prev, events, &key()));
        }
        let published: Vec<_> = records.iter().map(|r| r.published(&key(), openings)).collect();
        let text = to_json_lines(&published);
        let whole = verify_json_lines(&text);
        let streamed = offline::verify(text.as_bytes(), text.as_bytes());
        match (whole, streamed) {
            (Ok(whole), Ok(streamed)) => prop_assert_eq!(&streamed, &*whole),
            (Err(whole), Err(streamed)) => prop_assert_eq!(streamed, whole),
            (whole, streamed) => prop_assert!(false, "memory: {:?}\ntwo passes: {:?}", whole.map(|l| l.head()), streamed.map(|l| l.head())),
        }
    }

    #[test]
    fn batch_order_within_unrelated_accounts_does_not_change_balances(amounts in proptest::collection::vec(1u64..20, 1..10)) {
        // Issuance pays members in any order: the final balances agree.
        let h = hour();
        let open = vec![issuance(1, &h), member(2, &h, Limit::AtMost(0), Limit::Unlimited), member(3, &h, Limit::AtMost(0), Limit::Unlimited)];
        let events: Vec<Event> = amounts.iter().enumerate().map(|(i, a)| mv(i as u128 + 1, 1, 2 + (i as u64 % 2), *a)).collect();
        let mut forward = MemoryLedger::new(key());
        forward.apply(open.clone(), T0);
        forward.apply(events.clone(), T0);
        let mut backward = MemoryLedger::new(key());
        backward.apply(open, T0);
        backward.apply(events.into_iter().rev().collect(), T0);
        for id in 1..=3 {
            prop_assert_eq!(forward.account(AccountId(id)).map(|a| a.1), backward.account(AccountId(id)).map(|a| a.1));
        }
    }
}
