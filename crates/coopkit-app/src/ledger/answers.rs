//! What the ledger writer answers with: accounts with their balances, and
//! a transfer with the owners a use case needs to decide who may act on it.

use coopkit_ledger::ledger::{HoldStatus, TransferRecord};
use coopkit_ledger::{Account, AccountId, AccountOwner, Balances, CurrencyCode};

/// An account with its balances, as queries return it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountView {
    pub account: Account,
    pub balances: Balances,
}

/// A transfer found by id, with the owners and state a use case needs to
/// decide who may act on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferView {
    pub record: TransferRecord,
    pub currency: CurrencyCode,
    pub debit_owner: AccountOwner,
    pub credit_owner: AccountOwner,
    /// `Some` when the transfer made a hold.
    pub hold: Option<HoldStatus>,
}

/// Which of a co-op's accounts to read.
#[derive(Debug)]
pub enum Accounts {
    All,
    OwnedBy(AccountOwner),
    Ids(Vec<AccountId>),
}

impl Accounts {
    pub(super) fn includes(&self, account: &Account) -> bool {
        match self {
            Accounts::All => true,
            Accounts::OwnedBy(owner) => account.owner == *owner,
            Accounts::Ids(ids) => ids.contains(&account.id),
        }
    }
}
