//! The bundled gazetteer finds the places people and lists name.

use coopkit_places::{Gazetteer, Precision};
use proptest::prelude::*;

fn near(lat_e6: i32, lon_e6: i32, lat: f64, lon: f64) -> bool {
    (f64::from(lat_e6) / 1e6 - lat).abs() < 0.1 && (f64::from(lon_e6) / 1e6 - lon).abs() < 0.1
}

#[test]
fn a_name_alone_means_its_most_populous_town() {
    let found = Gazetteer::bundled().find("manchester", 5, false);
    assert_eq!(found.len(), 5, "{found:?}");
    assert_eq!(found[0].label, "Manchester, England, GB");
    assert!(near(found[0].lat_e6, found[0].lon_e6, 53.48, -2.24));
    assert_eq!(found[0].precision, Precision::Town);
    assert!(found[1..].iter().all(|p| p.country == "US"), "{found:?}");
}

#[test]
fn a_division_or_country_after_a_comma_chooses_among_namesakes() {
    let g = Gazetteer::bundled();
    let dc = g
        .place("Capitol Hill, Washington")
        .expect("Capitol Hill, DC");
    assert_eq!(dc.label, "Capitol Hill, District of Columbia, US");
    assert!(near(dc.lat_e6, dc.lon_e6, 38.89, -77.0));
    let nh = g
        .place("Manchester, NH")
        .expect("Manchester, New Hampshire");
    assert!(nh.label.contains("New Hampshire"), "{nh:?}");
    let us = g
        .place("manchester, United States")
        .expect("a US Manchester");
    assert_eq!(us.country, "US");
    assert_eq!(g.place("Manchester, Narnia"), None);
}

#[test]
fn while_typing_the_last_word_may_be_unfinished() {
    let g = Gazetteer::bundled();
    assert!(g.find("Manch", 5, false).is_empty());
    let typed = g.find("Manch", 5, true);
    assert!(
        typed.iter().any(|p| p.label == "Manchester, England, GB"),
        "{typed:?}"
    );
    // After a comma, the state or town being typed is the unfinished word.
    let hill = g.find("Capitol Hill, Wash", 3, true);
    assert_eq!(
        hill[0].label, "Capitol Hill, District of Columbia, US",
        "{hill:?}"
    );
    // A whole name comes before the longer names it begins.
    let whole = g.find("York", 3, true);
    assert!(whole[0].label.starts_with("York,"), "{whole:?}");
}

#[test]
fn accents_and_capitals_do_not_matter() {
    let g = Gazetteer::bundled();
    let plain = g.place("saint etienne, FR").expect("Saint-Étienne");
    assert_eq!(g.place("SAINT-ÉTIENNE, France"), Some(plain));
}

#[test]
fn zip_codes_are_found_with_or_without_their_leading_zeros() {
    let g = Gazetteer::bundled();
    let hartford = g.zip("6114").expect("06114, Hartford");
    assert_eq!(hartford.label, "06114, US");
    assert_eq!(hartford.precision, Precision::Postcode);
    assert!(
        near(hartford.lat_e6, hartford.lon_e6, 41.74, -72.67),
        "{hartford:?}"
    );
    assert_eq!(g.zip("06114"), Some(hartford.clone()));
    assert_eq!(g.place("06114"), Some(hartford));
    assert_eq!(g.zip("00000"), None);
    assert_eq!(g.zip("123456"), None);
}

#[test]
fn lists_place_by_town_county_and_state() {
    let g = Gazetteer::bundled();
    let town = g.town("US", "CT", "HARTFORD").expect("Hartford, CT");
    assert!(town.label.starts_with("Hartford, Connecticut"), "{town:?}");
    // A region the gazetteer does not know does not lose the town.
    let manchester = g
        .town("GB", "Greater Manchester", "MANCHESTER")
        .expect("Manchester");
    assert_eq!(manchester.label, "Manchester, England, GB");
    let county = g.county("VA", "Accomack").expect("Accomack County");
    assert_eq!(county.label, "Accomack County, Virginia, US");
    assert_eq!(county.precision, Precision::County);
    assert!(
        near(county.lat_e6, county.lon_e6, 37.8, -75.6),
        "{county:?}"
    );
    let state = g.region("US", "VA").expect("Virginia");
    assert_eq!(state.label, "Virginia, US");
    assert_eq!(g.region("US", "Virginia"), Some(state));
    assert_eq!(g.county("VA", "Nowhere"), None);
}

#[test]
fn a_point_is_told_by_its_nearest_town() {
    let g = Gazetteer::bundled();
    let lincoln_park = g.nearest(38_889_900, -76_990_500, 5).expect("a town near");
    assert_eq!(lincoln_park.label, "Capitol Hill, District of Columbia, US");
    assert_eq!(
        g.nearest(0, -30_000_000, 5),
        None,
        "the middle of the Atlantic"
    );
}

proptest! {
    #[test]
    fn any_text_gives_at_most_the_matches_asked(text in "\\PC{0,40}", limit in 0usize..30) {
        let found = Gazetteer::bundled().find(&text, limit, true);
        prop_assert!(found.len() <= limit.min(coopkit_places::MAX_MATCHES));
    }
}
