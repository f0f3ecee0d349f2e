//! Reviewers' notes on the asset page: the list of notes with their replies beside the
//! other panels, a form that writes one at the player's moment (or over a range), a place
//! marked on the picture by dragging over it, and the notes' lane and boxes (through the
//! shared timelines).

use leptos::prelude::*;
use mediaport_shared::{AssetId, Group, NewNote, Note, NoteId, Region, Timecode};

use super::overlay::Frame;
use super::review::{Found, Playback};
use crate::api;
use crate::auth::use_auth;
use crate::format;

/// What the note being written marks on the picture, shared by the form and the picture.
#[derive(Clone, Copy)]
pub struct NoteDraft {
    /// Dragging over the picture marks a place.
    pub drawing: RwSignal<bool>,
    pub region: RwSignal<Option<Region>>,
}

/// Over the picture while a place is being marked: a drag draws the region.
#[component]
pub fn DrawLayer(frame: RwSignal<Option<Frame>>) -> impl IntoView {
    let Some(draft) = use_context::<NoteDraft>() else { return ().into_any() };
    let start = RwSignal::new(None::<(f64, f64)>);
    // The pointer's place in fractions of the layer (the picture).
    let at = |ev: &web_sys::PointerEvent| {
        let target = event_target::<web_sys::HtmlElement>(ev);
        let rect = target.get_bounding_client_rect();
        let x = ((f64::from(ev.client_x()) - rect.left()) / rect.width().max(1.0)).clamp(0.0, 1.0);
        let y = ((f64::from(ev.client_y()) - rect.top()) / rect.height().max(1.0)).clamp(0.0, 1.0);
        (x, y)
    };
    let mark = move |from: (f64, f64), to: (f64, f64)| {
        let (left, top) = (from.0.min(to.0), from.1.min(to.1));
        let (width, height) = ((from.0 - to.0).abs(), (from.1 - to.1).abs());
        if width > 0.01 && height > 0.01 {
            let region = Region { left: left as f32, top: top as f32, width: width as f32, height: height as f32 };
            draft.region.set(Some(region));
        }
    };
    view! {
        <Show when=move || draft.drawing.get()>
            <div class="draw-layer" data-testid="draw-layer"
                style=move || match frame.get() {
                    Some(f) => format!("left:{}px;top:{}px;width:{}px;height:{}px", f.left, f.top, f.width, f.height),
                    None => "display:none".to_owned(),
                }
                on:pointerdown=move |ev| { ev.prevent_default(); start.set(Some(at(&ev))); }
                on:pointermove=move |ev| if let Some(from) = start.get_untracked() { mark(from, at(&ev)); }
                on:pointerup=move |ev| {
                    if let Some(from) = start.get_untracked() { mark(from, at(&ev)); }
                    start.set(None);
                    draft.drawing.set(false);
                }>
                {move || draft.region.get().map(|r| view! {
                    <div class="box box-note draft" style=format!(
                        "left:{:.3}%;top:{:.3}%;width:{:.3}%;height:{:.3}%",
                        r.left * 100.0, r.top * 100.0, r.width * 100.0, r.height * 100.0)></div>
                })}
            </div>
        </Show>
    }
    .into_any()
}

/// The notes and their replies, and for creators and admins the form that writes one.
#[component]
pub fn NotesPanel(
    asset_id: AssetId,
    timed: bool,
    playback: Playback,
    found: LocalResource<Result<Found, api::ApiError>>,
) -> impl IntoView {
    let auth = use_auth();
    let id = StoredValue::new(asset_id);
    let notes = LocalResource::new(move || {
        let id = id.get_value();
        async move { api::notes(auth, &id).await }
    });
    let error = RwSignal::new(None::<String>);
    let reload = move || {
        notes.refetch();
        found.refetch();
    };
    let writes = auth.can(Group::Creator);
    view! {
        <section class="card notes" data-notes>
            <h2>"Notes"</h2>
            {move || error.get().map(|e| view! { <p class="alert alert-error small" data-note-error>{e}</p> })}
            {writes.then(|| view! { <NoteForm asset_id=id.get_value() timed playback error reload=Callback::new(move |()| reload())/> })}
            {move || match notes.get() {
                None => view! { <p class="muted small">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="alert alert-error small">{e.message}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted small">"No notes yet."</p> }.into_any(),
                Some(Ok(list)) => {
                    let mut roots: Vec<Note> = list.iter().filter(|n| n.reply_to.is_none()).cloned().collect();
                    roots.sort_by_key(|n| n.at.begin);
                    view! {
                        <ul class="note-list">
                            {roots.into_iter().map(|note| {
                                let replies: Vec<Note> = list.iter().filter(|r| r.reply_to.as_ref() == Some(&note.id)).cloned().collect();
                                view! { <NoteThread note replies asset_id=id.get_value() timed playback error reload=Callback::new(move |()| reload())/> }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }}
        </section>
    }
}

/// Writes a note at the player's moment (or from–to), with the place marked, if any.
#[component]
fn NoteForm(
    asset_id: AssetId,
    timed: bool,
    playback: Playback,
    error: RwSignal<Option<String>>,
    reload: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    let Some(draft) = use_context::<NoteDraft>() else { return ().into_any() };
    let (text, from, to) = (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let id = StoredValue::new(asset_id);
    // The moment follows the player until someone types another.
    let typed = RwSignal::new(false);
    Effect::new(move |_| {
        let now = playback.now_ms.get();
        if !typed.get_untracked() {
            from.set(format::duration(now));
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let begin = if timed { format::parse_time(&from.get_untracked()) } else { Some(0) };
        let end = match to.get_untracked().trim() {
            "" => begin.map(|b| b + 1),
            typed_end => format::parse_time(typed_end),
        };
        let Some(at) = begin.zip(end).map(|(begin, end)| Timecode { begin, end }) else {
            error.set(Some("Times read m:ss, e.g. 1:05".into()));
            return;
        };
        let note =
            NewNote { text: text.get_untracked(), at: Some(at), region: draft.region.get_untracked(), reply_to: None };
        let asset_id = id.get_value();
        leptos::task::spawn_local(async move {
            match api::add_note(auth, &asset_id, &note).await {
                Ok(_) => {
                    error.set(None);
                    text.set(String::new());
                    to.set(String::new());
                    typed.set(false);
                    draft.region.set(None);
                    reload.run(());
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    let input = |signal: RwSignal<String>| move |ev| signal.set(event_target_value(&ev));
    view! {
        <form class="note-form" on:submit=submit>
            <textarea name="note" rows="2" placeholder="A note on this moment…" required
                prop:value=move || text.get() on:input=input(text)></textarea>
            <div class="note-form-row">
                {timed.then(|| view! {
                    <label class="small">"At " <input type="text" name="from" class="time-input"
                        prop:value=move || from.get() on:input=move |ev| { typed.set(true); from.set(event_target_value(&ev)); }/></label>
                    <label class="small">"to " <input type="text" name="to" class="time-input" placeholder="—"
                        prop:value=move || to.get() on:input=input(to)/></label>
                })}
                <button type="button" class="button button-ghost button-small" data-action="mark-place"
                    class:on=move || draft.drawing.get()
                    on:click=move |_| draft.drawing.update(|d| *d = !*d)>
                    {move || match (draft.drawing.get(), draft.region.get().is_some()) {
                        (true, _) => "Drag over the picture…",
                        (false, true) => "Place marked ✓",
                        (false, false) => "Mark a place",
                    }}
                </button>
                <button type="submit" class="button button-small">"Add note"</button>
            </div>
        </form>
    }
    .into_any()
}

/// A note with its replies; a reply form and removal for those who may.
#[component]
fn NoteThread(
    note: Note,
    replies: Vec<Note>,
    asset_id: AssetId,
    timed: bool,
    playback: Playback,
    error: RwSignal<Option<String>>,
    reload: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    let writes = auth.can(Group::Creator);
    let me = auth.session.with_untracked(|s| s.as_ref().map(|s| (s.user.username.clone(), s.user.group())));
    let may_remove =
        move |author: &str| me.as_ref().is_some_and(|(name, group)| name == author || *group >= Group::Admin);
    let id = StoredValue::new(asset_id);
    let remove = move |note_id: NoteId| {
        let asset_id = id.get_value();
        leptos::task::spawn_local(async move {
            match api::delete_note(auth, &asset_id, &note_id).await {
                Ok(()) => reload.run(()),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    let reply = RwSignal::new(String::new());
    let answered = note.id.clone();
    let send_reply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let new = NewNote { text: reply.get_untracked(), at: None, region: None, reply_to: Some(answered.clone()) };
        let asset_id = id.get_value();
        leptos::task::spawn_local(async move {
            match api::add_note(auth, &asset_id, &new).await {
                Ok(_) => {
                    reply.set(String::new());
                    reload.run(());
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    let span = note.at;
    let when = if span.end > span.begin + 1 {
        format!("{}–{}", format::duration(span.begin), format::duration(span.end))
    } else {
        format::duration(span.begin)
    };
    let removable = may_remove(&note.author);
    let note_id = note.id.clone();
    view! {
        <li class="note" data-note=note.id.to_string()>
            <div class="note-head">
                {timed.then(|| view! { <button class="chip timecode" on:click=move |_| playback.seek(span.begin)>{when.clone()}</button> })}
                {note.region.map(|_| view! { <span class="badge" data-region>"place"</span> })}
                <span class="muted small">{format!("{} · {}", note.author, format::when(&note.created_at))}</span>
                {removable.then(|| view! {
                    <button class="button button-ghost button-small" data-action="remove-note" on:click=move |_| remove(note_id.clone())>"Remove"</button>
                })}
            </div>
            <p class="note-text">{note.text.clone()}</p>
            <ul class="replies">
                {replies.into_iter().map(|r| view! {
                    <li class="reply" data-reply=r.id.to_string()>
                        <span class="muted small">{format!("{} · {}", r.author, format::when(&r.created_at))}</span>
                        <p class="note-text">{r.text}</p>
                    </li>
                }).collect_view()}
            </ul>
            {writes.then(|| view! {
                <form class="reply-form" on:submit=send_reply>
                    <input type="text" name="reply" placeholder="Reply…" required
                        prop:value=move || reply.get() on:input=move |ev| reply.set(event_target_value(&ev))/>
                    <button type="submit" class="button button-ghost button-small">"Reply"</button>
                </form>
            })}
        </li>
    }
}
