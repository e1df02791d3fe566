//! `coopkit bench ledger`: how fast the ledger writer commits durable
//! transfers, against the baseline of one locked, checked database
//! transaction per transfer, in the same process on the same database;
//! how long a fresh writer takes to load the co-op again; and how fast a
//! busy account's statement reads. With `--coops` the same transfers are
//! spread over many small co-ops, as on a server that hosts them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use coopkit_app::ledger::{Accounts, Instruction, LedgerWriter, Payment};
use coopkit_domain::{PersonId, SystemClock};
use coopkit_ledger::ledger::Applied;
use coopkit_ledger::{AccountOwner, CoopAccount, CurrencyCode, TransferId};
use coopkit_store::{BaselineOutcome, Currency, CurrencyKind};
use serde::Serialize;

use super::{bench_coop, open_store, peak_memory_mib};

#[derive(Debug, clap::Args)]
pub struct LedgerBench {
    /// Member accounts to spread transfers over, shared evenly among the
    /// co-ops.
    #[arg(long, default_value_t = 100_000)]
    accounts: u64,
    /// Transfers to commit through the ledger writer, shared evenly among
    /// the co-ops.
    #[arg(long, default_value_t = 2_000_000)]
    transfers: u64,
    /// Co-ops, each with its share of the accounts and transfers, all in
    /// use at once (5,000 co-ops of 2,000 transfers: `--coops 5000
    /// --transfers 10000000`). The reload and the statement are measured
    /// on the first.
    #[arg(long, default_value_t = 1)]
    coops: u64,
    /// Concurrent clients submitting.
    #[arg(long, default_value_t = 8)]
    clients: u64,
    /// Transfers per client request (the API takes up to 8,190).
    #[arg(long, default_value_t = 1000)]
    request: u64,
    /// One transfer in this many of each client's involves member 1, so
    /// that one account has a long statement to read (10,000,000
    /// transfers give it 100,000 lines at the default).
    #[arg(long, default_value_t = 100)]
    busy_every: u64,
    /// Transfers for the baseline (one transaction each); it is slow, so
    /// fewer are enough for a steady rate.
    #[arg(long, default_value_t = 20_000)]
    naive_transfers: u64,
    /// Benchmark PostgreSQL at this URL (a scratch database: the benchmark
    /// adds a co-op and fills the baseline tables) instead of a temporary
    /// SQLite file.
    #[arg(long)]
    database_url: Option<String>,
    /// Print one JSON object instead of a sentence.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    backend: &'static str,
    coops: u64,
    accounts: u64,
    transfers: u64,
    created: u64,
    refused: u64,
    seconds: f64,
    transfers_per_s: f64,
    naive_transfers: u64,
    naive_seconds: f64,
    naive_transfers_per_s: f64,
    speedup: f64,
    clients: u64,
    request: u64,
    /// A fresh writer on the same database: seconds from its start until
    /// its first transfer is committed.
    reload_seconds: f64,
    /// After the reload, a transfer from the first batch sent again is
    /// answered as existing, not applied twice.
    replayed_exists: bool,
    /// Lines on member 1's statement.
    busy_lines: u64,
    /// Reading a page of 20 lines of it: the newest, and from anywhere.
    statement_newest_p99_ms: f64,
    statement_anywhere_p99_ms: f64,
    peak_memory_mib: Option<u64>,
}

/// A small deterministic generator (xorshift64*), so every run moves the
/// same value between the same accounts.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Two different account numbers in 1..=n.
    fn pair(&mut self, n: u64) -> (u64, u64) {
        let a = self.next() % n + 1;
        let b = (a + self.next() % (n - 1)) % n + 1;
        (a, b)
    }
}

/// `total` shared evenly over `parts`: the `part`th share.
fn share(total: u64, parts: u64, part: u64) -> u64 {
    total / parts + u64::from(part < total % parts)
}

pub async fn run(args: LedgerBench) -> anyhow::Result<String> {
    anyhow::ensure!(args.coops >= 1, "--coops must be at least 1");
    anyhow::ensure!(
        args.accounts >= 2 * args.coops,
        "--accounts must be at least 2 for each co-op"
    );
    anyhow::ensure!(
        args.clients >= 1 && args.request >= 1,
        "--clients and --request must be at least 1"
    );
    let (store, _scratch) = open_store(args.database_url.as_deref()).await?;
    let backend = store.backend().as_str();
    let currency = CurrencyCode::parse("BENCH").map_err(anyhow::Error::msg)?;
    let mut coops = Vec::new();
    for _ in 0..args.coops {
        let coop = bench_coop(&store).await?;
        store
            .create_currency(
                coop,
                &Currency {
                    code: currency.clone(),
                    name: "Benchmark token".into(),
                    kind: CurrencyKind::Community,
                    scale: 0,
                    default_debit_limit: Some(1_000_000),
                    default_balance_cap: None,
                    policy: Default::default(),
                },
                None,
                coopkit_domain::Clock::now(&SystemClock),
            )
            .await?;
        coops.push(coop);
    }
    let coops = Arc::new(coops);
    let first = coops[0];
    let writer = LedgerWriter::start(store.clone(), Arc::new(SystemClock));
    let pay = move |id: u128, from: AccountOwner, to: AccountOwner, amount: u64| {
        Instruction::Pay(Payment {
            id: TransferId(id),
            currency: currency.clone(),
            from,
            to,
            amount,
            hold: None,
            linked: false,
            memo: String::new(),
            cause: String::new(),
        })
    };
    let member = |n: u64| AccountOwner::Member(PersonId(n as i64));
    let accounts_of = |k: usize| share(args.accounts, args.coops, k as u64);

    // Untimed: open every account with an issue of 1,000 tokens.
    let issuance = AccountOwner::Coop(CoopAccount::Issuance);
    for (k, coop) in coops.iter().enumerate() {
        let opening: Vec<u64> = (1..=accounts_of(k)).collect();
        for chunk in opening.chunks(4000) {
            let batch = chunk
                .iter()
                .map(|n| pay(u128::from(*n), issuance, member(*n), 1000))
                .collect();
            writer.submit(*coop, batch).await?;
        }
    }

    // Timed: clients submit their share of random transfers concurrently,
    // a request to each co-op in turn, each made as it is sent, so the
    // benchmark's own memory does not grow with the transfers.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..args.clients {
        let (writer, pay, coops) = (writer.clone(), pay.clone(), coops.clone());
        let shares: Vec<u64> = (0..args.coops)
            .map(|k| share(share(args.transfers, args.coops, k), args.clients, client))
            .collect();
        let accounts: Vec<u64> = (0..coops.len()).map(accounts_of).collect();
        let (request, busy_every) = (args.request, args.busy_every.max(1));
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (client + 1));
            let first_id = 1_000_000_000_000_u128 * u128::from(client + 1);
            let (mut created, mut refused) = (0u64, 0u64);
            let mut sent = vec![0; coops.len()];
            while sent.iter().zip(&shares).any(|(sent, share)| sent < share) {
                for (k, coop) in coops.iter().enumerate() {
                    let size = request.min(shares[k] - sent[k]);
                    if size == 0 {
                        continue;
                    }
                    let request = (sent[k]..sent[k] + size)
                        .map(|i| {
                            let (mut from, to) = rng.pair(accounts[k]);
                            if i % busy_every == 0 && to != 1 {
                                from = 1;
                            }
                            pay(
                                first_id + u128::from(i),
                                member(from),
                                member(to),
                                1 + rng.next() % 10,
                            )
                        })
                        .collect();
                    sent[k] += size;
                    for result in writer.submit(*coop, request).await? {
                        match result {
                            Ok(Applied::New) => created += 1,
                            _ => refused += 1,
                        }
                    }
                }
            }
            anyhow::Ok((created, refused))
        }));
    }
    let (mut created, mut refused) = (0, 0);
    for task in tasks {
        let (c, r) = task.await??;
        created += c;
        refused += r;
    }
    let seconds = started.elapsed().as_secs_f64();

    // Every ledger still balances.
    for coop in coops.iter() {
        let accounts = writer.accounts(*coop).await?;
        let sum: i128 = accounts.iter().map(|v| v.balances.balance()).sum();
        anyhow::ensure!(
            sum == 0,
            "a ledger does not sum to zero after the benchmark: {sum}"
        );
    }

    // A fresh writer on the same database, as after a restart: until its
    // first transfer is committed; then the first transfer made, again.
    drop(writer);
    let reloading = Instant::now();
    let writer = LedgerWriter::start(store.clone(), Arc::new(SystemClock));
    let after = writer
        .submit(
            first,
            vec![pay(u128::from(u64::MAX), member(2), member(3), 1)],
        )
        .await?;
    let reload_seconds = reloading.elapsed().as_secs_f64();
    anyhow::ensure!(
        after == [Ok(Applied::New)],
        "the first transfer after the reload was not made: {after:?}"
    );
    let again = writer
        .submit(first, vec![pay(1, issuance, member(1), 1000)])
        .await?;
    let replayed_exists = again == [Ok(Applied::Replayed)];

    // Member 1's statement: its newest page, and pages from anywhere.
    let busy = writer
        .accounts_where(first, Accounts::OwnedBy(member(1)))
        .await?
        .first()
        .map(|v| v.account.id)
        .ok_or_else(|| anyhow::anyhow!("member 1 has no account"))?;
    let (_, next) = writer.statement(first, busy, None, 1).await?;
    let busy_lines = next.map_or(1, |n| n + 1);
    let mut rng = Rng(0xA076_1D64_78BD_642F);
    let mut newest = Vec::new();
    let mut anywhere = Vec::new();
    for round in 0..400 {
        let before = (round % 2 == 1).then(|| 1 + rng.next() % busy_lines);
        let reading = Instant::now();
        let (lines, _) = writer.statement(first, busy, before, 20).await?;
        anyhow::ensure!(!lines.is_empty(), "a statement page came back empty");
        let took = reading.elapsed();
        if before.is_none() {
            newest.push(took);
        } else {
            anywhere.push(took);
        }
    }

    // The baseline, on the same database.
    store.baseline_setup(args.accounts, 1_000_000).await?;
    let naive_started = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..args.clients {
        let store = store.clone();
        let share = args.naive_transfers / args.clients;
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng(0xD1B5_4A32_D192_ED03 ^ (client + 1));
            for i in 0..share {
                let (from, to) = rng.pair(args.accounts);
                let id = (client * share + i + 1) as i64;
                let amount = (1 + rng.next() % 10) as i64;
                if store
                    .baseline_transfer(id, from as i64, to as i64, amount)
                    .await?
                    == BaselineOutcome::Refused
                {
                    anyhow::bail!("the baseline refused a transfer it should have made");
                }
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let naive_seconds = naive_started.elapsed().as_secs_f64();
    let naive_done = args.naive_transfers / args.clients * args.clients;
    anyhow::ensure!(
        store.baseline_balance_sum().await? == 0,
        "the baseline does not sum to zero"
    );
    store.close().await;

    let transfers_per_s = args.transfers as f64 / seconds;
    let naive_transfers_per_s = naive_done as f64 / naive_seconds;
    let report = Report {
        backend,
        coops: args.coops,
        accounts: args.accounts,
        transfers: args.transfers,
        created,
        refused,
        seconds,
        transfers_per_s,
        naive_transfers: naive_done,
        naive_seconds,
        naive_transfers_per_s,
        speedup: transfers_per_s / naive_transfers_per_s,
        clients: args.clients,
        request: args.request,
        reload_seconds,
        replayed_exists,
        busy_lines,
        statement_newest_p99_ms: p99_ms(&mut newest),
        statement_anywhere_p99_ms: p99_ms(&mut anywhere),
        peak_memory_mib: peak_memory_mib(),
    };
    Ok(if args.json {
        serde_json::to_string(&report)? + "\n"
    } else {
        format!(
            "{backend}: {} transfers over {} accounts in {} co-op(s) in {seconds:.2} s: {transfers_per_s:.0} transfers/s \
             ({created} made, {refused} refused); one transaction each: {naive_transfers_per_s:.0} transfers/s; \
             {:.1}x; reloaded in {reload_seconds:.2} s (first transfer again: {}); a page of a \
             {busy_lines}-line statement: p99 {:.2} ms newest, {:.2} ms anywhere; peak memory {} MiB\n",
            args.transfers,
            args.accounts,
            args.coops,
            report.speedup,
            if replayed_exists { "exists" } else { "APPLIED TWICE" },
            report.statement_newest_p99_ms,
            report.statement_anywhere_p99_ms,
            report.peak_memory_mib.map_or("?".into(), |m| m.to_string()),
        )
    })
}

/// The 99th percentile of `times`, in milliseconds.
fn p99_ms(times: &mut [Duration]) -> f64 {
    times.sort();
    let at = (times.len() * 99 / 100).min(times.len().saturating_sub(1));
    times.get(at).map_or(0.0, |t| t.as_secs_f64() * 1000.0)
}
