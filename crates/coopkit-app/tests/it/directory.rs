//! The directory on each backend: the real Co-operatives UK lists imported,
//! linked and merged; a re-import that updates; a broken file that changes
//! nothing; field history.

use std::sync::Arc;

use coopkit_app::directory::{Facet, ImportList, ListFormat, Query};
use coopkit_app::{App, AppConfig, AppError};
use coopkit_directory::Mapping;
use coopkit_domain::{ManualClock, ServerRole, Timestamp};
use coopkit_testkit::{each_backend, Backend, TestDb, TEST_START};

use crate::support::person;

fn shared(file: &str) -> Vec<u8> {
    let path = format!("{}/../../data/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(path).expect("the shared data is there")
}

fn list(source: &str, format: ListFormat, as_of: &str) -> ImportList {
    ImportList {
        source: source.to_owned(),
        file: format!("{source}.csv"),
        format,
        licence: "ODC-By 1.0".to_owned(),
        attribution: "Contains Co-operatives UK open data".to_owned(),
        as_of: Timestamp::parse_date(as_of).unwrap(),
    }
}

async fn total(app: &App, query: Query) -> usize {
    app.search_directory(&Query { limit: 0, ..query })
        .await
        .unwrap()
        .total
}

each_backend! {
    async fn the_uk_lists_import_link_merge_and_update_by_their_ids(backend: Backend) {
        let db = TestDb::new(backend).await;
        let app = App::new(
            db.store.clone(),
            Arc::new(ManualClock::at(TEST_START)),
            AppConfig::default(),
        );
        let uk2023 = list(
            "Co-operatives UK 2023",
            ListFormat::Csv(Mapping::essglobal_standard()),
            "2023-06-30",
        );
        let first = app
            .import_list(&uk2023, &shared("coopsuk_2023-Q2_essglobal_standard.csv"))
            .await
            .unwrap();
        assert_eq!(
            (first.rows_read, first.created, first.linked),
            (7387, 7387, 0)
        );

        let uk2017 = list(
            "Co-operatives UK 2017",
            ListFormat::Csv(Mapping::coops_uk_2017()),
            "2017-06-30",
        );
        let bytes2017 = shared("coopsuk_2017-06_organisations.csv");
        let second = app.import_list(&uk2017, &bytes2017).await.unwrap();
        assert_eq!(second.rows_read, 8371);
        assert_eq!(second.created + second.linked, 8371);
        // 5,540 organisations are in both lists (by their withheld ids).
        assert!(
            (5_300..=5_700).contains(&second.linked),
            "linked {}",
            second.linked
        );
        let orgs = 7387 + second.created;
        assert_eq!(total(&app, Query::default()).await, orgs);

        // The Co-operative Group is in both: its name is the 2023 list's,
        // its founding date only the 2017 list's, and each field says so.
        let found = app
            .search_directory(&Query {
                text: "Co-operative Group".to_owned(),
                filters: vec![(Facet::Source, "Co-operatives UK 2017".to_owned())],
                limit: 20,
                ..Query::default()
            })
            .await
            .unwrap();
        let group = found
            .hits
            .iter()
            .find(|o| o.record.founded == "11/8/1863")
            .expect("the Co-operative Group");
        let group = app.directory_org(group.id).await.unwrap();
        assert_eq!(group.provenance.sources.len(), 2);
        let sources = app.directory_sources().await.unwrap();
        let id_of = |name: &str| sources.iter().find(|s| s.name == name).unwrap().id;
        assert_eq!(
            group.provenance.fields["founded"].0,
            id_of("Co-operatives UK 2017")
        );
        assert_eq!(
            group.provenance.fields["name"].0,
            id_of("Co-operatives UK 2023")
        );

        // Importing the 2017 list again adds nobody.
        let again = app.import_list(&uk2017, &bytes2017).await.unwrap();
        assert_eq!((again.updated, again.created, again.linked), (8371, 0, 0));
        assert_eq!(total(&app, Query::default()).await, orgs);
        assert_eq!(app.rebuild_directory_index().await.unwrap(), orgs as u64);

        // The pairs the linker was unsure of wait for a moderator.
        let moderator = person(&db.store, "moderator").await;
        let member = person(&db.store, "member").await;
        assert!(matches!(
            app.review_queue(member, 10).await,
            Err(AppError::Forbidden("not-moderator"))
        ));
        db.store
            .grant_server_role(moderator, ServerRole::Moderator, None, Timestamp(0))
            .await
            .unwrap();
        let queue = app.review_queue(moderator, 100).await.unwrap();
        assert_eq!(queue.len(), second.to_review);
        let (same, different) = (&queue[0], &queue[1]);
        app.decide_review(moderator, same.review.id, true)
            .await
            .unwrap();
        assert_eq!(total(&app, Query::default()).await, orgs - 1);
        let merged = app.directory_org(same.right.id).await.unwrap();
        assert_eq!(merged.id, same.left.id, "the merged address leads on");
        assert_eq!(merged.provenance.sources.len(), 2);
        app.decide_review(moderator, different.review.id, false)
            .await
            .unwrap();
        assert!(matches!(
            app.decide_review(moderator, different.review.id, true)
                .await,
            Err(AppError::Conflict {
                code: "already-decided",
                ..
            })
        ));
        assert_eq!(total(&app, Query::default()).await, orgs - 1);
        assert_eq!(
            app.review_queue(moderator, 100).await.unwrap().len(),
            second.to_review - 2
        );
        // Each decision keeps the two records as the linker compared them:
        // an example it learns from at the next import.
        let learnt = db.store.directory_reviewed_pairs(10).await.unwrap();
        let names = |pair: &coopkit_directory::records::ReviewedPair| {
            let name = |json: &str| {
                serde_json::from_str::<coopkit_directory::Record>(json)
                    .unwrap()
                    .name
            };
            (name(&pair.left_record), name(&pair.right_record), pair.same)
        };
        let mut learnt: Vec<_> = learnt.iter().map(names).collect();
        learnt.sort_by_key(|(_, _, same)| *same);
        assert_eq!(
            learnt,
            vec![
                (
                    different.left.record.name.clone(),
                    different.right.record.name.clone(),
                    false
                ),
                (
                    same.left.record.name.clone(),
                    same.right.record.name.clone(),
                    true
                ),
            ]
        );

        // A member suggests a website; once a moderator accepts, it shows,
        // says where it came from, and the history says who.
        let org = merged.id;
        assert!(matches!(
            app.suggest_edit(member, org, "point", "north, east", "")
                .await,
            Err(AppError::Invalid(_))
        ));
        let edit = app
            .suggest_edit(
                member,
                org,
                "website",
                "https://example.coop",
                "their new site",
            )
            .await
            .unwrap();
        assert!(matches!(
            app.decide_edit(member, edit, true).await,
            Err(AppError::Forbidden(_))
        ));
        app.decide_edit(moderator, edit, true).await.unwrap();
        let edited = app.directory_org(org).await.unwrap();
        assert_eq!(edited.record.website, "https://example.coop");
        let sources = app.directory_sources().await.unwrap();
        let edits = sources.iter().find(|s| s.name == "coopkit edits").unwrap();
        assert_eq!(edited.provenance.fields["website"].0, edits.id);
        let history = app.directory_history(org).await.unwrap();
        let change = history
            .iter()
            .find(|h| h.change.field == "website")
            .unwrap();
        assert_eq!(change.change.new, "https://example.coop");
        assert_eq!(change.person.as_deref(), Some("moderator"));
        let found = app
            .search_directory(&Query {
                text: edited.record.name.clone(),
                filters: vec![(Facet::Source, "coopkit edits".to_owned())],
                limit: 5,
                ..Query::default()
            })
            .await
            .unwrap();
        assert_eq!(found.hits[0].id, org, "the index follows the edit");
    }
}

const MAP: &str =
    "[columns]\nid = \"ID\"\nname = \"Name\"\npostcode = \"Postcode\"\nwebsite = \"Web\"\n";

each_backend! {
    async fn a_broken_list_changes_nothing_and_a_changed_one_leaves_history(backend: Backend) {
        let db = TestDb::new(backend).await;
        let clock = Arc::new(ManualClock::at(TEST_START));
        let app = App::new(db.store.clone(), clock.clone(), AppConfig::default());
        let small = list(
            "Local list",
            ListFormat::Csv(Mapping::from_toml(MAP).unwrap()),
            "2026-01-01",
        );
        let v1 = b"ID,Name,Postcode,Web\n1,Suma Wholefoods,HX5 9DB,https://suma.coop\n2,Unicorn Grocery,M21 0BN,\n3,,M1 1AA,\n";
        let report = app.import_list(&small, v1).await.unwrap();
        assert_eq!((report.created, report.rows_skipped), (2, 1));
        assert_eq!(
            report.problems_csv(),
            "row,field,reason,skipped\n3,name,no name,yes\n"
        );

        let broken = b"ID,Name,Postcode,Web\n1,Suma Wholefoods,HX5 9DX,\n2,\"Unicorn,M21 0BN,\n";
        let refused = app.import_list(&small, broken).await.unwrap_err();
        match &refused {
            AppError::Unreadable { file, reason } => {
                assert_eq!(file, "Local list.csv");
                assert!(reason.starts_with("row 2: unbalanced quote"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        let suma = app
            .search_directory(&Query {
                text: "suma".to_owned(),
                limit: 1,
                ..Query::default()
            })
            .await
            .unwrap()
            .hits
            .remove(0);
        assert_eq!(
            suma.record.postcode, "HX5 9DB",
            "the broken file changed nothing"
        );
        assert!(db
            .store
            .directory_history(suma.id)
            .await
            .unwrap()
            .is_empty());

        clock.advance_ms(60_000);
        let v2 = b"ID,Name,Postcode,Web\n1,Suma Wholefoods,HX5 9DX,https://suma.coop\n2,Unicorn Grocery,M21 0BN,\n";
        let report = app.import_list(&small, v2).await.unwrap();
        assert_eq!((report.updated, report.created), (2, 0));
        let history = db.store.directory_history(suma.id).await.unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].change.field, "postcode");
        assert_eq!(
            (
                history[0].change.old.as_str(),
                history[0].change.new.as_str()
            ),
            ("HX5 9DB", "HX5 9DX")
        );
        assert_eq!(history[0].source.as_deref(), Some("Local list"));
        assert_eq!(
            app.directory_org(suma.id).await.unwrap().record.postcode,
            "HX5 9DX"
        );
    }
}
