//! The tantivy BM25 store (derived from SQLite): schema, documents, queries.

use crate::error::{IndexError, IoContext};
use crate::filters::CidSet;
use crate::ranking;
use crate::rerank;
use crate::rows::ChunkRow;
use crate::tokenizer;
use amanmcp_chunker::abbreviations;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use tantivy::collector::{FilterCollector, TopDocs};
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STRING,
};
use tantivy::{Index, TantivyDocument, Term};

/// Field handles of the BM25 schema.
#[derive(Clone, Copy)]
pub(crate) struct Fields {
    pub cid: Field,
    pub file: Field,
    pub path: Field,
    pub symbol: Field,
    pub qual: Field,
    pub doc: Field,
    pub body: Field,
}

/// Tags BM25 commits; bumped whenever tokenization changes (v2: abbreviation
/// expansion), which makes existing indexes rebuild their BM25 side.
const ANALYZER_TAG: &str = "a2:";

/// Query-time weight of each text field (symbol and path above body).
const FIELD_WEIGHTS: [(FieldName, f32); 5] = [
    (FieldName::Symbol, 3.0),
    (FieldName::Qual, 2.0),
    (FieldName::Path, 1.5),
    (FieldName::Doc, 1.0),
    (FieldName::Body, 1.0),
];

#[derive(Clone, Copy)]
enum FieldName {
    Symbol,
    Qual,
    Path,
    Doc,
    Body,
}

fn text(analyzer: &str) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analyzer)
            .set_index_option(IndexRecordOption::WithFreqs),
    )
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let fields = Fields {
        cid: b.add_u64_field("cid", INDEXED | FAST),
        file: b.add_text_field("file", STRING),
        path: b.add_text_field("path", text(tokenizer::CODE_STEM)),
        symbol: b.add_text_field("symbol", text(tokenizer::CODE_STEM)),
        qual: b.add_text_field("qual", text(tokenizer::CODE_STEM)),
        doc: b.add_text_field("doc", text(tokenizer::CODE_STEM)),
        body: b.add_text_field("body", text(tokenizer::CODE_STEM)),
    };
    (b.build(), fields)
}

/// An opened tantivy index with our analyzers registered.
pub(crate) struct Bm25Index {
    pub index: Index,
    pub fields: Fields,
}

impl Bm25Index {
    /// Opens the index in `dir`, creating it when absent. A damaged index is
    /// reported as `None` so the writer can recreate it from SQLite.
    pub fn open_or_create(dir: &Path) -> Result<(Bm25Index, bool), IndexError> {
        std::fs::create_dir_all(dir).at(dir)?;
        let (schema, fields) = schema();
        let exists = dir.join("meta.json").exists();
        let mut fresh = false;
        let index = if exists {
            match Index::open_in_dir(dir) {
                Ok(index) if index.schema() == schema => index,
                _ => {
                    tracing::warn!(dir = %dir.display(), "BM25 index unreadable or outdated; recreating it");
                    std::fs::remove_dir_all(dir).at(dir)?;
                    std::fs::create_dir_all(dir).at(dir)?;
                    fresh = true;
                    Index::create_in_dir(dir, schema)?
                }
            }
        } else {
            fresh = true;
            Index::create_in_dir(dir, schema)?
        };
        register(&index);
        Ok((Bm25Index { index, fields }, fresh))
    }

    /// Opens an existing index for reading.
    pub fn open(dir: &Path) -> Result<Bm25Index, IndexError> {
        let (_, fields) = schema();
        let index = Index::open_in_dir(dir)?;
        register(&index);
        Ok(Bm25Index { index, fields })
    }

    /// The SQLite data generation the last commit reflects.
    /// `None` also when the commit was made by another analyzer version,
    /// so the writer rebuilds BM25 from SQLite after an upgrade.
    pub fn committed_generation(&self) -> Result<Option<i64>, IndexError> {
        let metas = self.index.load_metas()?;
        Ok(metas.payload.and_then(|p| {
            p.strip_prefix(ANALYZER_TAG)
                .and_then(|gen| gen.parse().ok())
        }))
    }

    /// The commit payload recording `data_gen` under this analyzer version.
    pub fn payload(data_gen: i64) -> String {
        format!("{ANALYZER_TAG}{data_gen}")
    }

    /// The document for one chunk.
    pub fn document(&self, row: &ChunkRow) -> TantivyDocument {
        let f = &self.fields;
        let mut d = TantivyDocument::default();
        d.add_u64(f.cid, row.cid as u64);
        d.add_text(f.file, &row.path);
        d.add_text(f.path, &row.path);
        if let Some(s) = &row.symbol {
            d.add_text(f.symbol, s);
        }
        for s in [&row.qualified, &row.scope, &row.signature]
            .into_iter()
            .flatten()
        {
            d.add_text(f.qual, s);
        }
        let (doc, body) = split_comments(&row.content, row.language.is_doc());
        if !doc.is_empty() {
            d.add_text(f.doc, &doc);
        }
        if !body.is_empty() {
            d.add_text(f.body, &body);
        }
        d
    }

    /// Query matching any analyzed term of `text` in any field (OR semantics,
    /// BM25-scored, field-weighted). Prose words of a sentence query weigh
    /// less in the symbol fields than identifiers do; its stop words are
    /// matched against symbol names only (`from_std`, `is_empty`, `into_inner`).
    /// `None` when the text has no terms.
    pub fn query(&self, text: &str) -> Result<Option<Box<dyn Query>>, IndexError> {
        let short = ranking::is_short_query(text);
        let words: Vec<(&str, bool)> = text
            .split_whitespace()
            .map(|w| (w, short || ranking::is_identifier_like(w)))
            .collect();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (name, weight) in FIELD_WEIGHTS {
            let field = match name {
                FieldName::Symbol => self.fields.symbol,
                FieldName::Qual => self.fields.qual,
                FieldName::Path => self.fields.path,
                FieldName::Doc => self.fields.doc,
                FieldName::Body => self.fields.body,
            };
            let mut analyzer = self.index.tokenizer_for_field(field)?;
            let mut seen: HashMap<String, f32> = HashMap::new();
            for (word, code) in &words {
                let stop = !*code && is_stop_word(word);
                if stop && !matches!(name, FieldName::Symbol) {
                    continue;
                }
                let w = if stop {
                    STOP_SYMBOL_WEIGHT
                } else if *code {
                    weight
                } else {
                    prose_weight(name, weight)
                };
                let mut stream = analyzer.token_stream(word);
                while let Some(tok) = stream.next() {
                    let best = seen.entry(tok.text.clone()).or_insert(0.0);
                    *best = best.max(w);
                }
            }
            let mut terms: Vec<(String, f32)> = seen.into_iter().collect();
            terms.sort_by(|a, b| a.0.cmp(&b.0));
            for (tok, w) in terms {
                let term = Term::from_field_text(field, &tok);
                let q: Box<dyn Query> =
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs));
                clauses.push((Occur::Should, Box::new(BoostQuery::new(q, w))));
            }
        }
        if clauses.is_empty() {
            return Ok(None);
        }
        Ok(Some(Box::new(BooleanQuery::new(clauses))))
    }
}

impl Bm25Index {
    /// The query's distinct analyzed terms (stop words of a sentence
    /// dropped, as in [`Bm25Index::query`]) with their IDF in code bodies,
    /// for the reranker's coverage feature.
    pub fn query_terms(
        &self,
        searcher: &tantivy::Searcher,
        text: &str,
    ) -> Result<Vec<(String, f32)>, IndexError> {
        let short = ranking::is_short_query(text);
        let mut analyzer = self.index.tokenizer_for_field(self.fields.body)?;
        let mut terms: Vec<String> = Vec::new();
        for word in text.split_whitespace() {
            if !short && !ranking::is_identifier_like(word) && is_stop_word(word) {
                continue;
            }
            let mut stream = analyzer.token_stream(word);
            while let Some(tok) = stream.next() {
                if !terms.contains(&tok.text) {
                    terms.push(tok.text.clone());
                }
            }
        }
        let n = searcher.num_docs();
        terms
            .into_iter()
            .map(|t| {
                let df = searcher.doc_freq(&Term::from_field_text(self.fields.body, &t))?;
                Ok((t, rerank::idf(df, n)))
            })
            .collect()
    }

    /// The analyzed forms of each part of a definition's name (`try_recv` →
    /// {`tri`, `try`}, {`recv`, `receiv`}), for the reranker's name match.
    pub fn name_parts(&self, name: &str) -> Result<Vec<HashSet<String>>, IndexError> {
        let mut analyzer = self.index.tokenizer_for_field(self.fields.body)?;
        let mut out = Vec::new();
        for unit in tokenizer::name_units(name) {
            // A part of a name spells out like one inside an identifier
            // (`le` → little), which the analyzer alone cannot know.
            let mut text = unit.clone();
            for word in abbreviations::expand(&unit, true).into_iter().flatten() {
                text.push(' ');
                text.push_str(word);
            }
            let mut forms = HashSet::new();
            let mut stream = analyzer.token_stream(&text);
            while let Some(tok) = stream.next() {
                forms.insert(tok.text.clone());
            }
            if !forms.is_empty() {
                out.push(forms);
            }
        }
        Ok(out)
    }

    /// Every analyzed term of a chunk's text, name and path.
    pub fn chunk_terms(&self, parts: &[&str]) -> Result<HashSet<String>, IndexError> {
        let mut analyzer = self.index.tokenizer_for_field(self.fields.body)?;
        let mut out = HashSet::new();
        for part in parts {
            let mut stream = analyzer.token_stream(part);
            while let Some(tok) = stream.next() {
                if !out.contains(&tok.text) {
                    out.insert(tok.text.clone());
                }
            }
        }
        Ok(out)
    }
}

/// Weight of a prose (non-identifier) query word in `field`: symbol-like
/// fields lose their premium, since an English word that happens to equal
/// a short symbol (`new`, `display`) is weak evidence of that definition.
fn prose_weight(field: FieldName, weight: f32) -> f32 {
    match field {
        FieldName::Symbol | FieldName::Qual => PROSE_SYMBOL_WEIGHT.min(weight),
        _ => weight,
    }
}

/// Symbol/scope field weight for prose words of a sentence query.
const PROSE_SYMBOL_WEIGHT: f32 = 2.5;

/// Symbol-field weight of a sentence query's stop word: in a name, `from`,
/// `into`, `is` and `as` carry meaning; in prose and bodies they are noise.
const STOP_SYMBOL_WEIGHT: f32 = 2.0;

/// English function words of sentence queries, matched only against symbol
/// names (never dropped from identifiers).
fn is_stop_word(word: &str) -> bool {
    const STOP: [&str; 40] = [
        "a", "an", "the", "of", "to", "in", "on", "at", "by", "for", "from", "with", "into", "and",
        "or", "is", "are", "be", "been", "was", "were", "it", "its", "this", "that", "these",
        "those", "as", "if", "which", "when", "will", "can", "may", "has", "have", "than", "then",
        "there", "such",
    ];
    let w = word
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_ascii_lowercase();
    STOP.contains(&w.as_str())
}

fn register(index: &Index) {
    for (name, analyzer) in tokenizer::analyzers() {
        index.tokenizers().register(name, analyzer);
    }
}

/// Top `n` (cid, score) for `query`, restricted to `allowed` cids when given.
pub(crate) fn search(
    searcher: &tantivy::Searcher,
    query: &dyn Query,
    n: usize,
    allowed: Option<Arc<CidSet>>,
) -> Result<Vec<(i64, f32)>, IndexError> {
    let top = TopDocs::with_limit(n.max(1));
    let docs = match allowed {
        None => searcher.search(query, &top)?,
        Some(set) => {
            let filter = FilterCollector::new(
                "cid".to_string(),
                move |cid: u64| set.contains(cid as i64),
                top,
            );
            searcher.search(query, &filter)?
        }
    };
    let mut out = Vec::with_capacity(docs.len());
    let mut columns = std::collections::HashMap::new();
    for (score, addr) in docs {
        let column = match columns.entry(addr.segment_ord) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(
                searcher
                    .segment_reader(addr.segment_ord)
                    .fast_fields()
                    .u64("cid")?,
            ),
        };
        if let Some(cid) = column.first(addr.doc_id) {
            out.push((cid as i64, score));
        }
    }
    Ok(out)
}

/// Splits a chunk into comment/doc text and code. Prose formats are all doc.
pub(crate) fn split_comments(content: &str, is_doc: bool) -> (String, String) {
    if is_doc {
        return (content.to_string(), String::new());
    }
    let mut doc = String::new();
    let mut body = String::new();
    let mut in_block = false;
    for line in content.lines() {
        let t = line.trim_start();
        let is_comment = in_block
            || t.starts_with("//")
            || t.starts_with('#')
                && !t.starts_with("#[")
                && !t.starts_with("#include")
                && !t.starts_with("#define")
            || t.starts_with("/*")
            || t.starts_with("* ")
            || t == "*"
            || t.starts_with("--")
            || t.starts_with("\"\"\"")
            || t.starts_with("'''");
        if t.starts_with("/*") && !t.contains("*/") {
            in_block = true;
        } else if in_block && t.contains("*/") {
            in_block = false;
        } else if (t.starts_with("\"\"\"") || t.starts_with("'''")) && t.len() >= 3 {
            let quote = &t[..3];
            if t[3..].find(quote).is_none() {
                in_block = !in_block;
            }
        } else if in_block && (t.ends_with("\"\"\"") || t.ends_with("'''")) {
            in_block = false;
        }
        let target = if is_comment { &mut doc } else { &mut body };
        target.push_str(line);
        target.push('\n');
    }
    (doc, body)
}
