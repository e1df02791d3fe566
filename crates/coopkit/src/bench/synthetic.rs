//! `coopkit bench link --synthetic N`: `dedupe` on N generated records
//! with known duplicates (typos, abbreviations, moved postcodes, missing
//! fields), scored pair by pair against the truth.

use std::collections::HashMap;
use std::time::Instant;

use coopkit_directory::{dedupe, LinkConfig, Record};
use serde::Serialize;

use super::{peak_memory_mib, Random};

#[derive(Debug, Serialize)]
pub struct SyntheticReport {
    records: usize,
    organisations: usize,
    true_pairs: u64,
    found_pairs: u64,
    correct_pairs: u64,
    precision: f64,
    recall: f64,
    f1: f64,
    seconds: f64,
    peak_memory_mib: Option<u64>,
}

impl std::fmt::Display for SyntheticReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "deduped {} records of {} organisations: {} pairs found, {} correct of {} true; precision {:.4}, recall {:.4}, F1 {:.4} in {:.2} s; peak memory {} MiB",
            self.records,
            self.organisations,
            self.found_pairs,
            self.correct_pairs,
            self.true_pairs,
            self.precision,
            self.recall,
            self.f1,
            self.seconds,
            self.peak_memory_mib.map_or_else(|| "unknown".to_owned(), |m| m.to_string())
        )
    }
}

const SYLLABLES: [&str; 24] = [
    "ka", "lo", "mi", "nu", "pe", "ra", "si", "tu", "ven", "dor", "bel", "gar", "hol", "mar",
    "tin", "wy", "ash", "cro", "fen", "lin", "mor", "pen", "ros", "tre",
];
const KINDS: [&str; 10] = [
    "Housing Co-operative Limited",
    "Community Energy Limited",
    "Bakery Co-operative Ltd",
    "Social Club and Institute Limited",
    "Credit Union Limited",
    "Community Shop Limited",
    "Workers Co-operative Limited",
    "Food Co-op",
    "Football Supporters Society Limited",
    "Community Land Trust",
];
const LETTERS: &[u8] = b"ABCDEFGHJKLMNPRSTUWY";

fn place(random: &mut Random) -> String {
    let words = 2 + random.below(2) as usize;
    let mut name = String::new();
    for w in 0..words {
        if w > 0 {
            name.push(' ');
        }
        for s in 0..2 + random.below(2) {
            let syllable = SYLLABLES[random.below(SYLLABLES.len() as u64) as usize];
            if s == 0 {
                name.push_str(&syllable[..1].to_uppercase());
                name.push_str(&syllable[1..]);
            } else {
                name.push_str(syllable);
            }
        }
    }
    name
}

fn postcode(random: &mut Random) -> String {
    let letter = |random: &mut Random| LETTERS[random.below(LETTERS.len() as u64) as usize] as char;
    format!(
        "{}{}{} {}{}{}",
        letter(random),
        letter(random),
        1 + random.below(30),
        random.below(10),
        letter(random),
        letter(random)
    )
}

/// A second record of the same organisation, as another list keeps it.
fn variant(original: &Record, random: &mut Random) -> Record {
    let mut copy = original.clone();
    match random.below(4) {
        // A typo: two neighbouring letters swapped.
        0 => {
            let mut chars: Vec<char> = copy.name.chars().collect();
            let at = 1 + random.below(chars.len().saturating_sub(3).max(1) as u64) as usize;
            if at + 1 < chars.len() {
                chars.swap(at, at + 1);
            }
            copy.name = chars.into_iter().collect();
        }
        // Abbreviated or written out.
        1 => {
            copy.name = copy
                .name
                .replace("Limited", "Ltd")
                .replace("Co-operative", "Co-op")
                .replace(" and ", " & ");
        }
        // Moved down the road.
        2 => {
            let cut = copy.postcode.len().saturating_sub(2);
            copy.postcode.truncate(cut);
            copy.postcode.push_str("ZZ");
        }
        // Fields missing.
        _ => {
            copy.postcode.clear();
            copy.website.clear();
        }
    }
    if random.below(3) == 0 {
        copy.name = copy.name.to_uppercase();
    }
    copy
}

pub fn run(records: usize, seed: u64) -> anyhow::Result<SyntheticReport> {
    anyhow::ensure!(records >= 10, "--synthetic needs at least 10 records");
    let mut random = Random(seed);
    let mut list: Vec<Record> = Vec::with_capacity(records);
    let mut truth: Vec<usize> = Vec::with_capacity(records);
    let mut organisations = 0;
    while list.len() < records {
        let town = place(&mut random);
        let kind = KINDS[random.below(KINDS.len() as u64) as usize];
        let original = Record {
            id: list.len().to_string(),
            name: format!("{town} {kind}"),
            postcode: postcode(&mut random),
            website: if random.below(3) == 0 {
                format!("https://{}.coop", town.to_lowercase().replace(' ', ""))
            } else {
                String::new()
            },
            ..Record::default()
        };
        // One organisation in five appears twice, one in twenty thrice.
        let copies = match random.below(20) {
            0 => 2,
            1..=3 => 1,
            _ => 0,
        };
        for _ in 0..copies {
            if list.len() + 1 >= records {
                break;
            }
            let mut copy = variant(&original, &mut random);
            copy.id = (list.len() + 1).to_string();
            truth.push(organisations);
            list.push(copy);
        }
        truth.push(organisations);
        list.push(original);
        organisations += 1;
    }
    let started = Instant::now();
    let clusters = dedupe(&list, &LinkConfig::default());
    let seconds = started.elapsed().as_secs_f64();
    // Pairs within clusters, counted by cluster sizes.
    let pairs = |labels: &mut dyn Iterator<Item = (usize, usize)>| {
        let mut sizes: HashMap<(usize, usize), u64> = HashMap::new();
        for key in labels {
            *sizes.entry(key).or_default() += 1;
        }
        sizes.values().map(|n| n * (n - 1) / 2).sum::<u64>()
    };
    let true_pairs = pairs(&mut truth.iter().map(|&t| (t, 0)));
    let found_pairs = pairs(&mut clusters.iter().map(|&c| (c, 0)));
    let correct_pairs = pairs(&mut truth.iter().zip(&clusters).map(|(&t, &c)| (t, c)));
    let precision = correct_pairs as f64 / found_pairs.max(1) as f64;
    let recall = correct_pairs as f64 / true_pairs.max(1) as f64;
    Ok(SyntheticReport {
        records: list.len(),
        organisations,
        true_pairs,
        found_pairs,
        correct_pairs,
        precision,
        recall,
        f1: 2.0 * precision * recall / (precision + recall).max(f64::MIN_POSITIVE),
        seconds,
        peak_memory_mib: peak_memory_mib(),
    })
}
