//! Finds the nginx and PHP-FPM files under the paths a run is given.

use std::path::{Path, PathBuf};

/// What a file found by the walk looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Guess {
    /// nginx configuration.
    Nginx,
    /// PHP-FPM configuration (ini, or the pre-5.3 XML format).
    Fpm,
    /// Neither.
    Other,
}

/// The files found.
#[derive(Debug, Default)]
pub struct Found {
    /// nginx files, sorted.
    pub nginx: Vec<PathBuf>,
    /// FPM files, sorted.
    pub fpm: Vec<PathBuf>,
    /// Paths that could not be walked, with the reason.
    pub errors: Vec<(PathBuf, String)>,
    /// Every folder the walk entered.
    pub dirs: Vec<PathBuf>,
    /// Files the walk saw as regular files (not symbolic links).
    pub regular: std::collections::HashSet<PathBuf>,
    /// Symbolic links that lead nowhere (dangling or looping), with the reason.
    pub broken_links: Vec<(PathBuf, String)>,
}

/// Folders never walked into.
const SKIP_DIRS: [&str; 5] = [".git", ".hg", ".svn", "node_modules", "target"];

/// Folders whose every file is nginx configuration (Debian and Docker layouts).
const NGINX_DIRS: [&str; 8] = [
    "sites-available",
    "sites-enabled",
    "conf.d",
    "snippets",
    "http.d",
    "stream.d",
    "modules-enabled",
    "vhosts.d",
];

/// Walks `paths`. A file named on the command line is always taken (its kind guessed from its
/// contents when its name says nothing); a folder is walked for files that look like configuration.
pub fn discover(paths: &[PathBuf]) -> Found {
    let mut found = Found::default();
    for p in paths {
        if p.is_file() {
            match guess(p, true) {
                Guess::Fpm => found.fpm.push(p.clone()),
                _ => found.nginx.push(p.clone()),
            }
            continue;
        }
        let walker = walkdir::WalkDir::new(p)
            .follow_links(false)
            .max_depth(64)
            .into_iter();
        let walker = walker.filter_entry(|e| {
            !(e.file_type().is_dir()
                && e.depth() > 0
                && SKIP_DIRS.iter().any(|s| e.file_name() == *s))
        });
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let path = e.path().map(Path::to_path_buf).unwrap_or_else(|| p.clone());
                    found.errors.push((path, e.to_string()));
                    continue;
                }
            };
            if entry.file_type().is_dir() {
                found.dirs.push(entry.path().to_path_buf());
                continue;
            }
            // Symlinks are followed only to files; loops and links to folders are not walked.
            if entry.path_is_symlink() {
                if let Err(e) = std::fs::metadata(entry.path()) {
                    if guess_by_name(entry.path()) {
                        found
                            .broken_links
                            .push((entry.path().to_path_buf(), e.to_string()));
                    }
                    continue;
                }
            }
            let is_file =
                entry.file_type().is_file() || (entry.path_is_symlink() && entry.path().is_file());
            if !is_file {
                continue;
            }
            if entry.file_type().is_file() {
                found.regular.insert(entry.path().to_path_buf());
            }
            match guess(entry.path(), false) {
                Guess::Nginx => found.nginx.push(entry.into_path()),
                Guess::Fpm => found.fpm.push(entry.into_path()),
                Guess::Other => {}
            }
        }
    }
    // The walk is in the file system's order: sort for output that does not depend on it.
    for list in [&mut found.nginx, &mut found.fpm, &mut found.dirs] {
        list.sort_unstable_by(|a, b| path_order(a, b));
        list.dedup();
    }
    found.errors.sort_by(|a, b| path_order(&a.0, &b.0));
    found.broken_links.sort_by(|a, b| path_order(&a.0, &b.0));
    found
}

/// The order of `Path`'s `Ord` (component by component) for the clean paths a walk produces,
/// without splitting them into components: bytes compared with `/` below every other byte.
/// (Sorting 2,000 paths through `Path::cmp` was a tenth of a whole check.)
pub fn path_order(a: &Path, b: &Path) -> std::cmp::Ordering {
    use std::os::unix::ffi::OsStrExt;
    let key = |c: u8| if c == b'/' { 0 } else { u16::from(c) + 1 };
    let (a, b) = (a.as_os_str().as_bytes(), b.as_os_str().as_bytes());
    match a.iter().zip(b).position(|(x, y)| x != y) {
        Some(i) => key(a[i]).cmp(&key(b[i])),
        None => a.len().cmp(&b.len()),
    }
}

/// A path's file name, parent folder's name and extension, as text.
fn name_parts(path: &Path) -> (String, String, String) {
    let text = |o: Option<&std::ffi::OsStr>| {
        o.map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    (
        text(path.file_name()),
        text(path.parent().and_then(|p| p.file_name())),
        text(path.extension()),
    )
}

/// Whether the name alone makes a file a configuration candidate.
fn guess_by_name(path: &Path) -> bool {
    let (_, parent, ext) = name_parts(path);
    matches!(ext.as_str(), "conf" | "nginx" | "vhost" | "types")
        || NGINX_DIRS.contains(&parent.as_str())
        || parent == "pool.d"
        || parent == "php-fpm.d"
}

/// Guesses a file's kind from its name, its folder and its first significant line.
pub fn guess(path: &Path, named: bool) -> Guess {
    let (name, parent, ext) = name_parts(path);
    if name == "php-fpm.conf" || parent == "pool.d" || parent == "php-fpm.d" {
        return Guess::Fpm;
    }
    let nginx_by_name = name == "nginx.conf"
        || name == "mime.types"
        || name.ends_with("_params")
        || matches!(name.as_str(), "koi-utf" | "koi-win" | "win-utf")
        || matches!(ext.as_str(), "nginx" | "vhost")
        || NGINX_DIRS.contains(&parent.as_str());
    let candidate =
        named || nginx_by_name || matches!(ext.as_str(), "conf" | "inc" | "acl" | "types");
    if !candidate {
        return Guess::Other;
    }
    if nginx_by_name && !named {
        // The name says nginx: no need to open the file twice.
        return Guess::Nginx;
    }
    match sniff(path) {
        Some(Guess::Fpm) => Guess::Fpm,
        Some(Guess::Other) if !named && !nginx_by_name => Guess::Other,
        _ => Guess::Nginx,
    }
}

/// What an editor's buffer that is not saved yet holds, as [`guess`] judges a file named on the
/// command line: FPM by its name or content, else nginx.
pub fn guess_unsaved(path: &Path, bytes: &[u8]) -> Guess {
    let (name, parent, _) = name_parts(path);
    let fpm_name = name == "php-fpm.conf" || parent == "pool.d" || parent == "php-fpm.d";
    if fpm_name || sniff_bytes(bytes) == Some(Guess::Fpm) {
        Guess::Fpm
    } else {
        Guess::Nginx
    }
}

/// Adds the editor buffers not saved yet (`overlays` whose file does not exist) that lie under
/// the walked `paths` or are one of them, as the files they will be.
pub fn add_unsaved(found: &mut Found, paths: &[PathBuf], overlays: &[(PathBuf, Vec<u8>)]) {
    let walked: Vec<PathBuf> = paths.iter().map(|p| crate::project::absolute(p)).collect();
    for (path, bytes) in overlays {
        if std::fs::symlink_metadata(path).is_ok() {
            continue;
        }
        let abs = crate::project::absolute(path);
        if !walked.iter().any(|w| abs.starts_with(w)) {
            continue;
        }
        match guess_unsaved(path, bytes) {
            Guess::Fpm => found.fpm.push(abs),
            _ => found.nginx.push(abs),
        }
    }
    for list in [&mut found.nginx, &mut found.fpm] {
        list.sort_unstable_by(|a, b| path_order(a, b));
        list.dedup();
    }
}

/// Looks at the first significant line: `[section]` or `key = value` is FPM; `<?xml` with
/// `<configuration>` is the old FPM format.
fn sniff(path: &Path) -> Option<Guess> {
    use std::io::Read;
    let mut buf = vec![0u8; 4096];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut buf))
        .ok()?;
    sniff_bytes(&buf[..n])
}

/// [`sniff`] on the first bytes of a file.
fn sniff_bytes(head: &[u8]) -> Option<Guess> {
    let head = &head[..head.len().min(4096)];
    if head.contains(&0) {
        return Some(Guess::Other);
    }
    let text = String::from_utf8_lossy(head);
    if text.trim_start().starts_with("<?xml") {
        return Some(
            if text.contains("<configuration") || text.contains("php_fpm") {
                Guess::Fpm
            } else {
                Guess::Other
            },
        );
    }
    for line in text.lines() {
        let l = line.trim();
        if l.is_empty() || l.starts_with(';') || l.starts_with('#') {
            continue;
        }
        if l.starts_with('[') && l.ends_with(']') {
            return Some(Guess::Fpm);
        }
        if let Some((key, _)) = l.split_once('=') {
            let key = key.trim();
            let keyish = !key.is_empty()
                && key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._[]-".contains(&b));
            if keyish && !l.ends_with(';') && !l.ends_with('{') {
                return Some(Guess::Fpm);
            }
        }
        return Some(Guess::Nginx);
    }
    None
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
            }
        }
    }
}
