//! Whom a committed batch paid: the members another member's money or
//! tokens reached, named on the batch's event so that they can be told
//! (`coopkit_domain::notice`).

use coopkit_domain::Payee;
use coopkit_ledger::ledger::Ledger;
use coopkit_ledger::{AccountOwner, BatchIndex, TransferKind};

/// What a payment request's transfer gives as its cause, before the
/// request's id: how a batch tells a request paid from any other payment.
pub(super) const REQUEST_CAUSE: &str = "payment-request:";

/// The members paid by another member in a batch `ledger` has applied,
/// from its `index`: by a move, or by a hold posted (a booking settled). A hold
/// moves nothing yet and a void gives nothing back to tell of; transfers
/// from the co-op's own accounts (issuance, patronage) are told of by
/// their own events. Each member once per way they were paid, in order.
pub(super) fn payees(ledger: &Ledger, index: &BatchIndex) -> Vec<Payee> {
    let owner = |account| ledger.account(account).map(|(account, _)| account.owner);
    let mut payees: Vec<Payee> = index
        .transfers
        .iter()
        .filter(|record| {
            matches!(
                record.transfer.kind,
                TransferKind::Move { .. } | TransferKind::Post { .. }
            )
        })
        .filter_map(|record| {
            let transfer = &record.transfer;
            match (owner(record.debit)?, owner(record.credit)?) {
                (AccountOwner::Member(payer), AccountOwner::Member(member))
                    if payer != member && record.amount > 0 =>
                {
                    Some(Payee {
                        member,
                        request: transfer.cause.starts_with(REQUEST_CAUSE),
                    })
                }
                _ => None,
            }
        })
        .collect();
    payees.sort();
    payees.dedup();
    payees
}

#[cfg(test)]
mod tests {
    use super::*;
    use coopkit_domain::{PersonId, Timestamp};
    use coopkit_ledger::{
        Account, AccountId, CoopAccount, CurrencyCode, Event, Limit, MemoryLedger, SealKey,
        Transfer, TransferId,
    };

    fn open(id: u64, owner: AccountOwner) -> Event {
        Event::OpenAccount(Account {
            id: AccountId(id),
            currency: CurrencyCode::parse("HOUR").unwrap(),
            owner,
            debit_limit: Limit::Unlimited,
            balance_cap: Limit::Unlimited,
            closed: false,
        })
    }

    fn transfer(id: u128, kind: TransferKind, cause: &str) -> Event {
        Event::Transfer(Transfer {
            id: TransferId(id),
            kind,
            linked: false,
            memo: String::new(),
            cause: cause.to_owned(),
        })
    }

    fn moved(id: u128, debit: u64, credit: u64, cause: &str) -> Event {
        let kind = TransferKind::Move {
            debit: AccountId(debit),
            credit: AccountId(credit),
            amount: 3,
        };
        transfer(id, kind, cause)
    }

    #[test]
    fn members_paid_by_members_are_named_once_each_way() {
        let (ana, ben, cy) = (PersonId(1), PersonId(2), PersonId(3));
        let mut ledger = MemoryLedger::new(SealKey::from_bytes([1; 32]));
        let accounts = vec![
            open(1, AccountOwner::Coop(CoopAccount::Issuance)),
            open(2, AccountOwner::Member(ana)),
            open(3, AccountOwner::Member(ben)),
            open(4, AccountOwner::Member(cy)),
        ];
        let now = Timestamp(1_000);
        assert!(ledger
            .apply(accounts, now)
            .results
            .iter()
            .all(Result::is_ok));
        let hold = TransferKind::Hold {
            debit: AccountId(2),
            credit: AccountId(4),
            amount: 5,
            timeout_ms: None,
        };
        let batch = vec![
            // Issued to Ana: the co-op paid, not a member.
            moved(10, 1, 2, "issuance:2026-12"),
            moved(11, 2, 3, ""),
            moved(12, 2, 3, "booking:7"),
            moved(13, 2, 3, &format!("{REQUEST_CAUSE}00ff")),
            // Held for Cy: nothing has reached them yet.
            transfer(14, hold, "booking:8"),
        ];
        let outcome = ledger.apply(batch, now);
        assert!(outcome.results.iter().all(Result::is_ok));
        assert_eq!(
            payees(&ledger, &outcome.index),
            vec![
                Payee {
                    member: ben,
                    request: false
                },
                Payee {
                    member: ben,
                    request: true
                },
            ]
        );
        let post = vec![transfer(
            15,
            TransferKind::Post {
                pending: TransferId(14),
                amount: None,
            },
            "booking:8",
        )];
        let outcome = ledger.apply(post, now);
        assert!(outcome.results[0].is_ok());
        assert_eq!(
            payees(&ledger, &outcome.index),
            vec![Payee {
                member: cy,
                request: false
            }]
        );
    }
}
