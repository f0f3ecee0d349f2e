//! `GET /api/stats`: what the archive holds and how its processing goes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The archive in figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stats {
    /// Every asset in the catalog.
    pub assets: u64,
    /// Assets per type (`video`, `audio`, ...), types with none left out.
    pub by_type: BTreeMap<String, u64>,
    /// Assets per status (`ready`, `failed`, ...), statuses with none left out.
    pub by_status: BTreeMap<String, u64>,
    /// Bytes of the originals.
    pub original_bytes: u64,
    /// Bytes of everything made from them (proxies, frames, timelines).
    pub proxy_bytes: u64,
    /// Hours of video and audio whose analysis has run.
    pub hours_analysed: f64,
    /// Assets added each day of the last 30 (UTC), oldest first, days with none included.
    pub added_per_day: Vec<DayCount>,
    /// Jobs that failed for good in the last 24 hours.
    pub failed_jobs_24h: u64,
    /// The labels, people and key phrases found in the most assets, most first.
    pub top_labels: Vec<NameCount>,
    pub top_people: Vec<NameCount>,
    pub top_keyphrases: Vec<NameCount>,
}

/// Assets added on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayCount {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub count: u64,
}

/// A name and the number of assets it is found in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NameCount {
    pub name: String,
    pub assets: u64,
}
