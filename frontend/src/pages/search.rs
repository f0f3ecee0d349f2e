//! The Search page: the query box, facet filters, and a card per asset found with its
//! thumbnail, highlights and the moments that matched; a moment opens the asset page
//! with the player there.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use mediaport_shared::{SearchHit, SearchResults};

use crate::api;
use crate::auth::use_auth;
use crate::format;

const EXAMPLES: [(&str, &str); 6] = [
    ("label:dog", "objects seen in the picture"),
    ("face:\"Jane Doe\"", "a named person"),
    ("transcript:weather", "words that were said"),
    ("text:breaking", "words shown on screen"),
    ("\"press conference\" AND NOT label:car", "phrases and boolean logic"),
    ("type:video interview*", "filters and wildcards"),
];

/// Moments shown per match before "+N more".
const FIRST_MOMENTS: usize = 8;

/// Search everything the analyses found, down to the timecode.
#[component]
pub fn Search() -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let types = move || query.read().get("type").unwrap_or_default();
    let mode = move || query.read().get("mode").unwrap_or_default();
    let results = LocalResource::new(move || {
        let (q, types, mode) = (q(), types(), mode());
        async move {
            if q.trim().is_empty() && types.is_empty() {
                return None;
            }
            Some(api::search(auth, &q, &types, &mode, None).await)
        }
    });
    view! {
        <section class="page">
            <header class="page-header">
                <div>
                    <h1>"Search"</h1>
                    <p class="subtitle">"Labels, faces, on-screen text and speech, with the moments they occur."</p>
                </div>
            </header>
            <form class="search-box" action="/search" method="get" role="search">
                <input type="search" name="q" prop:value=q placeholder="Try label:dog AND transcript:\"breaking news\""
                    aria-label="Search query"/>
                // Each option says whether it is chosen: a value set on the select itself is
                // set before its options exist, and lost.
                <select name="mode" aria-label="Read the words as">
                    <option value="words" selected=move || !matches!(mode().as_str(), "meaning" | "both")>"Words"</option>
                    <option value="meaning" selected=move || mode() == "meaning">"Meaning"</option>
                    <option value="both" selected=move || mode() == "both">"Words or meaning"</option>
                </select>
                <button class="button" type="submit">"Search"</button>
            </form>
            {move || match results.get() {
                None => view! { <p class="muted">"Searching…"</p> }.into_any(),
                Some(None) => view! { <Examples/> }.into_any(),
                Some(Some(Err(e))) => view! { <p class="alert alert-error" data-code=e.code>{e.message}</p> }.into_any(),
                Some(Some(Ok(found))) => {
                    view! { <Found found filters=Filters { q: q(), types: types(), mode: mode() }/> }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn Examples() -> impl IntoView {
    view! {
        <div class="card">
            <h2>"Query language"</h2>
            <dl class="examples">
                {EXAMPLES.iter().map(|(example, meaning)| view! {
                    <dt><a href=format!("/search?q={}", api::encode(example))><code>{*example}</code></a></dt>
                    <dd>{*meaning}</dd>
                }).collect_view()}
            </dl>
            <p class="muted small">
                "Choose Meaning to find what was said or shown near what the words mean, not the words themselves: "
                <a href="/search?q=a%20man%20talking%20about%20rain&mode=meaning">"a man talking about rain"</a>
                " finds a weather forecast. Fields still filter."
            </p>
        </div>
    }
}

/// The search as the address holds it, kept when a facet narrows it.
#[derive(Clone)]
struct Filters {
    q: String,
    types: String,
    mode: String,
}

#[component]
fn Found(found: SearchResults, filters: Filters) -> impl IntoView {
    let total = found.total;
    let facets = found.facets.clone();
    view! {
        <div class="search-layout">
            <aside class="card facets">
                {facets.into_iter().filter(|(_, values)| !values.is_empty()).map(|(facet, values)| {
                    let filters = filters.clone();
                    view! {
                        <h3>{facet.clone()}</h3>
                        <ul class="facet-values" data-facet=facet.clone()>
                            {values.into_iter().map(|(value, count)| {
                                let href = facet_link(&facet, &value, &filters);
                                view! { <li><a href=href>{value}</a> <span class="muted small">{count}</span></li> }
                            }).collect_view()}
                        </ul>
                    }
                }).collect_view()}
            </aside>
            <div class="search-hits">
                <p class="muted small" data-total=total.to_string()>
                    {if total == 1 { "1 asset".to_owned() } else { format!("{total} assets") }}
                </p>
                {found.hits.into_iter().map(|hit| view! { <Hit hit/> }).collect_view()}
            </div>
        </div>
    }
}

/// A facet value as a filter: types narrow the `type` parameter, names join the query.
fn facet_link(facet: &str, value: &str, filters: &Filters) -> String {
    let mode = if filters.mode.is_empty() { String::new() } else { format!("&mode={}", api::encode(&filters.mode)) };
    if facet == "type" {
        return format!("/search?q={}&type={}{mode}", api::encode(&filters.q), api::encode(value));
    }
    let field = format!("{facet}:\"{}\"", value.replace('"', ""));
    let q = &filters.q;
    let q = if q.trim().is_empty() { field } else { format!("({q}) AND {field}") };
    let types = match filters.types.as_str() {
        "" => String::new(),
        types => format!("&type={}", api::encode(types)),
    };
    format!("/search?q={}{types}{mode}", api::encode(&q))
}

#[component]
fn Hit(hit: SearchHit) -> impl IntoView {
    let href = format!("/assets/{}", hit.asset_id);
    view! {
        <article class="card search-hit" data-asset=hit.asset_id.to_string()>
            <a class="hit-thumb" href=href.clone()>
                {hit.thumbnail.clone().map(|src| view! { <img src=src alt=""/> })}
            </a>
            <div class="hit-body">
                <h3><a href=href.clone()>{hit.filename.clone()}</a> " " <span class="muted small">{hit.asset_type.as_str()}</span></h3>
                // The server escapes everything but the <b> around matching words.
                {hit.highlights.iter().map(|h| view! { <p class="highlight small" inner_html=h.clone()></p> }).collect_view()}
                <ul class="hit-matches">
                    {hit.matches.into_iter().map(|m| {
                        let more = m.timecodes.len().saturating_sub(FIRST_MOMENTS);
                        let href = href.clone();
                        view! {
                            <li data-kind=m.kind.as_str()>
                                <span class="badge">{m.kind.as_str()}</span> " " <span class="match-name">{m.name.clone()}</span>
                                {m.timecodes.into_iter().zip(scene_numbers(&m.scenes)).take(FIRST_MOMENTS).map(|(t, scene)| view! {
                                    <a class="chip timecode" data-begin=t.begin.to_string() href=format!("{href}?t={}", t.begin)
                                        title=scene.map(|n| format!("in scene {n}"))>
                                        {format::duration(t.begin)}
                                        {scene.map(|n| view! { <span class="scene" data-scene=n.to_string()>{format!(" · scene {n}")}</span> })}
                                    </a>
                                }).collect_view()}
                                {(!m.pages.is_empty()).then(|| view! {
                                    <span class="muted small">{format!("pages {}", m.pages.iter().map(u32::to_string).collect::<Vec<_>>().join(", "))}</span>
                                })}
                                {(more > 0).then(|| view! { <span class="muted small">{format!("+{more} more")}</span> })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </div>
        </article>
    }
}

/// The scene of each moment, where the server named them (videos with scenes), else none.
fn scene_numbers(scenes: &[u32]) -> impl Iterator<Item = Option<u32>> + '_ {
    scenes.iter().copied().map(Some).chain(std::iter::repeat(None))
}
