//! Tasks with a bounty: the co-op (from its fund) or any member (a public
//! body working with the community, say) posts a task; a member claims it,
//! which holds the bounty in the ledger until the deadline; they deliver;
//! a coordinator accepts the work and the bounty is paid. If nobody's work
//! is accepted by the deadline, the hold lapses on its own and the money
//! never left.

use coopkit_domain::validation::Collector;
use coopkit_domain::{PersonId, Role, Timestamp};
use coopkit_ledger::{
    AccountOwner, Applied, CoopAccount, CurrencyCode, HoldStatus, Refusal, TransferId,
};
use coopkit_market::{TaskAction, TaskActor, TaskEffect, TaskFacts, TaskRefusal, TaskState};
use coopkit_store::{Coop, NewTask, Person, Task, TaskId};

use crate::ledger::{Instruction, Payment};
use crate::{App, AppError, Result};

#[derive(Clone, Debug)]
pub struct TaskForm {
    pub title: String,
    pub description: String,
    pub currency: String,
    pub bounty: u64,
    pub deadline: Timestamp,
    /// Pay from the co-op's fund (coordinators) instead of one's own account.
    pub from_fund: bool,
}

/// A task with the names and standing a page shows.
#[derive(Clone, Debug)]
pub struct TaskView {
    pub task: Task,
    pub poster_name: String,
    pub claimer_name: Option<String>,
    /// Its deadline passed before its work was accepted.
    pub expired: bool,
    /// What the viewer may do with it now.
    pub allowed: Vec<TaskAction>,
}

fn hold_id(task: &Task, claim: i64) -> TransferId {
    TransferId::derived(&format!(
        "coopkit-task|{}|{}|claim|{claim}",
        task.task.coop, task.id
    ))
}

fn refused(refusal: TaskRefusal) -> AppError {
    if refusal.is_forbidden() {
        AppError::Forbidden(refusal.code())
    } else {
        conflict(refusal.code())
    }
}

fn conflict(code: &'static str) -> AppError {
    AppError::Conflict {
        field: "task",
        code,
    }
}

/// What the ledger does for a task's step: hold the bounty for a new
/// claimant until the deadline, post it when the work is approved, void
/// it when the claim ends; nothing for the other steps.
fn bounty_instruction(
    coop: &Coop,
    task: &Task,
    effect: TaskEffect,
    claimant: PersonId,
    now: Timestamp,
) -> Option<Instruction> {
    Some(match effect {
        TaskEffect::None => return None,
        TaskEffect::HoldBounty { claim } => {
            let from = if task.task.from_fund {
                AccountOwner::Coop(CoopAccount::Fund)
            } else {
                AccountOwner::Member(task.task.posted_by)
            };
            let timeout =
                u64::try_from(task.task.deadline.as_millis() - now.as_millis()).unwrap_or(0);
            Instruction::Pay(Payment {
                id: hold_id(task, claim),
                currency: task.task.currency.clone(),
                from,
                to: AccountOwner::Member(claimant),
                amount: task.task.bounty,
                hold: Some(Some(timeout)),
                linked: false,
                memo: task.task.title.clone(),
                cause: format!("task:{}", task.id),
            })
        }
        TaskEffect::PostBounty => Instruction::Post {
            id: TransferId::derived(&format!("coopkit-task|{}|{}|paid", coop.id, task.id)),
            pending: hold_id(task, task.claims),
            amount: None,
        },
        TaskEffect::VoidBounty => Instruction::Void {
            id: TransferId::derived(&format!(
                "coopkit-task|{}|{}|released|{}",
                coop.id, task.id, task.claims
            )),
            pending: hold_id(task, task.claims),
        },
    })
}

impl App {
    pub async fn post_task(&self, actor: &Person, slug: &str, form: TaskForm) -> Result<TaskId> {
        let coop = self.coop(slug).await?;
        let role = self.require_role(&coop, actor, Role::Member).await?.role;
        if form.from_fund && !role.can_decide_applications() {
            return Err(AppError::Forbidden("coordinators-only"));
        }
        let mut errors = Collector::new();
        let title = form.title.trim();
        if title.is_empty() || title.chars().count() > 120 {
            errors.push("title", "too-long");
        }
        if form.description.chars().count() > 4000 {
            errors.push("description", "too-long");
        }
        if form.bounty == 0 {
            errors.push("bounty", "amount-zero");
        } else if form.bounty > coopkit_ledger::AMOUNT_MAX {
            errors.push("bounty", "amount-too-large");
        }
        if form.deadline.as_millis() <= self.clock.now().as_millis() {
            errors.push("deadline", "date-in-past");
        }
        let currency = errors.check("currency", CurrencyCode::parse(form.currency.trim()));
        let currency = errors.finish_with(currency)?;
        self.coop_currency(&coop, &currency).await?;
        let new = NewTask {
            coop: coop.id,
            posted_by: actor.id,
            from_fund: form.from_fund,
            title: title.to_owned(),
            description: form.description.trim().to_owned(),
            currency,
            bounty: form.bounty,
            deadline: form.deadline,
        };
        Ok(self.store.create_task(&new, self.clock.now()).await?)
    }

    /// The co-op's tasks, for its members.
    pub async fn tasks(&self, actor: &Person, slug: &str) -> Result<Vec<TaskView>> {
        let coop = self.coop(slug).await?;
        let role = self.require_role(&coop, actor, Role::Member).await?.role;
        let who = TaskActor {
            person: actor.id,
            coordinator: role.can_decide_applications(),
        };
        let now = self.clock.now();
        let mut views = Vec::new();
        for task in self.store.tasks(coop.id).await? {
            let claimer_name = match task.claimed_by {
                Some(person) => Some(self.name_of(person).await?),
                None => None,
            };
            views.push(TaskView {
                poster_name: self.name_of(task.task.posted_by).await?,
                claimer_name,
                expired: task.state != TaskState::Accepted && now >= task.task.deadline,
                allowed: coopkit_market::task::allowed(task.facts(), who, now),
                task,
            });
        }
        Ok(views)
    }

    /// Takes a step on a task as the caller: `coopkit_market::task::step`
    /// decides, the step is stored with its event, then the ledger does
    /// what the step says. A claim whose bounty cannot be held is put back.
    pub async fn task_step(
        &self,
        actor: &Person,
        slug: &str,
        id: TaskId,
        action: TaskAction,
    ) -> Result<()> {
        let coop = self.coop(slug).await?;
        let role = self.require_role(&coop, actor, Role::Member).await?.role;
        let task = self
            .store
            .task(coop.id, id)
            .await?
            .ok_or(AppError::NotFound("task"))?;
        let now = self.clock.now();
        let who = TaskActor {
            person: actor.id,
            coordinator: role.can_decide_applications(),
        };
        let next = coopkit_market::task::step(task.facts(), who, action, now).map_err(refused)?;
        if !self
            .store
            .step_task(&task, &next.facts, Some(actor.id), now)
            .await?
        {
            return Err(conflict("task-changed"));
        }
        let Some(instruction) = bounty_instruction(&coop, &task, next.effect, actor.id, now) else {
            return Ok(());
        };
        match (next.effect, self.single(coop.id, instruction).await?) {
            (_, Ok(())) => Ok(()),
            // Already lapsed at the deadline: nothing is held to release.
            (TaskEffect::VoidBounty, Err(Refusal::PendingExpired)) => Ok(()),
            (TaskEffect::PostBounty, Err(Refusal::PendingExpired)) => Err(conflict("task-expired")),
            (TaskEffect::HoldBounty { .. }, Err(refusal)) => {
                // The poster cannot cover the bounty: nobody can claim it.
                let claimed = Task {
                    state: next.facts.state,
                    claimed_by: next.facts.claimant,
                    claims: next.facts.claims,
                    ..task.clone()
                };
                let reopened = TaskFacts {
                    state: TaskState::Open,
                    claimant: None,
                    ..next.facts
                };
                self.store
                    .step_task(&claimed, &reopened, Some(actor.id), now)
                    .await?;
                Err(conflict(refusal.code()))
            }
            (_, Err(refusal)) => Err(conflict(refusal.code())),
        }
    }

    /// Where the hold of a task's current claim stands.
    pub async fn task_hold(
        &self,
        actor: &Person,
        slug: &str,
        id: TaskId,
    ) -> Result<Option<HoldStatus>> {
        let coop = self.coop(slug).await?;
        self.require_role(&coop, actor, Role::Member).await?;
        let task = self
            .store
            .task(coop.id, id)
            .await?
            .ok_or(AppError::NotFound("task"))?;
        Ok(self
            .ledger
            .transfer(coop.id, hold_id(&task, task.claims))
            .await?
            .and_then(|t| t.hold))
    }

    /// Submits one instruction; `Ok(Err(_))` is the ledger's refusal.
    async fn single(
        &self,
        coop: coopkit_domain::CoopId,
        instruction: Instruction,
    ) -> Result<std::result::Result<(), Refusal>> {
        let result = self
            .ledger
            .submit(coop, vec![instruction])
            .await?
            .pop()
            .ok_or(AppError::internal("the ledger answered an empty batch"))?;
        Ok(result.map(|_: Applied| ()))
    }
}
