//! A forgotten password, reset from the link in a message a real SMTP
//! server received, through the pages and the API, on SQLite and
//! PostgreSQL: once, within the hour, without telling who has an account,
//! and no more often than the limits allow.

use coopkit_app::mail::Postman;
use coopkit_testkit::{each_backend, Backend, SmtpServer, TestServer};
use serde_json::json;

use crate::fixtures::{api_person, email_of, PASSWORD};
use crate::mail::{deliver, path_of, FROM};
use crate::settlement::page_client;

const NEW_PASSWORD: &str = "remembered at last, this time";

/// The path of the newest reset link mailed to `address`.
fn newest_link(server: &TestServer, smtp: &SmtpServer, address: &str) -> String {
    let message = smtp
        .received_by(address)
        .into_iter()
        .rev()
        .find(|m| m.subject == "Set a new password")
        .expect("a reset message");
    path_of(
        server,
        &message.link("/password-reset/").expect("a reset link"),
    )
    .to_owned()
}

each_backend! {
    async fn a_forgotten_password_is_reset_once_from_the_emailed_link(backend: Backend) {
        let Some(smtp) = SmtpServer::start() else { return };
        let server = TestServer::spawn(backend).await;
        let postman = Postman::new(&smtp.url(), FROM).unwrap();
        api_person(&server, "Hana Forgetful").await;
        let hana = email_of("Hana Forgetful");
        let elsewhere = page_client(&server, "Hana Forgetful").await;

        // Asked for her address and for nobody's, the answer is the same;
        // only hers gets a message.
        let api = server.client();
        for email in [hana.as_str(), "nobody@example.coop"] {
            api.post_json("/api/v1/password-resets", &json!({"email": email}))
                .await
                .assert_status(202);
        }
        deliver(&server.app, &server, &postman).await;
        assert!(smtp.received_by("nobody@example.coop").is_empty());
        let link = newest_link(&server, &smtp, &hana);

        // The link's page takes a new password; a short one is refused
        // and the link still works.
        let browser = server.client();
        let page = browser.get(&link).await;
        page.assert_status(200);
        assert!(page.body.contains("New password"), "{}", page.body);
        browser.post_form(&link, &[("password", "short")]).await.assert_status(422);
        let set = browser.post_form(&link, &[("password", NEW_PASSWORD)]).await;
        assert_eq!(set.location(), Some("/login?done=reset"));
        let login = browser.get("/login?done=reset").await;
        assert!(login.body.contains("Your password is changed"), "{}", login.body);

        // Logged out everywhere; only the new password logs in; the
        // address counts as verified, as the link proved it.
        let account = elsewhere.get("/account").await;
        assert!(account.location().is_some_and(|to| to.starts_with("/login")), "the other browser is out");
        server.client().log_in(&hana, PASSWORD).await.assert_status(422);
        let back = server.client();
        back.log_in(&hana, NEW_PASSWORD).await.assert_status(303);
        let settings = back.get("/account/notifications").await;
        assert!(settings.body.contains("Mail goes to"), "{}", settings.body);

        // The link works once.
        let again = browser.get(&link).await;
        assert!(again.body.contains("This link does not work"), "{}", again.body);
        assert!(
            again.body.contains(r#"<a href="/password-reset" id="link-onward">Ask for a new link</a>"#),
            "a dead reset link leads to asking again: {}",
            again.body
        );
        let reused = browser.post_form(&link, &[("password", "yet another long phrase")]).await;
        assert!(reused.body.contains("This link does not work"), "{}", reused.body);

        // Through the API: once, and not after an hour.
        api.post_json("/api/v1/password-resets", &json!({"email": hana}))
            .await
            .assert_status(202);
        deliver(&server.app, &server, &postman).await;
        let api_link = newest_link(&server, &smtp, &hana).replace("/password-reset/", "/api/v1/password-resets/");
        api.post_json(&api_link, &json!({"password": "set through the api"}))
            .await
            .assert_status(204);
        api.post_json(&api_link, &json!({"password": "set through the api"}))
            .await
            .assert_status(404);
        server.client().log_in(&hana, "set through the api").await.assert_status(303);
        api.post_json("/api/v1/password-resets", &json!({"email": hana}))
            .await
            .assert_status(202);
        deliver(&server.app, &server, &postman).await;
        let late = newest_link(&server, &smtp, &hana).replace("/password-reset/", "/api/v1/password-resets/");
        server.clock.advance_ms(61 * 60 * 1000);
        api.post_json(&late, &json!({"password": "too late for this one"}))
            .await
            .assert_status(404);

        // Three requests an hour for one address, ten from one client.
        let ask = |email: String| {
            let api = api.clone();
            async move { api.post_json("/api/v1/password-resets", &json!({"email": email})).await }
        };
        for _ in 0..3 {
            ask(hana.clone()).await.assert_status(202);
        }
        ask(hana.clone()).await.assert_status(429);
        for i in 0..7 {
            ask(format!("someone.{i}@example.coop")).await.assert_status(202);
        }
        let refused = ask("someone.else@example.coop".into()).await;
        refused.assert_status(429);
        assert_eq!(refused.json()["status"], 429);

        // The page asks the same way, and says the same for any address.
        let form = server.client_from("127.0.0.2".parse().unwrap());
        form.get("/password-reset").await.assert_status(200);
        let sent = form.post_form("/password-reset", &[("email", "nobody@example.coop")]).await;
        assert_eq!(sent.location(), Some("/password-reset?done=sent"));
        form.post_form("/password-reset", &[("email", "not an address")])
            .await
            .assert_status(422);
    }
}
