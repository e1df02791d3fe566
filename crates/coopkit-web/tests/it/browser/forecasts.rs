//! A token-rule forecast put to the vote, in Chromium.

use coopkit_testkit::TestServer;
use fantoccini::Locator;

use super::*;

/// In the demo, the sitters' coordinator tries mutual credit on the co-op
/// as it is, sees it end the hoarding in the forecast's table and charts,
/// and puts it to the vote; a family sees the forecast on the proposal.
#[tokio::test]
async fn a_coordinator_forecasts_mutual_credit_and_puts_it_to_the_vote_in_chromium() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let server = TestServer::spawn(coopkit_store::Backend::Sqlite).await;
    let logins = server.app.load_demo().await.unwrap();
    let family = logins
        .iter()
        .find(|l| l.who.starts_with("a member family"))
        .unwrap()
        .email
        .clone();
    let base = &server.base_url;
    let b = &browser;
    let log_in = |email: String| async move { b.log_in_to_demo(base, &email).await };

    log_in("ben@sitters.example".into()).await;
    b.goto(&format!("{base}/c/capitol-hill-sitters")).await;
    b.click("#forecast-link").await;
    b.wait_for_text("The proposed rules").await;
    b.fill("weeks", "26").await;
    b.fill("debit_limit", "40").await;
    b.click("#forecast-submit").await;
    b.wait_for_text("Forecast of a change to the HALFHOUR rules")
        .await;
    let lines: i64 = b
        .client
        .execute(
            "return document.querySelectorAll('figure.chart svg polyline').length;",
            vec![],
        )
        .await
        .unwrap()
        .as_i64()
        .unwrap();
    assert_eq!(lines, 4, "two charts, a line for each set of rules");
    // "27.2% (26.8–27.5)": the mean is the first number of the cell.
    let served = |row: usize| async move {
        let cell = b
            .client
            .find(Locator::Css(&format!(
                "table.forecast-figures tbody tr:nth-child({row}) td"
            )))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        cell.split('%').next().unwrap().parse::<f64>().unwrap()
    };
    let (now, proposed) = (served(1).await, served(2).await);
    assert!(
        now < 50.0 && proposed > 85.0,
        "the families hoard now ({now}%) and go out with credit ({proposed}%)"
    );
    b.keep_screenshot("forecast.png").await;

    let closes = coopkit_domain::Clock::now(&server.clock).plus_millis(5 * 86_400_000);
    let zone = server
        .app
        .coop_zone("capitol-hill-sitters")
        .await
        .unwrap()
        .unwrap();
    b.set("closes", &zone.wall_clock_field(closes)).await;
    b.click("#propose-submit").await;
    b.wait_for_text("Forecast of this change").await;
    let proposal = b.client.current_url().await.unwrap().to_string();
    b.click("form[action='/logout'] button").await;
    b.wait_for_text("Log in").await;

    log_in(family).await;
    b.goto(&proposal).await;
    let page = b.wait_for_text("Forecast of this change").await;
    assert!(page.contains("Help wanted that happened"), "{page}");
    let charts: i64 = b
        .client
        .execute(
            "return document.querySelectorAll('section.forecast figure.chart svg').length;",
            vec![],
        )
        .await
        .unwrap()
        .as_i64()
        .unwrap();
    assert_eq!(charts, 2);
    browser.stop().await;
}
