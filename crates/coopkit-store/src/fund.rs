//! A co-op's fund projects: what a creator asks the fund for, and the
//! proposal that decides it. The fund's money is in the ledger.

use coopkit_domain::{CoopId, Event, Happened, PersonId, ProjectId, Timestamp};
use coopkit_market::fund::{self, ProjectAction, ProjectState};

use crate::events::{compare_and_set, record_events};
use crate::{on_pool, BeginWrite, ProposalId, Result, Store, StoreError};

pub use coopkit_market::{NewProject, Project};

#[derive(sqlx::FromRow)]
struct ProjectRow {
    id: i64,
    coop_id: i64,
    creator_id: i64,
    title: String,
    description: String,
    budget: i64,
    proposal_id: i64,
    state: String,
    created_at: i64,
    display_name: String,
}

const PROJECT_COLUMNS: &str = "f.id, f.coop_id, f.creator_id, f.title, f.description, f.budget, \
    f.proposal_id, f.state, f.created_at, p.display_name";

impl TryFrom<ProjectRow> for Project {
    type Error = StoreError;

    fn try_from(row: ProjectRow) -> Result<Self> {
        Ok(Project {
            id: ProjectId(row.id),
            project: NewProject {
                coop: CoopId(row.coop_id),
                creator: PersonId(row.creator_id),
                title: row.title,
                description: row.description,
                budget: u64::try_from(row.budget).map_err(|_| {
                    StoreError::corrupt("fund_project.budget", &row.budget.to_string())
                })?,
                proposal: ProposalId(row.proposal_id),
            },
            creator_name: row.display_name,
            state: ProjectState::parse(&row.state)
                .ok_or_else(|| StoreError::corrupt("fund_project.state", &row.state))?,
            created_at: Timestamp(row.created_at),
        })
    }
}

impl Store {
    /// Records a project put to the members, with its event.
    pub async fn create_fund_project(&self, new: &NewProject, now: Timestamp) -> Result<ProjectId> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO fund_project (coop_id, creator_id, title, description, budget, \
                   proposal_id, state, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(new.coop.0)
            .bind(new.creator.0)
            .bind(&new.title)
            .bind(&new.description)
            .bind(i64::try_from(new.budget).unwrap_or(i64::MAX))
            .bind(new.proposal.0)
            .bind(ProjectState::Proposed.as_str())
            .bind(now.as_millis())
            .fetch_one(&mut *tx)
            .await?;
            let event = Event::ProjectProposed {
                project: ProjectId(id),
                budget: new.budget,
            };
            record_events!(
                tx,
                &[Happened::new(new.coop, Some(new.creator), now, event)]
            );
            tx.commit().await?;
            Ok(ProjectId(id))
        })
    }

    /// A co-op's projects, newest first.
    pub async fn fund_projects(&self, coop: CoopId) -> Result<Vec<Project>> {
        let rows: Vec<ProjectRow> = on_pool!(self, |pool| sqlx::query_as(&format!(
            "SELECT {PROJECT_COLUMNS} FROM fund_project f JOIN person p ON p.id = f.creator_id \
             WHERE f.coop_id = $1 ORDER BY f.id DESC"
        ))
        .bind(coop.0)
        .fetch_all(pool)
        .await)?;
        rows.into_iter().map(Project::try_from).collect()
    }

    /// The project a proposal decides, if it decides one.
    pub async fn fund_project_of(
        &self,
        coop: CoopId,
        proposal: ProposalId,
    ) -> Result<Option<Project>> {
        let row: Option<ProjectRow> = on_pool!(self, |pool| sqlx::query_as(&format!(
            "SELECT {PROJECT_COLUMNS} FROM fund_project f JOIN person p ON p.id = f.creator_id \
             WHERE f.coop_id = $1 AND f.proposal_id = $2"
        ))
        .bind(coop.0)
        .bind(proposal.0)
        .fetch_optional(pool)
        .await)?;
        row.map(Project::try_from).transpose()
    }

    /// Moves a project on by `action` if the rule allows it from where it
    /// is, recording the step (the clock's, so no actor); false if it was
    /// moved meanwhile or the action does not apply.
    pub async fn step_fund_project(
        &self,
        project: &Project,
        action: ProjectAction,
        now: Timestamp,
    ) -> Result<bool> {
        let Some(after) = fund::step(project.state, action) else {
            return Ok(false);
        };
        let event = fund::event(project.id, after);
        let happened = Happened::each(project.project.coop, None, now, event);
        on_pool!(self, |pool| compare_and_set!(
            pool,
            sqlx::query(
                "UPDATE fund_project SET state = $4 WHERE coop_id = $1 AND id = $2 AND state = $3",
            )
            .bind(project.project.coop.0)
            .bind(project.id.0)
            .bind(project.state.as_str())
            .bind(after.as_str()),
            &happened
        ))
    }
}
