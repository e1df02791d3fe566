//! The simulator against what it must show: tokens conserved at every
//! step, the Capitol Hill recession under fixed scrip, the sitter shortage
//! under too much scrip, and a policy that serves nine outings in ten with
//! balances spread fairly.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use coopkit_ledger::policy::Policy;
use coopkit_sim::params::IssueOnce;
use coopkit_sim::{repeat, MatchingRule, Params, PolicyName, Simulation, Week};
use proptest::prelude::*;

/// Every currency's accounts sum to zero and every family stays within
/// its debit limit.
fn assert_conserved(simulation: &Simulation) {
    let ledger = simulation.ledger();
    for (currency, totals) in ledger.totals() {
        assert!(
            totals.is_balanced(),
            "{currency} out of balance: {totals:?}"
        );
    }
    let sum: i128 = ledger.accounts().map(|(_, b)| b.balance()).sum();
    assert_eq!(sum, 0, "balances sum to {sum}");
    let floor = -i64::try_from(simulation.params().rules.debit_limit).unwrap();
    for balance in simulation.balances() {
        assert!(balance >= floor, "a balance of {balance} is below {floor}");
    }
}

fn policy() -> impl Strategy<Value = PolicyName> {
    prop::sample::select(PolicyName::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn tokens_are_conserved_at_every_step(
        policy in policy(),
        engine in any::<bool>(),
        families in 2u32..40,
        weeks in 1u32..30,
        seed in any::<u64>(),
        outing_rate in 0.0f64..=1.0,
        target_reserve in 1u64..100,
        dues in 0u64..5,
        issuance in 0u64..10,
        demurrage_bp in 0u16..=10_000,
        cap in prop::option::of(10u64..200),
    ) {
        let mut params = Params::babysitting(policy);
        params.families = families;
        params.weeks = weeks;
        params.seed = seed;
        params.outing_rate = outing_rate;
        params.target_reserve = target_reserve;
        params.dues_per_month = dues;
        params.rules.monthly = Policy {
            issuance_per_month: issuance,
            demurrage_bp,
            demurrage_threshold: target_reserve,
            ..Policy::default()
        };
        params.rules.balance_cap = cap.map(|c| c.max(params.rules.debit_limit));
        if let Some(once) = &mut params.rules.issue_once {
            once.week = u32::try_from(seed % u64::from(weeks)).unwrap();
        }
        params.matching = if engine { MatchingRule::Engine } else { MatchingRule::FirstCome };
        let mut simulation = Simulation::new(params).unwrap();
        assert_conserved(&simulation);
        for _ in 0..weeks {
            let week = simulation.step();
            prop_assert!(week.served <= week.asked && week.asked <= week.wanted);
            let held: i64 = simulation.balances().iter().map(|b| (*b).max(0)).sum();
            prop_assert_eq!(week.circulation, held);
            assert_conserved(&simulation);
        }
    }
}

#[test]
fn the_same_seed_gives_the_same_weeks() {
    let mut params = Params::babysitting(PolicyName::MutualCredit);
    params.weeks = 20;
    let first = Simulation::run(params.clone()).unwrap();
    let again = Simulation::run(params.clone()).unwrap();
    assert_eq!(first.weeks, again.weeks);
    assert_eq!(first.final_balances, again.final_balances);
    params.seed += 1;
    let other = Simulation::run(params).unwrap();
    assert_ne!(first.final_balances, other.final_balances);
}

fn mean_served_share(weeks: &[coopkit_sim::WeekMean]) -> f64 {
    weeks.iter().map(|w| w.served_share).sum::<f64>() / weeks.len() as f64
}

fn mean_asked_share(weeks: &[coopkit_sim::WeekMean]) -> f64 {
    weeks
        .iter()
        .map(|w| w.asked / w.wanted.max(1.0))
        .sum::<f64>()
        / weeks.len() as f64
}

#[test]
fn fixed_scrip_falls_into_the_capitol_hill_recession_and_stays() {
    let baseline = repeat(&Params::babysitting(PolicyName::FixedScrip), 4).unwrap();
    // Members want their evenings out but hold on to their coupons: few
    // ask, and every ask is served, so the shortage is of outings, not
    // of sitters.
    assert!(
        baseline.served_share.high < 0.5,
        "{:?}",
        baseline.served_share
    );
    assert!(mean_served_share(&baseline.weekly[52..]) < 0.5);
    assert!(
        baseline.unserved_asks.mean < 0.05,
        "{:?}",
        baseline.unserved_asks
    );
    // Issuing more scrip once ends it.
    let issued = repeat(&Params::babysitting(PolicyName::IssueOnce), 4).unwrap();
    assert!(mean_served_share(&issued.weekly[..26]) < 0.5);
    assert!(mean_served_share(&issued.weekly[52..]) > 0.85);
}

#[test]
fn too_much_scrip_leaves_members_asking_with_nobody_to_sit() {
    let glut = repeat(&Params::babysitting(PolicyName::SteadyIssue), 4).unwrap();
    let last_quarter = &glut.weekly[78..];
    // Nearly everyone who wants an evening out asks for one, and most
    // asks find nobody.
    assert!(mean_asked_share(last_quarter) > 0.95);
    assert!(mean_served_share(last_quarter) < 0.5);
    assert!(glut.weekly[103].circulation > 5.0 * glut.weekly[0].circulation);
}

#[test]
fn mutual_credit_serves_nine_outings_in_ten_with_a_gini_below_a_third() {
    let mutual = repeat(&Params::babysitting(PolicyName::MutualCredit), 4).unwrap();
    assert!(mutual.served_share.low >= 0.9, "{:?}", mutual.served_share);
    assert!(mutual.gini.high <= 0.3, "{:?}", mutual.gini);
}

#[test]
fn demurrage_paid_to_the_coop_holds_a_steady_issue_in_check() {
    let steady = repeat(&Params::babysitting(PolicyName::SteadyIssue), 3).unwrap();
    let demurrage = repeat(&Params::babysitting(PolicyName::Demurrage), 3).unwrap();
    assert!(demurrage.served_share.mean > steady.served_share.mean + 0.2);
    assert!(demurrage.weekly[103].circulation < steady.weekly[103].circulation / 2.0);
}

#[test]
fn the_engine_spreads_the_work_more_evenly_than_first_come() {
    let mut params = Params::babysitting(PolicyName::FixedScrip);
    let engine = repeat(&params, 3).unwrap();
    params.matching = MatchingRule::FirstCome;
    let first_come = repeat(&params, 3).unwrap();
    assert!(
        engine.gini.mean < first_come.gini.mean,
        "engine {:?}, first come {:?}",
        engine.gini,
        first_come.gini
    );
}

#[test]
fn a_coops_own_balances_carry_in_and_tighter_rules_bind_from_then_on() {
    let mut params = Params::babysitting(PolicyName::FixedScrip);
    params.families = 4;
    params.weeks = 8;
    params.starting_balances = Some(vec![-30, 10, 30, 200]);
    params.rules.debit_limit = 10;
    params.rules.balance_cap = Some(100);
    let mut simulation = Simulation::new(params).unwrap();
    assert_eq!(simulation.balances(), vec![-30, 10, 30, 200]);
    let week: Week = simulation.step();
    assert!(
        week.above_cap >= 0.25,
        "the family holding 200 is above 100"
    );
    assert!(
        week.at_debit_limit >= 0.25,
        "the family owing 30 is past the limit of 10"
    );
    for _ in 1..8 {
        simulation.step();
        let sum: i128 = simulation
            .ledger()
            .accounts()
            .map(|(_, b)| b.balance())
            .sum();
        assert_eq!(sum, 0);
        let balances = simulation.balances();
        // Nobody sank below where they started or below the new limit,
        // and nobody who started under the cap rose above it.
        assert!(balances[0] >= -30, "{balances:?}");
        assert!(balances[1..].iter().all(|b| *b >= -10), "{balances:?}");
        assert!(balances[..3].iter().all(|b| *b <= 100), "{balances:?}");
    }
}

#[test]
fn impossible_parameters_are_refused_by_name() {
    let refused = |change: &dyn Fn(&mut Params)| {
        let mut params = Params::babysitting(PolicyName::MutualCredit);
        change(&mut params);
        Simulation::new(params).unwrap_err().parameter
    };
    assert_eq!(refused(&|p| p.families = 0), "families");
    assert_eq!(refused(&|p| p.weeks = 0), "weeks");
    assert_eq!(refused(&|p| p.outing_rate = -0.1), "outing-rate");
    assert_eq!(refused(&|p| p.outing_rate = f64::NAN), "outing-rate");
    assert_eq!(refused(&|p| p.target_reserve = 0), "target-reserve");
    assert_eq!(refused(&|p| p.rules.balance_cap = Some(40)), "balance-cap");
    assert_eq!(
        refused(&|p| p.rules.monthly.demurrage_bp = 10_001),
        "demurrage-bp"
    );
    assert_eq!(
        refused(&|p| p.rules.issue_once = Some(IssueOnce {
            week: 104,
            amount: 1
        })),
        "issue-week"
    );
    assert_eq!(
        refused(&|p| p.starting_balances = Some(vec![0; 3])),
        "starting-balances"
    );
    assert_eq!(
        repeat(&Params::babysitting(PolicyName::FixedScrip), 0)
            .unwrap_err()
            .parameter,
        "runs"
    );
}
