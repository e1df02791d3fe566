//! A co-op's audit log on a page: who did what and when, in the reader's
//! language and time zone, newest first, a page at a time.

use askama::Template;
use axum::extract::{Path, Query, State};
use coopkit_app::{AppError, AuditEntry};
use coopkit_domain::{Event, EventSeq, SettingsPart};
use serde::Deserialize;

use super::coop::role_key;
use super::{render, PageResult};
use crate::i18n::Tr;
use crate::viewer::Viewer;
use crate::AppState;

/// One line of the log as the page shows it.
struct Line {
    when: String,
    who: String,
    what: String,
    /// The page of what it was about (a vote, a year's surplus).
    link: Option<String>,
}

#[derive(Template)]
#[template(path = "audit_log.html")]
struct AuditView<'a> {
    v: &'a Viewer,
    slug: String,
    coop_name: String,
    lines: Vec<Line>,
    /// The next (older) page's address.
    older: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PageQuery {
    /// Read as text: a link mangled by hand is a page not found, not a
    /// bare 400.
    before: Option<String>,
}

/// The words for the settings an admin changed.
fn part_key(part: SettingsPart) -> &'static str {
    match part {
        SettingsPart::Bylaws => "audit-part-bylaws",
        SettingsPart::Profile => "audit-part-profile",
        SettingsPart::Classes => "audit-part-classes",
        SettingsPart::ClassRules => "audit-part-class_rules",
        SettingsPart::PatronageRules => "audit-part-patronage_rules",
        SettingsPart::Categories => "audit-part-categories",
        SettingsPart::Catalogue => "audit-part-catalogue",
        SettingsPart::Licence => "audit-part-licence",
        SettingsPart::Badge => "audit-part-badge",
        SettingsPart::ReferralBonus => "audit-part-referral_bonus",
    }
}

/// What an entry says was done, in `tr`'s language.
fn what(entry: &AuditEntry, tr: &Tr) -> String {
    let own = entry.actor.is_some() && entry.actor == entry.about;
    let key = match &entry.event {
        // Joining an open class, or leaving: something done to oneself.
        Event::MemberAdmitted { .. } if own => "audit-membership-joined".to_owned(),
        Event::MemberLeft { .. } if own => "audit-membership-left-self".to_owned(),
        event => key(event.kind()),
    };
    let about = entry.about.clone().unwrap_or_else(|| tr.t("audit-someone"));
    let detail = match &entry.event {
        Event::SettingsChanged { part, .. } => tr.t(part_key(*part)),
        Event::CurrencyDefined { currency, .. } | Event::CurrencyRulesChanged { currency, .. } => {
            currency.clone()
        }
        Event::MonthApplied { period, .. } | Event::DuesPaidInCash { period, .. } => period.clone(),
        Event::RoleChanged { role, .. } => tr.t(role_key(*role)),
        _ => String::new(),
    };
    tr.t_args(
        &key,
        &[("member", about.as_str()), ("detail", detail.as_str())],
    )
}

/// The message key of a kind: `audit-vote-opened`.
fn key(kind: &str) -> String {
    format!("audit-{}", kind.replace('.', "-"))
}

fn link(slug: &str, event: &Event) -> Option<String> {
    match *event {
        Event::VoteOpened { proposal, .. } | Event::VoteClosed { proposal } => {
            Some(format!("/c/{slug}/proposals/{proposal}"))
        }
        Event::AllocationProposed { allocation, .. }
        | Event::AllocationPosted { allocation }
        | Event::AllocationRejected { allocation } => {
            Some(format!("/c/{slug}/patronage/{allocation}"))
        }
        _ => None,
    }
}

pub async fn show(
    State(state): State<AppState>,
    v: Viewer,
    Path(slug): Path<String>,
    Query(query): Query<PageQuery>,
) -> PageResult {
    let person = v.person()?;
    let before = query
        .before
        .map(|text| text.parse().map(EventSeq))
        .transpose()
        .map_err(|_| AppError::NotFound("page"))?;
    let log = state.app.audit_log(person, &slug, before).await?;
    let page = state.app.coop_page(Some(person), &slug).await?;
    let lines = log
        .entries
        .iter()
        .map(|entry| Line {
            when: v.tr.date_time(&entry.at),
            who: entry
                .actor
                .clone()
                .unwrap_or_else(|| v.tr.t("audit-by-the-rules")),
            what: what(entry, &v.tr),
            link: link(&slug, &entry.event),
        })
        .collect();
    render(&AuditView {
        older: log
            .next_before
            .map(|seq| format!("/c/{slug}/log?before={seq}")),
        v: &v,
        coop_name: page.coop.name,
        slug,
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::I18n;
    use coopkit_domain::Locale;

    #[test]
    fn every_audited_kind_has_its_words_in_every_language() {
        for locale in [Locale::En, Locale::Es] {
            let keys = I18n::keys(locale);
            let wanted = Event::AUDITED.iter().map(|kind| key(kind)).chain([
                "audit-membership-joined".to_owned(),
                "audit-membership-left-self".to_owned(),
            ]);
            for wanted in wanted {
                assert!(keys.contains(&wanted), "{} lacks {wanted}", locale.code());
            }
        }
    }
}
