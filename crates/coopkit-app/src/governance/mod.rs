//! Proposals and votes: members propose and discuss; voting opens at a set
//! time on a roll frozen then, each member votes once (and may change the
//! vote until closing), ballots are secret, and at closing the result is
//! counted, recorded and the anonymous ballots published for recounting.

mod ballots;

use coopkit_domain::validation::Collector;
use coopkit_domain::{AllocationId, Role, Timestamp};
use coopkit_governance::count::{count, Method, Outcome};
use coopkit_governance::decision::{decide, ClassRules, ClassTally, Decision, Rule};
use coopkit_governance::proposal::{self, Schedule, Transition};
use coopkit_governance::{Ballot, Election, ProposalKind, ProposalState};
use coopkit_patronage::state::AllocationState;
use coopkit_store::{
    Comment, Coop, CoopRules, NewProposal, Person, Proposal, ProposalId, RollEntry,
};
use serde::{Deserialize, Serialize};

pub use ballots::{BallotFile, Download, Receipt, VoteForm};

use crate::{App, AppError, Result};

/// How a motion passes.
pub const MOTION_METHODS: [&str; 3] = ["majority", "supermajority", "consent"];
/// How an election is counted.
pub const ELECTION_METHODS: [&str; 5] =
    ["plurality", "approval", "irv", "scottish-stv", "meek-stv"];

#[derive(Clone, Debug)]
pub struct ProposalForm {
    pub title: String,
    pub body: String,
    pub kind: String,
    pub method: String,
    /// An election's candidates.
    pub options: Vec<String>,
    pub seats: u32,
    /// Only this class votes; `None`: every member.
    pub class_key: Option<String>,
    pub quorum_percent: u32,
    /// A supermajority's threshold, such as 2 of 3.
    pub threshold: Option<(u32, u32)>,
    pub opens_at: Timestamp,
    pub closes_at: Timestamp,
}

impl ProposalForm {
    /// A motion of `kind` decided by simple majority of every member,
    /// open from `opens_at` to `closes_at`: how coopkit itself puts a
    /// year's allocation or a forecast's rule change to the members.
    pub(crate) fn majority_motion(
        kind: ProposalKind,
        (title, body): (String, String),
        quorum_percent: u32,
        (opens_at, closes_at): (Timestamp, Timestamp),
    ) -> ProposalForm {
        ProposalForm {
            title,
            body,
            kind: kind.as_str().to_owned(),
            method: "majority".into(),
            options: Vec::new(),
            seats: 1,
            class_key: None,
            quorum_percent,
            threshold: None,
            opens_at,
            closes_at,
        }
    }
}

/// What a proposal's record says about how it is decided: the rule and
/// the bylaws' class rules at the time it was made.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Rules {
    #[serde(default)]
    pub rule: Option<Rule>,
    #[serde(default)]
    pub classes: ClassRules,
}

/// The counted result of a closed proposal.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProposalOutcome {
    Motion {
        decision: Decision,
        /// The reasons given with blocks, without names.
        block_reasons: Vec<String>,
    },
    Election {
        outcome: Outcome,
        eligible: u64,
        voted: u64,
        quorum_met: bool,
    },
}

impl ProposalOutcome {
    pub fn passed(&self) -> bool {
        match self {
            ProposalOutcome::Motion { decision, .. } => decision.passed,
            ProposalOutcome::Election { quorum_met, .. } => *quorum_met,
        }
    }
}

/// A proposal with what its page shows.
#[derive(Clone, Debug)]
pub struct ProposalView {
    pub proposal: Proposal,
    pub author_name: String,
    pub class_name: Option<String>,
    /// On the roll, once voting opened.
    pub eligible: usize,
    pub voted: usize,
    /// The viewer's line on the roll, if they are on it.
    pub mine: Option<RollEntry>,
    /// Whether the viewer has a ballot in, while voting is open (once it
    /// closes, nothing says who voted).
    pub voted_before: bool,
    pub comments: Vec<Comment>,
    pub outcome: Option<ProposalOutcome>,
    pub rules: ClassRules,
    pub threshold: Option<(u32, u32)>,
    pub can_vote: bool,
    /// Forecasts of the rule change it proposes, if any.
    pub forecasts: Vec<crate::forecasts::ForecastView>,
}

fn is_election(method: &str) -> bool {
    ELECTION_METHODS.contains(&method)
}

/// An election's distinct options and seats, or a motion's rule, as the
/// form gives them; what is wrong goes to `errors`.
fn check_method(
    form: &ProposalForm,
    election: bool,
    errors: &mut Collector,
) -> (Vec<String>, Option<Rule>) {
    let options: Vec<String> = form
        .options
        .iter()
        .map(|o| o.trim().to_owned())
        .filter(|o| !o.is_empty())
        .collect();
    if election {
        if !is_election(&form.method) {
            errors.push("method", "unknown-method");
        }
        let distinct: std::collections::BTreeSet<&String> = options.iter().collect();
        if options.len() < 2 || distinct.len() != options.len() || options.len() > 100 {
            errors.push("options", "options-two-or-more-distinct");
        }
        if form.seats == 0 || form.seats as usize >= options.len().max(1) {
            errors.push("seats", "seats-fewer-than-candidates");
        }
    } else if !MOTION_METHODS.contains(&form.method.as_str()) {
        errors.push("method", "unknown-method");
    }
    let rule = match form.method.as_str() {
        "majority" => Some(Rule::Majority),
        "consent" => Some(Rule::Consent),
        "supermajority" => {
            let (numerator, denominator) = form.threshold.unwrap_or((2, 3));
            let rule = Rule::Supermajority {
                numerator,
                denominator,
            };
            for (field, code) in rule.problems() {
                errors.push(field, code);
            }
            Some(rule)
        }
        _ => None,
    };
    (options, rule)
}

/// A proposal's quorum and its closing, after its opening and after now.
fn check_dates(form: &ProposalForm, now: Timestamp, errors: &mut Collector) {
    if form.quorum_percent > 100 {
        errors.push("quorum_percent", "percent-out-of-range");
    }
    if form.closes_at.as_millis() <= form.opens_at.as_millis() {
        errors.push("closes_at", "closes-before-opening");
    }
    if form.closes_at.as_millis() <= now.as_millis() {
        errors.push("closes_at", "date-in-past");
    }
}

impl App {
    /// A member proposes a motion or bylaw change; coordinators also put
    /// elections and budgets. Allocations come from closing a year.
    pub async fn create_proposal(
        &self,
        actor: &Person,
        slug: &str,
        form: ProposalForm,
    ) -> Result<ProposalId> {
        let coop = self.coop(slug).await?;
        if ProposalKind::parse(&form.kind) == Some(ProposalKind::Allocation) {
            return Err(AppError::invalid("kind", "allocation-from-year-close"));
        }
        self.create_proposal_record(&coop, actor, form, None).await
    }

    pub(crate) async fn create_proposal_record(
        &self,
        coop: &Coop,
        actor: &Person,
        form: ProposalForm,
        allocation: Option<AllocationId>,
    ) -> Result<ProposalId> {
        let coop = coop.clone();
        let role = self.require_role(&coop, actor, Role::Member).await?.role;
        let now = self.clock.now();
        let mut errors = Collector::new();
        let title = form.title.trim();
        if title.is_empty() || title.chars().count() > 160 {
            errors.push("title", "too-long");
        }
        if form.body.chars().count() > 20_000 {
            errors.push("body", "too-long");
        }
        let kind = ProposalKind::parse(&form.kind);
        match kind {
            None => errors.push("kind", "unknown-kind"),
            Some(kind) if !kind.open_to_members() && !role.can_decide_applications() => {
                return Err(AppError::Forbidden("coordinators-only"));
            }
            Some(_) => {}
        }
        let election = kind == Some(ProposalKind::Election);
        let (options, rule) = check_method(&form, election, &mut errors);
        check_dates(&form, now, &mut errors);
        let classes = self.store.member_classes(coop.id).await?;
        let class_key = form.class_key.filter(|k| !k.is_empty());
        if let Some(key) = &class_key {
            if !classes.iter().any(|c| c.spec.key.as_str() == key) {
                errors.push("class_key", "unknown-class");
            }
        }
        let kind = errors.finish_with(kind)?;
        let rules = Rules {
            rule,
            classes: self.class_rules_of(&coop).await?,
        };
        let new = NewProposal {
            coop: coop.id,
            author: actor.id,
            title: title.to_owned(),
            body: form.body.trim().to_owned(),
            kind,
            method: form.method,
            rules: serde_json::to_string(&rules).map_err(AppError::because("rules"))?,
            options: if election { options } else { Vec::new() },
            seats: if election { form.seats } else { 1 },
            class_key,
            quorum_percent: form.quorum_percent,
            opens_at: Timestamp(form.opens_at.as_millis().max(now.as_millis())),
            closes_at: form.closes_at,
            seed: random_seed(),
            allocation,
        };
        let id = self.store.create_proposal(&new, now).await?;
        self.refresh_proposal(&coop, id).await?;
        Ok(id)
    }

    /// The co-op's proposals, newest first, for its members, each in the
    /// state the clock says: those owed a step (to open or to close) take
    /// it first, and the list is read again only then. What a closed vote
    /// decided is finished by the proposal's own page and by the
    /// governance tick, not by every read of the list.
    pub async fn proposals(&self, actor: &Person, slug: &str) -> Result<Vec<Proposal>> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        let now = self.clock.now().as_millis();
        let proposals = self.store.proposals(coop.id).await?;
        let owed: Vec<ProposalId> = proposals
            .iter()
            .filter(|p| proposal::due(p.state, schedule(p), now).is_some())
            .map(|p| p.id)
            .collect();
        if owed.is_empty() {
            return Ok(proposals);
        }
        for id in owed {
            self.refresh_proposal(&coop, id).await?;
        }
        Ok(self.store.proposals(coop.id).await?)
    }

    pub async fn proposal(
        &self,
        actor: &Person,
        slug: &str,
        id: ProposalId,
    ) -> Result<ProposalView> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        let proposal = self.refresh_proposal(&coop, id).await?;
        let roll = self.store.roll(id).await?;
        let rules = rules_of(&proposal)?;
        let classes = self.store.member_classes(coop.id).await?;
        let class_name = proposal.proposal.class_key.as_ref().map(|key| {
            classes
                .iter()
                .find(|c| c.spec.key.as_str() == key)
                .map_or_else(|| key.clone(), |c| c.spec.name.clone())
        });
        let mine = roll.iter().find(|e| e.person == actor.id).cloned();
        let now = self.clock.now();
        let outcome = if proposal.state == ProposalState::Closed {
            Some(self.outcome_of(&proposal, &roll).await?)
        } else {
            None
        };
        Ok(ProposalView {
            author_name: self.name_of(proposal.proposal.author).await?,
            class_name,
            eligible: roll.len(),
            voted: usize::try_from(self.store.ballot_count(id).await?).unwrap_or(usize::MAX),
            voted_before: self.has_voted(actor, id).await?,
            can_vote: mine.is_some()
                && proposal::may_vote(proposal.state, schedule(&proposal), now.as_millis()),
            mine,
            comments: self.store.comments(id).await?,
            outcome,
            threshold: match rules.rule {
                Some(Rule::Supermajority {
                    numerator,
                    denominator,
                }) => Some((numerator, denominator)),
                _ => None,
            },
            rules: rules.classes,
            forecasts: self.forecasts_of_proposal(coop.id, proposal.id).await?,
            proposal,
        })
    }

    pub async fn comment_on_proposal(
        &self,
        actor: &Person,
        slug: &str,
        id: ProposalId,
        body: &str,
    ) -> Result<()> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        let proposal = self.find_proposal(&coop, id).await?;
        let body = body.trim();
        if body.is_empty() || body.chars().count() > 4000 {
            return Err(AppError::invalid("body", "too-long"));
        }
        if !proposal::may_comment(proposal.state) {
            return Err(AppError::Conflict {
                field: "proposal",
                code: "proposal-closed",
            });
        }
        Ok(self
            .store
            .add_comment(coop.id, id, actor.id, body, self.clock.now())
            .await?)
    }

    /// The co-op's class rules for votes (the bylaws' settings).
    pub async fn class_rules(&self, actor: &Person, slug: &str) -> Result<ClassRules> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        self.class_rules_of(&coop).await
    }

    /// Admins set the class rules; proposals made afterwards use them.
    pub async fn set_class_rules(
        &self,
        actor: &Person,
        slug: &str,
        rules: ClassRules,
    ) -> Result<()> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Admin).await?;
        let mut errors = Collector::new();
        for (field, code) in rules.problems() {
            errors.push(field, code);
        }
        let keys: Vec<String> = self
            .store
            .member_classes(coop.id)
            .await?
            .into_iter()
            .map(|c| c.spec.key.as_str().to_owned())
            .collect();
        let named = rules
            .weights
            .iter()
            .map(|w| &w.class)
            .chain(rules.cap.iter().map(|c| &c.class));
        if named.into_iter().any(|k| !keys.contains(k)) {
            errors.push("weights", "unknown-class");
        }
        errors.finish()?;
        let json = serde_json::to_string(&rules).map_err(AppError::because("rules"))?;
        Ok(self
            .store
            .set_coop_rules(coop.id, CoopRules::Class, &json, actor.id, self.clock.now())
            .await?)
    }

    async fn class_rules_of(&self, coop: &Coop) -> Result<ClassRules> {
        let json = self.store.coop_rules(coop.id, CoopRules::Class).await?;
        serde_json::from_str(&json).map_err(AppError::because("class rules"))
    }

    /// Opens and closes every proposal whose time has come, and finishes
    /// what a closed vote decided that is still undone (an allocation to
    /// post, a project to fund, a forecast to settle: a crash between the
    /// closing and these, or a fund that could not pay yet); the server
    /// calls it each minute. Pages also refresh the proposal they show, so
    /// nothing waits for the tick.
    pub async fn governance_tick(&self) -> Result<usize> {
        let due = self.store.due_proposals(self.clock.now()).await?;
        for (coop, id) in &due {
            if let Some(coop) = self.store.coop_by_id(*coop).await? {
                self.refresh_proposal(&coop, *id).await?;
            }
        }
        // A closing that found SQLite's WAL held by a reader scrubs it now.
        self.store.scrub_wal().await?;
        Ok(due.len())
    }

    pub(crate) async fn find_proposal(&self, coop: &Coop, id: ProposalId) -> Result<Proposal> {
        self.store
            .proposal(coop.id, id)
            .await?
            .ok_or(AppError::NotFound("proposal"))
    }

    /// Brings a proposal's state up to the clock: opens it (freezing the
    /// roll) once its opening time has come, and closes it (counting and
    /// recording the result) once its closing time has.
    pub(crate) async fn refresh_proposal(&self, coop: &Coop, id: ProposalId) -> Result<Proposal> {
        let now = self.clock.now();
        let mut proposal = self.find_proposal(coop, id).await?;
        // At most two steps (open, then close), however late it is read.
        for _ in 0..2 {
            let Some(step) = proposal::due(proposal.state, schedule(&proposal), now.as_millis())
            else {
                break;
            };
            match step {
                Transition::Open => {
                    let secret = crate::new_secret();
                    self.store
                        .open_proposal(coop.id, id, secret.as_bytes(), now)
                        .await?;
                }
                Transition::Close => {
                    let roll = self.store.roll(id).await?;
                    let outcome = self.outcome_of(&proposal, &roll).await?;
                    let record =
                        serde_json::to_string(&outcome).map_err(AppError::because("result"))?;
                    if self.store.close_proposal(id, &record, now).await? {
                        tracing::info!(coop = %coop.slug, proposal = %id, passed = outcome.passed(), "voting closed");
                    }
                }
            }
            // Another server may have taken the step first: read what is.
            proposal = self.find_proposal(coop, id).await?;
        }
        let closed = proposal.state == ProposalState::Closed;
        // An approved allocation is posted once its vote has closed; this
        // runs again until it is (say, after a crash in between).
        if let (Some(allocation), true) = (proposal.proposal.allocation, closed) {
            let pending = self
                .store
                .allocation(coop.id, allocation)
                .await?
                .is_some_and(|a| a.state == AllocationState::Proposed);
            if pending {
                let roll = self.store.roll(id).await?;
                let passed = self.outcome_of(&proposal, &roll).await?.passed();
                if let Err(error) = self.settle_allocation(coop, allocation, passed).await {
                    tracing::warn!(%error, coop = %coop.slug, %allocation, "allocation not settled yet");
                }
            }
        }
        // And a fund project's budget, once the fund holds it.
        if closed {
            let pending = self
                .store
                .fund_project_of(coop.id, id)
                .await?
                .is_some_and(|p| p.state.is_pending());
            if pending {
                let roll = self.store.roll(id).await?;
                let passed = self.outcome_of(&proposal, &roll).await?.passed();
                if let Err(error) = self.settle_fund_project(coop, &proposal, passed).await {
                    tracing::warn!(%error, coop = %coop.slug, proposal = %id, "fund project not settled yet");
                }
            }
        }
        // So is an approved rule change with its forecast attached.
        if closed && proposal.proposal.kind == ProposalKind::Bylaw {
            let pending = self
                .store
                .forecasts_of_proposal(coop.id, id)
                .await?
                .iter()
                .any(|f| f.outcome.is_none());
            if pending {
                let roll = self.store.roll(id).await?;
                let passed = self.outcome_of(&proposal, &roll).await?.passed();
                if let Err(error) = self.settle_forecasts(coop, id, passed).await {
                    tracing::warn!(%error, coop = %coop.slug, proposal = %id, "rule change not settled yet");
                }
            }
        }
        Ok(proposal)
    }

    /// Counts a proposal's ballots against its roll.
    async fn outcome_of(&self, proposal: &Proposal, roll: &[RollEntry]) -> Result<ProposalOutcome> {
        let ballots = self.store.ballots(proposal.id).await?;
        let rules = rules_of(proposal)?;
        let eligible = roll.len() as u64;
        let voted = ballots.len() as u64;
        let quorum = proposal.proposal.quorum_percent;
        if let Some(rule) = rules.rule {
            let mut tallies: Vec<ClassTally> = Vec::new();
            for entry in roll {
                match tallies.iter_mut().find(|t| t.class == entry.class_key) {
                    Some(t) => t.eligible += 1,
                    None => tallies.push(ClassTally {
                        class: entry.class_key.clone(),
                        eligible: 1,
                        ..ClassTally::default()
                    }),
                }
            }
            let mut block_reasons = Vec::new();
            for ballot in &ballots {
                let Some(tally) = tallies.iter_mut().find(|t| t.class == ballot.class_key) else {
                    continue;
                };
                match ballot.choice.as_str() {
                    "yes" => tally.yes += 1,
                    "no" => tally.no += 1,
                    "abstain" => tally.abstain += 1,
                    "block" => {
                        tally.block += 1;
                        block_reasons.push(ballot.reason.clone());
                    }
                    _ => {}
                }
            }
            tallies.sort_by(|a, b| a.class.cmp(&b.class));
            block_reasons.sort();
            return Ok(ProposalOutcome::Motion {
                decision: decide(rule, quorum, &tallies, &rules.classes),
                block_reasons,
            });
        }
        let election = election_of(proposal, &ballots)?;
        let method =
            Method::parse(&proposal.proposal.method).ok_or(AppError::internal("method"))?;
        Ok(ProposalOutcome::Election {
            outcome: count(
                &election,
                method,
                proposal.proposal.seats as usize,
                proposal.proposal.seed,
            ),
            eligible,
            voted,
            quorum_met: u128::from(voted) * 100 >= u128::from(quorum) * u128::from(eligible),
        })
    }
}

pub(crate) fn schedule(proposal: &Proposal) -> Schedule {
    Schedule {
        opens_at_ms: proposal.proposal.opens_at.as_millis(),
        closes_at_ms: proposal.proposal.closes_at.as_millis(),
    }
}

pub(crate) fn rules_of(proposal: &Proposal) -> Result<Rules> {
    serde_json::from_str(&proposal.proposal.rules).map_err(AppError::because("proposal rules"))
}

/// An election's ballots as a BLT election, in the stored (receipt) order.
pub(crate) fn election_of(
    proposal: &Proposal,
    ballots: &[coopkit_store::StoredBallot],
) -> Result<Election> {
    let ballots = ballots
        .iter()
        .map(|b| {
            let preferences: Vec<usize> =
                serde_json::from_str(&b.choice).map_err(AppError::because("ballot"))?;
            Ok(Ballot {
                weight: 1,
                preferences,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Election {
        candidates: proposal.proposal.options.clone(),
        seats: proposal.proposal.seats as usize,
        withdrawn: Vec::new(),
        tie_order: Vec::new(),
        ballots,
        title: proposal.proposal.title.clone(),
    })
}

/// A seed for drawing lots, fixed (and shown) before anyone votes.
fn random_seed() -> u64 {
    let secret = crate::new_secret();
    u64::from_str_radix(&secret[..16], 16).unwrap_or(0)
}
