//! PDF documents: what pdfinfo says, a PNG of each page (pdftoppm) and the text of
//! each page (pdftotext), pages separated by form feeds as pdftotext writes them.

use std::path::{Path, PathBuf};

use mediaport_shared::DocumentInfo;

use crate::tools::{Tool, ToolError, Tools, args};

/// Pages rendered as pictures at most; the text covers every page.
pub const MAX_RENDERED_PAGES: u32 = 500;

/// Longest side of a page picture, in pixels.
const PAGE_SIDE: u32 = 1600;

#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("the document is password-protected")]
    Encrypted,
    #[error("the document has no pages")]
    NoPages,
    #[error(transparent)]
    Tool(#[from] ToolError),
}

/// What pdftoppm and pdftotext made.
#[derive(Debug, Clone)]
pub struct DocumentFiles {
    pub info: DocumentInfo,
    /// pdfinfo's report as JSON.
    pub report: Vec<u8>,
    pub pages: Vec<PathBuf>,
    pub text: String,
}

/// Reads, renders and extracts `file` into `dir`.
pub async fn process(tools: &Tools, file: &Path, dir: &Path) -> Result<DocumentFiles, DocumentError> {
    let fields = match tools.run(Tool::Pdfinfo, args![file]).await {
        Ok(out) => parse_info(&String::from_utf8_lossy(&out)),
        Err(ToolError::Failed { message, .. }) if message.contains("Incorrect password") => {
            return Err(DocumentError::Encrypted);
        }
        // pdfinfo refuses a page tree with no pages rather than saying "Pages: 0".
        Err(ToolError::Failed { message, .. }) if message.contains("Invalid page count 0") => {
            return Err(DocumentError::NoPages);
        }
        Err(err) => return Err(err.into()),
    };
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).and_then(|(_, v)| v.as_str().map(str::to_owned));
    let pages: u32 = field("Pages").and_then(|p| p.parse().ok()).unwrap_or(0);
    if pages == 0 {
        return Err(DocumentError::NoPages);
    }
    let rendered = pages.min(MAX_RENDERED_PAGES);
    let prefix = dir.join("page");
    // Rendering takes time per page: a second each on top of the usual limit.
    let limit = tools.timeout() + std::time::Duration::from_secs(u64::from(rendered));
    let render =
        args!["-png", "-scale-to", PAGE_SIDE.to_string(), "-f", "1", "-l", rendered.to_string(), file, &prefix];
    tools.run_for(Tool::Pdftoppm, render, limit).await?;
    let mut page_files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|source| ToolError::Io { program: "pdftoppm", source })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("page-") && n.ends_with(".png"))
        })
        .collect();
    // pdftoppm pads page numbers to the width of the last one, so names sort in page order.
    page_files.sort();
    let text = tools.run(Tool::Pdftotext, args!["-layout", "-enc", "UTF-8", file, "-"]).await?;
    let text = String::from_utf8_lossy(&text).into_owned();
    let info = DocumentInfo {
        pages,
        title: field("Title").filter(|t| !t.is_empty()),
        author: field("Author").filter(|a| !a.is_empty()),
        text_chars: text.chars().filter(|c| !c.is_whitespace()).count() as u64,
    };
    let report = serde_json::to_vec(&fields.into_iter().collect::<serde_json::Map<_, _>>()).unwrap_or_default();
    Ok(DocumentFiles { info, report, pages: page_files, text })
}

/// pdfinfo's `Name:   value` lines, in order.
fn parse_info(text: &str) -> Vec<(String, serde_json::Value)> {
    text.lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), serde_json::Value::String(v.trim().to_owned())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdfinfo_lines_become_fields() {
        let fields = parse_info("Title:          Annual report\nPages:          12\nEncrypted:      no\n");
        assert_eq!(fields[1], ("Pages".to_owned(), serde_json::json!("12")));
        assert_eq!(fields.len(), 3);
    }
}
