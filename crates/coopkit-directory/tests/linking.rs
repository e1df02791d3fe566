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
