//! `coopkit bench plays`: stream-to-own plays recorded through the ledger
//! writer, each a linked chain of the listener's charge and the royalty
//! credits, and a check at the end that every credit charged reached a
//! creator or the co-op.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use coopkit_app::ledger::{Instruction, LedgerWriter, Payment, Play};
use coopkit_domain::{PersonId, SystemClock};
use coopkit_ledger::ledger::Applied;
use coopkit_ledger::{AccountOwner, CoopAccount, CurrencyCode, TransferId};
use coopkit_market::royalty::{Rate, Shares};
use coopkit_market::stream::{play_price, PAID_PLAYS};
use coopkit_store::{Currency, CurrencyKind};
use serde::Serialize;

use super::{bench_coop, open_store, Random};

#[derive(Debug, clap::Args)]
pub struct PlaysBench {
    #[arg(long, default_value_t = 100_000)]
    listeners: u64,
    #[arg(long, default_value_t = 100_000)]
    tracks: u64,
    #[arg(long, default_value_t = 5_000_000)]
    plays: u64,
    /// Concurrent clients submitting, each for its own listeners.
    #[arg(long, default_value_t = 8)]
    clients: u64,
    /// Plays per client request.
    #[arg(long, default_value_t = 1000)]
    request: usize,
    /// Every this many requests, one is sent twice, as a client that lost
    /// the answer would: its plays must be counted once.
    #[arg(long, default_value_t = 50)]
    repeat_every: usize,
    /// Benchmark PostgreSQL at this URL (a scratch database) instead of a
    /// temporary SQLite file.
    #[arg(long)]
    database_url: Option<String>,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print one JSON object instead of a sentence.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    backend: &'static str,
    listeners: u64,
    tracks: u64,
    plays: u64,
    /// Plays that moved credit, and the transfers they made.
    paid: u64,
    transfers: u64,
    /// Plays of tracks already owned: free, nothing recorded.
    free: u64,
    /// Plays sent again with the same id, answered without a second charge.
    repeated: u64,
    refused: u64,
    seconds: f64,
    plays_per_s: f64,
    /// Charged to listeners, paid to creators and kept by the co-op, in
    /// thousandths of a credit.
    charged: u64,
    to_creators: u64,
    to_coop: u64,
    conserved: bool,
    peak_memory_mib: Option<u64>,
}

/// What each listener starts with: more than fifty plays can cost.
const CREDIT: u64 = 50_000;
/// The creators' part of a play, as the music co-op's setting.
const RATE_BASIS_POINTS: u32 = 7_000;

/// A track's creators: most have one, some two or three, from a pool a
/// fifth the size of the catalogue.
fn creators(track: u64, tracks: u64, random: &mut Random) -> Shares<PersonId> {
    let artists = (tracks / 5).max(3);
    // Creators are numbered after the listeners' range (see `member`).
    let artist = |random: &mut Random| PersonId((1 << 40) + random.below(artists) as i64);
    let first = artist(random);
    let second = loop {
        let a = artist(random);
        if a != first {
            break a;
        }
    };
    let third = loop {
        let a = artist(random);
        if a != first && a != second {
            break a;
        }
    };
    let parts = match track % 20 {
        0 => vec![(first, 5_000), (second, 3_000), (third, 2_000)],
        1..=5 => vec![(first, 6_000), (second, 4_000)],
        _ => vec![(first, 10_000)],
    };
    Shares::new(parts).unwrap_or_else(|_| Shares::sole(first))
}

/// Each listener's plays, in order: three favourite tracks played about
/// ten times each (most get owned), the rest anywhere in the catalogue.
fn listening(listener: u64, plays: u64, tracks: u64, random: &mut Random) -> Vec<u64> {
    let favourites = [
        random.below(tracks),
        random.below(tracks),
        random.below(tracks),
    ];
    (0..plays)
        .map(|_| {
            if random.below(10) < 6 {
                favourites[random.below(3) as usize]
            } else {
                (random.below(tracks) + listener) % tracks
            }
        })
        .collect()
}

pub async fn run(args: PlaysBench) -> anyhow::Result<String> {
    anyhow::ensure!(
        args.listeners >= 1 && args.tracks >= 1 && args.clients >= 1 && args.request >= 1,
        "--listeners, --tracks, --clients and --request must be at least 1"
    );
    let (store, _scratch) = open_store(args.database_url.as_deref()).await?;
    let backend = store.backend().as_str();
    let coop = bench_coop(&store).await?;
    let currency = CurrencyCode::parse("CRD").map_err(anyhow::Error::msg)?;
    store
        .create_currency(
            coop,
            &Currency {
                code: currency.clone(),
                name: "Listening credit".into(),
                kind: CurrencyKind::Money,
                scale: 3,
                default_debit_limit: Some(0),
                default_balance_cap: None,
                policy: Default::default(),
            },
            None,
            coopkit_domain::Clock::now(&SystemClock),
        )
        .await?;
    let writer = LedgerWriter::start(store.clone(), Arc::new(SystemClock));
    let rate = Rate::new(RATE_BASIS_POINTS).map_err(|e| anyhow::anyhow!("{e}"))?;
    let member = |n: u64| PersonId(n as i64 + 1);

    // Untimed: the catalogue, and every listener buying credit.
    let mut random = Random(args.seed);
    let catalogue: Arc<Vec<Shares<PersonId>>> = Arc::new(
        (0..args.tracks)
            .map(|t| creators(t, args.tracks, &mut random))
            .collect(),
    );
    let issuance = AccountOwner::Coop(CoopAccount::Issuance);
    let listeners: Vec<u64> = (0..args.listeners).collect();
    for chunk in listeners.chunks(2_000) {
        let buy = chunk
            .iter()
            .map(|&n| {
                Instruction::Pay(Payment {
                    id: TransferId(u128::from(n) + 1),
                    currency: currency.clone(),
                    from: issuance,
                    to: AccountOwner::Member(member(n)),
                    amount: CREDIT,
                    hold: None,
                    linked: false,
                    memo: String::new(),
                    cause: "credit".into(),
                })
            })
            .collect();
        for result in writer.submit(coop, buy).await? {
            anyhow::ensure!(result.is_ok(), "buying credit was refused: {result:?}");
        }
    }

    // Each client's listeners play in turns, so a request holds one play
    // of each of a thousand listeners; the plays are made before timing.
    let per_listener = args.plays / args.listeners;
    let extra = args.plays % args.listeners;
    let mut clients = Vec::new();
    let mut expected: HashMap<(u64, u64), u32> = HashMap::new();
    for client in 0..args.clients {
        let mine: Vec<u64> = (client..args.listeners)
            .step_by(args.clients as usize)
            .collect();
        let lists: Vec<Vec<u64>> = mine
            .iter()
            .map(|&l| {
                let mut random = Random(args.seed ^ (l + 1).wrapping_mul(0x9E37_79B9));
                listening(
                    l,
                    per_listener + u64::from(l < extra),
                    args.tracks,
                    &mut random,
                )
            })
            .collect();
        let longest = lists.iter().map(Vec::len).max().unwrap_or(0);
        let mut plays = Vec::new();
        for turn in 0..longest {
            for (&listener, list) in mine.iter().zip(&lists) {
                let Some(&track) = list.get(turn) else {
                    continue;
                };
                *expected.entry((listener, track)).or_default() += 1;
                plays.push(Instruction::Play(Play {
                    id: TransferId(((u128::from(listener) + 1) << 32) + turn as u128),
                    currency: currency.clone(),
                    listener: member(listener),
                    track: track as i64,
                    creators: catalogue[track as usize].clone(),
                    rate,
                    title: format!("Track {track}"),
                }));
            }
        }
        let requests: Vec<Vec<Instruction>> = plays
            .chunks(args.request)
            .map(<[Instruction]>::to_vec)
            .collect();
        clients.push(requests);
    }

    // Timed: the clients submit concurrently.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for requests in clients {
        let writer = writer.clone();
        let repeat_every = args.repeat_every;
        tasks.push(tokio::spawn(async move {
            let (mut made, mut replayed, mut refused) = (0u64, 0u64, 0u64);
            for (n, request) in requests.into_iter().enumerate() {
                let again = (repeat_every > 0 && n % repeat_every == 0).then(|| request.clone());
                for result in writer.submit(coop, request).await? {
                    match result {
                        Ok(Applied::New) => made += 1,
                        Ok(Applied::Replayed) => replayed += 1,
                        Err(_) => refused += 1,
                    }
                }
                if let Some(again) = again {
                    for result in writer.submit(coop, again).await? {
                        anyhow::ensure!(
                            result == Ok(Applied::Replayed) || result == Ok(Applied::New),
                            "a repeated play was refused: {result:?}"
                        );
                        replayed += 1;
                    }
                }
            }
            anyhow::Ok((made, replayed, refused))
        }));
    }
    let (mut made, mut repeated, mut refused) = (0, 0, 0);
    for task in tasks {
        let (m, r, x) = task.await??;
        made += m;
        repeated += r;
        refused += x;
    }
    let seconds = started.elapsed().as_secs_f64();

    // Checked at the end: what the listeners lost is what the creators and
    // the co-op gained, and both are what the prices say the plays cost.
    let accounts = writer.accounts(coop).await?;
    let (mut charged, mut to_creators, mut to_coop, mut sum) = (0u64, 0u64, 0u64, 0i128);
    for view in &accounts {
        let balance = view.balances.balance();
        sum += balance;
        match view.account.owner {
            AccountOwner::Member(p) if p.0 < 1 << 40 => {
                charged += u64::try_from(i128::from(CREDIT) - balance)?;
            }
            AccountOwner::Member(_) => to_creators += u64::try_from(balance)?,
            AccountOwner::Coop(CoopAccount::Sales) => to_coop += u64::try_from(balance)?,
            AccountOwner::Coop(_) => {}
        }
    }
    // What the plays should have cost and made, from the prices alone.
    let (mut priced, mut paid, mut transfers) = (0u64, 0u64, 0u64);
    for (&(listener, track), &plays) in &expected {
        let play = Play {
            id: TransferId(1),
            currency: currency.clone(),
            listener: member(listener),
            track: track as i64,
            creators: catalogue[track as usize].clone(),
            rate,
            title: String::new(),
        };
        for n in 0..plays.min(PAID_PLAYS) {
            priced += play_price(n);
            paid += 1;
            transfers += play.payments(n).len() as u64;
        }
    }
    let conserved =
        sum == 0 && refused == 0 && charged == priced && charged == to_creators + to_coop;
    store.close().await;

    let report = Report {
        backend,
        listeners: args.listeners,
        tracks: args.tracks,
        plays: args.plays,
        paid,
        transfers,
        free: made.saturating_sub(paid),
        repeated,
        refused,
        seconds,
        plays_per_s: args.plays as f64 / seconds,
        charged,
        to_creators,
        to_coop,
        conserved,
        peak_memory_mib: super::peak_memory_mib(),
    };
    Ok(if args.json {
        serde_json::to_string(&report)? + "\n"
    } else {
        format!(
            "{backend}: {} plays by {} listeners of {} tracks in {seconds:.2} s: {:.0} plays/s \
             ({paid} paid in {transfers} transfers, {} free, {repeated} repeated, {refused} refused); \
             charged {charged}, to creators {to_creators}, to the co-op {to_coop}: conserved {conserved}; \
             peak memory {} MiB\n",
            args.plays,
            args.listeners,
            args.tracks,
            report.plays_per_s,
            report.free,
            report.peak_memory_mib.unwrap_or(0),
        )
    })
}
