//! Roles and the life of a membership: who may do what inside one co-op.

use serde::{Deserialize, Serialize};

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

#[cfg(test)]
mod tests {
    use super::*;

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
