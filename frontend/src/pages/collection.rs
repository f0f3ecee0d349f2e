use leptos::prelude::*;

use crate::components::empty_state::EmptyState;

const TYPES: [(&str, &str); 5] =
    [("All", ""), ("Video", "video"), ("Audio", "audio"), ("Images", "image"), ("Documents", "document")];

/// Every asset in the archive, newest first, filtered by type.
#[component]
pub fn Collection() -> impl IntoView {
    let selected = RwSignal::new("");
    view! {
        <section class="page">
            <header class="page-header">
                <div>
                    <h1>"Collection"</h1>
                    <p class="subtitle">"Every video, audio file, image and document in the archive."</p>
                </div>
                <a class="button" href="/upload">"Upload media"</a>
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
            <EmptyState icon="▦" title="Your archive is empty"
                text="Upload video, audio, images or PDFs from this browser, or in bulk with `mediaport ingest`. Each file gets checksums, proxies and machine-learning metadata."
                action=("/upload", "Upload your first files")/>
        </section>
    }
}
