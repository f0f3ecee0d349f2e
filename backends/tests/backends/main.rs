//! The adapters' integration tests, one binary: each port's suite run on every adapter
//! that can run here (SQLite and PostgreSQL, the embedded S3 endpoint and SeaweedFS, ...).

mod catalog;
mod identity;
mod notify;
mod opensearch;
mod opensearch_vectors;
mod people;
mod queue;
mod s3_protocol;
mod search;
mod storage;
mod vectors;
