//! Deleting an asset from its page (creators): its proxies and analyses go, and with
//! the box ticked its original too; then the Collection opens.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use mediaport_shared::{AssetId, Group};

use crate::api;
use crate::auth::use_auth;

#[component]
pub fn DeleteAsset(id: AssetId, filename: String, deleted: StoredValue<bool>) -> impl IntoView {
    let auth = use_auth();
    let purge = RwSignal::new(false);
    let failed = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();
    let delete = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let original = if purge.get_untracked() { " and its original" } else { "; the original stays in storage" };
        let question = format!("Delete {filename}, its proxies and analyses{original}?");
        if !window().confirm_with_message(&question).unwrap_or(false) {
            return;
        }
        let (id, navigate) = (id.clone(), navigate.clone());
        busy.set(true);
        spawn_local(async move {
            match api::delete_asset(auth, &id, purge.get_untracked()).await {
                Ok(()) => {
                    deleted.set_value(true);
                    navigate("/", Default::default());
                }
                Err(e) => {
                    failed.set(Some(e.message));
                    busy.set(false);
                }
            }
        });
    };
    view! {
        <Show when=move || auth.can(Group::Creator)>
            <form class="inline-form" on:submit=delete.clone() data-testid="delete-asset">
                <label class="small"><input type="checkbox" bind:checked=purge/> " and the original"</label>
                <button class="button button-danger" type="submit" disabled=move || busy.get()>"Delete"</button>
            </form>
            {move || failed.get().map(|reason| view! { <p class="alert alert-error">{reason}</p> })}
        </Show>
    }
}
