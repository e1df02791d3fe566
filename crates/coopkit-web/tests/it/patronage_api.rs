//! Patronage through the JSON API, on the demo's cleaners' co-op (whose
//! year the demo closes), on SQLite and PostgreSQL: the years, a year's
//! lines, a member's own statement, and closing a year.

use coopkit_app::demo::demo_person_at;
use coopkit_testkit::{each_backend, Backend, TestServer, TEST_START};

use crate::fixtures::demo_client as client;
use serde_json::json;

const DAY: i64 = 24 * 60 * 60 * 1000;
const YEARS: &str = "/api/v1/coops/bright-homes/patronage/years";

fn rfc3339(days_from_start: i64) -> String {
    coopkit_domain::Zone::utc().rfc3339(TEST_START.plus_millis(days_from_start * DAY))
}

each_backend! {
    async fn members_read_their_years_and_coordinators_close_them(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        server.app.load_demo().await.unwrap();
        let rosa = client(&server, "rosa@brighthomes.example").await;
        let worker = client(&server, &demo_person_at("brighthomes", 0).1).await;
        let household = client(&server, &demo_person_at("households", 0).1).await;

        let years = worker.get(YEARS).await.json();
        let year = &years[0];
        assert_eq!((year["year"].as_str(), year["state"].as_str()), (Some("2026"), Some("proposed")));
        let id = year["id"].as_i64().unwrap();

        let allocation = worker.get(&format!("{YEARS}/{id}")).await.json();
        let lines = allocation["lines"].as_array().unwrap();
        assert!(!lines.is_empty());
        // Every penny of the surplus is in the reserve or a member's line.
        let shared: i64 = lines.iter().map(|l| l["amount"].as_i64().unwrap()).sum();
        assert_eq!(shared + allocation["reserve"].as_i64().unwrap(), allocation["net"].as_i64().unwrap());
        for line in lines {
            assert_eq!(
                line["cash"].as_i64().unwrap() + line["retained"].as_i64().unwrap(),
                line["amount"].as_i64().unwrap()
            );
        }
        assert_eq!(allocation["pools"][0]["measure"], "hours");

        // The worker's statement is their own line of the year.
        let me = worker.get("/api/v1/me").await.json()["id"].as_i64().unwrap();
        let statement = worker.get(&format!("{YEARS}/{id}/statement")).await;
        statement.assert_status(200);
        let line = &statement.json()["line"];
        assert_eq!(line["member"], me);
        assert_eq!(Some(line), lines.iter().find(|l| l["member"] == me));
        assert_eq!(statement.json()["year"], "2026");
        // Rosa coordinates but did no cleaning: she has no statement.
        rosa.get(&format!("{YEARS}/{id}/statement")).await.assert_status(404);

        // Closing a year is the coordinators'.
        let close = json!({
            "year": "2025",
            "period_start": rfc3339(-730),
            "period_end": rfc3339(-366),
            "net": 120_000,
            "vote_closes_at": rfc3339(7),
        });
        household.post_json(YEARS, &close).await.assert_status(403);
        let mut soon = close.clone();
        soon["vote_closes_at"] = json!("soon");
        let bad = rosa.post_json(YEARS, &soon).await;
        bad.assert_status(422);
        assert!(bad.body.contains("vote_closes_at"), "{}", bad.body);
        let closed = rosa.post_json(YEARS, &close).await;
        closed.assert_status(201);
        let proposal = closed.json()["proposal"].as_i64().unwrap();
        let vote = worker.get(&format!("/api/v1/coops/bright-homes/proposals/{proposal}")).await.json();
        assert_eq!(vote["title"], "Surplus allocation 2025");
        // No bookings in that period: the whole surplus goes to the reserve.
        let year_2025 = worker.get(&format!("{YEARS}/{}", closed.json()["allocation"])).await.json();
        assert_eq!(year_2025["reserve"], 120_000);
        let again = rosa.post_json(YEARS, &close).await;
        again.assert_status(409);
        assert!(again.body.contains("year-already-closed"), "{}", again.body);
        assert_eq!(worker.get(YEARS).await.json().as_array().unwrap().len(), 2);

        let stranger = crate::fixtures::api_person(&server, "Dee Stranger").await;
        stranger.get(YEARS).await.assert_status(403);
        stranger.get(&format!("{YEARS}/{id}")).await.assert_status(403);
    }
}
