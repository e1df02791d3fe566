//! Webhooks: registered through the API by a co-op's admins, delivered to
//! a real HTTP receiver on loopback that this test starts, signed, in
//! order, and tried again until the receiver accepts.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use coopkit_app::demo::demo_person_at;
use coopkit_app::AppConfig;
use coopkit_testkit::{each_backend, Backend, TestServer};
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use crate::fixtures::{coop, member};

/// What the receiver was sent: each request's id, timestamp, signature
/// and body.
#[derive(Clone, Debug)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
}

#[derive(Clone, Default)]
struct Receiver {
    received: Arc<Mutex<Vec<Received>>>,
    /// Requests to answer 503 before accepting.
    failures_left: Arc<Mutex<u32>>,
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: String) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    receiver.received.lock().unwrap().push(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body,
    });
    let mut failures = receiver.failures_left.lock().unwrap();
    if *failures > 0 {
        *failures -= 1;
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::NO_CONTENT
    }
}

/// Accepts, and then answers without end.
async fn endless() -> axum::response::Response {
    let chunk = || Ok::<_, std::convert::Infallible>(bytes_of_a_kilobyte());
    let body = futures_util::stream::repeat_with(chunk);
    axum::response::Response::new(axum::body::Body::from_stream(body))
}

fn bytes_of_a_kilobyte() -> String {
    "x".repeat(1024)
}

/// Starts a receiver on a free loopback port; its URL.
async fn start_receiver(receiver: Receiver) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .route("/hooks", post(receive))
        .route("/endless", post(endless))
        .with_state(receiver);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

/// Whether `signature` is Standard Webhooks' for the request, under the
/// secret as it was shown (`whsec_...`), checked here without the
/// server's own code.
fn signed_by(secret: &str, got: &Received) -> bool {
    let key = BASE64
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", got.id, got.timestamp, got.body).as_bytes());
    let expected = format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()));
    got.signature == expected
}

async fn deliver(server: &TestServer) -> coopkit_app::webhooks::WebhookRun {
    let http = coopkit_app::webhooks::client().unwrap();
    server.app.queue_webhook_deliveries().await.unwrap();
    server.app.send_due_webhooks(&http).await.unwrap()
}

fn loopback() -> AppConfig {
    AppConfig {
        webhooks_on_loopback: true,
        ..AppConfig::default()
    }
}

each_backend! {
    async fn an_event_reaches_the_receiver_signed_and_again_until_accepted(backend: Backend) {
        let server = TestServer::spawn_with(backend, loopback()).await;
        let receiver = Receiver::default();
        *receiver.failures_left.lock().unwrap() = 2;
        let url = start_receiver(receiver.clone()).await;
        let admin = coop(&server, "menders", "Mara Admin", true).await;
        // Admitted before the endpoint exists: not sent to it.
        member(&server, "menders", &admin, "Early Worker").await;

        let added = admin
            .post_json(
                "/api/v1/coops/menders/webhooks",
                &json!({"url": url, "kinds": ["membership.admitted"]}),
            )
            .await;
        added.assert_status(201);
        let added = added.json();
        let secret = added["secret"].as_str().unwrap().to_owned();
        let id = added["id"].as_i64().unwrap();
        assert_eq!(added["state"], "active");
        // The secret is shown once: the list does not hold it.
        let listed = admin.get("/api/v1/coops/menders/webhooks").await.json();
        assert_eq!(listed[0]["id"], id);
        assert!(listed[0].get("secret").is_none(), "{listed}");

        // Events of other kinds are not sent; an admission is.
        let applicant = member(&server, "menders", &admin, "Pat Worker").await;
        drop(applicant);
        let first = deliver(&server).await;
        assert_eq!((first.delivered, first.refused), (0, 1));
        // Not due again for 30 seconds; then refused once more, then
        // accepted a minute after.
        assert_eq!(deliver(&server).await, Default::default());
        server.clock.advance_ms(30_000);
        assert_eq!(deliver(&server).await.refused, 1);
        server.clock.advance_ms(60_000);
        assert_eq!(deliver(&server).await.delivered, 1);
        assert_eq!(deliver(&server).await, Default::default(), "delivered once");

        let received = receiver.received.lock().unwrap().clone();
        assert_eq!(received.len(), 3);
        for got in &received {
            assert!(signed_by(&secret, got), "{got:?}");
            assert_eq!(got.id, received[0].id, "the same event each time");
            assert_eq!(got.body, received[0].body);
        }
        let times: Vec<i64> = received.iter().map(|g| g.timestamp.parse().unwrap()).collect();
        assert_eq!(times[1] - times[0], 30);
        assert_eq!(times[2] - times[1], 60);
        let body: serde_json::Value = serde_json::from_str(&received[0].body).unwrap();
        assert_eq!(body["type"], "membership.admitted");
        assert_eq!(body["coop"], "menders");
        assert!(body["data"]["membership"].is_i64(), "{body}");
        // A forged body does not carry the signature.
        let forged = Received {
            body: received[0].body.replace("menders", "other"),
            ..received[0].clone()
        };
        assert!(!signed_by(&secret, &forged));

        let deliveries = admin
            .get(&format!("/api/v1/coops/menders/webhooks/{id}/deliveries"))
            .await
            .json();
        assert_eq!(deliveries[0]["state"], "delivered");
        assert_eq!(deliveries[0]["attempts"], 3);
        assert_eq!(deliveries[0]["kind"], "membership.admitted");
        assert_eq!(deliveries[0]["event"].to_string(), received[0].id);
        assert_eq!(deliveries[0]["answer"], "204");
    }

    async fn a_cleaning_booked_and_accepted_in_the_demo_reaches_the_receiver_on_its_third_try(backend: Backend) {
        let server = TestServer::spawn_with(backend, loopback()).await;
        server.app.load_demo().await.unwrap();
        let receiver = Receiver::default();
        *receiver.failures_left.lock().unwrap() = 2;
        let url = start_receiver(receiver.clone()).await;
        let client = crate::fixtures::demo_client;
        let rosa = client(&server, "rosa@brighthomes.example").await;
        let household = client(&server, &demo_person_at("households", 0).1).await;
        let cleaner = client(&server, &demo_person_at("brighthomes", 0).1).await;
        let secret = rosa
            .post_json(
                "/api/v1/coops/bright-homes/webhooks",
                &json!({"url": url, "kinds": ["booking.accepted"]}),
            )
            .await
            .json()["secret"]
            .as_str()
            .unwrap()
            .to_owned();

        // A household books a cleaner for next Monday morning, in cash.
        let cleaner_id = cleaner.get("/api/v1/me").await.json()["id"].as_i64().unwrap();
        let monday = crate::market::next_weekday(0);
        let at = |hour: i64| coopkit_domain::Zone::utc().rfc3339(monday.plus_millis(hour * 3_600_000));
        let asked = household
            .post_json(
                "/api/v1/coops/bright-homes/bookings",
                &json!({"provider": cleaner_id, "category": "cleaning", "starts_at": at(10), "ends_at": at(12), "payment": "cash"}),
            )
            .await;
        asked.assert_status(201);
        let booking = asked.json()["id"].as_i64().unwrap();
        assert_eq!(deliver(&server).await, Default::default(), "requested, not accepted");
        cleaner
            .post_json(&format!("/api/v1/coops/bright-homes/bookings/{booking}/accept"), &json!({}))
            .await
            .assert_status(200);

        // Refused twice, then accepted: the same event each time.
        assert_eq!(deliver(&server).await.refused, 1);
        server.clock.advance_ms(30_000);
        assert_eq!(deliver(&server).await.refused, 1);
        server.clock.advance_ms(60_000);
        assert_eq!(deliver(&server).await.delivered, 1);
        let received = receiver.received.lock().unwrap().clone();
        assert_eq!(received.len(), 3);
        for got in &received {
            assert!(signed_by(&secret, got), "{got:?}");
            assert_eq!((&got.id, &got.body), (&received[0].id, &received[0].body));
        }
        let body: serde_json::Value = serde_json::from_str(&received[0].body).unwrap();
        assert_eq!((body["type"].as_str(), body["coop"].as_str()), (Some("booking.accepted"), Some("bright-homes")));
        assert_eq!(body["data"]["booking"], booking);
    }

    async fn a_receiver_down_for_a_day_pauses_its_endpoint_until_resumed(backend: Backend) {
        let server = TestServer::spawn_with(backend, loopback()).await;
        let receiver = Receiver::default();
        *receiver.failures_left.lock().unwrap() = u32::MAX;
        let url = start_receiver(receiver.clone()).await;
        let admin = coop(&server, "menders", "Mara Admin", true).await;
        let id = admin
            .post_json(
                "/api/v1/coops/menders/webhooks",
                &json!({"url": url, "kinds": ["membership.admitted"]}),
            )
            .await
            .json()["id"]
            .as_i64()
            .unwrap();
        member(&server, "menders", &admin, "Pat Worker").await;
        member(&server, "menders", &admin, "Sam Worker").await;
        // Tried for a day, the waits doubling up to an hour: the second
        // admission waits behind the first all along.
        let mut tries = 0;
        while deliver(&server).await.refused > 0 {
            tries += 1;
            server.clock.advance_ms(60 * 60 * 1000);
        }
        assert!((20..=30).contains(&tries), "{tries} tries");
        let received = receiver.received.lock().unwrap().clone();
        assert!(received.iter().all(|got| got.id == received[0].id), "in order");
        let listed = admin.get("/api/v1/coops/menders/webhooks").await.json();
        assert_eq!(listed[0]["state"], "paused");
        // Its admins are told, by mail (to addresses verified, which the
        // mail tests prove through the link; here it is set).
        server
            .db
            .execute("UPDATE person SET email_verified_at = created_at")
            .await;
        server.app.queue_notices().await.unwrap();
        let store = &server.db.store;
        let menders = store.coop_by_slug("menders").await.unwrap().unwrap().id;
        let told: Vec<_> = store
            .outbox(menders, 50)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.kind == coopkit_domain::NoticeKind::WebhookPaused)
            .map(|m| m.recipient)
            .collect();
        assert_eq!(told, [Some("Mara Admin".to_owned())]);

        // Resumed, with the receiver back: the first has failed for good,
        // and the second goes.
        *receiver.failures_left.lock().unwrap() = 0;
        let resume = format!("/api/v1/coops/menders/webhooks/{id}/resume");
        admin.post_json(&resume, &json!({})).await.assert_status(200);
        admin.post_json(&resume, &json!({})).await.assert_status(409);
        assert_eq!(deliver(&server).await.delivered, 1);
        let deliveries = admin
            .get(&format!("/api/v1/coops/menders/webhooks/{id}/deliveries"))
            .await
            .json();
        assert_eq!(deliveries[0]["state"], "delivered");
        assert_eq!(deliveries[1]["state"], "failed");
        let last = receiver.received.lock().unwrap().last().unwrap().id.clone();
        assert_ne!(last, received[0].id);
        assert_eq!(deliveries[0]["event"].to_string(), last);
    }

    async fn a_receiver_that_answers_without_end_is_read_no_further_than_kept(backend: Backend) {
        let server = TestServer::spawn_with(backend, loopback()).await;
        let url = start_receiver(Receiver::default()).await.replace("/hooks", "/endless");
        let admin = coop(&server, "menders", "Mara Admin", true).await;
        let path = "/api/v1/coops/menders/webhooks";
        let body = json!({"url": url, "kinds": ["membership.admitted"]});
        let id = admin.post_json(path, &body).await.json()["id"].as_i64().unwrap();
        member(&server, "menders", &admin, "Pat Worker").await;
        // Read whole, the answer would end only at the ten-second limit,
        // and the try count as unanswered.
        assert_eq!(deliver(&server).await.delivered, 1);
        let deliveries = admin.get(&format!("{path}/{id}/deliveries")).await.json();
        let answer = deliveries[0]["answer"].as_str().unwrap();
        assert!(answer.starts_with("200 xxx") && answer.len() <= 210, "{answer}");
    }

    async fn only_a_coops_admins_manage_its_webhooks(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let admin = coop(&server, "menders", "Mara Admin", false).await;
        let worker = member(&server, "menders", &admin, "Pat Worker").await;
        let other = coop(&server, "bakers", "Bea Admin", false).await;
        let body = json!({"url": "https://hooks.example.org/x", "kinds": ["booking.accepted"]});
        let path = "/api/v1/coops/menders/webhooks";
        worker.post_json(path, &body).await.assert_status(403);
        worker.get(path).await.assert_status(403);
        other.post_json(path, &body).await.assert_status(403);
        let id = admin.post_json(path, &body).await.json()["id"].as_i64().unwrap();
        other
            .delete(&format!("/api/v1/coops/bakers/webhooks/{id}"))
            .await
            .assert_status(404);
        other
            .get(&format!("/api/v1/coops/bakers/webhooks/{id}/deliveries"))
            .await
            .assert_status(404);

        // Bad input: what and where.
        for (bad, field) in [
            (json!({"url": "http://hooks.example.org/", "kinds": ["booking.accepted"]}), "url"),
            (json!({"url": "https://a:b@hooks.example.org/", "kinds": ["booking.accepted"]}), "url"),
            (json!({"url": "https://hooks.example.org/", "kinds": []}), "kinds"),
            (json!({"url": "https://hooks.example.org/", "kinds": ["webhook.added"]}), "kinds"),
        ] {
            let refused = admin.post_json(path, &bad).await;
            refused.assert_status(422);
            assert!(refused.body.contains(field), "{}", refused.body);
        }
        admin
            .post_raw(path, "application/json", "{\"url\": ")
            .await
            .assert_status(400);

        // Delivering to this machine is off unless the operator allows it.
        let http = coopkit_app::webhooks::client().unwrap();
        admin
            .post_json(path, &json!({"url": "http://127.0.0.1:9/", "kinds": ["membership.admitted"]}))
            .await
            .assert_status(201);
        member(&server, "menders", &admin, "Sam Worker").await;
        server.app.queue_webhook_deliveries().await.unwrap();
        assert_eq!(server.app.send_due_webhooks(&http).await.unwrap().refused, 1);

        admin
            .delete(&format!("/api/v1/coops/menders/webhooks/{id}"))
            .await
            .assert_status(204);
        let listed = admin.get(path).await.json();
        assert_eq!(listed.as_array().unwrap().len(), 1);

        // Each event goes to each endpoint: a co-op has at most 20.
        for _ in 1..coopkit_app::webhooks::WEBHOOKS_MAX {
            admin.post_json(path, &body).await.assert_status(201);
        }
        let one_more = admin.post_json(path, &body).await;
        one_more.assert_status(409);
        assert!(one_more.body.contains("at most 20"), "{}", one_more.body);
    }
}
