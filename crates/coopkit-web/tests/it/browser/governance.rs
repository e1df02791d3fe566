//! An election by STV and the year's surplus, in Chromium.

use coopkit_testkit::TestServer;
use fantoccini::Locator;

use super::*;
use crate::fixtures::coop;

use super::market::worked;

#[tokio::test]
async fn members_elect_a_board_by_stv_and_approve_the_years_surplus_in_chromium() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let server = TestServer::spawn(coopkit_store::Backend::Sqlite).await;
    let admin = coop(&server, "cleaners", "Ada Admin", false).await;
    for (code, name) in [("USD", "Dollar"), ("CAPITAL", "Members' capital")] {
        admin
            .post_json(
                "/api/v1/coops/cleaners/currencies",
                &serde_json::json!({"code": code, "name": name, "kind": "money", "scale": 2}),
            )
            .await
            .assert_status(201);
    }
    let id = |json: serde_json::Value| json["id"].as_i64().unwrap();
    let ada = id(admin.get("/api/v1/me").await.json());
    let bo = crate::fixtures::member(&server, "cleaners", &admin, "Bo Cleaner").await;
    let cy = crate::fixtures::member(&server, "cleaners", &admin, "Cy Cleaner").await;
    let (bo, cy) = (
        id(bo.get("/api/v1/me").await.json()),
        id(cy.get("/api/v1/me").await.json()),
    );
    // Bo cleaned for 30 hours this year, Cy for 10.
    worked(&server, bo, ada, 30, 10).await;
    worked(&server, cy, ada, 10, 20).await;
    let base = &server.base_url;
    let b = &browser;
    let start = coopkit_testkit::TEST_START;
    let in_days = |days: i64| start.plus_millis(days * 86_400_000);

    // The admin calls the board election: two seats, Scottish STV.
    b.log_in(base, "Ada Admin").await;
    b.goto(&format!("{base}/c/cleaners/proposals")).await;
    b.wait_for_text("Make a proposal").await;
    b.fill("title", "Board 2027").await;
    // The form shows the fields of the kind chosen, and a motion's
    // threshold only for a supermajority.
    let shown = |id: &'static str| {
        let client = b.client.clone();
        async move {
            let field = client.find(Locator::Id(id)).await.unwrap();
            field.is_displayed().await.unwrap()
        }
    };
    assert!(shown("motion_method").await && !shown("options").await);
    assert!(!shown("threshold").await);
    b.choose("motion_method", "supermajority").await;
    assert!(shown("threshold").await);
    b.choose("kind", "election").await;
    assert!(!shown("motion_method").await && !shown("threshold").await);
    assert!(shown("options").await && shown("seats").await);
    b.choose("election_method", "scottish-stv").await;
    b.fill("options", "Rosa\nSam\nTia").await;
    b.fill("seats", "2").await;
    b.set(
        "closes",
        &coopkit_domain::Zone::utc().wall_clock_field(in_days(3)),
    )
    .await;
    b.click("#propose-submit").await;
    b.wait_for_text("Voting open").await;
    let election = b.client.current_url().await.unwrap().to_string();
    b.rank_and_vote(&election, &[(0, "1"), (2, "2")]).await;

    // The bylaws' rules, then the year's close, put to the vote.
    b.goto(&format!("{base}/c/cleaners/patronage")).await;
    b.wait_for_text("The bylaws' rules for closing a year")
        .await;
    b.fill("reserve_percent", "30").await;
    b.fill("pools", "worker=100:hours").await;
    b.fill("cash_percent", "20").await;
    b.fill("currency", "USD").await;
    b.fill("capital_currency", "CAPITAL").await;
    b.click("#settings-submit").await;
    b.wait_for_text("Reserve 30%").await;
    b.fill("year", "2027").await;
    b.set("start", &start.date_utc()).await;
    b.set("end", &in_days(365).date_utc()).await;
    b.fill("net", "10000.00").await;
    b.set(
        "vote_closes",
        &coopkit_domain::Zone::utc().wall_clock_field(in_days(3)),
    )
    .await;
    b.click("#close-submit").await;
    b.wait_for_text("Surplus allocation 2027").await;
    let allocation = b.client.current_url().await.unwrap().to_string();
    assert_eq!(b.text_of("allocation-reserve").await, "3,000.00 USD");
    b.click("#allocation-vote").await;
    b.wait_for_text("Net surplus 10000.00 USD").await;
    let allocation_vote = b.client.current_url().await.unwrap().to_string();
    b.log_out().await;

    // Bo and Cy vote on both.
    for (name, ranks) in [
        ("Bo Cleaner", [(0, "1"), (1, "2")]),
        ("Cy Cleaner", [(1, "1"), (0, "2")]),
    ] {
        b.log_in(base, name).await;
        b.rank_and_vote(&election, &ranks).await;
        b.vote_yes(&allocation_vote).await;
        b.log_out().await;
    }

    // Three days on, the votes have closed.
    server.clock.advance_ms(3 * 86_400_000);
    b.log_in(base, "Bo Cleaner").await;
    b.goto(&election).await;
    b.wait_for_text("Elected: Rosa, Sam.").await;
    b.client
        .find(Locator::Id("rounds-chart"))
        .await
        .expect("the rounds as a chart");
    b.client
        .find(Locator::Id("quota-line"))
        .await
        .expect("the quota on the chart");
    b.client
        .execute(
            "document.getElementById('rounds-chart').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    b.keep_screenshot("election.png").await;
    b.goto(&allocation).await;
    b.wait_for_text("Approved and posted to the ledger").await;
    assert_eq!(b.text_of("my-amount").await, "5,250.00 USD");
    assert_eq!(b.text_of("my-cash").await, "1,050.00 USD");
    assert_eq!(b.text_of("my-retained").await, "4,200.00 USD");
    let notice = b.text_of("notice").await;
    assert!(
        notice.starts_with("Co-op cleaners allocates to Bo Cleaner"),
        "the co-op by its name, not its address: {notice}"
    );
    let pools = b.text_of("pools").await;
    assert!(pools.contains("Worker"), "classes by their names: {pools}");
    // The ledger page shows the cash part paid in.
    b.goto(&format!("{base}/c/cleaners/ledger")).await;
    b.wait_for_text("1,050.00").await;
    browser.stop().await;
}
