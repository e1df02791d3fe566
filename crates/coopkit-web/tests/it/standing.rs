//! Suspending, reinstating and expelling members from the pages, on SQLite
//! and PostgreSQL: coordinators suspend those below them, only admins
//! expel, a suspended member cannot pay (their balance stays), and the
//! member is told by a real SMTP server and reads why on the co-op's page.

use coopkit_app::mail::Postman;
use coopkit_testkit::{each_backend, Backend, Client, SmtpServer, TestServer};
use serde_json::json;

use crate::fixtures::{apply, email_of};
use crate::ledger::{balance, pay, person_id, sitters, submit};
use crate::mail::{deliver, verify, FROM};
use crate::settlement::page_client;

async fn membership_of(client: &Client) -> i64 {
    client.get("/api/v1/me").await.json()["memberships"][0]["id"]
        .as_i64()
        .unwrap()
}

async fn standing(
    client: &Client,
    membership: i64,
    action: &str,
    reason: &str,
) -> coopkit_testkit::Reply {
    client
        .post_form(
            &format!("/c/sitters/members/{membership}/standing"),
            &[("action", action), ("reason", reason)],
        )
        .await
}

each_backend! {
    async fn coordinators_suspend_and_admins_expel_and_the_member_is_told(backend: Backend) {
        let Some(smtp) = SmtpServer::start() else { return };
        let server = TestServer::spawn(backend).await;
        let postman = Postman::new(&smtp.url(), FROM).unwrap();
        let (admin_api, ana_api, ben_api) = sitters(&server).await;
        let (ana_membership, ben_membership) =
            (membership_of(&ana_api).await, membership_of(&ben_api).await);
        let admin_membership = membership_of(&admin_api).await;
        admin_api
            .put_json(
                &format!("/api/v1/coops/sitters/members/{ana_membership}/role"),
                &json!({"role": "coordinator"}),
            )
            .await
            .assert_status(200);
        let mut issue = pay(1, person_id(&ben_api).await, 20);
        issue["from_issuance"] = json!(true);
        assert_eq!(submit(&admin_api, vec![issue]).await, ["created"]);
        deliver(&server.app, &server, &postman).await;
        verify(&server, &smtp, "Ben Parent").await;
        let (ada, ana, ben) = (
            page_client(&server, "Ada Admin").await,
            page_client(&server, "Ana Parent").await,
            page_client(&server, "Ben Parent").await,
        );

        // A member sees neither the member's page nor the links to it.
        let list = ben.get("/c/sitters/members").await;
        assert!(!list.body.contains(&format!("/c/sitters/members/{ana_membership}\"")), "{}", list.body);
        ben.get(&format!("/c/sitters/members/{ana_membership}")).await.assert_status(403);
        standing(&ben, ana_membership, "suspend", "No reason").await.assert_status(403);

        // The coordinator's page offers suspending, not expelling.
        let page = ana.get(&format!("/c/sitters/members/{ben_membership}")).await;
        page.assert_status(200);
        assert!(page.body.contains("id=\"member-suspend\""), "{}", page.body);
        assert!(!page.body.contains("id=\"member-expel\""), "{}", page.body);
        // Refused: no reason, an admin, an expulsion; nothing changes.
        let unsaid = standing(&ana, ben_membership, "suspend", "  ").await;
        unsaid.assert_status(422);
        assert!(unsaid.body.contains("id=\"suspend-reason-error\""), "{}", unsaid.body);
        let outranked = standing(&ana, admin_membership, "suspend", "Too bossy").await;
        outranked.assert_status(409);
        assert!(outranked.body.contains("Only someone with a higher role"), "{}", outranked.body);
        standing(&ana, ben_membership, "expel", "Gone").await.assert_status(403);
        assert_eq!(submit(&ben_api, vec![pay(2, person_id(&ana_api).await, 1)]).await, ["created"]);

        // Suspended: he cannot pay, and reads why; the coordinators list him.
        let suspended = standing(&ana, ben_membership, "suspend", "Dues unpaid since March").await;
        suspended.assert_status(303);
        let page = ana.get(&format!("/c/sitters/members/{ben_membership}?done=1")).await;
        assert!(page.body.contains("id=\"member-standing\">suspended</dd>"), "{}", page.body);
        assert!(page.body.contains("id=\"member-reinstate\""), "{}", page.body);
        let list = ana.get("/c/sitters/members").await;
        assert!(list.body.contains("Dues unpaid since March"), "{}", list.body);
        let refused = ben_api
            .post_json(
                "/api/v1/coops/sitters/transfers",
                &json!({"transfers": [pay(3, person_id(&ana_api).await, 1)]}),
            )
            .await;
        refused.assert_status(403);
        let coop_page = ben.get("/c/sitters").await;
        assert!(coop_page.body.contains("Your membership is suspended"), "{}", coop_page.body);
        assert!(coop_page.body.contains("The reason given: Dues unpaid since March"), "{}", coop_page.body);
        deliver(&server.app, &server, &postman).await;
        let told: Vec<String> = smtp
            .received_by(&email_of("Ben Parent"))
            .into_iter()
            .map(|m| m.subject)
            .filter(|s| s.contains("membership"))
            .collect();
        assert_eq!(told, ["Co-op sitters: your membership is suspended"]);

        // Reinstated: he pays again from the balance he kept.
        standing(&ana, ben_membership, "reinstate", "").await.assert_status(303);
        assert_eq!(balance(&ben_api).await, 19);
        assert_eq!(submit(&ben_api, vec![pay(4, person_id(&ana_api).await, 1)]).await, ["created"]);

        // Expelled by the admin: he reads why, and may only apply to be
        // decided on, though the co-op admits others at once.
        let expelled = standing(&ada, ben_membership, "expel", "Took a family's savings").await;
        expelled.assert_status(303);
        let coop_page = ben.get("/c/sitters").await;
        assert!(coop_page.body.contains("You were expelled from this co-op"), "{}", coop_page.body);
        assert!(coop_page.body.contains("Took a family&#39;s savings") || coop_page.body.contains("Took a family&#x27;s savings"), "{}", coop_page.body);
        ben_api.get("/api/v1/coops/sitters/members").await.assert_status(403);
        let again = apply(&ben_api, "sitters").await;
        assert_eq!(again.json()["status"], "pending");
        deliver(&server.app, &server, &postman).await;
        let subjects: Vec<String> = smtp
            .received_by(&email_of("Ben Parent"))
            .into_iter()
            .map(|m| m.subject)
            .collect();
        assert!(subjects.contains(&"Co-op sitters: your suspension is lifted".to_owned()), "{subjects:?}");
        assert!(subjects.contains(&"Co-op sitters: you were expelled".to_owned()), "{subjects:?}");

        // The log says who did each, never why.
        let log = ada.get("/c/sitters/log").await.body;
        assert!(log.contains("Ana Parent</strong> suspended Ben Parent&#39;s membership") || log.contains("Ana Parent</strong> suspended Ben Parent&#x27;s membership"), "{log}");
        assert!(log.contains("lifted Ben Parent"), "{log}");
        assert!(log.contains("Ada Admin</strong> expelled Ben Parent"), "{log}");
        assert!(!log.contains("savings") && !log.contains("March"), "{log}");
    }
}
