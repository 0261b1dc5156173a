//! Directive knowledge: which names nginx knows, where each may stand, how many arguments it takes,
//! and whether it opens a block — the table behind nginx's `ngx_conf_handler`.
//!
//! The built-in table is nginx 1.30.4's own `ngx_command_t` arrays (`data/nginx-directives.tsv`, see
//! `data/README.md`). Extra module sets (`lua`, `njs`, `headers-more`, `plus`) and user-declared
//! third-party directives are added on top. [`Directives::dispatch`] repeats nginx's search: the first
//! entry whose module type and context fit wins, then the terminator and the argument count are checked,
//! with nginx's exact error wording ([`DispatchError::message`]).
//!
//! Order: nginx searches commands in module order (`ngx_modules[]`), not alphabetically. In the built-in
//! table no two entries of one name share a module type and a context (a test pins this), so the first
//! fitting entry is the only fitting entry and the TSV's alphabetical order is as good as the real one.
//! Extra sets and declarations are appended after the built-in entries, like modules loaded with
//! `load_module`, which nginx appends to `ngx_modules[]`.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use crate::values::{self, ValueSpec, Version, BUILTIN_VERSION};

/// Where a statement stands: nginx's (`cf->module_type`, `cf->cmd_type`) pair, or a custom-handler block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Context {
    /// The top level of the main file (`NGX_MAIN_CONF`).
    Main,
    /// `events { }` (`NGX_EVENT_CONF`).
    Events,
    /// `http { }` (`NGX_HTTP_MAIN_CONF`).
    Http,
    /// `server { }` in `http` (`NGX_HTTP_SRV_CONF`).
    HttpServer,
    /// `location { }`, also nested (`NGX_HTTP_LOC_CONF`).
    HttpLocation,
    /// `upstream { }` in `http` (`NGX_HTTP_UPS_CONF`).
    HttpUpstream,
    /// `if { }` in `server` (`NGX_HTTP_SIF_CONF`).
    HttpServerIf,
    /// `if { }` in `location` (`NGX_HTTP_LIF_CONF`).
    HttpLocationIf,
    /// `limit_except { }` (`NGX_HTTP_LMT_CONF`).
    HttpLimitExcept,
    /// `stream { }` (`NGX_STREAM_MAIN_CONF`).
    Stream,
    /// `server { }` in `stream` (`NGX_STREAM_SRV_CONF`).
    StreamServer,
    /// `upstream { }` in `stream` (`NGX_STREAM_UPS_CONF`).
    StreamUpstream,
    /// `mail { }` (`NGX_MAIL_MAIN_CONF`).
    Mail,
    /// `server { }` in `mail` (`NGX_MAIL_SRV_CONF`).
    MailServer,
    /// `types { }` body: entries handed to the core module's handler.
    Types,
    /// http `map { }` body: entries.
    Map,
    /// http `geo { }` body: entries.
    Geo,
    /// http `split_clients { }` body: entries.
    SplitClients,
    /// `charset_map { }` body: entries.
    CharsetMap,
    /// stream `map { }` body: entries.
    StreamMap,
    /// stream `geo { }` body: entries.
    StreamGeo,
    /// stream `split_clients { }` body: entries.
    StreamSplitClients,
    /// Body of an extra-set or user-declared block whose grammar is not modelled (`match`, `mgmt`, …): entries.
    Opaque,
    /// Body of an OpenResty `*_by_lua_block`: raw Lua code read by the lexer, no statements at all.
    LuaCode,
}

/// What the statements inside a context are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Body {
    /// Directives, looked up with [`Directives::dispatch`].
    Directives,
    /// Entries handed to a module's own handler (`cf->handler`); the directive table does not apply.
    Entries,
    /// Raw Lua code; the lexer reads it as one token.
    Lua,
}

/// nginx's module types; an entry fits a context only if its type is `Conf` or the context's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ModuleType {
    /// `NGX_CORE_MODULE`.
    Core,
    /// `NGX_EVENT_MODULE`.
    Event,
    /// `NGX_HTTP_MODULE`.
    Http,
    /// `NGX_STREAM_MODULE`.
    Stream,
    /// `NGX_MAIL_MODULE`.
    Mail,
    /// `NGX_CONF_MODULE` (`include`): fits every context.
    Conf,
}

/// How the lexer ended a statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Terminator {
    /// Ended by `;`.
    Semicolon,
    /// Ended by `{`.
    BlockStart,
}

/// Why nginx would reject a statement at dispatch time.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DispatchError {
    /// No enabled entry has this name. `suggestion` is a close known name (not part of nginx's message);
    /// `set` names a known module set that has the name but is not enabled.
    Unknown {
        /// The closest known name, when reasonably close.
        suggestion: Option<String>,
        /// A disabled module set that would make the name known.
        set: Option<&'static str>,
    },
    /// The name is known, but no entry fits this context.
    NotAllowedHere,
    /// A non-block directive ended by `{`.
    NotTerminated,
    /// A block directive ended by `;`.
    NoOpeningBrace,
    /// The argument count does not fit the entry's mask.
    InvalidArgCount,
    /// A `{` inside an entries body (`types`, `map`, …), reported by `ngx_conf_parse` itself.
    UnexpectedBrace,
}

impl DispatchError {
    /// nginx's exact words for this error about directive `name` (without ` in file:line`).
    pub fn message(&self, name: impl AsRef<[u8]>) -> String {
        let name = String::from_utf8_lossy(name.as_ref());
        match self {
            DispatchError::Unknown { .. } => format!("unknown directive \"{name}\""),
            DispatchError::NotAllowedHere => format!("\"{name}\" directive is not allowed here"),
            DispatchError::NotTerminated => {
                format!("directive \"{name}\" is not terminated by \";\"")
            }
            DispatchError::NoOpeningBrace => format!("directive \"{name}\" has no opening \"{{\""),
            DispatchError::InvalidArgCount => {
                format!("invalid number of arguments in \"{name}\" directive")
            }
            DispatchError::UnexpectedBrace => "unexpected \"{\"".to_owned(),
        }
    }
}

/// [`Directives::enable_set`] was given a name that is not a known module set.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown module set `{name}` (known: lua, njs, headers-more, plus)")]
pub struct UnknownSet {
    /// The name that was asked for.
    pub name: String,
}

/// [`Directives::declare`] was given a spec it cannot read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid directive declaration `{spec}`: {reason}")]
pub struct BadSpec {
    /// The spec as given.
    pub spec: String,
    /// What is wrong with it.
    pub reason: String,
}

// Context bits. nginx's own values overlap between subsystems (HTTP_MAIN = STREAM_MAIN = EVENT), and it
// relies on the module-type test to tell them apart; here every (subsystem, level) pair has its own bit,
// and the module-type test is still applied so the search is nginx's.
const C_MAIN: u32 = 1 << 0;
const C_EVENT: u32 = 1 << 1;
const C_HTTP_MAIN: u32 = 1 << 2;
const C_HTTP_SRV: u32 = 1 << 3;
const C_HTTP_LOC: u32 = 1 << 4;
const C_HTTP_UPS: u32 = 1 << 5;
const C_HTTP_SIF: u32 = 1 << 6;
const C_HTTP_LIF: u32 = 1 << 7;
const C_HTTP_LMT: u32 = 1 << 8;
const C_STREAM_MAIN: u32 = 1 << 9;
const C_STREAM_SRV: u32 = 1 << 10;
const C_STREAM_UPS: u32 = 1 << 11;
const C_MAIL_MAIN: u32 = 1 << 12;
const C_MAIL_SRV: u32 = 1 << 13;
/// `NGX_ANY_CONF`: every directive context.
const C_ANY: u32 = (1 << 14) - 1;

// Argument bits, nginx's own values (ngx_conf_file.h).
const A_NOARGS: u16 = 0x0001;
const A_TAKE: [u16; 8] = [
    0x0001, 0x0002, 0x0004, 0x0008, 0x0010, 0x0020, 0x0040, 0x0080,
];
const A_FLAG: u16 = 0x0200;
const A_ANY: u16 = 0x0400;
const A_1MORE: u16 = 0x0800;
const A_2MORE: u16 = 0x1000;
/// `NGX_CONF_MAX_ARGS` is 8 words including the name.
const MAX_ARGS: usize = 7;

impl Context {
    /// What the statements in this context are.
    pub fn body(self) -> Body {
        match self {
            Context::Types
            | Context::Map
            | Context::Geo
            | Context::SplitClients
            | Context::CharsetMap
            | Context::StreamMap
            | Context::StreamGeo
            | Context::StreamSplitClients
            | Context::Opaque => Body::Entries,
            Context::LuaCode => Body::Lua,
            _ => Body::Directives,
        }
    }

    /// True when every statement here is an entry for a module handler, not a directive.
    pub fn is_entries(self) -> bool {
        self.body() == Body::Entries
    }

    /// The context's name as nginx's documentation writes it ("if in location", stream "server", …).
    pub fn as_str(self) -> &'static str {
        match self {
            Context::Main => "main",
            Context::Events => "events",
            Context::Http => "http",
            Context::HttpServer | Context::StreamServer | Context::MailServer => "server",
            Context::HttpLocation => "location",
            Context::HttpUpstream | Context::StreamUpstream => "upstream",
            Context::HttpServerIf => "if in server",
            Context::HttpLocationIf => "if in location",
            Context::HttpLimitExcept => "limit_except",
            Context::Stream => "stream",
            Context::Mail => "mail",
            Context::Types => "types",
            Context::Map | Context::StreamMap => "map",
            Context::Geo | Context::StreamGeo => "geo",
            Context::SplitClients | Context::StreamSplitClients => "split_clients",
            Context::CharsetMap => "charset_map",
            Context::Opaque => "block",
            Context::LuaCode => "lua block",
        }
    }

    /// nginx's (`cf->module_type`, `cf->cmd_type`) for a directive context; `None` for entries and Lua bodies.
    fn selector(self) -> Option<(ModuleType, u32)> {
        Some(match self {
            Context::Main => (ModuleType::Core, C_MAIN),
            Context::Events => (ModuleType::Event, C_EVENT),
            Context::Http => (ModuleType::Http, C_HTTP_MAIN),
            Context::HttpServer => (ModuleType::Http, C_HTTP_SRV),
            Context::HttpLocation => (ModuleType::Http, C_HTTP_LOC),
            Context::HttpUpstream => (ModuleType::Http, C_HTTP_UPS),
            Context::HttpServerIf => (ModuleType::Http, C_HTTP_SIF),
            Context::HttpLocationIf => (ModuleType::Http, C_HTTP_LIF),
            Context::HttpLimitExcept => (ModuleType::Http, C_HTTP_LMT),
            Context::Stream => (ModuleType::Stream, C_STREAM_MAIN),
            Context::StreamServer => (ModuleType::Stream, C_STREAM_SRV),
            Context::StreamUpstream => (ModuleType::Stream, C_STREAM_UPS),
            Context::Mail => (ModuleType::Mail, C_MAIL_MAIN),
            Context::MailServer => (ModuleType::Mail, C_MAIL_SRV),
            _ => return None,
        })
    }
}

/// What a block entry's body becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Opens {
    /// Not a block.
    Nothing,
    /// Always this context.
    To(Context),
    /// `if`: server-if or location-if, by where it stands.
    If,
}

/// Which terminator an entry requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// Must end with `;`.
    Simple,
    /// Must end with `{` (`NGX_CONF_BLOCK`).
    Block,
    /// Name-only declarations: either is accepted.
    Either,
}

/// One command entry: one (directive, module) row of a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    module: &'static str,
    module_type: ModuleType,
    origin: &'static str,
    contexts: u32,
    args: u16,
    shape: Shape,
    opens: Opens,
    spec: Option<&'static ValueSpec>,
}

/// `origin` of entries added by [`Directives::declare`], and their `module`.
const DECLARED: &str = "declared";

impl Entry {
    /// The owning `ngx_module_t`, e.g. `ngx_http_core_module` (`declared` for user declarations).
    pub fn module(&self) -> &'static str {
        self.module
    }

    /// The owning module's type.
    pub fn module_type(&self) -> ModuleType {
        self.module_type
    }

    /// Where the entry comes from: `nginx`, a module set name (`lua`, …), or `declared`.
    pub fn origin(&self) -> &'static str {
        self.origin
    }

    /// True when nginx would accept this entry in `ctx` (module type and context bits both fit).
    pub fn fits(&self, ctx: Context) -> bool {
        match ctx.selector() {
            Some((ty, bit)) => {
                (self.module_type == ModuleType::Conf || self.module_type == ty)
                    && self.contexts & bit != 0
            }
            None => false,
        }
    }

    /// What the entry's handler does with its arguments (`None` for module sets and declarations).
    pub fn spec(&self) -> Option<&'static ValueSpec> {
        self.spec
    }

    /// True when the entry must open a block (`NGX_CONF_BLOCK`).
    pub fn is_block(&self) -> bool {
        self.shape == Shape::Block
    }

    /// nginx's argument-count check (`ngx_conf_handler`), `nargs` excluding the name.
    pub fn accepts_args(&self, nargs: usize) -> bool {
        let a = self.args;
        if a & A_ANY != 0 {
            true
        } else if a & A_FLAG != 0 {
            nargs == 1
        } else if a & A_1MORE != 0 {
            nargs >= 1
        } else if a & A_2MORE != 0 {
            nargs >= 2
        } else if nargs > MAX_ARGS {
            false
        } else {
            a & A_TAKE[nargs] != 0
        }
    }

    fn opened(&self, ctx: Context) -> Context {
        match self.opens {
            Opens::To(c) => c,
            Opens::If if ctx == Context::HttpServer => Context::HttpServerIf,
            Opens::If => Context::HttpLocationIf,
            Opens::Nothing => Context::Opaque,
        }
    }
}

/// FxHash (rustc's): directive names are short and trusted enough; SipHash would dominate dispatch.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

type Map<V> = HashMap<Box<[u8]>, V, BuildHasherDefault<FxHasher>>;

/// A hash map with FxHash, for the tables' own keys.
pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// One parsed table row: the directive name and its entry.
type Row = (Box<[u8]>, Entry);

/// The OpenResty names whose `{ … }` body is Lua code (lua-nginx-module v0.10.32rc2, all 19).
const LUA_BLOCKS: [&str; 19] = [
    "access_by_lua_block",
    "balancer_by_lua_block",
    "body_filter_by_lua_block",
    "content_by_lua_block",
    "exit_worker_by_lua_block",
    "header_filter_by_lua_block",
    "init_by_lua_block",
    "init_worker_by_lua_block",
    "log_by_lua_block",
    "precontent_by_lua_block",
    "proxy_ssl_certificate_by_lua_block",
    "proxy_ssl_verify_by_lua_block",
    "rewrite_by_lua_block",
    "server_rewrite_by_lua_block",
    "set_by_lua_block",
    "ssl_certificate_by_lua_block",
    "ssl_client_hello_by_lua_block",
    "ssl_session_fetch_by_lua_block",
    "ssl_session_store_by_lua_block",
];

/// The embedded tables: origin name, TSV text.
const BUILTIN_TSV: &str = include_str!("../data/nginx-directives.tsv");
const SETS: [(&str, &str); 4] = [
    ("lua", include_str!("../data/lua-nginx-module.tsv")),
    ("njs", include_str!("../data/njs.tsv")),
    ("headers-more", include_str!("../data/headers-more.tsv")),
    ("plus", include_str!("../data/nginx-plus.tsv")),
];

/// The set of known directives: the built-in table, enabled module sets and user declarations.
#[derive(Clone, Debug)]
pub struct Directives {
    /// Shared with the built-in table until a module set or a declaration changes it: every run
    /// starts from the built-in table, and copying 700 entries cost a pre-commit run a tenth of
    /// its work.
    map: std::sync::Arc<Map<Vec<Entry>>>,
    enabled: Vec<&'static str>,
    /// Names declared with a Lua body beyond the 19 OpenResty ones.
    lua_blocks: Vec<Box<[u8]>>,
    /// The nginx version the built-in entries are those of.
    version: Version,
}

impl Directives {
    /// nginx 1.30.4's own directives, with every module compiled in (see `data/README.md` for build caveats).
    pub fn builtin() -> Self {
        static BUILTIN: OnceLock<Directives> = OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                let mut rows = parse_table(BUILTIN_TSV, "nginx")
                    .expect("embedded data/nginx-directives.tsv parses (pinned by a test)");
                // Both tables are sorted by (name, module) and hold the same entries for 1.30.4
                // (a test pins this): walk them side by side, looking up only on a mismatch.
                let mut active = values::rows()
                    .iter()
                    .filter(|r| r.active(BUILTIN_VERSION))
                    .peekable();
                for (name, entry) in &mut rows {
                    let name = std::str::from_utf8(name).unwrap_or_default();
                    entry.spec = match active.peek() {
                        Some(r) if r.name == name && r.module == entry.module => {
                            active.next().map(|r| &r.spec)
                        }
                        _ => values::lookup(name, entry.module, BUILTIN_VERSION).map(|r| &r.spec),
                    };
                }
                let mut d = Directives {
                    map: Default::default(),
                    enabled: Vec::new(),
                    lua_blocks: Vec::new(),
                    version: BUILTIN_VERSION,
                };
                d.append(&rows);
                d
            })
            .clone()
    }

    /// nginx `v`'s own directives: the entries of that release, with their argument counts
    /// (`data/nginx-values.tsv`, read from every release from 1.18.0 to 1.31.4; older versions
    /// are taken as 1.18.0). The built-in table for 1.30.4.
    pub fn for_version(v: Version) -> Self {
        if v == BUILTIN_VERSION {
            return Self::builtin();
        }
        static BY_VERSION: OnceLock<std::sync::Mutex<HashMap<Version, Directives>>> =
            OnceLock::new();
        let cache = BY_VERSION.get_or_init(Default::default);
        if let Some(d) = cache.lock().ok().and_then(|m| m.get(&v).cloned()) {
            return d;
        }
        let d = Self::from_values(v);
        if let Ok(mut m) = cache.lock() {
            m.insert(v, d.clone());
        }
        d
    }

    /// The entries of nginx `v` as the values table has them.
    fn from_values(v: Version) -> Self {
        let rows: Vec<Row> = values::rows()
            .iter()
            .filter(|r| r.active(v))
            .filter_map(|r| {
                let block = if r.block { "yes" } else { "no" };
                let mut e = entry_of(r.name, r.module, r.contexts, r.args, block, "nginx").ok()?;
                e.spec = Some(&r.spec);
                Some((Box::from(r.name.as_bytes()), e))
            })
            .collect();
        let mut d = Directives {
            map: Default::default(),
            enabled: Vec::new(),
            lua_blocks: Vec::new(),
            version: v,
        };
        d.append(&rows);
        d
    }

    /// The nginx version whose directives these are.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The names accepted by [`Directives::enable_set`].
    pub fn set_names() -> impl Iterator<Item = &'static str> {
        SETS.iter().map(|(name, _)| *name)
    }

    /// Adds a well-known module set (`lua`, `njs`, `headers-more`, `plus`); enabling twice is a no-op.
    pub fn enable_set(&mut self, name: &str) -> Result<(), UnknownSet> {
        let Some(idx) = SETS.iter().position(|(n, _)| *n == name) else {
            return Err(UnknownSet {
                name: name.to_owned(),
            });
        };
        let origin = SETS[idx].0;
        if self.enabled.contains(&origin) {
            return Ok(());
        }
        self.enabled.push(origin);
        self.append(set_rows(idx));
        Ok(())
    }

    /// The module sets enabled so far, in the order they were enabled.
    pub fn enabled_sets(&self) -> &[&'static str] {
        &self.enabled
    }

    /// Declares a third-party directive: `NAME[:CONTEXTS[:ARGS[:BODY]]]`.
    ///
    /// - `NAME` alone: any context, any arguments, ended by `;` or `{` (a block's body is not checked).
    /// - `CONTEXTS`: comma-separated; `any` (or `*`), `main`, `events`, `http`, `server`, `location`,
    ///   `upstream`, `if` (both `server_if` and `location_if`), `server_if`, `location_if`,
    ///   `limit_except`, `stream`, `stream_server`, `stream_upstream`, `mail`, `mail_server`. Empty means `any`.
    /// - `ARGS`: `any` (default), `flag`, `1more`, `2more`, or the counts allowed as digits `0`–`7`
    ///   (`1` = TAKE1, `12` = TAKE12, `012` = NOARGS|TAKE12; `|` between digits is ignored).
    /// - `BODY`: omitted = ends with `;`; `block` = opens a block whose body is not checked;
    ///   `lua` = opens a block whose body is raw Lua (the lexer must read it as one token).
    ///
    /// Example: `more_set_headers:http,server,location,location_if:1more`.
    /// Declared entries are tried after built-in and set entries of the same name.
    pub fn declare(&mut self, spec: &str) -> Result<(), BadSpec> {
        let bad = |reason: &str| BadSpec {
            spec: spec.to_owned(),
            reason: reason.to_owned(),
        };
        let mut fields = spec.trim().split(':');
        let name = fields.next().unwrap_or_default();
        if name.is_empty() {
            return Err(bad("the name is empty"));
        }
        if name.bytes().any(|b| {
            matches!(
                b,
                b' ' | b'\t' | b'\r' | b'\n' | b';' | b'{' | b'}' | b'"' | b'\'' | b'#'
            )
        }) {
            return Err(bad(
                "the name contains whitespace, a quote or one of ; { } #",
            ));
        }
        let ctx_field = fields.next();
        let args_field = fields.next();
        let body_field = fields.next();
        if fields.next().is_some() {
            return Err(bad("too many `:` fields (NAME:CONTEXTS:ARGS:BODY)"));
        }

        let args = match args_field.map(str::trim).unwrap_or("") {
            "" | "any" => A_ANY,
            "flag" => A_FLAG,
            "1more" | "1+" => A_1MORE,
            "2more" | "2+" => A_2MORE,
            "noargs" => A_NOARGS,
            digits => {
                let mut mask = 0u16;
                for c in digits.chars().filter(|c| *c != '|') {
                    match c.to_digit(10) {
                        Some(d) if d as usize <= MAX_ARGS => mask |= A_TAKE[d as usize],
                        _ => {
                            return Err(bad(
                                "ARGS must be any, flag, 1more, 2more, noargs or digits 0-7",
                            ))
                        }
                    }
                }
                mask
            }
        };
        let (shape, opens) = match (ctx_field, body_field.map(str::trim)) {
            (None, _) => (Shape::Either, Opens::To(Context::Opaque)),
            (Some(_), None | Some("")) => (Shape::Simple, Opens::Nothing),
            (Some(_), Some("block")) => (Shape::Block, Opens::To(Context::Opaque)),
            (Some(_), Some("lua")) => (Shape::Block, Opens::To(Context::LuaCode)),
            _ => return Err(bad("BODY must be `block` or `lua`")),
        };

        // One entry per module type, as a module registers one command per subsystem.
        let mut per_type: Vec<(ModuleType, u32)> = Vec::new();
        let mut add = |ty: ModuleType, bit: u32| match per_type.iter_mut().find(|(t, _)| *t == ty) {
            Some((_, bits)) => *bits |= bit,
            None => per_type.push((ty, bit)),
        };
        for c in ctx_field.unwrap_or("").split(',').map(str::trim) {
            match c {
                "" | "any" | "*" => add(ModuleType::Conf, C_ANY),
                "main" => add(ModuleType::Core, C_MAIN),
                "events" => add(ModuleType::Event, C_EVENT),
                "http" => add(ModuleType::Http, C_HTTP_MAIN),
                "server" => add(ModuleType::Http, C_HTTP_SRV),
                "location" => add(ModuleType::Http, C_HTTP_LOC),
                "upstream" => add(ModuleType::Http, C_HTTP_UPS),
                "if" => add(ModuleType::Http, C_HTTP_SIF | C_HTTP_LIF),
                "server_if" => add(ModuleType::Http, C_HTTP_SIF),
                "location_if" => add(ModuleType::Http, C_HTTP_LIF),
                "limit_except" => add(ModuleType::Http, C_HTTP_LMT),
                "stream" => add(ModuleType::Stream, C_STREAM_MAIN),
                "stream_server" => add(ModuleType::Stream, C_STREAM_SRV),
                "stream_upstream" => add(ModuleType::Stream, C_STREAM_UPS),
                "mail" => add(ModuleType::Mail, C_MAIL_MAIN),
                "mail_server" => add(ModuleType::Mail, C_MAIL_SRV),
                _ => {
                    return Err(bad(
                        "unknown context (see the list in the docs of `declare`)",
                    ))
                }
            }
        }
        // `any` subsumes everything else.
        if let Some(any) = per_type
            .iter()
            .find(|(t, _)| *t == ModuleType::Conf)
            .copied()
        {
            per_type = vec![any];
        }
        let rows: Vec<Row> = per_type
            .into_iter()
            .map(|(module_type, contexts)| {
                let entry = Entry {
                    module: DECLARED,
                    module_type,
                    origin: DECLARED,
                    contexts,
                    args,
                    shape,
                    opens,
                    spec: None,
                };
                (Box::from(name.as_bytes()), entry)
            })
            .collect();
        if opens == Opens::To(Context::LuaCode) && !self.is_lua_block(name.as_bytes()) {
            self.lua_blocks.push(Box::from(name.as_bytes()));
        }
        self.append(&rows);
        Ok(())
    }

    /// nginx's `ngx_conf_handler`: the first entry that fits (module type + context) is checked for its
    /// terminator, then its argument count; `Ok(Some(ctx))` is the context of the block it opens.
    ///
    /// `nargs` excludes the name (and, for a `*_by_lua_block`, the Lua body). In entries contexts
    /// (`types`, `map`, …: [`Context::is_entries`]) statements are not directives; there `dispatch` checks
    /// nothing but the `{` that nginx rejects with `unexpected "{"`.
    pub fn dispatch(
        &self,
        ctx: Context,
        name: &[u8],
        nargs: usize,
        term: Terminator,
    ) -> Result<Option<Context>, DispatchError> {
        self.dispatch_entry(ctx, name, nargs, term).map(|(_, c)| c)
    }

    /// [`Directives::dispatch`], also giving the entry that accepted the statement (`None` in an
    /// entries context, where there is none).
    pub fn dispatch_entry(
        &self,
        ctx: Context,
        name: &[u8],
        nargs: usize,
        term: Terminator,
    ) -> Result<(Option<&Entry>, Option<Context>), DispatchError> {
        if ctx.selector().is_none() {
            return match term {
                Terminator::Semicolon => Ok((None, None)),
                Terminator::BlockStart => Err(DispatchError::UnexpectedBrace),
            };
        }
        let Some(entries) = self.map.get(name) else {
            return Err(self.unknown(ctx, name));
        };
        let Some(entry) = entries.iter().find(|e| e.fits(ctx)) else {
            return Err(DispatchError::NotAllowedHere);
        };
        match (entry.shape, term) {
            (Shape::Simple, Terminator::BlockStart) => return Err(DispatchError::NotTerminated),
            (Shape::Block, Terminator::Semicolon) => return Err(DispatchError::NoOpeningBrace),
            _ => {}
        }
        if !entry.accepts_args(nargs) {
            return Err(DispatchError::InvalidArgCount);
        }
        Ok((
            Some(entry),
            match term {
                Terminator::Semicolon => None,
                Terminator::BlockStart => Some(entry.opened(ctx)),
            },
        ))
    }

    /// True when `name` in directive position starts a block whose body is Lua code.
    ///
    /// Always true for the 19 OpenResty `*_by_lua_block` names, whether or not the `lua` set is enabled:
    /// nginx stops at the `{` with `unknown directive` either way, and reading the body as Lua keeps the
    /// rest of the file parseable. Also true for names declared with the `lua` body.
    pub fn is_lua_block(&self, name: &[u8]) -> bool {
        (name.ends_with(b"_by_lua_block") && LUA_BLOCKS.iter().any(|n| n.as_bytes() == name))
            || self.lua_blocks.iter().any(|n| &**n == name)
    }

    /// Every enabled entry for `name`, in search order (empty when unknown).
    pub fn entries(&self, name: &[u8]) -> &[Entry] {
        self.map.get(name).map_or(&[], Vec::as_slice)
    }

    /// True when some enabled entry has this name.
    pub fn contains(&self, name: &[u8]) -> bool {
        self.map.contains_key(name)
    }

    /// Every known name (unordered).
    pub fn names(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.map.keys().map(|k| &**k)
    }

    fn append(&mut self, rows: &[Row]) {
        let map = std::sync::Arc::make_mut(&mut self.map);
        for (name, entry) in rows {
            match map.get_mut(&**name) {
                Some(list) => list.push(*entry),
                None => {
                    map.insert(name.clone(), vec![*entry]);
                }
            }
        }
    }

    fn unknown(&self, ctx: Context, name: &[u8]) -> DispatchError {
        let set = SETS
            .iter()
            .enumerate()
            .find(|(i, (n, _))| {
                !self.enabled.contains(n) && set_rows(*i).iter().any(|(r, _)| &**r == name)
            })
            .map(|(_, (n, _))| *n);
        DispatchError::Unknown {
            suggestion: self.suggest(ctx, name),
            set,
        }
    }

    /// The closest known name: case-insensitive equal, or within a small edit distance for its length.
    fn suggest(&self, ctx: Context, name: &[u8]) -> Option<String> {
        let lower = name.to_ascii_lowercase();
        let max = match lower.len() {
            0..=3 => 0,
            4..=5 => 1,
            6..=11 => 2,
            _ => 3,
        };
        let mut best: Option<(usize, bool, &[u8])> = None;
        for (cand, entries) in self.map.iter() {
            if cand.len().abs_diff(lower.len()) > max {
                continue;
            }
            let d = osa_distance(&lower, cand);
            if d > max {
                continue;
            }
            let fits = entries.iter().any(|e| e.fits(ctx));
            // Smaller distance first, then a name that fits here, then alphabetical for stability.
            let better = match best {
                None => true,
                Some((bd, bf, bn)) => (d, !fits, &**cand) < (bd, !bf, bn),
            };
            if better {
                best = Some((d, fits, cand));
            }
        }
        best.map(|(_, _, n)| String::from_utf8_lossy(n).into_owned())
    }
}

impl Default for Directives {
    fn default() -> Self {
        Self::builtin()
    }
}

/// The parsed rows of module set `idx` of [`SETS`], parsed once.
fn set_rows(idx: usize) -> &'static [Row] {
    static PARSED: OnceLock<Vec<Vec<Row>>> = OnceLock::new();
    let all = PARSED.get_or_init(|| {
        SETS.iter()
            .map(|(origin, text)| {
                parse_table(text, origin)
                    .expect("embedded module-set TSV parses (pinned by a test)")
            })
            .collect()
    });
    all.get(idx).map_or(&[], Vec::as_slice)
}

/// nginx's module type for an `ngx_module_t` name (verified against the sources, see `data/README.md`).
fn module_type_of(module: &str) -> Option<ModuleType> {
    Some(match module {
        "ngx_conf_module" => ModuleType::Conf,
        "ngx_event_core_module"
        | "ngx_epoll_module"
        | "ngx_devpoll_module"
        | "ngx_eventport_module"
        | "ngx_iocp_module"
        | "ngx_kqueue_module"
        | "ngx_poll_module"
        | "ngx_select_module" => ModuleType::Event,
        "ngx_core_module"
        | "ngx_errlog_module"
        | "ngx_events_module"
        | "ngx_http_module"
        | "ngx_stream_module"
        | "ngx_mail_module"
        | "ngx_regex_module"
        | "ngx_thread_pool_module"
        | "ngx_openssl_module"
        | "ngx_openssl_cache_module"
        | "ngx_quic_bpf_module"
        | "ngx_google_perftools_module"
        | "ngx_http_js_core_module"
        | "ngx_stream_js_core_module"
        | "ngx_mgmt_module" => ModuleType::Core,
        m if m.starts_with("ngx_http_") => ModuleType::Http,
        m if m.starts_with("ngx_stream_") => ModuleType::Stream,
        m if m.starts_with("ngx_mail_") => ModuleType::Mail,
        _ => return None,
    })
}

/// The context a built-in or set block entry opens.
fn block_opens(name: &str, ty: ModuleType, origin: &str) -> Opens {
    use ModuleType as T;
    Opens::To(match (name, ty) {
        ("http", T::Core) => Context::Http,
        ("events", T::Core) => Context::Events,
        ("stream", T::Core) => Context::Stream,
        ("mail", T::Core) => Context::Mail,
        ("server", T::Http) => Context::HttpServer,
        ("server", T::Stream) => Context::StreamServer,
        ("server", T::Mail) => Context::MailServer,
        ("location", T::Http) => Context::HttpLocation,
        ("if", T::Http) => return Opens::If,
        ("limit_except", T::Http) => Context::HttpLimitExcept,
        ("upstream", T::Http) => Context::HttpUpstream,
        ("upstream", T::Stream) => Context::StreamUpstream,
        ("types", T::Http) => Context::Types,
        ("map", T::Http) => Context::Map,
        ("map", T::Stream) => Context::StreamMap,
        ("geo", T::Http) => Context::Geo,
        ("geo", T::Stream) => Context::StreamGeo,
        ("split_clients", T::Http) => Context::SplitClients,
        ("split_clients", T::Stream) => Context::StreamSplitClients,
        ("charset_map", T::Http) => Context::CharsetMap,
        _ if origin == "lua" && name.ends_with("_by_lua_block") => Context::LuaCode,
        _ => Context::Opaque,
    })
}

/// The parts of `s` between occurrences of the ASCII byte `sep`, as `str::split` gives them but
/// through `memchr` directly: the tables are read at every start, and the char searcher's set-up
/// per call was most of a pre-commit run's table reading.
pub(crate) fn split_ascii(s: &str, sep: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let r = rest?;
        match memchr::memchr(sep, r.as_bytes()) {
            Some(i) => {
                rest = Some(&r[i + 1..]);
                Some(&r[..i])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// Reads one embedded TSV (header line, then `directive module contexts args block source`).
fn parse_table(text: &'static str, origin: &'static str) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    for (i, line) in split_ascii(text, b'\n').enumerate().skip(1) {
        if line.is_empty() {
            continue;
        }
        let err = |what: &str| format!("{origin} table line {}: {what}", i + 1);
        let mut cols = split_ascii(line, b'\t');
        let (
            Some(name),
            Some(module),
            Some(contexts),
            Some(args),
            Some(block),
            Some(_source),
            None,
        ) = (
            cols.next(),
            cols.next(),
            cols.next(),
            cols.next(),
            cols.next(),
            cols.next(),
            cols.next(),
        )
        else {
            return Err(err("expected 6 tab-separated columns"));
        };
        let entry = entry_of(name, module, contexts, args, block, origin).map_err(|e| err(&e))?;
        rows.push((Box::from(name.as_bytes()), entry));
    }
    Ok(rows)
}

/// One command entry from its table columns.
fn entry_of(
    name: &str,
    module: &'static str,
    contexts: &str,
    args: &str,
    block: &str,
    origin: &'static str,
) -> Result<Entry, String> {
    let err = |what: &str| what.to_string();
    let module_type = module_type_of(module).ok_or_else(|| err("unknown module type"))?;
    let mut ctx_bits = 0;
    for c in split_ascii(contexts, b'|') {
        ctx_bits |= match c {
            "NGX_MAIN_CONF" => C_MAIN,
            "NGX_DIRECT_CONF" => 0,
            "NGX_ANY_CONF" => C_ANY,
            "NGX_EVENT_CONF" => C_EVENT,
            "NGX_HTTP_MAIN_CONF" => C_HTTP_MAIN,
            "NGX_HTTP_SRV_CONF" => C_HTTP_SRV,
            "NGX_HTTP_LOC_CONF" => C_HTTP_LOC,
            "NGX_HTTP_UPS_CONF" => C_HTTP_UPS,
            "NGX_HTTP_SIF_CONF" => C_HTTP_SIF,
            "NGX_HTTP_LIF_CONF" => C_HTTP_LIF,
            "NGX_HTTP_LMT_CONF" => C_HTTP_LMT,
            "NGX_STREAM_MAIN_CONF" => C_STREAM_MAIN,
            "NGX_STREAM_SRV_CONF" => C_STREAM_SRV,
            "NGX_STREAM_UPS_CONF" => C_STREAM_UPS,
            "NGX_MAIL_MAIN_CONF" => C_MAIL_MAIN,
            "NGX_MAIL_SRV_CONF" => C_MAIL_SRV,
            _ => return Err(err("unknown context macro")),
        };
    }
    let mut arg_bits = 0;
    for a in split_ascii(args, b'|') {
        arg_bits |= match a {
            "NGX_CONF_NOARGS" => A_NOARGS,
            "NGX_CONF_TAKE1" => A_TAKE[1],
            "NGX_CONF_TAKE2" => A_TAKE[2],
            "NGX_CONF_TAKE3" => A_TAKE[3],
            "NGX_CONF_TAKE4" => A_TAKE[4],
            "NGX_CONF_TAKE5" => A_TAKE[5],
            "NGX_CONF_TAKE6" => A_TAKE[6],
            "NGX_CONF_TAKE7" => A_TAKE[7],
            "NGX_CONF_TAKE12" => A_TAKE[1] | A_TAKE[2],
            "NGX_CONF_TAKE13" => A_TAKE[1] | A_TAKE[3],
            "NGX_CONF_TAKE23" => A_TAKE[2] | A_TAKE[3],
            "NGX_CONF_TAKE123" => A_TAKE[1] | A_TAKE[2] | A_TAKE[3],
            "NGX_CONF_TAKE1234" => A_TAKE[1] | A_TAKE[2] | A_TAKE[3] | A_TAKE[4],
            "NGX_CONF_FLAG" => A_FLAG,
            "NGX_CONF_ANY" => A_ANY,
            "NGX_CONF_1MORE" => A_1MORE,
            "NGX_CONF_2MORE" => A_2MORE,
            _ => return Err(err("unknown argument macro")),
        };
    }
    let (shape, opens) = match block {
        "yes" => (Shape::Block, block_opens(name, module_type, origin)),
        "no" => (Shape::Simple, Opens::Nothing),
        _ => return Err(err("block must be yes or no")),
    };
    if ctx_bits == 0 || name.is_empty() {
        return Err(err("empty name or context set"));
    }
    Ok(Entry {
        module,
        module_type,
        origin,
        contexts: ctx_bits,
        args: arg_bits,
        shape,
        opens,
        spec: None,
    })
}

/// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
fn osa_distance(a: &[u8], b: &[u8]) -> usize {
    let n = b.len();
    let mut prev2 = vec![0usize; n + 1];
    let mut prev: Vec<usize> = (0..=n).collect();
    let mut cur = vec![0usize; n + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=n {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[n]
}

#[cfg(test)]
mod tests {
    use super::*;
    use Context as C;
    use Terminator::{BlockStart as Open, Semicolon as Semi};

    fn d() -> Directives {
        Directives::builtin()
    }

    #[test]
    fn embedded_tables_parse() {
        let rows = parse_table(BUILTIN_TSV, "nginx").unwrap();
        assert_eq!(rows.len(), 754);
        let names: std::collections::HashSet<_> = rows.iter().map(|(n, _)| n.clone()).collect();
        assert_eq!(names.len(), 629);
        assert_eq!(d().names().count(), 629);
        for (i, (origin, text)) in SETS.iter().enumerate() {
            let parsed = parse_table(text, origin).unwrap();
            assert!(!parsed.is_empty(), "{origin}");
            assert_eq!(parsed.len(), set_rows(i).len());
        }
    }

    #[test]
    fn values_table_gives_the_builtin_table_for_its_version() {
        let a = Directives::from_values(BUILTIN_VERSION);
        let b = d();
        assert_eq!(a.names().count(), b.names().count());
        for name in b.names() {
            assert_eq!(
                a.entries(name),
                b.entries(name),
                "{}",
                String::from_utf8_lossy(name)
            );
            assert!(b.entries(name).iter().all(|e| e.spec().is_some()));
        }
    }

    #[test]
    fn directives_by_version() {
        let old = Directives::for_version((1, 22, 1));
        assert_eq!(old.version(), (1, 22, 1));
        assert!(matches!(
            old.dispatch(C::HttpServer, b"http2", 1, Semi),
            Err(DispatchError::Unknown { .. })
        ));
        assert_eq!(d().dispatch(C::HttpServer, b"http2", 1, Semi), Ok(None));
        assert_eq!(old.dispatch(C::HttpServer, b"ssl", 1, Semi), Ok(None));
        assert!(matches!(
            d().dispatch(C::HttpServer, b"ssl", 1, Semi),
            Err(DispatchError::Unknown { .. })
        ));
        // upstream keepalive took a second argument from 1.29.7.
        assert_eq!(
            old.dispatch(C::HttpUpstream, b"keepalive", 2, Semi),
            Err(DispatchError::InvalidArgCount)
        );
        assert_eq!(
            d().dispatch(C::HttpUpstream, b"keepalive", 2, Semi),
            Ok(None)
        );
        assert_eq!(
            Directives::for_version(BUILTIN_VERSION).version(),
            BUILTIN_VERSION
        );
    }

    #[test]
    fn module_type_counts_match_nginx_sources() {
        let rows = parse_table(BUILTIN_TSV, "nginx").unwrap();
        let mut modules: HashMap<ModuleType, std::collections::BTreeSet<&str>> = HashMap::new();
        let mut row_counts: HashMap<ModuleType, usize> = HashMap::new();
        for (_, e) in &rows {
            modules.entry(e.module_type).or_default().insert(e.module);
            *row_counts.entry(e.module_type).or_default() += 1;
        }
        let count = |t| modules.get(&t).map_or(0, |m| m.len());
        assert_eq!(count(ModuleType::Core), 12);
        assert_eq!(count(ModuleType::Event), 6);
        assert_eq!(count(ModuleType::Conf), 1);
        assert_eq!(count(ModuleType::Http), 58);
        assert_eq!(count(ModuleType::Stream), 20);
        assert_eq!(count(ModuleType::Mail), 8);
        assert_eq!(row_counts[&ModuleType::Core], 27);
        assert_eq!(row_counts[&ModuleType::Event], 16);
        assert_eq!(row_counts[&ModuleType::Http], 553);
        assert_eq!(row_counts[&ModuleType::Stream], 107);
        assert_eq!(row_counts[&ModuleType::Mail], 50);
        // The CORE modules as their `ngx_module_t` declares them in release-1.30.4.
        let core: Vec<&str> = modules[&ModuleType::Core].iter().copied().collect();
        assert_eq!(
            core,
            [
                "ngx_core_module",
                "ngx_errlog_module",
                "ngx_events_module",
                "ngx_google_perftools_module",
                "ngx_http_module",
                "ngx_mail_module",
                "ngx_openssl_cache_module",
                "ngx_openssl_module",
                "ngx_quic_bpf_module",
                "ngx_regex_module",
                "ngx_stream_module",
                "ngx_thread_pool_module",
            ]
        );
        let event: Vec<&str> = modules[&ModuleType::Event].iter().copied().collect();
        assert_eq!(
            event,
            [
                "ngx_devpoll_module",
                "ngx_epoll_module",
                "ngx_event_core_module",
                "ngx_eventport_module",
                "ngx_iocp_module",
                "ngx_kqueue_module",
            ]
        );
    }

    /// With no overlap, the first fitting entry is the only one and module order cannot matter.
    fn assert_no_overlap(dirs: &Directives) {
        for (name, entries) in dirs.map.iter() {
            for (i, a) in entries.iter().enumerate() {
                for b in &entries[i + 1..] {
                    let same_type = a.module_type == b.module_type
                        || a.module_type == ModuleType::Conf
                        || b.module_type == ModuleType::Conf;
                    assert!(
                        !(same_type && a.contexts & b.contexts != 0),
                        "{}: {} and {} overlap; encode ngx_modules[] order",
                        String::from_utf8_lossy(name),
                        a.module,
                        b.module
                    );
                }
            }
        }
    }

    #[test]
    fn search_order_never_matters() {
        let mut all = d();
        assert_no_overlap(&all);
        for set in Directives::set_names() {
            all.enable_set(set).unwrap();
        }
        assert_no_overlap(&all);
    }

    #[test]
    fn module_type_picks_the_subsystem() {
        let d = d();
        assert_eq!(d.dispatch(C::HttpServer, b"listen", 1, Semi), Ok(None));
        assert_eq!(d.dispatch(C::StreamServer, b"listen", 1, Semi), Ok(None));
        assert_eq!(d.dispatch(C::MailServer, b"listen", 1, Semi), Ok(None));
        assert_eq!(
            d.dispatch(C::Http, b"listen", 1, Semi),
            Err(DispatchError::NotAllowedHere)
        );
        assert_eq!(
            d.dispatch(C::Main, b"listen", 1, Semi),
            Err(DispatchError::NotAllowedHere)
        );
        // `server` is a block in http/stream/mail main, an entry in upstreams.
        assert_eq!(
            d.dispatch(C::Http, b"server", 0, Open),
            Ok(Some(C::HttpServer))
        );
        assert_eq!(
            d.dispatch(C::Stream, b"server", 0, Open),
            Ok(Some(C::StreamServer))
        );
        assert_eq!(
            d.dispatch(C::Mail, b"server", 0, Open),
            Ok(Some(C::MailServer))
        );
        assert_eq!(d.dispatch(C::HttpUpstream, b"server", 2, Semi), Ok(None));
        assert_eq!(d.dispatch(C::StreamUpstream, b"server", 1, Semi), Ok(None));
        assert_eq!(
            d.dispatch(C::HttpUpstream, b"server", 0, Semi),
            Err(DispatchError::InvalidArgCount)
        );
        assert_eq!(
            d.dispatch(C::HttpServer, b"server", 0, Open),
            Err(DispatchError::NotAllowedHere)
        );
        // proxy_pass: http location/if/limit_except, stream server; never http server.
        assert_eq!(
            d.dispatch(C::HttpLocation, b"proxy_pass", 1, Semi),
            Ok(None)
        );
        assert_eq!(
            d.dispatch(C::HttpLocationIf, b"proxy_pass", 1, Semi),
            Ok(None)
        );
        assert_eq!(
            d.dispatch(C::HttpLimitExcept, b"proxy_pass", 1, Semi),
            Ok(None)
        );
        assert_eq!(
            d.dispatch(C::StreamServer, b"proxy_pass", 1, Semi),
            Ok(None)
        );
        assert_eq!(
            d.dispatch(C::HttpServer, b"proxy_pass", 1, Semi),
            Err(DispatchError::NotAllowedHere)
        );
        assert_eq!(
            d.dispatch(C::MailServer, b"proxy_pass", 1, Semi),
            Err(DispatchError::NotAllowedHere)
        );
        // error_log: one name, four module types.
        for ctx in [C::Main, C::Http, C::HttpLocation, C::Stream, C::MailServer] {
            assert_eq!(d.dispatch(ctx, b"error_log", 1, Semi), Ok(None), "{ctx:?}");
        }
        assert_eq!(
            d.dispatch(C::Events, b"error_log", 1, Semi),
            Err(DispatchError::NotAllowedHere)
        );
        // stream's proxy_next_upstream is FLAG, http's is 1MORE.
        assert_eq!(
            d.dispatch(C::HttpLocation, b"proxy_next_upstream", 3, Semi),
            Ok(None)
        );
        assert_eq!(
            d.dispatch(C::StreamServer, b"proxy_next_upstream", 3, Semi),
            Err(DispatchError::InvalidArgCount)
        );
    }

    #[test]
    fn block_contexts() {
        let d = d();
        assert_eq!(d.dispatch(C::Main, b"http", 0, Open), Ok(Some(C::Http)));
        assert_eq!(d.dispatch(C::Main, b"events", 0, Open), Ok(Some(C::Events)));
        assert_eq!(d.dispatch(C::Main, b"stream", 0, Open), Ok(Some(C::Stream)));
        assert_eq!(d.dispatch(C::Main, b"mail", 0, Open), Ok(Some(C::Mail)));
        assert_eq!(
            d.dispatch(C::HttpServer, b"location", 1, Open),
            Ok(Some(C::HttpLocation))
        );
        assert_eq!(
            d.dispatch(C::HttpLocation, b"location", 2, Open),
            Ok(Some(C::HttpLocation))
        );
        assert_eq!(
            d.dispatch(C::HttpLocation, b"limit_except", 1, Open),
            Ok(Some(C::HttpLimitExcept))
        );
        assert_eq!(
            d.dispatch(C::Http, b"upstream", 1, Open),
            Ok(Some(C::HttpUpstream))
        );
        assert_eq!(
            d.dispatch(C::Stream, b"upstream", 1, Open),
            Ok(Some(C::StreamUpstream))
        );
        assert_eq!(
            d.dispatch(C::HttpLocation, b"types", 0, Open),
            Ok(Some(C::Types))
        );
        assert_eq!(d.dispatch(C::Http, b"map", 2, Open), Ok(Some(C::Map)));
        assert_eq!(
            d.dispatch(C::Stream, b"map", 2, Open),
            Ok(Some(C::StreamMap))
        );
        assert_eq!(d.dispatch(C::Http, b"geo", 1, Open), Ok(Some(C::Geo)));
        assert_eq!(
            d.dispatch(C::Stream, b"geo", 2, Open),
            Ok(Some(C::StreamGeo))
        );
        assert_eq!(
            d.dispatch(C::Http, b"split_clients", 2, Open),
            Ok(Some(C::SplitClients))
        );
        assert_eq!(
            d.dispatch(C::Stream, b"split_clients", 2, Open),
            Ok(Some(C::StreamSplitClients))
        );
        assert_eq!(
            d.dispatch(C::Http, b"charset_map", 2, Open),
            Ok(Some(C::CharsetMap))
        );
        assert_eq!(
            d.dispatch(C::HttpServer, b"map", 2, Open),
            Err(DispatchError::NotAllowedHere)
        );
        // Every built-in block opens a modelled context.
        for entries in d.map.values() {
            for e in entries.iter().filter(|e| e.is_block()) {
                assert_ne!(e.opens, Opens::To(C::Opaque), "{}", e.module);
            }
        }
    }

    #[test]
    fn if_in_server_and_location() {
        let d = d();
        assert_eq!(
            d.dispatch(C::HttpServer, b"if", 3, Open),
            Ok(Some(C::HttpServerIf))
        );
        assert_eq!(
            d.dispatch(C::HttpLocation, b"if", 1, Open),
            Ok(Some(C::HttpLocationIf))
        );
        assert_eq!(
            d.dispatch(C::Http, b"if", 1, Open),
            Err(DispatchError::NotAllowedHere)
        );
        assert_eq!(
            d.dispatch(C::HttpLocationIf, b"if", 1, Open),
            Err(DispatchError::NotAllowedHere)
        );
        // rewrite-module directives work in both ifs; location-only ones only in location-if.
        assert_eq!(d.dispatch(C::HttpServerIf, b"return", 1, Semi), Ok(None));
        assert_eq!(d.dispatch(C::HttpLocationIf, b"return", 2, Semi), Ok(None));
        assert_eq!(
            d.dispatch(C::HttpLocationIf, b"proxy_pass", 1, Semi),
            Ok(None)
        );
        assert_eq!(
            d.dispatch(C::HttpServerIf, b"proxy_pass", 1, Semi),
            Err(DispatchError::NotAllowedHere)
        );
        assert_eq!(
            d.dispatch(C::HttpServerIf, b"location", 1, Open),
            Err(DispatchError::NotAllowedHere)
        );
    }

    #[test]
    fn include_fits_every_directive_context() {
        let d = d();
        for ctx in [
            C::Main,
            C::Events,
            C::Http,
            C::HttpServer,
            C::HttpLocation,
            C::HttpUpstream,
            C::HttpServerIf,
            C::HttpLocationIf,
            C::HttpLimitExcept,
            C::Stream,
            C::StreamServer,
            C::StreamUpstream,
            C::Mail,
            C::MailServer,
        ] {
            assert_eq!(d.dispatch(ctx, b"include", 1, Semi), Ok(None), "{ctx:?}");
            assert_eq!(
                d.dispatch(ctx, b"include", 2, Semi),
                Err(DispatchError::InvalidArgCount)
            );
        }
        assert_eq!(d.entries(b"include")[0].module_type(), ModuleType::Conf);
    }

    #[test]
    fn entries_contexts_are_not_dispatched() {
        let d = d();
        for ctx in [
            C::Types,
            C::Map,
            C::Geo,
            C::SplitClients,
            C::CharsetMap,
            C::StreamMap,
            C::StreamGeo,
            C::StreamSplitClients,
            C::Opaque,
        ] {
            assert!(ctx.is_entries(), "{ctx:?}");
            assert_eq!(d.dispatch(ctx, b"text/html", 1, Semi), Ok(None));
            assert_eq!(d.dispatch(ctx, b"include", 1, Semi), Ok(None));
            assert_eq!(
                d.dispatch(ctx, b"default", 1, Open),
                Err(DispatchError::UnexpectedBrace)
            );
        }
        assert!(!C::HttpLocation.is_entries());
        assert_eq!(C::LuaCode.body(), Body::Lua);
        assert_eq!(
            DispatchError::UnexpectedBrace.message("x"),
            "unexpected \"{\""
        );
    }

    #[test]
    fn every_error_has_nginx_wording() {
        let d = d();
        let e = d.dispatch(C::Main, b"foo", 0, Semi).unwrap_err();
        assert_eq!(e.message("foo"), "unknown directive \"foo\"");
        let e = d.dispatch(C::Http, b"listen", 1, Semi).unwrap_err();
        assert_eq!(
            e.message("listen"),
            "\"listen\" directive is not allowed here"
        );
        let e = d.dispatch(C::HttpServer, b"listen", 1, Open).unwrap_err();
        assert_eq!(
            e.message("listen"),
            "directive \"listen\" is not terminated by \";\""
        );
        let e = d.dispatch(C::Main, b"http", 0, Semi).unwrap_err();
        assert_eq!(e.message("http"), "directive \"http\" has no opening \"{\"");
        let e = d.dispatch(C::Main, b"http", 1, Open).unwrap_err();
        assert_eq!(
            e.message(b"http"),
            "invalid number of arguments in \"http\" directive"
        );
        // Terminator is checked before the argument count, as in ngx_conf_handler.
        assert_eq!(
            d.dispatch(C::Main, b"http", 3, Semi),
            Err(DispatchError::NoOpeningBrace)
        );
        // Case-sensitive, like nginx.
        assert!(matches!(
            d.dispatch(C::Main, b"Worker_processes", 1, Semi),
            Err(DispatchError::Unknown { .. })
        ));
    }

    #[test]
    fn argument_masks() {
        let d = d();
        let ok = |ctx, name: &[u8], n| d.dispatch(ctx, name, n, Semi).is_ok();
        // FLAG: exactly one.
        assert!(ok(C::Main, b"daemon", 1));
        assert!(!ok(C::Main, b"daemon", 0));
        assert!(!ok(C::Main, b"daemon", 2));
        // 1MORE / 2MORE, no upper bound.
        assert!(!ok(C::HttpServer, b"server_name", 0));
        assert!(ok(C::HttpServer, b"server_name", 1));
        assert!(ok(C::HttpServer, b"server_name", 40));
        assert!(!ok(C::Http, b"log_format", 1));
        assert!(ok(C::Http, b"log_format", 2));
        assert!(ok(C::Http, b"log_format", 30));
        // TAKE1 / TAKE12 / TAKE123 / TAKE1234 / TAKE23.
        assert!(!ok(C::Main, b"worker_processes", 0));
        assert!(ok(C::Main, b"worker_processes", 1));
        assert!(!ok(C::Main, b"worker_processes", 2));
        assert!(ok(C::HttpServer, b"return", 1));
        assert!(ok(C::HttpServer, b"return", 2));
        assert!(!ok(C::HttpServer, b"return", 3));
        assert!(ok(C::HttpServer, b"rewrite", 3));
        assert!(!ok(C::HttpServer, b"rewrite", 1));
        assert!(!ok(C::HttpServer, b"rewrite", 4));
        assert!(ok(C::Http, b"open_log_file_cache", 4));
        assert!(!ok(C::Http, b"open_log_file_cache", 5));
        // NOARGS and NOARGS|TAKE12 (`random`).
        assert!(ok(C::HttpUpstream, b"least_conn", 0));
        assert!(!ok(C::HttpUpstream, b"least_conn", 1));
        for n in 0..=2 {
            assert!(ok(C::HttpUpstream, b"random", n));
        }
        assert!(!ok(C::HttpUpstream, b"random", 3));
        // ANY: anything goes (njs's js_periodic).
        let mut njs = Directives::builtin();
        njs.enable_set("njs").unwrap();
        assert_eq!(
            njs.dispatch(C::HttpLocation, b"js_periodic", 0, Semi),
            Ok(None)
        );
        assert_eq!(
            njs.dispatch(C::HttpLocation, b"js_periodic", 12, Semi),
            Ok(None)
        );
        // More than 7 arguments is invalid for any TAKEn mask.
        let e = Entry {
            args: A_TAKE[7],
            ..d.entries(b"worker_processes")[0]
        };
        assert!(e.accepts_args(7));
        assert!(!e.accepts_args(8));
        assert!(!e.accepts_args(100));
    }

    #[test]
    fn suggestions() {
        let d = d();
        let suggestion = |ctx, name: &[u8]| match d.dispatch(ctx, name, 1, Semi) {
            Err(DispatchError::Unknown { suggestion, .. }) => suggestion,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            suggestion(C::HttpLocation, b"proxy_passs").as_deref(),
            Some("proxy_pass")
        );
        assert_eq!(
            suggestion(C::HttpLocation, b"porxy_pass").as_deref(),
            Some("proxy_pass")
        );
        assert_eq!(
            suggestion(C::Main, b"Worker_processes").as_deref(),
            Some("worker_processes")
        );
        assert_eq!(
            suggestion(C::HttpServer, b"server_nmae").as_deref(),
            Some("server_name")
        );
        assert_eq!(suggestion(C::Main, b"foo"), None);
        assert_eq!(
            suggestion(C::HttpLocation, b"completely_unrelated_thing"),
            None
        );
        // The message stays nginx's.
        let e = d
            .dispatch(C::HttpLocation, b"proxy_passs", 1, Semi)
            .unwrap_err();
        assert_eq!(
            e.message("proxy_passs"),
            "unknown directive \"proxy_passs\""
        );
    }

    #[test]
    fn enable_set() {
        let mut d = d();
        let e = d
            .dispatch(C::HttpLocation, b"content_by_lua_block", 0, Open)
            .unwrap_err();
        assert_eq!(
            e,
            DispatchError::Unknown {
                suggestion: None,
                set: Some("lua")
            }
        );
        assert!(d.enable_set("lua").is_ok());
        assert!(d.enable_set("lua").is_ok());
        assert_eq!(d.enabled_sets(), ["lua"]);
        assert_eq!(
            d.dispatch(C::HttpLocation, b"content_by_lua_block", 0, Open),
            Ok(Some(C::LuaCode))
        );
        assert_eq!(
            d.dispatch(C::HttpServerIf, b"set_by_lua_block", 1, Open),
            Ok(Some(C::LuaCode))
        );
        assert_eq!(d.dispatch(C::Http, b"lua_shared_dict", 2, Semi), Ok(None));
        assert_eq!(
            d.dispatch(C::HttpServer, b"content_by_lua_block", 0, Open),
            Err(DispatchError::NotAllowedHere)
        );
        assert_eq!(
            d.dispatch(C::HttpUpstream, b"balancer_by_lua_block", 0, Open),
            Ok(Some(C::LuaCode))
        );
        assert!(d.enable_set("headers-more").is_ok());
        assert_eq!(
            d.dispatch(C::HttpLocationIf, b"more_set_headers", 1, Semi),
            Ok(None)
        );
        assert!(d.enable_set("njs").is_ok());
        assert_eq!(
            d.dispatch(C::Main, b"js_load_http_native_module", 1, Semi),
            Ok(None)
        );
        assert_eq!(
            d.dispatch(C::StreamServer, b"js_preread", 1, Semi),
            Ok(None)
        );
        assert!(d.enable_set("plus").is_ok());
        assert_eq!(
            d.dispatch(C::HttpLocation, b"health_check", 0, Semi),
            Ok(None)
        );
        assert_eq!(d.dispatch(C::Http, b"match", 1, Open), Ok(Some(C::Opaque)));
        assert_eq!(d.dispatch(C::Main, b"mgmt", 0, Open), Ok(Some(C::Opaque)));
        assert_eq!(d.dispatch(C::StreamServer, b"zone_sync", 0, Semi), Ok(None));
        assert_eq!(d.dispatch(C::Events, b"stall_threshold", 1, Semi), Ok(None));
        let err = d.enable_set("perl6").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown module set `perl6` (known: lua, njs, headers-more, plus)"
        );
        assert_eq!(
            Directives::set_names().collect::<Vec<_>>(),
            ["lua", "njs", "headers-more", "plus"]
        );
    }

    #[test]
    fn lua_block_names() {
        let mut d = d();
        let lua_set: Vec<&str> = set_rows(0)
            .iter()
            .filter(|(_, e)| e.opens == Opens::To(C::LuaCode))
            .map(|(n, _)| std::str::from_utf8(n).unwrap())
            .collect();
        let mut expected = LUA_BLOCKS.to_vec();
        expected.sort_unstable();
        assert_eq!(lua_set, expected);
        // Known to the lexer even before the set is enabled.
        for n in LUA_BLOCKS {
            assert!(d.is_lua_block(n.as_bytes()), "{n}");
        }
        assert!(!d.is_lua_block(b"content_by_lua"));
        assert!(!d.is_lua_block(b"my_by_lua_block"));
        d.declare("my_by_lua_block:location:0:lua").unwrap();
        assert!(d.is_lua_block(b"my_by_lua_block"));
        assert_eq!(
            d.dispatch(C::HttpLocation, b"my_by_lua_block", 0, Open),
            Ok(Some(C::LuaCode))
        );
    }

    #[test]
    fn declare() {
        let mut d = d();
        d.declare("more_set_headers:http,server,location,if:1more")
            .unwrap();
        assert_eq!(
            d.dispatch(C::HttpServerIf, b"more_set_headers", 2, Semi),
            Ok(None)
        );
        assert_eq!(
            d.dispatch(C::HttpLocation, b"more_set_headers", 0, Semi),
            Err(DispatchError::InvalidArgCount)
        );
        assert_eq!(
            d.dispatch(C::StreamServer, b"more_set_headers", 1, Semi),
            Err(DispatchError::NotAllowedHere)
        );
        assert_eq!(
            d.dispatch(C::HttpLocation, b"more_set_headers", 1, Open),
            Err(DispatchError::NotTerminated)
        );
        assert_eq!(d.entries(b"more_set_headers")[0].origin(), "declared");

        // Name only: anywhere, any args, either terminator.
        d.declare("vhost_traffic_status_zone").unwrap();
        for ctx in [
            C::Main,
            C::Events,
            C::Http,
            C::StreamUpstream,
            C::MailServer,
        ] {
            assert_eq!(
                d.dispatch(ctx, b"vhost_traffic_status_zone", 0, Semi),
                Ok(None)
            );
            assert_eq!(
                d.dispatch(ctx, b"vhost_traffic_status_zone", 9, Open),
                Ok(Some(C::Opaque))
            );
        }

        // Two subsystems: one entry per module type.
        d.declare("geoip2:http,stream:1:block").unwrap();
        assert_eq!(d.entries(b"geoip2").len(), 2);
        assert_eq!(d.dispatch(C::Http, b"geoip2", 1, Open), Ok(Some(C::Opaque)));
        assert_eq!(
            d.dispatch(C::Stream, b"geoip2", 1, Open),
            Ok(Some(C::Opaque))
        );
        assert_eq!(
            d.dispatch(C::Http, b"geoip2", 1, Semi),
            Err(DispatchError::NoOpeningBrace)
        );
        assert_eq!(
            d.dispatch(C::Http, b"geoip2", 2, Open),
            Err(DispatchError::InvalidArgCount)
        );

        d.declare("x_digits:stream_server:0|23").unwrap();
        for (n, ok) in [(0, true), (1, false), (2, true), (3, true), (4, false)] {
            assert_eq!(
                d.dispatch(C::StreamServer, b"x_digits", n, Semi).is_ok(),
                ok,
                "{n}"
            );
        }
        d.declare("x_flag:main:flag").unwrap();
        assert_eq!(
            d.dispatch(C::Main, b"x_flag", 2, Semi),
            Err(DispatchError::InvalidArgCount)
        );

        // Declaring a built-in name appends: built-in entries still win where they fit.
        d.declare("listen:http:any").unwrap();
        assert_eq!(
            d.dispatch(C::HttpServer, b"listen", 0, Semi),
            Err(DispatchError::InvalidArgCount)
        );
        assert_eq!(d.dispatch(C::Http, b"listen", 0, Semi), Ok(None));

        for bad in [
            "",
            ":http",
            "a b",
            "x:nowhere",
            "x:http:8",
            "x:http:lots",
            "x:http:1:loop",
            "x:a:b:c:d",
            "x{",
        ] {
            assert!(d.declare(bad).is_err(), "{bad:?}");
        }
        let err = d.declare("x:nowhere").unwrap_err();
        assert!(err
            .to_string()
            .starts_with("invalid directive declaration `x:nowhere`: unknown context"));
    }

    #[test]
    fn osa() {
        assert_eq!(osa_distance(b"proxy_passs", b"proxy_pass"), 1);
        assert_eq!(osa_distance(b"porxy_pass", b"proxy_pass"), 1);
        assert_eq!(osa_distance(b"", b"abc"), 3);
        assert_eq!(osa_distance(b"kitten", b"sitting"), 3);
    }
}
