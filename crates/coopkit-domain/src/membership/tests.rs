use super::*;
use proptest::prelude::*;

fn reason() -> Reason {
    Reason::parse("Did not pay dues for a year").unwrap()
}

fn action() -> impl Strategy<Value = MembershipAction> {
    prop_oneof![
        any::<bool>().prop_map(|admitted_at_once| MembershipAction::Apply { admitted_at_once }),
        Just(MembershipAction::Admit),
        Just(MembershipAction::Decline),
        Just(MembershipAction::Leave),
        Just(MembershipAction::Suspend { reason: reason() }),
        Just(MembershipAction::Reinstate),
        Just(MembershipAction::Expel { reason: reason() }),
    ]
}

fn role() -> impl Strategy<Value = Role> {
    prop_oneof![
        Just(Role::Member),
        Just(Role::Coordinator),
        Just(Role::Admin)
    ]
}

proptest! {
    /// Whatever is tried in whatever order: only a pending application
    /// is decided, only someone outside applies, only an active member is
    /// suspended and only a suspended one reinstated, and someone expelled
    /// comes back only through a coordinator.
    #[test]
    fn memberships_move_only_by_their_rules(actions in proptest::collection::vec(action(), 0..40)) {
        use MembershipStatus as S;
        let mut status = None;
        let mut decisions_this_application = 0;
        for action in actions {
            match step(status, &action) {
                Ok(next) => {
                    match action {
                        MembershipAction::Apply { admitted_at_once } => {
                            prop_assert!(status.is_none_or(MembershipStatus::may_apply_again));
                            if status == Some(S::Expelled) || !admitted_at_once {
                                prop_assert_eq!(next, S::Pending);
                            }
                            decisions_this_application = 0;
                        }
                        MembershipAction::Admit | MembershipAction::Decline => {
                            prop_assert_eq!(status, Some(S::Pending));
                            decisions_this_application += 1;
                            prop_assert_eq!(decisions_this_application, 1);
                        }
                        MembershipAction::Leave => {
                            prop_assert!(status.is_some_and(MembershipStatus::belongs));
                            prop_assert_eq!(next, S::Left);
                        }
                        MembershipAction::Suspend { .. } => {
                            prop_assert_eq!((status, next), (Some(S::Active), S::Suspended));
                        }
                        MembershipAction::Reinstate => {
                            prop_assert_eq!((status, next), (Some(S::Suspended), S::Active));
                        }
                        MembershipAction::Expel { .. } => {
                            prop_assert!(matches!(status, Some(S::Active | S::Suspended)));
                            prop_assert_eq!(next, S::Expelled);
                        }
                    }
                    status = Some(next);
                }
                Err(_) => {
                    // A refused step changes nothing; only these refuse.
                    let refusable = match action {
                        MembershipAction::Apply { .. } => status.is_some_and(|s| !s.may_apply_again()),
                        MembershipAction::Admit | MembershipAction::Decline => status != Some(S::Pending),
                        MembershipAction::Leave => !status.is_some_and(MembershipStatus::belongs),
                        MembershipAction::Suspend { .. } => status != Some(S::Active),
                        MembershipAction::Reinstate => status != Some(S::Suspended),
                        MembershipAction::Expel { .. } => !matches!(status, Some(S::Active | S::Suspended)),
                    };
                    prop_assert!(refusable, "{action:?} refused from {status:?}");
                }
            }
        }
    }

    /// Nobody sanctions their equal or better, members sanction nobody,
    /// and only admins expel.
    #[test]
    fn sanctions_go_only_downwards(actor in role(), target in role(), action in action()) {
        let allowed = may_sanction(actor, target, &action).is_ok();
        match action {
            MembershipAction::Suspend { .. } | MembershipAction::Reinstate => {
                prop_assert_eq!(allowed, actor >= Role::Coordinator && target < actor);
            }
            MembershipAction::Expel { .. } => {
                prop_assert_eq!(allowed, actor == Role::Admin && target < Role::Admin);
            }
            _ => prop_assert!(allowed),
        }
    }
}

#[test]
fn each_step_has_its_event() {
    let (m, p, c) = (MembershipId(1), PersonId(2), MemberClassId(3));
    let kinds = [
        (
            MembershipAction::Apply {
                admitted_at_once: false,
            },
            "membership.applied",
        ),
        (
            MembershipAction::Apply {
                admitted_at_once: true,
            },
            "membership.admitted",
        ),
        (MembershipAction::Admit, "membership.admitted"),
        (MembershipAction::Decline, "membership.declined"),
        (MembershipAction::Leave, "membership.left"),
        (
            MembershipAction::Suspend { reason: reason() },
            "membership.suspended",
        ),
        (MembershipAction::Reinstate, "membership.reinstated"),
        (
            MembershipAction::Expel { reason: reason() },
            "membership.expelled",
        ),
    ];
    for (action, kind) in kinds {
        assert_eq!(event(m, p, c, &action).kind(), kind, "{action:?}");
    }
}

#[test]
fn a_reason_is_said_and_not_too_long() {
    assert_eq!(Reason::parse("  \n "), Err("reason-missing"));
    assert_eq!(
        Reason::parse(&"x".repeat(Reason::MAX_CHARS + 1)),
        Err("reason-too-long")
    );
    assert_eq!(Reason::parse(" Late ").unwrap().as_str(), "Late");
}

#[test]
fn roles_nest() {
    assert!(!Role::Member.can_decide_applications());
    assert!(Role::Coordinator.can_decide_applications());
    assert!(Role::Admin.can_decide_applications());
    assert!(!Role::Coordinator.can_change_settings());
    assert!(Role::Admin.can_change_settings());
}

#[test]
fn names_round_trip() {
    for role in [Role::Member, Role::Coordinator, Role::Admin] {
        assert_eq!(Role::parse(role.as_str()), Ok(role));
    }
    for status in MembershipStatus::ALL {
        assert_eq!(MembershipStatus::parse(status.as_str()), Ok(status));
    }
    assert_eq!(Role::parse("owner"), Err("role-unknown"));
}

#[test]
fn only_declined_departed_or_expelled_people_apply_again() {
    for status in MembershipStatus::ALL {
        assert_eq!(
            status.may_apply_again(),
            !status.belongs(),
            "{status:?}: one either belongs or may apply"
        );
    }
    assert!(MembershipStatus::Expelled.may_apply_again());
    assert!(!MembershipStatus::Suspended.may_apply_again());
}

#[test]
fn a_page_offers_what_the_rules_allow() {
    let member = |id, role, status| Membership {
        id: MembershipId(id),
        coop_id: crate::CoopId(1),
        person_id: PersonId(id),
        class_id: MemberClassId(1),
        role,
        status,
        applied_at: crate::Timestamp(0),
        decided_at: None,
        reason: String::new(),
    };
    let admin = member(1, Role::Admin, MembershipStatus::Active);
    let coordinator = member(2, Role::Coordinator, MembershipStatus::Active);
    let active = member(3, Role::Member, MembershipStatus::Active);
    let suspended = member(4, Role::Member, MembershipStatus::Suspended);
    let open = |suspend, reinstate, expel| OpenSanctions {
        suspend,
        reinstate,
        expel,
    };
    assert_eq!(
        open_sanctions(&coordinator, &active),
        open(true, false, false)
    );
    assert_eq!(
        open_sanctions(&coordinator, &suspended),
        open(false, true, false)
    );
    assert_eq!(open_sanctions(&admin, &suspended), open(false, true, true));
    assert_eq!(
        open_sanctions(&admin, &coordinator),
        open(true, false, true)
    );
    assert_eq!(
        open_sanctions(&coordinator, &admin),
        OpenSanctions::default()
    );
    assert_eq!(open_sanctions(&admin, &admin), OpenSanctions::default());
    let suspended_admin = member(5, Role::Admin, MembershipStatus::Suspended);
    assert_eq!(
        open_sanctions(&suspended_admin, &active),
        OpenSanctions::default(),
        "a suspended member sanctions nobody"
    );
}
