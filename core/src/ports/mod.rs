//! Ports: the outside world as Mediaport sees it. Each has an embedded adapter and an
//! at-scale adapter in `mediaport-backends`, and one conformance suite both pass.

pub mod catalog;
pub mod corrections;
pub mod faces;
pub mod identity;
pub mod notes;
pub mod notifier;
pub mod people;
pub mod queue;
pub mod search;
pub mod shares;
pub mod storage;
pub mod vectors;
