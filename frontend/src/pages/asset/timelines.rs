//! The asset page's analysis section: one panel per kind (shots, on-screen text,
//! moderation...), each name with its time ranges as chips that move the player there,
//! and the kind's files to download.

use leptos::html::Video;
use leptos::prelude::*;
use mediaport_shared::{
    AnalysisKind, AnalysisStatus, AnalysisSummary, Asset, AssetId, CORRECTABLE, Timecode, TimelineItem,
};

use super::corrections::{AddItem, RejectItem};
use super::faces::AssetFaces;
use super::review::{Found, Playback};
use super::transcript::{ChapterList, TranscriptLines, seek};
use crate::api;
use crate::components::download::{Downloads, Offer};
use crate::format;

/// Names shown before "show all" in a long timeline.
const FIRST_ITEMS: usize = 30;

pub fn title(kind: AnalysisKind) -> &'static str {
    match kind {
        AnalysisKind::Label => "Labels",
        AnalysisKind::Face => "Faces",
        AnalysisKind::FaceMatch => "People",
        AnalysisKind::Text => "On-screen text",
        AnalysisKind::Moderation => "Moderation",
        AnalysisKind::Shot => "Shots",
        AnalysisKind::Transcript => "Transcript",
        AnalysisKind::Keyphrase => "Key phrases",
        AnalysisKind::Entity => "Entities",
        AnalysisKind::Sentiment => "Sentiment",
        AnalysisKind::Scene => "Scenes",
        AnalysisKind::Chapter => "Chapters",
        AnalysisKind::AdBreak => "Ad breaks",
        AnalysisKind::Emotion => "Expressions",
        AnalysisKind::Note => "Notes",
    }
}

/// The files a kind's panel offers: its JSON, its track, and for the transcript
/// subtitles and text, for the shots the EDL.
fn offers(asset: &Asset, kind: AnalysisKind) -> Vec<Offer> {
    let id = api::encode(&asset.id);
    let stem = asset.filename.rsplit_once('.').map_or(asset.filename.as_str(), |(s, _)| s);
    let name = kind.as_str();
    let offer = |label, path: String, extension: &str, mime| Offer {
        label,
        path,
        filename: format!("{stem}.{name}.{extension}"),
        mime,
    };
    let mut offers = vec![offer("JSON", format!("/api/assets/{id}/analysis/{name}"), "json", "application/json")];
    if asset.duration_ms.is_some() {
        offers.push(offer("WebVTT", format!("/api/assets/{id}/tracks/{name}.vtt"), "vtt", "text/vtt"));
    }
    match kind {
        AnalysisKind::Transcript => {
            offers.push(offer("SRT", format!("/api/assets/{id}/tracks/transcript.srt"), "srt", "application/x-subrip"));
            offers.push(offer("Text", format!("/api/assets/{id}/tracks/transcript.txt"), "txt", "text/plain"));
        }
        AnalysisKind::Shot => offers.push(offer("EDL", format!("/api/assets/{id}/edl"), "edl", "text/plain")),
        AnalysisKind::Scene => {
            offers.push(offer("EDL with scenes", format!("/api/assets/{id}/edl"), "edl", "text/plain"));
        }
        AnalysisKind::AdBreak => {
            offers.push(offer("CSV", format!("/api/assets/{id}/tracks/ad_break.csv"), "csv", "text/csv"));
        }
        _ => {}
    }
    offers
}

/// Every kind analysed on `asset`; chips seek the player when the asset plays.
#[component]
pub fn Timelines(
    asset: Asset,
    found: LocalResource<Result<Found, api::ApiError>>,
    playback: Playback,
) -> impl IntoView {
    let player = playback.player;
    if asset.analysis.is_empty() {
        return view! {
            <p class="muted small timelines-empty">
                {if asset.status.as_str() == "analysing" { "Analysis is running…" } else { "No analysis has run on this asset." }}
            </p>
        }
        .into_any();
    }
    let timed = asset.duration_ms.is_some();
    let faces = asset.analysis.contains_key(&AnalysisKind::Face);
    let files: Vec<Vec<Offer>> = asset.analysis.keys().map(|kind| offers(&asset, *kind)).collect();
    let Asset { id, analysis, .. } = asset;
    // The faces list above names the people: their panels would say it twice.
    let panels: Vec<(AnalysisKind, AnalysisSummary, Vec<Offer>)> = analysis
        .into_iter()
        .zip(files)
        .filter(|((kind, _), _)| !(faces && matches!(kind, AnalysisKind::Face | AnalysisKind::FaceMatch)))
        .map(|((kind, summary), offers)| (kind, summary, offers))
        .collect();
    view! {
        {faces.then(|| view! { <AssetFaces asset_id=id.clone() timed player/> })}
        <section class="timelines">
            {panels.into_iter().map(|(kind, summary, offers)| view! {
                <KindPanel asset_id=id.clone() kind summary timed playback found offers/>
            }).collect_view()}
        </section>
    }
    .into_any()
}

#[component]
fn KindPanel(
    asset_id: AssetId,
    kind: AnalysisKind,
    summary: AnalysisSummary,
    timed: bool,
    playback: Playback,
    found: LocalResource<Result<Found, api::ApiError>>,
    offers: Vec<Offer>,
) -> impl IntoView {
    let failed = summary.status == AnalysisStatus::Failed;
    // Only this kind's timeline is copied out of the shared load.
    let timeline = move || {
        found.with(|loaded| {
            loaded.as_ref().map(|result| result.as_ref().map(|f| f.get(&kind).cloned()).map_err(Clone::clone))
        })
    };
    let show_all = RwSignal::new(false);
    view! {
        <div class="card timeline-panel" data-kind=kind.as_str()>
            <h2>{title(kind)} <span class="muted small">{if failed { "failed".to_owned() } else { format!("{} found", summary.count) }}</span>
                {summary.language.map(|code| {
                    let name = format::language(&code);
                    view! { <span class="badge" data-language=code>{name}</span> }
                })}
            </h2>
            {summary.error.map(|e| view! { <p class="alert alert-error small" data-reason>{e}</p> })}
            {(!failed).then(|| view! { <Downloads offers/> })}
            {(!failed && CORRECTABLE.contains(&kind)).then(|| view! { <AddItem kind playback timed/> })}
            {move || match timeline() {
                _ if failed => ().into_any(),
                None => view! { <p class="muted small">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="alert alert-error small">{e.message}</p> }.into_any(),
                Some(Ok(None)) => ().into_any(),
                Some(Ok(Some(t))) if t.items.is_empty() => view! { <p class="muted small">"Nothing found."</p> }.into_any(),
                Some(Ok(Some(t))) if kind == AnalysisKind::Transcript => {
                    view! { <TranscriptLines asset_id=asset_id.clone() timeline=t playback/> }.into_any()
                }
                Some(Ok(Some(t))) if kind == AnalysisKind::Chapter => {
                    view! { <ChapterList asset_id=asset_id.clone() timeline=t playback/> }.into_any()
                }
                Some(Ok(Some(t))) => {
                    let total = t.items.len();
                    let items: Vec<TimelineItem> = if show_all.get() { t.items } else { t.items.into_iter().take(FIRST_ITEMS).collect() };
                    view! {
                        <ul class="timeline-items">
                            {items.into_iter().map(|item| view! { <Item item kind timed playback/> }).collect_view()}
                        </ul>
                        {(total > FIRST_ITEMS && !show_all.get()).then(|| view! {
                            <button class="button button-ghost button-small" on:click=move |_| show_all.set(true)>{format!("Show all {total}")}</button>
                        })}
                    }.into_any()
                }
            }}
        </div>
    }
}

/// Time ranges shown per item.
const FIRST_CHIPS: usize = 24;

#[component]
fn Item(item: TimelineItem, kind: AnalysisKind, timed: bool, playback: Playback) -> impl IntoView {
    let player = playback.player;
    let reject = CORRECTABLE.contains(&kind).then(|| view! { <RejectItem kind item=item.clone() playback timed/> });
    let confidence = format!("{:.0} %", item.confidence * 100.0);
    let pages = (!item.pages.is_empty()).then(|| {
        let list: Vec<String> = item.pages.iter().map(u32::to_string).collect();
        let label = if item.pages.len() == 1 { "page" } else { "pages" };
        view! { <span class="muted small" data-pages=list.join(",")>{format!("{label} {}", list.join(", "))}</span> }
    });
    view! {
        <li class="timeline-item">
            <span class="timeline-name" data-name=item.name.clone()>{item.name.clone()}</span>
            {item.category.clone().map(|c| {
                let shown = c.clone();
                view! { <span class="badge" data-category=c>{shown}</span> }
            })}
            <span class="muted small">{confidence}</span>
            {reject}
            {pages}
            {timed.then(|| {
                // A label seen all through a long film has hundreds of ranges: show the first
                // ones and say how many more there are.
                let more = item.timecodes.len().saturating_sub(FIRST_CHIPS);
                view! {
                    <span class="timecodes">
                        {item.timecodes.iter().take(FIRST_CHIPS).map(|t| view! { <Chip span=*t player/> }).collect_view()}
                        {(more > 0).then(|| view! { <span class="muted small">{format!("+{more} more")}</span> })}
                    </span>
                }
            })}
        </li>
    }
}

/// A time range; clicking it plays the video from its start.
#[component]
pub fn Chip(span: Timecode, player: NodeRef<Video>) -> impl IntoView {
    let label = format!("{}–{}", format::duration(span.begin), format::duration(span.end));
    view! { <button class="chip timecode" data-begin=span.begin.to_string() on:click=move |_| seek(player, span.begin)>{label}</button> }
}
