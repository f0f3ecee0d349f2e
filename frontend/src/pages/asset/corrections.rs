//! Reviewers' corrections on the asset page: what sends them (shared with the transcript
//! and the panels through the context, for creators and admins only), the forms that
//! make them, and the trail with undo.

use leptos::prelude::*;
use mediaport_shared::{
    AnalysisKind, Asset, AssetId, Correction, CorrectionEntry, CorrectionId, Timecode, TimelineItem,
};

use super::review::{Found, Playback};
use super::timelines::title;
use crate::api;
use crate::auth::Auth;
use crate::format;

/// Sends corrections and reloads what they change: every timeline and the trail.
#[derive(Clone, Copy)]
pub struct Corrector {
    auth: Auth,
    asset_id: StoredValue<AssetId>,
    found: LocalResource<Result<Found, api::ApiError>>,
    pub trail: LocalResource<Result<Vec<CorrectionEntry>, api::ApiError>>,
    /// Why the last correction was refused.
    pub error: RwSignal<Option<String>>,
}

impl Corrector {
    /// Offered to the page's parts when the user may correct (creators and admins).
    pub fn provide(auth: Auth, asset: &Asset, found: LocalResource<Result<Found, api::ApiError>>) {
        let asset_id = StoredValue::new(asset.id.clone());
        let trail = LocalResource::new(move || {
            let id = asset_id.get_value();
            async move { api::corrections(auth, &id).await }
        });
        provide_context(Self { auth, asset_id, found, trail, error: RwSignal::new(None) });
    }

    /// Sends a correction; on success the timelines and trail load again and `done` runs.
    pub fn send(self, correction: Correction, done: impl FnOnce() + 'static) {
        let id = self.asset_id.get_value();
        leptos::task::spawn_local(async move {
            match api::correct(self.auth, &id, &correction).await {
                Ok(_) => {
                    self.error.set(None);
                    self.reload();
                    done();
                }
                Err(e) => self.error.set(Some(e.message)),
            }
        });
    }

    pub fn undo(self, correction: CorrectionId) {
        let id = self.asset_id.get_value();
        leptos::task::spawn_local(async move {
            match api::undo_correction(self.auth, &id, &correction).await {
                Ok(_) => {
                    self.error.set(None);
                    self.reload();
                }
                Err(e) => self.error.set(Some(e.message)),
            }
        });
    }

    fn reload(self) {
        self.found.refetch();
        self.trail.refetch();
    }
}

/// The corrector, where the user may correct.
pub fn corrector() -> Option<Corrector> {
    use_context::<Corrector>()
}

/// "Not here" (over the item's range the player is in) and "not in this asset".
#[component]
pub fn RejectItem(kind: AnalysisKind, item: TimelineItem, playback: Playback, timed: bool) -> impl IntoView {
    let Some(corrector) = corrector() else { return ().into_any() };
    let open = RwSignal::new(false);
    let label = format!("Reject {}", item.name);
    let name = StoredValue::new(item.name);
    let spans = StoredValue::new(item.timecodes);
    let reject = move |at: Option<Timecode>| {
        corrector.send(Correction::Reject { kind, name: name.get_value(), at }, move || open.set(false));
    };
    let here = move || {
        let now = playback.now_ms.get();
        let found = spans.with_value(|s| s.iter().copied().find(|t| t.begin <= now && now < t.end.max(t.begin + 1)));
        found.filter(|_| timed)
    };
    view! {
        <button class="button button-ghost button-small reject-open" aria-label=label title="Wrong? Reject it"
            on:click=move |_| open.update(|o| *o = !*o)>"✕"</button>
        <Show when=move || open.get()>
            <span class="reject-choices">
                {move || here().map(|at| view! {
                    <button class="button button-small" data-reject="here" on:click=move |_| reject(Some(at))>
                        {format!("Not at {}–{}", format::duration(at.begin), format::duration(at.end))}
                    </button>
                })}
                <button class="button button-small" data-reject="everywhere" on:click=move |_| reject(None)>
                    "Not in this asset"
                </button>
            </span>
        </Show>
    }
    .into_any()
}

/// Adds an item the analysis missed, over a range that starts where the player is.
#[component]
pub fn AddItem(kind: AnalysisKind, playback: Playback, timed: bool) -> impl IntoView {
    let Some(corrector) = corrector() else { return ().into_any() };
    let open = RwSignal::new(false);
    let (name, from, to) = (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let start = move |_| {
        let now = playback.now_ms.get_untracked();
        from.set(format::duration(now));
        to.set(format::duration(now + 5000));
        open.set(true);
    };
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // A picture's items are at its one moment.
        let span = match timed {
            false => Some(Timecode { begin: 0, end: 1 }),
            true => format::parse_time(&from.get_untracked())
                .zip(format::parse_time(&to.get_untracked()))
                .map(|(begin, end)| Timecode { begin, end }),
        };
        let Some(span) = span else {
            corrector.error.set(Some("Times read m:ss, e.g. 1:05".into()));
            return;
        };
        let correction = Correction::Add { kind, name: name.get_untracked().trim().to_owned(), timecodes: vec![span] };
        corrector.send(correction, move || {
            name.set(String::new());
            open.set(false);
        });
    };
    let input = |signal: RwSignal<String>| move |ev| signal.set(event_target_value(&ev));
    view! {
        <Show when=move || !open.get()>
            <button class="button button-ghost button-small" data-add=kind.as_str() on:click=start>"+ Add"</button>
        </Show>
        <Show when=move || open.get()>
            <form class="add-item" on:submit=add>
                <input type="text" name="name" placeholder="Name" required prop:value=move || name.get() on:input=input(name)/>
                {timed.then(|| view! {
                    <label class="small">"From " <input type="text" name="from" class="time-input"
                        prop:value=move || from.get() on:input=input(from)/></label>
                    <label class="small">"to " <input type="text" name="to" class="time-input"
                        prop:value=move || to.get() on:input=input(to)/></label>
                })}
                <button class="button button-small" type="submit">"Add"</button>
                <button class="button button-ghost button-small" type="button" on:click=move |_| open.set(false)>"Cancel"</button>
            </form>
        </Show>
    }
    .into_any()
}

/// What a correction did, in words.
fn described(correction: &Correction) -> String {
    let range = |t: &Timecode| format!("{}–{}", format::duration(t.begin), format::duration(t.end));
    match correction {
        Correction::Edit { span, before, after } if after.trim().is_empty() => {
            format!("Transcript at {}: “{before}” taken out", format::duration(span.begin))
        }
        Correction::Edit { span, before, after } => {
            format!("Transcript at {}: “{before}” → “{after}”", format::duration(span.begin))
        }
        Correction::Reject { kind, name, at: None } => format!("{}: “{name}” rejected everywhere", title(*kind)),
        Correction::Reject { kind, name, at: Some(at) } => {
            format!("{}: “{name}” rejected at {}", title(*kind), range(at))
        }
        Correction::Add { kind, name, timecodes } => {
            let at: Vec<String> = timecodes.iter().map(range).collect();
            format!("{}: “{name}” added at {}", title(*kind), at.join(", "))
        }
    }
}

/// The asset's corrections, newest first: who, what, when, undo; edits a new transcript
/// no longer lines up with are flagged for review.
#[component]
pub fn Trail() -> impl IntoView {
    let Some(corrector) = corrector() else { return ().into_any() };
    view! {
        <section class="card corrections" data-corrections>
            <h2>"Corrections"</h2>
            {move || corrector.error.get().map(|e| view! { <p class="alert alert-error small" data-correction-error>{e}</p> })}
            {move || match corrector.trail.get() {
                None => view! { <p class="muted small">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="alert alert-error small">{e.message}</p> }.into_any(),
                Some(Ok(trail)) if trail.is_empty() => view! {
                    <p class="muted small">"None yet. Edit a transcript line, or reject (✕) or add an item in a panel above."</p>
                }.into_any(),
                Some(Ok(trail)) => view! {
                    <ul class="trail">
                        {trail.into_iter().rev().map(|entry| view! { <TrailEntry entry corrector/> }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
    .into_any()
}

#[component]
fn TrailEntry(entry: CorrectionEntry, corrector: Corrector) -> impl IntoView {
    let in_force = entry.in_force();
    let id = entry.id.clone();
    view! {
        <li class="trail-entry" class:undone=!in_force data-correction=entry.id.to_string()>
            <span class="trail-what">{described(&entry.correction)}</span>
            <span class="muted small">{format!("{} · {}", entry.author, format::when(&entry.created_at))}</span>
            {entry.undone_by.clone().map(|by| view! {
                <span class="muted small">{format!("undone by {by} · {}", format::when(entry.undone_at.as_deref().unwrap_or("")))}</span>
            })}
            {entry.unplaced.then(|| view! {
                <span class="badge badge-warning" data-unplaced>"No longer lines up with the transcript: review it"</span>
            })}
            {in_force.then(|| view! {
                <button class="button button-ghost button-small" data-undo on:click=move |_| corrector.undo(id.clone())>"Undo"</button>
            })}
        </li>
    }
}
