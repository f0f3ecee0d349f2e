use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::server_status::ServerStatus;

struct NavItem {
    href: &'static str,
    label: &'static str,
    icon: &'static str,
}

const LIBRARY: &[NavItem] = &[
    NavItem { href: "/", label: "Collection", icon: "▦" },
    NavItem { href: "/search", label: "Search", icon: "⌕" },
    NavItem { href: "/upload", label: "Upload", icon: "⇪" },
    NavItem { href: "/processing", label: "Processing", icon: "⟳" },
    NavItem { href: "/faces", label: "Faces", icon: "☺" },
];

const ADMIN: &[NavItem] = &[
    NavItem { href: "/users", label: "Users", icon: "⚇" },
    NavItem { href: "/settings", label: "Settings", icon: "⚙" },
];

fn nav_links(items: &'static [NavItem]) -> impl IntoView {
    items
        .iter()
        .map(|item| {
            view! {
                <A href=item.href exact=true attr:class="nav-link">
                    <span class="nav-icon" aria-hidden="true">{item.icon}</span>
                    <span class="nav-label">{item.label}</span>
                </A>
            }
        })
        .collect_view()
}

/// The frame around every page: sidebar navigation, top bar, content.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
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
                    <div class="nav-section">"Administration"</div>
                    {nav_links(ADMIN)}
                </nav>
                <ServerStatus/>
            </aside>
            <div class="main">
                <header class="topbar">
                    <form class="topbar-search" action="/search" method="get" role="search">
                        <input type="search" name="q" placeholder="Search labels, faces, text, speech…" aria-label="Search"/>
                    </form>
                    <A href="/login" attr:class="button button-ghost">"Sign in"</A>
                </header>
                <main class="content">{children()}</main>
            </div>
        </div>
    }
}
