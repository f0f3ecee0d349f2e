//! The transcript beside the player: each stretch of speech a line with its time. A click
//! plays from there, the line being spoken is highlighted, and the transcript shows on the
//! video as subtitles.

use leptos::html::Video;
use leptos::prelude::*;
use mediaport_shared::{Timeline, TimelineItem};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::api;
use crate::auth::use_auth;
use crate::pages::collection::format_duration;

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
pub fn TranscriptLines(asset_id: String, timeline: Timeline, player: NodeRef<Video>) -> impl IntoView {
    let now_ms = RwSignal::new(None::<u64>);
    let auth = use_auth();
    let language = timeline.language.clone().unwrap_or_else(|| "en".into());
    Effect::new(move |_| {
        let Some(video) = player.get() else { return };
        // The player's time, followed for as long as the page shows it.
        let follow = Closure::<dyn Fn()>::new({
            let video = video.clone();
            // The panel may be gone (the page re-rendered) while the video stays.
            move || {
                let _ = now_ms.try_set(Some((video.current_time() * 1000.0) as u64));
            }
        });
        let _ = video.add_event_listener_with_callback("timeupdate", follow.as_ref().unchecked_ref());
        follow.forget();
        // A <track> cannot send the session's token: fetch the subtitles and hand the
        // player a local copy.
        let (id, language) = (asset_id.clone(), language.clone());
        leptos::task::spawn_local(async move {
            if let Ok(vtt) = api::get_track(auth, &id, "transcript.vtt").await {
                let _ = add_subtitles(&video, &vtt, &language);
            }
        });
    });
    view! {
        <ol class="transcript">
            {timeline.items.into_iter().map(|item| view! { <Line item now_ms player/> }).collect_view()}
        </ol>
    }
}

#[component]
fn Line(item: TimelineItem, now_ms: RwSignal<Option<u64>>, player: NodeRef<Video>) -> impl IntoView {
    let Some(span) = item.timecodes.first().copied() else { return ().into_any() };
    let current = move || now_ms.get().is_some_and(|t| t >= span.begin && t < span.end);
    view! {
        <li class="transcript-line" class:current=current data-begin=span.begin.to_string()
            on:click=move |_| seek(player, span.begin)>
            <span class="muted small transcript-time">{format_duration(span.begin)}</span>
            <span>{item.name}</span>
        </li>
    }
    .into_any()
}

fn add_subtitles(video: &web_sys::HtmlVideoElement, vtt: &str, language: &str) -> Result<(), wasm_bindgen::JsValue> {
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/vtt");
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(vtt));
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    // A re-rendered panel must not stack a second copy of the subtitles on the video.
    while let Some(old) = video.query_selector("track[label='Transcript']")? {
        old.remove();
    }
    let track = document.create_element("track")?;
    for (name, value) in [("kind", "subtitles"), ("label", "Transcript"), ("srclang", language), ("src", &url)] {
        track.set_attribute(name, value)?;
    }
    track.set_attribute("default", "")?;
    video.append_child(&track)?;
    Ok(())
}
