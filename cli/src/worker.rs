//! Workers: inside `mediaport serve`, and `mediaport worker` processes that share the
//! server's catalog, queue and storage (on this machine or others).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use mediaport_analysis::indexer::Indexer;
use mediaport_analysis::inference::{self, Models};
use mediaport_analysis::language::Language;
use mediaport_analysis::speech::Speech;
use mediaport_analysis::vision::faces::Faces;
use mediaport_analysis::vision::faces::reader::ModelFaceReader;
use mediaport_analysis::{Analyse, FrameDefaults, Ingest, Tools, Vision, Worker, WorkerConfig};
use mediaport_core::{FaceReadError, FaceReader, ReadFace, Storage};
use mediaport_wiring::bootstrap::Backends;
use mediaport_wiring::{Settings, bootstrap};
use tokio_util::sync::CancellationToken;

/// The worker's models the server lends to its routes.
pub struct Lent {
    /// To the faces API, which indexes photographs.
    pub faces: Arc<Faces>,
    /// To search by meaning, which reads the query's words.
    pub language: Arc<Language>,
}

/// A worker over the given ports, configured by `settings.worker`, and the models it lends.
pub fn build(settings: &Settings, backends: &Backends, storage: Arc<dyn Storage>) -> anyhow::Result<(Worker, Lent)> {
    Tools::check_installed()?;
    let w = &settings.worker;
    let threads = match w.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get() as u32),
        n => n,
    };
    // Metadata tools are light: let one more run beside each job's transcode.
    let work_root = settings.work_dir();
    let tools = Tools::new(w.concurrency + 1, Duration::from_secs(w.tool_timeout_secs), &work_root)
        .with_context(|| format!("cannot prepare the work folder {}", work_root.display()))?;
    let ingest = Ingest {
        catalog: backends.catalog.clone(),
        storage,
        tools,
        proxy_bucket: settings.storage.proxy_bucket.clone(),
        frames: FrameDefaults { rate: w.frame_rate, dynamic: w.dynamic_frames, min_distance: w.frame_min_distance },
        threads,
        restore_check: Duration::from_secs(w.restore_check_secs),
    };
    let models_dir = settings.worker.models_dir.clone().unwrap_or_else(inference::default_dir);
    let models = Models::open(&models_dir, threads as usize)?;
    let vision = Arc::new(Vision::load(&models).context("cannot load the vision models")?);
    let speech = Speech::load(&models, &settings.analysis.transcript_model).context("cannot load the speech model")?;
    let language = Language::load(&models).context("cannot load the language models")?;
    let analyse = Analyse {
        catalog: ingest.catalog.clone(),
        storage: ingest.storage.clone(),
        tools: ingest.tools.clone(),
        proxy_bucket: settings.storage.proxy_bucket.clone(),
        vision,
        speech: Arc::new(speech),
        language: Arc::new(language),
        search: backends.search.clone(),
        vectors: backends.vectors.clone(),
        faces: backends.faces.clone(),
        people: backends.people.clone(),
        defaults: settings.analysis.clone(),
    };
    let config = WorkerConfig {
        name: WorkerConfig::unique_name(),
        concurrency: w.concurrency,
        lease: Duration::from_secs(w.lease_secs),
        idle_poll: Duration::from_millis(w.poll_ms),
        public_url: settings.server.public_url.clone(),
    };
    let lent = Lent { faces: analyse.vision.faces.clone(), language: analyse.language.clone() };
    let worker = Worker::new(backends.queue.clone(), ingest, analyse, config).notifying(backends.notifier.clone());
    Ok((worker, lent))
}

/// The face models the faces API indexes photographs with: the worker's when it runs in
/// the server, else loaded on the first photograph (most servers never index a face).
pub fn face_reader(settings: &Settings, faces: Option<Arc<Faces>>) -> Arc<dyn FaceReader> {
    let min_face = settings.analysis.min_face_size;
    let loaded = tokio::sync::OnceCell::new_with(faces.map(|faces| Ok(ModelFaceReader { faces, min_face })));
    let dir = settings.worker.models_dir.clone().unwrap_or_else(inference::default_dir);
    Arc::new(LazyFaceReader { dir, min_face, loaded })
}

struct LazyFaceReader {
    dir: std::path::PathBuf,
    min_face: u32,
    loaded: tokio::sync::OnceCell<Result<ModelFaceReader, String>>,
}

#[async_trait::async_trait]
impl FaceReader for LazyFaceReader {
    async fn read(&self, image: bytes::Bytes) -> Result<Vec<ReadFace>, FaceReadError> {
        let load = || async {
            let (dir, min_face) = (self.dir.clone(), self.min_face);
            let loaded = tokio::task::spawn_blocking(move || Faces::new(&Models::open(&dir, 1)?)).await;
            match loaded {
                Ok(Ok(faces)) => Ok(ModelFaceReader { faces: Arc::new(faces), min_face }),
                Ok(Err(err)) => Err(err.to_string()),
                Err(err) => Err(err.to_string()),
            }
        };
        match self.loaded.get_or_init(load).await {
            Ok(reader) => reader.read(image).await,
            Err(reason) => Err(FaceReadError::Unavailable(reason.clone())),
        }
    }
}

/// `mediaport reindex`: empties the search index and indexes every asset of the catalog
/// again from its record and stored results. Returns how many.
pub async fn reindex(settings: &Settings) -> anyhow::Result<usize> {
    let backends = bootstrap::open_backends(settings).await?;
    let storage = worker_storage(settings).await?;
    let indexer = Indexer {
        catalog: backends.catalog,
        storage,
        proxy_bucket: settings.storage.proxy_bucket.clone(),
        search: backends.search,
        vectors: backends.vectors,
    };
    Ok(indexer.rebuild().await?)
}

/// The storage a worker reads and writes, checked: with embedded storage, the server's
/// endpoint at `storage.embedded.listen`.
async fn worker_storage(settings: &Settings) -> anyhow::Result<Arc<dyn Storage>> {
    let storage = open_worker_storage(settings).await?;
    check_storage(storage.as_ref(), settings).await?;
    Ok(storage)
}

async fn open_worker_storage(settings: &Settings) -> anyhow::Result<Arc<dyn Storage>> {
    let credentials = bootstrap::storage_credentials(settings)?;
    let endpoint = if settings.embedded_storage() {
        Some(format!("http://{}", settings.storage.embedded.listen))
    } else {
        settings.storage.endpoint.clone()
    };
    Ok(bootstrap::open_storage(settings, endpoint, credentials).await)
}

async fn check_storage(storage: &dyn Storage, settings: &Settings) -> anyhow::Result<()> {
    storage
        .check_bucket(&settings.storage.proxy_bucket)
        .await
        .context("cannot reach the proxy bucket: is `mediaport serve` running, or storage configured?")
}

/// `mediaport worker`: runs jobs until Ctrl-C or SIGTERM. With embedded storage it reaches
/// the server's endpoint at `storage.embedded.listen`.
pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let backends = bootstrap::open_backends(&settings).await?;
    let storage = open_worker_storage(&settings).await?;
    // Tools and models first: what this machine lacks is said before what it cannot reach.
    let (worker, _) = build(&settings, &backends, storage.clone())?;
    check_storage(storage.as_ref(), &settings).await?;
    let stop = CancellationToken::new();
    let signal = stop.clone();
    tokio::spawn(async move {
        crate::server::shutdown_signal().await;
        signal.cancel();
    });
    worker.run(stop).await;
    Ok(())
}
