//! The matching engine: proposes a provider for each open request, all at
//! once. It serves as many requests as possible, and among the ways to
//! serve that many, prefers favourites and past providers, nearness and a
//! shared language, and providers who need work for their balance; it never
//! proposes a provider at their balance cap, outside their area, outside
//! their week, or twice at overlapping times. Every proposal says why.
//!
//! The problem is an assignment: requests on one side, on the other each
//! provider once per *time cluster* (a run of requests whose windows
//! overlap one another), so no provider is proposed twice for the same
//! evening. Candidates are pruned first (category, area through a grid,
//! availability, cap) and only the best few per request are kept. A
//! maximum matching (Hopcroft–Karp) is then grown from a cheapest-first
//! start, and matched requests move to cheaper free candidates while any
//! can. Requests left over then go to any candidate free at their exact
//! time (a provider may serve two requests of one cluster that do not
//! overlap). When all requests fall in one cluster the number served is
//! the most possible; in general, scheduling with eligibility is NP-hard,
//! and this is a bound-respecting approximation of it.

use std::collections::VecDeque;

// Fx hashing: the keys are small integers made here and a co-op's few
// category names, nothing an outsider could aim collisions at, and SipHash
// was most of the time spent indexing providers.
use rustc_hash::FxHashMap as HashMap;

use coopkit_domain::{PersonId, Zone};

use crate::availability::{covers, weekday, Window};
use crate::WeeklySlot;

/// A place, in millionths of a degree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Point {
    pub lat_e6: i32,
    pub lon_e6: i32,
}

impl Point {
    /// Metres between two points, by the equirectangular approximation:
    /// exact enough within a city, and cheap.
    pub fn metres_to(self, other: Point) -> u32 {
        const EARTH_M: f64 = 6_371_000.0;
        let to_rad = |e6: i32| f64::from(e6) / 1e6 * std::f64::consts::PI / 180.0;
        let (lat1, lat2) = (to_rad(self.lat_e6), to_rad(other.lat_e6));
        let x = (to_rad(other.lon_e6) - to_rad(self.lon_e6)) * ((lat1 + lat2) / 2.0).cos();
        let y = lat2 - lat1;
        // A distance on Earth fits in u32 metres; the cast saturates.
        ((x * x + y * y).sqrt() * EARTH_M) as u32
    }
}

/// An open request: someone needs a service at a time and place.
#[derive(Clone, Debug)]
pub struct Request {
    pub requester: PersonId,
    pub category: String,
    pub window: Window,
    pub place: Point,
    /// The language the requester asks for, if any.
    pub language: Option<String>,
    pub favourites: Vec<PersonId>,
    /// Providers the requester booked before.
    pub past_providers: Vec<PersonId>,
    /// Providers who already said no to this request.
    pub declined: Vec<PersonId>,
}

/// A provider as the engine sees them.
#[derive(Clone, Debug)]
pub struct Provider {
    pub person: PersonId,
    pub categories: Vec<String>,
    pub slots: Vec<WeeklySlot>,
    /// Times already taken by confirmed bookings.
    pub busy: Vec<Window>,
    pub place: Point,
    /// How far they travel.
    pub radius_m: u32,
    pub languages: Vec<String>,
    /// Their balance in the currency the work is paid in.
    pub balance: i64,
    /// Their balance cap; at or above it they are offered no more work.
    pub balance_cap: Option<i64>,
}

/// Why a provider was proposed for a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    Favourite,
    BookedBefore,
    Near {
        metres: u32,
    },
    SharedLanguage,
    /// Their balance is low: the work helps them earn.
    NeedsWork {
        balance: i64,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    /// The request's index in the input.
    pub request: usize,
    pub provider: PersonId,
    pub reasons: Vec<Reason>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Matching {
    pub proposals: Vec<Proposal>,
    /// Requests nobody could serve, by index.
    pub unserved: Vec<usize>,
}

/// How many candidates each request keeps after pruning.
const CANDIDATES_MAX: usize = 24;

/// A candidate pairing and its cost: lower is better.
#[derive(Clone, Copy, Debug)]
struct Edge {
    right: u32,
    provider: u32,
    cost: i64,
}

/// Proposes providers for the requests. Deterministic: the same input
/// gives the same proposals.
pub fn propose(requests: &[Request], providers: &[Provider], zone: &Zone) -> Matching {
    let clusters = time_clusters(requests);
    let candidates = Candidates::new(providers, zone);
    let mut right_of: HashMap<(u32, u32), u32> = HashMap::default();
    let edges: Vec<Vec<Edge>> = requests
        .iter()
        .enumerate()
        .map(|(r, request)| {
            let mut edges: Vec<Edge> = candidates
                .for_request(request, providers)
                .map(|p| {
                    let next = u32::try_from(right_of.len()).unwrap_or(u32::MAX);
                    let right = *right_of.entry((p, clusters[r])).or_insert(next);
                    Edge {
                        right,
                        provider: p,
                        cost: cost(request, &providers[p as usize]),
                    }
                })
                .collect();
            edges.sort_by_key(|e| (e.cost, e.provider));
            edges.truncate(CANDIDATES_MAX);
            edges
        })
        .collect();
    let mut matching = Assignment::new(requests.len(), right_of.len());
    matching.greedy_cheapest_first(&edges);
    matching.maximise(&edges);
    matching.improve_costs(&edges);

    // A provider may still take a request of a cluster they serve in, at
    // a time that does not overlap what they were given: fill those in.
    let mut chosen: Vec<Option<u32>> = matching
        .left
        .iter()
        .enumerate()
        .map(|(r, right)| {
            right.and_then(|right| {
                edges[r]
                    .iter()
                    .find(|e| e.right == right)
                    .map(|e| e.provider)
            })
        })
        .collect();
    let mut taken: HashMap<u32, Vec<Window>> = HashMap::default();
    for (r, provider) in chosen.iter().enumerate() {
        if let Some(p) = provider {
            taken.entry(*p).or_default().push(requests[r].window);
        }
    }
    for r in 0..requests.len() {
        if chosen[r].is_some() {
            continue;
        }
        let window = requests[r].window;
        let free = edges[r].iter().find(|e| {
            taken
                .get(&e.provider)
                .is_none_or(|ws| ws.iter().all(|w| !w.overlaps(window)))
        });
        if let Some(edge) = free {
            chosen[r] = Some(edge.provider);
            taken.entry(edge.provider).or_default().push(window);
        }
    }

    let mut result = Matching::default();
    for (r, provider) in chosen.into_iter().enumerate() {
        match provider {
            Some(p) => {
                let provider = &providers[p as usize];
                result.proposals.push(Proposal {
                    request: r,
                    provider: provider.person,
                    reasons: reasons(&requests[r], provider),
                });
            }
            None => result.unserved.push(r),
        }
    }
    result
}

/// First come, first served: each request in turn, in the order posted,
/// asks the eligible providers one by one (in no order of preference) and
/// takes the first who is free, in the order the providers are given.
/// The baseline the engine is measured against.
pub fn first_come(requests: &[Request], providers: &[Provider], zone: &Zone) -> Matching {
    let candidates = Candidates::new(providers, zone);
    let mut taken: HashMap<u32, Vec<Window>> = HashMap::default();
    let mut result = Matching::default();
    for (r, request) in requests.iter().enumerate() {
        let mut eligible: Vec<u32> = candidates.for_request(request, providers).collect();
        eligible.sort_unstable();
        let free = eligible.into_iter().find(|p| {
            taken
                .get(p)
                .is_none_or(|ws| ws.iter().all(|w| !w.overlaps(request.window)))
        });
        match free {
            Some(p) => {
                taken.entry(p).or_default().push(request.window);
                let provider = &providers[p as usize];
                result.proposals.push(Proposal {
                    request: r,
                    provider: provider.person,
                    reasons: reasons(request, provider),
                });
            }
            None => result.unserved.push(r),
        }
    }
    result
}

/// Lower is better. Integers, so that ties break the same way everywhere.
fn cost(request: &Request, provider: &Provider) -> i64 {
    let mut cost = 10_000;
    if request.favourites.contains(&provider.person) {
        cost -= 4_000;
    }
    if request.past_providers.contains(&provider.person) {
        cost -= 2_000;
    }
    if shares_language(request, provider) {
        cost -= 1_000;
    }
    // A kilometre costs 100; a token of balance costs 10, so providers low
    // in tokens (near their debit limit) are offered work first.
    cost += i64::from(request.place.metres_to(provider.place) / 10);
    cost += provider.balance.clamp(-200, 200) * 10;
    cost
}

fn shares_language(request: &Request, provider: &Provider) -> bool {
    request
        .language
        .as_ref()
        .is_some_and(|l| provider.languages.contains(l))
}

fn reasons(request: &Request, provider: &Provider) -> Vec<Reason> {
    let mut reasons = Vec::new();
    if request.favourites.contains(&provider.person) {
        reasons.push(Reason::Favourite);
    }
    if request.past_providers.contains(&provider.person) {
        reasons.push(Reason::BookedBefore);
    }
    reasons.push(Reason::Near {
        metres: request.place.metres_to(provider.place),
    });
    if shares_language(request, provider) {
        reasons.push(Reason::SharedLanguage);
    }
    if provider.balance < 0 {
        reasons.push(Reason::NeedsWork {
            balance: provider.balance,
        });
    }
    reasons
}

/// Numbers each request by its time cluster: requests whose windows
/// overlap, directly or through others, share a cluster.
fn time_clusters(requests: &[Request]) -> Vec<u32> {
    let mut order: Vec<usize> = (0..requests.len()).collect();
    order.sort_by_key(|&r| requests[r].window.start);
    let mut clusters = vec![0u32; requests.len()];
    let (mut cluster, mut reach) = (0u32, i64::MIN);
    for r in order {
        let window = requests[r].window;
        if window.start.as_millis() >= reach {
            cluster += 1;
        }
        reach = reach.max(window.end.as_millis());
        clusters[r] = cluster;
    }
    clusters
}

/// Providers indexed, for pruning, under each category they offer, each
/// grid cell their travel radius reaches and each weekday they have time
/// on: a request looks in one list, for its category, its cell and the day
/// it starts.
struct Candidates {
    /// The co-op's, in which providers' weekly slots are times.
    zone: Zone,
    categories: HashMap<String, u32>,
    by_cell: HashMap<(u32, i32, i32, u8), Vec<u32>>,
}

impl Candidates {
    fn new(providers: &[Provider], zone: &Zone) -> Candidates {
        let mut categories: HashMap<String, u32> = HashMap::default();
        let mut by_cell: HashMap<(u32, i32, i32, u8), Vec<u32>> = HashMap::default();
        for (p, provider) in providers.iter().enumerate() {
            let p = u32::try_from(p).unwrap_or(u32::MAX);
            let ((x0, y0), (x1, y1)) = reach(provider);
            let mut days: Vec<u8> = provider.slots.iter().map(|s| s.weekday).collect();
            days.sort_unstable();
            days.dedup();
            for category in &provider.categories {
                let next = u32::try_from(categories.len()).unwrap_or(u32::MAX);
                let id = *categories.entry(category.clone()).or_insert(next);
                for x in x0..=x1 {
                    for y in y0..=y1 {
                        for &day in &days {
                            by_cell.entry((id, x, y, day)).or_default().push(p);
                        }
                    }
                }
            }
        }
        Candidates {
            zone: zone.clone(),
            categories,
            by_cell,
        }
    }

    /// The providers who could serve the request: in its category, within
    /// their travel radius, free and available then, and under their cap.
    fn for_request<'a>(
        &'a self,
        request: &'a Request,
        providers: &'a [Provider],
    ) -> impl Iterator<Item = u32> + 'a {
        let (x, y) = cell(request.place);
        // A provider must have time on the day the request starts.
        let day = weekday(&self.zone, request.window.start);
        self.categories
            .get(&request.category)
            .and_then(|id| self.by_cell.get(&(*id, x, y, day)))
            .into_iter()
            .flatten()
            .copied()
            .filter(move |&p| {
                let provider = &providers[p as usize];
                provider.person != request.requester
                    && !request.declined.contains(&provider.person)
                    && provider
                        .balance_cap
                        .is_none_or(|cap| provider.balance < cap)
                    && request.place.metres_to(provider.place) <= provider.radius_m
                    && covers(&provider.slots, &self.zone, request.window)
                    && provider.busy.iter().all(|w| !w.overlaps(request.window))
            })
    }
}

/// Millionths of a degree per grid cell: about a kilometre of latitude.
const CELL_E6: i32 = 9_000;

fn cell(point: Point) -> (i32, i32) {
    (
        point.lat_e6.div_euclid(CELL_E6),
        point.lon_e6.div_euclid(CELL_E6),
    )
}

/// The first and last cells a provider's radius reaches, in each direction.
fn reach(provider: &Provider) -> ((i32, i32), (i32, i32)) {
    // A degree of latitude is about 111 km; one of longitude shrinks with
    // the cosine of the latitude (kept above 0.1, far north enough).
    let lat = f64::from(provider.place.lat_e6) / 1e6;
    let per_degree_lat = 111_000.0;
    let per_degree_lon = per_degree_lat * lat.to_radians().cos().max(0.1);
    let radius = f64::from(provider.radius_m) * 1.01;
    // In range for any radius a person travels; the casts saturate.
    let d_lat = (radius / per_degree_lat * 1e6) as i32;
    let d_lon = (radius / per_degree_lon * 1e6) as i32;
    let low = Point {
        lat_e6: provider.place.lat_e6.saturating_sub(d_lat),
        lon_e6: provider.place.lon_e6.saturating_sub(d_lon),
    };
    let high = Point {
        lat_e6: provider.place.lat_e6.saturating_add(d_lat),
        lon_e6: provider.place.lon_e6.saturating_add(d_lon),
    };
    (cell(low), cell(high))
}

/// A matching between requests (left) and provider-cluster pairs (right).
struct Assignment {
    left: Vec<Option<u32>>,
    right: Vec<Option<u32>>,
}

impl Assignment {
    fn new(lefts: usize, rights: usize) -> Assignment {
        Assignment {
            left: vec![None; lefts],
            right: vec![None; rights],
        }
    }

    fn pair(&mut self, l: usize, r: u32) {
        self.left[l] = Some(r);
        self.right[r as usize] = Some(u32::try_from(l).unwrap_or(u32::MAX));
    }

    /// The hardest requests (fewest candidates) first, each taking its
    /// cheapest free candidate.
    fn greedy_cheapest_first(&mut self, edges: &[Vec<Edge>]) {
        let mut order: Vec<usize> = (0..edges.len()).collect();
        order.sort_by_key(|&l| (edges[l].len(), l));
        for l in order {
            if let Some(edge) = edges[l]
                .iter()
                .find(|e| self.right[e.right as usize].is_none())
            {
                self.pair(l, edge.right);
            }
        }
    }

    /// Hopcroft–Karp: augments along shortest paths, phase by phase, until
    /// no request can be added without dropping another.
    fn maximise(&mut self, edges: &[Vec<Edge>]) {
        const FREE: u32 = u32::MAX;
        loop {
            // Breadth first from every free request, layering the graph.
            let mut layer = vec![FREE; edges.len()];
            let mut queue = VecDeque::new();
            for (l, chosen) in self.left.iter().enumerate() {
                if chosen.is_none() {
                    layer[l] = 0;
                    queue.push_back(l);
                }
            }
            let mut found = false;
            while let Some(l) = queue.pop_front() {
                for edge in &edges[l] {
                    match self.right[edge.right as usize] {
                        None => found = true,
                        Some(next) if layer[next as usize] == FREE => {
                            layer[next as usize] = layer[l] + 1;
                            queue.push_back(next as usize);
                        }
                        Some(_) => {}
                    }
                }
            }
            if !found {
                return;
            }
            // Depth first along the layers, without recursion.
            let mut next_edge = vec![0usize; edges.len()];
            for start in 0..edges.len() {
                if self.left[start].is_none() {
                    self.augment_from(start, edges, &mut layer, &mut next_edge);
                }
            }
        }
    }

    fn augment_from(
        &mut self,
        start: usize,
        edges: &[Vec<Edge>],
        layer: &mut [u32],
        next_edge: &mut [usize],
    ) -> bool {
        const FREE: u32 = u32::MAX;
        // The path so far: (left vertex, the right vertex it would take).
        let mut path: Vec<(usize, u32)> = Vec::new();
        let mut l = start;
        loop {
            let Some(edge) = edges[l].get(next_edge[l]).copied() else {
                // Dead end: never try this vertex again in this phase.
                layer[l] = FREE;
                match path.pop() {
                    Some((previous, _)) => {
                        l = previous;
                        next_edge[l] += 1;
                        continue;
                    }
                    None => return false,
                }
            };
            match self.right[edge.right as usize] {
                None => {
                    path.push((l, edge.right));
                    for (left, right) in path {
                        self.pair(left, right);
                    }
                    return true;
                }
                Some(owner) if layer[owner as usize] == layer[l].wrapping_add(1) => {
                    path.push((l, edge.right));
                    l = owner as usize;
                }
                Some(_) => next_edge[l] += 1,
            }
        }
    }

    /// Moves matched requests to cheaper free candidates while any can:
    /// the number matched stays the same, the cost only falls.
    fn improve_costs(&mut self, edges: &[Vec<Edge>]) {
        let mut moved = true;
        while moved {
            moved = false;
            for (l, candidates) in edges.iter().enumerate() {
                let Some(current) = self.left[l] else {
                    continue;
                };
                // Edges are sorted cheapest first: look only before the current one.
                for edge in candidates.iter().take_while(|e| e.right != current) {
                    if self.right[edge.right as usize].is_none() {
                        self.right[current as usize] = None;
                        self.pair(l, edge.right);
                        moved = true;
                        break;
                    }
                }
            }
        }
    }
}
