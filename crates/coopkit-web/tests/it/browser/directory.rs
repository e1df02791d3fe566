//! The open-data directory, in Chromium.

use std::time::Duration;

use coopkit_testkit::TestServer;
use fantoccini::Locator;

use super::*;

/// The directory in the demo: a visitor searches and narrows by a facet,
/// sees the matches on the map, downloads them as GeoJSON; a moderator
/// merges a pair from the review queue and the merged address leads on.
#[tokio::test]
async fn the_directory_is_searched_mapped_reviewed_and_downloaded_in_chromium() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let server = TestServer::spawn(coopkit_store::Backend::Sqlite).await;
    server.app.load_demo().await.unwrap();
    crate::directory::import_uk(&server, 2017).await;
    crate::directory::import_uk(&server, 2023).await;
    let base = &server.base_url;
    let b = &browser;

    // Search, then narrow by legal form.
    b.goto(&format!("{base}/directory")).await;
    b.wait_for_text("Directory of co-ops").await;
    b.fill("q", "housing").await;
    b.click("form[role=search] button").await;
    b.wait_for_text("Legal form").await;
    let all = server
        .client()
        .get("/api/v1/directory/search?q=housing&limit=0")
        .await
        .json();
    let societies = all["facets"]["legal_form"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["value"] == "Society")
        .unwrap()["count"]
        .as_u64()
        .unwrap();
    assert!(b
        .text_of("directory-total")
        .await
        .starts_with(&format!("{} organisations", all["total"])));
    // On a phone the results come before the facets, not 2,500 px down.
    let results_first = b
        .client
        .execute(
            "return document.querySelector('ol.results').getBoundingClientRect().top \
             < document.querySelector('.directory > aside').getBoundingClientRect().top;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(results_first, serde_json::json!(true));
    b.click("#facet-legal_form a[title='Society']").await;
    b.wait_for_text(&format!("{societies} organisations")).await;
    b.keep_screenshot("directory.png").await;

    // The map shows a marker (or a cluster) for every match with a point.
    let with_points = server
        .client()
        .get("/directory/map.geojson?q=housing&legal_form=Society")
        .await
        .json()["features"]
        .as_array()
        .unwrap()
        .len();
    assert!(with_points > 0);
    b.click("#map-link").await;
    let shown = b.wait_for_text("organisations on the map").await;
    assert!(
        shown.contains(&format!("{with_points} organisations on the map")),
        "{shown}"
    );
    let drawn: i64 = b
        .client
        .execute(
            "return document.querySelectorAll('.marker-cluster, path.leaflet-interactive').length;",
            vec![],
        )
        .await
        .unwrap()
        .as_i64()
        .unwrap();
    assert!(drawn > 0, "markers are drawn");
    b.keep_screenshot("directory-map.png").await;

    // The same search as GeoJSON, opened from the search page.
    b.client.back().await.unwrap();
    b.wait_for_text("Download this search").await;
    b.click("a.download[href^='/open-data/directory.geojson']")
        .await;
    let body = b.wait_for_text("FeatureCollection").await;
    let collection: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        collection["features"].as_array().unwrap().len() as u64,
        societies
    );

    // The whole directory's map, unfiltered: thousands of markers, added
    // in chunks, and the map fitted to them once all are in.
    b.goto(&format!("{base}/directory/map")).await;
    let shown = b.wait_for_text("organisations on the map").await;
    assert!(!shown.contains("could not be loaded"), "{shown}");

    // A moderator decides the first pair in the review queue.
    b.log_in_to_demo(base, "ana@sitters.example").await;
    b.goto(&format!("{base}/directory/review")).await;
    b.wait_for_text("Odds they are one").await;
    let first = b.client.find(Locator::Css("section.review")).await.unwrap();
    let links = first.find_all(Locator::Css("thead a")).await.unwrap();
    let left = links[0].attr("href").await.unwrap().unwrap();
    let right = links[1].attr("href").await.unwrap().unwrap();
    let decided = first.attr("id").await.unwrap().unwrap();
    first
        .find(Locator::Css("button[value=accept]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The queue page comes back without the pair decided.
    let mut left_queue = false;
    for _ in 0..100 {
        let text = b.text().await;
        let gone = b
            .client
            .find_all(Locator::Css(&format!("section#{decided}")))
            .await
            .is_ok_and(|found| found.is_empty());
        if gone && text.contains("Odds they are one") {
            left_queue = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(left_queue, "{decided} is still in the queue");
    b.goto(&format!("{base}{right}")).await;
    b.wait_for_text("Listed by").await;
    let url = b.client.current_url().await.unwrap();
    assert!(url.path().ends_with(&left), "{url} should be {left}");
    let page = b.text().await;
    assert!(page.contains("Co-operatives UK 2017") && page.contains("Co-operatives UK 2023"));
    browser.stop().await;
}
