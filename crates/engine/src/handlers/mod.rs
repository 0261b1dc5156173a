//! What nginx's directive handlers check once a statement has been dispatched: each value as
//! its setter reads it (`ngx_conf_set_*_slot`, or the module's own function), a second value in
//! the same block, and, when a block ends, what the module checks then (locations, variables,
//! server names, ...). Messages are nginx's own, reported where nginx reports them.
//!
//! The loader ([`crate::nginx::Loader`]) calls [`Checker::directive`] for every statement it
//! dispatched, [`Checker::leave`] when a block it walked ends, and [`Checker::replay`] for a file
//! read again in the same context (nginx parses every inclusion, so each counts). The facts come
//! from the directive table's value specs (`nginx_syntax::values`).

mod http;
mod mail;
mod regex;
mod script;
mod slots;
mod stream;
mod vars;

use nginx_syntax::directives::{Context, Directives, Entry, Terminator as DTerm};
use nginx_syntax::values::{Setter, ValueSpec, Version};
use nginx_syntax::{Directive, ParsedFile, Quote, Span, Terminator};

use crate::diagnostic::{Diagnostic, Severity};
use crate::files::{FileId, SourceFile};
use crate::nginx::NginxData;

/// The kinds of finding the handlers make, each a reader code (see `codes.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Code {
    /// NGX012: a value the directive's handler refuses.
    InvalidValue,
    /// NGX013: a directive or name given twice where nginx allows it once.
    Duplicate,
    /// NGX014: a variable nginx does not know.
    UnknownVariable,
    /// NGX015: a regular expression PCRE2 does not compile.
    InvalidRegex,
    /// NGX016: a zone, log format, section, ... used but not defined.
    MissingDefinition,
    /// NGX017: a directive nginx refuses where it stands.
    Misplaced,
    /// NGX018: a warning nginx logs at start-up.
    Warning,
}

impl Code {
    fn meta(self) -> (&'static str, &'static str, Severity) {
        match self {
            Code::InvalidValue => ("NGX012", "invalid-directive-value", Severity::Error),
            Code::Duplicate => ("NGX013", "duplicate-directive", Severity::Error),
            Code::UnknownVariable => ("NGX014", "unknown-variable", Severity::Error),
            Code::InvalidRegex => ("NGX015", "invalid-regex", Severity::Error),
            Code::MissingDefinition => ("NGX016", "missing-definition", Severity::Error),
            Code::Misplaced => ("NGX017", "misplaced-directive", Severity::Error),
            Code::Warning => ("NGX018", "nginx-warning", Severity::Warning),
        }
    }
}

/// The statement a handler is looking at.
#[derive(Clone, Copy)]
pub(crate) struct Here<'a> {
    pub file: FileId,
    pub src: &'a [u8],
    pub d: &'a Directive,
    /// The context the statement stands in.
    pub ctx: Context,
}

impl<'a> Here<'a> {
    /// Argument `i`'s value as nginx's handler sees it (escapes processed).
    pub fn arg(&self, i: usize) -> std::borrow::Cow<'a, [u8]> {
        match self.d.args.get(i) {
            Some(w) => w.value(self.src),
            None => std::borrow::Cow::Borrowed(&[]),
        }
    }
    /// The number of arguments (a Lua body not counted).
    pub fn nargs(&self) -> usize {
        self.d.args.len() - usize::from(self.d.args.last().is_some_and(|a| a.quote == Quote::Lua))
    }
    /// The span of argument `i`, or of the name.
    pub fn span(&self, i: usize) -> Span {
        self.d
            .args
            .get(i)
            .map(|w| w.span)
            .unwrap_or(self.d.name.span)
    }
    /// The directive's name as nginx's table spells it.
    pub fn name(&self) -> std::borrow::Cow<'a, str> {
        self.d.name.text(self.src)
    }
    /// Where nginx's scanner stands when the handler runs.
    pub fn at(&self) -> u32 {
        self.d.terminator.offset()
    }
    /// Whether the directive's name is `s` (the handlers ask for a few names on hot paths:
    /// the length is compared first).
    #[inline]
    pub fn is(&self, s: &str) -> bool {
        let n = self.d.name;
        if n.escaped {
            return n.is(self.src, s);
        }
        n.inner().len() == s.len() && n.raw(self.src) == s.as_bytes()
    }
}

/// One block being read (or a tree's top level): what nginx's conf structures of that block hold.
#[derive(Debug, Default)]
pub(crate) struct Frame {
    pub ctx: Option<Context>,
    /// Fields of generic setters already set in this block.
    pub fields: Vec<u16>,
    /// Bits of bitmask fields set in this block: (field, value name).
    pub bits: Vec<(u16, &'static str)>,
    /// Values hand-written handlers keep to detect repeats (`root`, `try_files`, ...), with the
    /// name that set them.
    pub marks: Vec<&'static str>,
    /// Zones used by `limit_req` / `limit_conn` in this block.
    pub zones: Vec<Vec<u8>>,
    /// The block's own state for the hand-written handlers.
    pub block: http::BlockState,
}

/// http's upstreams and log formats, variables and values read, put aside while a `stream`
/// block is read.
type Stashed = (http::HttpState, vars::Vars, crate::hash::FastSet<Vec<u8>>);

/// The handlers' checks for one run; state is per tree.
pub struct Checker {
    version: Version,
    /// Whether the user named the release (see [`Checker::set_version_pinned`]).
    version_pinned: bool,
    /// The tree starts at the main context: checks that need the whole configuration run.
    whole: bool,
    frames: Vec<Frame>,
    out: Vec<Diagnostic>,
    /// What nginx refuses (a statement's head, an unknown variable): the rules leave it alone.
    refused: Vec<(FileId, Span)>,
    http: http::HttpState,
    stream: stream::StreamState,
    mail: mail::MailState,
    /// http's upstreams, log formats and variables while a `stream` block is read.
    stashed: Option<Box<Stashed>>,
    vars: vars::Vars,
    /// The state a block handler prepared for the block it opens.
    pending: http::BlockState,
    /// Regexes compiled in this run.
    regexes: regex::Cache,
    /// nginx's prefix (`-p`), as the main file's folder: relative paths are full names under it.
    prefix: Vec<u8>,
    /// The cycle's paths (`ngx_add_path`): temp folders and caches.
    paths: Vec<PathReg>,
    /// Locations of the blocks that ended, checked for duplicates when `http` ends.
    done_locations: Vec<Vec<http::LocRec>>,
    /// A buffer for the variables of one value.
    refs: Vec<script::VarRef>,
    /// Values whose variables were read (per tree).
    read_values: crate::hash::FastSet<Vec<u8>>,
    /// Files whose statements change nothing a repeat could trip over (`fastcgi_params`: only
    /// lists): a second reading in the same context is not replayed.
    stateless: crate::hash::FastMap<(FileId, Context), bool>,
}

impl Checker {
    /// A checker for nginx `version`.
    pub fn new(version: Version) -> Self {
        Checker {
            version,
            version_pinned: false,
            whole: false,
            frames: Vec::new(),
            out: Vec::new(),
            refused: Vec::new(),
            http: Default::default(),
            stream: Default::default(),
            mail: Default::default(),
            stashed: None,
            vars: Default::default(),
            pending: Default::default(),
            regexes: Default::default(),
            prefix: Vec::new(),
            paths: Vec::new(),
            done_locations: Vec::new(),
            refs: Vec::new(),
            read_values: Default::default(),
            stateless: Default::default(),
        }
    }

    /// Starts a tree read from its top level in `ctx`, from `main`. The checks nginx makes once
    /// the whole configuration is read (an `events` section, variables every use of which must be
    /// defined somewhere, log formats, ...) run only for a complete configuration: the main
    /// context of a file with an `events` block or named `nginx.conf`. A fragment with a
    /// top-level `stream {}` or `http {}` is read in the main context too, but whatever it uses
    /// may be defined by the configuration that includes it.
    pub fn begin_tree(&mut self, ctx: Context, main: &SourceFile, parsed: Option<&ParsedFile>) {
        let complete = main
            .server_path
            .file_name()
            .is_some_and(|n| n == "nginx.conf")
            || parsed.is_some_and(|p| {
                p.directives
                    .iter()
                    .any(|d| d.block.is_some() && d.is(&main.bytes, "events"))
            });
        self.whole = ctx == Context::Main && complete;
        self.prefix = main
            .server_path
            .parent()
            .map(|p| {
                let mut v = p.as_os_str().as_encoded_bytes().to_vec();
                v.push(b'/');
                v
            })
            .unwrap_or_default();
        self.paths.clear();
        self.frames.clear();
        self.frames.push(Frame {
            ctx: Some(ctx),
            ..Default::default()
        });
        self.http = Default::default();
        self.stream = Default::default();
        self.stashed = None;
        self.vars = Default::default();
        self.vars.whole = self.whole;
        self.done_locations.clear();
        self.read_values.clear();
    }

    /// Ends the tree: what nginx checks once the whole configuration is read.
    pub fn end_tree(&mut self, main: FileId, main_len: u32) {
        if self.whole {
            self.end_main(main, main_len);
        }
        self.frames.clear();
    }

    /// The findings made since the last call, in nginx's order.
    pub fn take(&mut self) -> std::vec::Drain<'_, Diagnostic> {
        self.out.drain(..)
    }

    /// True when nothing is waiting in [`Checker::take`].
    pub fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    /// What nginx refused since the last call.
    pub fn take_refused(&mut self) -> std::vec::Drain<'_, (FileId, Span)> {
        self.refused.drain(..)
    }

    /// A part of the tree was not read (an include outside the repository): the checks that
    /// need the whole configuration (an `events` section, every variable's and log format's
    /// definition, zones) have nothing to stand on.
    pub fn partial(&mut self) {
        self.whole = false;
        self.vars.whole = false;
    }

    /// The statements that follow are a template's (`X.template`, the nginx image's
    /// `templates/`): an upper-case `$NAME` or `${NAME}` there is envsubst's placeholder, not a
    /// variable nginx is asked to know.
    pub fn set_template(&mut self, on: bool) {
        self.vars.template = on;
    }

    /// Forgets what the checks found since the last [`Checker::take`]: a template's statement with
    /// a placeholder (`${NAME}`) is judged only once the container fills it in, but what it
    /// defines (a zone, a variable, an upstream's server) stays defined.
    pub fn discard(&mut self) {
        self.out.clear();
        self.refused.clear();
    }

    /// How much the checks have found so far (for [`Checker::discard_since`]).
    fn mark_len(&self) -> (usize, usize) {
        (self.out.len(), self.refused.len())
    }

    /// Forgets what the checks found since `mark`: a replayed statement with a placeholder, as
    /// [`Checker::discard`] forgets it the first time.
    fn discard_since(&mut self, mark: (usize, usize)) {
        self.out.truncate(mark.0);
        self.refused.truncate(mark.1);
    }

    /// A statement nginx refuses before any handler runs (an unknown directive, one out of its
    /// context): a third-party module's, perhaps, which may define the variables it names
    /// (`set_random $v 1 3`), so their uses are not reported as unknown too.
    pub fn undispatched(&mut self, src: &[u8], d: &Directive) {
        if self.frames.last().and_then(|f| f.ctx) == Some(Context::StreamServer) {
            stream::maybe_handler(self);
        }
        for a in &d.args {
            let v = a.value(src);
            if let Some(name) = v.strip_prefix(b"$") {
                if !name.is_empty() && name.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_')
                {
                    self.vars.define(name);
                }
            }
        }
    }

    /// A statement dispatched to `entry` in `ctx`; `child` is the context of the block it opens.
    pub fn directive(
        &mut self,
        file: FileId,
        src: &[u8],
        d: &Directive,
        ctx: Context,
        entry: Option<&Entry>,
        child: Option<Context>,
    ) {
        let h = Here { file, src, d, ctx };
        if child.is_some() {
            self.pending = Default::default();
        }
        match entry.and_then(Entry::spec) {
            Some(spec) => match spec.setter {
                Setter::Handler(name) => self.handler(name, &h, spec, child),
                _ => slots::check(self, &h, spec),
            },
            // A directive of a module set or a declaration: it may define variables the
            // tables do not know (js_set and the Lua set_* define theirs by their first argument).
            None if entry.is_some() => {
                let name = d.name.value(src);
                if matches!(
                    &*name,
                    b"js_set"
                        | b"js_var"
                        | b"set_by_lua"
                        | b"set_by_lua_file"
                        | b"set_by_lua_block"
                ) {
                    if let Some(v) = h.arg(0).strip_prefix(b"$") {
                        self.vars.define(v);
                    }
                } else if entry.is_some_and(|e| e.origin() != "lua" && e.origin() != "njs") {
                    self.vars.foreign = true;
                }
            }
            None => self.undispatched(src, d),
        }
        if ctx == Context::StreamServer {
            stream::statement(self, &h, entry.and_then(Entry::spec).is_some());
        }
        if matches!(ctx, Context::Mail | Context::MailServer) {
            mail::statement(self, &h);
        }
        if let (Some(child), Some(_)) = (child, &d.block) {
            let mut block = std::mem::take(&mut self.pending);
            if block.loc.is_none() && child == Context::HttpLocationIf {
                block.loc = self.frame().block.loc.clone();
            }
            if block.server.is_none() {
                block.server = self.frame().block.server;
            }
            if block.loc.is_none() && matches!(child, Context::HttpServerIf) {
                block.loc = self.frame().block.loc.clone();
            }
            self.frames.push(Frame {
                ctx: Some(child),
                block,
                ..Default::default()
            });
            self.entered(&h, child);
        }
    }

    /// An `include` statement in `ctx` (the walk reads what it names).
    pub fn include(&mut self, ctx: Context) {
        if ctx == Context::StreamServer {
            stream::include(self);
        }
        if matches!(ctx, Context::Mail | Context::MailServer) {
            mail::include(self, ctx == Context::MailServer);
        }
        if matches!(ctx, Context::HttpServer | Context::StreamServer) {
            // What an include reads may name the server (a file outside the repository, one a
            // deploy writes): it is not taken for a server without `server_name`.
            http::server_include(self, ctx);
        }
    }

    /// A statement of an entries block (`map`, `geo`, `types`, ...).
    pub fn entry(&mut self, file: FileId, src: &[u8], d: &Directive, ctx: Context) {
        let h = Here { file, src, d, ctx };
        self.block_entry(&h);
    }

    /// The end of the block opened by `d`.
    pub fn leave(&mut self, file: FileId, src: &[u8], d: &Directive, child: Context) {
        let h = Here {
            file,
            src,
            d,
            ctx: child,
        };
        self.left(&h, child);
        self.frames.pop();
    }

    /// A file read again in the same context (nginx reads every inclusion): its statements are
    /// fed to the checks again, with the includes the loader resolved the first time, so that
    /// repeats across inclusions and the blocks it holds count. Nothing the first reading
    /// reported is reported twice (the loader's sink keeps one of each).
    #[allow(clippy::too_many_arguments)]
    /// `includes` is the walk's map of what each `include` read as it stood when the walk
    /// reached this file again (a statement read in two places may have read other files).
    pub fn replay(
        &mut self,
        data: &NginxData,
        includes: &Includes,
        files: &crate::files::Files,
        directives: &Directives,
        file: FileId,
        ctx: Context,
        depth: usize,
    ) {
        if depth > crate::nginx::MAX_INCLUDE_DEPTH {
            return;
        }
        let Some(parsed) = data.parsed.get(&file) else {
            return;
        };
        let src = &files.get(file).bytes;
        let stateless = *self
            .stateless
            .entry((file, ctx))
            .or_insert_with(|| stateless(directives, src, &parsed.directives, ctx));
        if stateless {
            return;
        }
        self.replay_list(
            data,
            includes,
            files,
            directives,
            file,
            src,
            &parsed.directives,
            ctx,
            depth,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn replay_list(
        &mut self,
        data: &NginxData,
        includes: &Includes,
        files: &crate::files::Files,
        directives: &Directives,
        file: FileId,
        src: &[u8],
        list: &[Directive],
        ctx: Context,
        depth: usize,
    ) {
        for d in list {
            let name = d.name.value(src);
            if ctx.is_entries() {
                if d.block.is_none() {
                    if &*name == b"include" && d.args.len() == 1 {
                        for &t in included(includes, file, d) {
                            self.replay(data, includes, files, directives, t, ctx, depth + 1);
                        }
                    } else {
                        let mark = self.mark_len();
                        self.entry(file, src, d, ctx);
                        if has_placeholder(files.get(file), src, d) {
                            self.discard_since(mark);
                        }
                    }
                }
                continue;
            }
            let Some((nargs, term)) = dispatch_shape(d) else {
                continue;
            };
            let Ok((entry, child)) = directives.dispatch_known(ctx, d.known, &name, nargs, term)
            else {
                continue;
            };
            if &*name == b"include" {
                for &t in included(includes, file, d) {
                    self.replay(data, includes, files, directives, t, ctx, depth + 1);
                }
                continue;
            }
            let mark = self.mark_len();
            self.directive(file, src, d, ctx, entry, child);
            if has_placeholder(files.get(file), src, d) {
                self.discard_since(mark);
            }
            if let (Some(b), Some(child)) = (&d.block, child) {
                self.replay_list(
                    data,
                    includes,
                    files,
                    directives,
                    file,
                    src,
                    &b.children,
                    child,
                    depth,
                );
                self.leave(file, src, d, child);
            }
        }
    }

    /// Reports a finding at the statement (nginx cites the line its scanner is on).
    pub(crate) fn report(&mut self, code: Code, h: &Here<'_>, span: Span, msg: impl Into<String>) {
        let at = h.at();
        self.report_at(code, h.file, span, Some(at), msg);
        if code != Code::Warning {
            // A refused `location` or `if` never takes effect: nothing in its body is judged
            // either (a broken location regex leaves no headers to discard, for one).
            let span = if matches!(&*h.name(), "location" | "if") && h.d.block.is_some() {
                h.d.span()
            } else {
                h.d.head_span()
            };
            self.refused.push((h.file, span));
        }
    }

    /// Reports a finding with an explicit place nginx names (`None`: nginx names none).
    pub(crate) fn report_at(
        &mut self,
        code: Code,
        file: FileId,
        span: Span,
        nginx_offset: Option<u32>,
        msg: impl Into<String>,
    ) {
        let (c, name, severity) = code.meta();
        let mut d = Diagnostic::new(c, name, severity, file, span, msg);
        d.nginx_offset = nginx_offset;
        self.out.push(d);
    }

    /// Reports a finding at an offset nginx names (`in FILE:LINE` of a statement or block).
    pub(crate) fn report_at_offset(
        &mut self,
        code: Code,
        file: FileId,
        at: u32,
        msg: impl Into<String>,
    ) {
        let span = Span::new(at as usize, at as usize);
        self.report_at(code, file, span, Some(at), msg);
    }

    /// `"name" directive MSG`, nginx's form for a handler's returned string.
    pub(crate) fn directive_error(&mut self, code: Code, h: &Here<'_>, span: Span, what: &str) {
        let msg = format!("\"{}\" directive {what}", h.name());
        self.report(code, h, span, msg);
    }

    /// The innermost frame.
    pub(crate) fn frame(&mut self) -> &mut Frame {
        if self.frames.is_empty() {
            self.frames.push(Frame::default());
        }
        let last = self.frames.len() - 1;
        &mut self.frames[last]
    }

    /// The frame of the block a `types` block is in (the innermost frame when there is no
    /// such block, as for a fragment that is a `types` block's body).
    pub(crate) fn types_context(&mut self) -> &mut Frame {
        if self.frames.len() >= 2 && self.frames[self.frames.len() - 1].ctx == Some(Context::Types)
        {
            let at = self.frames.len() - 2;
            return &mut self.frames[at];
        }
        self.frame()
    }

    /// Records a mark in the innermost frame; false when it was there already.
    pub(crate) fn mark(&mut self, key: &'static str) -> bool {
        let f = self.frame();
        if f.marks.contains(&key) {
            return false;
        }
        f.marks.push(key);
        true
    }

    /// Whether the user named the nginx release (else it is the newest the tables hold).
    pub fn set_version_pinned(&mut self, on: bool) {
        self.version_pinned = on;
    }

    /// A start-up warning that only some releases give (`listen ... http2` from 1.25.1): a
    /// warning when the user named a release that gives it, information when the release is
    /// only the assumed newest one (a repository's image may run an older nginx).
    pub(crate) fn version_warning(&mut self, h: &Here<'_>, span: Span, msg: &str, since: &str) {
        if self.version_pinned {
            self.report(Code::Warning, h, span, msg);
        } else {
            let (a, b, c) = self.version;
            self.report(
                Code::Warning,
                h,
                span,
                format!(
                    "{msg} (nginx {since} and later; ngxlint assumed {a}.{b}.{c}: set `[nginx] version` to the release you run)"
                ),
            );
            if let Some(d) = self.out.last_mut() {
                d.severity = Severity::Info;
            }
        }
    }

    /// The configured nginx version.
    pub(crate) fn version(&self) -> Version {
        self.version
    }

    fn handler(
        &mut self,
        name: &'static str,
        h: &Here<'_>,
        spec: &ValueSpec,
        child: Option<Context>,
    ) {
        http::handler(self, name, h, spec, child);
    }

    fn entered(&mut self, h: &Here<'_>, child: Context) {
        http::entered(self, h, child);
    }

    fn left(&mut self, h: &Here<'_>, child: Context) {
        http::left(self, h, child);
    }

    fn block_entry(&mut self, h: &Here<'_>) {
        http::block_entry(self, h);
    }

    fn end_main(&mut self, main: FileId, main_len: u32) {
        http::end_main(self, main, main_len);
    }
}

/// A path of the cycle (`ngx_path_t`): its full name, who owns it (0 for a temp folder, a
/// cache's own number otherwise), its levels, and where it was set.
#[derive(Debug)]
pub(crate) struct PathReg {
    name: Vec<u8>,
    owner: usize,
    levels: Vec<u64>,
    file: FileId,
    at: u32,
}

impl Checker {
    /// `ngx_add_path`: a full name used twice must belong to the same owner (temp folders are
    /// shared) with the same levels. False when nginx refuses it.
    pub(crate) fn add_path(
        &mut self,
        h: &Here<'_>,
        name: &[u8],
        cache: bool,
        levels: Vec<u64>,
    ) -> bool {
        let full = if name.first() == Some(&b'/') {
            name.to_vec()
        } else {
            let mut f = self.prefix.clone();
            f.extend_from_slice(name);
            f
        };
        let owner = if cache { self.paths.len() + 1 } else { 0 };
        if let Some(p) = self.paths.iter().find(|p| p.name == full) {
            let place = place_token(p.file, p.at);
            let msg = if p.owner != owner || owner != 0 {
                format!(
                    "the same path name \"{}\" used in {place} and",
                    path_token(&full)
                )
            } else if p.levels != levels {
                format!(
                    "the same path name \"{}\" in {place} has the different levels than",
                    path_token(&full)
                )
            } else {
                return true;
            };
            self.report(Code::InvalidValue, h, h.span(0), msg);
            return false;
        }
        self.paths.push(PathReg {
            name: full,
            owner,
            levels,
            file: h.file,
            at: h.at(),
        });
        true
    }
}

/// Marks `file:line` of an offset in a message; the loader writes the place as nginx does
/// ([`resolve_places`]).
pub(crate) fn place_token(file: FileId, at: u32) -> String {
    format!("\u{1}{}:{at}\u{1}", file.0)
}

/// Marks a full path name in a message (nginx's prefix joined to a relative name); the loader
/// writes it as every message names a path ([`crate::files::Files::shown`]): inside the linted
/// root, relative to it, so no message holds the checkout's location.
pub(crate) fn path_token(full: &[u8]) -> String {
    format!("\u{2}{}\u{2}", show(full))
}

/// Writes the places [`place_token`] marked as `path:line` and the paths [`path_token`] marked.
pub(crate) fn resolve_places(d: &mut Diagnostic, files: &crate::files::Files) {
    if d.message.contains('\u{2}') {
        let mut out = String::new();
        for (i, part) in d.message.split('\u{2}').enumerate() {
            if i % 2 == 1 {
                out.push_str(&files.shown_name(part));
            } else {
                out.push_str(part);
            }
        }
        d.message = out;
    }
    if !d.message.contains('\u{1}') {
        return;
    }
    let mut out = String::new();
    let mut parts = d.message.split('\u{1}');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    let mut token = true;
    for part in parts {
        if token {
            let place = part.split_once(':').and_then(|(f, o)| {
                let f = crate::files::FileId(f.parse().ok()?);
                let o: u32 = o.parse().ok()?;
                let sf = files.get(f);
                Some(format!("{}:{}", sf.server_path.display(), sf.nginx_line(o)))
            });
            out.push_str(&place.unwrap_or_default());
        } else {
            out.push_str(part);
        }
        token = !token;
    }
    d.message = out;
}

/// True when reading `list` again in `ctx` changes nothing the checks keep: every statement is a
/// list entry (`fastcgi_param`, `proxy_set_header`, `add_header`, `allow`, ...) whose values were
/// read the first time.
fn stateless(directives: &Directives, src: &[u8], list: &[Directive], ctx: Context) -> bool {
    list.iter().all(|d| {
        if d.block.is_some() || ctx.is_entries() {
            return false;
        }
        let name = d.name.value(src);
        let Ok((Some(e), _)) =
            directives.dispatch_known(ctx, d.known, &name, d.args.len(), DTerm::Semicolon)
        else {
            // Statements nginx would not dispatch are reported where they stand.
            return true;
        };
        match e.spec().map(|s| s.setter) {
            Some(Setter::KeyVal | Setter::StrArray) => true,
            Some(Setter::Handler(h)) => matches!(
                h,
                "ngx_http_upstream_param_set_slot"
                    | "ngx_http_headers_add"
                    | "ngx_http_access_rule"
                    | "ngx_http_index_set_index"
            ),
            _ => false,
        }
    })
}

/// The bytes of a C string: up to the first NUL (nginx compares arguments with `strcmp`).
pub(crate) fn cstr(b: &[u8]) -> &[u8] {
    // Values are short: a plain loop beats memchr's set-up.
    match b.iter().position(|&c| c == 0) {
        Some(i) => &b[..i],
        None => b,
    }
}

/// Bytes as nginx prints them, lossily decoded.
pub(crate) fn show(b: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(b)
}

/// What nginx dispatches a statement with: its argument count (a Lua block's body is not one)
/// and how it ends; `None` for a statement cut short by a syntax error, which nginx never
/// dispatched. The walk, its replays and the deferred checks read statements alike through it.
pub(crate) fn dispatch_shape(d: &Directive) -> Option<(usize, DTerm)> {
    if matches!(d.terminator, Terminator::Missing(_)) && d.block.is_none() {
        return None;
    }
    let term = match d.terminator {
        Terminator::Block(_) => DTerm::BlockStart,
        _ => DTerm::Semicolon,
    };
    let lua = d.args.last().is_some_and(|a| a.quote == Quote::Lua);
    Some((d.args.len() - usize::from(lua), term))
}

/// What each `include` statement read: (including file, offset of the name) to the files.
pub type Includes = crate::hash::FastMap<(FileId, u32), Vec<FileId>>;

/// The files an `include` statement read, by `includes`.
pub(crate) fn included<'m>(includes: &'m Includes, file: FileId, d: &Directive) -> &'m [FileId] {
    includes
        .get(&(file, d.name.span.start))
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// Whether a statement holds a value filled in before nginx reads the file: a template's
/// `${NAME}` (envsubst) or, in any file, an installer's `<NAME>`. The loader and the replay of a
/// file read again judge it the same way.
pub(crate) fn has_placeholder(file: &crate::files::SourceFile, src: &[u8], d: &Directive) -> bool {
    if !file.may_hold_placeholders() {
        return false;
    }
    let template = file.is_template();
    // Outside templates only `<NAME>` counts: one search over the statement's words (comments
    // between them included) rules out nearly every statement at once.
    if !template {
        let head = d.head_span();
        let bytes = src
            .get(head.start as usize..head.end as usize)
            .unwrap_or_default();
        if memchr::memchr(b'<', bytes).is_none() {
            return false;
        }
    }
    std::iter::once(&d.name).chain(&d.args).any(|a| {
        let raw = a.raw(src);
        (template && crate::text::has_placeholder(raw))
            || crate::text::has_installer_placeholder(raw)
    })
}
