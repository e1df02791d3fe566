//! The index kept beside the ledger's journal (see the migration
//! `0035_ledger_index.sql`): each transfer by id, each account's statement
//! a row per batch, how each hold stands, and the writer's snapshots.
//! Everything here follows from the journal: the writer rebuilds it by
//! replaying batches, and it is written in the transaction that commits
//! the batch it indexes.

use std::collections::{BTreeMap, HashMap, HashSet};

use coopkit_domain::{CoopId, Timestamp};
use coopkit_ledger::ledger::{HoldStatus, TransferRecord};
use coopkit_ledger::{
    AccountId, BatchIndex, Event, Past, StatementHead, Transfer, TransferId, TransferKind,
};

use crate::ledger_journal::{to_i64, to_u64, PART_EVENTS};
use crate::ledger_rows::ROWS_PER_INSERT;
use crate::{on_pool, BeginWrite, Pool, Result, Store, StoreError};

/// What an index row that is already there means: a bug when committing
/// (the batch is new), nothing when rebuilding (it was written before).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OnConflict {
    Fail,
    Keep,
}

impl OnConflict {
    pub(crate) fn clause(self) -> &'static str {
        match self {
            OnConflict::Fail => "",
            OnConflict::Keep => " ON CONFLICT DO NOTHING",
        }
    }
}

/// Every this many lines of an account's statement, a mark says which
/// batch holds the line (`ledger_line_mark`).
pub(crate) const LINES_PER_MARK: u64 = 64;

/// A transfer id as the two signed 64-bit columns that hold it.
pub(crate) fn id_columns(id: TransferId) -> (i64, i64) {
    ((id.0 >> 64) as u64 as i64, id.0 as u64 as i64)
}

pub(crate) fn id_from_columns(high: i64, low: i64) -> TransferId {
    TransferId((u128::from(high as u64) << 64) | u128::from(low as u64))
}

/// One account's lines in one batch, as a `ledger_line` row holds them.
#[derive(Debug)]
pub(crate) struct LineRow {
    pub(crate) account: i64,
    pub(crate) previous_seq: Option<i64>,
    pub(crate) first_position: i64,
    pub(crate) entries: String,
}

/// A hold made in a batch, as its `ledger_hold` row.
#[derive(Debug)]
pub(crate) struct HoldRow {
    pub(crate) id: TransferId,
    pub(crate) status: HoldStatus,
    pub(crate) debit: i64,
    pub(crate) credit: i64,
    pub(crate) amount: i64,
}

/// A batch's index as rows (but its transfers' ids: see
/// [`SnapshotWrite`]): the holds it made (standing as
/// they do once the batch is done), statement rows by account, and the
/// earlier holds it ended.
pub(crate) struct IndexRows {
    pub(crate) holds: Vec<HoldRow>,
    pub(crate) lines: Vec<LineRow>,
    /// (account, mark) of each line at a multiple of [`LINES_PER_MARK`].
    pub(crate) marks: Vec<(i64, i64)>,
    pub(crate) endings: Vec<(TransferId, HoldStatus)>,
}

pub(crate) fn index_rows(index: &BatchIndex) -> Result<IndexRows> {
    let ended: HashMap<TransferId, HoldStatus> = index.endings.iter().copied().collect();
    let mut holds = Vec::new();
    for record in &index.transfers {
        if matches!(record.transfer.kind, TransferKind::Hold { .. }) {
            let id = record.transfer.id;
            holds.push(HoldRow {
                id,
                status: ended.get(&id).copied().unwrap_or(HoldStatus::Open),
                debit: to_i64(record.debit.0, "account")?,
                credit: to_i64(record.credit.0, "account")?,
                amount: to_i64(record.amount, "amount")?,
            });
        }
    }
    let made_here: HashSet<TransferId> = holds.iter().map(|h| h.id).collect();
    let endings = index
        .endings
        .iter()
        .filter(|(id, _)| !made_here.contains(id))
        .copied()
        .collect();
    /// One account's lines in the batch: its row before they are written.
    struct Group {
        previous_seq: Option<u64>,
        first: u64,
        entries: Vec<(u32, i64)>,
    }
    let mut by_account: BTreeMap<AccountId, Group> = BTreeMap::new();
    let mut marks = Vec::new();
    for line in &index.lines {
        if line.position % LINES_PER_MARK == 0 {
            let mark = to_i64(line.position / LINES_PER_MARK, "mark")?;
            marks.push((to_i64(line.account.0, "account")?, mark));
        }
        let balance = i64::try_from(line.balance_after).map_err(|_| {
            StoreError::Corrupt(format!("a balance of {} exceeds i64", line.balance_after))
        })?;
        by_account
            .entry(line.account)
            .or_insert(Group {
                previous_seq: line.previous_seq,
                first: line.position,
                entries: Vec::new(),
            })
            .entries
            .push((line.index, balance));
    }
    let lines = by_account
        .into_iter()
        .map(|(account, group)| {
            let Group {
                previous_seq,
                first,
                entries,
            } = group;
            Ok(LineRow {
                account: to_i64(account.0, "account")?,
                previous_seq: previous_seq.map(|s| to_i64(s, "seq")).transpose()?,
                first_position: to_i64(first, "position")?,
                entries: serde_json::to_string(&entries)
                    .map_err(|e| StoreError::Corrupt(format!("statement entries: {e}")))?,
            })
        })
        .collect::<Result<_>>()?;
    Ok(IndexRows {
        holds,
        lines,
        marks,
        endings,
    })
}

/// Writes a batch's index rows in transaction `$tx`: `$coop`'s
/// [`BatchIndex`] `$index`, with [`OnConflict`] `$on_conflict`.
macro_rules! insert_index {
    ($tx:expr, $coop:expr, $index:expr, $on_conflict:expr) => {{
        let coop: coopkit_domain::CoopId = $coop;
        let on_conflict: $crate::ledger_index::OnConflict = $on_conflict;
        let rows = $crate::ledger_index::index_rows($index)?;
        let seq = $crate::ledger_journal::to_i64(
            $index.transfers.first().map_or(0, |t| t.seq),
            "seq",
        )?;
        use $crate::ledger_rows::LedgerRows;
        $tx.insert_holds(coop, &rows.holds, on_conflict).await?;
        $tx.insert_lines(coop, seq, &rows.lines, on_conflict).await?;
        $tx.insert_marks(coop, seq, &rows.marks, on_conflict).await?;
        for (id, how) in rows.endings {
            let (high, low) = $crate::ledger_index::id_columns(id);
            sqlx::query(
                "UPDATE ledger_hold SET status = $1 WHERE coop_id = $2 AND id_high = $3 AND id_low = $4",
            )
            .bind(how.as_str())
            .bind(coop.0)
            .bind(high)
            .bind(low)
            .execute(&mut *$tx)
            .await?;
        }
    }};
}
pub(crate) use insert_index;

/// A snapshot to keep after batch `seq`, with where each transfer
/// committed since the last snapshot sits. The writer holds those ids in
/// memory and writes them to `ledger_transfer` only here, sorted, many at
/// a time: ids are often random (a play's legs are hashes), and written
/// with their batch each would dirty a page of the index of its own.
/// `used_ids` is the filter of every id used up to `seq`
/// (`coopkit_ledger::UsedIds`, as bytes), which only the newest snapshot
/// keeps.
#[derive(Debug)]
pub struct SnapshotWrite {
    pub seq: u64,
    pub state: String,
    pub ids: Vec<(TransferId, u64, u32)>,
    pub used_ids: Vec<u8>,
}

/// Writes `$snapshot` (a [`SnapshotWrite`]) of `$coop` in transaction
/// `$tx`: the ids (any already there are kept), the snapshot, and the
/// pruning of older ones.
macro_rules! insert_snapshot {
    ($tx:expr, $coop:expr, $snapshot:expr) => {{
        let coop: coopkit_domain::CoopId = $coop;
        let snapshot: &$crate::ledger_index::SnapshotWrite = $snapshot;
        let mut ids: Vec<_> = snapshot
            .ids
            .iter()
            .map(|(id, seq, idx)| {
                let (high, low) = $crate::ledger_index::id_columns(*id);
                let seq = $crate::ledger_journal::to_i64(*seq, "seq")?;
                Ok((high, low, seq, i32::try_from(*idx).unwrap_or(i32::MAX)))
            })
            .collect::<$crate::Result<_>>()?;
        ids.sort_unstable();
        $crate::ledger_rows::LedgerRows::insert_transfers(&mut *$tx, coop, &ids).await?;
        let seq = $crate::ledger_journal::to_i64(snapshot.seq, "seq")?;
        sqlx::query(
            "INSERT INTO ledger_snapshot (coop_id, seq, state, used_ids) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING",
        )
        .bind(coop.0)
        .bind(seq)
        .bind(&snapshot.state)
        .bind(&snapshot.used_ids)
        .execute(&mut *$tx)
        .await?;
        sqlx::query(
            "UPDATE ledger_snapshot SET used_ids = NULL \
             WHERE coop_id = $1 AND seq < $2 AND used_ids IS NOT NULL",
        )
        .bind(coop.0)
        .bind(seq)
        .execute(&mut *$tx)
        .await?;
        sqlx::query($crate::ledger_journal::PRUNE_SNAPSHOTS)
            .bind(coop.0)
            .bind($crate::ledger_journal::SNAPSHOTS_KEPT)
            .execute(&mut *$tx)
            .await?;
    }};
}
pub(crate) use insert_snapshot;

/// A `ledger_transfer` row, with its hold's standing if it made one.
#[derive(sqlx::FromRow)]
struct TransferRow {
    id_high: i64,
    id_low: i64,
    seq: i64,
    idx: i32,
    status: Option<String>,
}

/// A line of an account's statement as the index gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementLine {
    pub record: TransferRecord,
    /// Its place in the account's history, from 1.
    pub position: u64,
    pub balance_after: i128,
}

/// Events of batch parts already read, so that lines in one part read it
/// once.
#[derive(Default)]
struct Parts {
    read: HashMap<(i64, i64), (Timestamp, Vec<Event>)>,
}

impl Store {
    /// Writes a batch's index again (rebuilding it from the journal): rows
    /// already there are kept, holds' standings are set.
    pub async fn index_ledger_batch(&self, coop: CoopId, index: &BatchIndex) -> Result<()> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            insert_index!(tx, coop, index, OnConflict::Keep);
            tx.commit().await?;
            Ok(())
        })
    }

    /// What the index knows of `ids`: those committed in batches before
    /// `before_seq`, with their records and how each hold stands.
    pub async fn ledger_recall(
        &self,
        coop: CoopId,
        ids: &[TransferId],
        before_seq: u64,
    ) -> Result<HashMap<TransferId, Past>> {
        let before_seq = to_i64(before_seq, "seq")?;
        let mut found = Vec::new();
        for chunk in ids.chunks(ROWS_PER_INSERT) {
            let rows: Vec<TransferRow> = match &self.pool {
                // Joined from a list of values, which SQLite looks up by key
                // one by one; `(id_high, id_low) IN (...)` would scan the
                // co-op's whole index.
                Pool::Sqlite(pool) => {
                    let mut select = sqlx::QueryBuilder::new(
                        "SELECT t.id_high, t.id_low, t.seq, t.idx, h.status FROM (VALUES ",
                    );
                    let mut values = select.separated(", ");
                    for id in chunk {
                        let (high, low) = id_columns(*id);
                        values.push("(");
                        values.push_bind_unseparated(high);
                        values.push_unseparated(", ");
                        values.push_bind_unseparated(low);
                        values.push_unseparated(")");
                    }
                    select.push(
                        ") AS v CROSS JOIN ledger_transfer t LEFT JOIN ledger_hold h \
                         ON h.coop_id = t.coop_id AND h.id_high = t.id_high AND h.id_low = t.id_low \
                         WHERE t.id_high = v.column1 AND t.id_low = v.column2 AND t.coop_id = ",
                    );
                    select
                        .push_bind(coop.0)
                        .push(" AND t.seq < ")
                        .push_bind(before_seq);
                    select.build_query_as().fetch_all(pool).await?
                }
                // Each id a keyed lookup of its own: given a join of
                // values, PostgreSQL hashed 3,000 ids against a scan of the
                // co-op's whole index (48 ms at 900,000 rows, growing with
                // them); a LATERAL subquery with a LIMIT cannot be turned
                // back into such a join (7 ms).
                Pool::Postgres(pool) => {
                    let (high, low): (Vec<i64>, Vec<i64>) =
                        chunk.iter().map(|id| id_columns(*id)).unzip();
                    sqlx::query_as(
                        "SELECT t.id_high, t.id_low, t.seq, t.idx, h.status \
                         FROM unnest($1::bigint[], $2::bigint[]) AS v(high, low) \
                         CROSS JOIN LATERAL (SELECT * FROM ledger_transfer \
                             WHERE coop_id = $3 AND id_high = v.high AND id_low = v.low AND seq < $4 LIMIT 1) t \
                         LEFT JOIN ledger_hold h \
                         ON h.coop_id = t.coop_id AND h.id_high = t.id_high AND h.id_low = t.id_low",
                    )
                    .bind(high)
                    .bind(low)
                    .bind(coop.0)
                    .bind(before_seq)
                    .fetch_all(pool)
                    .await?
                }
            };
            found.extend(rows);
        }
        self.records(coop, found).await
    }

    /// The records of transfers whose place the writer knows (committed
    /// since its last snapshot), with how each hold stands.
    pub async fn ledger_located(
        &self,
        coop: CoopId,
        located: &[(TransferId, u64, u32)],
    ) -> Result<HashMap<TransferId, Past>> {
        let mut rows = Vec::with_capacity(located.len());
        for (id, seq, idx) in located {
            let (id_high, id_low) = id_columns(*id);
            let status: Option<String> = on_pool!(self, |pool| {
                sqlx::query_scalar(
                    "SELECT status FROM ledger_hold WHERE coop_id = $1 AND id_high = $2 AND id_low = $3",
                )
                .bind(coop.0)
                .bind(id_high)
                .bind(id_low)
                .fetch_optional(pool)
                .await
            })?;
            rows.push(TransferRow {
                id_high,
                id_low,
                seq: to_i64(*seq, "seq")?,
                idx: i32::try_from(*idx).unwrap_or(i32::MAX),
                status,
            });
        }
        self.records(coop, rows).await
    }

    async fn records(
        &self,
        coop: CoopId,
        found: Vec<TransferRow>,
    ) -> Result<HashMap<TransferId, Past>> {
        let mut parts = Parts::default();
        let mut recalled = HashMap::with_capacity(found.len());
        for row in found {
            let hold = row
                .status
                .as_deref()
                .map(|h| {
                    HoldStatus::parse(h)
                        .ok_or_else(|| StoreError::corrupt("ledger_transfer.hold", h))
                })
                .transpose()?;
            let record = self.record_of(coop, &row, &mut parts).await?;
            recalled.insert(record.transfer.id, Past { record, hold });
        }
        Ok(recalled)
    }

    /// The record a `ledger_transfer` row points at, its event read from
    /// the journal.
    async fn record_of(
        &self,
        coop: CoopId,
        row: &TransferRow,
        parts: &mut Parts,
    ) -> Result<TransferRecord> {
        let (timestamp, event) = self.event_at(coop, row.seq, row.idx, parts).await?;
        let id = id_from_columns(row.id_high, row.id_low);
        let Event::Transfer(transfer) = event else {
            return Err(StoreError::Corrupt(format!(
                "the index puts transfer {id} at event {} of batch {}, which is not a transfer",
                row.idx, row.seq
            )));
        };
        if transfer.id != id {
            return Err(StoreError::Corrupt(format!(
                "the index puts transfer {id} where the journal has {}",
                transfer.id
            )));
        }
        self.resolve(coop, transfer, row.seq, row.idx, timestamp)
            .await
    }

    /// The record of a transfer found in the journal: a post or void takes
    /// its accounts, and its amount if it names none, from its hold.
    async fn resolve(
        &self,
        coop: CoopId,
        transfer: Transfer,
        seq: i64,
        idx: i32,
        timestamp: Timestamp,
    ) -> Result<TransferRecord> {
        let (debit, credit, amount) = match transfer.kind {
            TransferKind::Move {
                debit,
                credit,
                amount,
            }
            | TransferKind::Hold {
                debit,
                credit,
                amount,
                ..
            } => (debit, credit, amount),
            TransferKind::Post { pending, amount } => {
                let (debit, credit, held) = self.hold_of(coop, pending).await?;
                (debit, credit, amount.unwrap_or(held))
            }
            TransferKind::Void { pending } => self.hold_of(coop, pending).await?,
        };
        Ok(TransferRecord {
            transfer,
            seq: to_u64(seq, "seq")?,
            index: u32::try_from(idx)
                .map_err(|_| StoreError::corrupt("ledger_transfer.idx", &idx.to_string()))?,
            timestamp,
            debit,
            credit,
            amount,
        })
    }

    /// A hold's accounts and amount.
    async fn hold_of(&self, coop: CoopId, id: TransferId) -> Result<(AccountId, AccountId, u64)> {
        let (_, debit, credit, amount) = self
            .stored_hold(coop, id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("hold {id} is not in the index")))?;
        Ok((
            AccountId(to_u64(debit, "account")?),
            AccountId(to_u64(credit, "account")?),
            to_u64(amount, "amount")?,
        ))
    }

    /// Event `idx` of batch `seq`, and the batch's time.
    async fn event_at(
        &self,
        coop: CoopId,
        seq: i64,
        idx: i32,
        parts: &mut Parts,
    ) -> Result<(Timestamp, Event)> {
        let part_first = i64::from(idx) / PART_EVENTS as i64 * PART_EVENTS as i64;
        // Parts written before the index existed hold a whole batch.
        let key = (seq, part_first);
        if let std::collections::hash_map::Entry::Vacant(slot) = parts.read.entry(key) {
            let row: Option<(i64, i32, String)> = on_pool!(self, |pool| {
                sqlx::query_as(
                    "SELECT b.at, p.first, p.events FROM ledger_batch_part p \
                     JOIN ledger_batch b ON b.coop_id = p.coop_id AND b.seq = p.seq \
                     WHERE p.coop_id = $1 AND p.seq = $2 AND p.first <= $3 ORDER BY p.first DESC LIMIT 1",
                )
                .bind(coop.0)
                .bind(seq)
                .bind(idx)
                .fetch_optional(pool)
                .await
            })?;
            let Some((at, first, events)) = row else {
                return Err(StoreError::Corrupt(format!(
                    "batch {seq} has no event {idx}"
                )));
            };
            let events: Vec<Event> = serde_json::from_str(&events).map_err(|e| {
                StoreError::Corrupt(format!("ledger_batch_part.events of batch {seq}: {e}"))
            })?;
            // Keyed by where the part really starts, and by the part an
            // index would compute, which differ only for whole-batch parts.
            let skip = usize::try_from(part_first - i64::from(first)).unwrap_or(0);
            let events = events.into_iter().skip(skip).collect();
            slot.insert((Timestamp(at), events));
        }
        let (at, events) = &parts.read[&key];
        let offset = usize::try_from(i64::from(idx) - part_first).unwrap_or(usize::MAX);
        events
            .get(offset)
            .map(|event| (*at, event.clone()))
            .ok_or_else(|| StoreError::Corrupt(format!("batch {seq} has no event {idx}")))
    }
}

impl Store {
    /// A page of an account's statement, newest first: up to `limit` lines
    /// at positions up to `before` (from the newest when `None`), and the
    /// position to continue from, if there is more. `head` is where the
    /// statement ends, as the ledger knows it. The walk starts from the
    /// batch of the nearest mark at or after the page's last line (or the
    /// statement's last batch) and follows each row's link to the one
    /// before, so a page costs a row per batch it spans, and fewer than
    /// [`LINES_PER_MARK`] more.
    pub async fn ledger_statement(
        &self,
        coop: CoopId,
        account: AccountId,
        head: StatementHead,
        before: Option<u64>,
        limit: usize,
    ) -> Result<(Vec<StatementLine>, Option<u64>)> {
        let end = before.map_or(head.lines, |b| b.min(head.lines));
        let start = end.saturating_sub(limit as u64);
        let account_id = to_i64(account.0, "account")?;
        let mut wanted: Vec<(i64, i32, u64, i128)> = Vec::new();
        let mut next = head.last_seq.map(|s| to_i64(s, "seq")).transpose()?;
        let mark = end.div_ceil(LINES_PER_MARK);
        if mark * LINES_PER_MARK < head.lines {
            let marked: Option<i64> = on_pool!(self, |pool| {
                sqlx::query_scalar(
                    "SELECT seq FROM ledger_line_mark WHERE coop_id = $1 AND account_id = $2 AND mark = $3",
                )
                .bind(coop.0)
                .bind(account_id)
                .bind(to_i64(mark, "mark")?)
                .fetch_optional(pool)
                .await
            })?;
            next = marked.or(next);
        }
        while let Some(seq) = next.filter(|_| end > start) {
            let row: Option<(Option<i64>, i64, String)> = on_pool!(self, |pool| {
                sqlx::query_as(
                    "SELECT previous_seq, first_position, entries FROM ledger_line \
                     WHERE coop_id = $1 AND seq = $2 AND account_id = $3",
                )
                .bind(coop.0)
                .bind(seq)
                .bind(account_id)
                .fetch_optional(pool)
                .await
            })?;
            let Some((previous, first, entries)) = row else {
                return Err(StoreError::Corrupt(format!(
                    "account {account_id} has no statement row for batch {seq}"
                )));
            };
            let entries: Vec<(i32, i64)> = serde_json::from_str(&entries).map_err(|e| {
                StoreError::Corrupt(format!("ledger_line.entries of batch {seq}: {e}"))
            })?;
            let first = to_u64(first, "position")?;
            for (position, (idx, balance)) in (first..).zip(entries) {
                if position > start && position <= end {
                    wanted.push((seq, idx, position, i128::from(balance)));
                }
            }
            if first <= start + 1 {
                break;
            }
            next = previous;
        }
        wanted.sort_by_key(|w| std::cmp::Reverse(w.2));
        let mut parts = Parts::default();
        let mut lines = Vec::with_capacity(wanted.len());
        for (seq, idx, position, balance_after) in wanted {
            let (timestamp, event) = self.event_at(coop, seq, idx, &mut parts).await?;
            let Event::Transfer(transfer) = event else {
                return Err(StoreError::Corrupt(format!(
                    "account {account_id}'s statement names event {idx} of batch {seq}, not a transfer"
                )));
            };
            let record = self.resolve(coop, transfer, seq, idx, timestamp).await?;
            lines.push(StatementLine {
                record,
                position,
                balance_after,
            });
        }
        Ok((lines, (start > 0).then_some(start)))
    }

    /// The newest snapshot of a co-op's writer state, and the batch it
    /// follows.
    pub async fn ledger_snapshot(&self, coop: CoopId) -> Result<Option<(u64, String)>> {
        Ok(self.ledger_snapshots(coop, 1).await?.pop())
    }

    /// The filter of used ids kept with the co-op's snapshot at `seq`, if
    /// it has one.
    pub async fn ledger_used_ids(&self, coop: CoopId, seq: u64) -> Result<Option<Vec<u8>>> {
        let seq = to_i64(seq, "seq")?;
        let row: Option<(Option<Vec<u8>>,)> = on_pool!(self, |pool| {
            sqlx::query_as("SELECT used_ids FROM ledger_snapshot WHERE coop_id = $1 AND seq = $2")
                .bind(coop.0)
                .bind(seq)
                .fetch_optional(pool)
                .await
        })?;
        Ok(row.and_then(|(bytes,)| bytes))
    }

    /// Calls `each` with every transfer id in a co-op's index, streamed:
    /// for a filter of used ids where a snapshot has none.
    pub async fn ledger_indexed_ids(
        &self,
        coop: CoopId,
        mut each: impl FnMut(TransferId) + Send,
    ) -> Result<()> {
        use futures_util::TryStreamExt;
        on_pool!(self, |pool| {
            let mut rows = sqlx::query_as::<_, (i64, i64)>(
                "SELECT id_high, id_low FROM ledger_transfer WHERE coop_id = $1",
            )
            .bind(coop.0)
            .fetch(pool);
            while let Some((high, low)) = rows.try_next().await? {
                each(id_from_columns(high, low));
            }
            Ok(())
        })
    }

    /// Drops everything of a co-op's index and its snapshots in one
    /// transaction, for the writer to write again from the journal.
    pub async fn drop_ledger_index(&self, coop: CoopId) -> Result<()> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            for table in [
                "ledger_transfer",
                "ledger_hold",
                "ledger_line",
                "ledger_line_mark",
                "ledger_snapshot",
            ] {
                sqlx::query(&format!("DELETE FROM {table} WHERE coop_id = $1"))
                    .bind(coop.0)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Up to `count` of a co-op's snapshots, the newest last.
    pub async fn ledger_snapshots(&self, coop: CoopId, count: i64) -> Result<Vec<(u64, String)>> {
        let rows: Vec<(i64, String)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT seq, state FROM ledger_snapshot WHERE coop_id = $1 ORDER BY seq DESC LIMIT $2",
            )
            .bind(coop.0)
            .bind(count)
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter()
            .rev()
            .map(|(seq, state)| Ok((to_u64(seq, "seq")?, state)))
            .collect()
    }

    /// Writes a snapshot outside a commit, with the ids since the last:
    /// when a co-op is let go of, or while its index is rebuilt. A
    /// snapshot at the same batch is kept.
    pub async fn add_ledger_snapshot(&self, coop: CoopId, snapshot: &SnapshotWrite) -> Result<()> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            insert_snapshot!(tx, coop, snapshot);
            tx.commit().await?;
            Ok(())
        })
    }
}
