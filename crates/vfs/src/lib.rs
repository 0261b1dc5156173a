//! Read-only file access shared by the nginx and PHP-FPM loaders.
//!
//! Every read the linter makes goes through [`Vfs`], so one place decides what may be read
//! (nothing outside the linted root unless allowed), how absolute paths such as `/etc/nginx/…`
//! map into a config repository, and how globs expand (glob(3) semantics, as nginx and php-fpm use).

// Slicing a `str` at a byte offset panics inside a multi-byte character, and configuration
// text is whatever bytes a user wrote: cut with `split_once`, `strip_prefix`, `get` or on bytes.
#![cfg_attr(not(test), deny(clippy::string_slice))]

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
    /// An absolute path (an include, or a symbolic link's target) outside the root that the tree
    /// holds no counterpart of: what the server reads there is not in the repository.
    #[error("`{}` is not in the linted tree", .0.display())]
    NotInTree(PathBuf),
    /// Any other I/O failure, with the OS's words.
    #[error("{0}")]
    Io(String),
}

/// How a server path was found in the tree ([`FsVfs::locate_how`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mapping {
    /// A relative path, or an absolute one inside the root: read as written.
    Inside,
    /// Through an explicit `--map` / `[paths] map`.
    Explicit,
    /// Found by the automatic suffix mapping, every distinctive folder matched (`/etc/nginx/conf.d`
    /// as `nginx/conf.d`: only `etc`, `usr` and `local` may be missing).
    AutoFull,
    /// Found by the automatic suffix mapping on part of the path only (`/config/nginx` as a tree's
    /// `nginx/`): a guess, so a missing file or a cycle through it says nothing about the server.
    AutoPartial,
    /// On the host, outside the root (reading outside was allowed).
    Host,
    /// Nowhere: outside the root and not mapped.
    Outside,
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
pub trait Vfs: Sync {
    /// Reads a whole file.
    fn read(&self, path: &Path) -> Result<Vec<u8>, VfsError>;
    /// Expands a pattern with glob(3) semantics (flags 0): sorted bytewise, wildcards do not match
    /// a leading dot, `[...]` classes, no brace expansion. A directory in the pattern that does not
    /// exist is `Err(NotFound)`; an existing directory with no match is `Ok(vec![])`.
    fn glob(&self, pattern: &Path) -> Result<Vec<GlobMatch>, VfsError>;
    /// Where `path` really lives on disk, for display (the mapped path), if it is readable.
    fn display_path(&self, path: &Path) -> PathBuf;
    /// The canonical local file behind a server path: the identity of a file, so one file
    /// reached by two spellings (an absolute `/etc/nginx/...` include and a relative one) is read once.
    fn canonical(&self, path: &Path) -> Result<PathBuf, VfsError> {
        Ok(path.to_path_buf())
    }
    /// The path to show for a file given by its canonical path.
    fn display_canonical(&self, canonical: &Path) -> PathBuf {
        canonical.to_path_buf()
    }
    /// Tells the implementation which config is being read, so an absolute path that could map to
    /// several folders of the tree maps to the one nearest it.
    fn set_hint(&self, _dir: &Path) {}
    /// [`Vfs::canonical`] for a path the caller knows to be a regular file, not a symbolic link
    /// (from a directory walk): the folder part is resolved, the file itself needs no lstat.
    fn canonical_regular(&self, path: &Path) -> Result<PathBuf, VfsError> {
        self.canonical(path)
    }
    /// Whether reads of this canonical path come from an editor buffer rather than the disk.
    fn is_overlaid(&self, _canonical: &Path) -> bool {
        false
    }
    /// How a server path is found in the tree (see [`Mapping`]).
    fn mapping(&self, _path: &Path) -> Mapping {
        Mapping::Inside
    }
    /// Reads a file by the path [`Vfs::canonical`] returned (skips resolving it again).
    fn read_canonical(&self, canonical: &Path) -> Result<Vec<u8>, VfsError> {
        self.read(canonical)
    }
}

/// Whether a path's bytes are exactly what its components would rebuild: no `//`, no `.`
/// component, no final `/` (but for `/` itself). Such a path compares and strips by its bytes.
pub fn is_clean(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let b = path.as_os_str().as_bytes();
    if b == b"." || b.starts_with(b"./") || b.ends_with(b"/.") || (b.len() > 1 && b.ends_with(b"/"))
    {
        return false;
    }
    !has_empty_or_dot_component(b)
}

/// Whether `//` or `/./` stands anywhere in `b`, eight bytes at a time: every path a run looks
/// up is asked this, and a byte loop cost more than the hash it saved.
fn has_empty_or_dot_component(b: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // High bit set in each byte of `w` equal to `c` (exact: no borrow between bytes).
    let eq = |w: u64, c: u8| {
        let x = w ^ (ONES * c as u64);
        !(((x & !HIGH) + !HIGH) | x | !HIGH)
    };
    let mut i = 0;
    // Windows of eight bytes, six apart: every three-byte run lies inside one of them.
    while i + 8 <= b.len() {
        let mut chunk = [0u8; 8];
        chunk.copy_from_slice(&b[i..i + 8]);
        let w = u64::from_le_bytes(chunk);
        let (slash, dot) = (eq(w, b'/'), eq(w, b'.'));
        // Byte k is `/` and byte k+1 is `/`, or bytes k, k+1, k+2 are `/`, `.`, `/`.
        if slash & (slash >> 8) != 0 || slash & (dot >> 8) & (slash >> 16) != 0 {
            return true;
        }
        i += 6;
    }
    let tail = &b[i.min(b.len())..];
    tail.windows(2).any(|w| w == b"//") || tail.windows(3).any(|w| w == b"/./")
}

/// A map keyed by paths, compared as [`Path`] compares them (component by component) but hashed
/// by their bytes: `Path`'s own hash walks the components and cost more than the lookups it
/// served. A path is keyed by its clean spelling (`a//b/./c/` as `a/b/c`), which is its bytes in
/// the common case.
#[derive(Debug)]
pub struct PathMap<V> {
    map: std::collections::HashMap<Vec<u8>, V, foldhash::fast::RandomState>,
}

impl<V> Default for PathMap<V> {
    fn default() -> Self {
        PathMap {
            map: Default::default(),
        }
    }
}

/// The bytes a path is keyed by: the same for every spelling [`Path`] calls equal.
fn path_key(p: &Path) -> std::borrow::Cow<'_, [u8]> {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    if is_clean(p) {
        std::borrow::Cow::Borrowed(p.as_os_str().as_bytes())
    } else {
        let clean: PathBuf = p.components().collect();
        std::borrow::Cow::Owned(clean.into_os_string().into_vec())
    }
}

impl<V> PathMap<V> {
    /// The value of `p`.
    pub fn get(&self, p: &Path) -> Option<&V> {
        self.map.get(&*path_key(p))
    }

    /// Sets the value of `p`, returning the one it replaces.
    pub fn insert(&mut self, p: &Path, v: V) -> Option<V> {
        self.map.insert(path_key(p).into_owned(), v)
    }

    /// The value of `p`, set to `v` first when it has none.
    pub fn get_or_insert(&mut self, p: &Path, v: V) -> &mut V {
        self.map.entry(path_key(p).into_owned()).or_insert(v)
    }

    /// Room for `n` more paths.
    pub fn reserve(&mut self, n: usize) {
        self.map.reserve(n);
    }

    /// Forgets every path.
    pub fn clear(&mut self) {
        self.map.clear();
    }
}

/// `path.starts_with(base)`, component-wise as [`Path::starts_with`], answered from the bytes when
/// `base` is a byte prefix of `path` ending where a component does (the common case of canonical
/// paths: one comparison instead of walking both paths' components).
pub fn starts_with(path: &Path, base: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let (p, b) = (path.as_os_str().as_bytes(), base.as_os_str().as_bytes());
    if !b.is_empty()
        && p.starts_with(b)
        && (p.len() == b.len() || b.ends_with(b"/") || p[b.len()] == b'/')
        && is_clean(base)
    {
        return true;
    }
    path.starts_with(base)
}

/// `path.strip_prefix(base)` as [`Path::strip_prefix`] gives it, from the bytes when both are clean
/// (see [`is_clean`]).
pub fn strip_prefix<'a>(path: &'a Path, base: &Path) -> Option<&'a Path> {
    use std::os::unix::ffi::OsStrExt;
    if is_clean(path) && is_clean(base) {
        let (p, b) = (path.as_os_str().as_bytes(), base.as_os_str().as_bytes());
        if !b.is_empty() && p.starts_with(b) {
            let rest = &p[b.len()..];
            if rest.is_empty() {
                return Some(Path::new(""));
            }
            if b.ends_with(b"/") {
                return Some(Path::new(std::ffi::OsStr::from_bytes(rest)));
            }
            if let Some(rest) = rest.strip_prefix(b"/") {
                return Some(Path::new(std::ffi::OsStr::from_bytes(rest)));
            }
        }
    }
    path.strip_prefix(base).ok()
}

/// True when nginx (and php-fpm) would treat `s` as a glob pattern.
pub fn has_glob_chars(s: &[u8]) -> bool {
    s.iter().any(|b| matches!(b, b'*' | b'?' | b'['))
}

/// glob with `**` (any folders), `*`, `?`, `[...]`, on `/`-separated relative paths.
pub fn path_matches(pattern: &str, path: &str) -> bool {
    fn go(p: &[&str], s: &[&str]) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some((&"**", rest)) => (0..=s.len()).any(|i| go(rest, &s[i..])),
            Some((first, rest)) => match s.split_first() {
                Some((name, srest)) => {
                    fnmatch(first.as_bytes(), name.as_bytes()) && go(rest, srest)
                }
                None => false,
            },
        }
    }
    let p: Vec<&str> = pattern
        .trim_start_matches("./")
        .split('/')
        .filter(|x| !x.is_empty())
        .collect();
    let s: Vec<&str> = path.split('/').filter(|x| !x.is_empty()).collect();
    // A pattern naming a folder covers everything below it.
    go(&p, &s)
        || (!p.is_empty() && p.last() != Some(&"**") && (1..s.len()).any(|i| go(&p, &s[..i])))
}

/// Bytewise fnmatch for one path component, as glob(3) with flags 0 applies it: `*` and `?`
/// never match a leading `.`, `[...]` classes with `!`/`^` negation and ranges, `\` escapes.
pub fn fnmatch(pattern: &[u8], name: &[u8]) -> bool {
    if name.first() == Some(&b'.') && !matches!(pattern.first(), Some(b'.')) {
        return false;
    }
    match_from(pattern, name)
}

fn match_from(p: &[u8], n: &[u8]) -> bool {
    let (mut pi, mut ni) = (0usize, 0usize);
    // Backtracking point for the last `*`.
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() {
            match p[pi] {
                b'*' => {
                    star = Some((pi, ni));
                    pi += 1;
                    continue;
                }
                b'?' => {
                    pi += 1;
                    ni += 1;
                    continue;
                }
                b'[' => {
                    if let Some((matched, next)) = class(&p[pi..], n[ni]) {
                        if matched {
                            pi += next;
                            ni += 1;
                            continue;
                        }
                    } else if n[ni] == b'[' {
                        // An unclosed `[` is an ordinary byte.
                        pi += 1;
                        ni += 1;
                        continue;
                    }
                }
                b'\\' if pi + 1 < p.len() => {
                    if p[pi + 1] == n[ni] {
                        pi += 2;
                        ni += 1;
                        continue;
                    }
                }
                c => {
                    if c == n[ni] {
                        pi += 1;
                        ni += 1;
                        continue;
                    }
                }
            }
        }
        match star {
            Some((sp, sn)) => {
                pi = sp + 1;
                ni = sn + 1;
                star = Some((sp, sn + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|&b| b == b'*')
}

/// Matches `c` against the class at the start of `p` (`[...]`); returns (matched, class length).
fn class(p: &[u8], c: u8) -> Option<(bool, usize)> {
    let mut i = 1;
    let negate = matches!(p.get(i), Some(b'!') | Some(b'^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let b = *p.get(i)?;
        if b == b']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        let lo = if b == b'\\' {
            i += 1;
            *p.get(i)?
        } else {
            b
        };
        if p.get(i + 1) == Some(&b'-') && p.get(i + 2).is_some_and(|&h| h != b']') {
            let hi = p[i + 2];
            if lo <= c && c <= hi {
                matched = true;
            }
            i += 3;
        } else {
            if lo == c {
                matched = true;
            }
            i += 1;
        }
    }
}

/// Real file access confined to a root folder, with `/etc/...` → tree mappings.
#[derive(Debug)]
pub struct FsVfs {
    /// Editor buffers (by canonical path) read instead of the file on disk.
    overlays: std::collections::HashMap<PathBuf, Vec<u8>>,
    root: PathBuf,
    /// The root as given (absolute, symlinks not resolved): paths under it are checked for real.
    root_given: PathBuf,
    maps: Vec<(PathBuf, PathBuf)>,
    allow_outside: bool,
    max_size: u64,
    auto_dirs: std::sync::OnceLock<Vec<PathBuf>>,
    auto_map: bool,
    /// Canonical form of each folder met, so a tree of 2,000 files costs one realpath per folder.
    dir_cache: std::sync::Mutex<PathMap<PathBuf>>,
    /// The folder of the config being read: ambiguous absolute paths map nearest to it.
    hint: std::sync::Mutex<Option<PathBuf>>,
    locate_cache: std::sync::Mutex<LocateCache>,
    cwd: Option<PathBuf>,
    /// Templates stand for the files they render to (see [`template_for`]).
    templates: bool,
    /// Files the repository does not keep (`.gitignore`, `[paths] exclude`): as if absent.
    hidden_files: std::collections::HashSet<PathBuf>,
    /// Folders the repository does not keep: everything below them is as if absent.
    hidden_dirs: Vec<PathBuf>,
}

type LocateCache = std::collections::HashMap<(PathBuf, Option<PathBuf>), Option<(PathBuf, bool)>>;

/// `O_NONBLOCK` on Linux (the vfs crate needs no libc for one constant).
const O_NONBLOCK: i32 = 0o4000;

/// Largest file read by default (a config file beyond this is surely not a config file).
pub const DEFAULT_MAX_SIZE: u64 = 64 * 1024 * 1024;

impl FsVfs {
    /// Access confined to `root` (made absolute and canonical).
    pub fn new(root: &Path) -> Result<Self, VfsError> {
        let root_given = if root.is_absolute() {
            root.to_path_buf()
        } else {
            std::env::current_dir()
                .map(|c| c.join(root))
                .unwrap_or_else(|_| root.to_path_buf())
        };
        let root = std::fs::canonicalize(root).map_err(|e| io_error(&e))?;
        Ok(FsVfs {
            overlays: std::collections::HashMap::new(),
            root,
            root_given,
            maps: Vec::new(),
            allow_outside: false,
            max_size: DEFAULT_MAX_SIZE,
            auto_dirs: std::sync::OnceLock::new(),
            auto_map: true,
            dir_cache: std::sync::Mutex::new(PathMap::default()),
            hint: std::sync::Mutex::new(None),
            locate_cache: std::sync::Mutex::new(std::collections::HashMap::new()),
            cwd: std::env::current_dir()
                .ok()
                .and_then(|c| std::fs::canonicalize(c).ok()),
            templates: true,
            hidden_files: std::collections::HashSet::new(),
            hidden_dirs: Vec::new(),
        })
    }
    /// Maps the server path prefix `from` (e.g. `/etc/nginx`) to the folder `to`.
    pub fn add_map(&mut self, from: &Path, to: &Path) {
        let to = std::fs::canonicalize(to).unwrap_or_else(|_| to.to_path_buf());
        self.maps.push((from.to_path_buf(), to));
        // Longest prefix first.
        self.maps
            .sort_by_key(|(f, _)| std::cmp::Reverse(f.as_os_str().len()));
    }
    /// Reads `bytes` instead of the file at `path` (an editor's unsaved buffer, or stdin). The
    /// file need not exist: a new buffer stands in its folder as if it were saved.
    pub fn add_overlay(&mut self, path: &Path, bytes: Vec<u8>) {
        self.overlays.insert(overlay_key(path), bytes);
    }
    /// Allows reading outside the root.
    pub fn allow_outside(&mut self, allow: bool) {
        self.allow_outside = allow;
    }
    /// Turns the automatic suffix mapping of absolute paths on or off.
    pub fn auto_map(&mut self, on: bool) {
        self.auto_map = on;
    }
    /// Whether a template stands for the file it renders to (on by default; off to read what is
    /// on disk only, as crossplane does).
    pub fn render_templates(&mut self, on: bool) {
        self.templates = on;
    }
    /// Files and folders the repository does not keep (ignored by git, excluded by configuration):
    /// an include or a glob finds nothing there, as on a fresh checkout.
    pub fn hide(&mut self, files: &[PathBuf], dirs: &[PathBuf]) {
        let canon = |p: &PathBuf| {
            let parent = p.parent().and_then(|d| std::fs::canonicalize(d).ok());
            match (parent, p.file_name()) {
                (Some(d), Some(n)) => d.join(n),
                _ => p.clone(),
            }
        };
        self.hidden_files.extend(files.iter().map(canon));
        self.hidden_dirs.extend(dirs.iter().map(canon));
    }

    fn hiding(&self) -> bool {
        !self.hidden_files.is_empty() || !self.hidden_dirs.is_empty()
    }

    fn hidden(&self, canon: &Path) -> bool {
        self.hiding()
            && (self.hidden_files.contains(canon)
                || self.hidden_dirs.iter().any(|d| canon.starts_with(d)))
    }

    /// Sets the largest file size read.
    pub fn max_size(&mut self, bytes: u64) {
        self.max_size = bytes;
    }
    /// Hands over the tree's folders when the caller has walked the whole root already, so the
    /// automatic mapping does not walk it a second time.
    pub fn set_dirs(&self, dirs: Vec<PathBuf>) {
        let _ = self.auto_dirs.set(dirs);
    }
    /// The canonical root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where a server path lives locally: an explicit map, the path itself when inside the root,
    /// else the tree folder whose path ends with the longest suffix of the path's folder.
    pub fn locate(&self, path: &Path) -> PathBuf {
        self.locate_how(path).0
    }

    /// [`FsVfs::locate`], and how the path was found.
    pub fn locate_how(&self, path: &Path) -> (PathBuf, Mapping) {
        for (from, to) in &self.maps {
            if let Ok(rest) = path.strip_prefix(from) {
                return (to.join(rest), Mapping::Explicit);
            }
        }
        if !path.is_absolute() || path.starts_with(&self.root) || path.starts_with(&self.root_given)
        {
            return (path.to_path_buf(), Mapping::Inside);
        }
        if self.allow_outside && path.exists() {
            return (path.to_path_buf(), Mapping::Host);
        }
        if self.auto_map {
            if let Some((p, full)) = self.auto_locate(path) {
                let how = if full {
                    Mapping::AutoFull
                } else {
                    Mapping::AutoPartial
                };
                return (p, how);
            }
        }
        (path.to_path_buf(), Mapping::Outside)
    }

    fn auto_locate(&self, path: &Path) -> Option<(PathBuf, bool)> {
        let (parent, name) = (path.parent()?, path.file_name()?);
        let hint = self.hint.lock().ok().and_then(|h| h.clone());
        let key = (parent.to_path_buf(), hint.clone());
        if let Some(hit) = self
            .locate_cache
            .lock()
            .ok()
            .and_then(|c| c.get(&key).cloned())
        {
            return hit.map(|(d, full)| (d.join(name), full));
        }
        let found = self.auto_locate_dir(parent, hint.as_deref());
        if let Ok(mut c) = self.locate_cache.lock() {
            c.insert(key, found.clone());
        }
        found.map(|(d, full)| (d.join(name), full))
    }

    /// The tree folder standing for a server folder such as `/etc/nginx/conf.d`: the deepest
    /// ancestor of it that some tree folder's path ends with (so `/etc/nginx/snippets` maps to
    /// `<root>/nginx/snippets` even when `snippets/` is missing, and the include is reported as not
    /// found in the tree rather than looked for on the host). Among candidates, the one nearest the
    /// hint (the config being read) wins, then the longest matching suffix, then the shallowest.
    /// The flag says whether the match is full: the folders of the server path left unmatched are
    /// only the generic `etc`, `usr` and `local` (`/etc/nginx` as `nginx/` is full, `/config/nginx`
    /// as `nginx/` is not).
    fn auto_locate_dir(&self, parent: &Path, hint: Option<&Path>) -> Option<(PathBuf, bool)> {
        let dirs = self.auto_dirs.get_or_init(|| index_dirs(&self.root));
        let comps: Vec<_> = parent
            .components()
            .filter(|c| matches!(c, std::path::Component::Normal(_)))
            .collect();
        fn name<'a>(c: &std::path::Component<'a>) -> &'a str {
            c.as_os_str().to_str().unwrap_or("")
        }
        let common = |c: &std::path::Component<'_>| common_folder(name(c));
        // (distinctive folders matched, nearness to the hint, folders matched, folders left to
        // add below the match, shallowness)
        type Rank = (
            usize,
            usize,
            usize,
            std::cmp::Reverse<usize>,
            std::cmp::Reverse<usize>,
        );
        let mut best: Option<(Rank, PathBuf, bool)> = None;
        for depth in (1..=comps.len()).rev() {
            let ancestor = &comps[..depth];
            let rest: PathBuf = comps[depth..].iter().collect();
            for skip in 0..ancestor.len() {
                let matched = &ancestor[skip..];
                let suffix: PathBuf = matched.iter().collect();
                let distinct = matched.iter().filter(|c| !common(c)).count();
                for d in dirs.iter().filter(|d| d.ends_with(&suffix)) {
                    let near = hint.map(|h| common_prefix(d, h)).unwrap_or(0);
                    let rank = (
                        distinct,
                        near,
                        matched.len(),
                        std::cmp::Reverse(comps.len() - depth),
                        std::cmp::Reverse(d.components().count()),
                    );
                    if best.as_ref().is_none_or(|b| rank > b.0) {
                        let generic = |c: &std::path::Component<'_>| {
                            matches!(name(c), "etc" | "usr" | "local")
                        };
                        let full = ancestor[..skip].iter().all(generic);
                        best = Some((rank, d.join(&rest), full));
                    }
                }
            }
        }
        best.map(|(_, d, full)| (d, full))
    }

    /// The file of a server path in another tree folder that stands for its server folder (see
    /// [`FsVfs::canonical`]): the longest suffix of the server folder with a distinctive name
    /// (not only `etc`, `conf.d`, ...) that tree folders end with, nearest the server path's
    /// own folder first; the file itself or its template.
    fn overlay_locate(&self, path: &Path) -> Option<PathBuf> {
        let dirs = self.auto_dirs.get_or_init(|| index_dirs(&self.root));
        let name = path.file_name()?;
        let comps: Vec<_> = path
            .parent()?
            .components()
            .filter(|c| matches!(c, std::path::Component::Normal(_)))
            .collect();
        for depth in (1..=comps.len()).rev() {
            let rest: PathBuf = comps[depth..].iter().collect();
            for skip in 0..depth {
                let matched = &comps[skip..depth];
                if matched
                    .iter()
                    .all(|c| common_folder(c.as_os_str().to_str().unwrap_or("")))
                {
                    break;
                }
                let suffix: PathBuf = matched.iter().collect();
                for d in dirs.iter().filter(|d| d.ends_with(&suffix)) {
                    let local = d.join(&rest).join(name);
                    let hit = match self.check_inside(&local) {
                        Err(VfsError::NotFound) if self.templates => {
                            template_for(&local).and_then(|t| self.check_inside(&t).ok())
                        }
                        r => r.ok(),
                    };
                    if hit.is_some() {
                        return hit;
                    }
                }
            }
        }
        None
    }

    fn check_inside(&self, local: &Path) -> Result<PathBuf, VfsError> {
        // A path that is not even lexically inside the root is refused before the host's file
        // system is asked anything about it.
        if !self.allow_outside
            && local.is_absolute()
            && !local.starts_with(&self.root)
            && !local.starts_with(&self.root_given)
            && !self.maps.iter().any(|(_, to)| local.starts_with(to))
        {
            return Err(VfsError::OutsideRoot);
        }
        let canon = self.realpath(local)?;
        if !self.allow_outside && !canon.starts_with(&self.root) {
            return Err(VfsError::OutsideRoot);
        }
        if self.hidden(&canon) {
            return Err(VfsError::NotFound);
        }
        Ok(canon)
    }
}

impl FsVfs {
    /// Whether a local path is a folder, its symbolic links followed as [`FsVfs::resolve`] maps
    /// them (not to the host's `/etc`).
    fn is_dir_mapped(&self, local: &Path) -> bool {
        self.resolve(local).is_ok_and(|c| c.is_dir())
    }

    /// realpath(3) of a folder, cached (see [`FsVfs::resolve`]).
    fn realpath_dir(&self, dir: &Path) -> Result<PathBuf, VfsError> {
        if let Some(p) = self.dir_cache.lock().ok().and_then(|c| c.get(dir).cloned()) {
            return Ok(p);
        }
        // `resolve` remembers the folders above its last component; the folder asked for is
        // remembered here (2,000 files of one `conf.d/` resolve it once, not 2,000 times).
        let resolved = self.resolve(dir)?;
        if let Ok(mut cache) = self.dir_cache.lock() {
            cache.insert(dir, resolved.clone());
        }
        Ok(resolved)
    }

    /// realpath(3) with the folder part cached; the last component is resolved with one lstat.
    fn realpath(&self, path: &Path) -> Result<PathBuf, VfsError> {
        if !self.overlays.is_empty() && std::fs::symlink_metadata(path).is_err() {
            // An editor's buffer not saved yet (its folder may be new too).
            let key = overlay_key(path);
            if self.overlays.contains_key(&key) {
                return Ok(key);
            }
        }
        let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
            return self.resolve(path);
        };
        if name == ".." || name == "." || parent.as_os_str().is_empty() {
            return self.resolve(path);
        }
        let canon_parent = self.realpath_dir(parent)?;
        let full = canon_parent.join(name);
        let meta = std::fs::symlink_metadata(&full).map_err(|e| io_error(&e))?;
        if meta.file_type().is_symlink() {
            return self.resolve(&full);
        }
        Ok(full)
    }

    /// realpath(3) of an absolute local path, except that a symbolic link whose target is an
    /// absolute path outside the root is mapped into the tree like an absolute include (explicit
    /// maps, then the automatic suffix mapping): config repositories keep `/etc` as the packages
    /// install it, with `sites-enabled/app -> /etc/nginx/sites-available/app`. A target that has no
    /// counterpart in the tree is [`VfsError::NotInTree`]; the folders resolved on the way are
    /// cached, so a tree of 2,000 files costs one lstat per folder.
    fn resolve(&self, path: &Path) -> Result<PathBuf, VfsError> {
        use std::collections::VecDeque;
        use std::ffi::OsString;
        use std::path::Component;
        // Start from the nearest folder already resolved.
        let cached = path.ancestors().skip(1).find_map(|a| {
            self.dir_cache
                .lock()
                .ok()
                .and_then(|c| c.get(a).cloned())
                .map(|r| (a.to_path_buf(), r))
        });
        let (mut orig, mut out, rest) = match cached {
            Some((a, r)) => {
                let rest = path.strip_prefix(&a).unwrap_or(path).to_path_buf();
                (a, r, rest)
            }
            None => (PathBuf::from("/"), PathBuf::from("/"), path.to_path_buf()),
        };
        let word = |c: Component<'_>| -> Option<OsString> {
            match c {
                Component::Normal(n) => Some(n.to_os_string()),
                Component::ParentDir => Some(OsString::from("..")),
                _ => None,
            }
        };
        let mut queue: VecDeque<(OsString, bool)> = rest
            .components()
            .filter_map(word)
            .map(|w| (w, true))
            .collect();
        // Components queued from link targets still to consume, and the absolute target that an
        // automatic mapping guessed (a miss under it means "not in the tree", not "broken").
        let mut injected = 0usize;
        let mut guessed: Option<PathBuf> = None;
        let mut links = 0usize;
        // An original folder resolved but not yet remembered (its link target may still be queued).
        let mut pending = false;
        while let Some((c, original)) = queue.pop_front() {
            injected = injected.saturating_sub(1);
            if original {
                orig.push(&c);
                pending = true;
            }
            if c == ".." {
                out.pop();
            } else {
                let next = out.join(&c);
                let meta = match std::fs::symlink_metadata(&next) {
                    Ok(m) => m,
                    Err(e) => {
                        return Err(match (&guessed, e.kind()) {
                            (Some(t), std::io::ErrorKind::NotFound) => {
                                VfsError::NotInTree(t.clone())
                            }
                            _ => io_error(&e),
                        })
                    }
                };
                if meta.file_type().is_symlink() {
                    links += 1;
                    if links > 40 {
                        return Err(VfsError::Io("Too many levels of symbolic links".into()));
                    }
                    let target = std::fs::read_link(&next).map_err(|e| io_error(&e))?;
                    let target = if target.is_absolute() {
                        let (local, how) = self.locate_how(&target);
                        match how {
                            Mapping::Outside => return Err(VfsError::NotInTree(target)),
                            Mapping::AutoPartial => guessed = Some(target),
                            _ => {}
                        }
                        out = PathBuf::from("/");
                        local
                    } else {
                        target
                    };
                    let parts: Vec<OsString> = target.components().filter_map(word).collect();
                    injected += parts.len();
                    for p in parts.into_iter().rev() {
                        queue.push_front((p, false));
                    }
                } else {
                    out = next;
                }
            }
            if injected == 0 {
                guessed = None;
                // A folder of the original path, fully resolved: remember it.
                if pending && !queue.is_empty() {
                    if let Ok(mut cache) = self.dir_cache.lock() {
                        cache.insert(&orig, out.clone());
                    }
                }
                pending = false;
            }
        }
        Ok(out)
    }
}

/// The template a file is rendered from at start-up, when the file itself is not in the tree:
/// `X.template` beside it (rendered in place), or, for a file under a `conf.d/` folder, the nginx
/// image's `templates/X.template` beside that folder (its entrypoint renders `templates/**` into
/// `conf.d/`, dropping the suffix).
pub fn template_for(local: &Path) -> Option<PathBuf> {
    let name = local.file_name()?;
    let dir = local.parent()?;
    let mut t = name.to_os_string();
    t.push(".template");
    let beside = dir.join(&t);
    if beside.symlink_metadata().is_ok() {
        return Some(beside);
    }
    let source = template_source_dir(dir)?.join(&t);
    source.symlink_metadata().is_ok().then_some(source)
}

/// For a folder at or below a `conf.d/`, the folder of the nginx image's `templates/` that renders
/// into it, when there is one.
fn template_source_dir(dir: &Path) -> Option<PathBuf> {
    let mut sub = Vec::new();
    for a in dir.ancestors() {
        let name = a.file_name()?;
        if name == "conf.d" {
            let mut source = a.parent()?.join("templates");
            for s in sub.iter().rev() {
                source.push(s);
            }
            return source.is_dir().then_some(source);
        }
        sub.push(name.to_os_string());
    }
    None
}

/// `X` for a file named `X.template`.
fn template_stem(name: &std::ffi::OsStr) -> Option<std::ffi::OsString> {
    name.to_str()
        .and_then(|n| n.strip_suffix(".template"))
        .filter(|s| !s.is_empty())
        .map(std::ffi::OsString::from)
}

fn common_prefix(a: &Path, b: &Path) -> usize {
    a.components()
        .zip(b.components())
        .take_while(|(x, y)| x == y)
        .count()
}

/// Folder names every kind of server uses: a match on them alone says little (`/etc/nginx/conf.d`
/// is not PHP's `php/conf.d`).
fn common_folder(name: &str) -> bool {
    matches!(
        name,
        "etc"
            | "usr"
            | "local"
            | "share"
            | "opt"
            | "conf"
            | "conf.d"
            | "config"
            | "configs"
            | "default"
            | "defaults"
            | "data"
            | "docker"
    )
}

fn index_dirs(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![(root.to_path_buf(), 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        if depth > 32 || out.len() > 100_000 {
            continue;
        }
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                let p = e.path();
                if p.file_name().is_some_and(|n| n == ".git" || n == "target") {
                    continue;
                }
                out.push(p.clone());
                stack.push((p, depth + 1));
            }
        }
    }
    out.sort();
    out
}

fn io_error(e: &std::io::Error) -> VfsError {
    match e.kind() {
        std::io::ErrorKind::NotFound => VfsError::NotFound,
        std::io::ErrorKind::PermissionDenied => VfsError::PermissionDenied,
        std::io::ErrorKind::IsADirectory => VfsError::IsDir,
        _ => VfsError::Io(strip_os_code(e.to_string())),
    }
}

/// Where an overlay is kept: the file's canonical path, or for a file not saved yet the canonical
/// path of its nearest existing folder with the rest.
fn overlay_key(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    // The nearest folder that exists, resolved, with the rest of the path.
    for a in abs.ancestors() {
        if let Ok(c) = std::fs::canonicalize(a) {
            return match abs.strip_prefix(a) {
                Ok(rest) if !rest.as_os_str().is_empty() => c.join(rest),
                _ => c,
            };
        }
    }
    abs
}

/// "Too many levels of symbolic links (os error 40)" → without the os error suffix.
fn strip_os_code(s: String) -> String {
    match s.split_once(" (os error") {
        Some((words, _)) => words.to_string(),
        None => s,
    }
}

impl Vfs for FsVfs {
    fn read(&self, path: &Path) -> Result<Vec<u8>, VfsError> {
        let canon = self.canonical(path)?;
        self.read_canonical(&canon)
    }

    fn is_overlaid(&self, canonical: &Path) -> bool {
        self.overlays.contains_key(canonical)
    }

    fn read_canonical(&self, canon: &Path) -> Result<Vec<u8>, VfsError> {
        if !self.allow_outside && !starts_with(canon, &self.root) {
            return Err(VfsError::OutsideRoot);
        }
        if let Some(b) = self.overlays.get(canon) {
            return Ok(b.clone());
        }
        use std::io::Read;
        use std::os::unix::fs::OpenOptionsExt;
        // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
        let f = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(O_NONBLOCK)
            .open(canon)
            .map_err(|e| io_error(&e))?;
        let meta = f.metadata().map_err(|e| io_error(&e))?;
        if meta.is_dir() {
            return Err(VfsError::IsDir);
        }
        if !meta.is_file() {
            // FIFOs, sockets and devices would block or never end.
            return Err(VfsError::Io("not a regular file".into()));
        }
        if meta.len() > self.max_size {
            return Err(VfsError::TooLarge {
                limit: self.max_size,
            });
        }
        // Exactly the size fstat gave: one read, no trailing read of zero bytes.
        let mut buf = vec![0u8; meta.len() as usize];
        let mut f = f;
        f.read_exact(&mut buf).map_err(|e| io_error(&e))?;
        Ok(buf)
    }

    fn canonical_regular(&self, path: &Path) -> Result<PathBuf, VfsError> {
        if self.maps.is_empty() && path.is_absolute() && starts_with(path, &self.root_given) {
            if let (Some(parent), Some(name)) = (path.parent(), path.file_name()) {
                if name != ".." && name != "." {
                    let canon_parent = self.realpath_dir(parent)?;
                    let canon = canon_parent.join(name);
                    if self.allow_outside || starts_with(&canon, &self.root) {
                        return Ok(canon);
                    }
                    return Err(VfsError::OutsideRoot);
                }
            }
        }
        self.canonical(path)
    }

    fn glob(&self, pattern: &Path) -> Result<Vec<GlobMatch>, VfsError> {
        use std::os::unix::ffi::OsStrExt;
        // The literal folder before the first wildcard component is mapped; the rest is matched.
        let comps: Vec<&std::ffi::OsStr> = pattern.iter().collect();
        let first_glob = comps
            .iter()
            .position(|c| has_glob_chars(c.as_bytes()))
            .unwrap_or(comps.len());
        let base_server: PathBuf = comps[..first_glob].iter().collect();
        let base_local = if first_glob == comps.len() {
            self.locate(&base_server)
        } else {
            // Locate the folder by a pseudo file inside it.
            let probe = self.locate(&base_server.join("x"));
            probe.parent().map(Path::to_path_buf).unwrap_or(probe)
        };
        let canon = match self.check_inside(&base_local) {
            // `conf.d/` that only the nginx image's `templates/` fills at start-up.
            Err(VfsError::NotFound)
                if self.templates && template_source_dir(&base_local).is_some() =>
            {
                base_local
            }
            r => r?,
        };
        let mut current: Vec<(PathBuf, PathBuf, bool)> = vec![(base_server, canon, true)];
        for (k, comp) in comps[first_glob..].iter().enumerate() {
            let last = first_glob + k + 1 == comps.len();
            let mut next = Vec::new();
            for (server, local, _) in &current {
                if !has_glob_chars(comp.as_bytes()) {
                    let l = local.join(comp);
                    if l.symlink_metadata().is_ok() || self.overlays.contains_key(&l) {
                        let is_dir = self.is_dir_mapped(&l);
                        next.push((server.join(comp), l, is_dir));
                    }
                    continue;
                }
                // What the folder holds once templates are rendered (see `template_for`).
                let source = template_source_dir(local).filter(|_| self.templates);
                let rd = match std::fs::read_dir(local) {
                    Ok(rd) => Some(rd),
                    Err(_) if source.is_some() => None,
                    Err(_) => {
                        if k == 0 {
                            return Err(VfsError::NotFound);
                        }
                        continue;
                    }
                };
                let mut names: Vec<(std::ffi::OsString, Option<bool>)> = Vec::new();
                let mut rendered: Vec<(std::ffi::OsString, bool)> = Vec::new();
                for e in rd.into_iter().flatten().flatten() {
                    let name = e.file_name();
                    if let Some(stem) = template_stem(&name).filter(|_| self.templates) {
                        rendered.push((stem, false));
                    }
                    if fnmatch(comp.as_bytes(), name.as_bytes())
                        && (!self.hiding() || !self.hidden(&local.join(&name)))
                    {
                        // d_type answers without a stat, except for symlinks.
                        let is_dir = e
                            .file_type()
                            .ok()
                            .filter(|t| !t.is_symlink())
                            .map(|t| t.is_dir());
                        names.push((name, is_dir));
                    }
                }
                if let Some(source) = &source {
                    for e in std::fs::read_dir(source).into_iter().flatten().flatten() {
                        if e.file_type().is_ok_and(|t| t.is_dir()) {
                            rendered.push((e.file_name(), true));
                        } else if let Some(stem) = template_stem(&e.file_name()) {
                            rendered.push((stem, false));
                        }
                    }
                }
                // Editor buffers not saved yet are matched as the files they will be.
                for o in self.overlays.keys() {
                    if let (Some(dir), Some(name)) = (o.parent(), o.file_name()) {
                        if dir == local {
                            rendered.push((name.to_os_string(), false));
                        }
                    }
                }
                for (name, is_dir) in rendered {
                    if fnmatch(comp.as_bytes(), name.as_bytes())
                        && !names.iter().any(|(n, _)| *n == name)
                    {
                        names.push((name, Some(is_dir)));
                    }
                }
                // Each name is listed once: an unstable sort gives the same order, without the
                // stable sort's scratch buffer.
                names.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
                for (name, is_dir) in names {
                    let l = local.join(&name);
                    let is_dir = is_dir.unwrap_or_else(|| self.is_dir_mapped(&l));
                    if !last && !is_dir {
                        continue;
                    }
                    next.push((server.join(&name), l, is_dir));
                }
            }
            current = next;
        }
        let mut out: Vec<GlobMatch> = Vec::new();
        for (server, _, is_dir) in current {
            // A match that leads outside the root (a symlink) is refused at read time.
            out.push(GlobMatch {
                is_dir,
                path: server,
            });
        }
        // Each level was listed in order: one glob component leaves the list sorted already.
        let bytes = |m: &GlobMatch| m.path.as_os_str().as_bytes().to_vec();
        if !out.is_sorted_by(|a, b| a.path.as_os_str().as_bytes() <= b.path.as_os_str().as_bytes())
        {
            out.sort_by_cached_key(bytes);
        }
        Ok(out)
    }

    fn set_hint(&self, dir: &Path) {
        if let Ok(mut h) = self.hint.lock() {
            *h = Some(dir.to_path_buf());
        }
    }

    fn canonical(&self, path: &Path) -> Result<PathBuf, VfsError> {
        let (local, how) = self.locate_how(path);
        let found = match self.check_inside(&local) {
            // A template rendered at start-up stands for the file it renders to.
            Err(VfsError::NotFound) if self.templates => match template_for(&local) {
                Some(t) => self.check_inside(&t),
                None => Err(VfsError::NotFound),
            },
            r => r,
        };
        // An image built from overlays (`COPY common/etc /etc`, then `COPY oss/etc /etc`): the
        // folder guessed for the server's folder lacks the file, another tree folder standing for
        // the same server folder has it (or its template).
        let found = match found {
            Err(VfsError::NotFound) if matches!(how, Mapping::AutoFull | Mapping::AutoPartial) => {
                self.overlay_locate(path).ok_or(VfsError::NotFound)
            }
            r => r,
        };
        match found {
            // A guessed folder without the file: the server's file is somewhere the tree does not hold.
            Err(VfsError::NotFound) if how == Mapping::AutoPartial => {
                Err(VfsError::NotInTree(path.to_path_buf()))
            }
            r => r,
        }
    }

    fn mapping(&self, path: &Path) -> Mapping {
        self.locate_how(path).1
    }

    fn display_canonical(&self, canonical: &Path) -> PathBuf {
        match self
            .cwd
            .as_ref()
            .and_then(|cwd| strip_prefix(canonical, cwd))
        {
            Some(rel) => rel.to_path_buf(),
            None => canonical.to_path_buf(),
        }
    }

    fn display_path(&self, path: &Path) -> PathBuf {
        let local = self.locate(path);
        let canon = self.realpath(&local).unwrap_or(local);
        match self
            .cwd
            .as_ref()
            .and_then(|cwd| canon.strip_prefix(cwd).ok().map(Path::to_path_buf))
        {
            Some(rel) => rel,
            None => canon,
        }
    }
}

#[cfg(test)]
mod path_tests {
    use std::path::Path;

    #[test]
    fn byte_answers_agree_with_components() {
        let paths = [
            "/",
            "/a",
            "/a/",
            "/a/b",
            "/ab",
            "/a/b/",
            "/a//b",
            "/a/./b",
            "/a/.",
            "a",
            "a/b",
            "./a",
            "",
            "/a/b/c",
            "/a/bc",
            "/a/b/../c",
            "/tmp/t2000/nginx/conf.d/x.conf",
        ];
        for p in paths
            .iter()
            .chain(&["//a", "/a/.b", "/a/..", "a/.", "/.a/b", "/a/b//"])
        {
            // A clean path is what its components rebuild, byte for byte.
            let rebuilt: std::path::PathBuf = Path::new(p).components().collect();
            let clean = super::is_clean(Path::new(p));
            assert!(
                !clean || rebuilt.as_os_str() == std::ffi::OsStr::new(p),
                "{p:?}"
            );
            let expected = !p.contains("//")
                && !p.contains("/./")
                && !p.starts_with("./")
                && !p.ends_with("/.")
                && *p != "."
                && (p.len() <= 1 || !p.ends_with('/'));
            assert_eq!(clean, expected, "{p:?}");
        }
        // Every place a `//` or `/./` can stand in a longer path, across the eight-byte windows.
        for len in 1..40 {
            for at in 0..len {
                let with = |ins: &str| {
                    let mut p = "a".repeat(len);
                    p.replace_range(at..at, ins);
                    format!("/b{p}")
                };
                for bad in ["//", "/./"] {
                    assert!(!super::is_clean(Path::new(&with(bad))), "{:?}", with(bad));
                }
                assert!(
                    super::is_clean(Path::new(&with("/x/"))),
                    "{:?}",
                    with("/x/")
                );
            }
        }
        for p in paths {
            for b in paths {
                let (p, b) = (Path::new(p), Path::new(b));
                assert_eq!(super::starts_with(p, b), p.starts_with(b), "{p:?} {b:?}");
                assert_eq!(
                    super::strip_prefix(p, b),
                    p.strip_prefix(b).ok(),
                    "{p:?} {b:?}"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnmatch_follows_glob3() {
        assert!(fnmatch(b"*.conf", b"a.conf"));
        assert!(!fnmatch(b"*.conf", b".hidden.conf"));
        assert!(fnmatch(b".*.conf", b".hidden.conf"));
        assert!(!fnmatch(b"?a", b".a"));
        assert!(fnmatch(b"site[0-9].conf", b"site7.conf"));
        assert!(!fnmatch(b"site[!0-9].conf", b"site7.conf"));
        assert!(fnmatch(b"site[!0-9].conf", b"sitex.conf"));
        assert!(fnmatch(b"*", b"sites-enabled"));
        assert!(fnmatch(b"a*b*c", b"axxbyyc"));
        assert!(!fnmatch(b"a*b*c", b"axxbyy"));
        assert!(fnmatch(b"[]a]", b"]"));
        assert!(fnmatch(b"a[b", b"a[b"));
        assert!(fnmatch(br"\*", b"*"));
        assert!(!fnmatch(b"{a,b}", b"a"));
    }

    #[test]
    fn glob_sorts_bytewise_skips_dotfiles_and_maps() {
        let dir = std::env::temp_dir().join(format!("ngxlint-vfs-{}", std::process::id()));
        let conf = dir.join("repo/nginx/conf.d");
        std::fs::create_dir_all(&conf).unwrap();
        for n in ["b.conf", "B.conf", "a.conf", ".hidden.conf", "x.txt"] {
            std::fs::write(conf.join(n), "").unwrap();
        }
        std::fs::create_dir_all(conf.join("d.conf")).unwrap();
        let vfs = FsVfs::new(&dir.join("repo")).unwrap();
        let m = vfs.glob(Path::new("/etc/nginx/conf.d/*.conf")).unwrap();
        let names: Vec<_> = m
            .iter()
            .map(|g| g.path.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "/etc/nginx/conf.d/B.conf",
                "/etc/nginx/conf.d/a.conf",
                "/etc/nginx/conf.d/b.conf",
                "/etc/nginx/conf.d/d.conf"
            ]
        );
        assert!(m[3].is_dir);
        assert_eq!(
            vfs.read(Path::new("/etc/nginx/conf.d/a.conf")).unwrap(),
            b""
        );
        assert_eq!(
            vfs.glob(Path::new("/etc/nginx/conf.d/*.none")).unwrap(),
            vec![]
        );
        assert_eq!(
            vfs.glob(Path::new("/etc/nginx/nothere/*.conf")),
            Err(VfsError::NotFound)
        );
        // Nothing outside the root: a host file is refused, not read.
        assert_eq!(
            vfs.read(Path::new("/etc/passwd")),
            Err(VfsError::OutsideRoot)
        );
        // A symlink inside the tree pointing outside is refused too: the tree holds nothing
        // standing for `/etc/hostname`.
        std::os::unix::fs::symlink("/etc/hostname", conf.join("leak.conf")).unwrap();
        assert_eq!(
            vfs.read(&conf.join("leak.conf")),
            Err(VfsError::NotInTree(PathBuf::from("/etc/hostname")))
        );
        // A relative link climbing out of the root is refused as well.
        std::os::unix::fs::symlink("../../../../../../../../etc/hostname", conf.join("up.conf"))
            .unwrap();
        assert_eq!(vfs.read(&conf.join("up.conf")), Err(VfsError::OutsideRoot));
        // Symlink loops are an error, not a hang.
        std::os::unix::fs::symlink(conf.join("loop2"), conf.join("loop1")).unwrap();
        std::os::unix::fs::symlink(conf.join("loop1"), conf.join("loop2")).unwrap();
        assert!(matches!(
            vfs.read(&conf.join("loop1")),
            Err(VfsError::Io(_))
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_buffer_not_saved_yet_is_read_and_globbed_as_its_file() {
        let dir = std::env::temp_dir().join(format!("ngxlint-vfs-unsaved-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("conf.d")).unwrap();
        std::fs::write(dir.join("conf.d/a.conf"), "a").unwrap();
        let mut vfs = FsVfs::new(&dir).unwrap();
        vfs.add_overlay(&dir.join("conf.d/b.conf"), b"b".to_vec());
        // In a folder that does not exist either.
        vfs.add_overlay(&dir.join("pool.d/www.conf"), b"[www]".to_vec());
        assert_eq!(vfs.read(&dir.join("conf.d/b.conf")).unwrap(), b"b");
        assert_eq!(vfs.read(&dir.join("pool.d/www.conf")).unwrap(), b"[www]");
        let names: Vec<PathBuf> = vfs
            .glob(&dir.join("conf.d/*.conf"))
            .unwrap()
            .into_iter()
            .map(|m| m.path)
            .collect();
        assert_eq!(
            names,
            [dir.join("conf.d/a.conf"), dir.join("conf.d/b.conf")]
        );
        assert_eq!(
            vfs.read(&dir.join("conf.d/c.conf")),
            Err(VfsError::NotFound)
        );
        assert!(!dir.join("conf.d/b.conf").exists() && !dir.join("pool.d").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn absolute_symlinks_map_into_the_tree() {
        use std::os::unix::fs::symlink;
        let dir = std::env::temp_dir().join(format!("ngxlint-vfs-links-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let etc = dir.join("repo/etc/nginx");
        for d in [
            "sites-available",
            "sites-enabled",
            "modules-available",
            "modules-enabled",
        ] {
            std::fs::create_dir_all(etc.join(d)).unwrap();
        }
        std::fs::create_dir_all(etc.join("real-conf.d")).unwrap();
        std::fs::write(etc.join("sites-available/app"), "server {}\n").unwrap();
        std::fs::write(etc.join("real-conf.d/a.conf"), "# a\n").unwrap();
        // etckeeper keeps the links exactly as the package manager made them: absolute.
        symlink(
            "/etc/nginx/sites-available/app",
            etc.join("sites-enabled/app"),
        )
        .unwrap();
        symlink("/etc/nginx/real-conf.d", etc.join("conf.d")).unwrap();
        symlink(
            "/usr/share/nginx/modules-available/mod-mail.conf",
            etc.join("modules-enabled/50-mod-mail.conf"),
        )
        .unwrap();
        symlink("/etc/nginx/loop-b", etc.join("loop-a")).unwrap();
        symlink("/etc/nginx/loop-a", etc.join("loop-b")).unwrap();
        let vfs = FsVfs::new(&dir.join("repo")).unwrap();
        let root = vfs.root().to_path_buf();
        // Through the include path and through the tree path alike.
        for p in [
            PathBuf::from("/etc/nginx/sites-enabled/app"),
            etc.join("sites-enabled/app"),
        ] {
            assert_eq!(vfs.read(&p).unwrap(), b"server {}\n", "{}", p.display());
            assert_eq!(
                vfs.canonical(&p).unwrap(),
                root.join("etc/nginx/sites-available/app")
            );
        }
        // A linked folder, and a file below it.
        assert_eq!(vfs.read(&etc.join("conf.d/a.conf")).unwrap(), b"# a\n");
        let g = vfs.glob(Path::new("/etc/nginx/conf.d/*.conf")).unwrap();
        assert_eq!(g.len(), 1);
        // `/usr/share/nginx/...` is not in an /etc repository: said so, not "broken".
        assert_eq!(
            vfs.read(&etc.join("modules-enabled/50-mod-mail.conf")),
            Err(VfsError::NotInTree(PathBuf::from(
                "/usr/share/nginx/modules-available/mod-mail.conf"
            )))
        );
        // Absolute links that loop end in an error, not a hang.
        assert!(matches!(
            vfs.read(&etc.join("loop-a")),
            Err(VfsError::Io(_))
        ));
        // How a server path was found.
        assert_eq!(
            vfs.locate_how(Path::new("/etc/nginx/sites-available/app"))
                .1,
            Mapping::AutoFull
        );
        assert_eq!(
            vfs.locate_how(Path::new("/config/nginx/nginx.conf")).1,
            Mapping::AutoPartial
        );
        assert_eq!(
            vfs.locate_how(Path::new("/srv/other/x.conf")).1,
            Mapping::Outside
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_overlay_folder_holds_what_the_guessed_one_lacks() {
        // nginxinc/nginx-s3-gateway's image: `COPY common/etc /etc` then `COPY oss/etc /etc`.
        let dir = std::env::temp_dir().join(format!("ngxlint-vfs-overlay-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let w = |p: &str| {
            let f = dir.join(p);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(f, p).unwrap();
        };
        w("repo/common/etc/nginx/templates/gateway/cors.conf.template");
        w("repo/common/etc/nginx/nginx.conf");
        w("repo/oss/etc/nginx/conf.d/gateway/server_variables.conf");
        let vfs = FsVfs::new(&dir.join("repo")).unwrap();
        let read = |p: &str| {
            vfs.read(Path::new(p))
                .map(|b| String::from_utf8_lossy(&b).into_owned())
        };
        assert_eq!(
            read("/etc/nginx/conf.d/gateway/server_variables.conf").unwrap(),
            "repo/oss/etc/nginx/conf.d/gateway/server_variables.conf"
        );
        // The guessed folder (oss/.../gateway, the longest match) lacks it: common's template.
        assert_eq!(
            read("/etc/nginx/conf.d/gateway/cors.conf").unwrap(),
            "repo/common/etc/nginx/templates/gateway/cors.conf.template"
        );
        assert!(read("/etc/nginx/conf.d/gateway/missing.conf").is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn templates_stand_for_what_they_render_to() {
        let dir = std::env::temp_dir().join(format!("ngxlint-vfs-tpl-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let w = |p: &str| {
            let f = dir.join(p);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(f, p).unwrap();
        };
        // The nginx image: templates/ rendered into conf.d/ (which the repository may not have).
        w("repo/nginx/templates/default.conf.template");
        w("repo/nginx/templates/api/v1.conf.template");
        w("repo/nginx/nginx.conf");
        // In place: site-opts.d/https.conf.template renders to site-opts.d/https.conf.
        w("repo/nginx/site-opts.d/https.conf.template");
        w("repo/nginx/site-opts.d/real.conf");
        let vfs = FsVfs::new(&dir.join("repo")).unwrap();
        let names = |pat: &str| -> Vec<String> {
            vfs.glob(Path::new(pat))
                .unwrap()
                .iter()
                .map(|m| m.path.to_string_lossy().into_owned())
                .collect()
        };
        assert_eq!(
            names("/etc/nginx/conf.d/*.conf"),
            ["/etc/nginx/conf.d/default.conf"]
        );
        assert_eq!(
            names("/etc/nginx/conf.d/*/*.conf"),
            ["/etc/nginx/conf.d/api/v1.conf"]
        );
        assert_eq!(
            names("/etc/nginx/site-opts.d/*.conf"),
            [
                "/etc/nginx/site-opts.d/https.conf",
                "/etc/nginx/site-opts.d/real.conf"
            ]
        );
        assert_eq!(
            vfs.read(Path::new("/etc/nginx/conf.d/default.conf"))
                .unwrap(),
            b"repo/nginx/templates/default.conf.template"
        );
        assert_eq!(
            vfs.read(Path::new("/etc/nginx/site-opts.d/https.conf"))
                .unwrap(),
            b"repo/nginx/site-opts.d/https.conf.template"
        );
        assert_eq!(
            vfs.read(Path::new("/etc/nginx/conf.d/missing.conf")),
            Err(VfsError::NotFound)
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[cfg(test)]
mod path_map_tests {
    use super::PathMap;
    use std::path::Path;

    #[test]
    fn a_path_map_finds_every_spelling_path_calls_equal() {
        let mut m = PathMap::default();
        m.insert(Path::new("/etc/nginx/conf.d/a.conf"), 1);
        for p in [
            "/etc/nginx/conf.d/a.conf",
            "/etc//nginx/conf.d/a.conf",
            "/etc/nginx/./conf.d/a.conf",
            "/etc/nginx/conf.d/a.conf/",
        ] {
            assert_eq!(Path::new(p), Path::new("/etc/nginx/conf.d/a.conf"));
            assert_eq!(m.get(Path::new(p)), Some(&1), "{p}");
        }
        // `..` is a component of its own: not the same path.
        assert_eq!(m.get(Path::new("/etc/nginx/conf.d/../conf.d/a.conf")), None);
        assert_eq!(m.get(Path::new("/etc/nginx/conf.d/b.conf")), None);
        assert_eq!(m.insert(Path::new("/etc//nginx/conf.d/a.conf"), 2), Some(1));
        assert_eq!(*m.get_or_insert(Path::new("x/y"), 3), 3);
        assert_eq!(*m.get_or_insert(Path::new("x//y"), 4), 3);
        // A leading `.` is a component of its own, as `Path` counts it.
        assert_ne!(Path::new("./x/y"), Path::new("x/y"));
        assert_eq!(*m.get_or_insert(Path::new("./x/y"), 5), 5);
    }
}
