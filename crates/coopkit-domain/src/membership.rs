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

    /// Coordinators and admins read the journal whole: every member's name
    /// and memo, which a member's download keeps sealed.
    pub fn reads_whole_journal(self) -> bool {
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
    /// A coordinator suspended the member: they cannot vote, book or pay
    /// until the suspension is lifted, and their balance stays as it is.
    Suspended,
    /// An admin expelled the member. The person may apply again, and a
    /// coordinator decides whatever the bylaws say about joining.
    Expelled,
}

impl MembershipStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MembershipStatus::Pending => "pending",
            MembershipStatus::Active => "active",
            MembershipStatus::Declined => "declined",
            MembershipStatus::Left => "left",
            MembershipStatus::Suspended => "suspended",
            MembershipStatus::Expelled => "expelled",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        match raw {
            "pending" => Ok(MembershipStatus::Pending),
            "active" => Ok(MembershipStatus::Active),
            "declined" => Ok(MembershipStatus::Declined),
            "left" => Ok(MembershipStatus::Left),
            "suspended" => Ok(MembershipStatus::Suspended),
            "expelled" => Ok(MembershipStatus::Expelled),
            _ => Err("status-unknown"),
        }
    }

    /// Every standing, in the order a list of them reads.
    pub const ALL: [MembershipStatus; 6] = [
        MembershipStatus::Pending,
        MembershipStatus::Active,
        MembershipStatus::Suspended,
        MembershipStatus::Declined,
        MembershipStatus::Left,
        MembershipStatus::Expelled,
    ];

    /// Whether someone with this standing may apply (again). Someone
    /// pending, active or suspended already belongs, so a second
    /// application is a conflict, not a new row.
    pub fn may_apply_again(self) -> bool {
        matches!(
            self,
            MembershipStatus::Declined | MembershipStatus::Left | MembershipStatus::Expelled
        )
    }

    /// Whether the person still belongs (and may leave): an applicant, a
    /// member, or a suspended member.
    pub fn belongs(self) -> bool {
        matches!(
            self,
            MembershipStatus::Pending | MembershipStatus::Active | MembershipStatus::Suspended
        )
    }

    /// Whether this membership grants a member's rights (seeing the
    /// member list, voting, trading).
    pub fn is_active(self) -> bool {
        self == MembershipStatus::Active
    }
}

/// What can happen to a membership.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MembershipAction {
    /// The person applies; the bylaws say whether they are in at once.
    Apply { admitted_at_once: bool },
    /// A coordinator admits a pending applicant.
    Admit,
    /// A coordinator declines a pending applicant.
    Decline,
    /// The member leaves (also while suspended), or the applicant
    /// withdraws.
    Leave,
    /// A coordinator suspends an active member, saying why.
    Suspend { reason: Reason },
    /// A coordinator lifts a suspension.
    Reinstate,
    /// An admin expels an active or suspended member, saying why.
    Expel { reason: Reason },
}

/// Why a member was suspended or expelled, as the member is told it:
/// never empty, at most [`Reason::MAX_CHARS`] characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Reason(String);

impl Reason {
    pub const MAX_CHARS: usize = 2000;

    pub fn parse(raw: &str) -> Result<Reason, &'static str> {
        let reason = raw.trim();
        if reason.is_empty() {
            Err("reason-missing")
        } else if reason.chars().count() > Self::MAX_CHARS {
            Err("reason-too-long")
        } else {
            Ok(Reason(reason.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether a member with role `actor` may suspend, reinstate or expel a
/// member with role `target`, or the code of the refusal: coordinators
/// suspend and reinstate those below them, only admins expel, and nobody
/// sanctions an admin (an admin is first given another role, which the
/// last-admin rule guards). Applying, deciding and leaving are not
/// sanctions and are always allowed here; their own checks apply.
pub fn may_sanction(
    actor: Role,
    target: Role,
    action: &MembershipAction,
) -> Result<(), &'static str> {
    let needed = match action {
        MembershipAction::Suspend { .. } | MembershipAction::Reinstate => Role::Coordinator,
        MembershipAction::Expel { .. } => Role::Admin,
        _ => return Ok(()),
    };
    if actor < needed {
        Err("role-too-low")
    } else if target >= actor {
        Err("sanction-outranked")
    } else {
        Ok(())
    }
}

/// The sanctions a page offers `actor` on `target`: those the rules allow
/// now, by both their roles and `target`'s standing. Nobody sanctions
/// themselves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpenSanctions {
    pub suspend: bool,
    pub reinstate: bool,
    pub expel: bool,
}

pub fn open_sanctions(actor: &Membership, target: &Membership) -> OpenSanctions {
    if actor.id == target.id || !actor.status.is_active() {
        return OpenSanctions::default();
    }
    let open = |action: MembershipAction| {
        may_sanction(actor.role, target.role, &action).is_ok()
            && step(Some(target.status), &action).is_ok()
    };
    // The reason does not change what is allowed.
    let unsaid = || Reason(String::new());
    OpenSanctions {
        suspend: open(MembershipAction::Suspend { reason: unsaid() }),
        reinstate: open(MembershipAction::Reinstate),
        expel: open(MembershipAction::Expel { reason: unsaid() }),
    }
}

/// Where a membership goes on `action`, from `before` (`None`: the person
/// never applied), or the code of the refusal. The last-admin rule needs
/// the co-op's other admins, so the store checks it as it writes.
pub fn step(
    before: Option<MembershipStatus>,
    action: &MembershipAction,
) -> Result<MembershipStatus, &'static str> {
    use MembershipAction as A;
    use MembershipStatus as S;
    match (before, action) {
        // Someone expelled comes back only by a coordinator's decision.
        (Some(S::Expelled), A::Apply { .. }) => Ok(S::Pending),
        (None | Some(S::Declined | S::Left), &A::Apply { admitted_at_once }) => {
            Ok(if admitted_at_once {
                S::Active
            } else {
                S::Pending
            })
        }
        (Some(S::Pending | S::Active | S::Suspended), A::Apply { .. }) => Err("membership-exists"),
        (Some(S::Pending), A::Admit) => Ok(S::Active),
        (Some(S::Pending), A::Decline) => Ok(S::Declined),
        (_, A::Admit | A::Decline) => Err("application-not-pending"),
        (Some(S::Pending | S::Active | S::Suspended), A::Leave) => Ok(S::Left),
        (Some(S::Active), A::Suspend { .. }) => Ok(S::Suspended),
        (Some(S::Suspended), A::Reinstate) => Ok(S::Active),
        (_, A::Reinstate) => Err("member-not-suspended"),
        (Some(S::Active | S::Suspended), A::Expel { .. }) => Ok(S::Expelled),
        (_, A::Suspend { .. } | A::Expel { .. }) => Err("member-not-active"),
        (_, A::Leave) => Err("not-a-member"),
    }
}

/// The event a step records: what `action` did to this membership.
pub fn event(
    membership: MembershipId,
    person: PersonId,
    class: MemberClassId,
    action: &MembershipAction,
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
        // The reason stays on the membership, not in the log: an event
        // holds no words about a person (see `event`).
        MembershipAction::Suspend { .. } => Event::MemberSuspended { membership, person },
        MembershipAction::Reinstate => Event::MemberReinstated { membership, person },
        MembershipAction::Expel { .. } => Event::MemberExpelled { membership, person },
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
    /// Why the member is suspended or was expelled; empty otherwise.
    pub reason: String,
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

/// What happened when a coordinator or admin suspended, reinstated or
/// expelled a member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sanctioned {
    Done(Membership),
    /// No membership with that id in this co-op.
    NotFound,
    /// The rules refused it (the code says why): see [`step`] and
    /// [`may_sanction`].
    Refused(&'static str),
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
mod tests;
