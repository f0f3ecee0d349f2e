use leptos::prelude::*;

use crate::components::empty_state::EmptyState;

const STAGES: [&str; 6] = ["Upload", "Fixity", "Metadata", "Proxies", "Analysis", "Indexed"];

/// Every asset's workflow stages, live, with reasons for failures.
#[component]
pub fn Processing() -> impl IntoView {
    view! {
        <section class="page">
            <header class="page-header">
                <div>
                    <h1>"Processing"</h1>
                    <p class="subtitle">"Each asset's workflow, stage by stage, updated live."</p>
                </div>
            </header>
            <ol class="stages" aria-label="Workflow stages">
                {STAGES.iter().map(|s| view! { <li class="stage">{*s}</li> }).collect_view()}
            </ol>
            <EmptyState icon="⟳" title="Nothing is being processed"
                text="When files arrive, their checksums, metadata, proxies and analyses show here with progress and any errors."/>
        </section>
    }
}
