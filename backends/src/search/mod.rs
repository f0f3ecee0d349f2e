//! Search index adapters: tantivy on local disk (the embedded default) and OpenSearch
//! (Amazon OpenSearch Service at scale).

mod facet_counts;
pub mod opensearch;
pub mod opensearch_body;
pub mod tantivy;

pub use self::opensearch::{OpenSearchConfig, OpenSearchIndex};
pub use self::tantivy::TantivyIndex;
