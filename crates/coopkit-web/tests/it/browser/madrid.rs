//! A co-op founded in Madrid from the pages, an application told by mail
//! both ways, and a sitting across the night the clocks go back, shown in
//! each side's own time and in the provider's calendar, in Chromium.

use coopkit_app::mail::Postman;
use coopkit_testkit::{SmtpServer, TestServer};

use super::*;
use crate::fixtures::{api_person, email_of, PASSWORD};
use crate::mail::{deliver, verify, FROM};
use crate::settlement::page_client;

#[tokio::test]
async fn a_coop_founded_in_madrid_books_across_the_autumn_change_in_chromium() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let server = TestServer::spawn(coopkit_store::Backend::Sqlite).await;
    let smtp = SmtpServer::start().expect("an SMTP server beside the browser");
    let postman = Postman::new(&smtp.url(), FROM).unwrap();
    let deliver = || deliver(&server.app, &server, &postman);
    let base = &server.base_url;
    let b = &browser;
    let lucia_email = email_of("Lucia Fundadora");

    // Lucía signs up and confirms her address from the message she got.
    b.goto(&format!("{base}/signup")).await;
    b.wait_for_text("Create an account").await;
    b.fill("display_name", "Lucia Fundadora").await;
    b.fill("email", &lucia_email).await;
    b.fill("password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    b.wait_for_text("Lucia Fundadora").await;
    deliver().await;
    let link = smtp.received_by(&lucia_email)[0]
        .link("/verify-email/")
        .expect("a verification link");
    b.goto(&link).await;
    b.wait_for_text("your address is confirmed").await;

    // She founds the co-op from its page: in Madrid, every member
    // approved, carers and families, and hours to pay in.
    b.goto(&format!("{base}/")).await;
    b.click("#found-link").await;
    b.wait_for_text("Found a co-op").await;
    b.fill("name", "Cuidadoras de Lavapiés").await;
    b.fill("slug", "cuidadoras").await;
    b.fill("description", "Carers who own their co-op.").await;
    b.fill("profile", "We look after children and elders in Lavapiés.")
        .await;
    b.set("time_zone", "Europe/Madrid").await;
    b.click("#approval").await;
    b.fill("class_1", "Cuidadora").await;
    b.fill("class_2", "Familia").await;
    b.click("#class_2_open").await;
    b.fill("currency_code", "HORA").await;
    b.fill("currency_name", "Hora").await;
    // The picture shows the form from its top.
    b.client
        .execute("window.scrollTo(0, 0)", Vec::new())
        .await
        .unwrap();
    b.keep_screenshot("found.png").await;
    b.click("#found-submit").await;
    b.wait_for_text("We look after children and elders").await;
    let coop = server.client().get("/api/v1/coops/cuidadoras").await.json();
    assert_eq!(coop["time_zone"], "Europe/Madrid");
    assert_eq!(coop["joining_requires_approval"], true);
    assert_eq!(coop["classes"][1]["key"], "familia");

    // Later she adds volunteers, each admitted by a coordinator, on the
    // settings page.
    b.goto(&format!("{base}/c/cuidadoras/settings")).await;
    b.wait_for_text("A new class").await;
    b.fill("class-2-name", "Voluntaria").await;
    b.click("#class-2-approval").await;
    b.keep_screenshot("settings.png").await;
    b.click("#classes-save").await;
    b.wait_for_text("The settings are saved").await;
    let coop = server.client().get("/api/v1/coops/cuidadoras").await.json();
    assert_eq!(coop["classes"][2]["key"], "voluntaria");
    assert_eq!(coop["classes"][2]["requires_approval"], true);

    // She offers care on Saturday nights (set up over HTTP: the market's
    // own pages have their own browser test).
    let lucia = page_client(&server, "Lucia Fundadora").await;
    lucia
        .post_form(
            "/c/cuidadoras/market/categories",
            &[("key", "cuidados"), ("name", "Cuidados")],
        )
        .await
        .assert_status(303);
    lucia
        .post_form(
            "/c/cuidadoras/market/profile",
            &[
                ("bio", "Nurse, twenty years with families"),
                ("language", "es"),
                ("language", "en"),
                ("price_cuidados", "1"),
                ("currency_cuidados", "HORA"),
                ("unit_cuidados", "60"),
                ("slot_0_day", "sat"),
                ("slot_0_from", "20:00"),
                ("slot_0_until", "06:00"),
            ],
        )
        .await
        .assert_status(303);

    // Pablo, who reads times in New York, applies; Lucía hears of it by
    // mail, admits him on the page, and he hears of that.
    api_person(&server, "Pablo Familia").await;
    deliver().await;
    verify(&server, &smtp, "Pablo Familia").await;
    let pablo = page_client(&server, "Pablo Familia").await;
    pablo
        .post_form("/account/time-zone", &[("time_zone", "America/New_York")])
        .await
        .assert_status(303);
    pablo
        .post_form("/c/cuidadoras/join", &[("class", "familia")])
        .await
        .assert_status(303);
    deliver().await;
    let told = smtp.received_by(&lucia_email);
    assert!(
        told.iter()
            .any(|m| m.subject == "Cuidadoras de Lavapiés: a new application to join"),
        "{told:?}"
    );
    b.goto(&format!("{base}/c/cuidadoras/approvals")).await;
    b.wait_for_text("Pablo Familia").await;
    b.click("button[value=admit]").await;
    b.wait_for_text("No applications are waiting").await;
    deliver().await;
    let welcome = smtp.received_by(&email_of("Pablo Familia"));
    assert!(
        welcome
            .iter()
            .any(|m| m.subject == "Welcome to Cuidadoras de Lavapiés"),
        "{welcome:?}"
    );

    // He books her from Saturday 22:00 to Sunday 04:00 in Madrid, the
    // night of 30 October 2027: the clocks go back at 03:00, so the
    // sitting lasts seven hours, and costs seven.
    let lucia_id = server
        .db
        .store
        .person_with_password(&coopkit_domain::Email::parse(&lucia_email).unwrap())
        .await
        .unwrap()
        .unwrap()
        .0
        .id
        .to_string();
    let booked = pablo
        .post_form(
            "/c/cuidadoras/market/bookings",
            &[
                ("provider", lucia_id.as_str()),
                ("category", "cuidados"),
                ("from", "2027-10-30T22:00"),
                ("to", "2027-10-31T04:00"),
                ("payment", "cash"),
                ("notes", "Grandmother, sleeps early"),
            ],
        )
        .await;
    booked.assert_status(303);
    let booking = booked.location().unwrap().to_owned();

    // Lucía's page shows Madrid's wall clock; Pablo's, New York's.
    b.goto(&format!("{base}{booking}")).await;
    b.wait_for_text("Grandmother, sleeps early").await;
    // ICU puts a narrow no-break space before AM and PM.
    let hers = b.text().await.replace('\u{202f}', " ");
    assert!(hers.contains("7 Hora"), "{hers}");
    assert!(
        hers.contains("Oct 30, 2027, 10:00 PM – Oct 31, 2027, 4:00 AM\n"),
        "{hers}"
    );
    b.log_out().await;
    b.log_in(base, "Pablo Familia").await;
    b.goto(&format!("{base}{booking}")).await;
    let his = b
        .wait_for_text("Grandmother, sleeps early")
        .await
        .replace('\u{202f}', " ");
    assert!(
        his.contains("Oct 30, 2027, 4:00 PM – 11:00 PM EDT\n"),
        "{his}"
    );

    // Her calendar keeps the times in Madrid, with the zone described.
    let page = lucia.post_form("/c/cuidadoras/market/calendar", &[]).await;
    page.assert_status(200);
    let link = page
        .body
        .split(r#"id="calendar-link" readonly value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    let feed = server
        .client()
        .get(&format!(
            "/calendar/{}",
            link.split("/calendar/").nth(1).unwrap()
        ))
        .await;
    feed.assert_status(200);
    for line in [
        "BEGIN:VTIMEZONE\r\nTZID:Europe/Madrid\r\n",
        "DTSTART;TZID=Europe/Madrid:20271030T220000\r\n",
        "DTEND;TZID=Europe/Madrid:20271031T040000\r\n",
    ] {
        assert!(feed.body.contains(line), "{line:?} in\n{}", feed.body);
    }

    // Lucía forgets her password and sets a new one from the link mailed
    // to her.
    b.log_out().await;
    b.goto(&format!("{base}/login")).await;
    b.click("#forgot-password").await;
    b.fill("email", &lucia_email).await;
    b.click("#reset-submit").await;
    b.wait_for_text("If an account uses that address").await;
    deliver().await;
    b.open_reset_link(&smtp, &lucia_email).await;
    b.fill("password", "a new phrase Lucia remembers").await;
    b.click("#reset-submit").await;
    b.wait_for_text("Your password is changed").await;
    server
        .client()
        .log_in(&lucia_email, "a new phrase Lucia remembers")
        .await
        .assert_status(303);
    browser.stop().await;
}
