//! Faces in bulk on the Faces page: a folder of photographs (each sent as the one-face
//! form does) or a zip of them (sent whole to the import route), each photograph named
//! after the person its folder or file name says; a report lists what was refused and why.

use leptos::prelude::*;
use leptos::task::spawn_local;
use mediaport_shared::{FaceImport, ImportedFace, RefusedPhoto, import_name};

use crate::api;
use crate::auth::use_auth;
use crate::dropped;

/// A picked file's path inside the picked folder ("Jane Doe/1.jpg").
fn path_inside(file: &web_sys::File) -> String {
    let full = js_sys::Reflect::get(file, &"webkitRelativePath".into()).ok().and_then(|v| v.as_string());
    let full = full.filter(|p| !p.is_empty()).unwrap_or_else(|| file.name());
    // The first part is the folder that was picked.
    full.split_once('/').map_or(full.clone(), |(_, rest)| rest.to_owned())
}

async fn import_folder(
    auth: crate::auth::Auth,
    collection_id: &str,
    files: Vec<web_sys::File>,
    report: RwSignal<Option<FaceImport>>,
) {
    let mut done = FaceImport::default();
    for file in files {
        let path = path_inside(&file);
        if path.split('/').any(|part| part.starts_with('.')) {
            continue;
        }
        let refuse = |code: &str, reason: String| RefusedPhoto { file: path.clone(), code: code.into(), reason };
        match import_name(&path) {
            Ok(name) => match api::add_face(auth, collection_id, &name, &file).await {
                Ok(face) => done.indexed.push(ImportedFace { file: path.clone(), name, face_id: face.id }),
                Err(e) => done.refused.push(refuse(&e.code, e.message)),
            },
            Err((code, reason)) => done.refused.push(refuse(code, reason.into())),
        }
        report.set(Some(done.clone()));
    }
    report.set(Some(done));
}

#[component]
pub fn ImportFaces(
    collection_id: String,
    version: RwSignal<u32>,
    report: RwSignal<Option<FaceImport>>,
) -> impl IntoView {
    let auth = use_auth();
    let failed = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let folder = NodeRef::<leptos::html::Input>::new();
    Effect::new(move || {
        if let Some(input) = folder.get() {
            input.set_webkitdirectory(true);
        }
    });
    let id = StoredValue::new(collection_id);
    let start = move || {
        busy.set(true);
        failed.set(None);
        report.set(Some(FaceImport::default()));
    };
    let finish = move || {
        busy.set(false);
        version.update(|v| *v += 1);
    };
    let picked_folder = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let files = dropped::file_list(input.files());
        input.set_value("");
        start();
        spawn_local(async move {
            import_folder(auth, &id.get_value(), files, report).await;
            finish();
        });
    };
    let picked_zip = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        input.set_value("");
        start();
        spawn_local(async move {
            match api::import_faces(auth, &id.get_value(), &file).await {
                Ok(done) => report.set(Some(done)),
                Err(e) => failed.set(Some(e.message)),
            }
            finish();
        });
    };
    view! {
        <div class="face-import" data-testid="face-import">
            <span class="muted small">"Many people at once: photographs in a folder per person, or named after them."</span>
            <label class="button button-secondary">"Import a folder"
                <input type="file" multiple class="visually-hidden" node_ref=folder on:change=picked_folder name="import-folder"/></label>
            <label class="button button-secondary">"Import a zip"
                <input type="file" accept=".zip,application/zip" class="visually-hidden" on:change=picked_zip name="import-zip"/></label>
            {move || busy.get().then(|| view! { <span class="muted small">"Finding the faces…"</span> })}
            {move || failed.get().map(|e| view! { <p class="alert alert-error small">{e}</p> })}
            {move || report.get().filter(|r| !r.indexed.is_empty() || !r.refused.is_empty()).map(|r| view! {
                <div class="import-report" data-testid="import-report">
                    <p class="small strong">{format!("{} indexed, {} refused", r.indexed.len(), r.refused.len())}</p>
                    <ul class="small">
                        {r.refused.into_iter().map(|p| view! {
                            <li data-refused=p.code><span class="mono">{p.file}</span>": "{p.reason}</li>
                        }).collect_view()}
                    </ul>
                </div>
            })}
        </div>
    }
}
