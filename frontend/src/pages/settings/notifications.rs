//! Notifications: the webhooks and SNS topics told when an asset is ready or failed, a
//! test button for each, and the log of deliveries with their tries and answers.

use leptos::prelude::*;
use leptos::task::spawn_local;
use mediaport_shared::{Delivery, JobId, NewNotifyTarget, NoticeKind, NotifyTarget, TargetKind};

use crate::api;
use crate::auth::use_auth;
use crate::components::notice::{Notice, NoticeLine};
use crate::format;

fn event_label(kind: NoticeKind) -> &'static str {
    match kind {
        NoticeKind::AssetReady => "Asset ready",
        NoticeKind::AssetFailed => "Asset failed",
        NoticeKind::AnalysisDone => "Analysis run again",
        NoticeKind::Test => "Test",
    }
}

#[component]
pub fn Notifications() -> impl IntoView {
    let auth = use_auth();
    // Bumped after every change to reload the lists.
    let version = RwSignal::new(0u32);
    let targets = LocalResource::new(move || {
        version.track();
        api::notify_targets(auth)
    });
    let deliveries = LocalResource::new(move || {
        version.track();
        api::deliveries(auth)
    });
    let notice = RwSignal::new(None::<Result<String, String>>);
    view! {
        <div class="card" data-testid="notifications">
            <h2>"Notifications"</h2>
            <p class="muted small">
                "Webhooks and Amazon SNS topics told when an asset is ready, when one fails (with the reason), and when an analysis run again ends. "
                "Each webhook call is a JSON POST signed with the target's secret: "
                <code>"X-Mediaport-Signature: sha256=HMAC-SHA256(secret, body)"</code>
                ". Failed calls are tried again for about 45 minutes."
            </p>
            <NoticeLine notice/>
            <div class="table-wrap">
                <table class="table table-stack" data-testid="notify-targets">
                    <thead><tr><th>"Kind"</th><th>"Address"</th><th>"Events"</th><th>"Secret"</th><th></th></tr></thead>
                    <tbody>
                        {move || match targets.get() {
                            None => view! { <tr><td colspan="5" class="muted">"Loading…"</td></tr> }.into_any(),
                            Some(Err(e)) => view! { <tr><td colspan="5" class="alert-error">{e.message}</td></tr> }.into_any(),
                            Some(Ok(list)) if list.is_empty() => view! {
                                <tr><td colspan="5" class="muted">"No targets yet: add a webhook or an SNS topic below."</td></tr>
                            }.into_any(),
                            Some(Ok(list)) => list.into_iter().map(|target| view! { <TargetRow target version notice/> }).collect_view().into_any(),
                        }}
                    </tbody>
                </table>
            </div>
            <NewTargetForm version notice/>
        </div>
        <div class="card" data-testid="deliveries">
            <div class="card-header">
                <h2>"Deliveries"</h2>
                <button class="button button-ghost button-small" on:click=move |_| version.update(|v| *v += 1)>"Refresh"</button>
            </div>
            <div class="table-wrap">
                <table class="table table-stack">
                    <thead><tr><th>"When"</th><th>"Event"</th><th>"Asset"</th><th>"To"</th><th>"Status"</th><th>"Tries"</th><th>"Answer"</th><th></th></tr></thead>
                    <tbody>
                        {move || {
                            let addresses: Vec<(String, String)> = match targets.get() {
                                Some(Ok(list)) => list.into_iter().map(|t| (t.id, t.address)).collect(),
                                _ => Vec::new(),
                            };
                            match deliveries.get() {
                                None => view! { <tr><td colspan="8" class="muted">"Loading…"</td></tr> }.into_any(),
                                Some(Err(e)) => view! { <tr><td colspan="8" class="alert-error">{e.message}</td></tr> }.into_any(),
                                Some(Ok(list)) if list.is_empty() => view! {
                                    <tr><td colspan="8" class="muted">"Nothing sent yet."</td></tr>
                                }.into_any(),
                                Some(Ok(list)) => list.into_iter().map(|delivery| {
                                    let to = addresses.iter().find(|(id, _)| *id == delivery.target_id)
                                        .map_or_else(|| "(removed)".to_owned(), |(_, a)| a.clone());
                                    view! { <DeliveryRow delivery to version notice/> }
                                }).collect_view().into_any(),
                            }
                        }}
                    </tbody>
                </table>
            </div>
        </div>
    }
}

#[component]
fn TargetRow(target: NotifyTarget, version: RwSignal<u32>, notice: Notice) -> impl IntoView {
    let auth = use_auth();
    let shown = RwSignal::new(false);
    let tested = RwSignal::new(None::<(bool, String)>);
    let testing = RwSignal::new(false);
    let id = target.id.clone();
    let test = {
        let id = id.clone();
        move |_| {
            let id = id.clone();
            testing.set(true);
            spawn_local(async move {
                let outcome = match api::test_notify_target(auth, &id).await {
                    Ok(t) if t.delivered => (true, format!("Delivered: {} ({} ms)", t.answer, t.millis)),
                    Ok(t) => (false, format!("Not delivered: {}", t.answer)),
                    Err(e) => (false, e.message),
                };
                tested.set(Some(outcome));
                testing.set(false);
            });
        }
    };
    let remove = {
        let (id, address) = (id.clone(), target.address.clone());
        move |_| {
            let asked = format!("Stop notifying {address}? Deliveries still waiting for it are dropped.");
            if !window().confirm_with_message(&asked).unwrap_or(false) {
                return;
            }
            let (id, address) = (id.clone(), address.clone());
            spawn_local(async move {
                match api::remove_notify_target(auth, &id).await {
                    Ok(()) => notice.set(Some(Ok(format!("{address} is no longer notified")))),
                    Err(e) => notice.set(Some(Err(e.message))),
                }
                version.update(|v| *v += 1);
            });
        }
    };
    let kind = match target.kind {
        TargetKind::Webhook => "Webhook",
        TargetKind::Sns => "SNS topic",
    };
    let events = target.events.iter().map(|e| event_label(*e)).collect::<Vec<_>>().join(", ");
    let secret = target.secret.clone();
    view! {
        <tr data-target=id>
            <td data-label="Kind">{kind}</td>
            <td data-label="Address" class="wrap-anywhere"><code>{target.address}</code></td>
            <td data-label="Events" class="small">{events}</td>
            <td data-label="Secret">
                {match secret {
                    None => view! { <span class="muted">"—"</span> }.into_any(),
                    Some(secret) => view! {
                        <code class="wrap-anywhere" data-testid="secret">
                            {move || if shown.get() { secret.clone() } else { "mpwh_••••••••".to_owned() }}
                        </code>
                        " "
                        <button class="button button-ghost button-small" on:click=move |_| shown.update(|s| *s = !*s)>
                            {move || if shown.get() { "Hide" } else { "Show" }}
                        </button>
                    }.into_any(),
                }}
            </td>
            <td class="row-actions">
                <button class="button button-small" data-action="test" disabled=move || testing.get() on:click=test>
                    {move || if testing.get() { "Sending…" } else { "Test" }}
                </button>
                " "
                <button class="button button-danger button-small" on:click=remove>"Remove"</button>
                {move || tested.get().map(|(ok, text)| view! {
                    <p class=if ok { "alert alert-ok small" } else { "alert alert-error small" } data-outcome=if ok { "delivered" } else { "failed" }>{text}</p>
                })}
            </td>
        </tr>
    }
}

#[component]
fn NewTargetForm(version: RwSignal<u32>, notice: Notice) -> impl IntoView {
    let auth = use_auth();
    let kind = RwSignal::new(TargetKind::Webhook);
    let address = RwSignal::new(String::new());
    let events = RwSignal::new(NoticeKind::SUBSCRIBABLE.to_vec());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let new = NewNotifyTarget {
            kind: kind.get_untracked(),
            address: address.get_untracked(),
            events: events.get_untracked(),
        };
        if new.events.is_empty() {
            notice.set(Some(Err("Choose at least one event.".into())));
            return;
        }
        spawn_local(async move {
            match api::add_notify_target(auth, &new).await {
                Ok(target) => {
                    let mut text = format!("{} will be notified", target.address);
                    if target.secret.is_some() {
                        text.push_str(": its signing secret is in the table (Show)");
                    }
                    notice.set(Some(Ok(text)));
                    address.set(String::new());
                    version.update(|v| *v += 1);
                }
                Err(e) => notice.set(Some(Err(e.message))),
            }
        });
    };
    let placeholder = move || match kind.get() {
        TargetKind::Webhook => "https://example.org/hooks/mediaport",
        TargetKind::Sns => "arn:aws:sns:eu-west-1:123456789012:mediaport",
    };
    view! {
        <form class="form-grid new-target" on:submit=submit data-testid="new-target">
            <label class="field"><span>"Kind"</span>
                <select name="kind" on:change=move |ev| kind.set(if event_target_value(&ev) == "sns" { TargetKind::Sns } else { TargetKind::Webhook })>
                    <option value="webhook">"Webhook"</option>
                    <option value="sns">"SNS topic"</option>
                </select>
            </label>
            <label class="field"><span>{move || if kind.get() == TargetKind::Sns { "Topic ARN" } else { "URL" }}</span>
                <input name="address" required=true placeholder=placeholder bind:value=address/>
            </label>
            <fieldset class="field events">
                <legend>"Events"</legend>
                {NoticeKind::SUBSCRIBABLE.into_iter().map(|event| view! {
                    <label class="switch">
                        <input type="checkbox" name=event.as_str()
                            prop:checked=move || events.with(|e| e.contains(&event))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                events.update(|e| { e.retain(|k| *k != event); if on { e.push(event); } });
                            }/>
                        <span>{event_label(event)}</span>
                    </label>
                }).collect_view()}
            </fieldset>
            <div class="form-actions"><button class="button" type="submit">"Add target"</button></div>
        </form>
    }
}

#[component]
fn DeliveryRow(delivery: Delivery, to: String, version: RwSignal<u32>, notice: Notice) -> impl IntoView {
    let auth = use_auth();
    let job: JobId = delivery.id.clone();
    let again = move |_| {
        let job = job.clone();
        spawn_local(async move {
            match api::retry_job(auth, &job).await {
                Ok(_) => notice.set(Some(Ok("The notice is queued to be sent again".into()))),
                Err(e) => notice.set(Some(Err(e.message))),
            }
            version.update(|v| *v += 1);
        });
    };
    let failed = matches!(delivery.status.as_str(), "failed" | "cancelled");
    let answer =
        delivery.error.clone().filter(|_| delivery.status != "done").or(delivery.answer.clone()).unwrap_or_default();
    let status_class = format!("status status-{}", delivery.status);
    let asset_link = format!("/assets/{}", delivery.asset_id);
    view! {
        <tr data-delivery=delivery.id.to_string() data-status=delivery.status>
            <td data-label="When" class="nowrap">{format::when(&delivery.created_at)}</td>
            <td data-label="Event">{event_label(delivery.event)}</td>
            <td data-label="Asset"><a href=asset_link>"Open"</a></td>
            <td data-label="To" class="wrap-anywhere small">{to}</td>
            <td data-label="Status"><span class=status_class>{delivery.status.clone()}</span></td>
            <td data-label="Tries">{format!("{}/{}", delivery.attempts, delivery.max_attempts)}</td>
            <td data-label="Answer" class="small wrap-anywhere" data-testid="answer">{answer}</td>
            <td>{failed.then(|| view! { <button class="button button-small" on:click=again.clone()>"Send again"</button> })}</td>
        </tr>
    }
}
