//! One pass over the matches that gives a page, the total and the facet
//! counts together, after the exact radius test: so they always agree.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Cardinality, Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::facets::{FacetTable, SegmentNumbers};
use crate::{distance_km, Facet, Page};

pub(crate) struct PageCollector {
    /// Rank by relevance; otherwise every match scores zero and ranks by id.
    pub scored: bool,
    pub offset: usize,
    pub limit: usize,
    pub facets: Vec<Facet>,
    /// At most this many values of each facet; all when `None`.
    pub facet_values: Option<usize>,
    pub table: Arc<FacetTable>,
    /// Latitude, longitude, km: the box query found the candidates.
    pub circle: Option<(f64, f64, f64)>,
}

/// A match; ordered so that the heap's top is the worst kept.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Hit {
    score: Score,
    id: u64,
}

impl Ord for Hit {
    /// Better is a higher score, then a lower id; "greater" is worse.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then(self.id.cmp(&other.id))
    }
}

impl PartialOrd for Hit {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Hit {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Hit {}

pub(crate) struct SegmentFruit {
    total: usize,
    hits: Vec<Hit>,
    /// Each facet's counts, by the value's number in the facet table.
    facets: Vec<(Facet, Vec<(u32, u64)>)>,
}

/// A segment's points, and the circle they must fall in.
pub(crate) struct Radius {
    lat: Column<f64>,
    lon: Column<f64>,
    centre: (f64, f64),
    km: f64,
}

pub(crate) struct SegmentPage {
    /// The facet table's numbers for this segment's values.
    numbers: Arc<SegmentNumbers>,
    ids: Column<u64>,
    circle: Option<Radius>,
    facets: Vec<(Facet, Option<StrColumn>, Vec<u64>)>,
    keep: usize,
    total: usize,
    top: BinaryHeap<Hit>,
    /// Scored matches not yet counted in the facets.
    pending: Vec<DocId>,
    /// Room for a block's values: facet ordinals, organisation ids.
    ords: Vec<Option<u64>>,
    block_ids: Vec<Option<u64>>,
}

impl Collector for PageCollector {
    type Fruit = Page;
    type Child = SegmentPage;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentPage> {
        let fast = segment.fast_fields();
        let circle = match self.circle {
            Some((lat, lon, km)) => Some(Radius {
                lat: fast.f64("lat")?,
                lon: fast.f64("lon")?,
                centre: (lat, lon),
                km,
            }),
            None => None,
        };
        let mut facets = Vec::with_capacity(self.facets.len());
        for facet in &self.facets {
            let column = fast.str(facet.name())?;
            let terms = column.as_ref().map_or(0, |c| c.num_terms());
            facets.push((*facet, column, vec![0; terms]));
        }
        Ok(SegmentPage {
            numbers: self.table.segment(segment.segment_id())?,
            ids: fast.u64("id")?,
            circle,
            facets,
            keep: self.offset.saturating_add(self.limit),
            total: 0,
            top: BinaryHeap::new(),
            pending: Vec::with_capacity(BLOCK),
            ords: Vec::with_capacity(BLOCK),
            block_ids: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.scored
    }

    fn merge_fruits(&self, fruits: Vec<SegmentFruit>) -> tantivy::Result<Page> {
        let mut page = Page::default();
        let mut hits = Vec::new();
        let mut counts: Vec<Vec<u64>> = self
            .facets
            .iter()
            .map(|facet| vec![0; self.table.len(*facet)])
            .collect();
        for fruit in fruits {
            page.total += fruit.total;
            hits.extend(fruit.hits);
            for ((_, values), merged) in fruit.facets.into_iter().zip(&mut counts) {
                for (number, n) in values {
                    if let Some(total) = merged.get_mut(number as usize) {
                        *total += n;
                    }
                }
            }
        }
        hits.sort();
        page.ids = hits
            .into_iter()
            .skip(self.offset)
            .take(self.limit)
            .filter_map(|h| i64::try_from(h.id).ok())
            .collect();
        for (facet, counts) in self.facets.iter().zip(counts) {
            page.facets.insert(
                *facet,
                self.table.ranked(*facet, &counts, self.facet_values),
            );
        }
        Ok(page)
    }
}

fn count(counts: &mut [u64], ord: u64) {
    if let Some(n) = usize::try_from(ord).ok().and_then(|i| counts.get_mut(i)) {
        *n += 1;
    }
}

/// Matches are counted in blocks of this many: a facet's single values
/// are read for a whole block at once.
const BLOCK: usize = 1024;

/// Counts each facet's values over `docs`.
fn count_facets(
    facets: &mut [(Facet, Option<StrColumn>, Vec<u64>)],
    docs: &[DocId],
    ords: &mut Vec<Option<u64>>,
) {
    for (_, column, counts) in facets {
        let Some(column) = column else {
            continue;
        };
        if column.ords().get_cardinality() == Cardinality::Multivalued {
            for &doc in docs {
                for ord in column.term_ords(doc) {
                    count(counts, ord);
                }
            }
        } else {
            ords.clear();
            ords.resize(docs.len(), None);
            column.ords().first_vals(docs, ords);
            for ord in ords.iter().flatten() {
                count(counts, *ord);
            }
        }
    }
}

impl SegmentPage {
    fn offer(&mut self, hit: Hit) {
        if self.top.len() < self.keep {
            self.top.push(hit);
        } else if self.top.peek().is_some_and(|worst| hit < *worst) {
            self.top.pop();
            self.top.push(hit);
        }
    }

    fn flush(&mut self) {
        count_facets(&mut self.facets, &self.pending, &mut self.ords);
        self.pending.clear();
    }
}

impl SegmentCollector for SegmentPage {
    type Fruit = SegmentFruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        if let Some(r) = &self.circle {
            match (r.lat.first(doc), r.lon.first(doc)) {
                (Some(lat), Some(lon)) if distance_km((lat, lon), r.centre) <= r.km => {}
                _ => return,
            }
        }
        self.total += 1;
        if self.keep > 0 {
            if let Some(id) = self.ids.first(doc) {
                self.offer(Hit { score, id });
            }
        }
        self.pending.push(doc);
        if self.pending.len() >= BLOCK {
            self.flush();
        }
    }

    /// Unscored matches come in blocks, read a column at a time.
    fn collect_block(&mut self, docs: &[DocId]) {
        if self.circle.is_some() {
            for &doc in docs {
                self.collect(doc, 0.0);
            }
            return;
        }
        self.total += docs.len();
        count_facets(&mut self.facets, docs, &mut self.ords);
        if self.keep > 0 {
            let mut ids = std::mem::take(&mut self.block_ids);
            ids.clear();
            ids.resize(docs.len(), None);
            self.ids.first_vals(docs, &mut ids);
            for id in ids.iter().flatten() {
                self.offer(Hit {
                    score: 0.0,
                    id: *id,
                });
            }
            self.block_ids = ids;
        }
    }

    fn harvest(mut self) -> SegmentFruit {
        self.flush();
        let numbers = &self.numbers;
        let facets = self
            .facets
            .into_iter()
            .map(|(facet, _, counts)| {
                let counted = counts
                    .iter()
                    .zip(numbers.of(facet))
                    .filter(|(n, _)| **n > 0)
                    .map(|(n, number)| (*number, *n))
                    .collect();
                (facet, counted)
            })
            .collect();
        SegmentFruit {
            total: self.total,
            hits: self.top.into_vec(),
            facets,
        }
    }
}
