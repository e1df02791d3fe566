//! Facet values numbered across segments. Each segment numbers its values
//! in its own dictionary; counting by those numbers is cheap, but adding up
//! segments and ranking the values by name would need every counted value
//! as a string. The table, made once for each version of the index, gives
//! every value one number across all segments, in the order of the values
//! themselves: counts add up as numbers, ties rank by number, and only the
//! values shown are ever turned into strings.

use std::collections::HashMap;
use std::sync::Arc;

use tantivy::index::SegmentId;
use tantivy::{Searcher, TantivyError};

use crate::Facet;

#[derive(Debug)]
pub(crate) struct FacetTable {
    /// For each facet, in [`Facet::ALL`]'s order: every value in any
    /// segment, sorted.
    values: Vec<Vec<String>>,
    /// For each segment: the numbers of its values.
    segments: HashMap<SegmentId, Arc<SegmentNumbers>>,
}

/// For each facet, in [`Facet::ALL`]'s order: the number of each of one
/// segment's values (by its ordinal) among the table's values.
#[derive(Debug)]
pub(crate) struct SegmentNumbers(Vec<Vec<u32>>);

impl SegmentNumbers {
    pub(crate) fn of(&self, facet: Facet) -> &[u32] {
        &self.0[facet.position()]
    }
}

impl FacetTable {
    pub(crate) fn new(searcher: &Searcher) -> tantivy::Result<FacetTable> {
        let segments = searcher.segment_readers();
        let mut values = Vec::with_capacity(Facet::ALL.len());
        let mut numbers: Vec<Vec<Vec<u32>>> = vec![Vec::new(); segments.len()];
        for facet in Facet::ALL {
            let mut terms_of = Vec::with_capacity(segments.len());
            for segment in segments {
                let mut terms = Vec::new();
                if let Some(column) = segment.fast_fields().str(facet.name())? {
                    let mut stream = column.dictionary().stream()?;
                    while stream.advance() {
                        terms.push(stream.key().to_vec());
                    }
                }
                terms_of.push(terms);
            }
            let mut all: Vec<&[u8]> = terms_of.iter().flatten().map(Vec::as_slice).collect();
            all.sort_unstable();
            all.dedup();
            for (terms, numbers) in terms_of.iter().zip(&mut numbers) {
                let numbered = terms
                    .iter()
                    .map(|term| {
                        all.binary_search(&term.as_slice())
                            .ok()
                            .and_then(|at| u32::try_from(at).ok())
                            .ok_or_else(|| TantivyError::InternalError("a facet value".into()))
                    })
                    .collect::<tantivy::Result<Vec<u32>>>()?;
                numbers.push(numbered);
            }
            // Values were indexed from strings: they are UTF-8.
            values.push(
                all.iter()
                    .map(|term| String::from_utf8_lossy(term).into_owned())
                    .collect(),
            );
        }
        Ok(FacetTable {
            values,
            segments: segments
                .iter()
                .map(|s| s.segment_id())
                .zip(numbers.into_iter().map(|n| Arc::new(SegmentNumbers(n))))
                .collect(),
        })
    }

    /// How many values `facet` has across the segments.
    pub(crate) fn len(&self, facet: Facet) -> usize {
        self.values[facet.position()].len()
    }

    /// The numbers of one segment's values.
    pub(crate) fn segment(&self, segment: SegmentId) -> tantivy::Result<Arc<SegmentNumbers>> {
        self.segments
            .get(&segment)
            .cloned()
            .ok_or_else(|| TantivyError::InternalError("a segment the facets lack".into()))
    }

    /// The values counted, most common first, then by value (as strings
    /// compare), at most `limit` of them.
    pub(crate) fn ranked(
        &self,
        facet: Facet,
        counts: &[u64],
        limit: Option<usize>,
    ) -> Vec<(String, u64)> {
        let mut counted: Vec<(u32, u64)> = (0u32..)
            .zip(counts)
            .filter(|(_, n)| **n > 0)
            .map(|(number, n)| (number, *n))
            .collect();
        let order = |a: &(u32, u64), b: &(u32, u64)| b.1.cmp(&a.1).then(a.0.cmp(&b.0));
        if let Some(limit) = limit.filter(|l| *l < counted.len()) {
            if limit == 0 {
                return Vec::new();
            }
            counted.select_nth_unstable_by(limit - 1, order);
            counted.truncate(limit);
        }
        counted.sort_unstable_by(order);
        let values = &self.values[facet.position()];
        counted
            .into_iter()
            .filter_map(|(number, n)| Some((values.get(number as usize)?.clone(), n)))
            .collect()
    }
}
