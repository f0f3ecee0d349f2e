//! A worker over real adapters: the embedded S3 endpoint on a free port, a SQLite
//! catalog and queue, in a fresh folder per test.

pub mod media;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use mediaport_analysis::inference::{self, Models};
use mediaport_analysis::language::Language;
use mediaport_analysis::on_demand::OnDemand;
use mediaport_analysis::speech::{self, Speech};
use mediaport_analysis::vision::faces::reader::ModelFaceReader;
use mediaport_analysis::{Analyse, AnalysisDefaults, FrameDefaults, Ingest, Tools, Vision, Worker, WorkerConfig};
use mediaport_backends::catalog::SqlCatalog;
use mediaport_backends::search::TantivyIndex;
use mediaport_backends::storage::embedded::{self, EmbeddedS3Config};
use mediaport_backends::storage::{S3Storage, S3StorageConfig};
use mediaport_backends::vectors::SqlVectors;
use mediaport_core::{
    Catalog, FaceCatalog, NewAsset, PeopleCatalog, Queue, SearchIndex, Storage, VectorIndex, workflow,
};
use mediaport_shared::{Asset, AssetId, AssetStatus, AssetType};

pub const INGEST_BUCKET: &str = "test-ingest";
pub const PROXY_BUCKET: &str = "test-proxy";

/// Face collections and their vectors, in the harness's catalog.
pub struct Faces {
    pub catalog: Arc<dyn FaceCatalog>,
    pub vectors: Arc<dyn VectorIndex>,
    pub people: Arc<dyn PeopleCatalog>,
}

pub struct Harness {
    pub faces: Faces,
    pub storage: Arc<dyn Storage>,
    pub catalog: Arc<dyn Catalog>,
    pub queue: Arc<dyn Queue>,
    pub search: Arc<dyn SearchIndex>,
    pub worker: Worker,
    pub ingest: Ingest,
    pub dir: tempfile::TempDir,
}

/// The analysis stage with every analysis off unless a test's `ai_options` turn it on,
/// so ingest tests do not pay for models they do not check.
fn analyse(ingest: &Ingest, search: Arc<dyn SearchIndex>, faces: &Faces, vision: Option<Arc<Vision>>) -> Analyse {
    let models = self::models();
    Analyse {
        catalog: ingest.catalog.clone(),
        storage: ingest.storage.clone(),
        tools: ingest.tools.clone(),
        proxy_bucket: PROXY_BUCKET.into(),
        vision: Arc::new(OnDemand::loaded(vision.unwrap_or_else(|| self::vision(&models)))),
        speech: Arc::new(OnDemand::loaded(speech(&models))),
        language: Arc::new(OnDemand::loaded(language(&models))),
        search,
        vectors: faces.vectors.clone(),
        faces: faces.catalog.clone(),
        people: faces.people.clone(),
        defaults: AnalysisDefaults {
            labels: false,
            text: false,
            moderation: false,
            shots: false,
            scenes: false,
            transcript: false,
            keyphrases: false,
            entities: false,
            sentiment: false,
            faces: false,
            ..AnalysisDefaults::default()
        },
    }
}

pub fn models() -> Models {
    Models::open(&inference::default_dir(), 2).expect("models fetched: run python3 models/fetch.py")
}

/// The face models as the server lends them to the faces API.
pub fn face_reader() -> ModelFaceReader {
    let models = models();
    ModelFaceReader { faces: vision(&models).faces.clone(), min_face: 40 }
}

/// The models are loaded once per test binary: every harness shares them.
pub fn vision(models: &Models) -> Arc<Vision> {
    static VISION: std::sync::OnceLock<Arc<Vision>> = std::sync::OnceLock::new();
    VISION.get_or_init(|| Arc::new(Vision::load(models).unwrap())).clone()
}

fn speech(models: &Models) -> Arc<Speech> {
    static SPEECH: std::sync::OnceLock<Arc<Speech>> = std::sync::OnceLock::new();
    SPEECH.get_or_init(|| Arc::new(Speech::load(models, speech::TINY_EN).unwrap())).clone()
}

pub fn language(models: &Models) -> Arc<Language> {
    static LANGUAGE: std::sync::OnceLock<Arc<Language>> = std::sync::OnceLock::new();
    LANGUAGE.get_or_init(|| Arc::new(Language::load(models).unwrap())).clone()
}

impl Harness {
    pub async fn start() -> Self {
        Self::start_with(None).await
    }

    /// A harness whose worker looks at frames with these models instead of the shared ones.
    pub async fn start_with(vision: Option<Arc<Vision>>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = EmbeddedS3Config {
            root: dir.path().join("storage"),
            access_key: "TESTACCESSKEY".into(),
            secret_key: "test-secret-key".into(),
            cors_origins: vec![],
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = embedded::start(&config).await.unwrap().router;
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        let storage: Arc<dyn Storage> = Arc::new(
            S3Storage::connect(&S3StorageConfig {
                endpoint: Some(format!("http://{addr}")),
                region: "us-east-1".into(),
                credentials: Some((config.access_key.clone(), config.secret_key.clone())),
                force_path_style: true,
                public_endpoint: None,
            })
            .await,
        );
        storage.ensure_bucket(INGEST_BUCKET).await.unwrap();
        storage.ensure_bucket(PROXY_BUCKET).await.unwrap();
        let sqlite = SqlCatalog::open_sqlite(&dir.path().join("catalog.db")).await.unwrap();
        let queue = mediaport_backends::queue::in_db(sqlite.db());
        let vectors: Arc<dyn VectorIndex> = Arc::new(SqlVectors::new(sqlite.db().clone()));
        let sqlite = Arc::new(sqlite);
        let faces = Faces { catalog: sqlite.clone(), vectors, people: sqlite.clone() };
        let catalog: Arc<dyn Catalog> = sqlite;
        let ingest = Ingest {
            catalog: catalog.clone(),
            storage: storage.clone(),
            tools: Tools::new(2, Duration::from_secs(300), &dir.path().join("work")).unwrap(),
            proxy_bucket: PROXY_BUCKET.into(),
            frames: FrameDefaults { rate: 1.0, dynamic: false, min_distance: 10 },
            threads: 2,
            restore_check: Duration::from_secs(1),
        };
        let config = WorkerConfig {
            name: "test-worker".into(),
            concurrency: 1,
            lease: Duration::from_secs(30),
            idle_poll: Duration::from_millis(100),
            public_url: None,
        };
        let search: Arc<dyn SearchIndex> = Arc::new(TantivyIndex::open(&dir.path().join("search")).unwrap());
        let worker =
            Worker::new(queue.clone(), ingest.clone(), analyse(&ingest, search.clone(), &faces, vision), config);
        Self { faces, storage, catalog, queue, search, worker, ingest, dir }
    }

    /// Stores `path` in the ingest bucket as `filename` and registers it for ingest, as a
    /// completed upload does; `md5` is what the uploader claims.
    pub async fn add(
        &self,
        path: &Path,
        filename: &str,
        md5: Option<&str>,
        ai_options: Option<serde_json::Value>,
    ) -> Asset {
        let id = mediaport_core::new_id();
        let key = format!("uploads/{id}/{filename}");
        self.storage.put_file(INGEST_BUCKET, &key, path, "application/octet-stream").await.unwrap();
        let asset_type = AssetType::of_file(filename, None);
        let asset = self
            .catalog
            .create_asset(NewAsset {
                id,
                asset_type,
                filename: filename.into(),
                size: std::fs::metadata(path).unwrap().len(),
                md5: md5.map(str::to_owned),
                group: None,
                attributes: Default::default(),
                bucket: INGEST_BUCKET.into(),
                key,
                status: AssetStatus::once_stored(asset_type),
                ai_options: ai_options.map(|o| serde_json::from_value(o).expect("ai_options the server takes")),
            })
            .await
            .unwrap();
        workflow::start_ingest(self.queue.as_ref(), &asset).await.unwrap();
        asset
    }

    /// Writes `bytes` to a file in the test folder and adds it.
    pub async fn add_bytes(&self, bytes: &[u8], filename: &str) -> Asset {
        let path = self.dir.path().join(format!("bytes-{filename}"));
        std::fs::write(&path, bytes).unwrap();
        self.add(&path, filename, None, None).await
    }

    /// Copies an output from the proxy bucket to a local file, for ffprobe and decoders.
    pub async fn download(&self, key: &str) -> PathBuf {
        let bytes = self.storage.get_object(PROXY_BUCKET, key).await.unwrap();
        let path = self.dir.path().join("downloads").join(key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path
    }

    pub async fn asset(&self, id: &AssetId) -> Asset {
        self.catalog.get_asset(id).await.unwrap()
    }

    pub fn md5_of(path: &Path) -> String {
        mediaport_analysis::fixity::hash_file(path).unwrap().md5
    }
}
