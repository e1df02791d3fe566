//! The home page's part for someone logged in: what waits on them, each
//! a link to the page where they act on it, and their co-ops with their
//! balances.

use coopkit_app::agenda::{Agenda, AgendaCoop, Waiting, WaitingItem};
use coopkit_domain::membership::MembershipStatus;
use coopkit_market::booking::Action;

use crate::i18n::Tr;

pub struct AgendaView {
    pub waiting: Vec<WaitingRow>,
    /// How many more wait than are listed.
    pub more: i64,
    pub coops: Vec<CoopRow>,
}

/// One thing to do, read as "<action> <subject>": the action in the
/// reader's language, the subject (a name, a title) as people typed it.
pub struct WaitingRow {
    pub href: String,
    pub action: String,
    pub subject: String,
    /// When, in words: "starts 6 Dec 2026, 18:00".
    pub detail: String,
    pub coop_name: String,
}

pub struct CoopRow {
    pub slug: String,
    pub name: String,
    /// The member's role, or where their membership stands.
    pub standing: String,
    /// "Sitting token: 20", one per currency they hold.
    pub balances: Vec<String>,
}

pub fn agenda_view(agenda: Agenda, tr: &Tr) -> AgendaView {
    AgendaView {
        waiting: agenda
            .waiting
            .into_iter()
            .map(|w| waiting_row(w, tr))
            .collect(),
        more: i64::try_from(agenda.more).unwrap_or(i64::MAX),
        coops: agenda.coops.into_iter().map(|c| coop_row(c, tr)).collect(),
    }
}

fn waiting_row(w: Waiting, tr: &Tr) -> WaitingRow {
    let slug = w.coop_slug.as_str();
    let (href, key, subject, detail) = match w.item {
        WaitingItem::Application { applicant, .. } => (
            format!("/c/{slug}/approvals"),
            "agenda-application",
            applicant,
            tr.t_str("agenda-applied", "date", &tr.date(&w.since)),
        ),
        WaitingItem::Booking {
            id,
            step,
            with,
            starts,
        } => (
            format!("/c/{slug}/market/bookings/{}", id.0),
            match step {
                Action::Accept => "agenda-booking-accept",
                _ => "agenda-booking-done",
            },
            with,
            tr.t_str("agenda-starts", "when", &tr.date_time(&starts)),
        ),
        WaitingItem::Vote { id, title, closes } => (
            format!("/c/{slug}/proposals/{}", id.0),
            "agenda-vote",
            title,
            tr.t_str("agenda-closes", "when", &tr.date_time(&closes)),
        ),
        WaitingItem::Offer {
            requester, starts, ..
        } => (
            format!("/c/{slug}/market/bookings#offers"),
            "agenda-offer",
            requester,
            tr.t_str("agenda-starts", "when", &tr.date_time(&starts)),
        ),
        WaitingItem::Order { title, .. } => (
            format!("/c/{slug}/orders#to-send"),
            "agenda-order",
            title,
            tr.t_str("agenda-ordered", "date", &tr.date(&w.since)),
        ),
    };
    WaitingRow {
        href,
        action: tr.t(key),
        subject,
        detail,
        coop_name: w.coop_name,
    }
}

fn coop_row(c: AgendaCoop, tr: &Tr) -> CoopRow {
    let membership = &c.membership.membership;
    let standing = match membership.status {
        MembershipStatus::Active => tr.t(&format!("role-{}", membership.role.as_str())),
        status => tr.t(&format!("status-{}", status.as_str())),
    };
    CoopRow {
        slug: c.membership.coop_slug.as_str().to_owned(),
        name: c.membership.coop_name,
        standing,
        balances: c
            .holdings
            .iter()
            .map(|h| {
                tr.t_args(
                    "agenda-balance",
                    &[
                        ("currency", h.currency.name.as_str()),
                        (
                            "amount",
                            &tr.amount(h.view.balances.balance(), h.currency.scale),
                        ),
                    ],
                )
            })
            .collect(),
    }
}
