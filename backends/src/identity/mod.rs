//! Identity: local users in the catalog by default.

mod local;
mod tokens;

pub use local::LocalIdentity;
pub use tokens::SigningKey;
