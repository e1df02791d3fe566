//! Payment requests: a member asking to be paid a fixed amount, shown as a
//! QR code. The store keeps what was asked; whether it was paid is the
//! ledger's to say (the payment's transfer id is the request's id).

use coopkit_domain::{CoopId, Event, Happened, PaymentRequestId, PersonId, Timestamp};
use coopkit_ledger::request::PaymentRequest;
use coopkit_ledger::{CurrencyCode, TransferId};

use crate::error::Conflict;
use crate::events::compare_and_set;
use crate::{on_pool, BeginWrite, Result, Store, StoreError};

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    coop_id: i64,
    payee_id: i64,
    currency: String,
    amount: i64,
    memo: String,
    created_at: i64,
}

const COLUMNS: &str = "id, coop_id, payee_id, currency, amount, memo, created_at";

/// Ids are stored as 32 hex digits: SQL has no 128-bit integer.
fn id_text(id: TransferId) -> String {
    format!("{:032x}", id.0)
}

fn from_row(row: Row) -> Result<PaymentRequest> {
    Ok(PaymentRequest {
        id: TransferId(
            u128::from_str_radix(&row.id, 16)
                .map_err(|_| StoreError::corrupt("payment_request.id", &row.id))?,
        ),
        coop: CoopId(row.coop_id),
        payee: PersonId(row.payee_id),
        currency: CurrencyCode::parse(&row.currency)
            .map_err(|_| StoreError::corrupt("payment_request.currency", &row.currency))?,
        amount: u64::try_from(row.amount)
            .map_err(|_| StoreError::corrupt("payment_request.amount", &row.amount.to_string()))?,
        memo: row.memo,
        created_at: Timestamp(row.created_at),
    })
}

impl Store {
    pub async fn create_payment_request(&self, request: &PaymentRequest) -> Result<()> {
        let amount = i64::try_from(request.amount)
            .map_err(|_| StoreError::Corrupt(format!("amount {} exceeds i64", request.amount)))?;
        let requested = Event::PaymentRequested {
            request: PaymentRequestId(request.id.0),
            amount: request.amount,
        };
        let happened = [Happened::new(
            request.coop,
            Some(request.payee),
            request.created_at,
            requested,
        )];
        on_pool!(self, |pool| {
            compare_and_set!(
            pool,
            sqlx::query(
                "INSERT INTO payment_request (id, coop_id, payee_id, currency, amount, memo, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id_text(request.id))
            .bind(request.coop.0)
            .bind(request.payee.0)
            .bind(request.currency.as_str())
            .bind(amount)
            .bind(&request.memo)
            .bind(request.created_at.as_millis()),
            &happened,
            StoreError::conflict_as(Conflict::PaymentRequest)
        )
        })?;
        Ok(())
    }

    /// A request of this co-op; `None` for another co-op's.
    pub async fn payment_request(
        &self,
        coop: CoopId,
        id: TransferId,
    ) -> Result<Option<PaymentRequest>> {
        let row: Option<Row> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM payment_request WHERE id = $1 AND coop_id = $2"
            ))
            .bind(id_text(id))
            .bind(coop.0)
            .fetch_optional(pool)
            .await
        })?;
        row.map(from_row).transpose()
    }

    /// A member's most recent requests in a co-op, newest first.
    pub async fn payment_requests_of(
        &self,
        coop: CoopId,
        payee: PersonId,
        limit: u32,
    ) -> Result<Vec<PaymentRequest>> {
        let rows: Vec<Row> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM payment_request WHERE coop_id = $1 AND payee_id = $2 \
                 ORDER BY created_at DESC, id LIMIT $3"
            ))
            .bind(coop.0)
            .bind(payee.0)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter().map(from_row).collect()
    }
}
