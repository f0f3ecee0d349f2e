//! Models loaded when first wanted and let go when idle: a server that is not analysing
//! anything should not hold hundreds of megabytes of weights.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::inference::ModelError;

type Load<T> = Box<dyn Fn() -> Result<T, ModelError> + Send + Sync>;

/// A model (or set of models) loaded on first use and released after `idle` unused.
pub struct OnDemand<T> {
    name: &'static str,
    load: Load<T>,
    idle: Option<Duration>,
    slot: Mutex<Slot<T>>,
}

struct Slot<T> {
    loaded: Option<Arc<T>>,
    used: Instant,
}

impl<T> std::fmt::Debug for OnDemand<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnDemand").field("name", &self.name).field("loaded", &self.is_loaded()).finish()
    }
}

impl<T> OnDemand<T> {
    /// Loads with `load` when first asked; released after `idle` without use (never when none).
    pub fn new(
        name: &'static str,
        idle: Option<Duration>,
        load: impl Fn() -> Result<T, ModelError> + Send + Sync + 'static,
    ) -> Self {
        let slot = Mutex::new(Slot { loaded: None, used: Instant::now() });
        Self { name, load: Box::new(load), idle, slot }
    }

    /// Already loaded and kept for good (tests, benchmarks).
    pub fn loaded(value: Arc<T>) -> Self {
        let slot = Mutex::new(Slot { loaded: Some(value), used: Instant::now() });
        let load: Load<T> = Box::new(|| Err(ModelError::Runtime("a kept model is never loaded again".into())));
        Self { name: "kept", load, idle: None, slot }
    }

    /// The model, loading it first if it is not in memory. Blocks while loading (seconds):
    /// call from a blocking thread. Callers at the same time wait for one load.
    pub fn get(&self) -> Result<Arc<T>, ModelError> {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        slot.used = Instant::now();
        if let Some(loaded) = &slot.loaded {
            return Ok(loaded.clone());
        }
        let started = Instant::now();
        let loaded = Arc::new((self.load)()?);
        tracing::info!(models = self.name, ms = started.elapsed().as_millis() as u64, "models loaded");
        slot.loaded = Some(loaded.clone());
        slot.used = Instant::now();
        Ok(loaded)
    }

    /// Lets the model go if nobody used it for its idle time and nobody holds it now.
    /// Returns whether it did.
    pub fn release_idle(&self) -> bool {
        let Some(idle) = self.idle else { return false };
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        let unused = slot.loaded.as_ref().is_some_and(|m| Arc::strong_count(m) == 1);
        if !unused || slot.used.elapsed() < idle {
            return false;
        }
        slot.loaded = None;
        tracing::info!(models = self.name, "idle models released");
        true
    }

    pub fn is_loaded(&self) -> bool {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner).loaded.is_some()
    }
}

/// Anything [`release_idle_models`] can ask to let go.
pub trait Releasable: Send + Sync {
    fn release_idle(&self) -> bool;
}

impl<T: Send + Sync> Releasable for OnDemand<T> {
    fn release_idle(&self) -> bool {
        OnDemand::release_idle(self)
    }
}

/// Releases the idle ones; returns how many.
pub fn release_idle_models(models: &[Arc<dyn Releasable>]) -> usize {
    models.iter().filter(|m| m.release_idle()).count()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn loads_once_when_wanted_and_lets_go_when_idle_and_unheld() {
        let loads = Arc::new(AtomicUsize::new(0));
        let counter = loads.clone();
        let model = OnDemand::new("test", Some(Duration::ZERO), move || Ok(counter.fetch_add(1, Ordering::SeqCst)));
        assert!(!model.is_loaded(), "nothing is loaded before it is wanted");
        let held = model.get().unwrap();
        assert_eq!(*model.get().unwrap(), 0, "the same load serves the second caller");
        assert!(!model.release_idle(), "a model in use stays");
        drop(held);
        assert!(model.release_idle());
        assert!(!model.is_loaded());
        assert_eq!(*model.get().unwrap(), 1, "wanted again, loaded again");
        assert_eq!(loads.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_failed_load_is_tried_again_and_kept_models_stay() {
        let tries = AtomicUsize::new(0);
        let model = OnDemand::new("test", None, move || match tries.fetch_add(1, Ordering::SeqCst) {
            0 => Err(ModelError::Runtime("not fetched yet".into())),
            n => Ok(n),
        });
        assert!(model.get().is_err());
        assert_eq!(*model.get().unwrap(), 1);
        assert!(!model.release_idle(), "no idle time: kept");
        let kept = OnDemand::loaded(Arc::new(7));
        assert!(!kept.release_idle());
        assert_eq!(*kept.get().unwrap(), 7);
    }
}
