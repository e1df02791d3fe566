//! A co-op's admin adds a webhook and pauses it, in Chromium, in English
//! and Spanish; axe checks each page at both widths.

use coopkit_testkit::TestServer;

use super::*;
use crate::fixtures::coop;

#[tokio::test]
async fn an_admin_adds_a_webhook_sees_its_secret_once_and_pauses_it_in_chromium() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let server = TestServer::spawn(coopkit_store::Backend::Sqlite).await;
    coop(&server, "cleaners", "Ada Admin", false).await;
    let base = &server.base_url;
    let b = &browser;
    b.log_in(base, "Ada Admin").await;
    b.goto(&format!("{base}/c/cleaners")).await;
    b.click("#webhooks-link").await;
    b.wait_for_text("No webhooks yet.").await;

    // Without a kind: refused, with what to do, and the address kept.
    b.fill("url", "https://hooks.example.org/cleaners").await;
    b.click("form[action='/c/cleaners/webhooks'] button[type=submit]")
        .await;
    let refused = b.wait_for_text("Choose at least one kind of event").await;
    assert!(refused.contains("No webhooks yet."), "{refused}");
    b.click("input[value='booking.accepted']").await;
    b.click("form[action='/c/cleaners/webhooks'] button[type=submit]")
        .await;
    let added = b.wait_for_text("The new webhook's secret").await;
    assert!(added.contains("whsec_"), "{added}");
    assert!(
        added.contains("https://hooks.example.org/cleaners"),
        "{added}"
    );
    // Shown once: the page read again does not hold it.
    b.goto(&format!("{base}/c/cleaners/webhooks")).await;
    let again = b.wait_for_text("Active: deliveries go out.").await;
    assert!(!again.contains("whsec_"), "{again}");

    b.click("form[action$='/pause'] button").await;
    b.wait_for_text("Paused: deliveries wait until it is resumed.")
        .await;
    b.click("#lang-choice").await;
    b.click("#lang-choice option[value=es]").await;
    b.click("form.lang button").await;
    let spanish = b.wait_for_text("En pausa: los envíos esperan").await;
    assert!(spanish.contains("Añadir un webhook"), "{spanish}");
    b.click("form[action$='/resume'] button").await;
    b.wait_for_text("Activo: los envíos salen.").await;
    browser.stop().await;
}
