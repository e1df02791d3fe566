//! Databases written by an older coopkit, brought up to date: what they
//! held is still there, in the new shape.

use std::borrow::Cow;

use coopkit_domain::{CoopId, PersonId, Timestamp};
use coopkit_store::{CastBallot, DatabaseLocation, ProposalId, Store};
use coopkit_testkit::{each_backend, Backend, TestDb};
use sqlx::migrate::Migrator;
use sqlx::Connection;

/// Runs `$body` with `$conn`, a connection of the test's own to the
/// database at `$location`, whichever engine it is on.
macro_rules! on_connection {
    ($location:expr, |$conn:ident| $body:expr) => {
        match $location {
            DatabaseLocation::SqliteFile(path) => {
                let url = format!("sqlite://{}", path.display());
                let mut $conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
                $body
            }
            DatabaseLocation::Postgres(url) => {
                let mut $conn = sqlx::PgConnection::connect(url).await.unwrap();
                $body
            }
        }
    };
}

/// The migrations up to `version`, as the coopkit of that day had them.
fn migrations_until(backend: Backend, version: i64) -> Migrator {
    let all = match backend {
        Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
        Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
    };
    let then: Vec<_> = all
        .iter()
        .filter(|migration| migration.version <= version)
        .cloned()
        .collect();
    Migrator {
        migrations: Cow::Owned(then),
        ..Migrator::DEFAULT
    }
}

const OPEN: ProposalId = ProposalId(1);
const CLOSED: ProposalId = ProposalId(2);
const DURING: Timestamp = Timestamp::from_millis(1_000);

each_backend! {
    async fn open_and_closed_votes_survive_the_move_of_open_ballots_to_tables_of_their_own(backend: Backend) {
        let db = TestDb::unmigrated(backend).await;
        let secret = b"the secret of the open vote".to_vec();
        let tags = [b"voter tag of ada".to_vec(), b"voter tag of bo!".to_vec()];
        on_connection!(&db.location, |conn| {
            migrations_until(backend, 23).run(&mut conn).await.unwrap();
            for sql in [
                "INSERT INTO person (email, display_name, password_hash, created_at) \
                 VALUES ('ada@example.coop', 'Ada', '-', 0), ('bo@example.coop', 'Bo', '-', 0)",
                "INSERT INTO coop (slug, name, description, profile, joining_requires_approval, \
                 dues_amount, dues_currency, dues_period, created_at) \
                 VALUES ('vans', 'Vans', '', '', FALSE, 0, 'EUR', 'monthly', 0)",
            ] {
                sqlx::query(sql).execute(&mut conn).await.unwrap();
            }
            let proposal = "INSERT INTO governance_proposal (coop_id, author_id, title, body, kind, \
                method, rules, options, seats, quorum_percent, opens_at, closes_at, state, seed, \
                ballot_secret, result, created_at) \
                VALUES (1, 1, $1, '', 'motion', 'majority', '{}', '[]', 1, 0, 0, 2000, $2, 0, $3, $4, 0)";
            sqlx::query(proposal)
                .bind("Open")
                .bind("open")
                .bind(&secret)
                .bind(None::<String>)
                .execute(&mut conn)
                .await
                .unwrap();
            sqlx::query(proposal)
                .bind("Closed")
                .bind("closed")
                .bind(None::<Vec<u8>>)
                .bind(Some("{}"))
                .execute(&mut conn)
                .await
                .unwrap();
            sqlx::query(
                "INSERT INTO governance_roll (proposal_id, person_id, class_key) \
                 VALUES (1, 1, 'member'), (1, 2, 'member')",
            )
            .execute(&mut conn)
            .await
            .unwrap();
            let ballot = "INSERT INTO governance_ballot \
                (proposal_id, voter_tag, receipt_hash, class_key, choice, reason) \
                VALUES ($1, $2, $3, 'member', $4, '')";
            for (proposal, tag, receipt, choice) in [
                (OPEN, Some(&tags[0]), b"receipt a".to_vec(), "yes"),
                (OPEN, Some(&tags[1]), b"receipt b".to_vec(), "no"),
                (CLOSED, None, b"receipt c".to_vec(), "abstain"),
            ] {
                sqlx::query(ballot)
                    .bind(proposal.0)
                    .bind(tag)
                    .bind(receipt)
                    .bind(choice)
                    .execute(&mut conn)
                    .await
                    .unwrap();
            }
        });

        let store = Store::open(&db.location).await.unwrap();
        assert_eq!(store.ballot_secret(OPEN).await.unwrap(), Some(secret.clone()));
        assert_eq!(store.ballot_secret(CLOSED).await.unwrap(), None);
        assert!(store.has_ballot(OPEN, &tags[0]).await.unwrap());
        assert_eq!(store.ballot_count(OPEN).await.unwrap(), 2);
        let closed = store.ballots(CLOSED).await.unwrap();
        assert_eq!(closed.len(), 1);
        assert_eq!(closed[0].choice, "abstain");

        // Ada's tag still finds her ballot: she changes her vote.
        let changed = CastBallot {
            coop: CoopId(1),
            proposal: OPEN,
            person: PersonId(1),
            voter_tag: &tags[0],
            receipt_hash: b"receipt a, again",
            choice: "abstain",
            reason: "",
        };
        assert!(store.cast_ballot(&changed, DURING).await.unwrap());
        assert_eq!(store.ballot_count(OPEN).await.unwrap(), 2);

        assert!(store.close_proposal(OPEN, "{}", DURING).await.unwrap());
        assert_eq!(store.ballot_secret(OPEN).await.unwrap(), None);
        let choices: Vec<String> = store
            .ballots(OPEN)
            .await
            .unwrap()
            .into_iter()
            .map(|ballot| ballot.choice)
            .collect();
        assert_eq!(choices, ["abstain", "no"], "by receipt: 'receipt a, again' < 'receipt b'");
        // Neither the old columns nor the rows the migration moved left a
        // tag or the secret behind.
        db.assert_no_ballot_tied_to_a_voter(&tags, &secret).await;
    }
}
