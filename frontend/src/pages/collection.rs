use leptos::prelude::*;
use mediaport_shared::Group;

use crate::api;
use crate::auth::use_auth;
use crate::components::empty_state::EmptyState;

const TYPES: [(&str, &str); 6] = [
    ("All", ""),
    ("Video", "video"),
    ("Audio", "audio"),
    ("Images", "image"),
    ("Documents", "document"),
    ("Other", "other"),
];

/// Every asset in the archive, newest first, filtered by type.
#[component]
pub fn Collection() -> impl IntoView {
    let auth = use_auth();
    let selected = RwSignal::new("");
    let assets = LocalResource::new(move || api::list_assets(auth, selected.get()));
    view! {
        <section class="page">
            <header class="page-header">
                <div>
                    <h1>"Collection"</h1>
                    <p class="subtitle">"Every video, audio file, image and document in the archive."</p>
                </div>
                <Show when=move || auth.can(Group::Creator)>
                    <a class="button" href="/upload">"Upload media"</a>
                </Show>
            </header>
            <div class="chips" role="tablist" aria-label="Asset type">
                {TYPES.iter().map(|(label, value)| {
                    let value = *value;
                    view! {
                        <button class="chip" role="tab"
                            class:chip-active=move || selected.get() == value
                            on:click=move |_| selected.set(value)>{*label}</button>
                    }
                }).collect_view()}
            </div>
            {move || match assets.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="alert alert-error">{e.message}</p> }.into_any(),
                Some(Ok(list)) if list.items.is_empty() => view! {
                    <EmptyState icon="▦" title="Nothing here yet"
                        text="Upload video, audio, images or PDFs from this browser, or in bulk with `mediaport ingest`. Each file gets checksums, proxies and machine-learning metadata."
                        action=("/upload", "Upload files")/>
                }.into_any(),
                Some(Ok(list)) => view! {
                    <div class="asset-grid">
                        {list.items.into_iter().map(|a| view! {
                            <a class="asset-card" href=format!("/assets/{}", a.id)>
                                <div class="asset-thumb">{a.asset_type.as_str()}</div>
                                <div class="asset-name">{a.filename}</div>
                                <div class="muted small">{a.status.as_str()}</div>
                            </a>
                        }).collect_view()}
                    </div>
                }.into_any(),
            }}
        </section>
    }
}
