//! Identity: local users in the catalog by default.

mod cognito;
mod local;
mod tokens;

pub use cognito::{CognitoConfig, CognitoIdentity};
pub use local::LocalIdentity;
pub use tokens::SigningKey;
