//! Plays of a track, as the ledger writer records them: the n-th paid play
//! of a track by a listener is a linked chain whose cause names the track
//! and the play's number: the whole price from the listener to the co-op's
//! sales account (so the listener's statement has one line, named by the
//! track's title), then from there each creator's part; the co-op keeps
//! the rest.
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
    /// The track's title, the memo of the listener's line.
    pub title: String,
}

impl Play {
    /// The id of leg `leg` of this play's chain: the listener's charge,
    /// then the creators in the track's order.
    pub fn leg_id(&self, leg: usize) -> TransferId {
        TransferId::derived(&format!("{}:{leg}", self.id))
    }

    /// How many legs the chain may have.
    pub fn legs(&self) -> usize {
        self.creators.parts().len() + 1
    }

    /// Every owner the chain may move value between: the listener, the
    /// co-op's sales account and each creator.
    pub fn parties(&self) -> impl Iterator<Item = AccountOwner> + '_ {
        let creators = self.creators.parts().iter();
        [
            AccountOwner::Member(self.listener),
            AccountOwner::Coop(CoopAccount::Sales),
        ]
        .into_iter()
        .chain(creators.map(|(creator, _)| AccountOwner::Member(*creator)))
    }

    /// What play number `n` moves, leg by leg: its number, from whom, to
    /// whom, and how much. First the price from the listener to the
    /// co-op's sales account, then from it each creator's part; legs of
    /// nothing are left out. Empty when the play is free.
    pub fn payments(&self, n: u32) -> Vec<(usize, AccountOwner, AccountOwner, u64)> {
        let price = play_price(n);
        if price == 0 {
            return Vec::new();
        }
        let sales = AccountOwner::Coop(CoopAccount::Sales);
        let divided = split(price, self.rate, &self.creators);
        let charge = (0, AccountOwner::Member(self.listener), sales, price);
        let parts = divided
            .creators
            .iter()
            .enumerate()
            .filter(|(_, (_, paid))| *paid > 0)
            .map(|(i, (creator, paid))| (i + 1, sales, AccountOwner::Member(*creator), *paid));
        std::iter::once(charge).chain(parts).collect()
    }
}

/// What the cause of a play's transfers begins with, before a colon:
/// reserved for them, since the plays counted are read back from it.
pub const PLAY_CAUSE: &str = "play";
pub(crate) const CAUSE_PREFIX: &str = "play:";

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

    /// Every count, in a fixed order: for a snapshot.
    pub fn to_vec(&self) -> Vec<(AccountId, i64, u32)> {
        let mut counts: Vec<_> = self
            .counts
            .iter()
            .map(|(&(account, track), &n)| (account, track, n))
            .collect();
        counts.sort_unstable();
        counts
    }

    /// The counts a snapshot kept.
    pub fn from_vec(counts: Vec<(AccountId, i64, u32)>) -> PlayCounts {
        PlayCounts {
            counts: counts
                .into_iter()
                .map(|(account, track, n)| ((account, track), n))
                .collect(),
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
            title: "Harbour Lights".into(),
        }
    }

    #[test]
    fn a_play_charges_its_price_once_and_the_coop_pays_the_creators_their_shares() {
        let duo = play(vec![(PersonId(2), 6_000), (PersonId(3), 4_000)], 7_000);
        let (listener, sales) = (
            AccountOwner::Member(PersonId(1)),
            AccountOwner::Coop(CoopAccount::Sales),
        );
        // Play 4 costs 32: the creators 22 (70%, rounded), 13 and 9; the
        // co-op keeps 10.
        assert_eq!(
            duo.payments(4),
            vec![
                (0, listener, sales, 32),
                (1, sales, AccountOwner::Member(PersonId(2)), 13),
                (2, sales, AccountOwner::Member(PersonId(3)), 9),
            ]
        );
        // Play 0 costs 2: the creators' 1 goes to the larger share alone.
        assert_eq!(
            duo.payments(0),
            vec![
                (0, listener, sales, 2),
                (1, sales, AccountOwner::Member(PersonId(2)), 1),
            ]
        );
        assert!(duo.payments(9).is_empty(), "the tenth play is free");
        let charged: u64 = (0..12)
            .flat_map(|n| duo.payments(n))
            .filter(|(_, from, _, _)| *from == listener)
            .map(|(_, _, _, amount)| amount)
            .sum();
        assert_eq!(charged, PRICE_TO_OWN);
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
