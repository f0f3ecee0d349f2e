//! The search index on local disk, with tantivy. One document per asset: a query's AND,
//! OR and NOT combine what is known of the whole asset (`label:dog AND transcript:rain`
//! is a dog seen and rain said in the same asset, at any moments), so that is the unit the
//! index scores and counts. Each kind's names are a field of their own (for `label:dog`),
//! everything is also in one field (for plain words), and the asset's document is stored
//! whole so a hit's matching names and their moments are read back without the catalog.
//!
//! Writers: tantivy allows one writer per index across processes, and the server and
//! separate workers may share the folder, so each change opens a writer, commits and
//! closes it, waiting its turn while another process holds the lock.

use std::path::Path;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::StreamExt;
use mediaport_core::search::query::{Field as QueryField, Query};
use mediaport_core::{AssetDocument, DocumentBatches, SearchError, SearchIndex, SearchPage, SearchRequest, facet_of};
use mediaport_shared::{AnalysisKind, AssetId};
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, EmptyQuery, Occur, PhraseQuery, Query as TantivyQuery, RegexQuery,
    TermQuery,
};
use tantivy::schema::{
    FacetOptions, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{LowerCaser, SimpleTokenizer, TextAnalyzer};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use super::facet_counts::{self, FacetCounter};

/// Splits names as the query language does: at anything not a letter or digit, lower-cased.
const WORDS: &str = "words";
/// What one writer may buffer before it flushes.
const WRITER_MEMORY: usize = 32 << 20;
/// A rebuild's writer: a thread per core, sharing more memory than one change's.
const BULK_MEMORY: usize = 256 << 20;
/// tantivy refuses a writer thread less than 15 MB of the budget: more cores than this
/// share the threads there are.
const BULK_THREADS: usize = BULK_MEMORY / 16_000_000;
/// A rebuild keeps one writer this long at most (well inside `LOCK_WAIT`), then commits,
/// so what it has indexed becomes searchable as it goes. Not much less: each commit adds
/// segments merged again later, a third of the 100,000-asset bench's build when it
/// committed every 25,000 assets.
const BULK_TURN: Duration = Duration::from_secs(15);
/// ...or until the next batch is this slow to come.
const BULK_GAP: Duration = Duration::from_secs(1);
/// How long a change waits for another process's writer.
const LOCK_WAIT: Duration = Duration::from_secs(30);
/// How often it looks again.
const LOCK_POLL: Duration = Duration::from_millis(50);

#[derive(Clone, Copy)]
struct Fields {
    asset_id: Field,
    filename: Field,
    all: Field,
    group: Field,
    kind_type: Field,
    attributes: Field,
    facets: Field,
    stored: Field,
}

/// Tantivy on local disk.
#[derive(Clone)]
pub struct TantivyIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    kinds: Vec<(AnalysisKind, Field)>,
    /// An earlier version's index was found and replaced by an empty one.
    made_anew: bool,
}

fn failed(err: impl std::fmt::Display) -> SearchError {
    SearchError::Other(err.to_string())
}

fn schema() -> (Schema, Fields, Vec<(AnalysisKind, Field)>) {
    let words = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer(WORDS).set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let mut builder = Schema::builder();
    let fields = Fields {
        asset_id: builder.add_text_field("asset_id", STRING | STORED),
        filename: builder.add_text_field("filename", words.clone()),
        all: builder.add_text_field("all", words.clone()),
        group: builder.add_text_field("group", words.clone()),
        kind_type: builder.add_text_field("type", STRING),
        attributes: builder.add_text_field("attributes", words.clone()),
        facets: builder.add_facet_field("facets", FacetOptions::default()),
        stored: builder.add_text_field("document", STORED),
    };
    let kinds = AnalysisKind::ALL.iter().map(|k| (*k, builder.add_text_field(k.as_str(), words.clone()))).collect();
    (builder.build(), fields, kinds)
}

impl TantivyIndex {
    /// Opens the index in `dir`, creating it on first use.
    pub fn open(dir: &Path) -> Result<Self, SearchError> {
        std::fs::create_dir_all(dir).map_err(|e| SearchError::Unavailable(format!("{}: {e}", dir.display())))?;
        let (schema, fields, kinds) = schema();
        let unavailable = |e: tantivy::TantivyError| {
            SearchError::Unavailable(format!("{}: {e} (delete the folder and run `mediaport reindex`)", dir.display()))
        };
        let directory = MmapDirectory::open(dir).map_err(|e| SearchError::Unavailable(e.to_string()))?;
        // An index made by a version with other fields (a new kind of analysis) cannot take
        // this one's documents. It holds no original: it is emptied and made again.
        let made_anew = Index::open(directory).is_ok_and(|old| old.schema() != schema);
        if made_anew {
            tracing::warn!(path = %dir.display(), "the search index was made by an earlier version: indexing every asset again");
            std::fs::remove_dir_all(dir)
                .and_then(|()| std::fs::create_dir_all(dir))
                .map_err(|e| SearchError::Unavailable(format!("{}: cannot empty the old index: {e}", dir.display())))?;
        }
        let directory = MmapDirectory::open(dir).map_err(|e| SearchError::Unavailable(e.to_string()))?;
        let index = Index::open_or_create(directory, schema).map_err(unavailable)?;
        index
            .tokenizers()
            .register(WORDS, TextAnalyzer::builder(SimpleTokenizer::default()).filter(LowerCaser).build());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()
            .map_err(|e: tantivy::TantivyError| SearchError::Unavailable(e.to_string()))?;
        Ok(Self { index, reader, fields, kinds, made_anew })
    }

    /// Runs `change` with the index's writer, commits, and makes the change visible.
    async fn change(
        &self,
        change: impl FnOnce(&mut IndexWriter, &Self) -> tantivy::Result<()> + Send + 'static,
    ) -> Result<(), SearchError> {
        self.change_with(1, WRITER_MEMORY, change).await
    }

    /// `change` with a writer of `threads` indexing threads sharing `memory` bytes.
    async fn change_with<T: Send + 'static>(
        &self,
        threads: usize,
        memory: usize,
        change: impl FnOnce(&mut IndexWriter, &Self) -> tantivy::Result<T> + Send + 'static,
    ) -> Result<T, SearchError> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let mut writer: IndexWriter = loop {
                match this.index.writer_with_num_threads(threads, memory) {
                    Ok(writer) => break writer,
                    Err(tantivy::TantivyError::LockFailure(..)) if started.elapsed() < LOCK_WAIT => {
                        std::thread::sleep(LOCK_POLL);
                    }
                    Err(err) => return Err(SearchError::Unavailable(err.to_string())),
                }
            };
            let changed = change(&mut writer, &this).map_err(failed)?;
            writer.commit().map_err(failed)?;
            writer.wait_merging_threads().map_err(failed)?;
            this.reader.reload().map_err(failed)?;
            Ok(changed)
        })
        .await
        .map_err(failed)?
    }

    /// Adds `documents`, each replacing its asset's earlier one. Each document is made
    /// ready while the writer's threads index the ones before it.
    fn add_all(&self, writer: &mut IndexWriter, documents: &[AssetDocument]) -> tantivy::Result<()> {
        for document in documents {
            let doc = self.to_tantivy(document).map_err(|e| tantivy::TantivyError::InvalidArgument(e.to_string()))?;
            writer.delete_term(Term::from_field_text(self.fields.asset_id, document.asset_id.as_str()));
            writer.add_document(doc)?;
        }
        Ok(())
    }

    fn kind_field(&self, kind: AnalysisKind) -> Field {
        self.kinds.iter().find(|(k, _)| *k == kind).map(|(_, f)| *f).expect("every kind has a field")
    }

    fn to_tantivy(&self, document: &AssetDocument) -> Result<TantivyDocument, SearchError> {
        let f = self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.asset_id, &document.asset_id);
        doc.add_text(f.filename, &document.filename);
        doc.add_text(f.all, &document.filename);
        doc.add_text(f.kind_type, document.asset_type.as_str());
        doc.add_facet(f.facets, tantivy::schema::Facet::from_path(["type", document.asset_type.as_str()]));
        if let Some(group) = &document.group {
            doc.add_text(f.group, group);
            doc.add_facet(f.facets, tantivy::schema::Facet::from_path(["group", group.as_str()]));
        }
        for (key, value) in &document.attributes {
            // "key value" words in order: `attributes.key:value` is the phrase "key value".
            doc.add_text(f.attributes, format!("{key} {value}"));
            doc.add_text(f.all, value);
        }
        for (kind, names) in &document.names {
            let field = self.kind_field(*kind);
            if !names.is_empty() {
                doc.add_facet(f.facets, tantivy::schema::Facet::from_path(["kind", kind.as_str()]));
            }
            for name in names {
                doc.add_text(field, &name.name);
                doc.add_text(f.all, &name.name);
                if let Some(facet) = facet_of(*kind) {
                    doc.add_facet(f.facets, tantivy::schema::Facet::from_path([facet, name.name.as_str()]));
                }
            }
        }
        doc.add_text(f.stored, serde_json::to_string(document).map_err(failed)?);
        Ok(doc)
    }

    /// The fields a term of this query field searches.
    fn fields_for(&self, field: Option<&QueryField>, kinds: &[AnalysisKind]) -> Vec<Field> {
        match field {
            None if kinds.is_empty() => vec![self.fields.all],
            None => kinds.iter().map(|k| self.kind_field(*k)).collect(),
            Some(QueryField::Kind(AnalysisKind::FaceMatch)) => {
                vec![self.kind_field(AnalysisKind::FaceMatch), self.kind_field(AnalysisKind::Face)]
            }
            Some(QueryField::Kind(kind)) => vec![self.kind_field(*kind)],
            Some(QueryField::Filename) => vec![self.fields.filename],
            Some(QueryField::Group) => vec![self.fields.group],
            Some(QueryField::Type) => vec![self.fields.kind_type],
            Some(QueryField::Attribute(_)) => vec![self.fields.attributes],
        }
    }

    fn translate(&self, query: &Query, kinds: &[AnalysisKind]) -> Result<Box<dyn TantivyQuery>, SearchError> {
        let any = |queries: Vec<Box<dyn TantivyQuery>>| -> Box<dyn TantivyQuery> {
            if queries.len() == 1 {
                queries.into_iter().next().expect("one")
            } else {
                Box::new(BooleanQuery::new(queries.into_iter().map(|q| (Occur::Should, q)).collect()))
            }
        };
        Ok(match query {
            Query::All => Box::new(AllQuery),
            Query::Word { field, word, prefix } => {
                let mut words = vec![word.clone()];
                if let Some(QueryField::Attribute(key)) = field {
                    words.insert(0, key.clone());
                }
                let fields = self.fields_for(field.as_ref(), kinds);
                let per_field = fields.into_iter().map(|f| -> Result<Box<dyn TantivyQuery>, SearchError> {
                    if words.len() > 1 {
                        return Ok(Box::new(PhraseQuery::new(
                            words.iter().map(|w| Term::from_field_text(f, w)).collect(),
                        )));
                    }
                    Ok(if *prefix {
                        // Words hold only letters and digits: nothing in them needs escaping.
                        Box::new(RegexQuery::from_pattern(&format!("{word}.*"), f).map_err(failed)?)
                    } else {
                        Box::new(TermQuery::new(Term::from_field_text(f, word), IndexRecordOption::WithFreqs))
                    })
                });
                any(per_field.collect::<Result<_, _>>()?)
            }
            Query::Phrase { field, words } => {
                let mut words = words.clone();
                if let Some(QueryField::Attribute(key)) = field {
                    words.insert(0, key.clone());
                }
                let fields = self.fields_for(field.as_ref(), kinds);
                any(fields
                    .into_iter()
                    .map(|f| -> Box<dyn TantivyQuery> {
                        Box::new(PhraseQuery::new(words.iter().map(|w| Term::from_field_text(f, w)).collect()))
                    })
                    .collect())
            }
            Query::And(all) => Box::new(BooleanQuery::new(
                all.iter().map(|q| Ok((Occur::Must, self.translate(q, kinds)?))).collect::<Result<_, SearchError>>()?,
            )),
            Query::Or(all) => Box::new(BooleanQuery::new(
                all.iter()
                    .map(|q| Ok((Occur::Should, self.translate(q, kinds)?)))
                    .collect::<Result<_, SearchError>>()?,
            )),
            Query::Not(inner) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, Box::new(AllQuery) as Box<dyn TantivyQuery>),
                (Occur::MustNot, self.translate(inner, kinds)?),
            ])),
            Query::Similar(assets) if assets.is_empty() => Box::new(EmptyQuery),
            // Each asset scores its weight, whatever its words.
            Query::Similar(assets) => Box::new(BooleanQuery::new(
                assets
                    .iter()
                    .map(|(asset_id, weight)| {
                        let term = Term::from_field_text(self.fields.asset_id, asset_id.as_str());
                        let one = TermQuery::new(term, IndexRecordOption::Basic);
                        (Occur::Should, Box::new(ConstScoreQuery::new(Box::new(one), *weight)) as Box<dyn TantivyQuery>)
                    })
                    .collect(),
            )),
        })
    }

    /// The request's query with its filters (types, group, kinds) as required clauses.
    fn full_query(&self, request: &SearchRequest) -> Result<Box<dyn TantivyQuery>, SearchError> {
        let facet = |path: [&str; 2]| -> Box<dyn TantivyQuery> {
            let term = Term::from_facet(self.fields.facets, &tantivy::schema::Facet::from_path(path));
            Box::new(TermQuery::new(term, IndexRecordOption::Basic))
        };
        let one_of = |clauses: Vec<Box<dyn TantivyQuery>>| -> Box<dyn TantivyQuery> {
            Box::new(BooleanQuery::new(clauses.into_iter().map(|q| (Occur::Should, q)).collect()))
        };
        let mut clauses = vec![(Occur::Must, self.translate(&request.query, &request.kinds)?)];
        if !request.types.is_empty() {
            clauses.push((Occur::Must, one_of(request.types.iter().map(|t| facet(["type", t.as_str()])).collect())));
        }
        if let Some(group) = &request.group {
            clauses.push((Occur::Must, facet(["group", group.as_str()])));
        }
        if !request.kinds.is_empty() {
            clauses.push((Occur::Must, one_of(request.kinds.iter().map(|k| facet(["kind", k.as_str()])).collect())));
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }
}

/// A rebuild's indexing threads: one per core, as many as its memory allows.
fn bulk_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()).min(BULK_THREADS)
}

#[async_trait]
impl SearchIndex for TantivyIndex {
    async fn upsert(&self, document: AssetDocument) -> Result<(), SearchError> {
        let doc = self.to_tantivy(&document)?;
        self.change(move |writer, this| {
            writer.delete_term(Term::from_field_text(this.fields.asset_id, document.asset_id.as_str()));
            writer.add_document(doc)?;
            Ok(())
        })
        .await
    }

    async fn upsert_many(&self, documents: Vec<AssetDocument>) -> Result<(), SearchError> {
        self.change_with(bulk_threads(), BULK_MEMORY, move |writer, this| this.add_all(writer, &documents)).await
    }

    async fn upsert_batches(&self, mut batches: DocumentBatches) -> Result<(), SearchError> {
        // A writer takes in batches for as long as they keep coming, up to a turn: it merges
        // segments in the background while it indexes, where a writer per batch would wait
        // for its merges before the next batch began. Between turns, and while the rebuild
        // is slow to make the next batch, the lock is free for changes as assets finish.
        while let Some(first) = batches.next().await {
            let (rest, ended) = self
                .change_with(bulk_threads(), BULK_MEMORY, move |writer, this| {
                    this.add_all(writer, &first)?;
                    let runtime = tokio::runtime::Handle::current();
                    let opened = Instant::now();
                    while opened.elapsed() < BULK_TURN {
                        match runtime.block_on(tokio::time::timeout(BULK_GAP, batches.next())) {
                            Ok(Some(batch)) => this.add_all(writer, &batch)?,
                            Ok(None) => return Ok((batches, true)),
                            Err(_) => break,
                        }
                    }
                    Ok((batches, false))
                })
                .await?;
            if ended {
                break;
            }
            batches = rest;
            // Long enough for a change waiting on the lock to find it free.
            tokio::time::sleep(LOCK_POLL * 2).await;
        }
        Ok(())
    }

    async fn remove(&self, asset_id: &AssetId) -> Result<(), SearchError> {
        let asset_id = asset_id.to_owned();
        self.change(move |writer, this| {
            writer.delete_term(Term::from_field_text(this.fields.asset_id, asset_id.as_str()));
            Ok(())
        })
        .await
    }

    async fn clear(&self) -> Result<(), SearchError> {
        self.change(|writer, _| writer.delete_all_documents().map(|_| ())).await
    }

    async fn search(&self, request: &SearchRequest) -> Result<SearchPage, SearchError> {
        let query = self.full_query(request)?;
        let this = self.clone();
        let (limit, offset) = (request.page_size.max(1), request.offset);
        tokio::task::spawn_blocking(move || {
            let searcher = this.reader.searcher();
            let facets = FacetCounter { field: "facets" };
            let top = TopDocs::with_limit(limit).and_offset(offset).order_by_score();
            let (top, total, segments) = searcher.search(&*query, &(top, Count, facets)).map_err(failed)?;
            let mut hits = Vec::with_capacity(top.len());
            for (score, address) in top {
                let stored: TantivyDocument = searcher.doc(address).map_err(failed)?;
                let json = stored.get_first(this.fields.stored).and_then(|v| v.as_str()).unwrap_or_default();
                let document: AssetDocument = serde_json::from_str(json).map_err(failed)?;
                hits.push((score, document));
            }
            let facets = facet_counts::top_values(&segments);
            Ok(SearchPage { total: total as u64, hits, facets })
        })
        .await
        .map_err(failed)?
    }

    fn needs_rebuild(&self) -> bool {
        self.made_anew
    }
}
