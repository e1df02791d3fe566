//! A person's own data, whole, to download: what they told us, where they
//! are members, how they hear from us, where they are logged in, their
//! accounts with every line of their statements, and what they did.

use coopkit_domain::person::ApiTokenListing;
use coopkit_domain::{Delivery, EventSeq, LoggedEvent, NoticeKind, Slug};
use coopkit_store::{Membership, Person};

use crate::ledger::{Holding, StatementEntry};
use crate::records::PersonalMembership;
use crate::{App, Result, SessionView};

/// How many statement lines or events are read at a time.
const PAGE: u32 = 500;

/// One of the person's ledger accounts, with its statement, oldest line
/// last (as the statement pages read).
#[derive(Clone, Debug)]
pub struct PersonalAccount {
    pub coop: Slug,
    pub holding: Holding,
    pub statement: Vec<StatementEntry>,
}

/// Everything kept about a person that is theirs to take away.
#[derive(Clone, Debug)]
pub struct PersonalData {
    pub person: Person,
    pub memberships: Vec<PersonalMembership>,
    pub notices: Vec<(NoticeKind, Delivery)>,
    pub sessions: Vec<SessionView>,
    pub api_tokens: Vec<ApiTokenListing>,
    pub accounts: Vec<PersonalAccount>,
    /// The events they caused, in every co-op, oldest first.
    pub events: Vec<LoggedEvent>,
    /// What they wrote in bookings' threads, with the booking each is on.
    pub messages: Vec<(coopkit_market::BookingId, coopkit_store::Message)>,
}

impl App {
    /// `person`'s own data; see the module.
    pub async fn personal_data(&self, person: &Person) -> Result<PersonalData> {
        let memberships = self.store.memberships_of(person.id).await?;
        let mut accounts = Vec::new();
        for membership in &memberships {
            accounts.extend(self.personal_accounts(person, membership).await?);
        }
        let mut events = Vec::new();
        loop {
            let after = events.last().map_or(EventSeq(0), |e: &LoggedEvent| e.seq);
            let page = self.store.events_by(person.id, after, PAGE).await?;
            let done = page.len() < PAGE as usize;
            events.extend(page);
            if done {
                break;
            }
        }
        Ok(PersonalData {
            person: person.clone(),
            notices: self.notice_preferences(person).await?,
            sessions: self.my_sessions(person, None).await?,
            api_tokens: self.store.api_tokens_of(person.id).await?,
            messages: self.store.messages_by(person.id).await?,
            memberships,
            accounts,
            events,
        })
    }

    /// The person's accounts in a co-op they are or were in, each with
    /// its whole statement. A membership that never became one has none.
    async fn personal_accounts(
        &self,
        person: &Person,
        membership: &PersonalMembership,
    ) -> Result<Vec<PersonalAccount>> {
        let Membership { coop_id, .. } = membership.membership;
        let Some(coop) = self.store.coop_by_id(coop_id).await? else {
            return Ok(Vec::new());
        };
        let currencies = self.store.currencies(coop.id).await?;
        let holdings = self.holdings_of(&coop, person, &currencies).await?;
        let roster = self.roster(coop.id).await?;
        let mut accounts = Vec::with_capacity(holdings.len());
        for holding in holdings {
            let mut statement = Vec::new();
            let mut before = None;
            loop {
                let page = self
                    .statement_of(&coop, &roster, holding.view.account.id, before, PAGE)
                    .await?;
                statement.extend(page.entries);
                match page.next_before {
                    Some(next) => before = Some(next),
                    None => break,
                }
            }
            accounts.push(PersonalAccount {
                coop: coop.slug.clone(),
                holding,
                statement,
            });
        }
        Ok(accounts)
    }
}
