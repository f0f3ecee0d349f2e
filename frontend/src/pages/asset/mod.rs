//! The asset page, the reviewer's workspace: the media with boxes on the picture, one
//! timeline of every kind, the transcript, downloads and re-analysis, each part a module.

mod corrections;
mod delete;
mod faces;
mod lanes;
mod notes;
mod overlay;
mod reanalyse;
mod review;
mod share;
mod technical;
mod timelines;
mod transcript;

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use mediaport_shared::codes;
use mediaport_shared::{AnalysisKind, Asset, AssetDetail, AssetId, AssetType, Group, Technical};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::ResizeObserver;

use self::corrections::{Corrector, Trail};
use self::delete::DeleteAsset;
use self::lanes::Lanes;
use self::notes::{DrawLayer, NoteDraft, NotesPanel};
use self::overlay::{BOXED, BoxToggles, Frame, Overlay};
use self::reanalyse::Reanalyse;
use self::review::{Found, Playback};
use self::share::ShareMoment;
use self::technical::Reports;
use self::timelines::Timelines;
pub use self::timelines::title;
use crate::api;
use crate::auth::use_auth;
use crate::components::download::{Downloads, Offer};
use crate::components::empty_state::EmptyState;
use crate::format;
use crate::live::{self, Change};

/// An observer of the picture's size and the callback it calls, kept while the picture shows.
type Observed = Option<(ResizeObserver, Closure<dyn FnMut()>)>;

/// One asset: its media (player, picture or pages), checksums and technical metadata;
/// reloaded live when its processing moves on, with the player kept where it was.
#[component]
pub fn AssetPage() -> impl IntoView {
    let auth = use_auth();
    let params = use_params_map();
    let id = move || AssetId::from(params.read().get("id").unwrap_or_default());
    let version = RwSignal::new(0u32);
    // Deleted from this page: nothing is left to load while the Collection opens.
    let deleted = StoredValue::new(false);
    let detail = LocalResource::new(move || {
        version.track();
        let (id, gone) = (id(), deleted.get_value());
        async move {
            match gone {
                true => Err(api::ApiError { code: codes::DELETED.into(), message: "The asset was deleted.".into() }),
                false => api::get_asset(auth, &id).await,
            }
        }
    });
    // The feed replays recent events on every connection, so only a record that differs
    // from the one shown is worth a reload. A record whose results alone changed (a
    // reviewer's correction read again, people renamed) reloads the results, not the
    // page: what a reviewer is typing, marking or playing stays.
    let shown = StoredValue::new(None::<Asset>);
    let position = StoredValue::new(None::<f64>);
    let results_changed = RwSignal::new(0u32);
    live::follow(auth, move |change| {
        let Change::Asset(card) = change else { return };
        if card.asset.id != id() || shown.with_value(|s| s.as_ref() == Some(&card.asset)) {
            return;
        }
        let results_only = shown.with_value(|s| {
            s.as_ref().is_some_and(|s| Asset { analysis: card.asset.analysis.clone(), ..s.clone() } == card.asset)
        });
        if results_only {
            shown.set_value(Some(card.asset.clone()));
            results_changed.update(|v| *v += 1);
        } else {
            version.update(|v| *v += 1);
        }
    });
    view! {
        <section class="page">
            {move || match detail.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(Err(e)) if e.code == codes::NOT_FOUND => view! {
                    <header class="page-header"><div>
                        <h1>"Asset not found"</h1>
                        <p class="subtitle mono">{id().to_string()}</p>
                    </div></header>
                    <EmptyState icon="?" title="No asset has this id"
                        text="It may have been deleted. The Collection lists every asset."
                        action=("/", "Open the Collection")/>
                }.into_any(),
                Some(Err(e)) => view! { <p class="alert alert-error">{e.message}</p> }.into_any(),
                Some(Ok(detail)) => {
                    if shown.with_value(|s| s.as_ref().map(|a| a.id != detail.asset.id)).unwrap_or(false) {
                        position.set_value(None); // another asset, reached by a link on this page
                    }
                    shown.set_value(Some(detail.asset.clone()));
                    view! { <Loaded detail position deleted results_changed/> }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn Loaded(
    detail: AssetDetail,
    position: StoredValue<Option<f64>>,
    deleted: StoredValue<bool>,
    results_changed: RwSignal<u32>,
) -> impl IntoView {
    let auth = use_auth();
    let asset = detail.asset.clone();
    let status = asset.status.as_str();
    let technical = asset.technical.as_ref().map(technical_facts).unwrap_or_default();
    let technical_tab = RwSignal::new(false);
    let md5 = asset.md5.clone().unwrap_or_else(|| "—".into());
    let sha256 = asset.sha256.clone().unwrap_or_else(|| "not checked yet".into());
    let added = format::when(&asset.created_at);
    let (group, attributes) = (asset.group.clone(), asset.attributes.clone());
    let (asset_for_reports, reports) = (asset.clone(), detail.proxies.reports.clone());
    let playback = Playback::new();
    let found = review::load(auth, &asset);
    Effect::new(move |seen: Option<u32>| {
        let now = results_changed.get();
        if seen.is_some_and(|seen| seen != now) {
            found.refetch();
        }
        now
    });
    if auth.can(Group::Creator) {
        Corrector::provide(auth, &asset, found);
        provide_context(NoteDraft { drawing: RwSignal::new(false), region: RwSignal::new(None) });
    }
    // One copy of the timelines once they are in, read by the overlay as the video plays.
    let loaded = Memo::new(move |_| found.get().and_then(Result::ok).unwrap_or_default());
    let min_confidence = RwSignal::new(0.0_f32);
    let stem = asset.filename.rsplit_once('.').map_or(asset.filename.as_str(), |(s, _)| s).to_owned();
    let export = Offer {
        label: "Export all metadata",
        path: format!("/api/assets/{}/export", api::encode(&asset.id)),
        filename: format!("{stem}.metadata.json"),
        mime: "application/json",
    };
    let timed = asset.duration_ms.is_some();
    let duration = asset.duration_ms.unwrap_or(0);
    let for_reanalysis = asset.clone();
    let shareable = share::offered(&asset);
    view! {
        <header class="page-header">
            <div>
                <h1>{asset.filename.clone()}</h1>
                <p class="subtitle">
                    <span class=format!("status status-{status}")>{status}</span>
                    " " {asset.asset_type.as_str()} " · " {format::human_size(asset.size)}
                    {asset.duration_ms.map(|d| format!(" · {}", format::duration(d)))}
                </p>
            </div>
            <div class="header-actions">
                <Downloads offers=vec![export]/>
                <DeleteAsset id=asset.id.clone() filename=asset.filename.clone() deleted/>
            </div>
        </header>
        {asset.error.clone().map(|e| view! { <p class="alert alert-error" data-reason>{e}</p> })}
        <div class="asset-layout">
            <div class="media-column">
                <Media detail playback position found=loaded timed min_confidence/>
            </div>
            <aside class="card details">
                <div class="tabs" role="tablist">
                    <button role="tab" class="tab" class:active=move || !technical_tab.get()
                        aria-selected=move || (!technical_tab.get()).to_string() on:click=move |_| technical_tab.set(false)>"Details"</button>
                    <button role="tab" class="tab" class:active=move || technical_tab.get() data-tab="technical"
                        aria-selected=move || technical_tab.get().to_string() on:click=move |_| technical_tab.set(true)>"Technical"</button>
                </div>
                <Show when=move || !technical_tab.get()>
                    <dl class="facts">
                        <dt>"MD5"</dt><dd class="mono small">{md5.clone()}</dd>
                        <dt>"SHA-256"</dt><dd class="mono small wrap">{sha256.clone()}</dd>
                        <dt>"Added"</dt><dd>{added.clone()}</dd>
                        {group.clone().map(|g| view! { <dt>"Group"</dt><dd>{g}</dd> })}
                        {attributes.iter().map(|(k, v)| view! { <dt>{k.clone()}</dt><dd>{v.clone()}</dd> }).collect_view()}
                        {technical.iter().map(|(k, v)| view! { <dt>{k.clone()}</dt><dd>{v.clone()}</dd> }).collect_view()}
                    </dl>
                </Show>
                <Show when=move || technical_tab.get()>
                    <Reports asset=asset_for_reports.clone() reports=reports.clone()/>
                </Show>
            </aside>
        </div>
        {move || match found.get() {
            Some(Ok(found)) if timed => view! { <Lanes found duration_ms=duration playback min_confidence/> }.into_any(),
            Some(Err(e)) => view! { <p class="alert alert-error small">{e.message}</p> }.into_any(),
            _ => ().into_any(),
        }}
        <Show when=move || auth.can(Group::Creator)>
            <Reanalyse asset=for_reanalysis.clone()/>
        </Show>
        {(timed && auth.can(Group::Creator)).then(|| view! {
            <ShareMoment asset_id=asset.id.clone() offered=shareable.clone() duration playback/>
        })}
        <NotesPanel asset_id=asset.id.clone() timed playback found/>
        <Timelines asset found playback/>
        <Trail/>
    }
}

/// Keeps the overlay on the picture: where the picture is inside its element.
fn measure(element: &web_sys::HtmlElement, natural: (f64, f64)) -> Option<Frame> {
    Frame::contain((f64::from(element.client_width()), f64::from(element.client_height())), natural)
}

#[component]
fn Media(
    detail: AssetDetail,
    playback: Playback,
    position: StoredValue<Option<f64>>,
    found: Memo<Found>,
    timed: bool,
    min_confidence: RwSignal<f32>,
) -> impl IntoView {
    let proxies = detail.proxies;
    let poster = proxies.thumbnails.first().cloned();
    let player = playback.player;
    // Once the player knows the length it starts where the last load of the page left it,
    // or else at `?t=<ms>` (a search hit's moment).
    let start = use_query_map().read_untracked().get("t").and_then(|t| t.parse::<u64>().ok());
    // Times the player reports before it was cued are its start, not where anyone left it:
    // kept, they would undo the cue when the page loads again (a live update).
    let cued = StoredValue::new(false);
    let frame = RwSignal::new(None::<Frame>);
    let shown = RwSignal::new(BOXED.iter().map(|(k, _)| *k).collect::<BTreeSet<_>>());
    let remeasure = move || {
        if let Some(video) = player.get_untracked() {
            let natural = (f64::from(video.video_width()), f64::from(video.video_height()));
            frame.set(measure(&video, natural));
        }
    };
    let cue = move |_| {
        let at = position.get_value().or(start.map(|ms| ms as f64 / 1000.0));
        if let (Some(at), Some(video)) = (at, player.get()) {
            video.set_current_time(at);
        }
        cued.set_value(true);
        remeasure();
    };
    let keep = move |_| {
        if let Some(video) = player.get()
            && cued.get_value()
            && video.ready_state() > 0
        {
            position.set_value(Some(video.current_time()));
        }
        playback.follow();
        remeasure();
    };
    let seeked = move |_| {
        playback.follow();
        remeasure();
    };
    let resized = window_event_listener(leptos::ev::resize, move |_| remeasure());
    on_cleanup(move || resized.remove());
    let now = Signal::derive(move || playback.now_ms.get());
    let toggles = view! { <BoxToggles found shown/> };
    let overlay = view! {
        <Overlay found timed frame shown min_confidence now_ms=now/>
        <DrawLayer frame/>
    };
    match detail.asset.asset_type {
        AssetType::Video if proxies.video.is_some() => view! {
            <div class="viewer">
                <video class="player" node_ref=player controls preload="metadata" src=proxies.video poster=poster
                    on:loadedmetadata=cue on:timeupdate=keep on:seeked=seeked></video>
                {overlay}
            </div>
            {toggles}
        }
        .into_any(),
        AssetType::Video | AssetType::Audio if proxies.audio.is_some() => view! {
            <div class="player-frame audio-frame">
                {proxies.waveform.map(|w| view! { <img class="waveform" src=w alt="Waveform"/> })}
                // A <video> element plays the sound too, and the analysis panels seek it.
                <video class="audio-player" node_ref=player controls preload="metadata" src=proxies.audio
                    on:loadedmetadata=cue on:timeupdate=keep on:seeked=seeked></video>
            </div>
        }
        .into_any(),
        AssetType::Image if proxies.image.is_some() => {
            let picture = NodeRef::<leptos::html::Img>::new();
            let fit = move || {
                if let Some(img) = picture.get_untracked() {
                    let natural = (f64::from(img.natural_width()), f64::from(img.natural_height()));
                    frame.set(measure(&img, natural));
                }
            };
            // The picture's place changes as it loads, with the window, and with the layout
            // around it: an observer of its size hears them all, the first layout included.
            let observed: StoredValue<Observed, LocalStorage> = StoredValue::new_local(None);
            picture.on_load(move |img| {
                let on_resize = Closure::<dyn FnMut()>::new(fit);
                if let Ok(observer) = ResizeObserver::new(on_resize.as_ref().unchecked_ref()) {
                    observer.observe(&img);
                    observed.set_value(Some((observer, on_resize)));
                }
            });
            on_cleanup(move || {
                observed.with_value(|o| {
                    if let Some((observer, _)) = o {
                        observer.disconnect();
                    }
                });
            });
            view! {
                <div class="viewer">
                    <img class="player-image" node_ref=picture src=proxies.image alt=detail.asset.filename on:load=move |_| fit()/>
                    {overlay}
                </div>
                {toggles}
            }
            .into_any()
        }
        AssetType::Document if !proxies.pages.is_empty() => view! {
            <div class="pages">
                {proxies.pages.into_iter().enumerate().map(|(i, url)| {
                    let page = i as u32 + 1;
                    // The text read on this page, under its picture.
                    let read = move || found.with(|f| {
                        f.get(&AnalysisKind::Text).map(|t| {
                            t.items.iter().filter(|item| item.pages.contains(&page)).map(|item| item.name.clone()).collect::<Vec<_>>()
                        }).unwrap_or_default()
                    });
                    view! {
                        <figure data-page=page.to_string()>
                            <img src=url alt=format!("Page {page}") loading="lazy"/>
                            <figcaption class="muted small">{format!("Page {page}")}</figcaption>
                            {move || {
                                let lines = read();
                                (!lines.is_empty()).then(|| view! {
                                    <details class="page-text small"><summary>{format!("Text ({} lines)", lines.len())}</summary>
                                        <p>{lines.into_iter().map(|l| view! { <span>{l}</span><br/> }).collect_view()}</p>
                                    </details>
                                })
                            }}
                        </figure>
                    }
                }).collect_view()}
            </div>
        }
        .into_any(),
        _ => view! { <div class="player-frame"><span class="muted">"No preview yet"</span></div> }.into_any(),
    }
}

fn technical_facts(t: &Technical) -> Vec<(String, String)> {
    let mut facts: Vec<(String, String)> = Vec::new();
    if let Some(format) = &t.format {
        facts.push(("Format".into(), format.clone()));
    }
    if let Some(v) = &t.video {
        let mut text = format!("{} {}×{} at {} fps", v.codec, v.width, v.height, v.fps);
        if v.rotation != 0 {
            text.push_str(&format!(", turned {}°", v.rotation));
        }
        if v.variable_frame_rate {
            text.push_str(", variable frame rate");
        }
        facts.push(("Video".into(), text));
    }
    if let Some(a) = &t.audio {
        facts.push(("Audio".into(), format!("{} {} ch, {} Hz", a.codec, a.channels, a.sample_rate)));
    }
    if let Some(b) = t.bit_rate {
        facts.push(("Bit rate".into(), format!("{} kbit/s", b / 1000)));
    }
    if let Some(i) = &t.image {
        facts.push(("Picture".into(), format!("{}×{}", i.width, i.height)));
        if let Some(camera) = &i.camera {
            facts.push(("Camera".into(), camera.clone()));
        }
        if let Some(taken) = &i.taken_at {
            facts.push(("Taken".into(), taken.clone()));
        }
        if let Some(gps) = &i.gps {
            facts.push(("Location".into(), format!("{:.5}, {:.5}", gps.latitude, gps.longitude)));
        }
    }
    if let Some(d) = &t.document {
        facts.push(("Pages".into(), d.pages.to_string()));
        if let Some(title) = &d.title {
            facts.push(("Title".into(), title.clone()));
        }
        if let Some(author) = &d.author {
            facts.push(("Author".into(), author.clone()));
        }
    }
    facts
}
