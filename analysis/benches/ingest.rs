//! Measures the ingest stage for bench/ingest.sh, which runs the peers (md5sum, sha256sum,
//! bare ffmpeg) on the same files and prints everything side by side.
//!
//!   cargo bench -p mediaport-analysis --bench ingest -- fixity FILE
//!   cargo bench -p mediaport-analysis --bench ingest -- ingest FILE
//!
//! `fixity` hashes FILE on disk, then fetches it from the embedded S3 endpoint with both
//! hashes (what ingest does); `ingest` runs the whole stage on FILE as a video asset.
//! Each prints `name seconds MB/s` lines.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mediaport_analysis::{FrameDefaults, Ingest, Tools, fixity};
use mediaport_backends::catalog::SqlCatalog;
use mediaport_core::Catalog;

mod common;
use common::{register_video, start_storage};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let (Some(what), Some(file)) = (args.first(), args.get(1)) else {
        anyhow::bail!("usage: ingest (fixity|ingest) FILE");
    };
    let file = PathBuf::from(file);
    let size = std::fs::metadata(&file)?.len() as f64 / 1e6;
    let dir = tempfile::tempdir_in(file.parent().unwrap_or(Path::new(".")))?;
    let storage = start_storage(dir.path()).await?;
    storage.ensure_bucket("bench-ingest").await?;
    storage.ensure_bucket("bench-proxy").await?;
    storage.put_file("bench-ingest", "original", &file, "application/octet-stream").await?;
    match what.as_str() {
        "fixity" => {
            let path = file.clone();
            let started = Instant::now();
            tokio::task::spawn_blocking(move || fixity::hash_file(&path)).await??;
            report("mediaport-hash-file", started.elapsed(), size);
            let copy = dir.path().join("copy");
            let started = Instant::now();
            fixity::fetch(storage.as_ref(), "bench-ingest", "original", &copy).await?;
            report("mediaport-fixity-from-s3", started.elapsed(), size);
        }
        "ingest" => {
            let catalog: Arc<dyn Catalog> = Arc::new(SqlCatalog::open_sqlite(&dir.path().join("catalog.db")).await?);
            let asset = register_video(catalog.as_ref(), &file).await?;
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
            let ingest = Ingest {
                catalog,
                storage,
                tools: Tools::new(2, Duration::from_secs(3600), &dir.path().join("work"))?,
                proxy_bucket: "bench-proxy".into(),
                frames: FrameDefaults { rate: 1.0, dynamic: false, min_distance: 10 },
                threads,
                restore_check: Duration::from_secs(900),
            };
            let started = Instant::now();
            let done =
                ingest.run(&asset.id, &mediaport_analysis::Unwatched).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            report("mediaport-ingest", started.elapsed(), size);
            let frames = done.outputs.and_then(|o| o.frames).map_or(0, |f| f.captured);
            println!("frames {frames}");
        }
        other => anyhow::bail!("unknown measurement {other}"),
    }
    Ok(())
}

fn report(name: &str, took: Duration, megabytes: f64) {
    let seconds = took.as_secs_f64();
    println!("{name} {seconds:.2} {:.1}", megabytes / seconds);
}
