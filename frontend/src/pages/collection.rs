use leptos::prelude::*;
use leptos::task::spawn_local;
use mediaport_shared::{AssetCard, Group};

use crate::api;
use crate::auth::use_auth;
use crate::components::empty_state::EmptyState;
use crate::format;
use crate::live::{self, Change};

const TYPES: [(&str, &str); 6] = [
    ("All", ""),
    ("Video", "video"),
    ("Audio", "audio"),
    ("Images", "image"),
    ("Documents", "document"),
    ("Other", "other"),
];

const STATUSES: [(&str, &str); 6] = [
    ("Any status", ""),
    ("Ready", "ready"),
    ("Processing", "ingesting"),
    ("Failed", "failed"),
    ("Uploading", "uploading"),
    ("Unsupported", "unsupported"),
];

const PAGE_SIZE: u32 = 48;

/// Every asset in the archive, newest first, filtered by type and status, a page at a
/// time; cards change live as assets are processed.
#[component]
pub fn Collection() -> impl IntoView {
    let auth = use_auth();
    let asset_type = RwSignal::new("");
    let status = RwSignal::new("");
    let cards = RwSignal::new(Vec::<AssetCard>::new());
    let next = RwSignal::new(None::<String>);
    let loading = RwSignal::new(true);
    let error = RwSignal::new(None::<String>);

    let load = move |more: bool| {
        let cursor = if more { next.get_untracked() } else { None };
        loading.set(true);
        spawn_local(async move {
            let (t, s) = (asset_type.get_untracked(), status.get_untracked());
            match api::list_assets(auth, t, s, cursor, PAGE_SIZE).await {
                Ok(page) => {
                    if more {
                        cards.update(|c| c.extend(page.items));
                    } else {
                        cards.set(page.items);
                    }
                    next.set(page.next_cursor);
                    error.set(None);
                }
                Err(e) => error.set(Some(e.message)),
            }
            loading.set(false);
        });
    };
    Effect::new(move |_| {
        asset_type.track();
        status.track();
        load(false);
    });
    live::follow(auth, move |change| {
        if let Change::Asset(card) = change {
            cards.update(|all| match all.iter_mut().find(|c| c.asset.id == card.asset.id) {
                Some(existing) => *existing = *card,
                None if matches_filter(&card, asset_type.get_untracked(), status.get_untracked()) => {
                    all.insert(0, *card);
                }
                None => {}
            });
        }
    });

    view! {
        <section class="page">
            <header class="page-header">
                <div>
                    <h1>"Collection"</h1>
                    <p class="subtitle">"Every video, audio file, image and document in the archive."</p>
                </div>
                <Show when=move || auth.can(Group::Creator)>
                    <a class="button" href="/upload">"Upload media"</a>
                </Show>
            </header>
            <div class="filters">
                <div class="chips" role="tablist" aria-label="Asset type">
                    {TYPES.iter().map(|(label, value)| {
                        let value = *value;
                        view! {
                            <button class="chip" role="tab"
                                class:chip-active=move || asset_type.get() == value
                                on:click=move |_| asset_type.set(value)>{*label}</button>
                        }
                    }).collect_view()}
                </div>
                <select aria-label="Status" on:change=move |ev| {
                    let chosen = event_target_value(&ev);
                    status.set(STATUSES.iter().find(|(_, v)| *v == chosen).map_or("", |(_, v)| *v));
                }>
                    {STATUSES.iter().map(|(label, value)| view! { <option value=*value>{*label}</option> }).collect_view()}
                </select>
            </div>
            {move || error.get().map(|e| view! { <p class="alert alert-error">{e}</p> })}
            {move || {
                let all = cards.get();
                if all.is_empty() && !loading.get() && error.get().is_none() {
                    return view! {
                        <EmptyState icon="▦" title="Nothing here yet"
                            text="Upload video, audio, images or PDFs from this browser, or in bulk with `mediaport ingest`. Each file gets checksums, proxies and machine-learning metadata."
                            action=("/upload", "Upload files")/>
                    }.into_any();
                }
                view! {
                    <div class="asset-grid">
                        {all.into_iter().map(|card| view! { <Card card/> }).collect_view()}
                    </div>
                }.into_any()
            }}
            <div class="load-more">
                <Show when=move || loading.get()><p class="muted">"Loading…"</p></Show>
                <Show when=move || next.get().is_some() && !loading.get()>
                    <button class="button button-ghost" on:click=move |_| load(true)>"Load more"</button>
                </Show>
            </div>
        </section>
    }
}

fn matches_filter(card: &AssetCard, asset_type: &str, status: &str) -> bool {
    (asset_type.is_empty() || card.asset.asset_type.as_str() == asset_type)
        && (status.is_empty() || card.asset.status.as_str() == status)
}

#[component]
fn Card(card: AssetCard) -> impl IntoView {
    let asset = card.asset;
    let status = asset.status.as_str();
    let title = asset.error.clone().unwrap_or_default();
    let thumb = match card.thumbnail_url {
        Some(url) => view! { <img class="asset-thumb" src=url alt="" loading="lazy"/> }.into_any(),
        None => view! { <div class="asset-thumb">{asset.asset_type.as_str()}</div> }.into_any(),
    };
    view! {
        <a class="asset-card" href=format!("/assets/{}", asset.id) title=title data-status=status>
            {thumb}
            <div class="asset-name">{asset.filename}</div>
            <div class="asset-meta">
                <span class=format!("status status-{status}")>{status}</span>
                <span class="muted small">{asset.duration_ms.map(format::duration).unwrap_or_default()}</span>
            </div>
        </a>
    }
}
