//! Ballot files and the counts made from them.

use coopkit_governance::{blt, count, Method};

/// Elections past these sizes are read but not counted: a count's cost
/// grows with both, and the fuzzer's time is better spent on new shapes
/// than on one long count.
const COUNTED_CANDIDATES_MAX: usize = 24;
const COUNTED_BALLOTS_MAX: usize = 400;

const METHODS: [Method; 5] = [
    Method::Plurality,
    Method::Approval,
    Method::Irv,
    Method::ScottishStv,
    Method::MeekStv,
];

pub fn blt(input: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(input) else {
        return false;
    };
    let Ok(election) = blt::parse(text) else {
        return false;
    };
    let written = blt::write(&election);
    assert_eq!(
        blt::parse(&written).as_ref(),
        Ok(&election),
        "a ballot file written from what was read reads back the same:\n{written}"
    );
    if election.candidates.len() > COUNTED_CANDIDATES_MAX
        || election.ballots.len() > COUNTED_BALLOTS_MAX
    {
        return true;
    }
    for method in METHODS {
        let outcome = count(&election, method, election.seats, 7);
        assert!(
            outcome.elected.len() <= outcome.seats,
            "{method:?} elected {:?} to {} seats",
            outcome.elected,
            outcome.seats
        );
        for (n, name) in outcome.elected.iter().enumerate() {
            assert!(
                !outcome.elected[..n].contains(name),
                "{method:?} elected {name} twice"
            );
            let index = election.candidates.iter().position(|c| c == name);
            assert!(
                index.is_some_and(|i| !election.withdrawn.contains(&i)),
                "{method:?} elected {name}, who is not a continuing candidate"
            );
        }
    }
    true
}
