//! A currency as a co-op defines it: what it measures, its minor unit,
//! the limits new accounts get, and its monthly policy.

use crate::account::CurrencyCode;
use crate::policy::Policy;

/// A currency as a co-op defines it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Currency {
    pub code: CurrencyCode,
    pub name: String,
    /// `time`, `money` or `community`.
    pub kind: CurrencyKind,
    /// Decimal places of the minor unit: 2 for pence, 0 for whole tokens.
    pub scale: u8,
    /// `None`: unlimited.
    pub default_debit_limit: Option<u64>,
    pub default_balance_cap: Option<u64>,
    /// Issuance and demurrage, applied each month by `coopkit ledger tick`.
    pub policy: Policy,
}

/// The rules of a currency its members may vote to change: what new
/// accounts open with and what the monthly tick applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrencyRules {
    /// `None`: unlimited.
    pub default_debit_limit: Option<u64>,
    pub default_balance_cap: Option<u64>,
    pub policy: Policy,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CurrencyKind {
    Time,
    Money,
    Community,
}

impl CurrencyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CurrencyKind::Time => "time",
            CurrencyKind::Money => "money",
            CurrencyKind::Community => "community",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        match raw {
            "time" => Ok(CurrencyKind::Time),
            "money" => Ok(CurrencyKind::Money),
            "community" => Ok(CurrencyKind::Community),
            _ => Err("currency-kind-unknown"),
        }
    }
}
