//! The PHP-FPM side of a project: main configs with their includes, and pool files found alone.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use fpm_ini::{FpmConfig, LoadOptions};
use ngxlint_vfs::Vfs;

use crate::diagnostic::{Diagnostic, Severity};
use crate::files::{FileId, FileKind, Files};

/// One FPM configuration and where its files sit in the project's file table.
#[derive(Debug)]
pub struct FpmTree {
    /// The reader's result.
    pub config: FpmConfig,
    /// `config.files[i]` is the project's `file_ids[i]`.
    pub file_ids: Vec<FileId>,
    /// Read as a lone pool file (no `[global]`, no main config found that includes it).
    pub pool_file_only: bool,
}

impl FpmTree {
    /// The project file of one of this config's files.
    pub fn file(&self, index: usize) -> FileId {
        self.file_ids[index]
    }
}

/// Reads through another [`Vfs`] once per path: the FPM side reads each file first to tell main
/// configs from pools, then again through `include=`; the second read is served from here.
struct Cached<'a> {
    inner: &'a dyn Vfs,
    canonical: std::sync::Mutex<
        std::collections::HashMap<PathBuf, Result<PathBuf, ngxlint_vfs::VfsError>>,
    >,
    bytes: std::sync::Mutex<std::collections::HashMap<PathBuf, Vec<u8>>>,
}

impl Vfs for Cached<'_> {
    fn read(&self, path: &Path) -> Result<Vec<u8>, ngxlint_vfs::VfsError> {
        let c = self.canonical(path)?;
        self.read_canonical(&c)
    }
    fn read_canonical(&self, canonical: &Path) -> Result<Vec<u8>, ngxlint_vfs::VfsError> {
        if let Some(b) = self
            .bytes
            .lock()
            .ok()
            .and_then(|m| m.get(canonical).cloned())
        {
            return Ok(b);
        }
        let b = self.inner.read_canonical(canonical)?;
        if let Ok(mut m) = self.bytes.lock() {
            m.insert(canonical.to_path_buf(), b.clone());
        }
        Ok(b)
    }
    fn canonical(&self, path: &Path) -> Result<PathBuf, ngxlint_vfs::VfsError> {
        if let Some(r) = self
            .canonical
            .lock()
            .ok()
            .and_then(|m| m.get(path).cloned())
        {
            return r;
        }
        let r = self.inner.canonical(path);
        if let Ok(mut m) = self.canonical.lock() {
            m.insert(path.to_path_buf(), r.clone());
        }
        r
    }
    fn glob(&self, pattern: &Path) -> Result<Vec<ngxlint_vfs::GlobMatch>, ngxlint_vfs::VfsError> {
        self.inner.glob(pattern)
    }
    fn display_path(&self, path: &Path) -> PathBuf {
        match self.canonical(path) {
            Ok(c) => self.inner.display_canonical(&c),
            Err(_) => self.inner.display_path(path),
        }
    }
    fn display_canonical(&self, canonical: &Path) -> PathBuf {
        self.inner.display_canonical(canonical)
    }
    fn set_hint(&self, dir: &Path) {
        // Where an absolute path maps depends on the config being read (two stacks'
        // `/usr/local/etc/php-fpm.d` are each their own folder): what was found for another
        // config is asked again.
        if let Ok(mut m) = self.canonical.lock() {
            m.clear();
        }
        self.inner.set_hint(dir)
    }
    fn mapping(&self, path: &Path) -> ngxlint_vfs::Mapping {
        self.inner.mapping(path)
    }
}

/// A file judged to be PHP-FPM configuration, as read.
#[derive(Debug)]
pub struct FpmCandidate {
    /// The path as found (absolute).
    pub path: PathBuf,
    /// The local file.
    pub canonical: PathBuf,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// A main config (`include=`, or `[global]` outside a pool folder).
    pub main: bool,
    /// It has an `include=` line.
    pub includes: bool,
    /// It sits in a folder of pool files (`pool.d/`, `php-fpm.d/`).
    pub pool_dir: bool,
}

/// Reads the FPM files found: main configs first (with their includes); then the pool files no
/// main config included, the files of one pool folder together (in the order a main config's
/// `include=…/*.conf` reads them) and any other alone.
pub fn load_fpm(
    found: Vec<FpmCandidate>,
    vfs: &dyn Vfs,
    opts: &LoadOptions,
    files: &mut Files,
) -> (Vec<FpmTree>, Vec<Diagnostic>) {
    let cached = Cached {
        inner: vfs,
        canonical: Default::default(),
        bytes: Default::default(),
    };
    // The files were read to judge them: the loaders read them from here.
    if let Ok(mut m) = cached.bytes.lock() {
        for c in &found {
            m.insert(c.canonical.clone(), c.bytes.clone());
        }
    }
    let vfs: &dyn Vfs = &cached;
    let mut trees = Vec::new();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let for_file = |path: &Path| {
        let mut o = opts.clone();
        o.not_linux = other_system(path);
        o
    };
    for c in found.iter().filter(|c| c.main) {
        vfs.set_hint(c.path.parent().unwrap_or(Path::new("/")));
        let config = fpm_ini::load(&c.path, &for_file(&c.path), vfs);
        trees.push(register(config, vfs, files, &mut seen, false));
    }
    // Pool files: grouped by folder where the folder is one of pool files.
    let mut groups: Vec<Vec<PathBuf>> = Vec::new();
    let mut last_dir: Option<PathBuf> = None;
    for c in found
        .iter()
        .filter(|c| !c.main && !seen.contains(&c.canonical))
    {
        let dir = c.path.parent().map(Path::to_path_buf);
        match groups.last_mut() {
            Some(g) if c.pool_dir && dir == last_dir => g.push(c.path.clone()),
            _ => groups.push(vec![c.path.clone()]),
        }
        last_dir = if c.pool_dir { dir } else { None };
    }
    for group in &mut groups {
        // glob(3) order, as the main config's `include=` would read them.
        group.sort_by(|a, b| {
            use std::os::unix::ffi::OsStrExt;
            a.as_os_str().as_bytes().cmp(b.as_os_str().as_bytes())
        });
        vfs.set_hint(group[0].parent().unwrap_or(Path::new("/")));
        let config = fpm_ini::load_pool_files(group, &for_file(&group[0]), vfs);
        trees.push(register(config, vfs, files, &mut seen, true));
    }
    let mut diags = Vec::new();
    for t in &trees {
        for d in &t.config.diagnostics {
            diags.push(convert(t, d));
        }
    }
    (trees, diags)
}

/// Whether a configuration's path says it runs on another system than Linux: Homebrew's
/// `/opt/homebrew` (macOS), pkgsrc's `/usr/pkg/etc` (NetBSD), or `/usr/local/etc` holding an
/// `nginx/` or `rc.d/` folder too (FreeBSD's ports, Homebrew on Intel Macs). The official php
/// image's `/usr/local/etc` holds neither: that is Linux.
fn other_system(path: &Path) -> bool {
    let names: Vec<&std::ffi::OsStr> = path.iter().collect();
    let at = |seq: &[&str]| {
        names
            .windows(seq.len())
            .position(|w| w.iter().zip(seq).all(|(a, b)| a == b))
    };
    if at(&["opt", "homebrew"]).is_some() || at(&["usr", "pkg", "etc"]).is_some() {
        return true;
    }
    let Some(i) = at(&["usr", "local", "etc"]) else {
        return false;
    };
    let etc: PathBuf = names[..i + 3].iter().collect();
    etc.join("nginx").is_dir() || etc.join("rc.d").is_dir()
}

fn register(
    config: FpmConfig,
    vfs: &dyn Vfs,
    files: &mut Files,
    seen: &mut HashSet<PathBuf>,
    pool_file_only: bool,
) -> FpmTree {
    let file_ids = config
        .files
        .iter()
        .map(|f| {
            let canonical = vfs.canonical(&f.path).unwrap_or_else(|_| f.path.clone());
            seen.insert(canonical.clone());
            files.add(
                vfs.display_path(&f.path),
                canonical,
                f.bytes.clone(),
                FileKind::Fpm,
            )
        })
        .collect();
    FpmTree {
        config,
        file_ids,
        pool_file_only,
    }
}

fn convert(t: &FpmTree, d: &fpm_ini::Diagnostic) -> Diagnostic {
    let severity = match d.severity {
        fpm_ini::Severity::Error => Severity::Error,
        fpm_ini::Severity::Warning => Severity::Warning,
        fpm_ini::Severity::Info => Severity::Info,
    };
    let span = nginx_syntax::Span {
        start: d.span.start,
        end: d.span.end,
    };
    let name = fpm_ini::codes::name(d.code).unwrap_or("fpm");
    let mut out = Diagnostic::new(
        d.code,
        name,
        severity,
        t.file(d.file),
        span,
        d.message.clone(),
    );
    out.help = d.help.clone();
    for (file, span, label) in &d.related {
        let s = nginx_syntax::Span {
            start: span.start,
            end: span.end,
        };
        out = out.with_place(t.file(*file), s, label.clone());
    }
    if let Some(f) = &d.fix {
        let edits = f
            .edits
            .iter()
            .map(|e| match e {
                fpm_ini::FixEdit::Replace { file, span, text } => crate::diagnostic::Edit::replace(
                    t.file(*file),
                    nginx_syntax::Span {
                        start: span.start,
                        end: span.end,
                    },
                    text.clone(),
                ),
                fpm_ini::FixEdit::RemoveLine { file, at } => {
                    let src = t
                        .config
                        .files
                        .get(*file)
                        .map(|f| f.bytes.as_slice())
                        .unwrap_or_default();
                    crate::edit::remove_line(t.file(*file), src, *at as usize)
                }
            })
            .collect();
        out = out.with_edits(crate::diagnostic::Fix::safe(f.title.clone(), edits));
    }
    out
}
