//! Votes through the JSON API, on SQLite and PostgreSQL: a motion listed,
//! a ballot cast and changed for a new receipt, the count once it closes,
//! and the receipt that shows how the ballot was counted.

use coopkit_domain::Zone;
use coopkit_testkit::{each_backend, Backend, TestServer, TEST_START};
use serde_json::json;

use crate::fixtures::{api_person, propose_closing_at};
use crate::ledger::sitters;
use crate::settlement::page_client;

const HOUR: i64 = 3_600_000;

each_backend! {
    async fn members_vote_through_the_api_and_check_their_receipts(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let (_, ana, ben) = sitters(&server).await;
        let closes = Zone::utc().wall_clock_field(TEST_START.plus_millis(48 * HOUR));
        let made = propose_closing_at(&page_client(&server, "Ana Parent").await, &closes).await;
        made.assert_status(303);
        let id: i64 = made.location().unwrap().rsplit('/').next().unwrap().parse().unwrap();

        let listed = ben.get("/api/v1/coops/sitters/proposals").await.json();
        assert_eq!(listed[0]["id"], id);
        assert_eq!(listed[0]["title"], "Evening rates");
        assert_eq!(listed[0]["state"], "open");
        let one = format!("/api/v1/coops/sitters/proposals/{id}");
        let before = ben.get(&one).await.json();
        assert_eq!((before["can_vote"].as_bool(), before["voted_before"].as_bool()), (Some(true), Some(false)));
        assert!(before["result"].is_null());

        // A ballot for a receipt; changed, the first receipt no longer counts.
        let ballot = format!("{one}/ballot");
        let wrong = ben.post_json(&ballot, &json!({"choice": "maybe"})).await;
        wrong.assert_status(422);
        assert!(wrong.body.contains("choice"), "{}", wrong.body);
        let first = ben.post_json(&ballot, &json!({"choice": "no"})).await;
        first.assert_status(201);
        let first = first.json()["receipt"].as_str().unwrap().to_owned();
        let second = ben.post_json(&ballot, &json!({"choice": "yes"})).await.json()["receipt"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_ne!(first, second);
        ana.post_json(&ballot, &json!({"choice": "yes"})).await.assert_status(201);
        assert_eq!(ben.get(&one).await.json()["voted_before"], true);
        let stranger = api_person(&server, "Dee Stranger").await;
        stranger.get(&one).await.assert_status(403);
        stranger.post_json(&ballot, &json!({"choice": "no"})).await.assert_status(403);

        // Closed: the count, no more ballots, and what each receipt says.
        server.clock.advance_ms(49 * HOUR);
        let after = ben.get(&one).await.json();
        assert_eq!(after["state"], "closed");
        assert!(after["result"].is_object(), "{after}");
        ben.post_json(&ballot, &json!({"choice": "no"})).await.assert_status(409);
        let check = format!("{one}/receipt");
        let counted = |receipt: String| {
            let ben = &ben;
            let check = &check;
            async move { ben.post_json(check, &json!({"receipt": receipt})).await.json()["counted"].clone() }
        };
        assert_eq!(counted(second).await, "yes");
        assert!(counted(first).await.is_null(), "a replaced ballot's receipt matches nothing");
    }
}

each_backend! {
    async fn members_propose_and_discuss_through_the_api(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let (ada, ana, ben) = sitters(&server).await;
        let proposals = "/api/v1/coops/sitters/proposals";
        let closes = Zone::utc().rfc3339(TEST_START.plus_millis(72 * HOUR));
        let motion = json!({"title": "Weekend rates", "body": "Two tokens an hour at weekends.", "kind": "motion", "closes_at": closes});

        let mut unreadable = motion.clone();
        unreadable["closes_at"] = json!("on Sunday");
        let refused = ana.post_json(proposals, &unreadable).await;
        refused.assert_status(422);
        assert!(refused.body.contains("closes_at"), "{}", refused.body);
        // Elections are the coordinators' to call.
        let election = json!({"title": "Treasurer", "kind": "election", "method": "irv", "options": ["Ana", "Ben"], "closes_at": closes});
        ana.post_json(proposals, &election).await.assert_status(403);
        ada.post_json(proposals, &election).await.assert_status(201);

        let made = ana.post_json(proposals, &motion).await;
        made.assert_status(201);
        let made = made.json();
        assert_eq!((made["title"].as_str(), made["state"].as_str(), made["can_vote"].as_bool()), (Some("Weekend rates"), Some("open"), Some(true)));
        let id = made["id"].as_i64().unwrap();

        let said = ben.post_json(&format!("{proposals}/{id}/comments"), &json!({"body": "Fair, weekends are harder."})).await;
        said.assert_status(201);
        assert_eq!(said.json()["comments"][0]["author"], "Ben Parent");
        assert_eq!(ana.get(&format!("{proposals}/{id}")).await.json()["comments"][0]["body"], "Fair, weekends are harder.");
        let stranger = api_person(&server, "Dee Stranger").await;
        stranger.post_json(proposals, &motion).await.assert_status(403);
        stranger.post_json(&format!("{proposals}/{id}/comments"), &json!({"body": "Hi"})).await.assert_status(403);
    }
}
