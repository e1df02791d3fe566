//! Operators appoint and remove the directory's moderators from a page, on
//! SQLite and PostgreSQL; nobody else reaches the page or its forms.

use coopkit_domain::ServerRole;
use coopkit_testkit::{each_backend, Backend, TestServer};

use crate::fixtures::{api_person, email_of};
use crate::settlement::page_client;

each_backend! {
    async fn operators_appoint_and_remove_moderators(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        for name in ["Olga Operator", "Mo Moderator", "Nat Nobody"] {
            api_person(&server, name).await;
        }
        // Granted as `coopkit admin grant` does.
        let (olga, granted) = server
            .app
            .grant_server_role(&email_of("Olga Operator"), ServerRole::Operator)
            .await
            .unwrap();
        assert!(granted && olga.display_name == "Olga Operator");
        let (operator, mo, nat) = (
            page_client(&server, "Olga Operator").await,
            page_client(&server, "Mo Moderator").await,
            page_client(&server, "Nat Nobody").await,
        );

        // Only the operator reaches the page, and finds it from her account.
        assert!(operator.get("/account").await.body.contains("id=\"moderators-link\""));
        assert!(!nat.get("/account").await.body.contains("id=\"moderators-link\""));
        nat.get("/admin/moderators").await.assert_status(403);
        nat.post_form("/admin/moderators", &[("email", "nat.nobody@example.coop")])
            .await
            .assert_status(403);
        let page = operator.get("/admin/moderators").await;
        page.assert_status(200);
        assert!(page.body.contains("Nobody moderates the directory yet"), "{}", page.body);

        // Refused where the address was typed, nothing appointed.
        let appoint = |email: String| {
            let operator = &operator;
            async move { operator.post_form("/admin/moderators", &[("email", email.as_str())]).await }
        };
        let unknown = appoint("someone@else.example".into()).await;
        unknown.assert_status(422);
        assert!(unknown.body.contains("id=\"email-error\""), "{}", unknown.body);
        assert!(unknown.body.contains("No account on this server has this address"), "{}", unknown.body);
        appoint("not an address".into()).await.assert_status(422);
        mo.get("/directory/review").await.assert_status(403);

        // Appointed: the queue opens to him, once.
        appoint(email_of("Mo Moderator")).await.assert_status(303);
        let page = operator.get("/admin/moderators?done=appointed").await;
        assert!(page.body.contains("Mo Moderator") && page.body.contains("by Olga Operator"), "{}", page.body);
        mo.get("/directory/review").await.assert_status(200);
        assert!(mo.get("/account").await.body.contains("id=\"review-link\""));
        let again = appoint(email_of("Mo Moderator")).await;
        again.assert_status(409);
        assert!(again.body.contains("moderates the directory already"), "{}", again.body);

        // Removed: the queue closes again.
        let moderators = server.app.moderators(&olga).await.unwrap();
        assert_eq!(moderators.len(), 1);
        let remove = format!("/admin/moderators/{}/remove", moderators[0].person);
        nat.post_form(&remove, &[]).await.assert_status(403);
        operator.post_form(&remove, &[]).await.assert_status(303);
        mo.get("/directory/review").await.assert_status(403);
        operator.post_form(&remove, &[]).await.assert_status(404);
    }
}
