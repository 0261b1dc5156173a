//! The file table: every file read in a run, by id, with a line index built on demand.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use nginx_syntax::Span;

/// Index of a file in [`Files`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// What a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// nginx configuration.
    Nginx,
    /// PHP-FPM configuration.
    Fpm,
}

/// One file read in this run.
#[derive(Debug)]
pub struct SourceFile {
    /// The path shown to the user (relative to the working directory when inside it).
    pub path: PathBuf,
    /// The path the server would open (for mapped trees, `/etc/nginx/...`).
    pub server_path: PathBuf,
    /// The bytes, exactly as read.
    pub bytes: std::sync::Arc<Vec<u8>>,
    /// What it holds.
    pub kind: FileKind,
    lines: OnceLock<Vec<u32>>,
    /// A template rendered when the server starts (see [`SourceFile::is_template`]).
    template: bool,
    /// Whether a `<` stands anywhere in the bytes: without one, no statement of the file can hold
    /// an installer's `<NAME>` placeholder (asked of every statement, answered once per file).
    angle: bool,
    /// Whether `ngxlint:` stands in the file (in a comment, for an nginx file): without it, the
    /// file holds no suppression.
    marked: bool,
}

/// What a search of a file's bytes found once, for questions asked of the file later.
#[derive(Clone, Copy, Debug)]
pub struct Scan {
    /// A `<` stands somewhere (see [`SourceFile::may_hold_placeholders`]).
    pub angle: bool,
    /// `ngxlint:` stands somewhere (see [`SourceFile::may_hold_suppressions`]); it may be
    /// searched for in the comments only, where suppressions are read from.
    pub marked: bool,
}

impl Scan {
    /// The search of all of `bytes`.
    pub fn of(bytes: &[u8]) -> Scan {
        Scan {
            angle: memchr::memchr(b'<', bytes).is_some(),
            marked: marked(bytes),
        }
    }

    /// The search of an nginx file: suppressions are read from its comments only.
    pub fn of_nginx(bytes: &[u8], comments: &[nginx_syntax::Span]) -> Scan {
        Scan {
            angle: memchr::memchr(b'<', bytes).is_some(),
            marked: comments.iter().any(|c| marked(c.slice(bytes))),
        }
    }
}

/// Whether the suppression mark stands in `bytes`.
fn marked(bytes: &[u8]) -> bool {
    memchr::memmem::find(bytes, crate::suppress::MARK.as_bytes()).is_some()
}

impl SourceFile {
    /// Offsets of each line's first byte.
    pub fn line_starts(&self) -> &[u32] {
        self.lines.get_or_init(|| {
            let mut v = Vec::with_capacity(self.bytes.len() / 24 + 1);
            v.push(0u32);
            v.extend(memchr::memchr_iter(b'\n', &self.bytes).map(|i| i as u32 + 1));
            v
        })
    }

    /// The 1-based line of an offset and the offset its line starts at. A small file whose line
    /// index is not built yet is counted directly: a report names one or two places in most of
    /// the files it names, and indexing every line of each cost more than the report.
    fn line_and_start(&self, offset: u32) -> (usize, usize) {
        if self.lines.get().is_none() && self.bytes.len() <= 32 * 1024 {
            let before = &self.bytes[..(offset as usize).min(self.bytes.len())];
            let line = memchr::memchr_iter(b'\n', before).count() + 1;
            let start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
            return (line, start);
        }
        let starts = self.line_starts();
        let line = match starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        (line + 1, starts[line] as usize)
    }

    /// 1-based line and column (in bytes, 1-based) of an offset.
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let (line, start) = self.line_and_start(offset);
        (line, (offset as usize).saturating_sub(start) + 1)
    }

    /// 1-based line and column in characters (UTF-8 aware, as editors count), of an offset.
    pub fn line_col_chars(&self, offset: u32) -> (usize, usize) {
        let (line, start) = self.line_and_start(offset);
        (line, self.column_chars(start, offset))
    }

    /// The 1-based column in characters of `offset`, on the line that starts at `line_start`.
    fn column_chars(&self, line_start: usize, offset: u32) -> usize {
        let end = (offset as usize).min(self.bytes.len());
        let before = self
            .bytes
            .get(line_start..end.max(line_start))
            .unwrap_or_default();
        if before.is_ascii() {
            before.len() + 1
        } else {
            String::from_utf8_lossy(before).chars().count() + 1
        }
    }

    /// [`SourceFile::line_col_chars`] of a span's start and of its end. In a file without a line
    /// index, the end's line is counted on from the start's (a report names spans by the
    /// thousand: counting each end from the top of the file again doubled the counting).
    pub fn span_line_col_chars(&self, start: u32, end: u32) -> ((usize, usize), (usize, usize)) {
        let (line, line_start) = self.line_and_start(start);
        let first = (line, self.column_chars(line_start, start));
        let len = self.bytes.len();
        let (s, e) = ((start as usize).min(len), (end as usize).min(len));
        if self.lines.get().is_some() || len > 32 * 1024 || e < s {
            return (first, self.line_col_chars(end));
        }
        let between = self.bytes.get(s..e).unwrap_or_default();
        let last = match memchr::memrchr(b'\n', between) {
            None => (line, self.column_chars(line_start, end)),
            Some(i) => (
                line + memchr::memchr_iter(b'\n', between).count(),
                self.column_chars(s + i + 1, end),
            ),
        };
        (first, last)
    }

    /// The line nginx would cite for a report made with its scanner at `offset`.
    pub fn nginx_line(&self, offset: u32) -> usize {
        self.line_col(offset.min(self.bytes.len() as u32)).0
    }

    /// Whether the file is a template rendered when the server starts (`X.template`, envsubst
    /// fills its `${NAME}` placeholders in): a placeholder stands for a value not known here.
    pub fn is_template(&self) -> bool {
        self.template
    }

    /// Whether a statement of the file may hold a placeholder filled in before nginx reads it
    /// (a template's `${NAME}`, an installer's `<NAME>`); when not, none of its statements does.
    pub fn may_hold_placeholders(&self) -> bool {
        self.template || self.angle
    }

    /// Whether the file may hold an inline suppression (`# ngxlint: ignore[...]`); when not, it
    /// holds none.
    pub fn may_hold_suppressions(&self) -> bool {
        self.marked
    }

    /// Whether the file is nginx's stock copy of a file the tree includes but does not hold
    /// (`fastcgi_params`, Debian's `proxy_params`): a finding there is fixed where it is included.
    pub fn is_stock(&self) -> bool {
        self.path.starts_with("<nginx stock>")
    }

    /// The text of a span, lossily decoded.
    pub fn text(&self, span: Span) -> String {
        String::from_utf8_lossy(span.slice(&self.bytes)).into_owned()
    }
}

/// Every file of a run.
#[derive(Debug, Default)]
pub struct Files {
    files: Vec<SourceFile>,
    by_server_path: crate::hash::PathMap<FileId>,
    /// The linted root (as given and canonical): messages name paths relative to it.
    roots: Vec<PathBuf>,
}

impl Files {
    /// Room for `n` more files, so that registering thousands does not rehash the path index
    /// again and again.
    pub fn reserve(&mut self, n: usize) {
        self.files.reserve(n);
        self.by_server_path.reserve(n);
    }

    /// Adds a file (or returns the id it already has).
    pub fn add(
        &mut self,
        path: PathBuf,
        server_path: PathBuf,
        bytes: impl Into<std::sync::Arc<Vec<u8>>>,
        kind: FileKind,
    ) -> FileId {
        let bytes: std::sync::Arc<Vec<u8>> = bytes.into();
        let scan = Scan::of(&bytes);
        self.add_scanned(path, server_path, bytes, kind, scan)
    }

    /// [`Files::add`] for a file whose bytes were searched already (the reading threads do it
    /// while the file is in their cache).
    pub fn add_scanned(
        &mut self,
        path: PathBuf,
        server_path: PathBuf,
        bytes: std::sync::Arc<Vec<u8>>,
        kind: FileKind,
        scan: Scan,
    ) -> FileId {
        if let Some(&id) = self.by_server_path.get(&server_path) {
            return id;
        }
        let id = FileId(self.files.len() as u32);
        self.by_server_path.insert(&server_path, id);
        let template = {
            use std::os::unix::ffi::OsStrExt;
            server_path.as_os_str().as_bytes().ends_with(b".template")
        };
        self.files.push(SourceFile {
            path,
            server_path,
            angle: scan.angle,
            marked: scan.marked,
            template,
            bytes,
            kind,
            lines: OnceLock::new(),
        });
        id
    }
    /// Sets the linted root, as given and as resolved, that [`Files::shown`] names paths from.
    pub fn set_root(&mut self, given: &Path, canonical: &Path) {
        // Under `/` every path is "inside": a server path such as `/etc/nginx/x` stays as it is.
        self.roots = [given, canonical]
            .into_iter()
            .filter(|r| r.parent().is_some())
            .map(Path::to_path_buf)
            .collect();
    }
    /// How a message names a path: relative to the linted root when inside it, else as given
    /// (the server's path, such as `/etc/nginx/snippets/ssl.conf`). A message never holds the
    /// checkout's absolute location, so a baseline written in one checkout holds in another.
    pub fn shown(&self, path: &Path) -> String {
        match self.roots.iter().find_map(|r| path.strip_prefix(r).ok()) {
            Some(rel) if rel.as_os_str().is_empty() => ".".to_string(),
            Some(rel) => rel.display().to_string(),
            None => path.display().to_string(),
        }
    }
    /// [`Files::shown`] of a path name as nginx writes it (`prefix/./cache`): the root is cut
    /// off, the rest kept byte for byte (`./cache`, as nginx's own message has it).
    pub fn shown_name(&self, name: &str) -> String {
        self.roots
            .iter()
            .find_map(|r| {
                let r = r.to_str()?;
                name.strip_prefix(r)?.strip_prefix('/')
            })
            .unwrap_or(name)
            .to_string()
    }
    /// The file with this id.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }
    /// The id of a file by the path the server would open.
    pub fn by_server_path(&self, p: &Path) -> Option<FileId> {
        self.by_server_path.get(p).copied()
    }
    /// All files with their ids.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }
    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }
    /// True when no file was read.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
    /// Moves every file of another run's table after this one's (runs of paths under different
    /// configurations make one report); returns the amount added to the other run's ids. Files are
    /// kept apart even when their server paths are equal: two repositories may both hold an
    /// `/etc/nginx/nginx.conf`.
    pub fn append(&mut self, other: Files) -> u32 {
        if self.files.is_empty() {
            // The common case, one run: nothing to renumber.
            *self = other;
            return 0;
        }
        let offset = self.files.len() as u32;
        for (i, f) in other.files.into_iter().enumerate() {
            self.by_server_path
                .get_or_insert(&f.server_path, FileId(offset + i as u32));
            self.files.push(f);
        }
        offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spans_end_is_placed_as_an_offset_alone_is() {
        let mut f = Files::default();
        let texts: [&[u8]; 5] = [
            b"a b\n\ncd \xc3\xa9 \xff\xc3x\r\nlast",
            b"",
            b"\n\n\n",
            b"no line break \xe2\x82\xac",
            b"\xc3\xa9\n\xe2\x82",
        ];
        for (i, t) in texts.iter().enumerate() {
            let id = f.add(
                format!("{i}").into(),
                format!("/{i}").into(),
                t.to_vec(),
                FileKind::Nginx,
            );
            let file = f.get(id);
            for a in 0..t.len() as u32 + 3 {
                for b in 0..t.len() as u32 + 3 {
                    let want = (file.line_col_chars(a), file.line_col_chars(b));
                    assert_eq!(file.span_line_col_chars(a, b), want, "{i}: {a}..{b}");
                }
            }
        }
    }

    #[test]
    fn paths_are_shown_from_the_root() {
        let mut f = Files::default();
        assert_eq!(
            f.shown(Path::new("/srv/repo/nginx/a.conf")),
            "/srv/repo/nginx/a.conf"
        );
        f.set_root(Path::new("/home/me/repo"), Path::new("/srv/repo"));
        assert_eq!(f.shown(Path::new("/srv/repo/nginx/a.conf")), "nginx/a.conf");
        assert_eq!(
            f.shown(Path::new("/home/me/repo/nginx/a.conf")),
            "nginx/a.conf"
        );
        assert_eq!(f.shown(Path::new("/etc/nginx/a.conf")), "/etc/nginx/a.conf");
        assert_eq!(f.shown(Path::new("/srv/repo")), ".");
        f.set_root(Path::new("/"), Path::new("/"));
        assert_eq!(f.shown(Path::new("/etc/nginx/a.conf")), "/etc/nginx/a.conf");
    }

    #[test]
    fn lines_counted_directly_agree_with_the_line_index() {
        let text = "events {}\n\nhttp {\n    server { listen 80; } # é\n}\nlast";
        let mut files = Files::default();
        let a = files.add(
            "a".into(),
            "/a".into(),
            text.as_bytes().to_vec(),
            FileKind::Nginx,
        );
        let b = files.add(
            "b".into(),
            "/b".into(),
            text.as_bytes().to_vec(),
            FileKind::Nginx,
        );
        // `b` answers from its index, built first; `a` counts, having none.
        files.get(b).line_starts();
        for offset in 0..=text.len() as u32 + 3 {
            assert!(files.get(a).lines.get().is_none());
            assert_eq!(
                files.get(a).line_col(offset),
                files.get(b).line_col(offset),
                "{offset}"
            );
            assert_eq!(
                files.get(a).line_col_chars(offset),
                files.get(b).line_col_chars(offset),
                "{offset}"
            );
        }
    }
}
