//! A creator co-op's catalogue and fund, in Chromium.

use std::time::Duration;

use coopkit_testkit::TestServer;
use fantoccini::Locator;

use super::*;

impl Browser {
    /// An attribute of the element `css` finds; empty while there is none
    /// (between two pages).
    pub(super) async fn attr(&self, css: &str, name: &str) -> String {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element.attr(name).await.ok().flatten().unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// A property of the first element `css` finds, such as a field's
    /// `value` as it is now; empty when there is none.
    pub(super) async fn prop(&self, css: &str, name: &str) -> String {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element.prop(name).await.ok().flatten().unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits until the attribute is there and `ok` says it is right.
    pub(super) async fn wait_for_attr(
        &self,
        css: &str,
        name: &str,
        ok: impl Fn(&str) -> bool,
    ) -> String {
        for _ in 0..100 {
            let value = self.attr(css, name).await;
            if !value.is_empty() && ok(&value) {
                return value;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "{css} never had the {name} expected; the page shows:\n{}",
            self.text().await
        );
    }

    /// Fetches `href` with the browser's cookies (the page's security
    /// policy lets no script fetch): the status, the content type and the
    /// number of bytes.
    pub(super) async fn fetch(&self, href: &str) -> String {
        let base = self.client.current_url().await.unwrap();
        let cookies: Vec<String> = self
            .client
            .get_all_cookies()
            .await
            .unwrap()
            .iter()
            .map(|c| format!("{}={}", c.name(), c.value()))
            .collect();
        let answer = reqwest::Client::new()
            .get(base.join(href).unwrap())
            .header("cookie", cookies.join("; "))
            .send()
            .await
            .unwrap();
        let status = answer.status().as_u16();
        let kind = answer
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = answer.bytes().await.unwrap().len();
        format!("{status} {kind} {bytes}")
    }
}

#[tokio::test]
async fn a_licence_is_bought_and_downloaded_a_track_played_until_owned_and_a_project_funded_in_chromium(
) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let server = TestServer::spawn(coopkit_store::Backend::Sqlite).await;
    server.app.load_demo().await.unwrap();
    let base = &server.base_url;
    let b = &browser;
    let (rosa, kwame, lena) = (
        "rosa@brighthomes.example",
        "kwame@lenscommons.example",
        "lena@harboursound.example",
    );
    let lens = format!("{base}/c/lens-commons/catalogue");

    // Rosa finds a photo by its tag and buys its standard licence.
    b.log_in_to_demo(base, rosa).await;
    b.goto(&lens).await;
    b.wait_for_text("Allotments at first light").await;
    b.click("a[data-facet='tag'][data-value='garden']").await;
    b.wait_for_attr(
        "a[data-facet='tag'][data-value='garden']",
        "aria-current",
        |c| c == "true",
    )
    .await;
    let found = b.wait_for_text("Allotments at first light").await;
    assert!(!found.contains("Harbour cranes"), "{found}");
    b.click("#catalogue-items .card h3 a").await;
    b.wait_for_text("Web and print up to 10,000 copies").await;
    let before = balance_in(&server, rosa, "lens-commons", Some("LCR")).await;
    b.click("button[data-licence='standard']").await;
    // The next page says what it costs; nothing is paid until she says
    // so. Rosa reads Spanish.
    let confirm = b.wait_for_text("Revisar y pagar").await;
    assert!(confirm.contains("Pagar 12,00 Lens credit"), "{confirm}");
    assert_eq!(
        balance_in(&server, rosa, "lens-commons", Some("LCR")).await,
        before
    );
    b.click("#buy-confirm").await;
    b.wait_for_attr("#orders a.download", "href", |_| true)
        .await;
    assert_eq!(
        balance_in(&server, rosa, "lens-commons", Some("LCR")).await,
        before - 1_200
    );

    // The download link gives her the original; it gives nobody else anything.
    let link = b
        .client
        .find(fantoccini::Locator::Css("#orders a.download"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let fetched = b.fetch(&link).await;
    assert!(fetched.starts_with("200 image/png "), "{fetched}");
    let bytes: usize = fetched.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(bytes > 10_000, "the original, not the thumbnail: {fetched}");
    b.log_out().await;
    b.log_in_to_demo(base, lena).await;
    b.goto(&format!("{base}/c/lens-commons")).await;
    let refused = b.fetch(&link).await;
    assert!(refused.starts_with("403 "), "{refused}");
    b.log_out().await;

    // The photographer sees two standard licences of it in his earnings:
    // half of 12.00 each.
    b.log_in_to_demo(base, kwame).await;
    b.goto(&format!("{base}/c/lens-commons/earnings")).await;
    let earnings = b.wait_for_text("Allotments at first light").await;
    assert!(earnings.contains("12.00 LCR"), "{earnings}");
    b.log_out().await;

    // Lena plays a track until it is hers: ten plays, nine paid.
    b.log_in_to_demo(base, lena).await;
    b.goto(&format!("{base}/c/harbour-sound/catalogue")).await;
    b.wait_for_text("Harbour Song").await;
    b.click("#catalogue-items li[data-item] h3 a").await;
    let track = b.client.current_url().await.unwrap();
    let listened_before = balance_in(&server, lena, "harbour-sound", Some("HSC")).await;
    for _ in 0..10 {
        // Each page names its play afresh: wait for the next page's name.
        let key = b.attr("#play-form input[name=key]", "value").await;
        b.click("#play").await;
        b.wait_for_attr("#play-form input[name=key]", "value", |k| k != key)
            .await;
    }
    assert_eq!(b.client.current_url().await.unwrap().path(), track.path());
    // The player has the whole track (three seconds), not the preview's
    // 0.8: Chromium reads its length from the stream's first range.
    let mut duration = 0.0;
    for _ in 0..50 {
        let read = b
            .client
            .execute(
                "return document.getElementById('track-player').duration;",
                vec![],
            )
            .await
            .unwrap();
        duration = read.as_f64().unwrap_or(0.0);
        if duration > 0.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        (2.9..3.1).contains(&duration),
        "the player's track lasts {duration} s"
    );
    assert_eq!(b.attr("#item-standing", "data-plays").await, "9");
    assert_eq!(b.attr("#item-standing", "data-owned").await, "true");
    let page = b.wait_for_text("Yours: it plays free.").await;
    assert!(page.contains("1.022 HSC"), "{page}");
    assert_eq!(
        balance_in(&server, lena, "harbour-sound", Some("HSC")).await,
        listened_before - 1_022
    );

    // Lena pledges to the fund; Mae proposes a recording day; both vote
    // for it; when the vote closes the fund pays Mae the budget.
    let fund = format!("{base}/c/harbour-sound/fund");
    b.goto(&fund).await;
    b.fill("amount", "2.5").await;
    b.click("#pledge-submit").await;
    // The demo's investor put in 5.000 before her 2.500.
    let pledged = b.wait_for_text("7.500 HSC").await;
    assert!(
        pledged.contains("Your pledge is in the fund."),
        "the page says what the click did: {pledged}"
    );
    b.log_out().await;
    let mae = "mae@harboursound.example";
    b.log_in_to_demo(base, mae).await;
    b.goto(&fund).await;
    b.fill("title", "A recording day at the harbour").await;
    b.fill("budget", "2").await;
    let tomorrow = server.app.now().plus_millis(24 * HOUR).date_utc();
    b.client
        .execute(
            "document.getElementById('closes_on').value = arguments[0];",
            vec![serde_json::json!(tomorrow)],
        )
        .await
        .unwrap();
    b.click("#project-submit").await;
    b.wait_for_text("Fund: A recording day at the harbour")
        .await;
    let proposal = b.client.current_url().await.unwrap().to_string();
    b.vote_yes(&proposal).await;
    b.log_out().await;
    b.log_in_to_demo(base, lena).await;
    b.vote_yes(&proposal).await;
    b.log_out().await;
    let mae_before = balance_in(&server, mae, "harbour-sound", Some("HSC")).await;
    server.clock.advance_ms(2 * 24 * HOUR);
    b.log_in_to_demo(base, mae).await;
    b.goto(&fund).await;
    b.wait_for_attr("#fund-projects tr[data-state]", "data-state", |s| {
        s == "funded"
    })
    .await;
    let page = b.wait_for_text("Funded").await;
    assert!(
        page.contains("5.500 HSC"),
        "what is left in the fund: {page}"
    );
    assert_eq!(
        balance_in(&server, mae, "harbour-sound", Some("HSC")).await,
        mae_before + 2_000
    );

    // Mae, the admin, pays the investor's returns for the year: the bylaws
    // cap them at 5% of the 5.000 he put in.
    b.fill("year", "2026").await;
    b.fill("pool", "1").await;
    b.click("#returns-submit").await;
    let returns = b.wait_for_text("Omar Haddad").await;
    assert!(returns.contains("0.250 HSC"), "{returns}");
    assert!(
        returns.contains("5.250 HSC"),
        "what the fund keeps: {returns}"
    );
    browser.stop().await;
}
