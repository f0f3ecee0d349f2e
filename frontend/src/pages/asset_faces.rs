//! The asset page's people: each face seen in the asset with its chip, what it is
//! called, when it is on screen (chips that seek the player) and a link to the person.

use leptos::html::Video;
use leptos::prelude::*;
use mediaport_shared::AssetFace;

use crate::api;
use crate::auth::use_auth;
use crate::pages::timelines::Chip;

#[component]
pub fn AssetFaces(asset_id: String, timed: bool, player: NodeRef<Video>) -> impl IntoView {
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
    let alt = format!("Face of {}", face.label);
    let person = face.person_id.clone().map(|id| {
        let href = format!("/people?person={}", crate::pages::search::encode(&id));
        view! { <a class="small" href=href>"person"</a> }
    });
    view! {
        <li class="asset-face" data-name=face.label.clone()>
            <img src=face.chip_url.clone().unwrap_or_default() alt=alt width="64" height="64"/>
            <span class="strong">{face.label.clone()}</span>
            {person}
            {timed.then(|| view! {
                <span class="timecodes">
                    {face.timecodes.iter().map(|t| view! { <Chip span=*t player/> }).collect_view()}
                </span>
            })}
        </li>
    }
}
