//! The archive in figures (`GET /api/stats`): counts and sizes from the catalog, failures
//! from the queue, and the names found in most assets from the search index's facets.

use chrono::{DateTime, Duration, Utc};
use mediaport_shared::{DayCount, NameCount, Stats};

use crate::error::{ErrorKind, ServiceError};
use crate::ports::catalog::{Catalog, CatalogError};
use crate::ports::queue::{JobFilter, JobStatus, Queue, QueueError};
use crate::ports::search::{SearchError, SearchIndex, SearchRequest};
use crate::search::query::Query;

/// Days of additions counted, today included.
const DAYS: i64 = 30;
/// Failed jobs looked at: more than this in a day is a figure nobody reads exactly.
const FAILED_JOBS_READ: u32 = 10_000;

#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Queue(#[from] QueueError),
    #[error(transparent)]
    Search(#[from] SearchError),
}

impl ServiceError for StatsError {
    fn code(&self) -> &'static str {
        match self {
            Self::Catalog(err) => err.code(),
            Self::Queue(err) => err.code(),
            Self::Search(err) => err.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Catalog(err) => err.kind(),
            Self::Queue(err) => err.kind(),
            Self::Search(err) => err.kind(),
        }
    }
}

/// Where the figures come from.
pub struct Sources<'a> {
    pub catalog: &'a dyn Catalog,
    pub queue: &'a dyn Queue,
    pub search: &'a dyn SearchIndex,
}

/// The archive's figures as of `now`.
pub async fn gather(sources: &Sources<'_>, now: DateTime<Utc>) -> Result<Stats, StatsError> {
    let first_day = (now - Duration::days(DAYS - 1)).date_naive();
    let counted = sources.catalog.stats(&first_day.format("%Y-%m-%d").to_string()).await?;
    let mut stats = Stats {
        hours_analysed: counted.analysed_ms as f64 / 3_600_000.0,
        proxy_bytes: counted.proxy_bytes,
        ..Stats::default()
    };
    for (asset_type, status, assets, bytes) in counted.groups {
        stats.assets += assets;
        stats.original_bytes += bytes;
        *stats.by_type.entry(asset_type.as_str().to_owned()).or_default() += assets;
        *stats.by_status.entry(status.as_str().to_owned()).or_default() += assets;
    }
    stats.added_per_day = first_day
        .iter_days()
        .take(DAYS as usize)
        .map(|day| {
            let day = day.format("%Y-%m-%d").to_string();
            let count = counted.added.get(&day).copied().unwrap_or(0);
            DayCount { day, count }
        })
        .collect();
    let since = now - Duration::hours(24);
    let failed = sources
        .queue
        .list(&JobFilter { asset_id: None, status: Some(JobStatus::Failed), kind: None }, FAILED_JOBS_READ);
    stats.failed_jobs_24h = failed
        .await?
        .iter()
        .filter_map(|job| DateTime::parse_from_rfc3339(job.finished_at.as_deref()?).ok())
        .filter(|at| *at >= since)
        .count() as u64;
    // One hit is the least a search returns; the facets count over every asset.
    let everything = SearchRequest { page_size: 1, ..SearchRequest::new(Query::All) };
    let facets = sources.search.search(&everything).await?.facets;
    let top = |facet: &str| -> Vec<NameCount> {
        let mut names: Vec<NameCount> = facets
            .get(facet)
            .into_iter()
            .flatten()
            .map(|(name, assets)| NameCount { name: name.clone(), assets: *assets })
            .collect();
        names.sort_by(|a, b| b.assets.cmp(&a.assets).then_with(|| a.name.cmp(&b.name)));
        names
    };
    (stats.top_labels, stats.top_people, stats.top_keyphrases) = (top("label"), top("face"), top("keyphrase"));
    Ok(stats)
}
