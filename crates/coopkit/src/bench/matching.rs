//! `coopkit bench match`: the matching engine on a city-sized co-op, timed,
//! against first-come asking on the same data.

use std::time::Instant;

use coopkit_domain::{PersonId, Timestamp, Zone};
use coopkit_market::matching::{first_come, propose, Point, Provider, Request};
use coopkit_market::{WeeklySlot, Window};
use serde::Serialize;

use super::Random;

#[derive(Debug, clap::Args)]
pub struct MatchBench {
    #[arg(long, default_value_t = 100_000)]
    providers: u32,
    #[arg(long, default_value_t = 20_000)]
    requests: u32,
    /// The generator's seed: the same seed makes the same city.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print one JSON object instead of a sentence.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    providers: u32,
    requests: u32,
    seed: u64,
    seconds: f64,
    served: usize,
    greedy_served: usize,
    greedy_seconds: f64,
}

const CATEGORIES: [&str; 5] = [
    "babysitting",
    "cleaning",
    "home-care",
    "tutoring",
    "photography",
];
const HOUR: i64 = 3_600_000;
/// Monday 5 January 2026, 00:00: the week the requests fall in.
const MONDAY: i64 = 1_767_571_200_000;

/// A point in a city 20 km across (Manchester's centre, as it happens).
fn place(random: &mut Random) -> Point {
    Point {
        lat_e6: 53_480_000 + random.between(-90_000, 90_000) as i32,
        lon_e6: -2_240_000 + random.between(-150_000, 150_000) as i32,
    }
}

/// Babysitting one time in `one_in`, otherwise one of the others.
fn category(random: &mut Random, one_in: u64) -> String {
    if random.below(one_in) == 0 {
        CATEGORIES[0].to_owned()
    } else {
        CATEGORIES[1 + random.below(4) as usize].to_owned()
    }
}

fn city(args: &MatchBench) -> anyhow::Result<(Vec<Request>, Vec<Provider>)> {
    let mut random = Random(args.seed);
    let mut providers = Vec::with_capacity(args.providers as usize);
    for i in 0..args.providers {
        // Babysitters are a quarter of the providers and half the demand:
        // Friday and Saturday evenings are where work is short of hands.
        let mut categories = vec![category(&mut random, 4)];
        if random.below(3) == 0 {
            categories.push(category(&mut random, 4));
        }
        // Most people give the co-op an evening or two a week.
        let slots = (0..1 + random.below(2))
            .map(|_| {
                let from = random.between(8, 20) as u16;
                let hours = random.between(3, 6) as u16;
                WeeklySlot::new(
                    random.below(7) as u8,
                    from * 60,
                    (from + hours).min(24) * 60,
                )
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(anyhow::Error::msg)?;
        let mut languages = vec!["en".to_owned()];
        if random.below(5) == 0 {
            languages.push("es".to_owned());
        }
        providers.push(Provider {
            person: PersonId(i64::from(i) + 1),
            categories,
            slots,
            busy: Vec::new(),
            place: place(&mut random),
            radius_m: random.between(500, 2_500) as u32,
            languages,
            balance: random.between(-10, 40),
            balance_cap: (random.below(2) == 0).then_some(40),
        });
    }
    let mut requests = Vec::with_capacity(args.requests as usize);
    for i in 0..args.requests {
        // Demand peaks at the weekend and in the evening.
        let from = if random.below(10) < 3 {
            random.between(8, 17)
        } else {
            random.between(17, 21)
        };
        let day = if random.below(10) < 6 {
            random.between(4, 6)
        } else {
            random.between(0, 7)
        };
        let start = MONDAY + day * 24 * HOUR + from * HOUR;
        let hours = random.between(1, 4);
        let window = Window::new(Timestamp(start), Timestamp(start + hours * HOUR))
            .map_err(|refusal| anyhow::anyhow!("{refusal}"))?;
        requests.push(Request {
            requester: PersonId(10_000_000 + i64::from(i)),
            category: category(&mut random, 2),
            window,
            place: place(&mut random),
            language: (random.below(3) == 0).then(|| "es".to_owned()),
            favourites: Vec::new(),
            past_providers: Vec::new(),
            declined: Vec::new(),
        });
    }
    Ok((requests, providers))
}

pub fn run(args: MatchBench) -> anyhow::Result<String> {
    anyhow::ensure!(args.providers > 0, "--providers must be at least 1");
    let (requests, providers) = city(&args)?;
    let started = Instant::now();
    let matching = propose(&requests, &providers, &Zone::utc());
    let seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let greedy_served = first_come(&requests, &providers, &Zone::utc())
        .proposals
        .len();
    let greedy_seconds = started.elapsed().as_secs_f64();
    let report = Report {
        providers: args.providers,
        requests: args.requests,
        seed: args.seed,
        seconds,
        served: matching.proposals.len(),
        greedy_served,
        greedy_seconds,
    };
    Ok(if args.json {
        format!("{}\n", serde_json::to_string(&report)?)
    } else {
        format!(
            "matched {} requests among {} providers in {:.3} s: {} served (first-come: {})\n",
            report.requests, report.providers, report.seconds, report.served, report.greedy_served
        )
    })
}
