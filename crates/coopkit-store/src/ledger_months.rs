//! How far each co-op's monthly schedule has come: the months whose
//! policies the server has applied (see `coopkit_ledger::schedule`).

use coopkit_domain::{CoopId, Event, Happened, Timestamp};

use crate::events::compare_and_set;
use crate::{on_pool, BeginWrite, Result, Store};

/// What applying a month did, as its event records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MonthApplied {
    pub transfers: u32,
    pub refused: u32,
}

impl Store {
    /// The last month (`YYYY-MM`) the schedule applied to the co-op.
    pub async fn last_applied_month(&self, coop: CoopId) -> Result<Option<String>> {
        let last: Option<String> = on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT MAX(period) FROM ledger_month WHERE coop_id = $1")
                .bind(coop.0)
                .fetch_one(pool)
                .await
        })?;
        Ok(last)
    }

    /// Records `period` as applied, with its event. A month another server
    /// recorded first is left as it was: `false`.
    pub async fn record_month_applied(
        &self,
        coop: CoopId,
        period: &str,
        done: MonthApplied,
        now: Timestamp,
    ) -> Result<bool> {
        let applied = Event::MonthApplied {
            coop,
            period: period.to_owned(),
            transfers: done.transfers,
            refused: done.refused,
        };
        let happened = [Happened::new(coop, None, now, applied)];
        on_pool!(self, |pool| compare_and_set!(
            pool,
            sqlx::query(
                "INSERT INTO ledger_month (coop_id, period, applied_at) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(coop.0)
            .bind(period)
            .bind(now.as_millis()),
            &happened
        ))
    }
}
