use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Outlet, ParentRoute, Route, Router, Routes};
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::path;
use mediaport_shared::Group;

use crate::auth::{Auth, use_auth};
use crate::components::layout::Layout;
use crate::components::require_group::RequireGroup;
use crate::pages;

/// Access tokens are renewed this long before they expire.
const REFRESH_MARGIN_MS: f64 = 120_000.0;

#[component]
pub fn App() -> impl IntoView {
    let auth = Auth::load();
    provide_context(auth);
    auth.follow_other_tabs();
    keep_session_fresh(auth);
    view! {
        <Router>
            <Routes fallback=pages::not_found::NotFound>
                <Route path=path!("/login") view=pages::login::Login/>
                <Route path=path!("/share/:token") view=pages::shared::Shared/>
                <ParentRoute path=path!("") view=SignedIn>
                    <Route path=path!("") view=pages::collection::Collection/>
                    <Route path=path!("search") view=pages::search::Search/>
                    <Route path=path!("assets/:id") view=pages::asset::AssetPage/>
                    <Route path=path!("processing") view=pages::processing::Processing/>
                    <Route path=path!("faces") view=pages::faces::Faces/>
                    <Route path=path!("people") view=pages::people::People/>
                    <Route path=path!("upload") view=|| view! {
                        <RequireGroup group=Group::Creator><pages::upload::Upload/></RequireGroup>
                    }/>
                    <Route path=path!("shares") view=|| view! {
                        <RequireGroup group=Group::Creator><pages::shares::Shares/></RequireGroup>
                    }/>
                    <Route path=path!("stats") view=|| view! {
                        <RequireGroup group=Group::Creator><pages::stats::StatsPage/></RequireGroup>
                    }/>
                    <Route path=path!("users") view=|| view! {
                        <RequireGroup group=Group::Admin><pages::users::Users/></RequireGroup>
                    }/>
                    <Route path=path!("settings") view=|| view! {
                        <RequireGroup group=Group::Admin><pages::settings::Settings/></RequireGroup>
                    }/>
                    <Route path=path!("*any") view=pages::not_found::NotFound/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// Every page but the login page: signed-out visitors are sent to sign in first, and
/// come back to where they were going.
#[component]
fn SignedIn() -> impl IntoView {
    let auth = use_auth();
    let navigate = use_navigate();
    let location = use_location();
    Effect::new(move |_| {
        if !auth.signed_in() {
            let next = format!("{}{}", location.pathname.get_untracked(), location.search.get_untracked());
            navigate(&format!("/login?next={}", crate::api::encode(&next)), Default::default());
        }
    });
    view! {
        <Show when=move || auth.signed_in()>
            <Layout><Outlet/></Layout>
        </Show>
    }
}

/// Renews the access token shortly before it expires, and at start if it already has.
fn keep_session_fresh(auth: Auth) {
    let check = move || {
        let due = auth.session.with_untracked(|s| s.as_ref().is_some_and(|s| s.expires_within(REFRESH_MARGIN_MS)));
        if due {
            spawn_local(async move {
                let _ = crate::api::refresh(auth).await;
            });
        }
    };
    check();
    set_interval(check, Duration::from_secs(20));
}
