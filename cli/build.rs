//! The `mediaport` binary finds oneDNN, which CTranslate2 (Whisper) runs on, beside itself
//! or where scripts/setup.sh put it, with no library path to set.

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_DNNL_LIBRARY_PATH");
    if let Ok(lib) = std::env::var("DEP_DNNL_LIBRARY_PATH") {
        println!("cargo:rustc-link-arg-bins=-Wl,-rpath,$ORIGIN:{lib}");
    }
}
