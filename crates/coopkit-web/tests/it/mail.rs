//! Email through a real SMTP server (aiosmtpd on loopback), on SQLite and
//! PostgreSQL: addresses verified from the link in the message received,
//! an application told to the coordinator while the server is down and
//! once it is back, each message sent once by two app servers at once,
//! digests in the recipient's morning, and one-click unsubscribing.

use std::sync::Arc;

use coopkit_app::mail::{Postman, SendReport};
use coopkit_app::{App, AppConfig};
use coopkit_domain::{Clock, Zone};
use coopkit_store::Store;
use coopkit_testkit::{each_backend, Backend, Client, SmtpServer, TestServer};
use coopkit_web::mail::WebComposer;
use serde_json::json;

use crate::fixtures::{api_person, coop, email_of};
use crate::settlement::page_client;

pub(crate) const FROM: &str = "Co-op mail <noreply@coop.example>";

/// Queues what the events since the last pass call for, and sends what
/// is due, as the server's worker does once each few seconds.
pub(crate) async fn deliver(app: &App, server: &TestServer, postman: &Postman) -> SendReport {
    app.queue_notices().await.unwrap();
    app.send_due_mail(&WebComposer::new(&server.base_url), postman)
        .await
        .unwrap()
}

/// The path of `url`, on the test server.
pub(crate) fn path_of<'a>(server: &TestServer, url: &'a str) -> &'a str {
    url.strip_prefix(&server.base_url)
        .unwrap_or_else(|| panic!("{url} is not on {}", server.base_url))
}

/// Follows the link of the last verification message to `name`.
pub(crate) async fn verify(server: &TestServer, smtp: &SmtpServer, name: &str) {
    let message = smtp
        .received_by(&email_of(name))
        .into_iter()
        .rev()
        .find(|m| m.subject == "Confirm your email address")
        .unwrap_or_else(|| panic!("no verification message for {name}"));
    let link = message.link("/verify-email/").expect("a verification link");
    let page = server.client().get(path_of(server, &link)).await;
    page.assert_status(200);
    assert!(
        page.body.contains("your address is confirmed"),
        "{}",
        page.body
    );
}

/// Someone signed up through the API whose address is verified.
async fn verified(server: &TestServer, smtp: &SmtpServer, postman: &Postman, name: &str) -> Client {
    let client = api_person(server, name).await;
    deliver(&server.app, server, postman).await;
    verify(server, smtp, name).await;
    client
}

/// Applies to join `slug`; the application's id.
async fn apply(person: &Client, slug: &str) -> i64 {
    crate::fixtures::apply(person, slug).await.json()["id"]
        .as_i64()
        .unwrap()
}

each_backend! {
    async fn an_application_reaches_the_coordinator_after_the_mail_server_was_down(backend: Backend) {
        let Some(mut smtp) = SmtpServer::start() else { return };
        let server = TestServer::spawn(backend).await;
        let postman = Postman::new(&smtp.url(), FROM).unwrap();
        let admin = coop(&server, "mailers", "Cora Admin", true).await;
        deliver(&server.app, &server, &postman).await;
        verify(&server, &smtp, "Cora Admin").await;
        // A verification link works once.
        let first = smtp.received_by(&email_of("Cora Admin"))[0].link("/verify-email/").unwrap();
        let again = server.client().get(path_of(&server, &first)).await;
        assert!(again.body.contains("This link does not work"), "{}", again.body);

        let abe = verified(&server, &smtp, &postman, "Abe Applicant").await;
        let application = apply(&abe, "mailers").await;

        // The server is down: the message waits, failing, with the reason.
        smtp.stop();
        let down = deliver(&server.app, &server, &postman).await;
        assert_eq!((down.sent, down.deferred), (0, 1), "{down:?}");
        let cora = page_client(&server, "Cora Admin").await;
        let outbox = cora.get("/c/mailers/outbox").await;
        outbox.assert_status(200);
        assert!(outbox.body.contains("Failing, tried again later"), "{}", outbox.body);
        assert!(outbox.body.contains("Connection refused"), "{}", outbox.body);
        assert!(outbox.body.contains("This server sends no email yet"), "mail is off in the test server's settings");

        // Back up, it is tried again after the backoff, and sent once.
        smtp.resume();
        assert_eq!(deliver(&server.app, &server, &postman).await.sent, 0, "not due yet");
        server.clock.advance_ms(61_000);
        assert_eq!(deliver(&server.app, &server, &postman).await.sent, 1);
        assert_eq!(deliver(&server.app, &server, &postman).await.sent, 0);
        let to_cora: Vec<_> = smtp
            .received_by(&email_of("Cora Admin"))
            .into_iter()
            .filter(|m| m.subject.contains("application"))
            .collect();
        assert_eq!(to_cora.len(), 1, "{to_cora:?}");
        let message = &to_cora[0];
        assert_eq!(message.subject, "Co-op mailers: a new application to join");
        assert!(message.text.contains("Abe Applicant applied to join Co-op mailers"), "{}", message.text);
        assert!(message.html.contains("/c/mailers/approvals"), "{}", message.html);
        assert!(message.message_id.ends_with("@coop.example>"), "{}", message.message_id);
        assert!(smtp.received_by(&email_of("Abe Applicant")).iter().all(|m| !m.subject.contains("application")),
            "the applicant is not told of their own application");
        let outbox = cora.get("/c/mailers/outbox").await;
        assert!(outbox.body.contains("Sent"), "{}", outbox.body);

        // Admitted, the applicant hears of it.
        admin
            .post_json(
                &format!("/api/v1/coops/mailers/applications/{application}"),
                &json!({"decision": "admit"}),
            )
            .await
            .assert_status(200);
        deliver(&server.app, &server, &postman).await;
        let welcome = smtp.received_by(&email_of("Abe Applicant"));
        assert!(welcome.iter().any(|m| m.subject == "Welcome to Co-op mailers"), "{welcome:?}");

        // One click in Cora's mail client (no cookie, no form token) stops
        // applications reaching her; the next one is not sent.
        let unsubscribe = message.list_unsubscribe.clone().expect("List-Unsubscribe");
        let url = unsubscribe.trim_start_matches('<').trim_end_matches('>');
        let stopped = server
            .client()
            .post_form_raw(path_of(&server, url), &[("List-Unsubscribe", "One-Click")])
            .await;
        stopped.assert_status(200);
        assert!(stopped.body.contains("You will no longer receive"), "{}", stopped.body);
        let bea = verified(&server, &smtp, &postman, "Bea Applicant").await;
        apply(&bea, "mailers").await;
        deliver(&server.app, &server, &postman).await;
        let applications = smtp
            .received_by(&email_of("Cora Admin"))
            .into_iter()
            .filter(|m| m.subject.contains("application"))
            .count();
        assert_eq!(applications, 1, "Cora turned applications off");
        let settings = cora.get("/account/notifications").await;
        assert!(
            settings.body.contains(r#"<option value="never" selected>"#),
            "{}",
            settings.body
        );
    }

    async fn two_servers_send_each_message_once(backend: Backend) {
        let Some(smtp) = SmtpServer::start() else { return };
        let server = TestServer::spawn(backend).await;
        let postman = Postman::new(&smtp.url(), FROM).unwrap();
        // A second server: its own connections to the same database.
        let other = App::new(
            Store::connect(&server.db.location).await.unwrap(),
            Arc::new(server.clock.clone()),
            AppConfig::default(),
        );
        coop(&server, "twins", "Tess Admin", true).await;
        let names: Vec<String> = (0..12).map(|i| format!("Applicant {i}")).collect();
        let mut people = Vec::new();
        for name in &names {
            people.push(api_person(&server, name).await);
        }
        // Thirteen verification messages, sent by both servers at once.
        let (one, two) = tokio::join!(
            deliver(&server.app, &server, &postman),
            deliver(&other, &server, &postman)
        );
        assert_eq!(one.sent + two.sent, 13, "{one:?} {two:?}");
        verify(&server, &smtp, "Tess Admin").await;
        for name in &names {
            verify(&server, &smtp, name).await;
        }
        for person in &people {
            apply(person, "twins").await;
        }
        let (one, two) = tokio::join!(
            deliver(&server.app, &server, &postman),
            deliver(&other, &server, &postman)
        );
        assert_eq!(one.sent + two.sent, 12, "{one:?} {two:?}");
        let received = smtp.received();
        assert_eq!(received.len(), 25, "13 verifications and 12 applications, each once");
        let mut ids: Vec<&str> = received.iter().map(|m| m.message_id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 25, "no message twice");
    }

    async fn a_digest_goes_once_in_the_recipients_morning(backend: Backend) {
        let Some(smtp) = SmtpServer::start() else { return };
        let server = TestServer::spawn(backend).await;
        let postman = Postman::new(&smtp.url(), FROM).unwrap();
        coop(&server, "mornings", "Dora Admin", true).await;
        deliver(&server.app, &server, &postman).await;
        verify(&server, &smtp, "Dora Admin").await;
        let dora = page_client(&server, "Dora Admin").await;
        dora.post_form("/account/time-zone", &[("time_zone", "Europe/Madrid")])
            .await
            .assert_status(303);
        dora.post_form(
            "/account/notifications",
            &[("kind-application_received", "daily_digest")],
        )
        .await
        .assert_status(303);
        let refused = dora
            .post_form("/account/notifications", &[("kind-application_received", "hourly")])
            .await;
        refused.assert_status(422);

        for name in ["Eve Early", "Finn Later"] {
            let person = verified(&server, &smtp, &postman, name).await;
            apply(&person, "mornings").await;
        }
        let digests = || {
            smtp.received_by(&email_of("Dora Admin"))
                .into_iter()
                .filter(|m| m.subject.starts_with("Your daily digest"))
                .collect::<Vec<_>>()
        };
        assert_eq!(deliver(&server.app, &server, &postman).await.sent, 0);
        assert!(digests().is_empty());

        // Nothing until seven in Madrid; then one message with both.
        let madrid = Zone::named("Europe/Madrid").unwrap();
        let seven = coopkit_domain::notice::next_digest(server.clock.now(), &madrid);
        let wall = madrid.civil(seven).unwrap();
        assert_eq!((wall.hour, wall.minute), (7, 0));
        server.clock.advance_ms(seven.as_millis() - server.clock.now().as_millis() - 60_000);
        assert_eq!(deliver(&server.app, &server, &postman).await.sent, 0, "not yet seven");
        server.clock.advance_ms(60_000);
        let morning = deliver(&server.app, &server, &postman).await;
        assert_eq!(morning.sent, 2, "both items, in one message: {morning:?}");
        let sent = digests();
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert_eq!(sent[0].subject, "Your daily digest: 2 pieces of news");
        assert!(sent[0].text.contains("Eve Early") && sent[0].text.contains("Finn Later"), "{}", sent[0].text);
        assert_eq!(deliver(&server.app, &server, &postman).await.sent, 0);
        assert_eq!(digests().len(), 1, "once");
    }

    async fn unverified_and_bouncing_addresses_get_nothing_else(backend: Backend) {
        let Some(smtp) = SmtpServer::start() else { return };
        let server = TestServer::spawn(backend).await;
        let postman = Postman::new(&smtp.url(), FROM).unwrap();
        let admin = coop(&server, "careful", "Gus Admin", true).await;
        deliver(&server.app, &server, &postman).await;
        verify(&server, &smtp, "Gus Admin").await;

        // A server that refuses the mailbox for good: failed, not retried.
        let bounce = api_person(&server, "Bounce Person").await;
        let report = deliver(&server.app, &server, &postman).await;
        assert_eq!((report.sent, report.failed), (0, 1), "{report:?}");
        server.clock.advance_ms(24 * 60 * 60 * 1000);
        assert_eq!(deliver(&server.app, &server, &postman).await, SendReport::default());
        assert!(smtp.received_by("bounce.person").is_empty());

        // Not verified, they are told nothing of their application.
        let application = apply(&bounce, "careful").await;
        admin
            .post_json(
                &format!("/api/v1/coops/careful/applications/{application}"),
                &json!({"decision": "admit"}),
            )
            .await
            .assert_status(200);
        let told = deliver(&server.app, &server, &postman).await;
        assert_eq!(told.sent, 1, "only Gus, of the application: {told:?}");
        let page = page_client(&server, "Bounce Person").await;
        let settings = page.get("/account/notifications").await;
        assert!(settings.body.contains("is not confirmed yet"), "{}", settings.body);
        // A new link may be asked for, but not again within ten minutes.
        let resent = page.post_form("/account/verification", &[]).await;
        assert_eq!(resent.location(), Some("/account/notifications?done=resent"));
        let again = page.post_form("/account/verification", &[]).await;
        assert_eq!(again.location(), Some("/account/notifications?done=wait"));
        let wait = page.get("/account/notifications?done=wait").await;
        assert!(wait.body.contains("less than ten minutes ago"), "{}", wait.body);
        page.get("/c/careful/outbox").await.assert_status(403);
    }
}

each_backend! {
    async fn the_vote_reminder_reaches_only_those_who_have_not_voted(backend: Backend) {
        let Some(smtp) = SmtpServer::start() else { return };
        let server = TestServer::spawn(backend).await;
        let postman = Postman::new(&smtp.url(), FROM).unwrap();
        crate::ledger::sitters(&server).await;
        deliver(&server.app, &server, &postman).await;
        for name in ["Ada Admin", "Ana Parent", "Ben Parent"] {
            verify(&server, &smtp, name).await;
        }
        let ana = page_client(&server, "Ana Parent").await;
        let closes = coopkit_domain::Zone::utc()
            .wall_clock_field(server.clock.now().plus_millis(2 * 24 * 3_600_000));
        let motion = crate::fixtures::propose_closing_at(&ana, &closes).await;
        motion.assert_status(303);
        let motion = motion.location().unwrap().to_owned();
        ana.post_form(&format!("{motion}/vote"), &[("choice", "yes")])
            .await
            .assert_status(200);
        let reminders = |name: &str| {
            smtp.received_by(&email_of(name))
                .into_iter()
                .filter(|m| m.subject.contains("closes within a day"))
                .count()
        };
        deliver(&server.app, &server, &postman).await;
        assert_eq!(reminders("Ben Parent"), 0, "two days before, no reminder");

        // A day before closing: Ada and Ben, who have not voted; not Ana.
        server.clock.advance_ms(25 * 3_600_000);
        deliver(&server.app, &server, &postman).await;
        assert_eq!(reminders("Ada Admin"), 1);
        assert_eq!(reminders("Ben Parent"), 1);
        assert_eq!(reminders("Ana Parent"), 0, "Ana voted");
        let to_ben = smtp.received_by(&email_of("Ben Parent"));
        let reminder = to_ben.iter().find(|m| m.subject.contains("closes within a day")).unwrap();
        assert!(reminder.text.contains(&motion), "{}", reminder.text);

        // Once, however often the servers look; and the coordinators'
        // outbox does not say who had not voted.
        server.clock.advance_ms(3_600_000);
        deliver(&server.app, &server, &postman).await;
        assert_eq!(reminders("Ben Parent"), 1);
        let admin = page_client(&server, "Ada Admin").await;
        let outbox = admin.get("/c/sitters/outbox").await;
        outbox.assert_status(200);
        assert!(!outbox.body.contains("you have not voted"), "{}", outbox.body);
    }
}

each_backend! {
    async fn a_member_paid_by_another_hears_of_it_and_how(backend: Backend) {
        use crate::ledger::{pay, person_id, submit};
        let Some(smtp) = SmtpServer::start() else { return };
        let server = TestServer::spawn(backend).await;
        let postman = Postman::new(&smtp.url(), FROM).unwrap();
        let (admin, ana, ben) = crate::ledger::sitters(&server).await;
        deliver(&server.app, &server, &postman).await;
        for name in ["Ada Admin", "Ana Parent", "Ben Parent"] {
            verify(&server, &smtp, name).await;
        }
        let paid = |name: &str| {
            smtp.received_by(&email_of(name))
                .into_iter()
                .filter(|m| m.subject.contains("paid"))
                .map(|m| m.subject)
                .collect::<Vec<_>>()
        };
        let (ana_id, ben_id) = (person_id(&ana).await, person_id(&ben).await);
        // Tokens the co-op issues are not a member's payment.
        let mut issue = pay(1, ana_id, 20);
        issue["from_issuance"] = json!(true);
        assert_eq!(submit(&admin, vec![issue]).await, ["created"]);
        deliver(&server.app, &server, &postman).await;
        assert_eq!(paid("Ana Parent"), Vec::<String>::new());

        // Two payments in one batch: one message.
        assert_eq!(
            submit(&ana, vec![pay(2, ben_id, 3), pay(3, ben_id, 2)]).await,
            ["created", "created"]
        );
        deliver(&server.app, &server, &postman).await;
        assert_eq!(paid("Ben Parent"), ["Co-op sitters: you were paid"]);
        let message = smtp.received_by(&email_of("Ben Parent")).pop().unwrap();
        assert!(message.text.contains("/c/sitters/ledger"), "{}", message.text);
        assert_eq!(paid("Ana Parent"), Vec::<String>::new(), "the payer is not told");

        // A request paid is told as such.
        let created = ben
            .post_json(
                "/api/v1/coops/sitters/payment-requests",
                &json!({"currency": "HOUR", "amount": 5, "memo": "Saturday"}),
            )
            .await;
        created.assert_status(201);
        let id = created.json()["id"].as_str().unwrap().to_owned();
        ana.post_json(&format!("/api/v1/coops/sitters/payment-requests/{id}/pay"), &json!({}))
            .await
            .assert_status(200);
        deliver(&server.app, &server, &postman).await;
        assert_eq!(
            paid("Ben Parent"),
            ["Co-op sitters: you were paid", "Co-op sitters: your payment request was paid"]
        );
    }
}

each_backend! {
    async fn a_reset_does_not_wait_behind_a_backlog_of_news(backend: Backend) {
        let Some(smtp) = SmtpServer::start() else { return };
        let server = TestServer::spawn(backend).await;
        let postman = Postman::new(&smtp.url(), FROM).unwrap();
        coop(&server, "busy", "Cora Admin", true).await;
        deliver(&server.app, &server, &postman).await;
        verify(&server, &smtp, "Cora Admin").await;
        for name in ["Abe Applicant", "Bea Applicant"] {
            apply(&api_person(&server, name).await, "busy").await;
        }
        // News of both applications waits, queued first.
        server.app.queue_notices().await.unwrap();
        server.clock.advance_ms(1_000);
        server
            .client()
            .post_json("/api/v1/password-resets", &json!({"email": email_of("Cora Admin")}))
            .await
            .assert_status(202);
        let claimed = server
            .db
            .store
            .claim_mail(server.clock.now(), 60_000, "test", 3)
            .await
            .unwrap();
        // The applicants' verifications and Cora's reset: the account's own
        // messages, though queued after the news.
        let kinds: Vec<_> = claimed.iter().map(|m| m.kind).collect();
        assert!(kinds.iter().all(|k| k.is_account()), "{kinds:?}");
        assert!(kinds.contains(&coopkit_domain::NoticeKind::PasswordReset), "{kinds:?}");
    }
}
