//! Reviewers' notes on an asset (`/api/assets/{id}/notes`): checked, kept in the catalog,
//! and searched as the asset's `note` names, at their moments.

use mediaport_shared::notes::MAX_NOTE;
use mediaport_shared::{Asset, Group, NewNote, Note, NoteId};

use crate::error::{ErrorKind, ServiceError};
use crate::ports::catalog::{Catalog, CatalogError};
use crate::ports::identity::Principal;
use crate::ports::queue::Queue;
use crate::workflow;

#[derive(Debug, thiserror::Error)]
pub enum NoteError {
    #[error("{1}")]
    Invalid(&'static str, String),
    #[error("only its author or an admin removes a note")]
    NotYours,
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

impl ServiceError for NoteError {
    fn code(&self) -> &'static str {
        match self {
            Self::Invalid(code, _) => code,
            Self::NotYours => "not-your-note",
            Self::Catalog(err) => err.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(..) => ErrorKind::Invalid,
            Self::NotYours => ErrorKind::Forbidden,
            Self::Catalog(err) => err.kind(),
        }
    }
}

fn invalid(code: &'static str, message: impl Into<String>) -> NoteError {
    NoteError::Invalid(code, message.into())
}

/// The note a request makes on `asset`, as `author`; a reply takes its note's moment.
pub fn made(asset: &Asset, new: &NewNote, answered: Option<&Note>, author: &str) -> Result<Note, NoteError> {
    let text = new.text.trim().to_owned();
    if text.is_empty() || text.chars().count() > MAX_NOTE {
        return Err(invalid("invalid-note", format!("a note says something, in at most {MAX_NOTE} characters")));
    }
    let at = match (answered, new.at) {
        (Some(note), _) => note.at,
        (None, Some(at)) => at,
        (None, None) => return Err(invalid("invalid-span", "a note needs `at`, the moment or range it is about")),
    };
    if at.end <= at.begin || asset.duration_ms.is_some_and(|d| at.begin >= d) {
        return Err(invalid("invalid-span", format!("{}–{} ms is no range of {}", at.begin, at.end, asset.filename)));
    }
    if let Some(region) = new.region
        && !region.fits()
    {
        return Err(invalid("invalid-region", "a region is inside the frame: fractions from 0 to 1, not empty"));
    }
    Ok(Note {
        id: crate::new_id(),
        asset_id: asset.id.clone(),
        // A reply to a reply answers the note the thread began with.
        reply_to: answered.map(|n| n.reply_to.clone().unwrap_or_else(|| n.id.clone())),
        author: author.to_owned(),
        text,
        at,
        region: if answered.is_some() { None } else { new.region },
        created_at: crate::now_rfc3339(),
    })
}

/// Writes a note on `asset` and queues its search document to be made again.
pub async fn add(
    catalog: &dyn Catalog,
    queue: &dyn Queue,
    asset: &Asset,
    new: NewNote,
    author: &str,
) -> Result<Note, NoteError> {
    let answered = match &new.reply_to {
        Some(id) => {
            let notes = catalog.notes(&asset.id).await?;
            let found = notes.into_iter().find(|n| &n.id == id);
            Some(found.ok_or_else(|| CatalogError::NotFound { what: "note", id: id.to_string() })?)
        }
        None => None,
    };
    let note = catalog.add_note(&made(asset, &new, answered.as_ref(), author)?).await?;
    reindex(queue, asset).await;
    Ok(note)
}

/// Removes a note and its replies: its author's to remove, or an admin's.
pub async fn delete(
    catalog: &dyn Catalog,
    queue: &dyn Queue,
    asset: &Asset,
    id: &NoteId,
    caller: &Principal,
) -> Result<(), NoteError> {
    let notes = catalog.notes(&asset.id).await?;
    let note = notes
        .iter()
        .find(|n| &n.id == id)
        .ok_or_else(|| CatalogError::NotFound { what: "note", id: id.to_string() })?;
    if note.author != caller.username && caller.group < Group::Admin {
        return Err(NoteError::NotYours);
    }
    catalog.delete_note(&asset.id, id).await?;
    reindex(queue, asset).await;
    Ok(())
}

async fn reindex(queue: &dyn Queue, asset: &Asset) {
    if let Err(err) = queue.enqueue(workflow::relabel_job(&asset.id)).await {
        tracing::warn!(asset = %asset.id, error = %err, "cannot queue the search update after a note");
    }
}

#[cfg(test)]
mod tests {
    use mediaport_shared::{Region, Timecode};

    use super::*;

    fn new(text: &str, at: Option<(u64, u64)>) -> NewNote {
        NewNote { text: text.into(), at: at.map(|(begin, end)| Timecode { begin, end }), region: None, reply_to: None }
    }

    #[test]
    fn a_note_is_checked_and_a_reply_takes_its_notes_moment() {
        let mut asset = crate::memory::asset(mediaport_shared::AssetStatus::Ready);
        asset.duration_ms = Some(10_000);
        let note = made(&asset, &new("  Logo at the back  ", Some((2000, 4000))), None, "ana").unwrap();
        assert_eq!((note.text.as_str(), note.at.begin, note.author.as_str()), ("Logo at the back", 2000, "ana"));
        let reply = made(&asset, &new("Cleared", None), Some(&note), "ben").unwrap();
        assert_eq!((reply.at, reply.reply_to.as_ref()), (note.at, Some(&note.id)));
        let deeper = made(&asset, &new("Thanks", None), Some(&reply), "ana").unwrap();
        assert_eq!(deeper.reply_to.as_ref(), Some(&note.id), "a thread stays one level deep");
        for (bad, code) in [
            (new(" ", Some((0, 1))), "invalid-note"),
            (new(&"x".repeat(MAX_NOTE + 1), Some((0, 1))), "invalid-note"),
            (new("no moment", None), "invalid-span"),
            (new("backwards", Some((3000, 2000))), "invalid-span"),
            (new("past the end", Some((10_000, 11_000))), "invalid-span"),
        ] {
            assert_eq!(made(&asset, &bad, None, "ana").unwrap_err().code(), code);
        }
        let outside =
            NewNote { region: Some(Region { left: 0.8, top: 0.1, width: 0.5, height: 0.1 }), ..new("x", Some((0, 1))) };
        assert_eq!(made(&asset, &outside, None, "ana").unwrap_err().code(), "invalid-region");
    }
}
