//! The answers every operation can give besides its own, added to the OpenAPI document
//! so that it states all of them: a client generated from it (or a fuzzer checking it)
//! meets no status the document does not name. Each carries an `ErrorBody` with its code.

use utoipa::openapi::path::Operation;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder};

fn error(description: &str) -> RefOr<Response> {
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build();
    RefOr::T(ResponseBuilder::new().description(description).content("application/json", content).build())
}

/// Adds what an operation answers before (or instead of) its own work, where its own
/// annotation does not say it already.
fn document(operation: &mut Operation, writes: bool) {
    let mut common: Vec<(&str, &str)> = Vec::new();
    let has_body = operation.request_body.is_some();
    if has_body || operation.parameters.as_ref().is_some_and(|p| !p.is_empty()) {
        common.push(("400", "A parameter or the body fails its checks (the code says which)"));
    }
    if has_body {
        common.push(("413", "The body is larger than this operation takes"));
        common.push(("415", "The body is not of the content type this operation takes"));
    }
    if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
        common.push(("401", "No session, or an expired one: sign in or refresh"));
        common.push(("403", "The session's group may not do this"));
    }
    if writes {
        common.push(("507", "Storage is full: space must be freed before this can succeed"));
    }
    common.push(("500", "The server failed; the message names no internals"));
    common.push(("503", "A service Mediaport depends on is unavailable; try again shortly"));
    for (status, description) in common {
        operation.responses.responses.entry(status.to_owned()).or_insert_with(|| error(description));
    }
}

/// Documents the common answers on every operation of `doc`.
pub fn document_errors(doc: &mut OpenApi) {
    for item in doc.paths.paths.values_mut() {
        if let Some(operation) = &mut item.get {
            document(operation, false);
        }
        for operation in [&mut item.put, &mut item.post, &mut item.delete, &mut item.patch].into_iter().flatten() {
            document(operation, true);
        }
    }
}
