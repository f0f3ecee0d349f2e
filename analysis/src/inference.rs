//! The models and the runtime that runs them: files listed in `models/manifest.toml`,
//! fetched into a cache by `models/fetch.py`, checked here against their sha256 before a
//! worker uses them, and run by ONNX Runtime on a bounded number of CPU threads.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::Tensor;
use serde::Deserialize;
use sha2::{Digest, Sha256};

const MANIFEST: &str = include_str!("../../models/manifest.toml");
const FIX: &str = "run `python3 models/fetch.py` (scripts/setup.sh does)";

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("model file {name} is missing from {dir}: {FIX}")]
    Missing { name: String, dir: String },
    #[error("model file {name} in {dir} is not the one the manifest pins (sha256 differs): {FIX}")]
    Altered { name: String, dir: String },
    #[error("the model manifest is not valid: {0}")]
    Manifest(String),
    #[error("onnx runtime: {0}")]
    Runtime(String),
    #[error("cannot read {0}: {1}")]
    Io(String, std::io::Error),
}

impl ModelError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing { .. } => "model-missing",
            Self::Altered { .. } => "model-altered",
            Self::Manifest(_) => "model-manifest",
            Self::Runtime(_) => "model-runtime",
            Self::Io(..) => "model-io",
        }
    }
}

impl<T> From<ort::Error<T>> for ModelError {
    fn from(err: ort::Error<T>) -> Self {
        Self::Runtime(err.to_string())
    }
}

#[derive(Debug, Deserialize)]
struct Manifest {
    runtime: Entry,
    model: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
struct Entry {
    name: String,
    sha256: String,
}

/// The verified model folder and the loaded runtime.
#[derive(Debug)]
pub struct Models {
    dir: PathBuf,
    threads: usize,
    environment: ort::environment::Environment,
}

/// ONNX Runtime can be loaded once per process.
static RUNTIME: OnceLock<Result<ort::environment::Environment, String>> = OnceLock::new();

impl Models {
    /// Checks every file in the manifest under `dir` and loads ONNX Runtime from there;
    /// sessions run inference on `threads` threads each.
    pub fn open(dir: &Path, threads: usize) -> Result<Self, ModelError> {
        let manifest: Manifest = toml::from_str(MANIFEST).map_err(|e| ModelError::Manifest(e.to_string()))?;
        for entry in std::iter::once(&manifest.runtime).chain(&manifest.model) {
            verify(dir, entry)?;
        }
        let library = dir.join(&manifest.runtime.name);
        let environment = RUNTIME
            .get_or_init(|| {
                let builder = ort::init_from(&library).map_err(|e| e.to_string())?;
                builder.with_name("mediaport").build().map_err(|e| e.to_string())
            })
            .clone()
            .map_err(ModelError::Runtime)?;
        Ok(Self { dir: dir.to_path_buf(), threads: threads.max(1), environment })
    }

    /// The verified folder, for models another runtime reads (Whisper).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Loads one model of the manifest into a session of its own.
    pub fn load(&self, name: &str) -> Result<Model, ModelError> {
        // Every graph optimisation, as Python onnxruntime's default (ort's own stops short).
        let session = Session::builder(&self.environment)?
            .with_optimization_level(GraphOptimizationLevel::All)?
            .with_intra_threads(self.threads)?
            .with_inter_threads(1)?
            .commit_from_file(self.dir.join(name))?;
        Ok(Model { name: name.to_owned(), session: Mutex::new(session) })
    }
}

fn verify(dir: &Path, entry: &Entry) -> Result<(), ModelError> {
    let path = dir.join(&entry.name);
    let missing = || ModelError::Missing { name: entry.name.clone(), dir: dir.display().to_string() };
    let mut file = std::fs::File::open(&path).map_err(|_| missing())?;
    let mut digest = Sha256::new();
    let mut block = vec![0u8; 1 << 20];
    loop {
        let read = file.read(&mut block).map_err(|e| ModelError::Io(entry.name.clone(), e))?;
        if read == 0 {
            break;
        }
        digest.update(&block[..read]);
    }
    let got: String = digest.finalize().iter().map(|b| format!("{b:02x}")).collect();
    if got != entry.sha256 {
        return Err(ModelError::Altered { name: entry.name.clone(), dir: dir.display().to_string() });
    }
    Ok(())
}

/// One loaded model. Runs are serialised per model: each run already uses the threads
/// the session was given.
#[derive(Debug)]
pub struct Model {
    name: String,
    session: Mutex<Session>,
}

/// A float tensor going in or coming out: its shape and its values in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub struct Floats {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

/// An integer tensor going in (token ids and masks): its shape and row-major values.
#[derive(Debug, Clone, PartialEq)]
pub struct Ints {
    pub shape: Vec<usize>,
    pub data: Vec<i64>,
}

impl Model {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A string the model carries in its metadata (e.g. a recogniser's character set).
    pub fn metadata(&self, key: &str) -> Result<Option<String>, ModelError> {
        let session = self.session.lock().map_err(|_| ModelError::Runtime("a run panicked".into()))?;
        Ok(session.metadata()?.custom(key))
    }

    /// Runs the model on one input and returns its first output. Blocking: call it from
    /// the blocking pool, never on the async runtime.
    pub fn run(&self, input: Floats) -> Result<Floats, ModelError> {
        let mut outputs = self.run_all(input)?;
        if outputs.is_empty() {
            return Err(ModelError::Runtime(format!("{} gave no output", self.name)));
        }
        Ok(outputs.swap_remove(0).1)
    }

    /// Runs the model on one input and returns every output with its name, in the
    /// model's order. Blocking.
    pub fn run_all(&self, input: Floats) -> Result<Vec<(String, Floats)>, ModelError> {
        let tensor = tensor(&input.shape, input.data)?;
        let mut session = self.session.lock().map_err(|_| ModelError::Runtime("a run panicked".into()))?;
        let outputs = session.run(ort::inputs![tensor]).map_err(|e| self.failed(&e))?;
        Self::floats(&outputs)
    }

    /// Runs the model on named inputs (a recurrent model's state beside its input) and
    /// returns every output with its name. Blocking.
    pub fn run_named(&self, inputs: Vec<(&str, Floats)>) -> Result<Vec<(String, Floats)>, ModelError> {
        let mut named = Vec::with_capacity(inputs.len());
        for (name, input) in inputs {
            named.push((name.to_owned(), ort::value::DynValue::from(tensor(&input.shape, input.data)?)));
        }
        self.run_values(named)
    }

    /// Runs a text model on named integer inputs (token ids, attention masks) and returns
    /// every output with its name. Blocking.
    pub fn run_ints(&self, inputs: Vec<(&str, Ints)>) -> Result<Vec<(String, Floats)>, ModelError> {
        let mut named = Vec::with_capacity(inputs.len());
        for (name, input) in inputs {
            named.push((name.to_owned(), ort::value::DynValue::from(tensor(&input.shape, input.data)?)));
        }
        self.run_values(named)
    }

    fn run_values(&self, named: Vec<(String, ort::value::DynValue)>) -> Result<Vec<(String, Floats)>, ModelError> {
        let mut session = self.session.lock().map_err(|_| ModelError::Runtime("a run panicked".into()))?;
        let outputs = session.run(named).map_err(|e| self.failed(&e))?;
        Self::floats(&outputs)
    }

    /// A run's error, naming the model: a reviewer reading an asset's reason learns which.
    fn failed(&self, err: &ort::Error) -> ModelError {
        ModelError::Runtime(format!("{}: {err}", self.name))
    }

    /// The names of the model's inputs, in its order.
    pub fn inputs(&self) -> Result<Vec<String>, ModelError> {
        let session = self.session.lock().map_err(|_| ModelError::Runtime("a run panicked".into()))?;
        Ok(session.inputs().iter().map(|i| i.name().to_owned()).collect())
    }

    fn floats(outputs: &ort::session::SessionOutputs) -> Result<Vec<(String, Floats)>, ModelError> {
        outputs
            .iter()
            .map(|(name, value)| {
                let (shape, data) = value.try_extract_tensor::<f32>()?;
                let shape = shape.iter().map(|&d| d.max(0) as usize).collect();
                Ok((name.to_owned(), Floats { shape, data: data.to_vec() }))
            })
            .collect()
    }
}

fn tensor<T: ort::value::PrimitiveTensorElementType + std::fmt::Debug + Clone + 'static>(
    shape: &[usize],
    data: Vec<T>,
) -> Result<Tensor<T>, ModelError> {
    let shape: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
    Ok(Tensor::from_array((shape, data))?)
}

/// The model folder when settings name none: the cache `models/fetch.py` fills.
pub fn default_dir() -> PathBuf {
    let cache = std::env::var_os("MEDIAPORT_CACHE").map(PathBuf::from).unwrap_or_else(|| {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache"));
        base.join("mediaport")
    });
    cache.join("models")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_altered_file_names_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let err = Models::open(dir.path(), 1).unwrap_err();
        assert_eq!(err.code(), "model-missing");
        assert!(err.to_string().contains("models/fetch.py"), "{err}");

        // The real files with one of them changed by a byte.
        let real = default_dir();
        for entry in std::fs::read_dir(&real).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_file() {
                std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
            }
        }
        let mut bytes = std::fs::read(dir.path().join("ppocr-det.onnx")).unwrap();
        bytes[100] ^= 1;
        std::fs::write(dir.path().join("ppocr-det.onnx"), bytes).unwrap();
        let err = Models::open(dir.path(), 1).unwrap_err();
        assert_eq!(err.code(), "model-altered", "{err}");
        assert!(err.to_string().contains("ppocr-det.onnx"), "{err}");
    }
}
