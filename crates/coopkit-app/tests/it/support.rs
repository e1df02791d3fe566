//! A co-op with members, made straight in the store, for use-case tests.

use coopkit_domain::coop::NewCoop;
use coopkit_domain::{
    ClassKey, CoopId, CoopName, CoopSettings, DisplayName, Email, Locale, MemberClassSpec,
    MembershipStatus, PersonId, Slug,
};
use coopkit_store::{NewPerson, Person, Store};
use coopkit_testkit::TEST_START;

pub async fn person(store: &Store, name: &str) -> PersonId {
    store
        .create_person(
            &NewPerson {
                email: Email::parse(&format!("{name}@example.coop")).unwrap(),
                display_name: DisplayName::parse(name).unwrap(),
                password_hash: "!".into(),
                locale: Locale::En,
                verified: true,
            },
            TEST_START,
        )
        .await
        .unwrap()
        .id
}

/// Founds co-op `slug` (the founder its admin) with one open class, and
/// makes each of `members` an active member.
pub async fn coop_with(
    store: &Store,
    slug: &str,
    settings: CoopSettings,
    founder: PersonId,
    members: &[PersonId],
) -> CoopId {
    let key = ClassKey::parse("member").unwrap();
    let coop = store
        .create_coop(
            &NewCoop {
                slug: Slug::parse(slug).unwrap(),
                name: CoopName::parse(slug).unwrap(),
                description: String::new(),
                profile: String::new(),
                settings,
                classes: vec![MemberClassSpec {
                    key: key.clone(),
                    name: "M".into(),
                    description: String::new(),
                    open_to_join: true,
                    requires_approval: false,
                }],
            },
            founder,
            &key,
            None,
            TEST_START,
        )
        .await
        .unwrap();
    let class = store.member_classes(coop.id).await.unwrap()[0].id;
    for member in members {
        store
            .apply_for_membership(
                coop.id,
                *member,
                class,
                MembershipStatus::Active,
                TEST_START,
            )
            .await
            .unwrap();
    }
    coop.id
}

pub async fn load(store: &Store, id: PersonId) -> Person {
    store.person(id).await.unwrap().unwrap()
}
