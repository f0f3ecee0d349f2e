//! The local record of what `mediaport ingest` sent to a server, so that a run that was
//! interrupted continues where it stopped and files sent before are skipped.
//!
//! One JSON line per change, appended and flushed as it happens: a killed run loses at
//! most the line it was writing, and the last line for a file wins when reading.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// What is known of one local file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub path: PathBuf,
    pub size: u64,
    /// Modification time in milliseconds, to notice a file changed since.
    pub modified_ms: i64,
    /// Known once the file was hashed: at the start, or when its upload completed.
    #[serde(default)]
    pub md5: Option<String>,
    /// The upload in progress, to resume it.
    pub upload_id: Option<mediaport_shared::UploadId>,
    pub asset_id: Option<mediaport_shared::AssetId>,
    pub done: bool,
}

pub struct Journal {
    path: PathBuf,
    file: Mutex<std::fs::File>,
    entries: Mutex<HashMap<PathBuf, Entry>>,
}

impl Journal {
    /// The journal for uploads to `server`, kept in the user's state folder.
    pub fn default_path(server: &str) -> PathBuf {
        let base = std::env::var_os("XDG_STATE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
            .unwrap_or_else(std::env::temp_dir);
        let name: String = server.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
        base.join("mediaport").join(format!("ingest-{name}.jsonl"))
    }

    pub fn open(path: &Path) -> anyhow::Result<Self> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let mut entries = HashMap::new();
        if let Ok(file) = std::fs::File::open(path) {
            for line in std::io::BufReader::new(file).lines() {
                // A line cut short by a kill is skipped; the lines before it stand.
                if let Ok(entry) = serde_json::from_str::<Entry>(&line?) {
                    entries.insert(entry.path.clone(), entry);
                }
            }
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(path)
            .with_context(|| format!("cannot write the journal {}", path.display()))?;
        // End a line a kill cut short, so the next record starts on a line of its own.
        if ends_mid_line(&mut file)? {
            file.write_all(b"\n")?;
        }
        Ok(Self { path: path.to_owned(), file: Mutex::new(file), entries: Mutex::new(entries) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn get(&self, path: &Path) -> Option<Entry> {
        self.entries.lock().expect("journal lock").get(path).cloned()
    }

    /// A finished upload of the same bytes (size and MD5), under any path.
    pub fn find_done(&self, size: u64, md5: &str) -> Option<Entry> {
        let entries = self.entries.lock().expect("journal lock");
        entries.values().find(|e| e.done && e.size == size && e.md5.as_deref() == Some(md5)).cloned()
    }

    /// Whether any finished upload had this size: only then can a file be a twin.
    pub fn has_done_size(&self, size: u64) -> bool {
        self.entries.lock().expect("journal lock").values().any(|e| e.done && e.size == size)
    }

    pub fn record(&self, entry: Entry) -> anyhow::Result<()> {
        let mut line = serde_json::to_string(&entry)?;
        line.push('\n');
        {
            let mut file = self.file.lock().expect("journal lock");
            file.write_all(line.as_bytes())?;
            file.flush()?;
        }
        self.entries.lock().expect("journal lock").insert(entry.path.clone(), entry);
        Ok(())
    }
}

fn ends_mid_line(file: &mut std::fs::File) -> std::io::Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    if file.metadata()?.len() == 0 {
        return Ok(false);
    }
    let mut last = [0u8; 1];
    file.seek(SeekFrom::End(-1))?;
    file.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, done: bool) -> Entry {
        Entry {
            path: path.into(),
            size: 10,
            modified_ms: 1,
            md5: Some("abc".into()),
            upload_id: Some("u1".into()),
            asset_id: None,
            done,
        }
    }

    #[test]
    fn the_last_line_wins_and_a_torn_line_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let journal = Journal::open(&path).unwrap();
        journal.record(entry("/a.mp4", false)).unwrap();
        journal.record(entry("/a.mp4", true)).unwrap();
        std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(b"{\"path\":\"/b.mp").unwrap();
        let reopened = Journal::open(&path).unwrap();
        assert!(reopened.get(Path::new("/a.mp4")).unwrap().done);
        assert_eq!(reopened.get(Path::new("/b.mp4")), None);
        reopened.record(entry("/c.mp4", true)).unwrap();
        assert!(Journal::open(&path).unwrap().get(Path::new("/c.mp4")).is_some(), "a record after a torn line stands");
        assert!(reopened.find_done(10, "abc").is_some());
        assert!(reopened.find_done(10, "abd").is_none());
    }
}
