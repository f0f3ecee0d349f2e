//! Faces in bulk: a zip of photographs, each named after the person it shows by its
//! folder or file name, indexed into a collection with a report of what was refused.

use std::io::{Cursor, Read};

use axum::extract::State;
use bytes::Bytes;
use mediaport_shared::{ErrorBody, FaceImport, RefusedPhoto, import_name};
use zip::ZipArchive;

use crate::auth::{Auth, Creator};
use crate::error::ApiError;
use crate::extract::{Json, Path};
use crate::routes::faces::{MAX_PHOTO, collections};
use crate::state::AppState;

/// The largest archive an import takes.
pub const MAX_ARCHIVE: usize = 512 * 1024 * 1024;
/// Photographs one import reads at most.
const MAX_PHOTOS: usize = 5000;

/// One entry of the archive: a photograph to index, one to refuse, or nothing to look at
/// (a folder, a hidden or system file).
enum Entry {
    Photo(String, Bytes),
    Refused(RefusedPhoto),
    Skipped,
}

fn refused(file: &str, code: &str, reason: &str) -> Entry {
    Entry::Refused(RefusedPhoto { file: file.to_owned(), code: code.to_owned(), reason: reason.to_owned() })
}

/// Reads entry `n`; a photograph larger than a single upload takes is refused unread
/// (what the archive says of its size is checked again while reading: it may lie).
fn read_entry(archive: &mut ZipArchive<Cursor<Bytes>>, n: usize) -> Entry {
    let Ok(mut file) = archive.by_index(n) else {
        return refused(&format!("entry {n}"), "unreadable", "cannot be read");
    };
    let name = file.name().to_owned();
    let hidden = name.split('/').any(|part| part.starts_with('.') || part == "__MACOSX");
    if file.is_dir() || hidden {
        return Entry::Skipped;
    }
    // Refused unread: what is not a picture, or names nobody.
    if let Err((code, reason)) = import_name(&name) {
        return refused(&name, code, reason);
    }
    if file.size() > MAX_PHOTO as u64 {
        return refused(&name, "too-large", "larger than 32 MiB");
    }
    let mut bytes = Vec::new();
    match (&mut file).take(MAX_PHOTO as u64 + 1).read_to_end(&mut bytes) {
        Ok(_) if bytes.len() > MAX_PHOTO => refused(&name, "too-large", "larger than 32 MiB"),
        Ok(_) => Entry::Photo(name, bytes.into()),
        Err(err) => refused(&name, "unreadable", &format!("cannot be unpacked: {err}")),
    }
}

/// Indexes every photograph of a zip archive (the request body) into a collection, each
/// under the name of its folder, or else of its file ("Jane Doe/1.jpg", "Jane_Doe.jpg").
#[utoipa::path(post, path = "/api/face-collections/{collection_id}/import", tag = "faces",
    params(("collection_id" = String, Path)),
    request_body(content_type = "application/zip", description = "A zip of photographs, one person each"),
    responses((status = 200, description = "What was indexed and what was refused, and why", body = FaceImport),
              (status = 400, description = "Not a zip archive", body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 503, description = "This server has no face models", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn import(
    caller: Auth<Creator>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<FaceImport>, ApiError> {
    state.faces.get_collection(&id).await?;
    let archive = ZipArchive::new(Cursor::new(body))
        .map_err(|e| ApiError::bad_request("invalid-archive", format!("the body is not a zip archive: {e}")))?;
    if archive.len() > MAX_PHOTOS * 2 {
        return Err(ApiError::bad_request(
            "too-many-files",
            format!("an import reads at most {MAX_PHOTOS} photographs"),
        ));
    }
    let collections = collections(&state);
    let mut report = FaceImport::default();
    let mut archive = Some(archive);
    for n in 0..archive.as_ref().map_or(0, ZipArchive::len) {
        // Unpacking is CPU work: off the async threads, one entry at a time.
        let mut taken = archive.take().expect("put back after each entry");
        let (entry, back) = tokio::task::spawn_blocking(move || (read_entry(&mut taken, n), taken))
            .await
            .map_err(|e| ApiError::internal("import-failed", &e))?;
        archive = Some(back);
        match entry {
            Entry::Skipped => {}
            Entry::Refused(photo) => report.refused.push(photo),
            Entry::Photo(file, image) => {
                match collections.import_photo(state.face_reader.as_deref(), &id, &file, image).await? {
                    Ok(face) => report.indexed.push(face),
                    Err(photo) => report.refused.push(photo),
                }
            }
        }
        if report.indexed.len() + report.refused.len() > MAX_PHOTOS {
            break;
        }
    }
    tracing::info!(by = %caller.principal.username, collection = id, indexed = report.indexed.len(),
        refused = report.refused.len(), "faces imported");
    Ok(Json(report))
}
