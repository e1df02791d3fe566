//! The ledger's use cases: currencies, paying and issuing, balances,
//! statements and the journal. Who may move what is decided here; whether
//! the ledger allows it, in `coopkit-ledger`, inside the writer.

mod answers;
mod checkpoints;
mod commit;
mod holds;
mod index_check;
mod limits;
mod loading;
mod payees;
mod planning;
mod plays;
mod requests;
mod sealing;
mod tick;
mod turns;
mod verify;
mod writer;

use coopkit_domain::validation::Collector;
use coopkit_domain::{PersonId, Role};
use coopkit_ledger::ledger::{Applied, TransferRecord};
use coopkit_ledger::policy::Policy;
use coopkit_ledger::{AccountId, AccountOwner, CoopAccount, CurrencyCode, Refusal, TransferId};
use coopkit_store::{
    Coop, Currency, CurrencyKind, MemberListing, Membership, Person, StatementLine,
};

pub use checkpoints::new_coop_key;
pub use holds::Settlement;
pub use loading::LedgerLimits;
pub use plays::{Play, PLAY_CAUSE};
pub use requests::{PaymentRequestForm, PaymentRequestView};
pub use sealing::{new_auditor_key, Publishing};
pub use tick::TickReport;
pub use verify::LedgerProblem;
pub use writer::{AccountView, Accounts, Instruction, LedgerWriter, Payment, TransferView};

use crate::views::Roster;
use crate::{App, AppError, Result};

/// A currency as an admin defines it.
#[derive(Clone, Debug)]
pub struct CurrencyForm {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub scale: u8,
    pub default_debit_limit: Option<u64>,
    pub default_balance_cap: Option<u64>,
    pub policy: Policy,
}

impl CurrencyForm {
    /// The currency the form describes, or what is wrong with it, field
    /// by field.
    pub(crate) fn checked(self) -> Result<Currency> {
        let form = self;
        let mut errors = Collector::new();
        let code = errors.check("code", CurrencyCode::parse(form.code.trim()));
        let kind = errors.check("kind", CurrencyKind::parse(form.kind.trim()));
        let name = form.name.trim();
        if name.is_empty() || name.chars().count() > 60 {
            errors.push("name", "too-long");
        }
        if form.scale > 6 {
            errors.push("scale", "scale-range");
        }
        if form.policy.demurrage_bp > 10_000 {
            errors.push("demurrage_bp", "demurrage-range");
        }
        let limits = [
            ("default_debit_limit", form.default_debit_limit),
            ("default_balance_cap", form.default_balance_cap),
        ];
        for (field, limit) in limits {
            if limit.is_some_and(|l| l > coopkit_ledger::AMOUNT_MAX) {
                errors.push(field, "limit-too-large");
            }
        }
        let amounts = [
            ("issuance_per_month", form.policy.issuance_per_month),
            ("demurrage_threshold", form.policy.demurrage_threshold),
        ];
        for (field, amount) in amounts {
            if amount > coopkit_ledger::AMOUNT_MAX {
                errors.push(field, "amount-too-large");
            }
        }
        let (code, kind) = errors.finish_with(code.zip(kind))?;
        Ok(Currency {
            code,
            name: name.to_owned(),
            kind,
            scale: form.scale,
            default_debit_limit: form.default_debit_limit,
            default_balance_cap: form.default_balance_cap,
            policy: form.policy,
        })
    }
}

/// One transfer a member asks for: from their own account (or, for
/// coordinators, from the co-op's issuance account) to a member.
#[derive(Clone, Debug)]
pub struct TransferForm {
    pub id: TransferId,
    pub currency: String,
    pub to: PersonId,
    pub amount: u64,
    /// Pay from the co-op's issuance account instead of the caller's own
    /// (coordinators only): issuing new tokens.
    pub from_issuance: bool,
    /// `Some` holds the amount instead of moving it, until posted, voided
    /// or, with `Some(Some(ms))`, that many milliseconds have passed.
    pub hold: Option<Option<u64>>,
    pub linked: bool,
    pub memo: String,
    pub cause: String,
}

/// A member's account in one currency, as they see it.
#[derive(Clone, Debug)]
pub struct Holding {
    pub currency: Currency,
    pub view: AccountView,
}

/// Who is on the other side of a statement line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Counterparty {
    Member(String),
    Coop(CoopAccount),
    /// Someone no longer a member: their name is no longer shown.
    FormerMember,
}

/// A statement line from the reader's side.
#[derive(Clone, Debug)]
pub struct StatementEntry {
    pub line: TransferRecord,
    /// True when the reader received the amount.
    pub received: bool,
    pub counterparty: Counterparty,
    /// The reader's posted balance just after this line.
    pub balance_after: i128,
}

/// A page of a statement, and where the next (older) one starts.
#[derive(Clone, Debug, Default)]
pub struct StatementPage {
    pub entries: Vec<StatementEntry>,
    pub next_before: Option<u64>,
}

/// A member's ledger page: what [`App::ledger_page`] reads.
#[derive(Clone, Debug)]
pub struct LedgerPage {
    pub overview: LedgerOverview,
    /// The currency whose statement is shown, if the co-op has any.
    pub currency: Option<Currency>,
    pub statement: StatementPage,
}

/// What a member's ledger page shows.
#[derive(Clone, Debug)]
pub struct LedgerOverview {
    /// The co-op's name, for the page's title.
    pub coop_name: String,
    pub currencies: Vec<Currency>,
    pub holdings: Vec<Holding>,
    /// Active members the reader can pay, by name.
    pub payees: Vec<MemberListing>,
    pub is_admin: bool,
    pub may_issue: bool,
    /// Whether the reader's journal download opens every name and memo.
    pub journal_opened: bool,
}

/// Payments as one linked chain: each stands or falls with the rest, and
/// the last closes the chain.
pub(crate) fn linked_chain(payments: impl IntoIterator<Item = Payment>) -> Vec<Instruction> {
    let mut chain: Vec<Instruction> = payments
        .into_iter()
        .map(|payment| {
            Instruction::Pay(Payment {
                linked: true,
                ..payment
            })
        })
        .collect();
    if let Some(Instruction::Pay(last)) = chain.last_mut() {
        last.linked = false;
    }
    chain
}

/// A fresh transfer id for a form: 128 random bits, so that submitting the
/// same form twice (a double click, a reload) pays once.
pub fn new_transfer_id() -> TransferId {
    let hex = crate::new_secret();
    TransferId(u128::from_str_radix(&hex[..32], 16).unwrap_or(1).max(1))
}

impl App {
    /// Everything a member's ledger page shows but the statement.
    pub async fn ledger_overview(&self, actor: &Person, slug: &str) -> Result<LedgerOverview> {
        let coop = self.coop(slug).await?;
        let membership = self.require_role(&coop, actor, Role::Member).await?;
        let roster = self.roster(coop.id).await?;
        self.overview_of(&coop, &membership, &roster, actor).await
    }

    /// A member's ledger page whole: the overview, the currency shown
    /// (`currency`, else the co-op's first) and a page of the member's
    /// statement in it. Reads the co-op, the membership and the accounts
    /// once, which is most of the page's cost.
    pub async fn ledger_page(
        &self,
        actor: &Person,
        slug: &str,
        currency: &str,
        before: Option<u64>,
        limit: u32,
    ) -> Result<LedgerPage> {
        let coop = self.coop(slug).await?;
        let membership = self.require_role(&coop, actor, Role::Member).await?;
        let roster = self.roster(coop.id).await?;
        let overview = self.overview_of(&coop, &membership, &roster, actor).await?;
        let shown = overview
            .currencies
            .iter()
            .find(|c| c.code.as_str() == currency)
            // Unasked, the first currency the member's account has moved
            // in: a statement with lines rather than an empty one.
            .or_else(|| {
                overview
                    .holdings
                    .iter()
                    .find(|h| h.view.balances.has_moved())
                    .map(|h| &h.currency)
            })
            .or_else(|| overview.currencies.first())
            .cloned();
        let mine = shown.as_ref().and_then(|shown| {
            overview
                .holdings
                .iter()
                .find(|h| h.currency.code == shown.code)
                .map(|h| h.view.account.id)
        });
        let statement = match mine {
            Some(mine) => {
                self.statement_of(&coop, &roster, mine, before, limit)
                    .await?
            }
            None => StatementPage::default(),
        };
        Ok(LedgerPage {
            overview,
            currency: shown,
            statement,
        })
    }

    async fn overview_of(
        &self,
        coop: &Coop,
        membership: &Membership,
        roster: &Roster,
        actor: &Person,
    ) -> Result<LedgerOverview> {
        let currencies = self.store.currencies(coop.id).await?;
        let holdings = self.holdings_of(coop, actor, &currencies).await?;
        let payees = roster
            .members
            .iter()
            .filter(|m| m.membership.person_id != actor.id)
            .cloned()
            .collect();
        Ok(LedgerOverview {
            coop_name: coop.name.clone(),
            currencies,
            holdings,
            payees,
            is_admin: membership.role.can_change_settings(),
            may_issue: membership.role.can_decide_applications(),
            journal_opened: membership.role.reads_whole_journal(),
        })
    }

    /// Defines a currency: admins only.
    pub async fn define_currency(
        &self,
        actor: &Person,
        slug: &str,
        form: CurrencyForm,
    ) -> Result<Currency> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Admin).await?;
        let currency = form.checked()?;
        self.store
            .create_currency(coop.id, &currency, Some(actor.id), self.clock.now())
            .await?;
        self.ledger.forget(coop.id).await;
        Ok(currency)
    }

    /// Records that a member paid a period's dues in cash (`YYYY-MM`; for
    /// yearly dues, January of the year), so the monthly tick does not
    /// charge their account for it. Coordinators only.
    pub async fn record_cash_dues(
        &self,
        actor: &Person,
        slug: &str,
        member: PersonId,
        period: &str,
    ) -> Result<()> {
        use coopkit_ledger::policy::Period;
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Coordinator).await?;
        let period = Period::parse(period).map_err(|code| AppError::invalid("period", code))?;
        if coop.settings.dues_period == coopkit_domain::DuesPeriod::Yearly && period.month != 1 {
            return Err(AppError::invalid("period", "yearly-dues-january"));
        }
        if self.store.membership(coop.id, member).await?.is_none() {
            return Err(AppError::NotFound("member"));
        }
        self.store
            .record_cash_dues(
                coop.id,
                member,
                &period.to_string(),
                actor.id,
                self.clock.now(),
            )
            .await?;
        Ok(())
    }

    /// A co-op's currencies: public, like its dues.
    pub async fn currencies(&self, slug: &str) -> Result<Vec<Currency>> {
        let coop = self.coop(slug).await?;
        Ok(self.store.currencies(coop.id).await?)
    }

    /// Submits transfers, all of one co-op. Members pay from their own
    /// accounts to other active members; coordinators may also issue from
    /// the co-op's issuance account. Returns one result per transfer, after
    /// the batch is durable.
    pub async fn transfer(
        &self,
        actor: &Person,
        slug: &str,
        forms: Vec<TransferForm>,
    ) -> Result<Vec<Result<Applied, Refusal>>> {
        let coop = self.coop(slug).await?;
        let membership = self.require_role(&coop, actor, Role::Member).await?;
        let mut instructions = Vec::with_capacity(forms.len());
        let mut refused = Vec::with_capacity(forms.len());
        for form in forms {
            let currency = CurrencyCode::parse(form.currency.trim())
                .map_err(|code| AppError::invalid("currency", code))?;
            // A member's own transfer must not pass for a play or a sale,
            // or they could count plays they never paid for, or sales they
            // never made toward their patronage.
            let reserved = [plays::CAUSE_PREFIX, crate::catalogue::SALE_CAUSE_PREFIX];
            if reserved.iter().any(|prefix| form.cause.starts_with(prefix)) {
                return Err(AppError::invalid("cause", "cause-reserved"));
            }
            let from = if form.from_issuance {
                if !membership.role.can_decide_applications() {
                    return Err(AppError::Forbidden("coordinators-only"));
                }
                AccountOwner::Coop(CoopAccount::Issuance)
            } else {
                AccountOwner::Member(actor.id)
            };
            // Only active members of this co-op can receive.
            let recipient_active = self
                .store
                .membership(coop.id, form.to)
                .await?
                .is_some_and(|m| m.status.is_active());
            refused.push((!recipient_active).then_some(Refusal::CreditAccountUnknown));
            instructions.push(Instruction::Pay(Payment {
                id: form.id,
                currency,
                from,
                to: AccountOwner::Member(form.to),
                amount: form.amount,
                hold: form.hold,
                linked: form.linked,
                memo: form.memo,
                cause: form.cause,
            }));
        }
        if refused.iter().any(Option::is_some) {
            // Refuse the whole submission: submitting the rest could split
            // a linked chain, and a batch that names a stranger is more
            // likely a mistake than a wish to pay the others.
            return Ok(refused
                .into_iter()
                .map(|r| Err(r.unwrap_or(Refusal::LinkedEventFailed)))
                .collect());
        }
        self.ledger.submit(coop.id, instructions).await
    }

    /// The caller's own accounts in this co-op, one per currency used.
    pub async fn my_holdings(&self, actor: &Person, slug: &str) -> Result<Vec<Holding>> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        let currencies = self.store.currencies(coop.id).await?;
        self.holdings_of(&coop, actor, &currencies).await
    }

    pub(crate) async fn holdings_of(
        &self,
        coop: &Coop,
        actor: &Person,
        currencies: &[Currency],
    ) -> Result<Vec<Holding>> {
        let mine = Accounts::OwnedBy(AccountOwner::Member(actor.id));
        let accounts = self.ledger.accounts_where(coop.id, mine).await?;
        Ok(currencies
            .iter()
            .filter_map(|currency| {
                let view = accounts
                    .iter()
                    .find(|v| v.account.currency == currency.code)?
                    .clone();
                Some(Holding {
                    currency: currency.clone(),
                    view,
                })
            })
            .collect())
    }

    /// Every account of the co-op: coordinators and admins.
    pub async fn coop_accounts(&self, actor: &Person, slug: &str) -> Result<Vec<AccountView>> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Coordinator).await?;
        self.ledger.accounts(coop.id).await
    }

    /// The caller's statement in one currency, newest first: up to `limit`
    /// lines before position `before` in their history (the previous page's
    /// `next_before`), with the other party of each line named.
    pub async fn my_statement(
        &self,
        actor: &Person,
        slug: &str,
        currency: &str,
        before: Option<u64>,
        limit: u32,
    ) -> Result<StatementPage> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        let code =
            CurrencyCode::parse(currency).map_err(|code| AppError::invalid("currency", code))?;
        let owned = Accounts::OwnedBy(AccountOwner::Member(actor.id));
        let Some(mine) = self
            .ledger
            .accounts_where(coop.id, owned)
            .await?
            .iter()
            .find(|v| v.account.currency == code)
            .map(|v| v.account.id)
        else {
            return Ok(StatementPage::default());
        };
        let roster = self.roster(coop.id).await?;
        self.statement_of(&coop, &roster, mine, before, limit).await
    }

    /// A page of the statement of account `mine`, with the other party of
    /// each line named: only the accounts the page shows are read, and
    /// names come from the co-op's roster.
    pub(crate) async fn statement_of(
        &self,
        coop: &Coop,
        roster: &Roster,
        mine: AccountId,
        before: Option<u64>,
        limit: u32,
    ) -> Result<StatementPage> {
        let limit = limit.clamp(1, 500) as usize;
        let (lines, next_before) = self.ledger.statement(coop.id, mine, before, limit).await?;
        let others = lines
            .iter()
            .map(|line| {
                if line.record.credit == mine {
                    line.record.debit
                } else {
                    line.record.credit
                }
            })
            .collect();
        let accounts = self
            .ledger
            .accounts_where(coop.id, Accounts::Ids(others))
            .await?;
        let owner = |id| {
            accounts
                .iter()
                .find(|v| v.account.id == id)
                .map(|v| v.account.owner)
        };
        let entries = lines
            .into_iter()
            .map(
                |StatementLine {
                     record: line,
                     balance_after,
                     ..
                 }| {
                    let received = line.credit == mine;
                    let other = if received { line.debit } else { line.credit };
                    let counterparty = match owner(other) {
                        Some(AccountOwner::Coop(account)) => Counterparty::Coop(account),
                        Some(AccountOwner::Member(person)) => roster
                            .name(person)
                            .map_or(Counterparty::FormerMember, |name| {
                                Counterparty::Member(name.to_owned())
                            }),
                        None => Counterparty::FormerMember,
                    };
                    StatementEntry {
                        line,
                        received,
                        counterparty,
                        balance_after,
                    }
                },
            )
            .collect();
        Ok(StatementPage {
            entries,
            next_before,
        })
    }
}
