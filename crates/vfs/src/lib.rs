//! Read-only file access shared by the nginx and PHP-FPM loaders.
//!
//! Every read the linter makes goes through [`Vfs`], so one place decides what may be read
//! (nothing outside the linted root unless allowed), how absolute paths such as `/etc/nginx/…`
//! map into a config repository, and how globs expand (glob(3) semantics, as nginx and php-fpm use).

use std::path::{Path, PathBuf};

/// Why a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VfsError {
    /// The path (or the directory part of a glob) does not exist.
    #[error("No such file or directory")]
    NotFound,
    /// The operating system refused access.
    #[error("Permission denied")]
    PermissionDenied,
    /// The path is a directory where a file was expected.
    #[error("Is a directory")]
    IsDir,
    /// The path resolves outside the linted root and reading outside was not allowed.
    #[error("outside the linted root")]
    OutsideRoot,
    /// The file is larger than the configured limit.
    #[error("file is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    /// Any other I/O failure, with the OS's words.
    #[error("{0}")]
    Io(String),
}

/// One match of a glob pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobMatch {
    /// The path as the pattern spelled it (what the server would open).
    pub path: PathBuf,
    /// Whether the match is a directory (nginx then fails at read time; php-fpm skips it).
    pub is_dir: bool,
}

/// Read-only access to configuration files.
///
/// Paths given to these methods are the paths the *server* would open (for example
/// `/etc/nginx/conf.d/a.conf`); the implementation maps them into the linted tree.
pub trait Vfs {
    /// Reads a whole file.
    fn read(&self, path: &Path) -> Result<Vec<u8>, VfsError>;
    /// Expands a pattern with glob(3) semantics (flags 0): sorted bytewise, wildcards do not match
    /// a leading dot, `[...]` classes, no brace expansion. A directory in the pattern that does not
    /// exist is `Err(NotFound)`; an existing directory with no match is `Ok(vec![])`.
    fn glob(&self, pattern: &Path) -> Result<Vec<GlobMatch>, VfsError>;
    /// Where `path` really lives on disk, for display (the mapped path), if it is readable.
    fn display_path(&self, path: &Path) -> PathBuf;
}

/// True when nginx (and php-fpm) would treat `s` as a glob pattern.
pub fn has_glob_chars(s: &[u8]) -> bool {
    s.iter().any(|b| matches!(b, b'*' | b'?' | b'['))
}
