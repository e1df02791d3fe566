//! Messages by email: written here, in the recipient's language, from the
//! same translations as the pages ([`WebComposer`]), and sent by a worker
//! every server runs ([`deliver_periodically`]).

mod letters;

use std::time::Duration;

use coopkit_app::mail::Postman;
use coopkit_app::App;

pub use letters::WebComposer;

/// Queues messages for new events and sends what is due, every `every`,
/// for as long as the server runs. Without a postman (no `mail.smtp_url`)
/// messages are still queued, for the outbox page to show, and are given
/// up once they are days old.
pub async fn deliver_periodically(
    app: App,
    postman: Option<Postman>,
    composer: WebComposer,
    every: Duration,
) {
    if postman.is_none() {
        tracing::warn!("mail is off: set mail.smtp_url to send it");
    }
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match app.queue_notices().await {
            Ok(run) if run.queued > 0 => tracing::debug!(queued = run.queued, "mail queued"),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "queueing mail failed"),
        }
        let Some(postman) = &postman else {
            continue;
        };
        match app.send_due_mail(&composer, postman).await {
            Ok(report) if report != Default::default() => tracing::info!(
                sent = report.sent,
                deferred = report.deferred,
                failed = report.failed,
                skipped = report.skipped,
                "mail"
            ),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "sending mail failed"),
        }
    }
}
