//! "Share this moment": a secret link to a stretch of the asset and the results chosen
//! for it, for people without an account (creators and admins make them).

use leptos::prelude::*;
use mediaport_shared::shares::MAX_SHARE_DAYS;
use mediaport_shared::{AnalysisKind, AnalysisStatus, Asset, AssetId, NewShare, Timecode};

use super::review::Playback;
use super::timelines::title;
use crate::api;
use crate::auth::use_auth;
use crate::format;

/// The results a link can carry, where the asset has them.
const OFFERED: [AnalysisKind; 7] = [
    AnalysisKind::Transcript,
    AnalysisKind::Label,
    AnalysisKind::Text,
    AnalysisKind::FaceMatch,
    AnalysisKind::Keyphrase,
    AnalysisKind::Chapter,
    AnalysisKind::Note,
];

/// The results `asset` has that a link can carry.
pub fn offered(asset: &Asset) -> Vec<AnalysisKind> {
    OFFERED
        .into_iter()
        .filter(|k| *k == AnalysisKind::Note || asset.analysis.get(k).is_some_and(|s| s.status == AnalysisStatus::Done))
        .collect()
}

#[component]
pub fn ShareMoment(asset_id: AssetId, offered: Vec<AnalysisKind>, duration: u64, playback: Playback) -> impl IntoView {
    let auth = use_auth();
    let id = StoredValue::new(asset_id);
    let open = RwSignal::new(false);
    let (from, to, days) = (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new("7".to_owned()));
    let chosen = RwSignal::new(Vec::<AnalysisKind>::new());
    let link = RwSignal::new(None::<(String, String)>);
    let error = RwSignal::new(None::<String>);
    let start = move |_| {
        let now = playback.now_ms.get_untracked();
        from.set(format::duration(now));
        to.set(format::duration((now + 10_000).min(duration.max(now + 1000))));
        link.set(None);
        open.set(true);
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let at = format::parse_time(&from.get_untracked()).zip(format::parse_time(&to.get_untracked()));
        let Some((begin, end)) = at else {
            error.set(Some("Times read m:ss, e.g. 1:05".into()));
            return;
        };
        let new = NewShare {
            at: Timecode { begin, end },
            days: days.get_untracked().trim().parse().unwrap_or(0),
            kinds: chosen.get_untracked(),
        };
        let asset_id: AssetId = id.get_value();
        leptos::task::spawn_local(async move {
            match api::share(auth, &asset_id, &new).await {
                Ok(made) => {
                    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
                    link.set(Some((format!("{origin}{}", made.path), made.share.expires_at)));
                    error.set(None);
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    let input = |signal: RwSignal<String>| move |ev| signal.set(event_target_value(&ev));
    // The link is selected when the field is, ready to copy.
    let select_all = |ev: leptos::ev::FocusEvent| event_target::<web_sys::HtmlInputElement>(&ev).select();
    view! {
        <section class="card share" data-testid="share">
            <div class="share-head">
                <h2>"Share this moment"</h2>
                <Show when=move || !open.get()>
                    <button class="button button-ghost button-small" data-action="share-open" on:click=start>"Share…"</button>
                </Show>
            </div>
            <Show when=move || open.get()>
                <form class="share-form" on:submit=submit>
                    <label class="small">"From " <input type="text" name="from" class="time-input" prop:value=move || from.get() on:input=input(from)/></label>
                    <label class="small">"to " <input type="text" name="to" class="time-input" prop:value=move || to.get() on:input=input(to)/></label>
                    <label class="small">"for " <input type="number" name="days" min="1" max=MAX_SHARE_DAYS.to_string() class="time-input"
                        prop:value=move || days.get() on:input=input(days)/>" days"</label>
                    <fieldset class="share-kinds">
                        <legend class="small muted">"With"</legend>
                        {offered.iter().map(|kind| {
                            let kind = *kind;
                            view! {
                                <label class="small"><input type="checkbox" name=kind.as_str()
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        chosen.update(|c| { c.retain(|k| *k != kind); if on { c.push(kind); } });
                                    }/>" " {title(kind)}</label>
                            }
                        }).collect_view()}
                    </fieldset>
                    <button type="submit" class="button button-small" data-action="share">"Make the link"</button>
                    <button type="button" class="button button-ghost button-small" on:click=move |_| open.set(false)>"Close"</button>
                </form>
                {move || error.get().map(|e| view! { <p class="alert alert-error small" data-share-error>{e}</p> })}
                {move || link.get().map(|(url, until)| view! {
                    <div class="share-link">
                        <input type="text" readonly=true name="link" prop:value=url on:focus=select_all/>
                        <span class="muted small">{format!("Works until {}. Anyone with the link sees this stretch; revoke it under Shared links.", format::when(&until))}</span>
                    </div>
                })}
            </Show>
        </section>
    }
}
