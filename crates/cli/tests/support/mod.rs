//! Shared machinery of the fidelity tests: temp folders, bounded subprocesses, the real tools
//! (nginx, crossplane), rendering corpus trees into a prefix nginx can test, and the two verdicts
//! (nginx's first error, ngxlint's first error in emission order) in one comparable shape.

#![allow(dead_code)]

pub mod trees;
// Not every test file renders trees (`load_module.rs` does not).
#[allow(unused_imports)]
pub use trees::*;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ngxlint_engine::{Options, Project, Severity};

/// Every subprocess is killed after this long.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// `testdata/` at the workspace root.
pub fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

/// The copied real-world corpus.
pub fn realworld() -> PathBuf {
    testdata().join("realworld")
}

/// A folder removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A fresh, empty folder under the system temp dir (canonical: nginx and ngxlint print
    /// canonical paths, so the test compares them as such).
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let base = std::fs::canonicalize(std::env::temp_dir()).unwrap_or_else(|_| "/tmp".into());
        let p = base.join(format!("ngxlint-fid-{}-{tag}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap_or_else(|e| panic!("mkdir {}: {e}", p.display()));
        TempDir(p)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes `bytes` to `dir/rel`, creating folders.
pub fn write(dir: &Path, rel: &str, bytes: &[u8]) {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent)
            .unwrap_or_else(|e| panic!("mkdir {}: {e}", parent.display()));
    }
    std::fs::write(&p, bytes).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
}

/// What a bounded subprocess did.
pub struct Ran {
    pub status: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Runs `cmd` with `stdin` fed in, killing it after [`TIMEOUT`] (a panic then: a hung tool is a
/// broken test environment, not a verdict).
pub fn run_bounded(cmd: &mut Command, stdin: &[u8]) -> Ran {
    let shown = format!("{cmd:?}");
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {shown}: {e}"));
    let input = stdin.to_vec();
    let mut sin = child.stdin.take();
    let writer = std::thread::spawn(move || {
        if let Some(s) = sin.as_mut() {
            use std::io::Write;
            let _ = s.write_all(&input);
        }
    });
    let mut out = child.stdout.take();
    let mut err = child.stderr.take();
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        if let Some(o) = out.as_mut() {
            let _ = o.read_to_end(&mut v);
        }
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        if let Some(e) = err.as_mut() {
            let _ = e.read_to_end(&mut v);
        }
        v
    });
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(2)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{shown} did not finish within {TIMEOUT:?}; killed");
            }
            Err(e) => panic!("waiting for {shown}: {e}"),
        }
    };
    let _ = writer.join();
    Ran {
        status: status.code(),
        stdout: out_t.join().unwrap_or_default(),
        stderr: err_t.join().unwrap_or_default(),
    }
}

/// A required external tool is missing: with `CI` set that is a failure, otherwise the test
/// prints why it is skipped and the caller returns.
pub fn missing(tool: &str, test: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{test}: {tool} is required when CI is set, but it was not found");
    }
    eprintln!("skipped {test}: {tool} not found (set CI=1 to make this a failure)");
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The nginx binary: `NGINX` if set, `/usr/sbin/nginx`, or `nginx` on PATH.
pub fn nginx() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("NGINX") {
        // An explicit choice: missing means missing (no fallback to another nginx).
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    let sbin = PathBuf::from("/usr/sbin/nginx");
    if sbin.is_file() {
        return Some(sbin);
    }
    on_path("nginx")
}

/// A Python interpreter that can `import crossplane` (crossplane 0.5.8 is what parser.md §3
/// describes): `CROSSPLANE_PYTHON`, else the interpreter behind the `crossplane` script, else
/// `python3`.
pub fn crossplane_python() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(p) = std::env::var_os("CROSSPLANE_PYTHON") {
        candidates.push(PathBuf::from(p));
    }
    if let Some(script) = on_path("crossplane") {
        // A pip console script names its interpreter on the first line; a pyenv shim does not.
        if let Ok(text) = std::fs::read(&script) {
            if let Some(first) = text.split(|&b| b == b'\n').next() {
                if let Some(interp) = first.strip_prefix(b"#!") {
                    let interp = String::from_utf8_lossy(interp).trim().to_string();
                    if interp.starts_with('/') && !interp.contains(' ') {
                        candidates.push(PathBuf::from(interp));
                    }
                }
            }
        }
    }
    candidates.push(PathBuf::from("python3"));
    candidates.into_iter().find(|py| {
        let r = run_bounded(Command::new(py).args(["-c", "import crossplane"]), b"");
        r.status == Some(0)
    })
}

// ---------------------------------------------------------------------------------------------
// Verdicts
// ---------------------------------------------------------------------------------------------

/// One error as a tool reports it: message, and the file and line it cites.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub message: String,
    pub file: Option<PathBuf>,
    pub line: Option<usize>,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.file, self.line) {
            (Some(p), Some(l)) => write!(f, "{} in {}:{}", self.message, p.display(), l),
            _ => write!(f, "{}", self.message),
        }
    }
}

/// Parses one nginx log line: Debian's `YYYY/MM/DD HH:MM:SS [emerg] PID#TID: MSG in FILE:LINE`
/// or a file-logging build's `nginx: [emerg] MSG in FILE:LINE`. Only fatal levels count.
pub fn parse_nginx_line(line: &str) -> Option<Report> {
    let levels = ["[emerg] ", "[alert] ", "[crit] "];
    let (at, level) = levels
        .iter()
        .filter_map(|l| line.find(l).map(|i| (i, l)))
        .min_by_key(|(i, _)| *i)?;
    let mut rest = &line[at + level.len()..];
    // `PID#TID: ` (Debian's stderr format).
    if let Some(colon) = rest.find(": ") {
        let head = &rest[..colon];
        if !head.is_empty() && head.bytes().all(|b| b.is_ascii_digit() || b == b'#') {
            rest = &rest[colon + 2..];
        }
    }
    if let Some(i) = rest.rfind(" in ") {
        let tail = &rest[i + 4..];
        if let Some(c) = tail.rfind(':') {
            if let Ok(n) = tail[c + 1..].trim_end().parse::<usize>() {
                return Some(Report {
                    message: rest[..i].to_string(),
                    file: Some(PathBuf::from(&tail[..c])),
                    line: Some(n),
                });
            }
        }
    }
    Some(Report {
        message: rest.trim_end().to_string(),
        file: None,
        line: None,
    })
}

/// nginx -t's answer: None when it accepts, else its first fatal error. The prefix is the linted
/// root of the comparison: a path under it in nginx's message is made relative to it, as ngxlint
/// names paths inside the root (`open() "missing.conf" failed`), so that its messages do not
/// depend on where the checkout lies.
pub fn nginx_verdict(nginx: &Path, prefix: &Path, main: &Path) -> Result<(), Report> {
    nginx_verdict_raw(nginx, prefix, main).map_err(|mut r| {
        let canonical = std::fs::canonicalize(prefix).unwrap_or_else(|_| prefix.to_path_buf());
        for p in [prefix, canonical.as_path()] {
            r.message = r.message.replace(&format!("\"{}/", p.display()), "\"");
        }
        r
    })
}

fn nginx_verdict_raw(nginx: &Path, prefix: &Path, main: &Path) -> Result<(), Report> {
    // `-p` makes relative paths (temp paths, logs, `load_module`) land in the prefix; `pid` and
    // `error_log` are not given with `-g` because a config that sets them too would fail with
    // "is duplicate" (the tested trees have their paths rewritten into the prefix instead).
    let mut prefix_arg = prefix.as_os_str().to_owned();
    prefix_arg.push("/");
    let ran = run_bounded(
        Command::new(nginx)
            .arg("-t")
            .arg("-q")
            .arg("-p")
            .arg(&prefix_arg)
            .arg("-c")
            .arg(main),
        b"",
    );
    let stderr = String::from_utf8_lossy(&ran.stderr);
    let first = stderr.lines().find_map(parse_nginx_line);
    match (ran.status, first) {
        (Some(0), None) => Ok(()),
        (Some(0), Some(r)) => panic!("nginx -t exited 0 but logged a fatal error: {r}\n{stderr}"),
        (_, Some(r)) => Err(r),
        (s, None) => Err(Report {
            message: format!("nginx -t failed with status {s:?} and no error line: {stderr}"),
            file: None,
            line: None,
        }),
    }
}

/// Reader codes: the checks nginx itself makes while reading (parser.md §1) and those of its
/// directive handlers (NGX012–NGX017; NGX018 is nginx's warnings, which do not refuse).
pub fn is_reader_code(code: &str) -> bool {
    matches!(
        code,
        "NGX001"
            | "NGX002"
            | "NGX003"
            | "NGX004"
            | "NGX005"
            | "NGX006"
            | "NGX007"
            | "NGX008"
            | "NGX009"
            | "NGX012"
            | "NGX013"
            | "NGX014"
            | "NGX015"
            | "NGX016"
            | "NGX017"
    )
}

/// The version of the installed nginx (`nginx -v`), read once; `None` without nginx.
pub fn installed_nginx_version() -> Option<(u32, u32, u32)> {
    static V: std::sync::OnceLock<Option<(u32, u32, u32)>> = std::sync::OnceLock::new();
    *V.get_or_init(|| {
        let nginx = nginx()?;
        let ran = run_bounded(Command::new(nginx).arg("-v"), b"");
        let text = String::from_utf8_lossy(&ran.stderr).into_owned();
        let v = text.split("nginx/").nth(1)?.split_whitespace().next()?;
        nginx_syntax::values::parse_version(v)
    })
}

/// Loads the tree from `main` (nothing else) the way `ngxlint check MAIN --root ROOT
/// --nginx-version V` does, V being the installed nginx's version (the newest stable release
/// the tables hold when there is none).
pub fn load(root: &Path, main: &Path) -> Project {
    let mut opts = Options::new(root.to_path_buf());
    if let Some(v) = installed_nginx_version() {
        opts.directives = nginx_syntax::directives::Directives::for_version(v);
    }
    // nginx -t and crossplane read what is on disk: no stock stand-ins for missing includes.
    opts.stock_files = false;
    opts.templates = false;
    Project::load(&[main.to_path_buf()], &opts)
        .unwrap_or_else(|e| panic!("ngxlint cannot load {}: {e}", main.display()))
}

/// ngxlint's error-severity reader diagnostics in emission order (nginx's traversal order),
/// each with the line nginx would cite.
pub fn ngxlint_errors(project: &Project) -> Vec<(&'static str, Report)> {
    project
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error && is_reader_code(d.code))
        .map(|d| {
            let f = project.files.get(d.file);
            let line = f.nginx_line(d.nginx_offset.unwrap_or(d.span.start));
            (
                d.code,
                Report {
                    message: d.message.clone(),
                    file: Some(f.server_path.clone()),
                    line: Some(line),
                },
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Corpus trees
// ---------------------------------------------------------------------------------------------

/// A complete nginx tree of the corpus, as deployed: which folders form `/etc/nginx` (the prefix),
/// which files a Dockerfile or package moves into place, and the environment fixes it needs.
pub struct Tree {
    pub name: &'static str,
    /// (corpus folder, destination folder in the prefix), overlaid in order.
    pub layers: &'static [(&'static str, &'static str)],
    /// (file in the prefix, copy to) as the image or package does at install time.
    pub copies: &'static [(&'static str, &'static str)],
    /// Files the image creates that are not in the repository: (path in the prefix, contents).
    pub synthesized: &'static [(&'static str, &'static str)],
    /// Files removed after layering (a test harness that replaces the default site).
    pub removed: &'static [&'static str],
    /// Literal replacements in every file: placeholders the entrypoint fills in, service names
    /// only Docker resolves, modules the host does not have. Each keeps the line count.
    pub replace: &'static [(&'static str, &'static str)],
    /// The main config, relative to the prefix.
    pub main: &'static str,
    /// Why nginx -t cannot accept this tree here, and the start of the message it fails with.
    pub excluded: Option<(&'static str, &'static str)>,
}

/// Absolute server paths moved into the prefix: `/etc/nginx/` becomes the prefix itself, the
/// others a folder of the same name in it, so nothing outside the temp folder is read or written.
const MOVED: [(&str, &str); 8] = [
    ("/etc/nginx/", ""),
    ("/opt/docker/", "opt/docker/"),
    ("/var/", "var/"),
    ("/run/", "run/"),
    ("/tmp/", "tmp/"),
    ("/usr/", "usr/"),
    ("/sock/", "sock/"),
    ("/docker.stdout", "docker.stdout"),
];

/// The corpus files (relative to `realworld/`) a tree's layers cover.
pub fn tree_sources(tree: &Tree) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for (src, _) in tree.layers {
        for f in walk(&realworld().join(src)) {
            out.push(f);
        }
    }
    out
}

/// Every file under `dir`, sorted.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Renders `tree` into `prefix`: layers, copies, replacements, paths moved into the prefix,
/// folders for every path the config names, and a throwaway certificate wherever one is expected.
/// Returns the main config's path. `mutate` may change a file (prefix-relative path, bytes)
/// after rendering.
pub fn render(tree: &Tree, prefix: &Path, mutate: &mut dyn FnMut(&str, &mut Vec<u8>)) -> PathBuf {
    for (src, dest) in tree.layers {
        let src = realworld().join(src);
        if src.is_file() {
            let bytes =
                std::fs::read(&src).unwrap_or_else(|e| panic!("read {}: {e}", src.display()));
            write(prefix, dest, &bytes);
            continue;
        }
        for f in walk(&src) {
            let rel = f.strip_prefix(&src).unwrap_or(&f);
            let bytes = std::fs::read(&f).unwrap_or_else(|e| panic!("read {}: {e}", f.display()));
            write(prefix, &Path::new(dest).join(rel).to_string_lossy(), &bytes);
        }
    }
    for (from, to) in tree.copies {
        let bytes = std::fs::read(prefix.join(from))
            .unwrap_or_else(|e| panic!("{}: copy {from}: {e}", tree.name));
        write(prefix, to, &bytes);
    }
    for (path, text) in tree.synthesized {
        write(prefix, path, text.as_bytes());
    }
    for r in tree.removed {
        std::fs::remove_file(prefix.join(r))
            .unwrap_or_else(|e| panic!("{}: remove {r}: {e}", tree.name));
    }
    let pre = prefix.to_string_lossy().into_owned();
    let files = walk(prefix);
    for f in &files {
        let mut bytes = std::fs::read(f).unwrap_or_default();
        for (from, to) in tree.replace {
            bytes = replace_all(&bytes, from.as_bytes(), to.as_bytes());
        }
        bytes = move_paths(&bytes, &pre);
        bytes = neutral_user(&bytes);
        std::fs::write(f, &bytes).unwrap_or_else(|e| panic!("write {}: {e}", f.display()));
    }
    for f in &files {
        let bytes = std::fs::read(f).unwrap_or_default();
        provision(&bytes, prefix);
    }
    for f in &files {
        let rel = f
            .strip_prefix(prefix)
            .unwrap_or(f)
            .to_string_lossy()
            .into_owned();
        let mut bytes = std::fs::read(f).unwrap_or_default();
        let before = bytes.clone();
        mutate(&rel, &mut bytes);
        if bytes != before {
            std::fs::write(f, &bytes).unwrap_or_else(|e| panic!("write {}: {e}", f.display()));
        }
    }
    prefix.join(tree.main)
}

pub fn replace_all(hay: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    if from.is_empty() {
        return hay.to_vec();
    }
    let mut out = Vec::with_capacity(hay.len());
    let mut i = 0;
    while i < hay.len() {
        if hay[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(hay[i]);
            i += 1;
        }
    }
    out
}

/// A fixture's file made safe to test in `prefix`, as [`render`] makes a corpus tree's: the
/// absolute paths of [`MOVED`] moved into it and no account this host may lack. Write the files,
/// then [`provision`] each.
pub fn confine(src: &[u8], prefix: &Path) -> Vec<u8> {
    neutral_user(&move_paths(src, &prefix.to_string_lossy()))
}

/// Rewrites the absolute paths of [`MOVED`] that start a word (after whitespace or a quote).
fn move_paths(src: &[u8], prefix: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(src.len());
    let mut i = 0;
    while i < src.len() {
        let at_word_start =
            i == 0 || matches!(src[i - 1], b' ' | b'\t' | b'\n' | b'\r' | b'"' | b'\'');
        if at_word_start && src[i] == b'/' {
            if let Some((from, to)) = MOVED
                .iter()
                .find(|(from, _)| src[i..].starts_with(from.as_bytes()))
            {
                out.extend_from_slice(prefix.as_bytes());
                out.push(b'/');
                out.extend_from_slice(to.as_bytes());
                i += from.len();
                continue;
            }
        }
        out.push(src[i]);
        i += 1;
    }
    out
}

/// `user nginx;` names an account this host may lack (getpwnam fails): run as root instead.
fn neutral_user(src: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(src.len());
    for line in src.split_inclusive(|&b| b == b'\n') {
        let indent = line
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
        let body = &line[indent..];
        if body.starts_with(b"user") && body.get(4).is_some_and(|&b| b == b' ' || b == b'\t') {
            if let Some(semi) = body.iter().position(|&b| b == b';') {
                out.extend_from_slice(&line[..indent]);
                out.extend_from_slice(b"user root;");
                out.extend_from_slice(&body[semi + 1..]);
                continue;
            }
        }
        out.extend_from_slice(line);
    }
    out
}

/// Creates the folder of every prefix path the config names (log files, cache and temp paths),
/// and puts a throwaway certificate, key or DH parameters wherever the config expects one.
pub fn provision(src: &[u8], prefix: &Path) {
    let pre = prefix.to_string_lossy();
    let text = String::from_utf8_lossy(src);
    for word in text.split(|c: char| c.is_whitespace() || c == ';' || c == '"' || c == '\'') {
        if !word.starts_with(&*pre) || word.contains(['*', '?', '[', '$']) {
            continue;
        }
        if let Some(parent) = Path::new(word).parent() {
            let _ = std::fs::create_dir_all(parent);
        }
    }
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let Some(name) = words.next() else { continue };
        let kind = match name {
            "ssl_certificate" | "ssl_trusted_certificate" | "ssl_client_certificate" => "dummy.crt",
            "ssl_certificate_key" => "dummy.key",
            "ssl_dhparam" => "dhparam.pem",
            _ => continue,
        };
        let Some(arg) = words.next() else { continue };
        let arg = arg
            .trim_end_matches(';')
            .trim_matches(|c| c == '"' || c == '\'');
        if arg.is_empty()
            || arg.contains('$')
            || arg.starts_with("data:")
            || arg.starts_with("engine:")
        {
            continue;
        }
        let path = if arg.starts_with('/') {
            PathBuf::from(arg)
        } else {
            prefix.join(arg)
        };
        if !path.starts_with(prefix) || path.exists() {
            continue;
        }
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let from = testdata().join("nginx_fidelity").join(kind);
        std::fs::copy(&from, &path)
            .unwrap_or_else(|e| panic!("copy {} to {}: {e}", from.display(), path.display()));
    }
}

/// A small deterministic generator (splitmix64), so mutation positions never change between runs.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: &str) -> Rng {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in seed.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        Rng(h)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}
