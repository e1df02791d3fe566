//! Roles and the life of a membership: who may do what inside one co-op.

use serde::{Deserialize, Serialize};

use crate::{ClassKey, CoopId, Event, MemberClassId, MembershipId, PersonId, Slug, Timestamp};

/// A member's role in one co-op. Roles order by power: an admin can do
/// everything a coordinator can, and a coordinator everything a member can.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Member,
    Coordinator,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Coordinator => "coordinator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        match raw {
            "member" => Ok(Role::Member),
            "coordinator" => Ok(Role::Coordinator),
            "admin" => Ok(Role::Admin),
            _ => Err("role-unknown"),
        }
    }

    /// Coordinators admit and decline applicants.
    pub fn can_decide_applications(self) -> bool {
        self >= Role::Coordinator
    }

    /// Only admins change the bylaws' settings and others' roles.
    pub fn can_change_settings(self) -> bool {
        self == Role::Admin
    }
}

/// Where a membership stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MembershipStatus {
    /// Applied; waiting for a coordinator.
    Pending,
    /// A member in good standing.
    Active,
    /// A coordinator said no. The person may apply again.
    Declined,
    /// The member left. The person may join again.
    Left,
}

impl MembershipStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MembershipStatus::Pending => "pending",
            MembershipStatus::Active => "active",
            MembershipStatus::Declined => "declined",
            MembershipStatus::Left => "left",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        match raw {
            "pending" => Ok(MembershipStatus::Pending),
            "active" => Ok(MembershipStatus::Active),
            "declined" => Ok(MembershipStatus::Declined),
            "left" => Ok(MembershipStatus::Left),
            _ => Err("status-unknown"),
        }
    }

    /// Whether someone with this standing may apply (again). Someone
    /// pending or active already belongs, so a second application is a
    /// conflict, not a new row.
    pub fn may_apply_again(self) -> bool {
        matches!(self, MembershipStatus::Declined | MembershipStatus::Left)
    }

    /// Whether this membership grants a member's rights (seeing the
    /// member list, voting, trading).
    pub fn is_active(self) -> bool {
        self == MembershipStatus::Active
    }
}

/// What can happen to a membership.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MembershipAction {
    /// The person applies; the bylaws say whether they are in at once.
    Apply { admitted_at_once: bool },
    /// A coordinator admits a pending applicant.
    Admit,
    /// A coordinator declines a pending applicant.
    Decline,
    /// The member leaves, or the applicant withdraws.
    Leave,
}

/// Where a membership goes on `action`, from `before` (`None`: the person
/// never applied), or the code of the refusal. The last-admin rule needs
/// the co-op's other admins, so the store checks it as it writes.
pub fn step(
    before: Option<MembershipStatus>,
    action: MembershipAction,
) -> Result<MembershipStatus, &'static str> {
    use MembershipAction as A;
    use MembershipStatus as S;
    match (before, action) {
        (None | Some(S::Declined | S::Left), A::Apply { admitted_at_once }) => {
            Ok(if admitted_at_once {
                S::Active
            } else {
                S::Pending
            })
        }
        (Some(S::Pending | S::Active), A::Apply { .. }) => Err("membership-exists"),
        (Some(S::Pending), A::Admit) => Ok(S::Active),
        (Some(S::Pending), A::Decline) => Ok(S::Declined),
        (Some(S::Pending | S::Active), A::Leave) => Ok(S::Left),
        (None | Some(S::Active | S::Declined | S::Left), A::Admit | A::Decline) => {
            Err("application-not-pending")
        }
        (None | Some(S::Declined | S::Left), A::Leave) => Err("not-a-member"),
    }
}

/// The event a step records: what `action` did to this membership.
pub fn event(
    membership: MembershipId,
    person: PersonId,
    class: MemberClassId,
    action: MembershipAction,
) -> Event {
    match action {
        MembershipAction::Apply {
            admitted_at_once: true,
        }
        | MembershipAction::Admit => Event::MemberAdmitted { membership, person },
        MembershipAction::Apply {
            admitted_at_once: false,
        } => Event::ApplicationReceived {
            membership,
            person,
            class,
        },
        MembershipAction::Decline => Event::ApplicationDeclined { membership, person },
        MembershipAction::Leave => Event::MemberLeft { membership, person },
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Membership {
    pub id: MembershipId,
    pub coop_id: CoopId,
    pub person_id: PersonId,
    pub class_id: MemberClassId,
    pub role: Role,
    pub status: MembershipStatus,
    pub applied_at: Timestamp,
    pub decided_at: Option<Timestamp>,
}

/// A membership with what a member list shows beside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberListing {
    pub membership: Membership,
    pub display_name: String,
    pub class_key: ClassKey,
    pub class_name: String,
}

/// One of a person's memberships, with the co-op it is in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonalMembership {
    pub membership: Membership,
    pub coop_slug: Slug,
    pub coop_name: String,
    pub class_key: ClassKey,
    pub class_name: String,
}

/// What happened when someone tried to leave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeaveOutcome {
    Left,
    NotAMember,
    /// The co-op would be left without an admin.
    LastAdmin,
}

/// What happened when an admin changed someone's role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoleChange {
    Changed(Membership),
    /// No active membership with that id in this co-op.
    NotFound,
    /// The change would leave the co-op without an active admin.
    LastAdmin,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn action() -> impl Strategy<Value = MembershipAction> {
        prop_oneof![
            any::<bool>().prop_map(|admitted_at_once| MembershipAction::Apply { admitted_at_once }),
            Just(MembershipAction::Admit),
            Just(MembershipAction::Decline),
            Just(MembershipAction::Leave),
        ]
    }

    proptest! {
        /// Whatever is tried in whatever order: only a pending application
        /// is decided, only someone outside applies, and a decision is
        /// taken once per application.
        #[test]
        fn memberships_move_only_by_their_rules(actions in proptest::collection::vec(action(), 0..40)) {
            let mut status = None;
            let mut decisions_this_application = 0;
            for action in actions {
                match step(status, action) {
                    Ok(next) => {
                        match action {
                            MembershipAction::Apply { .. } => {
                                prop_assert!(status.is_none_or(MembershipStatus::may_apply_again));
                                decisions_this_application = 0;
                            }
                            MembershipAction::Admit | MembershipAction::Decline => {
                                prop_assert_eq!(status, Some(MembershipStatus::Pending));
                                decisions_this_application += 1;
                                prop_assert_eq!(decisions_this_application, 1);
                            }
                            MembershipAction::Leave => {
                                prop_assert!(matches!(status, Some(MembershipStatus::Pending | MembershipStatus::Active)));
                                prop_assert_eq!(next, MembershipStatus::Left);
                            }
                        }
                        status = Some(next);
                    }
                    Err(_) => {
                        // A refused step changes nothing; only these refuse.
                        let refusable = match action {
                            MembershipAction::Apply { .. } => status.is_some_and(|s| !s.may_apply_again()),
                            MembershipAction::Admit | MembershipAction::Decline => status != Some(MembershipStatus::Pending),
                            MembershipAction::Leave => !matches!(status, Some(MembershipStatus::Pending | MembershipStatus::Active)),
                        };
                        prop_assert!(refusable, "{action:?} refused from {status:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn each_step_has_its_event() {
        let (m, p, c) = (MembershipId(1), PersonId(2), MemberClassId(3));
        assert_eq!(
            event(
                m,
                p,
                c,
                MembershipAction::Apply {
                    admitted_at_once: false
                }
            )
            .kind(),
            "membership.applied"
        );
        assert_eq!(
            event(
                m,
                p,
                c,
                MembershipAction::Apply {
                    admitted_at_once: true
                }
            )
            .kind(),
            "membership.admitted"
        );
        assert_eq!(
            event(m, p, c, MembershipAction::Admit).kind(),
            "membership.admitted"
        );
        assert_eq!(
            event(m, p, c, MembershipAction::Decline).kind(),
            "membership.declined"
        );
        assert_eq!(
            event(m, p, c, MembershipAction::Leave).kind(),
            "membership.left"
        );
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
        for status in [
            MembershipStatus::Pending,
            MembershipStatus::Active,
            MembershipStatus::Declined,
            MembershipStatus::Left,
        ] {
            assert_eq!(MembershipStatus::parse(status.as_str()), Ok(status));
        }
        assert_eq!(Role::parse("owner"), Err("role-unknown"));
    }

    #[test]
    fn only_declined_or_departed_people_apply_again() {
        assert!(!MembershipStatus::Pending.may_apply_again());
        assert!(!MembershipStatus::Active.may_apply_again());
        assert!(MembershipStatus::Declined.may_apply_again());
        assert!(MembershipStatus::Left.may_apply_again());
    }
}
