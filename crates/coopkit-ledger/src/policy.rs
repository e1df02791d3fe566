//! Policies applied once per calendar month: issuing tokens to members,
//! demurrage on large balances, dues. Applying a month is idempotent
//! because every transfer it makes has an id derived from the policy, the
//! currency, the month and the owner: the second time, the ledger finds
//! each id already there and changes nothing.

use serde::{Deserialize, Serialize};

use crate::account::{AccountOwner, CurrencyCode};
use crate::transfer::TransferId;

/// A currency's policies: what it issues each month and to each new
/// member, and its demurrage. All zero: none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Tokens issued to every active member each month.
    pub issuance_per_month: u64,
    /// Demurrage, in basis points (1/100 of a percent) of the part of a
    /// balance above `demurrage_threshold`, charged each month.
    pub demurrage_bp: u16,
    pub demurrage_threshold: u64,
    /// Tokens issued once to each member when they are admitted: the
    /// first sitting a new family can pay for.
    #[serde(default)]
    pub joining_grant: u64,
}

impl Policy {
    /// This month's demurrage on a balance: rounded down, so nobody pays a
    /// fraction of a minor unit they do not owe.
    pub fn demurrage(&self, balance: i128) -> u64 {
        let above = balance - i128::from(self.demurrage_threshold);
        if self.demurrage_bp == 0 || above <= 0 {
            return 0;
        }
        u64::try_from(above * i128::from(self.demurrage_bp) / 10_000).unwrap_or(u64::MAX)
    }
}

/// A calendar month, written `YYYY-MM`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub year: u16,
    pub month: u8,
}

impl Period {
    pub fn parse(raw: &str) -> Result<Period, &'static str> {
        let (year, month) = raw.trim().split_once('-').ok_or("period-format")?;
        let (year, month): (u16, u8) = (
            year.parse().map_err(|_| "period-format")?,
            month.parse().map_err(|_| "period-format")?,
        );
        if !(2000..=9999).contains(&year) || !(1..=12).contains(&month) || raw.trim().len() != 7 {
            return Err("period-format");
        }
        Ok(Period { year, month })
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Which policy a transfer carries out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKind {
    Issuance,
    Demurrage,
    Dues,
}

impl PolicyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::Issuance => "issuance",
            PolicyKind::Demurrage => "demurrage",
            PolicyKind::Dues => "dues",
        }
    }
}

/// The id of the transfer that carries out `kind` for `owner` in
/// `currency` for `period`: the first 128 bits of a SHA-256 of those, so
/// the same month applied twice names the same transfers.
pub fn policy_transfer_id(
    kind: PolicyKind,
    currency: &CurrencyCode,
    period: Period,
    owner: AccountOwner,
) -> TransferId {
    let owner = match owner {
        AccountOwner::Member(person) => format!("member:{}", person.0),
        AccountOwner::Coop(account) => format!("coop:{account:?}"),
    };
    TransferId::derived(&format!(
        "coopkit-policy|{}|{}|{period}|{owner}",
        kind.as_str(),
        currency.as_str()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use coopkit_domain::PersonId;

    #[test]
    fn demurrage_rounds_down_and_spares_small_balances() {
        let policy = Policy {
            demurrage_bp: 100,
            demurrage_threshold: 10,
            ..Policy::default()
        };
        assert_eq!(policy.demurrage(110), 1, "1% of the 100 above 10");
        assert_eq!(policy.demurrage(209), 1, "1.99 rounds down");
        assert_eq!(policy.demurrage(10), 0);
        assert_eq!(policy.demurrage(-50), 0);
        assert_eq!(Policy::default().demurrage(1_000_000), 0);
    }

    #[test]
    fn periods_are_calendar_months() {
        assert_eq!(Period::parse("2026-11").unwrap().to_string(), "2026-11");
        for bad in [
            "2026-13", "2026-00", "26-11", "2026-1", "2026/11", "november",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn policy_ids_are_stable_and_distinct() {
        let hour = CurrencyCode::parse("HOUR").unwrap();
        let nov = Period::parse("2026-11").unwrap();
        let dec = Period::parse("2026-12").unwrap();
        let ana = AccountOwner::Member(PersonId(1));
        let id = policy_transfer_id(PolicyKind::Issuance, &hour, nov, ana);
        assert_eq!(
            id,
            policy_transfer_id(PolicyKind::Issuance, &hour, nov, ana)
        );
        assert_ne!(
            id,
            policy_transfer_id(PolicyKind::Issuance, &hour, dec, ana)
        );
        assert_ne!(
            id,
            policy_transfer_id(PolicyKind::Demurrage, &hour, nov, ana)
        );
        assert_ne!(
            id,
            policy_transfer_id(
                PolicyKind::Issuance,
                &hour,
                nov,
                AccountOwner::Member(PersonId(2))
            )
        );
    }
}
