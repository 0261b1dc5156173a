//! Test helpers: a `Vfs` over the real file system (with a small glob) and shortcuts.
#![allow(dead_code)]

pub mod php_fpm;

use std::path::{Path, PathBuf};

use fpm_ini::{Diagnostic, FpmConfig, LoadOptions};
use ngxlint_vfs::{GlobMatch, Vfs, VfsError};

/// Reads the real file system; paths are used as given.
pub struct FsVfs;

fn io_err(e: std::io::Error) -> VfsError {
    match e.kind() {
        std::io::ErrorKind::NotFound => VfsError::NotFound,
        std::io::ErrorKind::PermissionDenied => VfsError::PermissionDenied,
        _ => VfsError::Io(e.to_string()),
    }
}

impl Vfs for FsVfs {
    fn read(&self, path: &Path) -> Result<Vec<u8>, VfsError> {
        if path.is_dir() {
            return Err(VfsError::IsDir);
        }
        std::fs::read(path).map_err(io_err)
    }

    fn glob(&self, pattern: &Path) -> Result<Vec<GlobMatch>, VfsError> {
        let s = pattern.to_string_lossy().to_string();
        let absolute = s.starts_with('/');
        let parts: Vec<&str> = s.split('/').filter(|p| !p.is_empty()).collect();
        let mut current: Vec<PathBuf> = vec![if absolute {
            PathBuf::from("/")
        } else {
            PathBuf::from(".")
        }];
        for (i, part) in parts.iter().enumerate() {
            let last = i + 1 == parts.len();
            let mut next = Vec::new();
            for dir in &current {
                if !ngxlint_vfs::has_glob_chars(part.as_bytes()) {
                    let p = dir.join(part);
                    if last {
                        if p.exists() {
                            next.push(p);
                        }
                    } else if p.is_dir() {
                        next.push(p);
                    } else if current.len() == 1 {
                        return Err(VfsError::NotFound);
                    }
                    continue;
                }
                let entries = match std::fs::read_dir(dir) {
                    Ok(e) => e,
                    Err(e) => return Err(io_err(e)),
                };
                let mut names: Vec<String> = entries
                    .filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().to_string())
                    .filter(|n| !n.starts_with('.') || part.starts_with('.'))
                    .filter(|n| glob_match(part.as_bytes(), n.as_bytes()))
                    .collect();
                names.sort();
                for n in names {
                    let p = dir.join(n);
                    if last || p.is_dir() {
                        next.push(p);
                    }
                }
            }
            current = next;
        }
        Ok(current
            .into_iter()
            .map(|p| GlobMatch {
                is_dir: p.is_dir(),
                path: p,
            })
            .collect())
    }

    fn display_path(&self, path: &Path) -> PathBuf {
        path.to_path_buf()
    }
}

/// fnmatch(3) without flags: `*`, `?`, `[...]`, `[!...]`.
pub fn glob_match(p: &[u8], s: &[u8]) -> bool {
    match (p.first(), s.first()) {
        (None, None) => true,
        (None, Some(_)) => false,
        (Some(b'*'), _) => glob_match(&p[1..], s) || (!s.is_empty() && glob_match(p, &s[1..])),
        (Some(b'?'), Some(_)) => glob_match(&p[1..], &s[1..]),
        (Some(b'['), Some(&c)) => {
            let Some(close) = p[1..].iter().position(|&b| b == b']').map(|i| i + 1) else {
                return c == b'[' && glob_match(&p[1..], &s[1..]);
            };
            let mut set = &p[1..close];
            let negate = set.first() == Some(&b'!');
            if negate {
                set = &set[1..];
            }
            let mut hit = false;
            let mut i = 0;
            while i < set.len() {
                if i + 2 < set.len() && set[i + 1] == b'-' {
                    hit |= set[i] <= c && c <= set[i + 2];
                    i += 3;
                } else {
                    hit |= set[i] == c;
                    i += 1;
                }
            }
            hit != negate && glob_match(&p[close + 1..], &s[1..])
        }
        (Some(a), Some(b)) => a == b && glob_match(&p[1..], &s[1..]),
        _ => false,
    }
}

/// A fresh temporary directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let n = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let p = std::env::temp_dir().join(format!("fpm_ini-{tag}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&p).expect("create temp dir");
        TempDir(p)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn write(&self, rel: &str, content: &str) -> PathBuf {
        let p = self.0.join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).expect("mkdir");
        }
        std::fs::write(&p, content).expect("write");
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Loads `main` with the given prefix.
pub fn load_at(main: &Path, prefix: &Path) -> FpmConfig {
    let opts = LoadOptions {
        fpm_prefix: prefix.to_path_buf(),
        ..LoadOptions::default()
    };
    fpm_ini::load(main, &opts, &FsVfs)
}

/// Codes of all diagnostics.
pub fn codes(c: &FpmConfig) -> Vec<&'static str> {
    c.diagnostics.iter().map(|d| d.code).collect()
}

/// The first diagnostic with this code.
pub fn find<'a>(c: &'a FpmConfig, code: &str) -> Option<&'a Diagnostic> {
    assert_voice(c);
    c.diagnostics.iter().find(|d| d.code == code)
}

/// Every diagnostic reads as STYLE.md says (one line, lowercase, no final period), has a severity
/// its code declares, and names no file of the temporary folder the test wrote (messages name
/// the server's paths, never the local ones: a baseline must hold in another checkout).
#[track_caller]
pub fn assert_voice(c: &FpmConfig) {
    let tmp = std::env::temp_dir().display().to_string();
    for d in &c.diagnostics {
        let m = &d.message;
        assert!(!m.contains('\n'), "{}: two lines: {m:?}", d.code);
        assert!(
            !m.starts_with(|ch: char| ch.is_ascii_uppercase()),
            "{}: starts with a capital: {m}",
            d.code
        );
        assert!(!m.ends_with('.'), "{}: ends with a period: {m}", d.code);
        assert!(
            fpm_ini::codes::allows(d.code, d.severity),
            "{} is not declared with severity {:?}: {m}",
            d.code,
            d.severity
        );
        let own = c.files[d.file].path.display().to_string();
        assert!(
            !m.contains(&own) || !own.starts_with(&tmp),
            "{}: names its own file's local path: {m}",
            d.code
        );
    }
}

/// The text a diagnostic's span covers.
pub fn span_text(c: &FpmConfig, d: &Diagnostic) -> String {
    String::from_utf8_lossy(d.span.slice(&c.files[d.file].bytes)).into_owned()
}
