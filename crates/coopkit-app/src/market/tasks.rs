//! Tasks with a bounty: the co-op (from its fund) or any member (a public
//! body working with the community, say) posts a task; a member claims it,
//! which holds the bounty in the ledger until the deadline; they deliver;
//! a coordinator accepts the work and the bounty is paid. If nobody's work
//! is accepted by the deadline, the hold lapses on its own and the money
//! never left.

use coopkit_domain::validation::Collector;
use coopkit_domain::{Role, Timestamp};
use coopkit_ledger::{
    AccountOwner, Applied, CoopAccount, CurrencyCode, HoldStatus, Refusal, TransferId,
};
use coopkit_store::{NewTask, Person, Task, TaskId};

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

/// What can be done with a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskStep {
    Claim,
    Deliver,
    Accept,
    /// A coordinator lets the claim go: the hold is released and anyone
    /// may claim the task again.
    Release,
}

/// A task with the names and standing a page shows.
#[derive(Clone, Debug)]
pub struct TaskView {
    pub task: Task,
    pub poster_name: String,
    pub claimer_name: Option<String>,
    /// Its deadline passed before its work was accepted.
    pub expired: bool,
}

fn hold_id(task: &Task, claim: i64) -> TransferId {
    TransferId::derived(&format!(
        "coopkit-task|{}|{}|claim|{claim}",
        task.task.coop, task.id
    ))
}

fn conflict(code: &'static str) -> AppError {
    AppError::Conflict {
        field: "task",
        code,
    }
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
        self.require_role(&coop, actor, Role::Member).await?;
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
                expired: task.state != "accepted"
                    && now.as_millis() >= task.task.deadline.as_millis(),
                task,
            });
        }
        Ok(views)
    }

    /// Takes a step on a task as the caller.
    pub async fn task_step(
        &self,
        actor: &Person,
        slug: &str,
        id: TaskId,
        step: TaskStep,
    ) -> Result<()> {
        let coop = self.coop(slug).await?;
        let role = self.require_role(&coop, actor, Role::Member).await?.role;
        let task = self
            .store
            .task(coop.id, id)
            .await?
            .ok_or(AppError::NotFound("task"))?;
        let now = self.clock.now();
        let before_deadline = now.as_millis() < task.task.deadline.as_millis();
        let coordinator = role.can_decide_applications();
        match (step, task.state.as_str()) {
            (TaskStep::Claim, "open") => {
                if !before_deadline {
                    return Err(conflict("task-expired"));
                }
                if task.task.posted_by == actor.id {
                    return Err(conflict("task-own"));
                }
                let claims = task.claims + 1;
                if !self
                    .store
                    .step_task(&task, "claimed", Some(actor.id), claims)
                    .await?
                {
                    return Err(conflict("task-changed"));
                }
                let from = if task.task.from_fund {
                    AccountOwner::Coop(CoopAccount::Fund)
                } else {
                    AccountOwner::Member(task.task.posted_by)
                };
                let timeout =
                    u64::try_from(task.task.deadline.as_millis() - now.as_millis()).unwrap_or(0);
                let hold = Instruction::Pay(Payment {
                    id: hold_id(&task, claims),
                    currency: task.task.currency.clone(),
                    from,
                    to: AccountOwner::Member(actor.id),
                    amount: task.task.bounty,
                    hold: Some(Some(timeout)),
                    linked: false,
                    memo: task.task.title.clone(),
                    cause: format!("task:{}", task.id),
                });
                if let Err(refusal) = self.single(coop.id, hold).await? {
                    // The poster cannot cover the bounty: nobody can claim it.
                    let claimed = Task {
                        state: "claimed".into(),
                        claimed_by: Some(actor.id),
                        claims,
                        ..task.clone()
                    };
                    self.store.step_task(&claimed, "open", None, claims).await?;
                    return Err(conflict(refusal.code()));
                }
                Ok(())
            }
            (TaskStep::Deliver, "claimed") => {
                if task.claimed_by != Some(actor.id) {
                    return Err(AppError::Forbidden("claimant-delivers"));
                }
                if !before_deadline {
                    return Err(conflict("task-expired"));
                }
                self.moved(&task, "delivered", task.claimed_by).await
            }
            (TaskStep::Accept, "delivered") => {
                if !coordinator || task.claimed_by == Some(actor.id) {
                    return Err(AppError::Forbidden("coordinators-only"));
                }
                let post = Instruction::Post {
                    id: TransferId::derived(&format!("coopkit-task|{}|{}|paid", coop.id, task.id)),
                    pending: hold_id(&task, task.claims),
                    amount: None,
                };
                match self.single(coop.id, post).await? {
                    Ok(()) => self.moved(&task, "accepted", task.claimed_by).await,
                    Err(Refusal::PendingExpired) => Err(conflict("task-expired")),
                    Err(refusal) => Err(conflict(refusal.code())),
                }
            }
            (TaskStep::Release, "claimed" | "delivered") => {
                if !coordinator {
                    return Err(AppError::Forbidden("coordinators-only"));
                }
                self.moved(&task, "open", None).await?;
                let void = Instruction::Void {
                    id: TransferId::derived(&format!(
                        "coopkit-task|{}|{}|released|{}",
                        coop.id, task.id, task.claims
                    )),
                    pending: hold_id(&task, task.claims),
                };
                match self.single(coop.id, void).await? {
                    // Already lapsed at the deadline: nothing is held.
                    Ok(()) | Err(Refusal::PendingExpired) => Ok(()),
                    Err(refusal) => Err(conflict(refusal.code())),
                }
            }
            _ => Err(conflict("task-wrong-state")),
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

    async fn moved(
        &self,
        task: &Task,
        state: &str,
        claimed_by: Option<coopkit_domain::PersonId>,
    ) -> Result<()> {
        if self
            .store
            .step_task(task, state, claimed_by, task.claims)
            .await?
        {
            Ok(())
        } else {
            Err(conflict("task-changed"))
        }
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
            .ok_or(AppError::Internal("the ledger answered an empty batch"))?;
        Ok(result.map(|_: Applied| ()))
    }
}
