//! The ledger's currencies, signed checkpoints and dues paid in cash. The
//! journal itself is in `ledger_journal.rs`, its index in
//! `ledger_index.rs`.

use coopkit_domain::{CoopId, Event, Happened, PersonId, Timestamp};
use coopkit_ledger::checkpoint::{Checkpoint, PublicKey, Signature};
use coopkit_ledger::policy::Policy;
use coopkit_ledger::{CurrencyCode, CurrencyRules, Hash};

pub use coopkit_ledger::{Currency, CurrencyKind};

use crate::error::Conflict;
use crate::events::compare_and_set;
use crate::ledger_journal::{to_i64, to_u64};
use crate::{on_pool, BeginWrite, Result, Store, StoreError};

/// The statement that adds `$currency` (a [`Currency`]) to co-op `$coop`,
/// its figures checked to fit the database's columns (returning
/// [`StoreError::Corrupt`] from the enclosing function if not).
macro_rules! insert_currency {
    ($coop:expr, $currency:expr) => {{
        let coop: coopkit_domain::CoopId = $coop;
        let currency: &$crate::Currency = $currency;
        let to_i64 = |value: u64, what: &str| {
            i64::try_from(value)
                .map_err(|_| $crate::StoreError::Corrupt(format!("{what} {value} exceeds i64")))
        };
        let limit = currency
            .default_debit_limit
            .map(|v| to_i64(v, "limit"))
            .transpose()?;
        let cap = currency
            .default_balance_cap
            .map(|v| to_i64(v, "cap"))
            .transpose()?;
        sqlx::query(
            "INSERT INTO ledger_currency (coop_id, code, name, kind, scale, default_debit_limit, \
             default_balance_cap, issuance_per_month, demurrage_bp, demurrage_threshold, \
             joining_grant) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(coop.0)
        .bind(currency.code.as_str())
        .bind(currency.name.clone())
        .bind(currency.kind.as_str())
        .bind(i16::from(currency.scale))
        .bind(limit)
        .bind(cap)
        .bind(to_i64(currency.policy.issuance_per_month, "issuance")?)
        .bind(i64::from(currency.policy.demurrage_bp))
        .bind(to_i64(currency.policy.demurrage_threshold, "threshold")?)
        .bind(to_i64(currency.policy.joining_grant, "joining grant")?)
    }};
}
pub(crate) use insert_currency;

impl Store {
    /// Defines a currency for a co-op. [`StoreError::Conflict`] on
    /// `currency` when the code is taken. `by` is `None` when the server
    /// defines it (the demo, a benchmark).
    pub async fn create_currency(
        &self,
        coop: CoopId,
        currency: &Currency,
        by: Option<PersonId>,
        now: Timestamp,
    ) -> Result<()> {
        let defined = Event::CurrencyDefined {
            coop,
            currency: currency.code.as_str().to_owned(),
        };
        let happened = [Happened::new(coop, by, now, defined)];
        on_pool!(self, |pool| {
            compare_and_set!(
                pool,
                insert_currency!(coop, currency),
                &happened,
                StoreError::conflict_as(Conflict::Currency)
            )
        })?;
        Ok(())
    }

    /// Changes a currency's default limits and monthly policy; `by` is
    /// `None` when a vote's result enacts them.
    pub async fn set_currency_rules(
        &self,
        coop: CoopId,
        code: &CurrencyCode,
        rules: &CurrencyRules,
        by: Option<PersonId>,
        now: Timestamp,
    ) -> Result<()> {
        let policy = &rules.policy;
        let limit = rules
            .default_debit_limit
            .map(|v| to_i64(v, "limit"))
            .transpose()?;
        let cap = rules
            .default_balance_cap
            .map(|v| to_i64(v, "cap"))
            .transpose()?;
        let issuance = to_i64(policy.issuance_per_month, "issuance")?;
        let threshold = to_i64(policy.demurrage_threshold, "threshold")?;
        let joining_grant = to_i64(policy.joining_grant, "joining grant")?;
        let changed = Event::CurrencyRulesChanged {
            coop,
            currency: code.as_str().to_owned(),
        };
        let happened = [Happened::new(coop, by, now, changed)];
        on_pool!(self, |pool| compare_and_set!(
            pool,
            sqlx::query(
                "UPDATE ledger_currency SET default_debit_limit = $1, default_balance_cap = $2, \
                 issuance_per_month = $3, demurrage_bp = $4, demurrage_threshold = $5, \
                 joining_grant = $6 WHERE coop_id = $7 AND code = $8",
            )
            .bind(limit)
            .bind(cap)
            .bind(issuance)
            .bind(i64::from(policy.demurrage_bp))
            .bind(threshold)
            .bind(joining_grant)
            .bind(coop.0)
            .bind(code.as_str()),
            &happened
        ))?;
        Ok(())
    }

    /// A co-op's currencies, by code.
    pub async fn currencies(&self, coop: CoopId) -> Result<Vec<Currency>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            code: String,
            name: String,
            kind: String,
            scale: i16,
            default_debit_limit: Option<i64>,
            default_balance_cap: Option<i64>,
            issuance_per_month: i64,
            demurrage_bp: i64,
            demurrage_threshold: i64,
            joining_grant: i64,
        }
        let rows: Vec<Row> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT code, name, kind, scale, default_debit_limit, default_balance_cap, \
                 issuance_per_month, demurrage_bp, demurrage_threshold, joining_grant \
                 FROM ledger_currency WHERE coop_id = $1 ORDER BY code",
            )
            .bind(coop.0)
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter()
            .map(
                |Row {
                     code,
                     name,
                     kind,
                     scale,
                     default_debit_limit: limit,
                     default_balance_cap: cap,
                     issuance_per_month: issuance,
                     demurrage_bp,
                     demurrage_threshold: threshold,
                     joining_grant,
                 }| {
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
                        policy: Policy {
                            issuance_per_month: to_u64(issuance, "issuance")?,
                            demurrage_bp: u16::try_from(demurrage_bp).map_err(|_| {
                                StoreError::corrupt(
                                    "ledger_currency.demurrage_bp",
                                    &demurrage_bp.to_string(),
                                )
                            })?,
                            demurrage_threshold: to_u64(threshold, "threshold")?,
                            joining_grant: to_u64(joining_grant, "joining grant")?,
                        },
                    })
                },
            )
            .collect()
    }
}

impl Store {
    /// Keeps a signed checkpoint. Signing the same batch with the same key
    /// again gives the same signature, so a repeat changes nothing.
    pub async fn add_checkpoint(
        &self,
        coop: CoopId,
        checkpoint: &Checkpoint,
        now: Timestamp,
    ) -> Result<()> {
        let seq = to_i64(checkpoint.seq, "seq")?;
        let signed = Event::CheckpointSigned {
            batch: checkpoint.seq,
        };
        let happened = [Happened::new(coop, None, now, signed)];
        on_pool!(self, |pool| {
            compare_and_set!(
            pool,
            sqlx::query(
                "INSERT INTO ledger_checkpoint (coop_id, seq, signed_for, hash, public_key, signature) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            )
            .bind(coop.0)
            .bind(seq)
            .bind(&checkpoint.coop)
            .bind(&checkpoint.hash.0[..])
            .bind(&checkpoint.public_key.0[..])
            .bind(&checkpoint.signature.0[..]),
            &happened
        )
        })?;
        Ok(())
    }

    /// A co-op's checkpoints, oldest batch first.
    pub async fn checkpoints(&self, coop: CoopId) -> Result<Vec<Checkpoint>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            seq: i64,
            signed_for: String,
            hash: Vec<u8>,
            public_key: Vec<u8>,
            signature: Vec<u8>,
        }
        let rows: Vec<Row> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT seq, signed_for, hash, public_key, signature FROM ledger_checkpoint \
                 WHERE coop_id = $1 ORDER BY seq, public_key",
            )
            .bind(coop.0)
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter()
            .map(|row| {
                let Row {
                    seq,
                    signed_for: coop,
                    hash,
                    public_key,
                    signature,
                } = row;
                let corrupt = |column: &str| {
                    StoreError::Corrupt(format!(
                        "ledger_checkpoint.{column} of batch {seq} has the wrong length"
                    ))
                };
                Ok(Checkpoint {
                    seq: to_u64(seq, "seq")?,
                    coop,
                    hash: Hash(hash.try_into().map_err(|_| corrupt("hash"))?),
                    public_key: PublicKey(
                        public_key.try_into().map_err(|_| corrupt("public_key"))?,
                    ),
                    signature: Signature(signature.try_into().map_err(|_| corrupt("signature"))?),
                })
            })
            .collect()
    }
}

impl Store {
    /// Records dues paid in cash; recording the same period twice keeps
    /// the first record.
    pub async fn record_cash_dues(
        &self,
        coop: CoopId,
        person: PersonId,
        period: &str,
        recorded_by: PersonId,
        now: Timestamp,
    ) -> Result<()> {
        let paid = Event::DuesPaidInCash {
            member: person,
            period: period.to_owned(),
        };
        let happened = [Happened::new(coop, Some(recorded_by), now, paid)];
        on_pool!(self, |pool| {
            compare_and_set!(
            pool,
            sqlx::query(
                "INSERT INTO dues_paid_in_cash (coop_id, person_id, period, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(coop.0)
            .bind(person.0)
            .bind(period)
            .bind(recorded_by.0)
            .bind(now.as_millis()),
            &happened
        )
        })?;
        Ok(())
    }

    /// Who paid a period's dues in cash.
    pub async fn cash_dues(&self, coop: CoopId, period: &str) -> Result<Vec<PersonId>> {
        let rows: Vec<(i64,)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT person_id FROM dues_paid_in_cash WHERE coop_id = $1 AND period = $2 ORDER BY person_id",
            )
            .bind(coop.0)
            .bind(period)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows.into_iter().map(|(id,)| PersonId(id)).collect())
    }
}
