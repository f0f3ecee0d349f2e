mod import;

use leptos::prelude::*;
use leptos::task::spawn_local;
use mediaport_shared::{FaceCollection, FaceImport, Group, IndexedFace};

use self::import::ImportFaces;
use crate::api;
use crate::auth::use_auth;
use crate::components::empty_state::EmptyState;
use crate::components::notice::{Notice, NoticeLine};

/// Face collections: the named people assets are matched against. Creators add people
/// from photographs (one clear face each), rename and remove them.
#[component]
pub fn Faces() -> impl IntoView {
    let auth = use_auth();
    let version = RwSignal::new(0u32);
    let collections = LocalResource::new(move || {
        version.track();
        api::list_face_collections(auth)
    });
    let selected = RwSignal::new(None::<String>);
    let notice: Notice = RwSignal::new(None);
    // Kept here: the collection's card is made again when its faces change.
    let report = RwSignal::new(None::<FaceImport>);
    // The first collection is open until another is chosen.
    Effect::new(move || {
        if let Some(Ok(list)) = collections.get() {
            let known = selected.get_untracked().is_some_and(|id| list.iter().any(|c| c.id == id));
            if !known {
                selected.set(list.first().map(|c| c.id.clone()));
            }
        }
    });

    view! {
        <section class="page">
            <header class="page-header">
                <div>
                    <h1>"Faces"</h1>
                    <p class="subtitle">"Named people to recognise: add a clear photograph of each, choose the collection in the analysis options, and assets name them with their timecodes."</p>
                </div>
            </header>
            <NoticeLine notice/>
            <div class="faces-layout">
                <aside class="card">
                    <h2>"Collections"</h2>
                    <ul class="collection-list" data-testid="collections">
                        {move || match collections.get() {
                            None => view! { <li class="muted">"Loading…"</li> }.into_any(),
                            Some(Err(e)) => view! { <li class="alert-error">{e.message}</li> }.into_any(),
                            Some(Ok(list)) if list.is_empty() => view! { <li class="muted">"None yet"</li> }.into_any(),
                            Some(Ok(list)) => list.into_iter().map(|c| view! { <CollectionLink collection=c selected/> }).collect_view().into_any(),
                        }}
                    </ul>
                    <Show when=move || auth.can(Group::Creator)>
                        <NewCollection version selected notice/>
                    </Show>
                </aside>
                {move || match (selected.get(), collections.get()) {
                    (Some(id), Some(Ok(list))) => match list.into_iter().find(|c| c.id == id) {
                        Some(collection) => view! { <CollectionFaces collection version selected notice report/> }.into_any(),
                        None => ().into_any(),
                    },
                    (None, Some(Ok(_))) => view! {
                        <EmptyState icon="☺" title="No face collections"
                            text="A collection holds named people: add a photograph of each and Mediaport finds them in every video."/>
                    }.into_any(),
                    _ => ().into_any(),
                }}
            </div>
        </section>
    }
}

#[component]
fn CollectionLink(collection: FaceCollection, selected: RwSignal<Option<String>>) -> impl IntoView {
    let id = collection.id.clone();
    let active = {
        let id = id.clone();
        move || selected.get().as_deref() == Some(id.as_str())
    };
    view! {
        <li>
            <button class="link-button" class:active=active on:click=move |_| selected.set(Some(id.clone()))>
                {collection.name}<span class="muted">{format!(" · {}", collection.face_count)}</span>
            </button>
        </li>
    }
}

#[component]
fn NewCollection(version: RwSignal<u32>, selected: RwSignal<Option<String>>, notice: Notice) -> impl IntoView {
    let auth = use_auth();
    let name = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let wanted = name.get_untracked();
        spawn_local(async move {
            match api::create_face_collection(auth, wanted).await {
                Ok(created) => {
                    notice.set(Some(Ok(format!("Collection {} created", created.name))));
                    name.set(String::new());
                    selected.set(Some(created.id));
                    version.update(|v| *v += 1);
                }
                Err(e) => notice.set(Some(Err(e.message))),
            }
        });
    };
    view! {
        <form class="inline-form" on:submit=submit data-testid="new-collection">
            <input name="collection" required=true placeholder="New collection" aria-label="New collection name" bind:value=name/>
            <button class="button" type="submit">"Create"</button>
        </form>
    }
}

#[component]
fn CollectionFaces(
    collection: FaceCollection,
    version: RwSignal<u32>,
    selected: RwSignal<Option<String>>,
    notice: Notice,
    report: RwSignal<Option<FaceImport>>,
) -> impl IntoView {
    let auth = use_auth();
    let id = collection.id.clone();
    let faces = LocalResource::new({
        let id = id.clone();
        move || {
            version.track();
            let id = id.clone();
            async move { api::list_faces(auth, &id).await }
        }
    });
    let delete = {
        let (id, name) = (id.clone(), collection.name.clone());
        move |_| {
            let question = format!("Delete the collection {name} and its faces? Assets keep the names already found.");
            if !window().confirm_with_message(&question).unwrap_or(false) {
                return;
            }
            let (id, name) = (id.clone(), name.clone());
            spawn_local(async move {
                match api::delete_face_collection(auth, &id).await {
                    Ok(()) => {
                        notice.set(Some(Ok(format!("Collection {name} deleted"))));
                        selected.set(None);
                    }
                    Err(e) => notice.set(Some(Err(e.message))),
                }
                version.update(|v| *v += 1);
            });
        }
    };
    view! {
        <div class="card" data-testid="collection">
            <div class="card-header">
                <h2>{collection.name}</h2>
                <Show when=move || auth.can(Group::Creator)>
                    <button class="button button-danger" on:click=delete.clone()>"Delete collection"</button>
                </Show>
            </div>
            <Show when=move || auth.can(Group::Creator)>
                <AddFace collection_id=id.clone() version notice/>
                <ImportFaces collection_id=id.clone() version report/>
            </Show>
            <div class="face-grid" data-testid="faces">
                {move || match faces.get() {
                    None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                    Some(Err(e)) => view! { <p class="alert-error">{e.message}</p> }.into_any(),
                    Some(Ok(list)) if list.is_empty() => view! { <p class="muted">"No one yet: add a photograph of a person."</p> }.into_any(),
                    Some(Ok(list)) => list.into_iter().map(|face| view! { <FaceCard face version notice/> }).collect_view().into_any(),
                }}
            </div>
        </div>
    }
}

#[component]
fn AddFace(collection_id: String, version: RwSignal<u32>, notice: Notice) -> impl IntoView {
    let auth = use_auth();
    let name = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let photo = NodeRef::<leptos::html::Input>::new();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(file) = photo.get().and_then(|input| input.files()).and_then(|files| files.get(0)) else {
            notice.set(Some(Err("Choose a photograph of the person".into())));
            return;
        };
        let (id, who) = (collection_id.clone(), name.get_untracked());
        busy.set(true);
        spawn_local(async move {
            match api::add_face(auth, &id, &who, &file).await {
                Ok(face) => {
                    notice.set(Some(Ok(format!("{} added", face.name))));
                    name.set(String::new());
                    if let Some(input) = photo.get() {
                        input.set_value("");
                    }
                    version.update(|v| *v += 1);
                }
                Err(e) => notice.set(Some(Err(e.message))),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="inline-form" on:submit=submit data-testid="add-face">
            <input name="name" required=true placeholder="Person's name" aria-label="Person's name" bind:value=name/>
            <input name="photo" type="file" accept="image/*" aria-label="Photograph" node_ref=photo/>
            <button class="button" type="submit" disabled=move || busy.get()>
                {move || if busy.get() { "Finding the face…" } else { "Add person" }}
            </button>
        </form>
    }
}

#[component]
fn FaceCard(face: IndexedFace, version: RwSignal<u32>, notice: Notice) -> impl IntoView {
    let auth = use_auth();
    let rename = {
        let (id, name) = (face.id.clone(), face.name.clone());
        move |_| {
            let Ok(Some(wanted)) = window().prompt_with_message_and_default("New name", &name) else { return };
            let id = id.clone();
            spawn_local(async move {
                match api::rename_face(auth, &id, wanted).await {
                    Ok(face) => notice.set(Some(Ok(format!("Renamed to {}", face.name)))),
                    Err(e) => notice.set(Some(Err(e.message))),
                }
                version.update(|v| *v += 1);
            });
        }
    };
    let delete = {
        let (id, name) = (face.id.clone(), face.name.clone());
        move |_| {
            if !window().confirm_with_message(&format!("Remove {name} from the collection?")).unwrap_or(false) {
                return;
            }
            let (id, name) = (id.clone(), name.clone());
            spawn_local(async move {
                match api::delete_face(auth, &id).await {
                    Ok(()) => notice.set(Some(Ok(format!("{name} removed")))),
                    Err(e) => notice.set(Some(Err(e.message))),
                }
                version.update(|v| *v += 1);
            });
        }
    };
    let alt = format!("Face of {}", face.name);
    view! {
        <figure class="face-card" data-name=face.name>
            <img src=face.crop_url.clone().unwrap_or_default() alt=alt width="150" height="150"/>
            <figcaption>
                <span class="strong">{face.name.clone()}</span>
                <span class="muted small">{face.source.clone()}</span>
            </figcaption>
            <Show when=move || auth.can(Group::Creator)>
                <div class="row-actions">
                    <button class="link-button" on:click=rename.clone()>"Rename"</button>
                    <button class="link-button danger" on:click=delete.clone()>"Remove"</button>
                </div>
            </Show>
        </figure>
    }
}
