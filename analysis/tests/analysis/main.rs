//! The analysis crate's integration tests, one binary: a worker over real adapters
//! (embedded S3, SQLite, tantivy), real tools and real models, on real media.

mod analyse;
mod bad_media;
mod common;
mod cues;
mod faces;
mod fixity;
mod ingest;
mod language;
mod people;
mod scenes;
mod semantic;
mod speech;
mod vision;
