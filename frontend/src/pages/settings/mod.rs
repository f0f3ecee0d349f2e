mod notifications;

use leptos::prelude::*;
use mediaport_shared::AiOptions;

use crate::api;
use crate::auth::use_auth;
use crate::components::ai_options::AiOptionsForm;

/// Server facts and, for admins, the default analysis options and notifications.
#[component]
pub fn Settings() -> impl IntoView {
    let health = LocalResource::new(api::health);
    let operations = LocalResource::new(api::api_operation_count);
    view! {
        <section class="page">
            <header class="page-header">
                <div>
                    <h1>"Settings"</h1>
                    <p class="subtitle">"This server, the analyses it runs by default, and who it tells when assets are done."</p>
                </div>
            </header>
            <div class="card">
                <h2>"Server"</h2>
                <dl class="facts" data-testid="server-facts">
                    {move || health.get().map(|h| match h {
                        Ok(h) => view! {
                            <dt>"Version"</dt><dd>{h.version}</dd>
                            <dt>"Catalog"</dt><dd>{h.catalog}</dd>
                            <dt>"Storage"</dt><dd>{h.storage}</dd>
                        }.into_any(),
                        Err(e) => view! { <dt>"Error"</dt><dd>{e.message}</dd> }.into_any(),
                    })}
                    <dt>"API"</dt>
                    <dd>
                        {move || operations.get().map(|n| match n {
                            Ok(n) => format!("{n} documented operations"),
                            Err(e) => e.message,
                        })}
                        " · " <a href="/api/openapi.json">"OpenAPI document"</a>
                    </dd>
                </dl>
            </div>
            <AnalysisDefaults/>
            <notifications::Notifications/>
        </section>
    }
}

/// The analyses new assets get unless their upload chooses: saved in the catalog, used
/// by every worker from its next job.
#[component]
fn AnalysisDefaults() -> impl IntoView {
    let auth = use_auth();
    let options = RwSignal::new(AiOptions::default());
    let outcome = RwSignal::new(None::<Result<(), String>>);
    let loaded = LocalResource::new(move || api::ai_defaults(auth));
    Effect::new(move |_| {
        if let Some(Ok(saved)) = loaded.get() {
            options.set(saved);
        }
    });
    let save = move |_| {
        leptos::task::spawn_local(async move {
            let result = api::save_ai_defaults(auth, &options.get_untracked()).await;
            outcome.set(Some(result.map(|saved| options.set(saved)).map_err(|e| e.message)));
        });
    };
    view! {
        <div class="card" data-testid="ai-defaults">
            <h2>"Analysis defaults"</h2>
            <p class="muted small">"What new assets are analysed with unless their upload chooses otherwise."</p>
            {move || match loaded.get() {
                None => view! { <p class="muted small">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="alert alert-error small">{e.message}</p> }.into_any(),
                Some(Ok(_)) => view! {
                    <AiOptionsForm options details=true/>
                    <div class="form-actions"><button class="button" data-action="save-defaults" on:click=save>"Save defaults"</button></div>
                }.into_any(),
            }}
            {move || outcome.get().map(|o| match o {
                Ok(()) => view! { <p class="alert alert-ok small" data-outcome="saved">"Saved: the next asset is analysed this way."</p> }.into_any(),
                Err(e) => view! { <p class="alert alert-error small" data-outcome="refused">{e}</p> }.into_any(),
            })}
        </div>
    }
}
