use leptos::prelude::*;

/// Uploads go straight from the browser to storage in parallel parts.
#[component]
pub fn Upload() -> impl IntoView {
    view! {
        <section class="page">
            <header class="page-header">
                <div>
                    <h1>"Upload"</h1>
                    <p class="subtitle">"Files go straight to storage in parallel parts: large files resume where they stopped."</p>
                </div>
            </header>
            <div class="dropzone" aria-disabled="true">
                <div class="dropzone-icon" aria-hidden="true">"⇪"</div>
                <p class="dropzone-title">"Drop files or folders here"</p>
                <p class="muted">"Video, audio, images and PDF, up to 5 TB each."</p>
            </div>
            <div class="card">
                <h2>"From the command line"</h2>
                <p class="muted">"Move a whole archive with progress bars and a journal that resumes an interrupted run:"</p>
                <pre class="code">"mediaport ingest /mnt/archive --server " {move || window().location().origin().unwrap_or_default()} " --group news"</pre>
            </div>
        </section>
    }
}
