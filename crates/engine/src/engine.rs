//! The [`Engine`]: one project root, its configuration, its embedder and its
//! index, shared by every front end.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use amanmcp_chunker::{ChunkOptions, Chunker, EstimateCounter, TokenCounter};
use amanmcp_embed::select::{select_embedder, Selection};
use amanmcp_embed::Embedder;
use amanmcp_index::{index_exists, EmbeddingSpec, IndexOptions, IndexReader, IndexWriter};
use amanmcp_scanner::{PathFilter, ScanOptions};
use serde::Serialize;

use crate::paths::confine;
use crate::{ChunkText, Config, EngineError, Status};

/// Name of the index directory inside a project.
pub const INDEX_DIR: &str = ".amanmcp";

/// Which embedder serves this engine and why, for status and every result.
#[derive(Debug, Clone, Serialize)]
pub struct BackendInfo {
    /// `candle`, `static`, `ollama`, `openai` or `none`.
    pub backend: String,
    pub model: Option<String>,
    pub dims: Option<usize>,
    pub device: Option<String>,
    /// True when a better backend was wanted but not available.
    pub degraded: bool,
    pub reason: Option<String>,
    /// Better backends skipped by the fallback chain, with the reason.
    pub skipped: Vec<(String, String)>,
}

/// A project opened for indexing and search. `Send + Sync`: share it as
/// `Arc<Engine>`. Methods block; async callers use `spawn_blocking`.
pub struct Engine {
    pub(crate) root: PathBuf,
    pub(crate) index_dir: PathBuf,
    pub(crate) config: Config,
    pub(crate) embedder: Option<Arc<dyn Embedder>>,
    pub(crate) backend: BackendInfo,
    pub(crate) chunker: Chunker,
    pub(crate) scan_options: ScanOptions,
    path_filter: RwLock<Option<PathFilter>>,
    reader: RwLock<Option<Arc<IndexReader>>>,
    writer: Mutex<Option<IndexWriter>>,
    stale: AtomicBool,
}

impl Engine {
    /// Opens the project at `root`: resolves the embedder (the fallback
    /// chain runs here, and an explicitly configured backend that fails is
    /// an error) and opens the index if one exists. Does not index.
    pub fn open(root: &Path, config: Config) -> Result<Engine, EngineError> {
        let root = root
            .canonicalize()
            .map_err(|e| EngineError::io(format!("cannot open project {}", root.display()), e))?;
        if !root.is_dir() {
            return Err(EngineError::Config(format!(
                "{} is not a directory",
                root.display()
            )));
        }
        let selection = select_embedder(&config.embedder_config())?;
        Self::with_selection(root, config, selection)
    }

    /// Like [`Engine::open`] with an embedder chosen by the caller (tests,
    /// benchmarks); `None` means BM25 only.
    pub fn open_with_embedder(
        root: &Path,
        config: Config,
        embedder: Option<Arc<dyn Embedder>>,
    ) -> Result<Engine, EngineError> {
        let root = root
            .canonicalize()
            .map_err(|e| EngineError::io(format!("cannot open project {}", root.display()), e))?;
        let backend = embedder
            .as_ref()
            .map(|e| e.info().backend.clone())
            .unwrap_or_else(|| "none".into());
        let selection = Selection {
            degraded: embedder.is_none(),
            reason: embedder
                .is_none()
                .then(|| "no embedder: BM25 only".to_string()),
            embedder,
            backend,
            skipped: Vec::new(),
        };
        Self::with_selection(root, config, selection)
    }

    fn with_selection(
        root: PathBuf,
        config: Config,
        selection: Selection,
    ) -> Result<Engine, EngineError> {
        let index_dir = root.join(INDEX_DIR);
        let embedder = selection.embedder.clone();
        let info = embedder.as_ref().map(|e| e.info().clone());
        let backend = BackendInfo {
            backend: selection.backend.clone(),
            model: info.as_ref().map(|i| i.model_id.clone()),
            dims: info.as_ref().map(|i| i.dims),
            device: info.as_ref().map(|i| i.device.clone()),
            degraded: selection.degraded,
            reason: selection.reason.clone(),
            skipped: selection.skipped.clone(),
        };
        let counter: Arc<dyn TokenCounter> = match &embedder {
            Some(e) => e.token_counter(),
            None => Arc::new(EstimateCounter),
        };
        let chunker = Chunker::new(
            ChunkOptions {
                max_tokens: config.max_chunk_tokens,
            },
            counter,
        );
        let scan_options = ScanOptions {
            max_file_size: config.max_file_size,
            ignore_patterns: config.ignore.clone(),
            ..ScanOptions::default()
        };
        let path_filter = RwLock::new(build_filter(&root, &scan_options));
        Ok(Engine {
            root,
            index_dir,
            config,
            embedder,
            backend,
            chunker,
            scan_options,
            path_filter,
            reader: RwLock::new(None),
            writer: Mutex::new(None),
            stale: AtomicBool::new(false),
        })
    }

    /// The canonical project root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<root>/.amanmcp`.
    pub fn index_dir(&self) -> &Path {
        &self.index_dir
    }

    /// The merged configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The embedder in use and why.
    pub fn backend(&self) -> &BackendInfo {
        &self.backend
    }

    /// Whether an index exists on disk.
    pub fn has_index(&self) -> bool {
        index_exists(&self.index_dir)
    }

    /// Marks the index as lagging the working tree (set by the server while
    /// it reconciles); reported as `stale` in results.
    pub fn set_stale(&self, stale: bool) {
        self.stale.store(stale, Ordering::SeqCst);
    }

    pub(crate) fn is_stale_flag(&self) -> bool {
        self.stale.load(Ordering::SeqCst)
    }

    /// Whether a file event at `abs_path` concerns an indexable file (same
    /// rules as the scanner).
    pub fn is_indexable(&self, abs_path: &Path) -> bool {
        match self
            .path_filter
            .read()
            .ok()
            .as_ref()
            .and_then(|g| g.as_ref())
        {
            Some(f) => f.is_indexable(abs_path),
            None => abs_path.starts_with(&self.root) && !abs_path.starts_with(&self.index_dir),
        }
    }

    /// Re-reads ignore files (`.gitignore`, `.amanmcpignore`, …) after they
    /// changed; a full index run does this itself.
    pub fn reload_ignore_rules(&self) {
        let fresh = build_filter(&self.root, &self.scan_options);
        if let Ok(mut g) = self.path_filter.write() {
            *g = fresh;
        }
    }

    /// Scans one file with exactly the rules of the full scan (ignore
    /// rules, size, binary, UTF-8, generated content); `None` when it is not
    /// indexable now.
    pub(crate) fn scan_one(&self, abs: &Path) -> Option<amanmcp_scanner::ScannedFile> {
        let guard = self.path_filter.read().ok()?;
        match guard.as_ref()?.scan_file(abs) {
            Ok(f) => Some(f),
            Err(reason) => {
                tracing::debug!(path = %abs.display(), %reason, "not indexable");
                None
            }
        }
    }

    /// The identity vectors are stored under for the current embedder.
    pub(crate) fn embedding_spec(&self) -> Option<EmbeddingSpec> {
        self.embedder.as_ref().map(|e| {
            let i = e.info();
            EmbeddingSpec {
                backend: i.backend.clone(),
                model_id: i.model_id.clone(),
                dims: i.dims,
            }
        })
    }

    pub(crate) fn index_options(&self) -> IndexOptions {
        IndexOptions {
            lock_timeout: self.config.lock_timeout,
            cache_path: self.config.cache_path.clone(),
            ..IndexOptions::default()
        }
    }

    /// The writer, opened on first use and kept (with its lock) for the
    /// life of the engine so a serving process keeps the index fresh cheaply.
    pub(crate) fn writer(&self) -> Result<MutexGuard<'_, Option<IndexWriter>>, EngineError> {
        let mut guard = self
            .writer
            .lock()
            .map_err(|_| EngineError::Busy("index writer poisoned by an earlier panic".into()))?;
        if guard.is_none() {
            *guard = Some(IndexWriter::open(&self.index_dir, &self.index_options())?);
        }
        Ok(guard)
    }

    /// Releases the writer lock so other processes may write.
    pub fn release_writer(&self) {
        if let Ok(mut g) = self.writer.lock() {
            *g = None;
        }
    }

    /// A reader, opened on first use; `NoIndex` when there is none yet.
    pub(crate) fn reader(&self) -> Result<Arc<IndexReader>, EngineError> {
        if let Ok(g) = self.reader.read() {
            if let Some(r) = g.as_ref() {
                r.refresh()?;
                return Ok(r.clone());
            }
        }
        if !self.has_index() {
            return Err(EngineError::NoIndex(self.root.clone()));
        }
        let reader = Arc::new(IndexReader::open(&self.index_dir)?);
        if let Ok(mut g) = self.reader.write() {
            *g = Some(reader.clone());
        }
        Ok(reader)
    }

    /// Source text of a chunk by id.
    pub fn get_chunk(&self, id: &str) -> Result<Option<ChunkText>, EngineError> {
        let reader = self.reader()?;
        Ok(reader.chunk(id)?.map(|h| ChunkText {
            id: Some(h.id),
            path: h.path,
            start_line: h.start_line,
            end_line: h.end_line,
            symbol: h.symbol,
            kind: Some(h.kind.to_string()),
            language: Some(h.language.to_string()),
            text: h.content,
        }))
    }

    /// Lines `start_line..=end_line` (1-based) of a file inside the root,
    /// read from disk. Paths escaping the root are refused.
    pub fn read_range(
        &self,
        path: &str,
        start_line: u32,
        end_line: u32,
    ) -> Result<ChunkText, EngineError> {
        if start_line == 0 || end_line < start_line {
            return Err(EngineError::InvalidQuery(format!(
                "bad line range {start_line}-{end_line} (1-based, start <= end)"
            )));
        }
        let (abs, rel) = confine(&self.root, path)?;
        if abs.starts_with(&self.index_dir) {
            return Err(EngineError::PathOutsideRoot(path.to_string()));
        }
        let text = amanmcp_scanner::read_text(&abs)
            .map_err(|reason| EngineError::InvalidQuery(format!("{path}: {reason}")))?;
        let lines: Vec<&str> = text.lines().collect();
        if start_line as usize > lines.len() {
            return Err(EngineError::InvalidQuery(format!(
                "{path} has {} lines; start_line {start_line} is past the end",
                lines.len()
            )));
        }
        let end = (end_line as usize).min(lines.len());
        let body = lines[start_line as usize - 1..end].join("\n");
        Ok(ChunkText {
            id: None,
            path: rel,
            start_line,
            end_line: end as u32,
            symbol: None,
            kind: None,
            language: None,
            text: body,
        })
    }

    /// Counts, backend and freshness for `status` / `index_status`.
    pub fn status(&self) -> Result<Status, EngineError> {
        let mut status = self.unbuilt_status();
        status.indexed = self.has_index();
        if !status.indexed {
            return Ok(status);
        }
        self.fill_counts(&mut status)?;
        Ok(status)
    }

    /// Status without touching the index (while the first build is still
    /// being written): backend and paths, no counts.
    pub fn unbuilt_status(&self) -> Status {
        let b = &self.backend;
        Status {
            root: self.root.display().to_string(),
            index_dir: self.index_dir.display().to_string(),
            indexed: false,
            files: 0,
            chunks: 0,
            languages: Default::default(),
            backend: b.backend.clone(),
            model: b.model.clone(),
            dims: b.dims,
            device: b.device.clone(),
            degraded: b.degraded,
            degraded_reason: b.reason.clone(),
            skipped_backends: b.skipped.clone(),
            pending_embeddings: 0,
            index_bytes: 0,
            last_update: None,
            stale_files: None,
        }
    }

    fn fill_counts(&self, status: &mut Status) -> Result<(), EngineError> {
        let stats = self.reader()?.stats()?;
        status.files = stats.files;
        status.chunks = stats.chunks;
        status.languages = stats.languages.into_iter().collect();
        status.pending_embeddings = stats.pending_embeddings;
        status.index_bytes = stats.bytes_on_disk;
        status.last_update = stats.updated_at;
        if let (Some(stored), Some(current)) = (&stats.embedding, self.embedding_spec()) {
            if stored != &current {
                status.degraded = true;
                status.degraded_reason = Some(format!(
                    "index vectors come from {} ({}d), the current embedder is {} ({}d): run `amanmcp index` to re-embed",
                    stored.model_id, stored.dims, current.model_id, current.dims
                ));
            }
        }
        Ok(())
    }

    /// Counts files changed on disk since the last index run (a scan and a
    /// hash comparison; no writes).
    pub fn stale_files(&self) -> Result<u64, EngineError> {
        let reader = self.reader()?;
        let known = reader.files()?;
        let report = amanmcp_scanner::scan(&self.root, &self.scan_options)
            .map_err(|e| EngineError::Scan(e.to_string()))?;
        let mut changed = 0u64;
        let mut seen = 0u64;
        for f in &report.files {
            match known.get(&f.path) {
                Some(r) if r.hash == f.hash => seen += 1,
                Some(_) => {
                    seen += 1;
                    changed += 1
                }
                None => changed += 1,
            }
        }
        Ok(changed + (known.len() as u64).saturating_sub(seen))
    }
}

fn build_filter(root: &Path, opts: &ScanOptions) -> Option<PathFilter> {
    match PathFilter::new(root, opts) {
        Ok(f) => Some(f),
        Err(e) => {
            tracing::warn!("file filter unavailable, watcher events are not filtered: {e}");
            None
        }
    }
}
