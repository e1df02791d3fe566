//! Fiscal year closes: the bylaws' patronage rules, each year's
//! allocation and its lines, and the patronage the bookings record.

use coopkit_domain::{AllocationId, CoopId, Event, Happened, PersonId, ProposalId, Timestamp};
use coopkit_market::{BookingState, OrderState};
use coopkit_patronage::records::{
    AllocationLine, AllocationRecord, BookedPatronage, NewAllocation,
};
use coopkit_patronage::state::{self, AllocationState};

use crate::events::{compare_and_set, record_events};
use crate::{on_pool, BeginWrite, Result, Store, StoreError};

#[derive(sqlx::FromRow)]
struct AllocationRow {
    id: i64,
    coop_id: i64,
    year: String,
    period_start: i64,
    period_end: i64,
    net: i64,
    currency: String,
    capital_currency: String,
    rules: String,
    result: String,
    state: String,
    proposal_id: Option<i64>,
    created_by: i64,
    created_at: i64,
}

const ALLOCATION_COLUMNS: &str = "id, coop_id, year, period_start, period_end, net, currency, \
    capital_currency, rules, result, state, proposal_id, created_by, created_at";

impl TryFrom<AllocationRow> for AllocationRecord {
    type Error = StoreError;

    fn try_from(row: AllocationRow) -> Result<Self> {
        Ok(AllocationRecord {
            id: AllocationId(row.id),
            allocation: NewAllocation {
                coop: CoopId(row.coop_id),
                year: row.year,
                period_start: Timestamp(row.period_start),
                period_end: Timestamp(row.period_end),
                net: row.net,
                currency: row.currency,
                capital_currency: row.capital_currency,
                rules: row.rules,
                result: row.result,
                created_by: PersonId(row.created_by),
            },
            state: AllocationState::parse(&row.state)
                .ok_or_else(|| StoreError::corrupt("patronage_allocation.state", &row.state))?,
            proposal: row.proposal_id.map(ProposalId),
            created_at: Timestamp(row.created_at),
        })
    }
}

#[derive(sqlx::FromRow)]
struct LineRow {
    person_id: i64,
    class_key: String,
    patronage: i64,
    share_ppm: i64,
    amount: i64,
    cash: i64,
    retained: i64,
}

fn line_from(row: LineRow) -> Result<AllocationLine> {
    let unsigned = |what: &'static str, n: i64| {
        u64::try_from(n).map_err(|_| StoreError::corrupt(what, &n.to_string()))
    };
    Ok(AllocationLine {
        person: PersonId(row.person_id),
        class_key: row.class_key,
        patronage: unsigned("patronage_line.patronage", row.patronage)?,
        share_ppm: unsigned("patronage_line.share_ppm", row.share_ppm)?,
        amount: unsigned("patronage_line.amount", row.amount)?,
        cash: unsigned("patronage_line.cash", row.cash)?,
        retained: unsigned("patronage_line.retained", row.retained)?,
    })
}

fn signed(what: &str, n: u64) -> Result<i64> {
    i64::try_from(n).map_err(|_| StoreError::Corrupt(format!("{what} {n} exceeds i64")))
}

/// One member's work, sales and purchases in a period, summed.
#[derive(sqlx::FromRow)]
struct PatronageRow {
    person: i64,
    minutes: i64,
    sales: i64,
    purchases: i64,
}

impl Store {
    /// Each member's work, sales and purchases in `[from, to)`, by person:
    /// from the bookings settled, and the catalogue's orders paid (a
    /// creator's sale is the order's amount times their share, rounded
    /// down; the buyer's purchase the whole amount).
    pub async fn booked_patronage(
        &self,
        coop: CoopId,
        from: Timestamp,
        to: Timestamp,
        currency: &str,
    ) -> Result<Vec<BookedPatronage>> {
        let rows: Vec<PatronageRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT person, CAST(SUM(minutes) AS BIGINT) AS minutes, \
                        CAST(SUM(sales) AS BIGINT) AS sales, \
                        CAST(SUM(purchases) AS BIGINT) AS purchases FROM ( \
                   SELECT provider_id AS person, (ends_at - starts_at) / 60000 AS minutes, \
                          CASE WHEN currency = $4 THEN amount ELSE 0 END AS sales, 0 AS purchases \
                   FROM booking WHERE coop_id = $1 AND state = $5 AND ends_at >= $2 AND ends_at < $3 \
                   UNION ALL \
                   SELECT requester_id, 0, 0, CASE WHEN currency = $4 THEN amount ELSE 0 END \
                   FROM booking WHERE coop_id = $1 AND state = $5 AND ends_at >= $2 AND ends_at < $3 \
                   UNION ALL \
                   SELECT c.person_id, 0, o.amount * c.share_bp / 10000, 0 \
                   FROM catalogue_order o JOIN catalogue_creator c ON c.item_id = o.item_id \
                   JOIN catalogue_settings s ON s.coop_id = o.coop_id \
                   WHERE o.coop_id = $1 AND o.state = $6 AND o.created_at >= $2 \
                     AND o.created_at < $3 AND s.currency = $4 \
                   UNION ALL \
                   SELECT o.buyer_id, 0, 0, o.amount \
                   FROM catalogue_order o JOIN catalogue_settings s ON s.coop_id = o.coop_id \
                   WHERE o.coop_id = $1 AND o.state = $6 AND o.created_at >= $2 \
                     AND o.created_at < $3 AND s.currency = $4 \
                 ) AS done GROUP BY person ORDER BY person",
            )
            .bind(coop.0)
            .bind(from.as_millis())
            .bind(to.as_millis())
            .bind(currency)
            .bind(BookingState::Settled.as_str())
            .bind(OrderState::Paid.as_str())
            .fetch_all(pool)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|row| BookedPatronage {
                person: PersonId(row.person),
                minutes: u64::try_from(row.minutes).unwrap_or(0),
                sales: u64::try_from(row.sales).unwrap_or(0),
                purchases: u64::try_from(row.purchases).unwrap_or(0),
            })
            .collect())
    }

    /// Records a year's allocation and its lines together. `None` if the
    /// co-op already has one for that year.
    pub async fn create_allocation(
        &self,
        new: &NewAllocation,
        lines: &[AllocationLine],
        now: Timestamp,
    ) -> Result<Option<AllocationId>> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let exists: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM patronage_allocation WHERE coop_id = $1 AND year = $2",
            )
            .bind(new.coop.0)
            .bind(&new.year)
            .fetch_optional(&mut *tx)
            .await?;
            if exists.is_some() {
                return Ok(None);
            }
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO patronage_allocation (coop_id, year, period_start, period_end, net, currency, \
                 capital_currency, rules, result, state, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $12, $10, $11) RETURNING id",
            )
            .bind(new.coop.0)
            .bind(&new.year)
            .bind(new.period_start.as_millis())
            .bind(new.period_end.as_millis())
            .bind(new.net)
            .bind(&new.currency)
            .bind(&new.capital_currency)
            .bind(&new.rules)
            .bind(&new.result)
            .bind(new.created_by.0)
            .bind(now.as_millis())
            .bind(AllocationState::Proposed.as_str())
            .fetch_one(&mut *tx)
            .await?;
            for line in lines {
                sqlx::query(
                    "INSERT INTO patronage_line (allocation_id, person_id, class_key, patronage, share_ppm, \
                     amount, cash, retained) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(id)
                .bind(line.person.0)
                .bind(&line.class_key)
                .bind(signed("patronage", line.patronage)?)
                .bind(signed("share", line.share_ppm)?)
                .bind(signed("amount", line.amount)?)
                .bind(signed("cash", line.cash)?)
                .bind(signed("retained", line.retained)?)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(Some(AllocationId(id)))
        })
    }

    /// Puts an allocation to the members' vote on `proposal`, recording
    /// that it is proposed.
    pub async fn link_allocation_proposal(
        &self,
        coop: CoopId,
        id: AllocationId,
        proposal: ProposalId,
        by: PersonId,
        now: Timestamp,
    ) -> Result<()> {
        let event = Event::AllocationProposed {
            allocation: id,
            proposal,
        };
        let happened = [Happened::new(coop, Some(by), now, event)];
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "UPDATE patronage_allocation SET proposal_id = $1 WHERE id = $2 AND coop_id = $3",
            )
            .bind(proposal.0)
            .bind(id.0)
            .bind(coop.0)
            .execute(&mut *tx)
            .await?;
            record_events!(tx, &happened);
            tx.commit().await?;
            Ok(())
        })
    }

    /// Settles a proposed allocation after its vote: posted or rejected,
    /// with its event (the clock's step, so no actor). `false` if it was
    /// no longer proposed (another server settled it first).
    pub async fn settle_allocation(
        &self,
        record: &AllocationRecord,
        passed: bool,
        now: Timestamp,
    ) -> Result<bool> {
        let Some(after) = state::settle(record.state, passed) else {
            return Ok(false);
        };
        let event = state::event(record.id, after);
        let happened = Happened::each(record.allocation.coop, None, now, event);
        on_pool!(self, |pool| compare_and_set!(
            pool,
            sqlx::query("UPDATE patronage_allocation SET state = $1 WHERE id = $2 AND state = $3",)
                .bind(after.as_str())
                .bind(record.id.0)
                .bind(record.state.as_str()),
            &happened
        ))
    }

    /// The co-op's allocations, latest year first.
    pub async fn allocations(&self, coop: CoopId) -> Result<Vec<AllocationRecord>> {
        let rows: Vec<AllocationRow> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                "SELECT {ALLOCATION_COLUMNS} FROM patronage_allocation WHERE coop_id = $1 \
                 ORDER BY period_end DESC, id DESC"
            ))
            .bind(coop.0)
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter().map(AllocationRecord::try_from).collect()
    }

    pub async fn allocation(
        &self,
        coop: CoopId,
        id: AllocationId,
    ) -> Result<Option<AllocationRecord>> {
        let row: Option<AllocationRow> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                "SELECT {ALLOCATION_COLUMNS} FROM patronage_allocation WHERE id = $1 AND coop_id = $2"
            ))
            .bind(id.0)
            .bind(coop.0)
            .fetch_optional(pool)
            .await
        })?;
        row.map(AllocationRecord::try_from).transpose()
    }

    pub async fn allocation_lines(&self, id: AllocationId) -> Result<Vec<AllocationLine>> {
        let rows: Vec<LineRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT person_id, class_key, patronage, share_ppm, amount, cash, retained \
                 FROM patronage_line WHERE allocation_id = $1 ORDER BY class_key, person_id",
            )
            .bind(id.0)
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter().map(line_from).collect()
    }
}
