//! Joining a co-op and paying in person, in Chromium.

use coopkit_app::mail::Postman;
use coopkit_testkit::{SmtpServer, TestServer};
use fantoccini::Locator;

use super::*;
use crate::fixtures::{coop, email_of, PASSWORD};
use crate::mail::{deliver, FROM};

#[tokio::test]
async fn sign_up_join_approve_and_see_the_members_in_chromium() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let server = TestServer::spawn(coopkit_store::Backend::Sqlite).await;
    coop(&server, "story-sitters", "Sofia Coordinator", true).await;
    let base = &server.base_url;
    let b = &browser;
    // Mail goes through a real SMTP server, as the server's worker sends it.
    let smtp = SmtpServer::start().expect("an SMTP server beside the browser");
    let postman = Postman::new(&smtp.url(), FROM).unwrap();
    let deliver = || deliver(&server.app, &server, &postman);

    // A parent signs up, in English.
    b.goto(&format!("{base}/signup")).await;
    b.wait_for_text("Create an account").await;
    b.fill("display_name", "Pablo Parent").await;
    b.fill("email", "pablo@example.coop").await;
    b.fill("password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    b.wait_for_text("Pablo Parent").await;

    // He confirms his address from the link in the message he received;
    // the coordinator (signed up before him) confirms hers too.
    deliver().await;
    for (address, who) in [
        ("pablo@example.coop", "Pablo"),
        (email_of("Sofia Coordinator").as_str(), "Sofia"),
    ] {
        let sent = smtp.received_by(address);
        assert_eq!(sent.len(), 1, "{who}: one verification message");
        let link = sent[0].link("/verify-email/").expect("a verification link");
        b.goto(&link).await;
        b.wait_for_text("your address is confirmed").await;
    }

    // ... and applies to join.
    b.goto(&format!("{base}/c/story-sitters")).await;
    b.wait_for_text("Join this co-op").await;
    b.click("form[action='/c/story-sitters/join'] button").await;
    b.wait_for_text("Your application is waiting for a coordinator.")
        .await;
    // Pablo wants news of votes once a day: the settings page keeps it.
    b.goto(&format!("{base}/account/notifications")).await;
    b.wait_for_text("Mail goes to pablo@example.coop").await;
    b.client
        .find(Locator::Css("#kind-vote_opened option[value=daily_digest]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.click("#notifications-save").await;
    b.wait_for_text("Your choices are saved.").await;
    b.click("form[action='/logout'] button").await;
    b.wait_for_text("Sign up").await;

    // The coordinator logs in, switches to Spanish, and admits the parent.
    b.goto(&format!("{base}/login")).await;
    b.fill("email", &email_of("Sofia Coordinator")).await;
    b.fill("password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    b.wait_for_text("Sofia Coordinator").await;
    b.client
        .find(Locator::Css("#lang-choice option[value=es]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.click("form.lang button").await;
    b.wait_for_text("Cooperativas en este servidor").await;
    b.goto(&format!("{base}/c/story-sitters/approvals")).await;
    let queue = b.wait_for_text("Solicitudes a Co-op story-sitters").await;
    assert!(queue.contains("Pablo Parent"), "{queue}");
    b.click("button[value=admit]").await;
    let decided = b.wait_for_text("No hay solicitudes pendientes.").await;
    assert!(
        decided.contains("Solicitud admitida: ya forma parte de la cooperativa."),
        "the page says what the click did: {decided}"
    );

    // The application reached her by mail, in the Spanish she chose; her
    // outbox says it was sent, and Pablo is told he is in, in English.
    deliver().await;
    let to_sofia = smtp.received_by(&email_of("Sofia Coordinator"));
    assert!(
        to_sofia
            .iter()
            .any(|m| m.subject == "Co-op story-sitters: una nueva solicitud para unirse"),
        "{to_sofia:?}"
    );
    b.goto(&format!("{base}/c/story-sitters/outbox")).await;
    let outbox = b.wait_for_text("Correo enviado").await;
    assert!(
        outbox.contains("Enviado") && outbox.contains("Sofia Coordinator"),
        "{outbox}"
    );
    let welcome = smtp.received_by("pablo@example.coop");
    assert!(
        welcome
            .iter()
            .any(|m| m.subject == "Welcome to Co-op story-sitters"),
        "{welcome:?}"
    );
    b.click("form[action='/logout'] button").await;
    b.wait_for_text("Crear cuenta").await;

    // The parent logs back in and sees the member list.
    b.goto(&format!("{base}/login?next=/c/story-sitters/members"))
        .await;
    b.wait_for_text("Entrar").await;
    b.fill("email", "pablo@example.coop").await;
    b.fill("password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    // The coordinator's Spanish stays in the browser's cookie, but Pablo's
    // own setting (English, from signing up) wins once he is logged in.
    let members = b.wait_for_text("Members of Co-op story-sitters").await;
    assert!(
        members.contains("Pablo Parent") && members.contains("Sofia Coordinator"),
        "{members}"
    );
    let url = b.client.current_url().await.unwrap();
    assert_eq!(url.path(), "/c/story-sitters/members");

    b.keep_screenshot("members.png").await;

    // Pablo forgets his password, and sets a new one from the link. Logged
    // out, the browser is in the coordinator's Spanish again; his message
    // is in his own English.
    b.click("form[action='/logout'] button").await;
    // Logging out navigates: wait for it to land before going on, or the
    // logout's own page may replace the login page under the click.
    b.wait_for_text("Crear cuenta").await;
    b.goto(&format!("{base}/login")).await;
    b.click("#forgot-password").await;
    b.wait_for_text("Escribe la dirección con la que entras")
        .await;
    b.fill("email", "pablo@example.coop").await;
    b.click("#reset-submit").await;
    b.wait_for_text("Si una cuenta usa esa dirección").await;
    deliver().await;
    b.open_reset_link(&smtp, "pablo@example.coop").await;
    b.wait_for_text("Contraseña nueva").await;
    b.fill("password", "a new phrase Pablo remembers").await;
    b.click("#reset-submit").await;
    b.wait_for_text("Tu contraseña ha cambiado").await;
    b.fill("email", "pablo@example.coop").await;
    b.fill("password", "a new phrase Pablo remembers").await;
    b.click("main form button[type=submit]").await;
    b.wait_for_attr("form[action='/logout']", "method", |_| true)
        .await;
    browser.stop().await;
}

impl Browser {
    /// Opens the link of the password reset message mailed to `email`.
    pub(super) async fn open_reset_link(&self, smtp: &SmtpServer, email: &str) {
        let reset = smtp
            .received_by(email)
            .into_iter()
            .find(|m| m.subject == "Set a new password")
            .expect("the reset message");
        self.goto(&reset.link("/password-reset/").unwrap()).await;
    }

    pub(super) async fn log_in(&self, base: &str, name: &str) {
        self.goto(&format!("{base}/login")).await;
        self.fill("email", &email_of(name)).await;
        self.fill("password", PASSWORD).await;
        self.click("main form button[type=submit]").await;
        self.wait_for_text(name).await;
    }

    pub(super) async fn log_out(&self) {
        self.click("form[action='/logout'] button").await;
        self.wait_for_text("Sign up").await;
    }

    /// Logs in as one of the demo's people.
    pub(super) async fn log_in_to_demo(&self, base: &str, email: &str) {
        self.goto(&format!("{base}/login")).await;
        self.fill("email", email).await;
        self.fill("password", coopkit_app::demo::DEMO_PASSWORD)
            .await;
        self.click("main form button[type=submit]").await;
        // In whichever language the person chose.
        self.wait_for_attr("form[action='/logout']", "method", |_| true)
            .await;
    }
}

/// Reads the QR code in a PNG screenshot, as a phone's camera app would.
fn scan(png_bytes: &[u8]) -> String {
    let mut reader = png::Decoder::new(std::io::Cursor::new(png_bytes))
        .read_info()
        .unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    let channels = frame.color_type.samples();
    let (width, height) = (frame.width as usize, frame.height as usize);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
        // The first channel is enough for a black and white code.
        pixels[y * frame.line_size + x * channels]
    });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the screenshot");
    grids[0].decode().unwrap().1
}

#[tokio::test]
async fn a_shop_shows_a_qr_code_and_a_member_scans_it_and_pays() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let server = TestServer::spawn(coopkit_store::Backend::Sqlite).await;
    let shop = coop(&server, "market", "Sam Shop", false).await;
    shop.post_json(
        "/api/v1/coops/market/currencies",
        &serde_json::json!({"code": "LETS", "name": "Lets", "kind": "community", "scale": 2, "default_debit_limit": 2000}),
    )
    .await
    .assert_status(201);
    let ana = crate::fixtures::member(&server, "market", &shop, "Ana Parent").await;
    let base = &server.base_url;
    let b = &browser;

    // At the till, the shop asks for 4.50 for a loaf of bread.
    b.log_in(base, "Sam Shop").await;
    b.goto(&format!("{base}/c/market/requests")).await;
    b.wait_for_text("Ask to be paid").await;
    b.fill("amount", "4.50").await;
    b.fill("memo", "a loaf of bread").await;
    b.click("main form button[type=submit]").await;
    b.wait_for_text("Scan this code with a phone to pay.").await;
    let request_url = b.client.current_url().await.unwrap();
    let qr = b
        .client
        .find(Locator::Css("figure.qr svg"))
        .await
        .unwrap()
        .screenshot()
        .await
        .unwrap();
    let scanned = scan(&qr);
    assert_eq!(
        scanned,
        request_url.as_str(),
        "the code holds the page's address"
    );

    // Ana scans it, logs in on her phone, and pays with one tap.
    b.log_out().await;
    b.log_in(base, "Ana Parent").await;
    b.goto(&scanned).await;
    b.wait_for_text("Pay Sam Shop now").await;
    b.click("#pay-request").await;
    let paid = b.wait_for_text("Paid").await;
    assert!(
        paid.contains("4.50") && paid.contains("a loaf of bread"),
        "{paid}"
    );

    // The till's page shows the payment, and both statements hold it.
    b.log_out().await;
    b.log_in(base, "Sam Shop").await;
    b.goto(request_url.as_str()).await;
    b.wait_for_text("Paid").await;
    b.goto(&format!("{base}/c/market/ledger")).await;
    let ledger = b.wait_for_text("a loaf of bread").await;
    assert!(
        ledger.contains("+4.50") && ledger.contains("Ana Parent"),
        "{ledger}"
    );

    // The till waits on a second request; Ana pays it from her phone's app
    // and the till's page shows it by itself, with nobody reloading it.
    b.goto(&format!("{base}/c/market/requests")).await;
    b.fill("amount", "2.00").await;
    b.fill("memo", "a second loaf").await;
    b.click("main form button[type=submit]").await;
    b.wait_for_text("Scan this code with a phone to pay.").await;
    let second = b.client.current_url().await.unwrap();
    let id = second.path().rsplit('/').next().unwrap().to_owned();
    ana.post_json(
        &format!("/api/v1/coops/market/payment-requests/{id}/pay"),
        &serde_json::json!({}),
    )
    .await
    .assert_status(200);
    b.wait_for_text("Paid").await;
    assert_eq!(b.client.current_url().await.unwrap(), second);
    browser.stop().await;
}
