//! The asset page's Technical tab: the tools' own reports, grouped as people read them:
//! mediainfo by track (general, video, audio, text), exiftool by group (EXIF, XMP, GPS...),
//! pdfinfo as one list, and a picture's location with a link to a map.

use gloo_net::http::Request;
use leptos::prelude::*;
use mediaport_shared::Asset;
use serde_json::Value;

/// A report's name and its groups of facts.
type Groups = Vec<(String, Vec<(String, String)>)>;

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(", "),
        Value::Object(_) => value.to_string(),
        other => other.to_string(),
    }
}

/// A value as shown, long ones cut (an embedded thumbnail, a binary blob).
fn shown(value: &Value) -> String {
    let all = text(value);
    if all.chars().count() > 200 { all.chars().take(200).collect::<String>() + "…" } else { all }
}

/// The facts of one flat object.
fn facts(object: &serde_json::Map<String, Value>, skip: &[&str]) -> Vec<(String, String)> {
    object
        .iter()
        .filter(|(key, _)| !skip.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), shown(value)))
        .collect()
}

/// Groups a report by what it is: mediainfo's tracks, exiftool's tag groups, the rest flat.
pub fn group(name: &str, report: &Value) -> Groups {
    if let Some(tracks) = report.pointer("/media/track").and_then(Value::as_array) {
        return tracks
            .iter()
            .filter_map(Value::as_object)
            .map(|track| {
                let kind = track.get("@type").map(text).unwrap_or_else(|| "Track".into());
                (kind, facts(track, &["@type", "extra"]))
            })
            .collect();
    }
    if let Some(tags) = report.as_array().and_then(|list| list.first()).and_then(Value::as_object) {
        let mut groups: Groups = Vec::new();
        for (key, value) in tags {
            if key == "SourceFile" {
                continue;
            }
            let (group, tag) = key.split_once(':').unwrap_or(("Other", key));
            let fact = (tag.to_owned(), shown(value));
            match groups.iter_mut().find(|(g, _)| g == group) {
                Some((_, list)) => list.push(fact),
                None => groups.push((group.to_owned(), vec![fact])),
            }
        }
        return groups;
    }
    match report.as_object() {
        Some(object) => vec![(name.to_owned(), facts(object, &[]))],
        None => Vec::new(),
    }
}

/// Every report of the asset (presigned links, fetched straight from storage), grouped.
#[component]
pub fn Reports(asset: Asset, reports: Vec<String>) -> impl IntoView {
    let Asset { outputs, technical, .. } = asset;
    let keys: Vec<String> = outputs.map(|o| o.reports).unwrap_or_default();
    let loaded = LocalResource::new(move || {
        let (reports, keys) = (reports.clone(), keys.clone());
        async move {
            let mut shown = Vec::new();
            for (url, key) in reports.iter().zip(keys) {
                let name = key.rsplit('/').next().unwrap_or_default().trim_end_matches(".json").to_owned();
                // ffprobe says what mediainfo says, less readably.
                if name == "ffprobe" {
                    continue;
                }
                let Ok(response) = Request::get(url).send().await else { continue };
                if let Ok(report) = response.json::<Value>().await {
                    shown.push((name.clone(), url.clone(), group(&name, &report)));
                }
            }
            shown
        }
    });
    let gps = technical.as_ref().and_then(|t| t.image.as_ref()).and_then(|i| i.gps);
    view! {
        <div class="technical" data-testid="technical">
            {gps.map(|g| {
                let map = format!(
                    "https://www.openstreetmap.org/?mlat={0:.6}&mlon={1:.6}#map=15/{0:.6}/{1:.6}",
                    g.latitude, g.longitude
                );
                view! {
                    <p class="small" data-testid="gps">"Location "
                        <span class="mono">{format!("{:.5}, {:.5}", g.latitude, g.longitude)}</span>
                        {g.altitude.map(|a| format!(", {a:.0} m"))}
                        " · " <a href=map target="_blank" rel="noopener">"Open on a map"</a>
                    </p>
                }
            })}
            {move || match loaded.get() {
                None => view! { <p class="muted small">"Loading…"</p> }.into_any(),
                Some(reports) if reports.is_empty() => view! { <p class="muted small">"No reports yet."</p> }.into_any(),
                Some(reports) => reports.into_iter().map(|(name, url, groups)| view! {
                    <details class="report" open=true data-report=name>
                        <summary class="strong">{name.clone()}" " <a class="small" href=url target="_blank">"raw JSON"</a></summary>
                        {groups.into_iter().map(|(group, facts)| view! {
                            <h3 class="report-group">{group}</h3>
                            <dl class="facts small">
                                {facts.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd class="wrap">{v}</dd> }).collect_view()}
                            </dl>
                        }).collect_view()}
                    </details>
                }).collect_view().into_any(),
            }}
        </div>
    }
}
