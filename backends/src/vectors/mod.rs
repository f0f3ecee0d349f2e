//! Adapters of the vector index: vectors kept in the catalog's database and searched
//! exactly in memory (embedded default, and PostgreSQL at scale).

mod memory;
mod sql;

pub use sql::SqlVectors;
