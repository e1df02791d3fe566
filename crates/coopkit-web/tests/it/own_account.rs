//! A person's own login from their account page: the password changed,
//! other browsers logged out, sessions and API tokens ended one by one,
//! on SQLite and PostgreSQL.

use coopkit_testkit::{each_backend, Backend, Client, TestServer};

use crate::fixtures::{email_of, PASSWORD};
use crate::ledger::sitters;
use crate::settlement::page_client;

const NEW_PASSWORD: &str = "a brand new phrase of words";

/// The first path on the page that starts with `prefix`, up to its quote.
fn first_path(html: &str, prefix: &str) -> String {
    let start = html
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in {html}"));
    let end = start + html[start..].find('"').unwrap();
    html[start..end].to_owned()
}

/// Whether the client's session is gone: its page sends it to log in.
async fn logged_out(client: &Client) -> bool {
    let reply = client.get("/account").await;
    reply.location().is_some_and(|to| to.starts_with("/login"))
}

each_backend! {
    async fn a_person_changes_their_password_and_ends_sessions_and_tokens(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let (_, ana_api, _) = sitters(&server).await;
        let email = email_of("Ana Parent");
        let here = page_client(&server, "Ana Parent").await;
        let phone = page_client(&server, "Ana Parent").await;

        // Both browsers are listed; only the other one can be ended here.
        let page = here.get("/account").await;
        page.assert_status(200);
        assert!(page.body.contains("This browser"), "{}", page.body);
        assert_eq!(page.body.matches("/account/sessions/").count(), 1, "{}", page.body);

        // A wrong current password or a short new one changes nothing.
        let wrong = here
            .post_form(
                "/account/password",
                &[("current_password", "not my password at all"), ("new_password", NEW_PASSWORD)],
            )
            .await;
        wrong.assert_status(422);
        assert!(wrong.body.contains("That is not your current password."), "{}", wrong.body);
        let short = here
            .post_form(
                "/account/password",
                &[("current_password", PASSWORD), ("new_password", "short")],
            )
            .await;
        short.assert_status(422);
        assert!(!logged_out(&phone).await);

        // The change logs the phone out, keeps this browser, and only the
        // new password logs in.
        here.post_form(
            "/account/password",
            &[("current_password", PASSWORD), ("new_password", NEW_PASSWORD)],
        )
        .await
        .assert_status(303);
        let after = here.get("/account?done=password").await;
        after.assert_status(200);
        assert!(after.body.contains("Your password is changed."), "{}", after.body);
        assert!(logged_out(&phone).await);
        let laptop = server.client();
        laptop.log_in(&email, PASSWORD).await.assert_status(422);
        laptop.log_in(&email, NEW_PASSWORD).await.assert_status(303);

        // The laptop's session ends from this page; a made-up one is not
        // found.
        let page = here.get("/account").await;
        let end = first_path(&page.body, "/account/sessions/");
        here.post_form(&end, &[]).await.assert_status(303);
        assert!(logged_out(&laptop).await);
        assert!(!logged_out(&here).await);
        here.post_form("/account/sessions/0123456789abcdef/end", &[])
            .await
            .assert_status(404);

        // The API token works until it is revoked here.
        let members = "/api/v1/coops/sitters/members";
        ana_api.get(members).await.assert_status(200);
        let revoke = first_path(&page.body, "/account/tokens/");
        assert!(revoke.ends_with("/revoke"), "{revoke}");
        here.post_form(&revoke, &[]).await.assert_status(303);
        ana_api.get(members).await.assert_status(401);
        here.post_form(&revoke, &[]).await.assert_status(404);
    }
}
