//! Plays of a track, as the ledger writer records them: the n-th paid play
//! of a track by a listener is a linked chain of transfers from the
//! listener, one to each creator with a part of the price and one to the
//! co-op with the rest, whose cause names the track and the play's number.
//!
//! The journal is the only record of plays, so a listener's count for a
//! track is rebuilt from it when the ledger loads, and a play and its
//! charge can never disagree. Free plays (of a track already owned) move
//! nothing and are not recorded.

use std::collections::HashMap;

use coopkit_domain::PersonId;
use coopkit_ledger::{AccountId, AccountOwner, CoopAccount, CurrencyCode, TransferId};
use coopkit_market::royalty::{split, Rate, Shares};
use coopkit_market::stream::play_price;

/// A listener's play of a track, priced by stream-to-own and divided
/// between the track's creators, at `rate`, and the co-op.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Play {
    /// Names the play: a request repeated with the same id is the same
    /// play, recorded and charged once.
    pub id: TransferId,
    pub currency: CurrencyCode,
    pub listener: PersonId,
    pub track: i64,
    pub creators: Shares<PersonId>,
    pub rate: Rate,
}

impl Play {
    /// The id of leg `leg` of this play's chain: the creators in the
    /// track's order, then the co-op.
    pub fn leg_id(&self, leg: usize) -> TransferId {
        TransferId::derived(&format!("{}:{leg}", self.id))
    }

    /// How many legs the chain may have.
    pub fn legs(&self) -> usize {
        self.creators.parts().len() + 1
    }

    /// What play number `n` moves: each leg's number, who it pays, and how
    /// much; legs of nothing are left out. Empty when the play is free.
    pub fn payments(&self, n: u32) -> Vec<(usize, AccountOwner, u64)> {
        let divided = split(play_price(n), self.rate, &self.creators);
        divided
            .creators
            .iter()
            .map(|(creator, paid)| (AccountOwner::Member(*creator), *paid))
            .chain([(AccountOwner::Coop(CoopAccount::Sales), divided.coop)])
            .enumerate()
            .filter(|(_, (_, amount))| *amount > 0)
            .map(|(leg, (owner, amount))| (leg, owner, amount))
            .collect()
    }
}

/// How the cause of a play's transfers begins: reserved for them, since
/// the plays counted are read back from it.
pub const CAUSE_PREFIX: &str = "play:";

/// The cause written on each leg of play number `n` of `track`.
pub fn cause(track: i64, n: u32) -> String {
    format!("{CAUSE_PREFIX}{track}:{n}")
}

/// The track and play number a cause names, if it names a play.
fn parse_cause(cause: &str) -> Option<(i64, u32)> {
    let (track, n) = cause.strip_prefix(CAUSE_PREFIX)?.split_once(':')?;
    Some((track.parse().ok()?, n.parse().ok()?))
}

/// How many paid plays each listener's account has made of each track.
#[derive(Debug, Default)]
pub struct PlayCounts {
    counts: HashMap<(AccountId, i64), u32>,
}

impl PlayCounts {
    /// Notes a transfer from `debit` with `cause`, if it is a play.
    pub fn note(&mut self, debit: AccountId, cause: &str) {
        if let Some((track, n)) = parse_cause(cause) {
            let count = self.counts.entry((debit, track)).or_default();
            *count = (*count).max(n.saturating_add(1));
        }
    }

    /// The paid plays `listener` has made of `track`.
    pub fn count(&self, listener: AccountId, track: i64) -> u32 {
        self.counts.get(&(listener, track)).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use coopkit_market::stream::PRICE_TO_OWN;

    use super::*;

    fn play(creators: Vec<(PersonId, u32)>, rate: u32) -> Play {
        Play {
            id: TransferId(7),
            currency: CurrencyCode::parse("CRD").unwrap(),
            listener: PersonId(1),
            track: 42,
            creators: Shares::new(creators).unwrap(),
            rate: Rate::new(rate).unwrap(),
        }
    }

    #[test]
    fn a_play_pays_its_price_to_the_creators_by_share_and_the_rest_to_the_coop() {
        let duo = play(vec![(PersonId(2), 6_000), (PersonId(3), 4_000)], 7_000);
        // Play 4 costs 32: the creators 22 (70%, rounded), 13 and 9; the co-op 10.
        assert_eq!(
            duo.payments(4),
            vec![
                (0, AccountOwner::Member(PersonId(2)), 13),
                (1, AccountOwner::Member(PersonId(3)), 9),
                (2, AccountOwner::Coop(CoopAccount::Sales), 10),
            ]
        );
        // Play 0 costs 2: the creators' 1 goes to the larger share alone.
        assert_eq!(
            duo.payments(0),
            vec![
                (0, AccountOwner::Member(PersonId(2)), 1),
                (2, AccountOwner::Coop(CoopAccount::Sales), 1),
            ]
        );
        assert!(duo.payments(9).is_empty(), "the tenth play is free");
        let paid: u64 = (0..12)
            .flat_map(|n| duo.payments(n))
            .map(|(_, _, amount)| amount)
            .sum();
        assert_eq!(paid, PRICE_TO_OWN);
    }

    #[test]
    fn counts_come_back_from_the_causes_of_the_transfers() {
        let mut counts = PlayCounts::default();
        for n in [0, 1, 2] {
            counts.note(AccountId(5), &cause(42, n));
            counts.note(AccountId(5), &cause(42, n));
        }
        counts.note(AccountId(5), "booking:42");
        counts.note(AccountId(6), &cause(43, 0));
        assert_eq!(counts.count(AccountId(5), 42), 3);
        assert_eq!(counts.count(AccountId(6), 43), 1);
        assert_eq!(counts.count(AccountId(6), 42), 0);
        let legs: Vec<_> = (0..3)
            .map(|leg| play(vec![(PersonId(2), 10_000)], 5_000).leg_id(leg))
            .collect();
        assert_ne!(legs[0], legs[1]);
        assert_eq!(
            legs[2],
            play(vec![(PersonId(9), 10_000)], 0).leg_id(2),
            "ids follow the play id alone"
        );
    }
}
