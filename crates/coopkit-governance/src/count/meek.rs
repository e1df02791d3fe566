//! Meek STV by the reference rule of the Proportional Representation
//! Foundation: every elected candidate keeps a fraction of each ballot
//! that reaches it (its keep factor) and passes the rest on, and the keep
//! factors are iterated until each elected candidate holds the quota to
//! within a millionth of a vote. Unlike the Scottish rules, a ballot's
//! later preferences for elected candidates count, and excluded
//! candidates are skipped as if they had never stood.
//!
//! Arithmetic is fixed point to nine places, products rounded up, as the
//! rule says; rounds report votes cut to the five places of [`Votes`].

use super::{Action, Counter, Round, Votes};

/// One vote in billionths.
const ONE: u128 = 1_000_000_000;
/// The iteration stops once the total surplus is below a millionth.
const OMEGA: u128 = ONE / 1_000_000;

fn mul_up(a: u128, b: u128) -> u128 {
    (a * b).div_ceil(ONE)
}

fn div_up(a: u128, b: u128) -> u128 {
    (a * ONE).div_ceil(b.max(1))
}

fn shown(v: u128) -> Votes {
    Votes(u64::try_from(v / (ONE / Votes::ONE.0 as u128)).unwrap_or(u64::MAX))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Hopeful,
    Elected,
    Out,
}

impl Counter<'_> {
    pub(super) fn meek_stv(&mut self, seats: usize) -> (Vec<usize>, Vec<Round>, Option<Votes>) {
        let n = self.election.candidates.len();
        let mut state: Vec<State> = (0..n)
            .map(|c| {
                if self.election.withdrawn.contains(&c) {
                    State::Out
                } else {
                    State::Hopeful
                }
            })
            .collect();
        let mut keep: Vec<u128> = state
            .iter()
            .map(|s| if *s == State::Hopeful { ONE } else { 0 })
            .collect();
        let total: u128 = self
            .election
            .ballots
            .iter()
            .map(|b| u128::from(b.weight) * ONE)
            .sum();
        let mut elected: Vec<usize> = Vec::new();
        let mut rounds = Vec::new();
        let mut quota = total / (seats as u128 + 1) + 1;
        let count_of = |state: &[State], s: State| state.iter().filter(|x| **x == s).count();
        while count_of(&state, State::Hopeful) > seats.saturating_sub(elected.len())
            && elected.len() < seats
        {
            let mut last_surplus = total;
            let (votes, surplus, newly) = loop {
                let votes = self.distribute(&keep);
                let counted: u128 = votes.iter().sum();
                quota = counted / (seats as u128 + 1) + 1;
                let mut newly: Vec<usize> = (0..n)
                    .filter(|&c| state[c] == State::Hopeful && votes[c] >= quota)
                    .collect();
                newly.sort_by_key(|&c| (std::cmp::Reverse(votes[c]), c));
                for &c in &newly {
                    state[c] = State::Elected;
                }
                let surplus: u128 = elected
                    .iter()
                    .chain(&newly)
                    .map(|&c| votes[c].saturating_sub(quota))
                    .sum();
                if !newly.is_empty() || surplus < OMEGA || surplus >= last_surplus {
                    break (votes, surplus, newly);
                }
                last_surplus = surplus;
                for &c in &elected {
                    keep[c] = div_up(mul_up(keep[c], quota), votes[c]);
                }
            };
            let shown_among = |state: &[State]| -> Vec<usize> {
                (0..n).filter(|&c| state[c] != State::Out).collect()
            };
            let totals: Vec<Votes> = votes.iter().map(|&v| shown(v)).collect();
            let exhausted = shown(total - votes.iter().sum::<u128>());
            let number = rounds.len() + 1;
            if !newly.is_empty() {
                let names = self.names(&newly);
                rounds.push(self.round(
                    number,
                    &totals,
                    &shown_among(&state),
                    exhausted,
                    Action::Elected(names),
                    Vec::new(),
                ));
                elected.extend(newly);
                self.history.push(totals);
                continue;
            }
            // The lowest hopeful is excluded; any hopeful within the total
            // surplus of it is tied with it, as the surplus could yet move.
            let hopeful: Vec<usize> = (0..n).filter(|&c| state[c] == State::Hopeful).collect();
            let low = hopeful.iter().map(|&c| votes[c]).min().unwrap_or(0);
            let tied: Vec<usize> = hopeful
                .iter()
                .copied()
                .filter(|&c| votes[c] <= low + surplus)
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
                &shown_among(&state),
                exhausted,
                Action::Excluded(vec![name]),
                lot,
            ));
            self.history.push(totals);
            state[out] = State::Out;
            keep[out] = 0;
        }
        // The seats left go to those still hopeful, if there are seats.
        let rest: Vec<usize> = (0..n)
            .filter(|&c| state[c] == State::Hopeful && elected.len() < seats)
            .collect();
        if !rest.is_empty() {
            let votes = self.distribute(&keep);
            let mut rest = rest;
            rest.sort_by_key(|&c| (std::cmp::Reverse(votes[c]), c));
            rest.truncate(seats - elected.len());
            let totals: Vec<Votes> = votes.iter().map(|&v| shown(v)).collect();
            let among: Vec<usize> = (0..n).filter(|&c| state[c] != State::Out).collect();
            let names = self.names(&rest);
            rounds.push(self.round(
                rounds.len() + 1,
                &totals,
                &among,
                shown(total - votes.iter().sum::<u128>()),
                Action::Elected(names),
                Vec::new(),
            ));
            elected.extend(rest);
        }
        (elected, rounds, Some(shown(quota)))
    }

    /// Every candidate's votes under these keep factors: each ballot gives
    /// each candidate in turn its keep factor of what is left of it.
    fn distribute(&self, keep: &[u128]) -> Vec<u128> {
        let mut votes = vec![0u128; keep.len()];
        for ballot in &self.election.ballots {
            let mut left = ONE;
            for &c in &ballot.preferences {
                if keep[c] == 0 {
                    continue;
                }
                let kept = mul_up(left, keep[c]).min(left);
                votes[c] += kept * u128::from(ballot.weight);
                left -= kept;
                if left == 0 {
                    break;
                }
            }
        }
        votes
    }
}
