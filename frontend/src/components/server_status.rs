use leptos::prelude::*;

use crate::api;

/// The server's health in the sidebar: the first thing to look at when something fails.
#[component]
pub fn ServerStatus() -> impl IntoView {
    let health = LocalResource::new(api::health);
    view! {
        <div class="server-status" data-testid="server-status">
            {move || match health.get() {
                None => view! { <span class="dot dot-wait"></span><span>"Connecting…"</span> }.into_any(),
                Some(Ok(h)) if h.status == "ok" => view! {
                    <span class="dot dot-ok"></span>
                    <span>"Connected · v" {h.version}</span>
                }.into_any(),
                Some(Ok(h)) => view! {
                    <span class="dot dot-warn"></span>
                    <span title=format!("catalog: {}, storage: {}", h.catalog, h.storage)>"Degraded · v" {h.version}</span>
                }.into_any(),
                Some(Err(e)) => view! {
                    <span class="dot dot-bad"></span><span title=e.message>"Server unreachable"</span>
                }.into_any(),
            }}
        </div>
    }
}
