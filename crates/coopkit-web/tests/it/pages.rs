//! The pages, as a browser without JavaScript uses them: forms, cookies,
//! redirects, languages, and what the server refuses.

use coopkit_testkit::{backends, each_backend, Backend, TestServer};

use crate::fixtures::{coop, email_of, PASSWORD};

#[tokio::test]
async fn session_cookies_are_secure_httponly_and_samesite() {
    let server = TestServer::spawn(backends()[0]).await;
    let client = server.client();
    let first = client.get("/").await;
    first.assert_status(200);
    let csrf = first.set_cookies();
    assert_eq!(csrf.len(), 1, "{csrf:?}");
    assert!(csrf[0].starts_with("__Host-coopkit_csrf="), "{csrf:?}");
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(
            csrf[0].contains(attribute),
            "{attribute} missing: {}",
            csrf[0]
        );
    }

    let signed_up = client
        .sign_up("Cara Cookie", "cara@example.coop", PASSWORD)
        .await;
    let session = signed_up
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("__Host-coopkit_session="))
        .expect("a session cookie");
    for attribute in [
        "HttpOnly",
        "Secure",
        "SameSite=Lax",
        "Path=/",
        "Max-Age=3600",
    ] {
        assert!(
            session.contains(attribute),
            "{attribute} missing: {session}"
        );
    }
    // Logging in renews the CSRF token.
    let renewed = client.cookie("__Host-coopkit_csrf").unwrap();
    assert_ne!(
        csrf[0].split(';').next().unwrap(),
        format!("__Host-coopkit_csrf={renewed}")
    );

    let headers = &first.headers;
    assert!(headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["x-content-type-options"], "nosniff");
}

each_backend! {
    async fn forms_without_the_csrf_token_are_refused_and_change_nothing(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let client = server.client();
        client.get("/signup").await;
        let fields = [
            ("display_name", "Eve"),
            ("email", "eve@example.coop"),
            ("password", PASSWORD),
        ];
        let forged = client.post_form_raw("/signup", &fields).await;
        forged.assert_status(403);
        assert!(
            forged.body.contains("This form has expired"),
            "{}",
            forged.body
        );
        let zeros = "00".repeat(32);
        let wrong: Vec<_> = [("csrf", zeros.as_str())]
            .into_iter()
            .chain(fields)
            .collect();
        client
            .post_form_raw("/signup", &wrong)
            .await
            .assert_status(403);

        // Nobody was signed up: the address is still free.
        client.sign_up("Eve", "eve@example.coop", PASSWORD).await;
    }
}

/// The double-submit cookie alone holds only while the browser keeps the
/// `__Host-` prefix's promise; a logged-in form's token is bound to the
/// session, so a planted cookie, or another member's token, is refused.
#[tokio::test]
async fn a_logged_in_forms_token_is_bound_to_its_session() {
    let server = TestServer::spawn(backends()[0]).await;
    let mallory = server.client();
    mallory
        .sign_up("Mallory", "mallory@example.coop", PASSWORD)
        .await;
    mallory.get("/account").await.assert_status(200);
    let mallory_token = mallory.form_token().expect("a form on the page");

    let victim = server.client();
    victim.sign_up("Vic", "vic@example.coop", PASSWORD).await;
    let page = victim.get("/account").await;
    let token = victim.form_token().expect("a form on the page");
    assert_ne!(
        Some(&token),
        victim.cookie("__Host-coopkit_csrf").as_ref(),
        "the page's token is not the cookie's"
    );
    assert!(page.body.contains(&token));

    let chosen = "ab".repeat(32);
    victim.plant_cookie("__Host-coopkit_csrf", &chosen);
    for forged in [chosen.as_str(), mallory_token.as_str()] {
        victim
            .post_form_raw("/lang", &[("csrf", forged), ("lang", "es"), ("back", "/")])
            .await
            .assert_status(403);
    }
    // The language did not change; the session's own token still works,
    // whatever the cookie says.
    assert!(victim.get("/account").await.body.contains(r#"lang="en""#));
    victim
        .post_form_raw("/lang", &[("csrf", &token), ("lang", "es"), ("back", "/")])
        .await
        .assert_status(303);
    assert!(victim.get("/account").await.body.contains(r#"lang="es""#));
}

/// A page answered to a form's POST (a vote's receipt, a form shown again
/// with its errors) may have no GET of its own: its language switch and
/// login links go back to the page the form was on, not to the POST's URL.
#[tokio::test]
async fn a_page_answered_to_a_post_comes_back_to_the_form_page() {
    let server = TestServer::spawn(backends()[0]).await;
    let back = |body: &str| {
        let field = r#"name="back" value=""#;
        let start = body.find(field).expect("the language form") + field.len();
        body[start..start + body[start..].find('"').unwrap()].to_owned()
    };
    let fields = [
        ("display_name", "Nina"),
        ("email", "bad"),
        ("password", "short"),
    ];
    let from_form = server
        .client()
        .with_header("referer", &format!("{}/signup?from=home", server.base_url));
    let shown = from_form.post_form("/signup", &fields).await;
    shown.assert_status(422);
    assert_eq!(back(&shown.body), "/signup?from=home");
    // No Referer, or one from elsewhere: the home page.
    let bare = server.client().post_form("/signup", &fields).await;
    assert_eq!(back(&bare.body), "/");
    let elsewhere = server
        .client()
        .with_header("referer", "//evil.example/signup");
    let shown = elsewhere.post_form("/signup", &fields).await;
    assert_eq!(back(&shown.body), "/");
}

#[tokio::test]
async fn sign_up_errors_are_shown_per_field_and_keep_what_was_typed() {
    let server = TestServer::spawn(backends()[0]).await;
    let client = server.client();
    let reply = client
        .post_form(
            "/signup",
            &[
                ("display_name", "Nina"),
                ("email", "not-an-address"),
                ("password", "short"),
            ],
        )
        .await;
    reply.assert_status(422);
    assert!(reply.body.contains(r#"id="email-error""#), "{}", reply.body);
    assert!(reply
        .body
        .contains("This does not look like an email address."));
    assert!(reply.body.contains("Use at least 10 characters."));
    assert!(reply.body.contains(r#"value="Nina""#), "typed name kept");
    assert!(reply.body.contains(r#"aria-invalid="true""#));

    client.sign_up("Nina", "nina@example.coop", PASSWORD).await;
    let other = server.client();
    let taken = other
        .post_form(
            "/signup",
            &[
                ("display_name", "Nina 2"),
                ("email", "NINA@example.coop"),
                ("password", PASSWORD),
            ],
        )
        .await;
    taken.assert_status(409);
    assert!(taken
        .body
        .contains("An account with this address already exists."));
}

each_backend! {
    async fn a_member_joins_a_coordinator_approves_and_the_member_sees_the_list(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let admin_api = coop(&server, "weavers", "Wanda Admin", true).await;

        // Anonymous visitors see the public page but not the member list.
        let visitor = server.client();
        let page = visitor.get("/c/weavers").await;
        page.assert_status(200);
        assert!(page.body.contains("Log in or sign up to join this co-op."));
        assert!(
            page.body.contains("5.00 a month, in GBP"),
            "dues shown from integer pence (a currency not defined yet goes by its code)"
        );
        let hidden = visitor.get("/c/weavers/members").await;
        hidden.assert_status(303);
        assert_eq!(
            hidden.location(),
            Some("/login?next=%2Fc%2Fweavers%2Fmembers")
        );

        let member = server.client();
        member
            .sign_up("Mo Member", "mo@example.coop", PASSWORD)
            .await;
        let joined = member
            .post_form("/c/weavers/join", &[("class", "worker")])
            .await;
        joined.assert_status(303);
        let pending = member.get("/c/weavers").await;
        assert!(
            pending
                .body
                .contains("Your application is waiting for a coordinator."),
            "{backend:?}"
        );
        member.get("/c/weavers/members").await.assert_status(403);

        let admin = server.client();
        admin
            .log_in(&email_of("Wanda Admin"), PASSWORD)
            .await
            .assert_status(303);
        let queue = admin.get("/c/weavers/approvals").await;
        queue.assert_status(200);
        assert!(queue.body.contains("Mo Member"));
        let id = admin_api
            .get("/api/v1/coops/weavers/applications")
            .await
            .json()[0]["membership_id"]
            .clone();
        admin
            .post_form(
                &format!("/c/weavers/approvals/{id}"),
                &[("decision", "admit")],
            )
            .await
            .assert_status(303);
        assert!(!admin
            .get("/c/weavers/approvals")
            .await
            .body
            .contains("Mo Member"));

        let list = member.get("/c/weavers/members").await;
        list.assert_status(200);
        assert!(
            list.body.contains("Mo Member") && list.body.contains("Wanda Admin"),
            "{backend:?}"
        );
        assert!(
            list.body.contains("November 21, 2026"),
            "dates from the test clock, written out"
        );

        // Only the admin sees the role forms; promoting Mo shows at once.
        assert!(!list.body.contains("/role\""), "members get no role form");
        let admin_list = admin.get("/c/weavers/members").await;
        assert!(admin_list
            .body
            .contains(&format!("/c/weavers/members/{id}/role")));
        admin
            .post_form(
                &format!("/c/weavers/members/{id}/role"),
                &[("role", "coordinator")],
            )
            .await
            .assert_status(303);
        assert!(
            member.get("/c/weavers/approvals").await.status.is_success(),
            "{backend:?}: a coordinator now"
        );
        member
            .post_form(
                &format!("/c/weavers/members/{id}/role"),
                &[("role", "admin")],
            )
            .await
            .assert_status(403);

        // Leaving ends access to the list.
        member
            .post_form("/c/weavers/leave", &[])
            .await
            .assert_status(303);
        member.get("/c/weavers/members").await.assert_status(403);
    }
}

#[tokio::test]
async fn pages_speak_the_visitors_language() {
    let server = TestServer::spawn(backends()[0]).await;
    let spanish_browser = server
        .client()
        .with_accept_language("es-MX,es;q=0.9,en;q=0.5");
    let home = spanish_browser.get("/").await;
    assert!(
        home.body.contains("Cooperativas en este servidor"),
        "{}",
        home.body
    );
    assert!(home.body.contains(r#"<html lang="es">"#));

    // The switch wins over the browser, and is remembered.
    let switched = spanish_browser
        .post_form("/lang", &[("lang", "en"), ("back", "/signup")])
        .await;
    switched.assert_status(303);
    assert_eq!(switched.location(), Some("/signup"));
    assert!(spanish_browser
        .get("/")
        .await
        .body
        .contains("Co-ops on this server"));

    // A logged-in person's own setting wins over both.
    let person = server.client().with_accept_language("en");
    person.sign_up("Lola", "lola@example.coop", PASSWORD).await;
    person
        .post_form("/lang", &[("lang", "es"), ("back", "/")])
        .await;
    person.forget_cookies();
    person
        .log_in("lola@example.coop", PASSWORD)
        .await
        .assert_status(303);
    let account = person.get("/account").await;
    assert!(account.body.contains("Mi cuenta"), "{}", account.body);

    let unknown = person
        .post_form("/lang", &[("lang", "xx"), ("back", "/")])
        .await;
    unknown.assert_status(422);
}

#[tokio::test]
async fn redirects_after_login_stay_on_this_site() {
    let server = TestServer::spawn(backends()[0]).await;
    let client = server.client();
    client.sign_up("Rita", "rita@example.coop", PASSWORD).await;
    client.forget_cookies();
    let evil = client
        .post_form(
            "/login",
            &[
                ("email", "rita@example.coop"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(evil.location(), Some("/"));
    client.forget_cookies();
    let good = client
        .post_form(
            "/login",
            &[
                ("email", "rita@example.coop"),
                ("password", PASSWORD),
                ("next", "/account"),
            ],
        )
        .await;
    assert_eq!(good.location(), Some("/account"));
}

each_backend! {
    async fn logging_out_ends_the_session_on_the_server(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let client = server.client();
        client.sign_up("Lou", "lou@example.coop", PASSWORD).await;
        let stolen = client.cookie("__Host-coopkit_session").unwrap();
        client.get("/account").await.assert_status(200);
        client.post_form("/logout", &[]).await.assert_status(303);
        assert_eq!(client.cookie("__Host-coopkit_session"), None);

        // Replaying the old cookie does not log anyone in.
        let reply = account_with_session(&server, &stolen).await;
        assert_eq!(
            reply.as_u16(),
            303,
            "{backend:?}: an ended session must not reach /account"
        );
    }
}

async fn account_with_session(server: &TestServer, session: &str) -> reqwest::StatusCode {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/account", server.base_url))
        .header("cookie", format!("__Host-coopkit_session={session}"))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn the_login_page_limits_failed_attempts() {
    let server = TestServer::spawn(backends()[0]).await;
    let client = server.client();
    client
        .sign_up("Guess Me", "guess@example.coop", PASSWORD)
        .await;
    client.forget_cookies();
    for _ in 0..5 {
        let wrong = client
            .log_in("guess@example.coop", "wrong wrong wrong")
            .await;
        wrong.assert_status(422);
        assert!(wrong
            .body
            .contains("The email address or the password is wrong."));
    }
    let limited = client.log_in("guess@example.coop", PASSWORD).await;
    limited.assert_status(429);
    assert!(
        limited
            .body
            .contains("Too many attempts. Please wait 15 minutes"),
        "{}",
        limited.body
    );
}

#[tokio::test]
async fn unknown_pages_and_coops_are_404_pages() {
    let server = TestServer::spawn(backends()[0]).await;
    let client = server.client();
    let missing = client.get("/c/no-such-coop").await;
    missing.assert_status(404);
    assert!(missing.body.contains("We could not find that page."));
    client.get("/no/such/page").await.assert_status(404);
    let not_form = client.post_raw("/signup", "application/json", "{}").await;
    not_form.assert_status(415);
}

#[tokio::test]
async fn members_create_api_tokens_from_their_account_page() {
    let server = TestServer::spawn(backends()[0]).await;
    let client = server.client();
    client
        .sign_up("Tia Token", "tia@example.coop", PASSWORD)
        .await;
    let page = client
        .post_form("/account/tokens", &[("name", "my script")])
        .await;
    page.assert_status(200);
    let token = page
        .body
        .split(r#"<code id="new-token">"#)
        .nth(1)
        .and_then(|rest| rest.split("</code>").next())
        .expect("the new token on the page")
        .to_owned();
    let me = server.client().with_bearer(&token).get("/api/v1/me").await;
    me.assert_status(200);
    assert_eq!(me.json()["email"], "tia@example.coop");
    client
        .post_form("/account/tokens", &[("name", "  ")])
        .await
        .assert_status(422);
}

/// The directory was reached only by typing its address; every page's
/// header links to it now, for visitors and members alike.
#[tokio::test]
async fn every_pages_header_links_to_the_directory() {
    let server = TestServer::spawn(coopkit_store::Backend::Sqlite).await;
    coop(&server, "guild", "Ada Admin", false).await;
    let visitor = server.client();
    let member = crate::settlement::page_client(&server, "Ada Admin").await;
    for (client, path) in [
        (&visitor, "/"),
        (&visitor, "/login"),
        (&visitor, "/c/guild"),
        (&member, "/c/guild/ledger"),
        (&member, "/account"),
    ] {
        let page = client.get(path).await;
        page.assert_status(200);
        let header = page.body.split("</header>").next().unwrap();
        assert!(header.contains(r#"href="/directory""#), "{path}: {header}");
    }
}
