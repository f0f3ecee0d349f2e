//! `mediaport serve`: the API, the web app and (by default) the embedded S3 endpoint.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;

use crate::background;
use mediaport_api::AppState;
use mediaport_backends::storage::embedded::{self, EmbeddedS3Config, ObjectCreated};
use mediaport_wiring::{Settings, bootstrap};
use tokio::net::TcpListener;
use tokio::sync::{Notify, broadcast};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// A started server: its real addresses (ports may have been 0) and a way to stop it.
pub struct RunningServer {
    pub api_addr: SocketAddr,
    pub s3_addr: Option<SocketAddr>,
    pub state: AppState,
    pub settings: Settings,
    /// Set on the first start: the generated admin password, shown once.
    pub first_admin: Option<(String, String)>,
    shutdown: CancellationToken,
    tasks: JoinSet<std::io::Result<()>>,
    scans: Arc<AtomicU64>,
}

impl RunningServer {
    pub fn url(&self) -> String {
        format!("http://{}", self.api_addr)
    }

    /// How many times this server has listed the ingest bucket looking for copies (also
    /// on `/metrics`, there for the whole process).
    pub fn bucket_scans(&self) -> u64 {
        self.scans.load(Ordering::Relaxed)
    }

    pub fn s3_url(&self) -> Option<String> {
        self.s3_addr.map(|a| format!("http://{a}"))
    }

    /// Stops accepting connections, lets in-flight requests finish, and waits.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        while let Some(done) = self.tasks.join_next().await {
            done??;
        }
        Ok(())
    }

    /// Serves until Ctrl-C or SIGTERM, then shuts down gracefully.
    pub async fn run_until_signal(self) -> anyhow::Result<()> {
        shutdown_signal().await;
        tracing::info!("shutting down");
        self.shutdown().await
    }
}

/// Settings for a throwaway server (tests, demos): free ports, the given data folder,
/// the API alone, no worker (tests that process media turn it on, so that the others see
/// assets stay where uploads put them).
pub fn ephemeral_settings(data_dir: &std::path::Path) -> Settings {
    let any_port = SocketAddr::from(([127, 0, 0, 1], 0));
    let mut settings = Settings { data_dir: data_dir.to_path_buf(), ..Settings::default() };
    settings.server.listen = any_port;
    settings.server.web_dir = std::path::PathBuf::new();
    settings.storage.embedded.listen = any_port;
    settings.worker.in_server = false;
    // Tests that check analysis turn on what they check; the others skip the models' cost.
    settings.analysis.labels = false;
    settings.analysis.text = false;
    settings.analysis.moderation = false;
    settings.analysis.transcript = false;
    settings.analysis.shots = false;
    settings.analysis.faces = false;
    settings
}

/// Starts every part of the server and returns once all of them accept connections.
pub async fn start(mut settings: Settings) -> anyhow::Result<RunningServer> {
    let web_dir = web_dir(&settings)?;
    mediaport_wiring::bootstrap::create_data_dir(&settings.data_dir)?;
    let api_listener = bind(settings.server.listen, "server.listen (--listen)").await?;
    let api_addr = api_listener.local_addr()?;
    if settings.server.public_url.is_none() {
        settings.server.public_url = Some(format!("http://{api_addr}"));
    }

    let shutdown = CancellationToken::new();
    let mut tasks = JoinSet::new();
    let credentials = bootstrap::storage_credentials(&settings)?;
    let mut events = None;
    let (endpoint, s3_addr) = if settings.embedded_storage() {
        let (access_key, secret_key) = credentials.clone().context("embedded storage needs credentials")?;
        let config = EmbeddedS3Config {
            root: settings.storage_root(),
            access_key,
            secret_key,
            cors_origins: cors_origins(&settings, api_addr),
        };
        let endpoint = embedded::start(&config).await?;
        let listener = bind(settings.storage.embedded.listen, "storage.embedded.listen (--s3-listen)").await?;
        let addr = listener.local_addr()?;
        tasks.spawn(serve(listener, endpoint.router, shutdown.clone()));
        events = Some(endpoint.events.subscribe());
        (Some(format!("http://{addr}")), Some(addr))
    } else {
        (settings.storage.endpoint.clone(), None)
    };

    let backends = bootstrap::open_backends(&settings).await?;
    let first_admin = bootstrap::ensure_first_admin(&backends).await?;
    let storage = bootstrap::open_storage(&settings, endpoint, credentials).await;
    bootstrap::ensure_buckets(storage.as_ref(), &settings).await?;
    let worker = match settings.worker.in_server {
        true => Some(crate::worker::build(&settings, &backends, storage.clone())?),
        false => None,
    };
    let mut state = AppState::new(&settings, backends, storage);
    state.stopping = shutdown.clone();
    let lent = worker.as_ref().map(|(_, lent)| lent);
    state.face_reader = Some(crate::worker::face_reader(&settings, lent.map(|l| l.vision.clone())));
    state.encoder = Some(crate::encoder::sentence_encoder(&settings, lent.map(|l| l.language.clone())));
    // Assets a crash left between upload and ingest get their job now.
    let resumed = mediaport_core::workflow::resume_ingests(state.catalog.as_ref(), state.queue.as_ref()).await?;
    if resumed > 0 {
        tracing::info!(assets = resumed, "ingest queued again for assets left ingesting");
    }
    if state.search.needs_rebuild() {
        let stop = shutdown.clone();
        let indexer = mediaport_analysis::indexer::Indexer {
            catalog: state.catalog.clone(),
            storage: state.storage.clone(),
            proxy_bucket: state.buckets.proxy.clone(),
            search: state.search.clone(),
            vectors: state.vectors.clone(),
        };
        tasks.spawn(async move {
            // Search answers from what is indexed so far while this runs.
            tokio::select! {
                done = indexer.rebuild() => match done {
                    Ok(count) => tracing::info!(assets = count, "search index rebuilt"),
                    Err(err) => tracing::error!(error = %err, "cannot rebuild the search index: run `mediaport reindex`"),
                },
                () = stop.cancelled() => {}
            }
            Ok(())
        });
    }
    let app = mediaport_api::router(state.clone(), web_dir.as_deref());
    tasks.spawn(serve(api_listener, app, shutdown.clone()));
    let scans = Arc::new(AtomicU64::new(0));
    spawn_background(&mut tasks, &state, &settings, events, &scans, &shutdown);
    if let Some((worker, _)) = worker {
        let stop = shutdown.clone();
        tasks.spawn(async move {
            worker.run(stop).await;
            Ok(())
        });
    }
    Ok(RunningServer { api_addr, s3_addr, state, settings, first_admin, shutdown, tasks, scans })
}

fn spawn_background(
    tasks: &mut JoinSet<std::io::Result<()>>,
    state: &AppState,
    settings: &Settings,
    events: Option<broadcast::Receiver<ObjectCreated>>,
    scans: &Arc<AtomicU64>,
    shutdown: &CancellationToken,
) {
    let (state, stop) = (state.clone(), shutdown.clone());
    let uploads = &settings.uploads;
    let scan = match events.filter(|_| uploads.adopt_copies) {
        Some(events) => {
            let (state, stop, missed) = (state.clone(), stop.clone(), Arc::new(Notify::new()));
            let scan = background::ScanWhen::Missed(missed.clone());
            tasks.spawn(async move {
                background::follow_events(state, events, missed, stop).await;
                Ok(())
            });
            Some(scan)
        }
        None if uploads.adopt_copies && uploads.scan_interval_secs > 0 => {
            Some(background::ScanWhen::Every(Duration::from_secs(uploads.scan_interval_secs)))
        }
        None => None,
    };
    if let Some(when) = scan {
        let (state, stop, scans) = (state.clone(), stop.clone(), scans.clone());
        tasks.spawn(async move {
            background::scan_bucket(state, when, &scans, stop).await;
            Ok(())
        });
    }
    let every = Duration::from_secs(uploads.sweep_interval_secs.max(1));
    tasks.spawn(async move {
        background::sweep(state, every, stop).await;
        Ok(())
    });
}

async fn serve(listener: TcpListener, app: axum::Router, shutdown: CancellationToken) -> std::io::Result<()> {
    // The address each request came from, for the per-address sign-in limit.
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown.cancelled_owned()).await
}

async fn bind(addr: SocketAddr, setting: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}: is another server using it? change {setting}"))
}

/// The app's origin may be typed as 127.0.0.1 or localhost: allow both for loopback.
fn cors_origins(settings: &Settings, api_addr: SocketAddr) -> Vec<String> {
    let mut origins = vec![settings.public_url()];
    if api_addr.ip().is_loopback() {
        origins.push(format!("http://localhost:{}", api_addr.port()));
        origins.push(format!("http://127.0.0.1:{}", api_addr.port()));
    }
    origins.extend(settings.storage.embedded.cors_origins.iter().cloned());
    origins.sort();
    origins.dedup();
    origins
}

fn web_dir(settings: &Settings) -> anyhow::Result<Option<std::path::PathBuf>> {
    let dir = &settings.server.web_dir;
    if dir.as_os_str().is_empty() {
        return Ok(None);
    }
    if !dir.join("index.html").is_file() {
        anyhow::bail!(
            "the web app is not built in {}: run scripts/build-web.sh (or `make run`), \
             or pass --web-dir \"\" to serve the API alone",
            dir.display()
        );
    }
    Ok(Some(dir.clone()))
}

pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
