//! The vector index on OpenSearch k-NN (Amazon OpenSearch Service at scale), one index
//! per space, reached like the search index (SigV4, basic authentication or none).
//! What is sent and read is in `opensearch_body`.

use std::collections::HashMap;
use std::sync::Mutex;

use ::opensearch::http::StatusCode;
use ::opensearch::http::response::Response;
use ::opensearch::indices::{IndicesCreateParts, IndicesDeleteParts, IndicesGetMappingParts};
use ::opensearch::params::Refresh;
use ::opensearch::{CountParts, DeleteByQueryParts, DeleteParts, IndexParts, OpenSearch, SearchParts};
use async_trait::async_trait;
use mediaport_core::{Neighbour, VectorError, VectorIndex, batch_length};
use serde_json::Value;

use super::opensearch_body::{
    document, index_definition, index_name, nearest_body, prefix_query, read_dimensions, read_neighbours,
};
use crate::search::OpenSearchConfig;
use crate::search::opensearch::{Failure, answer, bulk, client};
use crate::search::opensearch_body::bulk_lines;

pub struct OpenSearchVectors {
    client: OpenSearch,
    /// Index names start with it: `<prefix>.<space>`.
    prefix: String,
    /// Each space's vector length, as its index mapping says (read once per process).
    dimensions: Mutex<HashMap<String, usize>>,
}

fn unavailable(err: impl std::fmt::Display) -> VectorError {
    VectorError::Unavailable(err.to_string())
}

/// The body of an answer about something that may not exist: None for a 404 (a space
/// never made or dropped, a vector already gone).
async fn found(response: Response) -> Result<Option<Value>, VectorError> {
    if response.status_code() == StatusCode::NOT_FOUND {
        return Ok(None);
    }
    checked(response).await.map(Some)
}

fn failed(failure: Failure) -> VectorError {
    match failure {
        Failure::Unavailable(reason) => VectorError::Unavailable(reason),
        Failure::Refused(reason) => VectorError::Other(reason),
    }
}

async fn checked(response: Response) -> Result<Value, VectorError> {
    answer(response).await.map_err(failed)
}

impl OpenSearchVectors {
    /// Reaches the domain in `config`; indexes are named `<config.index>.<space>`.
    pub async fn connect(config: &OpenSearchConfig) -> Result<Self, VectorError> {
        let client = client(config).await.map_err(|e| unavailable(e.to_string()))?;
        Ok(Self { client, prefix: config.index.clone(), dimensions: Mutex::new(HashMap::new()) })
    }

    fn index(&self, space: &str) -> String {
        index_name(&self.prefix, space)
    }

    /// The space's vector length, or None when it has no index. Searches take it from
    /// this process's memory; writes read it afresh (`fresh`), since another process may
    /// have dropped the space, and a write to a missing index would make one without the
    /// k-NN mapping.
    async fn dimensions(&self, space: &str, fresh: bool) -> Result<Option<usize>, VectorError> {
        if !fresh && let Some(known) = self.dimensions.lock().expect("not poisoned").get(space) {
            return Ok(Some(*known));
        }
        let index = self.index(space);
        let response = self
            .client
            .indices()
            .get_mapping(IndicesGetMappingParts::Index(&[&index]))
            .send()
            .await
            .map_err(unavailable)?;
        if response.status_code() == StatusCode::NOT_FOUND {
            self.dimensions.lock().expect("not poisoned").remove(space);
            return Ok(None);
        }
        let found = read_dimensions(&checked(response).await?, &index);
        if let Some(d) = found {
            self.dimensions.lock().expect("not poisoned").insert(space.to_owned(), d);
        }
        Ok(found)
    }

    async fn create(&self, space: &str, dimensions: usize) -> Result<(), VectorError> {
        let response = self
            .client
            .indices()
            .create(IndicesCreateParts::Index(&self.index(space)))
            .body(index_definition(dimensions))
            .send()
            .await
            .map_err(unavailable)?;
        // Another process may have made it first: its length is read back below.
        match checked(response).await {
            Err(VectorError::Other(reason)) if reason.contains("resource_already_exists_exception") => Ok(()),
            other => other.map(drop),
        }
    }

    /// Makes the space's index if it has none, and checks that it holds vectors of `length`.
    async fn ready(&self, space: &str, length: usize) -> Result<(), VectorError> {
        let expected = match self.dimensions(space, true).await? {
            Some(d) => d,
            None => {
                self.create(space, length).await?;
                self.dimensions(space, true).await?.unwrap_or(length)
            }
        };
        if expected != length {
            return Err(VectorError::WrongDimensions { expected, got: length });
        }
        Ok(())
    }
}

#[async_trait]
impl VectorIndex for OpenSearchVectors {
    async fn upsert(&self, space: &str, id: &str, vector: &[f32]) -> Result<(), VectorError> {
        self.ready(space, vector.len()).await?;
        let response = self
            .client
            .index(IndexParts::IndexId(&self.index(space), id))
            // Found by the next search, as in the embedded index.
            .refresh(Refresh::WaitFor)
            .body(document(id, vector))
            .send()
            .await
            .map_err(unavailable)?;
        checked(response).await.map(drop)
    }

    async fn upsert_many(&self, space: &str, items: &[(String, Vec<f32>)]) -> Result<(), VectorError> {
        let Some(length) = batch_length(items)? else { return Ok(()) };
        self.ready(space, length).await?;
        let lines = bulk_lines(items.iter().map(|(id, vector)| (id.clone(), document(id, vector))));
        bulk(&self.client, &self.index(space), lines).await.map_err(failed)
    }

    async fn remove(&self, space: &str, id: &str) -> Result<(), VectorError> {
        let response = self
            .client
            .delete(DeleteParts::IndexId(&self.index(space), id))
            .refresh(Refresh::WaitFor)
            .send()
            .await
            .map_err(unavailable)?;
        found(response).await.map(drop)
    }

    async fn remove_prefix(&self, space: &str, prefix: &str) -> Result<u64, VectorError> {
        let index = self.index(space);
        let response = self
            .client
            .delete_by_query(DeleteByQueryParts::Index(&[&index]))
            .refresh(true)
            .body(prefix_query(prefix))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(found(response).await?.and_then(|body| body["deleted"].as_u64()).unwrap_or(0))
    }

    async fn drop_space(&self, space: &str) -> Result<(), VectorError> {
        self.dimensions.lock().expect("not poisoned").remove(space);
        let response = self
            .client
            .indices()
            .delete(IndicesDeleteParts::Index(&[&self.index(space)]))
            .send()
            .await
            .map_err(unavailable)?;
        found(response).await.map(drop)
    }

    async fn nearest(
        &self,
        space: &str,
        vector: &[f32],
        k: usize,
        within: Option<f32>,
    ) -> Result<Vec<Neighbour>, VectorError> {
        match self.dimensions(space, false).await? {
            None => return Ok(Vec::new()),
            Some(expected) if expected != vector.len() => {
                return Err(VectorError::WrongDimensions { expected, got: vector.len() });
            }
            Some(_) => {}
        }
        let response = self
            .client
            .search(SearchParts::Index(&[&self.index(space)]))
            .body(nearest_body(vector, k))
            .send()
            .await
            .map_err(unavailable)?;
        if response.status_code() == StatusCode::NOT_FOUND {
            // Dropped by another process since this one looked.
            self.dimensions.lock().expect("not poisoned").remove(space);
            return Ok(Vec::new());
        }
        let mut found = read_neighbours(&checked(response).await?, within)?;
        found.truncate(k);
        Ok(found)
    }

    async fn count(&self, space: &str) -> Result<u64, VectorError> {
        let response = self.client.count(CountParts::Index(&[&self.index(space)])).send().await.map_err(unavailable)?;
        Ok(found(response).await?.and_then(|body| body["count"].as_u64()).unwrap_or(0))
    }
}
