//! Finding what a catalogue holds: search with facets, one item's page,
//! and the previews anyone may see, like a shop's window.

use std::collections::BTreeMap;

use coopkit_domain::{ItemId, PersonId};
use coopkit_market::stream::Standing;
use coopkit_market::ItemKind;
use coopkit_store::Person;

use super::{CataloguePage, CatalogueQuery, FileDownload, ItemView, Listing};
use crate::{App, AppError, Result};

impl App {
    /// The co-op's catalogue, searched and counted by facet: public, like
    /// a shop's window.
    pub async fn catalogue(&self, slug: &str, query: &CatalogueQuery) -> Result<CataloguePage> {
        let coop = self.coop(slug).await?;
        let settings = self.catalogue_of(&coop).await?;
        let mut badges: BTreeMap<PersonId, Vec<String>> = BTreeMap::new();
        for (person, badge) in self.store.seller_badges(coop.id).await? {
            badges.entry(person).or_default().push(badge);
        }
        let words: Vec<String> = query
            .text
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        let listings: Vec<Listing> = self
            .store
            .items(coop.id, None)
            .await?
            .into_iter()
            .filter(|item| {
                let text = format!(
                    "{} {} {} {}",
                    item.item.title,
                    item.item.description,
                    item.item.tags.join(" "),
                    item.creator_names.join(" ")
                )
                .to_lowercase();
                words.iter().all(|w| text.contains(w.as_str()))
            })
            .map(|item| {
                let mut of: Vec<String> = item
                    .item
                    .creators
                    .iter()
                    .flat_map(|(p, _)| badges.get(p).cloned().unwrap_or_default())
                    .collect();
                of.sort();
                of.dedup();
                Listing { item, badges: of }
            })
            .collect();
        // Facets count what the other filters leave, as the directory's do.
        let count = |values: &mut dyn Iterator<Item = String>| {
            let mut counts: BTreeMap<String, usize> = BTreeMap::new();
            for value in values {
                *counts.entry(value).or_default() += 1;
            }
            let mut counts: Vec<(String, usize)> = counts.into_iter().collect();
            counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            counts
        };
        let keeps = |l: &Listing, skip: &str| {
            (skip == "kind" || query.kind.is_none_or(|k| l.item.item.kind == k))
                && (skip == "tag"
                    || query
                        .tag
                        .as_ref()
                        .is_none_or(|t| l.item.item.tags.contains(t)))
                && (skip == "badge" || query.badge.as_ref().is_none_or(|b| l.badges.contains(b)))
        };
        let kinds = count(
            &mut listings
                .iter()
                .filter(|l| keeps(l, "kind"))
                .map(|l| l.item.item.kind.as_str().to_owned()),
        );
        let tags = count(
            &mut listings
                .iter()
                .filter(|l| keeps(l, "tag"))
                .flat_map(|l| l.item.item.tags.clone()),
        );
        let badge_counts = count(
            &mut listings
                .iter()
                .filter(|l| keeps(l, "badge"))
                .flat_map(|l| l.badges.clone()),
        );
        let mut shown: Vec<Listing> = listings.into_iter().filter(|l| keeps(l, "")).collect();
        // Featured sellers first; newest first within each.
        shown.sort_by_key(|l| !l.badges.iter().any(|b| b == "featured"));
        Ok(CataloguePage {
            currency: settings.currency.as_str().to_owned(),
            listings: shown,
            kinds,
            tags,
            badges: badge_counts,
        })
    }

    /// One item, with its licences and, for a signed-in listener of a
    /// track, where they stand with it.
    pub async fn item(&self, viewer: Option<&Person>, slug: &str, id: ItemId) -> Result<ItemView> {
        let coop = self.coop(slug).await?;
        let settings = self.catalogue_of(&coop).await?;
        let item = self
            .store
            .item(coop.id, id)
            .await?
            .ok_or(AppError::NotFound("item"))?;
        let licences = self.store.licences(coop.id, item.item.kind).await?;
        let standing = match viewer {
            Some(viewer) if item.item.kind == ItemKind::Track => {
                let counts = self
                    .ledger
                    .play_counts(coop.id, settings.currency.clone(), viewer.id, vec![id.0])
                    .await?;
                Some(Standing::after(counts.first().copied().unwrap_or(0)))
            }
            _ => None,
        };
        let mut badges: Vec<String> = self
            .store
            .seller_badges(coop.id)
            .await?
            .into_iter()
            .filter(|(p, _)| item.item.creators.iter().any(|(c, _)| c == p))
            .map(|(_, b)| b)
            .collect();
        badges.dedup();
        Ok(ItemView {
            listing: Listing { item, badges },
            settings,
            licences,
            standing,
        })
    }

    /// An item's preview: public.
    pub async fn item_preview(&self, slug: &str, id: ItemId) -> Result<FileDownload> {
        let coop = self.coop(slug).await?;
        let item = self
            .store
            .item(coop.id, id)
            .await?
            .ok_or(AppError::NotFound("item"))?;
        if item.item.preview_key.is_empty() {
            return Err(AppError::NotFound("preview"));
        }
        let bytes = self.read_file(item.item.preview_key.clone()).await?;
        Ok(FileDownload {
            name: format!("preview-{id}"),
            content_type: item.item.preview_type,
            bytes,
        })
    }

    pub(super) async fn read_file(&self, key: String) -> Result<Vec<u8>> {
        let files = self.files.clone();
        tokio::task::spawn_blocking(move || files.get(&key))
            .await
            .map_err(AppError::because("reading a file"))?
            .map_err(AppError::because("the file store could not read a file"))?
            .ok_or(AppError::internal("a file the catalogue names is missing"))
    }
}
