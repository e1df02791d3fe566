//! Whoever suggests an edit to the directory is told by email when a
//! moderator decides it (through a real SMTP server, on SQLite and
//! PostgreSQL); a moderator deciding their own suggestion is not.

use coopkit_app::mail::Postman;
use coopkit_domain::ServerRole;
use coopkit_testkit::{each_backend, Backend, Client, SmtpServer, TestServer};

use crate::fixtures::{api_person, email_of};
use crate::mail::{deliver, path_of, verify, FROM};
use crate::settlement::page_client;

/// The number in the last open edit's form on the review queue.
async fn last_open_edit(moderator: &Client) -> String {
    let queue = moderator.get("/directory/review").await.body;
    let marker = "action=\"/directory/edits/";
    let start = queue.rfind(marker).expect("an open edit") + marker.len();
    queue[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect()
}

each_backend! {
    async fn a_suggested_edit_is_answered_by_mail(backend: Backend) {
        let Some(smtp) = SmtpServer::start() else { return };
        let server = TestServer::spawn(backend).await;
        let postman = Postman::new(&smtp.url(), FROM).unwrap();
        for name in ["Mo Moderator", "Sue Suggester"] {
            api_person(&server, name).await;
        }
        server
            .app
            .grant_server_role(&email_of("Mo Moderator"), ServerRole::Moderator)
            .await
            .unwrap();
        deliver(&server.app, &server, &postman).await;
        verify(&server, &smtp, "Sue Suggester").await;
        verify(&server, &smtp, "Mo Moderator").await;
        let (mo, sue) = (
            page_client(&server, "Mo Moderator").await,
            page_client(&server, "Sue Suggester").await,
        );
        let features = br#"{"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"name": "Here Bakers", "_id": "c"}, "geometry": {"type": "Point", "coordinates": [13.4, 52.5]}}
        ]}"#;
        let fields = [("source", "Berlin list"), ("format", "geojson"), ("licence", "CC0"),
            ("attribution", ""), ("as_of", "2024-01-31"), ("mapping", "")];
        mo.post_upload("/directory/import", &fields, ("file", "berlin.geojson", features))
            .await
            .assert_status(200);
        let found = sue.get("/api/v1/directory/search?q=bakers").await.json();
        let address = found["results"][0]["id"].as_str().unwrap().to_owned();
        let org: String = address.rsplit('/').next().unwrap().to_owned();
        let suggest = |who: &Client, value: &str| {
            let path = format!("/directory/org/{org}/edits");
            let form = [("field", "website"), ("value", value), ("note", "Their own site")]
                .map(|(k, v)| (k.to_owned(), v.to_owned()));
            let who = who.clone();
            async move {
                let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                who.post_form(&path, &form).await.assert_status(200);
            }
        };

        // Accepted: she is told, with the organisation's page.
        suggest(&sue, "https://here.example").await;
        let edit = last_open_edit(&mo).await;
        mo.post_form(&format!("/directory/edits/{edit}"), &[("decision", "accept")])
            .await
            .assert_status(303);
        // Rejected, and Mo's own: she is told of hers; he is not.
        suggest(&sue, "https://wrong.example").await;
        let edit = last_open_edit(&mo).await;
        mo.post_form(&format!("/directory/edits/{edit}"), &[("decision", "reject")])
            .await
            .assert_status(303);
        suggest(&mo, "https://mo.example").await;
        let edit = last_open_edit(&mo).await;
        mo.post_form(&format!("/directory/edits/{edit}"), &[("decision", "accept")])
            .await
            .assert_status(303);
        deliver(&server.app, &server, &postman).await;

        let hers = smtp.received_by(&email_of("Sue Suggester"));
        let subjects: Vec<&str> = hers.iter().map(|m| m.subject.as_str()).collect();
        assert!(subjects.contains(&"Your edit to Here Bakers is in the directory"), "{subjects:?}");
        assert!(subjects.contains(&"Your edit to Here Bakers was not taken"), "{subjects:?}");
        let accepted = hers.iter().find(|m| m.subject.ends_with("is in the directory")).unwrap();
        assert!(accepted.text.contains("accepted the website you suggested"), "{}", accepted.text);
        let link = accepted.link("/directory/org/").unwrap();
        server.client().get(path_of(&server, &link)).await.assert_status(200);
        let his = smtp.received_by(&email_of("Mo Moderator"));
        assert!(his.iter().all(|m| !m.subject.contains("Your edit")), "{:?}", his.iter().map(|m| &m.subject).collect::<Vec<_>>());
    }
}
