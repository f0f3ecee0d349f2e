use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;

use mediaport_shared::AiOptions;

use crate::auth::use_auth;
use crate::components::ai_options::{AiOptionsForm, PRESETS, preset};
use crate::dropped;
use crate::format;
use crate::uploader::{self, Item, Options, Stage};

/// Uploads go straight from the browser to storage in parallel parts.
#[component]
pub fn Upload() -> impl IntoView {
    let auth = use_auth();
    let items = RwSignal::new(Vec::<Item>::new());
    let group = RwSignal::new(String::new());
    let attributes = RwSignal::new(vec![(String::new(), String::new())]);
    let parts_in_flight = RwSignal::new(4usize);
    let choose = RwSignal::new(false);
    let ai_options = RwSignal::new(preset(PRESETS[0].1, &AiOptions::default()));
    let running = RwSignal::new(false);
    let next_id = StoredValue::new(0u32);

    // One file at a time, each with several parts in flight, in the order they were added.
    let start_queue = move || {
        if running.get_untracked() {
            return;
        }
        running.set(true);
        spawn_local(async move {
            while let Some(item) = items.get_untracked().into_iter().find(|i| i.stage.get_untracked() == Stage::Queued)
            {
                let options = Options {
                    group: Some(group.get_untracked().trim().to_owned()).filter(|g| !g.is_empty()),
                    attributes: attributes
                        .get_untracked()
                        .into_iter()
                        .filter(|(k, _)| !k.trim().is_empty())
                        .map(|(k, v)| (k.trim().to_owned(), v))
                        .collect::<BTreeMap<_, _>>(),
                    parts_in_flight: parts_in_flight.get_untracked(),
                    ai_options: choose.get_untracked().then(|| ai_options.get_untracked()),
                };
                uploader::run(auth, item, options).await;
            }
            running.set(false);
        });
    };
    let add_files = move |files: Vec<web_sys::File>| {
        let added: Vec<Item> = files
            .into_iter()
            .map(|file| {
                let id = next_id.get_value();
                next_id.set_value(id + 1);
                Item {
                    id,
                    name: file.name(),
                    size: file.size() as u64,
                    file: StoredValue::new_local(file),
                    stage: RwSignal::new(Stage::Queued),
                    sent: RwSignal::new(0),
                    speed: RwSignal::new(0.0),
                    note: RwSignal::new(None),
                    pause: RwSignal::new(false),
                    cancel: RwSignal::new(false),
                    asset_id: RwSignal::new(None),
                }
            })
            .collect();
        items.update(|list| list.extend(added));
        start_queue();
    };
    let retry = move |item: Item| {
        item.cancel.set(false);
        item.pause.set(false);
        item.stage.set(Stage::Queued);
        start_queue();
    };
    let picked = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        add_files(dropped::file_list(input.files()));
        input.set_value("");
    };
    // Folder picking is a non-standard attribute every current browser supports.
    let folder_input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move || {
        if let Some(input) = folder_input.get() {
            input.set_webkitdirectory(true);
        }
    });
    let dragging = RwSignal::new(false);
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        if let Some(transfer) = ev.data_transfer() {
            let entries = dropped::entries(&transfer);
            let loose = dropped::file_list(transfer.files());
            spawn_local(async move {
                let files = if entries.is_empty() { loose } else { dropped::walk(entries).await };
                add_files(files);
            });
        }
    };

    view! {
        <section class="page">
            <header class="page-header">
                <div>
                    <h1>"Upload"</h1>
                    <p class="subtitle">"Files go straight to storage in parallel parts: large files resume where they stopped."</p>
                </div>
            </header>
            <div class="card upload-options">
                <label>"Group" <input type="text" placeholder="e.g. News desk" data-testid="upload-group"
                    prop:value=move || group.get() on:input=move |ev| group.set(event_target_value(&ev))/></label>
                <label>"Parts in flight" <input type="number" min="1" max="16" data-testid="upload-parallel"
                    prop:value=move || parts_in_flight.get().to_string()
                    on:input=move |ev| parts_in_flight.set(event_target_value(&ev).parse::<usize>().unwrap_or(4).clamp(1, 16))/></label>
                <fieldset class="attributes">
                    <legend>"Attributes"</legend>
                    {move || attributes.get().into_iter().enumerate().map(|(i, (k, v))| view! {
                        <div class="attribute-row">
                            <input type="text" placeholder="name" prop:value=k aria-label="attribute name"
                                on:change=move |ev| attributes.update(|a| a[i].0 = event_target_value(&ev))/>
                            <input type="text" placeholder="value" prop:value=v aria-label="attribute value"
                                on:change=move |ev| attributes.update(|a| a[i].1 = event_target_value(&ev))/>
                        </div>
                    }).collect_view()}
                    <button type="button" class="button-secondary"
                        on:click=move |_| attributes.update(|a| a.push((String::new(), String::new())))>"Add attribute"</button>
                </fieldset>
                <fieldset class="attributes" data-testid="upload-analyses">
                    <legend>"Analyses"</legend>
                    <label class="switch">
                        <input type="checkbox" name="choose-analyses" prop:checked=move || choose.get()
                            on:change=move |ev| choose.set(event_target_checked(&ev))/>
                        <span>"Choose the analyses for these uploads (otherwise the server's defaults)"</span>
                    </label>
                    <Show when=move || choose.get()>
                        <AiOptionsForm options=ai_options details=true/>
                    </Show>
                </fieldset>
            </div>
            <div class="dropzone" class:dragging=move || dragging.get() data-testid="dropzone"
                on:dragover=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); dragging.set(true); }
                on:dragleave=move |_| dragging.set(false)
                on:drop=on_drop>
                <div class="dropzone-icon" aria-hidden="true">"⇪"</div>
                <p class="dropzone-title">"Drop files or folders here"</p>
                <p class="muted">"Video, audio, images and PDF, up to 5 TB each."</p>
                <div class="dropzone-actions">
                    <label class="button">"Choose files"
                        <input type="file" multiple class="visually-hidden" data-testid="file-input" on:change=picked/></label>
                    <label class="button button-secondary">"Choose a folder"
                        <input type="file" multiple class="visually-hidden" node_ref=folder_input on:change=picked/></label>
                </div>
            </div>
            <Totals items/>
            <ul class="upload-list" data-testid="uploads">
                <For each=move || items.get() key=|item| item.id let:item>
                    <UploadRow item=item.clone() retry=Callback::new(move |()| retry(item.clone()))/>
                </For>
            </ul>
            <div class="card">
                <h2>"From the command line"</h2>
                <p class="muted">"Move a whole archive with progress bars and a journal that resumes an interrupted run:"</p>
                <pre class="code">"mediaport ingest /mnt/archive --server " {move || window().location().origin().unwrap_or_default()} " --user NAME --group news"</pre>
            </div>
        </section>
    }
}

fn time_left(remaining: f64, speed: f64) -> String {
    if speed <= 0.0 {
        return String::new();
    }
    let secs = (remaining / speed).ceil() as u64;
    match secs {
        0..60 => format!("{secs} s left"),
        60..3600 => format!("{} min left", secs.div_ceil(60)),
        _ => format!("{} h {} min left", secs / 3600, (secs % 3600) / 60),
    }
}

#[component]
fn Totals(items: RwSignal<Vec<Item>>) -> impl IntoView {
    let totals = move || {
        let list = items.get();
        let live: Vec<&Item> = list.iter().filter(|i| !matches!(i.stage.get(), Stage::Cancelled)).collect();
        let size: u64 = live.iter().map(|i| i.size).sum();
        let sent: u64 = live.iter().map(|i| i.sent.get()).sum();
        let speed: f64 = live.iter().filter(|i| i.stage.get() == Stage::Uploading).map(|i| i.speed.get()).sum();
        let done = live.iter().filter(|i| matches!(i.stage.get(), Stage::Done(_))).count();
        (size, sent, speed, done, live.len())
    };
    view! {
        <Show when=move || !items.get().is_empty()>
            {move || {
                let (size, sent, speed, done, count) = totals();
                let percent = if size == 0 { 0.0 } else { sent as f64 * 100.0 / size as f64 };
                view! {
                    <div class="card upload-total" data-testid="upload-total">
                        <div class="upload-line">
                            <strong>{format!("{done} of {count} files")}</strong>
                            <span class="muted">{format!("{} of {}", format::human_size(sent), format::human_size(size))}</span>
                            <span class="muted">{if speed > 0.0 { format!("{}/s", format::human_size(speed as u64)) } else { String::new() }}</span>
                            <span class="muted">{time_left(size.saturating_sub(sent) as f64, speed)}</span>
                        </div>
                        <progress max="100" value=percent></progress>
                    </div>
                }
            }}
        </Show>
    }
}

#[component]
fn UploadRow(item: Item, retry: Callback<()>) -> impl IntoView {
    let (size, name, label) = (item.size, item.name.clone(), item.name.clone());
    let stage = item.stage;
    let percent = move || if size == 0 { 0.0 } else { item.sent.get() as f64 * 100.0 / size as f64 };
    let status = move || match stage.get() {
        Stage::Queued => "waiting".to_owned(),
        Stage::Uploading => format!(
            "{}/s · {}",
            format::human_size(item.speed.get() as u64),
            time_left((size - item.sent.get()) as f64, item.speed.get())
        ),
        Stage::Paused => "paused".to_owned(),
        Stage::Completing => "finishing".to_owned(),
        Stage::Done(status) => status,
        Stage::Failed(reason) => format!("failed: {reason}"),
        Stage::Cancelled => "cancelled".to_owned(),
    };
    let active = move || matches!(stage.get(), Stage::Queued | Stage::Uploading | Stage::Paused);
    view! {
        <li class="upload-item" data-testid="upload-item" data-name=label
            data-stage=move || match stage.get() { Stage::Done(_) => "done", Stage::Failed(_) => "failed", Stage::Cancelled => "cancelled", Stage::Paused => "paused", Stage::Queued => "queued", _ => "uploading" }>
            <div class="upload-line">
                <strong class="upload-name">{name}</strong>
                <span class="muted">{move || format!("{} of {}", format::human_size(item.sent.get()), format::human_size(size))}</span>
                <span class="upload-status" data-testid="upload-status">{status}</span>
                {move || item.asset_id.get().filter(|_| matches!(stage.get(), Stage::Done(_))).map(|id| view! {
                    <a class="small" data-testid="upload-asset" href=format!("/assets/{id}")>"Open asset"</a>
                })}
            </div>
            <progress max="100" value=percent></progress>
            {move || item.note.get().map(|n| view! { <p class="muted small" data-testid="upload-note">{n}</p> })}
            <div class="upload-actions">
                <Show when=active>
                    <button type="button" class="button-secondary" data-testid="pause"
                        on:click=move |_| item.pause.update(|p| *p = !*p)>
                        {move || if item.pause.get() { "Resume" } else { "Pause" }}
                    </button>
                    <button type="button" class="button-danger" on:click=move |_| item.cancel.set(true)>"Cancel"</button>
                </Show>
                <Show when=move || matches!(stage.get(), Stage::Failed(_))>
                    <button type="button" class="button-secondary" on:click=move |_| retry.run(())>"Retry"</button>
                </Show>
            </div>
        </li>
    }
}
