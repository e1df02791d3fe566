//! Counts of real elections, checked against published counts. Sources
//! and licences are in `tests/data/README.md`.

use coopkit_governance::blt::{parse, Election};
use coopkit_governance::count::{count, Action, Method, Outcome, Round, Votes};

fn election(file: &str) -> Election {
    let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    parse(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// "1327.09987" as votes.
fn votes(text: &str) -> Votes {
    let (whole, places) = text.split_once('.').unwrap();
    Votes(whole.parse::<u64>().unwrap() * Votes::ONE.0 + places.parse::<u64>().unwrap())
}

/// The first round whose action is `action` on `name`.
fn round<'a>(outcome: &'a Outcome, action: fn(Vec<String>) -> Action, name: &str) -> &'a Round {
    outcome
        .rounds
        .iter()
        .find(|r| r.action == action(vec![name.into()]))
        .unwrap_or_else(|| panic!("no round for {name}: {:#?}", outcome.rounds))
}

fn votes_of(round: &Round, name: &str) -> Votes {
    round.votes.iter().find(|(n, _)| n == name).unwrap().1
}

fn sorted(names: &[String]) -> Vec<&str> {
    let mut names: Vec<&str> = names.iter().map(String::as_str).collect();
    names.sort_unstable();
    names
}

/// Glasgow City Council, Springburn ward, 3 May 2007: 5,410 valid ballots,
/// 3 seats. Declared: Allan Stewart, James Todd, Phil Greene. Stage
/// figures as Droop's Scottish STV count of the same ballots reports them.
#[test]
fn glasgow_springburn_2007_matches_the_declared_result_stage_by_stage() {
    let election = election("glasgow-2007-springburn.blt");
    let outcome = count(&election, Method::ScottishStv, election.seats, 1);
    assert_eq!(outcome.quota, Some(votes("1353.00000")));
    assert_eq!(
        outcome.elected,
        ["Allan Stewart", "James Todd", "Phil Greene"]
    );
    // After Stewart's surplus of 399 is transferred (the stage where
    // Todd is elected).
    let todd = round(&outcome, Action::Elected, "James Todd");
    for (name, expected) in [
        ("Margaret Bean", "139.78233"),
        ("Graham Campbell", "351.75288"),
        ("Graeme Dickson", "176.41595"),
        ("Phil Greene", "1327.09987"),
        ("Patrick McAleer", "140.14871"),
        ("Robert G C Sawers", "86.82184"),
        ("Kenny Smith", "137.50503"),
        ("John H Stuart", "176.88147"),
        ("James Todd", "1437.68116"),
        ("Allan Stewart", "1353.00000"),
    ] {
        assert_eq!(votes_of(todd, name), votes(expected), "{name}");
    }
    assert_eq!(todd.exhausted, votes("82.89372"));
    // Each round says what moved: Bean gained 4.78233 from the surplus.
    assert!(todd
        .transfers
        .contains(&("Margaret Bean".to_string(), 478_233)));
    // After Todd's surplus, Sawers is the lowest and is excluded.
    let sawers = round(&outcome, Action::Excluded, "Robert G C Sawers");
    assert_eq!(votes_of(sawers, "Robert G C Sawers"), votes("88.39636"));
    assert_eq!(votes_of(sawers, "Phil Greene"), votes("1336.33636"));
    assert_eq!(sawers.exhausted, votes("133.29616"));
    let bean = round(&outcome, Action::Excluded, "Margaret Bean");
    assert_eq!(votes_of(bean, "Margaret Bean"), votes("144.60926"));
    assert_eq!(votes_of(bean, "Kenny Smith"), votes("151.84395"));
    // Bean's transfer takes Greene past the quota.
    let greene = round(&outcome, Action::Elected, "Phil Greene");
    assert_eq!(votes_of(greene, "Phil Greene"), votes("1374.08557"));
    assert_eq!(votes_of(greene, "Graham Campbell"), votes("410.14226"));
    assert_eq!(greene.exhausted, votes("205.38908"));
}

/// The Green Party of the United States' Steering Committee election of
/// 24 July 2005: 94 ballots, 4 seats. The Scottish rules and Meek's method
/// fill the last seat differently (Tom Sevigny against Kristen Olsen),
/// which makes it a sharp test of both. Figures as Droop's counts report.
#[test]
fn gpus_2005_scottish_and_meek_differ_as_published() {
    let election = election("gpus-2005.blt");

    let scottish = count(&election, Method::ScottishStv, 4, 1);
    assert_eq!(scottish.quota, Some(votes("19.00000")));
    assert_eq!(
        sorted(&scottish.elected),
        [
            "Pat LaMarche",
            "Rebecca Rotzler",
            "Steve Kramer",
            "Tom Sevigny"
        ]
    );
    let olsen = round(&scottish, Action::Excluded, "Kristen Olsen");
    assert_eq!(votes_of(olsen, "Kristen Olsen"), votes("16.59988"));
    assert_eq!(votes_of(olsen, "Tom Sevigny"), votes("16.62204"));
    let last = scottish.rounds.last().unwrap();
    assert_eq!(votes_of(last, "Tom Sevigny"), votes("18.59172"));
    assert_eq!(last.exhausted, votes("18.40808"));

    let meek = count(&election, Method::MeekStv, 4, 1);
    assert_eq!(
        sorted(&meek.elected),
        [
            "Kristen Olsen",
            "Pat LaMarche",
            "Rebecca Rotzler",
            "Steve Kramer"
        ]
    );
    assert_eq!(&meek.elected[..2], ["Rebecca Rotzler", "Pat LaMarche"]);
    // Meek's quota falls as votes run out: 18.800000001 at the start,
    // 18.586296861 at the end (cut to five places here).
    assert_eq!(meek.quota, Some(votes("18.58629")));
    let kramer = round(&meek, Action::Elected, "Steve Kramer");
    assert_eq!(votes_of(kramer, "Steve Kramer"), votes("19.71885"));
    assert_eq!(votes_of(kramer, "Kristen Olsen"), votes("14.50694"));
    let dickinson = round(&meek, Action::Excluded, "Budd Dickinson");
    assert_eq!(votes_of(dickinson, "Budd Dickinson"), votes("10.20411"));
    assert_eq!(votes_of(dickinson, "Tom Sevigny"), votes("11.49864"));
    let olsen = round(&meek, Action::Elected, "Kristen Olsen");
    assert_eq!(votes_of(olsen, "Kristen Olsen"), votes("19.08572"));
    assert_eq!(votes_of(olsen, "Tom Sevigny"), votes("16.48221"));
}

/// The same election with Pat LaMarche withdrawn, as Droop's own test file
/// writes it (`SCwopt.blt`): the withdrawal is an option line,
/// `[withdrawn 4]`. Figures as Droop reports for the Scottish rules
/// (`SCw-scotland-fixed-p5-d5.txt`, the same ballots with `-4`) and the
/// PR Foundation's Meek rule (`SCwopt-meek-prf-o6-fixed-p9-d9.txt`).
#[test]
fn gpus_2005_with_a_withdrawal_as_an_option_line_counts_as_published() {
    let election = election("gpus-2005-withdrawn.blt");
    assert_eq!(election.withdrawn, [3]);

    let scottish = count(&election, Method::ScottishStv, 4, 1);
    assert_eq!(scottish.quota, Some(votes("19.00000")));
    assert_eq!(
        sorted(&scottish.elected),
        [
            "Budd Dickinson",
            "Rebecca Rotzler",
            "Steve Kramer",
            "Tom Sevigny"
        ]
    );
    let olsen = round(&scottish, Action::Excluded, "Kristen Olsen");
    assert_eq!(votes_of(olsen, "Kristen Olsen"), votes("17.80943"));
    assert_eq!(votes_of(olsen, "Budd Dickinson"), votes("18.15227"));
    assert_eq!(votes_of(olsen, "Tom Sevigny"), votes("18.02852"));
    let last = scottish.rounds.last().unwrap();
    assert_eq!(votes_of(last, "Budd Dickinson"), votes("21.06655"));
    assert_eq!(votes_of(last, "Tom Sevigny"), votes("18.48566"));

    let meek = count(&election, Method::MeekStv, 4, 1);
    assert_eq!(
        sorted(&meek.elected),
        [
            "Budd Dickinson",
            "Kristen Olsen",
            "Rebecca Rotzler",
            "Steve Kramer"
        ]
    );
    assert_eq!(meek.quota, Some(votes("18.57712")));
    let olsen = round(&meek, Action::Elected, "Kristen Olsen");
    assert_eq!(votes_of(olsen, "Kristen Olsen"), votes("18.88160"));
    assert_eq!(votes_of(olsen, "Budd Dickinson"), votes("18.54047"));
    assert_eq!(votes_of(olsen, "Tom Sevigny"), votes("18.19887"));
}
