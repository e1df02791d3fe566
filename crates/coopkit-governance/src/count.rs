//! Counting methods. Each returns who was elected, in order, and every
//! round: the votes of each candidate still in the count and what the
//! round decided.
//!
//! Ties are broken by a documented rule: the candidate who had more (or,
//! for an exclusion, fewer) votes in the latest earlier round where the
//! two differed; if they never differed, the ballot file's `[tie]` order
//! where it gives one, else a draw from a seeded generator, whose seed is
//! part of the outcome, so anyone can repeat it.

use serde::Serialize;

use crate::blt::Election;

mod meek;

/// Votes in hundred-thousandths: 1 vote is `Votes(100_000)`. Five decimal
/// places, as the Scottish STV rules count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Votes(pub u64);

/// As the exact decimal ("1353.00000"): a JSON number would invite
/// readers to parse it as a float.
impl Serialize for Votes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl Votes {
    pub const ONE: Votes = Votes(100_000);

    fn of(ballots: u64) -> Votes {
        Votes(ballots.saturating_mul(Votes::ONE.0))
    }

    /// So many of these votes.
    pub fn times(self, n: u64) -> Votes {
        Votes(self.0.saturating_mul(n))
    }
}

impl std::fmt::Display for Votes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{:05}", self.0 / Votes::ONE.0, self.0 % Votes::ONE.0)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// The most first preferences win the seats.
    Plurality,
    /// Every candidate a ballot names is approved; the most approvals win.
    Approval,
    /// Instant runoff: the fewest first preferences are excluded, round by
    /// round, until a candidate has a majority of the votes still in play
    /// (or, for several seats, until only as many remain as there are seats).
    Irv,
    /// Single transferable vote by the rules of Scottish local government
    /// elections (2007): Droop quota, surpluses transferred by the weighted
    /// inclusive Gregory method, values to five decimal places with the
    /// remainder ignored; ties by the earliest stage at which the tied
    /// candidates differed, then by lot.
    ScottishStv,
    /// Single transferable vote by Meek's method, to the reference rule
    /// of the Proportional Representation Foundation (see [`meek`]).
    MeekStv,
}

impl Method {
    pub fn parse(text: &str) -> Option<Method> {
        match text {
            "plurality" => Some(Method::Plurality),
            "approval" => Some(Method::Approval),
            "irv" => Some(Method::Irv),
            "scottish-stv" => Some(Method::ScottishStv),
            "meek-stv" => Some(Method::MeekStv),
            _ => None,
        }
    }
}

/// What a round decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "candidates")]
pub enum Action {
    Elected(Vec<String>),
    Excluded(Vec<String>),
    /// An elected candidate's votes above the quota passed on.
    SurplusTransferred(Vec<String>),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Round {
    pub number: usize,
    /// Each continuing candidate's votes this round, by name, in the
    /// order of the ballot file.
    pub votes: Vec<(String, Votes)>,
    /// Votes no longer on any continuing candidate's pile.
    pub exhausted: Votes,
    /// What each candidate gained (or, negative, lost) since the round
    /// before, in hundred-thousandths: the transfers that made this round.
    /// Empty for the first round.
    pub transfers: Vec<(String, i64)>,
    pub action: Action,
    /// When a tie was broken by lot, the candidates that tied.
    pub tie_broken_by_lot: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub method: Method,
    pub seats: usize,
    /// In the order of election.
    pub elected: Vec<String>,
    pub rounds: Vec<Round>,
    /// The votes needed to win outright, where the method has one.
    pub quota: Option<Votes>,
    /// The seed of any draw, published with the result.
    pub seed: u64,
}

/// Counts an election by `method` for `seats` seats. Deterministic: the
/// same ballots (in any order) and seed give the same outcome.
pub fn count(election: &Election, method: Method, seats: usize, seed: u64) -> Outcome {
    let seats = seats.clamp(1, election.candidates.len().max(1));
    let mut counter = Counter {
        election,
        history: Vec::new(),
        draw: Draw(seed),
    };
    let (elected, mut rounds, quota) = match method {
        Method::Plurality => counter.by_score(seats, |ballot| {
            ballot.preferences.first().copied().into_iter().collect()
        }),
        Method::Approval => counter.by_score(seats, |ballot| ballot.preferences.clone()),
        Method::Irv => counter.runoff(seats),
        Method::ScottishStv => counter.scottish_stv(seats),
        Method::MeekStv => counter.meek_stv(seats),
    };
    with_transfers(&mut rounds);
    Outcome {
        method,
        seats,
        elected: elected
            .into_iter()
            .map(|c| election.candidates[c].clone())
            .collect(),
        rounds,
        quota,
        seed,
    }
}

/// Fills each round's transfers from the votes of the round before; a
/// candidate no longer shown (excluded) gave up all it had.
fn with_transfers(rounds: &mut [Round]) {
    for i in 1..rounds.len() {
        let now: std::collections::HashMap<&str, u64> = rounds[i]
            .votes
            .iter()
            .map(|(name, v)| (name.as_str(), v.0))
            .collect();
        let mut names: Vec<&str> = rounds[i - 1]
            .votes
            .iter()
            .map(|(n, _)| n.as_str())
            .collect();
        for (name, _) in &rounds[i].votes {
            if !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
        let before: std::collections::HashMap<&str, u64> = rounds[i - 1]
            .votes
            .iter()
            .map(|(name, v)| (name.as_str(), v.0))
            .collect();
        let transfers = names
            .into_iter()
            .filter_map(|name| {
                let change = i128::from(now.get(name).copied().unwrap_or(0))
                    - i128::from(before.get(name).copied().unwrap_or(0));
                (change != 0).then(|| (name.to_owned(), i64::try_from(change).unwrap_or(0)))
            })
            .collect();
        rounds[i].transfers = transfers;
    }
}

/// A small, well-mixed generator (SplitMix64) for drawing lots.
struct Draw(u64);

impl Draw {
    fn pick(&mut self, among: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // `among` is small; the remainder fits.
        (z % among.max(1) as u64) as usize
    }
}

struct Counter<'a> {
    election: &'a Election,
    /// Every candidate's votes in each round so far, for breaking ties.
    history: Vec<Vec<Votes>>,
    draw: Draw,
}

impl Counter<'_> {
    fn continuing(&self) -> Vec<usize> {
        (0..self.election.candidates.len())
            .filter(|c| !self.election.withdrawn.contains(c))
            .collect()
    }

    fn names(&self, candidates: &[usize]) -> Vec<String> {
        candidates
            .iter()
            .map(|&c| self.election.candidates[c].clone())
            .collect()
    }

    fn round(
        &self,
        number: usize,
        totals: &[Votes],
        among: &[usize],
        exhausted: Votes,
        action: Action,
        lot: Vec<usize>,
    ) -> Round {
        let name = |c: usize| self.election.candidates[c].clone();
        Round {
            number,
            votes: among.iter().map(|&c| (name(c), totals[c])).collect(),
            exhausted,
            transfers: Vec::new(),
            action,
            tie_broken_by_lot: lot.into_iter().map(name).collect(),
        }
    }

    /// Among tied candidates, the one to pick: most votes (or fewest, when
    /// `fewest`) in the latest earlier round where they differed (the
    /// earliest, when `earliest`, as the Scottish rules say); else by lot.
    /// Returns it and, if lots were drawn, who tied.
    fn break_tie(&mut self, tied: &[usize], fewest: bool, earliest: bool) -> (usize, Vec<usize>) {
        let mut tied = tied.to_vec();
        let history: Vec<&Vec<Votes>> = if earliest {
            self.history.iter().collect()
        } else {
            self.history.iter().rev().collect()
        };
        for past in history {
            let key = |c: &usize| past[*c];
            let best = if fewest {
                tied.iter().map(key).min()
            } else {
                tied.iter().map(key).max()
            };
            tied.retain(|c| Some(past[*c]) == best);
            if tied.len() == 1 {
                return (tied[0], Vec::new());
            }
        }
        // The file's own order, where it gives one, as Droop reads it:
        // the earliest listed is picked.
        if let Some(&chosen) = self.election.tie_order.iter().find(|c| tied.contains(c)) {
            return (chosen, Vec::new());
        }
        tied.sort_unstable();
        let chosen = tied[self.draw.pick(tied.len())];
        (chosen, tied)
    }

    /// Plurality and approval: one round of scores, the top `seats` win.
    fn by_score(
        &mut self,
        seats: usize,
        marks: impl Fn(&crate::blt::Ballot) -> Vec<usize>,
    ) -> (Vec<usize>, Vec<Round>, Option<Votes>) {
        let n = self.election.candidates.len();
        let mut totals = vec![Votes::default(); n];
        let mut exhausted = Votes::default();
        let continuing = self.continuing();
        for ballot in &self.election.ballots {
            let marked: Vec<usize> = marks(ballot)
                .into_iter()
                .filter(|c| continuing.contains(c))
                .collect();
            if marked.is_empty() {
                exhausted.0 += Votes::of(ballot.weight).0;
            }
            for c in marked {
                totals[c].0 += Votes::of(ballot.weight).0;
            }
        }
        let mut remaining = continuing.clone();
        let mut elected = Vec::new();
        let mut lots = Vec::new();
        while elected.len() < seats && !remaining.is_empty() {
            let best = remaining
                .iter()
                .map(|&c| totals[c])
                .max()
                .unwrap_or_default();
            let tied: Vec<usize> = remaining
                .iter()
                .copied()
                .filter(|&c| totals[c] == best)
                .collect();
            let (chosen, lot) = if tied.len() > 1 && elected.len() + tied.len() > seats {
                self.break_tie(&tied, false, false)
            } else {
                (tied[0], Vec::new())
            };
            lots.extend(lot);
            elected.push(chosen);
            remaining.retain(|&c| c != chosen);
        }
        lots.sort_unstable();
        lots.dedup();
        let round = self.round(
            1,
            &totals,
            &continuing,
            exhausted,
            Action::Elected(self.names(&elected)),
            lots,
        );
        (elected, vec![round], None)
    }

    /// Instant runoff.
    fn runoff(&mut self, seats: usize) -> (Vec<usize>, Vec<Round>, Option<Votes>) {
        let n = self.election.candidates.len();
        let mut continuing = self.continuing();
        let mut rounds = Vec::new();
        let mut quota = None;
        loop {
            if continuing.is_empty() {
                // Every candidate withdrawn: nobody is elected.
                return (Vec::new(), rounds, quota);
            }
            let mut totals = vec![Votes::default(); n];
            let mut exhausted = Votes::default();
            for ballot in &self.election.ballots {
                match ballot.preferences.iter().find(|c| continuing.contains(c)) {
                    Some(&c) => totals[c].0 += Votes::of(ballot.weight).0,
                    None => exhausted.0 += Votes::of(ballot.weight).0,
                }
            }
            let active: u64 = continuing.iter().map(|&c| totals[c].0).sum();
            // More than half of the votes still in play.
            let majority = Votes(active / 2 + 1);
            if quota.is_none() {
                quota = Some(majority);
            }
            let number = rounds.len() + 1;
            let leader = continuing
                .iter()
                .copied()
                .max_by_key(|&c| (totals[c], std::cmp::Reverse(c)));
            if seats == 1 {
                if let Some(winner) =
                    leader.filter(|&c| totals[c] >= majority || continuing.len() == 1)
                {
                    let name = self.election.candidates[winner].clone();
                    rounds.push(self.round(
                        number,
                        &totals,
                        &continuing,
                        exhausted,
                        Action::Elected(vec![name]),
                        Vec::new(),
                    ));
                    return (vec![winner], rounds, quota);
                }
            } else if continuing.len() <= seats {
                let names = self.names(&continuing);
                rounds.push(self.round(
                    number,
                    &totals,
                    &continuing,
                    exhausted,
                    Action::Elected(names),
                    Vec::new(),
                ));
                let mut elected = continuing.clone();
                elected.sort_by_key(|&c| std::cmp::Reverse(totals[c]));
                return (elected, rounds, quota);
            }
            let fewest = continuing
                .iter()
                .map(|&c| totals[c])
                .min()
                .unwrap_or_default();
            let tied: Vec<usize> = continuing
                .iter()
                .copied()
                .filter(|&c| totals[c] == fewest)
                .collect();
            let (out, lot) = if tied.len() > 1 {
                self.break_tie(&tied, true, false)
            } else {
                (tied[0], Vec::new())
            };
            let name = self.election.candidates[out].clone();
            rounds.push(self.round(
                number,
                &totals,
                &continuing,
                exhausted,
                Action::Excluded(vec![name]),
                lot,
            ));
            self.history.push(totals);
            continuing.retain(|&c| c != out);
        }
    }
}

/// Ballot papers that share a ballot line, a position and a value, moving
/// together: `count` papers at `value` each, at preference `next`.
#[derive(Clone, Copy, Debug)]
struct Parcel {
    ballot: usize,
    next: usize,
    value: u64,
    count: u64,
}

impl Counter<'_> {
    /// Scottish STV. Every stage is a round; a candidate elected with a
    /// surplus keeps exactly the quota once the surplus is transferred.
    fn scottish_stv(&mut self, seats: usize) -> (Vec<usize>, Vec<Round>, Option<Votes>) {
        let n = self.election.candidates.len();
        let mut continuing = self.continuing();
        let total_papers: u64 = self.election.ballots.iter().map(|b| b.weight).sum();
        // Droop: the votes divided by one more than the seats, fractions
        // ignored, plus one.
        let quota = Votes::of(total_papers / (seats as u64 + 1) + 1);
        let mut piles: Vec<Vec<Parcel>> = vec![Vec::new(); n];
        let mut exhausted = 0u64;
        for (ballot, b) in self.election.ballots.iter().enumerate() {
            let parcel = Parcel {
                ballot,
                next: 0,
                value: Votes::ONE.0,
                count: b.weight,
            };
            match self.place(parcel, &continuing) {
                Some((c, parcel)) => piles[c].push(parcel),
                None => exhausted += Votes::of(b.weight).0,
            }
        }
        let mut elected: Vec<usize> = Vec::new();
        // Elected candidates whose surplus is still to be transferred.
        let mut pending: Vec<usize> = Vec::new();
        let mut settled_at: Vec<Option<Votes>> = vec![None; n];
        let mut rounds = Vec::new();
        loop {
            let totals: Vec<Votes> = (0..n)
                .map(|c| {
                    settled_at[c]
                        .unwrap_or_else(|| Votes(piles[c].iter().map(|p| p.value * p.count).sum()))
                })
                .collect();
            let shown: Vec<usize> = {
                let mut shown = elected.clone();
                shown.extend(continuing.iter().copied());
                shown.sort_unstable();
                shown
            };
            let number = rounds.len() + 1;
            // Elect everyone at or above the quota, most votes first.
            let mut reached: Vec<usize> = continuing
                .iter()
                .copied()
                .filter(|&c| totals[c] >= quota)
                .collect();
            reached.sort_by_key(|&c| (std::cmp::Reverse(totals[c]), c));
            if !reached.is_empty() {
                let names = self.names(&reached);
                rounds.push(self.round(
                    number,
                    &totals,
                    &shown,
                    Votes(exhausted),
                    Action::Elected(names),
                    Vec::new(),
                ));
                for c in reached {
                    continuing.retain(|&x| x != c);
                    elected.push(c);
                    pending.push(c);
                }
                self.history.push(totals);
                if elected.len() >= seats {
                    break;
                }
                continue;
            }
            // As many continuing as seats left: they are elected.
            if continuing.len() + elected.len() <= seats {
                let mut rest = continuing.clone();
                rest.sort_by_key(|&c| (std::cmp::Reverse(totals[c]), c));
                let names = self.names(&rest);
                rounds.push(self.round(
                    number,
                    &totals,
                    &shown,
                    Votes(exhausted),
                    Action::Elected(names),
                    Vec::new(),
                ));
                elected.extend(rest);
                break;
            }
            // The largest surplus first.
            let surplus = |c: usize| totals[c].0.saturating_sub(quota.0);
            pending.retain(|&c| surplus(c) > 0);
            if let Some(largest) = pending.iter().map(|&c| surplus(c)).max() {
                let tied: Vec<usize> = pending
                    .iter()
                    .copied()
                    .filter(|&c| surplus(c) == largest)
                    .collect();
                let (from, lot) = if tied.len() > 1 {
                    self.break_tie(&tied, false, true)
                } else {
                    (tied[0], Vec::new())
                };
                pending.retain(|&c| c != from);
                let name = self.election.candidates[from].clone();
                rounds.push(self.round(
                    number,
                    &totals,
                    &shown,
                    Votes(exhausted),
                    Action::SurplusTransferred(vec![name]),
                    lot,
                ));
                self.history.push(totals.clone());
                let value_total = totals[from].0;
                for parcel in std::mem::take(&mut piles[from]) {
                    // Each paper at its value times surplus over the
                    // candidate's total, to five places, the rest ignored.
                    let value = u64::try_from(
                        u128::from(parcel.value) * u128::from(largest)
                            / u128::from(value_total.max(1)),
                    )
                    .unwrap_or(0);
                    let moved = Parcel {
                        value,
                        next: parcel.next + 1,
                        ..parcel
                    };
                    match self.place(moved, &continuing) {
                        Some((c, parcel)) => piles[c].push(parcel),
                        None => exhausted += value * parcel.count,
                    }
                }
                settled_at[from] = Some(quota);
                continue;
            }
            // Otherwise the fewest votes are excluded.
            let fewest = continuing
                .iter()
                .map(|&c| totals[c])
                .min()
                .unwrap_or_default();
            let tied: Vec<usize> = continuing
                .iter()
                .copied()
                .filter(|&c| totals[c] == fewest)
                .collect();
            let (out, lot) = if tied.len() > 1 {
                self.break_tie(&tied, true, true)
            } else {
                (tied[0], Vec::new())
            };
            let name = self.election.candidates[out].clone();
            rounds.push(self.round(
                number,
                &totals,
                &shown,
                Votes(exhausted),
                Action::Excluded(vec![name]),
                lot,
            ));
            self.history.push(totals);
            continuing.retain(|&c| c != out);
            for parcel in std::mem::take(&mut piles[out]) {
                let moved = Parcel {
                    next: parcel.next + 1,
                    ..parcel
                };
                match self.place(moved, &continuing) {
                    Some((c, parcel)) => piles[c].push(parcel),
                    None => exhausted += parcel.value * parcel.count,
                }
            }
        }
        (elected, rounds, Some(quota))
    }

    /// The continuing candidate a parcel goes to, from its `next`
    /// preference on, and the parcel pointing there; `None` when it names
    /// no continuing candidate (non-transferable).
    fn place(&self, parcel: Parcel, continuing: &[usize]) -> Option<(usize, Parcel)> {
        let preferences = &self.election.ballots[parcel.ballot].preferences;
        (parcel.next..preferences.len())
            .find(|&i| continuing.contains(&preferences[i]))
            .map(|i| (preferences[i], Parcel { next: i, ..parcel }))
    }
}
