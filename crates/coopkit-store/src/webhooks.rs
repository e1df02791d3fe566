//! Webhooks: a co-op's endpoints, and the deliveries the fan-out queues
//! from the event log, in the transaction that moves its cursor past the
//! events, and that senders claim, try and record, as the mail outbox's
//! messages are (`mail.rs`).

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use coopkit_domain::webhook::{
    deliverable, Delivery, DeliveryListing, DeliveryState, DeliveryStatus, Endpoint, EndpointState,
    EndpointUrl, WebhookSecret,
};
use coopkit_domain::{
    CoopId, DeliveryId, Event, EventSeq, Happened, PersonId, Timestamp, WebhookId,
};

use crate::events::{claim_for, compare_and_set, record_events};
use crate::{on_pool, sql_words, BeginWrite, Result, Store, StoreError};

/// The event-log consumer whose cursor the fan-out moves.
const CONSUMER: &str = "webhooks";

const WEBHOOK_COLUMNS: &str = "id, coop_id, url, kinds, state, created_at";

#[derive(sqlx::FromRow)]
struct WebhookRow {
    id: i64,
    coop_id: i64,
    url: String,
    kinds: String,
    state: String,
    created_at: i64,
}

impl TryFrom<WebhookRow> for Endpoint {
    type Error = StoreError;
    fn try_from(row: WebhookRow) -> Result<Self> {
        Ok(Endpoint {
            id: WebhookId(row.id),
            coop: CoopId(row.coop_id),
            url: EndpointUrl::parse(&row.url)
                .map_err(|_| StoreError::corrupt("webhook.url", &row.url))?,
            kinds: row.kinds.split_whitespace().map(str::to_owned).collect(),
            state: EndpointState::parse(&row.state)
                .ok_or_else(|| StoreError::corrupt("webhook.state", &row.state))?,
            created_at: Timestamp(row.created_at),
        })
    }
}

const DELIVERY_COLUMNS: &str = "d.id, d.webhook_id, d.event_seq, d.state, d.attempts, \
     d.queued_at, d.due_at, d.answer, d.delivered_at";

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: i64,
    webhook_id: i64,
    event_seq: i64,
    state: String,
    attempts: i64,
    queued_at: i64,
    due_at: i64,
    answer: Option<String>,
    delivered_at: Option<i64>,
}

impl DeliveryRow {
    fn status(&self) -> Result<DeliveryStatus> {
        Ok(DeliveryStatus {
            state: DeliveryState::parse(&self.state)
                .ok_or_else(|| StoreError::corrupt("webhook_delivery.state", &self.state))?,
            attempts: u32::try_from(self.attempts).map_err(|_| {
                StoreError::corrupt("webhook_delivery.attempts", &self.attempts.to_string())
            })?,
            queued_at: Timestamp(self.queued_at),
            due_at: Timestamp(self.due_at),
            answer: self.answer.clone(),
        })
    }
}

fn secret_of(bytes: Vec<u8>) -> Result<WebhookSecret> {
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("webhook.secret is not 32 bytes".into()))?;
    Ok(WebhookSecret(bytes))
}

fn pending_states() -> String {
    sql_words(
        DeliveryState::ALL
            .into_iter()
            .filter(|s| s.is_pending())
            .map(DeliveryState::as_str),
    )
}

impl Store {
    /// Registers an endpoint of `coop` for `kinds`, recording
    /// `webhook.added`.
    pub async fn add_webhook(
        &self,
        coop: CoopId,
        url: &EndpointUrl,
        kinds: &[String],
        secret: &WebhookSecret,
        actor: PersonId,
        now: Timestamp,
    ) -> Result<Endpoint> {
        let row: WebhookRow = on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let row: WebhookRow = sqlx::query_as(&format!(
                "INSERT INTO webhook (coop_id, url, kinds, secret, state, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {WEBHOOK_COLUMNS}"
            ))
            .bind(coop.0)
            .bind(url.as_str())
            .bind(kinds.join(" "))
            .bind(&secret.0[..])
            .bind(EndpointState::Active.as_str())
            .bind(actor.0)
            .bind(now.as_millis())
            .fetch_one(&mut *tx)
            .await?;
            let event = Event::WebhookAdded {
                webhook: WebhookId(row.id),
            };
            record_events!(tx, &[Happened::new(coop, Some(actor), now, event)]);
            // Events logged before it, and not yet read by the fan-out,
            // are not sent to it.
            sqlx::query(
                "UPDATE webhook SET after_seq = (SELECT MAX(seq) FROM event) WHERE id = $1",
            )
            .bind(row.id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<_, StoreError>(row)
        })?;
        Endpoint::try_from(row)
    }

    /// A co-op's endpoints, oldest first.
    pub async fn webhooks(&self, coop: CoopId) -> Result<Vec<Endpoint>> {
        let sql = format!("SELECT {WEBHOOK_COLUMNS} FROM webhook WHERE coop_id = $1 ORDER BY id");
        let rows: Vec<WebhookRow> = on_pool!(self, |pool| {
            sqlx::query_as(&sql).bind(coop.0).fetch_all(pool).await
        })?;
        rows.into_iter().map(Endpoint::try_from).collect()
    }

    /// One of a co-op's endpoints.
    pub async fn webhook(&self, coop: CoopId, id: WebhookId) -> Result<Option<Endpoint>> {
        let sql = format!("SELECT {WEBHOOK_COLUMNS} FROM webhook WHERE coop_id = $1 AND id = $2");
        let row: Option<WebhookRow> = on_pool!(self, |pool| {
            sqlx::query_as(&sql)
                .bind(coop.0)
                .bind(id.0)
                .fetch_optional(pool)
                .await
        })?;
        row.map(Endpoint::try_from).transpose()
    }

    /// Moves an endpoint from `from` to `to` with its event, if it is
    /// still at `from`; returns whether it moved.
    pub async fn change_webhook(
        &self,
        coop: CoopId,
        id: WebhookId,
        (from, to): (EndpointState, EndpointState),
        event: Happened,
    ) -> Result<bool> {
        on_pool!(self, |pool| {
            compare_and_set!(
                pool,
                sqlx::query(
                    "UPDATE webhook SET state = $1 WHERE coop_id = $2 AND id = $3 AND state = $4"
                )
                .bind(to.as_str())
                .bind(coop.0)
                .bind(id.0)
                .bind(from.as_str()),
                &[event]
            )
        })
    }

    /// Removes an endpoint and its deliveries, recording
    /// `webhook.removed`; returns whether it was there.
    pub async fn remove_webhook(
        &self,
        coop: CoopId,
        id: WebhookId,
        event: Happened,
    ) -> Result<bool> {
        on_pool!(self, |pool| {
            compare_and_set!(
                pool,
                sqlx::query("DELETE FROM webhook WHERE coop_id = $1 AND id = $2")
                    .bind(coop.0)
                    .bind(id.0),
                &[event]
            )
        })
    }

    /// Reads the events since the last pass, at most `limit`, and queues
    /// a delivery of each to every endpoint of its co-op that takes its
    /// kind, in the transaction that moves the cursor past them. Returns
    /// how many events were read and deliveries queued.
    pub async fn queue_webhook_deliveries(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> Result<(usize, usize)> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let events = crate::events::logged(claim_for!(tx, CONSUMER, limit))?;
            // Each co-op's endpoints, read once a pass.
            let mut endpoints: HashMap<CoopId, Vec<(i64, i64, Vec<String>)>> = HashMap::new();
            let mut queued = 0;
            for logged in &events {
                let coop = logged.happened.coop;
                let kind = logged.happened.event.kind();
                if !deliverable(kind) {
                    continue;
                }
                if let Entry::Vacant(slot) = endpoints.entry(coop) {
                    let rows: Vec<(i64, i64, String)> = sqlx::query_as(
                        "SELECT id, after_seq, kinds FROM webhook WHERE coop_id = $1 ORDER BY id",
                    )
                    .bind(coop.0)
                    .fetch_all(&mut *tx)
                    .await?;
                    let rows = rows
                        .into_iter()
                        .map(|(id, after, kinds)| {
                            (
                                id,
                                after,
                                kinds.split_whitespace().map(str::to_owned).collect(),
                            )
                        })
                        .collect();
                    slot.insert(rows);
                }
                let takers = endpoints[&coop].iter().filter(|(_, after, kinds)| {
                    logged.seq.0 > *after && kinds.iter().any(|k| k == kind)
                });
                for (webhook, ..) in takers {
                    queued += sqlx::query(
                        "INSERT INTO webhook_delivery (webhook_id, event_seq, state, attempts, queued_at, due_at) \
                         VALUES ($1, $2, $3, 0, $4, $4) ON CONFLICT (webhook_id, event_seq) DO NOTHING",
                    )
                    .bind(webhook)
                    .bind(logged.seq.0)
                    .bind(DeliveryState::Queued.as_str())
                    .bind(now.as_millis())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected() as usize;
                }
            }
            tx.commit().await?;
            Ok::<_, StoreError>((events.len(), queued))
        })
    }

    /// Claims, until `now + lease_ms`, the next delivery of each active
    /// endpoint (its oldest pending one, so that each receives its events
    /// in order) that is due and not claimed by another sender; at most
    /// `limit`.
    pub async fn claim_webhook_deliveries(
        &self,
        now: Timestamp,
        lease_ms: i64,
        claim: &str,
        limit: u32,
    ) -> Result<Vec<Delivery>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            delivery: DeliveryRow,
            coop_id: i64,
            url: String,
            secret: Vec<u8>,
        }
        let pending = pending_states();
        let free = "(claimed_until IS NULL OR claimed_until < $3)";
        let claim_sql = format!(
            "UPDATE webhook_delivery SET claim = $1, claimed_until = $2 WHERE id IN ( \
               SELECT d.id FROM webhook_delivery d JOIN webhook w ON w.id = d.webhook_id \
               WHERE w.state = '{active}' AND d.state IN ({pending}) AND d.due_at <= $3 \
               AND (d.claimed_until IS NULL OR d.claimed_until < $3) \
               AND d.event_seq = (SELECT MIN(p.event_seq) FROM webhook_delivery p \
                                  WHERE p.webhook_id = d.webhook_id AND p.state IN ({pending})) \
               ORDER BY d.due_at, d.id LIMIT $4) \
             AND {free}",
            active = EndpointState::Active.as_str(),
        );
        let read_sql = format!(
            "SELECT {DELIVERY_COLUMNS}, w.coop_id, w.url, w.secret \
             FROM webhook_delivery d JOIN webhook w ON w.id = d.webhook_id \
             WHERE d.claim = $1 AND d.claimed_until = $2 ORDER BY d.due_at, d.id"
        );
        let until = now.as_millis().saturating_add(lease_ms);
        let rows: Vec<Row> = on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query(&claim_sql)
                .bind(claim)
                .bind(until)
                .bind(now.as_millis())
                .bind(i64::from(limit))
                .execute(&mut *tx)
                .await?;
            let rows = sqlx::query_as(&read_sql)
                .bind(claim)
                .bind(until)
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<_, StoreError>(rows)
        })?;
        rows.into_iter()
            .map(|row| {
                Ok(Delivery {
                    id: DeliveryId(row.delivery.id),
                    webhook: WebhookId(row.delivery.webhook_id),
                    coop: CoopId(row.coop_id),
                    url: EndpointUrl::parse(&row.url)
                        .map_err(|_| StoreError::corrupt("webhook.url", &row.url))?,
                    secret: secret_of(row.secret)?,
                    event: EventSeq(row.delivery.event_seq),
                    status: row.delivery.status()?,
                })
            })
            .collect()
    }

    /// Writes where a delivery stands after a try and lets go of the
    /// claim, only if `claim` still holds it and it is still as `before`
    /// says; a delivery that failed for good pauses its endpoint, with
    /// `paused` recorded. Returns whether it was written.
    pub async fn record_webhook_attempt(
        &self,
        delivery: &Delivery,
        claim: &str,
        after: &DeliveryStatus,
        paused: Option<Happened>,
        now: Timestamp,
    ) -> Result<bool> {
        let before = &delivery.status;
        let delivered_at = (after.state == DeliveryState::Delivered).then_some(now.as_millis());
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let written = sqlx::query(
                "UPDATE webhook_delivery SET state = $1, attempts = $2, due_at = $3, answer = $4, \
                 delivered_at = $5, claim = NULL, claimed_until = NULL \
                 WHERE id = $6 AND claim = $7 AND state = $8 AND attempts = $9",
            )
            .bind(after.state.as_str())
            .bind(i64::from(after.attempts))
            .bind(after.due_at.as_millis())
            .bind(after.answer.as_deref())
            .bind(delivered_at)
            .bind(delivery.id.0)
            .bind(claim)
            .bind(before.state.as_str())
            .bind(i64::from(before.attempts))
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if !written {
                return Ok::<_, StoreError>(false);
            }
            if let Some(paused) = paused {
                let moved =
                    sqlx::query("UPDATE webhook SET state = $1 WHERE id = $2 AND state = $3")
                        .bind(EndpointState::Paused.as_str())
                        .bind(delivery.webhook.0)
                        .bind(EndpointState::Active.as_str())
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                if moved == 1 {
                    record_events!(tx, &[paused]);
                }
            }
            tx.commit().await?;
            Ok(true)
        })
    }

    /// An endpoint's latest deliveries, newest first, at most `limit`.
    pub async fn webhook_deliveries(
        &self,
        coop: CoopId,
        webhook: WebhookId,
        limit: u32,
    ) -> Result<Vec<DeliveryListing>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            delivery: DeliveryRow,
            kind: String,
        }
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS}, e.kind FROM webhook_delivery d \
             JOIN webhook w ON w.id = d.webhook_id JOIN event e ON e.seq = d.event_seq \
             WHERE w.coop_id = $1 AND w.id = $2 ORDER BY d.event_seq DESC LIMIT $3"
        );
        let rows: Vec<Row> = on_pool!(self, |pool| {
            sqlx::query_as(&sql)
                .bind(coop.0)
                .bind(webhook.0)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await
        })?;
        rows.into_iter()
            .map(|row| {
                Ok(DeliveryListing {
                    id: DeliveryId(row.delivery.id),
                    event: EventSeq(row.delivery.event_seq),
                    kind: row.kind,
                    status: row.delivery.status()?,
                    delivered_at: row.delivery.delivered_at.map(Timestamp),
                })
            })
            .collect()
    }
}
