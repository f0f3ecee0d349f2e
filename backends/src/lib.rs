//! Adapters for the ports in `mediaport-core`: the embedded defaults that need no set-up,
//! and the at-scale engines, chosen by settings.

pub mod catalog;
pub mod db;
pub mod identity;
pub mod notify;
pub mod queue;
pub mod search;
pub mod secrets;
pub mod storage;
#[cfg(feature = "testing")]
pub mod testing;
pub mod vectors;
