//! Places by name, found offline in the gazetteer coopkit ships: the
//! directory's "near", the places API that place fields ask as someone
//! types, and the US lists placed on the map by ZIP code, town or county.

use coopkit_app::directory::{ImportList, ListFormat};
use coopkit_directory::Mapping;
use coopkit_domain::Timestamp;
use coopkit_testkit::{backends, each_backend, Backend, TestServer};
use serde_json::Value;

use crate::directory::import_uk;

fn repository_data(file: &str) -> Vec<u8> {
    let path = format!("{}/../../data/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(path).expect("the repository's data")
}

/// Kilometres between two points, by the haversine formula.
fn km_between((lat1, lon1): (f64, f64), (lat2, lon2): (f64, f64)) -> f64 {
    let (dlat, dlon) = ((lat2 - lat1).to_radians(), (lon2 - lon1).to_radians());
    let a = (dlat / 2.0).sin().powi(2)
        + lat1.to_radians().cos() * lat2.to_radians().cos() * (dlon / 2.0).sin().powi(2);
    6371.0 * 2.0 * a.sqrt().asin()
}

each_backend! {
    async fn near_manchester_finds_the_organisations_around_manchester(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        import_uk(&server, 2023).await;
        let client = server.client();

        let near = client
            .get("/api/v1/directory/search?near=Manchester&limit=200")
            .await;
        near.assert_status(200);
        let near = near.json();
        let results = near["results"].as_array().unwrap();
        assert!(near["total"].as_u64().unwrap() > 50, "{near}");
        let manchester = (53.48095, -2.23743);
        for org in results {
            let point = org["point"].as_array().unwrap();
            let at = (point[0].as_f64().unwrap(), point[1].as_f64().unwrap());
            assert!(km_between(manchester, at) <= 25.5, "{org} is not near Manchester");
        }
        // A narrower circle holds fewer; degrees still work as before.
        let narrow = client
            .get("/api/v1/directory/search?near=Manchester&km=5&limit=0")
            .await
            .json();
        assert!(narrow["total"].as_u64() < near["total"].as_u64(), "{narrow}");
        let degrees = client
            .get("/api/v1/directory/search?near=53.48095,-2.23743&limit=0")
            .await
            .json();
        assert_eq!(degrees["total"], near["total"]);

        // The page says which Manchester, and offers the others.
        let page = client.get("/directory?near=Manchester").await;
        page.assert_status(200);
        assert!(
            page.body.contains("Near Manchester, England, GB, within 25 km.")
                && page.body.contains("Manchester, New Hampshire, US"),
            "{}",
            page.body
        );

        // A place nobody knows is refused on its field (a well-formed name
        // of nothing the gazetteer has: 409), the page's search kept.
        let refused = client
            .get("/api/v1/directory/search?near=Atlantis,+Narnia")
            .await;
        refused.assert_status(409);
        assert_eq!(refused.json()["errors"][0]["field"], "near");
        let page = client.get("/directory?q=housing&near=Atlantis,+Narnia").await;
        page.assert_status(422);
        assert!(
            page.body.contains("No town or ZIP code of that name is known")
                && page.body.contains(r#"value="housing""#),
            "{}",
            page.body
        );
        let wide = client.get("/api/v1/directory/search?near=Manchester&km=0").await;
        wide.assert_status(422);
        assert_eq!(wide.json()["errors"][0]["field"], "km");
    }
}

/// What a place field offers while someone types: whole names first,
/// then the most populous; nothing for what names no place.
#[tokio::test]
async fn the_places_api_offers_matches_as_someone_types() {
    let server = TestServer::spawn(backends()[0]).await;
    let client = server.client();
    let found = client.get("/api/v1/places?q=manch&limit=3").await;
    found.assert_status(200);
    let found = found.json();
    let labels: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels.len(), 3, "{found}");
    assert_eq!(labels[0], "Manchester, England, GB");
    assert_eq!(found[0]["precision"], "town");
    let hill = client
        .get("/api/v1/places?q=Capitol+Hill,+Wash")
        .await
        .json();
    assert_eq!(
        hill[0]["label"], "Capitol Hill, District of Columbia, US",
        "{hill}"
    );
    let none = client.get("/api/v1/places?q=Atlantis,+Narnia").await.json();
    assert_eq!(none, Value::Array(Vec::new()));
    let zip = client.get("/api/v1/places?q=06114").await.json();
    assert_eq!(zip[0]["precision"], "postcode");
}

/// The two US lists, imported with their built-in mappings: every credit
/// union and electric co-op is placed, nine in ten or more by its ZIP
/// code, town or county, and its page says how.
#[tokio::test]
async fn the_us_lists_are_placed_by_zip_town_or_county_and_say_so() {
    let server = TestServer::spawn(backends()[0]).await;
    let ncua = Mapping::ncua_2025()
        .with_websites(&repository_data(
            "us_ncua_credit_union_websites_2025-12.csv",
        ))
        .unwrap();
    for (file, source, mapping) in [
        (
            "us_eia861_2018_electric_cooperatives.csv",
            "EIA-861",
            Mapping::eia_861(),
        ),
        (
            "us_ncua_federally_insured_credit_unions_2025q3.csv",
            "NCUA",
            ncua,
        ),
    ] {
        let list = ImportList {
            source: source.to_owned(),
            file: file.to_owned(),
            format: ListFormat::Csv(mapping),
            licence: "Public Domain".to_owned(),
            attribution: String::new(),
            as_of: Timestamp::parse_date("2025-09-30").unwrap(),
        };
        server
            .app
            .import_list(&list, &repository_data(file))
            .await
            .unwrap();
    }
    let client = server.client();
    let us = client
        .get("/api/v1/directory/search?country=US&limit=0")
        .await
        .json();
    let total = us["total"].as_u64().unwrap();
    assert!(total > 5000, "{us}");
    let sectors: Vec<&str> = us["facets"]["sector"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["value"].as_str().unwrap())
        .collect();
    assert_eq!(sectors, ["Credit union", "Electric co-op"]);

    let map: Value = serde_json::from_str(
        &client
            .get("/open-data/directory.geojson?country=US")
            .await
            .body,
    )
    .unwrap();
    let features = map["features"].as_array().unwrap();
    assert_eq!(features.len() as u64, total);
    let placed = features.iter().filter(|f| !f["geometry"].is_null()).count();
    for precision in ["postcode", "town", "county"] {
        assert!(
            features
                .iter()
                .any(|f| f["properties"]["placed_by"] == precision),
            "the download says which points are a {precision}'s"
        );
    }
    assert!(
        placed * 10 >= features.len() * 9,
        "{placed} of {} on the map",
        features.len()
    );

    // Each organisation's page says how its point was found.
    let page_of = |words: &'static str| {
        let client = client.clone();
        async move {
            let found = client
                .get(&format!("/api/v1/directory/search?q={words}&country=US"))
                .await
                .json();
            let uri = found["results"][0]["id"].as_str().unwrap().to_owned();
            let id = uri.rsplit('/').next().unwrap();
            client.get(&format!("/directory/org/{id}")).await.body
        }
    };
    let franklin = page_of("franklin+trust").await;
    assert!(
        franklin.contains("Placed by its ZIP code (06114, US)")
            && franklin.contains("http://www.franklintrust.org"),
        "{franklin}"
    );
    // An electric co-op by the first county it serves.
    let page = page_of("A+%26+N+Electric").await;
    assert!(
        page.contains("Placed by the first county it serves (Accomack County, Virginia, US)"),
        "{page}"
    );
}

/// A geocoding service on loopback that answers as Nominatim (`/search`)
/// and as Photon (`/photon/api`) do: it knows one address, and keeps
/// what it was asked.
async fn geocoding_service() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use axum::extract::{Query, State};
    use axum::routing::get;
    use axum::Json;
    use std::collections::HashMap;
    type Asked = std::sync::Arc<std::sync::Mutex<Vec<String>>>;
    let known = |q: &str| q.contains("1600 Pennsylvania");
    let nominatim = move |State(asked): State<Asked>, Query(q): Query<HashMap<String, String>>| async move {
        let text = q.get("q").cloned().unwrap_or_default();
        asked.lock().unwrap().push(text.clone());
        assert_eq!(q.get("format").map(String::as_str), Some("jsonv2"));
        Json(if known(&text) {
            serde_json::json!([{"lat": "38.8976633", "lon": "-77.0365739", "display_name": "White House, 1600 Pennsylvania Avenue NW, Washington, District of Columbia, 20500, United States"}])
        } else {
            serde_json::json!([])
        })
    };
    let photon = move |Query(q): Query<HashMap<String, String>>| async move {
        let text = q.get("q").cloned().unwrap_or_default();
        Json(
            serde_json::json!({"type": "FeatureCollection", "features": if known(&text) {
                serde_json::json!([{"type": "Feature", "geometry": {"type": "Point", "coordinates": [-77.0365739, 38.8976633]},
                    "properties": {"housenumber": "1600", "street": "Pennsylvania Avenue NW", "city": "Washington", "country": "United States"}}])
            } else {
                serde_json::json!([])
            }}),
        )
    };
    let asked = Asked::default();
    let app = axum::Router::new()
        .route("/search", get(nominatim))
        .route("/photon/api", get(photon))
        .with_state(asked.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, asked)
}

each_backend! {
    /// Where the operator sets `geocoding.url`, a street address the
    /// gazetteer does not know is asked of the service; names the
    /// gazetteer knows never leave the server.
    async fn a_street_address_is_found_by_the_operators_geocoding_service(backend: Backend) {
        let (service, asked) = geocoding_service().await;
        let config = coopkit_app::AppConfig {
            geocoding_url: format!("{service}/search"),
            ..coopkit_app::AppConfig::default()
        };
        let server = TestServer::spawn_with(backend, config).await;
        let (_, _, _) = crate::ledger::sitters(&server).await;
        let admin = crate::settlement::page_client(&server, "Ada Admin").await;
        admin
            .post_form("/c/sitters/market/categories", &[("key", "babysitting"), ("name", "Babysitting")])
            .await
            .assert_status(303);
        let ana = crate::settlement::page_client(&server, "Ana Parent").await;
        let friday = crate::market::next_friday();
        let at = |hour: i64| coopkit_domain::Zone::utc().wall_clock_field(friday.plus_millis(hour * 3_600_000));
        let (from, to) = (at(19), at(21));
        let help = |place: &'static str| crate::market::ask_for_help(&ana, place, (&from, &to));
        help("1600 Pennsylvania Avenue NW, Washington").await.assert_status(303);
        let mine = ana.get("/c/sitters/market/help").await.body;
        assert!(mine.contains("District of Columbia, US"), "{mine}");
        let unknown = help("99 Nowhere Lane, Atlantis").await;
        unknown.assert_status(422);
        assert!(unknown.body.contains("No town or ZIP code of that name is known"), "{}", unknown.body);
        help("Capitol Hill, Washington").await.assert_status(303);
        assert_eq!(
            *asked.lock().unwrap(),
            ["1600 Pennsylvania Avenue NW, Washington", "99 Nowhere Lane, Atlantis"],
            "only what the gazetteer does not know is sent"
        );
    }
}

#[tokio::test]
async fn photon_answers_are_read_too_and_no_service_finds_nothing() {
    let (service, _) = geocoding_service().await;
    let config = coopkit_app::AppConfig {
        geocoding_url: format!("{service}/photon/api"),
        ..coopkit_app::AppConfig::default()
    };
    let server = TestServer::spawn_with(backends()[0], config).await;
    let found = server
        .app
        .geocode("1600 Pennsylvania Avenue NW")
        .await
        .unwrap();
    assert_eq!((found.lat_e6, found.lon_e6), (38_897_663, -77_036_573));
    assert_eq!(
        found.label,
        "1600 Pennsylvania Avenue NW, Washington, United States"
    );
    assert_eq!(server.app.geocode("99 Nowhere Lane").await, None);
    let without = TestServer::spawn(backends()[0]).await;
    assert_eq!(
        without.app.geocode("1600 Pennsylvania Avenue NW").await,
        None
    );
}
