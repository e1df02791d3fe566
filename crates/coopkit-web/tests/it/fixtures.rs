//! Co-ops and people for the tests, made through the public API.

use coopkit_testkit::{Client, TestServer};
use serde_json::json;

pub const PASSWORD: &str = "a long test password";

/// Signs a person up through the API and returns a client holding their
/// API token.
pub async fn api_person(server: &TestServer, name: &str) -> Client {
    let email = format!("{}@example.coop", name.to_lowercase().replace(' ', "."));
    let client = server.client();
    client
        .post_json(
            "/api/v1/people",
            &json!({"email": email, "display_name": name, "password": PASSWORD}),
        )
        .await
        .assert_status(201);
    let token = client.api_token(&email, PASSWORD).await;
    client.with_bearer(&token)
}

/// A client holding the API token of a demo account.
pub async fn demo_client(server: &TestServer, email: &str) -> Client {
    let token = server
        .client()
        .api_token(email, coopkit_app::demo::DEMO_PASSWORD)
        .await;
    server.client().with_bearer(&token)
}

pub fn email_of(name: &str) -> String {
    format!("{}@example.coop", name.to_lowercase().replace(' ', "."))
}

/// Founds a co-op with an open `worker` class and a closed `investor`
/// class; the founder (returned) is its admin.
pub async fn coop(server: &TestServer, slug: &str, founder: &str, approval: bool) -> Client {
    let admin = api_person(server, founder).await;
    admin
        .post_json(
            "/api/v1/coops",
            &json!({
                "slug": slug,
                "name": format!("Co-op {slug}"),
                "description": "For tests",
                "profile": "A co-op the tests found.",
                "joining_requires_approval": approval,
                "dues": {"amount": 500, "currency": "GBP", "period": "monthly"},
                "classes": [
                    {"key": "worker", "name": "Worker", "open_to_join": true},
                    {"key": "investor", "name": "Investor", "open_to_join": false}
                ],
                "founder_class": "worker"
            }),
        )
        .await
        .assert_status(201);
    admin
}

/// `person` applies to join `slug` as a worker; the membership as the API
/// answered it.
pub async fn apply(person: &Client, slug: &str) -> coopkit_testkit::Reply {
    let joined = person
        .post_json(
            &format!("/api/v1/coops/{slug}/membership"),
            &json!({"class": "worker"}),
        )
        .await;
    joined.assert_status(201);
    joined
}

/// A member of `slug`, admitted by `admin`.
pub async fn member(server: &TestServer, slug: &str, admin: &Client, name: &str) -> Client {
    let person = api_person(server, name).await;
    let joined = apply(&person, slug).await;
    if joined.json()["status"] == "pending" {
        let id = joined.json()["id"].as_i64().unwrap();
        admin
            .post_json(
                &format!("/api/v1/coops/{slug}/applications/{id}"),
                &json!({"decision": "admit"}),
            )
            .await
            .assert_status(200);
    }
    person
}

/// Ana's motion on evening rates in the sitters co-op, open now and
/// closing at `closes` (a wall-clock field, `2026-11-27T19:00`).
pub async fn propose_closing_at(client: &Client, closes: &str) -> coopkit_testkit::Reply {
    client
        .post_form(
            "/c/sitters/proposals",
            &[
                ("title", "Evening rates"),
                ("body", "Evenings count as one and a half hours."),
                ("kind", "motion"),
                ("motion_method", "majority"),
                ("quorum", "50"),
                ("closes", closes),
            ],
        )
        .await
}
