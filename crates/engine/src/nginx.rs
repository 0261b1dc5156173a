//! Reads nginx trees as nginx does: from an entry point, each statement dispatched in its
//! context, each `include` resolved against the conf prefix and read in the including context.

use crate::hash::FastMap;
use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use nginx_syntax::directives::{Context, Directives, DispatchError};
use nginx_syntax::{Directive, ParsedFile, Span, Terminator};
use ngxlint_vfs::{has_glob_chars, Mapping, Vfs, VfsError};

use crate::diagnostic::{Diagnostic, Severity};
use crate::files::{FileId, FileKind, Files};

mod deferred;
mod modules;
mod plan;

pub use plan::Plan;

pub use deferred::{check_deferred, Checked};

/// Deepest chain of includes followed (nginx has none: a self-include loops until it runs out of
/// file descriptors).
pub const MAX_INCLUDE_DEPTH: usize = 64;

/// One nginx configuration read from an entry point (or a file no entry point includes).
#[derive(Clone, Debug)]
pub struct NginxTree {
    /// The file it starts from.
    pub main: FileId,
    /// The context its top level is read in: `Main` for an entry point, the evident context of
    /// a file no entry point includes.
    pub context: Context,
    /// The folder relative includes resolve against (nginx's conf_prefix).
    pub conf_prefix: PathBuf,
    /// Whether that folder is known: a main config's, or one that holds a main config the file
    /// sits below. A file no main config includes may be meant for any nginx prefix.
    pub prefix_known: bool,
    /// A file no main config includes, read alone: what its parent sets (inherited values,
    /// `load_module`, upstream groups, the `user`) is not known.
    pub fragment: bool,
    /// Indexes into the project's diagnostics emitted while reading this tree, in nginx's order.
    pub diagnostics: Vec<usize>,
}

/// Everything read on the nginx side.
#[derive(Debug, Default)]
pub struct NginxData {
    /// Each file read once, by id.
    pub parsed: FastMap<FileId, Arc<ParsedFile>>,
    /// The files each `include` read, keyed by (including file, offset of the `include` name).
    pub includes: FastMap<(FileId, u32), Vec<FileId>>,
    /// The trees, entry points first.
    pub trees: Vec<NginxTree>,
    /// What nginx's handlers refuse (a statement's head, an unknown variable), by file: rule
    /// findings there are left out, the refusal is the finding.
    pub refused: FastMap<FileId, Vec<Span>>,
}

impl NginxData {
    /// True when `span` lies in something nginx's handlers refuse.
    pub fn is_refused(&self, file: FileId, span: Span) -> bool {
        covered(&self.refused, file, span)
    }

    /// The files an `include` directive read.
    pub fn included(&self, file: FileId, include: &Directive) -> &[FileId] {
        crate::handlers::included(&self.includes, file, include)
    }
}

/// True when `span` lies in one of `file`'s spans in `spans` (what nginx's handlers refuse).
fn covered(spans: &FastMap<FileId, Vec<Span>>, file: FileId, span: Span) -> bool {
    spans
        .get(&file)
        .is_some_and(|v| v.iter().any(|r| r.start <= span.start && span.end <= r.end))
}

/// Up to this many files are read on one thread: threads cost more than a short list.
pub const READ_ALONE: usize = 64;

/// Files read and parsed by earlier runs, by canonical path, valid while the file's modification
/// time and size are unchanged. Editor buffers are never cached.
#[derive(Debug, Default)]
pub struct ParseCache {
    map: std::sync::Mutex<HashMap<PathBuf, Cached>>,
}

type Stamp = (std::time::SystemTime, u64);

/// A file as read and parsed, with the stamp it was read at.
type Cached = (Stamp, Arc<Vec<u8>>, Arc<ParsedFile>);

fn stamp(p: &Path) -> Option<Stamp> {
    let m = std::fs::metadata(p).ok()?;
    Some((m.modified().ok()?, m.len()))
}

/// Reads and parses a file, through the cache when there is one.
fn read_parse(
    vfs: &dyn Vfs,
    cache: Option<&ParseCache>,
    canonical: &Path,
) -> Result<(Arc<Vec<u8>>, Arc<ParsedFile>), VfsError> {
    let cache = cache.filter(|_| !vfs.is_overlaid(canonical));
    let st = cache.and_then(|_| stamp(canonical));
    if let (Some(c), Some(st)) = (cache, st) {
        if let Some((s, b, p)) = c.map.lock().ok().and_then(|m| m.get(canonical).cloned()) {
            if s == st {
                return Ok((b, p));
            }
        }
    }
    let bytes: Arc<Vec<u8>> = Arc::new(vfs.read_canonical(canonical)?);
    let parsed = Arc::new(nginx_syntax::parse(&bytes));
    if let (Some(c), Some(st)) = (cache, st) {
        if let Ok(mut m) = c.map.lock() {
            m.insert(canonical.to_path_buf(), (st, bytes.clone(), parsed.clone()));
        }
    }
    Ok((bytes, parsed))
}

/// A file as [`Loader::read_many`] read it.
#[derive(Debug)]
pub struct Loaded {
    /// The path to show.
    pub display: PathBuf,
    /// The local file.
    pub canonical: PathBuf,
    /// Its bytes.
    pub bytes: Arc<Vec<u8>>,
    /// The bytes read as nginx reads them.
    pub parsed: Arc<ParsedFile>,
    /// The reading walk's dispatching of the file, done on the reading thread (see [`Plan`]).
    pub plan: Option<Arc<Plan>>,
    /// What a search of the bytes found (see [`Files::add_scanned`]).
    pub scan: crate::files::Scan,
}

/// Collects diagnostics in emission order, once each.
#[derive(Debug, Default)]
pub struct Sink {
    /// In the order they were found.
    pub list: Vec<Diagnostic>,
    seen: HashSet<(FileId, u32, u32, &'static str, String)>,
}

impl Sink {
    /// Adds a diagnostic unless the same one is already there; returns its index.
    pub fn push(&mut self, d: Diagnostic) -> Option<usize> {
        let key = (d.file, d.span.start, d.span.end, d.code, d.message.clone());
        if !self.seen.insert(key) {
            return None;
        }
        self.list.push(d);
        Some(self.list.len() - 1)
    }
}

/// Reads nginx files through a [`Vfs`] into the shared tables.
pub struct Loader<'a> {
    /// Where files come from.
    pub vfs: &'a dyn Vfs,
    /// The directive table.
    pub directives: &'a Directives,
    /// The run's file table.
    pub files: &'a mut Files,
    /// The nginx side.
    pub data: &'a mut NginxData,
    /// The run's diagnostics.
    pub sink: &'a mut Sink,
    /// Files visited while walking trees.
    pub visited: FileSet,
    /// Read nginx's stock copy of a missing `fastcgi_params`, `mime.types`, ...
    pub stock_files: bool,
    /// Files read and parsed by earlier runs (a language server keeps one between changes).
    pub cache: Option<Arc<ParseCache>>,
    /// The directive handlers' checks (`crate::handlers`).
    pub checks: crate::handlers::Checker,
    /// The first `include` that read each file: (including file, offset of the include's name).
    pub included_by: FastMap<FileId, (FileId, u32)>,
    /// The plans of the files read by [`Loader::read_many`] (see [`Plan`]), by file id.
    plans: Vec<Option<Arc<Plan>>>,
    /// The file the tree being read starts from.
    tree_main: FileId,
    /// The tree being read is a file no main config includes.
    fragment: bool,
    stack: Vec<FileId>,
    prefix_known: bool,
    resolved: crate::hash::PathMap<FileId>,
    /// Server paths found by the automatic mapping, which depends on the tree being read (two
    /// stacks' `/etc/nginx/conf.d` are each their own folder): forgotten when the tree changes.
    resolved_here: crate::hash::PathMap<FileId>,
    /// The conf prefix `resolved_here` and the file system's hint were set for.
    hinted: Option<PathBuf>,
    walked: WalkedIn,
    conf_prefix: PathBuf,
    emitted: Vec<usize>,
    /// While guessing a context, nothing is recorded; only errors are counted.
    dry: Option<usize>,
    /// Block nesting below the top of the file being walked.
    depth: usize,
    /// The dynamic modules the tree being read has loaded.
    modules: modules::TreeModules,
    /// Set by [`Loader::defer_checks`]: the handlers' checks are left for
    /// [`check_deferred`], and what they need of this walk is recorded here.
    pub deferred: Option<Deferred>,
    /// `include` statements met in the tree being read (see [`TreeNotes::partial`]).
    include_visits: usize,
    /// The `include` being read: its number among those met, and how many of its files have
    /// been read.
    include_at: (usize, usize),
}

/// What the handlers' checks need of the walk that reads a project when they run after it (on
/// another thread, beside the model): the rest they read from the project.
#[derive(Debug, Default)]
pub struct Deferred {
    /// Per tree, in [`NginxData::trees`] order.
    trees: Vec<TreeNotes>,
}

/// What happened while one tree was read that changes how its statements are checked.
#[derive(Debug, Default)]
struct TreeNotes {
    /// Where a part of the configuration first went unread (NGX006, NGX008): the `include`
    /// statement met as the walk's Nth, and how many of its files had been read by then. From
    /// there on the checks know the configuration is partial (see `Checker::partial`).
    partial: Option<(usize, usize)>,
    /// The module table after each main-context statement that loaded a module.
    tables: FastMap<(FileId, u32), Directives>,
    /// What each `include` the walk met read, by its number among them: `None` where the walk
    /// read nothing and recorded nothing (a placeholder names the file). A statement met twice
    /// may read other files the second time (an include cycle, another tree's prefix): the
    /// checks follow each visit as the walk made it.
    includes: Vec<Option<Vec<FileId>>>,
}

impl<'a> Loader<'a> {
    /// Whether the nginx release was named by the user (see `Options::nginx_version_pinned`).
    pub fn set_version_pinned(&mut self, on: bool) {
        self.checks.set_version_pinned(on);
    }

    /// A loader writing into the given tables.
    pub fn new(
        vfs: &'a dyn Vfs,
        directives: &'a Directives,
        files: &'a mut Files,
        data: &'a mut NginxData,
        sink: &'a mut Sink,
    ) -> Self {
        Loader {
            vfs,
            directives,
            files,
            data,
            sink,
            visited: FileSet::default(),
            stock_files: true,
            cache: None,
            checks: crate::handlers::Checker::new(directives.version()),
            included_by: FastMap::default(),
            plans: Vec::new(),
            tree_main: FileId(0),
            fragment: false,
            stack: Vec::new(),
            prefix_known: true,
            resolved: crate::hash::PathMap::default(),
            resolved_here: crate::hash::PathMap::default(),
            hinted: None,
            walked: WalkedIn::default(),
            conf_prefix: PathBuf::new(),
            emitted: Vec::new(),
            dry: None,
            depth: 0,
            modules: Default::default(),
            deferred: None,
            include_visits: 0,
            include_at: (0, 0),
        }
    }

    /// Leaves the handlers' checks for [`check_deferred`]: the walk reads the trees and records
    /// what the checks need of it.
    pub fn defer_checks(&mut self) {
        self.deferred = Some(Deferred::default());
    }

    /// Whether the handlers' checks run during this walk.
    fn checking(&self) -> bool {
        self.dry.is_none() && self.deferred.is_none()
    }

    /// The notes of the tree being read (deferred checks only).
    fn notes(&mut self) -> Option<&mut TreeNotes> {
        if self.dry.is_some() {
            return None;
        }
        self.deferred.as_mut().and_then(|d| d.trees.last_mut())
    }

    /// Reads and parses many files on all cores, in order, without registering them: what each
    /// file is, is decided from what was read ([`Loader::register`] takes the nginx ones).
    pub fn read_many<T: Send>(
        &self,
        paths: &[PathBuf],
        regular: &[bool],
        judge: impl Fn(usize, &Loaded) -> T + Sync,
    ) -> Vec<Result<(Loaded, T), VfsError>> {
        let vfs = self.vfs;
        let table = self.directives;
        // Plans matter to a walk that leaves the handlers' checks for later; one that runs them
        // walks every statement anyway.
        let plans = self.deferred.is_some();
        let cache = self.cache.clone();
        // What each file is (the judge) is decided on the thread that read it: the content is
        // still in its cache and the verdicts cost no serial time.
        let load = |&i: &usize| -> Result<(Loaded, T), VfsError> {
            let p = &paths[i];
            let canonical = if regular.get(i).copied().unwrap_or(false) {
                vfs.canonical_regular(p)?
            } else {
                vfs.canonical(p)?
            };
            let (bytes, parsed) = read_parse(vfs, cache.as_deref(), &canonical)?;
            let plan = plans
                .then(|| Plan::evident(table, &bytes, &parsed).map(Arc::new))
                .flatten();
            let scan = crate::files::Scan::of_nginx(&bytes, &parsed.comments);
            let loaded = Loaded {
                display: vfs.display_canonical(&canonical),
                canonical,
                bytes,
                scan,
                parsed,
                plan,
            };
            let verdict = judge(i, &loaded);
            Ok((loaded, verdict))
        };
        let indexes: Vec<usize> = (0..paths.len()).collect();
        crate::par::map(&indexes, READ_ALONE, load)
    }

    /// Room for `n` more files (see [`Files::reserve`]).
    pub fn reserve(&mut self, n: usize) {
        self.files.reserve(n);
        self.resolved.reserve(n);
    }

    /// Registers a file [`Loader::read_many`] read as nginx configuration, found as `path`.
    pub fn register(&mut self, path: &Path, loaded: Loaded) -> FileId {
        let id = match self.files.by_server_path(&loaded.canonical) {
            Some(id) => id,
            None => {
                let id = self.files.add_scanned(
                    loaded.display,
                    loaded.canonical,
                    loaded.bytes,
                    FileKind::Nginx,
                    loaded.scan,
                );
                self.data.parsed.insert(id, loaded.parsed);
                if let Some(plan) = loaded.plan {
                    *by_id(&mut self.plans, id, None) = Some(plan);
                }
                id
            }
        };
        self.resolved.insert(path, id);
        id
    }

    /// Reads (once) and parses a file; the error is the OS's reason.
    pub fn open(&mut self, server_path: &Path) -> Result<FileId, VfsError> {
        // `fastcgi_params` is included once per PHP location: resolve its path once.
        if let Some(&id) = self.resolved.get(server_path) {
            return Ok(id);
        }
        if let Some(&id) = self.resolved_here.get(server_path) {
            return Ok(id);
        }
        let id = self.open_uncached(server_path)?;
        match self.vfs.mapping(server_path) {
            Mapping::AutoFull | Mapping::AutoPartial => self.resolved_here.insert(server_path, id),
            _ => self.resolved.insert(server_path, id),
        };
        Ok(id)
    }

    /// Reads what follows as the tree whose conf prefix is `conf_prefix`: paths the automatic
    /// mapping finds are looked for nearest it.
    fn hint(&mut self, conf_prefix: &Path) {
        if self.hinted.as_deref() != Some(conf_prefix) {
            self.resolved_here.clear();
            self.vfs.set_hint(conf_prefix);
            self.hinted = Some(conf_prefix.to_path_buf());
        }
    }

    fn open_uncached(&mut self, server_path: &Path) -> Result<FileId, VfsError> {
        let canonical = self.vfs.canonical(server_path)?;
        if let Some(id) = self.files.by_server_path(&canonical) {
            return Ok(id);
        }
        let (bytes, parsed) = read_parse(self.vfs, self.cache.as_deref(), &canonical)?;
        let display = self.vfs.display_canonical(&canonical);
        let id = self.files.add(display, canonical, bytes, FileKind::Nginx);
        self.data.parsed.insert(id, parsed);
        Ok(id)
    }

    /// Reads the tree starting at `main` in `context`; relative includes resolve against `conf_prefix`.
    pub fn load_tree(&mut self, main: FileId, context: Context, conf_prefix: &Path) {
        self.load(main, context, conf_prefix, true, false);
    }

    /// [`Loader::load_tree`] for a file no main config includes. Without a known prefix, a
    /// relative include is looked for from the file's folder upwards (the first folder where it
    /// exists is taken for the prefix), and one found nowhere is reported as unknowable, not missing.
    pub fn load_fragment(
        &mut self,
        main: FileId,
        context: Context,
        conf_prefix: &Path,
        prefix_known: bool,
    ) {
        self.load(main, context, conf_prefix, prefix_known, true);
    }

    fn load(
        &mut self,
        main: FileId,
        context: Context,
        conf_prefix: &Path,
        prefix_known: bool,
        fragment: bool,
    ) {
        self.prefix_known = prefix_known;
        self.fragment = fragment;
        self.tree_main = main;
        self.conf_prefix = conf_prefix.to_path_buf();
        self.hint(conf_prefix);
        self.emitted.clear();
        self.walked.clear();
        self.include_visits = 0;
        if let Some(d) = self.deferred.as_mut() {
            d.trees.push(TreeNotes::default());
        } else {
            self.checks.begin_tree(
                context,
                self.files.get(main),
                self.data.parsed.get(&main).map(|p| &**p),
            );
        }
        self.modules = Default::default();
        self.walk_file(main, context);
        if self.deferred.is_none() {
            let len = self.files.get(main).bytes.len() as u32;
            self.checks.end_tree(main, len);
            self.flush_checks();
        }
        let diagnostics = std::mem::take(&mut self.emitted);
        self.data.trees.push(NginxTree {
            main,
            context,
            conf_prefix: self.conf_prefix.clone(),
            prefix_known,
            fragment,
            diagnostics,
        });
        self.prefix_known = true;
    }

    /// The context a file no entry point includes is evidently written for: the first candidate
    /// in which its directives fit best.
    pub fn evident_context(&mut self, file: FileId, conf_prefix: &Path) -> Context {
        const CANDIDATES: [Context; 7] = [
            Context::Main,
            Context::Http,
            Context::HttpServer,
            Context::HttpLocation,
            Context::HttpUpstream,
            Context::Stream,
            Context::StreamServer,
        ];
        self.conf_prefix = conf_prefix.to_path_buf();
        self.hint(conf_prefix);
        // A module's directive says where it may stand whether or not this run has the module
        // (a `brotli` line belongs in `http`, not in the main context).
        let table = std::mem::replace(&mut self.directives, Directives::all_sets());
        let mut best = (usize::MAX, Context::Main);
        for ctx in CANDIDATES {
            self.dry = Some(0);
            self.modules = Default::default();
            self.walk_file(file, ctx);
            let errors = self.dry.take().unwrap_or(0);
            if errors < best.0 {
                best = (errors, ctx);
            }
            if errors == 0 {
                break;
            }
        }
        self.directives = table;
        best.1
    }

    fn emit(&mut self, d: Diagnostic) {
        if let Some(n) = self.dry.as_mut() {
            // Only what depends on the context counts: an unknown directive is unknown everywhere.
            // A misfit at the file's top level weighs more than any number nested deeper: the
            // top level is what the context is guessed from.
            if matches!(d.code, "NGX003" | "NGX005") {
                *n += if self.depth == 0 { 1000 } else { 1 };
            }
            return;
        }
        if matches!(d.code, "NGX006" | "NGX008") {
            // A part of the configuration was not read: what it may define is not known.
            if self.deferred.is_some() {
                let at = self.include_at;
                if let Some(n) = self.notes() {
                    n.partial.get_or_insert(at);
                }
            } else {
                self.checks.partial();
            }
        }
        if let Some(i) = self.sink.push(d) {
            self.emitted.push(i);
        }
    }

    fn walk_file(&mut self, file: FileId, ctx: Context) {
        let Some(parsed) = self.data.parsed.get(&file).cloned() else {
            return;
        };
        if self.dry.is_none() {
            self.visited.insert(file);
            // A file read again in the same context within one tree (`fastcgi_params` in every PHP
            // location) finds nothing new: its diagnostics and includes are those of the first time.
            if !self.walked.insert(file, ctx) {
                if self.deferred.is_some() {
                    return;
                }
                self.checks.replay(
                    self.data,
                    &self.data.includes,
                    self.files,
                    self.directives,
                    file,
                    ctx,
                    self.stack.len(),
                );
                self.flush_checks();
                return;
            }
        }
        self.stack.push(file);
        let mut next_err = 0;
        let src = std::sync::Arc::clone(&self.files.get(file).bytes);
        // A walk that leaves the handlers' checks for later follows the file's plan where one
        // was made for this reading of it.
        let plan = match (&self.deferred, self.dry) {
            (Some(_), None) => self
                .plans
                .get(file.0 as usize)
                .and_then(Option::as_ref)
                .filter(|p| p.fits(ctx, self.modules.table(self.directives))),
            _ => None,
        };
        match plan.cloned() {
            Some(plan) => self.follow(file, &src, &parsed, &plan, &mut next_err),
            None => self.walk_list(file, &src, &parsed, &parsed.directives, ctx, &mut next_err),
        }
        self.flush_syntax(file, &parsed, &mut next_err, u32::MAX);
        self.stack.pop();
    }

    /// [`Loader::walk_list`] over a file's top level by its [`Plan`]: only the statements where
    /// the walk does something are visited (the handlers' checks are deferred).
    fn follow(
        &mut self,
        file: FileId,
        src: &[u8],
        parsed: &ParsedFile,
        plan: &Plan,
        next_err: &mut usize,
    ) {
        for (d, step) in plan.steps(parsed) {
            self.flush_syntax(file, parsed, next_err, d.terminator.offset());
            match step {
                plan::Step::Include(ctx) => self.include(file, d, *ctx),
                plan::Step::BraceInEntries => self.brace_in_entries(file, d),
                // A template's placeholder may stand for several words.
                plan::Step::Refused(DispatchError::InvalidArgCount)
                    if self.has_placeholder(file, src, d) => {}
                plan::Step::Refused(e) => {
                    let name = d.name.value(src);
                    self.dispatch_error(file, d, &name, e.clone());
                }
            }
        }
    }

    /// nginx's `unexpected "{"` at a block inside an entries body (`map`, `types`, ...).
    fn brace_in_entries(&mut self, file: FileId, d: &Directive) {
        let Terminator::Block(open) = d.terminator else {
            return;
        };
        let span = Span::new(open as usize, open as usize + 1);
        self.emit(
            Diagnostic::new(
                "NGX001",
                "syntax-error",
                Severity::Error,
                file,
                span,
                "unexpected \"{\"",
            )
            .at_nginx(open),
        );
    }

    /// Emits the file's syntax errors that nginx would meet before offset `upto`.
    fn flush_syntax(&mut self, file: FileId, parsed: &ParsedFile, next: &mut usize, upto: u32) {
        while let Some(e) = parsed.errors.get(*next) {
            if e.nginx_offset > upto {
                break;
            }
            *next += 1;
            let d = Diagnostic::new(
                "NGX001",
                "syntax-error",
                Severity::Error,
                file,
                e.span,
                e.message(),
            )
            .at_nginx(e.nginx_offset);
            self.emit(d);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn walk_list(
        &mut self,
        file: FileId,
        src: &[u8],
        parsed: &ParsedFile,
        list: &[Directive],
        ctx: Context,
        next_err: &mut usize,
    ) {
        for d in list {
            let at = d.terminator.offset();
            self.flush_syntax(file, parsed, next_err, at);
            let src_name = d.name.value(src);
            let src_name: &[u8] = &src_name;
            if ctx.is_entries() {
                // Custom-handler bodies (map, types, geo, ...): statements are entries.
                if let (Some(_), Terminator::Block(_)) = (&d.block, d.terminator) {
                    self.brace_in_entries(file, d);
                    continue;
                }
                if src_name == b"include" && d.args.len() == 1 {
                    self.include(file, d, ctx);
                } else if self.checking() {
                    self.checks.set_template(self.files.get(file).is_template());
                    self.checks.entry(file, src, d, ctx);
                    if self.has_placeholder(file, src, d) {
                        self.checks.discard();
                    }
                    self.flush_checks();
                }
                continue;
            }
            // A statement cut short by a syntax error: nginx never dispatched it.
            let Some((nargs, term)) = crate::handlers::dispatch_shape(d) else {
                continue;
            };
            let table = self.modules.table(self.directives);
            let dispatched = table
                .dispatch_known(ctx, d.known, src_name, nargs, term)
                .map(|(entry, child)| (entry.copied(), child));
            let placeholder = self.has_placeholder(file, src, d);
            match dispatched {
                Ok((entry, child)) => {
                    if src_name == b"include" {
                        if self.checking() {
                            self.checks.include(ctx);
                        }
                        self.include(file, d, ctx);
                    } else {
                        if self.checking() {
                            self.checks.set_template(self.files.get(file).is_template());
                            self.checks
                                .directive(file, src, d, ctx, entry.as_ref(), child);
                            if placeholder {
                                self.checks.discard();
                            }
                            self.flush_checks();
                        }
                        if let (Some(b), Some(child)) = (&d.block, child) {
                            self.depth += 1;
                            self.walk_list(file, src, parsed, &b.children, child, next_err);
                            self.depth -= 1;
                            if self.dry.is_none() {
                                // nginx meets the block's syntax errors before its end.
                                let close = b.close.unwrap_or(u32::MAX);
                                self.flush_syntax(file, parsed, next_err, close);
                                if self.deferred.is_none() {
                                    self.checks.leave(file, src, d, child);
                                    self.flush_checks();
                                }
                            }
                        }
                    }
                    if ctx == Context::Main {
                        self.main_statement(file, d, src_name);
                        self.note_table(file, d);
                    }
                }
                // A template's placeholder may stand for several words (`fastcgi_buffers
                // ${BUFFERS};`): its count is not known until the container starts.
                Err(DispatchError::InvalidArgCount) if placeholder => {
                    if self.deferred.is_none() {
                        self.checks.undispatched(src, d);
                    }
                }
                Err(e) => {
                    if self.deferred.is_none() {
                        self.checks.undispatched(src, d);
                    }
                    self.dispatch_error(file, d, src_name, e)
                }
            }
        }
    }

    /// A template's statement with a placeholder (`${NAME}`, `$NAME`): a value the container's
    /// start-up fills in, which may stand for several words; the handlers judge it only then.
    /// A statement with a placeholder (a template's `${NAME}`, an installer's `<NAME>`): a value
    /// filled in before nginx reads the file, which may stand for several words; the handlers
    /// judge it only then.
    /// Records the tree's module table after a main-context statement that changed it.
    fn note_table(&mut self, file: FileId, d: &Directive) {
        if self.deferred.is_none() || self.dry.is_some() || !self.modules.take_changed() {
            return;
        }
        let table = self.modules.table(self.directives).clone();
        if let Some(n) = self.notes() {
            n.tables.insert((file, d.name.span.start), table);
        }
    }

    fn has_placeholder(&self, file: FileId, src: &[u8], d: &Directive) -> bool {
        crate::handlers::has_placeholder(self.files.get(file), src, d)
    }

    /// Emits what the handlers' checks found, and records the statements they refuse.
    fn flush_checks(&mut self) {
        if self.checks.is_empty() {
            return;
        }
        let found: Vec<Diagnostic> = self.checks.take().collect();
        for mut d in found {
            crate::handlers::resolve_places(&mut d, self.files);
            self.emit(d);
        }
        for (file, span) in self.checks.take_refused() {
            self.data.refused.entry(file).or_default().push(span);
        }
    }

    fn dispatch_error(&mut self, file: FileId, d: &Directive, name: &[u8], e: DispatchError) {
        let message = e.message(name);
        let (code, cname) = match e {
            DispatchError::Unknown { .. } => ("NGX002", "unknown-directive"),
            DispatchError::NotAllowedHere => ("NGX003", "directive-not-allowed-here"),
            DispatchError::UnexpectedBrace => ("NGX001", "syntax-error"),
            DispatchError::InvalidArgCount => ("NGX004", "invalid-argument-count"),
            DispatchError::NotTerminated | DispatchError::NoOpeningBrace => {
                ("NGX005", "directive-terminator")
            }
        };
        let span = match e {
            DispatchError::InvalidArgCount => d.head_span(),
            DispatchError::NotTerminated | DispatchError::NoOpeningBrace => {
                let t = d.terminator.offset() as usize;
                Span::new(t, t + 1)
            }
            _ => d.name.span,
        };
        // In a file no main config includes, a module's directive is as good as the main config
        // that loads the module: said, not an error.
        let severity = match &e {
            DispatchError::Unknown { set: Some(_), .. } if self.fragment => Severity::Info,
            _ => Severity::Error,
        };
        let mut diag = Diagnostic::new(code, cname, severity, file, span, message)
            .at_nginx(d.terminator.offset());
        if let DispatchError::Unknown {
            suggestion,
            set,
            module_file,
        } = &e
        {
            diag = diag.with_help(match (set, suggestion) {
                (Some(set), _) if self.fragment => match module_file {
                    Some(so) => format!("it comes from the `{set}` module: the main configuration that includes this file must load it with `load_module modules/{so};` (or `--module {set}` if your nginx has it built in)"),
                    None => format!("it belongs to the `{set}` module set: the nginx this file is for must have it (`--module {set}`)"),
                },
                (Some(set), _) => match module_file {
                    Some(so) => format!("it comes from the `{set}` module: load it with `load_module modules/{so};` at the top of the main configuration, or pass `--module {set}` if your nginx has it built in"),
                    None => format!("it belongs to the `{set}` module set: enable it with `--module {set}`"),
                },
                (None, Some(s)) => format!("did you mean `{s}`?"),
                (None, None) => "if it comes from a third-party module, declare it with `--directive NAME` or enable its module set with `--module`".to_string(),
            });
            if let (None, Some(s)) = (set, suggestion) {
                diag = diag.with_fix(format!("Replace with `{s}`"), d.name.span, s.clone());
            }
            // A configuration written for a module this run does not have (NGINX Plus, Lua)
            // uses dozens of its directives: one finding per tree says so.
            if let Some(set) = set {
                diag.group = Some(crate::diagnostic::Group {
                    key: format!("module-set:{set}:{}", self.tree_main.0),
                    what: format!("directives of the `{set}` module set"),
                    item: String::from_utf8_lossy(name).into_owned(),
                });
            }
        }
        self.emit(diag);
    }

    fn include(&mut self, file: FileId, d: &Directive, ctx: Context) {
        let Some(arg) = d.args.first() else { return };
        let visit = self.include_visits;
        if self.dry.is_none() {
            self.include_visits += 1;
            if let Some(n) = self.notes() {
                n.includes.push(None);
            }
        }
        self.include_at = (visit, 0);
        let value = arg.value(&self.files.get(file).bytes).into_owned();
        // `include conf.d/v${SIGS_VERSION}_headers.conf;` in a template: which file it names is
        // known once the container starts.
        if self.has_placeholder(file, &self.files.get(file).bytes, d) {
            if self.dry.is_none() {
                let msg = format!(
                    "`{}` is named by a placeholder filled in when the container starts; it was not read",
                    String::from_utf8_lossy(&value)
                );
                let diag = not_read(file, arg.span, msg);
                self.emit(diag);
            }
            return;
        }
        let rel = Path::new(OsStr::from_bytes(&value));
        let at = d.terminator.offset();
        let path = if rel.is_absolute() {
            rel.to_path_buf()
        } else if self.prefix_known {
            join(&self.conf_prefix, rel)
        } else {
            match self.guess_prefix(rel, has_glob_chars(&value)) {
                Some(p) => p,
                None => {
                    if self.dry.is_none() {
                        let msg = format!(
                            "`{}` is relative to nginx's conf prefix, which is unknown for a file no main config includes; it was not read",
                            rel.display()
                        );
                        let diag = not_read(file, arg.span, msg)
                        .with_help("lint the main config that includes this file, or set nginx's prefix with `--prefix DIR`");
                        self.emit(diag.at_nginx(at));
                        if let Some(slot) = self.notes().and_then(|n| n.includes.get_mut(visit)) {
                            *slot = Some(Vec::new());
                        }
                        self.data
                            .includes
                            .insert((file, d.name.span.start), Vec::new());
                    }
                    return;
                }
            }
        };
        // Each file read, with the server path it was reached by.
        let mut targets: Vec<(FileId, PathBuf)> = Vec::new();
        if has_glob_chars(&value) {
            match self.vfs.glob(&path) {
                Ok(matches) => {
                    for m in matches {
                        if m.is_dir {
                            let msg = format!(
                                "pread() \"{}\" failed (21: Is a directory)",
                                self.files.shown(&m.path)
                            );
                            self.emit(
                                Diagnostic::new(
                                    "NGX006",
                                    "include-failed",
                                    Severity::Error,
                                    file,
                                    arg.span,
                                    msg,
                                )
                                .at_nginx(at),
                            );
                            continue;
                        }
                        match self.open(&m.path) {
                            Ok(id) => targets.push((id, m.path)),
                            // A link in the folder to a file the repository does not hold: the
                            // walk says so at the link.
                            Err(VfsError::NotInTree(t)) if t != m.path => {}
                            Err(e) => self.open_error(file, d, &m.path, e),
                        }
                    }
                }
                // glob(3) without GLOB_ERR: a folder that does not exist is simply no match.
                Err(VfsError::NotFound | VfsError::NotInTree(_)) => {}
                Err(e) => self.open_error(file, d, &path, e),
            }
        } else {
            match self.open(&path) {
                Ok(id) => targets.push((id, path.clone())),
                Err(e @ (VfsError::NotFound | VfsError::OutsideRoot | VfsError::NotInTree(_))) => {
                    match self.stock(&path) {
                        Some(id) => targets.push((id, path.clone())),
                        None => self.open_error(file, d, &path, e),
                    }
                }
                Err(e) => self.open_error(file, d, &path, e),
            }
        }
        let mut read = Vec::with_capacity(targets.len());
        let mut walked = 0;
        for (t, server_path) in targets {
            self.include_at = (visit, walked);
            if let Some(pos) = self.stack.iter().position(|&f| f == t) {
                if self.vfs.mapping(&server_path) == Mapping::AutoPartial {
                    // The tree's file of that name was a guess (`/config/nginx/nginx.conf` found as
                    // this repository's `nginx/nginx.conf`): the server reads some other file.
                    let guess = self.files.get(t).path.display().to_string();
                    let diag = not_read(file, arg.span, format!(
                            "`{}` is not in the repository (`{guess}` only shares its name and includes it); it was not read",
                            server_path.display()
                        ))
                    .with_help("if the repository holds that file elsewhere, map its folder with `--map FROM=TO` or `[paths] map`");
                    self.emit(diag.at_nginx(at));
                    continue;
                }
                let chain: Vec<String> = self.stack[pos..]
                    .iter()
                    .chain(std::iter::once(&t))
                    .map(|f| self.files.shown(&self.files.get(*f).server_path))
                    .collect();
                let msg = format!("include cycle: {}", chain.join(" → "));
                let diag = Diagnostic::new("NGX007", "include-cycle", Severity::Error, file, d.head_span(), msg)
                    .with_help("nginx follows includes without a guard and fails with \"(24: Too many open files)\"; remove the include that closes the cycle");
                self.emit(diag);
                continue;
            }
            read.push(t);
            if self.stack.len() >= MAX_INCLUDE_DEPTH {
                let msg = format!("includes nested deeper than {MAX_INCLUDE_DEPTH} files");
                self.emit(Diagnostic::new(
                    "NGX007",
                    "include-cycle",
                    Severity::Error,
                    file,
                    d.head_span(),
                    msg,
                ));
                continue;
            }
            walked += 1;
            self.walk_file(t, ctx);
        }
        let targets = read;
        if self.dry.is_none() {
            for &t in &targets {
                self.included_by
                    .entry(t)
                    .or_insert((file, d.name.span.start));
            }
        }
        if self.dry.is_none() {
            if let Some(slot) = self.notes().and_then(|n| n.includes.get_mut(visit)) {
                *slot = Some(targets.clone());
            }
            self.data
                .includes
                .insert((file, d.name.span.start), targets);
        }
    }

    /// For a file whose conf prefix is unknown: the path of a relative include from the first
    /// folder, from the file's own up to the root, where it exists (for a pattern: where it
    /// matches something).
    fn guess_prefix(&mut self, rel: &Path, glob: bool) -> Option<PathBuf> {
        let start = self.conf_prefix.clone();
        for dir in start.ancestors() {
            let candidate = dir.join(rel);
            let found = if glob {
                self.vfs.glob(&candidate).is_ok_and(|m| !m.is_empty())
            } else {
                self.vfs.canonical(&candidate).is_ok()
            };
            if found {
                return Some(candidate);
            }
            if self.vfs.canonical(dir).is_err() {
                // Above the root: nothing more to find.
                break;
            }
        }
        // nginx's stock files (`fastcgi_params`, `mime.types`) are everywhere nginx is.
        if !glob && self.stock_files && crate::stock::lookup(rel).is_some() {
            return Some(start.join(rel));
        }
        None
    }

    /// nginx's stock copy of a file the tree includes but does not hold (`fastcgi_params`,
    /// `mime.types`, ...), read once; `None` when it is not a stock file or stock files are off.
    fn stock(&mut self, path: &Path) -> Option<FileId> {
        if !self.stock_files {
            return None;
        }
        let (name, bytes) = crate::stock::lookup(path)?;
        let key = PathBuf::from(format!("<nginx stock>/{name}"));
        if let Some(id) = self.files.by_server_path(&key) {
            return Some(id);
        }
        let id = self
            .files
            .add(key.clone(), key, bytes.to_vec(), FileKind::Nginx);
        let parsed = nginx_syntax::parse(bytes);
        self.data.parsed.insert(id, Arc::new(parsed));
        Some(id)
    }

    fn open_error(&mut self, file: FileId, d: &Directive, path: &Path, e: VfsError) {
        let at = d.terminator.offset();
        let span = d.args.first().map(|a| a.span).unwrap_or(d.name.span);
        // nginx names the path it opened; inside the linted root that is the repository's path.
        let shown = self.files.shown(path);
        let diag = match e {
            VfsError::NotFound => Diagnostic::new("NGX006", "include-failed", Severity::Error, file, span, format!("open() \"{shown}\" failed (2: No such file or directory)")),
            VfsError::PermissionDenied => Diagnostic::new("NGX006", "include-failed", Severity::Error, file, span, format!("open() \"{shown}\" failed (13: Permission denied)")),
            VfsError::IsDir => Diagnostic::new("NGX006", "include-failed", Severity::Error, file, span, format!("pread() \"{shown}\" failed (21: Is a directory)")),
            // What the server reads there is not in the repository: nothing says it is wrong.
            VfsError::OutsideRoot => not_read(file, span, format!("include `{shown}` points outside the linted root; it was not read"))
            .with_help("map the folder into the tree with `--map /etc/nginx=DIR`, or allow reading it with `--allow-outside-root`"),
            VfsError::NotInTree(target) => {
                let msg = if target == path {
                    format!("`{shown}` is not in the repository; it was not read")
                } else {
                    format!(
                        "`{shown}` links to `{}`, which is not in the repository; it was not read",
                        target.display()
                    )
                };
                not_read(file, span, msg)
                    .with_help("what it holds was not checked; if the repository keeps it elsewhere, map its folder with `--map FROM=TO` or `[paths] map`")
            }
            VfsError::TooLarge { limit } => Diagnostic::new("NGX009", "unreadable-file", Severity::Error, file, span, format!("`{shown}` is larger than {limit} bytes; it was not read")),
            VfsError::Io(m) => Diagnostic::new("NGX009", "unreadable-file", Severity::Error, file, span, format!("cannot read `{shown}`: {m}")),
        };
        self.emit(diag.at_nginx(at));
    }
}

/// The entry of `file` in a table by file id, grown with `fill` to reach it.
fn by_id<T: Clone>(table: &mut Vec<T>, file: FileId, fill: T) -> &mut T {
    let i = file.0 as usize;
    if table.len() <= i {
        table.resize(i + 1, fill);
    }
    &mut table[i]
}

/// A set of files, by their (dense) ids.
#[derive(Debug, Default)]
pub struct FileSet(Vec<bool>);

impl FileSet {
    /// Adds a file.
    pub fn insert(&mut self, file: FileId) {
        *by_id(&mut self.0, file, false) = true;
    }

    /// Whether the file is in the set.
    pub fn contains(&self, file: &FileId) -> bool {
        self.0.get(file.0 as usize).copied().unwrap_or(false)
    }
}

/// The contexts each file was walked in within the tree being read, by file id; emptied for
/// each tree by starting a new generation (a project of thousands of fragments is thousands of
/// trees).
#[derive(Debug, Default)]
struct WalkedIn {
    generation: u32,
    /// By file id: the generation and the contexts (bit `ctx as u32`) it was walked in then.
    seen: Vec<(u32, u64)>,
    /// Contexts numbered 64 and above, should there ever be that many.
    rest: crate::hash::FastSet<(u32, FileId, Context)>,
}

impl WalkedIn {
    fn clear(&mut self) {
        self.generation += 1;
    }

    /// Records `file` walked in `ctx`; false when it was already.
    fn insert(&mut self, file: FileId, ctx: Context) -> bool {
        let Some(bit) = 1u64.checked_shl(ctx as u32) else {
            return self.rest.insert((self.generation, file, ctx));
        };
        let slot = by_id(&mut self.seen, file, (0, 0));
        if slot.0 != self.generation {
            *slot = (self.generation, 0);
        }
        let new = slot.1 & bit == 0;
        slot.1 |= bit;
        new
    }
}

/// `base.join(rel)` in one allocation of the final size (`join` grows a copy of `base`).
fn join(base: &Path, rel: &Path) -> PathBuf {
    let mut p = PathBuf::with_capacity(base.as_os_str().len() + rel.as_os_str().len() + 1);
    p.push(base);
    p.push(rel);
    p
}

/// NGX008: a file an `include` names that was not read (outside the root, named by a
/// placeholder, relative to an unknown prefix, ...): what it holds is not checked.
pub(crate) fn not_read(file: FileId, span: Span, msg: impl Into<String>) -> Diagnostic {
    Diagnostic::new(
        "NGX008",
        "include-outside-root",
        Severity::Info,
        file,
        span,
        msg,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_walked_in_a_context_are_remembered_per_tree() {
        let mut w = WalkedIn::default();
        let (a, b) = (FileId(3), FileId(0));
        assert!(w.insert(a, Context::Http));
        assert!(!w.insert(a, Context::Http));
        assert!(w.insert(a, Context::HttpServer));
        assert!(w.insert(b, Context::Http));
        assert!(w.insert(a, Context::RtmpRecorder));
        assert!(!w.insert(a, Context::RtmpRecorder));
        w.clear();
        assert!(w.insert(a, Context::Http));
        assert!(w.insert(b, Context::Http));
        assert!(!w.insert(b, Context::Http));
        let mut s = FileSet::default();
        assert!(!s.contains(&a));
        s.insert(a);
        assert!(s.contains(&a) && !s.contains(&b) && !s.contains(&FileId(99)));
    }
}
