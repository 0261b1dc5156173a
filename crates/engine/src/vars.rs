//! What bytes a variable can hold where it is used, and whether the client chooses them: the
//! analysis the security rules share (a CR/LF into a header, a host into `proxy_pass`, a `..`
//! into a path).
//!
//! nginx's own variables are known by what nginx's parsers let through (nginx 1.22–1.30):
//! `$uri` is the URI decoded and normalized — `%0d%0a` becomes CR LF, only `%00` is refused
//! (`ngx_http_parse_complex_uri`); `$request_uri`, `$args` and `$arg_*` are the request line as
//! sent, where nginx refuses spaces and control characters (since 1.21.1), so they hold no CR or
//! LF; a request header's value (`$http_*`, `$cookie_*`) holds any byte but NUL, CR and LF;
//! `$host` is the Host validated and lowercased (no `/`, no NUL). A capture (`$1`, a named one)
//! holds what its group of the regex last matched lets through of what that regex was matched
//! against: the location's or `rewrite`'s regex runs on `$uri`, an `if`'s on its variable,
//! `server_name`'s on the host, a `map`'s on its source. `set` and `map` values hold what their
//! parts hold. A variable no table here knows (a module's) is unknown, and rules say nothing about
//! it.

use crate::hash::{FastMap as HashMap, FastSet};
use std::cell::RefCell;
use std::rc::Rc;

use nginx_syntax::directives::Context;
use nginx_syntax::Span;

use crate::files::FileId;
use crate::matching::{loc_kind_and_name, LocKind};
use crate::model::{At, Model, ScopeId};
use crate::regex::{ByteSet, Regex};

/// Every byte but NUL: the decoded URI.
pub const DECODED: ByteSet = ByteSet::range(1, 255);
/// The request line as sent: no space, no control character (nginx 1.21.1 refuses them).
pub const REQUEST_LINE: ByteSet = ByteSet::range(0x21, 0x7e).union(ByteSet::range(0x80, 0xff));
/// A header value: any byte but NUL, CR and LF.
pub const HEADER: ByteSet = ByteSet::range(1, 255).minus(ByteSet::of(b"\r\n"));
/// The validated Host: a header value without `/` and upper case.
pub const HOST: ByteSet = HEADER
    .minus(ByteSet::of(b"/"))
    .minus(ByteSet::range(b'A', b'Z'));
/// CR and LF.
pub const CRLF: ByteSet = ByteSet::of(b"\r\n");

/// What a value can hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flow {
    /// The bytes it can hold.
    pub bytes: ByteSet,
    /// Whether the client chooses them (within `bytes`).
    pub client: bool,
}

impl Flow {
    const fn client(bytes: ByteSet) -> Flow {
        Flow {
            bytes,
            client: true,
        }
    }
    const fn server(bytes: ByteSet) -> Flow {
        Flow {
            bytes,
            client: false,
        }
    }
    /// Nothing (an empty literal).
    pub const EMPTY: Flow = Flow::server(ByteSet::NONE);

    /// What either can hold.
    pub fn union(self, o: Flow) -> Flow {
        Flow {
            bytes: self.bytes.union(o.bytes),
            client: self.client || o.client,
        }
    }
}

/// One step of where a value comes from, for the labels of a finding.
#[derive(Clone, Debug)]
pub struct Step<'p> {
    /// The directive (`set`, `map`, the location, `if`, `rewrite`).
    pub at: At<'p>,
    /// What it contributes (``captured by `location ~ ^/(.*)$` from the decoded URI``).
    pub what: String,
}

/// A variable as used in an argument.
#[derive(Clone, Debug)]
pub struct Use<'p> {
    /// Its name without `$` (`uri`, `1`, `http_host`).
    pub name: String,
    /// Where it is written (its `$name` in the argument).
    pub span: Span,
    /// What it can hold there; `None` when unknown (a module's variable).
    pub flow: Option<Flow>,
    /// Where that comes from, nearest first.
    pub steps: Vec<Step<'p>>,
}

/// A piece of a value: text as written, or a variable.
#[derive(Clone, Debug)]
pub enum Piece<'p> {
    /// Literal bytes.
    Text(Vec<u8>),
    /// A variable.
    Var(Use<'p>),
}

/// What one of nginx's own variables holds.
fn builtin(name: &str) -> Option<(Flow, &'static str)> {
    let digits = ByteSet::range(b'0', b'9');
    let addr = digits
        .union(ByteSet::range(b'a', b'f'))
        .union(ByteSet::of(b".:"));
    let word = ByteSet::range(b'a', b'z')
        .union(ByteSet::range(b'A', b'Z'))
        .union(digits)
        .union(ByteSet::of(b"_-./"));
    Some(match name {
        "uri" | "document_uri" | "fastcgi_script_name" | "fastcgi_path_info" => {
            (Flow::client(DECODED), "the decoded URI")
        }
        "request_filename" => (Flow::client(DECODED), "the file of the decoded URI"),
        "request_uri" => (Flow::client(REQUEST_LINE), "the URI as sent"),
        "args" | "query_string" => (Flow::client(REQUEST_LINE), "the query string as sent"),
        "is_args" => (Flow::server(ByteSet::of(b"?")), ""),
        "request" => (
            Flow::client(REQUEST_LINE.union(ByteSet::of(b" "))),
            "the request line",
        ),
        "request_body" => (Flow::client(ByteSet::ALL), "the request body"),
        "request_method" => (
            Flow::client(ByteSet::range(b'A', b'Z').union(ByteSet::of(b"_-"))),
            "the request method",
        ),
        "host" => (Flow::client(HOST), "the Host of the request"),
        "remote_user" => (
            Flow::client(ByteSet::ALL),
            "the user of the Basic credentials",
        ),
        "proxy_add_x_forwarded_for" => {
            (Flow::client(HEADER), "the client's X-Forwarded-For header")
        }
        "content_type" => (Flow::client(HEADER), "the Content-Type header"),
        "content_length" => (Flow::client(HEADER), "the Content-Length header"),
        "scheme" => (Flow::server(ByteSet::of(b"htps")), ""),
        "https" => (Flow::server(ByteSet::of(b"on")), ""),
        "server_protocol" => (Flow::client(word), "the protocol of the request"),
        "remote_addr" | "binary_remote_addr" | "server_addr" | "realip_remote_addr" => {
            (Flow::server(addr), "")
        }
        "remote_port"
        | "server_port"
        | "realip_remote_port"
        | "proxy_port"
        | "status"
        | "body_bytes_sent"
        | "bytes_sent"
        | "connection"
        | "connection_requests"
        | "msec"
        | "pid"
        | "request_length"
        | "request_time"
        | "pipe" => (Flow::server(word), ""),
        "server_name" | "hostname" | "document_root" | "realpath_root" | "nginx_version"
        | "proxy_host" | "time_local" | "time_iso8601" | "request_id" | "invalid_referer"
        | "http2" | "http3" | "tcpinfo_rtt" => (Flow::server(word.union(ByteSet::of(b" +:"))), ""),
        _ => {
            if name.starts_with("http_") {
                (Flow::client(HEADER), "a request header")
            } else if name.starts_with("cookie_") {
                (Flow::client(HEADER), "a cookie")
            } else if name.starts_with("arg_") {
                (
                    Flow::client(REQUEST_LINE),
                    "an argument of the query string as sent",
                )
            } else {
                return None;
            }
        }
    })
}

/// A variable reference in an nginx complex value (`ngx_http_script_compile`): `$name`,
/// `${name}`, `$1`…`$9`. Returns `(start, end, name)` byte ranges of the value.
pub fn references(value: &[u8]) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < value.len() {
        if value[i] != b'$' {
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        match value.get(i) {
            Some(d @ b'1'..=b'9') => {
                out.push((start, i + 1, (*d as char).to_string()));
                i += 1;
            }
            Some(b'{') => {
                let from = i + 1;
                let len = value[from..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                    .count();
                if value.get(from + len) == Some(&b'}') && len > 0 {
                    out.push((
                        start,
                        from + len + 1,
                        String::from_utf8_lossy(&value[from..from + len]).into_owned(),
                    ));
                    i = from + len + 1;
                } else {
                    i = from + len;
                }
            }
            _ => {
                let len = value[i..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                    .count();
                if len > 0 {
                    out.push((
                        start,
                        i + len,
                        String::from_utf8_lossy(&value[i..i + len]).into_owned(),
                    ));
                }
                i += len;
            }
        }
    }
    out
}

/// Where a variable is set: `set`, or a `map` whose target it is.
#[derive(Clone, Copy)]
enum Def<'p> {
    Set(ScopeId, At<'p>),
    Map(ScopeId, At<'p>),
}

/// A regex whose captures a directive may see, with what it was matched against.
#[derive(Clone)]
struct Source<'p> {
    regex: Rc<Regex>,
    subject: Flow,
    at: At<'p>,
    what: String,
}

/// Regexes read, by pattern and case-insensitivity.
type RegexCache = HashMap<(Vec<u8>, bool), Rc<Regex>>;

/// The analysis over one model: the `set`s and `map`s of every tree, and the regexes read.
pub struct Values<'m, 'p> {
    model: &'m Model<'p>,
    /// By tree and variable name (lowercase: nginx's variable names are case-insensitive).
    defs: HashMap<(usize, String), Vec<Def<'p>>>,
    /// The names `defs` holds in some tree, for a lookup without building a key.
    defined: FastSet<String>,
    regexes: RefCell<RegexCache>,
    /// Servers that take requests for any Host: the default server of one of their sockets.
    /// Built on first use: most runs never ask.
    open: std::cell::OnceCell<FastSet<ScopeId>>,
}

impl<'m, 'p> Values<'m, 'p> {
    /// Reads where every variable of the model is set.
    pub fn new(model: &'m Model<'p>) -> Values<'m, 'p> {
        let mut defs: HashMap<(usize, String), Vec<Def<'p>>> = HashMap::default();
        for (id, at) in model.everywhere("set") {
            if let Some(v) = at.arg(0) {
                let name = v.trim_start_matches('$').to_ascii_lowercase();
                defs.entry((model.scope(id).tree, name))
                    .or_default()
                    .push(Def::Set(id, *at));
            }
        }
        for id in model.ids() {
            let s = model.scope(id);
            // `map`, `geo` and `split_clients` set the variable their block names last.
            if let (true, Some(block)) = (
                matches!(s.kind, Context::Map | Context::Geo | Context::SplitClients),
                s.block,
            ) {
                if let Some(v) = block.args().last() {
                    let name = v.trim_start_matches('$').to_ascii_lowercase();
                    defs.entry((s.tree, name))
                        .or_default()
                        .push(Def::Map(id, block));
                }
            }
        }
        // `set`s come first in a scope's reading order only within their kind: keep each
        // variable's definitions in scope order, as a scan of the scopes lists them.
        for list in defs.values_mut() {
            list.sort_by_key(|d| match d {
                Def::Set(id, _) | Def::Map(id, _) => *id,
            });
        }
        Values {
            model,
            defined: defs.keys().map(|(_, n)| n.clone()).collect(),
            defs,
            regexes: RefCell::new(HashMap::default()),
            open: std::cell::OnceCell::new(),
        }
    }

    /// A regex, read once per pattern.
    pub fn regex(&self, pattern: &[u8], caseless: bool) -> Rc<Regex> {
        let key = (pattern.to_vec(), caseless);
        if let Some(r) = self.regexes.borrow().get(&key) {
            return r.clone();
        }
        let r = Rc::new(Regex::new(&String::from_utf8_lossy(pattern), caseless));
        self.regexes.borrow_mut().insert(key, r.clone());
        r
    }

    /// Whether variable `name` can never hold `bytes` in tree `tree`: one of nginx's own that no
    /// `set` or `map` there defines and whose every value lacks them. A quick answer before
    /// [`Values::argument`]: where it says no, the full analysis is needed.
    pub fn builtin_lacks(&self, tree: usize, name: &str, bytes: ByteSet) -> bool {
        let lower: std::borrow::Cow<'_, str> = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            name.to_ascii_lowercase().into()
        } else {
            name.into()
        };
        if self.defined.contains(&*lower) && self.defs.contains_key(&(tree, lower.to_string())) {
            return false;
        }
        builtin(&lower).is_some_and(|(flow, _)| flow.bytes.intersect(bytes).is_empty())
    }

    /// The pieces of argument `i` of `at` (standing in `scope`): its text, and each variable with
    /// what it can hold there.
    pub fn argument(&self, scope: ScopeId, at: &At<'p>, i: usize) -> Vec<Piece<'p>> {
        let Some(w) = at.dir.args.get(i) else {
            return Vec::new();
        };
        let value = w.value(at.src);
        let mut out = Vec::new();
        let mut last = 0;
        for (s, e, name) in references(&value) {
            if s > last {
                out.push(Piece::Text(value[last..s].to_vec()));
            }
            last = e;
            // Where `$name` is written: the same offsets in the raw text when nothing was
            // unescaped, else the whole argument.
            let span = w.value_span(s, e);
            let (flow, steps) = self.variable(scope, at, &name, 0);
            out.push(Piece::Var(Use {
                name,
                span,
                flow,
                steps,
            }));
        }
        if last < value.len() {
            out.push(Piece::Text(value[last..].to_vec()));
        }
        out
    }

    /// What variable `name` can hold for directive `at` in `scope`, and where that comes from.
    pub fn variable(
        &self,
        scope: ScopeId,
        at: &At<'p>,
        name: &str,
        depth: usize,
    ) -> (Option<Flow>, Vec<Step<'p>>) {
        if depth > 8 {
            return (None, Vec::new());
        }
        let lower = name.to_ascii_lowercase();
        // Captures: the regexes whose match may be the last one here.
        let numbered = lower.parse::<usize>().ok().filter(|n| (1..=9).contains(n));
        let tree = self.model.scope(scope).tree;
        let defs = self.defs.get(&(tree, lower.clone()));
        // A named capture is a name nginx does not know and nothing sets.
        if numbered.is_some() || (defs.is_none() && builtin(&lower).is_none()) {
            let sources = self.sources(scope, at, depth);
            let mut flow: Option<Flow> = None;
            let mut steps = Vec::new();
            for src in &sources {
                let group = match numbered {
                    Some(n) => Some(n),
                    None => src.regex.named(&lower),
                };
                let Some(g) = group else { continue };
                if g > src.regex.captures() {
                    continue;
                }
                let f = Flow {
                    bytes: src.regex.group(g).intersect(src.subject.bytes),
                    client: src.subject.client,
                };
                flow = Some(flow.map_or(f, |x| x.union(f)));
                steps.push(Step {
                    at: src.at,
                    what: src.what.clone(),
                });
            }
            if flow.is_some() || numbered.is_some() {
                return (flow, steps);
            }
        }
        if let Some(defs) = defs {
            return self.defined(scope, at, defs, depth);
        }
        match builtin(&lower) {
            Some((flow, _))
                if matches!(
                    lower.as_str(),
                    "uri" | "document_uri" | "fastcgi_script_name" | "request_filename"
                ) =>
            {
                self.uri_here(scope, at, flow)
            }
            Some((flow, _)) if lower == "host" => self.host_here(scope, flow),
            Some((flow, _)) => (Some(flow), Vec::new()),
            None => (None, Vec::new()),
        }
    }

    /// What `$host` holds in the server of `scope`: any host in a server that takes requests
    /// for any Host (the default server of a socket); else one of its `server_name`s, which the
    /// client picks among but does not write (a wildcard name's subdomains stay in its domain).
    fn host_here(&self, scope: ScopeId, flow: Flow) -> (Option<Flow>, Vec<Step<'p>>) {
        let model = self.model;
        let mut cur = Some(scope);
        while let Some(s) = cur {
            let sc = model.scope(s);
            if sc.kind == Context::HttpServer {
                if self.open.get_or_init(|| open_servers(model)).contains(&s) {
                    return (Some(flow), Vec::new());
                }
                let names = model
                    .here(s, "server_name")
                    .flat_map(|d| d.args())
                    .fold(ByteSet::NONE, |b, n| b.union(ByteSet::of(n.as_bytes())));
                return (Some(Flow::server(names)), Vec::new());
            }
            cur = sc.parent;
        }
        (Some(flow), Vec::new())
    }

    /// What the URI can hold in the location of `scope`, when the location says: an exact
    /// location's URI is its name; a regex location anchored at both ends holds only what the
    /// whole regex matches (PCRE's `$` also lets a final newline through, which is left out: a
    /// line break with nothing the client chooses after it injects nothing). A `rewrite` before
    /// the directive may have changed the URI: then nothing is known beyond `flow`.
    fn uri_here(&self, scope: ScopeId, at: &At<'p>, flow: Flow) -> (Option<Flow>, Vec<Step<'p>>) {
        let model = self.model;
        let Some(loc) = model.location_of(scope) else {
            return (Some(flow), Vec::new());
        };
        let rewritten = self.ancestors(scope).iter().any(|&s| {
            let mut dirs = model.scope(s).directives.iter();
            dirs.any(|d| d.is("rewrite") && !std::ptr::eq(d.dir, at.dir))
        });
        let Some(block) = model.scope(loc).block else {
            return (Some(flow), Vec::new());
        };
        if rewritten {
            return (Some(flow), Vec::new());
        }
        match loc_kind_and_name(&block) {
            Some((LocKind::Exact, name)) => {
                (Some(Flow::server(ByteSet::of(name.as_bytes()))), Vec::new())
            }
            Some((kind @ (LocKind::Regex | LocKind::RegexCaseless), pattern)) => {
                let re = self.regex(pattern.as_bytes(), kind == LocKind::RegexCaseless);
                if re.anchored_start() == Some(true) && re.anchored_end() == Some(true) {
                    let f = Flow {
                        bytes: flow.bytes.intersect(re.group(0)),
                        client: flow.client,
                    };
                    return (
                        Some(f),
                        vec![Step {
                            at: block,
                            what: format!("the URI as `location {pattern}` lets it through"),
                        }],
                    );
                }
                (Some(flow), Vec::new())
            }
            _ => (Some(flow), Vec::new()),
        }
    }

    /// What a variable set by `set` or `map` can hold: the union of the definitions that can
    /// reach `at` (those of its own scopes when there are any, else every one of the tree).
    fn defined(
        &self,
        scope: ScopeId,
        at: &At<'p>,
        defs: &[Def<'p>],
        depth: usize,
    ) -> (Option<Flow>, Vec<Step<'p>>) {
        let chain: Vec<ScopeId> = self.ancestors(scope);
        let near: Vec<&Def<'p>> = defs
            .iter()
            .filter(|d| match d {
                Def::Set(s, _) => chain.contains(s),
                Def::Map(..) => true,
            })
            .collect();
        let chosen: Vec<&Def<'p>> = if near.is_empty() {
            defs.iter().collect()
        } else {
            near
        };
        let mut flow: Option<Flow> = None;
        let mut steps = Vec::new();
        for d in chosen {
            let (f, mut st) = match *d {
                Def::Set(s, set) => {
                    let (f, st) = self.value_flow(s, &set, 1, depth + 1);
                    let mut v = vec![Step {
                        at: set,
                        what: "set here".to_string(),
                    }];
                    v.extend(st);
                    (f, v)
                }
                Def::Map(s, map) => self.map_flow(s, &map, depth + 1),
            };
            match f {
                Some(f) => flow = Some(flow.map_or(f, |x| x.union(f))),
                None => return (None, Vec::new()),
            }
            steps.append(&mut st);
        }
        let _ = at;
        (flow, steps)
    }

    /// What argument `i` of `at` can hold as a whole (`None` when a part is unknown).
    fn value_flow(
        &self,
        scope: ScopeId,
        at: &At<'p>,
        i: usize,
        depth: usize,
    ) -> (Option<Flow>, Vec<Step<'p>>) {
        let Some(w) = at.dir.args.get(i) else {
            return (Some(Flow::EMPTY), Vec::new());
        };
        let value = w.value(at.src);
        let mut flow = Flow::EMPTY;
        let mut steps = Vec::new();
        let mut last = 0;
        for (s, e, name) in references(&value) {
            flow = flow.union(Flow::server(ByteSet::of(&value[last..s])));
            last = e;
            let (f, st) = self.variable(scope, at, &name, depth);
            match f {
                Some(f) => flow = flow.union(f),
                None => return (None, Vec::new()),
            }
            steps.extend(st);
        }
        flow = flow.union(Flow::server(ByteSet::of(&value[last..])));
        (Some(flow), steps)
    }

    /// What a `map`'s target can hold: every value (with the captures of its regex key) and the
    /// default, which is empty when not written.
    fn map_flow(
        &self,
        scope: ScopeId,
        map: &At<'p>,
        depth: usize,
    ) -> (Option<Flow>, Vec<Step<'p>>) {
        let model = self.model;
        let src_name = map.arg(0).unwrap_or_default();
        let subject = self.subject_of(scope, map, &src_name, depth);
        let mut flow = Flow::EMPTY;
        let mut steps = vec![Step {
            at: *map,
            what: "set by this map".to_string(),
        }];
        for entry in &model.scope(scope).directives {
            if entry.nargs() < 1 {
                continue;
            }
            let key = entry.dir.name.value(entry.src);
            if matches!(key.as_ref(), b"hostnames" | b"volatile" | b"include") {
                continue;
            }
            // The value may use the captures of a regex key.
            let mut value_flow = Flow::EMPTY;
            let value = entry.dir.args[0].value(entry.src);
            let regex = match key.as_ref() {
                [b'~', b'*', rest @ ..] => Some(self.regex(rest, true)),
                [b'~', rest @ ..] => Some(self.regex(rest, false)),
                _ => None,
            };
            let mut last = 0;
            for (s, e, name) in references(&value) {
                value_flow = value_flow.union(Flow::server(ByteSet::of(&value[last..s])));
                last = e;
                let from_key = regex.as_ref().and_then(|r| {
                    let g = name.parse::<usize>().ok().or_else(|| r.named(&name))?;
                    (g <= r.captures()).then(|| Flow {
                        bytes: r
                            .group(g)
                            .intersect(subject.map_or(ByteSet::ALL, |s| s.bytes)),
                        client: subject.is_none_or(|s| s.client),
                    })
                });
                let f = match from_key {
                    Some(f) => Some(f),
                    None => self.variable(scope, entry, &name, depth + 1).0,
                };
                match f {
                    Some(f) => value_flow = value_flow.union(f),
                    None => return (None, Vec::new()),
                }
            }
            value_flow = value_flow.union(Flow::server(ByteSet::of(&value[last..])));
            if value_flow.client {
                steps.push(Step {
                    at: *entry,
                    what: "this value of the map".to_string(),
                });
            }
            flow = flow.union(value_flow);
        }
        (Some(flow), steps)
    }

    /// What a variable named in a directive (an `if`'s or a `map`'s source) holds there.
    fn subject_of(&self, scope: ScopeId, at: &At<'p>, name: &str, depth: usize) -> Option<Flow> {
        let refs = references(name.as_bytes());
        match refs.as_slice() {
            [(0, e, n)] if *e == name.len() => self.variable(scope, at, n, depth + 1).0,
            _ => None,
        }
    }

    /// The scopes whose rewrite-phase statements run before a directive of `scope`: itself, the
    /// `if`s and locations around it, and the server.
    fn ancestors(&self, scope: ScopeId) -> Vec<ScopeId> {
        let mut v = Vec::new();
        let mut cur = Some(scope);
        while let Some(s) = cur {
            v.push(s);
            let sc = self.model.scope(s);
            if matches!(sc.kind, Context::Http | Context::Main | Context::Stream) {
                break;
            }
            cur = sc.parent;
        }
        v
    }

    /// The regexes whose captures may be the last ones matched when `at` (in `scope`) runs,
    /// nearest first: `rewrite`s before it in its block and the blocks around it, an `if` around
    /// it (which matched: nothing older counts), the location's own regex (matched after the
    /// server's rewrites: nothing older counts), the server's `server_name` regexes.
    fn sources(&self, scope: ScopeId, at: &At<'p>, depth: usize) -> Vec<Source<'p>> {
        let model = self.model;
        let mut out = Vec::new();
        let mut cur = Some(scope);
        let mut until: Option<*const nginx_syntax::Directive> = Some(at.dir as *const _);
        while let Some(s) = cur {
            let sc = model.scope(s);
            // `rewrite`s before the directive (or before the block we came from).
            for d in &sc.directives {
                if until.is_some_and(|u| std::ptr::eq(d.dir, u)) {
                    break;
                }
                if d.is("rewrite") {
                    if let Some(p) = d.dir.args.first() {
                        out.push(Source {
                            regex: self.regex(&p.value(d.src), false),
                            subject: Flow::client(DECODED),
                            at: *d,
                            what: format!(
                                "captured by `rewrite {}` from the decoded URI",
                                d.arg(0).unwrap_or_default()
                            ),
                        });
                    }
                }
            }
            let Some(block) = sc.block else { break };
            match sc.kind {
                Context::HttpLocationIf | Context::HttpServerIf => {
                    if let Some(src) = self.if_source(s, &block, depth) {
                        out.push(src);
                        return out;
                    }
                }
                Context::HttpLocation => {
                    if let Some((kind, pattern)) = loc_kind_and_name(&block) {
                        if matches!(kind, LocKind::Regex | LocKind::RegexCaseless) {
                            out.push(Source {
                                regex: self
                                    .regex(pattern.as_bytes(), kind == LocKind::RegexCaseless),
                                subject: Flow::client(DECODED),
                                at: block,
                                what: format!(
                                    "captured by `location {} {pattern}` from the decoded URI",
                                    if kind == LocKind::Regex { "~" } else { "~*" }
                                ),
                            });
                            return out;
                        }
                    }
                }
                Context::HttpServer => {
                    for name in model.here(s, "server_name") {
                        for w in &name.dir.args {
                            let v = w.value(name.src);
                            if let Some(p) = v.strip_prefix(b"~") {
                                out.push(Source {
                                    regex: self.regex(p, true),
                                    subject: Flow::client(HOST),
                                    at: *name,
                                    what: "captured by `server_name` from the Host".to_string(),
                                });
                            }
                        }
                    }
                    return out;
                }
                _ => {}
            }
            until = Some(block.dir as *const _);
            cur = sc.parent;
        }
        out
    }

    /// The regex of an `if (… ~ …)` block, with what its variable holds.
    fn if_source(&self, scope: ScopeId, block: &At<'p>, depth: usize) -> Option<Source<'p>> {
        let (var, caseless, pattern) = if_regex(block)?;
        let op = if caseless { "~*" } else { "~" };
        let parent = self.model.scope(scope).parent.unwrap_or(scope);
        let subject = self
            .subject_of(parent, block, &var, depth)
            .unwrap_or(Flow::client(ByteSet::ALL));
        Some(Source {
            regex: self.regex(pattern.as_bytes(), caseless),
            subject,
            at: *block,
            what: format!("captured by `if ({var} {op} {pattern})`"),
        })
    }

    /// The file and span of a step, for a label.
    pub fn place(step: &Step<'p>) -> (FileId, Span) {
        (step.at.file, step.at.head_span())
    }
}

/// The variable, case-insensitivity and pattern of an `if ($var ~ re)` / `~*` condition (`!~`
/// sets no captures: `None`). The parentheses stand alone or stick to the first and last words,
/// and nginx takes one off each end, as here: `($uri ~ ^/(a|b))` tests `^/(a|b)`.
pub fn if_regex(block: &At<'_>) -> Option<(String, bool, String)> {
    let mut words: Vec<String> = block.args().iter().map(|a| a.to_string()).collect();
    if let Some(first) = words.first_mut() {
        *first = first.strip_prefix('(').unwrap_or(first).to_string();
    }
    if let Some(last) = words.last_mut() {
        *last = last.strip_suffix(')').unwrap_or(last).to_string();
    }
    words.retain(|w| !w.is_empty());
    match words.as_slice() {
        [var, op, pattern] if op == "~" || op == "~*" => {
            Some((var.clone(), op == "~*", pattern.clone()))
        }
        _ => None,
    }
}

/// The servers that are the default of one of their sockets (`default_server`, or the first
/// server of an address and port in a tree): requests with any Host reach them. In a file no main
/// config includes, only `default_server` says so: servers of the parent may come first.
fn open_servers(model: &Model<'_>) -> FastSet<ScopeId> {
    let mut open = FastSet::default();
    let mut first: HashMap<(usize, Option<std::net::IpAddr>, u16), ScopeId> = HashMap::default();
    for id in model.ids() {
        let s = model.scope(id);
        if s.kind != Context::HttpServer {
            continue;
        }
        let listens: Vec<_> = model
            .here(id, "listen")
            .map(|d| crate::matching::parse_listen(*d))
            .collect();
        if listens.is_empty() {
            first.entry((s.tree, None, 80)).or_insert(id);
        }
        for l in &listens {
            if l.default {
                open.insert(id);
            }
            first.entry((s.tree, l.addr, l.port)).or_insert(id);
        }
    }
    for id in first.into_values() {
        if !model.in_fragment(id) {
            open.insert(id);
        }
    }
    open
}

/// Which argument of a `return` or `rewrite` nginx sends as the `Location` of a redirect:
/// `return 301|302|303|307|308 URL`, `return URL` (a URL alone: `http://`, `https://` or
/// `$scheme`, as nginx's check is), a `rewrite` with `redirect`/`permanent` or such a URL.
pub fn redirect_argument(at: &At<'_>) -> Option<usize> {
    let arg = |i| at.arg(i).unwrap_or_default();
    let url =
        |u: &str| u.starts_with("http://") || u.starts_with("https://") || u.starts_with("$scheme");
    if at.is("return") {
        return match at.nargs() {
            1 if url(&arg(0)) => Some(0),
            2 if matches!(arg(0).as_ref(), "301" | "302" | "303" | "307" | "308") => Some(1),
            _ => None,
        };
    }
    if at.is("rewrite") {
        let flag = arg(2);
        return (flag == "redirect" || flag == "permanent" || url(&arg(1))).then_some(1);
    }
    None
}

impl<'m, 'p> Values<'m, 'p> {
    /// nginx's own variables a variable is made of, following `set` and `map` (its own name for
    /// one of nginx's); captures are `1`…`9` or their names.
    pub fn roots(&self, scope: ScopeId, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.roots_into(scope, &name.to_ascii_lowercase(), 0, &mut out);
        out
    }

    fn roots_into(&self, scope: ScopeId, name: &str, depth: usize, out: &mut Vec<String>) {
        let tree = self.model.scope(scope).tree;
        let Some(defs) = self
            .defs
            .get(&(tree, name.to_string()))
            .filter(|_| depth < 8)
        else {
            if !out.iter().any(|n| n == name) {
                out.push(name.to_string());
            }
            return;
        };
        for d in defs {
            match d {
                Def::Set(s, at) => {
                    if let Some(w) = at.dir.args.get(1) {
                        for (_, _, n) in references(&w.value(at.src)) {
                            self.roots_into(*s, &n.to_ascii_lowercase(), depth + 1, out);
                        }
                    }
                }
                // Every value of the map; its source where a value takes a capture of a key.
                Def::Map(s, map) => {
                    for e in &self.model.scope(*s).directives {
                        let Some(w) = e.dir.args.first() else {
                            continue;
                        };
                        for (_, _, n) in references(&w.value(e.src)) {
                            let n = n.to_ascii_lowercase();
                            let known =
                                self.defs.contains_key(&(tree, n.clone())) || builtin(&n).is_some();
                            if known {
                                self.roots_into(*s, &n, depth + 1, out);
                            } else if let Some(src) = map.arg(0) {
                                let src = src.trim_start_matches('$').to_ascii_lowercase();
                                self.roots_into(*s, &src, depth + 1, out);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A description of what a client-chosen variable is, for messages (`the decoded URI`).
pub fn describe(name: &str) -> Option<&'static str> {
    builtin(&name.to_ascii_lowercase())
        .map(|(_, d)| d)
        .filter(|d| !d.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Options, Project};

    fn with_model(conf: &str, f: impl FnOnce(&Model<'_>)) {
        let dir = std::env::temp_dir().join(format!(
            "ngxlint-vars-{}-{}",
            std::process::id(),
            conf.len()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("nginx.conf"), conf).unwrap();
        let opts = Options::new(dir.clone());
        let project = Project::load(std::slice::from_ref(&dir), &opts).unwrap();
        let model = Model::build(&project, &opts.directives);
        f(&model);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn an_if_regex_loses_one_parenthesis_at_each_end_as_nginx_reads_it() {
        let conf = "events {}\nhttp { server { listen 80;\n\
                    if ($http_user_agent ~* (bot|crawler)) { return 403; }\n\
                    if ( $uri ~ ^/a$ ) { return 404; }\n\
                    if ($args !~ x) { return 410; } } }\n";
        with_model(conf, |model| {
            let ifs: Vec<_> = model.everywhere("if").map(|(_, at)| if_regex(at)).collect();
            assert_eq!(
                ifs,
                vec![
                    Some(("$http_user_agent".into(), true, "(bot|crawler)".into())),
                    Some(("$uri".into(), false, "^/a$".into())),
                    None,
                ]
            );
        });
    }

    /// What variable `var` holds in argument `i` of the first directive named `name`.
    fn flow_of(model: &Model<'_>, name: &str, i: usize, var: &str) -> Option<Flow> {
        let v = Values::new(model);
        for id in model.ids() {
            for at in model.here(id, name) {
                for p in v.argument(id, at, i) {
                    if let Piece::Var(u) = p {
                        if u.name == var {
                            return u.flow;
                        }
                    }
                }
            }
        }
        panic!("no ${var} in {name}")
    }

    #[test]
    fn nginx_variables_and_captures() {
        let conf = r#"events {}
http {
    map $http_x_tenant $tenant { default main; ~^(?<t>[a-z]+)$ $t; }
    map $uri $page { default x; ~^/p/(.*)$ $1; }
    server {
        listen 80;
        set $safe "fixed";
        location ~ ^/a/([^/]+)/(\d+)$ {
            add_header X-A $1;
            add_header X-B $2;
            add_header X-U $uri;
            add_header X-R $request_uri;
            add_header X-S $safe;
            add_header X-T $tenant;
            add_header X-P $page;
            if ($http_referer ~ ^https://([a-z.]+)/) {
                return 302 https://x$1;
            }
        }
        location /b/ {
            rewrite ^/b/(.*)$ /c/$1 break;
            proxy_pass http://127.0.0.1:81$1;
        }
    }
}
"#;
        with_model(conf, |m| {
            let v = Values::new(m);
            let mut got = HashMap::default();
            for id in m.ids() {
                for at in m.here(id, "add_header") {
                    let name = at.arg(0).unwrap().into_owned();
                    let pieces = v.argument(id, at, 1);
                    let Some(Piece::Var(u)) = pieces.first() else {
                        panic!()
                    };
                    got.insert(name, u.flow);
                }
            }
            let a = got["X-A"].unwrap();
            assert!(a.client && a.bytes.contains(b'\n') && !a.bytes.contains(b'/'));
            let b = got["X-B"].unwrap();
            assert!(!b.bytes.contains(b'\n') && b.bytes.contains(b'5'));
            assert!(got["X-U"].unwrap().bytes.contains(b'\r'));
            assert!(!got["X-R"].unwrap().bytes.contains(b'\n'));
            assert_eq!(got["X-S"].map(|f| f.client), Some(false));
            let t = got["X-T"].unwrap();
            assert!(t.client && !t.bytes.contains(b'\n'));
            let p = got["X-P"].unwrap();
            assert!(p.client && !p.bytes.contains(b'\n') && p.bytes.contains(b'\r'));
            // Inside the `if`, `$1` is the referer's capture: a header holds no newline.
            let r = flow_of(m, "return", 1, "1").unwrap();
            assert!(r.client && !r.bytes.contains(b'\r') && !r.bytes.contains(b'Z'));
            let pp = flow_of(m, "proxy_pass", 0, "1").unwrap();
            assert!(pp.client && pp.bytes.contains(b'\r') && !pp.bytes.contains(b'\n'));
        });
    }

    #[test]
    fn references_as_nginx_reads_them() {
        let r = references(b"http://$host${uri}x$1$2a$");
        let names: Vec<&str> = r.iter().map(|(_, _, n)| n.as_str()).collect();
        assert_eq!(names, ["host", "uri", "1", "2"]);
        assert_eq!(r[2].0, 19);
    }
}
