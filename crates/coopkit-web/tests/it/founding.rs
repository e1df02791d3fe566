//! Founding a co-op from the page, on SQLite and PostgreSQL: every field
//! that is wrong said where it was typed, nothing written until all is
//! right, and then the co-op, its classes, its zone and its first
//! currency in one go.

use coopkit_testkit::{each_backend, Backend, TestServer};

use crate::fixtures::api_person;
use crate::settlement::page_client;

const FOUNDING: [(&str, &str); 12] = [
    ("name", "Cuidadoras de Lavapiés"),
    ("slug", "cuidadoras"),
    ("description", "Carers who own their co-op."),
    ("profile", "We look after children and elders in Lavapiés."),
    ("time_zone", "Europe/Madrid"),
    ("approval", "yes"),
    ("class_1", "Cuidadora"),
    ("class_1_open", "yes"),
    ("class_2", "Familia socia"),
    ("class_2_open", "yes"),
    ("currency_code", "HORA"),
    ("currency_name", "Hora"),
];

fn with(changes: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut fields: Vec<_> = FOUNDING
        .iter()
        .filter(|(name, _)| !changes.iter().any(|(changed, _)| changed == name))
        .copied()
        .collect();
    fields.extend(changes.iter().filter(|(_, value)| !value.is_empty()));
    fields.push(("currency_kind", "time"));
    fields.push(("currency_scale", "0"));
    fields
}

each_backend! {
    async fn a_coop_is_founded_from_its_page(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        api_person(&server, "Lucia Fundadora").await;
        let lucia = page_client(&server, "Lucia Fundadora").await;
        let home = lucia.get("/").await;
        assert!(home.body.contains("href=\"/coops/new\""), "{}", home.body);
        let form = lucia.get("/coops/new").await;
        form.assert_status(200);
        assert!(form.body.contains("name=\"currency_code\""));
        // Nobody logged in is sent to log in first.
        let stranger = server.client().get("/coops/new").await;
        assert_eq!(stranger.status, 303);

        // Each wrong field is named where it was typed, and nothing is founded.
        let wrong = lucia
            .post_form(
                "/coops/new",
                &with(&[("slug", "Not A Slug"), ("currency_code", "H")]),
            )
            .await;
        wrong.assert_status(422);
        for field in ["slug-error", "currency_code-error"] {
            assert!(wrong.body.contains(&format!("id=\"{field}\"")), "{field}: {}", wrong.body);
        }
        assert!(wrong.body.contains("value=\"Cuidadoras de Lavapiés\""), "kept as typed");
        let wrong = lucia.post_form("/coops/new", &with(&[("time_zone", "Europe/Atlantis")])).await;
        wrong.assert_status(422);
        assert!(wrong.body.contains("id=\"time_zone-error\""), "{}", wrong.body);
        let wrong = lucia.post_form("/coops/new", &with(&[("class_1", ""), ("class_2", "")])).await;
        wrong.assert_status(422);
        assert!(wrong.body.contains("id=\"class_1-error\""), "{}", wrong.body);
        server.client().get("/c/cuidadoras").await.assert_status(404);

        let founded = lucia.post_form("/coops/new", &with(&[])).await;
        founded.assert_status(303);
        assert_eq!(founded.location(), Some("/c/cuidadoras"));
        let coop = server.client().get("/api/v1/coops/cuidadoras").await.json();
        assert_eq!(coop["time_zone"], "Europe/Madrid");
        assert_eq!(coop["joining_requires_approval"], true);
        let classes: Vec<(&str, &str)> = coop["classes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["key"].as_str().unwrap(), c["name"].as_str().unwrap()))
            .collect();
        assert_eq!(classes, [("cuidadora", "Cuidadora"), ("familia-socia", "Familia socia")]);
        let currencies = server.client().get("/api/v1/coops/cuidadoras/currencies").await.json();
        assert_eq!(currencies[0]["code"], "HORA");
        assert_eq!(currencies[0]["default_debit_limit"], 0, "no credit until admins give it");
        // She is its admin: its settings are hers to change.
        lucia.get("/c/cuidadoras/settings").await.assert_status(200);
        // The address is taken now.
        let again = lucia.post_form("/coops/new", &with(&[])).await;
        again.assert_status(409);
        assert!(again.body.contains("id=\"slug-error\""), "{}", again.body);
    }
}
