//! Measures the vision analyses for bench/vision.sh, which runs the Python onnxruntime
//! peer (bench/vision_peer.py) on the same frames and prints both side by side.
//!
//!   cargo bench -p mediaport-analysis --bench vision -- frames DIR
//!   cargo bench -p mediaport-analysis --bench vision -- analyse FILE
//!   cargo bench -p mediaport-analysis --bench vision -- scenes FILE
//!
//! `frames` runs labels, moderation and text on every JPEG in DIR (decoding included, model
//! loading not), printing `mediaport <analysis> frames=N seconds=S fps=X` lines; `analyse`
//! ingests FILE as a video (not timed), then times the whole analysis stage (every default
//! analysis at one frame a second) and prints its real-time factor; `scenes` does the same
//! and prints where the shots, scenes and ad breaks start (bench/scenes.sh scores them).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mediaport_analysis::inference::{self, Models};
use mediaport_analysis::language::Language;
use mediaport_analysis::on_demand::OnDemand;
use mediaport_analysis::speech::{self, Speech};
use mediaport_analysis::{Analyse, AnalysisDefaults, FrameDefaults, Ingest, Progress, Tools, Unwatched, Vision};
use mediaport_backends::catalog::SqlCatalog;
use mediaport_backends::search::TantivyIndex;
use mediaport_backends::vectors::SqlVectors;
use mediaport_core::Catalog;
use mediaport_shared::AnalysisKind;

mod common;
use common::{register_video, start_storage};

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let (Some(what), Some(path)) = (args.first(), args.get(1)) else {
        anyhow::bail!("usage: vision (frames DIR | analyse FILE)");
    };
    let models = Models::open(&inference::default_dir(), threads())?;
    let vision = Arc::new(Vision::load(&models)?);
    match what.as_str() {
        "frames" => frames(&vision, Path::new(path)),
        "analyse" => analyse(vision, PathBuf::from(path), false).await,
        "scenes" => analyse(vision, PathBuf::from(path), true).await,
        other => anyhow::bail!("unknown measurement {other}"),
    }
}

fn frames(vision: &Vision, dir: &Path) -> anyhow::Result<()> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .collect();
    files.sort();
    let decode = |files: &[PathBuf]| -> anyhow::Result<Vec<image::DynamicImage>> {
        files.iter().map(|f| Ok(image::open(f)?)).collect()
    };

    let started = Instant::now();
    for file in &files {
        vision.labels.detect(&image::open(file)?, 0.25)?;
    }
    report("labels", files.len(), started.elapsed());

    let started = Instant::now();
    // In batches of eight, as the stage runs it.
    for batch in files.chunks(8) {
        vision.moderation.categories(&decode(batch)?)?;
    }
    report("moderation", files.len(), started.elapsed());

    let started = Instant::now();
    let mut first = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let lines = vision.ocr.read(&image::open(file)?)?;
        if i == 0 {
            first = lines;
        }
    }
    report("ocr", files.len(), started.elapsed());
    for line in first {
        eprintln!("first frame text {:?} score={:.4}", line.text, line.confidence);
    }
    Ok(())
}

fn report(analysis: &str, frames: usize, took: Duration) {
    let seconds = took.as_secs_f64();
    println!("mediaport {analysis} frames={frames} seconds={seconds:.3} fps={:.2}", frames as f64 / seconds);
}

async fn analyse(vision: Arc<Vision>, file: PathBuf, scenes: bool) -> anyhow::Result<()> {
    let dir = tempfile::tempdir_in(file.parent().unwrap_or(Path::new(".")))?;
    let storage = start_storage(dir.path()).await?;
    for bucket in ["bench-ingest", "bench-proxy"] {
        storage.ensure_bucket(bucket).await?;
    }
    storage.put_file("bench-ingest", "original", &file, "video/mp4").await?;
    let sqlite = Arc::new(SqlCatalog::open_sqlite(&dir.path().join("catalog.db")).await?);
    let vectors = Arc::new(SqlVectors::new(sqlite.db().clone()));
    let catalog: Arc<dyn Catalog> = sqlite.clone();
    let asset = register_video(catalog.as_ref(), &file).await?;
    let tools = Tools::new(2, Duration::from_secs(3600), &dir.path().join("work"))?;
    let ingest = Ingest {
        catalog: catalog.clone(),
        storage: storage.clone(),
        tools: tools.clone(),
        proxy_bucket: "bench-proxy".into(),
        frames: FrameDefaults { rate: 1.0, dynamic: false, min_distance: 10 },
        threads: threads() as u32,
        restore_check: Duration::from_secs(900),
    };
    let ingested = ingest.run(&asset.id, &Unwatched).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let models = Models::open(&inference::default_dir(), threads())?;
    let analyse = Analyse {
        catalog,
        storage,
        tools,
        proxy_bucket: "bench-proxy".into(),
        vision: Arc::new(OnDemand::loaded(vision)),
        speech: Arc::new(OnDemand::loaded(Arc::new(Speech::load(&models, speech::TINY_EN)?))),
        language: Arc::new(OnDemand::loaded(Arc::new(Language::load(&models)?))),
        search: Arc::new(TantivyIndex::open(
            &std::env::temp_dir().join(format!("mediaport-bench-search-{}", std::process::id())),
        )?),
        vectors,
        faces: sqlite.clone(),
        people: sqlite,
        // Every analysis on, at the shipped defaults.
        defaults: AnalysisDefaults::default(),
    };
    let started = Instant::now();
    let steps = Steps(std::sync::Mutex::new(Vec::new()));
    let done = analyse.run(&asset.id, &steps).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    println!("mediaport steps {}", steps.seconds(started));
    let media = ingested.duration_ms.unwrap_or(0) as f64 / 1000.0;
    let counts: Vec<String> = done.analysis.iter().map(|(k, s)| format!("{}={}", k.as_str(), s.count)).collect();
    println!(
        "mediaport analyse media_seconds={media:.0} seconds={seconds:.1} realtime={:.2} {}",
        media / seconds,
        counts.join(" ")
    );
    if scenes {
        let results = analyse.results();
        for kind in [AnalysisKind::Shot, AnalysisKind::Scene, AnalysisKind::AdBreak] {
            let timeline = results.timeline(&done, kind).await?;
            let starts: Vec<String> = timeline
                .items
                .iter()
                .filter(|i| kind != AnalysisKind::Shot || i.name.starts_with("shot "))
                .filter_map(|i| i.timecodes.first())
                .map(|t| format!("{:.3}-{:.3}", t.begin as f64 / 1000.0, t.end as f64 / 1000.0))
                .collect();
            println!("mediaport {} {}", kind.as_str(), starts.join(","));
        }
    }
    Ok(())
}

/// The seconds each step of the stage took.
struct Steps(std::sync::Mutex<Vec<(String, Instant)>>);

#[async_trait::async_trait]
impl Progress for Steps {
    async fn step(&self, name: &str) {
        self.0.lock().unwrap().push((name.to_owned(), Instant::now()));
    }
}

impl Steps {
    /// `name=seconds` for each step, the last one ending now.
    fn seconds(&self, started: Instant) -> String {
        let steps = self.0.lock().unwrap();
        let mut from = started;
        let mut out = Vec::new();
        for (i, (name, at)) in steps.iter().enumerate() {
            if i == 0 && *at > from {
                out.push(format!("start={:.1}", (*at - from).as_secs_f64()));
            }
            let end = steps.get(i + 1).map_or_else(Instant::now, |next| next.1);
            out.push(format!("{name}={:.1}", (end - *at).as_secs_f64()));
            from = end;
        }
        out.join(" ")
    }
}
