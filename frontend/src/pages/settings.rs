use leptos::prelude::*;

use crate::api;

/// Server facts and, for admins, the default analysis options.
#[component]
pub fn Settings() -> impl IntoView {
    let health = LocalResource::new(api::health);
    let operations = LocalResource::new(api::api_operation_count);
    view! {
        <section class="page">
            <header class="page-header">
                <div>
                    <h1>"Settings"</h1>
                    <p class="subtitle">"This server, and the analyses it runs by default."</p>
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
        </section>
    }
}
