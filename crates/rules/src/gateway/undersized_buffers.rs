//! NGX302 undersized-buffers: nginx's own start-up checks of the upstream buffer directives on the
//! merged values of every level (FACTS N1), and a response-header buffer too small for the
//! upstream a location passes to (real-servers.md #3).

use std::collections::{HashMap, HashSet};

use nginx_syntax::directives::Context;
use nginx_syntax::Span;
use ngxlint_engine::diagnostic::{Diagnostic, Edit, Fix, Severity};
use ngxlint_engine::edit;
use ngxlint_engine::files::FileId;
use ngxlint_engine::model::{At, Model, NameId, PassModule, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};
use ngxlint_engine::units::{format_size, parse_digits, parse_size, parse_size_bytes};

use crate::words::arg_bytes;

static META: RuleMeta = RuleMeta {
    code: "NGX302",
    name: "undersized-buffers",
    severity: Severity::Error,
    summary: "upstream buffers that nginx refuses at start-up, or a header buffer too small for the upstream",
    doc: include_str!("../../../../rules/NGX302.md"),
    family: Family::Gateway,
    default: Enabled::On,
    aliases: &[],
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
/// The changed fields as (directive, value) pairs.
fn pairs(p: &str, v: &Vals, changed: &[bool; 5]) -> Vec<(String, String)> {
    FIELDS
        .iter()
        .filter(|f| changed[**f as usize])
        .map(|f| (format!("{p}{}", f.suffix()), v.value(*f)))
        .collect()
}

/// Edits that set directives at a level: a directive the level writes in its own file gets its
/// arguments replaced, the others are added at the top of its block. `None` when the level has
/// no block that takes them, or writes one in an included file (changing that file would change
/// every level that includes it; adding a second would be a duplicate nginx refuses).
fn set_at(model: &Model<'_>, scope: ScopeId, set: &[(String, String)]) -> Option<Vec<Edit>> {
    let s = model.scope(scope);
    let block = s.block?;
    if !matches!(
        s.kind,
        Context::Http | Context::HttpServer | Context::HttpLocation
    ) {
        return None;
    }
    let mut edits = Vec::new();
    let mut lines = Vec::new();
    for (name, value) in set {
        match model.here(scope, name).last() {
            Some(at) if at.file == block.file && !at.dir.args.is_empty() => {
                edits.push(Edit::replace(at.file, args_span(at), value.clone()));
            }
            Some(_) => return None,
            None => lines.push(format!("{name} {value};")),
        }
    }
    if !lines.is_empty() {
        edits.push(edit::insert_in_block(
            block.file,
            block.src,
            block.dir,
            &lines.join("\n"),
            false,
        ));
    }
    Some(edits)
}

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

/// Every module with buffer directives: the four with nginx's five checks ([`CHECKED`]), then
/// gRPC, which has only `grpc_buffer_size`.
const MODULES: [PassModule; 5] = [
    PassModule::Proxy,
    PassModule::FastCgi,
    PassModule::Uwsgi,
    PassModule::Scgi,
    PassModule::Grpc,
];

/// The position of a module in [`MODULES`].
fn module_index(m: PassModule) -> usize {
    match m {
        PassModule::Proxy => 0,
        PassModule::FastCgi => 1,
        PassModule::Uwsgi => 2,
        PassModule::Scgi => 3,
        PassModule::Grpc => 4,
    }
}

/// The sources in effect at every scope, worked out top-down in one pass: a scope inherits its
/// parent's sources and overrides those it sets itself (the merge nginx does), instead of asking
/// [`Model::effective`] five times per scope and module. Sources are kept as sets shared by every
/// scope that inherits them unchanged (2,000 servers share the `http` block's), so a set is
/// judged once however many servers and locations it reaches.
struct Table {
    /// The interned id of each module's five names (gRPC: the buffer size only).
    ids: [[Option<NameId>; 5]; 5],
    /// Per scope and module: its set of sources (index into `sets`; 0: none set, nginx's defaults).
    at: Vec<[u32; 5]>,
    /// Per set, for each field: the level that sets it, as `ScopeId` + 1 (0: none).
    sets: Vec<[u32; 5]>,
    /// Per set: the scope that made it, by setting one of the module's directives itself.
    owner: Vec<u32>,
    /// Per module, the scopes nginx validates whose set was not judged yet, in scope order.
    to_check: [Vec<ScopeId>; 4],
}

impl Table {
    fn of(model: &Model<'_>) -> Table {
        let ids: [[Option<NameId>; 5]; 5] = std::array::from_fn(|m| {
            let p = MODULES[m].prefix();
            std::array::from_fn(|f| {
                (m < 4 || f == 0)
                    .then(|| model.name_id(&format!("{p}{}", FIELDS[f].suffix())))
                    .flatten()
            })
        });
        // Name id -> bit `module * 5 + field` (0 for the other names).
        let mut slot: Vec<u32> = Vec::new();
        for (m, fields) in ids.iter().enumerate() {
            for (f, id) in fields.iter().enumerate() {
                if let Some(id) = *id {
                    let id = id as usize;
                    if slot.len() <= id {
                        slot.resize(id + 1, 0);
                    }
                    slot[id] = 1 << (m * 5 + f);
                }
            }
        }
        let mut t = Table {
            ids,
            at: Vec::with_capacity(model.scopes.len()),
            sets: vec![[0; 5]],
            owner: vec![u32::MAX],
            to_check: Default::default(),
        };
        let mut judged = vec![true];
        for (i, s) in model.scopes.iter().enumerate() {
            let id = ScopeId(i as u32);
            // The merge starts at the http (or stream) level, as in `Model::chain`.
            let mut row: [u32; 5] = match (s.kind, s.parent) {
                (
                    Context::Http
                    | Context::Stream
                    | Context::Mail
                    | Context::Main
                    | Context::Events,
                    _,
                )
                | (_, None) => [0; 5],
                (_, Some(p)) => t.at[p.0 as usize],
            };
            // Bit `module * 5 + field` for each directive the scope sets itself.
            let mut own: u32 = 0;
            if !slot.is_empty() {
                let names = model.names_of(id);
                if names.len() <= 32 {
                    for &n in names {
                        own |= slot.get(n as usize).copied().unwrap_or(0);
                    }
                } else {
                    // A large scope (an `http` block with every server included) is indexed.
                    for (k, n) in ids.iter().flatten().enumerate() {
                        if let Some(n) = *n {
                            if model.named_id(id, n).next().is_some() {
                                own |= 1 << k;
                            }
                        }
                    }
                }
            }
            if own != 0 {
                for (m, set) in row.iter_mut().enumerate() {
                    let bits = (own >> (m * 5)) & 0b11111;
                    if bits == 0 {
                        continue;
                    }
                    let mut levels = t.sets[*set as usize];
                    for (f, level) in levels.iter_mut().enumerate() {
                        if bits & (1 << f) != 0 {
                            *level = i as u32 + 1;
                        }
                    }
                    *set = t.sets.len() as u32;
                    t.sets.push(levels);
                    t.owner.push(i as u32);
                    judged.push(false);
                }
            }
            // nginx validates the merged values of each server and location — the http level
            // only through the servers that inherit it. A location that sets none of the five
            // has its parent's values, already checked.
            let validated = match s.kind {
                Context::HttpServer => true,
                Context::HttpLocation => own & ((1 << 20) - 1) != 0,
                _ => false,
            };
            if validated {
                for (m, queue) in t.to_check.iter_mut().enumerate() {
                    let set = row[m] as usize;
                    let here = s.kind == Context::HttpServer || t.owner[set] == i as u32;
                    if here && !judged[set] {
                        judged[set] = true;
                        queue.push(id);
                    }
                }
            }
            t.at.push(row);
        }
        t
    }

    /// The set of a module's sources in effect at a scope.
    fn set(&self, scope: ScopeId, m: usize) -> u32 {
        self.at[scope.0 as usize][m]
    }

    /// The sources of a set: each field's level and directive.
    fn sources<'p>(&self, model: &Model<'p>, set: u32, m: usize) -> [Src<'p>; 5] {
        let levels = self.sets[set as usize];
        std::array::from_fn(|f| {
            let level = ScopeId(levels[f].checked_sub(1)?);
            let at = model.named_id(level, self.ids[m][f]?).next_back()?;
            Some((level, *at))
        })
    }
}

/// The merged values from their sources.
fn values<'p>(srcs: [Src<'p>; 5]) -> Option<(Vals, [Src<'p>; 5])> {
    let mut v = Vals::DEFAULT;
    let one = |s: &Src<'p>| -> Option<Option<u64>> {
        match s {
            None => Some(None),
            Some((_, at)) => Some(Some(parse_size_bytes(&arg_bytes(at, 0)?)?)),
        }
    };
    if let Some(b) = one(&srcs[0])? {
        v.buffer_size = b;
    }
    if let Some((_, at)) = &srcs[1] {
        v.num = parse_digits(&arg_bytes(at, 0)?)?;
        v.size = parse_size_bytes(&arg_bytes(at, 1)?)?;
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
    fn startup_checks<'p>(&self, cx: &Cx<'p>, table: &Table, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        for (mi, m) in CHECKED.into_iter().enumerate() {
            let names = Names::new(m);
            let mut seen: HashSet<(Fail, Vec<(FileId, u32)>)> = HashSet::new();
            // Each set of sources once, at the first server or location that nginx validates
            // with it: a later one would repeat the finding, which `seen` drops.
            for &id in &table.to_check[mi] {
                let set = table.set(id, mi);
                let Some((v, srcs)) = values(table.sources(model, set, mi)) else {
                    continue;
                };
                let Some(fail) = check(&v) else { continue };
                let all = involved(fail, &v);
                let fields: Vec<(Field, (ScopeId, At<'_>))> = all
                    .iter()
                    .filter_map(|&f| srcs[f as usize].map(|s| (f, s)))
                    .collect();
                // A file read alone: a value it does not set may be its parent's, not nginx's default.
                if fields.len() < all.len() && model.in_fragment(id) {
                    continue;
                }
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
                    // The help's values at the level of the directive that made the set
                    // invalid: nginx refuses the configuration as it is.
                    if let Some(edits) =
                        set_at(model, pscope, &pairs(names.prefix, &fixed, &changed))
                    {
                        d = d.with_edits(Fix::safe(format!("Use `{}`", lines.join(" ")), edits));
                    }
                }
                out.push(d);
            }
        }
    }

    /// Part (b): the response-header buffer of locations that pass upstream.
    fn header_buffer<'p>(&self, cx: &Cx<'p>, table: &Table, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        let min = self.min_buffer_size;
        // Locations passing with each module, once per location (a bit per module).
        let mut done: Vec<u8> = vec![0; model.scopes.len()];
        let mut explicit_sets: Vec<bool> = vec![false; table.sets.len()];
        // Explicit small values: directive → the passing locations.
        let mut explicit: Vec<(PassModule, ScopeId, At<'_>, u64)> = Vec::new();
        let mut explicit_seen: HashSet<(FileId, u32)> = HashSet::new();
        // Defaults: (http scope, module) → passing locations with their pass directive.
        let mut defaults: HashMap<(ScopeId, PassModule), Vec<(ScopeId, At<'_>)>> = HashMap::new();
        let mut default_order: Vec<(ScopeId, PassModule)> = Vec::new();
        // The pools' own pages (`ping.path`, `pm.status_path`), asked of each default location.
        let pages: Vec<&str> = cx
            .pools()
            .flat_map(|(_, p)| [&p.ping_path.value, &p.pm_status_path.value])
            .flatten()
            .map(String::as_str)
            .filter(|page| page.starts_with('/') && page.len() > 1)
            .collect();
        // The scopes that hold a pass directive: a scope without one that has a pass in effect
        // (an `if` in a passing location) has its location's, already counted in `done`.
        let mut last = None;
        for (id, _) in model.pass_directives() {
            let id = *id;
            if last == Some(id) {
                continue;
            }
            last = Some(id);
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
            let mi = module_index(pass.module);
            let bit = 1 << mi;
            if done[loc.0 as usize] & bit != 0 {
                continue;
            }
            done[loc.0 as usize] |= bit;
            let set = table.set(loc, mi);
            match table.sets[set as usize][0].checked_sub(1) {
                Some(level) => {
                    // What a set's buffer size adds (its directive, once) it adds at the first
                    // location that has it: 2,600 proxy locations share the `http` block's.
                    if std::mem::replace(&mut explicit_sets[set as usize], true) {
                        continue;
                    }
                    let sc = ScopeId(level);
                    let Some(at) =
                        table.ids[mi][0].and_then(|n| model.named_id(sc, n).next_back().copied())
                    else {
                        continue;
                    };
                    let Some(v) = arg_bytes(&at, 0).and_then(|a| parse_size_bytes(&a)) else {
                        continue;
                    };
                    if v < min && explicit_seen.insert((at.file, at.dir.name.span.start)) {
                        explicit.push((pass.module, sc, at, v));
                    }
                }
                // A file read alone: its parent may set the buffer.
                None if model.in_fragment(loc) => {}
                // php-fpm's own ping or status page: a few short headers php-fpm writes itself.
                None if pass.module == PassModule::FastCgi && fpm_page(model, &pages, loc) => {}
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
        // A warning needs evidence that the headers outgrow the buffer: a value below nginx's own
        // default, or a configuration that itself expects large headers. nginx's default on a stock
        // site is advice (info): what the application sends is not in the configuration.
        // Worked out at the first finding only: most trees have none.
        let mut large: Option<HashSet<usize>> = None;
        let mut severity = |tree: usize, below_default: bool| {
            if below_default
                || large
                    .get_or_insert_with(|| large_headers(model))
                    .contains(&tree)
            {
                Severity::Warning
            } else {
                Severity::Info
            }
        };
        for (module, sc, at, v) in explicit {
            let p = module.prefix();
            let mut d = META.diag_at(
                severity(model.scope(sc).tree, v < PAGE),
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
                d = d.with_edits(self.raise_fix(model, sc, module, &help));
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
                    severity(model.scope(scope).tree, false),
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
                    d = d.with_edits(self.raise_fix(model, scope, module, &help));
                }
                out.push(d);
            }
        }
    }
}

/// Whether `loc` is the location of a pool's `ping.path` or `pm.status_path` (`location =
/// /fpm-ping`, `location ~ ^/(fpm-status|fpm-ping)$`): php-fpm answers those itself, with a few
/// short headers, whatever the application sends elsewhere.
fn fpm_page(model: &Model<'_>, pages: &[&str], loc: ScopeId) -> bool {
    if pages.is_empty() {
        return false;
    }
    let Some(block) = model.scope(loc).block.as_ref() else {
        return false;
    };
    let args = block.args();
    let (modifier, path) = match args.as_slice() {
        [path] => ("", path.as_ref()),
        [m, path] => (m.as_ref(), path.as_ref()),
        _ => return false,
    };
    pages.iter().any(|&page| match modifier {
        "" | "=" | "^~" => path == page,
        // A regex naming the page: its last folder's name stands in it.
        "~" | "~*" => page
            .rsplit('/')
            .next()
            .is_some_and(|name| !name.is_empty() && path.contains(name)),
        _ => false,
    })
}

/// The trees whose configuration expects large headers: a header buffer raised to 16k or more
/// somewhere (`proxy_buffer_size 16k` for one backend says the application's headers are large),
/// or the client's header buffers raised above nginx's defaults (large cookies come back as large
/// `Set-Cookie` headers).
fn large_headers(model: &Model<'_>) -> HashSet<usize> {
    let mut out = HashSet::new();
    let size = |at: &At<'_>, i: usize| arg_bytes(at, i).and_then(|a| parse_size_bytes(&a));
    let checks: [(&str, usize, u64); 7] = [
        ("proxy_buffer_size", 0, 16 * 1024),
        ("fastcgi_buffer_size", 0, 16 * 1024),
        ("uwsgi_buffer_size", 0, 16 * 1024),
        ("scgi_buffer_size", 0, 16 * 1024),
        ("grpc_buffer_size", 0, 16 * 1024),
        ("large_client_header_buffers", 1, 8 * 1024 + 1),
        ("client_header_buffer_size", 0, 1024 + 1),
    ];
    for (name, arg, at_least) in checks {
        let Some(id) = model.name_id(name) else {
            continue;
        };
        for scope in model.ids() {
            if model
                .named_id(scope, id)
                .any(|at| size(at, arg).is_some_and(|v| v >= at_least))
            {
                out.insert(model.scope(scope).tree);
            }
        }
    }
    out
}

impl UndersizedBuffers {
    /// `X_buffer_size` raised to the threshold at `scope`, with whatever else nginx's checks then need.
    /// The help's values set at the level (see [`set_at`]): exactly what the help says.
    fn raise_fix(&self, model: &Model<'_>, scope: ScopeId, module: PassModule, help: &str) -> Fix {
        let p = module.prefix();
        let set = if module == PassModule::Grpc {
            Some(vec![(
                format!("{p}buffer_size"),
                format_size(self.min_buffer_size),
            )])
        } else {
            merged(model, scope, &Names::new(module)).and_then(|(mut v, _)| {
                v.buffer_size = self.min_buffer_size;
                let (fixed, mut changed) = fix(&v)?;
                changed[Field::BufferSize as usize] = true;
                Some(pairs(p, &fixed, &changed))
            })
        };
        let edits = set
            .and_then(|set| set_at(model, scope, &set))
            .unwrap_or_default();
        Fix::safe(format!("Use `{help}`"), edits)
    }

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
        let table = Table::of(cx.model);
        self.startup_checks(cx, &table, out);
        self.header_buffer(cx, &table, out);
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
    fn table_agrees_with_the_model() {
        use ngxlint_engine::{Options, Project};
        let dir = std::env::temp_dir().join(format!("ngxlint-buffers-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("nginx.conf"),
            "events {}\nhttp {\n proxy_buffer_size 8k;\n proxy_buffers 4 8k;\n server {\n  fastcgi_buffers 8 16k;\n  location / {\n   proxy_buffer_size 16k;\n   grpc_buffer_size 1k;\n   if ($x) { proxy_busy_buffers_size 32k; }\n   location /n { fastcgi_buffer_size 4k; proxy_buffer_size 4k; }\n  }\n  location /o { scgi_buffers 2 4k; }\n }\n server { proxy_temp_file_write_size 8k; }\n}\n",
        )
        .unwrap();
        let opts = Options::new(dir.clone());
        let project = Project::load(std::slice::from_ref(&dir), &opts).unwrap();
        let model = Model::build(&project, &opts.directives);
        let table = Table::of(&model);
        for id in model.ids() {
            for (m, module) in MODULES.into_iter().enumerate() {
                let names = Names::new(module);
                let fields = if m < 4 { 5 } else { 1 };
                let got = table.sources(&model, table.set(id, m), m);
                for (f, got) in got.iter().enumerate().take(fields) {
                    let want = model.effective(id, &names.names[f]);
                    assert_eq!(
                        got.map(|(l, at)| (l, at.dir as *const _)),
                        want.map(|(l, at)| (l, at.dir as *const _)),
                        "{} at {id:?}",
                        names.names[f]
                    );
                }
            }
        }
        std::fs::remove_dir_all(&dir).ok();
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
