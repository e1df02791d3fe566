//! Forecasting a rule change through the pages, and the forecast on the
//! proposal it is attached to, on SQLite and PostgreSQL.

use coopkit_testkit::{each_backend, Backend, TestServer, TEST_START};

use crate::ledger::sitters;
use crate::settlement::page_client;

const DAY: i64 = 24 * 3_600_000;

fn rules<'a>(cap: &'a str, weeks: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("currency", "HOUR"),
        ("weeks", weeks),
        ("tokens_per_hour", "1"),
        ("debit_limit", "20"),
        ("balance_cap", cap),
        ("issuance_per_month", "0"),
        ("demurrage_percent", "0"),
        ("demurrage_threshold", "0"),
        ("issue_now", "0"),
    ]
}

each_backend! {
    async fn a_coordinator_forecasts_a_rule_change_and_members_see_it_on_the_proposal(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        sitters(&server).await;
        let admin = page_client(&server, "Ada Admin").await;
        let ana = page_client(&server, "Ana Parent").await;

        let form = admin.get("/c/sitters/forecasts/new").await;
        form.assert_status(200);
        assert!(form.body.contains("id=\"forecast-form\"") && form.body.contains("HOUR"));
        // The form starts from the currency's rules now: debit limit 10.
        assert!(form
            .body
            .contains("name=\"debit_limit\" type=\"text\" value=\"10\""));
        ana.get("/c/sitters/forecasts/new").await.assert_status(403);
        ana.post_form("/c/sitters/forecasts", &rules("", "12"))
            .await
            .assert_status(403);

        // A cap below the longest evening, and weeks that are not a number,
        // come back on the form with what was typed.
        let low_cap = admin
            .post_form("/c/sitters/forecasts", &rules("3", "12"))
            .await;
        low_cap.assert_status(422);
        assert!(low_cap
            .body
            .contains("The cap must allow at least the longest evening"));
        assert!(low_cap
            .body
            .contains("name=\"balance_cap\" type=\"text\" value=\"3\""));
        admin
            .post_form("/c/sitters/forecasts", &rules("", "soon"))
            .await
            .assert_status(422);

        let made = admin
            .post_form("/c/sitters/forecasts", &rules("", "12"))
            .await;
        made.assert_status(303);
        let forecast = made.location().unwrap().to_owned();
        assert!(forecast.starts_with("/c/sitters/forecasts/"), "{forecast}");
        let id = forecast.rsplit('/').next().unwrap().to_owned();

        let page = ana.get(&forecast).await;
        page.assert_status(200);
        assert_eq!(page.body.matches("<svg").count(), 2, "two charts");
        assert!(page.body.contains("Current rules") && page.body.contains("Proposed rules"));
        assert!(page.body.contains("3 members over 12 weeks"));
        assert!(
            !page.body.contains("id=\"propose-submit\""),
            "members do not propose it"
        );

        let closes = coopkit_domain::Zone::utc().wall_clock_field(TEST_START.plus_millis(3 * DAY));
        let propose = [
            ("title", "Let balances go 20 hours below zero"),
            ("body", "Mutual credit, as forecast."),
            ("closes", closes.as_str()),
            ("quorum", "50"),
        ];
        ana.post_form(&format!("{forecast}/propose"), &propose)
            .await
            .assert_status(403);
        let proposed = admin
            .post_form(&format!("{forecast}/propose"), &propose)
            .await;
        proposed.assert_status(303);
        let proposal = proposed.location().unwrap().to_owned();
        let shown = ana.get(&proposal).await;
        shown.assert_status(200);
        assert!(shown
            .body
            .contains(&format!("id=\"forecast-figures-{id}\"")));
        assert!(shown.body.contains(&format!("id=\"forecast-served-{id}\"")));
        assert!(ana
            .get(&forecast)
            .await
            .body
            .contains(&format!("href=\"{proposal}\"")));

        let again = admin
            .post_form(&format!("{forecast}/propose"), &propose)
            .await;
        again.assert_status(409);
        assert!(again.body.contains("already attached to a proposal"));
    }
}
