//! A person changes their address (proved by a link to the new one
//! through a real SMTP server), downloads their data and deletes their
//! account, on SQLite and PostgreSQL.

use coopkit_app::mail::Postman;
use coopkit_testkit::{each_backend, Backend, SmtpServer, TestServer};

use crate::fixtures::{coop, email_of, PASSWORD};
use crate::mail::{deliver, path_of, verify, FROM};
use crate::settlement::page_client;

each_backend! {
    async fn an_address_changes_only_once_the_new_one_is_proven(backend: Backend) {
        let Some(smtp) = SmtpServer::start() else { return };
        let server = TestServer::spawn(backend).await;
        let postman = Postman::new(&smtp.url(), FROM).unwrap();
        coop(&server, "movers", "Mia Mover", false).await;
        crate::fixtures::api_person(&server, "Ola Other").await;
        deliver(&server.app, &server, &postman).await;
        verify(&server, &smtp, "Mia Mover").await;
        let mia = page_client(&server, "Mia Mover").await;
        let change = |email: &'static str, password: &'static str| {
            let mia = &mia;
            async move {
                mia.post_form("/account/email", &[("email", email), ("email_password", password)])
                    .await
            }
        };

        // Refused, each with its reason where it was typed, and nothing asked.
        let wrong = change("mia@new.example", "not her password").await;
        wrong.assert_status(422);
        assert!(wrong.body.contains("id=\"email_password-error\""), "{}", wrong.body);
        assert!(wrong.body.contains("value=\"mia@new.example\""), "kept as typed");
        let taken = change("ola.other@example.coop", PASSWORD).await;
        taken.assert_status(409);
        assert!(taken.body.contains("An account with this address already exists"), "{}", taken.body);
        let same = change("mia.mover@example.coop", PASSWORD).await;
        same.assert_status(422);
        assert!(same.body.contains("This is already your address"), "{}", same.body);
        assert!(!mia.get("/account").await.body.contains("id=\"email-pending\""));

        // Asked: the address stays hers until the link mailed to the new
        // one is followed; nothing goes to the new one but the proof.
        change("Mia@New.Example", PASSWORD).await.assert_status(303);
        let page = mia.get("/account").await;
        assert!(page.body.contains("<title>My account · coopkit</title>"), "{}", page.body);
        assert!(page.body.contains("We sent a link to mia@new.example"), "{}", page.body);
        assert!(page.body.contains(&email_of("Mia Mover")));
        deliver(&server.app, &server, &postman).await;
        let proofs = smtp.received_by("mia@new.example");
        assert_eq!(proofs.len(), 1, "{proofs:?}");
        assert_eq!(proofs[0].subject, "Confirm your email address");
        let link = proofs[0].link("/verify-email/").unwrap();
        server.client().log_in("mia@new.example", PASSWORD).await.assert_status(422);

        let followed = server.client().get(path_of(&server, &link)).await;
        followed.assert_status(200);
        assert!(followed.body.contains("your address is confirmed"), "{}", followed.body);
        let page = mia.get("/account").await;
        assert!(page.body.contains("<strong id=\"account-email\">mia@new.example</strong>"), "{}", page.body);
        assert!(!page.body.contains("id=\"email-pending\""));
        server.client().log_in("mia@new.example", PASSWORD).await.assert_status(303);
        server.client().log_in(&email_of("Mia Mover"), PASSWORD).await.assert_status(422);
        let again = server.client().get(path_of(&server, &link)).await;
        assert!(again.body.contains("This link does not work"), "used once");
    }
}

each_backend! {
    async fn a_person_takes_their_data_and_deletes_their_account(backend: Backend) {
        use crate::ledger::{balance, pay, person_id, submit};
        let server = TestServer::spawn(backend).await;
        let (admin_api, ana_api, ben_api) = crate::ledger::sitters(&server).await;
        let (ana_id, ben_id) = (person_id(&ana_api).await, person_id(&ben_api).await);
        let mut issue = pay(1, ana_id, 20);
        issue["from_issuance"] = serde_json::json!(true);
        assert_eq!(submit(&admin_api, vec![issue]).await, ["created"]);
        assert_eq!(submit(&ana_api, vec![pay(2, ben_id, 3)]).await, ["created"]);

        // Her data, from her page and from the API alike.
        let ana = page_client(&server, "Ana Parent").await;
        let download = ana.get("/account/data").await;
        download.assert_status(200);
        let disposition = download.headers["content-disposition"].to_str().unwrap();
        assert!(disposition.starts_with("attachment"), "{disposition}");
        let data = download.json();
        assert_eq!(data, ana_api.get("/api/v1/me/data").await.json());
        assert_eq!(data["profile"]["email"], email_of("Ana Parent"));
        assert_eq!(data["memberships"][0]["coop"], "sitters");
        let account = &data["accounts"][0];
        assert_eq!((account["currency"].as_str(), account["balance"].as_i64()), (Some("HOUR"), Some(17)));
        let amounts: Vec<i64> = account["statement"]
            .as_array()
            .unwrap()
            .iter()
            .map(|line| line["amount"].as_i64().unwrap())
            .collect();
        assert_eq!(amounts, [-3, 20], "newest first");
        let kinds: Vec<&str> = data["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["membership.admitted"], "she joined; payments are the batch's");
        assert!(!data.to_string().contains(&email_of("Ben Parent")), "nobody else's");

        // The last admin cannot go until another is made one.
        let ada = page_client(&server, "Ada Admin").await;
        let refused = ada.post_form("/account/delete", &[("delete_password", PASSWORD)]).await;
        refused.assert_status(409);
        assert!(refused.body.contains("You are the last admin of a co-op"), "{}", refused.body);
        ada.get("/account").await.assert_status(200);

        let wrong = ana.post_form("/account/delete", &[("delete_password", "not it")]).await;
        wrong.assert_status(422);
        assert!(wrong.body.contains("id=\"delete_password-error\""), "{}", wrong.body);

        let deleted = ana.post_form("/account/delete", &[("delete_password", PASSWORD)]).await;
        deleted.assert_status(303);
        assert_eq!(deleted.location(), Some("/login?done=deleted"));
        // Nothing kept by her address stays: her wrong password above was
        // a failed login on record until now.
        let failures = server
            .db
            .store
            .login_failures_since(&email_of("Ana Parent"), "anywhere", coopkit_domain::Timestamp(0))
            .await
            .unwrap();
        assert_eq!(failures.account, 0);

        let login = ana.get("/login?done=deleted").await;
        assert!(login.body.contains("Your account is deleted"), "{}", login.body);
        assert_eq!(ana.get("/account").await.status, 303, "logged out");
        ana_api.get("/api/v1/me").await.assert_status(401);
        server.client().log_in(&email_of("Ana Parent"), PASSWORD).await.assert_status(422);

        // The co-op's books keep her payment, under a pseudonym.
        assert_eq!(balance(&ben_api).await, 3);
        let members = admin_api.get("/api/v1/coops/sitters/members").await.json();
        assert!(!members.to_string().contains("Ana Parent"), "{members}");
        let store = &server.db.store;
        let person = store.person(coopkit_domain::PersonId(ana_id)).await.unwrap().unwrap();
        assert_eq!(person.display_name, format!("Former member {ana_id}"));
        assert!(person.email.as_str().ends_with("@deleted.invalid"));
        let sitters = store.coop_by_slug("sitters").await.unwrap().unwrap().id;
        let events = store.events(sitters, coopkit_domain::EventSeq(0), 1000).await.unwrap();
        assert!(events.iter().any(|e| e.happened.event.kind() == "membership.left"
            && e.happened.actor == Some(coopkit_domain::PersonId(ana_id))));

        // Her address is free for a new account.
        crate::fixtures::api_person(&server, "Ana Parent").await;
    }
}
