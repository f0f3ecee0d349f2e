//! Adapters of the vector index: vectors kept in the catalog's database and searched
//! exactly in memory (embedded default, and PostgreSQL), or OpenSearch k-NN indexes
//! (HNSW) for archives whose spaces outgrow a process's memory.

mod memory;
mod opensearch;
pub mod opensearch_body;
mod sql;

pub use opensearch::OpenSearchVectors;
pub use sql::SqlVectors;
