#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

//! Lists in (CSV, GeoJSON, Murmurations), organisations out, and how the
//! values of several sources survive a merge.

use coopkit_directory::{
    geojson, jsonld, murmurations, read_csv_rows, read_geojson, read_jsonld, read_murmurations,
    survive, Mapping, ReadError, Record, Statement,
};

fn shared(file: &str) -> Vec<u8> {
    let path = format!("{}/../../data/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(path).expect("the shared data is there")
}

#[test]
fn the_real_lists_read_whole_and_say_what_they_could_not_read() {
    let uk2017 = read_csv_rows(
        &shared("coopsuk_2017-06_organisations.csv"),
        &Mapping::coops_uk_2017(),
    )
    .unwrap();
    assert_eq!(
        uk2017.rows.len() + uk2017.problems.iter().filter(|p| p.skipped).count(),
        8371
    );
    let (row, coop) = &uk2017.rows[0];
    assert_eq!(*row, 1);
    assert_eq!(coop.name, "Co-operative Group Limited");
    assert_eq!(coop.country, "GB", "the register's country fills the rows");
    assert_eq!(coop.founded, "11/8/1863");
    assert_eq!(coop.sector, "Retail", "Co-operatives UK's sector, in words");

    let uk2023 = read_csv_rows(
        &shared("coopsuk_2023-Q2_essglobal_standard.csv"),
        &Mapping::essglobal_standard(),
    )
    .unwrap();
    assert_eq!(
        uk2023.rows.len() + uk2023.problems.iter().filter(|p| p.skipped).count(),
        7387
    );
    assert!(
        uk2023
            .rows
            .iter()
            .filter(|(_, r)| r.point.is_some())
            .count()
            > 7000
    );
    let housing = uk2023
        .rows
        .iter()
        .filter(|(_, r)| r.activity.ends_with("/ICA210"))
        .filter(|(_, r)| r.sector == "Housing")
        .count();
    assert_eq!(
        housing, 743,
        "the ICA's housing term, and the sector that names it"
    );

    let susy = read_geojson(&shared("transformap_susy_ssedas_2020.geojson")).unwrap();
    assert_eq!(susy.rows.len(), 1794);
    let unknown: Vec<(usize, &str)> = susy
        .problems
        .iter()
        .map(|p| (p.row, p.field.as_deref().unwrap_or("")))
        .collect();
    // Misspelt countries ("Frace", "Italu") and a city in the country
    // field are reported, and the rows kept.
    assert_eq!(
        unknown,
        [
            (18, "country"),
            (161, "country"),
            (517, "country"),
            (724, "country"),
            (727, "country"),
            (1442, "country")
        ]
    );
    assert!(susy.problems.iter().all(|p| !p.skipped));
    let austria = susy.rows.iter().filter(|(_, r)| r.country == "AT").count();
    assert_eq!(
        austria,
        225 + 34 + 26,
        "Österreich, Austria and AT are one country"
    );
    let food_bank = &susy.rows[0].1;
    assert_eq!(food_bank.name, "Bulgarian Food Bank");
    assert_eq!(food_bank.country, "BG");
    assert_eq!(food_bank.street, "бул. Васил Левски 106");
    assert_eq!(food_bank.id, "e98fb9126657fd09e8c7e43217000e20");
    let (lat, lon) = food_bank.point.unwrap();
    assert!((lat - 42.698).abs() < 0.001 && (lon - 23.335).abs() < 0.001);
}

const MAP: &str = "[columns]\nid = \"ID\"\nname = \"Name\"\nlat = \"Lat\"\nlon = \"Lon\"\n";

#[test]
fn broken_rows_are_reported_by_row_and_field_and_the_rest_is_read() {
    let mut csv =
        b"ID,Name,Lat,Lon\n1,Alpha,51.5,-0.1\n2,Beta,51.5\n3,,51,0\n4,Delta,95,0\n1,Again,0,0\n5,"
            .to_vec();
    csv.extend_from_slice(&[0xff, 0xfe]);
    csv.extend_from_slice(b",1,1\n6,Zeta,1,1\n");
    let reading = read_csv_rows(&csv, &Mapping::from_toml(MAP).unwrap()).unwrap();
    let read: Vec<&str> = reading.rows.iter().map(|(_, r)| r.name.as_str()).collect();
    assert_eq!(read, ["Alpha", "Delta", "Zeta"]);
    let said: Vec<String> = reading.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        said,
        [
            "row 2: 3 fields where the header has 4 (row skipped)",
            "row 3, field name: no name (row skipped)",
            "row 4, field lat/lon: (95, 0) is not a latitude and longitude on the globe",
            "row 5, field id: repeats the id \"1\" of row 1 (row skipped)",
            "row 6, field name: not valid UTF-8 (row skipped)",
        ]
    );
}

#[test]
fn an_unbalanced_quote_refuses_the_file_and_a_missing_column_is_named() {
    let csv = b"ID,Name,Lat,Lon\n1,Alpha,1,1\n2,\"Beta,1,1\n3,Gamma,1,1\n";
    let refused = read_csv_rows(csv, &Mapping::from_toml(MAP).unwrap()).unwrap_err();
    assert!(
        refused
            .to_string()
            .starts_with("row 2: unbalanced quote: field Name runs on"),
        "{refused}"
    );
    let names = Mapping::from_toml("[columns]\nid = \"ID\"\nname = \"Name\"\n").unwrap();
    let at_the_end = read_csv_rows(b"ID,Name\n1,\"Unclosed\n2,Other\n", &names).unwrap_err();
    assert!(
        at_the_end
            .to_string()
            .starts_with("row 1: unbalanced quote"),
        "{at_the_end}"
    );
    let closed = read_csv_rows(b"ID,Name\n1,\"Two\nlines\"\n", &names).unwrap();
    assert_eq!(closed.rows[0].1.name, "Two\nlines");
    let wrong = Mapping::from_toml("[columns]\nname = \"Title\"\n").unwrap();
    assert_eq!(
        read_csv_rows(csv, &wrong).unwrap_err(),
        ReadError::MissingColumn {
            field: "name",
            column: "Title".to_owned()
        }
    );
}

#[test]
fn invalid_geojson_says_where_and_bad_features_are_reported() {
    let broken = read_geojson(b"{\"type\": \"FeatureCollection\",\n \"features\": [}").unwrap_err();
    assert!(
        matches!(broken, ReadError::Json { line: 2, .. }),
        "{broken}"
    );
    let not_collection = read_geojson(b"{\"type\": \"Feature\"}").unwrap_err();
    assert!(not_collection.to_string().contains("FeatureCollection"));
    let features = br#"{"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Far"}, "geometry": {"type": "Point", "coordinates": [200, 10]}},
        {"type": "Feature", "properties": {}, "geometry": null},
        {"type": "Feature", "properties": {"name": "Here", "contact:website": "https://here.coop"}, "geometry": {"type": "Point", "coordinates": [-0.1, 51.5]}}
    ]}"#;
    let reading = read_geojson(features).unwrap();
    assert_eq!(reading.rows.len(), 2);
    assert_eq!(reading.rows[0].1.point, None);
    assert_eq!(reading.rows[1].1.point, Some((51.5, -0.1)));
    assert_eq!(reading.rows[1].1.website, "https://here.coop");
    let said: Vec<String> = reading.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        said,
        [
            "row 1, field geometry: coordinates [200, 10] are not a longitude and latitude on the globe",
            "row 2, field name: no name (row skipped)",
        ]
    );
}

fn sample() -> Record {
    Record {
        id: "7".to_owned(),
        name: "Suma Wholefoods".to_owned(),
        description: "Workers' co-operative wholesaler".to_owned(),
        street: "Lacy Way".to_owned(),
        locality: "Elland".to_owned(),
        postcode: "HX5 9DB".to_owned(),
        country: "GB".to_owned(),
        website: "https://www.suma.coop".to_owned(),
        email: "info@suma.coop".to_owned(),
        structure: "https://dev.lod.coop/essglobal/2.1/standard/organisational-structure/OS130"
            .to_owned(),
        social: vec!["https://twitter.com/sumawholesale".to_owned()],
        point: Some((53.68, -1.83)),
        ..Record::default()
    }
}

#[test]
fn a_record_is_kept_as_json_without_its_empty_fields() {
    let text = serde_json::to_string(&Record {
        id: "3".to_owned(),
        name: "Unicorn Grocery".to_owned(),
        point: Some((53.44, -2.27)),
        ..Record::default()
    })
    .unwrap();
    assert_eq!(
        text,
        r#"{"id":"3","name":"Unicorn Grocery","point":[53.44,-2.27]}"#
    );
    let whole = serde_json::to_string(&sample()).unwrap();
    assert_eq!(serde_json::from_str::<Record>(&whole).unwrap(), sample());
    // As databases written before kept it: every field, empty or not.
    let mut every = serde_json::to_value(sample()).unwrap();
    every["phone"] = "".into();
    every["dissolved"] = false.into();
    every["point"] = serde_json::Value::Null;
    let read: Record = serde_json::from_value(every).unwrap();
    assert_eq!(
        read,
        Record {
            point: None,
            ..sample()
        }
    );
}

#[test]
fn murmurations_profiles_go_out_and_come_back() {
    let profile = murmurations::profile(&sample());
    assert_eq!(profile["linked_schemas"][0], murmurations::SCHEMA);
    assert_eq!(profile["geolocation"]["lat"], 53.68);
    assert_eq!(profile["status"], "active");
    let bytes = serde_json::to_vec(&vec![profile]).unwrap();
    let back = read_murmurations(&bytes).unwrap();
    assert!(back.problems.is_empty());
    let record = &back.rows[0].1;
    assert_eq!(record.name, "Suma Wholefoods");
    assert_eq!(record.website, "https://www.suma.coop");
    assert_eq!(record.email, "info@suma.coop");
    assert_eq!(record.point, Some((53.68, -1.83)));
    assert_eq!(record.social, sample().social);
    assert!(read_murmurations(b"42").is_err());
}

#[test]
fn json_ld_and_geojson_carry_the_fields() {
    let doc = jsonld::document("https://example.org/directory/7", &sample());
    assert_eq!(doc["@type"], "Organization");
    assert_eq!(doc["@context"]["@vocab"], "https://schema.org/");
    assert_eq!(doc["address"]["postalCode"], "HX5 9DB");
    assert_eq!(doc["geo"]["latitude"], 53.68);
    assert_eq!(
        doc["essglobal:organisationalStructure"]["@id"],
        "https://dev.lod.coop/essglobal/2.1/standard/organisational-structure/OS130"
    );
    let feature = geojson::feature("https://example.org/directory/7", &sample());
    assert_eq!(
        feature["geometry"]["coordinates"][0], -1.83,
        "longitude first"
    );
    assert!(geojson::feature("x", &Record::default())["geometry"].is_null());
}

#[test]
fn json_ld_comes_back_as_it_went_out() {
    let uri = "https://example.org/directory/7";
    let with_number = Record {
        company_number: "IP01234R".to_owned(),
        legal_form: "Society".to_owned(),
        ..sample()
    };
    let document = serde_json::json!({
        "@context": jsonld::context(),
        "@graph": [jsonld::node(uri, &with_number)],
    });
    let reading = read_jsonld(document.to_string().as_bytes()).unwrap();
    assert!(reading.problems.is_empty(), "{:?}", reading.problems);
    assert_eq!(
        reading.rows,
        [(
            1,
            Record {
                id: uri.to_owned(),
                ..with_number
            }
        )]
    );
    // One document alone, with its own context, reads the same.
    let one = jsonld::document(uri, &sample()).to_string();
    assert_eq!(
        read_jsonld(one.as_bytes()).unwrap().rows[0].1.name,
        "Suma Wholefoods"
    );
}

#[test]
fn json_ld_as_others_publish_it_is_read_and_what_is_wrong_is_reported() {
    let document = r#"[
      {"@context": "http://schema.org", "@type": "Organization",
       "schema:name": "Leeds Bread Co-op", "address": "Unit 2, Cross Green, Leeds",
       "geo": {"latitude": "53.79", "longitude": "-1.51"},
       "identifier": [{"@type": "PropertyValue", "propertyID": "Society number", "value": "31456R"}],
       "sameAs": "https://twitter.com/leedsbread", "email": "mailto:hello@leedsbread.coop"},
      {"@context": "https://schema.org/", "@id": "urn:x:2", "name": {"@value": "Oxford Co-op"},
       "address": {"@type": "PostalAddress", "addressLocality": "Oxford",
                   "addressCountry": {"@type": "Country", "name": "United Kingdom"}},
       "geo": {"latitude": 95, "longitude": 0}},
      {"@type": "Organization", "name": "No context"},
      {"@context": "https://schema.org", "description": "No name"},
      {"@context": "https://schema.org", "name": "Ruritania Co-op",
       "address": {"addressCountry": "Ruritania"}}
    ]"#;
    let reading = read_jsonld(document.as_bytes()).unwrap();
    let leeds = &reading.rows[0].1;
    assert_eq!(leeds.id, "1", "no @id and no url: its row");
    assert_eq!(leeds.street, "Unit 2, Cross Green, Leeds");
    assert_eq!(leeds.point, Some((53.79, -1.51)));
    assert_eq!(leeds.company_number, "31456R");
    assert_eq!(leeds.social, ["https://twitter.com/leedsbread"]);
    assert_eq!(leeds.email, "hello@leedsbread.coop");
    let oxford = &reading.rows[1].1;
    assert_eq!(
        (oxford.id.as_str(), oxford.name.as_str()),
        ("urn:x:2", "Oxford Co-op")
    );
    assert_eq!(
        (oxford.locality.as_str(), oxford.country.as_str()),
        ("Oxford", "GB")
    );
    assert_eq!(oxford.point, None);
    assert_eq!(reading.rows.len(), 3);
    let said: Vec<String> = reading.problems.iter().map(ToString::to_string).collect();
    assert_eq!(said.len(), 4, "{said:?}");
    assert!(
        said[0].starts_with("row 2, field geo: needs a latitude"),
        "{said:?}"
    );
    assert!(
        said[1].starts_with("row 3, field @context: no @context"),
        "{said:?}"
    );
    assert_eq!(said[2], "row 4, field name: no name (row skipped)");
    assert!(
        said[3].starts_with("row 5, field country: \"Ruritania\""),
        "{said:?}"
    );

    let elsewhere = r#"{"@context": "https://www.w3.org/ns/activitystreams", "@graph": []}"#;
    let refused = read_jsonld(elsewhere.as_bytes()).unwrap_err().to_string();
    assert!(refused.contains("is not schema.org's"), "{refused}");
    let broken = read_jsonld(b"{\"@graph\": [\n  {\"name\": }\n]}")
        .unwrap_err()
        .to_string();
    assert!(broken.starts_with("not valid JSON at line 2"), "{broken}");
}

#[test]
fn the_newest_statement_of_each_field_survives_and_empty_erases_nothing() {
    let old = Record {
        name: "SUMA WHOLEFOODS LIMITED".to_owned(),
        phone: "01422 313840".to_owned(),
        postcode: "HX5 9DB".to_owned(),
        ..Record::default()
    };
    let new = Record {
        name: "Suma Wholefoods".to_owned(),
        postcode: "HX5 9DX".to_owned(),
        ..Record::default()
    };
    let statements = [
        Statement {
            source: 2,
            as_of: 2023,
            record: &new,
        },
        Statement {
            source: 1,
            as_of: 2017,
            record: &old,
        },
    ];
    let merged = survive(&statements);
    assert_eq!(merged.record.name, "Suma Wholefoods");
    assert_eq!(merged.record.postcode, "HX5 9DX");
    assert_eq!(
        merged.record.phone, "01422 313840",
        "kept from the older list"
    );
    assert_eq!(merged.provenance["phone"], (1, 2017));
    assert_eq!(merged.provenance["name"], (2, 2023));
    let mut reversed = statements;
    reversed.reverse();
    assert_eq!(survive(&reversed), merged, "order does not matter");
}

#[test]
fn the_us_lists_read_with_their_quirks_mended() {
    let websites = shared("us_ncua_credit_union_websites_2025-12.csv");
    let ncua = read_csv_rows(
        &shared("us_ncua_federally_insured_credit_unions_2025q3.csv"),
        &Mapping::ncua_2025().with_websites(&websites).unwrap(),
    )
    .unwrap();
    assert_eq!(ncua.rows.len(), 4331, "{:?}", ncua.problems.first());
    let hartford = &ncua.rows.iter().find(|(_, r)| r.id == "12").unwrap().1;
    assert_eq!(
        hartford.name, "FRANKLIN TRUST FEDERAL CREDIT UNION",
        "NCUA leaves off what its names end with"
    );
    assert_eq!(hartford.legal_form, "Federal credit union");
    assert_eq!(hartford.locality, "Hartford");
    assert_eq!(
        hartford.postcode, "06114",
        "the ZIP code's lost zero is back"
    );
    assert_eq!(hartford.website, "http://www.franklintrust.org");
    assert_eq!(
        (hartford.country.as_str(), hartford.sector.as_str()),
        ("US", "Credit union")
    );
    assert!(ncua.rows.iter().all(|(_, r)| r.website != "UNKNOWN"));

    let eia = read_csv_rows(
        &shared("us_eia861_2018_electric_cooperatives.csv"),
        &Mapping::eia_861(),
    )
    .unwrap();
    assert_eq!(eia.rows.len(), 806, "{:?}", eia.problems.first());
    let first = &eia.rows[0].1;
    assert_eq!(first.name, "A & N Electric Coop");
    assert_eq!(
        (first.region.as_str(), first.area.as_str()),
        ("VA", "Accomack; Northampton")
    );
    assert_eq!(first.sector, "Electric co-op");
}
