//! Finds the files under the paths a run is given that may be nginx or PHP-FPM configuration.
//!
//! A walk opens only files whose name or folder is one configuration goes by
//! ([`crate::classify::is_candidate`]); what each of those files is, is decided from its content
//! when it is read. Files the repository does not keep (`.gitignore`), files `[paths] exclude`
//! names, and backup copies and samples are passed over; a file named on the command line, or
//! matched by `[paths] include`, is always read.

use std::path::{Path, PathBuf};

use crate::classify;

/// Which files a walk takes, beyond what their names say.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Globs (relative to `base`, `**` for any folders) of files always read, whatever their name.
    pub include: Vec<String>,
    /// Globs of files and folders never read (named files too).
    pub exclude: Vec<String>,
    /// The folder the globs are relative to (the configuration file's).
    pub base: PathBuf,
    /// Honour `.gitignore` files (and `.git/info/exclude`).
    pub gitignore: bool,
}

/// A file the walk will read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The path as walked.
    pub path: PathBuf,
    /// Named on the command line (evidence it is meant to be linted).
    pub named: bool,
    /// A symbolic link (resolved when read, with absolute targets mapped into the tree).
    pub symlink: bool,
    /// What its path says (relative to the linted root).
    pub hints: classify::Hints,
    /// The walk saw a regular file (not a symbolic link): its folder is resolved, not itself.
    pub regular: bool,
}

/// The files found.
#[derive(Debug, Default)]
pub struct Found {
    /// Files to read and classify, sorted.
    pub candidates: Vec<Candidate>,
    /// Every other file the walk saw, with why it was passed over (for `--list-files`).
    pub skipped: Vec<(PathBuf, String)>,
    /// Paths that could not be walked, with the reason.
    pub errors: Vec<(PathBuf, String)>,
    /// Every folder the walk entered.
    pub dirs: Vec<PathBuf>,
    /// Files and folders the repository does not keep (`.gitignore`, `[paths] exclude`): includes
    /// find nothing there either.
    pub hidden_files: Vec<PathBuf>,
    /// See `hidden_files`.
    pub hidden_dirs: Vec<PathBuf>,
}

/// Folders never walked into.
const SKIP_DIRS: [&str; 5] = [".git", ".hg", ".svn", "node_modules", "target"];

/// `.gitignore` matchers of the folders above and along the walk.
struct Ignores {
    /// (depth of the folder in the walk, its matcher); folders above the walk at depth 0.
    stack: Vec<(usize, ignore::gitignore::Gitignore)>,
}

impl Ignores {
    /// The `.gitignore` files from the repository root down to `start`, and `.git/info/exclude`.
    fn above(start: &Path) -> Ignores {
        let mut stack = Vec::new();
        let start = crate::project::absolute(start);
        let mut dirs: Vec<PathBuf> = Vec::new();
        let mut repo = None;
        for d in start.ancestors() {
            dirs.push(d.to_path_buf());
            if d.join(".git").exists() {
                repo = Some(d.to_path_buf());
                break;
            }
        }
        // Outside a repository, only the walk's own `.gitignore` files count.
        let Some(repo) = repo else {
            return Ignores { stack };
        };
        let exclude = repo.join(".git/info/exclude");
        if exclude.is_file() {
            let mut b = ignore::gitignore::GitignoreBuilder::new(&repo);
            b.add(&exclude);
            if let Ok(g) = b.build() {
                stack.push((0, g));
            }
        }
        // Above the start only: the start folder's own file is read by the walk.
        for d in dirs.iter().rev().filter(|d| **d != start) {
            if let Some(g) = matcher(d) {
                stack.push((0, g));
            }
        }
        Ignores { stack }
    }

    /// Whether a path is ignored: the deepest matcher with an opinion decides, as in git.
    fn ignored(&self, path: &Path, is_dir: bool) -> bool {
        for (_, g) in self.stack.iter().rev() {
            let abs;
            let p = if path.is_absolute() {
                path
            } else {
                abs = crate::project::absolute(path);
                &abs
            };
            if !p.starts_with(g.path()) {
                continue;
            }
            match g.matched(p, is_dir) {
                ignore::Match::Ignore(_) => return true,
                ignore::Match::Whitelist(_) => return false,
                ignore::Match::None => {}
            }
        }
        false
    }
}

/// The matcher of a folder's `.gitignore`, when it has one.
fn matcher(dir: &Path) -> Option<ignore::gitignore::Gitignore> {
    let file = dir.join(".gitignore");
    if !file.is_file() {
        return None;
    }
    let mut b = ignore::gitignore::GitignoreBuilder::new(crate::project::absolute(dir));
    b.add(&file);
    b.build().ok()
}

/// The path relative to `base`, `/`-separated, for `[paths]` globs; `None` outside it.
fn relative_text(path: &Path, base: &Path) -> Option<String> {
    let abs = crate::project::absolute(path);
    let rel = ngxlint_vfs::strip_prefix(&abs, base)?;
    Some(rel.to_string_lossy().into_owned())
}

impl Filter {
    fn excluded(&self, path: &Path) -> Option<&str> {
        if self.exclude.is_empty() {
            return None;
        }
        let rel = relative_text(path, &self.base)?;
        self.exclude
            .iter()
            .find(|g| ngxlint_vfs::path_matches(g, &rel))
            .map(String::as_str)
    }
    fn included(&self, path: &Path) -> bool {
        !self.include.is_empty()
            && relative_text(path, &self.base).is_some_and(|rel| {
                self.include
                    .iter()
                    .any(|g| ngxlint_vfs::path_matches(g, &rel))
            })
    }
}

/// Walks `paths` (relative paths are taken against the working folder; `root` is the linted root,
/// which the path evidence is relative to).
pub fn discover(paths: &[PathBuf], root: &Path, filter: &Filter) -> Found {
    let mut found = Found::default();
    let cwd = std::env::current_dir().ok();
    let root = crate::project::absolute(root);
    let rel_to_root = |p: &Path| -> PathBuf {
        let abs = crate::project::absolute(p);
        ngxlint_vfs::strip_prefix(&abs, &root)
            .map(Path::to_path_buf)
            .unwrap_or_else(|| p.to_path_buf())
    };
    for p in paths {
        if !p.is_dir() {
            let is_link = std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink());
            if let Some(g) = filter.excluded(p) {
                found
                    .skipped
                    .push((p.clone(), format!("excluded by `[paths] exclude` `{g}`")));
                continue;
            }
            found.candidates.push(Candidate {
                path: p.clone(),
                named: true,
                symlink: is_link,
                hints: classify::hints(&rel_to_root(p)),
                regular: false,
            });
            continue;
        }
        let mut ignores = if filter.gitignore {
            Ignores::above(p)
        } else {
            Ignores { stack: Vec::new() }
        };
        // What each folder's path says, worked out once per folder.
        let mut folder: Option<(PathBuf, classify::FolderHints)> = None;
        // How the walk's paths are shown (see below), worked out once for the walked folder when
        // the working folder is not inside it: then every path under it is shown as the folder's
        // shown path joined with the rest (component-wise stripping per file cost more than the
        // walk itself).
        let p_bytes = p.as_os_str().as_encoded_bytes();
        let shown_base: Option<PathBuf> = {
            let p0 = p.strip_prefix("./").unwrap_or(p);
            match cwd.as_deref() {
                Some(c) if c.starts_with(p0) && c != p0 => None,
                Some(c) => Some(p0.strip_prefix(c).unwrap_or(p0).to_path_buf()),
                None => Some(p0.to_path_buf()),
            }
        };
        let mut walker = walkdir::WalkDir::new(p)
            .follow_links(false)
            .max_depth(64)
            .into_iter();
        while let Some(entry) = walker.next() {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let path = e.path().map(Path::to_path_buf).unwrap_or_else(|| p.clone());
                    // walkdir's own text names the absolute path; the finding names the file.
                    let why = match e.io_error() {
                        Some(io) => io.to_string(),
                        None => "a symbolic link loop".to_string(),
                    };
                    found.errors.push((path, why));
                    continue;
                }
            };
            let depth = entry.depth();
            // A folder's matcher applies below it: drop those of folders the walk has left.
            while ignores
                .stack
                .last()
                .is_some_and(|(d, _)| *d >= depth && *d > 0)
            {
                ignores.stack.pop();
            }
            let ft = entry.file_type();
            if ft.is_dir() {
                if depth > 0 {
                    let vcs = SKIP_DIRS.iter().any(|s| entry.file_name() == *s);
                    let unkept = filter.excluded(entry.path()).is_some()
                        || ignores.ignored(entry.path(), true);
                    if unkept {
                        found
                            .hidden_dirs
                            .push(crate::project::absolute(entry.path()));
                    }
                    if vcs || unkept {
                        walker.skip_current_dir();
                        continue;
                    }
                }
                if filter.gitignore {
                    if let Some(g) = matcher(entry.path()) {
                        ignores.stack.push((depth, g));
                    }
                }
                found.dirs.push(entry.path().to_path_buf());
                continue;
            }
            // `ngxlint check .` walks `./a/b`: shown as `a/b`, and a walk of the working folder by
            // its absolute path too, as the other paths are.
            let joined: PathBuf;
            let rest = entry
                .path()
                .as_os_str()
                .as_encoded_bytes()
                .strip_prefix(p_bytes)
                .map(|r| r.strip_prefix(b"/").unwrap_or(r))
                .filter(|r| !r.is_empty());
            let path: &Path = match (&shown_base, rest) {
                (Some(base), Some(rest)) => {
                    use std::os::unix::ffi::OsStrExt;
                    let rest = Path::new(std::ffi::OsStr::from_bytes(rest));
                    joined = if base.as_os_str().is_empty() {
                        rest.to_path_buf()
                    } else {
                        base.join(rest)
                    };
                    &joined
                }
                _ => {
                    let path = entry.path().strip_prefix("./").unwrap_or(entry.path());
                    cwd.as_deref()
                        .and_then(|c| path.strip_prefix(c).ok())
                        .filter(|r| !r.as_os_str().is_empty())
                        .unwrap_or(path)
                }
            };
            if ignores.ignored(path, false) {
                found
                    .skipped
                    .push((path.to_path_buf(), "ignored by .gitignore".into()));
                found.hidden_files.push(crate::project::absolute(path));
                continue;
            }
            if let Some(g) = filter.excluded(path) {
                found.skipped.push((
                    path.to_path_buf(),
                    format!("excluded by `[paths] exclude` `{g}`"),
                ));
                found.hidden_files.push(crate::project::absolute(path));
                continue;
            }
            let symlink = ft.is_symlink();
            if !ft.is_file() && !symlink {
                continue;
            }
            let dir = path.parent().unwrap_or(Path::new(""));
            if folder
                .as_ref()
                .is_none_or(|(d, _)| d.as_os_str() != dir.as_os_str())
            {
                folder = Some((
                    dir.to_path_buf(),
                    classify::FolderHints::of(&rel_to_root(dir)),
                ));
            }
            let name = entry.file_name().to_string_lossy();
            let hints = folder
                .as_ref()
                .map(|(_, f)| f.file_named(&name))
                .unwrap_or_default();
            let forced = filter.included(path);
            if !forced {
                if let Some(why) = classify::skipped_by_name(&name) {
                    found.skipped.push((path.to_path_buf(), why.to_string()));
                    continue;
                }
                if !classify::is_candidate_name(&name, hints) {
                    found
                        .skipped
                        .push((path.to_path_buf(), "not a configuration file name".into()));
                    continue;
                }
            }
            found.candidates.push(Candidate {
                path: path.to_path_buf(),
                named: forced,
                symlink,
                hints,
                regular: ft.is_file(),
            });
        }
    }
    // A file both named and found by a walk (`ngxlint check . conf.d/x.conf`, or pre-commit's
    // files with the root around them) is read once, as named.
    if paths.len() > 1 {
        let mut by_abs: crate::hash::FastMap<PathBuf, usize> = Default::default();
        let mut unique: Vec<Candidate> = Vec::with_capacity(found.candidates.len());
        for c in found.candidates {
            match by_abs.entry(crate::project::absolute(&c.path)) {
                std::collections::hash_map::Entry::Occupied(e) => {
                    let kept = &mut unique[*e.get()];
                    kept.named |= c.named;
                    kept.regular |= c.regular;
                }
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(unique.len());
                    unique.push(c);
                }
            }
        }
        found.candidates = unique;
        // A file a walk passed over but the command line named is read (and listed once).
        found
            .skipped
            .retain(|(p, _)| !by_abs.contains_key(&crate::project::absolute(p)));
    }
    // The walk is in the file system's order: sort for output that does not depend on it.
    found.candidates.sort_by_cached_key(|c| order_key(&c.path));
    found.dirs.sort_by_cached_key(|d| order_key(d));
    found.dirs.dedup();
    found.skipped.sort_by(|a, b| path_order(&a.0, &b.0));
    found.errors.sort_by(|a, b| path_order(&a.0, &b.0));
    found
}

/// Adds the editor buffers not saved yet (`overlays` whose file does not exist) that lie under a
/// walked folder, as files the editor names: the walk cannot see them, and the project around a
/// new buffer is read as if it were saved. (A buffer named itself is a named candidate already.)
pub fn add_unsaved(
    found: &mut Found,
    paths: &[PathBuf],
    root: &Path,
    overlays: &[(PathBuf, Vec<u8>)],
) {
    let root = crate::project::absolute(root);
    let walked: Vec<PathBuf> = paths
        .iter()
        .filter(|p| p.is_dir())
        .map(|p| crate::project::absolute(p))
        .collect();
    let mut added = false;
    for (path, _) in overlays {
        if std::fs::symlink_metadata(path).is_ok() {
            continue;
        }
        let abs = crate::project::absolute(path);
        let known = found
            .candidates
            .iter()
            .any(|c| crate::project::absolute(&c.path) == abs);
        if known || !walked.iter().any(|w| abs.starts_with(w)) {
            continue;
        }
        let rel = ngxlint_vfs::strip_prefix(&abs, &root)
            .unwrap_or(&abs)
            .to_path_buf();
        found.candidates.push(Candidate {
            path: abs,
            named: true,
            symlink: false,
            hints: classify::hints(&rel),
            regular: false,
        });
        added = true;
    }
    if added {
        found
            .candidates
            .sort_unstable_by(|a, b| path_order(&a.path, &b.path));
    }
}

/// The order of `Path`'s `Ord` (component by component) for the clean paths a walk produces,
/// without splitting them into components: bytes compared with `/` below every other byte.
/// (Sorting 2,000 paths through `Path::cmp` was a tenth of a whole check.)
/// A key whose byte order is [`path_order`]: `/` (the lowest in that order) becomes NUL, which a
/// path cannot hold. Sorting thousands of paths compares these with `memcmp`.
fn order_key(p: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    p.as_os_str()
        .as_bytes()
        .iter()
        .map(|&c| if c == b'/' { 0 } else { c })
        .collect()
}

pub fn path_order(a: &Path, b: &Path) -> std::cmp::Ordering {
    use std::os::unix::ffi::OsStrExt;
    let key = |c: u8| if c == b'/' { 0 } else { u16::from(c) + 1 };
    let (a, b) = (a.as_os_str().as_bytes(), b.as_os_str().as_bytes());
    match a.iter().zip(b).position(|(x, y)| x != y) {
        Some(i) => key(a[i]).cmp(&key(b[i])),
        None => a.len().cmp(&b.len()),
    }
}

#[cfg(test)]
mod order_tests {
    use super::path_order;
    use std::path::Path;

    #[test]
    fn path_order_is_paths_own_order() {
        let paths = [
            "a/x",
            "a-b/x",
            "a.b",
            "a/b/c",
            "a/b",
            "a",
            "ab",
            "a/b-c",
            "a/b/c/d",
            "b",
            "a0/x",
            "./n/conf.d/site1.conf",
            "./n/conf.d/site10.conf",
            "./n/conf.d/site1.conf.bak",
            "./n/conf.d-x/a",
            "./n/nginx.conf",
        ];
        for a in paths {
            for b in paths {
                assert_eq!(
                    path_order(Path::new(a), Path::new(b)),
                    Path::new(a).cmp(Path::new(b)),
                    "{a} vs {b}"
                );
                // The sort key the walk sorts by gives the same order.
                assert_eq!(
                    super::order_key(Path::new(a)).cmp(&super::order_key(Path::new(b))),
                    path_order(Path::new(a), Path::new(b)),
                    "key of {a} vs {b}"
                );
            }
        }
    }
}

#[cfg(test)]
mod walk_tests {
    use super::*;

    #[test]
    fn gitignore_exclude_include_and_names() {
        let dir = std::env::temp_dir().join(format!("ngxlint-walk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let w = |p: &str, t: &str| {
            let f = dir.join(p);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(f, t).unwrap();
        };
        std::fs::create_dir_all(dir.join(".git/info")).unwrap();
        w(".git/info/exclude", "local.conf\n");
        w(
            ".gitignore",
            "build/\n*.generated.conf\n!keep.generated.conf\n",
        );
        w("nginx/nginx.conf", "events {}\n");
        w("nginx/conf.d/a.conf", "");
        w("nginx/conf.d/b.generated.conf", "");
        w("nginx/conf.d/keep.generated.conf", "");
        w("nginx/conf.d/c.conf.bak", "");
        w("nginx/sites-enabled/default", "");
        w("nginx/local.conf", "");
        w("build/out.conf", "");
        w("vendor/x/site.conf", "");
        w("docs/site.cfg", "");
        w("app/index.php", "");
        w("sub/.gitignore", "*.conf\n");
        w("sub/x.conf", "");
        let filter = Filter {
            include: vec!["docs/*.cfg".into()],
            exclude: vec!["vendor".into()],
            base: dir.clone(),
            gitignore: true,
        };
        let found = discover(std::slice::from_ref(&dir), &dir, &filter);
        let rel = |p: &Path| p.strip_prefix(&dir).unwrap().to_string_lossy().into_owned();
        let cands: Vec<String> = found.candidates.iter().map(|c| rel(&c.path)).collect();
        assert_eq!(
            cands,
            [
                "docs/site.cfg",
                "nginx/conf.d/a.conf",
                "nginx/conf.d/keep.generated.conf",
                "nginx/nginx.conf",
                "nginx/sites-enabled/default"
            ]
        );
        let why = |p: &str| {
            found
                .skipped
                .iter()
                .find(|(f, _)| rel(f) == p)
                .map(|(_, w)| w.clone())
                .unwrap_or_default()
        };
        assert_eq!(
            why("nginx/conf.d/b.generated.conf"),
            "ignored by .gitignore"
        );
        assert_eq!(why("nginx/local.conf"), "ignored by .gitignore");
        assert_eq!(why("sub/x.conf"), "ignored by .gitignore");
        assert!(why("nginx/conf.d/c.conf.bak").contains("backup"));
        assert_eq!(why("app/index.php"), "not a configuration file name");
        // Ignored and excluded folders are not entered at all.
        assert!(found
            .skipped
            .iter()
            .all(|(f, _)| !rel(f).starts_with("build/")));
        assert!(found
            .skipped
            .iter()
            .all(|(f, _)| !rel(f).starts_with("vendor/")));
        // Named files are read whatever their name, unless excluded.
        let named = discover(
            &[
                dir.join("nginx/conf.d/c.conf.bak"),
                dir.join("vendor/x/site.conf"),
            ],
            &dir,
            &filter,
        );
        assert_eq!(named.candidates.len(), 1);
        assert!(named.candidates[0].named);
        assert!(named.skipped[0].1.contains("[paths] exclude"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
