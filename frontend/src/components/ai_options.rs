//! The analysis options form, used where analysis is chosen: the Upload page, the asset
//! page's Re-analyse panel and the admin's defaults on the Settings page.

use leptos::prelude::*;
use mediaport_shared::AiOptions;
use mediaport_shared::options::SWITCHES;

use crate::api;
use crate::auth::use_auth;

/// Each analysis switch as people call it.
fn switch_label(name: &str) -> &'static str {
    match name {
        "labels" => "Objects (labels)",
        "text" => "On-screen text",
        "moderation" => "Moderation",
        "shots" => "Shots",
        "scenes" => "Scenes, chapters, ad breaks",
        "transcript" => "Transcript",
        "keyphrases" => "Key phrases",
        "entities" => "Entities",
        "sentiment" => "Sentiment",
        "faces" => "Faces and people",
        "face_traits" => "Age, gender, expressions",
        _ => "",
    }
}

/// Ready-made choices of analyses.
pub const PRESETS: [(&str, &[&str]); 4] = [
    (
        "Everything",
        &[
            "labels",
            "text",
            "moderation",
            "shots",
            "scenes",
            "transcript",
            "keyphrases",
            "entities",
            "sentiment",
            "faces",
        ],
    ),
    ("Pictures", &["labels", "text", "moderation", "faces"]),
    ("Speech", &["transcript", "keyphrases", "entities", "sentiment"]),
    ("Shots and faces", &["shots", "scenes", "faces"]),
];

/// Options running exactly the analyses of a preset, other fields as in `base`.
pub fn preset(names: &[&str], base: &AiOptions) -> AiOptions {
    AiOptions::only(names).unwrap_or_default().over(base)
}

/// A number input bound to one option (`min`, `max`, `step` in `range`); cleared or not a
/// number, the option is unset and takes the default.
fn number_field<T: std::str::FromStr + ToString + Send + Sync + 'static>(
    options: RwSignal<AiOptions>,
    label: &'static str,
    name: &'static str,
    range: [&'static str; 3],
    get: fn(&AiOptions) -> Option<T>,
    set: fn(&mut AiOptions) -> &mut Option<T>,
) -> impl IntoView {
    view! {
        <label>{label}
            <input type="number" name=name min=range[0] max=range[1] step=range[2]
                prop:value=move || options.with(|o| get(o).map(|v| v.to_string()).unwrap_or_default())
                on:change=move |ev| {
                    let value = event_target_value(&ev).parse::<T>().ok();
                    options.update(|o| *set(o) = value);
                }/>
        </label>
    }
}

/// Edits `options`; with `details`, also frame rate, confidence, language, model and
/// face collection.
#[component]
pub fn AiOptionsForm(options: RwSignal<AiOptions>, #[prop(optional)] details: bool) -> impl IntoView {
    let auth = use_auth();
    let collections = LocalResource::new(move || api::list_face_collections(auth));
    view! {
        <div class="ai-options">
            <div class="presets" role="group" aria-label="Presets">
                {PRESETS.iter().map(|(name, switches)| view! {
                    <button type="button" class="button button-ghost button-small" data-preset=*name
                        on:click=move |_| options.update(|o| *o = preset(switches, o))>{*name}</button>
                }).collect_view()}
            </div>
            <div class="switches">
                {SWITCHES.iter().map(|(name, _)| {
                    let name = *name;
                    view! {
                        <label class="switch">
                            <input type="checkbox" name=name
                                prop:checked=move || options.with(|o| o.switch(name).unwrap_or(false))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    options.update(|o| { o.set_switch(name, on); });
                                }/>
                            <span>{switch_label(name)}</span>
                        </label>
                    }
                }).collect_view()}
            </div>
            {details.then(|| view! {
                <div class="option-fields">
                    {number_field(options, "Frames per second", "frame_rate", ["0.0167", "30", "0.25"], |o| o.frame_rate, |o| &mut o.frame_rate)}
                    {number_field(options, "Minimum text confidence", "min_confidence", ["0", "1", "0.05"], |o| o.min_confidence, |o| &mut o.min_confidence)}
                    {number_field(options, "Chapter length (minutes)", "chapter_minutes", ["0.25", "60", "0.25"], |o| o.chapter_minutes, |o| &mut o.chapter_minutes)}
                    {number_field(options, "Ad breaks per hour (0: every candidate)", "ad_breaks_per_hour", ["0", "30", "1"], |o| o.ad_breaks_per_hour, |o| &mut o.ad_breaks_per_hour)}
                    <label>"Language spoken"
                        <input type="text" name="language" placeholder="auto" maxlength="3"
                            prop:value=move || options.with(|o| o.language.clone().unwrap_or_default())
                            on:change=move |ev| {
                                let language = event_target_value(&ev).trim().to_lowercase();
                                options.update(|o| o.language = Some(if language.is_empty() { "auto".into() } else { language }));
                            }/>
                    </label>
                    <label>"Names and terms to spell as given (comma-separated)"
                        <input type="text" name="hot_words" placeholder="Siobhan Nakagawa, Kraków"
                            prop:value=move || options.with(|o| o.hot_words.clone().unwrap_or_default().join(", "))
                            on:change=move |ev| {
                                let text = event_target_value(&ev);
                                let words: Vec<String> =
                                    text.split(',').map(str::trim).filter(|w| !w.is_empty()).map(str::to_owned).collect();
                                options.update(|o| o.hot_words = (!words.is_empty()).then_some(words));
                            }/>
                    </label>
                    <label>"Speech model"
                        <select name="transcript_model" on:change=move |ev| {
                            let model = event_target_value(&ev);
                            options.update(|o| o.transcript_model = Some(model));
                        }>
                            <option value="tiny.en" selected=move || options.with(|o| o.transcript_model.as_deref() != Some("base"))>"tiny.en (English, fastest)"</option>
                            <option value="base" selected=move || options.with(|o| o.transcript_model.as_deref() == Some("base"))>"base (any language)"</option>
                        </select>
                    </label>
                    <label>"Face collection"
                        <select name="face_collection" on:change=move |ev| {
                            let id = event_target_value(&ev);
                            options.update(|o| o.face_collection = Some(id));
                        }>
                            <option value="">"None"</option>
                            {move || collections.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|c| {
                                let id = c.id.clone();
                                let chosen = move || options.with(|o| o.face_collection.as_deref() == Some(id.as_str()));
                                view! { <option value=c.id selected=chosen>{c.name}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                </div>
            })}
        </div>
    }
}
