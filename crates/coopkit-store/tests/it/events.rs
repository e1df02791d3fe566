//! The event log: each change writes its event in its own transaction,
//! the log is append-only, and readers sharing a cursor read each event
//! once, however many app servers read.

use std::collections::BTreeSet;
use std::sync::Arc;

use coopkit_domain::{
    ClassKey, Event, EventSeq, LoggedEvent, MemberClassId, MembershipStatus, PersonId, Role,
    Timestamp,
};
use coopkit_store::{Backend, Conflict, Coop, Person, Store, StoreError};
use coopkit_testkit::{each_backend, TestDb};

use crate::story::{new_coop, person, T0};

fn kinds(events: &[LoggedEvent]) -> Vec<&'static str> {
    events.iter().map(|e| e.happened.event.kind()).collect()
}

/// A co-op with its founder and its first class.
async fn bakers(store: &Store) -> (Person, Coop, MemberClassId) {
    let founder = person(store, "Founder").await;
    let coop = store
        .create_coop(
            &new_coop("bakers"),
            founder.id,
            &ClassKey::parse("worker").unwrap(),
            None,
            T0,
        )
        .await
        .unwrap();
    let class = store.member_classes(coop.id).await.unwrap()[0].id;
    (founder, coop, class)
}

async fn all_events(store: &Store, coop: coopkit_domain::CoopId) -> Vec<LoggedEvent> {
    store.events(coop, EventSeq(0), 1000).await.unwrap()
}

each_backend! {
    async fn each_membership_step_records_one_event(backend: Backend) {
        let db = TestDb::new(backend).await;
        let store = &db.store;
        let (founder, coop, class) = bakers(store).await;
        let before = all_events(store, coop.id).await.len();

        let ana = person(store, "Ana").await;
        let applied = store
            .apply_for_membership(coop.id, ana.id, class, MembershipStatus::Pending, T0)
            .await
            .unwrap();
        let later = T0.plus_millis(60_000);
        store
            .decide_application(coop.id, applied.id, MembershipStatus::Active, founder.id, later)
            .await
            .unwrap()
            .unwrap();
        store
            .set_role(coop.id, applied.id, Role::Coordinator, founder.id, later)
            .await
            .unwrap();
        store.leave_coop(coop.id, ana.id, later).await.unwrap();
        // A refused step records nothing: Ana is no longer pending.
        assert_eq!(
            store
                .decide_application(coop.id, applied.id, MembershipStatus::Declined, founder.id, later)
                .await
                .unwrap(),
            None
        );
        let again = store
            .apply_for_membership(coop.id, ana.id, class, MembershipStatus::Pending, later)
            .await
            .unwrap();
        assert!(matches!(
            store
                .apply_for_membership(coop.id, ana.id, class, MembershipStatus::Pending, later)
                .await,
            Err(StoreError::Conflict(Conflict::Membership))
        ));

        let events = all_events(store, coop.id).await;
        assert_eq!(
            events[0].happened.event,
            Event::CoopFounded { coop: coop.id, founder: founder.id },
            "founding is the co-op's first event"
        );
        let ours = &events[before..];
        assert_eq!(
            kinds(ours),
            [
                "membership.applied",
                "membership.admitted",
                "membership.role_changed",
                "membership.left",
                "membership.applied",
            ],
            "{backend:?}"
        );
        for event in ours {
            assert_eq!(event.happened.coop, coop.id);
            assert_eq!(event.happened.event.subject().to_string(), format!("membership:{}", applied.id));
        }
        assert_eq!(again.id, applied.id, "applying again reuses the row");
        assert_eq!(ours[0].happened.actor, Some(ana.id));
        assert_eq!(ours[0].happened.at, T0);
        assert_eq!(ours[1].happened.actor, Some(founder.id), "the coordinator admitted");
        assert_eq!(ours[1].happened.at, later);
        assert_eq!(
            ours[2].happened.event,
            Event::RoleChanged { membership: applied.id, person: ana.id, role: Role::Coordinator }
        );
        let seqs: Vec<_> = events.iter().map(|e| e.seq).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in order: {seqs:?}");
    }

    async fn the_log_refuses_edits(backend: Backend) {
        let db = TestDb::new(backend).await;
        let store = &db.store;
        let (_, coop, class) = bakers(store).await;
        let ana = person(store, "Ana").await;
        store
            .apply_for_membership(coop.id, ana.id, class, MembershipStatus::Pending, T0)
            .await
            .unwrap();
        let count = all_events(store, coop.id).await.len();
        assert!(count > 0);
        let url = match &db.location {
            coopkit_store::DatabaseLocation::SqliteFile(path) => {
                format!("sqlite://{}", path.display())
            }
            coopkit_store::DatabaseLocation::Postgres(url) => url.clone(),
        };
        let refused = match backend {
            Backend::Sqlite => {
                let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
                let update = sqlx::query("UPDATE event SET kind = 'x'").execute(&pool).await;
                let delete = sqlx::query("DELETE FROM event").execute(&pool).await;
                update.is_err() && delete.is_err()
            }
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&url).await.unwrap();
                let update = sqlx::query("UPDATE event SET kind = 'x'").execute(&pool).await;
                let delete = sqlx::query("DELETE FROM event").execute(&pool).await;
                update.is_err() && delete.is_err()
            }
        };
        assert!(refused, "{backend:?}: the log took an edit");
        assert_eq!(all_events(store, coop.id).await.len(), count);
    }

    async fn a_cursor_reads_on_from_where_it_stopped(backend: Backend) {
        let db = TestDb::new(backend).await;
        let store = &db.store;
        let (_, coop, class) = bakers(store).await;
        for i in 0..5 {
            let p = person(store, &format!("Member{i}")).await;
            store
                .apply_for_membership(coop.id, p.id, class, MembershipStatus::Pending, T0)
                .await
                .unwrap();
        }
        let total = store.claim_events("audit", 1000).await.unwrap().len();
        assert!(total >= 5);
        assert!(store.claim_events("audit", 10).await.unwrap().is_empty(), "nothing twice");
        // Another reader keeps its own place.
        let first = store.claim_events("mail", 2).await.unwrap();
        let rest = store.claim_events("mail", 1000).await.unwrap();
        assert_eq!(first.len() + rest.len(), total);
        assert!(first.last().unwrap().seq < rest[0].seq);
    }
}

/// Two app servers (two pools on one PostgreSQL) write memberships while
/// two readers, one on each, share a cursor: every event is read once, by
/// one of them, and none is skipped, though the writers commit in any
/// order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_read_each_event_once() {
    let Some(backend) = coopkit_testkit::postgres() else {
        return;
    };
    let db = TestDb::new(backend).await;
    let servers = [db.store.clone(), Store::open(&db.location).await.unwrap()];
    let (_, coop, class) = bakers(&servers[0]).await;
    let mut people = Vec::new();
    for i in 0..120 {
        people.push(person(&servers[i % 2], &format!("Member{i}")).await.id);
    }
    let before = servers[0]
        .claim_events("webhooks", 10_000)
        .await
        .unwrap()
        .len();

    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for (n, chunk) in people.chunks(20).enumerate() {
        let store = servers[n % 2].clone();
        let chunk: Vec<PersonId> = chunk.to_vec();
        writers.push(tokio::spawn(async move {
            for person in chunk {
                store
                    .apply_for_membership(coop.id, person, class, MembershipStatus::Pending, T0)
                    .await
                    .unwrap();
                store
                    .leave_coop(coop.id, person, Timestamp(T0.0 + 1))
                    .await
                    .unwrap();
            }
        }));
    }
    let mut readers = Vec::new();
    for store in servers.clone() {
        let done = done.clone();
        readers.push(tokio::spawn(async move {
            let mut read = Vec::new();
            loop {
                let finished = done.load(std::sync::atomic::Ordering::SeqCst);
                let batch = store.claim_events("webhooks", 7).await.unwrap();
                if batch.is_empty() && finished {
                    return read;
                }
                read.extend(batch.into_iter().map(|e| e.seq));
            }
        }));
    }
    for writer in writers {
        writer.await.unwrap();
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut seen = Vec::new();
    for reader in readers {
        let read = reader.await.unwrap();
        assert!(
            read.windows(2).all(|w| w[0] < w[1]),
            "each reader reads in order"
        );
        seen.extend(read);
    }
    let unique: BTreeSet<_> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "no event read twice");
    assert_eq!(seen.len(), 240, "two events for each of 120 members");
    let all = servers[1]
        .events(coop.id, EventSeq(0), 10_000)
        .await
        .unwrap();
    let written: BTreeSet<_> = all.iter().map(|e| e.seq).skip(before).collect();
    assert_eq!(unique, written, "none skipped");
}
