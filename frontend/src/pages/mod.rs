//! One module per page of the app.

pub mod asset;
pub mod collection;
pub mod faces;
pub mod login;
pub mod not_found;
pub mod people;
pub mod processing;
pub mod search;
pub mod settings;
pub mod shared;
pub mod shares;
pub mod stats;
pub mod upload;
pub mod users;
