//! Workers: inside `mediaport serve`, and `mediaport worker` processes that share the
//! server's catalog, queue and storage (on this machine or others).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use mediaport_analysis::indexer::Indexer;
use mediaport_analysis::inference::{self, ModelError, Models};
use mediaport_analysis::language::Language;
use mediaport_analysis::on_demand::OnDemand;
use mediaport_analysis::speech::Speech;
use mediaport_analysis::vision::faces::Faces as FaceModels;
use mediaport_analysis::vision::faces::reader::ModelFaceReader;
use mediaport_analysis::{Analyse, FrameDefaults, Ingest, Tools, Vision, Worker, WorkerConfig};
use mediaport_core::{FaceReadError, FaceReader, ReadFace, Storage};
use mediaport_wiring::bootstrap::Backends;
use mediaport_wiring::{Settings, bootstrap};
use tokio_util::sync::CancellationToken;

/// The worker's models the server lends to its routes.
pub struct Lent {
    /// To the faces API, which indexes photographs.
    pub vision: Arc<OnDemand<Vision>>,
    /// To search by meaning, which reads the query's words.
    pub language: Arc<OnDemand<Language>>,
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
    // Checked now (files present and as pinned), loaded when a job first needs them.
    let models = Arc::new(Models::open(&models_dir, threads as usize)?);
    let idle = (w.models_idle_secs > 0).then(|| Duration::from_secs(w.models_idle_secs));
    let vision = on_demand("vision", idle, &models, Vision::load);
    let language = on_demand("language", idle, &models, Language::load);
    let transcript_model = settings.analysis.transcript_model.clone();
    let speech = Arc::new(OnDemand::new("speech", idle, move || Speech::load(&models, &transcript_model)));
    let analyse = Analyse {
        catalog: ingest.catalog.clone(),
        storage: ingest.storage.clone(),
        tools: ingest.tools.clone(),
        proxy_bucket: settings.storage.proxy_bucket.clone(),
        vision,
        speech,
        language,
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
    let lent = Lent { vision: analyse.vision.clone(), language: analyse.language.clone() };
    let worker = Worker::new(backends.queue.clone(), ingest, analyse, config).notifying(backends.notifier.clone());
    Ok((worker, lent))
}

/// Models of one kind, loaded by `load` when a job first needs them.
fn on_demand<T: 'static>(
    name: &'static str,
    idle: Option<Duration>,
    models: &Arc<Models>,
    load: fn(&Models) -> Result<T, ModelError>,
) -> Arc<OnDemand<T>> {
    let models = models.clone();
    Arc::new(OnDemand::new(name, idle, move || load(&models)))
}

/// The face models the faces API indexes photographs with: the worker's when it runs in
/// the server, else loaded on the first photograph (most servers never index a face).
pub fn face_reader(settings: &Settings, vision: Option<Arc<OnDemand<Vision>>>) -> Arc<dyn FaceReader> {
    let min_face = settings.analysis.min_face_size;
    let faces = match vision {
        Some(vision) => Faces::Worker(vision),
        None => {
            let dir = settings.worker.models_dir.clone().unwrap_or_else(inference::default_dir);
            Faces::Own(Arc::new(OnDemand::new("faces", None, move || FaceModels::new(&Models::open(&dir, 1)?))))
        }
    };
    Arc::new(LazyFaceReader { faces, min_face })
}

/// The worker's vision models, or the server's own face models.
enum Faces {
    Worker(Arc<OnDemand<Vision>>),
    Own(Arc<OnDemand<FaceModels>>),
}

struct LazyFaceReader {
    faces: Faces,
    min_face: u32,
}

impl LazyFaceReader {
    /// The face models, loaded (on a blocking thread) if they are not in memory.
    async fn faces(&self) -> Result<Arc<FaceModels>, String> {
        let loaded = match &self.faces {
            Faces::Worker(vision) => {
                let vision = vision.clone();
                tokio::task::spawn_blocking(move || vision.get().map(|v| v.faces.clone())).await
            }
            Faces::Own(own) => {
                let own = own.clone();
                tokio::task::spawn_blocking(move || own.get()).await
            }
        };
        match loaded {
            Ok(Ok(faces)) => Ok(faces),
            Ok(Err(err)) => Err(err.to_string()),
            Err(err) => Err(err.to_string()),
        }
    }
}

#[async_trait::async_trait]
impl FaceReader for LazyFaceReader {
    async fn read(&self, image: bytes::Bytes) -> Result<Vec<ReadFace>, FaceReadError> {
        match self.faces().await {
            Ok(faces) => ModelFaceReader { faces, min_face: self.min_face }.read(image).await,
            Err(reason) => Err(FaceReadError::Unavailable(reason)),
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
