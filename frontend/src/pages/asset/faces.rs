//! The asset page's people: each face seen in the asset with its chip, what it is
//! called, when it is on screen (chips that seek the player), a link to the person, and
//! for creators a name to give a person from here.

use leptos::html::Video;
use leptos::prelude::*;
use mediaport_shared::{AssetFace, AssetId, Group};

use super::timelines::Chip;
use crate::api;
use crate::auth::use_auth;

#[component]
pub fn AssetFaces(asset_id: AssetId, timed: bool, player: NodeRef<Video>) -> impl IntoView {
    let auth = use_auth();
    let faces = LocalResource::new(move || {
        let id = asset_id.clone();
        async move { api::asset_faces(auth, &id).await }
    });
    move || match faces.get() {
        Some(Ok(list)) if !list.is_empty() => view! {
            <section class="card asset-faces" data-testid="asset-faces">
                <h2>"People in this asset"</h2>
                <ul class="asset-face-list">
                    {list.into_iter().map(|face| view! { <Face face timed player/> }).collect_view()}
                </ul>
            </section>
        }
        .into_any(),
        Some(Err(e)) => view! { <p class="alert alert-error small">{e.message}</p> }.into_any(),
        _ => ().into_any(),
    }
}

#[component]
fn Face(face: AssetFace, timed: bool, player: NodeRef<Video>) -> impl IntoView {
    let auth = use_auth();
    let alt = format!("Face of {}", face.label);
    let label = RwSignal::new(face.label.clone());
    let href = face.person_id.clone().map(|id| format!("/people?person={}", crate::api::encode(&id)));
    let chip = face.chip_url.clone().unwrap_or_default();
    let picture = match href.clone() {
        Some(href) => {
            view! { <a href=href title="Open the person"><img src=chip alt=alt width="64" height="64"/></a> }.into_any()
        }
        None => view! { <img src=chip alt=alt width="64" height="64"/> }.into_any(),
    };
    let person = href.map(|href| view! { <a class="small" href=href>"person"</a> });
    // Naming works on the person the face was placed in (and every asset they are in).
    let naming = face.person_id.clone().map(|id| {
        let name = RwSignal::new(String::new());
        let failed = RwSignal::new(None::<String>);
        let submit = move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let (id, given) = (id.clone(), name.get_untracked().trim().to_owned());
            if given.is_empty() {
                return;
            }
            leptos::task::spawn_local(async move {
                match api::name_person(auth, &id, Some(given)).await {
                    Ok(person) => {
                        label.set(person.name.unwrap_or_default());
                        name.set(String::new());
                        failed.set(None);
                    }
                    Err(e) => failed.set(Some(e.message)),
                }
            });
        };
        view! {
            <Show when=move || auth.can(Group::Creator)>
                <form class="inline-form name-face" on:submit=submit.clone() data-testid="name-face">
                    <input name="person-name" placeholder="Name this person" aria-label="Name this person" bind:value=name/>
                    <button class="button button-ghost button-small" type="submit">"Name"</button>
                    {move || failed.get().map(|e| view! { <span class="alert-inline small">{e}</span> })}
                </form>
            </Show>
        }
    });
    view! {
        <li class="asset-face" data-name=face.label.clone()>
            {picture}
            <span class="strong">{move || label.get()}</span>
            {face.traits.as_ref().map(|t| {
                let said = format!(
                    "looks about {} ({}–{}), {} {:.0} %",
                    t.age, t.age_low, t.age_high, t.gender, t.gender_confidence * 100.0
                );
                view! { <span class="muted small" data-traits title="An impression from the pictures, not a fact">{said}</span> }
            })}
            {person}
            {naming}
            {timed.then(|| view! {
                <span class="timecodes">
                    {face.timecodes.iter().map(|t| view! { <Chip span=*t player/> }).collect_view()}
                </span>
            })}
        </li>
    }
}
