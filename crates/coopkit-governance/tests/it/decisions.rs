use coopkit_governance::decision::{decide, ClassRules, ClassTally, ClassWeight, Rule};
use proptest::prelude::*;

fn class(key: &str, eligible: u64, yes: u64, no: u64, abstain: u64) -> ClassTally {
    ClassTally {
        class: key.into(),
        eligible,
        yes,
        no,
        abstain,
        block: 0,
    }
}

const TWO_THIRDS: Rule = Rule::Supermajority {
    numerator: 2,
    denominator: 3,
};

#[test]
fn majorities_count_yes_against_no_exactly() {
    let plain = ClassRules::default();
    let tie = decide(Rule::Majority, 0, &[class("m", 10, 3, 3, 4)], &plain);
    assert!(!tie.passed, "a tie is not a majority");
    assert_eq!(tie.failed_by.as_deref(), Some("threshold"));
    assert!(decide(Rule::Majority, 0, &[class("m", 10, 4, 3, 3)], &plain).passed);
    // Exactly two thirds is enough; a vote less is not.
    assert!(decide(TWO_THIRDS, 0, &[class("m", 9, 6, 3, 0)], &plain).passed);
    assert!(!decide(TWO_THIRDS, 0, &[class("m", 9, 5, 3, 0)], &plain).passed);
}

#[test]
fn quorum_counts_everyone_who_voted_including_abstentions() {
    let plain = ClassRules::default();
    let short = decide(Rule::Majority, 50, &[class("m", 10, 4, 0, 0)], &plain);
    assert!(!short.passed);
    assert_eq!(short.failed_by.as_deref(), Some("quorum"));
    let met = decide(Rule::Majority, 50, &[class("m", 10, 4, 0, 1)], &plain);
    assert!(met.quorum_met && met.passed);
    assert_eq!((met.eligible, met.voted), (10, 5));
}

#[test]
fn one_block_stops_a_consent_decision() {
    let mut tally = class("m", 5, 4, 0, 0);
    let plain = ClassRules::default();
    assert!(decide(Rule::Consent, 0, std::slice::from_ref(&tally), &plain).passed);
    tally.block = 1;
    let blocked = decide(Rule::Consent, 0, &[tally], &plain);
    assert!(!blocked.passed);
    assert_eq!(blocked.failed_by.as_deref(), Some("blocked"));
}

#[test]
fn class_weights_and_an_investor_cap_change_the_outcome() {
    let classes = [
        class("workers", 10, 2, 8, 0),
        class("consumers", 30, 30, 0, 0),
        class("investors", 5, 0, 5, 0),
    ];
    // Counted plainly, 32 of 45 say yes.
    assert!(decide(Rule::Majority, 0, &classes, &ClassRules::default()).passed);
    // Workers 50%, consumers 30%, investors 20%: 0.5×0.2 + 0.3×1 + 0 = 40%.
    let weighted = ClassRules {
        weights: vec![
            ClassWeight {
                class: "workers".into(),
                percent: 50,
            },
            ClassWeight {
                class: "consumers".into(),
                percent: 30,
            },
            ClassWeight {
                class: "investors".into(),
                percent: 20,
            },
        ],
        ..ClassRules::default()
    };
    let decision = decide(Rule::Majority, 0, &classes, &weighted);
    assert!(!decision.passed);
    assert_eq!(decision.yes_ppm, 400_000);

    // Investors cast 80 of 100 votes, all yes; capped at 25% they lose.
    let classes = [
        class("workers", 20, 0, 20, 0),
        class("investors", 80, 80, 0, 0),
    ];
    assert!(decide(Rule::Majority, 0, &classes, &ClassRules::default()).passed);
    let capped = ClassRules {
        cap: Some(ClassWeight {
            class: "investors".into(),
            percent: 25,
        }),
        ..ClassRules::default()
    };
    let decision = decide(Rule::Majority, 0, &classes, &capped);
    assert!(!decision.passed);
    assert_eq!(decision.yes_ppm, 250_000);
    assert_eq!(
        decision
            .classes
            .iter()
            .map(|c| c.weight_ppm)
            .collect::<Vec<_>>(),
        [750_000, 250_000]
    );
}

#[test]
fn every_class_must_pass_when_the_bylaws_say_so() {
    let classes = [
        class("workers", 10, 3, 7, 0),
        class("consumers", 100, 90, 10, 0),
    ];
    let rules = ClassRules {
        every_class: true,
        ..ClassRules::default()
    };
    assert!(decide(Rule::Majority, 0, &classes, &ClassRules::default()).passed);
    let decision = decide(Rule::Majority, 0, &classes, &rules);
    assert_eq!(decision.failed_by.as_deref(), Some("class:workers"));
    assert!(decision.classes[1].passed && !decision.classes[0].passed);
}

proptest! {
    /// Deciding twice, or with the classes listed in another order, gives
    /// one result; weights never exceed the whole.
    #[test]
    fn a_decision_depends_on_the_votes_only(
        tallies in proptest::collection::vec((0u64..50, 0u64..50, 0u64..10, 0u64..2), 1..5),
        quorum in 0u32..100,
        cap in proptest::option::of(1u32..99),
    ) {
        let classes: Vec<ClassTally> = tallies
            .iter()
            .enumerate()
            .map(|(i, &(yes, no, abstain, block))| ClassTally {
                class: format!("c{i}"),
                eligible: yes + no + abstain + block + 3,
                yes, no, abstain, block,
            })
            .collect();
        let rules = ClassRules {
            every_class: false,
            weights: Vec::new(),
            cap: cap.map(|percent| ClassWeight { class: "c0".into(), percent }),
        };
        for rule in [Rule::Majority, TWO_THIRDS, Rule::Consent] {
            let once = decide(rule, quorum, &classes, &rules);
            prop_assert_eq!(&decide(rule, quorum, &classes, &rules), &once);
            let mut reversed = classes.clone();
            reversed.reverse();
            let other = decide(rule, quorum, &reversed, &rules);
            prop_assert_eq!(other.passed, once.passed);
            prop_assert!(other.yes_ppm.abs_diff(once.yes_ppm) <= 1);
            let total: u64 = once.classes.iter().map(|c| c.weight_ppm).sum();
            prop_assert!(total <= 1_000_000, "weights {}", total);
        }
    }
}
