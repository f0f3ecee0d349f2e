//! The search index on Amazon OpenSearch Service (or any OpenSearch), through the
//! `opensearch` crate: requests signed with SigV4 when a region is set, basic
//! authentication or none otherwise. What is sent and read is in `opensearch_body`.

use ::opensearch::auth::Credentials;
use ::opensearch::http::StatusCode;
use ::opensearch::http::request::JsonBody;
use ::opensearch::http::response::Response;
use ::opensearch::http::transport::{SingleNodeConnectionPool, TransportBuilder};
use ::opensearch::indices::{IndicesCreateParts, IndicesExistsParts, IndicesPutMappingParts};
use ::opensearch::params::Refresh;
use ::opensearch::{BulkParts, DeleteByQueryParts, DeleteParts, IndexParts, OpenSearch, SearchParts};
use async_trait::async_trait;
use mediaport_core::{AssetDocument, SearchError, SearchIndex, SearchPage, SearchRequest};
use serde_json::{Value, json};

use super::opensearch_body::{bulk_failure, bulk_lines, document_body, index_definition, read_page, search_body};

/// Where the index is and how to reach it: `[search.opensearch]` in the settings.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OpenSearchConfig {
    /// The domain's endpoint, e.g. `https://search-media-abc.eu-west-1.es.amazonaws.com`.
    pub url: String,
    pub index: String,
    /// Signs requests with SigV4 (AWS's default credential chain) for this region.
    pub region: Option<String>,
    /// Basic authentication, for a self-run OpenSearch.
    pub username: Option<String>,
    pub password: Option<String>,
}

impl Default for OpenSearchConfig {
    fn default() -> Self {
        Self { url: String::new(), index: "mediaport-assets".into(), region: None, username: None, password: None }
    }
}

#[derive(Clone)]
pub struct OpenSearchIndex {
    client: OpenSearch,
    index: String,
}

fn unavailable(err: impl std::fmt::Display) -> SearchError {
    SearchError::Unavailable(err.to_string())
}

impl OpenSearchIndex {
    /// Connects and creates the index with its mapping if it does not exist yet.
    pub async fn connect(config: &OpenSearchConfig) -> Result<Self, SearchError> {
        let this = Self { client: client(config).await?, index: config.index.clone() };
        this.ensure_index().await?;
        Ok(this)
    }

    async fn ensure_index(&self) -> Result<(), SearchError> {
        let exists = self
            .client
            .indices()
            .exists(IndicesExistsParts::Index(&[&self.index]))
            .send()
            .await
            .map_err(unavailable)?;
        if exists.status_code() == StatusCode::OK {
            // Fields added since the index was made (a new facet) are added to it: the
            // mapping is strict, so a document carrying them would be refused.
            let added = self
                .client
                .indices()
                .put_mapping(IndicesPutMappingParts::Index(&[&self.index]))
                .body(index_definition()["mappings"].clone())
                .send()
                .await
                .map_err(unavailable)?;
            return checked(added).await.map(|_| ());
        }
        let created = self
            .client
            .indices()
            .create(IndicesCreateParts::Index(&self.index))
            .body(index_definition())
            .send()
            .await
            .map_err(unavailable)?;
        // Another process may have created it between the two calls.
        match checked(created).await {
            Err(SearchError::Other(reason)) if reason.contains("resource_already_exists_exception") => Ok(()),
            other => other.map(|_| ()),
        }
    }
}

/// A client for the domain in `config`: SigV4 when a region is set, else basic
/// authentication when a user is, else none.
pub(crate) async fn client(config: &OpenSearchConfig) -> Result<OpenSearch, SearchError> {
    let url = ::opensearch::http::Url::parse(&config.url).map_err(|e| unavailable(format!("{}: {e}", config.url)))?;
    let mut transport = TransportBuilder::new(SingleNodeConnectionPool::new(url));
    if let Some(region) = &config.region {
        let aws = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(region.clone()))
            .load()
            .await;
        transport = transport.auth(Credentials::try_from(&aws).map_err(unavailable)?).service_name("es");
    } else if let (Some(user), Some(password)) = (&config.username, &config.password) {
        transport = transport.auth(Credentials::Basic(user.clone(), password.clone()));
    }
    Ok(OpenSearch::new(transport.build().map_err(unavailable)?))
}

/// Writes `lines` (from `bulk_lines`) in one `_bulk` request to `index`, searchable when
/// it returns. Shared by the search and vector adapters.
/// The most document bytes one `_bulk` request carries: Amazon OpenSearch Service refuses
/// bodies over 10 MiB on its smaller instances.
const BULK_BYTES: usize = 5 << 20;

pub(crate) async fn bulk(client: &OpenSearch, index: &str, lines: Vec<Value>) -> Result<(), Failure> {
    let body: Vec<JsonBody<Value>> = lines.into_iter().map(JsonBody::from).collect();
    let response = client
        .bulk(BulkParts::Index(index))
        .refresh(Refresh::WaitFor)
        .body(body)
        .send()
        .await
        .map_err(|e| Failure::Unavailable(e.to_string()))?;
    match bulk_failure(&answer(response).await?) {
        None => Ok(()),
        // Too many requests, or a node failing: worth trying again.
        Some((status, reason)) if status == 429 || status >= 500 => Err(Failure::Unavailable(reason)),
        Some((_, reason)) => Err(Failure::Refused(reason)),
    }
}

/// Why an OpenSearch call failed: unreachable or failing (worth trying again), or refused.
pub(crate) enum Failure {
    Unavailable(String),
    Refused(String),
}

/// The response's JSON body, or why not with OpenSearch's own reason. Shared by the
/// search and vector adapters, which turn it into their own errors.
pub(crate) async fn answer(response: Response) -> Result<Value, Failure> {
    let status = response.status_code();
    let body: Value = response.json().await.map_err(|e| Failure::Unavailable(e.to_string()))?;
    if status.is_success() {
        return Ok(body);
    }
    let reason = body.pointer("/error/type").and_then(Value::as_str).unwrap_or("error");
    let detail = body.pointer("/error/reason").and_then(Value::as_str).unwrap_or_default();
    let error = format!("OpenSearch answered {status}: {reason}: {detail}");
    Err(if status.is_server_error() { Failure::Unavailable(error) } else { Failure::Refused(error) })
}

fn failed(failure: Failure) -> SearchError {
    match failure {
        Failure::Unavailable(reason) => SearchError::Unavailable(reason),
        Failure::Refused(reason) => SearchError::Other(reason),
    }
}

async fn checked(response: Response) -> Result<Value, SearchError> {
    answer(response).await.map_err(failed)
}

#[async_trait]
impl SearchIndex for OpenSearchIndex {
    async fn upsert(&self, document: AssetDocument) -> Result<(), SearchError> {
        let body = document_body(&document)?;
        let response = self
            .client
            .index(IndexParts::IndexId(&self.index, document.asset_id.as_str()))
            // Searchable once the stage that indexed it ends, as the embedded index is.
            .refresh(Refresh::WaitFor)
            .body(body)
            .send()
            .await
            .map_err(unavailable)?;
        checked(response).await.map(|_| ())
    }

    async fn upsert_many(&self, documents: Vec<AssetDocument>) -> Result<(), SearchError> {
        if documents.is_empty() {
            return Ok(());
        }
        // Sent in requests of at most BULK_BYTES: a rebuild hands over thousands at once.
        let (mut group, mut bytes) = (Vec::new(), 0);
        for document in &documents {
            let body = document_body(document)?;
            let size = body.to_string().len();
            if !group.is_empty() && bytes + size > BULK_BYTES {
                bulk(&self.client, &self.index, bulk_lines(std::mem::take(&mut group))).await.map_err(failed)?;
                bytes = 0;
            }
            bytes += size;
            group.push((document.asset_id.to_string(), body));
        }
        bulk(&self.client, &self.index, bulk_lines(group)).await.map_err(failed)
    }

    async fn remove(&self, asset_id: &mediaport_shared::AssetId) -> Result<(), SearchError> {
        let response = self
            .client
            .delete(DeleteParts::IndexId(&self.index, asset_id.as_str()))
            .refresh(Refresh::WaitFor)
            .send()
            .await
            .map_err(unavailable)?;
        if response.status_code() == StatusCode::NOT_FOUND {
            return Ok(());
        }
        checked(response).await.map(|_| ())
    }

    async fn clear(&self) -> Result<(), SearchError> {
        let response = self
            .client
            .delete_by_query(DeleteByQueryParts::Index(&[&self.index]))
            .refresh(true)
            .body(json!({ "query": { "match_all": {} } }))
            .send()
            .await
            .map_err(unavailable)?;
        checked(response).await.map(|_| ())
    }

    async fn search(&self, request: &SearchRequest) -> Result<SearchPage, SearchError> {
        let response = self
            .client
            .search(SearchParts::Index(&[&self.index]))
            .body(search_body(request))
            .send()
            .await
            .map_err(unavailable)?;
        read_page(&checked(response).await?)
    }
}
