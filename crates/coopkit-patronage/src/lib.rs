//! Closing a fiscal year: the net surplus goes first to the indivisible
//! reserve (never paid out), then to a pool for each member class, and
//! each pool to the class's members in proportion to their patronage:
//! what they did with the co-op (hours worked, sales, purchases), never
//! what they invested.
//!
//! Every amount is an integer of the currency's minor unit. Rounding is
//! by largest remainder: each share is first rounded down, then the units
//! left over go one each to the largest fractional parts (ties to the
//! lower member id), so the parts always sum to the whole, to the cent.
//!
//! Each member's allocation splits into a cash part, paid now, and a
//! retained part, credited to their capital account. The cash part is at
//! least `cash_percent` of the allocation, rounded up; US law (Subchapter T)
//! asks for 20% for the allocation to be a qualified written notice, so a
//! lower setting is allowed with a warning.
//!
//! What investors may receive on their capital is the other side of that
//! rule, and capped: [`returns`].

pub mod records;
pub mod returns;
pub mod state;

use serde::{Deserialize, Serialize};

pub use coopkit_domain::apportion::largest_remainder;

/// What a class's patronage is measured in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Minutes of work: completed bookings as provider.
    Hours,
    /// What the member sold through the co-op, in minor units.
    Sales,
    /// What the member bought through the co-op, in minor units.
    Purchases,
}

impl Measure {
    /// The name the bylaws and the API give it.
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Hours => "hours",
            Measure::Sales => "sales",
            Measure::Purchases => "purchases",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassPool {
    pub class: String,
    /// The class's share of the surplus after the reserve, in per cent.
    pub percent: u32,
    pub measure: Measure,
}

/// What happens to a loss.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LossRule {
    /// The reserve absorbs it.
    #[default]
    Reserve,
    /// It is carried forward against future surpluses.
    CarryForward,
}

/// The bylaws' rules for closing a year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bylaws {
    /// Share of a surplus to the indivisible reserve, in per cent.
    pub reserve_percent: u32,
    /// Pools for member classes; their percentages sum to 100.
    pub pools: Vec<ClassPool>,
    /// The least cash part of each allocation, in per cent.
    pub cash_percent: u32,
    #[serde(default)]
    pub losses: LossRule,
}

impl Default for Bylaws {
    fn default() -> Self {
        Bylaws {
            reserve_percent: 30,
            pools: Vec::new(),
            cash_percent: QUALIFIED_CASH_PERCENT,
            losses: LossRule::Reserve,
        }
    }
}

/// The US rule for a qualified notice of allocation: at least 20% in cash.
pub const QUALIFIED_CASH_PERCENT: u32 = 20;

impl Bylaws {
    /// What is wrong with these rules, as field and code.
    pub fn problems(&self) -> Vec<(&'static str, &'static str)> {
        let mut problems = Vec::new();
        if self.reserve_percent > 100 {
            problems.push(("reserve_percent", "percent-out-of-range"));
        }
        if self.cash_percent > 100 {
            problems.push(("cash_percent", "percent-out-of-range"));
        }
        if self.pools.is_empty() || self.pools.iter().map(|p| p.percent).sum::<u32>() != 100 {
            problems.push(("pools", "pools-must-sum-to-100"));
        }
        let mut classes: Vec<&str> = self.pools.iter().map(|p| p.class.as_str()).collect();
        classes.sort_unstable();
        classes.dedup();
        if classes.len() != self.pools.len() {
            problems.push(("pools", "pool-class-twice"));
        }
        problems
    }
}

/// One member's patronage for the year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Patronage {
    pub member: i64,
    pub class: String,
    /// In the class's measure.
    pub amount: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberAllocation {
    pub member: i64,
    pub class: String,
    pub patronage: u64,
    /// Of the class's total patronage, in millionths (rounded down).
    pub share_ppm: u64,
    pub amount: u64,
    pub cash: u64,
    pub retained: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolAllocation {
    pub class: String,
    pub measure: Measure,
    pub amount: u64,
    pub total_patronage: u64,
    /// Nobody in the class had patronage, so its pool went to the reserve.
    pub to_reserve: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    /// The year's net result: negative for a loss.
    pub net: i64,
    /// To the indivisible reserve (including pools nobody could share).
    pub reserve: u64,
    /// A loss charged to the reserve.
    pub loss_to_reserve: u64,
    /// A loss carried forward.
    pub loss_carried: u64,
    pub pools: Vec<PoolAllocation>,
    pub members: Vec<MemberAllocation>,
    /// `cash-below-qualified` when the cash part is under 20%.
    pub warnings: Vec<String>,
}

/// Closes a year with `net` (minor units; negative for a loss).
pub fn allocate(net: i64, bylaws: &Bylaws, patronage: &[Patronage]) -> Allocation {
    let mut warnings = Vec::new();
    if bylaws.cash_percent < QUALIFIED_CASH_PERCENT {
        warnings.push("cash-below-qualified".to_owned());
    }
    if net <= 0 {
        let loss = net.unsigned_abs();
        let (to_reserve, carried) = match bylaws.losses {
            LossRule::Reserve => (loss, 0),
            LossRule::CarryForward => (0, loss),
        };
        return Allocation {
            net,
            reserve: 0,
            loss_to_reserve: to_reserve,
            loss_carried: carried,
            pools: Vec::new(),
            members: Vec::new(),
            warnings,
        };
    }
    let surplus = net.unsigned_abs();
    let mut reserve =
        u64::try_from(u128::from(surplus) * u128::from(bylaws.reserve_percent.min(100)) / 100)
            .unwrap_or(surplus);
    let pool_weights: Vec<u64> = bylaws.pools.iter().map(|p| u64::from(p.percent)).collect();
    let pool_amounts = largest_remainder(surplus - reserve, &pool_weights);
    let mut pools = Vec::new();
    let mut members = Vec::new();
    for (pool, amount) in bylaws.pools.iter().zip(pool_amounts) {
        let mut in_class: Vec<&Patronage> = patronage
            .iter()
            .filter(|p| p.class == pool.class && p.amount > 0)
            .collect();
        in_class.sort_by_key(|p| p.member);
        let weights: Vec<u64> = in_class.iter().map(|p| p.amount).collect();
        let total: u64 = weights.iter().sum();
        let to_reserve = total == 0;
        if to_reserve {
            reserve += amount;
        }
        for (p, share) in in_class.iter().zip(largest_remainder(amount, &weights)) {
            let cash = u64::try_from(
                (u128::from(share) * u128::from(bylaws.cash_percent.min(100))).div_ceil(100),
            )
            .unwrap_or(share);
            members.push(MemberAllocation {
                member: p.member,
                class: p.class.clone(),
                patronage: p.amount,
                share_ppm: u64::try_from(u128::from(p.amount) * 1_000_000 / u128::from(total))
                    .unwrap_or(0),
                amount: share,
                cash,
                retained: share - cash,
            });
        }
        pools.push(PoolAllocation {
            class: pool.class.clone(),
            measure: pool.measure,
            amount,
            total_patronage: total,
            to_reserve,
        });
    }
    Allocation {
        net,
        reserve,
        loss_to_reserve: 0,
        loss_carried: 0,
        pools,
        members,
        warnings,
    }
}
