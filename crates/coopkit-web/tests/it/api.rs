//! The JSON API: its document, its flows, and its answers to bad input.

use coopkit_testkit::{backends, each_backend, Backend, TestServer};
use serde_json::json;

use crate::fixtures::{api_person, coop, email_of, member, PASSWORD};

#[tokio::test]
async fn health_and_the_openapi_document() {
    let server = TestServer::spawn(backends()[0]).await;
    let client = server.client();
    client.get("/healthz").await.assert_status(200);

    let doc = client.get("/api/openapi.json").await;
    doc.assert_status(200);
    let doc = doc.json();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/v1/coops",
        "/api/v1/coops/{slug}",
        "/api/v1/coops/{slug}/members",
        "/api/v1/coops/{slug}/membership",
        "/api/v1/coops/{slug}/applications",
        "/api/v1/coops/{slug}/applications/{id}",
        "/api/v1/me",
        "/api/v1/people",
        "/api/v1/tokens",
    ] {
        assert!(paths.contains_key(path), "{path} missing from the document");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert_eq!(doc, serde_json::to_value(coopkit_web::openapi()).unwrap());
}

each_backend! {
    async fn joining_admitting_and_seeing_members(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let admin = coop(&server, "menders", "Mara Admin", true).await;

        let listed = server.client().get("/api/v1/coops").await.json();
        assert_eq!(listed[0]["slug"], "menders");
        assert_eq!(listed[0]["name"], "Co-op menders");
        assert_eq!(listed[0]["active_members"], 1);

        let profile = server.client().get("/api/v1/coops/menders").await.json();
        assert_eq!(
            profile["dues"],
            json!({"amount": 500, "currency": "GBP", "period": "monthly"})
        );
        assert_eq!(profile["classes"][1]["open_to_join"], false);

        let applicant = api_person(&server, "Pat Applicant").await;
        let closed = applicant
            .post_json(
                "/api/v1/coops/menders/membership",
                &json!({"class": "investor"}),
            )
            .await;
        closed.assert_status(422);
        assert_eq!(closed.json()["errors"][0]["code"], "class-closed");

        let applied = applicant
            .post_json(
                "/api/v1/coops/menders/membership",
                &json!({"class": "worker"}),
            )
            .await;
        applied.assert_status(201);
        assert_eq!(applied.json()["status"], "pending");
        let id = applied.json()["id"].as_i64().unwrap();
        applicant
            .post_json(
                "/api/v1/coops/menders/membership",
                &json!({"class": "worker"}),
            )
            .await
            .assert_status(409);

        // Pending is not a member yet.
        applicant
            .get("/api/v1/coops/menders/members")
            .await
            .assert_status(403);
        applicant
            .get("/api/v1/coops/menders/applications")
            .await
            .assert_status(403);

        let queue = admin.get("/api/v1/coops/menders/applications").await.json();
        assert_eq!(queue[0]["display_name"], "Pat Applicant");
        admin
            .post_json(
                &format!("/api/v1/coops/menders/applications/{id}"),
                &json!({"decision": "admit"}),
            )
            .await
            .assert_status(200);

        let members = applicant.get("/api/v1/coops/menders/members").await;
        members.assert_status(200);
        let names: Vec<_> = members
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["display_name"].clone())
            .collect();
        assert_eq!(
            names,
            [json!("Mara Admin"), json!("Pat Applicant")],
            "{backend:?}"
        );

        let me = applicant.get("/api/v1/me").await.json();
        assert_eq!(me["email"], email_of("Pat Applicant"));
        assert_eq!(me["memberships"][0]["coop"], "menders");
        assert_eq!(me["memberships"][0]["status"], "active");

        applicant
            .delete("/api/v1/coops/menders/membership")
            .await
            .assert_status(204);
        applicant
            .get("/api/v1/coops/menders/members")
            .await
            .assert_status(403);
        let last_admin = admin.delete("/api/v1/coops/menders/membership").await;
        last_admin.assert_status(409);
        assert_eq!(last_admin.json()["errors"][0]["code"], "last-admin");
    }
}

#[tokio::test]
async fn open_coops_admit_at_once() {
    let server = TestServer::spawn(backends()[0]).await;
    let admin = coop(&server, "open-house", "Olu Admin", false).await;
    let joiner = member(&server, "open-house", &admin, "Jo Joiner").await;
    let me = joiner.get("/api/v1/me").await.json();
    assert_eq!(me["memberships"][0]["status"], "active");
    assert_eq!(
        admin
            .get("/api/v1/coops/open-house/applications")
            .await
            .json(),
        json!([])
    );
}

#[tokio::test]
async fn the_api_needs_a_valid_bearer_token() {
    let server = TestServer::spawn(backends()[0]).await;
    let anonymous = server.client();
    let reply = anonymous.get("/api/v1/me").await;
    reply.assert_status(401);
    assert_eq!(reply.headers["www-authenticate"], "Bearer");
    assert_eq!(reply.headers["content-type"], "application/problem+json");
    assert_eq!(reply.json()["type"], "urn:coopkit:problem:unauthenticated");
    anonymous
        .with_bearer("coopkit_0000")
        .get("/api/v1/me")
        .await
        .assert_status(401);
    anonymous
        .with_bearer("not-even-prefixed")
        .get("/api/v1/me")
        .await
        .assert_status(401);

    api_person(&server, "Tess Token").await;
    let wrong = anonymous
        .post_json(
            "/api/v1/tokens",
            &json!({"email": email_of("Tess Token"), "password": "not the password", "name": "x"}),
        )
        .await;
    wrong.assert_status(401);
    assert_eq!(wrong.json()["type"], "urn:coopkit:problem:unauthenticated");
}

each_backend! {
    async fn failed_logins_are_limited_per_address(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        api_person(&server, "Lim Ited").await;
        let client = server.client();
        let attempt = |password: &'static str| {
            let client = client.clone();
            async move {
                client
                    .post_json(
                        "/api/v1/tokens",
                        &json!({"email": email_of("Lim Ited"), "password": password, "name": "x"}),
                    )
                    .await
            }
        };
        for _ in 0..5 {
            attempt("wrong password!").await.assert_status(401);
        }
        // Even the right password is refused while the limit holds.
        let limited = attempt(PASSWORD).await;
        limited.assert_status(429);
        assert_eq!(limited.headers["retry-after"], "900");

        // The window passes.
        server.clock.advance_ms(15 * 60 * 1000 + 1);
        attempt(PASSWORD).await.assert_status(201);
    }
}

each_backend! {
    async fn bad_input_names_the_field_and_writes_nothing(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let founder = api_person(&server, "Fay Founder").await;

        let no_type = founder.post_raw("/api/v1/coops", "text/plain", "{}").await;
        no_type.assert_status(415);

        let syntax = founder
            .post_raw("/api/v1/coops", "application/json", r#"{"slug": "x","#)
            .await;
        syntax.assert_status(400);
        assert_eq!(syntax.json()["type"], "urn:coopkit:problem:malformed-json");
        assert!(
            syntax.json()["detail"].as_str().unwrap().contains("line 1"),
            "{}",
            syntax.body
        );

        let missing = founder
            .post_json("/api/v1/coops", &json!({"slug": "x"}))
            .await;
        missing.assert_status(422);
        assert_eq!(missing.json()["errors"][0]["field"], "name");
        assert_eq!(missing.json()["errors"][0]["code"], "missing-field");

        let wrong_type = founder
            .post_json(
                "/api/v1/coops",
                &json!({
                    "slug": "typed", "name": "Typed", "joining_requires_approval": true, "dues": null,
                    "classes": [{"key": "a", "name": "A", "open_to_join": true}, {"key": "b", "name": "B", "open_to_join": "yes"}],
                    "founder_class": "a"
                }),
            )
            .await;
        wrong_type.assert_status(422);
        assert_eq!(
            wrong_type.json()["errors"][0]["field"],
            "classes[1].open_to_join"
        );

        let unknown = founder.post_json("/api/v1/people", &json!({"email": "u@x.org", "display_name": "U", "password": PASSWORD, "admin": true})).await;
        unknown.assert_status(422);
        assert_eq!(unknown.json()["errors"][0]["field"], "admin");
        assert_eq!(unknown.json()["errors"][0]["code"], "unknown-field");

        // Every invalid field at once, each named.
        let invalid = founder
            .post_json(
                "/api/v1/coops",
                &json!({
                    "slug": "Not A Slug", "name": "", "joining_requires_approval": true,
                    "dues": {"amount": 100, "currency": "GBP", "period": "weekly"},
                    "classes": [{"key": "Bad Key", "name": "A", "open_to_join": true}],
                    "founder_class": "a"
                }),
            )
            .await;
        invalid.assert_status(422);
        let fields: Vec<_> = invalid.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            fields,
            ["classes[0].key", "dues.period"],
            "{backend:?}: {}",
            invalid.body
        );

        let invalid_text = founder
            .post_json(
                "/api/v1/coops",
                &json!({
                    "slug": "Not A Slug", "name": "", "joining_requires_approval": true, "dues": null,
                    "classes": [{"key": "alpha", "name": "A", "open_to_join": true}, {"key": "alpha", "name": "A again", "open_to_join": true}],
                    "founder_class": "alpha"
                }),
            )
            .await;
        invalid_text.assert_status(422);
        let errors = invalid_text.json()["errors"].clone();
        assert_eq!(errors[0]["field"], "slug");
        assert_eq!(
            errors[0]["message"],
            "Use lowercase letters, digits and single hyphens, starting with a letter."
        );
        assert_eq!(errors[1]["field"], "name");

        let negative = founder
            .post_json(
                "/api/v1/coops",
                &json!({
                    "slug": "negative", "name": "Negative", "joining_requires_approval": true,
                    "dues": {"amount": -5, "currency": "GBP", "period": "monthly"},
                    "classes": [{"key": "alpha", "name": "A", "open_to_join": true}, {"key": "alpha", "name": "Twice", "open_to_join": true}],
                    "founder_class": "alpha"
                }),
            )
            .await;
        negative.assert_status(422);
        let fields: Vec<_> = negative.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(fields, ["dues_amount", "classes[1].key"]);

        let overflow = founder.post_raw("/api/v1/coops", "application/json", r#"{"slug": "o", "name": "O", "joining_requires_approval": true, "dues": {"amount": 99999999999999999999, "currency": "GBP", "period": "monthly"}, "classes": [], "founder_class": "a"}"#).await;
        overflow.assert_status(422);
        assert_eq!(overflow.json()["errors"][0]["field"], "dues.amount");

        let huge = founder
            .post_raw(
                "/api/v1/people",
                "application/json",
                &format!(r#"{{"email": "{}"}}"#, "x".repeat(70 * 1024)),
            )
            .await;
        huge.assert_status(413);

        founder
            .get("/api/v1/coops/nowhere")
            .await
            .assert_status(404);
        let bad_id = founder
            .post_json(
                "/api/v1/coops/nowhere/applications/not-a-number",
                &json!({"decision": "admit"}),
            )
            .await;
        bad_id.assert_status(404);
        let no_route = founder.get("/api/v1/nothing-here").await;
        no_route.assert_status(404);
        assert_eq!(no_route.headers["content-type"], "application/problem+json");

        // None of the refused requests left anything behind.
        assert_eq!(
            server.client().get("/api/v1/coops").await.json(),
            json!([]),
            "{backend:?}"
        );
    }
}

each_backend! {
    async fn admins_change_roles_and_settings(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let admin = coop(&server, "rolers", "Rae Admin", false).await;
        let member_client = member(&server, "rolers", &admin, "Max Member").await;
        let members = admin.get("/api/v1/coops/rolers/members").await.json();
        let id_of = |name: &str| {
            members
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["display_name"] == name)
                .unwrap()["membership_id"]
                .as_i64()
                .unwrap()
        };
        let (admin_id, max_id) = (id_of("Rae Admin"), id_of("Max Member"));

        // Members cannot hand out roles; admins can.
        let path = format!("/api/v1/coops/rolers/members/{max_id}/role");
        let body = json!({"role": "coordinator"});
        member_client
            .put_json(&path, &body)
            .await
            .assert_status(403);
        let changed = admin.put_json(&path, &body).await;
        changed.assert_status(200);
        assert_eq!(changed.json()["role"], "coordinator");
        admin
            .put_json(&path, &json!({"role": "owner"}))
            .await
            .assert_status(422);

        // The only admin cannot step down; with a second admin, they can.
        let own = format!("/api/v1/coops/rolers/members/{admin_id}/role");
        let refused = admin.put_json(&own, &json!({"role": "member"})).await;
        refused.assert_status(409);
        assert_eq!(refused.json()["errors"][0]["code"], "last-admin");
        admin
            .put_json(&path, &json!({"role": "admin"}))
            .await
            .assert_status(200);
        admin
            .put_json(&own, &json!({"role": "member"}))
            .await
            .assert_status(200);
        admin
            .delete("/api/v1/coops/rolers/membership")
            .await
            .assert_status(204);

        // Settings: admins only, validated, and shown back.
        let settings = json!({"joining_requires_approval": true, "dues": {"amount": 1500, "currency": "EUR", "period": "yearly"}});
        admin
            .put_json("/api/v1/coops/rolers/settings", &settings)
            .await
            .assert_status(403);
        let updated = member_client
            .put_json("/api/v1/coops/rolers/settings", &settings)
            .await;
        updated.assert_status(200);
        assert_eq!(updated.json()["dues"]["currency"], "EUR");
        assert_eq!(updated.json()["joining_requires_approval"], true);
        let bad = json!({"joining_requires_approval": true, "dues": {"amount": -1, "currency": "euro", "period": "yearly"}});
        let refused = member_client
            .put_json("/api/v1/coops/rolers/settings", &bad)
            .await;
        refused.assert_status(422);
        let fields: Vec<_> = refused.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(fields, ["dues_amount", "dues_currency"], "{backend:?}");
        assert_eq!(
            server.client().get("/api/v1/coops/rolers").await.json()["dues"]["amount"],
            1500
        );
    }
}
