//! One module per page of the app.

pub mod asset;
pub mod asset_delete;
pub mod asset_faces;
pub mod collection;
pub mod face_import;
pub mod faces;
pub mod lanes;
pub mod login;
pub mod not_found;
pub mod overlay;
pub mod people;
pub mod processing;
pub mod reanalyse;
pub mod review;
pub mod search;
pub mod settings;
pub mod stats;
pub mod technical;
pub mod timelines;
pub mod transcript;
pub mod upload;
pub mod users;
