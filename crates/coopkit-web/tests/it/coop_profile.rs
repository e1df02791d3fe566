//! An admin changes the co-op's profile and its member classes on the
//! settings page, on SQLite and PostgreSQL: a class keeps its key when
//! renamed, none is removed, a new one is added from the blank row, and
//! bad input is refused where it was typed with nothing saved.

use coopkit_testkit::{each_backend, Backend, TestServer};
use serde_json::json;

use coopkit_testkit::{Client, Reply};

use crate::fixtures::{api_person, coop, member};
use crate::settlement::page_client;

async fn save_classes(admin: &Client, rows: &[(&str, &str)]) -> Reply {
    admin.post_form("/c/guild/settings/classes", rows).await
}

each_backend! {
    async fn admins_change_the_profile_and_the_classes(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let admin = coop(&server, "guild", "Ada Admin", false).await;
        member(&server, "guild", &admin, "Ben Member").await;
        let (ada, ben) = (
            page_client(&server, "Ada Admin").await,
            page_client(&server, "Ben Member").await,
        );
        ben.post_form("/c/guild/settings/profile", &[("name", "Taken over")])
            .await
            .assert_status(403);
        let page = ada.get("/c/guild/settings").await;
        page.assert_status(200);
        assert!(page.body.contains("id=\"class-0-name\" name=\"class-0-name\" type=\"text\" value=\"Worker\""), "{}", page.body);
        assert!(page.body.contains("id=\"class-2-name\" name=\"class-2-name\" type=\"text\" value=\"\""), "a blank row to add one");

        // The profile: refused where typed, then saved.
        let short = ada
            .post_form("/c/guild/settings/profile", &[("name", "G"), ("description", "x"), ("profile", "y")])
            .await;
        short.assert_status(422);
        assert!(short.body.contains("id=\"name-error\""), "{}", short.body);
        assert!(server.client().get("/c/guild").await.body.contains("Co-op guild"), "nothing saved");
        ada.post_form(
            "/c/guild/settings/profile",
            &[("name", "Guild of Makers"), ("description", "Makers sharing a workshop"), ("profile", "We make.\n\nTogether.")],
        )
        .await
        .assert_status(303);
        let public = server.client().get("/c/guild").await.body;
        assert!(public.contains("<h1>Guild of Makers</h1>") && public.contains("<p>Together.</p>"), "{public}");

        // The classes: a new one whose name is an existing key, and a
        // form missing a class, are refused, and nothing changes.
        // The classes' ids, as the form carries them.
        let form = ada.get("/c/guild/settings").await.body;
        let id_of = |row: usize| -> String {
            let marker = format!("name=\"class-{row}-id\" value=\"");
            let start = form.find(&marker).unwrap() + marker.len();
            form[start..].chars().take_while(char::is_ascii_digit).collect()
        };
        let (worker, investor) = (id_of(0), id_of(1));
        let (worker, investor) = (worker.as_str(), investor.as_str());
        let twice = save_classes(&ada, &[
            ("class-0-id", worker), ("class-0-name", "Worker"), ("class-0-open", "yes"),
            ("class-1-id", investor), ("class-1-name", "Investor"),
            ("class-2-id", ""), ("class-2-name", "worker"),
        ])
        .await;
        twice.assert_status(422);
        assert!(twice.body.contains("id=\"class-2-name-error\""), "{}", twice.body);
        let missing = save_classes(&ada, &[("class-0-id", worker), ("class-0-name", "Worker")]).await;
        missing.assert_status(422);
        assert!(missing.body.contains("id=\"classes-error\""), "{}", missing.body);

        // Saved: renamed in place, the investors opened, apprentices added
        // who always need a coordinator.
        save_classes(&ada, &[
            ("class-0-id", worker), ("class-0-name", "Maker"), ("class-0-open", "yes"),
            ("class-1-id", investor), ("class-1-name", "Investor"), ("class-1-open", "yes"),
            ("class-2-id", ""), ("class-2-name", "Apprentice"), ("class-2-open", "yes"), ("class-2-approval", "yes"),
        ])
        .await
        .assert_status(303);
        let listed = server.client().get("/api/v1/coops/guild").await.json()["classes"].clone();
        let keys: Vec<(&str, &str, bool)> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["key"].as_str().unwrap(), c["name"].as_str().unwrap(), c["open_to_join"].as_bool().unwrap()))
            .collect();
        assert_eq!(keys, [("worker", "Maker", true), ("investor", "Investor", true), ("apprentice", "Apprentice", true)]);
        let newcomer = api_person(&server, "Nia New").await;
        let applied = newcomer
            .post_json("/api/v1/coops/guild/membership", &json!({"class": "apprentice"}))
            .await;
        applied.assert_status(201);
        assert_eq!(applied.json()["status"], "pending", "the class needs approval though the co-op does not");
        // The co-op's page says so, rather than that everyone is admitted at once.
        let page = ada.get("/c/guild").await.body;
        assert!(page.contains("Applicants to a class marked “Needs approval” wait for a coordinator"), "{page}");

        let log = ben.get("/c/guild/log").await.body;
        assert!(log.contains("changed the member classes"), "{log}");
        assert!(log.contains("changed the co-op&#39;s name and profile") || log.contains("changed the co-op&#x27;s name and profile"), "{log}");
    }
}
