//! Durability: kill the server with SIGKILL while clients stream
//! transfers at it (snapshots kept every few batches), restart it, and
//! check that every acknowledged transfer is there, that nothing was
//! half-applied, that the chain, the snapshots and the index verify and
//! that balances sum to zero. On SQLite and on PostgreSQL.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use coopkit_store::{Backend, DatabaseLocation};
use coopkit_testkit::{each_backend, Client, TestDb};
use serde_json::json;

use crate::support::{run, Running};

const PASSWORD: &str = "a long crash-test password";

/// Snapshots every 50 events, and co-ops let go of after a second idle, so
/// that a kill lands among snapshots and reloads.
pub(crate) const LIMITS: [(&str, &str); 2] = [
    ("COOPKIT__LEDGER__SNAPSHOT_EVERY", "50"),
    ("COOPKIT__LEDGER__IDLE_SECONDS", "1"),
];

/// A co-op `slug` founded by a new admin, with a currency HOUR of ample
/// credit, and four new members who joined it: their clients and ids.
pub(crate) async fn coop_of_four(base: &str, slug: &str) -> Vec<(Client, i64)> {
    let (admin, _) = person(base, &format!("{slug}-admin")).await;
    admin
        .post_json(
            "/api/v1/coops",
            &json!({"slug": slug, "name": "Crash co-op", "joining_requires_approval": false, "dues": null,
                    "classes": [{"key": "member", "name": "Member", "open_to_join": true}], "founder_class": "member"}),
        )
        .await
        .assert_status(201);
    admin
        .post_json(&format!("/api/v1/coops/{slug}/currencies"), &json!({"code": "HOUR", "name": "Hour", "kind": "time", "scale": 0, "default_debit_limit": 1000000}))
        .await
        .assert_status(201);
    let mut members = Vec::new();
    for i in 0..4 {
        let (client, id) = person(base, &format!("member{i}")).await;
        client
            .post_json(
                &format!("/api/v1/coops/{slug}/membership"),
                &json!({"class": "member"}),
            )
            .await
            .assert_status(201);
        members.push((client, id));
    }
    members
}

async fn person(base: &str, name: &str) -> (Client, i64) {
    let client = Client::new(base);
    let email = format!("{name}@crash.example");
    let made = client
        .post_json(
            "/api/v1/people",
            &json!({"email": email, "display_name": name, "password": PASSWORD}),
        )
        .await;
    made.assert_status(201);
    let token = client.api_token(&email, PASSWORD).await;
    (
        client.with_bearer(&token),
        made.json()["id"].as_i64().unwrap(),
    )
}

each_backend! {
    async fn acknowledged_transfers_survive_sigkill(backend: Backend) {
        // SQLite in a data directory; PostgreSQL in a fresh database.
        let dir = tempfile::tempdir().unwrap();
        let _pg;
        let database: Vec<String> = match backend {
            Backend::Sqlite => vec!["--data".into(), dir.path().display().to_string()],
            Backend::Postgres => {
                let db = TestDb::new(Backend::Postgres).await;
                let DatabaseLocation::Postgres(url) = db.location.clone() else {
                    unreachable!()
                };
                _pg = db;
                vec!["--database-url".into(), url]
            }
        };
        let args = |command: &'static str| -> Vec<String> {
            std::iter::once(command.to_owned())
                .chain(database.iter().cloned())
                .collect()
        };
        let serve_args = args("serve");
        let serve: Vec<&str> = serve_args.iter().map(String::as_str).collect();
        let server = Running::start_with(&serve, &LIMITS);
        let base = server.base_url.clone();

        // A co-op, a currency with credit, and four members.
        let members = coop_of_four(&base, "crashers").await;
        let ids: Vec<i64> = members.iter().map(|(_, id)| *id).collect();

        // Stream transfers from four clients; remember what was acknowledged.
        let acknowledged = Arc::new(Mutex::new(Vec::<u128>::new()));
        let mut streams = Vec::new();
        for (n, (client, _)) in members.iter().enumerate() {
            let (client, ids, acknowledged) = (client.clone(), ids.clone(), acknowledged.clone());
            streams.push(tokio::spawn(async move {
                for i in 0..100_000u128 {
                    let id = (n as u128 + 1) * 1_000_000 + i;
                    let to = ids[(n + 1 + i as usize % 3) % 4];
                    let batch = json!({"transfers": [{"id": id.to_string(), "currency": "HOUR", "to": to, "amount": 1 + (i % 5) as u64}]});
                    let Ok(reply) = tokio::time::timeout(Duration::from_secs(5), client.try_post_json("/api/v1/coops/crashers/transfers", &batch)).await else { break };
                    match reply {
                        Some(reply) if reply.status.as_u16() == 200 => {
                            if reply.json()["results"][0]["status"] == "created" {
                                acknowledged.lock().unwrap().push(id);
                            }
                        }
                        _ => break, // the server is gone
                    }
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
        server.kill();
        for stream in streams {
            stream.await.unwrap();
        }
        let acknowledged = acknowledged.lock().unwrap().clone();
        eprintln!(
            "{backend:?}: {} transfers acknowledged before SIGKILL",
            acknowledged.len()
        );
        assert!(
            acknowledged.len() > 20,
            "{backend:?}: too few transfers before the kill to test anything: {}",
            acknowledged.len()
        );

        // Restart on the same database; the journal is whole and verifies.
        let server = Running::start_with(&serve, &LIMITS);
        let reader =
            Client::new(&server.base_url).with_bearer(&members_token(&server.base_url).await);
        let journal = reader.get("/api/v1/coops/crashers/journal").await;
        journal.assert_status(200);
        let ledger =
            coopkit_ledger::journal::verify_json_lines(&journal.body).unwrap_or_else(|broken| {
                panic!("{backend:?}: the journal breaks after SIGKILL: {broken}")
            });
        for id in &acknowledged {
            assert!(
                ledger.transfer(coopkit_ledger::TransferId(*id)).is_some(),
                "{backend:?}: acknowledged transfer {id} is lost"
            );
        }
        let sum: i128 = ledger.accounts().map(|(_, b)| b.balance()).sum();
        assert_eq!(sum, 0, "{backend:?}");

        // Nothing half-applied: each member's statement holds exactly the
        // journal's transfers touching them, and their balances agree.
        let statement_lines = {
            let mut total = 0;
            for (client, _) in &members {
                let mut before: Option<u64> = None;
                loop {
                    let path = match &before {
                        Some(cursor) => format!("/api/v1/coops/crashers/statement?currency=HOUR&limit=500&before={cursor}"),
                        None => "/api/v1/coops/crashers/statement?currency=HOUR&limit=500".to_owned(),
                    };
                    let page = Client::new(&server.base_url)
                        .with_bearer(&token_of(client))
                        .get(&path)
                        .await
                        .json();
                    total += page["lines"].as_array().unwrap().len();
                    match page["next_before"].as_u64() {
                        Some(cursor) => before = Some(cursor),
                        None => break,
                    }
                }
            }
            total
        };
        let member_to_member = transfers_in_journal(&journal.body);
        assert_eq!(
            statement_lines,
            2 * member_to_member,
            "{backend:?}: statements and journal agree"
        );

        assert_eq!(server.terminate(), Some(0));
        let verify: Vec<&str> = ["ledger", "verify"]
            .into_iter()
            .chain(database.iter().map(String::as_str))
            .collect();
        let (code, stdout, stderr) = run(&verify);
        assert_eq!(code, 0, "{backend:?}: {stderr}");
        assert!(stdout.contains("crashers: verified"), "{stdout}");
    }
}

/// A token for one of the members, to read the journal with.
async fn members_token(base: &str) -> String {
    Client::new(base)
        .api_token("member0@crash.example", PASSWORD)
        .await
}

fn token_of(client: &Client) -> String {
    client.bearer().unwrap_or_default()
}

/// Transfers in a journal: all member to member in this test.
fn transfers_in_journal(journal: &str) -> usize {
    journal
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .map(|batch| {
            batch["events"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["event"] == "transfer")
                .count()
        })
        .sum()
}
