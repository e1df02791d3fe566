use coopkit_governance::blt::{parse, write, Ballot, Election};
use coopkit_governance::count::{count, Action, Method, Votes};
use proptest::prelude::*;

/// The instant-runoff example of Wikipedia's "Instant-runoff voting"
/// article (the capital of Tennessee), where plurality and instant runoff
/// disagree: Memphis leads on first preferences, Knoxville wins the runoff.
const TENNESSEE: &str = "\
4 1
42 1 2 3 4 0
26 2 3 4 1 0
15 3 4 2 1 0
17 4 3 2 1 0
0
\"Memphis\"
\"Nashville\"
\"Chattanooga\"
\"Knoxville\"
\"Capital of Tennessee\"
";

#[test]
fn plurality_and_runoff_disagree_as_published() {
    let election = parse(TENNESSEE).unwrap();
    assert_eq!(
        count(&election, Method::Plurality, 1, 7).elected,
        ["Memphis"]
    );
    let runoff = count(&election, Method::Irv, 1, 7);
    assert_eq!(runoff.elected, ["Knoxville"]);
    let actions: Vec<&Action> = runoff.rounds.iter().map(|r| &r.action).collect();
    assert_eq!(
        actions,
        [
            &Action::Excluded(vec!["Chattanooga".into()]),
            &Action::Excluded(vec!["Nashville".into()]),
            &Action::Elected(vec!["Knoxville".into()]),
        ]
    );
    let last = runoff.rounds.last().unwrap();
    assert_eq!(
        last.votes,
        [
            ("Memphis".into(), Votes::ONE.times(42)),
            ("Knoxville".into(), Votes::ONE.times(58))
        ]
    );
    assert_eq!(
        runoff.quota,
        Some(Votes(5_000_001)),
        "more than half of 100 votes"
    );
}

#[test]
fn approval_counts_every_candidate_named_and_ties_are_drawn_from_the_seed() {
    let election = parse("3 2\n3 1 2 0\n1 2 0\n1 3 0\n0\n\"A\"\n\"B\"\n\"C\"\n\"T\"\n").unwrap();
    let outcome = count(&election, Method::Approval, 2, 1);
    assert_eq!(outcome.elected, ["B", "A"]);
    // A and C tie for the last of two seats with B: the draw decides, the
    // same way every time for a given seed, and says so.
    let tied = parse("3 2\n1 1 2 0\n1 2 3 0\n0\n\"A\"\n\"B\"\n\"C\"\n\"T\"\n").unwrap();
    let first = count(&tied, Method::Approval, 2, 42);
    assert_eq!(first.elected[0], "B");
    assert_eq!(first.rounds[0].tie_broken_by_lot, ["A", "C"]);
    assert_eq!(count(&tied, Method::Approval, 2, 42), first);
    let seeds: std::collections::BTreeSet<String> = (0..20)
        .map(|seed| count(&tied, Method::Approval, 2, seed).elected[1].clone())
        .collect();
    assert_eq!(seeds.len(), 2, "both can win a draw");
}

/// The single transferable vote example of Wikipedia's "Single
/// transferable vote" article: 20 voters choose three of five foods. The
/// quota is 6; Chocolate's surplus of 6 goes on at half value; Pear is
/// excluded, which elects Orange; Bonbon is excluded, which leaves
/// Strawberry alone for the last seat.
const FOOD: &str = "\
5 3
4 1 0
2 2 1 0
8 3 4 0
4 3 5 0
1 4 0
1 5 0
0
\"Orange\"
\"Pear\"
\"Chocolate\"
\"Strawberry\"
\"Bonbon\"
\"Food for the party\"
";

#[test]
fn scottish_stv_counts_the_published_example() {
    let election = parse(FOOD).unwrap();
    let outcome = count(&election, Method::ScottishStv, 3, 1);
    assert_eq!(outcome.elected, ["Chocolate", "Orange", "Strawberry"]);
    assert_eq!(outcome.quota, Some(Votes::ONE.times(6)));
    let actions: Vec<&Action> = outcome.rounds.iter().map(|r| &r.action).collect();
    assert_eq!(
        actions,
        [
            &Action::Elected(vec!["Chocolate".into()]),
            &Action::SurplusTransferred(vec!["Chocolate".into()]),
            &Action::Excluded(vec!["Pear".into()]),
            &Action::Elected(vec!["Orange".into()]),
            &Action::Excluded(vec!["Bonbon".into()]),
            &Action::Elected(vec!["Strawberry".into()]),
        ]
    );
    // After the surplus: Strawberry 1 + 8 × 0.5, Bonbon 1 + 4 × 0.5.
    let third = &outcome.rounds[2].votes;
    let votes = |name: &str| third.iter().find(|(n, _)| n == name).unwrap().1;
    assert_eq!(votes("Strawberry"), Votes::ONE.times(5));
    assert_eq!(votes("Bonbon"), Votes::ONE.times(3));
    assert_eq!(
        votes("Chocolate"),
        Votes::ONE.times(6),
        "the quota, surplus gone"
    );
    assert_eq!(votes("Strawberry").to_string(), "5.00000");
}

#[test]
fn surplus_values_are_cut_to_five_places() {
    // Two seats of 8 votes: the quota is 3; A has 7, a surplus of 4, so
    // each of A's 7 papers goes on at 4/7 = 0.571428…, cut to 0.57142.
    let election = parse("3 2\n7 1 2 0\n1 3 0\n0\n\"A\"\n\"B\"\n\"C\"\n\"T\"\n").unwrap();
    let outcome = count(&election, Method::ScottishStv, 2, 1);
    assert_eq!(outcome.quota, Some(Votes::ONE.times(3)));
    let after = &outcome.rounds[2].votes;
    let b = after.iter().find(|(n, _)| n == "B").unwrap().1;
    assert_eq!(b, Votes(7 * 57_142));
}

fn election() -> impl Strategy<Value = Election> {
    (2usize..6).prop_flat_map(|n| {
        let ballot = (
            1u64..5,
            Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
            0..=n,
        )
            .prop_map(|(weight, order, len)| Ballot {
                weight,
                preferences: order[..len].to_vec(),
            });
        (prop::collection::vec(ballot, 1..40), 1..=n).prop_map(move |(ballots, seats)| Election {
            candidates: (0..n).map(|c| format!("C{c}")).collect(),
            seats,
            withdrawn: Vec::new(),
            tie_order: Vec::new(),
            ballots,
            title: "Random".into(),
        })
    })
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::Plurality),
        Just(Method::Approval),
        Just(Method::Irv),
        Just(Method::ScottishStv),
        Just(Method::MeekStv)
    ]
}

proptest! {
    /// The order ballots arrive in changes nothing; the exported BLT
    /// counts the same as the live ballots; and in every round of a runoff
    /// the votes still in play plus those exhausted add up to all votes.
    #[test]
    fn counts_ignore_ballot_order_survive_export_and_conserve_votes(
        election in election(),
        method in method(),
        seed in any::<u64>(),
        rotation in 0usize..40,
    ) {
        let outcome = count(&election, method, election.seats, seed);
        let mut shuffled = election.clone();
        let len = shuffled.ballots.len();
        shuffled.ballots.rotate_left(rotation % len);
        shuffled.ballots.reverse();
        prop_assert_eq!(&count(&shuffled, method, election.seats, seed), &outcome);
        let exported = parse(&write(&election)).unwrap();
        prop_assert_eq!(&count(&exported, method, election.seats, seed), &outcome);
        prop_assert_eq!(outcome.elected.len(), election.seats);
        if method == Method::ScottishStv {
            // Votes are conserved but for the fractions the rules ignore:
            // at most a hundred-thousandth per ballot line per round.
            let total: u64 = election.ballots.iter().map(|b| b.weight * Votes::ONE.0).sum();
            let lines = election.ballots.len() as u64;
            for round in &outcome.rounds {
                let counted: u64 = round.votes.iter().map(|(_, v)| v.0).sum::<u64>() + round.exhausted.0;
                prop_assert!(counted <= total, "{} > {}", counted, total);
                prop_assert!(total - counted <= lines * round.number as u64, "lost {}", total - counted);
            }
        }
        if method == Method::MeekStv {
            // Counted at nine places and shown cut to five: at most a
            // hundred-thousandth lost per candidate shown, and the exhausted.
            let total: u64 = election.ballots.iter().map(|b| b.weight * Votes::ONE.0).sum();
            for round in &outcome.rounds {
                let counted: u64 = round.votes.iter().map(|(_, v)| v.0).sum::<u64>() + round.exhausted.0;
                prop_assert!(counted <= total, "{} > {}", counted, total);
                prop_assert!(total - counted <= round.votes.len() as u64 + 1, "lost {}", total - counted);
            }
        }
        if method == Method::Irv {
            let total: u64 = election.ballots.iter().map(|b| b.weight * Votes::ONE.0).sum();
            for round in &outcome.rounds {
                let in_play: u64 = round.votes.iter().map(|(_, v)| v.0).sum();
                prop_assert_eq!(in_play + round.exhausted.0, total);
            }
        }
    }
}

proptest! {
    /// Withdrawn candidates, up to all of them, are never elected, and
    /// every method answers: as many seats as candidates remain, at most.
    /// (Instant runoff once indexed past the end when none remained.)
    #[test]
    fn withdrawn_candidates_are_never_elected_even_when_all_are(
        election in election(),
        method in method(),
        seed in any::<u64>(),
        withdrawn_mask in any::<u8>(),
    ) {
        let mut election = election;
        election.withdrawn = (0..election.candidates.len())
            .filter(|c| withdrawn_mask & (1 << c) != 0)
            .collect();
        let outcome = count(&election, method, election.seats, seed);
        let remaining = election.candidates.len() - election.withdrawn.len();
        prop_assert!(outcome.elected.len() <= election.seats.min(remaining));
        for name in &outcome.elected {
            let index = election.candidates.iter().position(|c| c == name).unwrap();
            prop_assert!(!election.withdrawn.contains(&index), "{} was withdrawn", name);
        }
    }
}

#[test]
fn a_count_with_every_candidate_withdrawn_elects_nobody() {
    let election = parse(&TENNESSEE.replace("4 1\n", "4 1\n-1 -2 -3 -4\n")).unwrap();
    assert_eq!(election.withdrawn.len(), 4);
    for method in [
        Method::Plurality,
        Method::Approval,
        Method::Irv,
        Method::ScottishStv,
        Method::MeekStv,
    ] {
        let outcome = count(&election, method, 1, 7);
        assert!(
            outcome.elected.is_empty(),
            "{method:?}: {:?}",
            outcome.elected
        );
    }
}

/// An exact tie that no earlier round decides goes to the candidate the
/// file's `[tie]` order lists first, as Droop decides it, with no lot
/// drawn; the reverse order picks the other.
#[test]
fn a_files_tie_order_decides_an_exact_tie_instead_of_a_lot() {
    use coopkit_governance::blt::parse;
    let file = |order: &str| {
        format!("3 1\n[tie {order}]\n3 1 0\n2 2 0\n2 3 0\n0\n\"Ana\"\n\"Ben\"\n\"Cy\"\n\"T\"\n")
    };
    for (order, excluded) in [("2 3 1", "Ben"), ("3 2 1", "Cy")] {
        let election = parse(&file(order)).unwrap();
        for seed in [1, 2, 3, 4] {
            let outcome = count(&election, Method::Irv, 1, seed);
            let first = &outcome.rounds[0];
            assert_eq!(
                first.action,
                Action::Excluded(vec![excluded.into()]),
                "[tie {order}]"
            );
            assert!(first.tie_broken_by_lot.is_empty());
        }
    }
}
