//! Files from a drop or a file picker, including whole folders: a dropped folder is
//! walked through the browser's file-system entries API.

use js_sys::{Array, Promise};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DataTransfer, File, FileList, FileSystemDirectoryEntry, FileSystemEntry, FileSystemFileEntry};

pub fn file_list(files: Option<FileList>) -> Vec<File> {
    let Some(files) = files else { return Vec::new() };
    (0..files.length()).filter_map(|i| files.get(i)).collect()
}

/// The dropped entries, taken while the drop event lasts (the browser empties the
/// transfer afterwards).
pub fn entries(transfer: &DataTransfer) -> Vec<FileSystemEntry> {
    let items = transfer.items();
    (0..items.length())
        .filter_map(|i| items.get(i))
        .filter_map(|item| item.webkit_get_as_entry().ok().flatten())
        .collect()
}

/// Every file under the entries, folders walked depth first; hidden files left out.
pub async fn walk(entries: Vec<FileSystemEntry>) -> Vec<File> {
    let mut files = Vec::new();
    let mut stack = entries;
    stack.reverse();
    while let Some(entry) = stack.pop() {
        if entry.name().starts_with('.') {
            continue;
        }
        if entry.is_file() {
            if let Some(file) = file_of(entry.unchecked_into()).await {
                files.push(file);
            }
        } else if entry.is_directory() {
            let mut children = read_folder(entry.unchecked_into()).await;
            children.reverse();
            stack.extend(children);
        }
    }
    files
}

async fn file_of(entry: FileSystemFileEntry) -> Option<File> {
    let promise = Promise::new(&mut |resolve, reject| {
        let failed = Closure::once_into_js(move |e: JsValue| {
            let _ = reject.call1(&JsValue::NULL, &e);
        });
        entry.file_with_callback_and_callback(&resolve, failed.unchecked_ref());
    });
    JsFuture::from(promise).await.ok().and_then(|f| f.dyn_into().ok())
}

/// All entries of a folder: the reader hands them out in batches until an empty one.
async fn read_folder(folder: FileSystemDirectoryEntry) -> Vec<FileSystemEntry> {
    let reader = folder.create_reader();
    let mut all = Vec::new();
    loop {
        let promise = Promise::new(&mut |resolve, reject| {
            let failed = Closure::once_into_js(move |e: JsValue| {
                let _ = reject.call1(&JsValue::NULL, &e);
            });
            let _ = reader.read_entries_with_callback_and_callback(&resolve, failed.unchecked_ref());
        });
        let Ok(batch) = JsFuture::from(promise).await else { break };
        let batch: Array = batch.unchecked_into();
        if batch.length() == 0 {
            break;
        }
        all.extend(batch.iter().map(|e| e.unchecked_into::<FileSystemEntry>()));
    }
    all
}
