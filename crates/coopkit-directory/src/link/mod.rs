//! Linking two lists: which rows of the left and the right are the same
//! organisation.
//!
//! 1. **Blocking.** Only pairs that share something are compared: the
//!    whole normalised name, one of the two rarest words of a name, the
//!    postcode, a company number, a website domain or a phone. Keys shared
//!    by more than [`LinkConfig::block_max`] rows on a side say too little
//!    and are skipped.
//! 2. **Comparing.** Each candidate pair gets a level per comparison:
//!    names (equal; one slip apart or equal but for spaces; cosine of
//!    their words weighted by rarity, in bands, a shared word naming the
//!    record's own town counting for less),
//!    postcode (equal, same district, different), street, company number,
//!    website domain, phone, legal form, ownership, industry code, sector.
//!    A missing value on either side is no evidence either way, nor is a
//!    sector both share (most of a list's co-ops share a few sectors); a
//!    sector they do not share is evidence against: a credit union is not
//!    the electric co-op whose name it shares.
//! 3. **Scoring** (Fellegi–Sunter). Each level's weight is log2(m/u): `u`,
//!    how often random pairs of the two lists agree at that level, is
//!    measured on a fixed sample of random pairs (from [`U_PRIORS`], so a
//!    short list is not judged on a handful of pairs); `m`, how often true
//!    matches do, starts from [`M_PRIORS`] and learns from the pairs people
//!    have reviewed ([`LinkConfig::reviewed`]): each accepted pair is one
//!    observation of `m`, each rejected one of `u`. The prior odds of a
//!    match are one per row of the shorter list among the candidates. An
//!    exact name, a postcode or a street is worth less the more
//!    organisations share it (term-frequency adjustment), so "Royal
//!    British Legion Club" or an accountant's address alone proves
//!    little. Two records in different countries are never one
//!    organisation (a US electric co-op is not the UK club whose name
//!    shares a word), whatever else they share. A list known to hold only
//!    current organisations is never linked to a row the other list says
//!    was dissolved, nor a list of one sector to a row of another.
//! 4. **One to one.** Pairs are taken best first; a row already linked is
//!    not linked again, so a shared registered office does not chain
//!    several organisations together.

mod blocking;
mod cluster;
mod prepare;

use crate::cores::across_cores;
use crate::mapping::{ListFacts, Record};
use crate::normalize;
use blocking::{Blocks, Finder};
use prepare::{cosine, Lists, Prepared, Text, ABSENT};

pub use cluster::cluster;

#[derive(Clone, Debug)]
pub struct LinkConfig {
    /// Pairs scoring below this (log2 odds of a match) are not linked:
    /// by default, pairs more likely the same organisation than not.
    pub threshold: f64,
    /// Blocking keys shared by more rows than this on one side are skipped.
    pub block_max: usize,
    /// Random pairs sampled to measure `u`.
    pub sample: usize,
    /// What is known of each list as a whole.
    pub left: ListFacts,
    pub right: ListFacts,
    /// Pairs people have judged, to learn from.
    pub reviewed: Vec<Reviewed>,
}

/// Two records as the linker compared them, and whether a person found
/// them to be one organisation.
#[derive(Clone, Debug, PartialEq)]
pub struct Reviewed {
    pub left: Record,
    pub right: Record,
    pub same: bool,
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            threshold: 0.0,
            block_max: 200,
            sample: 20_000,
            left: ListFacts::default(),
            right: ListFacts::default(),
            reviewed: Vec::new(),
        }
    }
}

/// A left row and a right row judged the same organisation.
#[derive(Clone, Debug, PartialEq)]
pub struct Pair {
    pub left: usize,
    pub right: usize,
    /// log2 of the odds that they are the same.
    pub score: f64,
}

// The comparisons, in the order of the priors; level 0 is disagreement.
const NAME: usize = 0;
const POSTCODE: usize = 1;
const COMPANY: usize = 2;
const STREET: usize = 3;
const DOMAIN: usize = 4;
const PHONE: usize = 5;
const LEGAL_FORM: usize = 6;
const OWNERSHIP: usize = 7;
const SIC: usize = 8;
const SECTOR: usize = 9;

/// How often true matches agree at each level, before the data speaks:
/// names are mostly kept (85% exact); 80% keep their postcode exactly;
/// company numbers, domains and phones almost never differ between two
/// records of one organisation, but streets are written many ways.
pub const M_PRIORS: [&[f64]; 10] = [
    &[0.002, 0.005, 0.03, 0.07, 0.893],
    &[0.12, 0.08, 0.80],
    &[0.01, 0.99],
    &[0.2, 0.2, 0.6],
    &[0.05, 0.95],
    &[0.05, 0.95],
    // Legal form and ownership seldom change; an industry code often
    // does (a new code, a new line of work).
    &[0.01, 0.99],
    &[0.01, 0.99],
    &[0.25, 0.75],
    // Lists reclassify an organisation now and then, but seldom (0.03
    // measured best on the Co-operatives UK lists: F1 0.9919, against
    // 0.9911 without a sector and 0.9903 with 0.01).
    &[0.03, 0.97],
];

/// How often random pairs of two lists of co-ops agree at each level, as
/// measured on the Co-operatives UK lists: the starting point for `u`.
pub const U_PRIORS: [&[f64]; 10] = [
    &[0.985, 0.01, 0.003, 0.001, 0.001],
    &[0.995, 0.0045, 0.0005],
    &[0.9999, 0.0001],
    &[0.98, 0.015, 0.005],
    &[0.999, 0.001],
    &[0.999, 0.001],
    &[0.3, 0.7],
    &[0.6, 0.4],
    &[0.95, 0.05],
    &[0.8, 0.2],
];

/// How many random pairs the priors of `u` count for.
const U_PSEUDO_PAIRS: f64 = 1_000.0;

/// How many reviewed matches the priors of `m` count for: fifty accepted
/// pairs weigh as much as the priors.
const M_PSEUDO_PAIRS: f64 = 50.0;

type Levels = [Option<usize>; 10];

fn compare(a: &Prepared, b: &Prepared, weight: &[f64]) -> Levels {
    let mut name = 0;
    for x in &a.names {
        for y in &b.names {
            let level = if x.id == y.id {
                4
            } else if nearly_equal(x, y) {
                3
            } else {
                match cosine(x, y, weight) {
                    c if c >= 0.9 => 3,
                    c if c >= 0.7 => 2,
                    c if c >= 0.4 => 1,
                    _ => 0,
                }
            };
            name = name.max(level);
        }
    }
    let both = |x: u32, y: u32| x != ABSENT && y != ABSENT;
    let equal = |x: u32, y: u32| both(x, y).then(|| usize::from(x == y));
    let postcode = both(a.postcode, b.postcode).then(|| {
        if a.postcode == b.postcode {
            2
        } else {
            usize::from(a.outward == b.outward)
        }
    });
    let street = both(a.street.id, b.street.id).then(|| {
        if a.street.id == b.street.id {
            2
        } else {
            usize::from(cosine(&a.street, &b.street, weight) >= 0.6)
        }
    });
    let mut levels = [None; 10];
    levels[NAME] = (!a.names.is_empty() && !b.names.is_empty()).then_some(name);
    levels[POSTCODE] = postcode;
    levels[COMPANY] = equal(a.company, b.company);
    levels[STREET] = street;
    levels[DOMAIN] = equal(a.domain, b.domain);
    levels[PHONE] = equal(a.phone, b.phone);
    levels[LEGAL_FORM] = equal(a.legal_form, b.legal_form);
    levels[OWNERSHIP] = equal(a.ownership, b.ownership);
    levels[SIC] = equal(a.sic, b.sic);
    levels[SECTOR] = equal(a.sector, b.sector);
    levels
}

/// Two names that differ only in their spaces ("Tin Tre" and "Tintre")
/// or by one slip in a name long enough for a slip to be told from
/// another name.
fn nearly_equal(x: &Text, y: &Text) -> bool {
    x.letters == y.letters
        || (x.letters.len() >= 8 && normalize::one_edit_apart(&x.letters, &y.letters))
}

/// SplitMix64, for a sample that is the same on every run.
struct Draw(u64);

impl Draw {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z % n.max(1) as u64) as usize
    }
}

/// Links `left` to `right`: the pairs judged the same organisation, each
/// row in at most one pair, best first.
pub fn link(left: &[Record], right: &[Record], config: &LinkConfig) -> Vec<Pair> {
    let scored = scored(left, right, false, config);
    let (mut left_used, mut right_used) = (vec![false; left.len()], vec![false; right.len()]);
    scored
        .into_iter()
        .filter(|p| {
            let free = !left_used[p.left] && !right_used[p.right];
            if free {
                left_used[p.left] = true;
                right_used[p.right] = true;
            }
            free
        })
        .collect()
}

/// Finds the duplicates within one list: a cluster number for every row
/// (the row number of the cluster's first row). Two clusters join only if
/// most pairs across them are linked, so a chain of look-alikes (A like
/// B, B like C, A nothing like C) does not make one cluster.
pub fn dedupe(records: &[Record], config: &LinkConfig) -> Vec<usize> {
    cluster(records.len(), &scored(records, &[], true, config))
}

/// Adds one observation of each comparison's level to `counts`.
fn observe(counts: &mut [Vec<f64>], levels: &Levels) {
    for (f, level) in levels.iter().enumerate() {
        if let Some(level) = level {
            counts[f][*level] += 1.0;
        }
    }
}

/// Fellegi–Sunter weights, log2(m/u) per comparison and level: `u`
/// measured on a fixed sample of random pairs, `m` from the priors; the
/// reviewed pairs add to both.
fn weights(
    lp: &[Prepared],
    rp: &[Prepared],
    same: bool,
    lists: &Lists,
    sample: usize,
) -> Vec<Vec<f64>> {
    // Starting from typical agreement, worth U_PSEUDO_PAIRS pairs, so
    // short lists, with few random pairs to learn from, are judged sanely.
    let mut counts: Vec<Vec<f64>> = U_PRIORS
        .iter()
        .map(|u| u.iter().map(|share| share * U_PSEUDO_PAIRS).collect())
        .collect();
    // "coopkit" in ASCII: any fixed seed does.
    let mut draw = Draw(0x0063_6F6F_706B_6974);
    let possible = lp.len().saturating_mul(rp.len());
    for _ in 0..sample.min(possible) {
        let (i, j) = (draw.below(lp.len()), draw.below(rp.len()));
        if same && i == j {
            // A row agrees with itself on everything: no evidence of chance.
            continue;
        }
        observe(&mut counts, &compare(&lp[i], &rp[j], &lists.weight));
    }
    let mut m_counts: Vec<Vec<f64>> = M_PRIORS
        .iter()
        .map(|m| m.iter().map(|share| share * M_PSEUDO_PAIRS).collect())
        .collect();
    for (a, b, same) in &lists.reviewed {
        let levels = compare(a, b, &lists.weight);
        observe(if *same { &mut m_counts } else { &mut counts }, &levels);
    }
    let shares = |counts: &[f64]| {
        let total: f64 = counts.iter().sum();
        counts.iter().map(|c| c / total).collect::<Vec<f64>>()
    };
    counts
        .iter()
        .zip(&m_counts)
        .map(|(u, m)| {
            shares(u)
                .iter()
                .zip(shares(m))
                .map(|(u, m)| (m / u).log2())
                .collect()
        })
        .collect()
}

/// A candidate pair's log2 odds of being one organisation, before the
/// prior odds.
fn evidence(a: &Prepared, b: &Prepared, lists: &Lists, weights: &[Vec<f64>]) -> f64 {
    if a.country != ABSENT && b.country != ABSENT && a.country != b.country {
        return f64::NEG_INFINITY;
    }
    let levels = compare(a, b, &lists.weight);
    let mut score = 0.0;
    for (f, level) in levels.iter().enumerate() {
        match (f, level) {
            // A shared sector says little (see the module's notes).
            (SECTOR, Some(1)) | (_, None) => {}
            (_, Some(level)) => score += weights[f][*level],
        }
    }
    if levels[NAME] == Some(4) {
        // The more organisations share the name, the less its agreement
        // says (two: the pair itself).
        let shared = a
            .names
            .iter()
            .filter(|n| b.names.iter().any(|m| m.id == n.id))
            .map(|n| lists.name_count[n.id as usize])
            .min()
            .unwrap_or(2);
        score -= (f64::from(shared) / 2.0).log2().max(0.0);
    }
    if levels[POSTCODE] == Some(2) {
        // Likewise a shared registered office: many co-ops use one
        // accountant's or federation's address.
        let shared = lists.postcode_count[a.postcode as usize];
        score -= (f64::from(shared) / 2.0).log2().max(0.0);
    }
    if levels[STREET] == Some(2) {
        let shared = lists.street_count[a.street.id as usize];
        score -= (f64::from(shared) / 2.0).log2().max(0.0);
    }
    score
}

/// Every candidate pair scoring at least the threshold, best first. With
/// `same`, `left` is compared with itself (`right` is not read) and each
/// pair comes once (left row before right row).
fn scored(left: &[Record], right: &[Record], same: bool, config: &LinkConfig) -> Vec<Pair> {
    let lists = prepare::prepare(left, right, &config.reviewed);
    let (lp, rp) = if same {
        (&lists.left, &lists.left)
    } else {
        (&lists.left, &lists.right)
    };
    if lp.is_empty() || rp.is_empty() {
        return Vec::new();
    }
    // A list of current organisations holds none that the other list
    // says were dissolved; a list that says what all its rows are (every
    // one a credit union) holds none of another kind.
    let of_kind = |facts: &ListFacts, record: &Record| {
        facts.sector.as_deref().is_none_or(|sector| {
            record.sector.is_empty() || record.sector.eq_ignore_ascii_case(sector)
        })
    };
    let left_may = |i: usize| {
        same || (!(config.right.current && left[i].dissolved) && of_kind(&config.right, &left[i]))
    };
    let right_may = |j: usize| {
        same || (!(config.left.current && right[j].dissolved) && of_kind(&config.left, &right[j]))
    };
    let blocks = Blocks::new(&lists, lp, left_may, config.block_max);
    let finder = || Finder::new(&blocks, &lists.word_count, lp.len());

    // The prior odds of a match. Between two lists: at most one per row
    // of the shorter list, among all the candidates. Within one list no
    // count bounds the duplicates, so a share of rows is assumed: about
    // one row in a hundred repeats another in a list people keep by hand
    // (the share seen in the Co-operatives UK exports).
    let expected = if same {
        lp.len() as f64 / 100.0
    } else {
        lp.len().min(rp.len()) as f64
    };
    let prior_given =
        |candidates: usize| (expected / (candidates as f64 - expected).max(1.0)).log2();

    // One pass: the candidates are counted as they are scored. The prior
    // only falls as the count grows, so a pair kept against the prior of
    // the count so far is kept against a prior at least as high as the
    // final one: no pair that will pass is lost, and few that will not
    // are kept.
    let weights = weights(lp, rp, same, &lists, config.sample);
    let found = across_cores(
        rp.len(),
        || (finder(), Vec::new(), 0),
        |(finder, pairs, count), rows| {
            for j in rows.filter(|&j| right_may(j)) {
                let candidates = finder.candidates(j, &rp[j], same);
                *count += candidates.len();
                let floor = config.threshold - prior_given(*count);
                for &i in candidates {
                    let evidence = evidence(&lp[i as usize], &rp[j], &lists, &weights);
                    if evidence >= floor {
                        pairs.push(Pair {
                            left: i as usize,
                            right: j,
                            score: evidence,
                        });
                    }
                }
            }
        },
    );
    let prior = prior_given(found.iter().map(|(_, _, count)| count).sum());
    let mut scored: Vec<Pair> = found
        .into_iter()
        .flat_map(|(_, pairs, _)| pairs)
        .map(|pair| Pair {
            score: pair.score + prior,
            ..pair
        })
        .filter(|pair| pair.score >= config.threshold)
        .collect();
    scored.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.left.cmp(&b.left))
            .then(a.right.cmp(&b.right))
    });
    scored
}
