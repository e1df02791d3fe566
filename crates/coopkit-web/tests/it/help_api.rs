//! Requests for help and the dispatch board through the JSON API, on
//! SQLite and PostgreSQL: a member asks, the matching engine offers the
//! request to a provider near enough, who takes it and is booked.

use coopkit_domain::Zone;
use coopkit_testkit::{each_backend, Backend, TestServer};
use serde_json::json;

use crate::ledger::sitters;
use crate::market::{add_babysitting, next_friday};
use crate::settlement::page_client;

const HOUR: i64 = 3_600_000;

each_backend! {
    async fn a_request_for_help_is_matched_offered_and_taken_through_the_api(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let (ada, ana, ben) = sitters(&server).await;
        add_babysitting(&page_client(&server, "Ada Admin").await).await;
        let ben_id = ben.get("/api/v1/me").await.json()["id"].as_i64().unwrap();
        let profile = json!({
            "services": [{"category": "babysitting", "currency": "HOUR", "price": 1, "unit_minutes": 60}],
            "slots": [{"day": "fri", "from": "18:00", "until": "24:00"}],
            "area": {"lat_e6": 38_889_900, "lon_e6": -76_990_500, "radius_m": 2_000},
        });
        ben.put_json("/api/v1/coops/sitters/market/profile", &profile).await.assert_status(200);

        let friday = next_friday();
        let at = |hour: i64| Zone::utc().rfc3339(friday.plus_millis(hour * HOUR));
        let requests = "/api/v1/coops/sitters/help-requests";
        let ask = json!({"category": "babysitting", "starts_at": at(19), "ends_at": at(21), "lat_e6": 38_890_000, "lon_e6": -76_990_000});
        let mut backwards = ask.clone();
        backwards["ends_at"] = json!(at(18));
        ana.post_json(requests, &backwards).await.assert_status(422);
        let asked = ana.post_json(requests, &ask).await;
        asked.assert_status(201);
        let request = asked.json()["id"].as_i64().unwrap();
        assert_eq!(asked.json()["offered"], 0);

        // Only coordinators run the board.
        ana.post_json("/api/v1/coops/sitters/dispatch-board/matching", &json!({})).await.assert_status(403);
        let matched = ada.post_json("/api/v1/coops/sitters/dispatch-board/matching", &json!({})).await;
        matched.assert_status(200);
        assert_eq!(matched.json()["offered"], 1);
        let board = ada.get("/api/v1/coops/sitters/dispatch-board").await.json();
        assert_eq!(board[0]["offers"][0]["provider"]["id"], ben_id);
        assert_eq!(board[0]["offers"][0]["answer"], "offered");

        // Ben is offered it, and why; he takes it, and is booked.
        let offers = ben.get("/api/v1/coops/sitters/offers").await.json();
        assert_eq!(offers[0]["request"]["id"], request);
        assert!(offers[0]["reasons"].as_array().unwrap().iter().any(|r| r.as_str().unwrap().starts_with("near:")), "{offers}");
        ana.post_json(&format!("/api/v1/coops/sitters/offers/{request}/accept"), &json!({})).await.assert_status(404);
        let taken = ben.post_json(&format!("/api/v1/coops/sitters/offers/{request}/accept"), &json!({})).await;
        taken.assert_status(200);
        let booking = taken.json()["booking"].as_i64().unwrap();
        let booked = ana.get(&format!("/api/v1/coops/sitters/bookings/{booking}")).await.json();
        assert_eq!((booked["state"].as_str(), booked["provider"]["id"].as_i64()), (Some("confirmed"), Some(ben_id)));
        assert_eq!(ben.get("/api/v1/coops/sitters/offers").await.json(), json!([]));
    }
}
