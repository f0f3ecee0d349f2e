//! Measures face analysis for bench/faces.sh, which runs the Python onnxruntime peer
//! (bench/faces_peer.py) on the same frames and vectors and prints both side by side.
//!
//!   cargo bench -p mediaport-analysis --bench faces -- frames DIR
//!   cargo bench -p mediaport-analysis --bench faces -- match FILE
//!   cargo bench -p mediaport-analysis --bench faces -- traits DIR
//!
//! `frames` finds, aligns and embeds the faces of every JPEG in DIR (decoding included,
//! model loading not) and prints `mediaport faces frames=N faces=F seconds=S fps=X
//! faces_per_second=Y`. `match` loads the vectors of FILE (little-endian f32, 128 per
//! face) into a collection in a SQLite catalog, then times searches for the nearest face
//! with the first 200 vectors, shifted a little, as queries: `mediaport match faces=N
//! p50_ms=A p99_ms=B` (the first search, which loads the space, is reported apart).
//! `traits` finds the faces of every JPEG in DIR, then times describing them (age, gender,
//! expression: cropping, resizing and both models): `mediaport traits faces=F seconds=S
//! faces_per_second=Y mean_age=A male=M expressions=happy:3,neutral:5`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use mediaport_analysis::inference::{self, Models};
use mediaport_analysis::vision::faces::traits::Describer;
use mediaport_analysis::vision::faces::{DIMENSIONS, FaceBox, Faces, SAME_PERSON};
use mediaport_backends::db::Db;
use mediaport_backends::vectors::SqlVectors;
use mediaport_core::VectorIndex;

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let (Some(what), Some(path)) = (args.first(), args.get(1)) else {
        anyhow::bail!("usage: faces (frames DIR | match FILE | traits DIR)");
    };
    match what.as_str() {
        "frames" => frames(Path::new(path)),
        "match" => matching(Path::new(path)).await,
        "traits" => traits(Path::new(path)),
        other => anyhow::bail!("unknown measurement {other}"),
    }
}

/// The JPEGs of `dir`, in name order.
fn jpegs(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .collect();
    files.sort();
    Ok(files)
}

fn traits(dir: &Path) -> anyhow::Result<()> {
    let models = Models::open(&inference::default_dir(), threads())?;
    let (faces, describer) = (Faces::new(&models)?, Describer::new(&models)?);
    let mut pictures = Vec::new();
    for file in jpegs(dir)? {
        let picture = image::open(&file)?;
        let boxes: Vec<FaceBox> = faces.find(&picture, 40)?.into_iter().map(|f| f.found).collect();
        pictures.push((picture.to_rgb8(), boxes));
    }
    let started = Instant::now();
    let mut described = Vec::new();
    for (picture, boxes) in &pictures {
        described.extend(describer.describe(picture, &boxes.iter().collect::<Vec<_>>())?);
    }
    let seconds = started.elapsed().as_secs_f64();
    let n = described.len().max(1) as f32;
    let mut expressions = std::collections::BTreeMap::<&str, usize>::new();
    for t in &described {
        *expressions.entry(t.expression).or_default() += 1;
    }
    let expressions: Vec<String> = expressions.iter().map(|(e, c)| format!("{e}:{c}")).collect();
    println!(
        "mediaport traits faces={} seconds={seconds:.3} faces_per_second={:.2} mean_age={:.1} male={:.2} expressions={}",
        described.len(),
        described.len() as f64 / seconds,
        described.iter().map(|t| t.age).sum::<f32>() / n,
        described.iter().filter(|t| t.male >= 0.5).count() as f32 / n,
        expressions.join(",")
    );
    Ok(())
}

fn frames(dir: &Path) -> anyhow::Result<()> {
    let models = Models::open(&inference::default_dir(), threads())?;
    let faces = Faces::new(&models)?;
    let files = jpegs(dir)?;
    let started = Instant::now();
    let mut found = 0;
    for file in &files {
        found += faces.find(&image::open(file)?, 40)?.len();
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "mediaport faces frames={} faces={found} seconds={seconds:.3} fps={:.2} faces_per_second={:.2}",
        files.len(),
        files.len() as f64 / seconds,
        found as f64 / seconds
    );
    Ok(())
}

async fn matching(file: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(file)?;
    let vectors: Vec<Vec<f32>> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect::<Vec<f32>>()
        .chunks_exact(DIMENSIONS)
        .map(<[f32]>::to_vec)
        .collect();
    let dir = tempfile::tempdir()?;
    let index = SqlVectors::new(Db::open_sqlite(&dir.path().join("catalog.db")).await?);
    let space = "faces/bench";
    let started = Instant::now();
    for (n, vector) in vectors.iter().enumerate() {
        index.upsert(space, &n.to_string(), vector).await?;
    }
    let load_seconds = started.elapsed().as_secs_f64();
    let queries: Vec<Vec<f32>> = vectors.iter().take(200).map(|v| v.iter().map(|x| x + 0.01).collect()).collect();
    // A fresh handle, as a worker starting up has: its first search reads the space in.
    let index = SqlVectors::new(Db::open_sqlite(&dir.path().join("catalog.db")).await?);
    let first = Instant::now();
    index.nearest(space, &queries[0], 1, Some(SAME_PERSON)).await?;
    let first_ms = first.elapsed().as_secs_f64() * 1000.0;
    let mut times = Vec::with_capacity(queries.len());
    for query in &queries {
        let started = Instant::now();
        let found = index.nearest(space, query, 1, Some(SAME_PERSON)).await?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(!found.is_empty(), "a face near a stored one was not found");
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "mediaport match faces={} p50_ms={:.3} p99_ms={:.3} first_ms={first_ms:.1} insert_per_second={:.0}",
        vectors.len(),
        at(0.5),
        at(0.99),
        vectors.len() as f64 / load_seconds
    );
    Ok(())
}
