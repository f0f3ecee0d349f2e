use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::components::empty_state::EmptyState;

/// One asset: the player, its timelines and every detection with its timecodes.
#[component]
pub fn AssetPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    view! {
        <section class="page">
            <header class="page-header">
                <div>
                    <h1>"Asset"</h1>
                    <p class="subtitle mono">{id}</p>
                </div>
            </header>
            <div class="asset-layout">
                <div class="player-frame" aria-label="Player">
                    <span class="muted">"No media loaded"</span>
                </div>
                <aside class="card">
                    <h2>"Details"</h2>
                    <p class="muted">"Technical metadata, checksums and analysis results appear here once the asset is processed."</p>
                </aside>
            </div>
            <EmptyState icon="≋" title="No timelines yet"
                text="Labels, faces, on-screen text, shots and the transcript are shown on timelines under the player."/>
        </section>
    }
}
