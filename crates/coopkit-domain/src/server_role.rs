//! Roles on the whole server, beside the co-ops' own: operators run it
//! (found co-ops whatever the founding setting, appoint moderators), and
//! directory moderators decide the open-data directory's doubtful pairs,
//! suggested edits and imports.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServerRole {
    Operator,
    Moderator,
}

impl ServerRole {
    pub const ALL: [ServerRole; 2] = [ServerRole::Operator, ServerRole::Moderator];

    pub fn as_str(self) -> &'static str {
        match self {
            ServerRole::Operator => "operator",
            ServerRole::Moderator => "moderator",
        }
    }

    pub fn parse(raw: &str) -> Result<ServerRole, &'static str> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == raw.trim())
            .ok_or("server-role-unknown")
    }
}

/// Someone holding a server role, as the page that lists them shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleHolder {
    pub person: crate::PersonId,
    pub display_name: String,
    pub email: crate::Email,
    pub role: ServerRole,
    pub granted_at: crate::Timestamp,
    /// `None`: granted at the command line.
    pub granted_by: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for role in ServerRole::ALL {
            assert_eq!(ServerRole::parse(role.as_str()), Ok(role));
            assert_eq!(serde_json::to_value(role).unwrap(), role.as_str());
        }
        assert_eq!(ServerRole::parse("root"), Err("server-role-unknown"));
    }
}
