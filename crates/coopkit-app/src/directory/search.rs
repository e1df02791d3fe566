//! Searching and reading the directory: anyone may, signed in or not.

use std::collections::BTreeMap;

use coopkit_directory::records::DirectorySource;
use coopkit_directory::Record;
use coopkit_search::{Facet, Query};
use coopkit_store::StoreError;

use super::Organisation;
use crate::{App, AppError, Result};

/// The most results one page may ask for; downloads stream the rest.
pub const PAGE_MAX: usize = 200;

/// A page of search results.
#[derive(Clone, Debug)]
pub struct DirectoryPage {
    pub total: usize,
    pub offset: usize,
    pub limit: usize,
    pub hits: Vec<DirectoryHit>,
    pub facets: BTreeMap<Facet, Vec<(String, u64)>>,
}

/// An organisation as a list of results shows it: its record, without
/// the provenance of each field (its own page has that).
#[derive(Clone, Debug)]
pub struct DirectoryHit {
    pub id: i64,
    pub record: Record,
}

impl App {
    pub async fn search_directory(&self, query: &Query) -> Result<DirectoryPage> {
        let query = Query {
            limit: query.limit.min(PAGE_MAX),
            ..query.clone()
        };
        let page = self.run_search(&query).await?;
        let mut hits = Vec::with_capacity(page.ids.len());
        let stored = self.store.listed_orgs(&page.ids).await?;
        // The store answers in id order; the page is in rank order.
        for id in &page.ids {
            if let Ok(at) = stored.binary_search_by_key(id, |o| o.id) {
                let record = serde_json::from_str(&stored[at].record)
                    .map_err(|_| StoreError::corrupt("directory_org.record", &id.to_string()))?;
                hits.push(DirectoryHit { id: *id, record });
            }
        }
        Ok(DirectoryPage {
            total: page.total,
            offset: query.offset,
            limit: query.limit,
            hits,
            facets: page.facets,
        })
    }

    /// Every organisation a search finds, in rank order, for downloads.
    pub async fn directory_matches(&self, query: &Query) -> Result<Vec<i64>> {
        let query = Query {
            offset: 0,
            limit: usize::MAX / 2,
            ..query.clone()
        };
        Ok(self.run_search(&query).await?.ids)
    }

    async fn run_search(&self, query: &Query) -> Result<coopkit_search::Page> {
        let index = self.search_index()?;
        let query = query.clone();
        tokio::task::spawn_blocking(move || index.search(&query))
            .await
            .map_err(AppError::because("the search task stopped"))?
            .map_err(AppError::because("the search index failed"))
    }

    /// Organisations by id, in the order asked; merged ones are left out.
    pub async fn directory_orgs(&self, ids: &[i64]) -> Result<Vec<Organisation>> {
        let stored = self.store.directory_orgs(ids).await?;
        let mut found = BTreeMap::new();
        for org in &stored {
            if org.merged_into.is_none() {
                found.insert(org.id, Organisation::from_stored(org)?);
            }
        }
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }

    /// One organisation; one merged into another leads there.
    pub async fn directory_org(&self, id: i64) -> Result<Organisation> {
        let mut id = id;
        // Merges chain at most as far as there are organisations; a few
        // steps in practice.
        for _ in 0..16 {
            let stored = self.store.directory_orgs(&[id]).await?;
            let org = stored.first().ok_or(AppError::NotFound("organisation"))?;
            match org.merged_into {
                Some(into) => id = into,
                None => return Organisation::from_stored(org),
            }
        }
        Err(AppError::NotFound("organisation"))
    }

    pub async fn directory_sources(&self) -> Result<Vec<DirectorySource>> {
        Ok(self.store.directory_sources().await?)
    }
}
