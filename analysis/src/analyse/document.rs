//! A document's text timeline: the text layer's lines with their pages, and what the
//! recogniser reads on pages that have no text layer (scans).

use mediaport_shared::{Asset, Timecode, TimelineItem};

use super::frames::Picture;
use super::{Analyse, Failure};
use crate::job::JobError;

impl Analyse {
    /// A document's lines with the pages they are on: the text ingest extracted, and for a
    /// page without any (a scan) what the recogniser reads on its picture. Also each page's
    /// text, for language analysis.
    pub(super) async fn document_text(
        &self,
        asset: &Asset,
        min_confidence: f32,
    ) -> Result<(Vec<TimelineItem>, Vec<(u32, String)>), Failure> {
        let outputs = asset.outputs.clone().unwrap_or_default();
        let text = match &outputs.text {
            Some(key) => self.storage.get_object(&self.proxy_bucket, key).await.map_err(JobError::from)?,
            None => Default::default(),
        };
        let text = String::from_utf8_lossy(&text);
        // pdftotext ends each page with a form feed.
        let texts: Vec<&str> = text.split('\x0c').collect();
        let mut found: Vec<(String, f32, u32)> = Vec::new();
        let mut pages: Vec<(u32, String)> = Vec::new();
        // Every page's text counts, also past the last page ingest drew a picture of.
        for index in 0..texts.len().max(outputs.pages.len()) {
            let page = index as u32 + 1;
            let written = texts.get(index).map_or("", |t| t.trim());
            if !written.is_empty() {
                pages.push((page, written.to_owned()));
                let lines = written.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "));
                found.extend(lines.filter(|l| !l.is_empty()).map(|l| (l, 1.0, page)));
                continue;
            }
            let Some(key) = outputs.pages.get(index) else { continue };
            let picture = self.fetch(&[Picture { key: key.clone(), span: Timecode { begin: 0, end: 1 } }]).await?;
            let vision = super::loaded(&self.vision).await?;
            let read = tokio::task::spawn_blocking(move || vision.ocr.read(&picture[0]))
                .await
                .map_err(|e| Failure::Media(format!("reading page {page} stopped: {e}")))?
                .map_err(|e| Failure::Media(format!("page {page}: the model failed: {e}")))?;
            let lines: Vec<_> = read.into_iter().filter(|l| l.confidence >= min_confidence).collect();
            pages.push((page, lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join("\n")));
            found.extend(lines.into_iter().map(|l| (l.text, l.confidence, page)));
        }
        Ok((by_line(found), pages))
    }
}

/// Lines found on pages, one item per distinct line with every page it is on.
fn by_line(found: Vec<(String, f32, u32)>) -> Vec<TimelineItem> {
    let mut items: Vec<TimelineItem> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (line, confidence, page) in found {
        let at = *index.entry(line.clone()).or_insert_with(|| {
            items.push(TimelineItem { name: line, confidence: 0.0, timecodes: Vec::new(), ..Default::default() });
            items.len() - 1
        });
        let item = &mut items[at];
        item.confidence = item.confidence.max(confidence);
        if item.pages.last() != Some(&page) {
            item.pages.push(page);
        }
    }
    items
}
