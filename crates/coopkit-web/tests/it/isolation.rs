//! A member of one co-op can neither read nor change anything private of
//! another, through the pages or the API; a non-member sees no member list.

use coopkit_testkit::{each_backend, Backend, TestServer};
use serde_json::json;

use crate::fixtures::{api_person, coop, email_of, member, PASSWORD};

each_backend! {
    async fn members_of_one_coop_cannot_reach_another(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let admin_a = coop(&server, "coop-a", "Alma A", true).await;
        let admin_b = coop(&server, "coop-b", "Bruno B", true).await;
        let _member_b = member(&server, "coop-b", &admin_b, "Bea B").await;

        // Someone applies to B; A's admin tries to decide it from every angle.
        let applicant = api_person(&server, "Cleo Applicant").await;
        let applied = applicant
            .post_json(
                "/api/v1/coops/coop-b/membership",
                &json!({"class": "worker"}),
            )
            .await;
        let b_application = applied.json()["id"].as_i64().unwrap();

        // API: B's lists and decisions are closed to A's admin.
        admin_a
            .get("/api/v1/coops/coop-b/members")
            .await
            .assert_status(403);
        admin_a
            .get("/api/v1/coops/coop-b/applications")
            .await
            .assert_status(403);
        admin_a
            .post_json(
                &format!("/api/v1/coops/coop-b/applications/{b_application}"),
                &json!({"decision": "admit"}),
            )
            .await
            .assert_status(403);
        // ... and B's application id under A's own co-op matches nothing.
        admin_a
            .post_json(
                &format!("/api/v1/coops/coop-a/applications/{b_application}"),
                &json!({"decision": "admit"}),
            )
            .await
            .assert_status(404);
        let a_queue = admin_a
            .get("/api/v1/coops/coop-a/applications")
            .await
            .json();
        assert_eq!(
            a_queue,
            json!([]),
            "{backend:?}: B's applicant never shows in A's queue"
        );

        // Pages: the same, with a logged-in session.
        let page_a = server.client();
        page_a
            .log_in(&email_of("Alma A"), PASSWORD)
            .await
            .assert_status(303);
        page_a.get("/c/coop-b/members").await.assert_status(403);
        page_a.get("/c/coop-b/approvals").await.assert_status(403);
        page_a
            .post_form(
                &format!("/c/coop-b/approvals/{b_application}"),
                &[("decision", "admit")],
            )
            .await
            .assert_status(403);
        page_a
            .post_form(
                &format!("/c/coop-a/approvals/{b_application}"),
                &[("decision", "decline")],
            )
            .await
            .assert_status(404);
        let b_members_page = page_a.get("/c/coop-b").await;
        assert!(
            !b_members_page.body.contains("Bea B"),
            "{backend:?}: a co-op's public page lists no members"
        );

        // Roles and settings of B are out of A's admin's reach too.
        let bea_id = admin_b
            .get("/api/v1/coops/coop-b/members")
            .await
            .json()
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["display_name"] == "Bea B")
            .unwrap()["membership_id"]
            .as_i64()
            .unwrap();
        admin_a
            .put_json(
                &format!("/api/v1/coops/coop-b/members/{bea_id}/role"),
                &json!({"role": "admin"}),
            )
            .await
            .assert_status(403);
        admin_a
            .put_json(
                &format!("/api/v1/coops/coop-a/members/{bea_id}/role"),
                &json!({"role": "admin"}),
            )
            .await
            .assert_status(404);
        page_a
            .post_form(
                &format!("/c/coop-a/members/{bea_id}/role"),
                &[("role", "admin")],
            )
            .await
            .assert_status(404);
        admin_a
            .put_json("/api/v1/coops/coop-b/settings", &json!({"joining_requires_approval": false, "dues": {"amount": 0, "currency": "GBP", "period": "yearly"}}))
            .await
            .assert_status(403);
        assert_eq!(
            server.client().get("/api/v1/coops/coop-b").await.json()["joining_requires_approval"],
            true
        );

        // The application is untouched.
        let b_queue = admin_b
            .get("/api/v1/coops/coop-b/applications")
            .await
            .json();
        assert_eq!(b_queue[0]["display_name"], "Cleo Applicant");
        assert_eq!(b_queue[0]["status"], "pending");

        // A plain member of B cannot decide applications either.
        let bea = server.client();
        bea.log_in(&email_of("Bea B"), PASSWORD)
            .await
            .assert_status(303);
        bea.get("/c/coop-b/members").await.assert_status(200);
        bea.get("/c/coop-b/approvals").await.assert_status(403);
        bea.post_form(
            &format!("/c/coop-b/approvals/{b_application}"),
            &[("decision", "admit")],
        )
        .await
        .assert_status(403);
    }
}

each_backend! {
    async fn a_non_member_sees_no_member_list(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        coop(&server, "private-list", "Pia Admin", true).await;
        let outsider = api_person(&server, "Otto Outsider").await;
        let refused = outsider.get("/api/v1/coops/private-list/members").await;
        refused.assert_status(403);
        assert!(!refused.body.contains("Pia Admin"), "{backend:?}");
        server
            .client()
            .get("/api/v1/coops/private-list/members")
            .await
            .assert_status(401);

        let page = server.client();
        page.log_in(&email_of("Otto Outsider"), PASSWORD)
            .await
            .assert_status(303);
        let forbidden = page.get("/c/private-list/members").await;
        forbidden.assert_status(403);
        assert!(forbidden
            .body
            .contains("Only members of this co-op can see this."));
        assert!(!forbidden.body.contains("Pia Admin"));
    }
}
