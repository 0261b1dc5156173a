//! The PHP-FPM side of a project: main configs with their includes, and pool files found alone.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use fpm_ini::{FpmConfig, LoadOptions};
use ngxlint_vfs::Vfs;

use crate::diagnostic::{Diagnostic, Severity};
use crate::files::{FileId, FileKind, Files};
use crate::project::absolute;

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
        self.inner.set_hint(dir)
    }
}

/// Whether a file is an FPM main config: it has `[global]` or an `include=`.
fn is_main(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    text.lines().any(|l| {
        let t = l.trim();
        t.eq_ignore_ascii_case("[global]")
            || t.strip_prefix("include")
                .is_some_and(|r| r.trim_start().starts_with('='))
    }) || text.trim_start().starts_with("<?xml")
}

/// Reads the FPM files found: main configs first (with their includes), then each file no main
/// config included, as a pool.d file.
pub fn load_fpm(
    found: &[PathBuf],
    vfs: &dyn Vfs,
    opts: &LoadOptions,
    files: &mut Files,
) -> (Vec<FpmTree>, Vec<Diagnostic>) {
    let cached = Cached {
        inner: vfs,
        canonical: Default::default(),
        bytes: Default::default(),
    };
    let vfs: &dyn Vfs = &cached;
    let mut trees = Vec::new();
    let mut diags = Vec::new();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut mains = Vec::new();
    let mut pools = Vec::new();
    for p in found {
        let abs = absolute(p);
        match vfs
            .canonical(&abs)
            .and_then(|c| vfs.read_canonical(&c).map(|b| (c, b)))
        {
            Ok((canonical, bytes)) => {
                if is_main(&bytes) {
                    mains.push((abs, canonical));
                } else {
                    pools.push((abs, canonical));
                }
            }
            Err(e) => diags.push(crate::project::unreadable_diag(files, p, &e, FileKind::Fpm)),
        }
    }
    for (abs, _) in &mains {
        vfs.set_hint(abs.parent().unwrap_or(Path::new("/")));
        let config = fpm_ini::load(abs, opts, vfs);
        trees.push(register(config, vfs, files, &mut seen, false));
    }
    for (abs, canonical) in &pools {
        if seen.contains(canonical) {
            continue;
        }
        vfs.set_hint(abs.parent().unwrap_or(Path::new("/")));
        let config = fpm_ini::load_pool_file(abs, opts, vfs);
        trees.push(register(config, vfs, files, &mut seen, true));
    }
    for t in &trees {
        for d in &t.config.diagnostics {
            diags.push(convert(t, d));
        }
    }
    (trees, diags)
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
    out
}
