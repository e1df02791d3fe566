//! Linking two lists: which rows of the left and the right are the same
//! organisation.
//!
//! 1. **Blocking.** Only pairs that share something are compared: the
//!    whole normalised name, one of the two rarest words of a name, the
//!    postcode, a company number, a website domain or a phone. Keys shared
//!    by more than [`LinkConfig::block_max`] rows on a side say too little
//!    and are skipped.
//! 2. **Comparing.** Each candidate pair gets a level per comparison:
//!    names (equal; cosine of their words weighted by rarity, in bands),
//!    postcode (equal, same district, different), street, company number,
//!    website domain, phone, legal form, ownership, industry code. A
//!    missing value on either side is no evidence either way.
//! 3. **Scoring** (Fellegi–Sunter). Each level's weight is log2(m/u): `u`,
//!    how often random pairs of the two lists agree at that level, is
//!    measured on a fixed sample of random pairs (from [`U_PRIORS`], so a
//!    short list is not judged on a handful of pairs); `m`, how often true
//!    matches do, is [`M_PRIORS`] for now. The prior odds of a match are
//!    one per row of the shorter list among the candidates. An exact name
//!    or a postcode is worth less the more organisations share it
//!    (term-frequency adjustment), so "Royal British Legion Club" or an
//!    accountant's address alone proves little. A list known to hold only
//!    current organisations is never linked to a row the other list says
//!    was dissolved.
//! 4. **One to one.** Pairs are taken best first; a row already linked is
//!    not linked again, so a shared registered office does not chain
//!    several organisations together.

use std::collections::{HashMap, HashSet};

use crate::mapping::{ListFacts, Record};
use crate::normalize;

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
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            threshold: 0.0,
            block_max: 200,
            sample: 20_000,
            left: ListFacts::default(),
            right: ListFacts::default(),
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

/// How often true matches agree at each level, before the data speaks:
/// names are mostly kept (85% exact); 80% keep their postcode exactly;
/// company numbers, domains and phones almost never differ between two
/// records of one organisation, but streets are written many ways.
pub const M_PRIORS: [&[f64]; 9] = [
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
];

/// How often random pairs of two lists of co-ops agree at each level, as
/// measured on the Co-operatives UK lists: the starting point for `u`.
pub const U_PRIORS: [&[f64]; 9] = [
    &[0.985, 0.01, 0.003, 0.001, 0.001],
    &[0.995, 0.0045, 0.0005],
    &[0.9999, 0.0001],
    &[0.98, 0.015, 0.005],
    &[0.999, 0.001],
    &[0.999, 0.001],
    &[0.3, 0.7],
    &[0.6, 0.4],
    &[0.95, 0.05],
];

/// How many random pairs the priors count for.
const U_PSEUDO_PAIRS: f64 = 1_000.0;

struct Prepared {
    names: Vec<String>,
    postcode: String,
    company: String,
    street: String,
    domain: String,
    phone: String,
    legal_form: String,
    ownership: String,
    sic: String,
}

fn prepare(record: &Record) -> Prepared {
    let mut names: Vec<String> = [&record.name, &record.other_name]
        .into_iter()
        .map(|n| normalize::name(n))
        .filter(|n| !n.is_empty())
        .collect();
    names.dedup();
    Prepared {
        names,
        postcode: normalize::postcode(&record.postcode),
        company: normalize::company_number(&record.company_number),
        street: normalize::name(&record.street),
        domain: normalize::domain(&record.website),
        phone: normalize::phone(&record.phone),
        legal_form: record.legal_form.trim().to_lowercase(),
        ownership: record.ownership.trim().to_lowercase(),
        sic: record
            .sic
            .chars()
            .filter(char::is_ascii_digit)
            // "UKSIC07-4711" carries the scheme's year: keep the code.
            .skip(if record.sic.contains("SIC07") { 2 } else { 0 })
            .take(4)
            .collect(),
    }
}

/// Word rarity over both lists, for blocking and weighted cosines.
struct Rarity {
    count: HashMap<String, usize>,
    total: f64,
}

impl Rarity {
    fn idf(&self, token: &str) -> f64 {
        (self.total / (1 + self.count.get(token).copied().unwrap_or(0)) as f64).ln()
    }

    /// Cosine of two texts' word sets, each word weighted by its rarity.
    fn cosine(&self, a: &str, b: &str) -> f64 {
        let a: HashSet<&str> = a.split(' ').collect();
        let b: HashSet<&str> = b.split(' ').collect();
        let square = |t: &&str| self.idf(t).powi(2);
        let shared: f64 = a.intersection(&b).map(square).sum();
        let norm = (a.iter().map(square).sum::<f64>() * b.iter().map(square).sum::<f64>()).sqrt();
        if norm > 0.0 {
            shared / norm
        } else {
            0.0
        }
    }

    fn rarest<'a>(&self, name: &'a str, n: usize) -> Vec<&'a str> {
        let mut words: Vec<&str> = name.split(' ').collect();
        words.sort_by_key(|w| (self.count.get(*w).copied().unwrap_or(0), *w));
        words.dedup();
        words.truncate(n);
        words
    }
}

fn keys(p: &Prepared, rarity: &Rarity) -> Vec<String> {
    let mut keys = Vec::new();
    for name in &p.names {
        keys.push(format!("n:{name}"));
        for word in rarity.rarest(name, 2) {
            keys.push(format!("w:{word}"));
        }
    }
    for (tag, value) in [
        ("p", &p.postcode),
        ("c", &p.company),
        ("d", &p.domain),
        ("t", &p.phone),
    ] {
        if !value.is_empty() {
            keys.push(format!("{tag}:{value}"));
        }
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

type Levels = [Option<usize>; 9];

fn compare(a: &Prepared, b: &Prepared, rarity: &Rarity) -> Levels {
    let mut name = 0;
    for x in &a.names {
        for y in &b.names {
            let level = if x == y {
                4
            } else {
                match rarity.cosine(x, y) {
                    c if c >= 0.9 => 3,
                    c if c >= 0.7 => 2,
                    c if c >= 0.4 => 1,
                    _ => 0,
                }
            };
            name = name.max(level);
        }
    }
    let both = |x: &str, y: &str| !x.is_empty() && !y.is_empty();
    let equal = |x: &str, y: &str| both(x, y).then(|| usize::from(x == y));
    let postcode = both(&a.postcode, &b.postcode).then(|| {
        if a.postcode == b.postcode {
            2
        } else {
            usize::from(normalize::outward(&a.postcode) == normalize::outward(&b.postcode))
        }
    });
    let street = both(&a.street, &b.street).then(|| {
        if a.street == b.street {
            2
        } else {
            usize::from(rarity.cosine(&a.street, &b.street) >= 0.6)
        }
    });
    let mut levels = [None; 9];
    levels[NAME] = (!a.names.is_empty() && !b.names.is_empty()).then_some(name);
    levels[POSTCODE] = postcode;
    levels[COMPANY] = equal(&a.company, &b.company);
    levels[STREET] = street;
    levels[DOMAIN] = equal(&a.domain, &b.domain);
    levels[PHONE] = equal(&a.phone, &b.phone);
    levels[LEGAL_FORM] = equal(&a.legal_form, &b.legal_form);
    levels[OWNERSHIP] = equal(&a.ownership, &b.ownership);
    levels[SIC] = equal(&a.sic, &b.sic);
    levels
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
    cluster(records.len(), &scored(records, records, true, config))
}

/// Clusters `rows` rows from linked pairs, strongest first: two clusters
/// join only if more than half the pairs across them are linked.
pub fn cluster(rows: usize, pairs: &[Pair]) -> Vec<usize> {
    let linked: HashSet<(usize, usize)> = pairs
        .iter()
        .map(|p| (p.left.min(p.right), p.left.max(p.right)))
        .collect();
    let mut cluster: Vec<usize> = (0..rows).collect();
    let mut members: HashMap<usize, Vec<usize>> = (0..rows).map(|i| (i, vec![i])).collect();
    let mut order: Vec<&Pair> = pairs.iter().collect();
    order.sort_by(|a, b| b.score.total_cmp(&a.score));
    for p in order {
        let (a, b) = (cluster[p.left], cluster[p.right]);
        if a == b {
            continue;
        }
        let (ma, mb) = (&members[&a], &members[&b]);
        let across = ma.len() * mb.len();
        let agreeing = ma
            .iter()
            .flat_map(|&x| mb.iter().map(move |&y| (x.min(y), x.max(y))))
            .filter(|pair| linked.contains(pair))
            .count();
        if agreeing * 2 <= across && across > 1 {
            continue;
        }
        let (keep, gone) = (a.min(b), a.max(b));
        let moved = members.remove(&gone).unwrap_or_default();
        for &row in &moved {
            cluster[row] = keep;
        }
        members.entry(keep).or_default().extend(moved);
    }
    cluster
}

/// Every candidate pair scoring at least the threshold, best first. With
/// `same`, left and right are one list and each pair comes once (left row
/// before right row).
fn scored(left: &[Record], right: &[Record], same: bool, config: &LinkConfig) -> Vec<Pair> {
    if left.is_empty() || right.is_empty() {
        return Vec::new();
    }
    let lp: Vec<Prepared> = left.iter().map(prepare).collect();
    let rp: Vec<Prepared> = right.iter().map(prepare).collect();
    let mut rarity = Rarity {
        count: HashMap::new(),
        total: (lp.len() + rp.len()) as f64,
    };
    let mut name_count: HashMap<&str, usize> = HashMap::new();
    let mut postcode_count: HashMap<&str, usize> = HashMap::new();
    for p in lp.iter().chain(&rp) {
        if !p.postcode.is_empty() {
            *postcode_count.entry(&p.postcode).or_default() += 1;
        }
        let words: HashSet<&str> = p.names.iter().flat_map(|n| n.split(' ')).collect();
        for word in words {
            *rarity.count.entry(word.to_owned()).or_default() += 1;
        }
        for name in &p.names {
            *name_count.entry(name).or_default() += 1;
        }
    }

    // Blocking. A list of current organisations holds none that the
    // other list says were dissolved.
    let left_may = |i: usize| same || !(config.right.current && left[i].dissolved);
    let right_may = |j: usize| same || !(config.left.current && right[j].dissolved);
    let mut index: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, p) in lp.iter().enumerate().filter(|(i, _)| left_may(*i)) {
        for key in keys(p, &rarity) {
            index.entry(key).or_default().push(i);
        }
    }
    let mut candidates: Vec<(usize, usize)> = Vec::new();
    for (j, p) in rp.iter().enumerate().filter(|(j, _)| right_may(*j)) {
        let mut mine: Vec<usize> = keys(p, &rarity)
            .iter()
            .filter_map(|k| index.get(k))
            .filter(|block| block.len() <= config.block_max)
            .flatten()
            .copied()
            .collect();
        mine.sort_unstable();
        mine.dedup();
        candidates.extend(mine.into_iter().filter(|&i| !same || i < j).map(|i| (i, j)));
    }

    // u: agreement among random pairs.
    // Starting from typical agreement, worth U_PSEUDO_PAIRS pairs, so
    // short lists, with few random pairs to learn from, are judged sanely.
    let mut counts: Vec<Vec<f64>> = U_PRIORS
        .iter()
        .map(|u| u.iter().map(|share| share * U_PSEUDO_PAIRS).collect())
        .collect();
    // "coopkit" in ASCII: any fixed seed does.
    let mut draw = Draw(0x0063_6F6F_706B_6974);
    let possible = lp.len().saturating_mul(rp.len());
    for _ in 0..config.sample.min(possible) {
        let (i, j) = (draw.below(lp.len()), draw.below(rp.len()));
        if same && i == j {
            // A row agrees with itself on everything: no evidence of chance.
            continue;
        }
        for (f, level) in compare(&lp[i], &rp[j], &rarity).iter().enumerate() {
            if let Some(level) = level {
                counts[f][*level] += 1.0;
            }
        }
    }
    let weights: Vec<Vec<f64>> = counts
        .iter()
        .zip(M_PRIORS)
        .map(|(u, m)| {
            let total: f64 = u.iter().sum();
            u.iter()
                .zip(m)
                .map(|(u, m)| (m / (u / total)).log2())
                .collect()
        })
        .collect();
    // Score, then take pairs best first, one to one.
    let mut scored: Vec<Pair> = candidates
        .into_iter()
        .map(|(i, j)| {
            let levels = compare(&lp[i], &rp[j], &rarity);
            let mut score = 0.0;
            for (f, level) in levels.iter().enumerate() {
                if let Some(level) = level {
                    score += weights[f][*level];
                }
            }
            if levels[NAME] == Some(4) {
                // The more organisations share the name, the less its
                // agreement says (two: the pair itself).
                let shared = lp[i]
                    .names
                    .iter()
                    .filter(|n| rp[j].names.contains(n))
                    .map(|n| name_count.get(n.as_str()).copied().unwrap_or(2))
                    .min()
                    .unwrap_or(2);
                score -= (shared as f64 / 2.0).log2().max(0.0);
            }
            if levels[POSTCODE] == Some(2) {
                // Likewise a shared registered office: many co-ops use
                // one accountant's or federation's address.
                let shared = postcode_count
                    .get(lp[i].postcode.as_str())
                    .copied()
                    .unwrap_or(2);
                score -= (shared as f64 / 2.0).log2().max(0.0);
            }
            Pair {
                left: i,
                right: j,
                score,
            }
        })
        .collect();
    // The prior odds of a match. Between two lists: at most one per row
    // of the shorter list, among all the candidates. Within one list no
    // count bounds the duplicates, so a share of rows is assumed.
    let prior = if same {
        // About one row in a hundred repeats another in a list people
        // keep by hand: the share seen in the Co-operatives UK exports.
        let expected = lp.len() as f64 / 100.0;
        (expected / (scored.len() as f64 - expected).max(1.0)).log2()
    } else {
        let expected = lp.len().min(rp.len()) as f64;
        (expected / (scored.len() as f64 - expected).max(1.0)).log2()
    };
    for pair in &mut scored {
        pair.score += prior;
    }
    scored.retain(|p| p.score >= config.threshold);
    scored.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.left.cmp(&b.left))
            .then(a.right.cmp(&b.right))
    });
    scored
}
