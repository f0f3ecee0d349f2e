//! Boxes on the picture: where each label, face and line of text is in the frame being
//! shown, drawn over the video (or the image) and moved as it plays or is seeked.

use std::collections::BTreeSet;

use leptos::prelude::*;
use mediaport_shared::{AnalysisKind, UNNAMED_FACE};

use super::review::{Found, boxes_at};

/// The kinds that have boxes, with what their toggle says.
pub const BOXED: [(AnalysisKind, &str); 4] = [
    (AnalysisKind::Label, "Objects"),
    (AnalysisKind::Face, "Faces"),
    (AnalysisKind::Text, "Text"),
    (AnalysisKind::Note, "Notes"),
];

/// The timelines a toggle draws: faces nobody named are in `face`, named people in
/// `face_match`.
fn drawn_from(kind: AnalysisKind) -> &'static [AnalysisKind] {
    match kind {
        AnalysisKind::Face => &[AnalysisKind::Face, AnalysisKind::FaceMatch],
        AnalysisKind::Label => &[AnalysisKind::Label],
        AnalysisKind::Note => &[AnalysisKind::Note],
        _ => &[AnalysisKind::Text],
    }
}

/// Where the picture is inside its element, in CSS pixels: the element letterboxes it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Frame {
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
}

impl Frame {
    /// A picture of `natural` size shown whole (contained) in a `shown` box.
    pub fn contain(shown: (f64, f64), natural: (f64, f64)) -> Option<Self> {
        let (w, h) = shown;
        let (nw, nh) = natural;
        if w <= 0.0 || h <= 0.0 || nw <= 0.0 || nh <= 0.0 {
            return None;
        }
        let scale = (w / nw).min(h / nh);
        let (width, height) = (nw * scale, nh * scale);
        Some(Self { left: (w - width) / 2.0, top: (h - height) / 2.0, width, height })
    }
}

/// The toggles: one per kind the asset has boxes of.
#[component]
pub fn BoxToggles(found: Memo<Found>, shown: RwSignal<BTreeSet<AnalysisKind>>) -> impl IntoView {
    move || {
        let kinds: Vec<_> = found.with(|found| {
            BOXED
                .into_iter()
                .filter(|(kind, _)| {
                    drawn_from(*kind)
                        .iter()
                        .filter_map(|k| found.get(k))
                        .any(|t| t.items.iter().any(|i| !i.boxes.is_empty()))
                })
                .collect()
        });
        (!kinds.is_empty()).then(|| {
        view! {
            <div class="box-toggles" role="group" aria-label="Boxes on the picture">
                <span class="muted small">"Boxes"</span>
                {kinds.into_iter().map(|(kind, label)| {
                    let on = move || shown.with(|s| s.contains(&kind));
                    view! {
                        <button type="button" class="chip toggle" class:on=on data-boxes=kind.as_str()
                            aria-pressed=move || on().to_string()
                            on:click=move |_| shown.update(|s| if !s.remove(&kind) { s.insert(kind); })>{label}</button>
                    }
                }).collect_view()}
            </div>
        }
        })
    }
}

/// The boxes of the `shown` kinds at `now_ms`, over `frame`.
#[component]
pub fn Overlay(
    found: Memo<Found>,
    now_ms: Signal<u64>,
    frame: RwSignal<Option<Frame>>,
    shown: RwSignal<BTreeSet<AnalysisKind>>,
    timed: bool,
    min_confidence: RwSignal<f32>,
) -> impl IntoView {
    let boxes = move || {
        let (now, min) = (now_ms.get(), min_confidence.get());
        let mut drawn = Vec::new();
        // Until the picture is placed (loaded, laid out) there is nothing to draw on.
        if frame.with(Option::is_none) {
            return drawn;
        }
        for (kind, _) in BOXED {
            if !shown.with(|s| s.contains(&kind)) {
                continue;
            }
            found.with(|found| {
            for timeline in drawn_from(kind).iter().filter_map(|k| found.get(k)) {
            for item in timeline.items.iter().filter(|i| i.confidence >= min) {
                for b in boxes_at(item, now, timed) {
                    // A face nobody has named yet is "Face 1" on the asset: on the picture, unknown.
                    let unnamed = kind == AnalysisKind::Face && item.category.as_deref() == Some(UNNAMED_FACE);
                    let name = if unnamed { "unknown".to_owned() } else { item.name.clone() };
                    let tag = match kind {
                        AnalysisKind::Text => name.clone(),
                        AnalysisKind::Note => name.chars().take(40).collect(),
                        _ => format!("{name} {:.0}%", b.confidence * 100.0),
                    };
                    let place = format!(
                        "left:{:.3}%;top:{:.3}%;width:{:.3}%;height:{:.3}%",
                        b.left * 100.0,
                        b.top * 100.0,
                        b.width * 100.0,
                        b.height * 100.0
                    );
                    drawn.push(view! {
                        <div class=format!("box box-{}", kind.as_str()) style=place data-kind=kind.as_str() data-name=name>
                            <span class="box-tag">{tag}</span>
                        </div>
                    });
                }
            }
            }
            });
        }
        drawn
    };
    view! {
        <div class="overlay" aria-hidden="true" style=move || match frame.get() {
            Some(f) => format!("left:{}px;top:{}px;width:{}px;height:{}px", f.left, f.top, f.width, f.height),
            None => "display:none".to_owned(),
        }>{boxes}</div>
    }
}
