//! The co-ops hosted on this server, in the directory by themselves: each
//! publishes a Murmurations profile, and the profiles are imported as one
//! more source, so they are linked, merged and searched like any list.

use coopkit_directory::murmurations;
use coopkit_directory::Record;
use coopkit_store::CoopSummary;
use serde_json::Value;

use super::{ImportList, ImportReport, ListFormat};
use crate::{App, Result};

/// The source the hosted co-ops' profiles are imported as.
pub const HOSTED_SOURCE: &str = "Co-ops hosted here";

fn profile(base: &str, summary: &CoopSummary) -> Value {
    let coop = &summary.coop;
    let record = Record {
        name: coop.name.clone(),
        description: coop.description.clone(),
        website: format!("{base}/c/{}", coop.slug.as_str()),
        activity: "platform co-operative".to_owned(),
        ..Record::default()
    };
    let mut profile = murmurations::profile(&record);
    if let Value::Object(map) = &mut profile {
        map.insert("unique_id".to_owned(), Value::String(record.website));
    }
    profile
}

impl App {
    /// A hosted co-op's Murmurations profile; `base` is where people reach
    /// this server.
    pub async fn coop_profile(&self, slug: &str, base: &str) -> Result<Value> {
        let coop = self.coop(slug).await?;
        let summary = self
            .list_coops()
            .await?
            .into_iter()
            .find(|s| s.coop.id == coop.id)
            .ok_or(crate::AppError::NotFound("coop"))?;
        Ok(profile(base, &summary))
    }

    /// Imports every hosted co-op's profile, when the co-ops have changed
    /// since the last time; `None` when nothing had to be done.
    pub async fn sync_hosted_coops(&self, base: &str) -> Result<Option<ImportReport>> {
        let coops = self.list_coops().await?;
        let source = self.store.directory_source(HOSTED_SOURCE).await?;
        let known = source.as_ref().map_or(-1, |s| s.rows_read);
        if known == coops.len() as i64 || coops.is_empty() {
            return Ok(None);
        }
        let profiles: Vec<Value> = coops.iter().map(|c| profile(base, c)).collect();
        let bytes = serde_json::to_vec(&profiles)
            .map_err(crate::AppError::because("profiles that are not JSON"))?;
        let list = ImportList {
            source: HOSTED_SOURCE.to_owned(),
            file: "hosted co-ops".to_owned(),
            format: ListFormat::Murmurations,
            licence: String::new(),
            attribution: String::new(),
            as_of: self.clock.now(),
        };
        Ok(Some(self.import_list(&list, &bytes).await?))
    }
}
