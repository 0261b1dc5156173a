//! The handlers' checks run after the walk that read the project, on their own: the walk
//! ([`Loader::defer_checks`]) resolves the includes and records the little the checks need of
//! it ([`Deferred`]); this pass visits every tree's statements again in nginx's reading order,
//! through the includes the walk resolved, and feeds them to a [`Checker`] exactly as the walk
//! would have. A linter run does this on a second core while the model is built.

use nginx_syntax::directives::{Context, Directives};
use nginx_syntax::{Directive, Span, Terminator};

use super::{Deferred, NginxData, Sink, TreeNotes, MAX_INCLUDE_DEPTH};
use crate::diagnostic::Diagnostic;
use crate::files::{FileId, Files};
use crate::handlers::{dispatch_shape, has_placeholder, resolve_places, Checker, Includes};
use crate::hash::{FastMap, FastSet};

/// What the handlers' checks found: their findings (each once) and the statements they refuse.
#[derive(Debug, Default)]
pub struct Checked {
    /// Findings, in nginx's reading order within each tree.
    pub diagnostics: Vec<Diagnostic>,
    /// What nginx's handlers refuse, by file (see [`NginxData::refused`]).
    pub refused: FastMap<FileId, Vec<Span>>,
}

impl Checked {
    /// True when `span` lies in something the handlers refuse.
    pub fn is_refused(&self, file: FileId, span: Span) -> bool {
        super::covered(&self.refused, file, span)
    }
}

/// Runs the handlers' checks over every tree the walk read, as the walk would have run them.
pub fn check_deferred(
    data: &NginxData,
    files: &Files,
    directives: &Directives,
    deferred: &Deferred,
    version_pinned: bool,
) -> Checked {
    let mut checks = Checker::new(directives.version());
    checks.set_version_pinned(version_pinned);
    let mut out = Out::default();
    // What each include read as the walk went: a replay reads it as it stood then.
    let mut current = Includes::default();
    for (tree, notes) in data.trees.iter().zip(&deferred.trees) {
        let main = files.get(tree.main);
        checks.begin_tree(
            tree.context,
            main,
            data.parsed.get(&tree.main).map(|p| &**p),
        );
        let mut walk = Walk {
            data,
            files,
            base: directives,
            table: directives,
            notes,
            checks: &mut checks,
            walked: FastSet::default(),
            stack: Vec::new(),
            visits: 0,
            current: &mut current,
            out: &mut out,
        };
        walk.file(tree.main, tree.context);
        let len = main.bytes.len() as u32;
        checks.end_tree(tree.main, len);
        out.flush(&mut checks, files);
    }
    Checked {
        diagnostics: out.sink.list,
        refused: out.refused,
    }
}

/// The findings so far, each once (in the walk's [`Sink`]), and the refused statements.
#[derive(Default)]
struct Out {
    sink: Sink,
    refused: FastMap<FileId, Vec<Span>>,
}

impl Out {
    /// Takes what the checks found since the last time (the walk's `flush_checks`).
    fn flush(&mut self, checks: &mut Checker, files: &Files) {
        if checks.is_empty() {
            return;
        }
        let found: Vec<Diagnostic> = checks.take().collect();
        for mut d in found {
            resolve_places(&mut d, files);
            if matches!(d.code, "NGX006" | "NGX008") {
                checks.partial();
            }
            self.sink.push(d);
        }
        for (file, span) in checks.take_refused() {
            self.refused.entry(file).or_default().push(span);
        }
    }
}

/// One tree's statements in reading order.
struct Walk<'a, 'c> {
    data: &'a NginxData,
    files: &'a Files,
    /// The run's table (what a replay dispatches with, as the walk's does).
    base: &'a Directives,
    /// The table statements are dispatched with: the run's, or the tree's after a module loaded.
    table: &'a Directives,
    notes: &'a TreeNotes,
    checks: &'c mut Checker,
    walked: FastSet<(FileId, Context)>,
    stack: Vec<FileId>,
    /// `include` statements met so far (the walk counts them the same way).
    visits: usize,
    /// The walk's map of what each include read, as it stood at this point of the walk.
    current: &'c mut Includes,
    out: &'c mut Out,
}

impl Walk<'_, '_> {
    fn flush(&mut self) {
        self.out.flush(self.checks, self.files);
    }

    fn file(&mut self, file: FileId, ctx: Context) {
        let Some(parsed) = self.data.parsed.get(&file) else {
            return;
        };
        // A file read again in the same context within one tree: the checks replay it.
        if !self.walked.insert((file, ctx)) {
            self.checks.replay(
                self.data,
                self.current,
                self.files,
                self.base,
                file,
                ctx,
                self.stack.len(),
            );
            self.flush();
            return;
        }
        self.stack.push(file);
        let src = std::sync::Arc::clone(&self.files.get(file).bytes);
        self.list(file, &src, &parsed.directives, ctx);
        self.stack.pop();
    }

    fn list(&mut self, file: FileId, src: &[u8], list: &[Directive], ctx: Context) {
        let template = self.files.get(file).is_template();
        for d in list {
            let name = d.name.value(src);
            let name: &[u8] = &name;
            if ctx.is_entries() {
                if let (Some(_), Terminator::Block(_)) = (&d.block, d.terminator) {
                    continue;
                }
                if name == b"include" && d.args.len() == 1 {
                    self.include(file, d, ctx);
                } else {
                    self.checks.set_template(template);
                    self.checks.entry(file, src, d, ctx);
                    if has_placeholder(self.files.get(file), src, d) {
                        self.checks.discard();
                    }
                    self.flush();
                }
                continue;
            }
            let Some((nargs, term)) = dispatch_shape(d) else {
                continue;
            };
            let dispatched = self
                .table
                .dispatch_known(ctx, d.known, name, nargs, term)
                .map(|(entry, child)| (entry.copied(), child));
            match dispatched {
                Ok((entry, child)) => {
                    if name == b"include" {
                        self.checks.include(ctx);
                        self.include(file, d, ctx);
                    } else {
                        self.checks.set_template(template);
                        self.checks
                            .directive(file, src, d, ctx, entry.as_ref(), child);
                        if has_placeholder(self.files.get(file), src, d) {
                            self.checks.discard();
                        }
                        self.flush();
                        if let (Some(b), Some(child)) = (&d.block, child) {
                            self.list(file, src, &b.children, child);
                            self.checks.leave(file, src, d, child);
                            self.flush();
                        }
                    }
                    if ctx == Context::Main {
                        if let Some(t) = self.notes.tables.get(&(file, d.name.span.start)) {
                            self.table = t;
                        }
                    }
                }
                // The walk reported why nginx did not dispatch it.
                Err(_) => self.checks.undispatched(src, d),
            }
        }
    }

    /// The files an `include` read at this visit, as the walk recorded them; where the walk met
    /// an unread part of the configuration, the checks learn it at the same point.
    fn include(&mut self, file: FileId, d: &Directive, ctx: Context) {
        if d.args.is_empty() {
            return;
        }
        let visit = self.visits;
        self.visits += 1;
        let notes = self.notes;
        let partial_at = notes.partial.filter(|&(v, _)| v == visit);
        let targets: &[FileId] = match notes.includes.get(visit) {
            Some(Some(t)) => {
                self.current.insert((file, d.name.span.start), t.clone());
                t
            }
            _ => &[],
        };
        let mut walked = 0;
        for &t in targets {
            if partial_at == Some((visit, walked)) {
                self.checks.partial();
            }
            if self.stack.len() >= MAX_INCLUDE_DEPTH {
                continue;
            }
            walked += 1;
            self.file(t, ctx);
        }
        if partial_at == Some((visit, walked)) {
            self.checks.partial();
        }
    }
}
