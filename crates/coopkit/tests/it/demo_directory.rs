//! The demo's directory: the real lists in `data/`, the two US lists among
//! them, placed on the map from the bundled gazetteer.

use serde_json::Value;

use crate::support::Running;

#[tokio::test]
async fn the_demo_directory_answers_country_us_with_nine_in_ten_on_the_map() {
    let data = tempfile::tempdir().unwrap();
    let lists = format!("{}/../../data", env!("CARGO_MANIFEST_DIR"));
    let server = Running::start(&[
        "demo",
        "--data",
        data.path().to_str().unwrap(),
        "--lists",
        &lists,
    ]);

    let (status, us) = server
        .get("/api/v1/directory/search?country=US&limit=0")
        .await;
    assert_eq!(status, 200, "{us}");
    let us: Value = serde_json::from_str(&us).unwrap();
    let sectors: Vec<(&str, u64)> = us["facets"]["sector"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["value"].as_str().unwrap(), v["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        sectors,
        [("Credit union", 4331), ("Electric co-op", 806)],
        "every credit union and electric co-op, as their kinds"
    );
    let (_, sources) = server.get("/open-data/catalog.jsonld").await;
    assert!(
        sources.contains("National Credit Union Administration")
            && sources.contains("U.S. Energy Information Administration"),
        "the lists' attributions travel with the data: {sources}"
    );

    let (status, map) = server.get("/open-data/directory.geojson?country=US").await;
    assert_eq!(status, 200);
    let map: Value = serde_json::from_str(&map).unwrap();
    let features = map["features"].as_array().unwrap();
    let on_the_map = features.iter().filter(|f| !f["geometry"].is_null()).count();
    assert_eq!(features.len(), 5137);
    assert!(
        on_the_map * 10 >= features.len() * 9,
        "{on_the_map} of {} on the map",
        features.len()
    );
    assert_eq!(server.terminate(), Some(0));
}
