use coopkit_ledger::journal::{replay, to_json_lines, verify_json_lines, Broken};
use coopkit_ledger::ledger::Applied;
use coopkit_ledger::seal::Private;
use coopkit_ledger::MemoryLedger;
use coopkit_ledger::{
    AccountId, Event, HoldStatus, Limit, Refusal, TransferId, AMOUNT_MAX, HOLD_TIMEOUT_MAX_MS,
};
use coopkit_ledger::{PublishedBatch, SealedEvent, TransferKind};

use crate::support::*;

/// A ledger with issuance (1) and members 2, 3 (debit limit 10, cap 100)
/// and 4 (no credit, cap 20), each member given 50 hours... except 4.
fn sitters() -> MemoryLedger {
    let mut ledger = MemoryLedger::new(key());
    let h = hour();
    let outcome = ledger.apply(
        vec![
            issuance(1, &h),
            member(2, &h, Limit::AtMost(10), Limit::AtMost(100)),
            member(3, &h, Limit::AtMost(10), Limit::AtMost(100)),
            member(4, &h, Limit::AtMost(0), Limit::AtMost(20)),
            mv(1, 1, 2, 50),
            mv(2, 1, 3, 50),
        ],
        T0,
    );
    assert!(
        outcome.results.iter().all(|r| *r == Ok(Applied::New)),
        "{:?}",
        outcome.results
    );
    ledger
}

fn balance(ledger: &MemoryLedger, id: u64) -> i128 {
    ledger.account(AccountId(id)).unwrap().1.balance()
}

fn refusal(ledger: &mut MemoryLedger, event: Event) -> Refusal {
    let outcome = ledger.apply(vec![event], T0);
    assert!(outcome.record.is_none(), "a refused event writes nothing");
    outcome.results[0].unwrap_err()
}

#[test]
fn every_refusal_names_its_reason() {
    let mut l = sitters();
    assert_eq!(refusal(&mut l, mv(0, 2, 3, 1)), Refusal::IdZero);
    assert_eq!(refusal(&mut l, mv(10, 2, 3, 0)), Refusal::AmountZero);
    assert_eq!(
        refusal(&mut l, mv(10, 1, 3, i64::MAX as u64 + 1)),
        Refusal::AmountTooLarge
    );
    assert_eq!(refusal(&mut l, mv(10, 2, 2, 1)), Refusal::SameAccount);
    assert_eq!(
        refusal(&mut l, mv(10, 9, 3, 1)),
        Refusal::DebitAccountUnknown
    );
    assert_eq!(
        refusal(&mut l, mv(10, 2, 9, 1)),
        Refusal::CreditAccountUnknown
    );
    assert_eq!(
        refusal(&mut l, mv(10, 2, 3, 61)),
        Refusal::ExceedsDebitLimit,
        "50 held + 10 credit"
    );
    assert_eq!(
        refusal(&mut l, mv(10, 2, 4, 21)),
        Refusal::ExceedsBalanceCap
    );
    assert_eq!(
        refusal(&mut l, post(10, 99, None)),
        Refusal::PendingNotFound
    );
    assert_eq!(
        refusal(&mut l, post(10, 1, None)),
        Refusal::NotPending,
        "transfer 1 is a move"
    );

    let gbp = coopkit_ledger::CurrencyCode::parse("GBP").unwrap();
    l.apply(
        vec![member(5, &gbp, Limit::AtMost(0), Limit::Unlimited)],
        T0,
    );
    assert_eq!(refusal(&mut l, mv(10, 2, 5, 1)), Refusal::CurrencyMismatch);

    let mut long = mv(10, 2, 3, 1);
    if let Event::Transfer(t) = &mut long {
        t.memo = "x".repeat(257);
    }
    assert_eq!(refusal(&mut l, long), Refusal::TextTooLong);

    l.apply(
        vec![
            member(6, &hour(), Limit::AtMost(0), Limit::Unlimited),
            Event::CloseAccount {
                account: AccountId(6),
            },
        ],
        T0,
    );
    assert_eq!(
        refusal(&mut l, mv(10, 2, 6, 1)),
        Refusal::CreditAccountClosed
    );
    assert_eq!(
        refusal(
            &mut l,
            Event::CloseAccount {
                account: AccountId(2)
            }
        ),
        Refusal::AccountNotEmpty
    );
    assert_eq!(
        refusal(
            &mut l,
            Event::CloseAccount {
                account: AccountId(77)
            }
        ),
        Refusal::AccountUnknown
    );
    assert_eq!(
        refusal(&mut l, member(2, &gbp, Limit::AtMost(0), Limit::Unlimited)),
        Refusal::AccountExists
    );
}

#[test]
fn mutual_credit_goes_down_to_the_limit_and_no_further() {
    let mut l = sitters();
    // Member 2 hands back 60 of its 50: ten hours in debt, its credit line.
    assert_eq!(
        l.apply(vec![mv(10, 2, 1, 60)], T0).results[0],
        Ok(Applied::New)
    );
    assert_eq!(balance(&l, 2), -10);
    assert_eq!(refusal(&mut l, mv(11, 2, 1, 1)), Refusal::ExceedsDebitLimit);
    // A plain account (limit 0) cannot go below zero at all.
    assert_eq!(refusal(&mut l, mv(12, 4, 3, 1)), Refusal::ExceedsDebitLimit);
    // Raising the limit is an event too.
    l.apply(
        vec![Event::SetLimits {
            account: AccountId(2),
            debit_limit: Limit::AtMost(20),
            balance_cap: Limit::AtMost(100),
        }],
        T0,
    );
    assert_eq!(
        l.apply(vec![mv(11, 2, 1, 10)], T0).results[0],
        Ok(Applied::New)
    );
    assert_eq!(balance(&l, 2), -20);
}

#[test]
fn holds_count_against_limits_then_post_in_part_or_void() {
    let mut l = sitters();
    // A booking holds 40 of member 2's 50.
    assert_eq!(
        l.apply(vec![hold(10, 2, 3, 40, None)], T0).results[0],
        Ok(Applied::New)
    );
    let (_, b) = l.account(AccountId(2)).unwrap();
    assert_eq!((b.balance(), b.available()), (50, 10));
    assert_eq!(l.hold_status(TransferId(10)), Some(HoldStatus::Open));
    assert_eq!(l.hold_status(TransferId(11)), None, "not a hold");
    assert_eq!(
        refusal(&mut l, mv(11, 2, 3, 21)),
        Refusal::ExceedsDebitLimit,
        "10 left + 10 credit"
    );

    // The sit took less time than booked: post 30, release the rest.
    assert_eq!(
        refusal(&mut l, post(12, 10, Some(41))),
        Refusal::PostExceedsPending
    );
    assert_eq!(
        l.apply(vec![post(12, 10, Some(30))], T0).results[0],
        Ok(Applied::New)
    );
    assert_eq!((balance(&l, 2), balance(&l, 3)), (20, 80));
    assert_eq!(l.hold_status(TransferId(10)), Some(HoldStatus::Posted));
    assert_eq!(l.account(AccountId(2)).unwrap().1.debits_pending, 0);
    assert_eq!(
        refusal(&mut l, post(13, 10, None)),
        Refusal::PendingAlreadyPosted
    );
    assert_eq!(refusal(&mut l, void(13, 10)), Refusal::PendingAlreadyPosted);

    // A cancelled booking: void releases everything.
    l.apply(vec![hold(20, 3, 2, 15, None)], T0);
    assert_eq!(l.apply(vec![void(21, 20)], T0).results[0], Ok(Applied::New));
    assert_eq!(l.hold_status(TransferId(20)), Some(HoldStatus::Voided));
    assert_eq!(
        refusal(&mut l, post(22, 20, None)),
        Refusal::PendingAlreadyVoided
    );
    assert_eq!(l.account(AccountId(3)).unwrap().1.available(), 80);
}

#[test]
fn holds_lapse_at_their_timeout() {
    let mut l = sitters();
    l.apply(vec![hold(10, 2, 3, 40, Some(60_000))], T0);
    assert!(l.expired_holds(T0.plus_millis(59_999)).is_empty());
    let due = l.expired_holds(T0.plus_millis(60_000));
    assert_eq!(due, vec![coopkit_ledger::TransferId(10)]);
    // Posting after the deadline is refused even before the expiry runs.
    assert_eq!(
        l.apply(vec![post(11, 10, None)], T0.plus_millis(60_000))
            .results[0],
        Err(Refusal::PendingExpired)
    );
    let expired = l.apply(
        vec![Event::Expire { pending: due[0] }],
        T0.plus_millis(60_000),
    );
    assert_eq!(expired.results[0], Ok(Applied::New));
    assert_eq!(l.hold_status(due[0]), Some(HoldStatus::Expired));
    assert_eq!(l.account(AccountId(2)).unwrap().1.available(), 50);
    assert!(l.expired_holds(T0.plus_millis(120_000)).is_empty());
}

#[test]
fn resubmitting_a_transfer_changes_nothing() {
    let mut l = sitters();
    let first = l.apply(vec![mv(10, 2, 3, 5)], T0);
    assert_eq!(first.results[0], Ok(Applied::New));
    let again = l.apply(vec![mv(10, 2, 3, 5)], T0.plus_millis(1000));
    assert_eq!(again.results[0], Ok(Applied::Replayed));
    assert!(again.record.is_none(), "a replay extends no chain");
    assert_eq!(balance(&l, 2), 45);
    assert_eq!(
        l.transfer(coopkit_ledger::TransferId(10))
            .unwrap()
            .timestamp,
        T0,
        "the first result stands"
    );
    assert_eq!(
        refusal(&mut l, mv(10, 2, 3, 6)),
        Refusal::ExistsWithDifferentFields
    );
}

#[test]
fn a_linked_chain_commits_all_or_nothing() {
    let mut l = sitters();
    let head = l.head();
    // 2 pays 3, then 3 pays 4 more than 4's cap allows: neither happens.
    let outcome = l.apply(
        vec![linked(mv(10, 2, 3, 5)), mv(11, 3, 4, 25), mv(12, 2, 3, 1)],
        T0,
    );
    assert_eq!(
        outcome.results,
        vec![
            Err(Refusal::LinkedEventFailed),
            Err(Refusal::ExceedsBalanceCap),
            Ok(Applied::New)
        ]
    );
    assert_eq!(
        (balance(&l, 2), balance(&l, 3), balance(&l, 4)),
        (49, 51, 0)
    );
    assert!(
        l.transfer(coopkit_ledger::TransferId(10)).is_none(),
        "the linked transfer left no record"
    );
    let record = outcome.record.unwrap();
    assert_eq!(
        record.events.len(),
        1,
        "only the unlinked transfer is journaled"
    );
    assert_eq!(record.prev_hash, head);

    // The failing link comes first: the ones after it fail too.
    let outcome = l.apply(
        vec![
            linked(mv(20, 4, 3, 1)),
            linked(mv(21, 2, 3, 1)),
            mv(22, 2, 3, 1),
        ],
        T0,
    );
    assert_eq!(
        outcome.results,
        vec![
            Err(Refusal::ExceedsDebitLimit),
            Err(Refusal::LinkedEventFailed),
            Err(Refusal::LinkedEventFailed)
        ]
    );
    assert!(outcome.record.is_none());

    // A batch may not end inside a chain.
    let outcome = l.apply(vec![mv(30, 2, 3, 1), linked(mv(31, 2, 3, 1))], T0);
    assert_eq!(
        outcome.results,
        vec![Ok(Applied::New), Err(Refusal::LinkedChainOpen)]
    );
    assert_eq!(balance(&l, 2), 48);
}

#[test]
fn oversized_batches_are_refused_whole() {
    let mut l = sitters();
    let events: Vec<_> = (0..=coopkit_ledger::BATCH_MAX as u128)
        .map(|i| mv(100 + i, 2, 3, 1))
        .collect();
    let outcome = l.apply(events, T0);
    assert!(outcome
        .results
        .iter()
        .all(|r| *r == Err(Refusal::BatchTooLarge)));
    assert!(outcome.record.is_none());
}

/// Replays published batches, each with the openings it carries.
fn replay_all<'a>(
    batches: impl IntoIterator<Item = &'a PublishedBatch>,
) -> Result<MemoryLedger, Broken> {
    replay(
        batches
            .into_iter()
            .enumerate()
            .map(|(i, b)| (i + 1, b, &b.openings[..])),
    )
}

#[test]
fn the_journal_replays_and_tampering_is_found() {
    let mut l = MemoryLedger::new(key());
    let h = hour();
    let mut records = Vec::new();
    for batch in [
        vec![
            issuance(1, &h),
            member(2, &h, Limit::AtMost(10), Limit::Unlimited),
            member(3, &h, Limit::AtMost(10), Limit::Unlimited),
        ],
        vec![mv(1, 1, 2, 20), hold(2, 2, 3, 5, None)],
        vec![post(3, 2, Some(4)), mv(4, 3, 2, 1)],
    ] {
        records.push(l.apply(batch, T0).record.unwrap());
    }
    let published: Vec<PublishedBatch> =
        records.iter().map(|r| r.published(&key(), false)).collect();
    let rebuilt = replay_all(&published).unwrap();
    assert_eq!(rebuilt.head(), l.head());
    for id in 1..=3 {
        assert_eq!(
            rebuilt.account(AccountId(id)).unwrap().1,
            l.account(AccountId(id)).unwrap().1
        );
    }

    // Change an amount: the hash no longer matches.
    let mut altered = published.clone();
    if let SealedEvent::Transfer(t) = &mut altered[1].events[0] {
        t.kind = coopkit_ledger::TransferKind::Move {
            debit: AccountId(1),
            credit: AccountId(2),
            amount: 2000,
        };
    }
    let broken = replay_all(&altered).unwrap_err();
    assert_eq!(broken, Broken::HashMismatch { line: 2, seq: 1 });

    // Re-hash the altered batch: the next one no longer chains onto it.
    let mut rewritten = records.clone();
    if let Event::Transfer(t) = &mut rewritten[1].events[0] {
        t.memo = "rewritten".into();
    }
    rewritten[1] = coopkit_ledger::BatchRecord::seal(
        1,
        rewritten[1].timestamp,
        rewritten[1].prev_hash,
        rewritten[1].events.clone(),
        &key(),
    );
    let rewritten: Vec<_> = rewritten
        .iter()
        .map(|r| r.published(&key(), false))
        .collect();
    let broken = replay_all(&rewritten).unwrap_err();
    assert_eq!(broken, Broken::ChainBroken { line: 3, seq: 2 });

    // Drop a batch: out of order.
    let broken = replay_all([&published[0], &published[2]]).unwrap_err();
    assert_eq!(
        broken,
        Broken::OutOfOrder {
            line: 2,
            seq: 2,
            expected_seq: 1
        }
    );
}

#[test]
fn the_published_journal_names_no_member_and_shows_no_memo() {
    let mut l = MemoryLedger::new(key());
    let h = hour();
    let mut paid = transfer(
        1,
        TransferKind::Move {
            debit: AccountId(1),
            credit: AccountId(2),
            amount: 20,
        },
    );
    paid.memo = "Friday evening, 3 hours".into();
    paid.cause = "booking:42".into();
    let mut records = Vec::new();
    for batch in [
        vec![
            issuance(1, &h),
            member(2, &h, Limit::AtMost(10), Limit::Unlimited),
        ],
        vec![Event::Transfer(paid.clone())],
    ] {
        records.push(l.apply(batch, T0).record.unwrap());
    }
    let text = to_json_lines(
        &records
            .iter()
            .map(|r| r.published(&key(), false))
            .collect::<Vec<_>>(),
    );
    assert!(!text.contains("Friday"), "{text}");
    assert!(!text.contains("booking"), "{text}");
    // Member 2's owner is person 2: no "id":2 beside "member".
    assert!(!text.contains(r#""kind":"member","id""#), "{text}");
    assert!(text.contains(r#""kind":"coop","id":"issuance""#), "{text}");
    // It verifies, and the rebuilt transfer has its amount but no memo.
    let sealed = verify_json_lines(&text).unwrap();
    assert_eq!(sealed.head(), l.head());
    let seen = sealed.transfer(TransferId(1)).unwrap();
    assert_eq!((seen.amount, seen.transfer.memo.as_str()), (20, ""));

    // The coordinators' download carries the openings, and they hold.
    let opened: Vec<_> = records.iter().map(|r| r.published(&key(), true)).collect();
    let whole = verify_json_lines(&to_json_lines(&opened)).unwrap();
    assert_eq!(whole.transfer(TransferId(1)).unwrap().transfer, paid);

    // An opening that claims another memo does not match its commitment.
    let mut lying = opened.clone();
    if let Private::Transfer { memo, .. } = &mut lying[1].openings[0].private {
        *memo = "Saturday".into();
    }
    assert_eq!(
        replay_all(&lying).unwrap_err(),
        Broken::OpeningWrong {
            line: 2,
            seq: 1,
            event: 0
        }
    );
    // Nor does a salt from another event: each opens its own.
    let mut borrowed = opened;
    borrowed[1].openings[0].salt = key().salt(0, 0);
    assert!(matches!(
        replay_all(&borrowed),
        Err(Broken::OpeningWrong { .. })
    ));
}

#[test]
fn statements_page_newest_first_and_forget_refused_chains() {
    let mut l = sitters();
    for i in 0..5 {
        l.apply(vec![mv(100 + i, 2, 3, 1)], T0);
    }
    // A refused chain leaves no trace in anyone's history.
    l.apply(vec![linked(mv(200, 2, 3, 1)), mv(201, 4, 3, 1)], T0);
    let ids = |page: Vec<(&coopkit_ledger::Line, &coopkit_ledger::TransferRecord)>| {
        page.iter()
            .map(|(_, r)| r.transfer.id.0)
            .collect::<Vec<_>>()
    };
    let (first, next) = l.statement(AccountId(2), None, 3);
    assert_eq!(ids(first), [104, 103, 102]);
    let (second, next) = l.statement(AccountId(2), next, 3);
    assert_eq!(ids(second), [101, 100, 1]);
    assert_eq!(next, None, "the issue from batch 0 was the first line");
    assert_eq!(
        l.statement(AccountId(2), None, 1).0[0].0.seq,
        5,
        "each line knows its batch"
    );
    assert!(l.statement(AccountId(99), None, 3).0.is_empty());
}

/// Found probing the API: a debit limit of 2^64 − 1 was accepted, two
/// transfers of i64::MAX went through, and a balance was reported as
/// −18446744073709551592. Limits, timeouts and balances now stay in range.
#[test]
fn limits_timeouts_and_balances_stay_inside_an_i64() {
    let mut l = sitters();
    let h = hour();
    assert_eq!(
        refusal(
            &mut l,
            member(7, &h, Limit::AtMost(u64::MAX), Limit::Unlimited)
        ),
        Refusal::LimitTooLarge
    );
    assert_eq!(
        refusal(
            &mut l,
            Event::SetLimits {
                account: AccountId(2),
                debit_limit: Limit::AtMost(10),
                balance_cap: Limit::AtMost(AMOUNT_MAX + 1),
            }
        ),
        Refusal::LimitTooLarge
    );
    assert_eq!(
        refusal(&mut l, hold(20, 2, 3, 1, Some(HOLD_TIMEOUT_MAX_MS + 1))),
        Refusal::TimeoutTooLarge
    );
    let made = l.apply(vec![hold(20, 2, 3, 1, Some(HOLD_TIMEOUT_MAX_MS))], T0);
    assert_eq!(
        made.results,
        [Ok(Applied::New)],
        "the longest timeout is taken"
    );

    // At the bound, a limit lets the balance reach −i64::MAX and no further.
    let edge = l.apply(
        vec![
            member(7, &h, Limit::AtMost(AMOUNT_MAX), Limit::Unlimited),
            member(8, &h, Limit::AtMost(0), Limit::Unlimited),
            mv(21, 7, 8, AMOUNT_MAX),
        ],
        T0,
    );
    assert!(
        edge.results.iter().all(|r| *r == Ok(Applied::New)),
        "{:?}",
        edge.results
    );
    assert_eq!(balance(&l, 7), -i128::from(AMOUNT_MAX));
    assert_eq!(refusal(&mut l, mv(22, 7, 8, 1)), Refusal::ExceedsDebitLimit);
    // Issuance is unlimited, but the balance it pays into is full: 8 holds
    // i64::MAX already.
    assert_eq!(refusal(&mut l, mv(22, 1, 8, 1)), Refusal::BalanceOutOfRange);
    // And issuance itself stops at −i64::MAX, holds counted: 100 issued,
    // and all but 10 of the rest held.
    let drained = l.apply(
        vec![
            member(9, &h, Limit::AtMost(0), Limit::Unlimited),
            hold(23, 1, 9, AMOUNT_MAX - 110, None),
        ],
        T0,
    );
    assert!(
        drained.results.iter().all(|r| *r == Ok(Applied::New)),
        "{:?}",
        drained.results
    );
    assert_eq!(
        refusal(&mut l, mv(24, 1, 4, 20)),
        Refusal::BalanceOutOfRange
    );
    for (_, b) in l.accounts() {
        assert!(
            b.balance().unsigned_abs() <= u128::from(AMOUNT_MAX),
            "{b:?}"
        );
        assert!(
            b.available().unsigned_abs() <= u128::from(AMOUNT_MAX),
            "{b:?}"
        );
    }
}
