//! Writing a message: its subject, its plain text and its HTML
//! alternative, from `mail-…` messages in the recipient's language, with
//! the links that lead back to the page it is about.

use askama::Template;
use coopkit_app::mail::{Composer, Letter, Notice, Recipient, Tokens};
use coopkit_domain::{Event, NoticeKind};

use crate::i18n::{I18n, Tr};
use crate::zones::Zones;

/// Writes messages with the pages' translations; links start at
/// `base_url`, where people reach this server.
#[derive(Clone, Debug)]
pub struct WebComposer {
    base_url: String,
}

impl WebComposer {
    pub fn new(base_url: &str) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    fn tr(&self, to: &Recipient) -> Tr {
        I18n::global()
            .tr(to.locale)
            .in_zones(Zones::new(Some(&to.zone), None))
    }
}

/// Words that lead somewhere.
struct Link {
    label: String,
    url: String,
}

/// One message's parts, as both the text and the HTML are written from
/// them.
#[derive(Template)]
#[template(path = "mail/letter.html")]
struct LetterView {
    lang: &'static str,
    subject: String,
    greeting: String,
    paragraphs: Vec<String>,
    /// A digest's items: what happened, and where to see it.
    items: Vec<Link>,
    /// The button.
    action: Option<Link>,
    footer: Vec<String>,
    settings: Option<Link>,
    unsubscribe: Option<Link>,
}

impl LetterView {
    fn text(&self) -> String {
        let mut text = format!("{}\n\n", self.greeting);
        for paragraph in &self.paragraphs {
            text.push_str(paragraph);
            text.push_str("\n\n");
        }
        for item in &self.items {
            text.push_str(&format!("- {}\n  {}\n\n", item.label, item.url));
        }
        if let Some(action) = &self.action {
            text.push_str(&format!("{}: {}\n\n", action.label, action.url));
        }
        text.push_str("-- \n");
        for line in &self.footer {
            text.push_str(line);
            text.push('\n');
        }
        for link in self.settings.iter().chain(&self.unsubscribe) {
            text.push_str(&format!("{}: {}\n", link.label, link.url));
        }
        text
    }

    fn letter(self) -> Letter {
        let text = self.text();
        let html = self.render().unwrap_or_else(|error| {
            tracing::error!(%error, "a message's HTML could not be written");
            String::new()
        });
        Letter {
            subject: self.subject,
            text,
            html,
            unsubscribe_url: self.unsubscribe.map(|link| link.url),
        }
    }
}

/// The page a notice is about, from its event.
fn path(notice: &Notice) -> String {
    if let Some(edit) = &notice.directory_edit {
        return format!("/directory/org/{}", edit.org);
    }
    let Some(coop) = &notice.coop else {
        return "/account".to_owned();
    };
    let base = format!("/c/{}", coop.slug);
    let Some(event) = &notice.event else {
        return base;
    };
    match *event {
        Event::ApplicationReceived { .. } => format!("{base}/approvals"),
        Event::BookingRequested { booking, .. }
        | Event::BookingAccepted { booking }
        | Event::BookingDeclined { booking }
        | Event::BookingDisputed { booking }
        | Event::BookingRefunded { booking } => format!("{base}/market/bookings/{booking}"),
        Event::HelpRequestOffered { .. } => format!("{base}/market/dashboard"),
        Event::VoteOpened { proposal, .. } | Event::VoteClosed { proposal } => {
            format!("{base}/proposals/{proposal}")
        }
        Event::TaskClaimed { .. } | Event::TaskAccepted { .. } => format!("{base}/market/tasks"),
        Event::OrderPaid { .. } | Event::OrderSent { .. } => format!("{base}/orders"),
        Event::AllocationPosted { allocation } => format!("{base}/patronage/{allocation}"),
        Event::LedgerBatchCommitted { .. } => format!("{base}/ledger"),
        Event::WebhookPaused { .. } => format!("{base}/webhooks"),
        _ => base,
    }
}

/// The message key of a kind's part: `mail-booking_requested-subject`.
fn key(kind: NoticeKind, part: &str) -> String {
    format!("mail-{}-{part}", kind.as_str())
}

/// The values a notice's messages take: shared by a message's subject and
/// body and a digest's items.
fn args(notice: &Notice, tr: &Tr) -> Vec<(&'static str, String)> {
    let coop = notice.coop.as_ref().map_or("coopkit", |c| c.name.as_str());
    let actor = notice.actor.clone().unwrap_or_else(|| tr.t("mail-someone"));
    let outcome = match notice.event {
        _ if notice.directory_edit.as_ref().is_some_and(|e| e.accepted) => "accepted",
        _ if notice.directory_edit.is_some() => "rejected",
        Some(Event::MemberAdmitted { .. }) => "admitted",
        Some(Event::ApplicationDeclined { .. }) => "declined",
        Some(Event::MemberSuspended { .. }) => "suspended",
        Some(Event::MemberReinstated { .. }) => "reinstated",
        Some(Event::MemberExpelled { .. }) => "expelled",
        _ => "other",
    };
    let (org, field) = notice
        .directory_edit
        .as_ref()
        .map(|edit| (edit.org_name.clone(), edit.field.clone()))
        .unwrap_or_default();
    vec![
        ("coop", coop.to_owned()),
        ("actor", actor),
        ("outcome", outcome.to_owned()),
        ("when", tr.date_time(&notice.at)),
        ("org", org),
        ("field", field),
    ]
}

fn t(tr: &Tr, key: &str, args: &[(&'static str, String)]) -> String {
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    tr.t_args(key, &args)
}

impl WebComposer {
    fn settings(&self, tr: &Tr) -> Option<Link> {
        Some(Link {
            label: tr.t("mail-settings"),
            url: self.url("/account/notifications"),
        })
    }

    fn unsubscribe(&self, tr: &Tr, tokens: &Tokens) -> Option<Link> {
        tokens.unsubscribe.as_ref().map(|token| Link {
            label: tr.t("mail-unsubscribe"),
            url: self.url(&format!("/unsubscribe/{token}")),
        })
    }
}

impl Composer for WebComposer {
    fn letter(&self, to: &Recipient, notice: &Notice, tokens: &Tokens) -> Letter {
        let tr = self.tr(to);
        let greeting = tr.t_str("mail-greeting", "name", &to.name);
        let account_link = match notice.kind {
            NoticeKind::VerifyEmail => Some(("/verify-email", &tokens.verify)),
            NoticeKind::PasswordReset => Some(("/password-reset", &tokens.reset)),
            _ => None,
        };
        if let Some((page, token)) = account_link {
            // The account's own messages: one link, no settings (they
            // cannot be turned off).
            let url = token
                .as_ref()
                .map(|token| self.url(&format!("{page}/{token}")))
                .unwrap_or_default();
            return LetterView {
                lang: to.locale.code(),
                subject: tr.t(&key(notice.kind, "subject")),
                greeting,
                paragraphs: vec![
                    tr.t(&key(notice.kind, "body")),
                    tr.t(&key(notice.kind, "expiry")),
                ],
                items: Vec::new(),
                action: Some(Link {
                    label: tr.t(&key(notice.kind, "action")),
                    url,
                }),
                footer: vec![tr.t(&key(notice.kind, "not-you"))],
                settings: None,
                unsubscribe: None,
            }
            .letter();
        }
        let args = args(notice, &tr);
        LetterView {
            lang: to.locale.code(),
            subject: t(&tr, &key(notice.kind, "subject"), &args),
            greeting,
            paragraphs: vec![t(&tr, &key(notice.kind, "body"), &args)],
            items: Vec::new(),
            action: Some(Link {
                label: tr.t("mail-open"),
                url: self.url(&path(notice)),
            }),
            footer: vec![t(&tr, "mail-why", &args)],
            settings: self.settings(&tr),
            unsubscribe: self.unsubscribe(&tr, tokens),
        }
        .letter()
    }

    fn digest(&self, to: &Recipient, notices: &[Notice], tokens: &Tokens) -> Letter {
        let tr = self.tr(to);
        let count = i64::try_from(notices.len()).unwrap_or(i64::MAX);
        let items = notices
            .iter()
            .map(|notice| Link {
                label: t(&tr, &key(notice.kind, "body"), &args(notice, &tr)),
                url: self.url(&path(notice)),
            })
            .collect();
        LetterView {
            lang: to.locale.code(),
            subject: tr.t_num("mail-digest-subject", "count", count),
            greeting: tr.t_str("mail-greeting", "name", &to.name),
            paragraphs: vec![tr.t_num("mail-digest-intro", "count", count)],
            items,
            action: None,
            footer: vec![tr.t("mail-digest-why")],
            settings: self.settings(&tr),
            unsubscribe: self.unsubscribe(&tr, tokens),
        }
        .letter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coopkit_app::mail::CoopRef;
    use coopkit_domain::{BookingId, Email, Locale, PersonId, Timestamp, Zone};

    fn to(locale: Locale) -> Recipient {
        Recipient {
            person: PersonId(1),
            name: "Ana <b>".into(),
            email: Email::parse("ana@example.org").unwrap(),
            locale,
            zone: Zone::named("America/New_York").unwrap(),
        }
    }

    fn booked() -> Notice {
        Notice {
            kind: NoticeKind::BookingRequested,
            coop: Some(CoopRef {
                name: "Sitters".into(),
                slug: "sitters".into(),
            }),
            event: Some(Event::BookingRequested {
                booking: BookingId(9),
                requester: PersonId(2),
                provider: PersonId(1),
                amount: 300,
            }),
            at: Timestamp(1_790_000_000_000),
            actor: Some("Ben".into()),
            directory_edit: None,
        }
    }

    #[test]
    fn every_kind_has_its_words_in_every_language() {
        for locale in [Locale::En, Locale::Es] {
            let keys = I18n::keys(locale);
            for kind in NoticeKind::choosable() {
                for part in ["subject", "body", "label"] {
                    let wanted = key(kind, part);
                    assert!(keys.contains(&wanted), "{} lacks {wanted}", locale.code());
                }
            }
        }
    }

    #[test]
    fn a_letter_links_to_its_page_and_escapes_names_in_html() {
        let composer = WebComposer::new("https://coop.example/");
        let tokens = Tokens {
            unsubscribe: Some("abc".into()),
            ..Tokens::default()
        };
        let letter = composer.letter(&to(Locale::En), &booked(), &tokens);
        assert!(letter.subject.contains("Sitters"), "{}", letter.subject);
        assert!(letter.text.contains("Ben"), "{}", letter.text);
        assert!(letter
            .text
            .contains("https://coop.example/c/sitters/market/bookings/9"));
        assert_eq!(
            letter.unsubscribe_url.as_deref(),
            Some("https://coop.example/unsubscribe/abc")
        );
        assert!(letter.html.contains("Ana &#60;b&#62;") || letter.html.contains("Ana &lt;b&gt;"));
        assert!(!letter.html.contains("Ana <b>"));
        let spanish = composer.letter(&to(Locale::Es), &booked(), &tokens);
        assert_ne!(spanish.subject, letter.subject, "written in Spanish");
    }
}
