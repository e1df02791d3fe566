//! Two servers on one PostgreSQL, with snapshots every few batches and
//! co-ops let go of after a second idle: one is killed with SIGKILL while
//! both take transfers; the other goes on, lets the co-op go, takes it
//! back from its snapshot; the first restarts. No acknowledged transfer
//! is lost, the journal forks nowhere, and a payment made on one server is
//! on the statement read from the other.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use coopkit_store::DatabaseLocation;
use coopkit_testkit::Client;
use serde_json::json;

use crate::crash::{coop_of_four, LIMITS};
use crate::support::{postgres_db, run, Running};

fn pay(id: u128, to: i64) -> serde_json::Value {
    json!({"transfers": [{"id": id.to_string(), "currency": "HOUR", "to": to, "amount": 1 + (id % 5) as u64}]})
}

#[tokio::test]
async fn two_servers_lose_nothing_when_one_is_killed() {
    let Some(db) = postgres_db().await else {
        return;
    };
    let DatabaseLocation::Postgres(url) = db.location.clone() else {
        unreachable!()
    };
    let serve = ["serve", "--database-url", url.as_str()];
    let one = Running::start_with(&serve, &LIMITS);
    let two = Running::start_with(&serve, &LIMITS);

    // A co-op, a currency with credit, and four members, made on server one.
    let members: Vec<(String, i64)> = coop_of_four(&one.base_url, "pair")
        .await
        .into_iter()
        .map(|(client, id)| (client.bearer().unwrap(), id))
        .collect();
    let ids: Vec<i64> = members.iter().map(|(_, id)| *id).collect();

    // Members 0 and 1 pay through server one, 2 and 3 through server two.
    let acknowledged = Arc::new(Mutex::new(Vec::<u128>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut streams = Vec::new();
    for (n, (token, _)) in members.iter().enumerate() {
        let base = if n < 2 { &one.base_url } else { &two.base_url };
        let client = Client::new(base).with_bearer(token);
        let (ids, acknowledged, stop) = (ids.clone(), acknowledged.clone(), stop.clone());
        streams.push(tokio::spawn(async move {
            for i in 0..100_000u128 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let id = (n as u128 + 1) * 1_000_000 + i;
                let batch = pay(id, ids[(n + 1 + i as usize % 3) % 4]);
                let reply = tokio::time::timeout(
                    Duration::from_secs(5),
                    client.try_post_json("/api/v1/coops/pair/transfers", &batch),
                )
                .await;
                match reply {
                    Ok(Some(reply)) if reply.status.as_u16() == 200 => {
                        if reply.json()["results"][0]["status"] == "created" {
                            acknowledged.lock().unwrap().push(id);
                        }
                    }
                    Ok(Some(reply)) if n >= 2 => {
                        panic!("server two answered {}: {}", reply.status, reply.body)
                    }
                    _ => break, // the server is gone
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    one.kill();
    // Server two goes on alone for a while, then stops taking payments.
    tokio::time::sleep(Duration::from_millis(700)).await;
    stop.store(true, Ordering::Relaxed);
    for stream in streams {
        stream.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    let (through_one, through_two): (Vec<u128>, Vec<u128>) =
        acknowledged.iter().partition(|id| **id < 3_000_000);
    eprintln!(
        "{} acknowledged through server one before SIGKILL, {} through server two",
        through_one.len(),
        through_two.len()
    );
    assert!(
        through_one.len() > 20 && through_two.len() > 20,
        "too few transfers to test anything: {} and {}",
        through_one.len(),
        through_two.len()
    );

    // Idle past a second, server two lets the co-op go; the next payment
    // takes it back from its snapshot.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let last = 9_000_000u128;
    let payer = Client::new(&two.base_url).with_bearer(&members[2].0);
    let reply = payer
        .post_json("/api/v1/coops/pair/transfers", &pay(last, ids[0]))
        .await;
    reply.assert_status(200);
    assert_eq!(reply.json()["results"][0]["status"], "created");

    // Server one again: the payment just made on server two is on member
    // 0's statement read there, and the journal is whole.
    let one = Running::start_with(&serve, &LIMITS);
    let reader = Client::new(&one.base_url).with_bearer(&members[0].0);
    let page = reader
        .get("/api/v1/coops/pair/statement?currency=HOUR&limit=1")
        .await
        .json();
    assert_eq!(
        page["lines"][0]["id"].as_str(),
        Some(last.to_string().as_str()),
        "read your writes across servers: {page}"
    );
    let journal = reader.get("/api/v1/coops/pair/journal").await;
    journal.assert_status(200);
    let ledger = coopkit_ledger::journal::verify_json_lines(&journal.body)
        .unwrap_or_else(|broken| panic!("the journal breaks: {broken}"));
    for id in acknowledged.iter().chain([&last]) {
        assert!(
            ledger.transfer(coopkit_ledger::TransferId(*id)).is_some(),
            "acknowledged transfer {id} is lost"
        );
    }
    let sum: i128 = ledger.accounts().map(|(_, b)| b.balance()).sum();
    assert_eq!(sum, 0);

    assert_eq!(one.terminate(), Some(0));
    assert_eq!(two.terminate(), Some(0));
    // Every snapshot agrees with the journal, and so does the index.
    let (code, stdout, stderr) = run(&["ledger", "verify", "--database-url", &url]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("pair: verified"), "{stdout}");
}
