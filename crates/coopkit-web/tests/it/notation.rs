//! Amounts and dates as the reader writes them: a Spanish member reads
//! and types `12,50`, an English one `12.50`, and each form reads back
//! what its page shows.

use coopkit_testkit::{each_backend, Backend, TestServer};
use serde_json::json;

use crate::fixtures::{coop, email_of, member, PASSWORD};
use crate::ledger::{hidden_value, person_id};

each_backend! {
    async fn a_spanish_member_pays_in_spanish_notation(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let admin = coop(&server, "tienda", "Ada Admin", false).await;
        admin
            .post_json(
                "/api/v1/coops/tienda/currencies",
                &json!({"code": "EUR", "name": "Euro", "kind": "money", "scale": 2, "default_debit_limit": 0}),
            )
            .await
            .assert_status(201);
        let ana_api = member(&server, "tienda", &admin, "Ana Socia").await;
        let ben_api = member(&server, "tienda", &admin, "Ben Socio").await;
        let (ana_id, ben_id) = (person_id(&ana_api).await, person_id(&ben_api).await);
        // 1234.50 euros issued to Ana: a figure with a group mark in English.
        admin
            .post_json(
                "/api/v1/coops/tienda/transfers",
                &json!({"transfers": [{"id": "1", "currency": "EUR", "to": ana_id, "amount": 123_450, "memo": "", "from_issuance": true}]}),
            )
            .await
            .assert_status(200);

        let ana = server.client();
        ana.log_in(&email_of("Ana Socia"), PASSWORD)
            .await
            .assert_status(303);
        let english = ana.get("/c/tienda/ledger").await;
        assert!(english.body.contains(r#"id="balance-1">1,234.50<"#), "{}", english.body);
        ana.post_form("/lang", &[("lang", "es"), ("back", "/")])
            .await
            .assert_status(303);
        let page = ana.get("/c/tienda/ledger").await;
        assert!(page.body.contains(r#"id="balance-1">1234,50<"#), "{}", page.body);

        let ben = ben_id.to_string();
        let pay = |id: &str, amount: &str| {
            [
                ("id", id.to_owned()),
                ("currency", "EUR".to_owned()),
                ("to", ben.clone()),
                ("amount", amount.to_owned()),
                ("memo", String::new()),
            ]
        };
        let send = |fields: [(&'static str, String); 5]| {
            let ana = &ana;
            async move {
                let fields: Vec<(&str, &str)> =
                    fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                ana.post_form("/c/tienda/ledger/pay", &fields).await
            }
        };

        // "2.50" is not how Spanish writes two and a half: refused, in
        // Spanish, with the typed text kept, and nothing paid.
        let id = hidden_value(&page.body, "id");
        let refused = send(pay(&id, "2.50")).await;
        refused.assert_status(422);
        assert!(refused.body.contains("Escribe un importe como 12 o 12,50."), "{}", refused.body);
        assert!(refused.body.contains(r#"value="2.50""#));
        assert!(refused.body.contains(r#"id="balance-1">1234,50<"#));

        let paid = send(pay(&id, "1.000,25")).await;
        paid.assert_status(303);
        let after = ana.get(paid.location().unwrap()).await;
        assert!(after.body.contains(r#"id="balance-1">234,25<"#), "{}", after.body);
        assert!(after.body.contains("1000,25"), "the statement line in Spanish notation");
    }
}
