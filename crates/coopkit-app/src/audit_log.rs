//! A co-op's audit log: who did what the bylaws give to admins,
//! coordinators and the members together, and when, read from the event
//! log (`coopkit_domain::Event::AUDITED`). Every member may read it.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use coopkit_domain::{Event, EventSeq, PersonId, Role, Timestamp};
use coopkit_store::Person;

use crate::{App, Result};

/// Entries on one page of the log.
pub const AUDIT_PAGE: u32 = 50;

/// One thing done, by whom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: EventSeq,
    pub at: Timestamp,
    /// Their name as it is now (a deleted account's pseudonym); `None`
    /// for what the server did by the rules, or the members by a vote.
    pub actor: Option<String>,
    /// The member it was about (admitted, given a role, whose dues were
    /// paid in cash), by name.
    pub about: Option<String>,
    pub event: Event,
}

/// The member an event is about, if it is about one.
fn about(event: &Event) -> Option<PersonId> {
    match *event {
        Event::MemberAdmitted { person, .. }
        | Event::ApplicationDeclined { person, .. }
        | Event::MemberLeft { person, .. }
        | Event::MemberSuspended { person, .. }
        | Event::MemberReinstated { person, .. }
        | Event::MemberExpelled { person, .. }
        | Event::RoleChanged { person, .. } => Some(person),
        Event::DuesPaidInCash { member, .. } => Some(member),
        _ => None,
    }
}

/// A page of the log, newest first, and where the next (older) starts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub next_before: Option<EventSeq>,
}

impl App {
    /// A page of co-op `slug`'s audit log before `before` (the newest, if
    /// `None`): active members only.
    pub async fn audit_log(
        &self,
        actor: &Person,
        slug: &str,
        before: Option<EventSeq>,
    ) -> Result<AuditPage> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        let logged = self.store.audit_log(coop.id, before, AUDIT_PAGE).await?;
        let mut names: HashMap<PersonId, Option<String>> = HashMap::new();
        let mut entries = Vec::with_capacity(logged.len());
        for event in logged {
            let mut named = [None, None];
            for (slot, person) in named
                .iter_mut()
                .zip([event.happened.actor, about(&event.happened.event)])
            {
                let Some(person) = person else { continue };
                if let Entry::Vacant(unread) = names.entry(person) {
                    unread.insert(self.store.person(person).await?.map(|p| p.display_name));
                }
                *slot = names.get(&person).cloned().flatten();
            }
            let [actor, about] = named;
            entries.push(AuditEntry {
                seq: event.seq,
                at: event.happened.at,
                actor,
                about,
                event: event.happened.event,
            });
        }
        let next_before = (entries.len() == AUDIT_PAGE as usize)
            .then(|| entries.last().map(|e| e.seq))
            .flatten();
        Ok(AuditPage {
            entries,
            next_before,
        })
    }
}
