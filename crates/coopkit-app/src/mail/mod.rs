//! Telling people by email what happened.
//!
//! Two steps, each safe to run on every app server at once:
//!
//! 1. [`App::queue_notices`] reads the event log from where it left off
//!    and writes a message for each person concerned to the outbox, in the
//!    transaction that moves its place in the log: an event is never
//!    missed or read twice. Messages about the account itself (verifying
//!    an address) are queued by the change that needs them.
//! 2. [`App::send_due_mail`] claims messages that are due, has a
//!    [`Composer`] write each in its recipient's language, hands it to the
//!    [`Postman`], and records the answer; a message the server does not
//!    accept is tried again later (`coopkit_domain::outbox`).
//!
//! A message is written when it is sent, not when it is queued: the outbox
//! holds ids, never text, so the address is the one the person has then.

mod links;
mod smtp;

use std::collections::BTreeMap;

use coopkit_directory::ReviewState;
use coopkit_domain::notice::Reminder;
use coopkit_domain::outbox::OutboxMessage;
use coopkit_domain::outbox::{self, Attempt, MailStatus};
pub use coopkit_domain::outbox::{NoticeRun, OutboxListing};
use coopkit_domain::{
    Delivery, EditId, Email, Event, Locale, NoticeKind, PersonId, Role, Timestamp, Zone,
};

pub use links::{Unsubscribed, VERIFY_LINK_MS};
pub use smtp::{Postman, SmtpSettingsError};

use crate::records::Person;
use crate::{App, Result};

/// How long a sender holds the messages it claimed before another may
/// take them up: longer than a slow server takes to answer.
const CLAIM_MS: i64 = 5 * 60 * 1000;
/// Messages claimed at a time.
const CLAIM_BATCH: u32 = 50;
/// Events read from the log at a time.
const EVENT_BATCH: u32 = 500;

/// A co-op's outbox as its coordinators see it.
#[derive(Clone, Debug)]
pub struct Outbox {
    pub coop_name: String,
    /// The latest messages, newest first.
    pub messages: Vec<OutboxListing>,
}

/// How many of its latest messages a co-op's outbox page shows.
const OUTBOX_SHOWN: u32 = 200;

/// A message written out, ready to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Letter {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Where the recipient turns this kind of message off in one step
    /// (`List-Unsubscribe`).
    pub unsubscribe_url: Option<String>,
}

/// Whom a message goes to.
#[derive(Clone, Debug)]
pub struct Recipient {
    pub person: PersonId,
    pub name: String,
    pub email: Email,
    pub locale: Locale,
    /// The zone they read times in.
    pub zone: Zone,
}

/// The co-op a message is from.
#[derive(Clone, Debug)]
pub struct CoopRef {
    pub name: String,
    pub slug: String,
}

/// What a message tells of, for a [`Composer`] to write.
#[derive(Clone, Debug)]
pub struct Notice {
    pub kind: NoticeKind,
    pub coop: Option<CoopRef>,
    /// The event it tells of; `None` for the account's own messages.
    pub event: Option<Event>,
    pub at: Timestamp,
    /// Who caused it, by name.
    pub actor: Option<String>,
    /// The suggested directory edit it tells the decision of.
    pub directory_edit: Option<EditDecided>,
}

/// A suggested directory edit, decided: what a message about it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditDecided {
    /// The organisation, as the directory shows it now (an edit to one
    /// merged since leads to the one it became).
    pub org: i64,
    pub org_name: String,
    /// The field's name, as the directory's data calls it (`website`).
    pub field: String,
    pub accepted: bool,
}

/// The one-time links a message carries, as tokens: a [`Composer`] puts
/// them in addresses.
#[derive(Clone, Debug, Default)]
pub struct Tokens {
    /// Proves the address (a verification message).
    pub verify: Option<String>,
    /// Sets a new password (a reset message).
    pub reset: Option<String>,
    /// Turns the kind (or a digest's kinds) off.
    pub unsubscribe: Option<String>,
}

/// Writes messages in their recipient's language: the web layer, which
/// holds the translations and knows the pages' addresses.
pub trait Composer: Send + Sync {
    fn letter(&self, to: &Recipient, notice: &Notice, tokens: &Tokens) -> Letter;
    fn digest(&self, to: &Recipient, notices: &[Notice], tokens: &Tokens) -> Letter;
}

/// What one sending pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SendReport {
    pub sent: usize,
    pub deferred: usize,
    pub failed: usize,
    pub skipped: usize,
}

impl SendReport {
    fn count(&mut self, status: &MailStatus) {
        use coopkit_domain::MailState as S;
        match status.state {
            S::Sent => self.sent += 1,
            S::Failing => self.deferred += 1,
            S::Failed => self.failed += 1,
            S::Skipped => self.skipped += 1,
            S::Queued => {}
        }
    }
}

/// A claimed message with what is needed to write it, or why it cannot be.
enum Prepared {
    Ready(Box<(Recipient, Notice)>),
    Skip(&'static str),
}

impl App {
    /// Queues messages for the events since the last pass, and the
    /// reminders now due; see the module.
    pub async fn queue_notices(&self) -> Result<NoticeRun> {
        let mut total = NoticeRun::default();
        loop {
            let run = self
                .store
                .queue_notices(self.clock.now(), EVENT_BATCH)
                .await?;
            total.events += run.events;
            total.queued += run.queued;
            if run.events < EVENT_BATCH as usize {
                break;
            }
        }
        total.queued += self.queue_reminders().await?;
        Ok(total)
    }

    /// The reminders now due, each once even with several servers: a day
    /// before a vote closes, to those on its roll who have not voted; a
    /// day before a booking, to both sides; once it has ended, to each
    /// side that has not said it was done.
    async fn queue_reminders(&self) -> Result<usize> {
        let now = self.clock.now();
        let mut queued = 0;
        for due in self.store.due_reminders(now).await? {
            let people = match due.about {
                Reminder::VoteClosing(proposal) => self.not_yet_voted(proposal).await?,
                Reminder::BookingSoon(id) | Reminder::BookingToMarkDone(id) => {
                    let Some(booking) = self.store.booking(due.coop, id).await? else {
                        continue;
                    };
                    let facts = booking.facts;
                    let soon = matches!(due.about, Reminder::BookingSoon(_));
                    [
                        (booking.requester, facts.requester_done),
                        (booking.provider, facts.provider_done),
                    ]
                    .into_iter()
                    .filter(|(_, done)| soon || !done)
                    .map(|(person, _)| person)
                    .collect()
                }
            };
            queued += self.store.queue_reminder(&due, &people, now).await?;
        }
        Ok(queued)
    }

    /// Sends what is due, through `postman`, written by `composer`.
    pub async fn send_due_mail(
        &self,
        composer: &dyn Composer,
        postman: &Postman,
    ) -> Result<SendReport> {
        let claim = crate::new_secret();
        let mut report = SendReport::default();
        loop {
            let now = self.clock.now();
            let claimed = self
                .store
                .claim_mail(now, CLAIM_MS, &claim, CLAIM_BATCH)
                .await?;
            if claimed.is_empty() {
                return Ok(report);
            }
            let (digests, single): (Vec<_>, Vec<_>) = claimed.into_iter().partition(|m| m.digest);
            for message in single {
                let attempt = self.try_one(composer, postman, &message).await?;
                self.record(&claim, &message, attempt, &mut report).await?;
            }
            let mut by_person: BTreeMap<Option<PersonId>, Vec<OutboxMessage>> = BTreeMap::new();
            for message in digests {
                by_person.entry(message.person).or_default().push(message);
            }
            for messages in by_person.into_values() {
                let attempts = self.try_digest(composer, postman, &messages).await?;
                for (message, attempt) in messages.iter().zip(attempts) {
                    self.record(&claim, message, attempt, &mut report).await?;
                }
            }
        }
    }

    async fn record(
        &self,
        claim: &str,
        message: &OutboxMessage,
        attempt: Attempt,
        report: &mut SendReport,
    ) -> Result<()> {
        let now = self.clock.now();
        let Ok(after) = outbox::after_attempt(&message.status, attempt, now) else {
            return Ok(());
        };
        if self
            .store
            .record_attempt(message.id, claim, &message.status, &after, now)
            .await?
        {
            tracing::debug!(mail = %message.id, state = after.state.as_str(), "mail tried");
            report.count(&after);
        }
        Ok(())
    }

    async fn try_one(
        &self,
        composer: &dyn Composer,
        postman: &Postman,
        message: &OutboxMessage,
    ) -> Result<Attempt> {
        if outbox::past_giving_up(&message.status, self.clock.now()) {
            return Ok(Attempt::Deferred("not sent within five days".into()));
        }
        let (to, notice) = match self.prepare(message).await? {
            Prepared::Ready(ready) => *ready,
            Prepared::Skip(reason) => return Ok(Attempt::Skipped(reason.into())),
        };
        let tokens = self.mint_tokens(&to, message.kind, false).await?;
        let letter = composer.letter(&to, &notice, &tokens);
        Ok(postman.send(&to, &letter, message.id).await)
    }

    /// One message for all of a person's due digest items; the same
    /// attempt for each.
    async fn try_digest(
        &self,
        composer: &dyn Composer,
        postman: &Postman,
        messages: &[OutboxMessage],
    ) -> Result<Vec<Attempt>> {
        let mut notices = Vec::new();
        let mut recipient = None;
        let mut attempts = vec![None; messages.len()];
        let now = self.clock.now();
        for (slot, message) in attempts.iter_mut().zip(messages) {
            if outbox::past_giving_up(&message.status, now) {
                *slot = Some(Attempt::Deferred("not sent within five days".into()));
                continue;
            }
            match self.prepare(message).await? {
                Prepared::Ready(ready) => {
                    let (to, notice) = *ready;
                    recipient = Some(to);
                    notices.push(notice);
                }
                Prepared::Skip(reason) => *slot = Some(Attempt::Skipped(reason.into())),
            }
        }
        let sent = match (recipient, messages.first()) {
            (Some(to), Some(first)) => {
                let tokens = self.mint_tokens(&to, first.kind, true).await?;
                let letter = composer.digest(&to, &notices, &tokens);
                postman.send(&to, &letter, first.id).await
            }
            _ => Attempt::Skipped("nothing to send".into()),
        };
        Ok(attempts
            .into_iter()
            .map(|attempt| attempt.unwrap_or_else(|| sent.clone()))
            .collect())
    }

    /// Gathers what a message needs, checking that it may still go: the
    /// account is there, its address verified (unless the message is how
    /// it is verified), and the event still in the log.
    async fn prepare(&self, message: &OutboxMessage) -> Result<Prepared> {
        let Some(person) = message.person else {
            return Ok(Prepared::Skip("the account was deleted"));
        };
        let Some(person) = self.store.person(person).await? else {
            return Ok(Prepared::Skip("the account was deleted"));
        };
        if !message.kind.is_account() && person.email_verified_at.is_none() {
            return Ok(Prepared::Skip("the address is not verified"));
        }
        let verifying = message.kind == NoticeKind::VerifyEmail;
        if verifying && person.email_verified_at.is_some() && person.email_pending.is_none() {
            return Ok(Prepared::Skip("the address is verified already"));
        }
        let pending = person.email_pending.clone();
        let coop = match message.coop {
            Some(id) => self.store.coop_by_id(id).await?,
            None => None,
        };
        let (event, at, actor) = match message.event {
            Some(seq) => match self.store.event(seq).await? {
                Some(logged) => {
                    let actor = match logged.happened.actor {
                        Some(actor) => self.store.person(actor).await?.map(|p| p.display_name),
                        None => None,
                    };
                    (Some(logged.happened.event), logged.happened.at, actor)
                }
                None => return Ok(Prepared::Skip("the event is no longer in the log")),
            },
            None => (None, message.status.queued_at, None),
        };
        let zone = person
            .time_zone
            .clone()
            .or_else(|| coop.as_ref().map(|c| c.settings.time_zone.clone()))
            .unwrap_or_else(Zone::utc);
        let mut recipient = recipient(person, zone);
        if let Some(asked) = pending.filter(|_| verifying) {
            // The proof of an address goes to that address.
            recipient.email = asked;
        }
        let directory_edit = match message.directory_edit {
            Some(id) => match self.edit_decided(id).await? {
                Some(decided) => Some(decided),
                None => return Ok(Prepared::Skip("the edit is no longer decided")),
            },
            None => None,
        };
        let notice = Notice {
            kind: message.kind,
            coop: coop.map(|c| CoopRef {
                name: c.name,
                slug: c.slug.as_str().to_owned(),
            }),
            event,
            at,
            actor,
            directory_edit,
        };
        Ok(Prepared::Ready(Box::new((recipient, notice))))
    }

    /// What a message about edit `id` says, once it is decided.
    async fn edit_decided(&self, id: EditId) -> Result<Option<EditDecided>> {
        let Some(edit) = self.store.directory_edit(id).await? else {
            return Ok(None);
        };
        let accepted = match edit.state {
            ReviewState::Accepted => true,
            ReviewState::Rejected => false,
            ReviewState::Open => return Ok(None),
        };
        let org = self.directory_org(edit.org).await?;
        Ok(Some(EditDecided {
            org: org.id,
            org_name: org.record.name,
            field: edit.field,
            accepted,
        }))
    }

    /// Forgets messages a month old (by then sent, or given up) and
    /// links that have expired: the outbox stays the size of a month's
    /// mail, however long the server runs.
    pub async fn purge_mail(&self) -> Result<u64> {
        const KEPT_MS: i64 = 30 * 24 * 60 * 60 * 1000;
        let now = self.clock.now();
        Ok(self
            .store
            .purge_mail(now.plus_millis(-KEPT_MS), now)
            .await?)
    }

    /// How `person` hears of each kind they may choose for.
    pub async fn notice_preferences(&self, person: &Person) -> Result<Vec<(NoticeKind, Delivery)>> {
        let chosen = self.store.notice_preferences(person.id).await?;
        Ok(NoticeKind::choosable()
            .map(|kind| {
                let delivery = chosen
                    .iter()
                    .find(|(k, _)| *k == kind)
                    .map_or_else(Delivery::default, |(_, d)| *d);
                (kind, delivery)
            })
            .collect())
    }

    /// Sets how `person` hears of `kind`; the account's own messages
    /// cannot be turned off.
    pub async fn set_notice_preference(
        &self,
        person: &Person,
        kind: NoticeKind,
        delivery: Delivery,
    ) -> Result<()> {
        if kind.is_account() {
            return Err(crate::AppError::invalid("kind", "notice-kind-fixed"));
        }
        Ok(self
            .store
            .set_notice_preference(person.id, kind, delivery)
            .await?)
    }

    /// A co-op's recent messages, for its coordinators.
    pub async fn outbox(&self, actor: &Person, slug: &str) -> Result<Outbox> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Coordinator).await?;
        let messages = self.store.outbox(coop.id, OUTBOX_SHOWN).await?;
        Ok(Outbox {
            coop_name: coop.name,
            messages,
        })
    }
}

fn recipient(person: Person, zone: Zone) -> Recipient {
    Recipient {
        person: person.id,
        name: person.display_name,
        email: person.email,
        locale: person.locale,
        zone,
    }
}
