//! Where a `fastcgi_pass` connects, and whether a PHP-FPM `listen` address is there.
//!
//! nginx and php-fpm spell the same address differently (`127.0.0.1:9000` / `9000`,
//! `[::1]:9000`, `localhost:9000`, `/var/run/x.sock` / `/run/x.sock`); this module compares them
//! the way the kernel would, and answers "maybe" whenever the answer depends on name resolution
//! (FACTS P2: php-fpm binds only the first address of a name; nginx connects to all of them).

use std::net::IpAddr;

use fpm_ini::Listen;
use nginx_syntax::directives::Context;
use nginx_syntax::Span;

use crate::model::{split_host_port, At, Model, ScopeId};

/// An address nginx connects to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// `unix:/path` (the path as written).
    Unix(String),
    /// A host (IP literal or name, IPv6 without brackets) and a port.
    Inet {
        /// Host as written.
        host: String,
        /// Port.
        port: u16,
    },
}

impl Endpoint {
    /// Parses an address as nginx's `ngx_parse_url` reads it for fastcgi_pass and upstream
    /// `server` lines: `unix:/path`, `host:port`, `[v6]:port`; `default_port` when none is
    /// written (`None`: a name without port is not an address).
    pub fn parse(text: &str, default_port: Option<u16>) -> Option<Endpoint> {
        if let Some(path) = text.strip_prefix("unix:") {
            return Some(Endpoint::Unix(path.to_string()));
        }
        let (host, port) = split_host_port(text);
        let port = port.or(default_port)?;
        if host.is_empty() {
            return None;
        }
        Some(Endpoint::Inet {
            host: host.to_string(),
            port,
        })
    }

    /// Where it is, as far as the configuration tells.
    pub fn locality(&self) -> Locality {
        match self {
            Endpoint::Unix(p) if p.starts_with('/') => Locality::Local,
            // A relative socket path depends on nginx's working directory.
            Endpoint::Unix(_) => Locality::Unknown,
            Endpoint::Inet { host, .. } => match parse_ip(host) {
                Some(ip) if ip.is_loopback() => Locality::Local,
                Some(_) => Locality::Remote,
                None if is_localhost(host) => Locality::Local,
                None => Locality::Remote,
            },
        }
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::Unix(p) => write!(f, "unix:{p}"),
            Endpoint::Inet { host, port } if host.contains(':') => write!(f, "[{host}]:{port}"),
            Endpoint::Inet { host, port } => write!(f, "{host}:{port}"),
        }
    }
}

/// Whether an endpoint is on this machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Locality {
    /// A unix socket, a loopback address or `localhost`.
    Local,
    /// Another host (or a name this linter cannot resolve).
    Remote,
    /// Cannot be known (a relative socket path).
    Unknown,
}

/// Whether an endpoint reaches a listen address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reach {
    /// Certainly not.
    No,
    /// Depends on name resolution or on the host's network setup.
    Maybe,
    /// Certainly.
    Yes,
}

fn parse_ip(host: &str) -> Option<IpAddr> {
    host.parse::<IpAddr>().ok().map(|ip| ip.to_canonical())
}

/// `localhost` (any case, with or without the root dot).
pub fn is_localhost(host: &str) -> bool {
    let h = host.strip_suffix('.').unwrap_or(host);
    h.eq_ignore_ascii_case("localhost")
}

/// A socket path made comparable: repeated slashes, `.` and `..` folded, and `/var/run`
/// taken as `/run` (a symlink to it on every systemd distribution and on Alpine).
pub fn normalize_socket_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    if parts.len() >= 2 && parts[0] == "var" && parts[1] == "run" {
        parts.remove(0);
    }
    let mut out = String::with_capacity(path.len());
    for p in parts {
        out.push('/');
        out.push_str(p);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// Whether two socket paths name the same socket ([`normalize_socket_path`] equality), without
/// allocating in the common case: one `fastcgi_pass` is compared with every pool.
pub fn same_socket_path(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let plain = |p: &str| {
        !(p.contains("//") || p.contains("/.") || p.ends_with('/') || !p.starts_with('/'))
    };
    if !(plain(a) && plain(b)) {
        return normalize_socket_path(a) == normalize_socket_path(b);
    }
    fn canon(p: &str) -> &str {
        match p.strip_prefix("/var") {
            Some(rest) if rest == "/run" || rest.starts_with("/run/") => rest,
            _ => p,
        }
    }
    canon(a) == canon(b)
}

/// Whether a local IP address reaches a TCP listen address.
fn ip_reaches(ip: IpAddr, port: u16, listen: &Listen) -> Reach {
    let port = i32::from(port);
    match listen {
        Listen::Unix { .. } => Reach::No,
        Listen::AllInterfaces { port: q } => {
            // `[::]` with IPv4-mapped addresses, or 0.0.0.0 where IPv6 is off (then ::1 is absent too).
            if *q == port {
                Reach::Yes
            } else {
                Reach::No
            }
        }
        Listen::Ip { addr, port: q } => {
            if *q != port {
                return Reach::No;
            }
            let addr = addr.to_canonical();
            match (addr, ip) {
                (IpAddr::V4(a), IpAddr::V4(_)) if a.is_unspecified() => Reach::Yes,
                (IpAddr::V6(a), IpAddr::V6(_)) if a.is_unspecified() => Reach::Yes,
                // `[::]` takes IPv4 too unless net.ipv6.bindv6only is set.
                (IpAddr::V6(a), IpAddr::V4(_)) if a.is_unspecified() => Reach::Maybe,
                (a, b) if a == b => Reach::Yes,
                _ => Reach::No,
            }
        }
        // php-fpm binds the first address the name resolves to: which one is not in the config.
        Listen::Host { port: q, .. } => {
            if *q == port {
                Reach::Maybe
            } else {
                Reach::No
            }
        }
    }
}

/// Whether nginx connecting to `endpoint` from the same machine reaches a pool listening on
/// `listen`. Remote endpoints answer `Maybe` when the port could match (see [`reaches_remote`]).
/// Whether `path` is the link Debian's and Ubuntu's php-fpm units make to the `[www]` pool's
/// socket (`php-fpm-socket-helper install /run/php/php-fpm.sock …`) and `socket` a pool socket of
/// theirs (`/run/php/phpX.Y-fpm.sock`): it may lead there, to the default version's.
fn debian_link_to(path: &str, socket: &str) -> bool {
    let versioned = |p: &str| {
        p.strip_prefix("/run/php/php")
            .and_then(|v| v.strip_suffix("-fpm.sock"))
            .is_some_and(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
    };
    normalize_socket_path(path) == "/run/php/php-fpm.sock"
        && versioned(&normalize_socket_path(socket))
}

pub fn reaches(endpoint: &Endpoint, listen: &Listen) -> Reach {
    match endpoint {
        Endpoint::Unix(path) => match listen {
            Listen::Unix { path: p } if path.starts_with('/') => {
                if same_socket_path(path, p) {
                    Reach::Yes
                } else if debian_link_to(path, p) {
                    Reach::Maybe
                } else {
                    Reach::No
                }
            }
            Listen::Unix { .. } => Reach::Maybe,
            _ => Reach::No,
        },
        Endpoint::Inet { host, port } => match parse_ip(host) {
            Some(ip) if ip.is_loopback() => ip_reaches(ip, *port, listen),
            Some(_) => reaches_remote(*port, listen),
            None if is_localhost(host) => {
                // nginx resolves localhost to every address (127.0.0.1, and ::1 where the hosts
                // file and AI_ADDRCONFIG give it) and tries the next one on a refused connect.
                let v4 = ip_reaches(IpAddr::from([127, 0, 0, 1]), *port, listen);
                let v6 = ip_reaches(IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1]), *port, listen);
                match (v4, v6) {
                    (Reach::Yes, _) => Reach::Yes,
                    (Reach::No, Reach::No) => Reach::No,
                    _ => Reach::Maybe,
                }
            }
            None => reaches_remote(*port, listen),
        },
    }
}

/// Whether a pool on another machine (a container, a PHP host) reached as `host:port` could be
/// this one: only its port can be compared, and only a pool that listens beyond loopback.
pub fn reaches_remote(port: u16, listen: &Listen) -> Reach {
    let port = i32::from(port);
    match listen {
        Listen::Unix { .. } => Reach::No,
        Listen::AllInterfaces { port: q } if *q == port => Reach::Yes,
        Listen::Ip { addr, port: q } if *q == port => {
            if addr.to_canonical().is_loopback() {
                Reach::No
            } else if addr.is_unspecified() {
                Reach::Yes
            } else {
                Reach::Maybe
            }
        }
        Listen::Host { host, port: q } if *q == port => {
            if is_localhost(host) {
                Reach::No
            } else {
                Reach::Maybe
            }
        }
        _ => Reach::No,
    }
}

/// The address to write in nginx to reach a pool from the same machine.
pub fn nginx_address(listen: &Listen) -> String {
    match listen {
        Listen::Unix { path } => format!("unix:{path}"),
        Listen::AllInterfaces { port } => format!("127.0.0.1:{port}"),
        Listen::Ip {
            addr: IpAddr::V4(a),
            port,
        } if a.is_unspecified() => format!("127.0.0.1:{port}"),
        Listen::Ip {
            addr: IpAddr::V6(a),
            port,
        } if a.is_unspecified() => format!("[::1]:{port}"),
        Listen::Ip {
            addr: IpAddr::V6(a),
            port,
        } => format!("[{a}]:{port}"),
        Listen::Ip { addr, port } => format!("{addr}:{port}"),
        Listen::Host { host, port } => format!("{host}:{port}"),
    }
}

/// How a `fastcgi_pass` arrives at one address.
#[derive(Clone, Debug)]
pub enum Via<'p> {
    /// The address is the directive's argument.
    Direct,
    /// The argument is variables whose `set` lines give it.
    Variables {
        /// The `set` directives used, in the order their variables appear.
        sets: Vec<At<'p>>,
    },
    /// The argument names an upstream group; this is one of its `server` lines.
    Group {
        /// Index into [`Model::upstreams`].
        upstream: usize,
        /// The `server` directive.
        server: At<'p>,
    },
}

/// One address a `fastcgi_pass` connects to.
#[derive(Clone, Debug)]
pub struct Hop<'p> {
    /// The `fastcgi_pass` directive.
    pub pass: At<'p>,
    /// Where the address is written: the pass itself, or the upstream `server` line.
    pub token: At<'p>,
    /// The span of the address token in `token`'s file.
    pub span: Span,
    /// The address text after variables were replaced.
    pub text: String,
    /// The address.
    pub endpoint: Endpoint,
    /// How the pass arrives at it.
    pub via: Via<'p>,
}

/// Every address a `fastcgi_pass` (standing in `scope`) connects to, as far as the configuration
/// tells: its literal address, each usable `server` of the upstream group it names, or the value
/// of variables that `set` lines give unambiguously. Empty when it cannot be known.
pub fn fastcgi_hops<'p>(model: &Model<'p>, scope: ScopeId, pass: &At<'p>) -> Vec<Hop<'p>> {
    let tree = model.scope(scope).tree;
    let Some(raw) = pass.arg(0) else {
        return Vec::new();
    };
    let (text, via) = if raw.contains('$') {
        match expand_variables(model, scope, &raw) {
            Some((text, sets)) => (text, Via::Variables { sets }),
            None => return Vec::new(),
        }
    } else {
        (raw.into_owned(), Via::Direct)
    };
    if text.contains('$') {
        return Vec::new();
    }
    if !text.starts_with("unix:") {
        let (host, port) = split_host_port(&text);
        if port.is_none() {
            if let Some(u) = model.upstream(tree, host).filter(|u| !u.stream) {
                let idx = model
                    .upstreams
                    .iter()
                    .position(|x| std::ptr::eq(x, u))
                    .unwrap_or(0);
                return u
                    .servers
                    .iter()
                    .filter(|s| !s.down)
                    .filter_map(|s| {
                        let endpoint = Endpoint::parse(&s.address, Some(80))?;
                        Some(Hop {
                            pass: *pass,
                            token: s.at,
                            span: s.at.arg_span(0),
                            text: s.address.clone(),
                            endpoint,
                            via: Via::Group {
                                upstream: idx,
                                server: s.at,
                            },
                        })
                    })
                    .collect();
            }
        }
    }
    match Endpoint::parse(&text, None) {
        Some(endpoint) => vec![Hop {
            pass: *pass,
            token: *pass,
            span: pass.arg_span(0),
            text,
            endpoint,
            via,
        }],
        None => Vec::new(),
    }
}

/// Variable names used in a value (`$name`, `${name}`), with their byte ranges.
fn variables(raw: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    let b = raw.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' {
            i += 1;
            continue;
        }
        let start = i;
        if b.get(i + 1) == Some(&b'{') {
            // After the ASCII `${`, and up to the ASCII `}`: both cuts are character boundaries.
            let Some((name, _)) = raw.get(i + 2..).and_then(|r| r.split_once('}')) else {
                return Vec::new();
            };
            out.push((start..i + 3 + name.len(), name));
            i += 3 + name.len();
            continue;
        }
        let mut j = i + 1;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
            j += 1;
        }
        out.push((start..j, raw.get(i + 1..j).unwrap_or_default()));
        i = j.max(i + 1);
    }
    out
}

/// Directives (outside `set`) that define a variable from a block or a handler.
const DEFINERS: &[&str] = &[
    "map",
    "geo",
    "split_clients",
    "perl_set",
    "js_set",
    "set_by_lua",
    "set_by_lua_block",
    "set_by_lua_file",
];

/// Replaces each variable of `raw` with the one value `set` gives it in the server around
/// `scope`, when that is certain: every `set` of the variable anywhere in the server assigns the
/// same literal, one of them runs unconditionally in the location (or the server) itself, and no
/// `map`/`geo`/... defines it. Otherwise `None`.
pub fn expand_variables<'p>(
    model: &Model<'p>,
    scope: ScopeId,
    raw: &str,
) -> Option<(String, Vec<At<'p>>)> {
    let vars = variables(raw);
    if vars.is_empty() {
        return None;
    }
    let server = model
        .chain(scope)
        .find(|&id| model.scope(id).kind == Context::HttpServer)?;
    let http = model.scope(server).parent?;
    let location = model.location_of(scope);
    let mut out = String::new();
    let mut sets = Vec::new();
    let mut last = 0;
    for (range, name) in vars {
        let var = format!("${name}");
        if model
            .scope(http)
            .directives
            .iter()
            .any(|d| DEFINERS.iter().any(|n| d.is(n)) && d.args().iter().any(|a| a == &var))
        {
            return None;
        }
        let mut all = Vec::new();
        collect_sets(model, server, &var, &mut all);
        let first = all.first()?;
        let value = first.1.arg(1)?.into_owned();
        if value.contains('$') || all.iter().any(|(_, d)| d.arg(1).as_deref() != Some(&value)) {
            return None;
        }
        let unconditional = all
            .iter()
            .find(|(id, _)| Some(*id) == location || *id == scope || *id == server)?;
        sets.push(unconditional.1);
        out.push_str(raw.get(last..range.start)?);
        out.push_str(&value);
        last = range.end;
    }
    out.push_str(raw.get(last..)?);
    Some((out, sets))
}

fn collect_sets<'p>(model: &Model<'p>, id: ScopeId, var: &str, out: &mut Vec<(ScopeId, At<'p>)>) {
    for d in &model.scope(id).directives {
        if d.is("set") && d.arg(0).as_deref() == Some(var) {
            out.push((id, *d));
        }
    }
    for &c in &model.scope(id).children {
        collect_sets(model, c, var, out);
    }
}

/// Every `fastcgi_pass` directive of the http side, with its scope (a location, or an `if` or
/// `limit_except` in one). Found by interned name: comparing the bytes of every directive of
/// every location cost more than most rules that ask.
pub fn fastcgi_passes<'a, 'p>(
    model: &'a Model<'p>,
) -> impl Iterator<Item = (ScopeId, At<'p>)> + 'a {
    FastcgiPasses {
        model,
        name: model.name_id("fastcgi_pass"),
        scope: 0,
        next: None,
    }
}

/// The iterator of [`fastcgi_passes`].
struct FastcgiPasses<'a, 'p> {
    model: &'a Model<'p>,
    name: Option<crate::model::NameId>,
    /// The next scope to look at.
    scope: usize,
    /// In the scope before `scope`, where to go on reading (it holds the name).
    next: Option<usize>,
}

impl<'p> Iterator for FastcgiPasses<'_, 'p> {
    type Item = (ScopeId, At<'p>);

    fn next(&mut self) -> Option<Self::Item> {
        let name = self.name?;
        loop {
            if let Some(from) = self.next {
                let id = ScopeId(self.scope as u32 - 1);
                let names = self.model.names_of(id);
                if let Some(i) = names[from..].iter().position(|&n| n == name) {
                    self.next = Some(from + i + 1);
                    return Some((id, self.model.scope(id).directives[from + i]));
                }
                self.next = None;
            }
            let s = self.model.scopes.get(self.scope)?;
            self.scope += 1;
            if !matches!(
                s.kind,
                Context::HttpLocation | Context::HttpLocationIf | Context::HttpLimitExcept
            ) {
                continue;
            }
            // Without early exit, so the comparison runs several names at a time.
            let names = self.model.names_of(ScopeId(self.scope as u32 - 1));
            if names.iter().fold(false, |found, &n| found | (n == name)) {
                self.next = Some(0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(s: &str) -> Endpoint {
        Endpoint::parse(s, None).unwrap()
    }
    fn l(s: &str) -> Listen {
        Listen::classify(s, "/usr")
    }

    #[test]
    fn fast_path_comparison_agrees_with_normalisation() {
        for (a, b) in [
            ("/run/php/a.sock", "/run/php/a.sock"),
            ("/var/run/php/a.sock", "/run/php/a.sock"),
            ("/run/php/a.sock", "/run/php/b.sock"),
            ("/run//php/a.sock", "/run/php/a.sock"),
            ("/run/php/../php/a.sock", "/run/php/a.sock"),
            ("/var/run", "/run"),
            ("/var/runx/a", "/runx/a"),
            ("/run/./a", "/run/a"),
        ] {
            assert_eq!(
                same_socket_path(a, b),
                normalize_socket_path(a) == normalize_socket_path(b),
                "{a} vs {b}"
            );
        }
    }

    #[test]
    fn unix_paths_compare_as_paths() {
        assert_eq!(
            reaches(
                &ep("unix:/run/php//php8.2-fpm.sock"),
                &l("/run/php/php8.2-fpm.sock")
            ),
            Reach::Yes
        );
        assert_eq!(
            reaches(&ep("unix:/var/run/php/x.sock"), &l("/run/php/x.sock")),
            Reach::Yes
        );
        assert_eq!(
            reaches(
                &ep("unix:/run/php/php7.4-fpm.sock"),
                &l("/run/php/php8.2-fpm.sock")
            ),
            Reach::No
        );
        assert_eq!(
            reaches(&ep("unix:/usr/rel.sock"), &l("rel.sock")),
            Reach::Yes
        );
        assert_eq!(reaches(&ep("unix:rel.sock"), &l("rel.sock")), Reach::Maybe);
        assert_eq!(
            reaches(&ep("unix:/run/x.sock"), &l("127.0.0.1:9000")),
            Reach::No
        );
    }

    #[test]
    fn tcp_forms() {
        assert_eq!(reaches(&ep("127.0.0.1:9000"), &l("9000")), Reach::Yes);
        assert_eq!(reaches(&ep("[::1]:9000"), &l("9000")), Reach::Yes);
        assert_eq!(reaches(&ep("localhost:9000"), &l("9000")), Reach::Yes);
        assert_eq!(
            reaches(&ep("127.0.0.1:9000"), &l("127.0.0.1:9000")),
            Reach::Yes
        );
        assert_eq!(
            reaches(&ep("127.0.0.1:9000"), &l("127.0.0.1:9001")),
            Reach::No
        );
        assert_eq!(
            reaches(&ep("127.0.0.2:9000"), &l("127.0.0.1:9000")),
            Reach::No
        );
        assert_eq!(
            reaches(&ep("127.0.0.2:9000"), &l("0.0.0.0:9000")),
            Reach::Yes
        );
        assert_eq!(reaches(&ep("[::1]:9000"), &l("0.0.0.0:9000")), Reach::No);
        assert_eq!(reaches(&ep("[::1]:9000"), &l("127.0.0.1:9000")), Reach::No);
        assert_eq!(
            reaches(&ep("127.0.0.1:9000"), &l("[::]:9000")),
            Reach::Maybe
        );
        assert_eq!(
            reaches(&ep("[::ffff:127.0.0.1]:9000"), &l("127.0.0.1:9000")),
            Reach::Yes
        );
        // php-fpm binds only the first address of localhost.
        assert_eq!(
            reaches(&ep("127.0.0.1:9000"), &l("localhost:9000")),
            Reach::Maybe
        );
        assert_eq!(
            reaches(&ep("localhost:9000"), &l("localhost:9000")),
            Reach::Maybe
        );
        assert_eq!(
            reaches(&ep("localhost:9000"), &l("127.0.0.1:9000")),
            Reach::Yes
        );
        assert_eq!(
            reaches(&ep("localhost:9000"), &l("[::1]:9000")),
            Reach::Maybe
        );
        assert_eq!(
            reaches(&ep("localhost:9000"), &l("127.0.0.1:9001")),
            Reach::No
        );
        assert_eq!(
            reaches(&ep("localhost:9000"), &l("/run/php.sock")),
            Reach::No
        );
    }

    #[test]
    fn locality() {
        assert_eq!(ep("unix:/run/x.sock").locality(), Locality::Local);
        assert_eq!(ep("unix:x.sock").locality(), Locality::Unknown);
        assert_eq!(ep("127.0.0.9:9000").locality(), Locality::Local);
        assert_eq!(ep("[::1]:9000").locality(), Locality::Local);
        assert_eq!(ep("LOCALHOST:9000").locality(), Locality::Local);
        assert_eq!(ep("php:9000").locality(), Locality::Remote);
        assert_eq!(ep("10.0.0.5:9000").locality(), Locality::Remote);
        assert_eq!(reaches_remote(9000, &l("9000")), Reach::Yes);
        assert_eq!(reaches_remote(9000, &l("127.0.0.1:9000")), Reach::No);
        assert_eq!(reaches_remote(9000, &l("/run/x.sock")), Reach::No);
    }

    #[test]
    fn fastcgi_passes_by_name_as_by_bytes() {
        let dir = std::env::temp_dir().join(format!("ngxlint-passes-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("nginx.conf"),
            "events {}\nhttp {\n server {\n  fastcgi_pass unix:/s0;\n  location / {\n   fastcgi_pass unix:/a;\n   \"fastcgi_pass\" unix:/b;\n   if ($x) { fastcgi_pass; }\n   limit_except GET { fastcgi_pass 127.0.0.1:9000; }\n   location /n { proxy_pass http://x; fastcgi_pass unix:/c; }\n  }\n }\n}\n",
        )
        .unwrap();
        let opts = crate::Options::new(dir.clone());
        let project = crate::Project::load(std::slice::from_ref(&dir), &opts).unwrap();
        let model = Model::build(&project, &opts.directives);
        let by_bytes: Vec<(ScopeId, *const nginx_syntax::Directive)> = model
            .ids()
            .filter(|&id| {
                matches!(
                    model.scope(id).kind,
                    Context::HttpLocation | Context::HttpLocationIf | Context::HttpLimitExcept
                )
            })
            .flat_map(|id| {
                model
                    .scope(id)
                    .directives
                    .iter()
                    .filter(|d| d.is("fastcgi_pass"))
                    .map(move |d| (id, d.dir as *const _))
            })
            .collect();
        let by_name: Vec<(ScopeId, *const nginx_syntax::Directive)> = fastcgi_passes(&model)
            .map(|(id, d)| (id, d.dir as *const _))
            .collect();
        assert_eq!(by_name.len(), 5);
        assert_eq!(by_name, by_bytes);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn variable_names() {
        let v = variables("unix:${dir}/php$v_1.sock");
        let names: Vec<&str> = v.iter().map(|(_, n)| *n).collect();
        assert_eq!(names, ["dir", "v_1"]);
    }

    #[test]
    fn addresses_for_nginx() {
        assert_eq!(nginx_address(&l("9000")), "127.0.0.1:9000");
        assert_eq!(nginx_address(&l("[::]:9000")), "[::1]:9000");
        assert_eq!(nginx_address(&l("[::1]:9000")), "[::1]:9000");
        assert_eq!(nginx_address(&l("/run/a.sock")), "unix:/run/a.sock");
    }
}
