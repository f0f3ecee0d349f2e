//! Measures the catalog's share of `GET /api/stats` for bench/stats.sh, which runs the
//! same statements from Python's sqlite3 (bench/stats_peer.py) on the same file.
//!
//!   cargo bench -p mediaport-backends --bench stats -- FILE ASSETS
//!
//! Fills the SQLite catalog FILE with ASSETS assets unless it holds them already (types
//! and statuses mixed, four in five ingested with a duration and analysed, each with its
//! outputs measured), then times `Catalog::stats` `BENCH_REPEAT` times (50) after 5 warm
//! runs and prints `mediaport stats p50_ms=.. p99_ms=.. assets=..`.

use std::time::Instant;

use mediaport_backends::catalog::SqlCatalog;
use mediaport_core::{AssetFilter, Catalog, IngestRecord, NewAsset};
use mediaport_shared::{
    AnalysisKind, AnalysisStatus, AnalysisSummaries, AnalysisSummary, AssetStatus, AssetType, Technical,
};

const WARM_UP: usize = 5;

fn new_asset(n: usize) -> NewAsset {
    let asset_type =
        [AssetType::Video, AssetType::Video, AssetType::Audio, AssetType::Image, AssetType::Document][n % 5];
    NewAsset {
        id: mediaport_core::new_id(),
        asset_type,
        filename: format!("asset-{n}"),
        size: 1_000_000 + (n as u64 * 7919) % 5_000_000_000,
        md5: None,
        group: None,
        attributes: Default::default(),
        bucket: "mediaport-ingest".into(),
        key: format!("bench/{n}"),
        status: AssetStatus::Ingesting,
        ai_options: None,
    }
}

async fn fill(catalog: &SqlCatalog, assets: usize) -> anyhow::Result<()> {
    let summary =
        AnalysisSummary { status: AnalysisStatus::Done, count: 3, error: None, key: Some("k".into()), language: None };
    let analysis: AnalysisSummaries = [(AnalysisKind::Label, summary)].into_iter().collect();
    for n in 0..assets {
        let asset = catalog.create_asset(new_asset(n)).await?;
        if n % 5 == 4 {
            continue; // left ingesting
        }
        let technical = Technical { duration_ms: Some(30_000 + (n as u64 % 3_600) * 1000), ..Technical::default() };
        let ingested = IngestRecord {
            sha256: String::new(),
            md5: String::new(),
            technical,
            outputs: Default::default(),
            status: AssetStatus::Analysing,
        };
        catalog.record_ingest(&asset.id, &ingested).await?;
        catalog.record_analysis(&asset.id, &analysis, AssetStatus::Ready, None).await?;
        catalog.set_proxy_bytes(&asset.id, 50_000_000).await?;
    }
    Ok(())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let [file, assets] = &args[..] else { anyhow::bail!("usage: stats FILE ASSETS") };
    let assets: usize = assets.parse()?;
    let repeat: usize = std::env::var("BENCH_REPEAT").ok().and_then(|r| r.parse().ok()).unwrap_or(50);
    let catalog = SqlCatalog::open_sqlite(std::path::Path::new(file)).await?;
    if catalog.list_assets(&AssetFilter::default(), 1, None).await?.is_empty() {
        let started = Instant::now();
        fill(&catalog, assets).await?;
        eprintln!("bench: {assets} assets written in {:.1} s", started.elapsed().as_secs_f64());
    }
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let mut times = Vec::with_capacity(repeat);
    let mut counted = 0;
    for run in 0..WARM_UP + repeat {
        let started = Instant::now();
        let stats = catalog.stats(&today).await?;
        if run >= WARM_UP {
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        counted = stats.groups.iter().map(|g| g.2).sum::<u64>();
    }
    times.sort_by(f64::total_cmp);
    println!(
        "mediaport stats p50_ms={:.2} p99_ms={:.2} assets={counted}",
        percentile(&times, 0.5),
        percentile(&times, 0.99)
    );
    Ok(())
}
