//! A co-op's fund projects: what a creator asks the fund for, and the
//! proposal that decides it. The fund's money is in the ledger.

use coopkit_domain::{CoopId, PersonId, Timestamp};

use crate::{on_pool, ProposalId, Result, Store, StoreError};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewProject {
    pub coop: CoopId,
    pub creator: PersonId,
    pub title: String,
    pub description: String,
    /// In the catalogue currency's smallest unit.
    pub budget: u64,
    pub proposal: ProposalId,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Project {
    pub id: i64,
    pub project: NewProject,
    pub creator_name: String,
    /// `proposed`, `approved` (waiting for the fund to hold its budget),
    /// `funded` or `rejected`.
    pub state: String,
    pub created_at: Timestamp,
}

type ProjectRow = (i64, i64, i64, String, String, i64, i64, String, i64, String);

const PROJECT_COLUMNS: &str = "f.id, f.coop_id, f.creator_id, f.title, f.description, f.budget, \
    f.proposal_id, f.state, f.created_at, p.display_name";

fn project_from(row: ProjectRow) -> Result<Project> {
    let (id, coop, creator, title, description, budget, proposal, state, at, name) = row;
    Ok(Project {
        id,
        project: NewProject {
            coop: CoopId(coop),
            creator: PersonId(creator),
            title,
            description,
            budget: u64::try_from(budget)
                .map_err(|_| StoreError::corrupt("fund_project.budget", &budget.to_string()))?,
            proposal: ProposalId(proposal),
        },
        creator_name: name,
        state,
        created_at: Timestamp(at),
    })
}

impl Store {
    pub async fn create_fund_project(&self, new: &NewProject, now: Timestamp) -> Result<i64> {
        on_pool!(self, |pool| sqlx::query_scalar(
            "INSERT INTO fund_project (coop_id, creator_id, title, description, budget, \
               proposal_id, state, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'proposed', $7) RETURNING id"
        )
        .bind(new.coop.0)
        .bind(new.creator.0)
        .bind(&new.title)
        .bind(&new.description)
        .bind(i64::try_from(new.budget).unwrap_or(i64::MAX))
        .bind(new.proposal.0)
        .bind(now.as_millis())
        .fetch_one(pool)
        .await)
        .map_err(StoreError::from)
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
        rows.into_iter().map(project_from).collect()
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
        row.map(project_from).transpose()
    }

    /// Moves a project from `from` to `to`; false if it was not in `from`.
    pub async fn step_fund_project(
        &self,
        coop: CoopId,
        id: i64,
        from: &str,
        to: &str,
    ) -> Result<bool> {
        let done = on_pool!(self, |pool| sqlx::query(
            "UPDATE fund_project SET state = $4 WHERE coop_id = $1 AND id = $2 AND state = $3"
        )
        .bind(coop.0)
        .bind(id)
        .bind(from)
        .bind(to)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        Ok(done == 1)
    }
}
