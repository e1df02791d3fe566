//! The directory's storage on both backends: a write carries its new rows
//! whole, or nothing.

use coopkit_directory::records::{DirectoryOrg, NewSource, SourceRecord};
use coopkit_domain::Timestamp;
use coopkit_store::{DirectoryWrite, NewRows, StoreError};
use coopkit_testkit::{each_backend, Backend, TestDb};
use futures_util::stream;

use crate::story::T0;

fn org(id: i64) -> DirectoryOrg {
    DirectoryOrg {
        id,
        record: format!(r#"{{"id":"{id}","name":"Co-op {id}"}}"#),
        provenance: "{}".to_owned(),
        merged_into: None,
        updated_at: T0,
    }
}

fn record(key: &str, org: i64) -> SourceRecord {
    SourceRecord {
        source: 1,
        key: key.to_owned(),
        org,
        row: org,
        as_of: Timestamp(0),
        record: format!(r#"{{"id":"{key}"}}"#),
    }
}

fn import(new_orgs: usize) -> DirectoryWrite {
    DirectoryWrite {
        source: Some(NewSource {
            id: 1,
            name: "list".to_owned(),
            format: "csv".to_owned(),
            licence: String::new(),
            attribution: String::new(),
        }),
        report: "[]".to_owned(),
        new_orgs,
        new_records: new_orgs,
        ..DirectoryWrite::default()
    }
}

fn batch(ids: std::ops::Range<i64>) -> NewRows {
    NewRows {
        orgs: ids.clone().map(org).collect(),
        records: ids.map(|id| record(&format!("r{id}"), id)).collect(),
    }
}

each_backend! {
    async fn a_write_whose_rows_stop_coming_writes_nothing(backend: Backend) {
        let db = TestDb::new(backend).await;
        let store = &db.store;

        // Three organisations planned, two batches sent: the maker failed.
        let cut = store
            .write_directory(&import(3), stream::iter([batch(1..3)]), 1, T0)
            .await;
        assert!(
            matches!(cut, Err(StoreError::CutShort { .. })),
            "{backend:?}: {cut:?}"
        );
        assert_eq!(store.next_directory_ids().await.unwrap(), (1, 1));
        assert!(store.directory_source("list").await.unwrap().is_none());

        // The same plan with every batch goes in whole.
        let batches = stream::iter([batch(1..3), batch(3..4)]);
        store
            .write_directory(&import(3), batches, 1, T0)
            .await
            .unwrap();
        assert_eq!(store.next_directory_ids().await.unwrap(), (4, 2));
        let keys = store.directory_source_keys(1).await.unwrap();
        assert_eq!(keys.len(), 3, "{backend:?}: {keys:?}");
    }
}
