//! The asset page's Re-analyse panel (creators): choose the analyses and options, and
//! the asset is analysed again; its results are replaced at once when the run ends.

use leptos::prelude::*;
use mediaport_shared::options::SWITCHES;
use mediaport_shared::{AiOptions, Asset, AssetStatus};

use crate::api;
use crate::auth::use_auth;
use crate::components::ai_options::AiOptionsForm;

/// The options the asset was analysed with, its switches read from what it has.
fn current(asset: &Asset) -> AiOptions {
    let mut options = asset.ai_options.clone().unwrap_or_default();
    for (switch, kinds) in SWITCHES {
        if options.switch(switch).is_none() {
            options.set_switch(switch, kinds.iter().any(|k| asset.analysis.contains_key(k)));
        }
    }
    options
}

#[component]
pub fn Reanalyse(asset: Asset) -> impl IntoView {
    let auth = use_auth();
    let options = RwSignal::new(current(&asset));
    let open = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let busy = RwSignal::new(false);
    let Asset { id, status, outputs, .. } = asset;
    let analysable = matches!(status, AssetStatus::Ready | AssetStatus::Failed) && outputs.is_some();
    let run = move |_| {
        let id = id.clone();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = api::reanalyse(auth, &id, options.get_untracked()).await;
            outcome.set(Some(
                result
                    .map(|_| "Queued: the results below stay until the new ones replace them.".into())
                    .map_err(|e| e.message),
            ));
            busy.set(false);
        });
    };
    view! {
        <section class="card reanalyse" data-testid="reanalyse">
            <div class="card-header">
                <h2>"Re-analyse"</h2>
                <button class="button button-ghost button-small" data-action="open" on:click=move |_| open.update(|o| *o = !*o)>
                    {move || if open.get() { "Close" } else { "Choose analyses…" }}
                </button>
            </div>
            // The page loads again when the asset moves on: the running analysis is said
            // from its status, not only from the answer to the click.
            {match status {
                AssetStatus::Analysing => view! {
                    <p class="alert alert-ok small" data-outcome="queued">"Analysing: the results below stay until the new ones replace them."</p>
                }.into_any(),
                _ if !analysable => view! {
                    <p class="muted small">{format!("Possible once the asset is ready (it is {}).", status.as_str())}</p>
                }.into_any(),
                _ => ().into_any(),
            }}
            <Show when=move || open.get()>
                <AiOptionsForm options details=true/>
                <div class="actions">
                    <button class="button" data-action="reanalyse" disabled=move || busy.get() || !analysable on:click=run.clone()>
                        "Analyse again"
                    </button>
                </div>
            </Show>
            {move || outcome.get().map(|o| match o {
                Ok(text) => view! { <p class="alert alert-ok small" data-outcome="queued">{text}</p> }.into_any(),
                Err(text) => view! { <p class="alert alert-error small" data-outcome="refused">{text}</p> }.into_any(),
            })}
        </section>
    }
}
