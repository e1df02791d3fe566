//! Proposals, their frozen rolls, secret ballots and comments.
//!
//! A ballot row names no person. While voting is open it carries a voter
//! tag (a keyed hash of the voter under the proposal's secret), which lets
//! a member change their vote and the database refuse a second one. The
//! secret and the open ballots live in two tables of their own
//! (`governance_open_vote`, `governance_open_ballot`); closing moves the
//! ballots, without their tags, to `governance_ballot` and erases the
//! secret, after which no one, operators included, can tie a ballot to a
//! voter. Tags and secrets are never written anywhere else, so the open
//! tables are all that closing has to scrub of the engine's leftovers.

use std::sync::atomic::Ordering;
use std::time::Duration;

use sqlx::{ConnectOptions, Connection};

use coopkit_domain::{
    AllocationId, CoopId, Event, Happened, MembershipStatus, PersonId, Timestamp,
};
use coopkit_governance::{ProposalKind, ProposalState};
use coopkit_market::fund::ProjectState;
use coopkit_patronage::state::AllocationState;

use crate::events::{compare_and_set, record_events};
use crate::{on_pool, sql_words, Backend, BeginWrite, Pool, Result, Store, StoreError};

pub use coopkit_domain::ProposalId;
pub use coopkit_governance::{Comment, NewProposal, Proposal, RollEntry, StoredBallot};

#[derive(sqlx::FromRow)]
struct ProposalRow {
    id: i64,
    coop_id: i64,
    author_id: i64,
    title: String,
    body: String,
    kind: String,
    method: String,
    rules: String,
    options: String,
    seats: i64,
    class_key: Option<String>,
    quorum_percent: i64,
    opens_at: i64,
    closes_at: i64,
    state: String,
    seed: i64,
    result: Option<String>,
    allocation_id: Option<i64>,
    created_at: i64,
}

const PROPOSAL_COLUMNS: &str = "id, coop_id, author_id, title, body, kind, method, rules, options, \
     seats, class_key, quorum_percent, opens_at, closes_at, state, seed, result, allocation_id, created_at";

impl TryFrom<ProposalRow> for Proposal {
    type Error = StoreError;

    fn try_from(row: ProposalRow) -> Result<Self> {
        let options: Vec<String> = serde_json::from_str(&row.options)
            .map_err(|_| StoreError::corrupt("proposal.options", &row.options))?;
        let small = |what: &'static str, n: i64| {
            u32::try_from(n).map_err(|_| StoreError::corrupt(what, &n.to_string()))
        };
        Ok(Proposal {
            id: ProposalId(row.id),
            proposal: NewProposal {
                coop: CoopId(row.coop_id),
                author: PersonId(row.author_id),
                title: row.title,
                body: row.body,
                kind: ProposalKind::parse(&row.kind)
                    .ok_or_else(|| StoreError::corrupt("proposal.kind", &row.kind))?,
                method: row.method,
                rules: row.rules,
                options,
                seats: small("proposal.seats", row.seats)?,
                class_key: row.class_key,
                quorum_percent: small("proposal.quorum_percent", row.quorum_percent)?,
                opens_at: Timestamp(row.opens_at),
                closes_at: Timestamp(row.closes_at),
                // Stored as the same 64 bits, signed.
                seed: row.seed as u64,
                allocation: row.allocation_id.map(AllocationId),
            },
            state: ProposalState::parse(&row.state)
                .ok_or_else(|| StoreError::corrupt("proposal.state", &row.state))?,
            result: row.result,
            created_at: Timestamp(row.created_at),
        })
    }
}

/// A vote to record: the choice, the voter's tag and the new receipt.
#[derive(Clone, Debug)]
pub struct CastBallot<'a> {
    /// The proposal's co-op, for the event the vote records.
    pub coop: CoopId,
    pub proposal: ProposalId,
    pub person: PersonId,
    pub voter_tag: &'a [u8],
    pub receipt_hash: &'a [u8],
    pub choice: &'a str,
    pub reason: &'a str,
}

/// Every ballot, of votes open and closed, without the open ones' tags: a
/// literal, for `concat!`.
macro_rules! cast_ballots {
    () => {
        "SELECT proposal_id, class_key, choice, reason, receipt_hash FROM governance_ballot \
         UNION ALL \
         SELECT proposal_id, class_key, choice, reason, receipt_hash FROM governance_open_ballot"
    };
}

/// Writes the open-vote tables afresh on PostgreSQL, keeping the rows of
/// the votes still open; run where the tables are locked (see
/// [`Store::close_proposal`]). `TRUNCATE` gives a table and its indexes new
/// files and the old ones are emptied at commit, with every old version of
/// every row in them.
const REWRITE_OPEN_TABLES: [&str; 5] = [
    "CREATE TEMPORARY TABLE still_open_vote ON COMMIT DROP AS SELECT * FROM governance_open_vote",
    "CREATE TEMPORARY TABLE still_open_ballot ON COMMIT DROP AS SELECT * FROM governance_open_ballot",
    "TRUNCATE governance_open_vote, governance_open_ballot",
    "INSERT INTO governance_open_vote SELECT * FROM still_open_vote",
    "INSERT INTO governance_open_ballot SELECT * FROM still_open_ballot",
];

/// How long a WAL scrub waits for readers before leaving it to the next
/// tick.
const WAL_SCRUB_PATIENCE: Duration = Duration::from_secs(1);

#[derive(sqlx::FromRow)]
struct RollRow {
    person_id: i64,
    class_key: String,
}

#[derive(sqlx::FromRow)]
struct BallotRow {
    class_key: String,
    choice: String,
    reason: String,
    receipt_hash: Vec<u8>,
}

impl From<BallotRow> for StoredBallot {
    fn from(row: BallotRow) -> Self {
        StoredBallot {
            class_key: row.class_key,
            choice: row.choice,
            reason: row.reason,
            receipt_hash: row.receipt_hash,
        }
    }
}

#[derive(sqlx::FromRow)]
struct CommentRow {
    author_id: i64,
    author_name: String,
    body: String,
    created_at: i64,
}

impl Store {
    pub async fn create_proposal(&self, new: &NewProposal, now: Timestamp) -> Result<ProposalId> {
        let options = serde_json::to_string(&new.options)
            .map_err(|_| StoreError::Corrupt("proposal options".into()))?;
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO governance_proposal (coop_id, author_id, title, body, kind, method, rules, options, seats, \
                 class_key, quorum_percent, opens_at, closes_at, state, seed, allocation_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) \
                 RETURNING id",
            )
            .bind(new.coop.0)
            .bind(new.author.0)
            .bind(&new.title)
            .bind(&new.body)
            .bind(new.kind.as_str())
            .bind(&new.method)
            .bind(&new.rules)
            .bind(&options)
            .bind(i64::from(new.seats))
            .bind(&new.class_key)
            .bind(i64::from(new.quorum_percent))
            .bind(new.opens_at.as_millis())
            .bind(new.closes_at.as_millis())
            .bind(ProposalState::Scheduled.as_str())
            .bind(new.seed as i64)
            .bind(new.allocation.map(|a| a.0))
            .bind(now.as_millis())
            .fetch_one(&mut *tx)
            .await?;
            let event = Event::ProposalCreated {
                proposal: ProposalId(id),
            };
            record_events!(tx, &[Happened::new(new.coop, Some(new.author), now, event)]);
            tx.commit().await?;
            Ok(ProposalId(id))
        })
    }

    /// A co-op's proposals, newest first.
    pub async fn proposals(&self, coop: CoopId) -> Result<Vec<Proposal>> {
        let rows: Vec<ProposalRow> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                "SELECT {PROPOSAL_COLUMNS} FROM governance_proposal WHERE coop_id = $1 ORDER BY created_at DESC, id DESC"
            ))
            .bind(coop.0)
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter().map(Proposal::try_from).collect()
    }

    pub async fn proposal(&self, coop: CoopId, id: ProposalId) -> Result<Option<Proposal>> {
        let row: Option<ProposalRow> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                "SELECT {PROPOSAL_COLUMNS} FROM governance_proposal WHERE id = $1 AND coop_id = $2"
            ))
            .bind(id.0)
            .bind(coop.0)
            .fetch_optional(pool)
            .await
        })?;
        row.map(Proposal::try_from).transpose()
    }

    /// Proposals whose opening or closing time has come, in any co-op, and
    /// closed ones whose decision is not yet carried out: an allocation
    /// still proposed, a fund project not yet funded or rejected, a bylaw
    /// change with a forecast not yet settled.
    pub async fn due_proposals(&self, now: Timestamp) -> Result<Vec<(CoopId, ProposalId)>> {
        #[derive(sqlx::FromRow)]
        struct Due {
            coop_id: i64,
            id: i64,
        }
        let rows: Vec<Due> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                "SELECT coop_id, id FROM governance_proposal p \
                 WHERE (state = $2 AND opens_at <= $1) OR (state = $3 AND closes_at <= $1) \
                 OR (state = $4 AND ( \
                   EXISTS (SELECT 1 FROM patronage_allocation a \
                           WHERE a.id = p.allocation_id AND a.coop_id = p.coop_id AND a.state = $5) \
                   OR EXISTS (SELECT 1 FROM fund_project f \
                              WHERE f.proposal_id = p.id AND f.state IN ({pending})) \
                   OR (p.kind = $6 AND EXISTS (SELECT 1 FROM policy_forecast f \
                              WHERE f.proposal_id = p.id AND f.outcome IS NULL)))) \
                 ORDER BY id",
                pending = sql_words(
                    ProjectState::ALL
                        .into_iter()
                        .filter(|s| s.is_pending())
                        .map(ProjectState::as_str)
                )
            ))
            .bind(now.as_millis())
            .bind(ProposalState::Scheduled.as_str())
            .bind(ProposalState::Open.as_str())
            .bind(ProposalState::Closed.as_str())
            .bind(AllocationState::Proposed.as_str())
            .bind(ProposalKind::Bylaw.as_str())
            .fetch_all(pool)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|due| (CoopId(due.coop_id), ProposalId(due.id)))
            .collect())
    }

    /// Opens voting and freezes the roll: the active members then (of the
    /// proposal's class, if it has one), in one transaction. `false` if it
    /// was not scheduled (another server opened it first).
    pub async fn open_proposal(
        &self,
        coop: CoopId,
        id: ProposalId,
        secret: &[u8],
        now: Timestamp,
    ) -> Result<bool> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let opened = sqlx::query(
                "UPDATE governance_proposal SET state = $3 WHERE id = $1 AND coop_id = $2 AND state = $4",
            )
            .bind(id.0)
            .bind(coop.0)
            .bind(ProposalState::Open.as_str())
            .bind(ProposalState::Scheduled.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if opened == 0 {
                return Ok(false);
            }
            sqlx::query("INSERT INTO governance_open_vote (proposal_id, secret) VALUES ($1, $2)")
                .bind(id.0)
                .bind(secret)
                .execute(&mut *tx)
                .await?;
            let eligible = sqlx::query(&format!(
                "INSERT INTO governance_roll (proposal_id, person_id, class_key) \
                 SELECT p.id, m.person_id, c.key FROM governance_proposal p \
                 JOIN membership m ON m.coop_id = p.coop_id AND m.status = {active} \
                 JOIN member_class c ON c.id = m.class_id \
                 WHERE p.id = $1 AND (p.class_key IS NULL OR p.class_key = c.key)",
                active = sql_words([MembershipStatus::Active.as_str()])
            ))
            .bind(id.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let event = Event::VoteOpened {
                proposal: id,
                eligible,
            };
            record_events!(tx, &[Happened::new(coop, None, now, event)]);
            tx.commit().await?;
            Ok(true)
        })
    }

    /// The secret of a vote that is open; `None` once it has closed.
    pub async fn ballot_secret(&self, id: ProposalId) -> Result<Option<Vec<u8>>> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT secret FROM governance_open_vote WHERE proposal_id = $1")
                .bind(id.0)
                .fetch_optional(pool)
                .await
        })?)
    }

    /// Records a vote, or replaces the voter's earlier one, in one
    /// statement that the database refuses unless the voter is on the roll
    /// and voting is open: `false` then, and nothing is written.
    pub async fn cast_ballot(&self, cast: &CastBallot<'_>, now: Timestamp) -> Result<bool> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let written = sqlx::query(
                "INSERT INTO governance_open_ballot (proposal_id, voter_tag, receipt_hash, class_key, choice, reason) \
                 SELECT r.proposal_id, $1, $2, r.class_key, $3, $4 \
                 FROM governance_roll r JOIN governance_proposal p ON p.id = r.proposal_id \
                 WHERE r.proposal_id = $5 AND r.person_id = $6 AND p.state = $8 AND p.coop_id = $9 \
                   AND p.opens_at <= $7 AND p.closes_at > $7 \
                 ON CONFLICT (proposal_id, voter_tag) DO UPDATE \
                   SET receipt_hash = excluded.receipt_hash, choice = excluded.choice, reason = excluded.reason",
            )
            .bind(cast.voter_tag)
            .bind(cast.receipt_hash)
            .bind(cast.choice)
            .bind(cast.reason)
            .bind(cast.proposal.0)
            .bind(cast.person.0)
            .bind(now.as_millis())
            .bind(ProposalState::Open.as_str())
            .bind(cast.coop.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if written == 0 {
                return Ok(false);
            }
            // Secret: the event names neither the voter nor the ballot.
            let event = Event::BallotCast {
                proposal: cast.proposal,
            };
            record_events!(tx, &[Happened::new(cast.coop, None, now, event)]);
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Closes voting, all in one transaction: writes the result, erases
    /// the secret, and moves the ballots without their tags to
    /// `governance_ballot` in the order of their receipts' hashes. `false`
    /// if it was not open.
    ///
    /// Moved, the ballots' ids and places in the file follow their random
    /// receipts, not the order they were cast in, which a reader of the
    /// database could otherwise match with the order members voted.
    ///
    /// Neither engine wipes a row when it is replaced or erased. SQLite
    /// zeroes freed space itself (`secure_delete` on every connection), but
    /// its WAL holds the pages as they were until a checkpoint: see
    /// [`Store::scrub_wal`]. PostgreSQL keeps old row versions until a
    /// vacuum, and a vacuum keeps those that any older snapshot in the
    /// database might read (an autovacuum's analyze, a report, a backup),
    /// so a vacuum cannot promise they are gone. Instead the open tables
    /// are written afresh in the same transaction: emptied with `TRUNCATE`,
    /// which gives them new files, and filled again with the rows of the
    /// votes still open. Only votes open now are ever in those tables, so
    /// the cost does not grow with the years of ballots already closed.
    pub async fn close_proposal(
        &self,
        id: ProposalId,
        result: &str,
        now: Timestamp,
    ) -> Result<bool> {
        let closed = on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            if self.backend() == Backend::Postgres {
                // Votes wait while the open tables are rewritten.
                sqlx::query(
                    "LOCK TABLE governance_open_vote, governance_open_ballot IN ACCESS EXCLUSIVE MODE",
                )
                .execute(&mut *tx)
                .await?;
            }
            let closed: Option<(i64,)> = sqlx::query_as(
                "UPDATE governance_proposal SET state = $3, result = $1 \
                 WHERE id = $2 AND state = $4 RETURNING coop_id",
            )
            .bind(result)
            .bind(id.0)
            .bind(ProposalState::Closed.as_str())
            .bind(ProposalState::Open.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            let Some((coop,)) = closed else {
                return Ok(false);
            };
            let mut ballots: Vec<BallotRow> = sqlx::query_as(
                "DELETE FROM governance_open_ballot WHERE proposal_id = $1 \
                 RETURNING class_key, choice, reason, receipt_hash",
            )
            .bind(id.0)
            .fetch_all(&mut *tx)
            .await?;
            ballots.sort_unstable_by(|a, b| a.receipt_hash.cmp(&b.receipt_hash));
            for ballot in &ballots {
                sqlx::query(
                    "INSERT INTO governance_ballot (proposal_id, receipt_hash, class_key, choice, reason) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id.0)
                .bind(&ballot.receipt_hash)
                .bind(&ballot.class_key)
                .bind(&ballot.choice)
                .bind(&ballot.reason)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query("DELETE FROM governance_open_vote WHERE proposal_id = $1")
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
            if self.backend() == Backend::Postgres {
                for statement in REWRITE_OPEN_TABLES {
                    // Unprepared: the temporary tables are new each time.
                    sqlx::query(statement)
                        .persistent(false)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            let event = Event::VoteClosed { proposal: id };
            record_events!(tx, &[Happened::new(CoopId(coop), None, now, event)]);
            tx.commit().await?;
            Ok::<_, StoreError>(true)
        })?;
        if closed {
            self.wal_scrub_due.store(true, Ordering::Release);
            self.scrub_wal().await?;
        }
        Ok(closed)
    }

    /// Checkpoints SQLite's WAL into the database file and truncates it,
    /// if a vote has closed since the last time this succeeded (or the
    /// server has started since). The checkpoint must wait for readers
    /// that began before the closing; rather than hold up the closing for
    /// them, it waits a second at most and the governance tick tries again
    /// each minute until it gets through. Nothing to do on PostgreSQL.
    pub async fn scrub_wal(&self) -> Result<()> {
        let Pool::Sqlite(pool) = &self.pool else {
            return Ok(());
        };
        if !self.wal_scrub_due.swap(false, Ordering::AcqRel) {
            return Ok(());
        }
        let options = (*pool.connect_options())
            .clone()
            .busy_timeout(WAL_SCRUB_PATIENCE);
        let mut connection = options.connect().await?;
        let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&mut connection)
            .await?;
        connection.close().await?;
        if busy != 0 {
            self.wal_scrub_due.store(true, Ordering::Release);
            tracing::info!("a reader held the WAL; the next governance tick scrubs it");
        }
        Ok(())
    }

    pub async fn roll(&self, id: ProposalId) -> Result<Vec<RollEntry>> {
        let rows: Vec<RollRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT person_id, class_key FROM governance_roll WHERE proposal_id = $1 ORDER BY person_id",
            )
            .bind(id.0)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|row| RollEntry {
                person: PersonId(row.person_id),
                class_key: row.class_key,
            })
            .collect())
    }

    pub async fn roll_entry(&self, id: ProposalId, person: PersonId) -> Result<Option<RollEntry>> {
        let row: Option<RollRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT person_id, class_key FROM governance_roll WHERE proposal_id = $1 AND person_id = $2",
            )
            .bind(id.0)
            .bind(person.0)
            .fetch_optional(pool)
            .await
        })?;
        Ok(row.map(|row| RollEntry {
            person: PersonId(row.person_id),
            class_key: row.class_key,
        }))
    }

    /// How many ballots a proposal has: its turnout.
    pub async fn ballot_count(&self, id: ProposalId) -> Result<u64> {
        let (count,): (i64,) = on_pool!(self, |pool| {
            sqlx::query_as(concat!(
                "SELECT COUNT(*) FROM (",
                cast_ballots!(),
                ") b WHERE proposal_id = $1"
            ))
            .bind(id.0)
            .fetch_one(pool)
            .await
        })?;
        Ok(count.unsigned_abs())
    }

    /// Whether the voter with this tag has a ballot: only while voting is
    /// open, when tags exist.
    pub async fn has_ballot(&self, id: ProposalId, voter_tag: &[u8]) -> Result<bool> {
        let found: Option<(i64,)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT proposal_id FROM governance_open_ballot WHERE proposal_id = $1 AND voter_tag = $2",
            )
            .bind(id.0)
            .bind(voter_tag)
            .fetch_optional(pool)
            .await
        })?;
        Ok(found.is_some())
    }

    /// The ballots, in a fixed order that says nothing of who cast them
    /// or when: by receipt hash.
    pub async fn ballots(&self, id: ProposalId) -> Result<Vec<StoredBallot>> {
        let rows: Vec<BallotRow> = on_pool!(self, |pool| {
            sqlx::query_as(concat!(
                "SELECT class_key, choice, reason, receipt_hash FROM (",
                cast_ballots!(),
                ") b WHERE proposal_id = $1 ORDER BY receipt_hash"
            ))
            .bind(id.0)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows.into_iter().map(StoredBallot::from).collect())
    }

    pub async fn ballot_by_receipt(
        &self,
        id: ProposalId,
        receipt_hash: &[u8],
    ) -> Result<Option<StoredBallot>> {
        let row: Option<BallotRow> = on_pool!(self, |pool| {
            sqlx::query_as(concat!(
                "SELECT class_key, choice, reason, receipt_hash FROM (",
                cast_ballots!(),
                ") b WHERE proposal_id = $1 AND receipt_hash = $2"
            ))
            .bind(id.0)
            .bind(receipt_hash)
            .fetch_optional(pool)
            .await
        })?;
        Ok(row.map(StoredBallot::from))
    }

    pub async fn add_comment(
        &self,
        coop: CoopId,
        id: ProposalId,
        author: PersonId,
        body: &str,
        now: Timestamp,
    ) -> Result<()> {
        let commented = Event::ProposalCommented { proposal: id };
        let happened = [Happened::new(coop, Some(author), now, commented)];
        let insert = "INSERT INTO governance_comment (proposal_id, author_id, body, created_at) \
                      VALUES ($1, $2, $3, $4)";
        on_pool!(self, |pool| compare_and_set!(
            pool,
            sqlx::query(insert)
                .bind(id.0)
                .bind(author.0)
                .bind(body)
                .bind(now.as_millis()),
            &happened
        ))?;
        Ok(())
    }

    pub async fn comments(&self, id: ProposalId) -> Result<Vec<Comment>> {
        let rows: Vec<CommentRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT c.author_id, p.display_name AS author_name, c.body, c.created_at \
                 FROM governance_comment c \
                 JOIN person p ON p.id = c.author_id WHERE c.proposal_id = $1 ORDER BY c.id",
            )
            .bind(id.0)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows
            .into_iter()
            .map(|row| Comment {
                author: PersonId(row.author_id),
                author_name: row.author_name,
                body: row.body,
                created_at: Timestamp(row.created_at),
            })
            .collect())
    }
}
