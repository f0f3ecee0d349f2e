//! The Mediaport web app: a Leptos client-side app compiled to WASM and served by
//! `mediaport serve`.

mod api;
mod app;
mod auth;
mod components;
mod dropped;
mod format;
mod live;
mod pages;
mod uploader;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
