//! The index read back a batch at a time, for `coopkit ledger verify` to
//! hold against the journal replayed: the rows a batch wrote, compared
//! with the rows replaying it says it writes, so that the check holds no
//! more of the history in memory than the replay does.

use std::collections::HashSet;

use coopkit_domain::CoopId;
use coopkit_ledger::{BatchIndex, TransferId};

use crate::ledger_index::{id_columns, id_from_columns, index_rows};
use crate::ledger_journal::to_i64;
use crate::{on_pool, Result, Store};

/// A `ledger_hold` row but its id: (status, debit, credit, amount).
type StoredHold = (String, i64, i64, i64);

impl Store {
    /// Where the statement rows, marks and holds the index keeps for batch
    /// `seq` differ from `index`, that batch replayed; `None` where they
    /// agree. A hold the batch made is held to its accounts and amount
    /// here, and to how it stands by the batch that ends it, or, still
    /// open, by [`Store::ledger_open_holds`].
    pub async fn ledger_batch_disagreement(
        &self,
        coop: CoopId,
        seq: u64,
        index: &BatchIndex,
    ) -> Result<Option<String>> {
        let expected = index_rows(index)?;
        let at = to_i64(seq, "seq")?;
        let lines: Vec<(i64, Option<i64>, i64, String)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT account_id, previous_seq, first_position, entries FROM ledger_line \
                 WHERE coop_id = $1 AND seq = $2 ORDER BY account_id",
            )
            .bind(coop.0)
            .bind(at)
            .fetch_all(pool)
            .await
        })?;
        let wanted = expected.lines.iter().map(|line| {
            (
                line.account,
                line.previous_seq,
                line.first_position,
                line.entries.as_str(),
            )
        });
        let stored = lines.iter().map(|(account, previous, first, entries)| {
            (*account, *previous, *first, entries.as_str())
        });
        if let Some(account) = first_difference(wanted, stored, |row| row.0) {
            return Ok(Some(format!(
                "the statement of account {account} at batch {seq}"
            )));
        }
        let marks: Vec<(i64, i64)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT account_id, mark FROM ledger_line_mark \
                 WHERE coop_id = $1 AND seq = $2 ORDER BY account_id, mark",
            )
            .bind(coop.0)
            .bind(at)
            .fetch_all(pool)
            .await
        })?;
        let mut wanted = expected.marks.clone();
        wanted.sort_unstable();
        if let Some(account) = first_difference(wanted.into_iter(), marks.into_iter(), |m| m.0) {
            return Ok(Some(format!(
                "the statement marks of account {account} at batch {seq}"
            )));
        }
        for hold in &expected.holds {
            let agrees =
                self.stored_hold(coop, hold.id)
                    .await?
                    .is_some_and(|(_, debit, credit, amount)| {
                        (debit, credit, amount) == (hold.debit, hold.credit, hold.amount)
                    });
            if !agrees {
                return Ok(Some(format!(
                    "transfer {}, a hold made at batch {seq}",
                    hold.id
                )));
            }
        }
        for (id, how) in &index.endings {
            let stands = self.stored_hold(coop, *id).await?.map(|hold| hold.0);
            if stands.as_deref() != Some(how.as_str()) {
                return Ok(Some(format!(
                    "transfer {id}, a hold {} at batch {seq}",
                    how.as_str()
                )));
            }
        }
        Ok(None)
    }

    /// The holds the index has as open.
    pub async fn ledger_open_holds(&self, coop: CoopId) -> Result<HashSet<TransferId>> {
        let rows: Vec<(i64, i64)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT id_high, id_low FROM ledger_hold WHERE coop_id = $1 AND status = 'open'",
            )
            .bind(coop.0)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|(high, low)| id_from_columns(high, low))
            .collect())
    }

    /// A hold's row in the index, if it has one.
    pub(crate) async fn stored_hold(
        &self,
        coop: CoopId,
        id: TransferId,
    ) -> Result<Option<StoredHold>> {
        let (high, low) = id_columns(id);
        Ok(on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT status, debit_id, credit_id, amount FROM ledger_hold \
                 WHERE coop_id = $1 AND id_high = $2 AND id_low = $3",
            )
            .bind(coop.0)
            .bind(high)
            .bind(low)
            .fetch_optional(pool)
            .await
        })?)
    }
}

/// The key (by `key`) of the first row where two lists sorted by it
/// differ, a row missing from either counting as a difference.
fn first_difference<T: PartialEq>(
    mut wanted: impl Iterator<Item = T>,
    mut stored: impl Iterator<Item = T>,
    key: impl Fn(&T) -> i64,
) -> Option<i64> {
    loop {
        match (wanted.next(), stored.next()) {
            (None, None) => return None,
            (Some(want), Some(have)) if want == have => {}
            (Some(want), Some(have)) => return Some(key(&want).min(key(&have))),
            (Some(row), None) | (None, Some(row)) => return Some(key(&row)),
        }
    }
}
