#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use coopkit_directory::normalize;
use coopkit_directory::{link, read_csv, LinkConfig, Mapping, ReadError};

const MAP: &str =
    "[columns]\nid = \"ID\"\nname = \"Name\"\npostcode = \"Postcode\"\nwebsite = \"Web\"\n";

#[test]
fn names_lose_case_punctuation_and_legal_words() {
    assert_eq!(
        normalize::name("Footprint Workers' Co-operative Ltd."),
        "footprint workers"
    );
    assert_eq!(normalize::name("Bread & Roses C.I.C."), "bread roses");
    assert_eq!(normalize::postcode("wc2h 9hj"), "WC2H9HJ");
    assert_eq!(
        normalize::domain("https://www.suma.coop/about"),
        "suma.coop"
    );
    assert_eq!(
        normalize::phone("+44 1234 567890"),
        normalize::phone("01234 567890")
    );
    assert_eq!(normalize::company_number("3231583"), "03231583");
}

#[test]
fn a_bad_list_is_refused_with_its_row_and_reason() {
    let mapping = Mapping::from_toml(MAP).unwrap();
    let ragged = b"ID,Name,Postcode,Web\n1,Suma,HX5 9DA,\n2,Unity,LS6\n";
    assert_eq!(
        read_csv(ragged, &mapping),
        Err(ReadError::Row {
            row: 2,
            reason: "3 fields where the header has 4".into()
        })
    );
    let latin1 = b"ID,Name,Postcode,Web\n1,Caf\xe9 Coop,,\n";
    assert!(matches!(
        read_csv(latin1, &mapping),
        Err(ReadError::Row { row: 1, .. })
    ));
    let missing = Mapping::from_toml("[columns]\nname = \"Title\"\n").unwrap();
    assert_eq!(
        read_csv(b"Name\nSuma\n", &missing),
        Err(ReadError::MissingColumn {
            field: "name",
            column: "Title".into()
        })
    );
    assert!(matches!(
        Mapping::from_toml("[columns]\nnombre = \"x\"\n"),
        Err(ReadError::Mapping(_))
    ));
}

#[test]
fn renamed_and_moved_organisations_link_and_namesakes_do_not() {
    let mapping = Mapping::from_toml(MAP).unwrap();
    let left = read_csv(
        "ID,Name,Postcode,Web\n\
         a1,Suma Wholefoods Workers Co-operative Ltd,HX5 9DA,suma.coop\n\
         a2,Unicorn Grocery Limited,M21 0BN,\n\
         a3,Royal British Legion Club Limited,DL1 5RN,\n\
         a4,Footprint Workers Co-operative,LS6 1AA,\n"
            .as_bytes(),
        &mapping,
    )
    .unwrap();
    let right = read_csv(
        "ID,Name,Postcode,Web\n\
         b1,SUMA WHOLEFOODS,HX5 9DA,https://www.suma.coop\n\
         b2,Unicorn Grocery Ltd.,M21 0BN,\n\
         b3,Royal British Legion Club Limited,LA14 1JZ,\n\
         b4,Footprint Workers Co-operative Ltd,LS6 2QQ,\n\
         b5,Leeds Bread Co-op,LS6 1AA,\n"
            .as_bytes(),
        &mapping,
    )
    .unwrap();
    let pairs = link(&left, &right, &LinkConfig::default());
    let linked: Vec<(&str, &str)> = pairs
        .iter()
        .map(|p| (left[p.left].id.as_str(), right[p.right].id.as_str()))
        .collect();
    assert!(linked.contains(&("a1", "b1")), "{linked:?}");
    assert!(linked.contains(&("a2", "b2")), "{linked:?}");
    assert!(linked.contains(&("a4", "b4")), "{linked:?}");
    assert!(
        !linked.iter().any(|(_, r)| *r == "b5"),
        "a shared postcode alone is not enough: {linked:?}"
    );
    // Each row at most once.
    let mut rights: Vec<&str> = linked.iter().map(|(_, r)| *r).collect();
    rights.sort_unstable();
    rights.dedup();
    assert_eq!(rights.len(), linked.len());
}

#[test]
fn duplicates_within_a_list_cluster_together() {
    let mapping = Mapping::from_toml(MAP).unwrap();
    let mut rows = String::from("ID,Name,Postcode,Web\n");
    // Two hundred distinct co-ops, so the list has a background to measure.
    let syllables = ["ka", "lo", "mi", "nu", "pe", "ra", "si", "tu"];
    for i in 0..200usize {
        let word: String = [i % 8, (i / 8) % 8, (i / 64) % 8]
            .iter()
            .map(|&k| syllables[k])
            .collect();
        rows.push_str(&format!("x{i},{word} Bakery,AB{i} 1CD,\n"));
    }
    rows.push_str(
        "d1,Unicorn Grocery Limited,M21 0BN,unicorn-grocery.coop\n\
         d2,UNICORN GROCERY LTD,M21 0BN,https://www.unicorn-grocery.coop\n\
         d3,Unicorn Grocery,M21 0BN,\n\
         s1,Suma Wholefoods,HX5 9DA,\n",
    );
    let records = read_csv(rows.as_bytes(), &mapping).unwrap();
    let clusters = coopkit_directory::dedupe(&records, &LinkConfig::default());
    let of = |id: &str| clusters[records.iter().position(|r| r.id == id).unwrap()];
    assert_eq!(of("d1"), of("d2"));
    assert_eq!(of("d1"), of("d3"));
    assert_ne!(of("d1"), of("s1"));
    assert_ne!(of("x1"), of("x2"));
    let distinct: std::collections::BTreeSet<usize> = clusters.iter().copied().collect();
    assert_eq!(distinct.len(), 202, "200 singles, Unicorn, Suma");
}

#[test]
fn a_chain_of_look_alikes_is_not_one_cluster() {
    use coopkit_directory::{cluster, Pair};
    let pair = |left, right, score| Pair { left, right, score };
    // 0 is like 1, 1 like 2, but 0 nothing like 2; 3 and 4 are alike, and
    // 5 is like both of them.
    let clusters = cluster(
        6,
        &[
            pair(0, 1, 20.0),
            pair(1, 2, 15.0),
            pair(3, 4, 12.0),
            pair(3, 5, 9.0),
            pair(4, 5, 8.0),
        ],
    );
    assert_eq!(clusters[0], clusters[1]);
    assert_ne!(
        clusters[1], clusters[2],
        "2 agrees with half of {{0, 1}} only"
    );
    assert_eq!(clusters[3], clusters[4]);
    assert_eq!(clusters[3], clusters[5]);
}

#[test]
fn a_slip_of_the_keyboard_is_one_edit_and_digits_never_slip() {
    use normalize::one_edit_apart;
    assert!(one_edit_apart(b"bakery", b"bakrey"), "two letters swapped");
    assert!(one_edit_apart(b"bakery", b"bakey"), "a letter dropped");
    assert!(one_edit_apart(b"bakery", b"bakeery"), "a letter added");
    assert!(one_edit_apart(b"bakery", b"bakary"), "a letter changed");
    assert!(!one_edit_apart(b"bakery", b"bakery"), "equal is not a slip");
    assert!(!one_edit_apart(b"bakery", b"barkey"), "two slips");
    assert!(!one_edit_apart(b"unit1housing", b"unit2housing"));
    assert!(!one_edit_apart(b"unithousing", b"unit2housing"));
    // A mistyped legal word is still a legal word.
    assert_eq!(
        normalize::name("Alder Bakery Workers Co-opertive Limted"),
        "alder bakery workers"
    );
}

/// Distinct clubs and bakeries of invented towns, the `rows` of a
/// background for the linker to measure chance agreement on: as in the
/// real lists, the kinds of club are common words and the towns rare.
fn background(rows: std::ops::Range<usize>, prefix: &str) -> String {
    let syllables = ["ka", "lo", "mi", "nu", "pe", "ra", "si", "tu"];
    let kinds = [
        "Bakery",
        "Royal British Legion Club",
        "Constitutional Club",
        "Royal Naval Association Club",
        "Working Men's Club",
    ];
    rows.map(|i| {
        let town: String = [i % 8, (i / 8) % 8, (i / 64) % 8]
            .iter()
            .map(|&k| syllables[k])
            .collect();
        let kind = kinds[i % kinds.len()];
        format!("{prefix}{i},{town} {kind} Limited,{town},AB{i} 1CD\n")
    })
    .collect()
}

const PLACES: &str =
    "[columns]\nid = \"ID\"\nname = \"Name\"\nlocality = \"Town\"\npostcode = \"Postcode\"\n";

fn linked_ids(left: &str, right: &str) -> Vec<(String, String)> {
    let mapping = Mapping::from_toml(PLACES).unwrap();
    let header = "ID,Name,Town,Postcode\n";
    let left = format!("{header}{}{left}", background(0..250, "l"));
    let right = format!("{header}{}{right}", background(250..500, "r"));
    let left = read_csv(left.as_bytes(), &mapping).unwrap();
    let right = read_csv(right.as_bytes(), &mapping).unwrap();
    link(&left, &right, &LinkConfig::default())
        .iter()
        .map(|p| (left[p.left].id.clone(), right[p.right].id.clone()))
        .filter(|(l, _)| !l.starts_with('l'))
        .collect()
}

#[test]
fn slips_and_spacing_do_not_hide_a_match() {
    let linked = linked_ids(
        "a1,Holven Silin Bakery Co-operative Limited,Leeds,LS6 1AA\n\
         a2,Tintre Tugartre Community Shop Limited,York,YO1 7LD\n",
        "b1,Holvne Silin Bakery Co-operative Ltd,Leeds,LS6 2QQ\n\
         b2,TINTR ETUGARTRE COMMUNITY SHOP LIMITED,York,YO1 7QQ\n",
    );
    assert!(linked.contains(&("a1".into(), "b1".into())), "{linked:?}");
    assert!(linked.contains(&("a2".into(), "b2".into())), "{linked:?}");
}

#[test]
fn a_shared_town_in_two_names_does_not_make_them_one_club() {
    // Two clubs of one town, in one postcode district: the town's name
    // in both says where they are, not that they are one. And the same
    // kind of club in two towns is two clubs.
    let linked = linked_ids(
        "a1,Teddington Royal British Legion Club Limited,Teddington,TW11 8HH\n\
         a2,Swindon Royal Naval Association Club Limited,Swindon,SN1 5BZ\n\
         a3,Kinsley Royal British Legion Club Limited,Kinsley,WF9 5JF\n",
        "b1,Teddington Constitutional Club Limited,Teddington,TW11 8TP\n\
         b2,Lincoln Royal Naval Association Club Limited,Lincoln,LN6 7BG\n\
         b3,Royal British Legion Club (Kinsley) Limited,Kinsley,WF9 5ED\n",
    );
    assert_eq!(
        linked,
        vec![("a3".to_owned(), "b3".to_owned())],
        "only the club that moved down the road"
    );
}

#[test]
fn reviewed_pairs_teach_the_linker_what_a_match_looks_like() {
    use coopkit_directory::Reviewed;
    let mapping = Mapping::from_toml(PLACES).unwrap();
    let header = "ID,Name,Town,Postcode\n";
    // These two lists name a farm's grain store and its barn as one
    // organisation, at two addresses: nothing in the priors expects it.
    let left = format!(
        "{header}{}a1,Kirkby Grain Store,Kirkby,LS6 1AA\n",
        background(0..250, "l")
    );
    let right = format!(
        "{header}{}b1,Kirkby Grain Barn,Kirkby,M21 0BN\n",
        background(250..500, "r")
    );
    let left = read_csv(left.as_bytes(), &mapping).unwrap();
    let right = read_csv(right.as_bytes(), &mapping).unwrap();
    let record = |name: String, postcode: &str| coopkit_directory::Record {
        name,
        postcode: postcode.to_owned(),
        ..Default::default()
    };
    // A moderator has accepted forty such pairs and rejected ten others.
    let mut reviewed: Vec<Reviewed> = (0..40)
        .map(|i| Reviewed {
            left: record(format!("Farm{i} Grain Store"), &format!("DL{i} 1AA")),
            right: record(format!("Farm{i} Grain Barn"), &format!("TS{i} 9ZZ")),
            same: true,
        })
        .collect();
    reviewed.extend((0..10).map(|i| Reviewed {
        left: record(format!("Mill{i} Bakery"), "HX5 9DA"),
        right: record(format!("Kiln{i} Pottery"), "HX5 9DA"),
        same: false,
    }));
    let found = |config: &LinkConfig| {
        link(&left, &right, config)
            .into_iter()
            .find(|p| left[p.left].id == "a1" && right[p.right].id == "b1")
    };
    assert_eq!(found(&LinkConfig::default()), None, "the priors alone");
    let taught = found(&LinkConfig {
        reviewed,
        ..LinkConfig::default()
    });
    assert!(taught.is_some(), "after the reviews");
}

/// Seen in the US lists: credit unions named for the electric co-op whose
/// members they serve ("Black Hills" and "Black Hills Electric Coop")
/// were merged into it on their names alone. A sector both lists give and
/// do not share is evidence against.
#[test]
fn a_credit_union_is_not_the_electric_coop_whose_name_it_shares() {
    let shared = |file: &str| {
        std::fs::read(format!("{}/../../data/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    };
    let electric = read_csv(
        &shared("us_eia861_2018_electric_cooperatives.csv"),
        &Mapping::eia_861(),
    )
    .unwrap();
    let credit_unions = read_csv(
        &shared("us_ncua_federally_insured_credit_unions_2025q3.csv"),
        &Mapping::ncua_2025(),
    )
    .unwrap();
    let merged = link(&electric, &credit_unions, &LinkConfig::default())
        .into_iter()
        .filter(|pair| pair.score >= 2.0)
        .map(|pair| (&electric[pair.left].name, &credit_unions[pair.right].name))
        .collect::<Vec<_>>();
    assert!(merged.is_empty(), "{} sure links: {merged:?}", merged.len());
    // Lists that say what all their rows are are not linked at all, not
    // even for review.
    let declared = LinkConfig {
        threshold: -10.0,
        left: Mapping::eia_861().list,
        right: Mapping::ncua_2025().list,
        ..LinkConfig::default()
    };
    assert_eq!(link(&electric, &credit_unions, &declared), Vec::new());

    // Without the sectors, names alone would link them.
    let unsorted = |records: &[coopkit_directory::Record]| {
        records
            .iter()
            .map(|r| coopkit_directory::Record {
                sector: String::new(),
                ..r.clone()
            })
            .collect::<Vec<_>>()
    };
    let by_name = link(
        &unsorted(&electric),
        &unsorted(&credit_unions),
        &LinkConfig::default(),
    );
    assert!(by_name.iter().filter(|p| p.score >= 2.0).count() > 100);
}

/// Seen importing the US lists after the UK ones: "Big Country Electric
/// Coop" of Texas joined "Big Society Co-operative" of Tonbridge on one
/// shared word. Records in different countries are never one organisation.
#[test]
fn organisations_in_different_countries_are_never_linked() {
    let record = |name: &str, country: &str| coopkit_directory::Record {
        name: name.to_owned(),
        country: country.to_owned(),
        ..Default::default()
    };
    let left = [record("Heartland Community Co-operative", "US")];
    let right = [
        record("The Heartland Community Co-operative Limited", "GB"),
        record("Suma Wholefoods", "GB"),
    ];
    assert!(link(&left, &right, &LinkConfig::default()).is_empty());
    let same_country = [record("The Heartland Community Co-operative Limited", "US")];
    assert_eq!(link(&left, &same_country, &LinkConfig::default()).len(), 1);
}
