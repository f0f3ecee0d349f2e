use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use mediaport_shared::Group;

use crate::auth::use_auth;
use crate::components::server_status::ServerStatus;

struct NavItem {
    href: &'static str,
    label: &'static str,
    icon: &'static str,
    /// The least group that may use the page.
    group: Group,
}

const LIBRARY: &[NavItem] = &[
    NavItem { href: "/", label: "Collection", icon: "▦", group: Group::Viewer },
    NavItem { href: "/search", label: "Search", icon: "⌕", group: Group::Viewer },
    NavItem { href: "/upload", label: "Upload", icon: "⇪", group: Group::Creator },
    NavItem { href: "/processing", label: "Processing", icon: "⟳", group: Group::Viewer },
    NavItem { href: "/people", label: "People", icon: "☻", group: Group::Viewer },
    NavItem { href: "/faces", label: "Faces", icon: "☺", group: Group::Viewer },
    NavItem { href: "/shares", label: "Shared links", icon: "⤴", group: Group::Creator },
    NavItem { href: "/stats", label: "Stats", icon: "▥", group: Group::Creator },
];

const ADMIN: &[NavItem] = &[
    NavItem { href: "/users", label: "Users", icon: "⚇", group: Group::Admin },
    NavItem { href: "/settings", label: "Settings", icon: "⚙", group: Group::Admin },
];

/// Only the pages the user may use are offered.
fn nav_links(items: &'static [NavItem]) -> impl IntoView {
    let auth = use_auth();
    items
        .iter()
        .map(|item| {
            view! {
                <Show when=move || auth.can(item.group)>
                    <A href=item.href exact=true attr:class="nav-link">
                        <span class="nav-icon" aria-hidden="true">{item.icon}</span>
                        <span class="nav-label">{item.label}</span>
                    </A>
                </Show>
            }
        })
        .collect_view()
}

/// The frame around every signed-in page: sidebar navigation, top bar, content.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let auth = use_auth();
    view! {
        <div class="shell">
            <aside class="sidebar">
                <A href="/" attr:class="brand">
                    <span class="brand-mark" aria-hidden="true">"◆"</span>
                    <span class="brand-name">"Mediaport"</span>
                </A>
                <nav class="nav" aria-label="Main">
                    <div class="nav-section">"Library"</div>
                    {nav_links(LIBRARY)}
                    <Show when=move || auth.can(Group::Admin)>
                        <div class="nav-section">"Administration"</div>
                    </Show>
                    {nav_links(ADMIN)}
                </nav>
                <ServerStatus/>
            </aside>
            <div class="main">
                <header class="topbar">
                    <form class="topbar-search" action="/search" method="get" role="search">
                        <input type="search" name="q" placeholder="Search labels, faces, text, speech…" aria-label="Search"/>
                    </form>
                    <UserMenu/>
                </header>
                <main class="content">{children()}</main>
            </div>
        </div>
    }
}

#[component]
fn UserMenu() -> impl IntoView {
    let auth = use_auth();
    let navigate = use_navigate();
    let sign_out = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            crate::api::logout(auth).await;
            navigate("/login", Default::default());
        });
    };
    view! {
        <div class="user-menu" data-testid="user-menu">
            {move || auth.user().map(|user| view! {
                <span class="user-name">{user.username.clone()}</span>
                <span class="badge">{user.group().as_str()}</span>
            })}
            <button class="button button-ghost" on:click=sign_out>"Sign out"</button>
        </div>
    }
}
