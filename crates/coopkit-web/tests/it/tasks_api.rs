//! Tasks with bounties through the JSON API, on SQLite and PostgreSQL:
//! posted, claimed (the bounty held), delivered and accepted (paid), each
//! step by the one it belongs to.

use coopkit_domain::Zone;
use coopkit_testkit::{each_backend, Backend, TestServer, TEST_START};
use serde_json::json;

use crate::ledger::{balance, sitters};

const DAY: i64 = 24 * 60 * 60 * 1000;
const TASKS: &str = "/api/v1/coops/sitters/tasks";

each_backend! {
    async fn a_task_is_posted_claimed_delivered_and_paid_through_the_api(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let (ada, ana, _) = sitters(&server).await;
        let deadline = Zone::utc().rfc3339(TEST_START.plus_millis(7 * DAY));
        let task = json!({"title": "Paint the playroom", "currency": "HOUR", "bounty": 3, "deadline": deadline});

        let mut late = task.clone();
        late["deadline"] = json!("next week");
        let refused = ada.post_json(TASKS, &late).await;
        refused.assert_status(422);
        assert!(refused.body.contains("deadline"), "{}", refused.body);

        let posted = ada.post_json(TASKS, &task).await;
        posted.assert_status(201);
        let posted = posted.json();
        assert_eq!((posted["state"].as_str(), posted["poster"]["name"].as_str()), (Some("open"), Some("Ada Admin")));
        let id = posted["id"].as_i64().unwrap();
        let one = |step: &str| format!("{TASKS}/{id}/{step}");
        assert_eq!(ana.get(TASKS).await.json()[0]["steps"], json!(["claim"]));

        let (ada_before, ana_before) = (balance(&ada).await, balance(&ana).await);
        let claimed = ana.post_json(&one("claim"), &json!({})).await;
        claimed.assert_status(200);
        assert_eq!(claimed.json()["claimant"]["name"], "Ana Parent");
        // The bounty is held from the poster, not yet paid.
        let held = ada.get("/api/v1/coops/sitters/balances").await.json();
        let hour = held.as_array().unwrap().iter().find(|b| b["currency"] == "HOUR").unwrap().clone();
        assert_eq!((hour["balance"].as_i64(), hour["available"].as_i64()), (Some(ada_before), Some(ada_before - 3)));
        ana.post_json(&one("deliver"), &json!({})).await.assert_status(200);
        // Accepting is the poster's, not the claimant's.
        ana.post_json(&one("accept"), &json!({})).await.assert_status(403);
        ana.post_json(&one("paint"), &json!({})).await.assert_status(404);
        let accepted = ada.post_json(&one("accept"), &json!({})).await;
        accepted.assert_status(200);
        assert_eq!(accepted.json()["state"], "accepted");
        assert_eq!((balance(&ada).await, balance(&ana).await), (ada_before - 3, ana_before + 3));
        ada.post_json(&one("accept"), &json!({})).await.assert_status(409);

        let stranger = crate::fixtures::api_person(&server, "Dee Stranger").await;
        stranger.get(TASKS).await.assert_status(403);
        stranger.post_json(&one("claim"), &json!({})).await.assert_status(403);
    }
}
