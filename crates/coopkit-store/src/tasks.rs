//! Tasks with a bounty. Whether the bounty is held, paid or released is
//! the ledger's record; a task keeps who claimed it and how often it was
//! claimed, from which the hold's id is derived.

use coopkit_domain::{CoopId, PersonId, Timestamp};
use coopkit_ledger::CurrencyCode;

use crate::{on_pool, Result, Store, StoreError};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(pub i64);

impl std::fmt::Display for TaskId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTask {
    pub coop: CoopId,
    pub posted_by: PersonId,
    pub from_fund: bool,
    pub title: String,
    pub description: String,
    pub currency: CurrencyCode,
    pub bounty: u64,
    pub deadline: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Task {
    pub id: TaskId,
    pub task: NewTask,
    /// `open`, `claimed`, `delivered` or `accepted`.
    pub state: String,
    pub claimed_by: Option<PersonId>,
    /// How many times it was claimed: each claim holds under its own id.
    pub claims: i64,
    pub created_at: Timestamp,
}

type TaskRow = (
    i64,
    i64,
    i64,
    bool,
    String,
    String,
    String,
    i64,
    i64,
    String,
    Option<i64>,
    i64,
    i64,
);

const TASK_COLUMNS: &str =
    "id, coop_id, posted_by, from_fund, title, description, currency, bounty, \
    deadline, state, claimed_by, claims, created_at";

fn task_from(row: TaskRow) -> Result<Task> {
    let (
        id,
        coop,
        by,
        fund,
        title,
        description,
        currency,
        bounty,
        deadline,
        state,
        claimed,
        claims,
        at,
    ) = row;
    Ok(Task {
        id: TaskId(id),
        task: NewTask {
            coop: CoopId(coop),
            posted_by: PersonId(by),
            from_fund: fund,
            title,
            description,
            currency: CurrencyCode::parse(&currency)
                .map_err(|_| StoreError::corrupt("task.currency", &currency))?,
            bounty: u64::try_from(bounty)
                .map_err(|_| StoreError::corrupt("task.bounty", &bounty.to_string()))?,
            deadline: Timestamp(deadline),
        },
        state,
        claimed_by: claimed.map(PersonId),
        claims,
        created_at: Timestamp(at),
    })
}

impl Store {
    pub async fn create_task(&self, new: &NewTask, now: Timestamp) -> Result<TaskId> {
        let bounty = i64::try_from(new.bounty)
            .map_err(|_| StoreError::Corrupt(format!("bounty {} exceeds i64", new.bounty)))?;
        let (id,): (i64,) = on_pool!(self, |pool| {
            sqlx::query_as(
                "INSERT INTO task (coop_id, posted_by, from_fund, title, description, currency, bounty, deadline, \
                 state, claimed_by, claims, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', NULL, 0, $9) \
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
            .bind(now.as_millis())
            .fetch_one(pool)
            .await
        })?;
        Ok(TaskId(id))
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
        rows.into_iter().map(task_from).collect()
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
        row.map(task_from).transpose()
    }

    /// Moves a task on if it is still as `task` says; `false` if it
    /// changed meanwhile (someone else claimed it first).
    pub async fn step_task(
        &self,
        task: &Task,
        state: &str,
        claimed_by: Option<PersonId>,
        claims: i64,
    ) -> Result<bool> {
        let changed = on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE task SET state = $1, claimed_by = $2, claims = $3 \
                 WHERE id = $4 AND coop_id = $5 AND state = $6 AND claims = $7",
            )
            .bind(state)
            .bind(claimed_by.map(|p| p.0))
            .bind(claims)
            .bind(task.id.0)
            .bind(task.task.coop.0)
            .bind(&task.state)
            .bind(task.claims)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(changed == 1)
    }
}
