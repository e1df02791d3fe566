//! Forecasts of token-rule changes, and the proposals they are attached to.

use coopkit_domain::{CoopId, Event, ForecastId, Happened, PersonId, Timestamp};
use coopkit_governance::{Enactment, Forecast, NewForecast};

use crate::events::{compare_and_set, record_events};
use crate::{on_pool, BeginWrite, ProposalId, Result, Store, StoreError};

#[derive(sqlx::FromRow)]
struct ForecastRow {
    id: i64,
    coop_id: i64,
    currency: String,
    params: String,
    result: String,
    proposal_id: Option<i64>,
    outcome: Option<String>,
    created_by: i64,
    created_at: i64,
}

const COLUMNS: &str =
    "id, coop_id, currency, params, result, proposal_id, outcome, created_by, created_at";

fn forecast_from(row: ForecastRow) -> Result<Forecast> {
    let outcome = row
        .outcome
        .map(|o| {
            Enactment::parse(&o).ok_or_else(|| StoreError::corrupt("policy_forecast.outcome", &o))
        })
        .transpose()?;
    Ok(Forecast {
        id: ForecastId(row.id),
        forecast: NewForecast {
            coop: CoopId(row.coop_id),
            currency: row.currency,
            params: row.params,
            result: row.result,
            created_by: PersonId(row.created_by),
        },
        proposal: row.proposal_id.map(ProposalId),
        outcome,
        created_at: Timestamp(row.created_at),
    })
}

impl Store {
    pub async fn create_forecast(&self, new: &NewForecast, now: Timestamp) -> Result<ForecastId> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let id = ForecastId(
                sqlx::query_scalar(
                    "INSERT INTO policy_forecast (coop_id, currency, params, result, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(new.coop.0)
                .bind(&new.currency)
                .bind(&new.params)
                .bind(&new.result)
                .bind(new.created_by.0)
                .bind(now.as_millis())
                .fetch_one(&mut *tx)
                .await?,
            );
            let made = Event::ForecastMade { forecast: id };
            record_events!(
                tx,
                &[Happened::new(new.coop, Some(new.created_by), now, made)]
            );
            tx.commit().await?;
            Ok(id)
        })
    }

    /// One of a co-op's forecasts; `None` for another co-op's.
    pub async fn forecast(&self, coop: CoopId, id: ForecastId) -> Result<Option<Forecast>> {
        let row: Option<ForecastRow> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM policy_forecast WHERE coop_id = $1 AND id = $2"
            ))
            .bind(coop.0)
            .bind(id.0)
            .fetch_optional(pool)
            .await
        })?;
        row.map(forecast_from).transpose()
    }

    /// The forecasts attached to a proposal, oldest first.
    pub async fn forecasts_of_proposal(
        &self,
        coop: CoopId,
        proposal: ProposalId,
    ) -> Result<Vec<Forecast>> {
        let rows: Vec<ForecastRow> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM policy_forecast WHERE coop_id = $1 AND proposal_id = $2 ORDER BY id"
            ))
            .bind(coop.0)
            .bind(proposal.0)
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter().map(forecast_from).collect()
    }

    /// Attaches a forecast to a proposal of the same co-op. `false` when
    /// it is attached already (to this proposal or another).
    pub async fn attach_forecast(
        &self,
        coop: CoopId,
        id: ForecastId,
        proposal: ProposalId,
        by: PersonId,
        now: Timestamp,
    ) -> Result<bool> {
        let attached = Event::ForecastAttached {
            forecast: id,
            proposal,
        };
        let happened = [Happened::new(coop, Some(by), now, attached)];
        on_pool!(self, |pool| {
            compare_and_set!(
            pool,
            sqlx::query(
                "UPDATE policy_forecast SET proposal_id = $1 WHERE coop_id = $2 AND id = $3 \
                 AND proposal_id IS NULL \
                 AND EXISTS (SELECT 1 FROM governance_proposal p WHERE p.id = $1 AND p.coop_id = $2)",
            )
            .bind(proposal.0)
            .bind(coop.0)
            .bind(id.0),
            &happened
        )
        })
    }

    /// Records what the vote decided, once: `false` when it was recorded
    /// already.
    pub async fn settle_forecast(
        &self,
        coop: CoopId,
        id: ForecastId,
        outcome: Enactment,
        now: Timestamp,
    ) -> Result<bool> {
        let settled = Event::ForecastSettled { forecast: id };
        let happened = [Happened::new(coop, None, now, settled)];
        on_pool!(self, |pool| {
            compare_and_set!(
            pool,
            sqlx::query(
                "UPDATE policy_forecast SET outcome = $1 WHERE coop_id = $2 AND id = $3 AND outcome IS NULL",
            )
            .bind(outcome.as_str())
            .bind(coop.0)
            .bind(id.0),
            &happened
        )
        })
    }
}
