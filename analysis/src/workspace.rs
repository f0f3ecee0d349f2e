//! Worker folders on local disk. Worker processes on one machine share a work root; each
//! keeps its temporary folders in a folder of its own, marked by a lock file it holds while
//! it lives. A process that starts clears the folders of processes that are gone (killed,
//! crashed, the machine restarted) and leaves live ones alone.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// A lock file younger than this may belong to a process that has not locked it yet.
const GRACE: Duration = Duration::from_secs(60);

/// This process's folder under the work root, held until drop.
#[derive(Debug)]
pub struct Workspace {
    root: PathBuf,
    own: PathBuf,
    lock_path: PathBuf,
    /// The held lock: the kernel releases it when the process dies, however it dies.
    _lock: File,
}

impl Workspace {
    /// Takes a new folder under `root`, after removing those of processes that are gone.
    pub fn open(root: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(root)?;
        let removed = sweep(root)?;
        if removed > 0 {
            tracing::info!(removed, root = %root.display(), "removed work folders left by stopped workers");
        }
        let name = format!("run-{}", mediaport_core::new_id::<String>());
        let lock_path = root.join(format!("{name}.lock"));
        let lock = OpenOptions::new().write(true).create_new(true).open(&lock_path)?;
        lock.try_lock().map_err(io::Error::other)?;
        let own = root.join(name);
        std::fs::create_dir(&own)?;
        Ok(Self { root: root.to_path_buf(), own, lock_path, _lock: lock })
    }

    /// The shared root, for what outlives a process (copies to resume).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// This process's own folder, for temporary folders.
    pub fn own(&self) -> &Path {
        &self.own
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.own);
        let _ = std::fs::remove_file(&self.lock_path);
    }
}

/// Removes the folders whose lock no process holds; returns how many.
fn sweep(root: &Path) -> io::Result<usize> {
    let mut removed = 0;
    for entry in std::fs::read_dir(root)? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".lock")) else {
            continue;
        };
        let Ok(file) = OpenOptions::new().write(true).open(&path) else { continue };
        let young = file
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|at| SystemTime::now().duration_since(at).unwrap_or_default() < GRACE);
        if young || file.try_lock().is_err() {
            continue;
        }
        // Another worker starting at the same moment may have swept this one first.
        let gone = |result: io::Result<()>| match result {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        };
        gone(std::fs::remove_dir_all(root.join(name)))?;
        gone(std::fs::remove_file(&path))?;
        removed += 1;
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn age(path: &Path) {
        let old = SystemTime::now() - Duration::from_secs(3600);
        File::options().write(true).open(path).unwrap().set_modified(old).unwrap();
    }

    #[test]
    fn a_stopped_process_folder_is_cleared_and_a_live_one_kept() {
        let root = tempfile::tempdir().unwrap();
        let live = Workspace::open(root.path()).unwrap();
        std::fs::write(live.own().join("frame.jpg"), b"x").unwrap();
        // What a killed process leaves: its folder and an unlocked lock file.
        let dead = root.path().join("run-dead");
        std::fs::create_dir(&dead).unwrap();
        std::fs::write(dead.join("proxy.mp4"), b"partial").unwrap();
        std::fs::write(root.path().join("run-dead.lock"), b"").unwrap();
        age(&root.path().join("run-dead.lock"));
        age(&live.lock_path);

        let next = Workspace::open(root.path()).unwrap();
        assert!(!dead.exists(), "the dead process's folder is gone");
        assert!(!root.path().join("run-dead.lock").exists());
        assert!(live.own().join("frame.jpg").exists(), "a live process keeps its folder");
        assert_ne!(next.own(), live.own());
        let own = next.own().to_path_buf();
        drop(next);
        assert!(!own.exists(), "a process clears its folder when it stops");
    }
}
