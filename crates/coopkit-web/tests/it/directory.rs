//! The directory over HTTP, on each backend: search pages and the API agree
//! and never lose a result between pages; the downloads are valid GeoJSON
//! (RFC 7946), JSON-LD whose every term expands, CSV and JSON with every
//! organisation once; the catalogue lists them with the sources'
//! attributions.

use std::collections::BTreeSet;

use coopkit_app::directory::{ImportList, ListFormat};
use coopkit_directory::Mapping;
use coopkit_domain::Timestamp;
use coopkit_testkit::{backends, each_backend, Backend, TestServer};

use crate::fixtures::PASSWORD;
use proptest::prelude::*;
use serde_json::Value;

fn shared(file: &str) -> Vec<u8> {
    let path = format!("{}/../../data/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(path).expect("the repository's data")
}

/// Imports a real Co-operatives UK list: 2017 (the register's export) or
/// 2023 (the ESSGlobal standard CSV), as of the middle of its year.
pub async fn import_uk(server: &TestServer, year: u16) {
    let (file, mapping) = match year {
        2017 => (
            "coopsuk_2017-06_organisations.csv",
            Mapping::coops_uk_2017(),
        ),
        _ => (
            "coopsuk_2023-Q2_essglobal_standard.csv",
            Mapping::essglobal_standard(),
        ),
    };
    let list = ImportList {
        source: format!("Co-operatives UK {year}"),
        file: file.to_owned(),
        format: ListFormat::Csv(mapping),
        licence: "ODC-By 1.0".to_owned(),
        attribution: "Contains Co-operatives UK open data".to_owned(),
        as_of: Timestamp::parse_date(&format!("{year}-06-30")).unwrap(),
    };
    server.app.import_list(&list, &shared(file)).await.unwrap();
}

/// RFC 7946: a FeatureCollection of Features, each with a Point geometry
/// of [longitude, latitude] on the globe (or none) and a properties object.
fn assert_geojson(document: &Value) -> usize {
    assert_eq!(document["type"], "FeatureCollection");
    assert!(document.get("crs").is_none(), "RFC 7946 removed crs");
    let features = document["features"].as_array().expect("features");
    for feature in features {
        assert_eq!(feature["type"], "Feature");
        assert!(feature["properties"].is_object());
        let geometry = &feature["geometry"];
        if geometry.is_null() {
            continue;
        }
        assert_eq!(geometry["type"], "Point");
        let position = geometry["coordinates"].as_array().unwrap();
        assert_eq!(position.len(), 2);
        let (lon, lat) = (position[0].as_f64().unwrap(), position[1].as_f64().unwrap());
        assert!((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat));
    }
    features.len()
}

/// Expands every property of a JSON-LD node against its context, as a
/// processor would (JSON-LD 1.1 §5.2 IRI expansion): keywords stay, a
/// compact IRI uses its prefix, a term uses the vocabulary. Returns the
/// expanded property IRIs; panics on one that does not expand.
fn expanded_properties(node: &Value, context: &Value, into: &mut BTreeSet<String>) {
    let vocab = context["@vocab"].as_str().expect("a vocabulary");
    match node {
        Value::Object(map) => {
            for (key, value) in map {
                if key.starts_with('@') {
                    assert!(
                        ["@id", "@type", "@context", "@graph", "@value"].contains(&key.as_str()),
                        "unknown keyword {key}"
                    );
                } else if let Some((prefix, local)) = key.split_once(':') {
                    let namespace = context[prefix]
                        .as_str()
                        .unwrap_or_else(|| panic!("{key}: prefix {prefix} is not in the context"));
                    into.insert(format!("{namespace}{local}"));
                } else {
                    into.insert(format!("{vocab}{key}"));
                }
                if key != "@context" {
                    expanded_properties(value, context, into);
                }
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|item| expanded_properties(item, context, into)),
        _ => {}
    }
}

/// The schema.org properties coopkit may use, from schema.org's own
/// definitions of Organization, PostalAddress, GeoCoordinates and
/// PropertyValue.
const SCHEMA_ORG: [&str; 21] = [
    "name",
    "alternateName",
    "description",
    "url",
    "email",
    "telephone",
    "foundingDate",
    "dissolutionDate",
    "address",
    "streetAddress",
    "addressLocality",
    "addressRegion",
    "postalCode",
    "addressCountry",
    "geo",
    "latitude",
    "longitude",
    "sameAs",
    "identifier",
    "propertyID",
    "value",
];

each_backend! {
    async fn search_pages_and_downloads_agree_and_validate(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        import_uk(&server, 2023).await;
        let client = server.client();

        // The API: words within a box, paged by 7 or by 200, is the same
        // whole result.
        let search = "q=housing&bbox=51,-3,54,0";
        let pages = |limit: usize| {
            let client = client.clone();
            async move {
                let mut results = Vec::new();
                let mut totals = BTreeSet::new();
                loop {
                    let page = client
                        .get(&format!(
                            "/api/v1/directory/search?{search}&limit={limit}&offset={}",
                            results.len()
                        ))
                        .await;
                    page.assert_status(200);
                    let page = page.json();
                    totals.insert(page["total"].as_u64().unwrap() as usize);
                    let got = page["results"].as_array().unwrap().clone();
                    if got.is_empty() {
                        return (totals, results, page);
                    }
                    results.extend(got);
                }
            }
        };
        let (totals, all, whole) = pages(200).await;
        let total = all.len();
        assert_eq!(totals, BTreeSet::from([total]));
        assert!(total > 200, "more than one page of 200: {total}");
        let (totals, paged, _) = pages(7).await;
        assert_eq!(totals, BTreeSet::from([total]));
        assert_eq!(paged, all);
        let facets = &whole["facets"]["source"][0];
        assert_eq!(facets["value"], "Co-operatives UK 2023");
        assert_eq!(facets["count"].as_u64().unwrap() as usize, total);
        assert_eq!(whole["facets"]["sector"][0]["value"], "Housing");

        let refused = client.get("/api/v1/directory/search?near=53,-2,0").await;
        refused.assert_status(422);
        assert_eq!(refused.json()["errors"][0]["field"], "near");

        // The search page says the same.
        let page = client.get("/directory?q=housing&bbox=51,-3,54,0").await;
        page.assert_status(200);
        assert!(page.body.contains(&format!("{total} organisations")));
        let first = all[0]["name"].as_str().unwrap();
        assert!(page
            .body
            .contains(&first.replace('&', "&amp;").replace('\'', "&#x27;")));

        // Downloads of the same search: every organisation once.
        let geojson = client
            .get("/open-data/directory.geojson?q=housing&bbox=51,-3,54,0")
            .await;
        assert_eq!(geojson.headers["content-type"], "application/geo+json");
        let geojson: Value = serde_json::from_str(&geojson.body).unwrap();
        assert_eq!(assert_geojson(&geojson), total);
        assert_eq!(
            geojson["licence"]["attribution"][0],
            "Contains Co-operatives UK open data"
        );

        let csv = client.get("/open-data/directory.csv?country=GB").await;
        let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
        let uris: BTreeSet<String> = reader.records().map(|r| r.unwrap()[0].to_owned()).collect();
        assert_eq!(
            uris.len(),
            7385,
            "every British row once (two are in Jersey)"
        );

        let json = client.get("/open-data/directory.json").await.json();
        assert_eq!(json["organisations"].as_array().unwrap().len(), 7387);
        assert_eq!(json["licence"]["name"], "ODbL-1.0");

        let jsonld = client
            .get("/open-data/directory.jsonld?q=housing&bbox=51,-3,54,0")
            .await;
        assert_eq!(jsonld.headers["content-type"], "application/ld+json");
        let jsonld: Value = serde_json::from_str(&jsonld.body).unwrap();
        let graph = jsonld["@graph"].as_array().unwrap();
        assert_eq!(graph.len(), total);
        let mut properties = BTreeSet::new();
        expanded_properties(&jsonld, &jsonld["@context"], &mut properties);
        for property in &properties {
            if let Some(term) = property.strip_prefix("https://schema.org/") {
                assert!(SCHEMA_ORG.contains(&term), "schema.org has no {term}");
            } else {
                assert!(
                    property.starts_with("https://w3id.org/essglobal/V2a/vocab/"),
                    "{property}"
                );
            }
        }
        assert!(properties.contains("https://w3id.org/essglobal/V2a/vocab/organisationalStructure"));

        // The download is a list another directory can import: every
        // organisation comes back with its fields.
        let elsewhere = TestServer::spawn(backend).await;
        let list = ImportList {
            source: "A neighbour's download".to_owned(),
            file: "directory.jsonld".to_owned(),
            format: ListFormat::JsonLd,
            licence: "ODbL-1.0".to_owned(),
            attribution: String::new(),
            as_of: Timestamp::parse_date("2026-11-01").unwrap(),
        };
        let imported = elsewhere
            .app
            .import_list(&list, jsonld.to_string().as_bytes())
            .await
            .unwrap();
        assert_eq!((imported.created, imported.problems.len()), (total, 0));
        let first: i64 = all[0]["id"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let original = server.app.directory_org(first).await.unwrap().record;
        let found = elsewhere
            .app
            .search_directory(&coopkit_app::directory::Query {
                text: original.name.clone(),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap();
        let same = found
            .hits
            .iter()
            .find(|hit| {
                hit.record.postcode == original.postcode && hit.record.name == original.name
            })
            .expect("the organisation came back");
        // Neither vocabulary has a term for a SIC code, a sector in words
        // or an ownership classification: those stay in the CSV and JSON
        // downloads.
        let comparable = |r: &coopkit_directory::Record| coopkit_directory::Record {
            id: String::new(),
            sic: String::new(),
            sector: String::new(),
            ownership: String::new(),
            ..r.clone()
        };
        assert_eq!(comparable(&same.record), comparable(&original));

        // The catalogue lists the four downloads under the licence.
        let catalog = client.get("/open-data/catalog.jsonld").await.json();
        let dataset = &catalog["dcat:dataset"][0];
        assert_eq!(dataset["dcat:distribution"].as_array().unwrap().len(), 4);
        assert_eq!(
            dataset["dct:license"]["@id"],
            "https://opendatacommons.org/licenses/odbl/1-0/"
        );
        assert_eq!(
            dataset["dct:provenance"][0]["dct:rights"],
            "Contains Co-operatives UK open data"
        );

        // One organisation: its page names the source of each field.
        let id = all[0]["id"].as_str().unwrap().rsplit('/').next().unwrap();
        let org = client.get(&format!("/directory/org/{id}")).await;
        org.assert_status(200);
        assert!(org.body.contains("Co-operatives UK 2023"));
        let node = client
            .get(&format!("/directory/org/{id}/jsonld"))
            .await
            .json();
        assert_eq!(node["@type"], "Organization");
        // Its registry identifiers, with the register each belongs to.
        let dynamix = client
            .get("/api/v1/directory/search?q=dynamix&limit=1")
            .await
            .json();
        let id = dynamix["results"][0]["id"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap();
        let page = client.get(&format!("/directory/org/{id}")).await;
        assert!(page.body.contains(
            "Companies House: <a href=\"https://find-and-update.company-information.service.gov.uk/company/02413574\""
        ), "{}", page.body);
        assert!(page
            .body
            .contains(".coop domain: <a href=\"https://dynamix.coop\""));
        let node = client
            .get(&format!("/directory/org/{id}/jsonld"))
            .await
            .json();
        assert_eq!(node["identifier"][0]["propertyID"], "GB-COH");
        assert_eq!(node["identifier"][1]["value"], "dynamix.coop");
        client.get("/directory/org/0").await.assert_status(404);
        client.get("/directory/org/x").await.assert_status(404);
    }
}

#[test]
fn any_query_string_gets_an_answer_not_a_failure() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(async {
        let server = TestServer::spawn(backends()[0]).await;
        import_uk(&server, 2023).await;
        server
    });
    let client = server.client();
    let config = ProptestConfig {
        cases: 64,
        ..ProptestConfig::default()
    };
    let value = prop_oneof![
        Just(String::new()),
        "[-0-9.,]{0,24}",
        "[a-z &%]{0,12}",
        Just("NaN,1,2,3".to_owned()),
        Just("1e400,0,1,1".to_owned()),
    ];
    let key = prop::sample::select(vec![
        "q", "bbox", "near", "limit", "offset", "page", "country", "source",
    ]);
    proptest!(config, |(pairs in prop::collection::vec((key, value), 0..4), path in prop::sample::select(vec!["/api/v1/directory/search", "/directory", "/directory/map", "/directory/map.geojson", "/open-data/directory.csv"]))| {
        let query = serde_urlencoded::to_string(&pairs).unwrap();
        let reply = runtime.block_on(client.get(&format!("{path}?{query}")));
        prop_assert!(
            reply.status.as_u16() < 500,
            "{path}?{query} answered {}: {}",
            reply.status,
            reply.body
        );
    });
}

each_backend! {
    async fn a_moderator_uploads_lists_and_hosted_coops_list_themselves(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let web = server.client();
        web.sign_up("Mo", "mo@example.coop", PASSWORD).await;
        web.get("/directory/import").await.assert_status(403);
        let (_, granted) = server
            .app
            .grant_server_role("mo@example.coop", coopkit_domain::ServerRole::Moderator)
            .await
            .unwrap();
        assert!(granted);
        web.get("/directory/import").await.assert_status(200);

        // A list with a feature off the globe and one without a name:
        // imported, and both reported on the page and in the file.
        let features = br#"{"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"name": "Far", "_id": "a"}, "geometry": {"type": "Point", "coordinates": [200, 10]}},
            {"type": "Feature", "properties": {"_id": "b"}, "geometry": null},
            {"type": "Feature", "properties": {"name": "Here", "_id": "c", "addr:country": "Deutschland"}, "geometry": {"type": "Point", "coordinates": [13.4, 52.5]}}
        ]}"#;
        let fields = [
            ("source", "Berlin list"),
            ("format", "geojson"),
            ("licence", "CC0"),
            ("attribution", ""),
            ("as_of", "2024-01-31"),
            ("mapping", ""),
        ];
        let page = web
            .post_upload(
                "/directory/import",
                &fields,
                ("file", "berlin.geojson", features),
            )
            .await;
        page.assert_status(200);
        assert!(
            page.body.contains("Berlin list: 2 rows read, 1 skipped"),
            "{}",
            page.body
        );
        assert!(page
            .body
            .contains("coordinates [200, 10] are not a longitude and latitude"));
        let report = web.get("/directory/sources/Berlin%20list/report.csv").await;
        report.assert_status(200);
        assert_eq!(
            report.body,
            "row,field,reason,skipped\n\
             1,geometry,\"coordinates [200, 10] are not a longitude and latitude on the globe\",no\n\
             2,name,no name,yes\n"
        );
        let here = web
            .get("/api/v1/directory/search?q=here&country=DE")
            .await
            .json();
        assert_eq!(here["total"], 1);

        // A broken list changes nothing and says where it broke.
        let broken = b"ID,Name\n1,\"Unclosed\n2,Other\n";
        let fields = [
            ("source", "Berlin list"),
            ("format", "csv"),
            ("mapping", "[columns]\nid = \"ID\"\nname = \"Name\"\n"),
        ];
        let page = web
            .post_upload("/directory/import", &fields, ("file", "broken.csv", broken))
            .await;
        page.assert_status(422);
        assert!(
            page.body
                .contains("Nothing was imported: broken.csv: row 1: unbalanced quote"),
            "{}",
            page.body
        );
        let all = web.get("/api/v1/directory/search").await.json();
        assert_eq!(all["total"], 2);

        // A co-op founded here publishes its profile and lists itself.
        crate::fixtures::coop(&server, "bakers", "Ada", false).await;
        let profile = web.get("/c/bakers/murmurations.json").await.json();
        assert_eq!(profile["linked_schemas"][0], "organizations_schema-v1.0.0");
        assert_eq!(profile["name"], "Co-op bakers");
        let listed = server
            .app
            .sync_hosted_coops(&server.base_url)
            .await
            .unwrap();
        assert_eq!(listed.map(|r| r.created), Some(1));
        assert!(server
            .app
            .sync_hosted_coops(&server.base_url)
            .await
            .unwrap()
            .is_none());
        let found = web
            .get("/api/v1/directory/search?q=bakers&source=Co-ops%20hosted%20here")
            .await
            .json();
        assert_eq!(found["total"], 1);
        assert_eq!(
            found["results"][0]["website"],
            format!("{}/c/bakers", server.base_url)
        );
        // The source coopkit names is named in the reader's language.
        let spanish = server.client().with_accept_language("es");
        let page = spanish.get("/directory?q=bakers").await.body;
        assert!(
            page.contains("Cooperativas alojadas aquí") && !page.contains(">Co-ops hosted here<"),
            "{page}"
        );
    }
}

#[tokio::test]
async fn reports_name_duplicates_and_differences_between_lists() {
    let server = TestServer::spawn(backends()[0]).await;
    let map = Mapping::from_toml(
        "[columns]\nid = \"ID\"\nname = \"Name\"\npostcode = \"Postcode\"\nwebsite = \"Web\"\n",
    )
    .unwrap();
    let import = |source: &str, as_of: &str, csv: &'static [u8]| {
        let list = ImportList {
            source: source.to_owned(),
            file: format!("{source}.csv"),
            format: ListFormat::Csv(map.clone()),
            licence: String::new(),
            attribution: String::new(),
            as_of: Timestamp::parse_date(as_of).unwrap(),
        };
        let app = server.app.clone();
        async move { app.import_list(&list, csv).await.unwrap() }
    };
    import(
        "Old",
        "2020-01-01",
        b"ID,Name,Postcode,Web\n1,Suma Wholefoods,HX5 9DB,https://suma.coop\n2,Unicorn Grocery,M21 0BN,https://unicorn.coop\n3,Gone Co-op,ZZ1 1ZZ,\n4,SUMA WHOLEFOODS LTD,HX5 9DB,https://suma.coop\n",
    )
    .await;
    import(
        "New",
        "2024-01-01",
        b"ID,Name,Postcode,Web\na,Suma Wholefoods,HX5 9DX,https://suma.coop\nb,Unicorn Grocery,M21 0BN,https://unicorn.coop\nc,Brand New Co-op,AB1 2CD,\n",
    )
    .await;
    let client = server.client();

    let duplicates = client.get("/directory/sources/Old/duplicates.csv").await;
    duplicates.assert_status(200);
    let lines: Vec<&str> = duplicates.body.lines().collect();
    assert_eq!(lines[0], "id,duplicate_list,duplicate_id,organisation");
    assert!(lines.iter().any(|l| l.starts_with("4,Old,1,")), "{lines:?}");
    assert!(lines.iter().any(|l| l.starts_with("2,New,b,")), "{lines:?}");

    let diff = client.get("/directory/diff.csv?a=Old&b=New").await;
    diff.assert_status(200);
    let body = diff.body;
    assert!(body.contains("only in a,"), "{body}");
    assert!(
        body.lines()
            .any(|l| l.starts_with("only in a,") && l.contains(",3,")),
        "{body}"
    );
    assert!(
        body.lines()
            .any(|l| l.starts_with("only in b,") && l.contains(",c,")),
        "{body}"
    );
    assert!(
        body.lines()
            .any(|l| l.starts_with("changed,") && l.ends_with(",postcode,HX5 9DB,HX5 9DX")),
        "{body}"
    );
    client
        .get("/directory/diff.csv?a=Old")
        .await
        .assert_status(422);
    client
        .get("/directory/diff.csv?a=Old&b=Nope")
        .await
        .assert_status(404);
}

/// A page number that is not one (`?page=abc`, typed or cut short) shows
/// the search again with a sentence saying what is wrong, not an error page.
#[tokio::test]
async fn a_page_number_that_is_not_one_keeps_the_search_and_says_why() {
    let server = TestServer::spawn(backends()[0]).await;
    let client = server.client();
    for query in ["page=abc", "q=housing&page=-1", "page=1.5"] {
        let page = client.get(&format!("/directory?{query}")).await;
        page.assert_status(422);
        assert!(
            page.body.contains("The page number must be a whole number")
                && page.body.contains("role=\"search\"")
                && !page.body.contains("Something went wrong"),
            "{query}: {}",
            page.body
        );
    }
    let kept = client.get("/directory?q=housing&page=x").await;
    assert!(kept.body.contains("value=\"housing\""), "{}", kept.body);
}
