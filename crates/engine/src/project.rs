//! One run's project: every nginx tree and FPM config found, and the readers' diagnostics.

use std::path::{Path, PathBuf};

use nginx_syntax::directives::{Context, Directives};
use ngxlint_vfs::{FsVfs, Vfs, VfsError};

use crate::classify::{self, Kind};
use crate::diagnostic::{Diagnostic, Severity};
use crate::discover::{discover, Found};
use crate::files::{FileId, FileKind, Files};
use crate::nginx::{Loader, NginxData, Sink};

/// How to read a project.
#[derive(Debug)]
pub struct Options {
    /// Nothing outside this folder is read unless `allow_outside`.
    pub root: PathBuf,
    /// Server path prefix → folder in the tree (`/etc/nginx` → `nginx`).
    pub maps: Vec<(PathBuf, PathBuf)>,
    /// Read files outside the root when an include points there.
    pub allow_outside: bool,
    /// Find absolute paths in the tree by their longest existing suffix.
    pub auto_map: bool,
    /// nginx's conf prefix for relative includes, instead of each main file's folder.
    pub prefix: Option<PathBuf>,
    /// The directives nginx knows.
    pub directives: Directives,
    /// Largest file read, in bytes.
    pub max_file_size: u64,
    /// Read nginx's stock `fastcgi_params`, `mime.types`, ... when the tree includes one it lacks.
    pub stock_files: bool,
    /// How php-fpm reads its configuration (prefix, PHP version, root).
    pub fpm: fpm_ini::LoadOptions,
    /// Contents to read instead of files on disk (editor buffers, stdin), by path.
    pub overlays: Vec<(PathBuf, Vec<u8>)>,
    /// Parsed files kept between runs (the language server).
    pub cache: Option<std::sync::Arc<crate::nginx::ParseCache>>,
    /// Which files a walk takes (`.gitignore`, `[paths] include/exclude`).
    pub filter: crate::discover::Filter,
    /// Judge a file no main config includes as a whole configuration, with nginx's defaults
    /// above it and its own folder as the prefix (rule documents' examples), instead of only for
    /// what it sets itself.
    pub complete_fragments: bool,
    /// A template (`X.template`) stands for the file it renders to at start-up.
    pub templates: bool,
    /// Whether `directives` are those of a release the user named (`--nginx-version`,
    /// `[nginx] version`): nginx's version-dependent start-up warnings are warnings then, and
    /// only information about the newest release otherwise.
    pub nginx_version_pinned: bool,
    /// Say of every file why it is what it is, and where it was read (`--list-files`); else
    /// only of named files.
    pub list_files: bool,
    /// Read, parse and classify the files, and stop there: no includes followed, no FPM
    /// configuration read, no findings beyond the reader's (`ngxlint fmt` needs only the files).
    pub only_read: bool,
    /// Leave nginx's handler checks out of the reading: [`Project::deferred`] holds what they
    /// need, and [`Project::check_deferred`] runs them (a linter run does, on a second core
    /// while the model is built). Their findings are then not in [`Project::diagnostics`].
    pub defer_checks: bool,
}

impl Options {
    /// Defaults for a root folder, with a directive table that knows nothing yet (set
    /// `directives` before loading).
    pub fn without_table(root: PathBuf) -> Self {
        Self::new_with(root, Directives::none())
    }

    /// Defaults for a root folder.
    pub fn new(root: PathBuf) -> Self {
        Self::new_with(root, Directives::builtin())
    }

    fn new_with(root: PathBuf, directives: Directives) -> Self {
        let root_for_filter = absolute(&root);
        Options {
            root,
            maps: Vec::new(),
            allow_outside: false,
            auto_map: true,
            prefix: None,
            directives,
            max_file_size: ngxlint_vfs::DEFAULT_MAX_SIZE,
            stock_files: true,
            fpm: fpm_ini::LoadOptions::default(),
            overlays: Vec::new(),
            cache: None,
            filter: crate::discover::Filter {
                base: root_for_filter,
                gitignore: true,
                ..Default::default()
            },
            complete_fragments: false,
            templates: true,
            nginx_version_pinned: false,
            list_files: false,
            only_read: false,
            defer_checks: false,
        }
    }
}

/// Why a project could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A path given on the command line does not exist.
    #[error("{0}: No such file or directory")]
    Missing(PathBuf),
    /// The root folder cannot be used.
    #[error("cannot use {0} as the root: {1}")]
    Root(PathBuf, VfsError),
}

/// Everything one run read.
#[derive(Debug)]
pub struct Project {
    /// Every file read.
    pub files: Files,
    /// The nginx side.
    pub nginx: NginxData,
    /// The readers' diagnostics, in the order found.
    pub diagnostics: Vec<Diagnostic>,
    /// The root folder (canonical).
    pub root: PathBuf,
    /// The FPM side: each main config with its includes, and pool files read alone.
    pub fpm: Vec<crate::fpm::FpmTree>,
    /// Every file the run saw: what it is and why (`--list-files`).
    pub listing: Vec<Listed>,
    /// Paths named on the command line that hold no configuration, with why.
    pub unlinted: Vec<(PathBuf, String)>,
    /// Which FPM configurations each nginx tree works with.
    pub stacks: Stacks,
    /// With [`Options::defer_checks`]: what the handlers' checks need of the reading.
    pub deferred: Option<crate::nginx::Deferred>,
    /// Whether the nginx release was named (the handlers' checks word some findings by it).
    version_pinned: bool,
}

/// The paths a [`Project`] is loaded from, walked: what [`Project::discover`] hands on to
/// [`Project::load_discovered`].
pub struct Discovered {
    vfs: FsVfs,
    found: Found,
}

impl Project {
    /// Reads everything under `paths`.
    pub fn load(paths: &[PathBuf], opts: &Options) -> Result<Project, LoadError> {
        Ok(Self::load_discovered(
            Self::discover(paths, opts)?,
            paths,
            opts,
        ))
    }

    /// The first step of [`Project::load`]: the named paths are checked and walked. It needs none
    /// of `opts.directives`, so the directive table can be made meanwhile ([`Project::load`]'s
    /// caller in the CLI makes it on another core).
    pub fn discover(paths: &[PathBuf], opts: &Options) -> Result<Discovered, LoadError> {
        for p in paths {
            // An editor's buffer not saved yet is linted from its text, as the file it will be.
            let unsaved = || {
                opts.overlays
                    .iter()
                    .any(|(o, _)| absolute(o) == absolute(p))
            };
            if std::fs::symlink_metadata(p).is_err() && !unsaved() {
                return Err(LoadError::Missing(p.clone()));
            }
        }
        let mut vfs = FsVfs::new(&opts.root).map_err(|e| LoadError::Root(opts.root.clone(), e))?;
        for (from, to) in &opts.maps {
            vfs.add_map(from, to);
        }
        vfs.allow_outside(opts.allow_outside);
        vfs.auto_map(opts.auto_map);
        vfs.max_size(opts.max_file_size);
        vfs.render_templates(opts.templates);
        for (path, bytes) in &opts.overlays {
            vfs.add_overlay(path, bytes.clone());
        }
        let mut found = discover(paths, &opts.root, &opts.filter);
        crate::discover::add_unsaved(&mut found, paths, &opts.root, &opts.overlays);
        vfs.hide(&found.hidden_files, &found.hidden_dirs);
        // Absolute paths map into the folders that were walked (and only those): a sibling
        // project elsewhere under the root must not stand in for this one's `/etc/nginx`. When
        // only files were named (pre-commit), the whole root is indexed lazily instead.
        if paths.iter().any(|p| p.is_dir()) {
            vfs.set_dirs(found.dirs.iter().map(|d| absolute(d)).collect());
        }
        Ok(Discovered { vfs, found })
    }

    /// The rest of [`Project::load`], from what [`Project::discover`] found with the same
    /// `paths` and `opts`.
    pub fn load_discovered(discovered: Discovered, paths: &[PathBuf], opts: &Options) -> Project {
        let Discovered { vfs, found } = discovered;
        let mut project = Self::load_found(&vfs, found, opts);
        project.unlinted = unlinted_paths(paths, &project.listing);
        project
    }

    fn load_found(vfs: &FsVfs, found: Found, opts: &Options) -> Project {
        let mut files = Files::default();
        let mut data = NginxData::default();
        let mut sink = Sink::default();
        let mut listing: Vec<Listed> = Vec::new();
        let root = vfs.root().to_path_buf();
        files.set_root(&absolute(&opts.root), &root);
        let mut loader = Loader::new(vfs, &opts.directives, &mut files, &mut data, &mut sink);
        loader.stock_files = opts.stock_files;
        loader.set_version_pinned(opts.nginx_version_pinned);
        if opts.defer_checks {
            loader.defer_checks();
        }
        loader.cache = opts.cache.clone();
        // Read every candidate once, then judge it by its content.
        let mut ids: Vec<FileId> = Vec::new();
        let mut fpm_found: Vec<crate::fpm::FpmCandidate> = Vec::new();
        let mut unreadable = Vec::new();
        let mut broken_links = Vec::new();
        let mut outside_links = Vec::new();
        let abs: Vec<PathBuf> = found.candidates.iter().map(|c| absolute(&c.path)).collect();
        let regular: Vec<bool> = found.candidates.iter().map(|c| c.regular).collect();
        let candidates = &found.candidates;
        // Why a file is what it is is told for `--list-files` and for named files; a check of
        // 2,000 files does not spell it out 2,000 times.
        let explain = |i: usize| opts.list_files || candidates[i].named;
        let reads = loader.read_many(&abs, &regular, |i, loaded: &crate::nginx::Loaded| {
            classify::classify(
                &loaded.bytes,
                &loaded.parsed,
                &opts.directives,
                candidates[i].hints,
                candidates[i].named,
                explain(i),
            )
        });
        loader.reserve(reads.len());
        for (i, ((cand, path), r)) in candidates.iter().zip(&abs).zip(reads).enumerate() {
            let (loaded, verdict) = match r {
                Ok(l) => l,
                // A link to a folder: its files are reached through includes, not as one file.
                Err(VfsError::IsDir) if cand.symlink => continue,
                // A link to nothing, or a loop of links.
                Err(e @ (VfsError::NotFound | VfsError::Io(_))) if cand.symlink => {
                    let why = format!("a broken symbolic link: {e}");
                    listing.push(Listed::new(&cand.path, ListKind::Unreadable, why));
                    broken_links.push((cand.path.clone(), e));
                    continue;
                }
                Err(VfsError::NotInTree(target)) if cand.symlink => {
                    let why = format!(
                        "a link to `{}`, which is not in the repository",
                        target.display()
                    );
                    listing.push(Listed::new(&cand.path, ListKind::Unreadable, why));
                    outside_links.push((cand.path.clone(), target));
                    continue;
                }
                Err(e) => {
                    listing.push(Listed::new(&cand.path, ListKind::Unreadable, e.to_string()));
                    unreadable.push((cand.path.clone(), e));
                    continue;
                }
            };
            let hints = cand.hints;
            let includes = verdict.includes;
            let mut listed = Listed::new(&cand.path, ListKind::Read(verdict.kind), verdict.why);
            if explain(i) && cand.symlink {
                let target = vfs.display_canonical(&loaded.canonical);
                listed.why = format!("a link to {}: {}", target.display(), listed.why);
            }
            // `fmt` and `--list-files` find the file read by it (no second path resolution).
            listed.canonical = Some(loaded.canonical.clone());
            listing.push(listed);
            match verdict.kind {
                k if k.is_nginx() => {
                    ids.push(loader.register(path, loaded));
                }
                k if k.is_fpm() => fpm_found.push(crate::fpm::FpmCandidate {
                    path: path.clone(),
                    canonical: loaded.canonical,
                    bytes: loaded.bytes.to_vec(),
                    main: k == Kind::FpmMain,
                    includes,
                    pool_dir: hints.pool_dir,
                }),
                _ => {}
            }
        }
        beside_pools(&mut fpm_found, &mut listing);
        if opts.only_read {
            drop(loader);
            return Project {
                files,
                nginx: data,
                diagnostics: sink.list,
                root,
                fpm: Vec::new(),
                listing,
                unlinted: Vec::new(),
                stacks: Stacks::default(),
                deferred: None,
                version_pinned: opts.nginx_version_pinned,
            };
        }
        let entries: Vec<FileId> = ids
            .iter()
            .copied()
            .filter(|&id| is_entry_point(&loader, id))
            .collect();
        let mut entry_dirs: Vec<PathBuf> = Vec::new();
        for &id in &entries {
            let prefix = opts
                .prefix
                .clone()
                .unwrap_or_else(|| parent_of(&loader.files.get(id).server_path));
            entry_dirs.push(prefix.clone());
            loader.load_tree(id, Context::Main, &prefix);
        }
        // Files no entry point includes are read in their evident context.
        for &id in &ids {
            if loader.visited.contains(&id) {
                continue;
            }
            let own = loader.files.get(id).server_path.clone();
            let prefix = entry_dirs
                .iter()
                .filter(|d| own.starts_with(d))
                .max_by_key(|d| d.as_os_str().len())
                .cloned();
            let known_prefix = prefix.is_some() || opts.prefix.is_some();
            let prefix = prefix
                .or_else(|| opts.prefix.clone())
                .unwrap_or_else(|| parent_of(&own));
            let ctx = loader.evident_context(id, &prefix);
            // `nginx.conf` of main-context statements is a main config by its name
            // (`include /config/nginx/nginx.conf;` and nothing else, as a container's is).
            let by_name = ctx == Context::Main
                && loader.files.get(id).path.file_name()
                    == Some(std::ffi::OsStr::new("nginx.conf"));
            if by_name || opts.complete_fragments {
                loader.load_tree(id, ctx, &prefix);
            } else {
                loader.load_fragment(id, ctx, &prefix, known_prefix);
            }
        }
        let included_by = std::mem::take(&mut loader.included_by);
        let deferred = loader.deferred.take();
        drop(loader);
        let mut diagnostics = sink.list;
        for (path, e) in unreadable {
            diagnostics.push(unreadable_diag(&mut files, &path, &e, FileKind::Nginx));
        }
        for (path, e) in broken_links {
            let msg = format!(
                "`{}` is a broken symbolic link: {e}",
                files.shown(&absolute(&path))
            );
            let d = file_problem(&mut files, &path, FileKind::Nginx, Severity::Warning, msg)
                .with_help("point the link at an existing file or remove it; nginx fails on it wherever it is included");
            diagnostics.push(d);
        }
        for (path, target) in outside_links {
            let msg = format!(
                "`{}` links to `{}`, which is not in the repository; it was not read",
                files.shown(&absolute(&path)),
                target.display()
            );
            let id = files.add(path.clone(), absolute(&path), Vec::new(), FileKind::Nginx);
            diagnostics.push(
                crate::nginx::not_read(id, nginx_syntax::Span::default(), msg)
                .with_help("what it holds was not checked; if the repository keeps it elsewhere, map its folder with `--map FROM=TO` or `[paths] map`"),
            );
        }
        for (path, e) in found.errors {
            let msg = format!(
                "cannot read `{}`: {}",
                files.shown(&absolute(&path)),
                strip_os_error(&e)
            );
            diagnostics.push(file_problem(
                &mut files,
                &path,
                FileKind::Nginx,
                Severity::Error,
                msg,
            ));
        }
        let (fpm, fpm_diags) = crate::fpm::load_fpm(fpm_found, vfs, &opts.fpm, &mut files);
        diagnostics.extend(fpm_diags);
        // A file shared by several configs (a pool.d file included by two mains) reports once.
        let mut seen = std::collections::HashSet::new();
        diagnostics.retain(|d| seen.insert((d.file, d.span, d.code, d.message.clone())));
        for (path, why) in found.skipped {
            let mut listed = Listed::new(&path, ListKind::Skipped, why);
            if opts.list_files {
                // An include may read what the walk passed over (`sites-enabled/example.com`).
                listed.canonical = vfs.canonical(&absolute(&path)).ok();
            }
            listing.push(listed);
        }
        if opts.list_files {
            listing.sort_by(|a, b| crate::discover::path_order(&a.path, &b.path));
        }
        let mut project = Project {
            files,
            nginx: data,
            diagnostics,
            root,
            fpm,
            listing,
            unlinted: Vec::new(),
            stacks: Stacks::default(),
            deferred,
            version_pinned: opts.nginx_version_pinned,
        };
        if opts.list_files {
            project.describe_listing(&included_by);
        }
        project.stacks = Stacks::pair(&project);
        project
    }

    /// Runs nginx's handler checks the reading left out ([`Options::defer_checks`]) with the
    /// table it read by; nothing when it ran them.
    pub fn check_deferred(&self, directives: &Directives) -> crate::nginx::Checked {
        match &self.deferred {
            Some(d) => crate::nginx::check_deferred(
                &self.nginx,
                &self.files,
                directives,
                d,
                self.version_pinned,
            ),
            None => Default::default(),
        }
    }

    /// Says where each file of the listing was read: included by which line, or alone.
    fn describe_listing(&mut self, included_by: &crate::hash::FastMap<FileId, (FileId, u32)>) {
        let by_canonical: std::collections::HashMap<PathBuf, FileId> = (0..self.files.len())
            .map(|i| FileId(i as u32))
            .map(|id| (self.files.get(id).server_path.clone(), id))
            .collect();
        let mut fragment_ctx: std::collections::HashMap<FileId, Context> = Default::default();
        for t in &self.nginx.trees {
            if t.fragment {
                fragment_ctx.insert(t.main, t.context);
            }
        }
        let mut fpm_role: std::collections::HashMap<FileId, String> = Default::default();
        for t in &self.fpm {
            for (i, f) in t.config.files.iter().enumerate() {
                let role = match f.included_from {
                    Some((by, span)) => {
                        let by_file = self.files.get(t.file(by));
                        format!(
                            "included by {}:{}",
                            by_file.path.display(),
                            by_file.line_col(span.start).0
                        )
                    }
                    None if t.pool_file_only && t.config.files.len() > 1 => {
                        "read with the other pool files of its folder, as a main config's `include=` reads them (no main config here)".to_string()
                    }
                    None if t.pool_file_only => {
                        "read alone: no main config here includes it".to_string()
                    }
                    None => "a main config".to_string(),
                };
                fpm_role.entry(t.file(i)).or_insert(role);
            }
        }
        for l in &mut self.listing {
            let Some(&id) = l.canonical.as_ref().and_then(|c| by_canonical.get(c)) else {
                continue;
            };
            let kind = match l.kind {
                ListKind::Read(kind) => kind,
                // Passed over by the walk, then read through an include: what the include read
                // it as, and why the walk alone would not have.
                ListKind::Skipped => {
                    let kind = match self.files.get(id).kind {
                        FileKind::Nginx => Kind::Nginx,
                        FileKind::Fpm => Kind::FpmPool,
                    };
                    l.kind = ListKind::Read(kind);
                    l.why = format!("not read on its own ({})", l.why);
                    kind
                }
                ListKind::Unreadable => continue,
            };
            let role = if kind.is_nginx() {
                if let Some(&(by, at)) = included_by.get(&id) {
                    let f = self.files.get(by);
                    Some(format!(
                        "included by {}:{}",
                        f.path.display(),
                        f.line_col(at).0
                    ))
                } else {
                    fragment_ctx.get(&id).map(|c| {
                        format!(
                            "read alone in `{}` context: no main config includes it",
                            c.as_str()
                        )
                    })
                }
            } else if kind.is_fpm() {
                fpm_role.get(&id).cloned()
            } else {
                None
            };
            if let Some(role) = role {
                l.why = format!("{}; {role}", l.why);
            }
        }
    }
}

/// A file of `[global]` overrides without `include=` that lies beside pool files in a folder not
/// named as a pool folder (the php image's `docker.conf` and `zz-docker.conf` kept in
/// `k8s/php-fpm/` or `docker/php/`) belongs with them, as the folder they are copied to reads
/// them all: it is no main config of its own, and its `[www] listen = 9000` is one setting of the
/// pool beside it, not a pool without `pm`. `php-fpm.conf` keeps its name's role.
fn beside_pools(found: &mut [crate::fpm::FpmCandidate], listing: &mut [Listed]) {
    let pools: Vec<PathBuf> = found
        .iter()
        .filter(|c| !c.main)
        .filter_map(|c| c.path.parent().map(Path::to_path_buf))
        .collect();
    let mut folders: Vec<PathBuf> = Vec::new();
    for c in found.iter_mut() {
        let Some(dir) = c.path.parent() else { continue };
        if !c.main
            || c.path.file_name() == Some(std::ffi::OsStr::new("php-fpm.conf"))
            || !pools.iter().any(|p| p == dir)
            || c.includes
        {
            continue;
        }
        c.main = false;
        folders.push(dir.to_path_buf());
        for l in listing.iter_mut() {
            if absolute(&l.path) == c.path && l.kind == ListKind::Read(Kind::FpmMain) {
                l.kind = ListKind::Read(Kind::FpmPool);
                l.why = format!("{}, beside the pool files of its folder", l.why);
            }
        }
    }
    for c in found.iter_mut() {
        if c.path
            .parent()
            .is_some_and(|d| folders.iter().any(|f| f == d))
        {
            c.pool_dir = true;
        }
    }
}

/// What a file of the listing is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListKind {
    /// Read and judged.
    Read(Kind),
    /// Passed over without being read (its name, `.gitignore`, `[paths] exclude`).
    Skipped,
    /// Could not be read.
    Unreadable,
}

impl ListKind {
    /// A short name for the listing.
    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::Read(Kind::NginxMain) => "nginx-main",
            ListKind::Read(Kind::Nginx) => "nginx",
            ListKind::Read(Kind::FpmMain) => "fpm-main",
            ListKind::Read(Kind::FpmPool) => "fpm-pool",
            ListKind::Read(Kind::Other) => "not-config",
            ListKind::Skipped => "skipped",
            ListKind::Unreadable => "unreadable",
        }
    }
    /// Whether the file is linted.
    pub fn linted(self) -> bool {
        matches!(self, ListKind::Read(k) if k != Kind::Other)
    }
}

/// One file a run saw, what it is and why.
#[derive(Clone, Debug)]
pub struct Listed {
    /// The path as walked (or named).
    pub path: PathBuf,
    /// What it is.
    pub kind: ListKind,
    /// The evidence, and where it was read.
    pub why: String,
    /// The local file it was read from (a link's target), when it was read.
    pub canonical: Option<PathBuf>,
}

impl Listed {
    fn new(path: &Path, kind: ListKind, why: impl Into<String>) -> Listed {
        Listed {
            path: path.to_path_buf(),
            kind,
            why: why.into(),
            canonical: None,
        }
    }
}

/// The paths named on the command line that hold no configuration, with why (the run says so:
/// a green run on nothing is no answer).
fn unlinted_paths(paths: &[PathBuf], listing: &[Listed]) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for p in paths {
        let abs = absolute(p);
        let is_under = |l: &&Listed| absolute(&l.path).starts_with(&abs);
        // A linted file under the path is the common answer: found without looking at the rest.
        if listing
            .iter()
            .filter(|l| l.kind.linted())
            .any(|l| is_under(&l))
        {
            continue;
        }
        let under: Vec<&Listed> = listing.iter().filter(is_under).collect();
        let why = if p.is_dir() {
            format!(
                "no nginx or PHP-FPM configuration found in `{}` ({} files looked at)",
                p.display(),
                under.len()
            )
        } else {
            match under.first() {
                Some(l) => format!(
                    "`{}` is not nginx or PHP-FPM configuration: {}; it was not linted",
                    p.display(),
                    l.why
                ),
                None => format!("`{}` was not linted", p.display()),
            }
        };
        out.push((p.clone(), why));
    }
    out
}

/// Which PHP-FPM configurations each nginx tree works with: those of its own stack. A repository
/// may hold several (a folder per image or site); an nginx tree is paired with the FPM
/// configurations nearest it in the folder tree, and an FPM configuration with the nginx trees
/// nearest it, so `shop/nginx` meets `shop/php` and never `blog/php`.
#[derive(Debug, Default)]
pub struct Stacks {
    /// For each nginx tree (index into `nginx.trees`), the FPM trees (indexes into `fpm`).
    pub fpm_of: Vec<Vec<usize>>,
}

impl Stacks {
    fn pair(project: &Project) -> Stacks {
        let dir_of = |id: FileId| -> PathBuf {
            let p = &project.files.get(id).server_path;
            p.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        let nginx_dirs: Vec<PathBuf> = project.nginx.trees.iter().map(|t| dir_of(t.main)).collect();
        let mut fpm_of = vec![Vec::new(); nginx_dirs.len()];
        for (f, tree) in project.fpm.iter().enumerate() {
            let Some(&first) = tree.file_ids.first() else {
                continue;
            };
            let fd = dir_of(first);
            let affinity: Vec<usize> = nginx_dirs.iter().map(|d| common_prefix(d, &fd)).collect();
            let Some(&best) = affinity.iter().max() else {
                continue;
            };
            for (t, a) in affinity.iter().enumerate() {
                if *a == best {
                    fpm_of[t].push(f);
                }
            }
        }
        Stacks { fpm_of }
    }

    /// The FPM trees an nginx tree works with.
    pub fn fpm_of(&self, tree: usize) -> &[usize] {
        self.fpm_of.get(tree).map(Vec::as_slice).unwrap_or(&[])
    }
}

fn common_prefix(a: &Path, b: &Path) -> usize {
    a.components()
        .zip(b.components())
        .take_while(|(x, y)| x == y)
        .count()
}

/// A file that could not be read: a placeholder entry (so the finding has a file) and its NGX009.
fn file_problem(
    files: &mut Files,
    path: &Path,
    kind: FileKind,
    severity: Severity,
    msg: String,
) -> Diagnostic {
    let id = files.add(path.to_path_buf(), absolute(path), Vec::new(), kind);
    Diagnostic::new(
        "NGX009",
        "unreadable-file",
        severity,
        id,
        nginx_syntax::Span::default(),
        msg,
    )
}

/// NGX009 for a file the file access refused.
pub(crate) fn unreadable_diag(
    files: &mut Files,
    path: &Path,
    e: &VfsError,
    kind: FileKind,
) -> Diagnostic {
    match e {
        VfsError::OutsideRoot => {
            let msg = format!(
                "`{}` is outside the linted root; it was not read",
                files.shown(&absolute(path))
            );
            file_problem(files, path, kind, Severity::Error, msg)
                .with_help("pass `--allow-outside-root` or lint from a folder that contains it")
        }
        other => file_problem(
            files,
            path,
            kind,
            Severity::Error,
            format!("cannot read `{}`: {other}", files.shown(&absolute(path))),
        ),
    }
}

fn is_entry_point(loader: &Loader<'_>, id: FileId) -> bool {
    let Some(parsed) = loader.data.parsed.get(&id) else {
        return false;
    };
    let src = &loader.files.get(id).bytes;
    parsed.directives.iter().any(|d| {
        d.block.is_some()
            && ["events", "http", "stream", "mail"]
                .iter()
                .any(|n| d.is(src, n))
    })
}

fn strip_os_error(s: &str) -> &str {
    s.split(" (os error").next().unwrap_or(s)
}

fn parent_of(p: &Path) -> PathBuf {
    p.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// `p` made absolute against the working folder (read once per run), without `.` components
/// and doubled slashes (`..` stays: it depends on symbolic links). Paths derived from these are
/// map keys: two spellings of one path compare equal only component by component, which made
/// every lookup take the slow road.
pub(crate) fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        // A clean path is what its components rebuild (no allocation per component).
        if ngxlint_vfs::is_clean(p) {
            return p.to_path_buf();
        }
        return p.components().collect();
    }
    // One getcwd per run, not one per file.
    static CWD: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    CWD.get_or_init(|| std::env::current_dir().ok())
        .as_ref()
        .map(|c| c.join(p).components().collect())
        .unwrap_or_else(|| p.to_path_buf())
}
