//! Which server and which location nginx picks for a request, as nginx itself picks them, built
//! once on the [`Model`] so that `trace` and `triage` share one answer.
//!
//! - Server (`ngx_http_find_virtual_server`): the connections' listen sockets first (a server
//!   listening on the connection's own address beats the wildcard on that port), then the Host
//!   (lowercased, port and final dot removed) against `server_name`: exact names, the longest
//!   leading wildcard (`*.example.com`, `.example.com`), the longest trailing wildcard
//!   (`www.*`), then regexes in the order they appear; none matching: the `default_server` of
//!   the socket, else its first server. A request without Host is looked up as the empty name.
//! - Location (`ngx_http_core_find_location`): an `=` location equal to the URI ends the search;
//!   else the longest prefix location, whose nested locations are searched the same way; a
//!   location ending in `/` with a `*_pass` redirects the URI without the slash (301); unless the
//!   longest prefix was `^~`, the regex locations of each level are then tried in file order
//!   (`~*` case-insensitive), the first that matches wins (its nested locations searched too).
//! - Regexes are PCRE, as in nginx (the `pcre2` crate). One that PCRE2 cannot compile is
//!   reported as not evaluated rather than guessed.
//! - `rewrite`, `return`, `if`, `set` and `break` run in order in the server, then in the
//!   location; `rewrite … last` and a changed URI search the locations again (at most 10 times,
//!   nginx's limit). What depends on the filesystem (`-f`, `-d`, `try_files`) or on variables
//!   this module does not know is reported as unknown, never guessed.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::IpAddr;

use nginx_syntax::directives::Context;

use crate::model::{At, Model, Pass, ScopeId, LIST_DIRECTIVES};

/// A request as `trace` describes it.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// `http` or `https`.
    pub scheme: String,
    /// The Host header (`None`: no Host).
    pub host: Option<String>,
    /// The local address the client connected to, when known (an IP literal in the URL).
    pub local_addr: Option<IpAddr>,
    /// The port connected to.
    pub port: u16,
    /// The path as sent (percent-encoded), without the query.
    pub path: String,
    /// The query string without `?`.
    pub args: Option<String>,
    /// Other request headers, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The client's address (`$remote_addr`).
    pub client: Option<IpAddr>,
}

impl Request {
    /// Parses `http://host[:port]/path?args` (or a bare `/path`).
    pub fn from_url(url: &str) -> Result<Request, String> {
        let mut r = Request {
            method: "GET".into(),
            scheme: "http".into(),
            port: 80,
            ..Default::default()
        };
        let rest = if let Some(rest) = strip_prefix_ci(url, "http://") {
            rest
        } else if let Some(rest) = strip_prefix_ci(url, "https://") {
            r.scheme = "https".into();
            r.port = 443;
            rest
        } else if url.starts_with('/') {
            r.path = url.to_string();
            return Ok(r.split_args());
        } else {
            return Err(format!(
                "`{url}` is not a URL: expected http://HOST/PATH, https://HOST/PATH or /PATH"
            ));
        };
        // Cut at an ASCII `/` or `?`: a character boundary.
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) => rest.split_at_checked(i).unwrap_or((rest, "/")),
            None => (rest, "/"),
        };
        let authority = authority.rsplit('@').next().unwrap_or(authority);
        let (host, port) = crate::model::split_host_port(authority);
        if let Some(p) = port {
            r.port = p;
        } else if authority.ends_with(':') || (authority.contains(':') && !authority.contains('['))
        {
            return Err(format!("`{authority}`: invalid port"));
        }
        if host.is_empty() {
            return Err(format!("`{url}` has no host"));
        }
        r.local_addr = host.parse::<IpAddr>().ok();
        r.host = Some(authority.to_string());
        r.path = if path.starts_with('?') {
            format!("/{path}")
        } else {
            path.to_string()
        };
        Ok(r.split_args())
    }

    fn split_args(mut self) -> Request {
        if let Some((p, a)) = self.path.split_once('?') {
            self.args = Some(a.to_string());
            self.path = p.to_string();
        }
        self
    }

    /// The header `name` (lowercase), the Host for `host`.
    pub fn header(&self, name: &str) -> Option<&str> {
        if name == "host" {
            return self.host.as_deref();
        }
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The Host as nginx matches it: lowercased, without port and final dot.
    pub fn server_name(&self) -> String {
        let h = self.host.as_deref().unwrap_or("");
        let h = if let Some(rest) = h.strip_prefix('[') {
            rest.split(']').next().unwrap_or(rest)
        } else {
            h.split(':').next().unwrap_or(h)
        };
        h.trim_end_matches('.').to_ascii_lowercase()
    }
}

fn strip_prefix_ci<'a>(s: &'a str, p: &str) -> Option<&'a str> {
    // `get`: the prefix's length may fall inside a multi-byte character of `s`.
    s.get(..p.len())
        .filter(|h| h.eq_ignore_ascii_case(p))
        .and_then(|_| s.get(p.len()..))
}

/// nginx's URI as locations see it: percent-decoded, `//` merged, `.` and `..` resolved
/// (`ngx_http_parse_complex_uri` with `merge_slashes on`). `None` when `..` climbs above the root
/// (nginx answers 400).
pub fn normalize_uri(path: &str) -> Option<String> {
    let b = path.as_bytes();
    let mut decoded = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                decoded.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        decoded.push(b[i]);
        i += 1;
    }
    let text = String::from_utf8_lossy(&decoded);
    let mut parts: Vec<&str> = Vec::new();
    for seg in text.split('/').skip(1) {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    let trailing = text.ends_with('/') || text.ends_with("/.") || text.ends_with("/..");
    let mut out = String::from("/");
    out.push_str(&parts.join("/"));
    if trailing && !parts.is_empty() {
        out.push('/');
    }
    Some(out)
}

/// A compiled PCRE, or why it could not be.
#[derive(Debug)]
pub enum Pattern {
    /// Compiled.
    Ok(pcre2::bytes::Regex),
    /// PCRE2 refused it (nginx would refuse the configuration too).
    Invalid(String),
}

/// Compiles `re` as nginx does (`caseless` for `~*` and `server_name`).
pub fn compile(re: &str, caseless: bool) -> Pattern {
    match pcre2::bytes::RegexBuilder::new()
        .caseless(caseless)
        .jit_if_available(true)
        .build(re)
    {
        Ok(r) => Pattern::Ok(r),
        Err(e) => Pattern::Invalid(e.to_string()),
    }
}

/// The kind of a `location`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocKind {
    /// `location = /x`
    Exact,
    /// `location /x`
    Prefix,
    /// `location ^~ /x`
    NoRegex,
    /// `location ~ re`
    Regex,
    /// `location ~* re`
    RegexCaseless,
    /// `location @name`
    Named,
}

/// A location as matching sees it.
#[derive(Debug)]
pub struct Loc {
    /// Its scope.
    pub scope: ScopeId,
    /// Its kind.
    pub kind: LocKind,
    /// The URI, regex or name (`@name`).
    pub name: String,
    /// A `*_pass` in it and the name ends in `/`: nginx redirects the name without the slash.
    pub auto_redirect: bool,
    /// A regex location's pattern, compiled the first time a search tries it: a search visits
    /// few of a tree's regexes, and compiling them all made every matcher cost a tree's worth.
    pattern: std::sync::OnceLock<Pattern>,
}

impl Loc {
    /// The compiled regex of a `~`/`~*` location (`None` for the other kinds).
    fn pattern(&self) -> Option<&Pattern> {
        let caseless = match self.kind {
            LocKind::Regex => false,
            LocKind::RegexCaseless => true,
            _ => return None,
        };
        Some(self.pattern.get_or_init(|| compile(&self.name, caseless)))
    }
}

/// One `listen` of a server.
#[derive(Clone, Debug)]
pub struct ListenAt<'p> {
    /// The directive (`None`: no `listen`, nginx's `*:80`).
    pub at: Option<At<'p>>,
    /// `None` for the wildcard address.
    pub addr: Option<IpAddr>,
    /// The port (0 for a unix socket).
    pub port: u16,
    /// `default_server`.
    pub default: bool,
}

/// A `server` block of http.
#[derive(Debug)]
pub struct Server<'p> {
    /// Its scope.
    pub scope: ScopeId,
    /// Its tree.
    pub tree: usize,
    /// Its listens.
    pub listens: Vec<ListenAt<'p>>,
    /// Its names, lowercased, as written (`""` when there is no `server_name`).
    pub names: Vec<(String, Option<At<'p>>)>,
    regexes: Vec<(Pattern, At<'p>)>,
}

impl Server<'_> {
    /// The first name (what nginx logs as `server:`).
    pub fn first_name(&self) -> &str {
        self.names.first().map(|(n, _)| n.as_str()).unwrap_or("")
    }
}

/// Why a server was chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerWhy {
    /// An exact `server_name`.
    Exact(String),
    /// A leading wildcard.
    LeadingWildcard(String),
    /// A trailing wildcard.
    TrailingWildcard(String),
    /// A regex `server_name`.
    Regex(String),
    /// No name matched: the socket's `default_server`.
    DefaultServer,
    /// No name matched: the socket's first server.
    FirstServer,
}

impl std::fmt::Display for ServerWhy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServerWhy::Exact(n) if n.is_empty() => write!(f, "the empty server name (no Host)"),
            ServerWhy::Exact(n) => write!(f, "exact server_name `{n}`"),
            ServerWhy::LeadingWildcard(n) => write!(f, "leading wildcard server_name `{n}`"),
            ServerWhy::TrailingWildcard(n) => write!(f, "trailing wildcard server_name `{n}`"),
            ServerWhy::Regex(n) => write!(f, "regex server_name `{n}`"),
            ServerWhy::DefaultServer => write!(f, "no server_name matches: the default_server"),
            ServerWhy::FirstServer => write!(
                f,
                "no server_name matches: the first server of the address (the default)"
            ),
        }
    }
}

/// How a location was reached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LocWhy {
    /// `=` equal to the URI.
    Exact,
    /// The longest prefix.
    Prefix,
    /// The longest prefix, `^~`: no regexes.
    NoRegex,
    /// A regex, the first that matches in file order.
    Regex,
    /// A named location reached by an internal redirect.
    Named,
}

/// A location search's result.
#[derive(Clone, Debug, Default)]
pub struct Found {
    /// The locations from outer to inner, with how each was reached.
    pub path: Vec<(ScopeId, LocWhy)>,
    /// A `*_pass` location named URI + `/`: nginx answers 301 to it.
    pub redirect: Option<ScopeId>,
    /// Regexes that could not be evaluated (PCRE2 refused them); the search went on without them.
    pub unknown: Vec<(ScopeId, String)>,
}

impl Found {
    /// The innermost location.
    pub fn location(&self) -> Option<ScopeId> {
        self.path.last().map(|(s, _)| *s)
    }
}

/// The matching structures of a model.
pub struct Matcher<'m, 'p> {
    /// The model.
    pub model: &'m Model<'p>,
    /// Every http `server` block.
    pub servers: Vec<Server<'p>>,
    /// Children locations by parent scope (server or location), in file order.
    locs: HashMap<ScopeId, Vec<Loc>>,
}

/// The modifier and the pattern (or name) of a `location` directive, as nginx reads them.
pub fn loc_kind_and_name(at: &At<'_>) -> Option<(LocKind, String)> {
    // Every rule about locations asks this of each location: one copy, of the pattern only.
    let a0 = at.arg(0)?;
    if let Some(a1) = at.arg(1) {
        let kind = match a0.as_ref() {
            "=" => LocKind::Exact,
            "~" => LocKind::Regex,
            "~*" => LocKind::RegexCaseless,
            "^~" => LocKind::NoRegex,
            _ => return None,
        };
        return Some((kind, a1.into_owned()));
    }
    // nginx also reads the modifier glued to the URI (`location =/`, `location ~\.php$`).
    let (kind, rest) = if let Some(r) = a0.strip_prefix('=') {
        (LocKind::Exact, r)
    } else if let Some(r) = a0.strip_prefix("~*") {
        (LocKind::RegexCaseless, r)
    } else if let Some(r) = a0.strip_prefix('~') {
        (LocKind::Regex, r)
    } else if let Some(r) = a0.strip_prefix("^~") {
        (LocKind::NoRegex, r)
    } else if a0.starts_with('@') {
        return Some((LocKind::Named, a0.into_owned()));
    } else {
        return Some((LocKind::Prefix, a0.into_owned()));
    };
    Some((kind, rest.to_string()))
}

/// The directives that make a location's content handler a pass to an upstream.
pub const PASSES: [&str; 6] = [
    "proxy_pass",
    "fastcgi_pass",
    "uwsgi_pass",
    "scgi_pass",
    "grpc_pass",
    "memcached_pass",
];

/// A `listen` directive as server selection reads it: address, port, `default_server`.
pub fn parse_listen<'p>(at: At<'p>) -> ListenAt<'p> {
    let default = at
        .dir
        .args
        .iter()
        .skip(1)
        .any(|w| w.is(at.src, "default_server") || w.is(at.src, "default"));
    // `listen 80;` and `listen 10.0.0.1:80;` (most of them), read from the bytes.
    if let Some(first) = at.dir.args.first().filter(|w| !w.escaped) {
        let raw = std::str::from_utf8(first.raw(at.src)).unwrap_or_default();
        let quick = if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
            raw.parse::<u16>().ok().map(|port| (None, port))
        } else {
            raw.parse::<std::net::SocketAddrV4>().ok().map(|a| {
                let ip = (!a.ip().is_unspecified()).then_some(IpAddr::V4(*a.ip()));
                (ip, a.port())
            })
        };
        if let Some((addr, port)) = quick {
            return ListenAt {
                at: Some(at),
                addr,
                port,
                default,
            };
        }
    }
    let a0 = at.arg(0).map(|a| a.into_owned()).unwrap_or_default();
    if a0.starts_with("unix:") {
        return ListenAt {
            at: Some(at),
            addr: None,
            port: 0,
            default,
        };
    }
    let (host, port) = crate::model::split_host_port(&a0);
    let (addr, port) = match port {
        Some(p) => (host, p),
        // `listen 8080` is a port; `listen 127.0.0.1` is port 80.
        None => match a0.parse::<u16>() {
            Ok(p) => ("*", p),
            Err(_) => (host, 80),
        },
    };
    let addr = match addr {
        "*" | "" => None,
        a => a
            .parse::<IpAddr>()
            .ok()
            .filter(|ip| !ip.is_unspecified())
            .map(|ip| ip.to_canonical()),
    };
    ListenAt {
        at: Some(at),
        addr,
        port,
        default,
    }
}

impl<'m, 'p> Matcher<'m, 'p> {
    /// Reads the servers and locations of every tree.
    pub fn new(model: &'m Model<'p>) -> Matcher<'m, 'p> {
        let mut servers = Vec::new();
        let mut locs: HashMap<ScopeId, Vec<Loc>> = HashMap::new();
        for id in model.ids() {
            let s = model.scope(id);
            match s.kind {
                Context::HttpServer => {
                    let mut listens: Vec<ListenAt<'p>> =
                        model.here(id, "listen").map(|d| parse_listen(*d)).collect();
                    if listens.is_empty() {
                        listens.push(ListenAt {
                            at: None,
                            addr: None,
                            port: 80,
                            default: false,
                        });
                    }
                    let mut names = Vec::new();
                    let mut regexes = Vec::new();
                    for d in model.here(id, "server_name") {
                        for a in d.args() {
                            if let Some(re) = a.strip_prefix('~') {
                                regexes.push((compile(re, true), *d));
                            }
                            names.push((a.to_ascii_lowercase(), Some(*d)));
                        }
                    }
                    if names.is_empty() {
                        names.push((String::new(), None));
                    }
                    servers.push(Server {
                        scope: id,
                        tree: s.tree,
                        listens,
                        names,
                        regexes,
                    });
                }
                Context::HttpLocation => {
                    let (Some(parent), Some(at)) = (s.parent, s.block) else {
                        continue;
                    };
                    let Some((kind, name)) = loc_kind_and_name(&at) else {
                        continue;
                    };
                    let auto_redirect = name.ends_with('/')
                        && matches!(kind, LocKind::Prefix | LocKind::NoRegex | LocKind::Exact)
                        && PASSES.iter().any(|p| model.here(id, p).next().is_some());
                    locs.entry(parent).or_default().push(Loc {
                        scope: id,
                        kind,
                        name,
                        auto_redirect,
                        pattern: std::sync::OnceLock::new(),
                    });
                }
                _ => {}
            }
        }
        Matcher {
            model,
            servers,
            locs,
        }
    }

    /// The server with this scope.
    pub fn server(&self, scope: ScopeId) -> Option<&Server<'p>> {
        self.servers.iter().find(|s| s.scope == scope)
    }

    /// The location entry of a location scope.
    pub fn loc(&self, scope: ScopeId) -> Option<&Loc> {
        let parent = self.model.scope(scope).parent?;
        self.locs.get(&parent)?.iter().find(|l| l.scope == scope)
    }

    /// The servers that accept connections on `port` at `addr` (`None`: any address), in file
    /// order, with the index of the listen that takes them. nginx prefers a socket bound to the
    /// connection's own address over the wildcard on the same port.
    pub fn candidates(
        &self,
        tree: Option<usize>,
        addr: Option<IpAddr>,
        port: u16,
    ) -> Vec<(usize, usize)> {
        let on_port = |want: &dyn Fn(&ListenAt<'p>) -> bool| -> Vec<(usize, usize)> {
            self.servers
                .iter()
                .enumerate()
                .filter(|(_, s)| tree.is_none_or(|t| s.tree == t))
                .filter_map(|(i, s)| {
                    s.listens
                        .iter()
                        .position(|l| l.port == port && want(l))
                        .map(|li| (i, li))
                })
                .collect()
        };
        if let Some(a) = addr.map(|a| a.to_canonical()) {
            let exact = on_port(&|l| l.addr == Some(a));
            if !exact.is_empty() {
                return exact;
            }
            return on_port(&|l| l.addr.is_none());
        }
        let wild = on_port(&|l| l.addr.is_none());
        if !wild.is_empty() {
            return wild;
        }
        on_port(&|_| true)
    }

    /// nginx's choice of server among `candidates` for the Host `name` (already lowercased).
    pub fn choose(
        &self,
        candidates: &[(usize, usize)],
        name: &str,
    ) -> Option<(usize, usize, ServerWhy)> {
        // Exact names: the first server that declares the name wins (nginx warns on the others).
        for &(i, li) in candidates {
            if self.servers[i]
                .names
                .iter()
                .any(|(n, _)| n == name || n.strip_prefix('.') == Some(name))
            {
                return Some((i, li, ServerWhy::Exact(name.to_string())));
            }
        }
        if !name.is_empty() {
            let mut best: Option<(usize, usize, usize, String)> = None;
            for &(i, li) in candidates {
                for (n, _) in &self.servers[i].names {
                    let suffix = if let Some(s) = n.strip_prefix("*.") {
                        Some((s, true))
                    } else {
                        n.strip_prefix('.').map(|s| (s, false))
                    };
                    if let Some((s, _)) = suffix {
                        if name.len() > s.len()
                            && name.ends_with(s)
                            && name.as_bytes()[name.len() - s.len() - 1] == b'.'
                            && best.as_ref().is_none_or(|b| s.len() > b.2)
                        {
                            best = Some((i, li, s.len(), n.clone()));
                        }
                    }
                }
            }
            if let Some((i, li, _, n)) = best {
                return Some((i, li, ServerWhy::LeadingWildcard(n)));
            }
            for &(i, li) in candidates {
                for (n, _) in &self.servers[i].names {
                    if let Some(p) = n.strip_suffix(".*") {
                        if name.len() > p.len()
                            && name.starts_with(p)
                            && name.as_bytes()[p.len()] == b'.'
                            && best.as_ref().is_none_or(|b| p.len() > b.2)
                        {
                            best = Some((i, li, p.len(), n.clone()));
                        }
                    }
                }
            }
            if let Some((i, li, _, n)) = best {
                return Some((i, li, ServerWhy::TrailingWildcard(n)));
            }
            // Regexes in the order nginx collected them: by server, then as written.
            for &(i, li) in candidates {
                for (p, at) in &self.servers[i].regexes {
                    if let Pattern::Ok(re) = p {
                        if re.is_match(name.as_bytes()).unwrap_or(false) {
                            let written = at
                                .args()
                                .into_iter()
                                .find(|a| a.starts_with('~'))
                                .map(|a| a.into_owned())
                                .unwrap_or_default();
                            return Some((i, li, ServerWhy::Regex(written)));
                        }
                    }
                }
            }
        }
        let default = candidates
            .iter()
            .find(|&&(i, li)| self.servers[i].listens[li].default)
            .map(|&(i, li)| (i, li, ServerWhy::DefaultServer));
        default.or_else(|| {
            candidates
                .first()
                .map(|&(i, li)| (i, li, ServerWhy::FirstServer))
        })
    }

    /// The locations of one level (a server's or a location's children).
    pub fn level(&self, parent: ScopeId) -> &[Loc] {
        self.locs.get(&parent).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The named location `@name` of a server.
    pub fn named(&self, server: ScopeId, name: &str) -> Option<ScopeId> {
        self.level(server)
            .iter()
            .find(|l| l.kind == LocKind::Named && l.name == name)
            .map(|l| l.scope)
    }

    /// nginx's location search for a normalized URI in a server.
    pub fn find_location(&self, server: ScopeId, uri: &str) -> Found {
        let mut found = Found::default();
        self.find_level(server, uri, &mut found);
        found
    }

    /// One level of `ngx_http_core_find_location`; returns nginx's rc (Ok/Done/Again/Declined).
    fn find_level(&self, parent: ScopeId, uri: &str, found: &mut Found) -> Rc {
        let level = self.level(parent);
        let mut rc = Rc::Declined;
        let mut noregex = false;
        // The static part: `=` equal to the URI; else a prefix equal to it; else an
        // auto-redirecting `*_pass` location named URI + "/"; else the longest prefix.
        let exact = level
            .iter()
            .find(|l| l.kind == LocKind::Exact && l.name == uri);
        let statics = || {
            level
                .iter()
                .filter(|l| matches!(l.kind, LocKind::Prefix | LocKind::NoRegex))
        };
        if let Some(l) = exact {
            found.path.push((l.scope, LocWhy::Exact));
            return Rc::Ok;
        }
        let longest = statics()
            .filter(|l| uri.as_bytes().starts_with(l.name.as_bytes()))
            .max_by_key(|l| l.name.len());
        let redirect = level.iter().find(|l| {
            l.auto_redirect
                && matches!(l.kind, LocKind::Prefix | LocKind::NoRegex | LocKind::Exact)
                && l.name.len() == uri.len() + 1
                && l.name.starts_with(uri)
        });
        match (longest, redirect) {
            (Some(l), _) if l.name == uri => {}
            (_, Some(r)) => {
                found.redirect = Some(r.scope);
                return Rc::Done;
            }
            _ => {}
        }
        if let Some(l) = longest {
            let why = if l.kind == LocKind::NoRegex {
                LocWhy::NoRegex
            } else {
                LocWhy::Prefix
            };
            found.path.push((l.scope, why));
            noregex = l.kind == LocKind::NoRegex;
            rc = self.find_level(l.scope, uri, found);
            if matches!(rc, Rc::Ok | Rc::Done) {
                return rc;
            }
            rc = Rc::Again;
        }
        if !noregex {
            for l in level
                .iter()
                .filter(|l| matches!(l.kind, LocKind::Regex | LocKind::RegexCaseless))
            {
                match l.pattern() {
                    Some(Pattern::Ok(re)) if re.is_match(uri.as_bytes()).unwrap_or(false) => {
                        // A regex match replaces the prefix chosen at this level and below.
                        truncate_to(found, parent, self.model);
                        found.path.push((l.scope, LocWhy::Regex));
                        self.find_level(l.scope, uri, found);
                        return Rc::Ok;
                    }
                    Some(Pattern::Invalid(e)) => found.unknown.push((l.scope, e.clone())),
                    _ => {}
                }
            }
        }
        rc
    }
}

/// Drops the locations found below `parent` (a regex of `parent`'s level replaces them).
fn truncate_to(found: &mut Found, parent: ScopeId, model: &Model<'_>) {
    while let Some(&(s, _)) = found.path.last() {
        if model.scope(s).parent == Some(parent) || is_below(model, s, parent) {
            found.path.pop();
        } else {
            break;
        }
    }
}

fn is_below(model: &Model<'_>, mut s: ScopeId, ancestor: ScopeId) -> bool {
    while let Some(p) = model.scope(s).parent {
        if p == ancestor {
            return true;
        }
        s = p;
    }
    false
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rc {
    Ok,
    Done,
    Again,
    Declined,
}

// ---------------------------------------------------------------------------------------------
// The rewrite phases and the whole trace

/// One step of a trace.
#[derive(Clone, Debug)]
pub enum Step<'p> {
    /// The server chosen.
    Server {
        /// Its scope.
        scope: ScopeId,
        /// The listen that took the connection.
        listen: Option<At<'p>>,
        /// Why.
        why: ServerWhy,
    },
    /// A location chosen for the URI.
    Location {
        /// Its scope.
        scope: ScopeId,
        /// How.
        why: LocWhy,
        /// The URI searched.
        uri: String,
    },
    /// No location matches the URI (the server's own configuration serves it).
    NoLocation {
        /// The URI searched.
        uri: String,
    },
    /// A `*_pass` location named URI + `/`: 301 to it.
    AutoRedirect {
        /// The location.
        scope: ScopeId,
    },
    /// A `rewrite` whose regex matched.
    Rewrite {
        /// The directive.
        at: At<'p>,
        /// The new URI (or redirect target).
        to: String,
        /// `last`, `break`, `redirect`, `permanent` or `""`.
        flag: String,
    },
    /// A `rewrite` whose regex did not match.
    RewriteSkipped {
        /// The directive.
        at: At<'p>,
    },
    /// `return`: the response ends here.
    Return {
        /// The directive.
        at: At<'p>,
        /// Status.
        code: u16,
        /// Text or URL.
        text: String,
    },
    /// An `if` and its outcome (`None`: cannot be known without the filesystem or a variable).
    If {
        /// The `if` block.
        at: At<'p>,
        /// Its scope.
        scope: ScopeId,
        /// The outcome.
        taken: Option<bool>,
        /// Why unknown.
        note: Option<String>,
    },
    /// `break`: the rest of the rewrite directives are skipped.
    Break {
        /// The directive.
        at: At<'p>,
    },
    /// `try_files`: which files exist is not known; the last parameter is the fallback.
    TryFiles {
        /// The directive.
        at: At<'p>,
        /// The fallback (`=404`, `@name`, or a URI).
        fallback: String,
        /// The named location the fallback reaches.
        named: Option<ScopeId>,
    },
    /// `error_page` to a named location.
    ErrorPage {
        /// The directive.
        at: At<'p>,
        /// The statuses.
        codes: Vec<String>,
        /// The named location.
        named: ScopeId,
    },
    /// Something this trace cannot follow.
    Unknown {
        /// The directive.
        at: At<'p>,
        /// Why.
        note: String,
    },
}

/// Where a request ends up, and how.
#[derive(Debug, Default)]
pub struct Trace<'p> {
    /// Every step, in order.
    pub steps: Vec<Step<'p>>,
    /// The server.
    pub server: Option<ScopeId>,
    /// The final location (the innermost; an `if` inside it when one was taken).
    pub location: Option<ScopeId>,
    /// The scope whose configuration serves the request (location, or its taken `if`).
    pub config: Option<ScopeId>,
    /// The response decided by `return`/redirect, when one was.
    pub response: Option<(u16, String)>,
    /// The URI after rewrites.
    pub uri: String,
}

/// `$1`… and named captures of a regex that matched (named ones stay set, as nginx's do).
fn set_captures(vars: &mut Vars<'_>, re: &pcre2::bytes::Regex, caps: &pcre2::bytes::Captures<'_>) {
    vars.captures = (0..caps.len())
        .map(|i| {
            caps.get(i)
                .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
        })
        .collect();
    for (i, n) in re.capture_names().iter().enumerate() {
        if let (Some(n), Some(m)) = (n, caps.get(i)) {
            vars.named_captures.insert(
                n.clone(),
                String::from_utf8_lossy(m.as_bytes()).into_owned(),
            );
        }
    }
}

/// At most this many URI changes (nginx: "rewrite or internal redirection cycle").
const MAX_CYCLES: usize = 10;

/// The variables a trace knows.
struct Vars<'a> {
    req: &'a Request,
    uri: String,
    args: Option<String>,
    set: HashMap<String, Option<String>>,
    captures: Vec<Option<String>>,
    named_captures: HashMap<String, String>,
    server_name: String,
}

impl Vars<'_> {
    fn get(&self, name: &str) -> Option<String> {
        if let Ok(n) = name.parse::<usize>() {
            return self
                .captures
                .get(n)
                .cloned()
                .flatten()
                .or(Some(String::new()));
        }
        if let Some(v) = self.named_captures.get(name) {
            return Some(v.clone());
        }
        if let Some(v) = self.set.get(name) {
            return v.clone();
        }
        let r = self.req;
        Some(match name {
            "uri" | "document_uri" => self.uri.clone(),
            "args" | "query_string" => self.args.clone().unwrap_or_default(),
            "is_args" => if self.args.is_some() { "?" } else { "" }.to_string(),
            "request_uri" => match &r.args {
                Some(a) => format!("{}?{a}", r.path),
                None => r.path.clone(),
            },
            "request_method" => r.method.clone(),
            "scheme" => r.scheme.clone(),
            "https" => if r.scheme == "https" { "on" } else { "" }.to_string(),
            "host" => {
                let h = r.server_name();
                if h.is_empty() {
                    self.server_name.clone()
                } else {
                    h
                }
            }
            "server_name" => self.server_name.clone(),
            "server_port" => r.port.to_string(),
            "remote_addr" | "binary_remote_addr" => r.client?.to_string(),
            _ => {
                if let Some(h) = name.strip_prefix("http_") {
                    return Some(r.header(&h.replace('_', "-")).unwrap_or("").to_string());
                }
                if let Some(a) = name.strip_prefix("arg_") {
                    let args = self.args.as_deref().unwrap_or("");
                    return Some(
                        args.split('&')
                            .find_map(|kv| {
                                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                                k.eq_ignore_ascii_case(a).then(|| v.to_string())
                            })
                            .unwrap_or_default(),
                    );
                }
                return None;
            }
        })
    }

    /// A value with its variables replaced; `Err(name)` for the first unknown one.
    fn expand(&self, s: &str) -> Result<String, String> {
        let b = s.as_bytes();
        let mut out = String::new();
        let mut i = 0;
        while i < b.len() {
            // `i` only ever stands on a `$` or after an ASCII byte: every cut below is on a
            // character boundary, and `get` keeps it so.
            let from = |a: usize| s.get(a..).unwrap_or_default();
            let part = |a: usize, z: usize| s.get(a..z).unwrap_or_default();
            if b[i] != b'$' {
                let next = from(i).find('$').map_or(b.len(), |j| i + j);
                out.push_str(part(i, next));
                i = next;
                continue;
            }
            let (name, end) = if b.get(i + 1) == Some(&b'{') {
                match from(i + 2).split_once('}') {
                    Some((n, _)) => (n, i + 3 + n.len()),
                    None => return Err(from(i).to_string()),
                }
            } else if b.get(i + 1).is_some_and(|c| c.is_ascii_digit()) {
                (part(i + 1, i + 2), i + 2)
            } else {
                let mut j = i + 1;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                (part(i + 1, j), j)
            };
            if name.is_empty() {
                out.push('$');
                i += 1;
                continue;
            }
            match self.get(name) {
                Some(v) => out.push_str(&v),
                None => return Err(format!("${name}")),
            }
            i = end;
        }
        Ok(out)
    }
}

enum Flow {
    /// Go on with the next phase.
    Continue,
    /// `rewrite … last`, or a changed URI: search the locations again.
    Research,
    /// `break` (or `rewrite … break`): no more rewrite directives, no new search.
    Halt,
    /// The response is decided.
    Stop,
}

impl<'m, 'p> Matcher<'m, 'p> {
    /// Traces a request through the trees: server, rewrites, location, `if`s, the final scope.
    pub fn trace(&self, tree: Option<usize>, req: &Request) -> Trace<'p> {
        let t = Trace::default();
        let candidates = self.candidates(tree, req.local_addr, req.port);
        let name = req.server_name();
        let Some((si, li, why)) = self.choose(&candidates, &name) else {
            return t;
        };
        self.trace_in(si, li, why, req)
    }

    /// Traces a request in a given server (index into [`Matcher::servers`]) reached through
    /// its listen `li`: what triage does with a log line's `server:` field.
    pub fn trace_in(&self, si: usize, li: usize, why: ServerWhy, req: &Request) -> Trace<'p> {
        let mut t = Trace::default();
        let Some(server) = self.servers.get(si) else {
            return t;
        };
        let li = li.min(server.listens.len().saturating_sub(1));
        t.server = Some(server.scope);
        t.steps.push(Step::Server {
            scope: server.scope,
            listen: server.listens.get(li).and_then(|l| l.at),
            why,
        });
        let Some(uri) = normalize_uri(&req.path) else {
            t.response = Some((400, "the URI climbs above the root".into()));
            return t;
        };
        let mut vars = Vars {
            req,
            uri: uri.clone(),
            args: req.args.clone(),
            set: HashMap::new(),
            captures: Vec::new(),
            named_captures: HashMap::new(),
            server_name: server.first_name().to_string(),
        };
        // The server's rewrite phase runs once, before the first location search.
        if let Flow::Stop = self.rewrite_phase(server.scope, &mut vars, &mut t) {
            t.uri = vars.uri;
            t.config = Some(server.scope);
            return t;
        }
        for _ in 0..MAX_CYCLES {
            let found = self.find_location(server.scope, &vars.uri);
            for (scope, e) in &found.unknown {
                if let Some(at) = self.model.scope(*scope).block {
                    t.steps.push(Step::Unknown {
                        at,
                        note: format!("PCRE2 cannot compile this regex: {e}"),
                    });
                }
            }
            if let Some(r) = found.redirect {
                t.steps.push(Step::AutoRedirect { scope: r });
                t.location = Some(r);
                t.config = Some(r);
                t.response = Some((301, format!("{}/", vars.uri)));
                t.uri = vars.uri;
                return t;
            }
            for (scope, why) in &found.path {
                // A regex location's captures are variables for what follows ($1, named ones).
                if *why == LocWhy::Regex {
                    if let Some(Pattern::Ok(re)) = self.loc(*scope).and_then(|l| l.pattern()) {
                        let uri = vars.uri.clone();
                        if let Ok(Some(caps)) = re.captures(uri.as_bytes()) {
                            set_captures(&mut vars, re, &caps);
                        }
                    }
                }
                t.steps.push(Step::Location {
                    scope: *scope,
                    why: why.clone(),
                    uri: vars.uri.clone(),
                });
            }
            let Some(loc) = found.location() else {
                t.steps.push(Step::NoLocation {
                    uri: vars.uri.clone(),
                });
                t.location = None;
                t.config = Some(server.scope);
                t.uri = vars.uri;
                return t;
            };
            t.location = Some(loc);
            t.config = Some(loc);
            let before = vars.uri.clone();
            match self.rewrite_phase(loc, &mut vars, &mut t) {
                Flow::Stop => {
                    t.uri = vars.uri;
                    return t;
                }
                Flow::Research => continue,
                Flow::Continue if vars.uri != before => continue,
                Flow::Continue | Flow::Halt => {}
            }
            self.content_steps(server.scope, t.config.unwrap_or(loc), &mut t);
            t.uri = vars.uri;
            return t;
        }
        t.response = Some((500, "rewrite or internal redirection cycle".into()));
        t.uri = vars.uri;
        t
    }

    /// `try_files` and `error_page` fallbacks to named locations, reported, not followed.
    fn content_steps(&self, server: ScopeId, scope: ScopeId, t: &mut Trace<'p>) {
        let loc = self.model.location_of(scope).unwrap_or(scope);
        if let Some(at) = self.model.here(loc, "try_files").last() {
            let fallback = at.args().last().map(|a| a.to_string()).unwrap_or_default();
            let named = if fallback.starts_with('@') {
                self.named(server, &fallback)
            } else {
                None
            };
            t.steps.push(Step::TryFiles {
                at: *at,
                fallback,
                named,
            });
        }
        if let Some((_, pages)) = self.model.effective_list(scope, "error_page") {
            for at in pages {
                let args = at.args();
                let Some(target) = args.last() else { continue };
                if !target.starts_with('@') {
                    continue;
                }
                if let Some(named) = self.named(server, target) {
                    let codes = args[..args.len() - 1]
                        .iter()
                        .filter(|a| !a.starts_with('='))
                        .map(|a| a.to_string())
                        .collect();
                    t.steps.push(Step::ErrorPage { at, codes, named });
                }
            }
        }
    }

    /// Runs the rewrite module's directives of one scope in order (entering `if`s whose
    /// condition holds).
    fn rewrite_phase(&self, scope: ScopeId, vars: &mut Vars<'_>, t: &mut Trace<'p>) -> Flow {
        let s = self.model.scope(scope);
        for d in &s.directives {
            let name = d.name();
            match name.as_ref() {
                "set" => {
                    let (Some(var), Some(val)) = (d.arg(0), d.arg(1)) else {
                        continue;
                    };
                    let v = vars.expand(&val).ok();
                    vars.set.insert(var.trim_start_matches('$').to_string(), v);
                }
                "break" => {
                    t.steps.push(Step::Break { at: *d });
                    return Flow::Halt;
                }
                "return" => {
                    let args = d.args();
                    let (code, text) = match args.first().map(|a| a.parse::<u16>()) {
                        Some(Ok(c)) => (c, args.get(1).map(|a| a.to_string()).unwrap_or_default()),
                        _ => (302, args.first().map(|a| a.to_string()).unwrap_or_default()),
                    };
                    let text = vars.expand(&text).unwrap_or(text);
                    t.steps.push(Step::Return {
                        at: *d,
                        code,
                        text: text.clone(),
                    });
                    t.response = Some((code, text));
                    return Flow::Stop;
                }
                "rewrite" => match self.rewrite(d, vars, t) {
                    Some(Flow::Continue) | None => {}
                    Some(f) => return f,
                },
                "if" => {
                    let Some(child) = self.model.body(scope, d) else {
                        continue;
                    };
                    let (taken, note) = match self.condition(d, vars) {
                        Ok(b) => (Some(b), None),
                        Err(e) => (None, Some(e)),
                    };
                    t.steps.push(Step::If {
                        at: *d,
                        scope: child,
                        taken,
                        note,
                    });
                    if taken == Some(true) {
                        if self.model.scope(child).kind == Context::HttpLocationIf {
                            t.config = Some(child);
                        }
                        match self.rewrite_phase(child, vars, t) {
                            Flow::Continue => {}
                            f => return f,
                        }
                    }
                }
                _ => {}
            }
        }
        Flow::Continue
    }

    /// One `rewrite`: `None` when it did not match.
    fn rewrite(&self, d: &At<'p>, vars: &mut Vars<'_>, t: &mut Trace<'p>) -> Option<Flow> {
        let re = d.arg(0)?;
        let repl = d.arg(1)?.into_owned();
        let flag = d.arg(2).map(|f| f.into_owned()).unwrap_or_default();
        let Pattern::Ok(rx) = compile(&re, false) else {
            t.steps.push(Step::Unknown {
                at: *d,
                note: "PCRE2 cannot compile this regex".into(),
            });
            return None;
        };
        let subject = vars.uri.clone();
        let caps = match rx.captures(subject.as_bytes()) {
            Ok(Some(c)) => c,
            Ok(None) => {
                t.steps.push(Step::RewriteSkipped { at: *d });
                return None;
            }
            Err(e) => {
                t.steps.push(Step::Unknown {
                    at: *d,
                    note: format!("PCRE2 failed on this URI: {e}"),
                });
                return None;
            }
        };
        set_captures(vars, &rx, &caps);
        let to = match vars.expand(&repl) {
            Ok(v) => v,
            Err(name) => {
                t.steps.push(Step::Unknown {
                    at: *d,
                    note: format!("the replacement uses {name}, whose value is not known here"),
                });
                return Some(Flow::Stop);
            }
        };
        let external = ["http://", "https://"]
            .iter()
            .any(|p| strip_prefix_ci(&to, p).is_some())
            || repl.starts_with("$scheme");
        t.steps.push(Step::Rewrite {
            at: *d,
            to: to.clone(),
            flag: flag.clone(),
        });
        if external || flag == "redirect" || flag == "permanent" {
            let code = if flag == "permanent" { 301 } else { 302 };
            t.response = Some((code, to));
            return Some(Flow::Stop);
        }
        // A `?` in the replacement sets the arguments (a final `?` drops the old ones).
        match to.split_once('?') {
            Some((path, a)) => {
                vars.uri = path.to_string();
                let old = vars.req.args.clone().filter(|_| !to.ends_with('?'));
                vars.args = match (a.is_empty(), old) {
                    (true, _) => None,
                    (false, Some(o)) => Some(format!("{a}&{o}")),
                    (false, None) => Some(a.to_string()),
                };
            }
            None => vars.uri = to,
        }
        match flag.as_str() {
            "last" => Some(Flow::Research),
            // The URI changed but there is no new search: the location stays.
            "break" => Some(Flow::Halt),
            _ => Some(Flow::Continue),
        }
    }

    /// An `if` condition: `Err` with the reason when it cannot be decided here.
    fn condition(&self, d: &At<'p>, vars: &Vars<'_>) -> Result<bool, String> {
        let args = d.args();
        let args: Vec<&str> = args.iter().map(|a| a.as_ref()).collect();
        let strip =
            |s: &str| -> String { s.trim_start_matches('(').trim_end_matches(')').to_string() };
        let parts: Vec<String> = args
            .iter()
            .map(|a| strip(a))
            .filter(|a| !a.is_empty())
            .collect();
        let value = |s: &str| -> Result<String, String> {
            vars.expand(s)
                .map_err(|v| format!("the value of {v} is not known here"))
        };
        match parts.as_slice() {
            [op, _]
                if ["-f", "!-f", "-d", "!-d", "-e", "!-e", "-x", "!-x"].contains(&op.as_str()) =>
            {
                Err("depends on the filesystem".into())
            }
            [v] => {
                let v = value(v)?;
                Ok(!(v.is_empty() || v == "0"))
            }
            [l, op, r] => {
                let l = value(l)?;
                match op.as_str() {
                    "=" => Ok(l == value(r)?),
                    "!=" => Ok(l != value(r)?),
                    "~" | "~*" | "!~" | "!~*" => {
                        let caseless = op.ends_with('*');
                        match compile(r, caseless) {
                            Pattern::Ok(re) => {
                                let m = re.is_match(l.as_bytes()).unwrap_or(false);
                                Ok(if op.starts_with('!') { !m } else { m })
                            }
                            Pattern::Invalid(e) => Err(format!("PCRE2 cannot compile it: {e}")),
                        }
                    }
                    _ => Err("an operator this trace does not know".into()),
                }
            }
            _ => Err("a condition this trace does not know".into()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Effective configuration

/// Directives that are not inherited by inner levels (or are not settings at all).
const NOT_INHERITED: &[&str] = &[
    "location",
    "if",
    "limit_except",
    "rewrite",
    "return",
    "set",
    "break",
    "try_files",
    "include",
    "server",
    "upstream",
    "listen",
    "server_name",
    "map",
    "geo",
    "types",
    "split_clients",
    "alias",
];

/// One directive in effect at a scope.
#[derive(Debug)]
pub struct Effective<'p> {
    /// The name.
    pub name: String,
    /// The directives that set it (several for list directives), innermost level.
    pub set: Vec<At<'p>>,
    /// The scope they stand in.
    pub from: ScopeId,
}

/// Every directive in effect at `scope` (a location, an `if` in one, or a server), by name, with
/// the line that set it: nginx's inheritance, list directives taken wholesale from one level.
/// The `*_pass` directives follow [`Model::pass`] (not inherited into nested locations).
pub fn effective<'p>(model: &Model<'p>, scope: ScopeId) -> Vec<Effective<'p>> {
    let mut names: Vec<String> = Vec::new();
    for id in model.chain(scope) {
        for d in &model.scope(id).directives {
            if d.dir.block.is_some() {
                continue;
            }
            let n = d.name().into_owned();
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    let mut out = Vec::new();
    for n in names {
        if NOT_INHERITED.contains(&n.as_str()) {
            // Only the scope's own.
            let own: Vec<At<'p>> = model.here(scope, &n).copied().collect();
            if !own.is_empty() {
                out.push(Effective {
                    name: n,
                    set: own,
                    from: scope,
                });
            }
            continue;
        }
        if PASSES.contains(&n.as_str()) {
            if let Some(p) = model.pass(scope).filter(|p| p.at.name() == n) {
                let from = find_scope_of(model, scope, &p.at).unwrap_or(scope);
                out.push(Effective {
                    name: n,
                    set: vec![p.at],
                    from,
                });
            }
            continue;
        }
        if LIST_DIRECTIVES.contains(&n.as_str()) {
            if let Some((from, set)) = model.effective_list(scope, &n) {
                out.push(Effective { name: n, set, from });
            }
        } else if let Some((from, at)) = model.effective(scope, &n) {
            out.push(Effective {
                name: n,
                set: vec![at],
                from,
            });
        }
    }
    out
}

/// The scope (this one or an enclosing level) a directive stands in directly.
pub fn find_scope_of(model: &Model<'_>, scope: ScopeId, at: &At<'_>) -> Option<ScopeId> {
    model.chain(scope).find(|&id| {
        model
            .scope(id)
            .directives
            .iter()
            .any(|d| std::ptr::eq(d.dir, at.dir))
    })
}

/// The pass in effect where a trace ends.
pub fn pass_of<'a, 'p>(model: &'a Model<'p>, t: &Trace<'p>) -> Option<&'a Pass<'p>> {
    model.pass(t.config?)
}

/// Text of a directive's head, for messages: `location ~ \.php$`.
pub fn head_text<'p>(at: &At<'p>) -> Cow<'p, str> {
    let span = at.head_span();
    String::from_utf8_lossy(span.slice(at.src))
}

/// A PHP-FPM pool a `fastcgi_pass` reaches from this machine.
#[derive(Debug)]
pub struct PoolReached<'p> {
    /// The FPM configuration.
    pub tree: &'p crate::fpm::FpmTree,
    /// The pool.
    pub pool: &'p fpm_ini::Pool,
    /// The address nginx connects to.
    pub hop: crate::fastcgi::Hop<'p>,
}

/// The pools a `fastcgi_pass` standing in `scope` certainly reaches (the comparison the rules
/// make: [`crate::fastcgi::reaches`] is `Yes`).
pub fn pools_reached<'p>(
    project: &'p crate::Project,
    model: &Model<'p>,
    scope: ScopeId,
    pass: &At<'p>,
) -> Vec<PoolReached<'p>> {
    let mut out = Vec::new();
    for hop in crate::fastcgi::fastcgi_hops(model, scope, pass) {
        for tree in &project.fpm {
            for pool in &tree.config.pools {
                let Some(listen) = &pool.listen_address else {
                    continue;
                };
                if crate::fastcgi::reaches(&hop.endpoint, listen) == crate::fastcgi::Reach::Yes {
                    out.push(PoolReached {
                        tree,
                        pool,
                        hop: hop.clone(),
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(conf: &str) -> (std::path::PathBuf, crate::Project, crate::Options) {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "ngxlint-matching-{}-{}",
            std::process::id(),
            N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("nginx.conf"), conf).unwrap();
        let opts = crate::Options::new(dir.clone());
        let p = crate::Project::load(std::slice::from_ref(&dir), &opts).unwrap();
        (dir, p, opts)
    }

    /// The line of the location (or server) a request ends in.
    fn trace_line(conf: &str, url: &str) -> (usize, usize, Option<(u16, String)>) {
        let (dir, p, opts) = project(conf);
        let model = Model::build(&p, &opts.directives);
        let m = Matcher::new(&model);
        let t = m.trace(None, &Request::from_url(url).unwrap());
        let line = |s: Option<ScopeId>| {
            s.and_then(|s| model.scope(s).block)
                .map(|at| p.files.get(at.file).line_col(at.name_span().start).0)
                .unwrap_or(0)
        };
        let r = (line(t.server), line(t.location), t.response.clone());
        std::fs::remove_dir_all(dir).ok();
        r
    }

    const LOCS: &str = "events {}\nhttp {\n server {\n  listen 80;\n  location = / {}\n  location / {}\n  location /images/ {}\n  location ^~ /static/ {}\n  location ~* \\.(gif|jpg)$ {}\n  location /api/ { location ~ \\.json$ {} }\n  location ~ ^/api/(?!v1) {}\n  location /app/ { proxy_pass http://127.0.0.1:1; }\n }\n}\n";

    #[test]
    fn nginx_location_order() {
        let at = |u: &str| trace_line(LOCS, &format!("http://x{u}")).1;
        assert_eq!(at("/"), 5);
        assert_eq!(at("/index.html"), 6);
        assert_eq!(at("/images/a.png"), 7);
        assert_eq!(at("/images/a.GIF"), 9);
        assert_eq!(at("/static/a.gif"), 8);
        assert_eq!(at("/api/x.json"), 10, "nested regex inside the prefix");
        assert_eq!(at("/api/v2/x"), 11, "lookahead: PCRE, not the regex crate");
        assert_eq!(at("/api/v1/x"), 10);
        assert_eq!(at("/a/../images/%61.png"), 7, "normalized and decoded");
        let (_, loc, resp) = trace_line(LOCS, "http://x/app");
        assert_eq!((loc, resp), (12, Some((301, "/app/".into()))));
    }

    const NAMES: &str = "events {}\nhttp {\n server { listen 80; server_name a.example.com; }\n server { listen 80 default_server; server_name *.example.com; }\n server { listen 80; server_name www.*; }\n server { listen 80; server_name ~^(?<n>.+)\\.org$; }\n server { listen 80; server_name .example.net; }\n server { listen 127.0.0.1:80; server_name local; }\n}\n";

    #[test]
    fn nginx_server_order() {
        let at = |u: &str| trace_line(NAMES, u).0;
        assert_eq!(at("http://a.example.com/"), 3);
        assert_eq!(at("http://A.Example.Com./"), 3);
        assert_eq!(at("http://b.example.com/"), 4);
        assert_eq!(
            at("http://www.example.org/"),
            5,
            "trailing wildcard before regex"
        );
        assert_eq!(at("http://x.org/"), 6);
        assert_eq!(at("http://example.net/"), 7);
        assert_eq!(at("http://x.y.example.net/"), 7);
        assert_eq!(at("http://other/"), 4, "default_server");
        assert_eq!(at("http://127.0.0.1/"), 8, "own address beats the wildcard");
    }

    #[test]
    fn rewrites_and_returns() {
        let conf = "events {}\nhttp {\n server {\n  listen 80;\n  rewrite ^/old/(.*)$ /new/$1 last;\n  location /new/ { if ($arg_x = 1) { return 418; } }\n  location /r { rewrite ^ /new/x; }\n  location /b { rewrite ^ /new/y break; }\n  location /p { return 301 https://$host$request_uri; }\n }\n}\n";
        assert_eq!(trace_line(conf, "http://h/old/a").1, 6);
        assert_eq!(
            trace_line(conf, "http://h/new/a?x=1").2,
            Some((418, String::new()))
        );
        assert_eq!(trace_line(conf, "http://h/new/a?x=2").2, None);
        assert_eq!(
            trace_line(conf, "http://h/r").1,
            6,
            "a changed URI is searched again"
        );
        assert_eq!(
            trace_line(conf, "http://h/b").1,
            8,
            "break keeps the location"
        );
        assert_eq!(
            trace_line(conf, "http://h/p?q").2,
            Some((301, "https://h/p?q".into()))
        );
    }

    #[test]
    fn uris_normalize_as_nginx() {
        assert_eq!(normalize_uri("/a//b/./c/../d").as_deref(), Some("/a/b/d"));
        assert_eq!(normalize_uri("/%41%2fb").as_deref(), Some("/A/b"));
        assert_eq!(normalize_uri("/a/").as_deref(), Some("/a/"));
        assert_eq!(normalize_uri("/.."), None);
    }
}
