//! The archive in figures: what it holds, what it takes, how processing goes and what
//! is found most; each bar opens the matching search.

use leptos::prelude::*;
use mediaport_shared::{DayCount, NameCount, Stats};

use crate::api;
use crate::api::encode;
use crate::auth::use_auth;
use crate::format;

/// Hours of media, in minutes while under one.
fn analysed(hours: f64) -> String {
    if hours >= 1.0 { format!("{hours:.1} h") } else { format!("{:.1} min", hours * 60.0) }
}

#[component]
pub fn StatsPage() -> impl IntoView {
    let auth = use_auth();
    let stats = LocalResource::new(move || api::stats(auth));
    view! {
        <section class="page">
            <header class="page-header">
                <div>
                    <h1>"Stats"</h1>
                    <p class="subtitle">"The archive in figures."</p>
                </div>
            </header>
            {move || match stats.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="alert alert-error">{e.message}</p> }.into_any(),
                Some(Ok(stats)) => view! { <Figures stats/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Figures(stats: Stats) -> impl IntoView {
    let total = stats.assets;
    view! {
        <div class="figures" data-testid="figures">
            <Figure label="Assets" value=total.to_string() name="assets"/>
            <Figure label="Originals" value=format::human_size(stats.original_bytes) name="original-bytes"/>
            <Figure label="Proxies and results" value=format::human_size(stats.proxy_bytes) name="proxy-bytes"/>
            <Figure label="Media analysed" value=analysed(stats.hours_analysed) name="hours"/>
            <Figure label="Failed jobs, 24 h" value=stats.failed_jobs_24h.to_string() name="failed-jobs"/>
        </div>
        <div class="grid-2">
            <div class="card"><h2>"By type"</h2>
                <Bars rows=stats.by_type.iter().map(|(t, n)| (t.clone(), *n, format!("type:{t}"))).collect()/>
            </div>
            <div class="card"><h2>"By status"</h2>
                <Bars rows=stats.by_status.iter().map(|(s, n)| (s.clone(), *n, String::new())).collect()/>
            </div>
        </div>
        <div class="card"><h2>"Added per day, last 30 days"</h2><Days days=stats.added_per_day/></div>
        <div class="grid-3">
            <Top title="Top labels" field="label" names=stats.top_labels/>
            <Top title="Top people" field="face" names=stats.top_people/>
            <Top title="Top key phrases" field="keyphrase" names=stats.top_keyphrases/>
        </div>
    }
}

#[component]
fn Figure(label: &'static str, value: String, name: &'static str) -> impl IntoView {
    view! {
        <div class="card figure" data-figure=name>
            <div class="figure-value">{value}</div>
            <div class="muted small">{label}</div>
        </div>
    }
}

/// Horizontal bars; a row with a query links to its search.
#[component]
fn Bars(rows: Vec<(String, u64, String)>) -> impl IntoView {
    let most = rows.iter().map(|(_, n, _)| *n).max().unwrap_or(1).max(1);
    if rows.is_empty() {
        return view! { <p class="muted small">"Nothing yet."</p> }.into_any();
    }
    view! {
        <ul class="bars">
            {rows.into_iter().map(|(name, count, query)| {
                let width = format!("width:{:.1}%", count as f64 * 100.0 / most as f64);
                let label = view! {
                    <span class="bar-name">{name.clone()}</span>
                    <span class="bar"><span class="bar-fill" style=width></span></span>
                    <span class="bar-count mono">{count}</span>
                };
                let row = if query.is_empty() {
                    view! { <div class="bar-row">{label}</div> }.into_any()
                } else {
                    view! { <a class="bar-row" href=format!("/search?q={}", encode(&query))>{label}</a> }.into_any()
                };
                view! { <li data-name=name data-count=count.to_string()>{row}</li> }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// The most found names of one search field, each linking to its search.
#[component]
fn Top(title: &'static str, field: &'static str, names: Vec<NameCount>) -> impl IntoView {
    let rows = names.into_iter().map(|n| (n.name.clone(), n.assets, format!("{field}:\"{}\"", n.name))).collect();
    view! { <div class="card" data-top=field><h2>{title}</h2><Bars rows/></div> }
}

/// Additions per day as a line over the 30 days, with the count of each day on hover.
#[component]
fn Days(days: Vec<DayCount>) -> impl IntoView {
    const W: f64 = 600.0;
    const H: f64 = 140.0;
    let most = days.iter().map(|d| d.count).max().unwrap_or(0).max(1) as f64;
    let step = W / (days.len().max(2) - 1) as f64;
    let point = |n: usize, count: u64| (n as f64 * step, H - 10.0 - count as f64 / most * (H - 30.0));
    let line: Vec<String> = days
        .iter()
        .enumerate()
        .map(|(n, d)| {
            let (x, y) = point(n, d.count);
            format!("{x:.1},{y:.1}")
        })
        .collect();
    let first = days.first().map(|d| d.day.clone()).unwrap_or_default();
    let last = days.last().map(|d| d.day.clone()).unwrap_or_default();
    view! {
        <svg class="days" viewBox=format!("0 0 {W} {H}") preserveAspectRatio="none" role="img" aria-label="Assets added per day">
            <polyline points=line.join(" ") fill="none" stroke="currentColor" stroke-width="2" vector-effect="non-scaling-stroke"/>
            {days.iter().enumerate().map(|(n, d)| {
                let (x, y) = point(n, d.count);
                view! {
                    <circle cx=format!("{x:.1}") cy=format!("{y:.1}") r="3" data-day=d.day.clone() data-count=d.count.to_string()>
                        <title>{format!("{}: {}", d.day, d.count)}</title>
                    </circle>
                }
            }).collect_view()}
        </svg>
        <div class="days-axis muted small"><span>{first}</span><span>{last}</span></div>
    }
}
