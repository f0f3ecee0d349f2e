use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use mediaport_shared::{AssetCard, AssetId, Group, JobInfo};

use crate::api;
use crate::auth::use_auth;
use crate::components::empty_state::EmptyState;
use crate::format;
use crate::live::{self, Change};

/// Every job, newest first, with its asset, live: what is queued, running, done or failed
/// and why, with a retry button for failures.
#[component]
pub fn Processing() -> impl IntoView {
    let auth = use_auth();
    let jobs = RwSignal::new(Vec::<JobInfo>::new());
    let assets = RwSignal::new(HashMap::<AssetId, AssetCard>::new());
    let error = RwSignal::new(None::<String>);
    let loaded = RwSignal::new(false);

    spawn_local(async move {
        let (listed, cards) = futures::join!(api::list_jobs(auth, None), api::list_assets(auth, "", "", None, 500));
        match (listed, cards) {
            (Ok(listed), Ok(cards)) => {
                jobs.set(listed);
                assets.set(cards.items.into_iter().map(|c| (c.asset.id.clone(), c)).collect());
            }
            (Err(e), _) | (_, Err(e)) => error.set(Some(e.message)),
        }
        loaded.set(true);
    });
    live::follow(auth, move |change| match change {
        Change::Job(job) => jobs.update(|all| match all.iter_mut().find(|j| j.id == job.id) {
            Some(existing) => *existing = job,
            None => all.insert(0, job),
        }),
        Change::Asset(card) => assets.update(|all| {
            all.insert(card.asset.id.clone(), *card);
        }),
    });

    let count = move |status: &'static str| move || jobs.with(|all| all.iter().filter(|j| j.status == status).count());
    view! {
        <section class="page">
            <header class="page-header">
                <div>
                    <h1>"Processing"</h1>
                    <p class="subtitle">"Each asset's workflow, stage by stage, updated live."</p>
                </div>
                <ul class="stages" aria-label="Jobs by status">
                    <li class="stage">"Queued " <strong data-count="queued">{count("queued")}</strong></li>
                    <li class="stage">"Running " <strong data-count="running">{count("running")}</strong></li>
                    <li class="stage">"Failed " <strong data-count="failed">{count("failed")}</strong></li>
                    <li class="stage">"Done " <strong data-count="done">{count("done")}</strong></li>
                </ul>
            </header>
            {move || error.get().map(|e| view! { <p class="alert alert-error">{e}</p> })}
            {move || {
                if loaded.get() && jobs.with(Vec::is_empty) {
                    return view! {
                        <EmptyState icon="⟳" title="Nothing is being processed"
                            text="When files arrive, their checksums, metadata, proxies and analyses show here with progress and any errors."/>
                    }.into_any();
                }
                view! {
                    <table class="table jobs">
                        <thead><tr>
                            <th>"Asset"</th><th>"Stage"</th><th>"Status"</th><th>"Tries"</th><th>"Started"</th><th>"Reason"</th><th></th>
                        </tr></thead>
                        <tbody>
                            <For each=move || jobs.get() key=|j| (j.id.clone(), j.status.clone(), j.attempts, j.started_at.clone(), j.step.clone()) let:job>
                                <JobRow job assets/>
                            </For>
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn JobRow(job: JobInfo, assets: RwSignal<HashMap<AssetId, AssetCard>>) -> impl IntoView {
    let auth = use_auth();
    let asset_id = job.asset_id.clone().unwrap_or_default();
    let name = {
        let asset_id = asset_id.clone();
        move || {
            assets.with(|a| a.get(&asset_id).map(|c| c.asset.filename.clone())).unwrap_or_else(|| asset_id.to_string())
        }
    };
    let status = job.status.clone();
    let retrying = RwSignal::new(false);
    let retry_error = RwSignal::new(None::<String>);
    let job_id = job.id.clone();
    let retry = move |_| {
        let job_id = job_id.clone();
        retrying.set(true);
        spawn_local(async move {
            if let Err(e) = api::retry_job(auth, &job_id).await {
                retry_error.set(Some(e.message));
            }
            retrying.set(false);
        });
    };
    let can_retry = matches!(status.as_str(), "failed" | "cancelled");
    let started = job.started_at.as_deref().map(format::when);
    view! {
        <tr data-job=job.id.to_string() data-status=status data-started=job.started_at>
            <td><a href=format!("/assets/{asset_id}")>{name}</a></td>
            <td>{job.stage}{(status == "running").then_some(job.step).flatten().map(|step| view! { <span class="muted step">" · " {step}</span> })}</td>
            <td><span class=format!("status status-{status}")>{status.clone()}</span></td>
            <td class="muted">{format!("{} of {}", job.attempts, job.max_attempts)}</td>
            <td class="muted small">{started}</td>
            <td class="reason">{job.error}{move || retry_error.get()}</td>
            <td class="row-actions">
                <Show when=move || can_retry && auth.can(Group::Creator)>
                    <button class="button button-ghost" disabled=move || retrying.get() on:click=retry.clone()>"Retry"</button>
                </Show>
            </td>
        </tr>
    }
}
