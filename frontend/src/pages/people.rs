//! People: the faces seen in assets, grouped across assets. Reviewers name a person
//! (the name reaches every asset they are in), merge two people who are one, and take a
//! face out of a person it does not belong to; the indexer remembers all of it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};
use mediaport_shared::{AssetFace, Group, Person, PersonId};

use crate::api;
use crate::auth::use_auth;
use crate::components::empty_state::EmptyState;
use crate::components::notice::{Notice, NoticeLine};

fn called(person: &Person) -> String {
    person.name.clone().unwrap_or_else(|| "Unnamed".to_owned())
}

#[component]
pub fn People() -> impl IntoView {
    let auth = use_auth();
    let version = RwSignal::new(0u32);
    let filter = RwSignal::new(None::<bool>);
    let people = LocalResource::new(move || {
        version.track();
        api::list_people(auth, filter.get())
    });
    let query = use_query_map();
    let selected = Memo::new(move |_| query.read().get("person").map(PersonId::from));
    let notice: Notice = RwSignal::new(None);
    let tab = move |label: &'static str, value: Option<bool>| {
        view! {
            <button class="chip" class:chip-active=move || filter.get() == value on:click=move |_| filter.set(value)>{label}</button>
        }
    };

    view! {
        <section class="page">
            <header class="page-header">
                <div>
                    <h1>"People"</h1>
                    <p class="subtitle">"Faces seen in your assets, grouped by person. Name someone once and every asset they are in is named and searchable; merge two who are one; take out a face that is someone else."</p>
                </div>
            </header>
            <NoticeLine notice/>
            <div class="chips">{tab("All", None)}{tab("Unnamed", Some(false))}{tab("Named", Some(true))}</div>
            {move || selected.get().map(|id| view! { <PersonDetail id version notice people/> })}
            <div class="person-grid" data-testid="people">
                {move || match people.get() {
                    None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                    Some(Err(e)) => view! { <p class="alert-error">{e.message}</p> }.into_any(),
                    Some(Ok(list)) if list.is_empty() => view! {
                        <EmptyState icon="☺" title="No people yet"
                            text="Faces are grouped into people as assets with face analysis arrive."/>
                    }.into_any(),
                    Some(Ok(list)) => list.into_iter().map(|person| view! { <PersonCard person/> }).collect_view().into_any(),
                }}
            </div>
        </section>
    }
}

#[component]
fn PersonCard(person: Person) -> impl IntoView {
    let href = format!("/people?person={}", crate::api::encode(&person.id));
    let name = called(&person);
    let alt = format!("Face of {name}");
    view! {
        <a class="person-card" href=href data-person=person.id.to_string() data-name=person.name.clone().unwrap_or_default()>
            <img src=person.chips.first().cloned().unwrap_or_default() alt=alt width="120" height="120"/>
            <span class="strong" class:muted=person.name.is_none()>{name}</span>
            <span class="muted small">{match person.appearance_count { 1 => "1 asset".to_owned(), n => format!("{n} assets") }}</span>
        </a>
    }
}

/// The chosen person: their name, a merge into someone else, and their faces.
#[component]
fn PersonDetail(
    id: PersonId,
    version: RwSignal<u32>,
    notice: Notice,
    people: LocalResource<Result<Vec<Person>, api::ApiError>>,
) -> impl IntoView {
    let auth = use_auth();
    let navigate = use_navigate();
    let appearances = LocalResource::new({
        let id = id.clone();
        move || {
            version.track();
            let id = id.clone();
            async move { api::person_appearances(auth, &id).await }
        }
    });
    let found = LocalResource::new({
        let id = id.clone();
        move || {
            version.track();
            let id = id.clone();
            async move { api::get_person(auth, &id).await }
        }
    });
    let person = move || found.get().and_then(Result::ok);
    let name = RwSignal::new(String::new());
    Effect::new(move || name.set(person().and_then(|p| p.name).unwrap_or_default()));
    let save = {
        let id = id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let (id, wanted) = (id.clone(), name.get_untracked());
            let wanted = (!wanted.trim().is_empty()).then_some(wanted);
            spawn_local(async move {
                match api::name_person(auth, &id, wanted).await {
                    Ok(p) => notice.set(Some(Ok(format!("Named {}: every asset they are in follows", called(&p))))),
                    Err(e) => notice.set(Some(Err(e.message))),
                }
                version.update(|v| *v += 1);
            });
        }
    };
    let into = RwSignal::new(String::new());
    let merge = {
        let id = id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let (id, target) = (id.clone(), into.get_untracked());
            if target.is_empty() {
                return;
            }
            let navigate = navigate.clone();
            spawn_local(async move {
                match api::merge_people(auth, &id, target.into()).await {
                    Ok(p) => {
                        notice.set(Some(Ok(format!("Merged into {}", called(&p)))));
                        navigate(&format!("/people?person={}", crate::api::encode(&p.id)), Default::default());
                    }
                    Err(e) => notice.set(Some(Err(e.message))),
                }
                version.update(|v| *v += 1);
            });
        }
    };
    let own = StoredValue::new(id.clone());
    let others = move || {
        let list = people.get().and_then(Result::ok).unwrap_or_default();
        list.into_iter().filter(|p| own.with_value(|own| &p.id != own)).collect::<Vec<_>>()
    };
    let person_id = id.clone();
    view! {
        <div class="card person-detail" data-testid="person" data-person=person_id.to_string()>
            <div class="card-header">
                <h2>{move || person().map(|p| called(&p)).unwrap_or_default()}</h2>
                <a class="link-button" href="/people">"Close"</a>
            </div>
            <Show when=move || auth.can(Group::Creator)>
                <form class="inline-form" on:submit=save.clone() data-testid="name-person">
                    <input name="name" placeholder="Who is this?" aria-label="Person's name" bind:value=name/>
                    <button class="button" type="submit">"Save name"</button>
                </form>
                <form class="inline-form" on:submit=merge.clone() data-testid="merge-person">
                    <select aria-label="Merge into" on:change=move |ev| into.set(event_target_value(&ev))>
                        <option value="">"Same person as…"</option>
                        {move || others().into_iter().map(|p| { let shown = called(&p); view! { <option value=p.id.to_string()>{shown}</option> } }).collect_view()}
                    </select>
                    <button class="button button-secondary" type="submit">"Merge"</button>
                </form>
            </Show>
            <div class="face-grid" data-testid="appearances">
                {move || match appearances.get() {
                    None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                    Some(Err(e)) => view! { <p class="alert-error">{e.message}</p> }.into_any(),
                    Some(Ok(list)) => list.into_iter().map(|face| view! { <Appearance person=id.clone() face version notice/> }).collect_view().into_any(),
                }}
            </div>
        </div>
    }
}

#[component]
fn Appearance(person: PersonId, face: AssetFace, version: RwSignal<u32>, notice: Notice) -> impl IntoView {
    let auth = use_auth();
    let not_them = {
        let (person, appearance) = (person, face.id.clone());
        move |_| {
            let (person, appearance) = (person.clone(), appearance.clone());
            spawn_local(async move {
                match api::move_appearance(auth, &person, appearance).await {
                    Ok(_) => notice.set(Some(Ok("Taken out: it will not be put back with this person".into()))),
                    Err(e) => notice.set(Some(Err(e.message))),
                }
                version.update(|v| *v += 1);
            });
        }
    };
    let href = format!("/assets/{}", crate::api::encode(&face.asset_id));
    view! {
        <figure class="face-card" data-appearance=face.id>
            <a href=href><img src=face.chip_url.clone().unwrap_or_default() alt="Face" width="150" height="150"/></a>
            <figcaption class="small">{if face.pinned { "confirmed" } else { "found by the indexer" }}</figcaption>
            <Show when=move || auth.can(Group::Creator)>
                <button class="link-button danger" on:click=not_them.clone()>"Not this person"</button>
            </Show>
        </figure>
    }
}
