//! Search index adapters: tantivy on local disk (the embedded default).

pub mod tantivy;

pub use self::tantivy::TantivyIndex;
