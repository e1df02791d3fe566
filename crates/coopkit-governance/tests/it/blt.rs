use coopkit_governance::blt::{parse, write};

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
fn a_blt_file_reads_and_writes_back_unchanged() {
    let election = parse(TENNESSEE).unwrap();
    assert_eq!(election.candidates.len(), 4);
    assert_eq!(election.seats, 1);
    assert_eq!(election.ballots[1].weight, 26);
    assert_eq!(election.ballots[1].preferences, [1, 2, 3, 0]);
    assert_eq!(election.title, "Capital of Tennessee");
    assert_eq!(parse(&write(&election)).unwrap(), election);
    let withdrawn = parse("3 1\n-2\n1 1 3 0\n0\n\"A\"\n\"B\"\n\"C\"\n\"T\"\n").unwrap();
    assert_eq!(withdrawn.withdrawn, [1]);
    assert_eq!(parse(&write(&withdrawn)).unwrap(), withdrawn);
}

#[test]
fn every_malformed_file_names_its_line() {
    let cases = [
        ("", 1, "empty"),
        ("4\n", 1, "two numbers"),
        (
            "2 3\n0\n\"A\"\n\"B\"\n\"T\"\n",
            1,
            "no more seats than candidates",
        ),
        (
            "2 1\n1 1 3 0\n0\n\"A\"\n\"B\"\n\"T\"\n",
            2,
            "names candidate 3, but there are 2",
        ),
        ("2 1\n1 1 1 0\n0\n\"A\"\n\"B\"\n\"T\"\n", 2, "twice"),
        ("2 1\n1 1 2\n0\n\"A\"\n\"B\"\n\"T\"\n", 2, "must end with 0"),
        ("2 1\nx 1 0\n0\n\"A\"\n\"B\"\n\"T\"\n", 2, "weight"),
        ("2 1\n1 1 0\n\"A\"\n\"B\"\n", 3, "before the names"),
        ("2 1\n1 1 0\n", 2, "must end with a line holding 0"),
        (
            "2 1\n1 1 0\n0\nA\n\"B\"\n\"T\"\n",
            4,
            "a name must be in double quotes",
        ),
        ("2 1\n1 1 0\n0\n\"A\"\n", 3, "2 candidates but 1 names"),
        // Found by fuzzing: a name twice made an outcome that elected
        // "Bo" twice; weights past any electorate overflowed the count.
        (
            "2 1\n1 1 0\n0\n\"Bo\"\n\"Bo\"\n\"T\"\n",
            5,
            "two candidates are named \"Bo\"",
        ),
        (
            "2 1\n999999999999 1 0\n2 2 0\n0\n\"A\"\n\"B\"\n\"T\"\n",
            3,
            "add up to more than 1000000000000",
        ),
        // Found by fuzzing: read as one name, this wrote back otherwise.
        (
            "2 1\n1 1 0\n0\n\"A\"7\"B\"\n\"C\"\n\"T\"\n",
            4,
            "cannot hold a double quote",
        ),
        (
            "2 1\n1 1 0\n0\n\"A\"\n\"B\"\n\"T \"1\"\"\n",
            6,
            "cannot hold a double quote",
        ),
        (
            "3 1\n[tie 1 2]\n0\n\"A\"\n\"B\"\n\"C\"\n\"T\"\n",
            2,
            "every candidate once",
        ),
        (
            "3 1\n[tie 1 2 2]\n0\n\"A\"\n\"B\"\n\"C\"\n\"T\"\n",
            2,
            "every candidate once",
        ),
        (
            "2 1\n[tie 1 3]\n0\n\"A\"\n\"B\"\n\"T\"\n",
            2,
            "the candidates are 1 to 2",
        ),
        (
            "2 1\n[withdrawn x]\n0\n\"A\"\n\"B\"\n\"T\"\n",
            2,
            "[withdrawn] names \"x\"",
        ),
        (
            "2 1\n[nick a b]\n0\n\"A\"\n\"B\"\n\"T\"\n",
            2,
            "[nick] is not one this reads",
        ),
        (
            "2 1\n[tie 2 1\n0\n\"A\"\n\"B\"\n\"T\"\n",
            2,
            "must end with ]",
        ),
        (
            "2 1\n1 1 0\n[tie 2 1]\n0\n\"A\"\n\"B\"\n\"T\"\n",
            3,
            "before the ballots",
        ),
        (
            "2 1\n-3\n0\n\"A\"\n\"B\"\n\"T\"\n",
            2,
            "no candidate 3 to withdraw",
        ),
    ];
    for (text, line, reason) in cases {
        let error = parse(text).unwrap_err();
        assert_eq!(error.line, line, "{text:?}: {error}");
        assert!(error.reason.contains(reason), "{text:?}: {error}");
    }
}

/// Droop writes options in brackets after the first line; ERBS's files
/// and Wichmann's add text after the title. Both read as those tools
/// read them.
#[test]
fn option_lines_and_text_after_the_title_read_as_other_counters_write_them() {
    let droop =
        "3 2\n[tie 3 2 1 ]\n[withdrawn 1]\n[droop rule=meek precision=8]\n4 1 2 0\n2 3 0\n0\n\
                 \"Castor\"\n\"Pollux\"\n\"Helen\"\n\"Pollux and Helen should tie\"\n\
                 \"Source: Droop's tests\"\n\"A comment\"\nFirst preferences: Castor 4, Helen 2\n";
    let election = parse(droop).unwrap();
    assert_eq!(election.tie_order, [2, 1, 0]);
    assert_eq!(election.withdrawn, [0]);
    assert_eq!(election.title, "Pollux and Helen should tie");
    assert_eq!(election.ballots.len(), 2);
    assert_eq!(parse(&write(&election)).unwrap(), election);
    // `[withdrawn 4]` is `-4`.
    let minus = parse("3 1\n-2\n1 1 3 0\n0\n\"A\"\n\"B\"\n\"C\"\n\"T\"\n").unwrap();
    let option = parse("3 1\n[withdrawn 2]\n1 1 3 0\n0\n\"A\"\n\"B\"\n\"C\"\n\"T\"\n").unwrap();
    assert_eq!(minus, option);
}
