//! Which transfer ids a ledger has certainly never used, answered in
//! memory, so that a new id does not cost a read of the index on disk.
//!
//! Every transfer id is looked up before its batch is judged: a client
//! that lost its answer sends the same transfer again, and it must be
//! answered as existing, not applied twice. Nearly every id is new, and
//! new ids are often random (a play's legs are hashes of the play's id),
//! so each lookup lands on a page of the index of its own. [`UsedIds`]
//! answers "never used" for nearly all of them from about two bytes an id;
//! "maybe used" (every used id, and about one new id in a hundred) goes to
//! the index, which answers exactly.
//!
//! It is a Bloom filter of split blocks, as Apache Parquet specifies them
//! (one 64-bit hash an id; its high half picks a block of eight 32-bit
//! words, its low half one bit in each word), so a lookup reads one cache
//! line. A filter cannot grow, so [`UsedIds`] is a list of them, each twice
//! the size of the one before: memory follows the ids used, at most twice
//! over, and a small co-op holds a few kilobytes.
//!
//! The filter is kept with each snapshot and read back on load, so its
//! bytes are a format: the hash (XXH3, 64 bits, seed 0, of the id's 16
//! little-endian bytes) and the layout below are fixed, not a crate's
//! choice that a version could change. A filter that misses one used id
//! would let a transfer apply twice; the tests check that none is missed
//! and that the format reads back bit for bit.

use crate::transfer::TransferId;

/// The words of a block each id sets a bit in.
const WORDS: usize = 8;
type Block = [u32; WORDS];

/// Ids a block is sized for: 16 bits an id. At a million ids, in 11
/// filters, 1.3% of new ids are answered "maybe used" (see the tests).
const IDS_PER_BLOCK: u64 = 16;

/// Blocks of the first filter: 2 KiB, for 1,024 ids.
const FIRST_BLOCKS: usize = 64;

/// How much larger each filter is than the one before: a new id is asked
/// of every filter, so they should be few (14 at 10,000,000 ids), and the
/// last one may be mostly empty, so not too large. Measured at 4 too (8
/// filters): no faster over 10,000,000 transfers, and 103 MiB more.
const GROWTH: usize = 2;

/// Parquet's salts, one a word: each spreads the hash's low half to a
/// different bit.
const SALT: [u32; WORDS] = [
    0x47b6_137b,
    0x4497_4d91,
    0x8824_ad5b,
    0xa2b7_289d,
    0x7054_95c7,
    0x2df1_424b,
    0x9efc_4947,
    0x5c6b_fb31,
];

/// The version of the byte format [`UsedIds::to_bytes`] writes.
const FORMAT: u8 = 1;

/// One filter of the list: its blocks, and the ids put in it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Filter {
    blocks: Vec<Block>,
    ids: u64,
}

impl Filter {
    fn with_blocks(count: usize) -> Filter {
        Filter {
            blocks: vec![[0; WORDS]; count],
            ids: 0,
        }
    }

    fn is_full(&self) -> bool {
        self.ids >= self.blocks.len() as u64 * IDS_PER_BLOCK
    }

    /// The block of `hash` and the bit it sets in each word.
    fn place(&self, hash: u64) -> (usize, Block) {
        let count = self.blocks.len() as u64;
        // The high half scaled to the blocks: no bias, and no division.
        let block = ((hash >> 32) * count) >> 32;
        let low = hash as u32;
        let bits = SALT.map(|salt| 1u32 << (low.wrapping_mul(salt) >> 27));
        (block as usize, bits)
    }

    fn insert(&mut self, hash: u64) {
        let (block, bits) = self.place(hash);
        for (word, bit) in self.blocks[block].iter_mut().zip(bits) {
            *word |= bit;
        }
        self.ids += 1;
    }

    fn may_contain(&self, hash: u64) -> bool {
        let (block, bits) = self.place(hash);
        self.blocks[block]
            .iter()
            .zip(bits)
            .all(|(word, bit)| word & bit != 0)
    }
}

/// The transfer ids a ledger has used, as filters that never forget one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsedIds {
    filters: Vec<Filter>,
}

impl Default for UsedIds {
    fn default() -> Self {
        UsedIds::new()
    }
}

/// Bytes that are not a filter [`UsedIds::to_bytes`] wrote.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the filter of used transfer ids does not read: {0}")]
pub struct UnreadableFilter(&'static str);

fn hash(id: TransferId) -> u64 {
    xxhash_rust::xxh3::xxh3_64(&id.0.to_le_bytes())
}

impl UsedIds {
    /// No id used.
    pub fn new() -> UsedIds {
        UsedIds {
            filters: vec![Filter::with_blocks(FIRST_BLOCKS)],
        }
    }

    /// Takes note that `id` is used.
    pub fn insert(&mut self, id: TransferId) {
        let hash = hash(id);
        if self.filters.last().is_none_or(Filter::is_full) {
            let blocks = self
                .filters
                .last()
                .map_or(FIRST_BLOCKS, |last| last.blocks.len() * GROWTH);
            self.filters.push(Filter::with_blocks(blocks));
        }
        if let Some(last) = self.filters.last_mut() {
            last.insert(hash);
        }
    }

    /// False only if `id` was certainly never used.
    pub fn may_contain(&self, id: TransferId) -> bool {
        let hash = hash(id);
        self.filters.iter().any(|filter| filter.may_contain(hash))
    }

    /// Of `ids`, those that may have been used, in order. A new id is
    /// asked of every filter, each read a cache miss once filters outgrow
    /// the cache: asked filter by filter for all the ids at once, the
    /// reads do not wait on each other.
    pub fn maybe_used(&self, ids: &[TransferId]) -> Vec<TransferId> {
        let hashes: Vec<u64> = ids.iter().map(|id| hash(*id)).collect();
        let mut maybe = vec![false; ids.len()];
        for filter in &self.filters {
            for (maybe, hash) in maybe.iter_mut().zip(&hashes) {
                *maybe = *maybe || filter.may_contain(*hash);
            }
        }
        ids.iter()
            .zip(maybe)
            .filter_map(|(id, maybe)| maybe.then_some(*id))
            .collect()
    }

    /// The ids noted.
    pub fn len(&self) -> u64 {
        self.filters.iter().map(|filter| filter.ids).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes it holds in memory.
    pub fn bytes_held(&self) -> usize {
        self.filters
            .iter()
            .map(|filter| filter.blocks.len() * size_of::<Block>())
            .sum()
    }

    /// The filter as bytes: the format's version, then for each filter
    /// its count of ids and of blocks (u64) and its words (u32), all
    /// little-endian.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(1 + self.filters.len() * 16 + self.bytes_held());
        bytes.push(FORMAT);
        for filter in &self.filters {
            bytes.extend_from_slice(&filter.ids.to_le_bytes());
            bytes.extend_from_slice(&(filter.blocks.len() as u64).to_le_bytes());
            for word in filter.blocks.iter().flatten() {
                bytes.extend_from_slice(&word.to_le_bytes());
            }
        }
        bytes
    }

    /// The filter [`UsedIds::to_bytes`] wrote.
    pub fn from_bytes(bytes: &[u8]) -> Result<UsedIds, UnreadableFilter> {
        let (&format, mut rest) = bytes.split_first().ok_or(UnreadableFilter("empty"))?;
        if format != FORMAT {
            return Err(UnreadableFilter("an unknown version"));
        }
        let mut filters = Vec::new();
        while !rest.is_empty() {
            let ids = take_u64(&mut rest)?;
            let count = usize::try_from(take_u64(&mut rest)?)
                .map_err(|_| UnreadableFilter("too many blocks"))?;
            if count == 0 || count > u32::MAX as usize {
                return Err(UnreadableFilter("a filter of no blocks or too many"));
            }
            let size = count * size_of::<Block>();
            if rest.len() < size {
                return Err(UnreadableFilter("cut short"));
            }
            let (words, after) = rest.split_at(size);
            let blocks = words
                .chunks_exact(size_of::<Block>())
                .map(|block| {
                    let mut words = [0; WORDS];
                    for (word, bytes) in words.iter_mut().zip(block.chunks_exact(4)) {
                        *word = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
                    }
                    words
                })
                .collect();
            filters.push(Filter { blocks, ids });
            rest = after;
        }
        if filters.is_empty() {
            return Err(UnreadableFilter("no filter"));
        }
        Ok(UsedIds { filters })
    }
}

fn take_u64(rest: &mut &[u8]) -> Result<u64, UnreadableFilter> {
    let (head, tail) = rest
        .split_first_chunk::<8>()
        .ok_or(UnreadableFilter("cut short"))?;
    *rest = tail;
    Ok(u64::from_le_bytes(*head))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Ids a generator of 64-bit numbers gives, spread over all 128 bits.
    fn ids(seed: u64, count: usize) -> impl Iterator<Item = TransferId> {
        let mut state = seed;
        (0..count).map(move |_| {
            // SplitMix64.
            let mut next = || {
                state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
                let mut z = state;
                z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                z ^ (z >> 31)
            };
            TransferId((u128::from(next()) << 64) | u128::from(next()))
        })
    }

    proptest! {
        #[test]
        fn no_used_id_is_ever_answered_as_never_used(
            used in proptest::collection::vec(any::<u128>(), 0..5_000),
        ) {
            let mut filter = UsedIds::new();
            for id in &used {
                filter.insert(TransferId(*id));
            }
            for id in &used {
                prop_assert!(filter.may_contain(TransferId(*id)));
            }
            let ids: Vec<TransferId> = used.iter().map(|id| TransferId(*id)).collect();
            prop_assert_eq!(filter.maybe_used(&ids), ids);
            let read = UsedIds::from_bytes(&filter.to_bytes()).unwrap();
            prop_assert_eq!(&read, &filter);
        }
    }

    #[test]
    fn ids_one_after_another_are_remembered_too() {
        // Clients often number their transfers 1, 2, 3...
        let mut filter = UsedIds::new();
        for id in 1..=100_000u128 {
            filter.insert(TransferId(id));
        }
        assert!((1..=100_000u128).all(|id| filter.may_contain(TransferId(id))));
        let strangers = (100_001..=200_000u128)
            .filter(|id| filter.may_contain(TransferId(*id)))
            .count();
        assert!(
            strangers < 2_000,
            "{strangers} of 100,000 new ids answered as maybe used"
        );
    }

    #[test]
    fn few_new_ids_go_to_the_index_and_memory_follows_the_ids() {
        let mut filter = UsedIds::new();
        for id in ids(1, 1_000_000) {
            filter.insert(id);
        }
        assert_eq!(filter.len(), 1_000_000);
        let new: Vec<TransferId> = ids(2, 1_000_000).collect();
        let strangers = new.iter().filter(|id| filter.may_contain(**id)).count();
        let maybe = filter.maybe_used(&new);
        assert_eq!(maybe.len(), strangers, "asked together, the same answers");
        assert!(maybe.iter().all(|id| filter.may_contain(*id)));
        // 13,005 when measured: 1.3% over the 11 filters together.
        assert!(
            strangers < 20_000,
            "{strangers} of 1,000,000 new ids answered as maybe used"
        );
        // 2 bytes an id, at most twice over, never less than needed.
        let held = filter.bytes_held();
        assert!(
            (2_000_000..=4_000_000 + 2048).contains(&held),
            "{held} bytes"
        );
    }

    #[test]
    fn a_small_ledger_holds_a_small_filter() {
        let mut filter = UsedIds::new();
        for id in ids(3, 2_000) {
            filter.insert(id);
        }
        // 1,024 then 2,048 ids' room.
        assert_eq!(filter.bytes_held(), 6 * 1024);
    }

    #[test]
    fn the_byte_format_is_fixed() {
        // Filters kept by an earlier build must read the same way: if this
        // fails, the hash or the layout changed, and stored filters would
        // answer "never used" for used ids. Give the format a new version
        // and read the old one, rather than change these bytes.
        let mut filter = UsedIds::new();
        filter.insert(TransferId(1));
        filter.insert(TransferId(u128::MAX));
        let bytes = filter.to_bytes();
        assert_eq!(bytes.len(), 1 + 16 + 64 * 32);
        assert_eq!(
            bytes[..17],
            [1, 2, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0, 0, 0, 0, 0, 0]
        );
        let set: Vec<(usize, u8)> = bytes[17..]
            .iter()
            .enumerate()
            .filter(|(_, byte)| **byte != 0)
            .map(|(at, byte)| (at, *byte))
            .collect();
        let expected = [
            (289, 32),
            (295, 128),
            (297, 2),
            (301, 32),
            (304, 64),
            (310, 32),
            (312, 2),
            (319, 4),
            (897, 128),
            (902, 2),
            (905, 2),
            (909, 64),
            (915, 8),
            (918, 8),
            (920, 4),
            (926, 8),
        ];
        assert_eq!(set, expected);
    }

    #[test]
    fn bytes_that_are_not_a_filter_are_refused() {
        let bytes = UsedIds::new().to_bytes();
        assert_eq!(UsedIds::from_bytes(&[]), Err(UnreadableFilter("empty")));
        assert_eq!(
            UsedIds::from_bytes(&[2]),
            Err(UnreadableFilter("an unknown version"))
        );
        assert_eq!(
            UsedIds::from_bytes(&[1]),
            Err(UnreadableFilter("no filter"))
        );
        assert_eq!(
            UsedIds::from_bytes(&bytes[..bytes.len() - 1]),
            Err(UnreadableFilter("cut short"))
        );
        let mut no_blocks = vec![1];
        no_blocks.extend_from_slice(&[0; 16]);
        assert_eq!(
            UsedIds::from_bytes(&no_blocks),
            Err(UnreadableFilter("a filter of no blocks or too many"))
        );
    }
}
