#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

//! The index over the real Co-operatives UK 2023 list: words, facets,
//! boxes and radii, and pages that never lose or repeat a result.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use coopkit_directory::{read_csv, Mapping, Record};
use coopkit_search::{distance_km, Area, Facet, Query, SearchIndex};
use proptest::prelude::*;

fn records() -> &'static Vec<Record> {
    static RECORDS: OnceLock<Vec<Record>> = OnceLock::new();
    RECORDS.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../data/coopsuk_2023-Q2_essglobal_standard.csv"
        );
        let bytes = std::fs::read(path).expect("the shared data is there");
        read_csv(&bytes, &Mapping::essglobal_standard()).expect("the 2023 list reads")
    })
}

fn index() -> &'static SearchIndex {
    static INDEX: OnceLock<SearchIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let index = SearchIndex::new().expect("an index");
        let sources = vec!["Co-operatives UK 2023".to_owned()];
        index
            .upsert(
                records()
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (i as i64 + 1, r, sources.as_slice())),
            )
            .expect("indexed");
        index
    })
}

fn all(query: &Query) -> Vec<i64> {
    let page = index()
        .search(&Query {
            offset: 0,
            limit: usize::MAX / 2,
            ..query.clone()
        })
        .expect("searched");
    assert_eq!(page.ids.len(), page.total);
    page.ids
}

#[test]
fn words_find_names_and_every_match_is_counted_once() {
    assert_eq!(index().len() as usize, records().len());
    let page = index()
        .search(&Query {
            text: "bakery".to_owned(),
            limit: 10,
            ..Query::default()
        })
        .expect("searched");
    let expected = records()
        .iter()
        .filter(|r| {
            format!("{} {} {}", r.name, r.description, r.locality)
                .to_lowercase()
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| w == "bakery")
        })
        .count();
    assert!(expected > 0);
    assert_eq!(page.total, expected);
    let first = &records()[page.ids[0] as usize - 1];
    assert!(
        first.name.to_lowercase().contains("bakery"),
        "{}",
        first.name
    );
}

#[test]
fn facets_count_what_the_filter_then_finds() {
    let page = index()
        .search(&Query {
            limit: 0,
            ..Query::default()
        })
        .expect("searched");
    let legal = &page.facets[&Facet::LegalForm];
    let (form, count) = legal.first().expect("legal forms are counted");
    assert_eq!(form, "Society");
    let society = records()
        .iter()
        .filter(|r| r.legal_form == "Society")
        .count();
    assert_eq!(*count as usize, society);
    let filtered = index()
        .search(&Query {
            filters: vec![(Facet::LegalForm, form.clone())],
            limit: 0,
            ..Query::default()
        })
        .expect("searched");
    assert_eq!(filtered.total, society);
    assert_eq!(
        page.facets[&Facet::Source],
        vec![("Co-operatives UK 2023".to_owned(), records().len() as u64)]
    );
}

#[test]
fn a_radius_finds_exactly_the_points_within_it() {
    // Manchester, where many co-ops are registered.
    let (lat, lon, km) = (53.4808, -2.2426, 5.0);
    let found: BTreeSet<i64> = all(&Query {
        area: Some(Area::Circle { lat, lon, km }),
        ..Query::default()
    })
    .into_iter()
    .collect();
    let expected: BTreeSet<i64> = records()
        .iter()
        .enumerate()
        .filter(|(_, r)| r.point.is_some_and(|p| distance_km(p, (lat, lon)) <= km))
        .map(|(i, _)| i as i64 + 1)
        .collect();
    assert!(expected.len() > 50, "{}", expected.len());
    assert_eq!(found, expected);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Any box, any words, any page size: the pages together are the
    /// whole result, each organisation once, in the same order.
    #[test]
    fn pages_of_a_box_never_lose_a_result(
        south in 50.0f64..56.0,
        west in -5.0f64..1.0,
        height in 0.05f64..3.0,
        width in 0.05f64..3.0,
        words in prop::sample::select(vec!["", "housing", "community", "limited", "farm"]),
        limit in 1usize..40,
    ) {
        let area = Area::Box { south, west, north: south + height, east: west + width };
        let query = Query { text: words.to_owned(), area: Some(area), ..Query::default() };
        let whole = all(&query);
        let mut paged = Vec::new();
        let mut offset = 0;
        loop {
            let page = index().search(&Query { offset, limit, ..query.clone() }).expect("searched");
            prop_assert_eq!(page.total, whole.len());
            if page.ids.is_empty() { break; }
            offset += page.ids.len();
            paged.extend(page.ids);
        }
        prop_assert_eq!(&paged, &whole);
        for id in whole {
            let (lat, lon) = records()[id as usize - 1].point.expect("only points are in a box");
            prop_assert!(lat >= south && lat <= south + height && lon >= west && lon <= west + width);
        }
    }
}

#[test]
fn the_whole_directory_counts_are_kept_only_until_the_index_changes() {
    let index = SearchIndex::new().unwrap();
    let sources = vec!["test".to_owned()];
    let first: Vec<Record> = records()[..500].to_vec();
    index
        .upsert(
            first
                .iter()
                .enumerate()
                .map(|(i, r)| (i as i64 + 1, r, sources.as_slice())),
        )
        .unwrap();
    let everything = Query {
        limit: 5,
        ..Query::default()
    };
    let before = index.search(&everything).unwrap();
    assert_eq!(before.total, 500);
    // Asked again, the kept counts are those of a fresh count, and each
    // page is its own.
    let again = index
        .search(&Query {
            offset: 5,
            ..everything.clone()
        })
        .unwrap();
    assert_eq!((again.total, &again.facets), (before.total, &before.facets));
    assert_eq!(again.ids, (6..=10).collect::<Vec<i64>>());
    // A new organisation in a new country: the counts follow at once.
    let newcomer = Record {
        name: "Cooperativa Nueva".to_owned(),
        country: "ES".to_owned(),
        ..Record::default()
    };
    index
        .upsert([(501, &newcomer, sources.as_slice())])
        .unwrap();
    let after = index.search(&everything).unwrap();
    assert_eq!(after.total, 501);
    assert!(after.facets[&Facet::Country].contains(&("ES".to_owned(), 1)));
    // The narrowed searches count for themselves.
    let spain = index
        .search(&Query {
            filters: vec![(Facet::Country, "ES".to_owned())],
            ..everything
        })
        .unwrap();
    assert_eq!((spain.total, spain.ids), (1, vec![501]));
}

/// Found by the web's property test: a phrase left out (`-"a b"`, or
/// `-1,1`, which tokenises into the phrase "1 1") made tantivy's phrase
/// scorer seek backwards, which its debug assertions refuse (tantivy
/// #2811). Leaving out a phrase leaves out exactly the documents it finds.
#[test]
fn a_phrase_left_out_leaves_out_exactly_its_documents() {
    let set = |text: &str| -> BTreeSet<i64> {
        all(&Query {
            text: text.to_owned(),
            ..Query::default()
        })
        .into_iter()
        .collect()
    };
    let everything = set("");
    for (kept, left_out) in [
        ("", "1,1"),
        ("", "\"co operative\""),
        ("bakery", "\"community bakery\""),
        ("housing", "\"housing co-operative\""),
    ] {
        let text = format!("{kept} -{left_out}");
        let expected: BTreeSet<i64> = if kept.is_empty() {
            everything.clone()
        } else {
            set(kept)
        }
        .difference(&set(left_out))
        .copied()
        .collect();
        assert_eq!(set(&text), expected, "{text:?}");
    }
    assert!(
        !set("\"housing co-operative\"").is_empty(),
        "the phrase finds something"
    );
}

/// Facet counts are the same however the index is split into segments,
/// ties rank by value, and a limit keeps the head of the full ranking:
/// checked against counts made straight from the records, on an index
/// written in several batches (a segment each) with replacements.
#[test]
fn facet_counts_add_up_across_segments_and_a_limit_keeps_the_head() {
    let index = SearchIndex::new().unwrap();
    let sources = vec!["test".to_owned()];
    let some: Vec<&Record> = records().iter().take(1_200).collect();
    for batch in some.chunks(250).enumerate().map(|(b, chunk)| {
        chunk
            .iter()
            .enumerate()
            .map(move |(i, r)| ((b * 250 + i) as i64 + 1, *r))
    }) {
        index
            .upsert(batch.map(|(id, r)| (id, r, sources.as_slice())))
            .unwrap();
    }
    // Replacing organisations moves them to a new segment; counts must not
    // see them twice.
    index
        .upsert(
            some[..100]
                .iter()
                .enumerate()
                .map(|(i, r)| (i as i64 + 1, *r, sources.as_slice())),
        )
        .unwrap();
    let words = "housing";
    let matching = index
        .search(&Query {
            text: words.to_owned(),
            limit: usize::MAX / 2,
            ..Query::default()
        })
        .unwrap()
        .ids;
    assert!(matching.len() > 20, "{} match", matching.len());
    let mut expected: Vec<(String, u64)> = Vec::new();
    for id in &matching {
        let region = &some[*id as usize - 1].region;
        if region.is_empty() {
            continue;
        }
        match expected.iter_mut().find(|(value, _)| value == region) {
            Some((_, n)) => *n += 1,
            None => expected.push((region.clone(), 1)),
        }
    }
    expected.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let check = |index: &SearchIndex| {
        for limit in [None, Some(0), Some(1), Some(3), Some(expected.len() + 5)] {
            let page = index
                .search(&Query {
                    text: words.to_owned(),
                    limit: 10,
                    facet_values: limit,
                    ..Query::default()
                })
                .unwrap();
            let shown = limit.map_or(expected.len(), |l| l.min(expected.len()));
            assert_eq!(
                page.facets[&Facet::Region],
                expected[..shown],
                "limit {limit:?}"
            );
            assert_eq!(page.total, matching.len());
        }
    };
    assert!(index.segments() > 1, "{} segments", index.segments());
    check(&index);
    // Merged into one segment, the index answers the same.
    index.compact().unwrap();
    assert_eq!(index.segments(), 1);
    check(&index);
}

/// Compacting while tantivy's own merge policy is merging the same segments
/// in the background (many small commits, as a moderator's edits make)
/// still ends in one segment holding every organisation. It once failed
/// with "the segments that were merged could not be found" when the
/// background merge ended first.
#[test]
fn compacting_beside_a_background_merge_still_ends_in_one_segment() {
    let index = SearchIndex::new().unwrap();
    let sources = vec!["test".to_owned()];
    let some: Vec<&Record> = records().iter().take(600).collect();
    for round in 0..6 {
        for (b, chunk) in some.chunks(20).enumerate() {
            index
                .upsert(
                    chunk
                        .iter()
                        .enumerate()
                        .map(|(i, r)| ((b * 20 + i) as i64 + 1, *r, sources.as_slice())),
                )
                .unwrap();
        }
        index
            .compact()
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        assert_eq!(index.segments(), 1, "round {round}");
        let everything = index
            .search(&Query {
                limit: 0,
                ..Query::default()
            })
            .unwrap();
        assert_eq!(everything.total, some.len(), "round {round}");
    }
}
