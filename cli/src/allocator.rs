//! Memory given back: a worker lets its models go when idle (`worker.models_idle_secs`),
//! but glibc keeps what they freed for later unless told otherwise. After a large block
//! is freed it raises the size above which an allocation gets pages of its own (returned
//! to the system when freed), so the next model's buffers come from heaps that never
//! shrink. A fixed threshold keeps large blocks on their own pages: measured by
//! bench/memory.sh, an idle server after an analysis holds 166 MiB instead of 704.

/// glibc reads its threshold from this variable when a process starts.
const VARIABLE: &str = "MALLOC_MMAP_THRESHOLD_";
/// glibc's own starting value (128 KiB), kept fixed.
const THRESHOLD: &str = "131072";

/// Runs this process again with the threshold fixed, unless it is set already (by this
/// function, or by whoever started the process, who may choose another value).
pub fn give_back_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os(VARIABLE).is_none() {
        use std::os::unix::process::CommandExt;
        let Ok(program) = std::env::current_exe() else { return };
        let err = std::process::Command::new(program).args(std::env::args_os().skip(1)).env(VARIABLE, THRESHOLD).exec();
        // exec returns only when it failed: go on as this process.
        eprintln!("warning: cannot restart with {VARIABLE} set ({err}); idle models' memory stays with the process");
    }
}
