//! Tasks with a bounty. Whether the bounty is held, paid or released is
//! the ledger's record; a task keeps who claimed it and how often it was
//! claimed, from which the hold's id is derived. Which step is allowed is
//! `coopkit_market::task`'s to say; here a step is stored only if the task
//! is still as that rule saw it.

use coopkit_domain::{CoopId, Event, Happened, PersonId, Timestamp};
use coopkit_ledger::CurrencyCode;
use coopkit_market::{TaskFacts, TaskState};

use crate::events::{compare_and_set, record_events};
use crate::{on_pool, BeginWrite, Result, Store, StoreError};

pub use coopkit_domain::TaskId;
pub use coopkit_market::{NewTask, Task};

#[derive(sqlx::FromRow)]
struct TaskRow {
    id: i64,
    coop_id: i64,
    posted_by: i64,
    from_fund: bool,
    title: String,
    description: String,
    currency: String,
    bounty: i64,
    deadline: i64,
    state: String,
    claimed_by: Option<i64>,
    claims: i64,
    created_at: i64,
}

const TASK_COLUMNS: &str =
    "id, coop_id, posted_by, from_fund, title, description, currency, bounty, \
    deadline, state, claimed_by, claims, created_at";

impl TryFrom<TaskRow> for Task {
    type Error = StoreError;

    fn try_from(row: TaskRow) -> Result<Self> {
        Ok(Task {
            id: TaskId(row.id),
            task: NewTask {
                coop: CoopId(row.coop_id),
                posted_by: PersonId(row.posted_by),
                from_fund: row.from_fund,
                title: row.title,
                description: row.description,
                currency: CurrencyCode::parse(&row.currency)
                    .map_err(|_| StoreError::corrupt("task.currency", &row.currency))?,
                bounty: u64::try_from(row.bounty)
                    .map_err(|_| StoreError::corrupt("task.bounty", &row.bounty.to_string()))?,
                deadline: Timestamp(row.deadline),
            },
            state: TaskState::parse(&row.state)
                .ok_or_else(|| StoreError::corrupt("task.state", &row.state))?,
            claimed_by: row.claimed_by.map(PersonId),
            claims: row.claims,
            created_at: Timestamp(row.created_at),
        })
    }
}

impl Store {
    pub async fn create_task(&self, new: &NewTask, now: Timestamp) -> Result<TaskId> {
        let bounty = i64::try_from(new.bounty)
            .map_err(|_| StoreError::Corrupt(format!("bounty {} exceeds i64", new.bounty)))?;
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO task (coop_id, posted_by, from_fund, title, description, currency, bounty, deadline, \
                 state, claimed_by, claims, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, 0, $10) \
                 RETURNING id",
            )
            .bind(new.coop.0)
            .bind(new.posted_by.0)
            .bind(new.from_fund)
            .bind(&new.title)
            .bind(&new.description)
            .bind(new.currency.as_str())
            .bind(bounty)
            .bind(new.deadline.as_millis())
            .bind(TaskState::Open.as_str())
            .bind(now.as_millis())
            .fetch_one(&mut *tx)
            .await?;
            let event = Event::TaskPosted {
                task: TaskId(id),
                bounty: new.bounty,
            };
            record_events!(
                tx,
                &[Happened::new(new.coop, Some(new.posted_by), now, event)]
            );
            tx.commit().await?;
            Ok(TaskId(id))
        })
    }

    /// A co-op's tasks, soonest deadline first.
    pub async fn tasks(&self, coop: CoopId) -> Result<Vec<Task>> {
        let rows: Vec<TaskRow> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                "SELECT {TASK_COLUMNS} FROM task WHERE coop_id = $1 ORDER BY deadline, id"
            ))
            .bind(coop.0)
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter().map(Task::try_from).collect()
    }

    pub async fn task(&self, coop: CoopId, id: TaskId) -> Result<Option<Task>> {
        let row: Option<TaskRow> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                "SELECT {TASK_COLUMNS} FROM task WHERE id = $1 AND coop_id = $2"
            ))
            .bind(id.0)
            .bind(coop.0)
            .fetch_optional(pool)
            .await
        })?;
        row.map(Task::try_from).transpose()
    }

    /// Moves a task on to `after` if it is still as `task` says, and
    /// records the step's event; `false` if it changed meanwhile
    /// (someone else claimed it first).
    pub async fn step_task(
        &self,
        task: &Task,
        after: &TaskFacts,
        actor: Option<PersonId>,
        now: Timestamp,
    ) -> Result<bool> {
        let event = coopkit_market::task::event(task.id, &task.facts(), after);
        let happened = [Happened::new(task.task.coop, actor, now, event)];
        on_pool!(self, |pool| compare_and_set!(
            pool,
            sqlx::query(
                "UPDATE task SET state = $1, claimed_by = $2, claims = $3 \
                 WHERE id = $4 AND coop_id = $5 AND state = $6 AND claims = $7",
            )
            .bind(after.state.as_str())
            .bind(after.claimant.map(|p| p.0))
            .bind(after.claims)
            .bind(task.id.0)
            .bind(task.task.coop.0)
            .bind(task.state.as_str())
            .bind(task.claims),
            &happened
        ))
    }
}
