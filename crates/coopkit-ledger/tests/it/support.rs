use coopkit_domain::{PersonId, Timestamp};
use coopkit_ledger::{
    Account, AccountId, AccountOwner, CoopAccount, CurrencyCode, Event, Limit, SealKey, Transfer,
    TransferId, TransferKind,
};

pub const T0: Timestamp = Timestamp::from_millis(1_800_000_000_000);

/// The co-op's secret for its journal's commitments.
pub fn key() -> SealKey {
    SealKey::from_bytes([7; 32])
}

pub fn hour() -> CurrencyCode {
    CurrencyCode::parse("HOUR").unwrap()
}

pub fn member(id: u64, currency: &CurrencyCode, debit_limit: Limit, cap: Limit) -> Event {
    Event::OpenAccount(Account {
        id: AccountId(id),
        currency: currency.clone(),
        owner: AccountOwner::Member(PersonId(id as i64)),
        debit_limit,
        balance_cap: cap,
        closed: false,
    })
}

pub fn issuance(id: u64, currency: &CurrencyCode) -> Event {
    Event::OpenAccount(Account {
        id: AccountId(id),
        currency: currency.clone(),
        owner: AccountOwner::Coop(CoopAccount::Issuance),
        debit_limit: Limit::Unlimited,
        balance_cap: Limit::Unlimited,
        closed: false,
    })
}

pub fn transfer(id: u128, kind: TransferKind) -> Transfer {
    Transfer {
        id: TransferId(id),
        kind,
        linked: false,
        memo: String::new(),
        cause: String::new(),
    }
}

pub fn mv(id: u128, debit: u64, credit: u64, amount: u64) -> Event {
    Event::Transfer(transfer(
        id,
        TransferKind::Move {
            debit: AccountId(debit),
            credit: AccountId(credit),
            amount,
        },
    ))
}

pub fn hold(id: u128, debit: u64, credit: u64, amount: u64, timeout_ms: Option<u64>) -> Event {
    Event::Transfer(transfer(
        id,
        TransferKind::Hold {
            debit: AccountId(debit),
            credit: AccountId(credit),
            amount,
            timeout_ms,
        },
    ))
}

pub fn post(id: u128, pending: u128, amount: Option<u64>) -> Event {
    Event::Transfer(transfer(
        id,
        TransferKind::Post {
            pending: TransferId(pending),
            amount,
        },
    ))
}

pub fn void(id: u128, pending: u128) -> Event {
    Event::Transfer(transfer(
        id,
        TransferKind::Void {
            pending: TransferId(pending),
        },
    ))
}

pub fn linked(event: Event) -> Event {
    match event {
        Event::Transfer(mut t) => {
            t.linked = true;
            Event::Transfer(t)
        }
        other => other,
    }
}
