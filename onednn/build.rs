//! Finds the prebuilt oneDNN (PyPI `onednn-cpu-gomp` and `onednn-devel-cpu-gomp`, unpacked
//! by scripts/setup.sh into `$MEDIAPORT_CACHE/tools/onednn-<version>`, or the folder
//! `MEDIAPORT_ONEDNN` names) and hands its folders to ct2rs's build, which compiles
//! CTranslate2 against it.

use std::path::{Path, PathBuf};

/// The wheels' version (oneDNN 3.2); scripts/env.sh names the same folder.
const VERSION: &str = "2023.2.0";

fn main() {
    println!("cargo:rerun-if-env-changed=MEDIAPORT_ONEDNN");
    println!("cargo:rerun-if-env-changed=MEDIAPORT_CACHE");
    println!("cargo:rerun-if-env-changed=XDG_CACHE_HOME");
    let root = match std::env::var_os("MEDIAPORT_ONEDNN") {
        Some(dir) => PathBuf::from(dir),
        None => cache().join("tools").join(format!("onednn-{VERSION}")),
    };
    let (include, lib) = (root.join("include"), root.join("lib"));
    if !include.join("dnnl.h").is_file() || !lib.join("libdnnl.so").exists() {
        panic!("oneDNN is not in {}: run scripts/setup.sh (or set MEDIAPORT_ONEDNN)", root.display());
    }
    println!("cargo:rerun-if-changed={}", lib.join("libdnnl.so").display());
    // What CTranslate2's CMake build searches.
    println!("cargo:include_path={}", include.display());
    println!("cargo:library_path={}", lib.display());
    println!("cargo:root={}", root.display());
    // `cargo test`, `run` and `bench` put search paths inside the target folder on the
    // library path of what they start, so the library is linked from there.
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    link_into(&lib, &out.join("lib"));
    println!("cargo:rustc-link-search=native={}", out.join("lib").display());
    println!("cargo:rustc-link-lib=dylib=dnnl");
}

/// Symbolic links in `to` to every `libdnnl.so*` of `from`.
fn link_into(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("cannot make the library folder");
    let entries = std::fs::read_dir(from).expect("cannot read oneDNN's library folder");
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with("libdnnl.so") {
            continue;
        }
        let link = to.join(&name);
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(entry.path(), &link).expect("cannot link oneDNN's library");
    }
}

/// scripts/env.sh's cache folder.
fn cache() -> PathBuf {
    if let Some(dir) = std::env::var_os("MEDIAPORT_CACHE") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
    std::env::var_os("XDG_CACHE_HOME").map_or_else(|| home.join(".cache"), PathBuf::from).join("mediaport")
}
