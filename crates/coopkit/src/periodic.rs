//! What the server does on its own schedule, while it serves: forgetting
//! what has expired, each minute's steps of bookings, votes, months and
//! the directory, and delivering webhooks.

use std::time::Duration;

use coopkit_app::App;

/// Forgets expired sessions every hour, so the table does not grow
/// forever, and removes uploaded files no item names (an upload whose item
/// was never written), once they are an hour old.
pub async fn purge_expired(app: App) {
    let mut every_hour = tokio::time::interval(Duration::from_secs(60 * 60));
    loop {
        every_hour.tick().await;
        match app.purge_expired().await {
            Ok(count) => tracing::debug!(count, "expired sessions purged"),
            Err(error) => tracing::warn!(%error, "could not purge expired sessions"),
        }
        match app.purge_mail().await {
            Ok(0) => {}
            Ok(count) => tracing::debug!(count, "old mail forgotten"),
            Err(error) => tracing::warn!(%error, "could not forget old mail"),
        }
        match app.sweep_files(coopkit_app::catalogue::SWEEP_GRACE).await {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "unnamed files removed"),
            Err(error) => tracing::warn!(%error, "could not sweep unnamed files"),
        }
    }
}

/// Settles bookings whose time passed undisputed, and finishes any
/// booking's ledger step a crash cut short; opens and closes votes;
/// applies each co-op's month (issuance, demurrage, dues) once it begins;
/// lists newly hosted co-ops in the directory; every hour, also offers
/// open requests to providers (the scheduled matching run).
pub async fn tick_every_minute(app: App, base: String) {
    let mut every_minute = tokio::time::interval(Duration::from_secs(60));
    let mut minutes = 0u32;
    loop {
        every_minute.tick().await;
        if minutes.is_multiple_of(60) {
            match app.match_all_coops().await {
                Ok(0) => {}
                Ok(offers) => tracing::info!(offers, "scheduled matching run"),
                Err(error) => tracing::warn!(%error, "scheduled matching run failed"),
            }
        }
        minutes = minutes.wrapping_add(1);
        match app.market_tick().await {
            Ok(report) if report != Default::default() => {
                tracing::info!(
                    completed = report.completed,
                    repaired = report.repaired,
                    "market tick"
                )
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "market tick failed"),
        }
        // Opens and closes votes on time even when nobody looks.
        if let Err(error) = app.governance_tick().await {
            tracing::warn!(%error, "governance tick failed");
        }
        // Each co-op's month, once it has begun in the co-op's zone.
        match app.monthly_tick().await {
            // Each month applied is logged where it is applied.
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "monthly tick failed"),
        }
        // A co-op founded since puts itself in the directory.
        match app.sync_hosted_coops(&base).await {
            Ok(Some(report)) => tracing::info!(coops = report.rows_read, "hosted co-ops listed"),
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "listing the hosted co-ops failed"),
        }
    }
}

/// Queues webhook deliveries for new events and posts what is due, every
/// `every`, for as long as the server runs (`coopkit_app::webhooks`).
pub async fn deliver_webhooks(app: App, every: Duration) {
    let http = match coopkit_app::webhooks::client() {
        Ok(http) => http,
        Err(error) => {
            tracing::error!(%error, "webhooks are off");
            return;
        }
    };
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match app.queue_webhook_deliveries().await {
            Ok(0) => {}
            Ok(queued) => tracing::debug!(queued, "webhook deliveries queued"),
            Err(error) => tracing::warn!(%error, "queueing webhook deliveries failed"),
        }
        match app.send_due_webhooks(&http).await {
            Ok(run) if run != Default::default() => {
                tracing::info!(delivered = run.delivered, refused = run.refused, "webhooks")
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "sending webhooks failed"),
        }
    }
}
