//! Typed identifiers. Each is a string on the wire and in the catalog, but an upload's id
//! cannot be handed to a function that wants an asset's, nor a job's to one that wants a
//! person's: the compiler keeps them apart.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

id_type!(
    /// An asset: one media file in the archive (a UUID v7).
    AssetId
);
id_type!(
    /// A browser or CLI upload of an asset's original, until it is complete.
    UploadId
);
id_type!(
    /// One job of an asset's workflow.
    JobId
);
id_type!(
    /// A person: faces grouped across the archive.
    PersonId
);
id_type!(
    /// A moment of an asset shared through a secret link.
    ShareId
);
id_type!(
    /// A reviewer's note on an asset, or a reply to one.
    NoteId
);
id_type!(
    /// A reviewer's correction to an asset's results, one row of its audit trail.
    CorrectionId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_a_plain_string_on_the_wire() {
        let id = AssetId::from("0190a1b2-0000-7000-8000-000000000001");
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"0190a1b2-0000-7000-8000-000000000001\"");
        let back: AssetId = serde_json::from_str(&json).unwrap();
        assert_eq!(back, id);
        assert_eq!(back.to_string(), "0190a1b2-0000-7000-8000-000000000001");
    }
}
