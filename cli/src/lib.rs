//! The `mediaport` command line: settings flags and the long-running server, as a
//! library so that integration and browser tests start exactly what users run.

pub mod allocator;
mod background;
mod client;
pub mod encoder;
pub mod faces;
pub mod flags;
pub mod ingest;
pub mod server;
pub mod users;
pub mod worker;
