//! The directory's search index: full text on names, descriptions and
//! places, facets (country, region, legal form, activity, sector, structure,
//! source), a bounding box or a radius. It lives in memory and is rebuilt
//! from the database when the server starts, then kept current as
//! organisations change; the database stays the only record.
//!
//! The area is part of the query, not a filter on a page of results, so a
//! page, the total and the facet counts always agree: paging through a box
//! with any limit visits every organisation in it exactly once.

mod collect;
mod facets;

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{Arc, Mutex};

use coopkit_directory::Record;
use tantivy::query::{
    AllQuery, BooleanQuery, Occur, Query as TantivyQuery, QueryParser, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Schema, FAST, INDEXED, STRING, TEXT};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, TantivyError, Term};

use collect::PageCollector;
use facets::FacetTable;

#[derive(Debug, thiserror::Error)]
#[error("search index: {0}")]
pub struct SearchError(#[from] tantivy::TantivyError);

pub type Result<T> = std::result::Result<T, SearchError>;

/// What results can be counted and narrowed by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Facet {
    Country,
    Region,
    LegalForm,
    Activity,
    Sector,
    Structure,
    Source,
}

impl Facet {
    pub const ALL: [Facet; 7] = [
        Facet::Country,
        Facet::Region,
        Facet::LegalForm,
        Facet::Activity,
        Facet::Sector,
        Facet::Structure,
        Facet::Source,
    ];

    /// The name used in the index, in URLs and in the API.
    pub fn name(self) -> &'static str {
        match self {
            Facet::Country => "country",
            Facet::Region => "region",
            Facet::LegalForm => "legal_form",
            Facet::Activity => "activity",
            Facet::Sector => "sector",
            Facet::Structure => "structure",
            Facet::Source => "source",
        }
    }

    pub fn from_name(name: &str) -> Option<Facet> {
        Facet::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Where it stands in [`Facet::ALL`].
    fn position(self) -> usize {
        self as usize
    }

    fn values(self, record: &Record, sources: &[String]) -> Vec<String> {
        let value = match self {
            Facet::Country => &record.country,
            Facet::Region => &record.region,
            Facet::LegalForm => &record.legal_form,
            Facet::Activity => &record.activity,
            Facet::Sector => &record.sector,
            Facet::Structure => &record.structure,
            Facet::Source => return sources.to_vec(),
        };
        // Lists give several activities as "food_cooperative; fairtrade_shop".
        value
            .split(';')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// Where to look, in degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Area {
    /// South, west, north, east; west greater than east crosses the 180th
    /// meridian.
    Box {
        south: f64,
        west: f64,
        north: f64,
        east: f64,
    },
    /// Within `km` of a point, by great-circle distance.
    Circle { lat: f64, lon: f64, km: f64 },
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Query {
    /// Words, all of which must match (a name, a description, a place).
    pub text: String,
    /// Facet values, all of which must hold.
    pub filters: Vec<(Facet, String)>,
    pub area: Option<Area>,
    pub offset: usize,
    pub limit: usize,
    /// At most this many values of each facet, the most common; all of
    /// them when `None`.
    pub facet_values: Option<usize>,
}

/// One page of results: the organisation ids, best first (ties by id),
/// how many match in all, and the facet counts over all of them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page {
    pub total: usize,
    pub ids: Vec<i64>,
    pub facets: BTreeMap<Facet, Vec<(String, u64)>>,
}

struct Fields {
    id: Field,
    name: Field,
    other_name: Field,
    description: Field,
    place: Field,
    lat: Field,
    lon: Field,
    facets: Vec<(Facet, Field)>,
}

/// The index. Searches run concurrently; writes take turns.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    /// The whole directory's total and facet counts (the landing page's,
    /// the most asked for and the costliest to count), for the searcher
    /// generation they were counted on: any write makes a new one.
    everything: Mutex<Option<(u64, Page)>>,
    /// The facet values numbered across segments, for the searcher
    /// generation they were read from.
    facet_table: Mutex<Option<(u64, Arc<FacetTable>)>>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").finish_non_exhaustive()
    }
}

/// Memory the writer may buffer before it writes a segment.
const WRITER_HEAP: usize = 200_000_000;
/// Indexing threads: the machine coopkit is measured on has two cores.
const WRITER_THREADS: usize = 2;

impl SearchIndex {
    /// An empty index in memory.
    pub fn new() -> Result<SearchIndex> {
        let mut schema = Schema::builder();
        let fields = Fields {
            id: schema.add_u64_field("id", INDEXED | FAST),
            name: schema.add_text_field("name", TEXT),
            other_name: schema.add_text_field("other_name", TEXT),
            description: schema.add_text_field("description", TEXT),
            place: schema.add_text_field("place", TEXT),
            lat: schema.add_f64_field("lat", INDEXED | FAST),
            lon: schema.add_f64_field("lon", INDEXED | FAST),
            facets: Facet::ALL
                .into_iter()
                .map(|f| (f, schema.add_text_field(f.name(), STRING | FAST)))
                .collect(),
        };
        // One search reads its segments one after another, on the thread
        // that asked: under load, requests side by side already fill the
        // cores, and handing each segment to a pool of searcher threads
        // cost more in thread switches than it saved (BENCHMARKS.md).
        let index = Index::create_in_ram(schema.build());
        let writer = index.writer_with_num_threads(WRITER_THREADS, WRITER_HEAP)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            everything: Mutex::new(None),
            facet_table: Mutex::new(None),
        })
    }

    /// Adds or replaces organisations (with the names of the sources that
    /// list them) and makes the change visible.
    pub fn upsert<'a>(
        &self,
        orgs: impl IntoIterator<Item = (i64, &'a Record, &'a [String])>,
    ) -> Result<()> {
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        // Every write commits under this lock, so an index that shows no
        // documents has none to replace: a server filling it as it starts
        // leaves the deletions (a million, applied at the commit) out.
        let replacing = !self.is_empty();
        for (id, record, sources) in orgs {
            if replacing {
                writer.delete_term(Term::from_field_u64(self.fields.id, as_key(id)));
            }
            writer.add_document(self.document(id, record, sources))?;
        }
        self.commit(&mut writer)
    }

    /// Merges every segment into one. A search pays for each segment it
    /// reads (its columns opened, its facet counts added up), and filling
    /// the index in bulk, as the server does when it starts, leaves one
    /// segment for each indexing thread.
    ///
    /// Tantivy's merge policy may be merging some of the same segments in
    /// the background; whichever merge ends second finds its segments gone.
    /// When ours is the one, the segments are listed again and merged, a few
    /// times at most: with the writer held nothing commits meanwhile, so the
    /// background can only finish what it started.
    pub fn compact(&self) -> Result<()> {
        const ATTEMPTS: usize = 4;
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        for attempt in 1..=ATTEMPTS {
            let segments = self.index.searchable_segment_ids()?;
            if segments.len() <= 1 {
                break;
            }
            match writer.merge(&segments).wait() {
                Ok(_) => {}
                Err(TantivyError::InvalidArgument(_)) if attempt < ATTEMPTS => {}
                Err(e) => return Err(e.into()),
            }
        }
        self.reader.reload()?;
        Ok(())
    }

    /// How many segments a search reads.
    pub fn segments(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    /// Takes organisations out (merged into another, say).
    pub fn remove(&self, ids: &[i64]) -> Result<()> {
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        for id in ids {
            writer.delete_term(Term::from_field_u64(self.fields.id, as_key(*id)));
        }
        self.commit(&mut writer)
    }

    fn commit(&self, writer: &mut IndexWriter) -> Result<()> {
        writer.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    fn document(&self, id: i64, record: &Record, sources: &[String]) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_u64(f.id, as_key(id));
        doc.add_text(f.name, &record.name);
        doc.add_text(f.other_name, &record.other_name);
        doc.add_text(f.description, &record.description);
        for place in [&record.locality, &record.region, &record.postcode] {
            doc.add_text(f.place, place);
        }
        if let Some((lat, lon)) = record.point {
            doc.add_f64(f.lat, lat);
            doc.add_f64(f.lon, lon);
        }
        for (facet, field) in &f.facets {
            for value in facet.values(record, sources) {
                doc.add_text(*field, value);
            }
        }
        doc
    }

    /// How many organisations the index holds.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn search(&self, query: &Query) -> Result<Page> {
        let searcher = self.reader.searcher();
        let everything =
            query.text.trim().is_empty() && query.filters.is_empty() && query.area.is_none();
        let generation = searcher.generation().generation_id();
        let counted = everything
            .then(|| {
                let cache = self.everything.lock().unwrap_or_else(|e| e.into_inner());
                cache
                    .as_ref()
                    .filter(|(of, _)| *of == generation)
                    .map(|(_, page)| (page.total, top(&page.facets, query.facet_values)))
            })
            .flatten();
        let tantivy_query = self.query(query);
        let collector = PageCollector {
            // Without words every match ranks alike: no scores to compute.
            scored: !query.text.trim().is_empty(),
            offset: query.offset,
            limit: query.limit,
            facets: if counted.is_some() {
                Vec::new()
            } else {
                Facet::ALL.to_vec()
            },
            // The whole directory's counts are kept whole, for any limit.
            facet_values: if everything { None } else { query.facet_values },
            table: self.facet_table(&searcher, generation)?,
            circle: match query.area {
                Some(Area::Circle { lat, lon, km }) => Some((lat, lon, km)),
                _ => None,
            },
        };
        let mut page = searcher.search(tantivy_query.as_ref(), &collector)?;
        match counted {
            Some((total, facets)) => {
                page.total = total;
                page.facets = facets;
            }
            // Counted whole for the cache; the page shows the head.
            None if everything => {
                let counts = Page {
                    ids: Vec::new(),
                    ..page.clone()
                };
                *self.everything.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some((generation, counts));
                page.facets = top(&page.facets, query.facet_values);
            }
            // The collector kept the head.
            None => {}
        }
        Ok(page)
    }

    /// The facet table of this generation of the index, made on the first
    /// search after a write.
    fn facet_table(
        &self,
        searcher: &tantivy::Searcher,
        generation: u64,
    ) -> Result<Arc<FacetTable>> {
        let mut cached = self.facet_table.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((of, table)) = cached.as_ref() {
            if *of == generation {
                return Ok(Arc::clone(table));
            }
        }
        let table = Arc::new(FacetTable::new(searcher)?);
        *cached = Some((generation, Arc::clone(&table)));
        Ok(table)
    }

    fn query(&self, query: &Query) -> Box<dyn TantivyQuery> {
        let f = &self.fields;
        let mut parts: Vec<(Occur, Box<dyn TantivyQuery>)> = Vec::new();
        if !query.text.trim().is_empty() {
            let mut parser = QueryParser::for_index(
                &self.index,
                vec![f.name, f.other_name, f.description, f.place],
            );
            parser.set_conjunction_by_default();
            parser.set_field_boost(f.name, 3.0);
            parser.set_field_boost(f.other_name, 2.0);
            // Lenient: whatever a person types is a query, never an error.
            let (text, _) = parser.parse_query_lenient(&query.text);
            parts.push((Occur::Must, text));
        }
        for (facet, value) in &query.filters {
            if let Some((_, field)) = f.facets.iter().find(|(g, _)| g == facet) {
                let term = Term::from_field_text(*field, value);
                parts.push((
                    Occur::Must,
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                ));
            }
        }
        if let Some(area) = query.area {
            let (south, west, north, east) = match area {
                Area::Box {
                    south,
                    west,
                    north,
                    east,
                } => (south, west, north, east),
                Area::Circle { lat, lon, km } => circle_box(lat, lon, km),
            };
            parts.push((Occur::Must, self.range(f.lat, south, north)));
            if west <= east {
                parts.push((Occur::Must, self.range(f.lon, west, east)));
            } else {
                let either = BooleanQuery::new(vec![
                    (Occur::Should, self.range(f.lon, west, 180.0)),
                    (Occur::Should, self.range(f.lon, -180.0, east)),
                ]);
                parts.push((Occur::Must, Box::new(either)));
            }
        }
        if parts.is_empty() {
            return Box::new(AllQuery);
        }
        Box::new(BooleanQuery::new(parts))
    }

    fn range(&self, field: Field, from: f64, to: f64) -> Box<dyn TantivyQuery> {
        Box::new(RangeQuery::new(
            Bound::Included(Term::from_field_f64(field, from)),
            Bound::Included(Term::from_field_f64(field, to)),
        ))
    }
}

/// The first `limit` values of each facet (all when `None`).
fn top(
    facets: &BTreeMap<Facet, Vec<(String, u64)>>,
    limit: Option<usize>,
) -> BTreeMap<Facet, Vec<(String, u64)>> {
    facets
        .iter()
        .map(|(facet, values)| {
            let shown = limit.map_or(values.len(), |l| l.min(values.len()));
            (*facet, values[..shown].to_vec())
        })
        .collect()
}

/// Ids are positive; the index keys them as u64.
fn as_key(id: i64) -> u64 {
    u64::try_from(id).unwrap_or(0)
}

const EARTH_KM: f64 = 6_371.0;

/// The box around a circle: every point within `km` lies inside it.
fn circle_box(lat: f64, lon: f64, km: f64) -> (f64, f64, f64, f64) {
    let dlat = (km / EARTH_KM).to_degrees();
    let south = (lat - dlat).max(-90.0);
    let north = (lat + dlat).min(90.0);
    // Near a pole, or for a very large circle, every longitude is in.
    let widest = lat.abs() + dlat;
    if widest >= 89.0 {
        return (south, -180.0, north, 180.0);
    }
    let dlon = (km / (EARTH_KM * widest.to_radians().cos())).to_degrees();
    if dlon >= 180.0 {
        return (south, -180.0, north, 180.0);
    }
    let wrap = |x: f64| {
        if x > 180.0 {
            x - 360.0
        } else if x < -180.0 {
            x + 360.0
        } else {
            x
        }
    };
    (south, wrap(lon - dlon), north, wrap(lon + dlon))
}

/// Great-circle distance in km (haversine).
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1) = (a.0.to_radians(), a.1.to_radians());
    let (lat2, lon2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * EARTH_KM * h.sqrt().min(1.0).asin()
}
