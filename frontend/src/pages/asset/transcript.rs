//! The transcript beside the player: each stretch of speech a line with its time. A click
//! plays from there, the line being spoken is highlighted, and the transcript shows on the
//! video as subtitles. The chapters list works the same way and gives the video its
//! chapters track.

use leptos::html::{Li, Ol, Video};
use leptos::prelude::*;
use mediaport_shared::{AnalysisKind, AssetId, Correction, Timecode, Timeline, TimelineItem};

use super::corrections::{RejectItem, corrector};
use super::review::Playback;
use crate::api;
use crate::auth::use_auth;
use crate::format;

/// Plays `player` from `ms`.
pub fn seek(player: NodeRef<Video>, ms: u64) {
    if let Some(video) = player.get() {
        video.set_current_time(ms as f64 / 1000.0);
        // A pause or another seek before playback starts rejects this promise: that is
        // not an error worth reporting, and left unhandled the browser logs it as one.
        if let Ok(playing) = video.play() {
            leptos::task::spawn_local(async move {
                let _ = wasm_bindgen_futures::JsFuture::from(playing).await;
            });
        }
    }
}

#[component]
pub fn TranscriptLines(asset_id: AssetId, timeline: Timeline, playback: Playback) -> impl IntoView {
    let auth = use_auth();
    let language = timeline.language.clone().unwrap_or_else(|| "en".into());
    let list = NodeRef::<Ol>::new();
    Effect::new(move |_| {
        let Some(video) = playback.player.get() else { return };
        // A <track> cannot send the session's token: fetch the subtitles and hand the
        // player a local copy.
        let (id, language) = (asset_id.clone(), language.clone());
        leptos::task::spawn_local(async move {
            if let Ok(vtt) = api::get_track(auth, &id, "transcript.vtt").await {
                let _ = add_track(&video, &vtt, "subtitles", "Transcript", &language);
            }
        });
    });
    view! {
        <ol class="transcript" node_ref=list>
            {timeline.items.into_iter().map(|item| view! { <Line item playback list/> }).collect_view()}
        </ol>
    }
}

#[component]
fn Line(item: TimelineItem, playback: Playback, list: NodeRef<Ol>) -> impl IntoView {
    let Some(span) = item.timecodes.first().copied() else { return ().into_any() };
    let now_ms = playback.now_ms;
    let current = Memo::new(move |_| {
        let t = now_ms.get();
        t >= span.begin && t < span.end
    });
    let line = NodeRef::<Li>::new();
    // The line being spoken stays in view inside the transcript, without scrolling the page.
    Effect::new(move |_| {
        if !current.get() {
            return;
        }
        if let (Some(line), Some(list)) = (line.get_untracked(), list.get_untracked()) {
            let (top, height) = (line.offset_top(), list.client_height());
            let (shown_from, shown_to) = (list.scroll_top(), list.scroll_top() + height);
            if top < shown_from || top + line.offset_height() > shown_to {
                list.set_scroll_top((top - height / 3).max(0));
            }
        }
    });
    let whole = Timecode { begin: span.begin, end: item.timecodes.last().map_or(span.end, |t| t.end) };
    let editor = view! { <LineEditor said=item.name.clone() span=whole/> };
    let text = if item.words.is_empty() {
        view! { <span>{item.name}</span> }.into_any()
    } else {
        let words = item.words.into_iter().map(|word| {
            let (begin, end) = (word.begin, word.end);
            let said = move || {
                let t = now_ms.get();
                t >= begin && t < end.max(begin + 1)
            };
            view! {
                <span class="word" class:said=said data-begin=begin.to_string()
                    on:click=move |ev| { ev.stop_propagation(); playback.seek(begin); }>{word.text}</span>
                " "
            }
        });
        view! { <span class="words">{words.collect_view()}</span> }.into_any()
    };
    view! {
        <li class="transcript-line" class:current=move || current.get() data-begin=span.begin.to_string() node_ref=line
            on:click=move |_| playback.seek(span.begin)>
            <span class="muted small transcript-time">{format::duration(span.begin)}</span>
            {text}
            {editor}
        </li>
    }
    .into_any()
}

/// For creators and admins: rewrites a line in place (emptied, the line is taken out).
/// The words keep their times where they are the same; new ones share the line's time.
#[component]
fn LineEditor(said: String, span: Timecode) -> impl IntoView {
    let Some(corrector) = corrector() else { return ().into_any() };
    let editing = RwSignal::new(false);
    let draft = RwSignal::new(said.clone());
    let said = StoredValue::new(said);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let edit = Correction::Edit { span, before: said.get_value(), after: draft.get_untracked().trim().to_owned() };
        corrector.send(edit, move || editing.set(false));
    };
    view! {
        <Show when=move || !editing.get()>
            <button class="button button-ghost button-small line-edit-open" aria-label="Edit this line"
                on:click=move |ev| { ev.stop_propagation(); draft.set(said.get_value()); editing.set(true); }>"✎"</button>
        </Show>
        <Show when=move || editing.get()>
            <form class="line-edit" on:submit=save on:click=|ev| ev.stop_propagation()>
                <input type="text" name="line" prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))/>
                <button class="button button-small" type="submit">"Save"</button>
                <button class="button button-ghost button-small" type="button" on:click=move |_| editing.set(false)>"Cancel"</button>
            </form>
        </Show>
    }
    .into_any()
}

/// The chapters, each a line with its title and start; a click plays from there, and the
/// chapter playing is highlighted.
#[component]
pub fn ChapterList(asset_id: AssetId, timeline: Timeline, playback: Playback) -> impl IntoView {
    let auth = use_auth();
    Effect::new(move |_| {
        let Some(video) = playback.player.get() else { return };
        let id = asset_id.clone();
        leptos::task::spawn_local(async move {
            if let Ok(vtt) = api::get_track(auth, &id, "chapter.vtt").await {
                let _ = add_track(&video, &vtt, "chapters", "Chapters", "en");
            }
        });
    });
    let now_ms = playback.now_ms;
    view! {
        <ol class="chapters">
            {timeline.items.into_iter().filter_map(|item| {
                let span = item.timecodes.first().copied()?;
                let current = move || (span.begin..span.end).contains(&now_ms.get());
                let reject = view! { <RejectItem kind=AnalysisKind::Chapter item=item.clone() playback timed=true/> };
                Some(view! {
                    <li class="chapter" class:current=current data-begin=span.begin.to_string()
                        on:click=move |_| playback.seek(span.begin)>
                        <span class="muted small transcript-time">{format::duration(span.begin)}</span>
                        <span class="chapter-title">{item.name}</span>
                        <span on:click=|ev| ev.stop_propagation()>{reject}</span>
                    </li>
                })
            }).collect_view()}
        </ol>
    }
}

/// Gives the player a track made from `vtt` (a local copy: a <track> cannot send the
/// session's token), replacing an earlier one of the same label.
fn add_track(
    video: &web_sys::HtmlVideoElement,
    vtt: &str,
    kind: &str,
    label: &str,
    language: &str,
) -> Result<(), wasm_bindgen::JsValue> {
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/vtt");
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(vtt));
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    // A re-rendered panel must not stack a second copy of the track on the video.
    while let Some(old) = video.query_selector(&format!("track[label='{label}']"))? {
        old.remove();
    }
    let track = document.create_element("track")?;
    for (name, value) in [("kind", kind), ("label", label), ("srclang", language), ("src", &url)] {
        track.set_attribute(name, value)?;
    }
    track.set_attribute("default", "")?;
    video.append_child(&track)?;
    Ok(())
}
