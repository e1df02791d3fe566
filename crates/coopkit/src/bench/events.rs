//! `coopkit bench events`: what the event log costs a change of state.
//! Every transition writes its event in its own transaction, numbered
//! under the one-row `event_sequence` lock, so event-writing transactions
//! commit one at a time: this measures how many a second that allows,
//! from several clients at once, and how fast a consumer's cursor reads
//! them back.

use std::time::Instant;

use coopkit_domain::{Clock, MembershipStatus, SystemClock};
use serde::Serialize;

use super::{bench_coop, open_store};

#[derive(Debug, clap::Args)]
pub struct EventsBench {
    /// Changes of state to write, each with its event.
    #[arg(long, default_value_t = 20_000)]
    changes: u64,
    /// Concurrent clients writing.
    #[arg(long, default_value_t = 8)]
    clients: u64,
    /// Events a consumer claims at a time when reading them back.
    #[arg(long, default_value_t = 1000)]
    claim: u32,
    /// Benchmark PostgreSQL at this URL (a scratch database) instead of a
    /// temporary SQLite file.
    #[arg(long)]
    database_url: Option<String>,
    /// Print one JSON object instead of a sentence.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    backend: &'static str,
    changes: u64,
    clients: u64,
    seconds: f64,
    changes_per_s: f64,
    events_read: u64,
    read_seconds: f64,
    events_read_per_s: f64,
}

pub async fn run(args: EventsBench) -> anyhow::Result<String> {
    anyhow::ensure!(
        args.changes >= 1 && args.clients >= 1 && args.claim >= 1,
        "--changes, --clients and --claim must be at least 1"
    );
    let (store, _scratch) = open_store(args.database_url.as_deref()).await?;
    let backend = store.backend().as_str();
    let coop = bench_coop(&store).await?;
    let founder = store
        .members(coop, MembershipStatus::Active)
        .await?
        .first()
        .map(|m| m.membership.person_id)
        .ok_or_else(|| anyhow::anyhow!("the benchmark co-op has no founder"))?;
    // The change: a coordinator records dues paid in cash for a period, a
    // one-row insert with its event (`dues.paid_in_cash`); each period
    // once, so every change writes.
    let started = Instant::now();
    let mut clients = tokio::task::JoinSet::new();
    for client in 0..args.clients {
        let store = store.clone();
        let (changes, clients_n) = (args.changes, args.clients);
        clients.spawn(async move {
            for n in (client..changes).step_by(clients_n as usize) {
                let period = format!("bench-{n}");
                store
                    .record_cash_dues(coop, founder, &period, founder, SystemClock.now())
                    .await?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(done) = clients.join_next().await {
        done??;
    }
    let seconds = started.elapsed().as_secs_f64();

    let consumer = format!("bench-{}", coop.0);
    let reading = Instant::now();
    let mut events_read = 0;
    loop {
        let claimed = store.claim_events(&consumer, args.claim).await?;
        if claimed.is_empty() {
            break;
        }
        events_read += claimed.len() as u64;
    }
    let read_seconds = reading.elapsed().as_secs_f64();
    let report = Report {
        backend,
        changes: args.changes,
        clients: args.clients,
        seconds,
        changes_per_s: args.changes as f64 / seconds,
        events_read,
        read_seconds,
        events_read_per_s: events_read as f64 / read_seconds,
    };
    Ok(if args.json {
        serde_json::to_string(&report)? + "\n"
    } else {
        format!(
            "{backend}: {} changes with their events from {} clients in {:.2} s ({:.0}/s); \
             a consumer read {} events back in {:.2} s ({:.0}/s)\n",
            report.changes,
            report.clients,
            report.seconds,
            report.changes_per_s,
            report.events_read,
            report.read_seconds,
            report.events_read_per_s
        )
    })
}
