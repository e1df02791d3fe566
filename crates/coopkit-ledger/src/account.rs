//! Currencies, accounts, their limits and their balances.

use coopkit_domain::PersonId;

use crate::transfer::AMOUNT_MAX;
use serde::{Deserialize, Serialize};

/// An account's number within its co-op's ledger. Zero is never an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccountId(pub u64);

/// A currency's code within a co-op: `HOUR`, `GBP`, `BRISTOL`. Three to
/// eight capital letters or digits, starting with a letter.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CurrencyCode(String);

impl CurrencyCode {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let ok = (3..=8).contains(&raw.len())
            && raw.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
            && raw
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err("currency-code-format")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CurrencyCode {
    type Error = &'static str;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CurrencyCode> for String {
    fn from(code: CurrencyCode) -> String {
        code.0
    }
}

impl std::fmt::Display for CurrencyCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The co-op's own accounts, one of each per currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CoopAccount {
    /// Where new tokens come from: debited when tokens are issued, so its
    /// balance is minus the tokens in circulation. Unlimited debit.
    Issuance,
    /// Members' dues arrive here.
    Dues,
    /// The indivisible reserve.
    Reserve,
    /// Charges such as demurrage arrive here.
    Fees,
    /// A fund members contribute to and vote to spend.
    Fund,
    /// The co-op's part of sales and plays: its surplus, returned to its
    /// members as patronage.
    Sales,
}

/// Whose an account is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "id")]
pub enum AccountOwner {
    Member(PersonId),
    Coop(CoopAccount),
}

/// A bound on how far a balance may go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "amount")]
pub enum Limit {
    Unlimited,
    AtMost(u64),
}

impl Limit {
    /// Whether the limit fits the ledger's range: an amount no larger than
    /// [`AMOUNT_MAX`], so that every balance stays inside an `i64`.
    pub fn is_within_bounds(self) -> bool {
        match self {
            Limit::Unlimited => true,
            Limit::AtMost(amount) => amount <= AMOUNT_MAX,
        }
    }

    fn as_u128(self) -> Option<u128> {
        match self {
            Limit::Unlimited => None,
            Limit::AtMost(amount) => Some(u128::from(amount)),
        }
    }
}

/// An account as opened, with its current limits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    pub currency: CurrencyCode,
    pub owner: AccountOwner,
    /// How far below zero the balance may go: zero for a plain account,
    /// the credit line for mutual credit, unlimited for issuance.
    pub debit_limit: Limit,
    /// How high the balance may rise, so nobody hoards tokens.
    pub balance_cap: Limit,
    pub closed: bool,
}

/// An account's running totals, in minor units. Posted and pending are
/// kept apart, as in TigerBeetle, so a hold counts against the limits
/// without moving the balance. u128 so that no sequence of u64 amounts can
/// overflow them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balances {
    pub debits_posted: u128,
    pub credits_posted: u128,
    pub debits_pending: u128,
    pub credits_pending: u128,
}

impl Balances {
    /// Credits less debits, posted only. Within ±[`AMOUNT_MAX`]: the
    /// ledger refuses any transfer that would take it, or the available
    /// balance, further (`Refusal::BalanceOutOfRange`).
    pub fn balance(&self) -> i128 {
        // Both totals are below 2^127 for any ledger that fits in memory.
        self.credits_posted as i128 - self.debits_posted as i128
    }

    /// Whether anything was ever posted or held to or from the account.
    pub fn has_moved(&self) -> bool {
        *self != Balances::default()
    }

    /// The balance once every pending hold is posted: what the account can
    /// count on.
    pub fn available(&self) -> i128 {
        self.balance() - self.debits_pending as i128
    }

    /// Whether debiting `amount` more (posted or pending) keeps the
    /// balance, counting holds, at or above minus the debit limit.
    pub(crate) fn can_debit(&self, amount: u64, limit: Limit) -> bool {
        let Some(limit) = limit.as_u128() else {
            return true;
        };
        let debits = self.debits_posted + self.debits_pending + u128::from(amount);
        debits <= self.credits_posted + limit
    }

    /// Whether moving `amount` more out (or in) keeps the balance, holds
    /// counted, inside ±[`AMOUNT_MAX`], whatever the limits say.
    pub(crate) fn stays_in_range(&self, debit: u64, credit: u64) -> bool {
        self.can_debit(debit, Limit::AtMost(AMOUNT_MAX))
            && self.can_credit(credit, Limit::AtMost(AMOUNT_MAX))
    }

    /// Whether crediting `amount` more keeps the balance, counting
    /// incoming holds, at or below the cap.
    pub(crate) fn can_credit(&self, amount: u64, cap: Limit) -> bool {
        let Some(cap) = cap.as_u128() else {
            return true;
        };
        let credits = self.credits_posted + self.credits_pending + u128::from(amount);
        credits <= self.debits_posted + cap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currency_codes() {
        assert!(CurrencyCode::parse("HOUR").is_ok());
        assert!(CurrencyCode::parse("B2B").is_ok());
        for bad in ["GB", "gbp", "2GB", "TOOLONGCODE", "GB P"] {
            assert!(CurrencyCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn limits_count_holds() {
        let b = Balances {
            debits_posted: 10,
            credits_posted: 10,
            debits_pending: 5,
            credits_pending: 0,
        };
        assert_eq!((b.balance(), b.available()), (0, -5));
        assert!(b.can_debit(15, Limit::AtMost(20)));
        assert!(!b.can_debit(16, Limit::AtMost(20)));
        assert!(b.can_debit(u64::MAX, Limit::Unlimited));
        assert!(b.can_credit(7, Limit::AtMost(7)));
        assert!(!b.can_credit(8, Limit::AtMost(7)));
    }
}
