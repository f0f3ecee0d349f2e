//! The HTTP layer: one axum `Router` served locally by `mediaport serve` and on AWS
//! Lambda by the `mediaport-lambda` binary.

pub mod auth;
pub mod error;
mod extract;
pub mod limits;
mod links;
pub mod metrics;
mod openapi;
mod routes;
pub mod s3_events;
pub mod schedule;
pub mod state;
mod web;

pub use error::ApiError;
pub use routes::router;
pub use state::AppState;
