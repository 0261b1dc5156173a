//! The rule interface and the one traversal that drives every rule.
//!
//! A rule declares the directive names it looks at; the engine walks every scope of every tree once
//! and hands each rule the directives it asked for, then calls each rule once with the whole
//! project for cross-file checks. Rules never read files: they query the [`Model`] and the FPM trees.

use nginx_syntax::Span;

use crate::diagnostic::{Diagnostic, Severity};
use crate::files::FileId;
use crate::fpm::FpmTree;
use crate::model::{At, Model, ScopeId};
use crate::project::Project;

/// What a rule is.
#[derive(Clone, Copy, Debug)]
pub struct RuleMeta {
    /// Stable code, `NGX301`.
    pub code: &'static str,
    /// Stable kebab-case name.
    pub name: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// One line: what it finds.
    pub summary: &'static str,
    /// The rule's document (`rules/CODE.md`).
    pub doc: &'static str,
    /// Which family it belongs to (how `ngxlint rules` groups it).
    pub family: Family,
    /// Whether it runs unless configuration says otherwise.
    pub default: Enabled,
    /// The same check in other tools, `tool:id` (`gixy:alias_traversal`,
    /// `nginx-lint:alias-location-slash-mismatch`, `semgrep:alias-path-traversal`).
    pub aliases: &'static [&'static str],
}

/// The families of rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// What fails a request between nginx and what it passes to (502, 504).
    Gateway,
    /// What a hostile client can exploit.
    Security,
    /// Weaker settings and opinions: defaults worth changing, deprecations.
    Hardening,
}

impl Family {
    /// Lowercase name as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Gateway => "gateway",
            Family::Security => "security",
            Family::Hardening => "hardening",
        }
    }
}

/// Whether a rule runs by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enabled {
    /// Runs unless configuration turns it off.
    On,
    /// An opinion: runs only when selected by its code, its name or `ALL`.
    OptIn,
}

impl Enabled {
    /// `on` or `opt-in`, as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Enabled::On => "on",
            Enabled::OptIn => "opt-in",
        }
    }
}

impl RuleMeta {
    /// A diagnostic of this rule at the default severity.
    pub fn diag(&self, file: FileId, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.code, self.name, self.severity, file, span, message)
    }
    /// A diagnostic of this rule at another severity.
    pub fn diag_at(
        &self,
        severity: Severity,
        file: FileId,
        span: Span,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::new(self.code, self.name, severity, file, span, message)
    }
}

/// Facts about the environment that the configuration does not say.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Supplementary groups of the nginx worker user (initgroups gives them to the workers).
    pub worker_groups: Vec<String>,
    /// The nginx version the config is for, where behaviour differs (default: newest stable).
    pub nginx_version: (u32, u32, u32),
    /// Whether the version was configured (`--nginx-version`, `[nginx] version`) rather than
    /// assumed: a rule about releases with a known flaw is sure of it only then.
    pub nginx_version_pinned: bool,
    /// The worker user and group when the configuration has no `user` directive (containers often
    /// start nginx as its final user).
    pub worker_user: Option<(String, String)>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            worker_groups: Vec::new(),
            nginx_version: (1, 30, 4),
            nginx_version_pinned: false,
            worker_user: None,
        }
    }
}

/// What a rule sees.
pub struct Cx<'p> {
    /// The project.
    pub project: &'p Project,
    /// The nginx side.
    pub model: &'p Model<'p>,
    /// Environment facts.
    pub settings: &'p Settings,
}

impl<'p> Cx<'p> {
    /// Every FPM pool with the tree it belongs to.
    pub fn pools(&self) -> impl Iterator<Item = (&'p FpmTree, &'p fpm_ini::Pool)> + 'p {
        self.project
            .fpm
            .iter()
            .flat_map(|t| t.config.pools.iter().map(move |p| (t, p)))
    }
    /// Who the nginx workers of a tree run as, when that is known: the `user` directive, else the
    /// user declared in configuration (`--nginx-user`); `None` when neither says.
    pub fn worker(&self, tree: usize) -> Option<crate::model::Worker<'p>> {
        let w = self.model.worker(tree);
        if w.at.is_some() {
            return Some(w);
        }
        self.settings
            .worker_user
            .as_ref()
            .map(|(user, group)| crate::model::Worker {
                user: user.clone(),
                group: group.clone(),
                at: None,
            })
    }
    /// Whether the project holds any FPM configuration.
    pub fn has_fpm(&self) -> bool {
        self.project.fpm.iter().any(|t| !t.config.pools.is_empty())
    }
    /// The FPM configurations (indexes into `project.fpm`) an nginx tree works with: those of its
    /// own stack, never another stack's of the same repository.
    pub fn fpm_of(&self, tree: usize) -> &'p [usize] {
        self.project.stacks.fpm_of(tree)
    }
    /// Every pool of the FPM configuration an nginx tree works with.
    pub fn pools_for(
        &self,
        tree: usize,
    ) -> impl Iterator<Item = (&'p FpmTree, &'p fpm_ini::Pool)> + 'p {
        let fpm = &self.project.fpm;
        self.fpm_of(tree).iter().flat_map(move |&f| {
            let t = &fpm[f];
            t.config.pools.iter().map(move |p| (t, p))
        })
    }
    /// Whether an nginx tree's stack holds a pool to compare its passes with. A pool whose
    /// `listen` comes from the environment at start-up cannot be compared: nothing is.
    pub fn has_fpm_for(&self, tree: usize) -> bool {
        let mut pools = self.pools_for(tree).peekable();
        pools.peek().is_some() && !self.pools_for(tree).any(|(_, p)| p.from_env("listen"))
    }
    /// Whether an nginx tree is a site kept but not enabled: a file no main config includes, in a
    /// `…-available` folder beside its `…-enabled` one (Debian's `sites-available`, where hosting
    /// panels keep disabled sites, their pools removed). nginx never loads it.
    pub fn disabled_site(&self, tree: usize) -> bool {
        let Some(t) = self.project.nginx.trees.get(tree) else {
            return false;
        };
        if !t.fragment {
            return false;
        }
        let path = &self.project.files.get(t.main).server_path;
        let Some(dir) = path.parent() else {
            return false;
        };
        let Some(name) = dir.file_name().and_then(|n| n.to_str()) else {
            return false;
        };
        name.strip_suffix("-available")
            .is_some_and(|stem| dir.with_file_name(format!("{stem}-enabled")).is_dir())
    }
    /// Whether the FPM configuration `fpm` (an index into `project.fpm`) is in an nginx tree's stack.
    pub fn in_stack(&self, tree: usize, fpm: usize) -> bool {
        self.fpm_of(tree).contains(&fpm)
    }
    /// The project file and span of an FPM origin.
    pub fn fpm_span(&self, tree: &FpmTree, origin: &fpm_ini::Origin) -> (FileId, Span) {
        (
            tree.file(origin.file),
            Span {
                start: origin.value.start,
                end: origin.value.end,
            },
        )
    }
    /// Edits that give keys of a pool these values: a key the pool sets has its winning value
    /// replaced; the others are added as `key = value` lines below the line of `anchor` (a key
    /// of the pool), at its indentation, in one insertion.
    pub fn fpm_set(
        &self,
        tree: &FpmTree,
        pool: &fpm_ini::Pool,
        anchor: &fpm_ini::Origin,
        settings: &[(&str, String)],
    ) -> Vec<crate::diagnostic::Edit> {
        let mut edits = Vec::new();
        let mut added: Vec<String> = Vec::new();
        for (key, value) in settings {
            match pool.get(key) {
                Some(r) => {
                    let (file, span) = self.fpm_span(tree, &r.origin);
                    edits.push(crate::diagnostic::Edit::replace(file, span, value.clone()));
                }
                None => added.push(format!("{key} = {value}")),
            }
        }
        if !added.is_empty() {
            let (file, span) = self.fpm_span(tree, anchor);
            let src = &self.project.files.get(file).bytes;
            edits.push(crate::edit::insert_line_after(
                file,
                src,
                span.start as usize,
                &added.join("\n"),
            ));
        }
        edits
    }
    /// The project file and span of an FPM key (the key token).
    pub fn fpm_key_span(&self, tree: &FpmTree, origin: &fpm_ini::Origin) -> (FileId, Span) {
        (
            tree.file(origin.file),
            Span {
                start: origin.key.start,
                end: origin.key.end,
            },
        )
    }
}

/// A check.
pub trait Rule: Send + Sync {
    /// Code, name, severity, document.
    fn meta(&self) -> &'static RuleMeta;
    /// Directive names [`Rule::on_directive`] is called for.
    fn directives(&self) -> &'static [&'static str] {
        &[]
    }
    /// Called for each directive named in [`Rule::directives`], in every scope it stands in.
    fn on_directive(
        &self,
        _cx: &Cx<'_>,
        _scope: ScopeId,
        _at: &At<'_>,
        _out: &mut Vec<Diagnostic>,
    ) {
    }
    /// Called once for every scope (wants_scopes must be true).
    fn on_scope(&self, _cx: &Cx<'_>, _scope: ScopeId, _out: &mut Vec<Diagnostic>) {}
    /// Whether [`Rule::on_scope`] should be called.
    fn wants_scopes(&self) -> bool {
        false
    }
    /// Called once per project, after the traversal: cross-file checks.
    fn on_project(&self, _cx: &Cx<'_>, _out: &mut Vec<Diagnostic>) {}
    /// Sets a typed option from configuration (`key = value`); the error says what is accepted.
    fn configure(&mut self, key: &str, _value: &str) -> Result<(), String> {
        Err(format!("`{}` has no option `{key}`", self.meta().name))
    }
}

/// Runs the rules: one traversal of all scopes, then one project pass each. Duplicates (a file
/// included in several places) are reported once.
pub fn run(
    project: &Project,
    model: &Model<'_>,
    settings: &Settings,
    rules: &[Box<dyn Rule>],
) -> Vec<Diagnostic> {
    let run = Run::new(project, model, settings, rules);
    let workers = run.workers.min(run.jobs);
    // A rule that panics is a bug: the panic surfaces rather than hiding its findings.
    let results = crate::par::on_all(workers, &|| run.work());
    run.finish(results.into_iter().flatten().collect())
}

/// One run of the rules as jobs any number of threads take in turn ([`Run::work`]): the
/// traversal's parts and the project passes are independent of each other. A thread that
/// finishes other work joins whenever it is free; the results are put back in job order
/// ([`Run::finish`]), so output does not depend on scheduling.
pub struct Run<'r, 'p> {
    cx: Cx<'p>,
    rules: &'r [Box<dyn Rule>],
    /// Rules by the interned name of the directives they ask for.
    by_name: Vec<Vec<usize>>,
    scope_rules: Vec<usize>,
    ids: Vec<ScopeId>,
    /// The traversal's parts: runs of consecutive scopes of about equal work.
    bounds: Vec<usize>,
    parts: usize,
    jobs: usize,
    /// The machine's cores (the parts are cut for them).
    workers: usize,
    next: std::sync::atomic::AtomicUsize,
}

/// What a thread's share of a [`Run`] found, by job.
pub type RunParts = Vec<(usize, Vec<Diagnostic>)>;

impl<'r, 'p> Run<'r, 'p> {
    /// The jobs of running `rules` over the project.
    pub fn new(
        project: &'p Project,
        model: &'p Model<'p>,
        settings: &'p Settings,
        rules: &'r [Box<dyn Rule>],
    ) -> Self {
        // Rules by the interned name of the directives they ask for (names no scope holds drop out).
        let mut by_name: Vec<Vec<usize>> = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            for &n in r.directives() {
                if let Some(id) = model.name_id(n) {
                    let id = id as usize;
                    if by_name.len() <= id {
                        by_name.resize(id + 1, Vec::new());
                    }
                    by_name[id].push(i);
                }
            }
        }
        let scope_rules: Vec<usize> = (0..rules.len())
            .filter(|&i| rules[i].wants_scopes())
            .collect();
        let workers_max = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        // The traversal is cut into runs of consecutive scopes of about equal work (a scope and
        // its statements), a job each: as one job it was the longest of all (every per-scope and
        // per-statement rule), and the other core ran out of project passes long before it ended.
        let ids: Vec<ScopeId> = model.ids().collect();
        let chunks = if workers_max > 1 { workers_max * 4 } else { 1 };
        let weight = |id: ScopeId| 1 + model.scope(id).directives.len();
        let total: usize = ids.iter().map(|&id| weight(id)).sum();
        let mut bounds = vec![0usize];
        let mut acc = 0usize;
        for (k, &id) in ids.iter().enumerate() {
            acc += weight(id);
            if acc * chunks >= total * bounds.len() && bounds.len() < chunks && k + 1 < ids.len() {
                bounds.push(k + 1);
            }
        }
        bounds.push(ids.len());
        // The parts come first, in scope order, then the project passes.
        let parts = bounds.len() - 1;
        Run {
            cx: Cx {
                project,
                model,
                settings,
            },
            rules,
            by_name,
            scope_rules,
            ids,
            bounds,
            parts,
            jobs: parts + rules.len(),
            workers: workers_max,
            next: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    fn traversal(&self, part: &[ScopeId]) -> Vec<Diagnostic> {
        let (cx, rules, model) = (&self.cx, self.rules, self.cx.model);
        let mut out = Vec::new();
        for &id in part {
            for &i in &self.scope_rules {
                rules[i].on_scope(cx, id, &mut out);
            }
            if self.by_name.is_empty() {
                continue;
            }
            let scope = model.scope(id);
            for (at, &name) in scope.directives.iter().zip(model.names_of(id)) {
                if let Some(rs) = self.by_name.get(name as usize) {
                    for &i in rs {
                        rules[i].on_directive(cx, id, at, &mut out);
                    }
                }
            }
        }
        out
    }

    /// Takes jobs until none is left; what they found, by job.
    pub fn work(&self) -> RunParts {
        let mut done: RunParts = Vec::new();
        loop {
            let job = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if job >= self.jobs {
                return done;
            }
            if job < self.parts {
                let part = &self.ids[self.bounds[job]..self.bounds[job + 1]];
                done.push((job, self.traversal(part)));
            } else {
                let mut o = Vec::new();
                self.rules[job - self.parts].on_project(&self.cx, &mut o);
                done.push((job, o));
            }
        }
    }

    /// The findings of every thread's share, in job order, each once; where nginx's handlers
    /// refuse a statement, the refusal is the finding (NGX012–NGX017).
    pub fn finish(&self, mut results: RunParts) -> Vec<Diagnostic> {
        let project = self.cx.project;
        results.sort_by_key(|(job, _)| *job);
        let mut out: Vec<Diagnostic> = results.into_iter().flat_map(|(_, o)| o).collect();
        // Borrowed keys hashed with foldhash: a finding's message is long, and SipHash over it (and a
        // copy of it) cost more than the finding.
        let mut seen: crate::hash::FastSet<(FileId, Span, &str, &str)> = Default::default();
        seen.reserve(out.len());
        let keep: Vec<bool> = out
            .iter()
            .map(|d| seen.insert((d.file, d.span, d.code, d.message.as_str())))
            .collect();
        drop(seen);
        let mut keep = keep.into_iter();
        out.retain(|_| keep.next().unwrap_or(true));
        if !project.nginx.refused.is_empty() {
            out.retain(|d| !project.nginx.is_refused(d.file, d.span));
        }
        out
    }
}
