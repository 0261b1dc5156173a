//! Directive knowledge: which names nginx knows, where each may stand, how many arguments it takes,
//! and whether it opens a block — the table behind nginx's `ngx_conf_handler`.
//!
//! The built-in table is nginx 1.30.4's own `ngx_command_t` arrays (`data/nginx-directives.tsv`, see
//! `data/README.md`). Extra module sets ([`Directives::set_names`]: `lua`, `njs`, `brotli`, `rtmp`, `plus`, …),
//! whole or by the dynamic module a `load_module` names ([`Directives::load_module_file`]), and user-declared
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
    /// `rtmp { }` of nginx-rtmp-module (`NGX_RTMP_MAIN_CONF`).
    Rtmp,
    /// `server { }` in `rtmp` (`NGX_RTMP_SRV_CONF`).
    RtmpServer,
    /// `application { }` in an rtmp `server` (`NGX_RTMP_APP_CONF`).
    RtmpApplication,
    /// `recorder { }` in an rtmp `application` (`NGX_RTMP_REC_CONF`).
    RtmpRecorder,
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
    /// `NGX_RTMP_MODULE` (nginx-rtmp-module's own subsystem).
    Rtmp,
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
    /// `set` names a known module set that has the name but is not enabled, and `module_file` the
    /// dynamic module whose `load_module` would make it known.
    Unknown {
        /// The closest known name, when reasonably close.
        suggestion: Option<String>,
        /// A module set with this name whose module is not enabled.
        set: Option<&'static str>,
        /// The shared object of that module (`ngx_http_brotli_static_module.so`), when it is one.
        module_file: Option<&'static str>,
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
#[error("unknown module set `{name}` (known: {})", Directives::set_names().collect::<Vec<_>>().join(", "))]
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
const C_RTMP_MAIN: u32 = 1 << 14;
const C_RTMP_SRV: u32 = 1 << 15;
const C_RTMP_APP: u32 = 1 << 16;
const C_RTMP_REC: u32 = 1 << 17;
/// `NGX_ANY_CONF`: every directive context.
const C_ANY: u32 = (1 << 18) - 1;

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
            Context::Rtmp => "rtmp",
            Context::RtmpServer => "server",
            Context::RtmpApplication => "application",
            Context::RtmpRecorder => "recorder",
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
            Context::Rtmp => (ModuleType::Rtmp, C_RTMP_MAIN),
            Context::RtmpServer => (ModuleType::Rtmp, C_RTMP_SRV),
            Context::RtmpApplication => (ModuleType::Rtmp, C_RTMP_APP),
            Context::RtmpRecorder => (ModuleType::Rtmp, C_RTMP_REC),
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

/// A name of up to 31 bytes as a fixed-size key: the bytes, zero-padded, and the length in the
/// last byte (so `a` and `a\0` differ). Hashed as four words and compared as one 32-byte block,
/// without a byte loop or a call to `memcmp`: every directive of every file is looked up by
/// name several times (reading, classifying, nginx's handler checks, the model).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct NameKey([u8; 32]);

impl NameKey {
    /// The key of `name`; `None` when it is longer than 31 bytes.
    #[inline]
    pub fn new(name: &[u8]) -> Option<NameKey> {
        if name.len() > 31 {
            return None;
        }
        let mut bytes = [0u8; 32];
        bytes[..name.len()].copy_from_slice(name);
        bytes[31] = name.len() as u8;
        Some(NameKey(bytes))
    }

    /// The name's bytes.
    #[inline]
    pub fn bytes(&self) -> &[u8] {
        &self.0[..self.0[31] as usize]
    }
}

impl std::hash::Hash for NameKey {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        for w in self.0.chunks_exact(8) {
            let mut b = [0u8; 8];
            b.copy_from_slice(w);
            state.write_u64(u64::from_le_bytes(b));
        }
    }
}

impl std::fmt::Debug for NameKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.bytes()))
    }
}

/// A directive name's number among every name the tables know ([`name_index`]); names of
/// other modules, declared names and names longer than 31 bytes have none.
pub const UNKNOWN_NAME: u16 = u16::MAX;

/// The map from a known name to its number, and the names by number.
type NameTable = (
    HashMap<NameKey, u16, BuildHasherDefault<FxHasher>>,
    Vec<NameKey>,
);

/// Every name of the built-in table and of the module sets, numbered in the order the tables
/// list them, with the map from a name to its number.
fn name_table() -> &'static NameTable {
    static TABLE: OnceLock<NameTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        // The first column of each embedded table, past its header line (the rows themselves
        // are parsed when a table is used), numbered in the order met.
        let mut map: HashMap<NameKey, u16, BuildHasherDefault<FxHasher>> = HashMap::default();
        map.reserve(2048);
        let mut names: Vec<NameKey> = Vec::with_capacity(2048);
        let firsts = std::iter::once(BUILTIN_TSV)
            .chain(SETS.iter().map(|(_, text)| *text))
            .flat_map(|text| split_ascii(text, b'\n').skip(1))
            .filter_map(|line| line.split('\t').next());
        for n in firsts {
            let Some(k) = NameKey::new(n.as_bytes()).filter(|_| !n.is_empty()) else {
                continue;
            };
            if names.len() < UNKNOWN_NAME as usize {
                map.entry(k).or_insert_with(|| {
                    names.push(k);
                    names.len() as u16 - 1
                });
            }
        }
        (map, names)
    })
}

/// The number of a directive name among every name the tables know (the built-in table and
/// every module set), or [`UNKNOWN_NAME`]. The parser numbers each statement's name once
/// ([`crate::Directive::known`]), so that classifying, dispatching and modelling it look it up
/// by that number instead of hashing the name again.
#[inline]
pub fn name_index(name: &[u8]) -> u16 {
    match NameKey::new(name) {
        Some(k) => name_table().0.get(&k).copied().unwrap_or(UNKNOWN_NAME),
        None => UNKNOWN_NAME,
    }
}

/// The name numbered `i` by [`name_index`].
fn indexed_name(i: usize) -> &'static [u8] {
    name_table().1.get(i).map_or(&[], |k| k.bytes())
}

/// A map keyed by directive name: a known name ([`name_index`]) by its number, any other by its
/// bytes.
#[derive(Clone, Debug)]
struct Map<V> {
    slots: Vec<Option<V>>,
    other: HashMap<Box<[u8]>, V, BuildHasherDefault<FxHasher>>,
}

impl<V> Default for Map<V> {
    fn default() -> Self {
        Map {
            slots: Vec::new(),
            other: HashMap::default(),
        }
    }
}

impl<V> Map<V> {
    #[inline]
    fn get(&self, name: &[u8]) -> Option<&V> {
        self.get_known(name_index(name), name)
    }

    /// The value of `name`, whose number is `known` (as [`name_index`] gives it).
    #[inline]
    fn get_known(&self, known: u16, name: &[u8]) -> Option<&V> {
        if known == UNKNOWN_NAME {
            self.other.get(name)
        } else {
            self.slots.get(known as usize)?.as_ref()
        }
    }

    fn get_mut(&mut self, name: &[u8]) -> Option<&mut V> {
        match name_index(name) {
            UNKNOWN_NAME => self.other.get_mut(name),
            i => self.slots.get_mut(i as usize)?.as_mut(),
        }
    }

    #[inline]
    fn contains_key(&self, name: &[u8]) -> bool {
        self.get(name).is_some()
    }

    fn insert(&mut self, name: &[u8], v: V) {
        match name_index(name) {
            UNKNOWN_NAME => {
                self.other.insert(name.into(), v);
            }
            i => {
                let i = i as usize;
                if self.slots.len() <= i {
                    self.slots.resize_with(i + 1, || None);
                }
                self.slots[i] = Some(v);
            }
        }
    }

    fn iter(&self) -> impl Iterator<Item = (&[u8], &V)> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.as_ref().map(|v| (indexed_name(i), v)))
            .chain(self.other.iter().map(|(k, v)| (&**k, v)))
    }

    fn keys(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.iter().map(|(k, _)| k)
    }

    #[cfg(test)]
    fn values(&self) -> impl Iterator<Item = &V> + '_ {
        self.iter().map(|(_, v)| v)
    }
}

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
/// `plus` comes last: its `*_cache_purge` names are also cache-purge's, and an unknown name is
/// attributed to the first set that has it, which for an open-source nginx is the module to load.
const SETS: [(&str, &str); 26] = [
    ("lua", include_str!("../data/lua-nginx-module.tsv")),
    ("njs", include_str!("../data/njs.tsv")),
    ("headers-more", include_str!("../data/headers-more.tsv")),
    ("auth-pam", include_str!("../data/auth-pam.tsv")),
    ("brotli", include_str!("../data/brotli.tsv")),
    ("cache-purge", include_str!("../data/cache-purge.tsv")),
    ("dav-ext", include_str!("../data/dav-ext.tsv")),
    ("echo", include_str!("../data/echo.tsv")),
    (
        "encrypted-session",
        include_str!("../data/encrypted-session.tsv"),
    ),
    ("fancyindex", include_str!("../data/fancyindex.tsv")),
    ("geoip2", include_str!("../data/geoip2.tsv")),
    ("memc", include_str!("../data/memc.tsv")),
    ("modsecurity", include_str!("../data/modsecurity.tsv")),
    ("naxsi", include_str!("../data/naxsi.tsv")),
    ("nchan", include_str!("../data/nchan.tsv")),
    ("ndk", include_str!("../data/ndk.tsv")),
    ("otel", include_str!("../data/otel.tsv")),
    ("rtmp", include_str!("../data/rtmp.tsv")),
    ("set-misc", include_str!("../data/set-misc.tsv")),
    ("srcache", include_str!("../data/srcache.tsv")),
    ("subs-filter", include_str!("../data/subs-filter.tsv")),
    (
        "upload-progress",
        include_str!("../data/upload-progress.tsv"),
    ),
    ("upstream-fair", include_str!("../data/upstream-fair.tsv")),
    ("vts", include_str!("../data/vts.tsv")),
    ("zstd", include_str!("../data/zstd.tsv")),
    ("plus", include_str!("../data/nginx-plus.tsv")),
];

/// The origin of the built-in entries, and the set [`Directives::set_for_module_file`] names for
/// nginx's own dynamic modules.
pub const BUILTIN_SET: &str = "nginx";

/// A dynamic module's shared object: the set its directives are in and the `ngx_module_t`s it
/// holds (`ngx_module_names` of the object, checked against Debian 12's `libnginx-mod-*` builds
/// and the modules' `config` files; see `data/README.md`).
struct ModuleFile {
    file: &'static str,
    set: &'static str,
    modules: &'static [&'static str],
}

const fn mf(file: &'static str, set: &'static str, modules: &'static [&'static str]) -> ModuleFile {
    ModuleFile { file, set, modules }
}

const MODULE_FILES: &[ModuleFile] = &[
    // nginx's own modules that `./configure --with-X=dynamic` builds as objects: their directives
    // are in the built-in table already.
    mf("ngx_http_geoip_module.so", BUILTIN_SET, &[]),
    mf("ngx_http_image_filter_module.so", BUILTIN_SET, &[]),
    mf("ngx_http_perl_module.so", BUILTIN_SET, &[]),
    mf("ngx_http_xslt_filter_module.so", BUILTIN_SET, &[]),
    mf("ngx_mail_module.so", BUILTIN_SET, &[]),
    mf("ngx_stream_geoip_module.so", BUILTIN_SET, &[]),
    mf("ngx_stream_module.so", BUILTIN_SET, &[]),
    mf("ndk_http_module.so", "ndk", &["ndk_http_module"]),
    mf(
        "ngx_http_auth_pam_module.so",
        "auth-pam",
        &["ngx_http_auth_pam_module"],
    ),
    mf(
        "ngx_http_brotli_filter_module.so",
        "brotli",
        &["ngx_http_brotli_filter_module"],
    ),
    mf(
        "ngx_http_brotli_static_module.so",
        "brotli",
        &["ngx_http_brotli_static_module"],
    ),
    mf(
        "ngx_http_cache_purge_module.so",
        "cache-purge",
        &["ngx_http_cache_purge_module"],
    ),
    mf(
        "ngx_http_dav_ext_module.so",
        "dav-ext",
        &["ngx_http_dav_ext_module"],
    ),
    mf("ngx_http_echo_module.so", "echo", &["ngx_http_echo_module"]),
    mf(
        "ngx_http_encrypted_session_module.so",
        "encrypted-session",
        &["ngx_http_encrypted_session_module"],
    ),
    mf(
        "ngx_http_fancyindex_module.so",
        "fancyindex",
        &["ngx_http_fancyindex_module"],
    ),
    mf(
        "ngx_http_geoip2_module.so",
        "geoip2",
        &["ngx_http_geoip2_module"],
    ),
    mf(
        "ngx_http_headers_more_filter_module.so",
        "headers-more",
        &["ngx_http_headers_more_filter_module"],
    ),
    mf(
        "ngx_http_js_module.so",
        "njs",
        &["ngx_http_js_module", "ngx_http_js_core_module"],
    ),
    mf("ngx_http_lua_module.so", "lua", &["ngx_http_lua_module"]),
    mf("ngx_http_memc_module.so", "memc", &["ngx_http_memc_module"]),
    mf(
        "ngx_http_modsecurity_module.so",
        "modsecurity",
        &["ngx_http_modsecurity_module"],
    ),
    mf(
        "ngx_http_naxsi_module.so",
        "naxsi",
        &["ngx_http_naxsi_module"],
    ),
    mf(
        "ngx_http_set_misc_module.so",
        "set-misc",
        &["ngx_http_set_misc_module"],
    ),
    mf(
        "ngx_http_srcache_filter_module.so",
        "srcache",
        &["ngx_http_srcache_filter_module"],
    ),
    mf(
        "ngx_http_subs_filter_module.so",
        "subs-filter",
        &["ngx_http_subs_filter_module"],
    ),
    mf(
        "ngx_http_uploadprogress_module.so",
        "upload-progress",
        &["ngx_http_uploadprogress_module"],
    ),
    mf(
        "ngx_http_upstream_fair_module.so",
        "upstream-fair",
        &["ngx_http_upstream_fair_module"],
    ),
    mf(
        "ngx_http_vhost_traffic_status_module.so",
        "vts",
        &["ngx_http_vhost_traffic_status_module"],
    ),
    mf(
        "ngx_http_zstd_filter_module.so",
        "zstd",
        &["ngx_http_zstd_filter_module"],
    ),
    mf(
        "ngx_http_zstd_static_module.so",
        "zstd",
        &["ngx_http_zstd_static_module"],
    ),
    mf("ngx_nchan_module.so", "nchan", &["ngx_nchan_module"]),
    mf("ngx_otel_module.so", "otel", &["ngx_otel_module"]),
    mf(
        "ngx_rtmp_module.so",
        "rtmp",
        &[
            "ngx_rtmp_module",
            "ngx_rtmp_access_module",
            "ngx_rtmp_auto_push_module",
            "ngx_rtmp_codec_module",
            "ngx_rtmp_control_module",
            "ngx_rtmp_core_module",
            "ngx_rtmp_dash_module",
            "ngx_rtmp_exec_module",
            "ngx_rtmp_hls_module",
            "ngx_rtmp_limit_module",
            "ngx_rtmp_live_module",
            "ngx_rtmp_log_module",
            "ngx_rtmp_netcall_module",
            "ngx_rtmp_notify_module",
            "ngx_rtmp_play_module",
            "ngx_rtmp_record_module",
            "ngx_rtmp_relay_module",
            "ngx_rtmp_stat_module",
        ],
    ),
    mf(
        "ngx_stream_geoip2_module.so",
        "geoip2",
        &["ngx_stream_geoip2_module"],
    ),
    mf(
        "ngx_stream_js_module.so",
        "njs",
        &["ngx_stream_js_module", "ngx_stream_js_core_module"],
    ),
];

/// The module file a `load_module` path or a Debian/Ubuntu `modules-enabled` file name stands for.
/// The object a `load_module` path (or a Debian module snippet's name) loads, and the name of the
/// first `ngx_module_t` it holds — the one nginx names when the object is loaded twice (`module
/// "ngx_stream_module" is already loaded`): the table's, else the object's name without `.so`.
pub fn module_object(name: &[u8]) -> Option<(Vec<u8>, String)> {
    let base = name.rsplit(|&b| b == b'/').next().unwrap_or(name);
    match module_file(name) {
        Some(m) => {
            let first = m
                .modules
                .first()
                .map(|s| (*s).to_string())
                .unwrap_or_else(|| m.file.trim_end_matches(".so").to_string());
            Some((m.file.as_bytes().to_vec(), first))
        }
        None => {
            let stem = base.strip_suffix(b".so")?;
            Some((base.to_vec(), String::from_utf8_lossy(stem).into_owned()))
        }
    }
}

fn module_file(name: &[u8]) -> Option<&'static ModuleFile> {
    let base = name.rsplit(|&b| b == b'/').next().unwrap_or(name);
    if base.ends_with(b".so") {
        return MODULE_FILES.iter().find(|m| m.file.as_bytes() == base);
    }
    // Debian's `dh_nginx` names a module's snippet after its package: `libnginx-mod-http-echo`
    // installs `modules-available/mod-http-echo.conf` (`load_module modules/ngx_http_echo_module.so;`)
    // and links it as `modules-enabled/50-mod-http-echo.conf`. The object is `ngx_` + the rest with
    // `_` for `-` + `_module.so` for every package Debian 12 ships, except the devel kit's.
    let stem = base.strip_suffix(b".conf")?;
    let digits = stem.iter().take_while(|b| b.is_ascii_digit()).count();
    let stem = match stem[digits..].strip_prefix(b"-") {
        Some(rest) if digits > 0 => rest,
        _ => stem,
    };
    let rest = stem.strip_prefix(b"mod-")?;
    if rest == b"http-ndk" {
        return module_file(b"ndk_http_module.so");
    }
    let mut so = b"ngx_".to_vec();
    so.extend(rest.iter().map(|&b| if b == b'-' { b'_' } else { b }));
    so.extend_from_slice(b"_module.so");
    MODULE_FILES.iter().find(|m| m.file.as_bytes() == so)
}

/// The set of known directives: the built-in table, enabled module sets and user declarations.
#[derive(Clone, Debug)]
pub struct Directives {
    /// Shared with the built-in table until a module set or a declaration changes it: every run
    /// starts from the built-in table, and copying 700 entries cost a pre-commit run a tenth of
    /// its work.
    map: std::sync::Arc<Map<Vec<Entry>>>,
    /// Module sets with at least one module enabled, in the order they were enabled.
    enabled: Vec<&'static str>,
    /// The set modules (`ngx_module_t` names) whose entries are in `map`.
    modules: Vec<&'static str>,
    /// Names declared with a Lua body beyond the 19 OpenResty ones.
    lua_blocks: Vec<Box<[u8]>>,
    /// The nginx version the built-in entries are those of.
    version: Version,
}

impl Directives {
    /// A table that knows no directive: a placeholder for one made later, which costs nothing to
    /// make (the built-in table is parsed from the embedded data on first use).
    pub fn none() -> Self {
        Directives {
            map: std::sync::Arc::new(Map::default()),
            enabled: Vec::new(),
            modules: Vec::new(),
            lua_blocks: Vec::new(),
            version: BUILTIN_VERSION,
        }
    }

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
                    modules: Vec::new(),
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
            modules: Vec::new(),
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

    /// The built-in table with every known module set enabled: what nginx with any of the
    /// modules this crate knows could accept (for telling nginx's syntax from another tool's).
    pub fn all_sets() -> &'static Directives {
        static ALL: OnceLock<Directives> = OnceLock::new();
        ALL.get_or_init(|| {
            let mut d = Directives::builtin();
            for set in Directives::set_names() {
                // Every name in `SETS` is known to `enable_set`.
                let _ = d.enable_set(set);
            }
            d
        })
    }

    /// The names accepted by [`Directives::enable_set`].
    pub fn set_names() -> impl Iterator<Item = &'static str> {
        SETS.iter().map(|(name, _)| *name)
    }

    /// Adds every module of a well-known module set ([`Directives::set_names`]); enabling twice is a no-op.
    pub fn enable_set(&mut self, name: &str) -> Result<(), UnknownSet> {
        let Some(idx) = SETS.iter().position(|(n, _)| *n == name) else {
            return Err(UnknownSet {
                name: name.to_owned(),
            });
        };
        self.enable_modules(idx, None);
        Ok(())
    }

    /// The module set a dynamic module's file belongs to: the shared object a `load_module` names
    /// (`modules/ngx_http_brotli_filter_module.so`; the folder does not matter), or a Debian/Ubuntu
    /// `modules-enabled` / `modules-available` snippet (`50-mod-http-geoip2.conf`).
    /// [`BUILTIN_SET`] for nginx's own dynamic modules (`ngx_stream_module.so`,
    /// `mod-mail.conf`, …), whose directives the built-in table has; `None` for a file it does not know.
    pub fn set_for_module_file(name: &[u8]) -> Option<&'static str> {
        module_file(name).map(|m| m.set)
    }

    /// What nginx does for `load_module FILE`: the directives of the modules that file holds
    /// become known (only those: the brotli filter's object does not bring `brotli_static`).
    /// Returns [`Directives::set_for_module_file`]'s answer.
    pub fn load_module_file(&mut self, name: &[u8]) -> Option<&'static str> {
        let m = module_file(name)?;
        if let Some(idx) = SETS.iter().position(|(n, _)| *n == m.set) {
            self.enable_modules(idx, Some(m.modules));
        }
        Some(m.set)
    }

    /// Appends the rows of set `idx` whose module is in `only` (every module when `None`) and not
    /// appended yet.
    fn enable_modules(&mut self, idx: usize, only: Option<&[&str]>) {
        let set = SETS[idx].0;
        let rows: Vec<Row> = set_rows(idx)
            .iter()
            .filter(|(_, e)| {
                only.is_none_or(|o| o.contains(&e.module)) && !self.modules.contains(&e.module)
            })
            .cloned()
            .collect();
        for (_, e) in &rows {
            if !self.modules.contains(&e.module) {
                self.modules.push(e.module);
            }
        }
        if !self.enabled.contains(&set) && (only.is_none() || !rows.is_empty()) {
            self.enabled.push(set);
        }
        if !rows.is_empty() {
            self.append(&rows);
        }
    }

    /// The module sets enabled so far (wholly or by one of their modules), in the order they were enabled.
    pub fn enabled_sets(&self) -> &[&'static str] {
        &self.enabled
    }

    /// Declares a third-party directive: `NAME[:CONTEXTS[:ARGS[:BODY]]]`.
    ///
    /// - `NAME` alone: any context, any arguments, ended by `;` or `{` (a block's body is not checked).
    /// - `CONTEXTS`: comma-separated; `any` (or `*`), `main`, `events`, `http`, `server`, `location`,
    ///   `upstream`, `if` (both `server_if` and `location_if`), `server_if`, `location_if`,
    ///   `limit_except`, `stream`, `stream_server`, `stream_upstream`, `mail`, `mail_server`, `rtmp`,
    ///   `rtmp_server`, `rtmp_application`, `rtmp_recorder`. Empty means `any`.
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
                "rtmp" => add(ModuleType::Rtmp, C_RTMP_MAIN),
                "rtmp_server" => add(ModuleType::Rtmp, C_RTMP_SRV),
                "rtmp_application" => add(ModuleType::Rtmp, C_RTMP_APP),
                "rtmp_recorder" => add(ModuleType::Rtmp, C_RTMP_REC),
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
        self.dispatch_known(ctx, name_index(name), name, nargs, term)
    }

    /// [`Directives::dispatch_entry`] for a name whose number ([`name_index`]) is known: a
    /// parsed statement's ([`crate::Directive::known`]).
    pub fn dispatch_known(
        &self,
        ctx: Context,
        known: u16,
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
        let Some(entries) = self.map.get_known(known, name) else {
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

    /// [`Directives::contains`] for a name whose number ([`name_index`]) is known.
    pub fn contains_known(&self, known: u16, name: &[u8]) -> bool {
        self.map.get_known(known, name).is_some()
    }

    /// Every known name (unordered).
    pub fn names(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.map.keys()
    }

    fn append(&mut self, rows: &[Row]) {
        let map = std::sync::Arc::make_mut(&mut self.map);
        for (name, entry) in rows {
            match map.get_mut(name) {
                Some(list) => list.push(*entry),
                None => map.insert(name, vec![*entry]),
            }
        }
    }

    fn unknown(&self, ctx: Context, name: &[u8]) -> DispatchError {
        let found = SETS.iter().enumerate().find_map(|(i, (set, _))| {
            set_rows(i)
                .iter()
                .find(|(r, e)| &**r == name && !self.modules.contains(&e.module))
                .map(|(_, e)| (*set, e.module))
        });
        let module_file = found.and_then(|(_, module)| {
            MODULE_FILES
                .iter()
                .find(|m| m.modules.contains(&module))
                .map(|m| m.file)
        });
        DispatchError::Unknown {
            suggestion: self.suggest(ctx, name),
            set: found.map(|(set, _)| set),
            module_file,
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
                Some((bd, bf, bn)) => (d, !fits, cand) < (bd, !bf, bn),
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
        | "ngx_mgmt_module"
        | "ngx_rtmp_module"
        | "ngx_rtmp_auto_push_module" => ModuleType::Core,
        // HTTP modules without the `ngx_http_` prefix.
        "ndk_http_module"
        | "ngx_nchan_module"
        | "ngx_otel_module"
        | "ngx_rtmp_control_module"
        | "ngx_rtmp_stat_module" => ModuleType::Http,
        m if m.starts_with("ngx_http_") => ModuleType::Http,
        m if m.starts_with("ngx_stream_") => ModuleType::Stream,
        m if m.starts_with("ngx_mail_") => ModuleType::Mail,
        m if m.starts_with("ngx_rtmp_") => ModuleType::Rtmp,
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
        ("rtmp", T::Core) => Context::Rtmp,
        ("server", T::Rtmp) => Context::RtmpServer,
        ("application", T::Rtmp) => Context::RtmpApplication,
        ("recorder", T::Rtmp) => Context::RtmpRecorder,
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
                // `sep` is ASCII: cutting at it and after it is on character boundaries.
                let (part, after) = r.split_at_checked(i)?;
                rest = after.get(1..);
                Some(part)
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
            "NGX_RTMP_MAIN_CONF" => C_RTMP_MAIN,
            "NGX_RTMP_SRV_CONF" => C_RTMP_SRV,
            "NGX_RTMP_APP_CONF" => C_RTMP_APP,
            "NGX_RTMP_REC_CONF" => C_RTMP_REC,
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

    #[test]
    fn every_known_name_has_a_number_and_parsing_gives_it() {
        let all = Directives::all_sets();
        let mut numbered = 0;
        for name in all.names() {
            let i = name_index(name);
            if name.len() <= 31 {
                assert_ne!(i, UNKNOWN_NAME, "{}", String::from_utf8_lossy(name));
                assert_eq!(indexed_name(i as usize), name);
                numbered += 1;
            } else {
                assert_eq!(i, UNKNOWN_NAME);
            }
            // Looked up by number or by name, the same entries.
            assert_eq!(all.contains_known(i, name), all.contains(name));
        }
        assert!(numbered > 1000, "{numbered}");
        assert_eq!(name_index(b"no_such_directive"), UNKNOWN_NAME);
        assert_eq!(name_index(b""), UNKNOWN_NAME);
        // The parser numbers a statement by its value: a quoted name is the same name.
        let f = crate::parse(b"\"listen\" 80;\nno_such 1;\nhttp { server { } }\n");
        assert_eq!(f.directives[0].known, name_index(b"listen"));
        assert_eq!(f.directives[1].known, UNKNOWN_NAME);
        assert_eq!(f.directives[2].known, name_index(b"http"));
        let server = &f.directives[2].block.as_ref().unwrap().children[0];
        assert_eq!(server.known, name_index(b"server"));
        // A declared name nobody numbers is found by its bytes.
        let mut d = Directives::builtin();
        let dispatches = |d: &Directives| {
            d.dispatch_known(
                Context::Http,
                UNKNOWN_NAME,
                b"my_filter",
                1,
                Terminator::Semicolon,
            )
            .is_ok()
        };
        assert!(!dispatches(&d));
        d.declare("my_filter:http:1").unwrap();
        assert_eq!(name_index(b"my_filter"), UNKNOWN_NAME);
        assert!(d.contains(b"my_filter"));
        assert!(dispatches(&d));
    }
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
        // NGINX Plus and the cache-purge module both define `*_cache_purge`: a build has one or the
        // other, and whichever is enabled first wins, as the first module in ngx_modules[] does.
        for set in Directives::set_names().filter(|s| *s != "plus") {
            all.enable_set(set).unwrap();
        }
        assert_no_overlap(&all);
        let mut plus = d();
        plus.enable_set("plus").unwrap();
        assert_no_overlap(&plus);
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
                set: Some("lua"),
                module_file: Some("ngx_http_lua_module.so"),
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
        let known = "lua, njs, headers-more, auth-pam, brotli, cache-purge, dav-ext, echo, \
                     encrypted-session, fancyindex, geoip2, memc, modsecurity, naxsi, nchan, ndk, \
                     otel, rtmp, set-misc, srcache, subs-filter, upload-progress, upstream-fair, \
                     vts, zstd, plus";
        assert_eq!(
            err.to_string(),
            format!("unknown module set `perl6` (known: {known})")
        );
        assert_eq!(
            Directives::set_names().collect::<Vec<_>>().join(", "),
            known
        );
    }

    /// Rows and names of each set, as `data/README.md` lists them.
    #[test]
    fn module_set_counts() {
        let counts: Vec<(&str, usize, usize)> = SETS
            .iter()
            .enumerate()
            .map(|(i, (set, _))| {
                let rows = set_rows(i);
                let names: std::collections::HashSet<_> = rows.iter().map(|(n, _)| n).collect();
                (*set, rows.len(), names.len())
            })
            .collect();
        assert_eq!(
            counts,
            [
                ("lua", 88, 88),
                ("njs", 55, 31),
                ("headers-more", 4, 4),
                ("auth-pam", 3, 3),
                ("brotli", 7, 7),
                ("cache-purge", 4, 4),
                ("dav-ext", 3, 3),
                ("echo", 19, 19),
                ("encrypted-session", 5, 5),
                ("fancyindex", 15, 15),
                ("geoip2", 4, 3),
                ("memc", 11, 11),
                ("modsecurity", 5, 5),
                ("naxsi", 24, 24),
                ("nchan", 151, 151),
                ("ndk", 1, 1),
                ("otel", 7, 7),
                ("rtmp", 117, 117),
                ("set-misc", 29, 29),
                ("srcache", 20, 20),
                ("subs-filter", 5, 5),
                ("upload-progress", 10, 10),
                ("upstream-fair", 2, 2),
                ("vts", 24, 24),
                ("zstd", 7, 7),
                ("plus", 103, 93),
            ]
        );
    }

    #[test]
    fn module_files_cover_every_set_module() {
        for m in MODULE_FILES {
            if m.set == BUILTIN_SET {
                assert!(m.modules.is_empty(), "{}", m.file);
                continue;
            }
            let idx = SETS.iter().position(|(n, _)| *n == m.set).unwrap();
            for module in m.modules {
                assert!(
                    set_rows(idx).iter().any(|(_, e)| e.module == *module),
                    "{}: {module} has no row in set {}",
                    m.file,
                    m.set
                );
            }
        }
        // Every module of every set but `plus` (built into NGINX Plus, never loaded) is in one object.
        for (i, (set, _)) in SETS.iter().enumerate() {
            if *set == "plus" {
                continue;
            }
            for (name, e) in set_rows(i) {
                let holders = MODULE_FILES
                    .iter()
                    .filter(|m| m.set == *set && m.modules.contains(&e.module))
                    .count();
                assert_eq!(
                    holders,
                    1,
                    "{set}: {} ({}) is in {holders} module files",
                    String::from_utf8_lossy(name),
                    e.module
                );
            }
        }
    }

    #[test]
    fn module_file_names() {
        let set = |n: &str| Directives::set_for_module_file(n.as_bytes());
        // `load_module` arguments: any folder, the object's name decides.
        assert_eq!(
            set("modules/ngx_http_brotli_filter_module.so"),
            Some("brotli")
        );
        assert_eq!(
            set("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so"),
            Some("brotli")
        );
        assert_eq!(set("ngx_http_geoip2_module.so"), Some("geoip2"));
        assert_eq!(set("modules/ngx_stream_geoip2_module.so"), Some("geoip2"));
        assert_eq!(set("modules/ngx_http_js_module.so"), Some("njs"));
        assert_eq!(set("modules/ngx_stream_js_module.so"), Some("njs"));
        assert_eq!(set("modules/ndk_http_module.so"), Some("ndk"));
        assert_eq!(
            set("/usr/share/nginx/modules/ngx_http_lua_module.so"),
            Some("lua")
        );
        assert_eq!(
            set("ngx_http_headers_more_filter_module.so"),
            Some("headers-more")
        );
        assert_eq!(set("ngx_rtmp_module.so"), Some("rtmp"));
        assert_eq!(set("ngx_http_vhost_traffic_status_module.so"), Some("vts"));
        // nginx's own dynamic modules are known, and their directives are built in.
        for own in [
            "ngx_stream_module.so",
            "ngx_mail_module.so",
            "ngx_http_geoip_module.so",
            "ngx_stream_geoip_module.so",
            "ngx_http_image_filter_module.so",
            "ngx_http_xslt_filter_module.so",
            "ngx_http_perl_module.so",
        ] {
            assert_eq!(set(own), Some(BUILTIN_SET), "{own}");
        }
        // Debian/Ubuntu snippets, linked or not, with or without the order prefix.
        assert_eq!(
            set("mod-http-headers-more-filter.conf"),
            Some("headers-more")
        );
        assert_eq!(set("50-mod-http-geoip2.conf"), Some("geoip2"));
        assert_eq!(set("70-mod-stream-geoip2.conf"), Some("geoip2"));
        assert_eq!(
            set("/etc/nginx/modules-enabled/50-mod-http-brotli-filter.conf"),
            Some("brotli")
        );
        assert_eq!(set("10-mod-http-ndk.conf"), Some("ndk"));
        assert_eq!(
            set("50-mod-http-uploadprogress.conf"),
            Some("upload-progress")
        );
        assert_eq!(set("50-mod-nchan.conf"), Some("nchan"));
        assert_eq!(set("50-mod-rtmp.conf"), Some("rtmp"));
        assert_eq!(set("50-mod-http-js.conf"), Some("njs"));
        assert_eq!(set("mod-stream.conf"), Some(BUILTIN_SET));
        assert_eq!(set("50-mod-mail.conf"), Some(BUILTIN_SET));
        assert_eq!(set("50-mod-http-image-filter.conf"), Some(BUILTIN_SET));
        // Not a module file, or a module it does not know.
        for other in [
            "ngx_http_foo_module.so",
            "mod-http-foo.conf",
            "default.conf",
            "50-default.conf",
            "ngx_http_echo_module.so.conf",
            "mod-.conf",
            "-mod-http-echo.conf",
            "",
            "/",
            ".so",
        ] {
            assert_eq!(set(other), None, "{other}");
        }
    }

    #[test]
    fn load_module_file_enables_only_its_modules() {
        let mut d = d();
        let unknown = d
            .dispatch(C::HttpLocation, b"brotli_static", 1, Semi)
            .unwrap_err();
        assert_eq!(
            unknown,
            DispatchError::Unknown {
                suggestion: None,
                set: Some("brotli"),
                module_file: Some("ngx_http_brotli_static_module.so"),
            }
        );
        assert_eq!(
            d.load_module_file(b"modules/ngx_http_brotli_filter_module.so"),
            Some("brotli")
        );
        assert_eq!(d.dispatch(C::HttpLocationIf, b"brotli", 1, Semi), Ok(None));
        // The static module is another object: still unknown, and the help can name it.
        assert_eq!(
            d.dispatch(C::HttpLocation, b"brotli_static", 1, Semi),
            Err(unknown)
        );
        assert_eq!(d.enabled_sets(), ["brotli"]);
        // Loading the same object again adds nothing (no duplicate entries).
        d.load_module_file(b"ngx_http_brotli_filter_module.so");
        assert_eq!(d.entries(b"brotli").len(), 1);
        d.load_module_file(b"50-mod-http-brotli-static.conf");
        assert_eq!(
            d.dispatch(C::HttpLocation, b"brotli_static", 1, Semi),
            Ok(None)
        );
        // The whole set afterwards adds nothing twice either.
        d.enable_set("brotli").unwrap();
        assert_eq!(d.entries(b"brotli_static").len(), 1);
        // nginx's own objects change nothing; unknown objects neither.
        let before = d.names().count();
        assert_eq!(
            d.load_module_file(b"ngx_stream_module.so"),
            Some(BUILTIN_SET)
        );
        assert_eq!(d.load_module_file(b"ngx_http_foo_module.so"), None);
        assert_eq!(d.names().count(), before);
        assert_eq!(d.enabled_sets(), ["brotli"]);
        // An http object does not bring its stream sibling.
        d.load_module_file(b"ngx_http_geoip2_module.so");
        assert_eq!(d.dispatch(C::Http, b"geoip2", 1, Open), Ok(Some(C::Opaque)));
        assert!(matches!(
            d.dispatch(C::Stream, b"geoip2", 1, Open),
            Err(DispatchError::NotAllowedHere)
        ));
        d.load_module_file(b"ngx_stream_geoip2_module.so");
        assert_eq!(
            d.dispatch(C::Stream, b"geoip2", 1, Open),
            Ok(Some(C::Opaque))
        );
        // A plus-only name is attributed to the set but has no object to load.
        assert!(matches!(
            d.dispatch(C::HttpLocation, b"health_check", 0, Semi),
            Err(DispatchError::Unknown {
                set: Some("plus"),
                module_file: None,
                ..
            })
        ));
        // cache-purge and plus share `proxy_cache_purge`: the loadable module is named.
        assert!(matches!(
            d.dispatch(C::HttpLocation, b"proxy_cache_purge", 1, Semi),
            Err(DispatchError::Unknown {
                set: Some("cache-purge"),
                module_file: Some("ngx_http_cache_purge_module.so"),
                ..
            })
        ));
    }

    #[test]
    fn rtmp_is_its_own_subsystem() {
        let mut d = d();
        assert!(matches!(
            d.dispatch(C::Main, b"rtmp", 0, Open),
            Err(DispatchError::Unknown {
                set: Some("rtmp"),
                ..
            })
        ));
        d.load_module_file(b"modules/ngx_rtmp_module.so");
        assert_eq!(d.dispatch(C::Main, b"rtmp", 0, Open), Ok(Some(C::Rtmp)));
        assert_eq!(
            d.dispatch(C::Rtmp, b"server", 0, Open),
            Ok(Some(C::RtmpServer))
        );
        assert_eq!(d.dispatch(C::RtmpServer, b"listen", 1, Semi), Ok(None));
        assert_eq!(
            d.dispatch(C::RtmpServer, b"application", 1, Open),
            Ok(Some(C::RtmpApplication))
        );
        assert_eq!(d.dispatch(C::RtmpApplication, b"live", 1, Semi), Ok(None));
        assert_eq!(
            d.dispatch(C::RtmpApplication, b"recorder", 1, Open),
            Ok(Some(C::RtmpRecorder))
        );
        assert_eq!(d.dispatch(C::RtmpRecorder, b"record", 1, Semi), Ok(None));
        assert_eq!(d.dispatch(C::RtmpServer, b"include", 1, Semi), Ok(None));
        // http's `server`/`listen` are not rtmp's, and the other way round.
        assert_eq!(
            d.dispatch(C::RtmpServer, b"server_name", 1, Semi),
            Err(DispatchError::NotAllowedHere)
        );
        assert_eq!(
            d.dispatch(C::HttpServer, b"application", 1, Open),
            Err(DispatchError::NotAllowedHere)
        );
        assert_eq!(
            d.dispatch(C::Http, b"server", 0, Open),
            Ok(Some(C::HttpServer))
        );
        // The object's HTTP modules: the statistics page and the control handler.
        assert_eq!(d.dispatch(C::HttpLocation, b"rtmp_stat", 1, Semi), Ok(None));
        assert_eq!(d.dispatch(C::Main, b"rtmp_auto_push", 1, Semi), Ok(None));
        d.declare("my_rtmp:rtmp_application:1").unwrap();
        assert_eq!(
            d.dispatch(C::RtmpApplication, b"my_rtmp", 1, Semi),
            Ok(None)
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
