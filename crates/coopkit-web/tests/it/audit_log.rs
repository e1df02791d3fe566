//! A co-op's audit log, on SQLite and PostgreSQL: members read who did
//! what the bylaws give admins to do, a page at a time, and nothing of
//! members' dealings with each other; nobody outside reads it.

use coopkit_testkit::{each_backend, Backend, TestServer};
use serde_json::json;

use crate::fixtures::coop;
use crate::ledger::{pay, person_id, sitters, submit};
use crate::settlement::page_client;

each_backend! {
    async fn members_read_who_did_what_and_nobody_else_does(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let (admin, ana, ben) = sitters(&server).await;
        let ben_membership = ben.get("/api/v1/me").await.json()["memberships"][0]["id"]
            .as_i64()
            .unwrap();
        admin
            .put_json(
                &format!("/api/v1/coops/sitters/members/{ben_membership}/role"),
                &json!({"role": "coordinator"}),
            )
            .await
            .assert_status(200);
        let mut issue = pay(1, person_id(&ana).await, 5);
        issue["from_issuance"] = json!(true);
        submit(&admin, vec![issue]).await;
        submit(&ana, vec![pay(2, person_id(&ben).await, 2)]).await;
        // Enough changes of the dues for a second page.
        for amount in 0..50 {
            let settings = json!({"joining_requires_approval": false,
                "dues": {"amount": amount, "currency": "HOUR", "period": "monthly"}});
            admin
                .put_json("/api/v1/coops/sitters/settings", &settings)
                .await
                .assert_status(200);
        }

        let reader = page_client(&server, "Ana Parent").await;
        let first = reader.get("/c/sitters/log").await;
        first.assert_status(200);
        assert_eq!(first.body.matches("changed joining and dues").count(), 50, "{}", first.body);
        // The link to older entries, as the page wrote it (`=` escaped).
        let before: String = first
            .body
            .split("/c/sitters/log?before")
            .nth(1)
            .unwrap()
            .trim_start_matches("&#61;")
            .trim_start_matches('=')
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let older = format!("/c/sitters/log?before={before}");
        let second = reader.get(&older).await;
        second.assert_status(200);
        let text = &second.body;
        assert!(text.contains("Ada Admin</strong> made Ben Parent coordinator"), "{text}");
        assert!(text.contains("Ada Admin</strong> defined the currency HOUR"), "{text}");
        assert!(text.contains("Ana Parent</strong> joined the co-op"), "{text}");
        assert!(text.contains("Ada Admin</strong> founded the co-op"), "{text}");
        assert!(!text.contains("id=\"audit-older\""), "the last page");
        // Payments between members are theirs, not the log's.
        assert!(!first.body.contains("batch") && !text.contains("batch"), "{text}");

        coop(&server, "elsewhere", "Olga Outsider", false).await;
        let olga = page_client(&server, "Olga Outsider").await;
        olga.get("/c/sitters/log").await.assert_status(403);
        server.client().get("/c/sitters/log").await.assert_status(303);
        let nonsense = reader.get("/c/sitters/log?before=yesterday").await;
        nonsense.assert_status(404);
    }
}
