//! The load run: 50 browser-style uploads at once (presigned multipart, straight to the
//! embedded endpoint) while 100 searches a second run against a seeded catalog, for 60 s
//! (`MEDIAPORT_LOAD_SECS` changes it; `bench/load.sh` runs it alone and keeps the figures).
//! Every request must succeed and every upload become exactly one asset holding exactly
//! its bytes. The figures are printed, never checked: timing belongs to the bench.

use crate::common;
use crate::common::browser::Browser;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use md5::{Digest, Md5};
use mediaport_cli::server::RunningServer;
use mediaport_core::search::document::document;
use mediaport_core::users;
use mediaport_shared::upload::MIB;
use mediaport_shared::{AnalysisKind, Group, Timeline};
use serde_json::Value;

const UPLOADERS: usize = 50;
const SEARCHES_PER_SECOND: u64 = 100;
const SEEDED: usize = 2_000;
/// Two parts: a whole 8 MiB one and a short last one.
const FILE_SIZE: usize = 9 * MIB as usize + 12_345;
const PASSWORD: &str = "L0ad-Runner!";
const WORDS: [&str; 12] = [
    "harbour", "election", "storm", "concert", "river", "market", "bridge", "parade", "forest", "rocket", "tram",
    "ferry",
];

fn seconds() -> u64 {
    std::env::var("MEDIAPORT_LOAD_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(60)
}

/// Assets with a transcript and labels each, in the catalog and the index.
async fn seed(server: &RunningServer) {
    let mut documents = Vec::with_capacity(SEEDED);
    for n in 0..SEEDED {
        let asset = server
            .state
            .catalog
            .create_asset(common::ready_asset(&format!("news-{n}.mp4"), mediaport_shared::AssetType::Video))
            .await
            .unwrap();
        let said = format!("{} by the {} at dawn", WORDS[n % 12], WORDS[(n / 12) % 12]);
        let timelines = vec![
            Timeline::new(AnalysisKind::Transcript, vec![common::item(&said, 1000, 4000)]),
            Timeline::new(AnalysisKind::Label, vec![common::item(WORDS[(n / 7) % 12], 0, 2000)]),
        ];
        documents.push(document(&asset, timelines));
    }
    server.state.search.upsert_many(documents).await.unwrap();
}

#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: Vec<String>,
}

fn record(tally: &Mutex<Tally>, took: Duration, error: Option<String>) {
    let mut tally = tally.lock().unwrap();
    tally.latencies.push(took);
    tally.errors.extend(error);
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted.get(((sorted.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or_default()
}

/// The ETag S3 gives a multipart object: the MD5 of its parts' MD5s, and their count.
fn multipart_etag(data: &[u8], part_size: usize) -> String {
    let parts: Vec<&[u8]> = data.chunks(part_size).collect();
    let mut joined = Md5::new();
    for part in &parts {
        joined.update(Md5::digest(part));
    }
    format!("{:x}-{}", joined.finalize(), parts.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_uploads_and_a_hundred_searches_a_second_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = common::settings(dir.path());
    // Its worker removes the checked uploads' files, as it would in production.
    settings.worker.in_server = true;
    let server = mediaport_cli::server::start(settings).await.unwrap();
    let identity = server.state.identity.as_ref();
    users::create_user(identity, "lena", "l@example.org", Group::Admin, Some(PASSWORD)).await.unwrap();
    let (session, _) = identity.login("lena", PASSWORD).await.unwrap();
    let client = Arc::new(Browser::new(&server, session.access_token));
    seed(&server).await;
    let server = Arc::new(server);
    let run = Duration::from_secs(seconds());
    let begun = Instant::now();

    let uploads = Arc::new(Mutex::new(Tally::default()));
    let assets = Arc::new(Mutex::new(Vec::new()));
    let mut uploaders = Vec::new();
    for uploader in 0..UPLOADERS {
        let (client, server, uploads, assets) = (client.clone(), server.clone(), uploads.clone(), assets.clone());
        uploaders.push(tokio::spawn(async move {
            let mut data: Vec<u8> = (0..FILE_SIZE).map(|i| (i * 7 + uploader) as u8).collect();
            let mut n = 0u32;
            while begun.elapsed() < run {
                // Different bytes every time: a mix-up between uploads would show.
                data[..8].copy_from_slice(&((uploader as u64) << 32 | u64::from(n)).to_be_bytes());
                let name = format!("load-{uploader}-{n}.bin");
                let started = Instant::now();
                let result = client.upload(&server, &name, &data).await;
                let took = started.elapsed();
                let error = match result {
                    Ok((asset, etag)) if etag == multipart_etag(&data, 8 * MIB as usize) => {
                        let id = asset["id"].as_str().unwrap_or_default().to_owned();
                        assets.lock().unwrap().push((id.clone(), name));
                        // Keep the disk from filling over the run: the upload is checked.
                        client.call(reqwest::Method::DELETE, &format!("/api/assets/{id}?purge=true"), None).await.err()
                    }
                    Ok((_, etag)) => Some(format!("{name}: stored ETag {etag} is not the file's")),
                    Err(err) => Some(format!("{name}: {err}")),
                };
                record(&uploads, took, error);
                n += 1;
            }
        }));
    }

    let searches = Arc::new(Mutex::new(Tally::default()));
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / SEARCHES_PER_SECOND));
    let mut sent = 0usize;
    let mut pending = Vec::new();
    while begun.elapsed() < run {
        tick.tick().await;
        let (client, searches) = (client.clone(), searches.clone());
        let q = match sent % 3 {
            0 => WORDS[sent % 12].to_owned(),
            1 => format!("{} label:{}", WORDS[sent % 12], WORDS[(sent / 12) % 12]),
            _ => format!("\"by the {}\"", WORDS[(sent / 5) % 12]),
        };
        sent += 1;
        // Each search on its own task: a slow answer does not slow the rate down.
        pending.push(tokio::spawn(async move {
            let started = Instant::now();
            let answer = client
                .http
                .get(format!("{}/api/search", client.base))
                .query(&[("q", &q)])
                .bearer_auth(&client.token)
                .send()
                .await;
            let error = match answer {
                Ok(answer) if answer.status().is_success() => match answer.json::<Value>().await {
                    Ok(found) if found["total"].as_u64().unwrap_or(0) > 0 => None,
                    Ok(found) => Some(format!("{q}: nothing found: {found}")),
                    Err(err) => Some(format!("{q}: {err}")),
                },
                Ok(answer) => Some(format!("{q}: {}", answer.status())),
                Err(err) => Some(format!("{q}: {err}")),
            };
            record(&searches, started.elapsed(), error);
        }));
    }
    for task in uploaders.into_iter().chain(pending) {
        task.await.unwrap();
    }
    let elapsed = begun.elapsed();

    let uploads = std::mem::take(&mut *uploads.lock().unwrap());
    let searches = std::mem::take(&mut *searches.lock().unwrap());
    let assets = std::mem::take(&mut *assets.lock().unwrap());
    assert!(
        uploads.errors.is_empty(),
        "{} failed uploads: {:#?}",
        uploads.errors.len(),
        &uploads.errors[..uploads.errors.len().min(5)]
    );
    assert!(
        searches.errors.is_empty(),
        "{} failed searches: {:#?}",
        searches.errors.len(),
        &searches.errors[..searches.errors.len().min(5)]
    );
    let ids: HashSet<&String> = assets.iter().map(|(id, _)| id).collect();
    assert_eq!(ids.len(), uploads.latencies.len(), "one asset per upload, none shared");
    assert!(!ids.is_empty(), "some upload finished");
    // Nothing left half-way, and no asset made twice (the deleted ones are gone).
    assert!(server.state.storage.list_multiparts("mediaport-ingest").await.unwrap().is_empty());
    let mut up = uploads.latencies;
    let mut found = searches.latencies;
    up.sort();
    found.sort();
    let mib = up.len() as f64 * FILE_SIZE as f64 / MIB as f64;
    println!(
        "load over {:.1} s: {} uploads of {:.1} MiB by {UPLOADERS} clients, {:.1} MiB/s, each {:.2} s p50, {:.2} s p99; \
         {} searches ({:.0}/s) over {SEEDED} assets, {:.1} ms p50, {:.1} ms p99; 0 errors",
        elapsed.as_secs_f64(),
        up.len(),
        FILE_SIZE as f64 / MIB as f64,
        mib / elapsed.as_secs_f64(),
        percentile(&up, 0.5).as_secs_f64(),
        percentile(&up, 0.99).as_secs_f64(),
        found.len(),
        found.len() as f64 / run.as_secs_f64(),
        percentile(&found, 0.5).as_secs_f64() * 1000.0,
        percentile(&found, 0.99).as_secs_f64() * 1000.0,
    );
    // Each asset was there to delete, and is gone from the API now (its files go later,
    // in the worker).
    for (id, name) in &assets {
        let gone = client.call(reqwest::Method::GET, &format!("/api/assets/{id}"), None).await.unwrap_err();
        assert!(gone.contains("404"), "{name}: {gone}");
    }
}
