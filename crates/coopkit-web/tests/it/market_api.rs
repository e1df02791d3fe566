//! Bookings through the JSON API, through their life, on SQLite and
//! PostgreSQL: asked for, refused in words, accepted by the provider only,
//! seen by its sides only.

use coopkit_domain::{Timestamp, Zone};
use coopkit_testkit::{each_backend, Backend, Client, TestServer};
use serde_json::json;

use crate::fixtures::coop;
use crate::ledger::sitters;
use crate::market::{ben_offers_fridays, next_friday};
use crate::settlement::page_client;

const HOUR: i64 = 3_600_000;

/// The sitters co-op (as [`sitters`]) through the API, with Ben offering
/// Friday evenings (as [`ben_offers_fridays`]).
pub(crate) struct Fridays {
    pub admin: Client,
    pub ana: Client,
    pub ben: Client,
    pub ben_id: i64,
    /// The first Friday after the tests' start, at midnight.
    pub friday: Timestamp,
}

pub(crate) async fn ben_on_fridays(server: &TestServer) -> Fridays {
    let (admin, ana, ben) = sitters(server).await;
    let pages = |name| page_client(server, name);
    ben_offers_fridays(&pages("Ada Admin").await, &pages("Ben Parent").await).await;
    let ben_id = ben.get("/api/v1/me").await.json()["id"].as_i64().unwrap();
    Fridays {
        admin,
        ana,
        ben,
        ben_id,
        friday: next_friday(),
    }
}

each_backend! {
    async fn a_booking_is_asked_for_accepted_and_seen_through_the_api(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let Fridays { ana, ben, ben_id, friday, .. } = ben_on_fridays(&server).await;
        let at = |hour: i64| Zone::utc().rfc3339(friday.plus_millis(hour * HOUR));
        let ask = |from: String, to: String| {
            json!({"provider": ben_id, "category": "babysitting", "starts_at": from, "ends_at": to})
        };
        let path = "/api/v1/coops/sitters/bookings";

        // Refusals say what and where.
        let unreadable = ana.post_json(path, &ask("Friday at seven".into(), at(21))).await;
        unreadable.assert_status(422);
        assert!(unreadable.body.contains("starts_at") && unreadable.body.contains("RFC 3339"), "{}", unreadable.body);
        let backwards = ana.post_json(path, &ask(at(21), at(19))).await;
        backwards.assert_status(422);
        assert!(backwards.body.contains("The end must come after the start."), "{}", backwards.body);
        let early = ana.post_json(path, &ask(at(15), at(17))).await;
        early.assert_status(409);
        assert!(early.body.contains("The provider is not available then."), "{}", early.body);

        let made = ana.post_json(path, &ask(at(19), at(21))).await;
        made.assert_status(201);
        let made = made.json();
        assert_eq!(made["state"], "requested");
        assert_eq!(made["side"], "requester");
        assert_eq!(made["amount"], 2);
        assert_eq!(made["provider"]["name"], "Ben Parent");
        assert_eq!(made["starts_at"], at(19));
        assert_eq!(made["steps"], json!(["cancel"]));
        let id = made["id"].as_i64().unwrap();
        let one = format!("{path}/{id}");

        // The provider's steps are his; hers are refused.
        let his = ben.get(&one).await.json();
        assert_eq!((his["side"].as_str(), his["steps"].clone()), (Some("provider"), json!(["accept", "decline", "cancel"])));
        ana.post_json(&format!("{one}/accept"), &json!({})).await.assert_status(409);
        ben.post_json(&format!("{one}/eat"), &json!({})).await.assert_status(404);
        ben.post_json(&format!("{one}/auto-complete"), &json!({})).await.assert_status(404);
        let accepted = ben.post_json(&format!("{one}/accept"), &json!({})).await;
        accepted.assert_status(200);
        assert_eq!(accepted.json()["state"], "confirmed");
        assert_eq!(ana.get(path).await.json()[0]["state"], "confirmed");

        // Nobody else reads it.
        let olga = coop(&server, "elsewhere", "Olga Outsider", false).await;
        olga.get(&one).await.assert_status(403);
        let stranger = crate::fixtures::api_person(&server, "Dee Stranger").await;
        stranger.get(&one).await.assert_status(403);
    }
}

each_backend! {
    async fn a_settled_booking_gets_feedback_and_its_answer_through_the_api(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let Fridays { ana, ben, ben_id, friday, .. } = ben_on_fridays(&server).await;
        let at = |hour: i64| Zone::utc().rfc3339(friday.plus_millis(hour * HOUR));
        let path = "/api/v1/coops/sitters/bookings";
        let ask = json!({"provider": ben_id, "category": "babysitting", "starts_at": at(19), "ends_at": at(21)});
        let id = ana.post_json(path, &ask).await.json()["id"].as_i64().unwrap();
        let one = format!("{path}/{id}");
        let feedback = json!({"went_well": "Bedtime stories", "would_book_again": true});
        // Not before it settles.
        ana.post_json(&format!("{one}/feedback"), &feedback).await.assert_status(409);

        ben.post_json(&format!("{one}/accept"), &json!({})).await.assert_status(200);
        server.clock.advance_ms(friday.plus_millis(22 * HOUR).as_millis() - server.app.now().as_millis());
        ben.post_json(&format!("{one}/done"), &json!({})).await.assert_status(200);
        let settled = ana.post_json(&format!("{one}/done"), &json!({})).await.json();
        assert_eq!(settled["state"], "settled");

        // The provider does not review himself; the requester does, once.
        ben.post_json(&format!("{one}/feedback"), &feedback).await.assert_status(403);
        let given = ana.post_json(&format!("{one}/feedback"), &feedback).await;
        given.assert_status(201);
        assert_eq!(given.json()["feedback"]["went_well"], "Bedtime stories");
        ana.post_json(&format!("{one}/feedback"), &feedback).await.assert_status(409);
        let answer = json!({"answer": "Thank you!"});
        ana.put_json(&format!("{one}/feedback/answer"), &answer).await.assert_status(403);
        let answered = ben.put_json(&format!("{one}/feedback/answer"), &answer).await;
        answered.assert_status(200);
        assert_eq!(answered.json()["feedback"]["answer"], "Thank you!");
        // Other members read it on the provider.
        let provider = ana.get(&format!("/api/v1/coops/sitters/market/providers/{ben_id}")).await.json();
        assert_eq!((provider["reviews"].as_i64(), provider["feedback"][0]["answer"].as_str()), (Some(1), Some("Thank you!")));
    }
}

#[tokio::test]
async fn each_feature_has_its_operations_in_the_openapi_document() {
    let doc = serde_json::to_value(coopkit_web::openapi()).unwrap();
    let operations = |tag: &str| {
        doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|path| path.as_object().unwrap().values())
            .filter(|op| op["tags"][0] == tag)
            .count()
    };
    for tag in [
        "market",
        "governance",
        "catalogue",
        "fund",
        "patronage",
        "webhooks",
    ] {
        assert!(operations(tag) >= 3, "{} {tag} operations", operations(tag));
    }
    // Each operation has its own id, and a booking asked for links to it.
    let mut ids: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|path| path.as_object().unwrap().values())
        .map(|op| op["operationId"].as_str().unwrap())
        .collect();
    let all = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all, "an operation id given twice");
    let asked = &doc["paths"]["/api/v1/coops/{slug}/bookings"]["post"]["responses"]["201"]["links"];
    assert_eq!(asked["get_booking"]["operationId"], "get_booking");
    assert_eq!(
        asked["get_booking"]["parameters"]["id"],
        "$response.body#/id"
    );
    assert_eq!(
        asked["write_on_booking"]["parameters"]["slug"],
        "$request.path.slug"
    );
    let founded = &doc["paths"]["/api/v1/coops"]["post"]["responses"]["201"]["links"];
    assert_eq!(
        founded["get_coop"]["parameters"]["slug"],
        "$response.body#/slug"
    );
}
