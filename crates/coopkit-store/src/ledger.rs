//! The ledger's journal and statements. The store never decides whether a
//! transfer is allowed (the ledger does, in memory); it keeps what was
//! decided, durably, and hands it back.

use coopkit_domain::{CoopId, Timestamp};
use coopkit_ledger::journal::BatchRecord;
use coopkit_ledger::ledger::TransferRecord;
use coopkit_ledger::{AccountId, CurrencyCode, Hash, TransferId, TransferKind};

use crate::{on_pool, BeginWrite, Result, Store, StoreError};

/// A currency as a co-op defines it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Currency {
    pub code: CurrencyCode,
    pub name: String,
    /// `time`, `money` or `community`.
    pub kind: CurrencyKind,
    /// Decimal places of the minor unit: 2 for pence, 0 for whole tokens.
    pub scale: u8,
    /// `None`: unlimited.
    pub default_debit_limit: Option<u64>,
    pub default_balance_cap: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CurrencyKind {
    Time,
    Money,
    Community,
}

impl CurrencyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CurrencyKind::Time => "time",
            CurrencyKind::Money => "money",
            CurrencyKind::Community => "community",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        match raw {
            "time" => Ok(CurrencyKind::Time),
            "money" => Ok(CurrencyKind::Money),
            "community" => Ok(CurrencyKind::Community),
            _ => Err("currency-kind-unknown"),
        }
    }
}

/// One committed batch of one co-op, with the transfers it made.
#[derive(Debug)]
pub struct LedgerAppend<'a> {
    pub coop: CoopId,
    pub record: &'a BatchRecord,
    pub transfers: Vec<&'a TransferRecord>,
}

/// A line of an account's statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementLine {
    pub id: TransferId,
    pub seq: u64,
    pub at: Timestamp,
    pub kind: String,
    pub debit: AccountId,
    pub credit: AccountId,
    pub amount: u64,
    pub memo: String,
    pub cause: String,
}

/// Rows per multi-row INSERT: well under SQLite's 32,766 and PostgreSQL's
/// 65,535 bound parameters at ten columns a row.
const TRANSFER_ROWS_PER_STATEMENT: usize = 1000;

fn kind_name(kind: &TransferKind) -> &'static str {
    match kind {
        TransferKind::Move { .. } => "move",
        TransferKind::Hold { .. } => "hold",
        TransferKind::Post { .. } => "post",
        TransferKind::Void { .. } => "void",
    }
}

fn to_i64(value: u64, what: &str) -> Result<i64> {
    i64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what} {value} exceeds i64")))
}

fn to_u64(value: i64, what: &str) -> Result<u64> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what} {value} is negative")))
}

impl Store {
    /// Defines a currency for a co-op. [`StoreError::Conflict`] on
    /// `currency` when the code is taken.
    pub async fn create_currency(&self, coop: CoopId, currency: &Currency) -> Result<()> {
        let limit = currency
            .default_debit_limit
            .map(|v| to_i64(v, "limit"))
            .transpose()?;
        let cap = currency
            .default_balance_cap
            .map(|v| to_i64(v, "cap"))
            .transpose()?;
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO ledger_currency (coop_id, code, name, kind, scale, default_debit_limit, default_balance_cap) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(coop.0)
            .bind(currency.code.as_str())
            .bind(&currency.name)
            .bind(currency.kind.as_str())
            .bind(i16::from(currency.scale))
            .bind(limit)
            .bind(cap)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })
        .map_err(StoreError::conflict_as("currency"))?;
        Ok(())
    }

    /// A co-op's currencies, by code.
    pub async fn currencies(&self, coop: CoopId) -> Result<Vec<Currency>> {
        type Row = (String, String, String, i16, Option<i64>, Option<i64>);
        let rows: Vec<Row> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT code, name, kind, scale, default_debit_limit, default_balance_cap \
                 FROM ledger_currency WHERE coop_id = $1 ORDER BY code",
            )
            .bind(coop.0)
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter()
            .map(|(code, name, kind, scale, limit, cap)| {
                Ok(Currency {
                    code: CurrencyCode::parse(&code)
                        .map_err(|_| StoreError::corrupt("ledger_currency.code", &code))?,
                    name,
                    kind: CurrencyKind::parse(&kind)
                        .map_err(|_| StoreError::corrupt("ledger_currency.kind", &kind))?,
                    scale: u8::try_from(scale).map_err(|_| {
                        StoreError::corrupt("ledger_currency.scale", &scale.to_string())
                    })?,
                    default_debit_limit: limit.map(|v| to_u64(v, "limit")).transpose()?,
                    default_balance_cap: cap.map(|v| to_u64(v, "cap")).transpose()?,
                })
            })
            .collect()
    }

    /// Appends committed batches, of one or several co-ops, in one
    /// transaction: when this returns, every batch is durable, and if it
    /// fails, none is written.
    pub async fn append_ledger_batches(&self, appends: &[LedgerAppend<'_>]) -> Result<()> {
        if appends.is_empty() {
            return Ok(());
        }
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            for append in appends {
                let record = append.record;
                let events = serde_json::to_string(&record.events)
                    .map_err(|e| StoreError::Corrupt(format!("journal events: {e}")))?;
                sqlx::query(
                    "INSERT INTO ledger_batch (coop_id, seq, at, prev_hash, hash, events) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(append.coop.0)
                .bind(to_i64(record.seq, "seq")?)
                .bind(record.timestamp.as_millis())
                .bind(&record.prev_hash.0[..])
                .bind(&record.hash.0[..])
                .bind(events)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::conflict_as("ledger batch"))?;
                for chunk in append.transfers.chunks(TRANSFER_ROWS_PER_STATEMENT) {
                    let mut insert = sqlx::QueryBuilder::new(
                        "INSERT INTO ledger_transfer (coop_id, id, seq, at, kind, debit, credit, amount, memo, cause) ",
                    );
                    let mut bad_amount = None;
                    insert.push_values(chunk, |mut row, t| {
                        let amount = i64::try_from(t.amount).unwrap_or_else(|_| {
                            bad_amount = Some(t.amount);
                            0
                        });
                        row.push_bind(append.coop.0)
                            .push_bind(t.transfer.id.to_string())
                            .push_bind(record.seq as i64)
                            .push_bind(t.timestamp.as_millis())
                            .push_bind(kind_name(&t.transfer.kind))
                            .push_bind(t.debit.0 as i64)
                            .push_bind(t.credit.0 as i64)
                            .push_bind(amount)
                            .push_bind(t.transfer.memo.clone())
                            .push_bind(t.transfer.cause.clone());
                    });
                    if let Some(amount) = bad_amount {
                        return Err(StoreError::Corrupt(format!(
                            "transfer amount {amount} exceeds i64"
                        )));
                    }
                    insert.build().execute(&mut *tx).await?;
                }
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// A co-op's journal, in order.
    pub async fn ledger_journal(&self, coop: CoopId) -> Result<Vec<BatchRecord>> {
        type Row = (i64, i64, Vec<u8>, Vec<u8>, String);
        let rows: Vec<Row> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT seq, at, prev_hash, hash, events FROM ledger_batch WHERE coop_id = $1 ORDER BY seq",
            )
            .bind(coop.0)
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter()
            .map(|(seq, at, prev_hash, hash, events)| {
                let hash_of = |bytes: Vec<u8>, column: &str| -> Result<Hash> {
                    let bytes: [u8; 32] = bytes.try_into().map_err(|_| {
                        StoreError::Corrupt(format!(
                            "ledger_batch.{column} of batch {seq} is not 32 bytes"
                        ))
                    })?;
                    Ok(Hash(bytes))
                };
                Ok(BatchRecord {
                    seq: to_u64(seq, "seq")?,
                    timestamp: Timestamp(at),
                    events: serde_json::from_str(&events).map_err(|e| {
                        StoreError::Corrupt(format!("ledger_batch.events of batch {seq}: {e}"))
                    })?,
                    prev_hash: hash_of(prev_hash, "prev_hash")?,
                    hash: hash_of(hash, "hash")?,
                })
            })
            .collect()
    }

    /// An account's statement, newest first: up to `limit` transfers
    /// strictly after the cursor `before` (a line's batch sequence number
    /// and transfer id) in that order, or from the newest when `None`.
    pub async fn account_statement(
        &self,
        coop: CoopId,
        account: AccountId,
        before: Option<(u64, TransferId)>,
        limit: u32,
    ) -> Result<Vec<StatementLine>> {
        type Row = (String, i64, i64, String, i64, i64, i64, String, String);
        let account = to_i64(account.0, "account")?;
        let (before_seq, before_id) = match before {
            Some((seq, id)) => (to_i64(seq, "seq")?, id.to_string()),
            None => (i64::MAX, String::new()),
        };
        let rows: Vec<Row> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT id, seq, at, kind, debit, credit, amount, memo, cause FROM ledger_transfer \
                 WHERE coop_id = $1 AND (debit = $2 OR credit = $2) \
                   AND (seq < $3 OR (seq = $3 AND id < $4)) \
                 ORDER BY seq DESC, id DESC LIMIT $5",
            )
            .bind(coop.0)
            .bind(account)
            .bind(before_seq)
            .bind(before_id)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter()
            .map(|(id, seq, at, kind, debit, credit, amount, memo, cause)| {
                Ok(StatementLine {
                    id: TransferId(
                        id.parse()
                            .map_err(|_| StoreError::corrupt("ledger_transfer.id", &id))?,
                    ),
                    seq: to_u64(seq, "seq")?,
                    at: Timestamp(at),
                    kind,
                    debit: AccountId(to_u64(debit, "debit")?),
                    credit: AccountId(to_u64(credit, "credit")?),
                    amount: to_u64(amount, "amount")?,
                    memo,
                    cause,
                })
            })
            .collect()
    }
}
