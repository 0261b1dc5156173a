//! NGX302 undersized-buffers: nginx's own start-up checks of the upstream buffer directives on the
//! merged values of every level (FACTS N1), and a response-header buffer too small for the
//! upstream a location passes to (real-servers.md #3).

use std::collections::{HashMap, HashSet};

use nginx_syntax::directives::Context;
use nginx_syntax::Span;
use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::files::FileId;
use ngxlint_engine::model::{At, Model, NameId, PassModule, ScopeId};
use ngxlint_engine::rule::{Cx, Rule, RuleMeta};
use ngxlint_engine::units::{format_size, parse_size};

static META: RuleMeta = RuleMeta {
    code: "NGX302",
    name: "undersized-buffers",
    severity: Severity::Error,
    summary: "upstream buffers that nginx refuses at start-up, or a header buffer too small for the upstream",
    doc: include_str!("../../../rules/NGX302.md"),
};

/// x86_64 Linux page size: nginx's default for `X_buffer_size` and one `X_buffers` buffer.
const PAGE: u64 = 4096;
/// `X_max_temp_file_size` default.
const MAX_TEMP_DEFAULT: u64 = 1024 * 1024 * 1024;

/// The rule with its options.
pub struct UndersizedBuffers {
    /// Below this, an effective `X_buffer_size` on a passing location is reported.
    pub min_buffer_size: u64,
}

impl Default for UndersizedBuffers {
    fn default() -> Self {
        UndersizedBuffers {
            min_buffer_size: 16 * 1024,
        }
    }
}

/// The five buffer directives of a module, in nginx's merge order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Field {
    BufferSize = 0,
    Buffers = 1,
    Busy = 2,
    Temp = 3,
    MaxTemp = 4,
}

const FIELDS: [Field; 5] = [
    Field::BufferSize,
    Field::Buffers,
    Field::Busy,
    Field::Temp,
    Field::MaxTemp,
];

impl Field {
    fn suffix(self) -> &'static str {
        match self {
            Field::BufferSize => "buffer_size",
            Field::Buffers => "buffers",
            Field::Busy => "busy_buffers_size",
            Field::Temp => "temp_file_write_size",
            Field::MaxTemp => "max_temp_file_size",
        }
    }
}

/// The modules with the five checks (gRPC has only `grpc_buffer_size`).
const CHECKED: [PassModule; 4] = [
    PassModule::Proxy,
    PassModule::FastCgi,
    PassModule::Uwsgi,
    PassModule::Scgi,
];

/// Merged values at one level; `None` for busy/temp/max_temp means nginx computes the default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Vals {
    buffer_size: u64,
    num: u64,
    size: u64,
    busy: Option<u64>,
    temp: Option<u64>,
    max_temp: Option<u64>,
}

impl Vals {
    const DEFAULT: Vals = Vals {
        buffer_size: PAGE,
        num: 8,
        size: PAGE,
        busy: None,
        temp: None,
        max_temp: None,
    };
    /// `max(X_buffer_size, one X_buffers buffer)`.
    fn unit(&self) -> u64 {
        self.buffer_size.max(self.size)
    }
    fn busy(&self) -> u64 {
        self.busy.unwrap_or(2 * self.unit())
    }
    fn value(&self, f: Field) -> String {
        match f {
            Field::BufferSize => format_size(self.buffer_size),
            Field::Buffers => format!("{} {}", self.num, format_size(self.size)),
            Field::Busy => format_size(self.busy()),
            Field::Temp => format_size(self.temp.unwrap_or(2 * self.unit())),
            Field::MaxTemp => format_size(self.max_temp.unwrap_or(MAX_TEMP_DEFAULT)),
        }
    }
}

/// The first of nginx's five checks that fails, in nginx's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Fail {
    FewBuffers,
    BusyBelowUnit,
    BusyAboveAll,
    TempBelowUnit,
    MaxTempBelowUnit,
}

fn check(v: &Vals) -> Option<Fail> {
    let unit = v.unit();
    if v.num < 2 {
        return Some(Fail::FewBuffers);
    }
    if v.busy() < unit {
        return Some(Fail::BusyBelowUnit);
    }
    if v.busy() > (v.num - 1) * v.size {
        return Some(Fail::BusyAboveAll);
    }
    if v.temp.unwrap_or(2 * unit) < unit {
        return Some(Fail::TempBelowUnit);
    }
    let max_temp = v.max_temp.unwrap_or(MAX_TEMP_DEFAULT);
    if max_temp != 0 && max_temp < unit {
        return Some(Fail::MaxTempBelowUnit);
    }
    None
}

/// nginx's message for a failed check, with the numbers behind it.
fn message(p: &str, fail: Fail, v: &Vals) -> String {
    let unit = format_size(v.unit());
    match fail {
        Fail::FewBuffers => format!("there must be at least 2 \"{p}buffers\""),
        Fail::BusyBelowUnit => format!(
            "\"{p}busy_buffers_size\" must be equal to or greater than the maximum of the value of \"{p}buffer_size\" and one of the \"{p}buffers\" ({} < {unit})",
            format_size(v.busy())
        ),
        Fail::BusyAboveAll => {
            let all = format!("{} × {} = {}", v.num - 1, format_size(v.size), format_size((v.num - 1) * v.size));
            let busy = match v.busy {
                Some(b) => format_size(b),
                None => format!("default 2 × {unit} = {}", format_size(v.busy())),
            };
            format!("\"{p}busy_buffers_size\" must be less than the size of all \"{p}buffers\" minus one buffer ({busy} > {all})")
        }
        Fail::TempBelowUnit => format!(
            "\"{p}temp_file_write_size\" must be equal to or greater than the maximum of the value of \"{p}buffer_size\" and one of the \"{p}buffers\" ({} < {unit})",
            format_size(v.temp.unwrap_or(2 * v.unit()))
        ),
        Fail::MaxTempBelowUnit => format!(
            "\"{p}max_temp_file_size\" must be equal to zero to disable temporary files usage or must be equal to or greater than the maximum of the value of \"{p}buffer_size\" and one of the \"{p}buffers\" ({} < {unit})",
            format_size(v.max_temp.unwrap_or(MAX_TEMP_DEFAULT))
        ),
    }
}

/// The fields whose values decide a failed check (explicit or not).
fn involved(fail: Fail, v: &Vals) -> Vec<Field> {
    // The field that sets max(buffer_size, one buffer); both when equal.
    let unit_fields: Vec<Field> = if v.buffer_size > v.size {
        vec![Field::BufferSize]
    } else if v.size > v.buffer_size {
        vec![Field::Buffers]
    } else {
        vec![Field::BufferSize, Field::Buffers]
    };
    let mut f = match fail {
        Fail::FewBuffers => vec![Field::Buffers],
        Fail::BusyBelowUnit => [vec![Field::Busy], unit_fields].concat(),
        Fail::BusyAboveAll if v.busy.is_some() => vec![Field::Busy, Field::Buffers],
        Fail::BusyAboveAll => [vec![Field::Buffers], unit_fields].concat(),
        Fail::TempBelowUnit => [vec![Field::Temp], unit_fields].concat(),
        Fail::MaxTempBelowUnit => [vec![Field::MaxTemp], unit_fields].concat(),
    };
    f.sort();
    f.dedup();
    f
}

/// The smallest changes (kept values where they can stay) that pass all five checks; the second
/// element flags the fields that changed.
fn fix(v: &Vals) -> Option<(Vals, [bool; 5])> {
    let mut v = *v;
    let mut changed = [false; 5];
    for _ in 0..16 {
        let Some(fail) = check(&v) else {
            return Some((v, changed));
        };
        let unit = v.unit();
        match fail {
            Fail::FewBuffers => {
                v.num = 2.max(v.busy().div_ceil(v.size.max(1)) + 1);
                changed[Field::Buffers as usize] = true;
            }
            Fail::BusyBelowUnit => {
                v.busy = Some(unit);
                changed[Field::Busy as usize] = true;
            }
            Fail::BusyAboveAll => match v.busy {
                Some(_) if (v.num - 1) * v.size >= unit => {
                    v.busy = Some((v.num - 1) * v.size);
                    changed[Field::Busy as usize] = true;
                }
                None if v.num >= 3 => {
                    // Larger buffers, same count: the smallest power of two that holds the default.
                    let mut s = v.size;
                    let mut next = PAGE;
                    while (v.num - 1) * s < 2 * v.buffer_size.max(s) {
                        while next <= s {
                            next *= 2;
                        }
                        s = next;
                    }
                    v.size = s;
                    changed[Field::Buffers as usize] = true;
                }
                _ => {
                    v.num = v.busy().div_ceil(v.size.max(1)) + 1;
                    changed[Field::Buffers as usize] = true;
                }
            },
            Fail::TempBelowUnit => {
                v.temp = Some(unit);
                changed[Field::Temp as usize] = true;
            }
            Fail::MaxTempBelowUnit => {
                v.max_temp = Some(unit);
                changed[Field::MaxTemp as usize] = true;
            }
        }
    }
    None
}

/// The changed directives as config text: `fastcgi_buffers 8 16k;`.
fn render(p: &str, v: &Vals, changed: &[bool; 5]) -> Vec<String> {
    FIELDS
        .iter()
        .filter(|f| changed[**f as usize])
        .map(|f| format!("{p}{} {};", f.suffix(), v.value(*f)))
        .collect()
}

/// Where a field's value came from.
type Src<'p> = Option<(ScopeId, At<'p>)>;

/// The directive names of one module.
struct Names {
    prefix: &'static str,
    names: [String; 5],
}

impl Names {
    fn new(m: PassModule) -> Names {
        let p = m.prefix();
        Names {
            prefix: p,
            names: FIELDS.map(|f| format!("{p}{}", f.suffix())),
        }
    }
}

/// The merged values at `scope`, with their sources; `None` if a value does not parse (nginx
/// refuses it on its own, reported elsewhere).
fn merged<'p>(model: &Model<'p>, scope: ScopeId, names: &Names) -> Option<(Vals, [Src<'p>; 5])> {
    let srcs: [Src<'p>; 5] = std::array::from_fn(|i| model.effective(scope, &names.names[i]));
    values(srcs)
}

/// The sources in effect at every scope, worked out top-down in one pass: a scope inherits its
/// parent's sources and overrides those it sets itself (the merge nginx does), instead of asking
/// [`Model::effective`] five times per scope. Compact: for each scope and name, the position
/// (plus one; 0 for none) in the returned list of the directives that set something.
struct Sources<'p> {
    table: Vec<[u32; 5]>,
    set: Vec<(ScopeId, At<'p>)>,
}

impl<'p> Sources<'p> {
    fn of(model: &Model<'p>, names: &Names) -> Sources<'p> {
        let ids: [Option<NameId>; 5] = std::array::from_fn(|i| model.name_id(&names.names[i]));
        let mut table: Vec<[u32; 5]> = Vec::with_capacity(model.scopes.len());
        let mut set = Vec::new();
        for id in model.ids() {
            let s = model.scope(id);
            // The merge starts at the http (or stream) level, as in `Model::chain`.
            let mut here: [u32; 5] = match (s.kind, s.parent) {
                (
                    Context::Http
                    | Context::Stream
                    | Context::Mail
                    | Context::Main
                    | Context::Events,
                    _,
                )
                | (_, None) => [0; 5],
                (_, Some(p)) => table[p.0 as usize],
            };
            let named = model.names_of(id);
            if named.iter().any(|n| ids.contains(&Some(*n))) {
                for (i, n) in ids.iter().enumerate() {
                    let Some(n) = n else { continue };
                    if let Some(at) = model.named_id(id, *n).next_back() {
                        set.push((id, *at));
                        here[i] = set.len() as u32;
                    }
                }
            }
            table.push(here);
        }
        Sources { table, set }
    }

    /// The sources in effect at a scope.
    fn at(&self, scope: ScopeId) -> [Src<'p>; 5] {
        self.table[scope.0 as usize].map(|i| match i {
            0 => None,
            i => Some(self.set[i as usize - 1]),
        })
    }

    /// Whether the scope itself sets one of the five.
    fn sets_here(&self, model: &Model<'p>, scope: ScopeId) -> bool {
        self.table[scope.0 as usize]
            .iter()
            .any(|&i| i != 0 && self.set[i as usize - 1].0 == scope)
            && model.scope(scope).kind == Context::HttpLocation
    }
}

/// The merged values from their sources.
fn values<'p>(srcs: [Src<'p>; 5]) -> Option<(Vals, [Src<'p>; 5])> {
    let mut v = Vals::DEFAULT;
    let one = |s: &Src<'p>| -> Option<Option<u64>> {
        match s {
            None => Some(None),
            Some((_, at)) => Some(Some(parse_size(&at.arg(0)?)?)),
        }
    };
    if let Some(b) = one(&srcs[0])? {
        v.buffer_size = b;
    }
    if let Some((_, at)) = &srcs[1] {
        let n = at.arg(0)?;
        if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        v.num = n.parse().ok()?;
        v.size = parse_size(&at.arg(1)?)?;
        if v.num == 0 || v.size == 0 {
            return None;
        }
    }
    v.busy = one(&srcs[2])?;
    v.temp = one(&srcs[3])?;
    v.max_temp = one(&srcs[4])?;
    Some((v, srcs))
}

/// Depth of `scope` below the `http` block (http = 1).
fn depth(model: &Model<'_>, scope: ScopeId) -> usize {
    model.chain(scope).count()
}

/// Position of a directive in its scope's reading order.
fn position(model: &Model<'_>, scope: ScopeId, at: &At<'_>) -> usize {
    model
        .scope(scope)
        .directives
        .iter()
        .position(|d| std::ptr::eq(d.dir, at.dir))
        .unwrap_or(0)
}

/// The span of a directive's arguments (all of them), the token a fix changes.
fn args_span(at: &At<'_>) -> Span {
    match (at.dir.args.first(), at.dir.args.last()) {
        (Some(a), Some(b)) => Span {
            start: a.span.start,
            end: b.span.end,
        },
        _ => at.name_span(),
    }
}

/// The directive as written, for a help line.
fn written(at: &At<'_>) -> String {
    let mut s = at.name().into_owned();
    for a in at.args() {
        s.push(' ');
        s.push_str(&a);
    }
    s.push(';');
    s
}

impl UndersizedBuffers {
    /// Part (a): nginx's five checks at every level that nginx merges.
    fn startup_checks(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        for m in CHECKED {
            let names = Names::new(m);
            let sources = Sources::of(model, &names);
            let mut seen: HashSet<(Fail, Vec<(FileId, u32)>)> = HashSet::new();
            for id in model.ids() {
                let s = model.scope(id);
                // nginx validates the merged values of each server and location — the http
                // level only through the servers that inherit it. A location that sets none of
                // the five has its parent's values, already checked.
                let evaluate = match s.kind {
                    Context::HttpServer => true,
                    Context::HttpLocation => sources.sets_here(model, id),
                    _ => false,
                };
                if !evaluate {
                    continue;
                }
                let Some((v, srcs)) = values(sources.at(id)) else {
                    continue;
                };
                let Some(fail) = check(&v) else { continue };
                let fields: Vec<(Field, (ScopeId, At<'_>))> = involved(fail, &v)
                    .into_iter()
                    .filter_map(|f| srcs[f as usize].map(|s| (f, s)))
                    .collect();
                // The directive that made the set invalid: the innermost, then the last read.
                let Some(&(_, (pscope, pat))) = fields.iter().min_by_key(|(_, (sc, at))| {
                    (
                        std::cmp::Reverse(depth(model, *sc)),
                        std::cmp::Reverse(position(model, *sc, at)),
                    )
                }) else {
                    continue;
                };
                let key: Vec<(FileId, u32)> = fields
                    .iter()
                    .map(|(_, (_, at))| (at.file, at.dir.name.span.start))
                    .collect();
                if !seen.insert((fail, key)) {
                    continue;
                }
                let mut d = META.diag(pat.file, args_span(&pat), message(names.prefix, fail, &v));
                for (_, (sc, at)) in &fields {
                    if std::ptr::eq(at.dir, pat.dir) {
                        continue;
                    }
                    let what = if *sc == pscope {
                        "set here"
                    } else {
                        "inherited from here"
                    };
                    d = d.with_place(at.file, args_span(at), what);
                }
                if let Some((fixed, changed)) = fix(&v) {
                    let lines = render(names.prefix, &fixed, &changed);
                    let own = FIELDS
                        .iter()
                        .find(|f| pat.is(&names.names[**f as usize]))
                        .is_some_and(|f| changed[*f as usize]);
                    let help = if own {
                        format!("use `{}`", lines.join(" "))
                    } else {
                        format!("set `{}` next to `{}`", lines.join(" "), written(&pat))
                    };
                    d = d.with_help(help);
                }
                out.push(d);
            }
        }
    }

    /// Part (b): the response-header buffer of locations that pass upstream.
    fn header_buffer(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        let min = self.min_buffer_size;
        // Locations passing with each module, once per location.
        let mut done: HashSet<(ScopeId, PassModule)> = HashSet::new();
        // Explicit small values: directive → the passing locations.
        let mut explicit: Vec<(PassModule, ScopeId, At<'_>, u64)> = Vec::new();
        let mut explicit_seen: HashSet<(FileId, u32)> = HashSet::new();
        // Defaults: (http scope, module) → passing locations with their pass directive.
        let mut defaults: HashMap<(ScopeId, PassModule), Vec<(ScopeId, At<'_>)>> = HashMap::new();
        let mut default_order: Vec<(ScopeId, PassModule)> = Vec::new();
        for id in model.ids() {
            if !matches!(
                model.scope(id).kind,
                Context::HttpLocation | Context::HttpLocationIf | Context::HttpLimitExcept
            ) {
                continue;
            }
            let Some(pass) = model.pass(id) else { continue };
            let Some(loc) = model.location_of(id) else {
                continue;
            };
            if !done.insert((loc, pass.module)) {
                continue;
            }
            let name = format!("{}buffer_size", pass.module.prefix());
            match model.effective(loc, &name) {
                Some((sc, at)) => {
                    let Some(v) = at.arg(0).and_then(|a| parse_size(&a)) else {
                        continue;
                    };
                    if v < min && explicit_seen.insert((at.file, at.dir.name.span.start)) {
                        explicit.push((pass.module, sc, at, v));
                    }
                }
                None if PAGE < min => {
                    let Some(http) = model.chain(loc).last() else {
                        continue;
                    };
                    let key = (http, pass.module);
                    let e = defaults.entry(key).or_default();
                    if e.is_empty() {
                        default_order.push(key);
                    }
                    e.push((loc, pass.at));
                }
                None => {}
            }
        }
        for (module, sc, at, v) in explicit {
            let p = module.prefix();
            let mut d = META.diag_at(
                Severity::Warning,
                at.file,
                at.arg_span(0),
                format!(
                    "`{p}buffer_size {}` is below {} for the response headers of `{}`",
                    format_size(v),
                    format_size(min),
                    module.directive()
                ),
            );
            if let Some(help) = self.raise_help(model, sc, module) {
                d = d.with_help(format!("use `{help}`"));
            }
            out.push(d);
        }
        for key in default_order {
            let (http, module) = key;
            let locs = &defaults[&key];
            let name = format!("{}buffer_size", module.prefix());
            // Does any level under this http block set it? Then the servers differ: report per server.
            // A file read alone in http context has no `http` block to point at: per server too.
            let per_server = model.scope(http).block.is_none()
                || model.ids().any(|id| {
                    model.chain(id).last() == Some(http) && model.here(id, &name).next().is_some()
                });
            let mut groups: Vec<(ScopeId, Vec<(ScopeId, At<'_>)>)> = Vec::new();
            for &(loc, pass) in locs {
                let at_scope = if per_server {
                    model
                        .chain(loc)
                        .find(|&s| model.scope(s).kind == Context::HttpServer)
                        .unwrap_or(http)
                } else {
                    http
                };
                match groups.iter_mut().find(|(s, _)| *s == at_scope) {
                    Some(g) => g.1.push((loc, pass)),
                    None => groups.push((at_scope, vec![(loc, pass)])),
                }
            }
            for (scope, members) in groups {
                let Some(block) = model.scope(scope).block else {
                    continue;
                };
                let level = block.name();
                let n = members.len();
                let mut d = META.diag_at(
                    Severity::Warning,
                    block.file,
                    block.name_span(),
                    format!(
                        "`{name}` is nginx's default {}, below {}, for the response headers of `{}` in {n} location{}",
                        format_size(PAGE),
                        format_size(min),
                        module.directive(),
                        if n == 1 { "" } else { "s" },
                    ),
                );
                for (_, pass) in members.iter().take(8) {
                    d = d.with_place(pass.file, pass.arg_span(0), "passes here with the default");
                }
                if let Some(help) = self.raise_help(model, scope, module) {
                    d = d.with_help(format!("set `{help}` in the `{level}` block"));
                }
                out.push(d);
            }
        }
    }

    /// `X_buffer_size` raised to the threshold at `scope`, with whatever else nginx's checks then need.
    fn raise_help(&self, model: &Model<'_>, scope: ScopeId, module: PassModule) -> Option<String> {
        let p = module.prefix();
        if module == PassModule::Grpc {
            return Some(format!(
                "{p}buffer_size {};",
                format_size(self.min_buffer_size)
            ));
        }
        let (mut v, _) = merged(model, scope, &Names::new(module))?;
        v.buffer_size = self.min_buffer_size;
        let (fixed, mut changed) = fix(&v)?;
        changed[Field::BufferSize as usize] = true;
        Some(render(p, &fixed, &changed).join(" "))
    }
}

impl Rule for UndersizedBuffers {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        self.startup_checks(cx, out);
        self.header_buffer(cx, out);
    }
    fn configure(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "min_buffer_size" => {
                self.min_buffer_size = parse_size(value).ok_or_else(|| {
                    format!("`min_buffer_size` takes an nginx size (`16k`), not `{value}`")
                })?;
                Ok(())
            }
            _ => Err(format!("`{}` has no option `{key}`", META.name)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: u64 = 1024;

    fn v(buffer_size: u64, num: u64, size: u64) -> Vals {
        Vals {
            buffer_size,
            num,
            size,
            ..Vals::DEFAULT
        }
    }

    #[test]
    fn nginx_thresholds_with_defaults() {
        assert_eq!(check(&Vals::DEFAULT), None);
        assert_eq!(check(&v(14 * K, 8, 4 * K)), None);
        assert_eq!(check(&v(16 * K, 8, 4 * K)), Some(Fail::BusyAboveAll));
        assert_eq!(check(&v(4 * K, 1, 4 * K)), Some(Fail::FewBuffers));
        let busy28 = Vals {
            busy: Some(28 * K),
            ..Vals::DEFAULT
        };
        assert_eq!(check(&busy28), None);
        let busy29 = Vals {
            busy: Some(29 * K),
            ..Vals::DEFAULT
        };
        assert_eq!(check(&busy29), Some(Fail::BusyAboveAll));
    }

    #[test]
    fn fixes_pass_every_check() {
        let cases = [
            v(32 * K, 8, 4 * K),
            v(16 * K, 8, 4 * K),
            v(4 * K, 1, 4 * K),
            v(64 * K, 2, 4 * K),
            v(1024 * K, 8, 4 * K),
            Vals {
                busy: Some(2 * K),
                ..Vals::DEFAULT
            },
            Vals {
                busy: Some(1024 * K),
                ..v(4 * K, 4, 16 * K)
            },
            Vals {
                temp: Some(K),
                max_temp: Some(K),
                ..v(64 * K, 8, 4 * K)
            },
        ];
        for c in cases {
            let (f, _) = fix(&c).expect("a fix");
            assert_eq!(check(&f), None, "{c:?} → {f:?}");
            assert_eq!(f.buffer_size, c.buffer_size, "the buffer size stays");
        }
        let (f, changed) = fix(&v(32 * K, 8, 4 * K)).unwrap();
        assert_eq!((f.num, f.size), (8, 16 * K));
        assert_eq!(changed, [false, true, false, false, false]);
        let (f, _) = fix(&v(16 * K, 8, 4 * K)).unwrap();
        assert_eq!((f.num, f.size), (8, 8 * K));
    }
}
