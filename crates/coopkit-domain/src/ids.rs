//! Typed row ids, so a person's id can never be passed where a co-op's is
//! expected.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A person: someone with a login, who may belong to several co-ops.
    PersonId
);
id_type!(
    /// A co-operative hosted on this server.
    CoopId
);
id_type!(
    /// A member class of one co-op (workers, consumers, investors…).
    MemberClassId
);
id_type!(
    /// One person's membership of one co-op.
    MembershipId
);
id_type!(
    /// A bearer token for the JSON API.
    ApiTokenId
);
