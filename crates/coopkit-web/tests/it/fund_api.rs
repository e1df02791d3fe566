//! The fund through the JSON API, on the demo's music co-op, on SQLite
//! and PostgreSQL: a pledge made once however often it is sent, and a
//! project put to the members' vote.

use coopkit_testkit::{each_backend, Backend, TestServer, TEST_START};
use serde_json::json;

const DAY: i64 = 24 * 60 * 60 * 1000;

each_backend! {
    async fn members_pledge_and_propose_projects_through_the_api(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        server.app.load_demo().await.unwrap();
        let client = crate::fixtures::demo_client;
        let lena = client(&server, "lena@harboursound.example").await;
        let mae = client(&server, "mae@harboursound.example").await;
        let fund = "/api/v1/coops/harbour-sound/fund";
        let before = lena.get(fund).await.json();
        let balance = before["balance"].as_i64().unwrap();

        let pledges = format!("{fund}/pledges");
        let pledge = json!({"amount": 2_000, "key": "lena-december"});
        let made = lena.post_json(&pledges, &pledge).await;
        made.assert_status(201);
        assert_eq!(made.json()["balance"].as_i64().unwrap(), balance + 2_000);
        // Sent again, it is the same pledge.
        lena.post_json(&pledges, &pledge).await.assert_status(201);
        assert_eq!(lena.get(fund).await.json()["balance"].as_i64().unwrap(), balance + 2_000);
        lena.post_json(&pledges, &json!({"amount": 5, "key": " "})).await.assert_status(422);

        let projects = format!("{fund}/projects");
        let closes = coopkit_domain::Zone::utc().rfc3339(TEST_START.plus_millis(7 * DAY));
        let bad = mae
            .post_json(&projects, &json!({"title": "Recording day", "budget": 1_500, "closes_at": "Christmas"}))
            .await;
        bad.assert_status(422);
        assert!(bad.body.contains("closes_at"), "{}", bad.body);
        let proposed = mae
            .post_json(
                &projects,
                &json!({"title": "Recording day", "description": "A day in the studio", "budget": 1_500, "closes_at": closes}),
            )
            .await;
        proposed.assert_status(201);
        let proposal = proposed.json()["proposal"].as_i64().unwrap();
        let listed = lena.get(fund).await.json();
        let project = &listed["projects"][0];
        assert_eq!((project["title"].as_str(), project["state"].as_str()), (Some("Recording day"), Some("proposed")));
        assert_eq!(project["proposal"], proposal);
        // The members vote on it as on any proposal.
        let vote = lena
            .get(&format!("/api/v1/coops/harbour-sound/proposals/{proposal}"))
            .await
            .json();
        assert_eq!(vote["title"], "Fund: Recording day");

        let stranger = crate::fixtures::api_person(&server, "Dee Stranger").await;
        stranger.get(fund).await.assert_status(403);
        stranger.post_json(&pledges, &pledge).await.assert_status(403);
    }
}
