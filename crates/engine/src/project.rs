//! One run's project: every nginx tree and FPM config found, and the readers' diagnostics.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use nginx_syntax::directives::{Context, Directives};
use ngxlint_vfs::{FsVfs, VfsError};

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
}

impl Options {
    /// Defaults for a root folder.
    pub fn new(root: PathBuf) -> Self {
        Options {
            root,
            maps: Vec::new(),
            allow_outside: false,
            auto_map: true,
            prefix: None,
            directives: Directives::builtin(),
            max_file_size: ngxlint_vfs::DEFAULT_MAX_SIZE,
            stock_files: true,
            fpm: fpm_ini::LoadOptions::default(),
            overlays: Vec::new(),
            cache: None,
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
}

impl Project {
    /// Reads everything under `paths`.
    pub fn load(paths: &[PathBuf], opts: &Options) -> Result<Project, LoadError> {
        // An editor's buffer not saved yet is linted from its text, as the file it will be.
        let unsaved = |p: &PathBuf| {
            std::fs::symlink_metadata(p).is_err()
                && opts
                    .overlays
                    .iter()
                    .any(|(o, _)| absolute(o) == absolute(p))
        };
        for p in paths {
            if std::fs::symlink_metadata(p).is_err() && !unsaved(p) {
                return Err(LoadError::Missing(p.clone()));
            }
        }
        let on_disk: Vec<PathBuf> = paths.iter().filter(|p| !unsaved(p)).cloned().collect();
        let mut vfs = FsVfs::new(&opts.root).map_err(|e| LoadError::Root(opts.root.clone(), e))?;
        for (from, to) in &opts.maps {
            vfs.add_map(from, to);
        }
        vfs.allow_outside(opts.allow_outside);
        vfs.auto_map(opts.auto_map);
        vfs.max_size(opts.max_file_size);
        for (path, bytes) in &opts.overlays {
            vfs.add_overlay(path, bytes.clone());
        }
        let mut found = discover(&on_disk);
        crate::discover::add_unsaved(&mut found, paths, &opts.overlays);
        // Absolute paths map into the folders that were walked (and only those): a sibling
        // project elsewhere under the root must not stand in for this one's `/etc/nginx`. When
        // only files were named (pre-commit), the whole root is indexed lazily instead.
        if paths.iter().any(|p| p.is_dir()) {
            vfs.set_dirs(found.dirs.iter().map(|d| absolute(d)).collect());
        }
        Ok(Self::load_found(&vfs, found, opts))
    }

    fn load_found(vfs: &FsVfs, found: Found, opts: &Options) -> Project {
        let mut files = Files::default();
        let mut data = NginxData::default();
        let mut sink = Sink::default();
        let root = vfs.root().to_path_buf();
        let mut loader = Loader::new(vfs, &opts.directives, &mut files, &mut data, &mut sink);
        loader.stock_files = opts.stock_files;
        loader.cache = opts.cache.clone();
        // Read every nginx file once; entry points are those with main-context blocks.
        let mut ids: Vec<FileId> = Vec::new();
        let mut unreadable = Vec::new();
        let abs: Vec<PathBuf> = found.nginx.iter().map(|p| absolute(p)).collect();
        let regular: HashSet<PathBuf> = found.regular.iter().map(|p| absolute(p)).collect();
        for (path, r) in found.nginx.iter().zip(loader.preload(&abs, &regular)) {
            match r {
                Ok(id) => ids.push(id),
                Err(e) => unreadable.push((path.clone(), e)),
            }
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
                .cloned()
                .unwrap_or_else(|| parent_of(&own));
            let ctx = loader.evident_context(id, &prefix);
            loader.load_tree(id, ctx, &prefix);
        }
        drop(loader);
        let mut diagnostics = sink.list;
        for (path, e) in unreadable {
            diagnostics.push(unreadable_diag(&mut files, &path, &e, FileKind::Nginx));
        }
        for (path, e) in found.broken_links {
            let msg = format!(
                "`{}` is a broken symbolic link: {}",
                path.display(),
                strip_os_error(&e)
            );
            let d = file_problem(&mut files, &path, FileKind::Nginx, Severity::Warning, msg)
                .with_help("point the link at an existing file or remove it; nginx fails on it wherever it is included");
            diagnostics.push(d);
        }
        for (path, e) in found.errors {
            let msg = format!("cannot read `{}`: {e}", path.display());
            diagnostics.push(file_problem(
                &mut files,
                &path,
                FileKind::Nginx,
                Severity::Error,
                msg,
            ));
        }
        let (fpm, fpm_diags) = crate::fpm::load_fpm(&found.fpm, vfs, &opts.fpm, &mut files);
        diagnostics.extend(fpm_diags);
        // A file shared by several configs (a pool.d file included by two mains) reports once.
        let mut seen = std::collections::HashSet::new();
        diagnostics.retain(|d| seen.insert((d.file, d.span, d.code, d.message.clone())));
        Project {
            files,
            nginx: data,
            diagnostics,
            root,
            fpm,
        }
    }
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
                path.display()
            );
            file_problem(files, path, kind, Severity::Error, msg)
                .with_help("pass `--allow-outside-root` or lint from a folder that contains it")
        }
        other => file_problem(
            files,
            path,
            kind,
            Severity::Error,
            format!("cannot read `{}`: {other}", path.display()),
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
        return p.components().collect();
    }
    // One getcwd per run, not one per file.
    static CWD: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    CWD.get_or_init(|| std::env::current_dir().ok())
        .as_ref()
        .map(|c| c.join(p).components().collect())
        .unwrap_or_else(|| p.to_path_buf())
}
