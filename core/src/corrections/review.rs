//! Reviewers correcting an asset's results (`/api/assets/{id}/corrections`): a correction
//! is checked against the results as they read now, kept in the asset's trail, and the
//! asset's search document is made again by a relabelling job.

use mediaport_shared::{
    AnalysisKind, Asset, CORRECTABLE, Correction, CorrectionEntry, CorrectionId, Timecode, TimelineItem,
};

use super::apply;
use crate::error::{ErrorKind, ServiceError};
use crate::ports::catalog::CatalogError;
use crate::ports::queue::{Queue, QueueError};
use crate::results::{Results, ResultsError};
use crate::workflow;

/// The longest name a reviewer can give an item.
pub const MAX_NAME: usize = 200;
/// The longest text an edited stretch can say.
pub const MAX_TEXT: usize = 2000;
/// Most time ranges one added item can have.
pub const MAX_RANGES: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum CorrectionError {
    #[error("{1}")]
    Invalid(&'static str, String),
    /// The correction does not fit the results as they read now.
    #[error("{1}")]
    Mismatch(&'static str, String),
    #[error(transparent)]
    Results(#[from] ResultsError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

impl ServiceError for CorrectionError {
    fn code(&self) -> &'static str {
        match self {
            Self::Invalid(code, _) | Self::Mismatch(code, _) => code,
            Self::Results(err) => err.code(),
            Self::Catalog(CatalogError::Conflict(_)) => "already-undone",
            Self::Catalog(err) => err.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(..) => ErrorKind::Invalid,
            Self::Mismatch(..) => ErrorKind::Unprocessable,
            Self::Results(err) => err.kind(),
            Self::Catalog(err) => err.kind(),
        }
    }
}

fn invalid(code: &'static str, message: impl Into<String>) -> CorrectionError {
    CorrectionError::Invalid(code, message.into())
}

/// A time range that makes sense in `asset`: forwards, and inside the media when its
/// length is known.
fn check_span(asset: &Asset, span: Timecode) -> Result<(), CorrectionError> {
    if span.end <= span.begin {
        return Err(invalid("invalid-span", format!("a range ends after it begins ({}–{} ms)", span.begin, span.end)));
    }
    match asset.duration_ms {
        Some(duration) if span.begin >= duration => Err(invalid(
            "invalid-span",
            format!("{} ms is past the end of {} ({duration} ms)", span.begin, asset.filename),
        )),
        _ => Ok(()),
    }
}

fn check_name(name: &str, limit: usize) -> Result<(), CorrectionError> {
    if name.chars().count() > limit {
        return Err(invalid("invalid-name", format!("at most {limit} characters")));
    }
    if name.chars().any(char::is_control) {
        return Err(invalid("invalid-name", "no control characters"));
    }
    Ok(())
}

/// Whether a correction is well formed for this asset, before it is held against the results.
pub fn check(asset: &Asset, correction: &Correction) -> Result<(), CorrectionError> {
    let kind = correction.kind();
    if !matches!(correction, Correction::Edit { .. }) && !CORRECTABLE.contains(&kind) {
        let kinds: Vec<&str> = CORRECTABLE.iter().map(|k| k.as_str()).collect();
        let message = format!("{} items are not corrected here; these are: {}", kind.as_str(), kinds.join(", "));
        return Err(invalid("not-correctable", message));
    }
    match correction {
        Correction::Edit { span, before, after } => {
            check_span(asset, *span)?;
            check_name(before, MAX_TEXT)?;
            check_name(after, MAX_TEXT)
        }
        Correction::Reject { name, at, .. } => {
            check_name(name, MAX_NAME)?;
            at.map_or(Ok(()), |at| check_span(asset, at))
        }
        Correction::Add { name, timecodes, .. } => {
            if name.trim().is_empty() {
                return Err(invalid("invalid-name", "an added item needs a name"));
            }
            check_name(name, MAX_NAME)?;
            if timecodes.is_empty() || timecodes.len() > MAX_RANGES {
                return Err(invalid("invalid-span", format!("an added item has 1 to {MAX_RANGES} time ranges")));
            }
            timecodes.iter().try_for_each(|t| check_span(asset, *t))
        }
    }
}

/// The asset's corrections and the ports they reach.
pub struct Review<'a> {
    pub results: Results<'a>,
    pub queue: &'a dyn Queue,
}

impl Review<'_> {
    /// The asset's trail, oldest first, each edit marked where today's transcript no
    /// longer has its stretch.
    pub async fn trail(&self, asset: &Asset) -> Result<Vec<CorrectionEntry>, CorrectionError> {
        let mut trail = self.results.catalog.corrections(&asset.id).await?;
        let edits: Vec<usize> = (0..trail.len())
            .filter(|&n| trail[n].in_force() && matches!(trail[n].correction, Correction::Edit { .. }))
            .collect();
        if edits.is_empty() {
            return Ok(trail);
        }
        let Ok(stored) = self.results.stored_timeline(asset, AnalysisKind::Transcript).await else {
            // No transcript now: every edit waits for one.
            edits.into_iter().for_each(|n| trail[n].unplaced = true);
            return Ok(trail);
        };
        let corrections: Vec<Correction> = edits.iter().map(|&n| trail[n].correction.clone()).collect();
        for unplaced in apply(stored, &corrections).unplaced {
            trail[edits[unplaced]].unplaced = true;
        }
        Ok(trail)
    }

    /// Checks `correction` against the asset's results as they read now, records it as
    /// `author`'s and queues the asset's search document to be made again.
    pub async fn correct(
        &self,
        asset: &Asset,
        correction: Correction,
        author: &str,
    ) -> Result<CorrectionEntry, CorrectionError> {
        check(asset, &correction)?;
        let now = self.results.timeline(asset, correction.kind()).await?;
        fits(&now.items, &correction)?;
        let entry = CorrectionEntry {
            id: crate::new_id(),
            asset_id: asset.id.clone(),
            correction,
            author: author.to_owned(),
            created_at: crate::now_rfc3339(),
            undone_by: None,
            undone_at: None,
            unplaced: false,
        };
        let entry = self.results.catalog.add_correction(&entry).await?;
        self.reindex(asset, &entry.correction).await;
        Ok(entry)
    }

    /// Takes a correction back (it stays in the trail, marked), as `by`.
    pub async fn undo(&self, asset: &Asset, id: &CorrectionId, by: &str) -> Result<CorrectionEntry, CorrectionError> {
        let at = crate::now_rfc3339();
        let entry = self.results.catalog.undo_correction(&asset.id, id, by, &at).await?;
        self.reindex(asset, &entry.correction).await;
        Ok(entry)
    }

    /// Queues the relabelling that makes the asset's search document again; what was said
    /// or shown as text changed, the words are read again too (key phrases, entities,
    /// sentiment). A queue that cannot be reached leaves the correction made: the next
    /// stage or a reindex catches search up.
    async fn reindex(&self, asset: &Asset, correction: &Correction) {
        let words = matches!(correction.kind(), AnalysisKind::Transcript | AnalysisKind::Text);
        let job = if words { workflow::reread_job(&asset.id) } else { workflow::relabel_job(&asset.id) };
        let queued: Result<_, QueueError> = self.queue.enqueue(job).await;
        if let Err(err) = queued {
            tracing::warn!(asset = %asset.id, error = %err, "cannot queue the search update after a correction");
        }
    }
}

/// Whether a correction changes anything in the items it is laid over: an edit needs its
/// stretch, a rejection its item (at its moment), an addition must not be there already.
fn fits(items: &[TimelineItem], correction: &Correction) -> Result<(), CorrectionError> {
    let same = |a: &str, b: &str| a.trim().to_lowercase() == b.trim().to_lowercase();
    match correction {
        Correction::Edit { before, .. } => {
            let timeline = mediaport_shared::Timeline::new(AnalysisKind::Transcript, items.to_vec());
            if apply(timeline, std::slice::from_ref(correction)).unplaced.is_empty() {
                Ok(())
            } else {
                Err(CorrectionError::Mismatch(
                    "no-such-stretch",
                    format!("the transcript says no {before:?} at that time; reload and edit what it says now"),
                ))
            }
        }
        Correction::Reject { kind, name, at } => {
            let found = items.iter().filter(|i| same(&i.name, name)).any(|i| match at {
                None => true,
                Some(at) => i.timecodes.iter().any(|t| t.begin < at.end && at.begin < t.end),
            });
            if found {
                Ok(())
            } else {
                Err(CorrectionError::Mismatch(
                    "no-such-item",
                    format!("the {} results have no {name:?} there", kind.as_str()),
                ))
            }
        }
        Correction::Add { .. } => Ok(()),
    }
}
