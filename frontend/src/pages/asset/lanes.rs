//! One timeline of every kind: a lane each (chapters, scenes, ad breaks, shots, objects,
//! people, text, moderation, speech, key phrases) and reviewers' notes over the asset's length, zoomable, with the playhead moving as
//! the video plays. A segment seeks the player; hovering names it with its confidence.

use leptos::html::Div;
use leptos::prelude::*;
use mediaport_shared::{AnalysisKind, Timecode};

use super::review::{Found, Playback};
use crate::format;

/// The lanes, in the order shown, and what each is called.
const LANES: [(AnalysisKind, &str); 13] = [
    (AnalysisKind::Note, "Notes"),
    (AnalysisKind::Chapter, "Chapters"),
    (AnalysisKind::Scene, "Scenes"),
    (AnalysisKind::AdBreak, "Ad breaks"),
    (AnalysisKind::Shot, "Shots"),
    (AnalysisKind::Label, "Objects"),
    (AnalysisKind::FaceMatch, "People"),
    (AnalysisKind::Face, "Faces"),
    (AnalysisKind::Emotion, "Expressions"),
    (AnalysisKind::Text, "Text"),
    (AnalysisKind::Moderation, "Moderation"),
    (AnalysisKind::Transcript, "Speech"),
    (AnalysisKind::Keyphrase, "Key phrases"),
];

/// Segments drawn per lane at most: past this a lane is a solid bar anyway.
const MAX_SEGMENTS: usize = 3000;

/// One stretch of one name in a lane.
#[derive(Debug, Clone, PartialEq)]
struct Segment {
    name: String,
    confidence: f32,
    span: Timecode,
}

fn percent(ms: u64, duration: u64) -> f64 {
    ms as f64 * 100.0 / duration.max(1) as f64
}

/// The lanes of the kinds in `found`, over `duration_ms`.
#[component]
pub fn Lanes(found: Found, duration_ms: u64, playback: Playback, min_confidence: RwSignal<f32>) -> impl IntoView {
    // Each lane takes its timeline out of the map.
    let mut found = found;
    // People named through a collection or by a reviewer make the faces lane redundant.
    let has_people = found.get(&AnalysisKind::FaceMatch).is_some_and(|t| !t.items.is_empty());
    let lanes: Vec<(AnalysisKind, &str, Vec<Segment>)> = LANES
        .into_iter()
        .filter(|(kind, _)| !(has_people && *kind == AnalysisKind::Face))
        .filter_map(|(kind, title)| {
            let timeline = found.remove(&kind)?;
            let mut segments: Vec<Segment> = timeline
                .items
                .iter()
                .flat_map(|item| {
                    item.timecodes.iter().map(|t| Segment {
                        name: item.name.clone(),
                        confidence: item.confidence,
                        span: *t,
                    })
                })
                .collect();
            segments.sort_by_key(|s| s.span.begin);
            segments.truncate(MAX_SEGMENTS);
            Some((kind, title, segments))
        })
        .collect();
    if lanes.is_empty() {
        return ().into_any();
    }
    let zoom = RwSignal::new(1.0_f64);
    let hovered = RwSignal::new(None::<String>);
    let scroller = NodeRef::<Div>::new();
    let now = playback.now_ms;
    // Zoomed in, the view follows the playhead.
    Effect::new(move |_| {
        let (at, zoom) = (now.get(), zoom.get());
        let Some(view) = scroller.get() else { return };
        if zoom <= 1.0 {
            return;
        }
        let x = percent(at, duration_ms) / 100.0 * f64::from(view.scroll_width());
        let (left, width) = (f64::from(view.scroll_left()), f64::from(view.client_width()));
        if x < left || x > left + width {
            view.set_scroll_left((x - width * 0.2).max(0.0) as i32);
        }
    });
    let ticks = (0..=10).map(|n| {
        let ms = duration_ms * n / 10;
        // A short clip's ticks are under a second apart: they show tenths.
        let label = if duration_ms < 60_000 { format!("{:.1} s", ms as f64 / 1000.0) } else { format::duration(ms) };
        view! { <span class="tick" style=format!("left:{}%", n * 10)>{label}</span> }
    });
    view! {
        <section class="card lanes-card" data-testid="lanes">
            <div class="lanes-head">
                <h2>"Timeline"</h2>
                <label class="small">"Zoom "
                    <input type="range" name="zoom" min="1" max="20" step="1" prop:value=move || zoom.get().to_string()
                        on:input=move |ev| zoom.set(event_target_value(&ev).parse().unwrap_or(1.0))/>
                </label>
                <label class="small">"Minimum confidence "
                    <input type="range" name="min_confidence" min="0" max="100" step="5"
                        prop:value=move || ((min_confidence.get() * 100.0).round() as i32).to_string()
                        on:input=move |ev| {
                            let level = event_target_value(&ev).parse::<f32>().unwrap_or(0.0) / 100.0;
                            min_confidence.set(level);
                        }/>
                    <span class="mono">{move || format!(" {:.0} %", min_confidence.get() * 100.0)}</span>
                </label>
            </div>
            <p class="lane-hover small muted" data-testid="lane-hover">
                {move || hovered.get().unwrap_or_else(|| "Hover a segment to see what it is; click it to play from there.".into())}
            </p>
            <div class="lanes">
                <div class="lane-names">
                    <div class="lane-name ruler-name"></div>
                    {lanes.iter().map(|(_, title, _)| view! { <div class="lane-name">{*title}</div> }).collect_view()}
                </div>
                <div class="lane-scroll" node_ref=scroller>
                    <div class="lane-track" style=move || format!("width:{}%", zoom.get() * 100.0)>
                        <div class="lane-ruler">{ticks.collect_view()}</div>
                        {lanes.into_iter().map(|(kind, _, segments)| view! {
                            <div class="lane" data-lane=kind.as_str()>
                                {segments.into_iter().map(|s| {
                                    let label = format!("{} · {:.0} % · {}–{}", s.name, s.confidence * 100.0,
                                        format::duration(s.span.begin), format::duration(s.span.end));
                                    let place = format!("left:{:.4}%;width:{:.4}%", percent(s.span.begin, duration_ms),
                                        percent(s.span.end.saturating_sub(s.span.begin), duration_ms));
                                    let (shown, hover) = (s.confidence, label.clone());
                                    let begin = s.span.begin;
                                    view! {
                                        <button class="segment" style=place title=label data-name=s.name
                                            data-begin=begin.to_string()
                                            class:filtered=move || shown < min_confidence.get()
                                            on:mouseenter=move |_| hovered.set(Some(hover.clone()))
                                            on:click=move |_| playback.seek(begin)></button>
                                    }
                                }).collect_view()}
                            </div>
                        }).collect_view()}
                        <div class="playhead" data-testid="playhead"
                            style=move || format!("left:{:.4}%", percent(now.get(), duration_ms))></div>
                    </div>
                </div>
            </div>
        </section>
    }
    .into_any()
}
