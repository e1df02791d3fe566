//! A co-op's time zone: set on its settings page, its forms read in it,
//! its times shown in it or in a member's own, on SQLite and PostgreSQL.

use coopkit_domain::Zone;
use coopkit_testkit::{each_backend, Backend, TestServer};

use crate::fixtures::propose_closing_at;
use crate::ledger::sitters;
use crate::settlement::page_client;

fn settings(zone: &str) -> [(&'static str, &str); 5] {
    [
        ("approval", "yes"),
        ("dues_amount", "0"),
        ("dues_currency", "HOUR"),
        ("dues_period", "yearly"),
        ("time_zone", zone),
    ]
}

each_backend! {
    async fn a_coop_in_washington_reads_and_shows_its_times_there(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let (_, ana_api, _) = sitters(&server).await;
        let (admin, ana) = (
            page_client(&server, "Ada Admin").await,
            page_client(&server, "Ana Parent").await,
        );

        // Only admins change the settings; a zone that does not exist is
        // refused on its field, and nothing changes.
        ana.get("/c/sitters/settings").await.assert_status(403);
        ana.post_form("/c/sitters/settings", &settings("America/New_York"))
            .await
            .assert_status(403);
        let form = admin.get("/c/sitters/settings").await;
        form.assert_status(200);
        assert!(form.body.contains("<option selected>UTC</option>"), "{}", form.body);
        let refused = admin
            .post_form("/c/sitters/settings", &settings("Mars/Olympus_Mons"))
            .await;
        refused.assert_status(422);
        assert!(refused.body.contains("Choose a time zone from the list"), "{}", refused.body);
        let before = ana_api.get("/api/v1/coops/sitters").await.json();
        assert_eq!(before["time_zone"], "UTC");
        admin
            .post_form("/c/sitters/settings", &settings("America/New_York"))
            .await
            .assert_status(303);
        let coop = ana.get("/c/sitters").await;
        assert!(coop.body.contains("America/New_York"), "{}", coop.body);
        let after = ana_api.get("/api/v1/coops/sitters").await.json();
        assert_eq!(after["time_zone"], "America/New_York");
        // The API writes instants as RFC 3339, in UTC.
        let members = ana_api.get("/api/v1/coops/sitters/members").await.json();
        let applied = members[0]["applied_at"].as_str().unwrap().to_owned();
        assert!(applied.starts_with("2026-11-21T") && applied.ends_with('Z'), "{applied}");

        // 19:00 typed in the co-op's form is 19:00 in Washington: midnight
        // UTC, five hours later than when times were read as UTC.
        let proposal = propose_closing_at(&ana, "2026-11-27T19:00").await;
        proposal.assert_status(303);
        let page = proposal.location().unwrap().to_owned();
        let shown = ana.get(&page).await;
        assert!(shown.body.contains("Nov 27, 2026, 7:00\u{202f}PM</dd>"), "{}", shown.body);
        let new_york = Zone::named("America/New_York").unwrap();
        let closes = new_york.read_wall_clock("2026-11-27T19:00").unwrap();
        assert_eq!(Zone::utc().wall_clock(closes), "2026-11-28 00:00");

        // Ana reads times in Madrid: the same moment, labelled.
        ana.post_form("/account/time-zone", &[("time_zone", "Europe/Madrid")])
            .await
            .assert_status(303);
        let abroad = ana.get(&page).await;
        assert!(abroad.body.contains("Nov 28, 2026, 1:00\u{202f}AM CET</dd>"), "{}", abroad.body);
        let bad = ana
            .post_form("/account/time-zone", &[("time_zone", "Europe/Atlantis")])
            .await;
        bad.assert_status(422);
        assert!(bad.body.contains("Choose a time zone from the list"), "{}", bad.body);
        ana.post_form("/account/time-zone", &[("time_zone", "")])
            .await
            .assert_status(303);
        let home = ana.get(&page).await;
        assert!(home.body.contains("7:00\u{202f}PM</dd>"), "{}", home.body);

        // A time the clocks skip in Washington is refused, saying why.
        let skipped = propose_closing_at(&ana, "2027-03-14T02:30").await;
        skipped.assert_status(422);
        assert!(skipped.body.contains("The clocks skip that time"), "{}", skipped.body);
        let repeated = propose_closing_at(&ana, "2026-11-01T01:30").await;
        repeated.assert_status(422);
    }
}
