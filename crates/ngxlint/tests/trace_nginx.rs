//! `trace`'s matching proved against the real nginx.
//!
//! Every http server of each fixture (testdata/trace/) and of the real-world configurations
//! (testdata/realworld/) is rewritten into an instrumented copy that keeps what nginx matches on —
//! its `listen` sockets (moved to 127.0.0.x high ports), its `server_name`s, its locations with
//! their modifiers and nesting, exactly as written — and replaces everything else: each location
//! answers `return 200 "S<server> L<location>"`, each server adds an `X-Srv` header for requests
//! no location takes. Real nginx serves the copy on 127.0.0.1; many URIs are requested with every
//! literal server name of the socket, an unknown name and no Host at all, and the engine's trace
//! (the code `ngxlint trace` runs) of the same copy must name the same server and location.
//!
//! The fixtures in testdata/trace/ also keep their `rewrite`/`return`/`if` lines (see
//! [`REWRITES`]): there the copy keeps the rewrite module's directives, so the steps are proved
//! too. Needs nginx; skipped (a failure when `CI` is set) without it.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nginx_syntax::directives::Context;
use ngxlint_engine::matching::{Matcher, Request, Step};
use ngxlint_engine::model::{Model, ScopeId};
use ngxlint_engine::{Options, Project};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn nginx() -> Option<PathBuf> {
    let p = std::env::var_os("NGINX")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/sbin/nginx"));
    if p.is_file() {
        return Some(p);
    }
    if std::env::var_os("CI").is_some() {
        panic!("trace_nginx needs nginx when CI is set");
    }
    eprintln!("skipped: nginx not found (set CI=1 to make this a failure)");
    None
}

/// Fixture folders whose copies keep the rewrite module's directives.
const REWRITES: &[&str] = &["rewrites"];

struct Tmp(PathBuf);
impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// nginx in the foreground, stopped on drop.
struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        // SAFETY: kill() has no memory preconditions; the pid is our child's.
        unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A port free on 127.0.0.1-3, between 10000 and 20000: below Linux's ephemeral range (32768 and
/// up), so the other test's thousands of requests cannot take it as their source port between this
/// check and nginx binding it (nginx would then give up on the port after its retries, and a
/// connect to it could even reach itself).
fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let start = (std::process::id() % 500) * 17;
    for _ in 0..10_000 {
        let p = 10_000 + ((start + NEXT.fetch_add(1, Ordering::Relaxed)) % 10_000) as u16;
        if std::net::TcpListener::bind(("127.0.0.1", p)).is_ok()
            && std::net::TcpListener::bind(("127.0.0.2", p)).is_ok()
            && std::net::TcpListener::bind(("127.0.0.3", p)).is_ok()
        {
            return p;
        }
    }
    panic!("no free port");
}

/// The text of a directive's arguments exactly as written.
fn args_text(at: &ngxlint_engine::model::At<'_>) -> String {
    at.dir
        .args
        .iter()
        .map(|w| String::from_utf8_lossy(w.span.slice(at.src)).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

const REWRITE_MODULE: &[&str] = &["rewrite", "return", "set", "break", "if"];

/// One instrumented copy: its text and the ids it answers with.
struct Copy {
    text: String,
    /// (socket address, port) of each server, by server index.
    sockets: Vec<Vec<(String, u16)>>,
    /// Literal names per server.
    names: Vec<Vec<String>>,
    /// Prefix/exact location names.
    uris: Vec<String>,
}

/// Writes a location (and its nested ones) with its id.
fn write_location(
    model: &Model<'_>,
    id: ScopeId,
    srv: usize,
    keep: bool,
    out: &mut String,
    copy: &mut Copy,
    depth: usize,
) {
    let s = model.scope(id);
    let Some(at) = s.block else { return };
    let pad = "    ".repeat(depth);
    out.push_str(&format!("{pad}location {} {{\n", args_text(&at)));
    let line = out.lines().count();
    let name = at
        .arg(at.nargs().saturating_sub(1))
        .map(|a| a.into_owned())
        .unwrap_or_default();
    let literal = at.nargs() == 1 || matches!(at.arg(0).as_deref(), Some("=" | "^~"));
    if literal && !name.starts_with('@') && !name.starts_with('~') {
        copy.uris
            .push(name.trim_start_matches(['=', '^', '~']).to_string());
    }
    // The headers name the location even when a `break` skips the `return` below.
    out.push_str(&format!(
        "{pad}    add_header X-Srv \"S{srv}\" always;\n{pad}    add_header X-Loc \"L{line}\" always;\n"
    ));
    let mut content = false;
    if keep {
        write_rewrites(model, id, out, depth + 1);
        // `try_files` and `error_page` to a named location decide in the content phase: kept,
        // and no `return` of the location's own to pre-empt them.
        for d in &s.directives {
            if (d.is("try_files") || d.is("error_page"))
                && d.args().last().is_some_and(|a| a.starts_with('@'))
            {
                out.push_str(&format!("{pad}    {} {};\n", d.name(), args_text(d)));
                content = true;
            }
        }
    }
    if !content {
        out.push_str(&format!("{pad}    return 200 \"S{srv} L{line}\";\n"));
    }
    for &c in &s.children {
        if model.scope(c).kind == Context::HttpLocation {
            write_location(model, c, srv, keep, out, copy, depth + 1);
        }
    }
    out.push_str(&format!("{pad}}}\n"));
}

/// The rewrite module's directives of a scope, as written (`if` blocks with their contents).
fn write_rewrites(model: &Model<'_>, id: ScopeId, out: &mut String, depth: usize) {
    let pad = "    ".repeat(depth);
    for d in &model.scope(id).directives {
        let n = d.name();
        if !REWRITE_MODULE.contains(&n.as_ref()) {
            continue;
        }
        if n == "if" {
            out.push_str(&format!("{pad}if {} {{\n", args_text(d)));
            if let Some(c) = model.scope(id).children.iter().find(|&&c| {
                model
                    .scope(c)
                    .block
                    .is_some_and(|b| std::ptr::eq(b.dir, d.dir))
            }) {
                write_rewrites(model, *c, out, depth + 1);
            }
            out.push_str(&format!("{pad}}}\n"));
        } else {
            out.push_str(&format!("{pad}{n} {};\n", args_text(d)));
        }
    }
}

/// The instrumented copy of one tree's http servers.
fn instrument(
    model: &Model<'_>,
    m: &Matcher<'_, '_>,
    tree: usize,
    prefix: &Path,
    keep: bool,
) -> Option<Copy> {
    let servers: Vec<_> = m.servers.iter().filter(|s| s.tree == tree).collect();
    if servers.is_empty() {
        return None;
    }
    let mut ports: BTreeMap<u16, u16> = BTreeMap::new();
    let mut addrs: BTreeMap<String, String> = BTreeMap::new();
    let mut copy = Copy {
        text: String::new(),
        sockets: Vec::new(),
        names: Vec::new(),
        uris: Vec::new(),
    };
    let mut out = format!(
        "daemon off;\nmaster_process off;\npid {p}/nginx.pid;\nerror_log {p}/error.log;\nevents {{ worker_connections 64; }}\nhttp {{\n    access_log off;\n    root {p}/www;\n    client_body_temp_path {p}/tmp;\n    proxy_temp_path {p}/tmp;\n    fastcgi_temp_path {p}/tmp;\n    uwsgi_temp_path {p}/tmp;\n    scgi_temp_path {p}/tmp;\n    server_names_hash_bucket_size 128;\n",
        p = prefix.display()
    );
    for (k, s) in servers.iter().enumerate() {
        out.push_str("    server {\n");
        let mut socks = Vec::new();
        for l in &s.listens {
            if l.port == 0 || matches!(l.addr, Some(std::net::IpAddr::V6(_))) {
                continue;
            }
            let port = *ports.entry(l.port).or_insert_with(free_port);
            let n = addrs.len();
            let addr = match l.addr {
                None => "127.0.0.1".to_string(),
                Some(a) => addrs
                    .entry(a.to_string())
                    .or_insert_with(|| format!("127.0.0.{}", 2 + n.min(1)))
                    .clone(),
            };
            if socks.contains(&(addr.clone(), port)) {
                continue;
            }
            out.push_str(&format!(
                "        listen {addr}:{port}{};\n",
                if l.default { " default_server" } else { "" }
            ));
            socks.push((addr, port));
        }
        if socks.is_empty() {
            // Only IPv6 or unix sockets: the wildcard of its first port.
            let p = s
                .listens
                .iter()
                .map(|l| l.port)
                .find(|&p| p != 0)
                .unwrap_or(80);
            let port = *ports.entry(p).or_insert_with(free_port);
            out.push_str(&format!("        listen 127.0.0.1:{port};\n"));
            socks.push(("127.0.0.1".into(), port));
        }
        for d in model.here(s.scope, "server_name") {
            out.push_str(&format!("        server_name {};\n", args_text(d)));
        }
        out.push_str(&format!("        add_header X-Srv \"S{k}\" always;\n"));
        if keep {
            write_rewrites(model, s.scope, &mut out, 2);
        }
        for &c in &model.scope(s.scope).children {
            if model.scope(c).kind == Context::HttpLocation {
                write_location(model, c, k, keep, &mut out, &mut copy, 2);
            }
        }
        out.push_str("    }\n");
        copy.sockets.push(socks);
        copy.names.push(
            s.names
                .iter()
                .map(|(n, _)| n.clone())
                .filter(|n| !n.starts_with('~'))
                .flat_map(|n| {
                    if let Some(r) = n.strip_prefix("*.") {
                        vec![format!("www.{r}")]
                    } else if let Some(r) = n.strip_suffix(".*") {
                        vec![format!("{r}.org")]
                    } else if let Some(r) = n.strip_prefix('.') {
                        vec![r.to_string(), format!("a.{r}")]
                    } else {
                        vec![n]
                    }
                })
                .collect(),
        );
    }
    out.push_str("}\n");
    copy.text = out;
    Some(copy)
}

const URIS: &[&str] = &[
    "/",
    "/index.php",
    "/index.html",
    "/a.php",
    "/x/y.php",
    "/img/a.png",
    "/a.jpg",
    "/A.JPG",
    "/style.css",
    "/app.js",
    "/favicon.ico",
    "/robots.txt",
    "/.git/config",
    "/.htaccess",
    "/.well-known/acme-challenge/x",
    "/api/v1/users",
    "/api/v2/x",
    "/admin",
    "/admin/",
    "/wp-login.php",
    "/static/a.css",
    "/uploads/a.php",
    "/nonexistent/deep/path",
    "/en/page",
    "/user/login",
    "/cache/x",
    "/status",
    "/health",
    "/media/a.gif",
    "/a//b/../c.php",
    "/%61dmin/",
    "/download/file.zip",
    "/x.json",
    "/setup/index.php",
    "/pub/static/a.js",
    // For the rewrite fixture (and harmless elsewhere).
    "/old/a",
    "/old/x.php",
    "/gone",
    "/chain/z",
    "/set",
    "/ext/a",
    "/re/12",
    "/re/x",
    "/new/x?mode=teapot",
    "/new/x?mode=other",
    "/method",
    "/brk",
    "/stop",
    "/app",
    "/exact",
];

/// One HTTP/1.0 request; (status, X-Srv, X-Loc, body).
fn get(
    addr: &str,
    port: u16,
    host: Option<&str>,
    uri: &str,
) -> Result<(u16, String, String, String), String> {
    let mut s = TcpStream::connect_timeout(
        &format!("{addr}:{port}").parse().unwrap(),
        Duration::from_secs(5),
    )
    .map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let host = host.map(|h| format!("Host: {h}\r\n")).unwrap_or_default();
    write!(s, "GET {uri} HTTP/1.0\r\n{host}\r\n").map_err(|e| e.to_string())?;
    let mut resp = Vec::new();
    s.read_to_end(&mut resp).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&resp).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    let srv = head
        .lines()
        .find_map(|l| l.strip_prefix("X-Srv: "))
        .unwrap_or("")
        .to_string();
    let loc = head
        .lines()
        .find_map(|l| l.strip_prefix("X-Loc: "))
        .unwrap_or("")
        .to_string();
    Ok((status, srv, loc, body.to_string()))
}

/// What the engine says for the same request on the copy: ("S<k>", "L<line>" or "").
fn traced(
    model: &Model<'_>,
    m: &Matcher<'_, '_>,
    project: &Project,
    addr: &str,
    port: u16,
    host: Option<&str>,
    uri: &str,
) -> (String, String, Option<u16>, Vec<String>) {
    let mut req = Request::from_url(&format!("http://{addr}:{port}{uri}")).unwrap();
    req.host = host.map(str::to_string);
    let t = m.trace(None, &req);
    let srv = t
        .server
        .and_then(|s| m.servers.iter().position(|x| x.scope == s))
        .map(|k| format!("S{k}"))
        .unwrap_or_default();
    let loc = t
        .location
        .and_then(|l| model.scope(l).block)
        .map(|b| {
            format!(
                "L{}",
                project.files.get(b.file).line_col(b.name_span().start).0
            )
        })
        .unwrap_or_default();
    // Where the named-location fallbacks of `try_files`/`error_page` lead (nginx goes there when
    // no file exists, which in the copy's empty root is always).
    let named: Vec<String> = t
        .steps
        .iter()
        .filter_map(|st| match st {
            Step::TryFiles { named: Some(n), .. } | Step::ErrorPage { named: n, .. } => Some(*n),
            _ => None,
        })
        .filter_map(|n| model.scope(n).block)
        .map(|b| {
            format!(
                "L{}",
                project.files.get(b.file).line_col(b.name_span().start).0
            )
        })
        .collect();
    (srv, loc, t.response.as_ref().map(|(c, _)| *c), named)
}

/// Runs one tree; returns the number of requests compared.
fn prove(
    label: &str,
    nginx: &Path,
    model: &Model<'_>,
    m: &Matcher<'_, '_>,
    tree: usize,
    keep: bool,
) -> usize {
    let dir = std::env::temp_dir()
        .join(format!("ngxlint-trace-{}-{label}", std::process::id()).replace('/', "_"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("www")).unwrap();
    std::fs::create_dir_all(dir.join("tmp")).unwrap();
    let _tmp = Tmp(dir.clone());
    let Some(copy) = instrument(model, m, tree, &dir, keep) else {
        return 0;
    };
    let conf = dir.join("nginx.conf");
    std::fs::write(&conf, &copy.text).unwrap();
    let t = Command::new(nginx)
        .args(["-t", "-q", "-p"])
        .arg(&dir)
        .arg("-c")
        .arg(&conf)
        .output()
        .unwrap();
    assert!(
        t.status.success(),
        "{label}: nginx -t refuses the instrumented copy:\n{}\n{}",
        String::from_utf8_lossy(&t.stderr),
        copy.text
    );
    // The engine reads the copy exactly as nginx does.
    let opts = Options::new(dir.clone());
    let project = Project::load(std::slice::from_ref(&conf), &opts).unwrap();
    let cmodel = Model::build(&project, &opts.directives);
    let cm = Matcher::new(&cmodel);
    let child = Command::new(nginx)
        .arg("-p")
        .arg(&dir)
        .arg("-c")
        .arg(&conf)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _server = Server(child);
    // nginx binds and listens on its sockets one by one (retrying a busy one for a while): the
    // first answering is not all of them answering.
    let deadline = Instant::now() + Duration::from_secs(5);
    for (a, p) in copy.sockets.iter().flatten() {
        while TcpStream::connect((a.as_str(), *p)).is_err() {
            assert!(
                Instant::now() < deadline,
                "{label}: nginx did not start on {a}:{p}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    let mut uris: Vec<String> = URIS.iter().map(|u| u.to_string()).collect();
    for u in &copy.uris {
        for v in [
            u.clone(),
            format!("{u}x"),
            format!("{u}/a.php"),
            format!("{u}a.png"),
            u.trim_end_matches('/').to_string(),
            format!("{u}/sub/"),
        ] {
            if v.starts_with('/') && !v.contains(' ') && !uris.contains(&v) {
                uris.push(v);
            }
        }
    }
    let mut sockets: Vec<(String, u16)> = copy.sockets.iter().flatten().cloned().collect();
    sockets.sort();
    sockets.dedup();
    let mut n = 0;
    let mut via_named = 0;
    let mut wrong = Vec::new();
    for (addr, port) in &sockets {
        let mut hosts: Vec<Option<String>> = vec![None, Some("unknown.invalid".into())];
        for (k, socks) in copy.sockets.iter().enumerate() {
            if socks.iter().any(|s| &s.0 == addr && s.1 == *port) {
                hosts.extend(
                    copy.names[k]
                        .iter()
                        .filter(|h| !h.is_empty())
                        .map(|h| Some(h.clone())),
                );
            }
        }
        hosts.dedup();
        for host in &hosts {
            for uri in &uris {
                let (status, srv, loc, _body) = get(addr, *port, host.as_deref(), uri)
                    .unwrap_or_else(|e| panic!("{label}: GET {uri}: {e}"));
                let (tsrv, tloc, tresp, tnamed) =
                    traced(&cmodel, &cm, &project, addr, *port, host.as_deref(), uri);
                n += 1;
                let (nsrv, nloc) = (srv, loc);
                let agrees = if keep && tresp.is_some_and(|c| c != 200) {
                    // A rewrite-module answer (return, redirect): the statuses must agree.
                    tresp == Some(status)
                } else {
                    nsrv == tsrv
                        && (nloc == tloc
                            || status == 301 && tresp == Some(301)
                            || tnamed.contains(&nloc))
                };
                if agrees && nloc != tloc && tnamed.contains(&nloc) {
                    via_named += 1;
                }
                if !agrees {
                    wrong.push(format!(
                        "{addr}:{port} Host {host:?} {uri}: nginx {status} {nsrv} {nloc}, trace {tsrv} {tloc} {tresp:?}"
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{label}: trace disagrees with nginx on {} of {n} requests:\n{}\n--- copy\n{}",
        wrong.len(),
        wrong
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n"),
        copy.text
    );
    if keep {
        // The copy's root is empty: the `try_files`/`error_page` fallbacks must really be taken.
        assert!(
            via_named > 0,
            "{label}: no request reached a named location through try_files/error_page"
        );
    }
    n
}

fn prove_folder(nginx: &Path, dir: &Path, keep: bool) -> usize {
    let opts = Options::new(dir.to_path_buf());
    let project = Project::load(&[dir.to_path_buf()], &opts).unwrap();
    let model = Model::build(&project, &opts.directives);
    let m = Matcher::new(&model);
    let mut n = 0;
    let mut seen: Vec<Vec<(u32, u32)>> = Vec::new();
    for tree in 0..project.nginx.trees.len() {
        // A file included by an entry point and also read alone is one set of servers.
        let key: Vec<(u32, u32)> = m
            .servers
            .iter()
            .filter(|s| s.tree == tree)
            .filter_map(|s| {
                model
                    .scope(s.scope)
                    .block
                    .map(|b| (b.file.0, b.name_span().start))
            })
            .collect();
        if key.is_empty() || seen.iter().any(|k| key.iter().all(|x| k.contains(x))) {
            continue;
        }
        seen.push(key);
        let label = format!("{}#{tree}", dir.file_name().unwrap().to_string_lossy());
        n += prove(&label, nginx, &model, &m, tree, keep);
    }
    n
}

#[test]
fn trace_matches_nginx_on_fixtures() {
    let Some(nginx) = nginx() else { return };
    let base = repo().join("testdata/trace");
    let mut total = 0;
    for e in std::fs::read_dir(&base).unwrap() {
        let dir = e.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let keep = REWRITES.iter().any(|r| dir.ends_with(r));
        let n = prove_folder(&nginx, &dir, keep);
        assert!(n > 0, "{}: no request compared", dir.display());
        total += n;
    }
    eprintln!("trace fixtures: {total} requests, trace agrees with nginx on all");
}

#[test]
fn trace_matches_nginx_on_realworld_configs() {
    let Some(nginx) = nginx() else { return };
    let base = repo().join("testdata/realworld");
    let mut total = 0;
    let mut by_config = Vec::new();
    for name in [
        "getgrav__grav",
        "TrafeX__docker-php-nginx",
        "h5bp__server-configs-nginx",
        "trimstray__nginx-admins-handbook",
        "oerdnj__nginx",
        "markshust__docker-magento",
        "nginx__nginx",
        "nginxinc__NGINX-Demos",
        "webdevops__Dockerfile",
    ] {
        let n = prove_folder(&nginx, &base.join(name), false);
        by_config.push(format!("{name} {n}"));
        total += n;
    }
    eprintln!(
        "trace on real-world configs: {total} requests ({})",
        by_config.join(", ")
    );
    assert!(total > 1000, "only {total} requests compared");
}
