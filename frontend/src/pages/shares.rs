//! Shared links: the moments the user shared (an admin sees everyone's), each with its
//! stretch, what it shows, when it expires, how often it was opened, and revocation.

use leptos::prelude::*;
use mediaport_shared::{Share, ShareView};

use crate::api;
use crate::auth::use_auth;
use crate::format;
use crate::pages::asset::title;

#[component]
pub fn Shares() -> impl IntoView {
    let auth = use_auth();
    let shares = LocalResource::new(move || async move { api::shares(auth).await });
    let error = RwSignal::new(None::<String>);
    view! {
        <section class="page">
            <header class="page-header"><div>
                <h1>"Shared links"</h1>
                <p class="subtitle">"Moments shared with people without an account. A link shows its stretch until it expires or is revoked."</p>
            </div></header>
            {move || error.get().map(|e| view! { <p class="alert alert-error">{e}</p> })}
            {move || match shares.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="alert alert-error">{e.message}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="muted">"No links yet. “Share this moment” on an asset's page makes one."</p>
                }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="share-list">
                        {list.into_iter().map(|share| view! { <ShareRow share error reload=Callback::new(move |()| shares.refetch())/> }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn ShareRow(share: Share, error: RwSignal<Option<String>>, reload: Callback<()>) -> impl IntoView {
    let auth = use_auth();
    let now = js_sys::Date::new_0().to_iso_string().as_string().unwrap_or_default();
    let state = match (&share.revoked_at, share.expires_at <= now) {
        (Some(_), _) => "revoked",
        (None, true) => "expired",
        (None, false) => "active",
    };
    let id = share.id.clone();
    let views = RwSignal::new(None::<Vec<ShareView>>);
    let show_views = {
        let id = id.clone();
        move |_| {
            let id = id.clone();
            leptos::task::spawn_local(async move {
                match api::share_views(auth, &id).await {
                    Ok(list) => views.set(Some(list)),
                    Err(e) => error.set(Some(e.message)),
                }
            });
        }
    };
    let revoke = move |_| {
        let id = id.clone();
        leptos::task::spawn_local(async move {
            match api::revoke_share(auth, &id).await {
                Ok(_) => reload.run(()),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    let kinds: Vec<&str> = share.kinds.iter().map(|k| title(*k)).collect();
    view! {
        <li class="card share-row" data-share=share.id.to_string() data-state=state>
            <div class="share-row-head">
                <a href=format!("/assets/{}?t={}", share.asset_id, share.at.begin)>
                    {format!("{}–{}", format::duration(share.at.begin), format::duration(share.at.end))}
                </a>
                <span class=format!("status status-{}", if state == "active" { "ready" } else { "failed" })>{state}</span>
                <span class="muted small">{format!("by {} · {} · until {}", share.created_by, format::when(&share.created_at), format::when(&share.expires_at))}</span>
                <span class="small" data-views=share.views.to_string()>{if share.views == 1 { "1 view".to_owned() } else { format!("{} views", share.views) }}</span>
            </div>
            {(!kinds.is_empty()).then(|| view! { <p class="muted small">{format!("With {}", kinds.join(", "))}</p> })}
            <div class="share-row-actions">
                <button class="button button-ghost button-small" data-action="views" on:click=show_views>"Views"</button>
                {(state == "active").then(|| view! {
                    <button class="button button-small button-danger" data-action="revoke" on:click=revoke>"Revoke"</button>
                })}
            </div>
            {move || views.get().map(|list| view! {
                <ul class="share-views small">
                    {if list.is_empty() { view! { <li class="muted">"Never opened."</li> }.into_any() } else {
                        list.into_iter().map(|v| view! {
                            <li>{format!("{} · {} · {}", format::when(&v.viewed_at), v.address.unwrap_or_else(|| "—".into()), v.agent.unwrap_or_default())}</li>
                        }).collect_view().into_any()
                    }}
                </ul>
            })}
        </li>
    }
}
