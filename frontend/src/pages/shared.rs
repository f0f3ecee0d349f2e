//! A shared moment, as someone without an account sees it through its link: the clip of
//! the stretch and the results chosen for it, nothing else of the archive.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use mediaport_shared::SharedMoment;

use crate::api;
use crate::format;
use crate::pages::asset::title;

#[component]
pub fn Shared() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let moment = LocalResource::new(move || {
        let token = token();
        async move {
            // The clip is cut within seconds of the link being made: ask again until it is.
            for _ in 0..60 {
                let found = api::shared_moment(&token).await;
                if !matches!(&found, Ok(m) if m.video.is_none()) {
                    return found;
                }
                gloo_timers::future::TimeoutFuture::new(2000).await;
            }
            api::shared_moment(&token).await
        }
    });
    view! {
        <main class="shared-page">
            <header class="shared-header"><span class="brand">"◆ Mediaport"</span><span class="muted small">"Shared moment"</span></header>
            {move || match moment.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! {
                    <section class="card shared-closed" data-share-error=e.code>
                        <h1>{match e.code.as_str() {
                            "share-expired" => "This link has expired",
                            "share-revoked" => "This link was withdrawn",
                            _ => "This link does not work",
                        }}</h1>
                        <p class="muted">{e.message}</p>
                    </section>
                }.into_any(),
                Some(Ok(moment)) => view! { <Moment moment/> }.into_any(),
            }}
        </main>
    }
}

#[component]
fn Moment(moment: SharedMoment) -> impl IntoView {
    let span = moment.at;
    let length = span.end - span.begin;
    view! {
        <section class="card shared-moment">
            <h1>{moment.filename.clone()}</h1>
            <p class="subtitle muted" data-span=format!("{}-{}", span.begin, span.end)>
                {format!("{}–{} of the asset · {} · link works until {}",
                    format::duration(span.begin), format::duration(span.end), format::duration(length), format::when(&moment.expires_at))}
            </p>
            {match moment.video {
                Some(url) => view! { <video class="player shared-player" controls preload="metadata" src=url></video> }.into_any(),
                None => view! { <p class="muted">"The clip is being prepared…"</p> }.into_any(),
            }}
        </section>
        {moment.timelines.into_iter().map(|(kind, timeline)| view! {
            <section class="card timeline-panel" data-kind=kind.as_str()>
                <h2>{title(kind)}</h2>
                {if timeline.items.is_empty() {
                    view! { <p class="muted small">"Nothing in this stretch."</p> }.into_any()
                } else {
                    view! {
                        <ul class="timeline-items">
                            {timeline.items.into_iter().map(|item| view! {
                                <li class="timeline-item">
                                    <span class="timeline-name">{item.name}</span>
                                    <span class="muted small">{item.timecodes.iter()
                                        .map(|t| format!("{}–{}", format::duration(t.begin), format::duration(t.end)))
                                        .collect::<Vec<_>>().join(", ")}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
        }).collect_view()}
    }
}
