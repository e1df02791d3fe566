use coopkit_domain::coop::NewCoop;
use coopkit_domain::throttle::LoginFailures;
use coopkit_domain::{
    ClassKey, CoopName, CoopSettings, DisplayName, DuesPeriod, Email, Locale, MemberClassSpec,
    MembershipId, MembershipStatus, PersonId, Role, Slug, Timestamp, Zone,
};
use coopkit_store::{Conflict, LeaveOutcome, NewPerson, Person, RoleChange, Store, StoreError};
use coopkit_testkit::{each_backend, Backend, TestDb};

pub const T0: Timestamp = Timestamp::from_millis(1_700_000_000_000);

fn new_person(name: &str, email: &str) -> NewPerson {
    NewPerson {
        email: Email::parse(email).unwrap(),
        display_name: DisplayName::parse(name).unwrap(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".into(),
        locale: Locale::En,
        verified: true,
    }
}

fn class(key: &str, open: bool) -> MemberClassSpec {
    MemberClassSpec {
        key: ClassKey::parse(key).unwrap(),
        name: key.to_uppercase(),
        description: format!("The {key} class"),
        open_to_join: open,
        requires_approval: false,
    }
}

pub fn new_coop(slug: &str) -> NewCoop {
    NewCoop {
        slug: Slug::parse(slug).unwrap(),
        name: CoopName::parse(&format!("The {slug} co-op")).unwrap(),
        description: "A test co-op".into(),
        profile: "Profile text".into(),
        settings: CoopSettings {
            joining_requires_approval: true,
            dues_amount: 1200,
            dues_currency: "GBP".into(),
            dues_period: DuesPeriod::Monthly,
            time_zone: Zone::named("America/New_York").unwrap(),
        },
        classes: vec![class("worker", true), class("investor", false)],
    }
}

pub async fn person(store: &Store, name: &str) -> Person {
    let email = format!("{}@example.coop", name.to_lowercase());
    store
        .create_person(&new_person(name, &email), T0)
        .await
        .unwrap()
}

each_backend! {
    async fn people_sign_up_once_per_address(backend: Backend) {
        let db = TestDb::new(backend).await;
        let store = &db.store;
        let ana = person(store, "Ana").await;
        assert_eq!(ana.email.as_str(), "ana@example.coop");
        assert_eq!(store.person(ana.id).await.unwrap(), Some(ana.clone()));

        let again = store
            .create_person(&new_person("Other Ana", "ana@example.coop"), T0)
            .await;
        assert!(
            matches!(again, Err(StoreError::Conflict(Conflict::Email))),
            "{backend:?}: {again:?}"
        );

        let (found, hash) = store
            .person_with_password(&ana.email)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.id, ana.id);
        assert!(hash.starts_with("$argon2id$"));
        assert!(store
            .person_with_password(&Email::parse("nobody@example.coop").unwrap())
            .await
            .unwrap()
            .is_none());

        store.set_locale(ana.id, Locale::Es).await.unwrap();
        assert_eq!(
            store.person(ana.id).await.unwrap().unwrap().locale,
            Locale::Es
        );
        assert_eq!(store.person(PersonId(999_999)).await.unwrap(), None);
    }
}

each_backend! {
    async fn founding_a_coop_makes_the_founder_its_admin(backend: Backend) {
        let db = TestDb::new(backend).await;
        let store = &db.store;
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
        assert_eq!(coop.slug.as_str(), "bakers");
        assert_eq!(coop.settings.dues_amount, 1200);
        assert_eq!(coop.settings.time_zone.name(), "America/New_York");
        assert_eq!(
            store.coop_by_slug("bakers").await.unwrap(),
            Some(coop.clone())
        );
        assert_eq!(store.coop_by_slug("nope").await.unwrap(), None);

        let classes = store.member_classes(coop.id).await.unwrap();
        let keys: Vec<_> = classes.iter().map(|c| c.spec.key.as_str()).collect();
        assert_eq!(
            keys,
            ["worker", "investor"],
            "{backend:?}: classes keep their order"
        );
        assert!(!classes[1].spec.open_to_join);

        let membership = store
            .membership(coop.id, founder.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (membership.role, membership.status),
            (Role::Admin, MembershipStatus::Active)
        );

        let clash = store
            .create_coop(
                &new_coop("bakers"),
                founder.id,
                &ClassKey::parse("worker").unwrap(),
                None,
                T0,
            )
            .await;
        assert!(
            matches!(clash, Err(StoreError::Conflict(Conflict::Slug))),
            "{clash:?}"
        );

        // A founder class that is not among the classes writes nothing.
        let orphan = store
            .create_coop(
                &new_coop("orphans"),
                founder.id,
                &ClassKey::parse("ghost").unwrap(),
                None,
                T0,
            )
            .await;
        assert!(orphan.is_err());
        assert_eq!(
            store.coop_by_slug("orphans").await.unwrap(),
            None,
            "{backend:?}: transaction rolled back"
        );

        let listed = store.list_coops().await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].active_members, 1);

        let changed = CoopSettings {
            joining_requires_approval: false,
            dues_amount: 0,
            dues_currency: "HOUR".into(),
            dues_period: DuesPeriod::Yearly,
            time_zone: Zone::named("Europe/Madrid").unwrap(),
        };
        store
            .update_coop_settings(coop.id, &changed, founder.id, T0)
            .await
            .unwrap();
        assert_eq!(
            coopkit_testkit::story(store, "bakers", coopkit_domain::Subject::Coop(coop.id)).await,
            [
                ("coop.founded", Some(founder.id)),
                ("coop.settings_changed", Some(founder.id))
            ],
            "{backend:?}: the founding and the change, each by its actor"
        );
        assert_eq!(
            store
                .coop_by_slug("bakers")
                .await
                .unwrap()
                .unwrap()
                .settings,
            changed
        );
        assert_eq!(
            store.coop_zone("bakers").await.unwrap(),
            Some(Zone::named("Europe/Madrid").unwrap())
        );
        assert_eq!(store.coop_zone("nobody").await.unwrap(), None);
    }
}

each_backend! {
    async fn memberships_move_through_their_life(backend: Backend) {
        let db = TestDb::new(backend).await;
        let store = &db.store;
        let admin = person(store, "Admin").await;
        let coop = store
            .create_coop(
                &new_coop("sitters"),
                admin.id,
                &ClassKey::parse("worker").unwrap(),
                None,
                T0,
            )
            .await
            .unwrap();
        let worker = store.member_classes(coop.id).await.unwrap()[0].id;
        let bea = person(store, "Bea").await;

        let applied = store
            .apply_for_membership(coop.id, bea.id, worker, MembershipStatus::Pending, T0)
            .await
            .unwrap();
        assert_eq!(
            (applied.role, applied.status, applied.decided_at),
            (Role::Member, MembershipStatus::Pending, None)
        );
        let twice = store
            .apply_for_membership(coop.id, bea.id, worker, MembershipStatus::Pending, T0)
            .await;
        assert!(
            matches!(twice, Err(StoreError::Conflict(Conflict::Membership))),
            "{backend:?}: {twice:?}"
        );

        let pending = store
            .members(coop.id, MembershipStatus::Pending)
            .await
            .unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(
            (
                pending[0].display_name.as_str(),
                pending[0].class_key.as_str()
            ),
            ("Bea", "worker")
        );

        // A decision only lands on a pending application of this co-op.
        let later = T0.plus_millis(1000);
        let admitted = store
            .decide_application(
                coop.id,
                applied.id,
                MembershipStatus::Active,
                admin.id,
                later,
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (admitted.status, admitted.decided_at),
            (MembershipStatus::Active, Some(later))
        );
        let decided_again = store
            .decide_application(
                coop.id,
                applied.id,
                MembershipStatus::Declined,
                admin.id,
                later,
            )
            .await
            .unwrap();
        assert_eq!(
            decided_again, None,
            "{backend:?}: an active membership cannot be declined"
        );
        assert_eq!(
            store
                .count_members(coop.id, MembershipStatus::Active)
                .await
                .unwrap(),
            2
        );

        let promoted = store
            .set_role(coop.id, applied.id, Role::Coordinator, admin.id, T0)
            .await
            .unwrap();
        let RoleChange::Changed(promoted) = promoted else {
            panic!("{backend:?}: {promoted:?}")
        };
        assert_eq!(promoted.role, Role::Coordinator);
        // The only admin cannot be demoted; once there is a second, they can.
        let founder = store.membership(coop.id, admin.id).await.unwrap().unwrap();
        assert_eq!(
            store
                .set_role(coop.id, founder.id, Role::Member, admin.id, T0)
                .await
                .unwrap(),
            RoleChange::LastAdmin
        );
        assert!(matches!(
            store
                .set_role(coop.id, applied.id, Role::Admin, admin.id, T0)
                .await
                .unwrap(),
            RoleChange::Changed(_)
        ));
        assert!(matches!(
            store
                .set_role(coop.id, founder.id, Role::Member, admin.id, T0)
                .await
                .unwrap(),
            RoleChange::Changed(_)
        ));
        store
            .set_role(coop.id, founder.id, Role::Admin, admin.id, T0)
            .await
            .unwrap();
        store
            .set_role(coop.id, applied.id, Role::Coordinator, admin.id, T0)
            .await
            .unwrap();

        let mine = store.memberships_of(bea.id).await.unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(
            (mine[0].coop_slug.as_str(), mine[0].membership.role),
            ("sitters", Role::Coordinator)
        );

        assert_eq!(
            store.leave_coop(coop.id, bea.id, later).await.unwrap(),
            LeaveOutcome::Left
        );
        assert_eq!(
            store.leave_coop(coop.id, bea.id, later).await.unwrap(),
            LeaveOutcome::NotAMember
        );
        assert_eq!(
            store.leave_coop(coop.id, admin.id, later).await.unwrap(),
            LeaveOutcome::LastAdmin
        );

        // Someone who left applies again on the same row, as a plain member.
        let back = store
            .apply_for_membership(coop.id, bea.id, worker, MembershipStatus::Active, later)
            .await
            .unwrap();
        assert_eq!(
            (back.id, back.role, back.status),
            (applied.id, Role::Member, MembershipStatus::Active)
        );
    }
}

each_backend! {
    async fn every_membership_statement_is_scoped_to_its_coop(backend: Backend) {
        let db = TestDb::new(backend).await;
        let store = &db.store;
        let admin_a = person(store, "AdminA").await;
        let admin_b = person(store, "AdminB").await;
        let worker = ClassKey::parse("worker").unwrap();
        let a = store
            .create_coop(&new_coop("coop-a"), admin_a.id, &worker, None, T0)
            .await
            .unwrap();
        let b = store
            .create_coop(&new_coop("coop-b"), admin_b.id, &worker, None, T0)
            .await
            .unwrap();
        let b_class = store.member_classes(b.id).await.unwrap()[0].id;
        let applicant = person(store, "Applicant").await;
        let in_b = store
            .apply_for_membership(b.id, applicant.id, b_class, MembershipStatus::Pending, T0)
            .await
            .unwrap();

        // Co-op A's id with co-op B's membership id matches nothing.
        let cross = store
            .decide_application(a.id, in_b.id, MembershipStatus::Active, admin_a.id, T0)
            .await
            .unwrap();
        assert_eq!(cross, None, "{backend:?}");
        assert_eq!(
            store
                .set_role(a.id, in_b.id, Role::Admin, admin_a.id, T0)
                .await
                .unwrap(),
            RoleChange::NotFound
        );
        assert_eq!(
            store
                .members(a.id, MembershipStatus::Pending)
                .await
                .unwrap()
                .len(),
            0
        );
        assert_eq!(
            store
                .membership(b.id, applicant.id)
                .await
                .unwrap()
                .unwrap()
                .status,
            MembershipStatus::Pending
        );
        assert_eq!(
            store
                .set_role(b.id, MembershipId(i64::MAX), Role::Admin, admin_a.id, T0)
                .await
                .unwrap(),
            RoleChange::NotFound
        );
    }
}

each_backend! {
    async fn racing_applications_make_one_membership(backend: Backend) {
        let db = TestDb::new(backend).await;
        let store = db.store.clone();
        let admin = person(&store, "Admin").await;
        let coop = store
            .create_coop(
                &new_coop("racers"),
                admin.id,
                &ClassKey::parse("worker").unwrap(),
                None,
                T0,
            )
            .await
            .unwrap();
        let class = store.member_classes(coop.id).await.unwrap()[0].id;
        let racer = person(&store, "Racer").await;
        let attempts: Vec<_> = (0..8)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .apply_for_membership(
                            coop.id,
                            racer.id,
                            class,
                            MembershipStatus::Pending,
                            T0,
                        )
                        .await
                })
            })
            .collect();
        let mut won = 0;
        for attempt in attempts {
            match attempt.await.unwrap() {
                Ok(_) => won += 1,
                Err(StoreError::Conflict(Conflict::Membership)) => {}
                Err(other) => panic!("{backend:?}: unexpected {other}"),
            }
        }
        assert_eq!(won, 1, "{backend:?}: exactly one application wins");
    }
}

each_backend! {
    async fn sessions_tokens_and_login_failures(backend: Backend) {
        let db = TestDb::new(backend).await;
        let store = &db.store;
        let ana = person(store, "Ana").await;
        let hash = [7u8; 32];
        store
            .create_session(&hash, ana.id, T0, T0.plus_millis(1000))
            .await
            .unwrap();
        assert_eq!(
            store.session_person(&hash, T0).await.unwrap().map(|p| p.id),
            Some(ana.id)
        );
        assert_eq!(
            store
                .session_person(&hash, T0.plus_millis(1000))
                .await
                .unwrap(),
            None,
            "{backend:?}: expired"
        );
        assert_eq!(store.session_person(&[8u8; 32], T0).await.unwrap(), None);
        assert_eq!(
            store.purge_expired(T0.plus_millis(1000), T0, T0).await.unwrap(),
            1
        );
        store
            .create_session(&hash, ana.id, T0, T0.plus_millis(1000))
            .await
            .unwrap();
        store.delete_session(&hash).await.unwrap();
        assert_eq!(store.session_person(&hash, T0).await.unwrap(), None);

        let token = [9u8; 32];
        store
            .create_api_token(ana.id, "laptop", &token, T0)
            .await
            .unwrap();
        assert_eq!(
            store.api_token_person(&token).await.unwrap().map(|p| p.id),
            Some(ana.id)
        );
        assert!(store
            .create_api_token(ana.id, "again", &token, T0)
            .await
            .is_err());

        for i in 0..3 {
            store
                .record_login_failure("ana@example.coop", "10.0.0.1", T0.plus_millis(i))
                .await
                .unwrap();
        }
        store
            .record_login_failure("bob@example.coop", "10.0.0.1", T0)
            .await
            .unwrap();
        assert_eq!(
            store
                .login_failures_since("ana@example.coop", "10.0.0.1", T0)
                .await
                .unwrap(),
            LoginFailures {
                account: 3,
                pair: 3,
                client: 4,
                last: Some(T0.plus_millis(2)),
            }
        );
        assert_eq!(
            store
                .login_failures_since("ana@example.coop", "10.0.0.2", T0.plus_millis(2))
                .await
                .unwrap(),
            LoginFailures {
                account: 1,
                pair: 0,
                client: 0,
                last: Some(T0.plus_millis(2)),
            }
        );
        store
            .clear_login_failures("ana@example.coop", "10.0.0.1")
            .await
            .unwrap();
        assert_eq!(
            store
                .login_failures_since("ana@example.coop", "10.0.0.1", T0)
                .await
                .unwrap(),
            LoginFailures {
                client: 1,
                ..LoginFailures::default()
            }
        );

        // A browser that logged in is known for that account only, for as
        // long as it is kept.
        store
            .add_login_device(b"device digest", "ana@example.coop", T0)
            .await
            .unwrap();
        for (email, since, known) in [
            ("ana@example.coop", T0, true),
            ("bob@example.coop", T0, false),
            ("ana@example.coop", T0.plus_millis(1), false),
        ] {
            let found = store.is_login_device(b"device digest", email, since).await.unwrap();
            assert_eq!(found, known, "{email} since {since:?}");
        }
        store.purge_expired(T0, T0, T0.plus_millis(1)).await.unwrap();
        assert!(!store
            .is_login_device(b"device digest", "ana@example.coop", T0)
            .await
            .unwrap());
    }
}

each_backend! {
    async fn a_database_from_a_newer_coopkit_is_refused_untouched(backend: Backend) {
        let db = TestDb::new(backend).await;
        let store = &db.store;
        let known = store.schema_version().await.unwrap().unwrap();
        let future = known + 1;
        let insert = "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
                      VALUES ($1, 'from the future', TRUE, $2, 0)";
        raw_execute(&db.location, insert, future).await;
        let error = Store::open(&db.location).await.unwrap_err();
        assert!(
            matches!(error, StoreError::SchemaTooNew { found, known: k, .. } if found == future && k == known),
            "{error}"
        );
        assert!(error.to_string().contains("newer coopkit"), "{error}");
    }
}

/// Runs `sql` outside the store, binding a version and a checksum (bytes on
/// both backends).
async fn raw_execute(location: &coopkit_store::DatabaseLocation, sql: &str, version: i64) {
    use sqlx::Connection;
    match location {
        coopkit_store::DatabaseLocation::SqliteFile(path) => {
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                .await
                .unwrap();
            sqlx::query(sql)
                .bind(version)
                .bind(vec![0u8; 48])
                .execute(&mut conn)
                .await
                .unwrap();
        }
        coopkit_store::DatabaseLocation::Postgres(url) => {
            let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query(sql)
                .bind(version)
                .bind(vec![0u8; 48])
                .execute(&mut conn)
                .await
                .unwrap();
        }
    }
}
