//! NGX310 `upstream-keepalive-misconfigured`: an upstream group with a `keepalive` cache that
//! never holds a connection (FACTS N3, N4). The upstream closes every connection after one response
//! when `proxy_pass` speaks HTTP/1.0 to it or sends `Connection: close` (nginx's defaults before
//! 1.29.7, or written), php-fpm does when `fastcgi_keep_conn` is off (the default), and before
//! 1.29.7 a balancing method placed after `keepalive` replaces the cache altogether.
//!
//! Only groups with a `keepalive` line the configuration writes are judged: the `keepalive 32
//! local` every group has from 1.29.7 on is nginx's own optimisation, not something the user
//! asked for, and a pass that does not use it loses nothing it was promised.

use std::collections::{HashMap, HashSet};

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Edit, Fix, Severity};
use ngxlint_engine::edit;
use ngxlint_engine::model::{At, Model, PassModule, ScopeId, Target};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};
use ngxlint_engine::FileId;

use crate::includes::Unknown;
use crate::words::{arg_bytes, arg_is, arg_text};
use ngxlint_engine::inherit::Inherited;

static META: RuleMeta = RuleMeta {
    code: "NGX310",
    name: "upstream-keepalive-misconfigured",
    severity: Severity::Warning,
    summary: "upstream `keepalive` that caches nothing: HTTP/1.0 or `Connection: close` to it, no `fastcgi_keep_conn on`, a balancing method after it",
    doc: include_str!("../../../../rules/NGX310.md"),
    family: Family::Gateway,
    default: Enabled::On,
    aliases: &["nginx-lint:proxy-keepalive"],
};

/// From this version on, nginx speaks HTTP/1.1 to upstreams, sends no `Connection` header of its
/// own, gives every upstream group `keepalive 32 local`, and the order of `keepalive` and the
/// balancing method no longer matters (FACTS N3, N4; changes.xml 1.29.7).
const MODERN: (u32, u32, u32) = (1, 29, 7);

/// Balancing method directives: each replaces the peer set-up `keepalive` wrapped when it comes
/// after it (`load balancing method redefined`, verified for the first four on 1.22.1).
const METHODS: &[&str] = &["hash", "ip_hash", "least_conn", "random", "least_time"];

/// At most this many passes are shown beside a finding.
const SHOWN: usize = 8;

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct UpstreamKeepaliveMisconfigured;

/// A `keepalive` line of an http upstream group.
#[derive(Clone, Copy)]
struct Cache<'p> {
    at: At<'p>,
}

impl Cache<'_> {
    /// `keepalive 16` as written.
    fn text(&self) -> String {
        written(&self.at)
    }
}

/// A directive as written, without the semicolon: `least_conn`, `hash $uri consistent`.
fn written(at: &At<'_>) -> String {
    String::from_utf8_lossy(at.head_span().slice(at.src)).into_owned()
}

/// Why a setting is in effect: nginx's default, or a directive.
#[derive(Clone, Copy)]
enum Cause<'p> {
    Default,
    Written(At<'p>),
}

impl<'p> Cause<'p> {
    fn at(self) -> Option<At<'p>> {
        match self {
            Cause::Default => None,
            Cause::Written(at) => Some(at),
        }
    }
}

fn by_default(c: Option<Cause<'_>>) -> bool {
    matches!(c, Some(Cause::Default))
}

/// One pass to a group with a cache, and what keeps the cache empty.
#[derive(Clone)]
struct Defeat<'p> {
    upstream: usize,
    module: PassModule,
    pass: At<'p>,
    /// HTTP/1.0 (nginx's default before 1.29.7, or written).
    version: Option<Cause<'p>>,
    /// `Connection: close` (nginx's default before 1.29.7, or written).
    close: Option<Cause<'p>>,
    /// The `proxy_set_header` list in effect (its level and first line), when nginx's default
    /// `Connection: close` is sent because the list has no `Connection`.
    list: Option<(ScopeId, At<'p>)>,
    /// `fastcgi_keep_conn` off (the default, or written).
    keep: Option<Cause<'p>>,
    /// The http (or top) level of the pass.
    top: ScopeId,
    /// The scope the pass stands in.
    pass_scope: ScopeId,
}

impl<'p> Defeat<'p> {
    /// The written directive the finding points at, if any.
    fn anchor(&self) -> Option<At<'p>> {
        [self.version, self.close, self.keep]
            .into_iter()
            .find_map(|c| c.and_then(Cause::at))
    }
}

/// What keeps a cache empty for a `proxy_pass` (see [`Defeat`]).
struct Proxy<'p> {
    version: Option<Cause<'p>>,
    close: Option<Cause<'p>>,
    list: Option<(ScopeId, At<'p>)>,
}

/// How findings are grouped: one per written directive that defeats a cache, else one per
/// upstream group, module and set of defaults (2,000 servers passing to one group make one
/// finding, not 2,000).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Written(usize, FileId, u32),
    Defaults {
        upstream: usize,
        module: PassModule,
        version: bool,
        close: bool,
        keep: bool,
    },
}

/// The value of a `Connection` header set with `proxy_set_header`.
enum Connection {
    /// `""`: no header sent.
    Empty,
    /// A `close` token.
    Close,
    /// Another literal (`keep-alive`, `upgrade`).
    Other,
    /// Holds variables: cannot be known.
    Variable,
}

fn connection(value: &str) -> Connection {
    if value.contains('$') {
        Connection::Variable
    } else if value.is_empty() {
        Connection::Empty
    } else if value
        .split(',')
        .any(|t| t.trim().eq_ignore_ascii_case("close"))
    {
        Connection::Close
    } else {
        Connection::Other
    }
}

/// The names [`UpstreamKeepaliveMisconfigured::proxy`] and the fastcgi check ask for.
const NAMES: [&str; 3] = [
    "proxy_http_version",
    "proxy_set_header",
    "fastcgi_keep_conn",
];
const HTTP_VERSION: usize = 0;
const SET_HEADER: usize = 1;
const KEEP_CONN: usize = 2;

impl UpstreamKeepaliveMisconfigured {
    /// What keeps the cache empty for a `proxy_pass` standing in `scope`, or `None` when nothing
    /// does or it cannot be known.
    fn proxy<'p>(
        &self,
        cx: &Cx<'p>,
        eff: &Inherited<'_, 'p, 3>,
        scope: ScopeId,
    ) -> Option<Proxy<'p>> {
        let old = cx.settings.nginx_version < MODERN;
        let version = match eff.last(scope, HTTP_VERSION) {
            Some((_, at)) if arg_is(&at, 0, "1.0") => Some(Cause::Written(at)),
            Some(_) => None,
            None if old => Some(Cause::Default),
            None => None,
        };
        let list = eff.list(scope, SET_HEADER);
        let mut close = None;
        let mut other = false;
        let mut named = false;
        let mut first = None;
        if let Some((lvl, lines)) = list {
            for d in lines {
                if first.is_none() {
                    first = Some((lvl, *d));
                }
                if !arg_bytes(d, 0).is_some_and(|n| n.eq_ignore_ascii_case(b"connection")) {
                    continue;
                }
                named = true;
                match connection(&arg_text(d, 1).unwrap_or_default()) {
                    // The websocket pattern (`$connection_upgrade`) and the like: never guessed.
                    Connection::Variable => return None,
                    Connection::Close => close = close.or(Some(Cause::Written(*d))),
                    Connection::Other => other = true,
                    Connection::Empty => {}
                }
            }
        }
        let mut in_effect = None;
        if !named && old {
            // nginx adds `Connection: close` for a name the list does not set (FACTS N3).
            close = Some(Cause::Default);
            in_effect = first;
        }
        // HTTP/1.0 with a literal `Connection: keep-alive` is reused by upstreams that honour
        // it (measured with nginx 1.22.1): not judged.
        let version = version.filter(|_| !(other && close.is_none()));
        if version.is_none() && close.is_none() {
            return None;
        }
        Some(Proxy {
            version,
            close,
            list: in_effect,
        })
    }

    fn defeats<'p>(&self, cx: &Cx<'p>, caches: &[Option<Cache<'p>>]) -> Vec<Defeat<'p>> {
        let model = cx.model;
        let mut out = Vec::new();
        let eff = Inherited::new(model, NAMES);
        // Whether a level includes a file the project lacks, worked out once per level (and
        // only for passes that would be reported): every pass of a large tree shares its
        // `http` block.
        let mut unknown = Unknown::new(cx);
        // The passes the model read once, in scope order then reading order.
        for (id, pass) in model.pass_directives() {
            let id = *id;
            if !matches!(pass.module, PassModule::Proxy | PassModule::FastCgi) {
                continue;
            }
            if !matches!(
                model.scope(id).kind,
                Context::HttpLocation | Context::HttpLocationIf | Context::HttpLimitExcept
            ) {
                continue;
            }
            let Target::Group(g) = pass.target else {
                continue;
            };
            if !matches!(caches.get(g), Some(Some(_))) {
                continue;
            }
            let mut defeat = Defeat {
                upstream: g,
                module: pass.module,
                pass: pass.at,
                version: None,
                close: None,
                list: None,
                keep: None,
                top: id,
                pass_scope: id,
            };
            match pass.module {
                PassModule::Proxy => {
                    let Some(p) = self.proxy(cx, &eff, id) else {
                        continue;
                    };
                    defeat.version = p.version;
                    defeat.close = p.close;
                    defeat.list = p.list;
                }
                PassModule::FastCgi => {
                    defeat.keep = match eff.last(id, KEEP_CONN) {
                        Some((_, at))
                            if arg_bytes(&at, 0).is_some_and(|v| v.eq_ignore_ascii_case(b"on")) =>
                        {
                            continue
                        }
                        Some((_, at)) => Some(Cause::Written(at)),
                        None => Some(Cause::Default),
                    };
                }
                _ => continue,
            }
            if model.chain(id).any(|l| unknown.scope(l)) {
                continue;
            }
            // A file read alone: its parent may set what the defaults lack (HTTP/1.1, an empty
            // `Connection`), so only what the file itself writes is judged.
            if model.in_fragment(id) && defeat.anchor().is_none() && defeat.list.is_none() {
                continue;
            }
            let Some(top) = model.chain(id).last() else {
                continue;
            };
            defeat.top = top;
            out.push(defeat);
        }
        out
    }
}

/// `the `server` block`, `the `location /api/` block`, `the `http` level` (a file read alone).
fn block_desc(model: &Model<'_>, scope: ScopeId) -> String {
    match model.scope(scope).block {
        None => "the `http` level".to_string(),
        Some(at) if at.is("location") => {
            format!("the `location {}` block", at.args().join(" "))
        }
        Some(at) => format!("the `{}` block", at.name()),
    }
}

/// The finding for one group of passes.
fn report<'p>(
    cx: &Cx<'p>,
    caches: &[Option<Cache<'p>>],
    members: &[Defeat<'p>],
    key: Key,
) -> Option<Diagnostic> {
    let model = cx.model;
    let first = members.first()?;
    let u = model.upstreams.get(first.upstream)?;
    let cache = caches.get(first.upstream)?.as_ref()?;
    let name = &u.name;
    let ka = cache.text();
    let n = members.len();
    let module = first.module.directive();
    let version_default = members.iter().any(|d| by_default(d.version));
    let close_default = members.iter().any(|d| by_default(d.close));
    let keep_default = members.iter().any(|d| by_default(d.keep));

    let (file, span, message) = match (key, first.anchor()) {
        (Key::Written(..), Some(at)) => {
            let (span, what) = if at.is("proxy_set_header") {
                (at.arg_span(1), "the upstream".to_string())
            } else if at.is("fastcgi_keep_conn") {
                (at.arg_span(0), "php-fpm".to_string())
            } else {
                (at.arg_span(0), "the upstream".to_string())
            };
            (
                at.file,
                span,
                format!(
                    "`{}` to upstream `{name}`: {what} closes every connection after one response, `{ka}` caches none",
                    written(&at)
                ),
            )
        }
        _ => {
            let where_ = if n == 1 {
                String::new()
            } else {
                format!(" in {n} locations")
            };
            let message = match first.module {
                PassModule::FastCgi => format!(
                    "fastcgi_pass to upstream `{name}`{where_} without `fastcgi_keep_conn on`: php-fpm closes every connection after one response, `{ka}` caches none"
                ),
                _ => {
                    let what = match (version_default, close_default) {
                        (true, true) => "speaks HTTP/1.0 and sends `Connection: close` (nginx's defaults before 1.29.7)",
                        (true, false) => "speaks HTTP/1.0 (nginx's default before 1.29.7)",
                        _ => "sends `Connection: close` (nginx's default before 1.29.7)",
                    };
                    format!(
                        "proxy_pass to upstream `{name}`{where_} {what}: every request opens a new connection, `{ka}` caches none"
                    )
                }
            };
            (first.pass.file, first.pass.arg_span(0), message)
        }
    };

    // The help: what to change where a directive is written, what to add where none is.
    let mut parts: Vec<String> = Vec::new();
    let written_of = |f: fn(&Defeat<'p>) -> Option<Cause<'p>>| {
        members
            .iter()
            .find_map(|d| f(d).and_then(Cause::at))
            .map(|at| written(&at))
    };
    if let Some(w) = written_of(|d| d.version) {
        parts.push(format!("use `proxy_http_version 1.1;` instead of `{w}`"));
    }
    if let Some(w) = written_of(|d| d.close) {
        parts.push(format!(
            "use `proxy_set_header Connection \"\";` instead of `{w}`"
        ));
    }
    if let Some(w) = written_of(|d| d.keep) {
        parts.push(format!("use `fastcgi_keep_conn on;` instead of `{w}`"));
    }
    let mut adds = Vec::new();
    if version_default {
        adds.push("`proxy_http_version 1.1;`");
    }
    if close_default {
        adds.push("`proxy_set_header Connection \"\";`");
    }
    if keep_default {
        adds.push("`fastcgi_keep_conn on;`");
    }
    // Where nginx's default `Connection: close` comes from: the `proxy_set_header` lists in
    // effect that have no `Connection` (a line added at a higher level would not reach them),
    // or no list at all (`bare`).
    let mut lists: Vec<(ScopeId, At<'p>)> = Vec::new();
    let mut bare = false;
    for m in members.iter().filter(|m| by_default(m.close)) {
        match m.list {
            Some((lvl, at)) if !lists.iter().any(|(l, _)| *l == lvl) => lists.push((lvl, at)),
            Some(_) => {}
            None => bare = true,
        }
    }
    if !adds.is_empty() {
        let site = match (lists.as_slice(), bare) {
            ([(lvl, _)], false) => format!(
                "to {}, which holds the `proxy_set_header` list in effect",
                block_desc(model, *lvl)
            ),
            ([], _) if n == 1 => format!("next to the {module}"),
            ([], _) => format!("to {}", block_desc(model, first.top)),
            (_, false) => "to each `proxy_set_header` list in effect (a level with its own list inherits none)".to_string(),
            (_, true) => format!(
                "to each `proxy_set_header` list in effect (a level with its own list inherits none), and to {} for the locations with none",
                block_desc(model, first.top)
            ),
        };
        parts.push(format!("add {} {site}", adds.join(" and ")));
    }
    let mut d = META.diag(file, span, message);
    d = d.with_place(
        cache.at.file,
        cache.at.head_span(),
        format!("the connection cache of upstream `{name}`"),
    );
    let mut marked = HashSet::new();
    for (_, at) in lists.iter().take(SHOWN) {
        if marked.insert((at.file, at.dir.name.span.start)) {
            d = d.with_place(
                at.file,
                at.name_span(),
                "a `proxy_set_header` list in effect starts here, with no `Connection`",
            );
        }
    }
    let shown_from = usize::from(matches!(key, Key::Defaults { .. }));
    for m in members.iter().skip(shown_from).take(SHOWN) {
        d = d.with_place(
            m.pass.file,
            m.pass.arg_span(0),
            format!("passes to upstream `{name}` here"),
        );
    }
    // The edits of the help: each written cause changed in place; the lines to add at the sites
    // the help names (a site the directives may not stand in, such as an `if`, gets no fix).
    let mut edits: Vec<Edit> = Vec::new();
    let mut complete = true;
    for m in members {
        for (cause, arg, value) in [
            (m.version, 0, "1.1"),
            (m.close, 1, "\"\""),
            (m.keep, 0, "on"),
        ] {
            if let Some(at) = cause.and_then(Cause::at) {
                edits.push(Edit::replace(at.file, at.arg_span(arg), value));
            }
        }
    }
    if !adds.is_empty() {
        let lines: Vec<&str> = adds.iter().map(|a| a.trim_matches('`')).collect();
        let text = lines.join("\n");
        let mut sites: Vec<ScopeId> = lists.iter().map(|(lvl, _)| *lvl).collect();
        if lists.is_empty() && n == 1 {
            if model.scope(first.pass_scope).kind == Context::HttpLocation {
                edits.push(edit::insert_after(
                    first.pass.file,
                    first.pass.src,
                    first.pass.dir,
                    &text,
                ));
            } else {
                complete = false;
            }
        } else if lists.is_empty() || bare {
            sites.push(first.top);
        }
        for lvl in sites {
            let s = model.scope(lvl);
            match s.block {
                Some(b)
                    if matches!(
                        s.kind,
                        Context::Http | Context::HttpServer | Context::HttpLocation
                    ) =>
                {
                    edits.push(edit::insert_in_block(b.file, b.src, b.dir, &text, false));
                }
                _ => complete = false,
            }
        }
    }
    if complete && !edits.is_empty() {
        // HTTP/1.1 with keep-alive to an upstream that has a cache: what the help says. A cached
        // FastCGI connection holds a php-fpm child (see the help): for the user to review.
        let title = "Let the upstream keep its connections";
        let fix = if first.module == PassModule::FastCgi {
            Fix::unsafe_edits(title, edits)
        } else {
            Fix::safe(title, edits)
        };
        d = d.with_edits(fix);
    }
    if !parts.is_empty() {
        let mut help = parts.join(", and ");
        if first.module == PassModule::FastCgi {
            // Measured: an idle cached connection keeps its php-fpm child waiting for the next
            // request, so a pool with fewer children than cached connections stalls.
            help.push_str(&format!(
                " (each cached connection holds a php-fpm child: keep `{ka}` × worker processes below `pm.max_children`)"
            ));
        }
        d = d.with_help(help);
    }
    Some(d)
}

impl Rule for UpstreamKeepaliveMisconfigured {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        let old = cx.settings.nginx_version < MODERN;
        let mut caches: Vec<Option<Cache<'_>>> = vec![None; model.upstreams.len()];
        for (i, u) in model.upstreams.iter().enumerate() {
            if u.stream {
                continue;
            }
            let dirs = &model.scope(u.scope).directives;
            let Some(pos) = dirs.iter().position(|d| d.is("keepalive")) else {
                continue;
            };
            let at = dirs[pos];
            // `keepalive 0` turns the cache off (1.29.7 on; nginx refuses it before).
            let size = at.arg(0).and_then(|a| a.parse::<u64>().ok());
            if size.filter(|&n| n >= 1).is_none() {
                continue;
            }
            let cache = Cache { at };
            if old {
                if let Some(m) = dirs[pos + 1..]
                    .iter()
                    .find(|d| METHODS.iter().any(|m| d.is(m)))
                {
                    let method = written(m);
                    let d = META
                        .diag(
                            m.file,
                            m.name_span(),
                            format!(
                                "`{}` after `{}` drops the connection cache of upstream `{}` (nginx warns `load balancing method redefined`): every request opens a new connection",
                                m.name(),
                                cache.text(),
                                u.name
                            ),
                        )
                        .with_place(at.file, at.head_span(), "the cache is set up here, before the balancing method")
                        .with_help(format!(
                            "move `{};` below `{method};`: the balancing method must come first",
                            cache.text()
                        ))
                        .with_edits(Fix::safe(
                            format!("Move `{};` below `{method};`", cache.text()),
                            vec![
                                edit::remove(at.file, at.src, at.dir),
                                edit::insert_after(m.file, m.src, m.dir, &format!("{};", cache.text())),
                            ],
                        ));
                    out.push(d);
                    continue;
                }
            }
            caches[i] = Some(cache);
        }
        if caches.iter().all(Option::is_none) {
            return;
        }
        let mut groups: HashMap<Key, Vec<Defeat<'_>>> = HashMap::new();
        let mut order: Vec<Key> = Vec::new();
        let mut members: HashSet<(Key, FileId, u32)> = HashSet::new();
        for defeat in self.defeats(cx, &caches) {
            let key = match defeat.anchor() {
                Some(at) => Key::Written(defeat.upstream, at.file, at.dir.name.span.start),
                None => Key::Defaults {
                    upstream: defeat.upstream,
                    module: defeat.module,
                    version: defeat.version.is_some(),
                    close: defeat.close.is_some(),
                    keep: defeat.keep.is_some(),
                },
            };
            let e = groups.entry(key).or_default();
            if e.is_empty() {
                order.push(key);
            }
            // A file included in several places is one pass, defeated the same way, here.
            if members.insert((key, defeat.pass.file, defeat.pass.dir.name.span.start)) {
                e.push(defeat);
            }
        }
        for key in order {
            if let Some(d) = report(cx, &caches, &groups[&key], key) {
                out.push(d);
            }
        }
    }
}
