//! NGX311 `upstream-timing-not-logged`: servers that pass requests upstream while the access log
//! in effect records neither which backend answered (`$upstream_addr`) nor its status and time
//! (`$upstream_status`, `$upstream_response_time`) — nginx's default format `combined` has none of
//! them, so a 502 in the access log cannot be traced to a backend.
//!
//! nginx's rules (ngx_http_log_module.c, 1.22 → 1.31, verified on 1.22.1): `access_log` is a list
//! inherited http → server → location only into levels that set none (FACTS N3), all logs of a
//! level apply, `off` at a level turns every log of that level off; with none at any level nginx
//! logs to `logs/access.log` with `combined`. `log_format` is http-level only and must come before
//! the `access_log` that names it (else `unknown log format`); names are looked up without case,
//! `combined` first; variables are `$name` or `${name}`, also without case.

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Edit, Fix, Severity};
use ngxlint_engine::edit;
use ngxlint_engine::model::{split_host_port, At, FastMap, Model, Pass, ScopeId, Target};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

use crate::includes::Unknown;
use ngxlint_engine::inherit::Inherited;

static META: RuleMeta = RuleMeta {
    code: "NGX311",
    name: "upstream-timing-not-logged",
    severity: Severity::Info,
    summary: "servers that pass upstream with an access log format lacking `$upstream_addr`, `$upstream_status` or `$upstream_response_time`",
    doc: include_str!("../../../../rules/NGX311.md"),
    family: Family::Gateway,
    default: Enabled::On,
    aliases: &[],
};

/// The variables that tell which backend answered, with what, and how fast.
const VARS: [&str; 3] = ["upstream_addr", "upstream_status", "upstream_response_time"];

/// The `key=$variable` fields the help adds for each of [`VARS`].
const FIELDS: [&str; 3] = [
    "upstream=$upstream_addr",
    "upstream_status=$upstream_status",
    "upstream_rt=$upstream_response_time",
];

/// nginx's predefined format (`ngx_http_combined_fmt`).
const COMBINED: &str = r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent""#;

/// The name the help gives the format it adds.
const NEW_FORMAT: &str = "upstream_combined";

/// nginx's built-in log file (`NGX_HTTP_LOG_PATH`; Debian builds use /var/log/nginx/access.log).
const DEFAULT_PATH: &str = "logs/access.log";

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct UpstreamTimingNotLogged;

/// The variables an argument of `log_format` names, lowercased, as nginx's
/// `ngx_http_log_compile_format()` reads them: `$name` or `${name}`, the name made of letters,
/// digits and `_`.
fn variables(s: &str) -> Vec<String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' {
            i += 1;
            continue;
        }
        i += 1;
        let bracket = b.get(i) == Some(&b'{');
        if bracket {
            i += 1;
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
            i += 1;
        }
        // Letters, digits and `_` only: the bytes are the name.
        let name = String::from_utf8_lossy(&b[start..i]);
        if bracket && b.get(i) == Some(&b'}') {
            i += 1;
        }
        if !name.is_empty() {
            out.push(name.to_ascii_lowercase());
        }
    }
    out
}

/// A `log_format` of an `http` block.
struct Format<'p> {
    name: String,
    at: At<'p>,
    /// Position in the `http` block's reading order.
    pos: usize,
    /// Which of [`VARS`] it names.
    has: [bool; 3],
    /// `escape=json`, or a string that opens a JSON object.
    json: bool,
}

impl<'p> Format<'p> {
    fn read(at: At<'p>, pos: usize) -> Option<Format<'p>> {
        let args = at.args();
        let name = args.first()?.to_string();
        let mut strings = &args[1..];
        let mut json = false;
        if let Some(e) = strings.first().and_then(|a| a.strip_prefix("escape=")) {
            json = e == "json";
            strings = &strings[1..];
        }
        // A JSON object written without `escape=json` is still one: text appended after its
        // closing brace would break it.
        json |= strings
            .first()
            .is_some_and(|s| s.trim_start().starts_with('{'));
        let mut has = [false; 3];
        for s in strings {
            for v in variables(s) {
                if let Some(k) = VARS.iter().position(|x| *x == v) {
                    has[k] = true;
                }
            }
        }
        Some(Format {
            name,
            at,
            pos,
            has,
            json,
        })
    }
}

/// The formats of one `http` block, and where its direct children stand in its reading order.
struct HttpLevel<'p> {
    formats: Vec<Format<'p>>,
    /// Direct children with their position, in scope order (children are numbered in order).
    child_pos: Vec<(ScopeId, usize)>,
}

impl<'p> HttpLevel<'p> {
    fn of(model: &Model<'p>, http: ScopeId) -> HttpLevel<'p> {
        let s = model.scope(http);
        let mut formats = Vec::new();
        let mut child_pos = Vec::with_capacity(s.children.len());
        let mut children = s.children.iter().peekable();
        let log_format = model.name_id("log_format");
        for (pos, (d, &n)) in s.directives.iter().zip(model.names_of(http)).enumerate() {
            if Some(n) == log_format {
                formats.extend(Format::read(*d, pos));
            }
            if let Some(&&c) = children.peek() {
                if model
                    .scope(c)
                    .block
                    .is_some_and(|b| std::ptr::eq(b.dir, d.dir))
                {
                    child_pos.push((c, pos));
                    children.next();
                }
            }
        }
        HttpLevel { formats, child_pos }
    }

    /// The format `name` as nginx finds it for an `access_log` read at `pos`: `combined` first,
    /// then the first `log_format` read before it, names compared without case. `Err(())` when
    /// nginx knows no such format there (its own `unknown log format` error).
    fn find(&self, name: &str, pos: usize) -> Result<Option<usize>, ()> {
        if name.eq_ignore_ascii_case("combined") {
            return Ok(None);
        }
        self.formats
            .iter()
            .position(|f| f.pos < pos && f.name.eq_ignore_ascii_case(name))
            .map(Some)
            .ok_or(())
    }

    /// A format read before `pos` that records all three.
    fn complete_before(&self, pos: usize) -> Option<&Format<'p>> {
        self.formats
            .iter()
            .find(|f| f.pos < pos && f.has.iter().all(|h| *h))
    }
}

/// Where a location's access log comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Site {
    /// No `access_log` at any level of this `http` block: nginx's default.
    Default(ScopeId),
    /// The `access_log` set of this level.
    Level(ScopeId),
}

/// The judgement of the logs in effect.
#[derive(Clone, Copy)]
enum Verdict<'p> {
    /// Off, a format nginx would not find, or not knowable: nothing to say.
    Silent,
    /// One of the logs records all three.
    Records,
    /// The log (`None`: nginx's default) whose format misses the fewest, the format (`None`:
    /// `combined`) and what it misses.
    Lacks {
        log: Option<At<'p>>,
        format: Option<usize>,
        missing: [bool; 3],
    },
}

/// A location that passes upstream with a log lacking the variables.
struct Blind<'p> {
    pass: At<'p>,
    site: Site,
    /// The pass has one peer, whose address the log would always repeat.
    single: bool,
}

/// One report: the site, the servers it covers, and the passes to show.
struct Report<'p> {
    site: Site,
    http: Option<ScopeId>,
    servers: usize,
    passes: Vec<At<'p>>,
    /// Other sites of the same server that lack them too.
    others: Vec<Site>,
    /// A report for one server (else for the servers that inherit an http-level log).
    per_server: bool,
    /// Every pass it covers has a single peer.
    single: bool,
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// `` `$a` ``, `` `$a` and `$b` ``, `` `$a`, `$b` and `$c` ``.
fn listing(missing: &[bool; 3]) -> String {
    let names: Vec<String> = VARS
        .iter()
        .zip(missing)
        .filter(|(_, m)| **m)
        .map(|(v, _)| format!("`${v}`"))
        .collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// What the access log cannot show without the missing variables, about `whose` requests; where
/// every pass has a single peer the address names no choice, only the backend's answer.
fn consequence(missing: &[bool; 3], single: bool, whose: &str) -> String {
    if missing[0] && !single {
        return format!("which backend answered {whose}");
    }
    let mut parts: Vec<&str> = ["address", "status", "response time"]
        .into_iter()
        .zip(missing)
        .filter(|(_, m)| **m)
        .map(|(p, _)| p)
        .collect();
    // One peer: its address is known anyway; what is lost is its answer.
    if parts.len() > 1 && parts[0] == "address" {
        parts.remove(0);
    }
    let parts = match parts.as_slice() {
        [init @ .., last] if !init.is_empty() => format!("{} and {last}", init.join(", ")),
        _ => parts.join(""),
    };
    format!("the backend's {parts} for {whose}")
}

/// Whether a pass has exactly one peer: a unix socket, an IP address, or a group of one such
/// server (a name may resolve to several addresses; variables are resolved per request).
fn single_peer(model: &Model<'_>, pass: &Pass<'_>) -> bool {
    let literal = |addr: &str| {
        addr.starts_with("unix:") || {
            let (host, _) = split_host_port(addr);
            host.parse::<std::net::IpAddr>().is_ok()
        }
    };
    match &pass.target {
        Target::Unix(_) => true,
        Target::Inet { host, .. } => host.parse::<std::net::IpAddr>().is_ok(),
        Target::Group(i) => model
            .upstreams
            .get(*i)
            .is_some_and(|u| u.servers.len() == 1 && literal(&u.servers[0].address)),
        Target::Name(_) | Target::Variable | Target::Unknown => false,
    }
}

/// A directive's words as written, from the first argument on, except the format name.
fn log_words(at: &At<'_>, format: &str) -> String {
    let mut words: Vec<String> = at
        .dir
        .args
        .iter()
        .map(|w| String::from_utf8_lossy(w.span.slice(at.src)).into_owned())
        .collect();
    if words.len() >= 2 {
        words[1] = format.to_string();
    } else {
        words.push(format.to_string());
    }
    format!("access_log {};", words.join(" "))
}

impl UpstreamTimingNotLogged {
    /// The judgement of the `access_log` set of `level` (`logs`), for a location under `http`.
    fn judge<'p>(
        &self,
        model: &Model<'p>,
        http: Option<(ScopeId, &HttpLevel<'p>)>,
        level: ScopeId,
        logs: &[At<'p>],
    ) -> Verdict<'p> {
        if logs.iter().any(|d| d.arg(0).as_deref() == Some("off")) {
            return Verdict::Silent;
        }
        let mut best: Option<(usize, At<'p>, Option<usize>, [bool; 3])> = None;
        for log in logs {
            let name = log.arg(1).map(|n| n.into_owned());
            let name = name.as_deref().unwrap_or("combined");
            let found = match http {
                Some((h, lvl)) => match position(model, h, lvl, level, log) {
                    Some(pos) => lvl.find(name, pos),
                    None => Err(()),
                },
                // No `http` block in view: only the predefined format is known.
                None if name.eq_ignore_ascii_case("combined") => Ok(None),
                None => Err(()),
            };
            let Ok(format) = found else {
                return Verdict::Silent;
            };
            let has = match (format, http) {
                (Some(i), Some((_, lvl))) => lvl.formats[i].has,
                _ => [false; 3],
            };
            let missing = has.map(|h| !h);
            let n = missing.iter().filter(|m| **m).count();
            if n == 0 {
                return Verdict::Records;
            }
            if best.as_ref().is_none_or(|(b, ..)| n < *b) {
                best = Some((n, *log, format, missing));
            }
        }
        match best {
            Some((_, log, format, missing)) => Verdict::Lacks {
                log: Some(log),
                format,
                missing,
            },
            None => Verdict::Silent,
        }
    }

    fn report<'p>(
        &self,
        cx: &Cx<'_>,
        levels: &FastMap<ScopeId, HttpLevel<'p>>,
        verdicts: &FastMap<Site, Verdict<'p>>,
        r: &Report<'p>,
    ) -> Option<Diagnostic> {
        let model = cx.model;
        let Verdict::Lacks {
            log,
            format,
            missing,
        } = *verdicts.get(&r.site)?
        else {
            return None;
        };
        let lvl = r.http.and_then(|h| levels.get(&h));
        let fmt = format.and_then(|i| lvl.map(|l| &l.formats[i]));
        let fmt_name = fmt.map_or("combined", |f| f.name.as_str());
        let whose = if r.per_server {
            "this server's upstream requests".to_string()
        } else {
            format!(
                "the upstream requests of {}",
                plural(r.servers, "server", "servers")
            )
        };
        let what = consequence(&missing, r.single, &whose);
        let lacks = listing(&missing);
        let (file, span, message) = match (r.site, log) {
            (Site::Level(_), Some(log)) => {
                let span = log.arg_span(if log.nargs() >= 2 { 1 } else { 0 });
                (
                    log.file,
                    span,
                    format!(
                        "access log format `{fmt_name}` lacks {lacks}: the access log does not show {what}"
                    ),
                )
            }
            (Site::Default(h), _) => {
                let block = model.scope(h).block?;
                (
                    block.file,
                    block.name_span(),
                    format!(
                        "no `access_log` is set, so nginx logs with `combined`, which lacks {lacks}: the access log does not show {what}"
                    ),
                )
            }
            (Site::Level(_), None) => return None,
        };
        let mut d = META.diag(file, span, message);
        if let Some(f) = fmt {
            d = d.with_place(
                f.at.file,
                f.at.arg_span(0),
                format!("format `{}` is defined here", f.name),
            );
        }
        for other in &r.others {
            if let Site::Default(h) = *other {
                if let Some(block) = model.scope(h).block {
                    d = d.with_place(
                        block.file,
                        block.name_span(),
                        "other locations of this server log with nginx's default, `combined` (no `access_log` is set)",
                    );
                }
                continue;
            }
            let Some(Verdict::Lacks {
                log: Some(olog),
                format: ofmt,
                missing: omissing,
            }) = verdicts.get(other)
            else {
                continue;
            };
            let oname = ofmt
                .and_then(|i| lvl.map(|l| l.formats[i].name.as_str()))
                .unwrap_or("combined");
            d = d.with_place(
                olog.file,
                olog.arg_span(if olog.nargs() >= 2 { 1 } else { 0 }),
                format!(
                    "other locations of this server log with `{oname}`, which lacks {} too",
                    listing(omissing)
                ),
            );
        }
        for pass in &r.passes {
            d = d.with_place(
                pass.file,
                pass.arg_span(0),
                format!("passes requests upstream here with `{fmt_name}`"),
            );
        }
        // Where nginx reads the log, for the formats defined before it.
        let pos = match (r.site, log, r.http, lvl) {
            (Site::Level(level), Some(log), Some(h), Some(l)) => position(model, h, l, level, &log),
            (Site::Default(_), ..) => Some(usize::MAX),
            _ => None,
        };
        let fix = fix(model, r.http, pos, lvl, log, fmt, &missing);
        Some(
            d.with_help(self.help(pos, lvl, log, fmt, &missing))
                .with_edits(fix),
        )
    }

    /// One concrete fix: use a format of the block that records all three, else add one (for
    /// `combined`), else extend the format in use.
    fn help(
        &self,
        pos: Option<usize>,
        lvl: Option<&HttpLevel<'_>>,
        log: Option<At<'_>>,
        fmt: Option<&Format<'_>>,
        missing: &[bool; 3],
    ) -> String {
        let use_log = |name: &str| match log {
            Some(log) => format!("use `{}`", log_words(&log, name)),
            None => format!("add `access_log {DEFAULT_PATH} {name};` to the `http` block"),
        };
        if let (Some(l), Some(pos)) = (lvl, pos) {
            if let Some(good) = l.complete_before(pos) {
                return format!(
                    "{} (format `{}` records all three)",
                    use_log(&good.name),
                    good.name
                );
            }
        }
        match fmt {
            None => {
                let taken = |n: &str| {
                    lvl.is_some_and(|l| l.formats.iter().any(|f| f.name.eq_ignore_ascii_case(n)))
                };
                let mut name = NEW_FORMAT.to_string();
                let mut k = 2;
                while taken(&name) {
                    name = format!("{NEW_FORMAT}_{k}");
                    k += 1;
                }
                let line = format!("log_format {name} '{COMBINED} {}';", FIELDS.join(" "));
                let then = match log {
                    Some(log) => format!("use `{}`", log_words(&log, &name)),
                    None => format!("`access_log {DEFAULT_PATH} {name};` after it"),
                };
                match log {
                    Some(_) => format!("add `{line}` at the top of the `http` block and {then}"),
                    None => format!("add `{line}` to the `http` block, and {then}"),
                }
            }
            Some(f) if f.json => {
                let keys: Vec<String> = VARS
                    .iter()
                    .zip(missing)
                    .filter(|(_, m)| **m)
                    .map(|(v, _)| format!("\"{v}\":\"${v}\""))
                    .collect();
                format!(
                    "add `{}` to the JSON object of `log_format {}`",
                    keys.join(","),
                    f.name
                )
            }
            Some(f) => {
                let fields: Vec<&str> = FIELDS
                    .iter()
                    .zip(missing)
                    .filter(|(_, m)| **m)
                    .map(|(x, _)| *x)
                    .collect();
                format!(
                    "add the string `' {}'` at the end of `log_format {}`",
                    fields.join(" "),
                    f.name
                )
            }
        }
    }
}

/// The access log pointed at format `name`: its format argument replaced, or added.
fn use_format(log: &At<'_>, name: &str) -> Edit {
    match log.dir.args.get(1) {
        Some(w) => Edit::replace(log.file, w.span, name),
        None => Edit::insert(log.file, log.arg_span(0).end, format!(" {name}")),
    }
}

/// The edits of the help (see [`UpstreamTimingNotLogged::help`]). Unsafe: whatever reads the
/// access log reads another line format afterwards. A JSON format gets none (its object is
/// inside a string the fix would have to rewrite).
fn fix(
    model: &Model<'_>,
    http: Option<ScopeId>,
    pos: Option<usize>,
    lvl: Option<&HttpLevel<'_>>,
    log: Option<At<'_>>,
    fmt: Option<&Format<'_>>,
    missing: &[bool; 3],
) -> Fix {
    let title = "Log the upstream's address, status and time";
    if let (Some(l), Some(pos), Some(log)) = (lvl, pos, log) {
        if let Some(good) = l.complete_before(pos) {
            return Fix::unsafe_edits(title, vec![use_format(&log, &good.name)]);
        }
    }
    match fmt {
        None => {
            let Some(block) = http.and_then(|h| model.scope(h).block) else {
                return Fix::unsafe_edits(title, Vec::new());
            };
            let taken = |n: &str| {
                lvl.is_some_and(|l| l.formats.iter().any(|f| f.name.eq_ignore_ascii_case(n)))
            };
            let mut name = NEW_FORMAT.to_string();
            let mut k = 2;
            while taken(&name) {
                name = format!("{NEW_FORMAT}_{k}");
                k += 1;
            }
            let mut text = format!("log_format {name} '{COMBINED} {}';", FIELDS.join(" "));
            let mut edits = Vec::new();
            match log {
                Some(log) => edits.push(use_format(&log, &name)),
                None => text.push_str(&format!("\naccess_log {DEFAULT_PATH} {name};")),
            }
            edits.push(edit::insert_in_block(
                block.file, block.src, block.dir, &text, false,
            ));
            Fix::unsafe_edits(title, edits)
        }
        Some(f) if f.json => Fix::unsafe_edits(title, Vec::new()),
        Some(f) => {
            let fields: Vec<&str> = FIELDS
                .iter()
                .zip(missing)
                .filter(|(_, m)| **m)
                .map(|(x, _)| *x)
                .collect();
            let end = f.at.head_span().end;
            let added = format!("' {}'", fields.join(" "));
            // A format written over several lines gets one more line, aligned with its last.
            let text = if f.at.head_span().slice(f.at.src).contains(&b'\n') {
                let last = f.at.arg_span(f.at.nargs().saturating_sub(1)).start as usize;
                let line = edit::line_start(f.at.src, last);
                let pad: String = f.at.src[line..last]
                    .iter()
                    .map(|&b| if b == b'\t' { '\t' } else { ' ' })
                    .collect();
                format!("\n{pad}{added}")
            } else {
                format!(" {added}")
            };
            Fix::unsafe_edits(title, vec![Edit::insert(f.at.file, end, text)])
        }
    }
}

/// The scope a site stands for.
fn site_scope(site: Site) -> ScopeId {
    match site {
        Site::Default(s) | Site::Level(s) => s,
    }
}

/// Where nginx reads a directive of `level` in the `http` block's order: its own position at the
/// http level, else the position of the http-level block it stands in.
fn position<'p>(
    model: &Model<'p>,
    http: ScopeId,
    lvl: &HttpLevel<'p>,
    level: ScopeId,
    at: &At<'p>,
) -> Option<usize> {
    if level == http {
        return model
            .scope(http)
            .directives
            .iter()
            .position(|d| std::ptr::eq(d.dir, at.dir));
    }
    let top = model
        .chain(level)
        .find(|&s| model.scope(s).parent == Some(http))?;
    lvl.child_pos
        .binary_search_by_key(&top, |&(c, _)| c)
        .ok()
        .map(|i| lvl.child_pos[i].1)
}

impl Rule for UpstreamTimingNotLogged {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        let mut levels: FastMap<ScopeId, HttpLevel<'_>> = FastMap::default();
        let mut verdicts: FastMap<Site, Verdict<'_>> = FastMap::default();
        // The verdict of each site by scope, so the maps above are touched once per site, not
        // once per passing location: a level's `access_log` set, and nginx's default per `http`.
        let mut level_verdict: Vec<Option<Verdict<'_>>> = vec![None; model.scopes.len()];
        let mut default_seen: Vec<bool> = vec![false; model.scopes.len()];
        let access_log = Inherited::new(model, ["access_log"]);
        let mut log_levels = Vec::new();
        let mut unknown = Unknown::new(cx);
        // Servers in reading order, each with its blind locations.
        let mut servers: Vec<(ScopeId, Vec<Blind<'_>>)> = Vec::new();
        let mut server_index: FastMap<ScopeId, usize> = FastMap::default();
        let mut site_http: FastMap<Site, Option<ScopeId>> = FastMap::default();
        for (i, s) in model.scopes.iter().enumerate() {
            if !matches!(
                s.kind,
                Context::HttpLocation | Context::HttpLocationIf | Context::HttpLimitExcept
            ) {
                continue;
            }
            let id = ScopeId(i as u32);
            let Some(pass) = model.pass(id) else { continue };
            let Some(server) = model
                .chain(id)
                .find(|&s| model.scope(s).kind == Context::HttpServer)
            else {
                continue;
            };
            let http = model.chain(id).last().filter(|&h| {
                model.scope(h).kind == Context::Http && model.scope(h).block.is_some()
            });
            if let Some(h) = http {
                levels.entry(h).or_insert_with(|| HttpLevel::of(model, h));
            }
            // The site, and the level up to which the chain decides it.
            let (site, verdict, upto) = match access_log.level_memo(&mut log_levels, id, 0) {
                Some(level) => {
                    let site = Site::Level(level);
                    let verdict = match level_verdict[level.0 as usize] {
                        Some(v) => v,
                        None => {
                            let lvl = http.and_then(|h| levels.get(&h).map(|l| (h, l)));
                            let logs: Vec<At<'_>> = access_log
                                .list(id, 0)
                                .map(|(_, v)| v.copied().collect())
                                .unwrap_or_default();
                            let v = self.judge(model, lvl, level, &logs);
                            verdicts.insert(site, v);
                            level_verdict[level.0 as usize] = Some(v);
                            v
                        }
                    };
                    (site, verdict, Some(level))
                }
                None => {
                    // nginx's default applies — unless the block around is out of view.
                    let Some(h) = http else { continue };
                    let site = Site::Default(h);
                    let verdict = Verdict::Lacks {
                        log: None,
                        format: None,
                        missing: [true; 3],
                    };
                    if !std::mem::replace(&mut default_seen[h.0 as usize], true) {
                        verdicts.insert(site, verdict);
                    }
                    (site, verdict, None)
                }
            };
            if !matches!(verdict, Verdict::Lacks { .. }) {
                continue;
            }
            // A file the project does not hold may set another log, or `access_log off`.
            let mut blind_here = true;
            for s in model.chain(id) {
                if unknown.scope(s) {
                    blind_here = false;
                    break;
                }
                if Some(s) == upto {
                    break;
                }
            }
            if !blind_here {
                continue;
            }
            site_http.insert(site, http);
            let i = *server_index.entry(server).or_insert_with(|| {
                servers.push((server, Vec::new()));
                servers.len() - 1
            });
            servers[i].1.push(Blind {
                pass: pass.at,
                site,
                single: single_peer(model, pass),
            });
        }

        // One report per server, or one per http-level site for the servers that inherit it.
        let at_http = |site: Site| match site {
            Site::Default(_) => true,
            Site::Level(s) => model.scope(s).kind == Context::Http,
        };
        let mut reports: Vec<Report<'_>> = Vec::new();
        let mut http_reports: FastMap<Site, usize> = FastMap::default();
        for (server, blind) in &servers {
            let mut sites: Vec<Site> = Vec::new();
            for b in blind {
                if !sites.contains(&b.site) {
                    sites.push(b.site);
                }
            }
            if sites.iter().all(|&s| at_http(s)) {
                let site = sites[0];
                let i = *http_reports.entry(site).or_insert_with(|| {
                    reports.push(Report {
                        site,
                        http: site_http.get(&site).copied().flatten(),
                        servers: 0,
                        passes: Vec::new(),
                        others: Vec::new(),
                        per_server: false,
                        single: true,
                    });
                    reports.len() - 1
                });
                let r = &mut reports[i];
                r.servers += 1;
                r.single &= blind.iter().all(|b| b.single);
                if r.passes.len() < 8 {
                    r.passes.push(blind[0].pass);
                }
                continue;
            }
            // The server's own log, else the first location's; the rest shown beside it.
            let main = sites
                .iter()
                .copied()
                .find(|&s| site_scope(s) == *server)
                .or_else(|| sites.iter().copied().find(|&s| !at_http(s)))
                .unwrap_or(sites[0]);
            let first = blind
                .iter()
                .find(|b| b.site == main)
                .map_or(blind[0].pass, |b| b.pass);
            reports.push(Report {
                site: main,
                http: site_http.get(&main).copied().flatten(),
                servers: 1,
                passes: vec![first],
                others: sites.into_iter().filter(|&s| s != main).collect(),
                per_server: true,
                single: blind.iter().all(|b| b.single),
            });
        }
        for r in &reports {
            out.extend(self.report(cx, &levels, &verdicts, r));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_as_nginx_reads_them() {
        assert_eq!(
            variables("up=$upstream_addr ${Upstream_Status}x $UPSTREAM_RESPONSE_TIME"),
            ["upstream_addr", "upstream_status", "upstream_response_time"]
        );
        assert_eq!(variables("$upstream_addr_x"), ["upstream_addr_x"]);
        assert_eq!(
            variables("$upstream_addr-$status"),
            ["upstream_addr", "status"]
        );
        assert_eq!(variables("$ $"), Vec::<String>::new());
        assert_eq!(variables(COMBINED).len(), 8);
    }

    #[test]
    fn consequence_names_what_is_lost() {
        let w = "x";
        assert_eq!(
            consequence(&[true; 3], false, w),
            "which backend answered x"
        );
        assert_eq!(
            consequence(&[true; 3], true, w),
            "the backend's status and response time for x"
        );
        assert_eq!(
            consequence(&[true, false, false], true, w),
            "the backend's address for x"
        );
        assert_eq!(
            consequence(&[false, true, false], false, w),
            "the backend's status for x"
        );
        assert_eq!(
            consequence(&[false, false, true], true, w),
            "the backend's response time for x"
        );
    }

    #[test]
    fn listing_reads_as_english() {
        assert_eq!(listing(&[true, false, false]), "`$upstream_addr`");
        assert_eq!(
            listing(&[true, false, true]),
            "`$upstream_addr` and `$upstream_response_time`"
        );
        assert_eq!(
            listing(&[true, true, true]),
            "`$upstream_addr`, `$upstream_status` and `$upstream_response_time`"
        );
    }
}
