#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use coopkit_patronage::{
    allocate, largest_remainder, Bylaws, ClassPool, LossRule, Measure, Patronage,
};
use proptest::prelude::*;

fn cleaners() -> Bylaws {
    Bylaws {
        reserve_percent: 30,
        pools: vec![
            ClassPool {
                class: "workers".into(),
                percent: 80,
                measure: Measure::Hours,
            },
            ClassPool {
                class: "customers".into(),
                percent: 20,
                measure: Measure::Purchases,
            },
        ],
        cash_percent: 20,
        losses: LossRule::Reserve,
    }
}

fn p(member: i64, class: &str, amount: u64) -> Patronage {
    Patronage {
        member,
        class: class.into(),
        amount,
    }
}

#[test]
fn a_surplus_goes_to_the_reserve_then_by_work_to_the_cent() {
    // 10,000.00 surplus: 3,000.00 reserve; workers 5,600.00; customers 1,400.00.
    let patronage = [
        p(1, "workers", 600),
        p(2, "workers", 300),
        p(3, "workers", 100),
        p(4, "customers", 1),
        p(5, "customers", 1),
        p(6, "customers", 1),
    ];
    let a = allocate(1_000_000, &cleaners(), &patronage);
    assert_eq!(a.reserve, 300_000);
    assert_eq!(a.pools[0].amount, 560_000);
    assert_eq!(a.pools[1].amount, 140_000);
    let amounts: Vec<u64> = a.members.iter().map(|m| m.amount).collect();
    // 1,400.00 in three: 466.67, 466.67, 466.66 (the first two remainders win).
    assert_eq!(amounts, [336_000, 168_000, 56_000, 46_667, 46_667, 46_666]);
    assert_eq!(amounts.iter().sum::<u64>() + a.reserve, 1_000_000);
    let first = &a.members[0];
    assert_eq!((first.cash, first.retained), (67_200, 268_800));
    // 20% of 466.67 is 93.334: rounded up, the cash part is never below it.
    assert_eq!(a.members[3].cash, 9_334);
    assert!(a.warnings.is_empty());
}

#[test]
fn a_loss_is_charged_to_the_reserve_or_carried_forward() {
    let a = allocate(-50_000, &cleaners(), &[p(1, "workers", 10)]);
    assert_eq!((a.loss_to_reserve, a.loss_carried), (50_000, 0));
    assert!(a.members.is_empty());
    let forward = Bylaws {
        losses: LossRule::CarryForward,
        ..cleaners()
    };
    let a = allocate(-50_000, &forward, &[p(1, "workers", 10)]);
    assert_eq!((a.loss_to_reserve, a.loss_carried), (0, 50_000));
}

#[test]
fn a_pool_nobody_can_share_goes_to_the_reserve_and_low_cash_warns() {
    let bylaws = Bylaws {
        cash_percent: 10,
        ..cleaners()
    };
    let a = allocate(100_000, &bylaws, &[p(1, "workers", 10)]);
    assert!(a.pools[1].to_reserve);
    assert_eq!(a.reserve, 30_000 + 14_000);
    assert_eq!(a.members[0].amount, 56_000);
    assert_eq!(a.warnings, ["cash-below-qualified"]);
    assert_eq!(cleaners().problems(), []);
    let bad = Bylaws {
        pools: vec![cleaners().pools[0].clone()],
        ..cleaners()
    };
    assert_eq!(bad.problems(), [("pools", "pools-must-sum-to-100")]);
}

proptest! {
    /// Nothing is lost or made: the reserve and the allocations sum to the
    /// surplus; cash and retained to each allocation; cash is at least
    /// its share; and more patronage never means less.
    #[test]
    fn allocations_sum_to_the_surplus_exactly(
        net in 1i64..10_000_000_000,
        reserve in 0u32..=100,
        cash in 0u32..=100,
        work in proptest::collection::vec(0u64..100_000, 0..40),
        buys in proptest::collection::vec(0u64..1_000_000, 0..40),
    ) {
        let bylaws = Bylaws { reserve_percent: reserve, cash_percent: cash, ..cleaners() };
        let mut patronage: Vec<Patronage> = work.iter().enumerate().map(|(i, &a)| p(i as i64, "workers", a)).collect();
        patronage.extend(buys.iter().enumerate().map(|(i, &a)| p(1000 + i as i64, "customers", a)));
        let a = allocate(net, &bylaws, &patronage);
        let given: u64 = a.members.iter().map(|m| m.amount).sum();
        prop_assert_eq!(given + a.reserve, net as u64);
        for m in &a.members {
            prop_assert_eq!(m.cash + m.retained, m.amount);
            prop_assert!(u128::from(m.cash) * 100 >= u128::from(m.amount) * u128::from(cash));
        }
        for x in &a.members {
            for y in &a.members {
                if x.class == y.class && x.patronage > y.patronage {
                    prop_assert!(x.amount >= y.amount);
                }
            }
        }
    }

    #[test]
    fn largest_remainder_parts_sum_to_the_whole(
        whole in 0u64..1_000_000_000,
        weights in proptest::collection::vec(0u64..1_000_000, 1..50),
    ) {
        let parts = largest_remainder(whole, &weights);
        if weights.iter().any(|&w| w > 0) {
            prop_assert_eq!(parts.iter().sum::<u64>(), whole);
        }
        let total: u128 = weights.iter().map(|&w| u128::from(w)).sum();
        for (part, &w) in parts.iter().zip(&weights) {
            if total > 0 {
                let exact = u128::from(whole) * u128::from(w);
                // Each part is its exact share rounded down or up.
                prop_assert!(u128::from(*part) * total <= exact + total);
                prop_assert!(u128::from(*part) * total + total > exact);
            }
        }
    }
}
