//! `ngxlint triage [PATHS]... --log FILE`: from the log lines of failed requests to the
//! configuration lines behind them.
//!
//! Log lines are read as a stream (files, `.gz` files, standard input) in fixed-size chunks, so a
//! log of any size is read in constant memory; each line is classified ([`logline`]) and grouped
//! into incidents by cause, upstream, server and pool. Each incident is then mapped onto the
//! configuration: the `*_pass` found through the line's `server:`/`request:` fields and nginx's
//! own location matching (the engine's [`Matcher`], which `trace` uses too) or through its
//! `upstream:` address, the upstream group, the PHP-FPM pool and its `listen` line; the rules'
//! findings on those places that predict the cause are kept with their help.
//!
//! Streaming: when the log is standard input and not a regular file (`tail -f error.log |
//! ngxlint triage -`), each incident is printed as soon as its first line is read (pretty: its
//! block; json: one JSON line `{"version":1,"incident":{…}}`), later lines only count, and at
//! the end of the input the whole report follows (pretty: a summary with the counts; json: one
//! line `{"version":1,"incidents":[…]}`).

pub mod logline;

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use miette::{GraphicalTheme, LabeledSpan};
use nginx_syntax::directives::Context;
use nginx_syntax::Span;
use ngxlint_engine::fastcgi::normalize_socket_path;
use ngxlint_engine::hash::FastMap;
use ngxlint_engine::matching::{self, Matcher, Request, ServerWhy};
use ngxlint_engine::model::{split_host_port, At, Model, PassModule, ScopeId, Target};
use ngxlint_engine::{Diagnostic, FileId, Files, Project, Severity};
use serde_json::{json, Value};

use crate::ReadArgs;
use logline::{classify, Cause, Line};

/// `triage`'s arguments.
#[derive(Debug, clap::Args)]
pub struct TriageArgs {
    /// Files or folders of the configuration (default: .).
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub read: ReadArgs,
    /// A log to read: nginx's error log, `nginx -t` or start-up output, php-fpm's log; `-` for
    /// standard input; `.gz` files are decompressed (repeatable; rotated logs are read oldest first).
    #[arg(long = "log", value_name = "FILE", required = true)]
    pub logs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TriageFormat::Pretty)]
    pub format: TriageFormat,
    /// When to use colors (NO_COLOR is honoured by `auto`).
    #[arg(long, value_enum, default_value_t = crate::ColorChoice::Auto)]
    pub color: crate::ColorChoice,
}

/// `triage --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TriageFormat {
    /// Text with the configuration lines shown as `check` shows findings.
    Pretty,
    /// JSON (see the README).
    Json,
}

/// One incident: log lines with one cause at one place.
#[derive(Debug, Clone)]
pub struct Incident {
    /// The cause.
    pub cause: Cause,
    /// Lines seen.
    pub count: u64,
    /// Time of the first and last line (`YYYY-MM-DD HH:MM:SS`).
    pub first: Option<String>,
    /// See `first`.
    pub last: Option<String>,
    /// The upstream address (scheme and authority, or `unix:PATH`).
    pub upstream: Option<String>,
    /// `server:`.
    pub server: Option<String>,
    /// `host:` of the example.
    pub host: Option<String>,
    /// An example request.
    pub request: Option<String>,
    /// php-fpm's pool.
    pub pool: Option<String>,
    /// The name (resolver causes) or message (startup-refused).
    pub detail: Option<String>,
    /// `FILE:LINE` of a start-up message.
    pub place: Option<String>,
}

fn text(b: Option<&[u8]>) -> Option<String> {
    b.map(|b| String::from_utf8_lossy(b).into_owned())
}

fn time(t: &Option<[u8; 19]>) -> Option<String> {
    t.as_ref().map(|t| String::from_utf8_lossy(t).into_owned())
}

/// `fastcgi://unix:/run/php/x.sock:` → `unix:/run/php/x.sock`; `http://127.0.0.1:8080/uri` →
/// `http://127.0.0.1:8080`: the URI part differs per request, the address does not.
pub fn upstream_key(u: &[u8]) -> &[u8] {
    // `scheme://`: the first `:` followed by `//` (memchr, not a memmem searcher per line).
    let rest_at = memchr::memchr(b':', u)
        .filter(|&i| u[i + 1..].starts_with(b"//"))
        .map(|i| i + 3)
        .unwrap_or(0);
    let rest = &u[rest_at..];
    if rest.starts_with(b"unix:") {
        let r = rest.strip_suffix(b":").unwrap_or(rest);
        // proxy_pass http://unix:/path:/uri
        let end = memchr::memmem::find(&r[5..], b":/")
            .map(|i| i + 5)
            .unwrap_or(r.len());
        return &r[..end];
    }
    let end = memchr::memchr(b'/', rest)
        .map(|i| rest_at + i)
        .unwrap_or(u.len());
    &u[..end]
}

/// Groups lines into incidents.
#[derive(Default)]
pub struct Grouper {
    by_key: FastMap<Vec<u8>, usize>,
    /// The incidents in the order they formed.
    pub incidents: Vec<Incident>,
    key: Vec<u8>,
    /// Lines read.
    pub lines: u64,
}

impl Grouper {
    /// Adds a classified line; returns the incident's index and whether it is new.
    pub fn add(&mut self, l: &Line<'_>) -> (usize, bool) {
        let f = &l.fields;
        self.key.clear();
        self.key.push(l.cause as u8);
        for part in [
            f.upstream.map(upstream_key),
            f.server,
            f.pool,
            f.detail,
            f.place,
        ] {
            self.key.extend_from_slice(part.unwrap_or(b""));
            self.key.push(0);
        }
        if let Some(&i) = self.by_key.get(&self.key[..]) {
            let inc = &mut self.incidents[i];
            inc.count += 1;
            if let Some(t) = &f.time {
                match &mut inc.last {
                    Some(s) if s.as_bytes() != t => {
                        s.clear();
                        s.push_str(&String::from_utf8_lossy(t));
                    }
                    Some(_) => {}
                    None => inc.last = time(&f.time),
                }
                if inc.first.is_none() {
                    inc.first = time(&f.time);
                }
            }
            if inc.request.is_none() && f.request.is_some() {
                inc.request = text(f.request);
                inc.host = text(f.host);
            }
            return (i, false);
        }
        let i = self.incidents.len();
        self.by_key.insert(self.key.clone(), i);
        self.incidents.push(Incident {
            cause: l.cause,
            count: 1,
            first: time(&f.time),
            last: time(&f.time),
            upstream: text(f.upstream.map(upstream_key)),
            server: text(f.server),
            host: text(f.host),
            request: text(f.request),
            pool: text(f.pool),
            detail: text(f.detail),
            place: text(f.place),
        });
        (i, true)
    }

    /// Reads a stream line by line in fixed-size chunks; `on_new` is called for each new incident.
    pub fn read(
        &mut self,
        r: &mut dyn Read,
        on_new: &mut dyn FnMut(&Incident) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        // Small enough to stay in the CPU's cache between the kernel's copy and the scan.
        const CHUNK: usize = 256 << 10;
        // A line longer than this is cut (nginx itself writes at most 2 KB per error line).
        const LONGEST: usize = 64 << 10;
        let mut buf = vec![0u8; CHUNK + LONGEST];
        let mut filled = 0;
        loop {
            let n = match r.read(&mut buf[filled..]) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let end = filled + n;
            let mut start = 0;
            for nl in memchr::memchr_iter(b'\n', &buf[filled..end]) {
                let nl = filled + nl;
                self.line(&buf[start..nl], on_new)?;
                start = nl + 1;
            }
            if n == 0 {
                if start < end {
                    self.line(&buf[start..end], on_new)?;
                }
                return Ok(());
            }
            buf.copy_within(start..end, 0);
            filled = end - start;
            if filled == buf.len() {
                // One line fills the buffer: read it as cut.
                let (l, _) = buf.split_at(filled);
                let l = l.to_vec();
                self.line(&l, on_new)?;
                filled = 0;
            }
        }
    }

    fn line(
        &mut self,
        l: &[u8],
        on_new: &mut dyn FnMut(&Incident) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        self.lines += 1;
        if let Some(c) = classify(l) {
            let (i, new) = self.add(&c);
            if new {
                on_new(&self.incidents[i])?;
            }
        }
        Ok(())
    }
}

impl Grouper {
    /// Adds the incidents of a later part of the log (their lines came after this one's).
    pub fn merge(&mut self, later: Grouper) {
        self.lines += later.lines;
        let mut keys: Vec<(Vec<u8>, usize)> = later.by_key.into_iter().collect();
        keys.sort_by_key(|(_, i)| *i);
        let mut incidents: Vec<Option<Incident>> = later.incidents.into_iter().map(Some).collect();
        for (key, i) in keys {
            let Some(inc) = incidents[i].take() else {
                continue;
            };
            match self.by_key.get(&key) {
                Some(&j) => {
                    let mine = &mut self.incidents[j];
                    mine.count += inc.count;
                    if inc.last.is_some() {
                        mine.last = inc.last;
                    }
                    if mine.first.is_none() {
                        mine.first = inc.first;
                    }
                    if mine.request.is_none() {
                        mine.request = inc.request;
                        mine.host = inc.host;
                    }
                }
                None => {
                    self.by_key.insert(key, self.incidents.len());
                    self.incidents.push(inc);
                }
            }
        }
    }

    /// Reads a regular file with one thread per core, each on its own part of the file (split
    /// at line ends), and merges the parts in order. Nothing is printed while reading, so this
    /// serves files, not streams.
    pub fn read_file_parallel(&mut self, path: &Path) -> std::io::Result<()> {
        use std::os::unix::fs::FileExt;
        let f = std::fs::File::open(path)?;
        let len = f.metadata()?.len();
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(8) as u64;
        // Small files are not worth a thread.
        if threads < 2 || len < (8 << 20) {
            let mut f = f;
            return self.read(&mut f, &mut |_| Ok(()));
        }
        // Part boundaries just after a newline.
        let mut cuts = vec![0u64];
        for k in 1..threads {
            let mut at = len * k / threads;
            let mut probe = [0u8; 4096];
            loop {
                let n = f.read_at(&mut probe, at)?;
                if n == 0 {
                    at = len;
                    break;
                }
                if let Some(i) = memchr::memchr(b'\n', &probe[..n]) {
                    at += i as u64 + 1;
                    break;
                }
                at += n as u64;
            }
            if at > *cuts.last().unwrap_or(&0) && at < len {
                cuts.push(at);
            }
        }
        cuts.push(len);
        let parts: Vec<std::io::Result<Grouper>> = std::thread::scope(|s| {
            let handles: Vec<_> = cuts
                .windows(2)
                .map(|w| {
                    let (from, to) = (w[0], w[1]);
                    let f = &f;
                    s.spawn(move || {
                        let mut g = Grouper::default();
                        let mut part = Part {
                            f,
                            at: from,
                            end: to,
                        };
                        g.read(&mut part, &mut |_| Ok(())).map(|_| g)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(std::io::Error::other("a reader thread failed")))
                })
                .collect()
        });
        for p in parts {
            self.merge(p?);
        }
        Ok(())
    }
}

/// A byte range of a file read with `pread`.
struct Part<'f> {
    f: &'f std::fs::File,
    at: u64,
    end: u64,
}

impl Read for Part<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use std::os::unix::fs::FileExt;
        let want = (self.end - self.at).min(buf.len() as u64) as usize;
        if want == 0 {
            return Ok(0);
        }
        let n = self.f.read_at(&mut buf[..want], self.at)?;
        self.at += n as u64;
        Ok(n)
    }
}

/// Rotated logs oldest first: `error.log.3.gz`, `error.log.2.gz`, `error.log.1`, `error.log`.
fn rotation_order(logs: &[PathBuf]) -> Vec<PathBuf> {
    let generation = |p: &PathBuf| -> u32 {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        name.rsplit_once('.')
            .and_then(|(_, n)| n.parse().ok())
            .unwrap_or(0)
    };
    let base = |p: &PathBuf| -> PathBuf {
        let s = p.to_string_lossy();
        let s = s.strip_suffix(".gz").unwrap_or(&s);
        match s.rsplit_once('.') {
            Some((b, n)) if n.parse::<u32>().is_ok() => PathBuf::from(b),
            _ => PathBuf::from(s),
        }
    };
    // Grouped by base name (in the order first given), higher generations first within one.
    let bases: Vec<PathBuf> = logs.iter().map(base).collect();
    let mut v: Vec<(usize, std::cmp::Reverse<u32>, PathBuf)> = logs
        .iter()
        .zip(&bases)
        .map(|(p, b)| {
            let first = bases.iter().position(|x| x == b).unwrap_or(0);
            (first, std::cmp::Reverse(generation(p)), p.clone())
        })
        .collect();
    v.sort();
    v.into_iter().map(|(_, _, p)| p).collect()
}

fn open(p: &Path) -> Result<Box<dyn Read>, String> {
    if p == Path::new("-") {
        return Ok(Box::new(std::io::stdin().lock()));
    }
    let f = std::fs::File::open(p).map_err(|e| format!("{}: {e}", p.display()))?;
    let gz = p.extension().is_some_and(|e| e == "gz");
    Ok(if gz {
        Box::new(flate2::read::MultiGzDecoder::new(std::io::BufReader::new(
            f,
        )))
    } else {
        Box::new(f)
    })
}

/// Runs `triage`.
pub fn run(args: TriageArgs) -> Result<ExitCode, String> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let cfg = crate::single_config(&args.read, &paths)?;
    let (project, diags) = crate::lint(&args.read, &cfg, &paths, false, Vec::new(), None)?;
    let opts = crate::options(&args.read, &paths, &cfg)?;
    let model = Model::build(&project, &opts.directives);
    let matcher = Matcher::new(&model);
    let cx = Cx {
        project: &project,
        model: &model,
        matcher: &matcher,
        diags: &diags,
    };
    let stdout = std::io::stdout();
    let tty = stdout.is_terminal();
    let color = match args.color {
        crate::ColorChoice::Always => true,
        crate::ColorChoice::Never => false,
        crate::ColorChoice::Auto => {
            tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|&w: &usize| w >= 40)
        .unwrap_or(100);
    let mut out = stdout.lock();
    let mut g = Grouper::default();
    let streaming = args.logs.iter().any(|p| p == Path::new("-")) && !stdin_is_file();
    for log in rotation_order(&args.logs) {
        let plain = log != Path::new("-")
            && log.extension().is_none_or(|e| e != "gz")
            && std::fs::metadata(&log).is_ok_and(|m| m.is_file());
        if plain {
            let mut part = Grouper::default();
            part.read_file_parallel(&log)
                .map_err(|e| format!("{}: {e}", log.display()))?;
            g.merge(part);
            continue;
        }
        let mut r = open(&log)?;
        let stream_this = streaming && log == Path::new("-");
        let mut on_new = |inc: &Incident| -> std::io::Result<()> {
            if !stream_this {
                return Ok(());
            }
            let mapped = cx.map(inc);
            match args.format {
                TriageFormat::Json => {
                    let v = json!({"version": 1, "incident": incident_json(&cx, inc, &mapped)});
                    writeln!(out, "{v}")?;
                }
                TriageFormat::Pretty => {
                    write!(out, "{}", pretty_incident(&cx, inc, &mapped, color, width))?;
                }
            }
            out.flush()
        };
        let r = g.read(&mut r, &mut on_new);
        if let Err(e) = r {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                return Ok(ExitCode::SUCCESS);
            }
            return Err(format!("{}: {e}", log.display()));
        }
    }
    let io = (|| -> std::io::Result<()> {
        match args.format {
            TriageFormat::Json => {
                let list: Vec<Value> = g
                    .incidents
                    .iter()
                    .map(|inc| incident_json(&cx, inc, &cx.map(inc)))
                    .collect();
                let v = json!({"version": 1, "lines": g.lines, "incidents": list});
                if streaming {
                    writeln!(out, "{v}")
                } else {
                    writeln!(
                        out,
                        "{}",
                        serde_json::to_string_pretty(&v).unwrap_or_default()
                    )
                }
            }
            TriageFormat::Pretty => {
                if streaming {
                    writeln!(out, "end of input: {} lines read", g.lines)?;
                    for inc in &g.incidents {
                        writeln!(
                            out,
                            "  {} × {}{}",
                            inc.count,
                            inc.cause.id(),
                            inc.upstream
                                .as_deref()
                                .map(|u| format!(" ({u})"))
                                .unwrap_or_default()
                        )?;
                    }
                    return Ok(());
                }
                for inc in &g.incidents {
                    write!(
                        out,
                        "{}",
                        pretty_incident(&cx, inc, &cx.map(inc), color, width)
                    )?;
                }
                let n = g.incidents.len();
                writeln!(
                    out,
                    "{} lines read: {}",
                    g.lines,
                    if n == 0 {
                        "no incident".to_string()
                    } else {
                        format!("{n} incident{}", if n == 1 { "" } else { "s" })
                    }
                )
            }
        }
    })();
    crate::quiet_pipe(io)?;
    Ok(if g.incidents.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn stdin_is_file() -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata("/dev/stdin")
        .map(|m| m.is_file() || m.file_type().is_block_device())
        .unwrap_or(false)
}

/// What triage knows of the configuration.
pub struct Cx<'a, 'p> {
    project: &'p Project,
    model: &'a Model<'p>,
    matcher: &'a Matcher<'a, 'p>,
    diags: &'a [Diagnostic],
}

/// One configuration place behind an incident.
#[derive(Clone, Debug)]
pub struct Place {
    file: FileId,
    span: Span,
    label: String,
}

/// What an incident maps to.
#[derive(Debug, Default)]
pub struct Mapped {
    places: Vec<Place>,
    /// Ranges a predicting finding may stand in.
    ranges: Vec<(FileId, u32, u32)>,
    rules: Vec<Diagnostic>,
    next: Option<String>,
}

/// Where an upstream field points.
enum Up {
    Unix(String),
    Inet(String, u16),
    Group(String),
}

fn parse_up(u: &str) -> Option<Up> {
    let rest = u.split_once("://").map(|(_, r)| r).unwrap_or(u);
    if let Some(p) = rest.strip_prefix("unix:") {
        return Some(Up::Unix(p.to_string()));
    }
    let (host, port) = split_host_port(rest);
    Some(match port {
        Some(p) => Up::Inet(host.to_string(), p),
        None => Up::Group(host.to_string()),
    })
}

impl<'a, 'p> Cx<'a, 'p> {
    /// The passes the line's server and request lead to (nginx's own matching).
    fn passes_by_request(&self, inc: &Incident) -> Vec<(ScopeId, At<'p>)> {
        let Some(request) = &inc.request else {
            return Vec::new();
        };
        let mut parts = request.split(' ');
        let method = parts.next().unwrap_or("GET");
        let Some(target) = parts.next() else {
            return Vec::new();
        };
        let Ok(mut req) = Request::from_url(target) else {
            return Vec::new();
        };
        req.method = method.to_string();
        req.host = inc.host.clone();
        let port = inc.host.as_deref().and_then(|h| split_host_port(h).1);
        let name = inc.server.as_deref().unwrap_or("");
        let mut servers: Vec<usize> = (0..self.matcher.servers.len())
            .filter(|&i| self.matcher.servers[i].first_name() == name)
            .collect();
        if servers.len() > 1 {
            if let Some(p) = port {
                let on_port: Vec<usize> = servers
                    .iter()
                    .copied()
                    .filter(|&i| self.matcher.servers[i].listens.iter().any(|l| l.port == p))
                    .collect();
                if !on_port.is_empty() {
                    servers = on_port;
                }
            }
        }
        let mut out = Vec::new();
        for si in servers {
            let t = self
                .matcher
                .trace_in(si, 0, ServerWhy::Exact(name.to_string()), &req);
            if t.response.is_some() {
                continue;
            }
            if let (Some(scope), Some(p)) = (t.config, matching::pass_of(self.model, &t)) {
                let scope = matching::find_scope_of(self.model, scope, &p.at).unwrap_or(scope);
                out.push((scope, p.at));
            }
        }
        out
    }

    /// The passes whose address is the line's upstream.
    fn passes_by_upstream(&self, up: &Up) -> Vec<(ScopeId, At<'p>)> {
        let mut out = Vec::new();
        for (scope, p) in self.model.pass_directives() {
            if !matches!(
                self.model.scope(*scope).kind,
                Context::HttpLocation | Context::HttpLocationIf | Context::HttpLimitExcept
            ) {
                continue;
            }
            let hit = match (&p.target, up) {
                (Target::Unix(a), Up::Unix(b)) => {
                    normalize_socket_path(a) == normalize_socket_path(b)
                }
                (Target::Inet { host, port }, Up::Inet(h, q)) => {
                    port == q && host.eq_ignore_ascii_case(h)
                        || (*port == *q
                            && ngxlint_engine::fastcgi::is_localhost(host)
                            && (h == "127.0.0.1" || h == "::1"))
                }
                (Target::Group(g), Up::Group(name)) => {
                    self.model.upstreams[*g].name.eq_ignore_ascii_case(name)
                }
                (Target::Group(g), Up::Inet(h, q)) => {
                    self.model.upstreams[*g].servers.iter().any(|s| {
                        let (sh, sp) = split_host_port(&s.address);
                        sp.unwrap_or(80) == *q
                            && (sh.eq_ignore_ascii_case(h)
                                || ngxlint_engine::fastcgi::is_localhost(sh)
                                    && (h == "127.0.0.1" || h == "::1"))
                    })
                }
                (Target::Group(g), Up::Unix(path)) => {
                    self.model.upstreams[*g].servers.iter().any(|s| {
                        s.address.strip_prefix("unix:").is_some_and(|a| {
                            normalize_socket_path(a) == normalize_socket_path(path)
                        })
                    })
                }
                (Target::Name(n), Up::Group(name)) => n.eq_ignore_ascii_case(name),
                _ => false,
            };
            if hit {
                out.push((*scope, p.at));
            }
        }
        out
    }

    /// The configuration places behind an incident, the findings that predict it, the next step.
    pub fn map(&self, inc: &Incident) -> Mapped {
        let mut m = Mapped::default();
        if inc.cause == Cause::StartupRefused {
            self.map_startup(inc, &mut m);
            return m;
        }
        if inc.pool.is_some() && inc.upstream.is_none() {
            self.map_pool(inc, &mut m);
        } else {
            self.map_nginx(inc, &mut m);
        }
        // The findings of the predicting rules on those places.
        let codes = inc.cause.rules();
        let on = |f: FileId, s: Span| {
            m.ranges
                .iter()
                .any(|&(rf, a, b)| rf == f && s.start >= a && s.start < b)
        };
        let mut rules: Vec<Diagnostic> = self
            .diags
            .iter()
            .filter(|d| codes.contains(&d.code))
            .filter(|d| on(d.file, d.span) || d.related.iter().any(|r| on(r.file, r.span)))
            .cloned()
            .collect();
        rules.sort_by_key(|d| codes.iter().position(|c| *c == d.code));
        m.rules = rules;
        if m.rules.is_empty() {
            m.next = Some(self.next_step(inc, &m));
        }
        m
    }

    fn map_nginx(&self, inc: &Incident, m: &mut Mapped) {
        let up = inc.upstream.as_deref().and_then(parse_up);
        let mut passes = self.passes_by_request(inc);
        if passes.is_empty() {
            if let Some(up) = &up {
                passes = self.passes_by_upstream(up);
            }
        }
        if passes.is_empty() && matches!(inc.cause, Cause::NoResolver | Cause::ResolverFailed) {
            // The passes whose variables, as their `set` lines give them, hold the name.
            if let Some(name) = inc.detail.as_deref() {
                for (scope, p) in self.model.pass_directives() {
                    let raw = p.at.arg(0).unwrap_or_default();
                    if p.has_variables
                        && ngxlint_engine::fastcgi::expand_variables(self.model, *scope, &raw)
                            .is_some_and(|(text, _)| text.contains(name))
                    {
                        passes.push((*scope, p.at));
                    }
                }
            }
        }
        passes.sort_by_key(|(s, at)| (s.0, at.dir as *const _ as usize));
        passes.dedup_by_key(|(s, at)| (s.0, at.dir as *const _ as usize));
        for (scope, at) in &passes {
            m.places.push(Place {
                file: at.file,
                span: at.head_span(),
                label: format!("{} in effect for this request", at.name()),
            });
            self.add_ranges(*scope, m);
            let Some(p) = self.model.pass_of(self.model.scope(*scope).tree, at) else {
                continue;
            };
            if let Target::Group(g) = p.target {
                let u = &self.model.upstreams[g];
                m.places.push(Place {
                    file: u.at.file,
                    span: u.at.head_span(),
                    label: format!("upstream group `{}`", u.name),
                });
                m.ranges
                    .push((u.at.file, u.at.dir.span().start, u.at.dir.span().end));
                for s in &u.servers {
                    let here = match &up {
                        Some(Up::Inet(h, q)) => {
                            let (sh, sp) = split_host_port(&s.address);
                            sp.unwrap_or(80) == *q
                                && (sh.eq_ignore_ascii_case(h)
                                    || ngxlint_engine::fastcgi::is_localhost(sh))
                        }
                        Some(Up::Unix(path)) => s.address.strip_prefix("unix:").is_some_and(|a| {
                            normalize_socket_path(a) == normalize_socket_path(path)
                        }),
                        _ => true,
                    };
                    if here {
                        m.places.push(Place {
                            file: s.at.file,
                            span: s.at.head_span(),
                            label: "server of the group".into(),
                        });
                    }
                }
            }
            if p.module == PassModule::FastCgi {
                for r in matching::pools_reached(self.project, self.model, *scope, at) {
                    self.add_pool(r.tree, r.pool, "the PHP-FPM pool it reaches", m);
                }
            }
        }
    }

    fn add_pool(
        &self,
        tree: &ngxlint_engine::fpm::FpmTree,
        pool: &fpm_ini::Pool,
        label: &str,
        m: &mut Mapped,
    ) {
        if let Some(o) = &pool.listen.origin {
            let file = tree.file(o.file);
            m.places.push(Place {
                file,
                span: Span {
                    start: o.key.start,
                    end: o.value.end,
                },
                label: format!("{label}: [{}]", pool.name),
            });
        }
        // The pool's section: from its header to the next section of the same file.
        for &(fi, h) in &pool.headers {
            let file = tree.file(fi);
            let len = self.project.files.get(file).bytes.len() as u32;
            let next = tree
                .config
                .pools
                .iter()
                .flat_map(|p| p.headers.iter())
                .filter(|&&(f2, h2)| f2 == fi && h2.start > h.start)
                .map(|&(_, h2)| h2.start)
                .min()
                .unwrap_or(len);
            m.ranges.push((file, h.start, next));
        }
    }

    fn add_ranges(&self, scope: ScopeId, m: &mut Mapped) {
        // The location (with what is nested in it), the server, and the http level's own lines.
        for id in self.model.chain(scope) {
            let s = self.model.scope(id);
            match (s.kind, s.block) {
                (Context::HttpLocation | Context::HttpServer, Some(b)) => {
                    let sp = b.dir.span();
                    m.ranges.push((b.file, sp.start, sp.end));
                    for d in &s.directives {
                        if d.file != b.file {
                            let sp = d.dir.span();
                            m.ranges.push((d.file, sp.start, sp.end));
                        }
                    }
                }
                (Context::Http, _) => {
                    for d in &s.directives {
                        if d.dir.block.is_none() {
                            let sp = d.dir.span();
                            m.ranges.push((d.file, sp.start, sp.end));
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn map_pool(&self, inc: &Incident, m: &mut Mapped) {
        let Some(name) = inc.pool.as_deref() else {
            return;
        };
        for tree in &self.project.fpm {
            for pool in tree.config.pools.iter().filter(|p| p.name == name) {
                self.add_pool(tree, pool, "pool", m);
                let setting = match inc.cause {
                    Cause::FpmMaxChildren | Cause::FpmWorkerKilled => pool
                        .pm_max_children
                        .origin
                        .as_ref()
                        .map(|o| (o, "pm.max_children")),
                    Cause::FpmRequestTerminated => pool
                        .request_terminate_timeout
                        .origin
                        .as_ref()
                        .map(|o| (o, "request_terminate_timeout")),
                    _ => None,
                };
                if let Some((o, what)) = setting {
                    m.places.push(Place {
                        file: tree.file(o.file),
                        span: Span {
                            start: o.key.start,
                            end: o.value.end,
                        },
                        label: what.to_string(),
                    });
                }
                // The fastcgi_pass lines that reach it.
                for (scope, p) in self.model.pass_directives() {
                    if p.module != PassModule::FastCgi {
                        continue;
                    }
                    if matching::pools_reached(self.project, self.model, *scope, &p.at)
                        .iter()
                        .any(|r| std::ptr::eq(r.pool, pool))
                    {
                        m.places.push(Place {
                            file: p.at.file,
                            span: p.at.head_span(),
                            label: "fastcgi_pass to this pool".into(),
                        });
                        self.add_ranges(*scope, m);
                    }
                }
            }
        }
    }

    fn map_startup(&self, inc: &Incident, m: &mut Mapped) {
        let mut cited: Option<(FileId, usize)> = None;
        if let Some(place) = &inc.place {
            if let Some((path, line)) = place.rsplit_once(':') {
                if let (Some(file), Ok(line)) = (self.file_for(path), line.trim().parse::<usize>())
                {
                    let f = self.project.files.get(file);
                    let starts = f.line_starts();
                    if let Some(&start) = starts.get(line.saturating_sub(1)) {
                        let end = starts.get(line).copied().unwrap_or(f.bytes.len() as u32);
                        let text_end = end.saturating_sub(1).max(start);
                        m.places.push(Place {
                            file,
                            span: Span {
                                start,
                                end: text_end,
                            },
                            label: "the line the message names".into(),
                        });
                        cited = Some((file, line));
                    }
                }
            }
        }
        let detail = inc.detail.as_deref().unwrap_or("");
        let mut rules: Vec<Diagnostic> = self
            .diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .filter(|d| {
                let on_line = cited.is_some_and(|(f, l)| {
                    d.file == f && self.project.files.get(f).line_col(d.span.start).0 == l
                });
                let same_words = !detail.is_empty()
                    && (d.message.contains(detail) || detail.contains(d.message.as_str()));
                on_line || same_words
            })
            .cloned()
            .collect();
        rules.dedup_by(|a, b| a.code == b.code && a.file == b.file && a.span == b.span);
        for d in &rules {
            if !m.places.iter().any(|p| {
                p.file == d.file && p.span.start <= d.span.start && d.span.start <= p.span.end
            }) {
                m.places.push(Place {
                    file: d.file,
                    span: d.span,
                    label: format!("{} points here", d.code),
                });
            }
        }
        m.rules = rules;
        if m.rules.is_empty() {
            m.next = Some(self.next_step(inc, m));
        }
    }

    /// The project file a server path names: the same server path, else the file whose path
    /// ends with the longest part of it (the `/etc/nginx` ↔ repository mapping `check` uses).
    fn file_for(&self, path: &str) -> Option<FileId> {
        let want = Path::new(path);
        let mut best: Option<(usize, FileId)> = None;
        for (id, f) in self.project.files.iter() {
            if f.server_path == want {
                return Some(id);
            }
            let common = f
                .server_path
                .components()
                .rev()
                .zip(want.components().rev())
                .take_while(|(a, b)| a == b)
                .count();
            if common > 0 && best.is_none_or(|(c, _)| common > c) {
                best = Some((common, id));
            }
        }
        best.map(|(_, id)| id)
    }

    fn effective_text(&self, scope: Option<ScopeId>, name: &str, default: &str) -> String {
        match scope.and_then(|s| self.model.effective(s, name)) {
            Some((_, at)) => {
                let f = self.project.files.get(at.file);
                let (l, c) = f.line_col_chars(at.name_span().start);
                format!(
                    "`{name} {}` ({}:{l}:{c})",
                    at.args().join(" "),
                    f.path.display()
                )
            }
            None => format!("`{name}` at nginx's default {default}"),
        }
    }

    fn next_step(&self, inc: &Incident, m: &Mapped) -> String {
        let pass = m.places.first().and_then(|p| {
            self.model
                .pass_directives()
                .iter()
                .find(|(_, pd)| pd.at.file == p.file && pd.at.head_span() == p.span)
        });
        let scope = pass.map(|(s, _)| *s);
        let prefix = pass.map(|(_, p)| p.module.prefix()).unwrap_or("proxy_");
        let up = inc.upstream.as_deref().unwrap_or("the backend");
        match inc.cause {
            Cause::ConnectionRefused => format!("check that something listens on {up} (`ss -ltnp`); compare the address with the backend's own listen setting"),
            Cause::SocketMissing => format!("check that the socket of {up} exists (`ls -l`) and that a PHP-FPM pool's `listen` names exactly this path; is php-fpm running?"),
            Cause::PermissionDenied => format!("compare the socket's owner, group and mode (`ls -l` on {up}) with the nginx worker user; set `listen.owner`/`listen.group`/`listen.mode` in the pool"),
            Cause::BacklogFull => "compare the pool's `listen.backlog` and `pm.max_children` with the burst of concurrent requests; check `net.core.somaxconn`".into(),
            Cause::UpstreamTimeout => format!("compare the slowest request's time with {}; for PHP-FPM, compare `pm.max_children` with the concurrent requests (the pool's `pm.status_path` shows the queue)", self.effective_text(scope, &format!("{prefix}read_timeout"), "60s")),
            Cause::ResetByPeer | Cause::PrematureClose => format!("read the backend's own log at the same time as this incident: a killed worker (php-fpm's `execution timed out`, `exited on signal`), a refused client, or TLS spoken to {up}"),
            Cause::HeaderTooBig => format!("compare the size of the response header (`curl -sI` to the backend; cookies, long redirects) with {}", self.effective_text(scope, &format!("{prefix}buffer_size"), "4k|8k (one memory page)")),
            Cause::NoLiveUpstreams => format!("the servers of {up} failed earlier: read the lines before this one (connect errors) and check each server; add a `backup` server"),
            Cause::NoResolver => format!("add a `resolver` for `{}`, or write the address without variables", inc.detail.as_deref().unwrap_or("the name")),
            Cause::ResolverFailed => format!("check that the resolver answers for `{}` (`dig @RESOLVER NAME`)", inc.detail.as_deref().unwrap_or("the name")),
            Cause::SslHandshakeFailed => format!("check that {up} speaks TLS and which protocols it accepts (`openssl s_client -connect HOST:PORT`)"),
            Cause::SslVerifyFailed => "check the backend's certificate chain and name against `proxy_ssl_trusted_certificate` and `proxy_ssl_name` (`openssl s_client -verify_hostname`)".into(),
            Cause::FpmMaxChildren => "compare the pool's `pm.max_children` with the burst of concurrent requests and the memory a worker takes (`ps -o rss`); the pool's status page shows `max children reached`".into(),
            Cause::FpmRequestTerminated => "compare `request_terminate_timeout` with the slowest script and with nginx's `fastcgi_read_timeout`; the pool's `slowlog` shows where the script spends its time".into(),
            Cause::FpmWorkerKilled => "look for the OOM killer in `dmesg` / `journalctl -k` at the same time; compare `pm.max_children` × worker memory with the host's memory".into(),
            Cause::PrimaryScriptUnknown => "check the `SCRIPT_FILENAME` php-fpm receives (`$document_root$fastcgi_script_name`) against the file on disk, the `root`, and the pool's `chroot`".into(),
            Cause::StartupRefused => "run `nginx -t` (or `php-fpm -t`) and fix the line it names".into(),
        }
    }
}

fn incident_json(cx: &Cx<'_, '_>, inc: &Incident, m: &Mapped) -> Value {
    let files = &cx.project.files;
    let mut codes: Vec<&str> = m.rules.iter().map(|d| d.code).collect();
    codes.dedup();
    json!({
        "cause": inc.cause.id(),
        "count": inc.count,
        "first": inc.first,
        "last": inc.last,
        "upstream": inc.upstream,
        "server": inc.server,
        "request": inc.request,
        "host": inc.host,
        "pool": inc.pool,
        "detail": inc.detail,
        "explanation": inc.cause.explain(),
        "config": m.places.iter().map(|p| {
            let mut v = crate::trace::place(files, p.file, p.span);
            v["label"] = json!(p.label);
            v
        }).collect::<Vec<_>>(),
        "rules": codes,
        "findings": m.rules.iter().map(|d| {
            let mut v = crate::trace::place(files, d.file, d.span);
            v["code"] = json!(d.code);
            v["message"] = json!(d.message);
            v["help"] = json!(d.help);
            v
        }).collect::<Vec<_>>(),
        "next": m.next,
    })
}

/// The configuration places of an incident as miette shows findings.
#[derive(Debug)]
struct PlacesReport<'a> {
    message: String,
    src: crate::render::Source<'a>,
    labels: Vec<LabeledSpan>,
    related: Vec<PlacesReport<'a>>,
}

impl std::fmt::Display for PlacesReport<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}
impl std::error::Error for PlacesReport<'_> {}
impl miette::Diagnostic for PlacesReport<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.src)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

fn pretty_incident(
    cx: &Cx<'_, '_>,
    inc: &Incident,
    m: &Mapped,
    color: bool,
    width: usize,
) -> String {
    use std::fmt::Write as _;
    let files: &Files = &cx.project.files;
    let mut s = String::new();
    let when = match (&inc.first, &inc.last) {
        (Some(a), Some(b)) if a != b => format!(", {a} – {b}"),
        (Some(a), _) => format!(", {a}"),
        _ => String::new(),
    };
    let _ = writeln!(
        s,
        "● {} — {} time{}{when}",
        inc.cause.id(),
        inc.count,
        if inc.count == 1 { "" } else { "s" }
    );
    for (k, v) in [
        ("upstream", &inc.upstream),
        ("server", &inc.server),
        ("request", &inc.request),
        ("pool", &inc.pool),
        ("message", &inc.detail),
        ("at", &inc.place),
    ] {
        if let Some(v) = v {
            let _ = writeln!(s, "  {k}: {v}");
        }
    }
    let _ = writeln!(s, "  {}", inc.cause.explain());
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = crate::render::handler(theme, width);
    // One report per file, its places as labels.
    let mut by_file: Vec<(FileId, Vec<&Place>)> = Vec::new();
    for p in &m.places {
        match by_file.iter_mut().find(|(f, _)| *f == p.file) {
            Some((_, v)) => v.push(p),
            None => by_file.push((p.file, vec![p])),
        }
    }
    if by_file.is_empty() {
        let _ = writeln!(s, "  no configuration place found for it");
    }
    for (file, places) in by_file {
        let r = PlacesReport {
            message: format!("behind it: {}", files.get(file).path.display()),
            src: crate::render::source(files, file),
            labels: places
                .iter()
                .map(|p| {
                    LabeledSpan::new_with_span(
                        Some(p.label.clone()),
                        crate::render::span(p.span, files, file),
                    )
                })
                .collect(),
            related: Vec::new(),
        };
        let _ = handler.render_report(&mut s, &r);
    }
    if !m.rules.is_empty() {
        let _ = writeln!(s, "  predicted by:");
        let mut buf = Vec::new();
        let _ = crate::render::pretty(
            files,
            &m.rules,
            crate::render::PrettyOptions {
                color,
                links: false,
                width,
            },
            &mut buf,
        );
        s.push_str(&String::from_utf8_lossy(&buf));
    }
    if let Some(n) = &m.next {
        let _ = writeln!(s, "  next step: {n}");
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_keys_drop_the_uri() {
        assert_eq!(
            upstream_key(b"fastcgi://unix:/run/php/x.sock:"),
            b"unix:/run/php/x.sock"
        );
        assert_eq!(
            upstream_key(b"http://127.0.0.1:8080/big?x"),
            b"http://127.0.0.1:8080"
        );
        assert_eq!(upstream_key(b"http://[::1]:20058/"), b"http://[::1]:20058");
        assert_eq!(
            upstream_key(b"http://unix:/run/app.sock:/x"),
            b"unix:/run/app.sock"
        );
        assert_eq!(
            upstream_key(b"fastcgi://127.0.0.1:9000"),
            b"fastcgi://127.0.0.1:9000"
        );
    }

    #[test]
    fn lines_group_into_incidents_in_chunks() {
        let line = |t: &str, port: u16, uri: &str| {
            format!("2024/05/01 12:00:0{t} [error] 1#1: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 1.2.3.4, server: lab, request: \"GET {uri} HTTP/1.1\", upstream: \"http://127.0.0.1:{port}{uri}\", host: \"lab\"\n")
        };
        let mut log = String::new();
        log.push_str(&line("1", 81, "/a"));
        log.push_str("2024/05/01 12:00:02 [warn] 1#1: *1 upstream server temporarily disabled while connecting to upstream\n");
        log.push_str(&line("3", 81, "/b"));
        log.push_str(&line("4", 82, "/a"));
        log.push_str(&line("5", 81, "/c")); // no final newline below
        let log = log.trim_end();
        let mut g = Grouper::default();
        let mut news = 0;
        g.read(&mut log.as_bytes(), &mut |_| {
            news += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!(g.lines, 5);
        assert_eq!(news, 2);
        assert_eq!(g.incidents[0].count, 3);
        assert_eq!(g.incidents[0].first.as_deref(), Some("2024-05-01 12:00:01"));
        assert_eq!(g.incidents[0].last.as_deref(), Some("2024-05-01 12:00:05"));
        assert_eq!(g.incidents[0].request.as_deref(), Some("GET /a HTTP/1.1"));
        assert_eq!(
            g.incidents[1].upstream.as_deref(),
            Some("http://127.0.0.1:82")
        );
    }

    proptest::proptest! {
        /// Any bytes: classified or skipped, grouped, never a panic.
        #[test]
        fn any_log_bytes_are_read(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            let mut g = Grouper::default();
            g.read(&mut bytes.as_slice(), &mut |_| Ok(())).unwrap();
            let _ = upstream_key(&bytes);
        }

        /// Lines shaped like nginx's and php-fpm's, cut and altered anywhere.
        #[test]
        fn cut_log_lines_are_read(cut in 0usize..400, flip in 0usize..400, b in proptest::prelude::any::<u8>()) {
            for line in [
                "2024/05/01 12:00:00 [error] 1#1: *5 connect() to unix:/x.sock failed (2: No such file or directory) while connecting to upstream, client: 1.2.3.4, server: a, request: \"GET / HTTP/1.1\", upstream: \"fastcgi://unix:/x.sock:\", host: \"a\"",
                "nginx: [emerg] host not found in upstream \"x\" in /etc/nginx/a.conf:3",
                "[01-May-2024 12:00:00] WARNING: [pool www] child 1, script '/a.php' (request: \"GET /a.php\") execution timed out (1.0 sec), terminating",
                "May  1 12:00:00 h php-fpm[1]: [WARNING] [pool www] server reached pm.max_children setting (5)",
            ] {
                let mut v = line.as_bytes().to_vec();
                if flip < v.len() { v[flip] = b; }
                v.truncate(cut);
                let _ = logline::classify(&v);
            }
        }

        /// Any URL: parsed or refused, normalized, never a panic.
        #[test]
        fn any_url_is_parsed(url in "\\PC{0,80}") {
            if let Ok(r) = Request::from_url(&url) {
                let _ = matching::normalize_uri(&r.path);
                let _ = r.server_name();
            }
            let _ = matching::normalize_uri(&url);
        }
    }

    #[test]
    fn rotated_logs_oldest_first() {
        let v: Vec<PathBuf> = [
            "error.log",
            "error.log.1",
            "error.log.3.gz",
            "php.log",
            "error.log.2.gz",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let o: Vec<String> = rotation_order(&v)
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        let pos = |n: &str| o.iter().position(|x| x == n).unwrap();
        assert!(pos("error.log.3.gz") < pos("error.log.2.gz"));
        assert!(pos("error.log.2.gz") < pos("error.log.1"));
        assert!(pos("error.log.1") < pos("error.log"));
    }
}
