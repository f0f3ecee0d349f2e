use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api;
use crate::auth::{StoredSession, use_auth};

/// Sign-in form; on success goes back to the page that asked for it.
#[component]
pub fn Login() -> impl IntoView {
    let auth = use_auth();
    let navigate = use_navigate();
    let query = use_query_map();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let next = move || {
        query
            .with_untracked(|q| q.get("next"))
            .filter(|n| n.starts_with('/') && !n.starts_with("//"))
            .unwrap_or("/".into())
    };
    if auth.signed_in() {
        navigate(&next(), Default::default());
    }

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::login(username.get_untracked(), password.get_untracked()).await {
                Ok(login) => {
                    auth.set(Some(StoredSession::from_login(login)));
                    navigate(&next(), Default::default());
                }
                Err(err) => {
                    error.set(Some(err.message));
                    busy.set(false);
                }
            }
        });
    };

    view! {
        <section class="auth-page">
            <form class="card auth-card" on:submit=submit>
                <div class="brand brand-large">
                    <span class="brand-mark" aria-hidden="true">"◆"</span>
                    <span class="brand-name">"Mediaport"</span>
                </div>
                <h1>"Sign in"</h1>
                {move || error.get().map(|e| view! { <p class="alert alert-error" role="alert">{e}</p> })}
                <label class="field">
                    <span>"Username"</span>
                    <input name="username" autocomplete="username" required=true
                        bind:value=username/>
                </label>
                <label class="field">
                    <span>"Password"</span>
                    <input name="password" type="password" autocomplete="current-password" required=true
                        bind:value=password/>
                </label>
                <button class="button button-wide" type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
                <p class="muted small">"New installation? The first admin's password was printed where Mediaport started."</p>
            </form>
        </section>
    }
}
