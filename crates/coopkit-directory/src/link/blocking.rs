//! Blocking: which pairs are worth comparing. Each record's keys are
//! `u64`s; the left rows sit in one array sorted by key, each key a range
//! of it.

use std::ops::Range;

use rustc_hash::FxHashMap;

use super::prepare::{Lists, Prepared, ABSENT};

// Blocking keys: a kind of value in the high half, its number in the low.
const NAME_KEY: u64 = 1 << 32;
const WORD_KEY: u64 = 2 << 32;
const POSTCODE_KEY: u64 = 3 << 32;
const OTHER_KEY: u64 = 4 << 32;

/// The blocking keys of a record: each whole name (its letters, so
/// spacing does not matter) and its two rarest words, the postcode,
/// company number, domain and phone.
fn keys(p: &Prepared, word_count: &[u32], keys: &mut Vec<u64>) {
    keys.clear();
    for name in &p.names {
        keys.push(NAME_KEY | u64::from(name.joined));
        let mut rarest = [None::<(u32, u32)>; 2];
        for &word in name.words.iter() {
            let candidate = Some((word_count[word as usize], word));
            if rarest[0].is_none() || candidate < rarest[0] {
                rarest = [candidate, rarest[0]];
            } else if rarest[1].is_none() || candidate < rarest[1] {
                rarest[1] = candidate;
            }
        }
        keys.extend(
            rarest
                .into_iter()
                .flatten()
                .map(|(_, w)| WORD_KEY | u64::from(w)),
        );
    }
    if p.postcode != ABSENT {
        keys.push(POSTCODE_KEY | u64::from(p.postcode));
    }
    for value in [p.company, p.domain, p.phone] {
        if value != ABSENT {
            keys.push(OTHER_KEY | u64::from(value));
        }
    }
    keys.sort_unstable();
    keys.dedup();
}

/// The left rows by blocking key, keys shared by too many rows left out.
pub(super) struct Blocks {
    rows: Vec<u32>,
    ranges: FxHashMap<u64, Range<u32>>,
}

impl Blocks {
    pub(super) fn new(
        lists: &Lists,
        left: &[Prepared],
        may: impl Fn(usize) -> bool,
        block_max: usize,
    ) -> Blocks {
        let mut entries: Vec<(u64, u32)> = Vec::with_capacity(left.len() * 6);
        let mut mine = Vec::new();
        for (i, p) in left.iter().enumerate().filter(|(i, _)| may(*i)) {
            keys(p, &lists.word_count, &mut mine);
            entries.extend(mine.iter().map(|&k| (k, i as u32)));
        }
        entries.sort_unstable();
        let mut ranges = FxHashMap::default();
        let mut start = 0;
        while start < entries.len() {
            let key = entries[start].0;
            let end = start + entries[start..].partition_point(|e| e.0 == key);
            if end - start <= block_max {
                ranges.insert(key, start as u32..end as u32);
            }
            start = end;
        }
        Blocks {
            rows: entries.into_iter().map(|(_, row)| row).collect(),
            ranges,
        }
    }
}

/// What one thread needs to find a row's candidates.
pub(super) struct Finder<'a> {
    blocks: &'a Blocks,
    word_count: &'a [u32],
    /// Per left row, the last right row (plus one) it was found for, so
    /// each candidate is found once without sorting.
    stamp: Vec<u32>,
    keys: Vec<u64>,
    found: Vec<u32>,
}

impl<'a> Finder<'a> {
    pub(super) fn new(blocks: &'a Blocks, word_count: &'a [u32], left_rows: usize) -> Self {
        Finder {
            blocks,
            word_count,
            stamp: vec![0; left_rows],
            keys: Vec::new(),
            found: Vec::new(),
        }
    }

    /// The left rows sharing a block with right row `j` (with `same`,
    /// only those before it).
    pub(super) fn candidates(&mut self, j: usize, p: &Prepared, same: bool) -> &[u32] {
        keys(p, self.word_count, &mut self.keys);
        self.found.clear();
        let mark = j as u32 + 1;
        for key in &self.keys {
            let Some(range) = self.blocks.ranges.get(key) else {
                continue;
            };
            for &i in &self.blocks.rows[range.start as usize..range.end as usize] {
                if (!same || (i as usize) < j) && self.stamp[i as usize] != mark {
                    self.stamp[i as usize] = mark;
                    self.found.push(i);
                }
            }
        }
        &self.found
    }
}
