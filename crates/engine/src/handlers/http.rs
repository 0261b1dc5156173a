//! The hand-written handlers nginx configurations meet most (`ngx_http_core_module.c`,
//! `ngx_http_rewrite_module.c`, the upstream, pass, log, limit, headers, map, geo and
//! split_clients modules, and the core's `events`, `worker_processes`, `error_log`), and the
//! checks nginx makes when a block ends. Each is written from the handler's source in nginx
//! 1.22.1 and checked against 1.30.4 where they differ (noted where they do).

use nginx_syntax::directives::Context;
use nginx_syntax::values::ValueSpec;
use nginx_syntax::Span;

use super::regex::Compiled;
use super::script::{self, VarRef};
use super::{cstr, show, slots, Checker, Code, Here};
use crate::files::FileId;
use crate::units::{parse_digits, parse_size_bytes, parse_time};

/// A location's (or `if`'s, `limit_except`'s) own facts, as `ngx_http_core_loc_conf_t` has them.
#[derive(Debug, Default, Clone)]
pub(crate) struct Loc {
    pub name: Vec<u8>,
    pub exact: bool,
    pub noregex: bool,
    pub named: bool,
    pub regex: bool,
    /// `if` and `limit_except` blocks (`clcf->noname`).
    pub noname: bool,
}

/// A location a block holds, for the duplicate check when `http` ends.
#[derive(Debug, Clone)]
pub(crate) struct LocRec {
    pub name: Vec<u8>,
    /// `exact` for `=` (and regex, named: never joined), `inclusive` for prefix locations.
    pub exact: bool,
    pub inclusive: bool,
    pub file: FileId,
    pub span: Span,
    /// The whole location, body included (refused whole when it is a duplicate).
    pub whole: Span,
    pub at: u32,
}

/// An `upstream {}` block's state.
#[derive(Debug, Default)]
pub(crate) struct Ups {
    /// `NGX_HTTP_UPSTREAM_*` parameters the balancing method takes.
    pub flags: u32,
    pub servers: usize,
    /// A balancing method (or `keepalive`, which wraps one) was set.
    pub method: bool,
}

const UPS_WEIGHT: u32 = 1 << 0;
const UPS_MAX_CONNS: u32 = 1 << 1;
const UPS_MAX_FAILS: u32 = 1 << 2;
const UPS_FAIL_TIMEOUT: u32 = 1 << 3;
const UPS_DOWN: u32 = 1 << 4;
const UPS_BACKUP: u32 = 1 << 5;
const UPS_ALL: u32 =
    UPS_WEIGHT | UPS_MAX_CONNS | UPS_MAX_FAILS | UPS_FAIL_TIMEOUT | UPS_DOWN | UPS_BACKUP;

/// An entries block's state (`map`, `geo`, `split_clients`, `types`).
#[derive(Debug, Default)]
pub(crate) struct Entries {
    pub default: bool,
    pub hostnames: bool,
    pub keys: crate::hash::FastSet<Vec<u8>>,
    /// types: the content type of each extension.
    pub types: crate::hash::FastMap<Vec<u8>, Vec<u8>>,
    /// split_clients: the sum of the percentages (hundredths) and whether `*` was seen.
    pub percent: u64,
    pub star: bool,
    /// geo: `ranges` was given; a network was added (nginx's radix tree exists).
    pub geo_ranges: bool,
    pub geo_tree: bool,
    /// geo: the networks in nginx's radix trees and the value each holds (`GeoKey`).
    pub geo_nets: crate::hash::FastMap<GeoKey, Vec<u8>>,
}

/// A network's node in geo's radix trees: IPv6 or not, the address with the bits below the
/// prefix cleared (as `ngx_ptocidr` leaves it), the prefix length.
pub(crate) type GeoKey = (bool, [u8; 16], u8);

/// A server's own `ssl_certificate`s, number of keys, `ssl on` and `ssl_reject_handshake`.
type ServerSsl = (
    Option<Vec<Vec<u8>>>,
    Option<usize>,
    Option<(FileId, u32)>,
    Option<bool>,
);

/// What a block says about client certificates: `ssl_verify_client` (its mode as nginx numbers
/// it, 0 = off … 3 = `optional_no_ca`, and where), and whether `ssl_client_certificate` and
/// `ssl_trusted_certificate` are written.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct ClientCerts {
    pub verify: Option<(u8, FileId, Span)>,
    pub client: Option<bool>,
    pub trusted: Option<bool>,
}

/// The release from which `ssl_trusted_certificate` names CAs for `ssl_verify_client` too.
pub(super) const TRUSTED_CAS: (u32, u32, u32) = (1, 27, 2);

impl ClientCerts {
    /// Where `ssl_verify_client` asks for client certificates that nothing can check (no CAs
    /// named; `optional_no_ca` needs none), with nginx's message for the release (`trusted`:
    /// from [`TRUSTED_CAS`]). nginx names no line.
    pub(super) fn unchecked(&self, trusted: bool) -> Option<(FileId, Span, &'static str)> {
        let (mode, file, span) = self.verify?;
        let named = self.client.unwrap_or(false) || trusted && self.trusted.unwrap_or(false);
        let msg = if trusted {
            "no ssl_client_certificate or ssl_trusted_certificate for ssl_verify_client"
        } else {
            "no ssl_client_certificate for ssl_verify_client"
        };
        (mode != 0 && mode != 3 && !named).then_some((file, span, msg))
    }

    /// This block's settings over the enclosing block's (nginx's merge).
    pub(super) fn over(self, parent: ClientCerts) -> ClientCerts {
        ClientCerts {
            verify: self.verify.or(parent.verify),
            client: self.client.or(parent.client),
            trusted: self.trusted.or(parent.trusted),
        }
    }
}

/// A `server {}` block's listen addresses and names.
#[derive(Debug, Default)]
pub(crate) struct Server {
    pub listens: Vec<String>,
    pub names: Vec<(Vec<u8>, FileId, Span, u32)>,
    /// A `server_name` is written (a server without one is named `""`).
    pub named: bool,
    /// Where `server {` stands (nginx's `cscf->file_name`, `cscf->line`).
    pub file: Option<FileId>,
    pub at: u32,
    /// Its own `ssl_certificate`s and number of `ssl_certificate_key`s (`None`: none written,
    /// the http block's apply), `ssl on` and `ssl_reject_handshake`.
    pub own_certs: Option<Vec<Vec<u8>>>,
    pub own_keys: Option<usize>,
    pub ssl_on: Option<(FileId, u32)>,
    pub reject: Option<bool>,
    pub client_certs: ClientCerts,
}

/// A block's own state for the hand-written handlers.
#[derive(Debug, Default)]
pub(crate) struct BlockState {
    pub loc: Option<Loc>,
    pub locations: Vec<LocRec>,
    pub ups: Option<Ups>,
    /// Boxed: most blocks are not entries blocks, and frames are moved on every block.
    pub entries: Option<Box<Entries>>,
    pub server: Option<usize>,
    /// `ssl_certificate` / `ssl_certificate_key` values of this block (`server` or `http`).
    pub certs: Option<Vec<Vec<u8>>>,
    pub keys: Option<usize>,
    /// `ssl on` here: where.
    pub ssl_on: Option<(FileId, u32)>,
    /// `ssl_reject_handshake` here.
    pub reject: Option<bool>,
    /// `ssl_verify_client`, `ssl_client_certificate`, `ssl_trusted_certificate` here.
    pub client_certs: ClientCerts,
    /// `valid_referers` hostnames of this block (lowercase), and whether it named `server_names`.
    pub referers: Vec<Vec<u8>>,
    pub referer_server_names: bool,
    /// `valid_referers` here at all, and with `none` or `blocked`.
    pub referer: bool,
    pub referer_none: bool,
    /// The MIME types of each `*_types` directive of this block (`gzip_types`, ...), `None` once
    /// `*` was given (see [`types_slot`]).
    pub mime_types: Vec<(String, Option<Vec<Vec<u8>>>)>,
}

/// One listen address of the http block.
#[derive(Debug)]
pub(super) struct Addr {
    pub text: String,
    pub servers: Vec<usize>,
    pub opts_set: bool,
    pub default: bool,
    /// The default server: the one with `default_server`, else the first.
    pub default_server: usize,
    pub ssl: bool,
}

impl Addr {
    /// An address first listened on by `server`.
    pub(super) fn new(text: String, server: usize, set: bool, default: bool, ssl: bool) -> Addr {
        Addr {
            text,
            servers: vec![server],
            opts_set: set,
            default,
            default_server: server,
            ssl,
        }
    }

    /// `ngx_http_add_addresses` / `ngx_stream_add_addresses` for an address listened on already:
    /// nginx's refusal when `server` listens on it again, or listen options or `default_server`
    /// are given twice.
    pub(super) fn join(
        &mut self,
        server: usize,
        set: bool,
        default: bool,
        ssl: bool,
    ) -> Result<(), String> {
        let shown = &self.text;
        if self.servers.contains(&server) {
            return Err(format!("a duplicate listen {shown}"));
        }
        self.servers.push(server);
        if set {
            if self.opts_set {
                return Err(format!("duplicate listen options for {shown}"));
            }
            self.opts_set = true;
        }
        if default {
            if self.default {
                return Err(format!("a duplicate default server for {shown}"));
            }
            self.default = true;
            self.default_server = server;
        }
        self.ssl |= ssl;
        Ok(())
    }
}

/// One upstream name of the http block (`upstream {}` or a pass's implicit one).
#[derive(Debug)]
struct UpsRec {
    host: Vec<u8>,
    created: bool,
    port: Option<u16>,
    file: FileId,
    at: u32,
}

/// A shared memory zone (cycle-wide).
#[derive(Debug)]
struct Zone {
    name: Vec<u8>,
    tag: &'static str,
    size: u64,
    bound: bool,
    file: FileId,
    span: Span,
}

/// A block's own `valid_referers`, as `ngx_http_referer_merge_conf` sees it.
#[derive(Debug)]
struct RefererCheck {
    server: usize,
    location: bool,
    keys: Vec<Vec<u8>>,
    server_names: bool,
    none: bool,
}

/// State of the tree's `http` block (and the cycle's shared memory).
#[derive(Debug, Default)]
pub(crate) struct HttpState {
    upstreams: Vec<UpsRec>,
    /// `upstreams` by host.
    upstream_index: crate::hash::FastMap<Vec<u8>, usize>,
    /// `addrs` by address.
    addr_index: crate::hash::FastMap<String, usize>,
    /// `listen` values already read, with what they gave.
    listen_urls: crate::hash::FastMap<Vec<u8>, Result<Option<String>, &'static str>>,
    formats: Vec<Vec<u8>>,
    zones: Vec<Zone>,
    addrs: Vec<Addr>,
    servers: Vec<Server>,
    events: bool,
    /// `charset_map` pairs (lowercase).
    charset_maps: Vec<(Vec<u8>, Vec<u8>)>,
    /// Blocks with their own `valid_referers`, merged when `http` ends.
    referer_checks: Vec<RefererCheck>,
}

impl HttpState {
    fn upstream(&self, host: &[u8]) -> Option<&UpsRec> {
        self.upstream_index.get(host).map(|&i| &self.upstreams[i])
    }
    fn upstream_mut(&mut self, host: &[u8]) -> Option<&mut UpsRec> {
        self.upstream_index
            .get(host)
            .map(|&i| &mut self.upstreams[i])
    }
    fn add_upstream(&mut self, u: UpsRec) {
        self.upstream_index
            .insert(u.host.clone(), self.upstreams.len());
        self.upstreams.push(u);
    }
}

/// `ngx_pagesize` on x86_64 Linux.
const PAGESIZE: u64 = 4096;

/// The handlers checked here, resolved once per handler name (matching on the name for every
/// statement cost a tenth of a check).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum H {
    ConfSplitClientsBlock,
    ErrorLog,
    EventConnections,
    EventsBlock,
    HttpAccessRule,
    HttpAuthRequestSet,
    HttpBlock,
    HttpCoreDirectio,
    HttpCharsetMap,
    HttpCoreErrorLog,
    HttpCoreErrorPage,
    HttpCoreInternal,
    HttpCoreKeepalive,
    HttpCoreLimitExcept,
    HttpCoreListen,
    HttpCoreLocation,
    HttpCoreOpenFileCache,
    HttpCoreResolver,
    HttpCoreRoot,
    HttpCoreServer,
    HttpCoreServerName,
    HttpCoreSetAio,
    HttpCoreTypes,
    HttpTypesSlot,
    HttpFastcgiCache,
    HttpFastcgiCacheKey,
    HttpFastcgiPass,
    HttpFileCacheSetSlot,
    HttpGeoBlock,
    HttpGrpcPass,
    HttpHeadersAdd,
    HttpHeadersExpires,
    HttpIndexSetIndex,
    HttpLimitConn,
    HttpLimitConnZone,
    HttpLimitReq,
    HttpLimitReqZone,
    HttpLogSetFormat,
    HttpLogSetLog,
    HttpMapBlock,
    HttpMemcachedPass,
    HttpPerlSet,
    HttpProxyCache,
    HttpProxyCacheKey,
    HttpProxyCookieDomain,
    HttpProxyCookiePath,
    HttpProxyPass,
    HttpRewrite,
    HttpRewriteIf,
    HttpRewriteReturn,
    HttpRewriteSet,
    HttpScgiCache,
    HttpScgiCacheKey,
    HttpScgiPass,
    HttpSetCharsetSlot,
    HttpSetComplexValueSizeSlot,
    HttpSetComplexValueSlot,
    HttpSetComplexValueZeroSlot,
    HttpSetPredicateSlot,
    HttpSslEnable,
    HttpTryFiles,
    HttpUpstream,
    HttpUpstreamBind,
    HttpUpstreamHash,
    HttpUpstreamIpHash,
    HttpUpstreamKeepalive,
    HttpUpstreamLeastConn,
    HttpUpstreamParamSetSlot,
    HttpUpstreamRandom,
    HttpUpstreamServer,
    HttpUwsgiCache,
    HttpUwsgiCacheKey,
    HttpUwsgiPass,
    HttpV2Obsolete,
    HttpValidReferers,
    MailBlock,
    MailCoreErrorLog,
    MailSslEnable,
    SetUser,
    SetWorkerProcesses,
    StreamBlock,
    StreamCoreErrorLog,
    StreamCoreListen,
    MailCoreServer,
    MailCoreListen,
    MailCoreProtocol,
    MailAuthHttp,
    StreamCoreServer,
    StreamLogSetLog,
    StreamProxyPass,
    StreamReturn,
    StreamUpstreamServer,
}

fn classify(name: &str) -> Option<H> {
    Some(match name {
        "ngx_conf_split_clients_block" => H::ConfSplitClientsBlock,
        "ngx_error_log" => H::ErrorLog,
        "ngx_event_connections" => H::EventConnections,
        "ngx_events_block" => H::EventsBlock,
        "ngx_http_access_rule" => H::HttpAccessRule,
        "ngx_http_auth_request_set" => H::HttpAuthRequestSet,
        "ngx_http_block" => H::HttpBlock,
        "ngx_http_core_directio" => H::HttpCoreDirectio,
        "ngx_http_core_error_log" => H::HttpCoreErrorLog,
        "ngx_http_core_error_page" => H::HttpCoreErrorPage,
        "ngx_http_core_internal" => H::HttpCoreInternal,
        "ngx_http_core_keepalive" => H::HttpCoreKeepalive,
        "ngx_http_core_limit_except" => H::HttpCoreLimitExcept,
        "ngx_http_core_listen" => H::HttpCoreListen,
        "ngx_http_core_location" => H::HttpCoreLocation,
        "ngx_http_core_open_file_cache" => H::HttpCoreOpenFileCache,
        "ngx_http_core_resolver" => H::HttpCoreResolver,
        "ngx_http_core_root" => H::HttpCoreRoot,
        "ngx_http_core_server" => H::HttpCoreServer,
        "ngx_http_core_server_name" => H::HttpCoreServerName,
        "ngx_http_core_set_aio" => H::HttpCoreSetAio,
        "ngx_http_core_types" => H::HttpCoreTypes,
        "ngx_http_types_slot" => H::HttpTypesSlot,
        "ngx_http_fastcgi_cache" => H::HttpFastcgiCache,
        "ngx_http_fastcgi_cache_key" => H::HttpFastcgiCacheKey,
        "ngx_http_fastcgi_pass" => H::HttpFastcgiPass,
        "ngx_http_file_cache_set_slot" => H::HttpFileCacheSetSlot,
        "ngx_http_geo_block" => H::HttpGeoBlock,
        "ngx_http_grpc_pass" => H::HttpGrpcPass,
        "ngx_http_headers_add" => H::HttpHeadersAdd,
        "ngx_http_headers_expires" => H::HttpHeadersExpires,
        "ngx_http_index_set_index" => H::HttpIndexSetIndex,
        "ngx_http_limit_conn" => H::HttpLimitConn,
        "ngx_http_limit_conn_zone" => H::HttpLimitConnZone,
        "ngx_http_limit_req" => H::HttpLimitReq,
        "ngx_http_limit_req_zone" => H::HttpLimitReqZone,
        "ngx_http_log_set_format" => H::HttpLogSetFormat,
        "ngx_http_log_set_log" => H::HttpLogSetLog,
        "ngx_http_map_block" => H::HttpMapBlock,
        "ngx_http_memcached_pass" => H::HttpMemcachedPass,
        "ngx_http_perl_set" => H::HttpPerlSet,
        "ngx_http_proxy_cache" => H::HttpProxyCache,
        "ngx_http_proxy_cache_key" => H::HttpProxyCacheKey,
        "ngx_http_proxy_pass" => H::HttpProxyPass,
        "ngx_http_rewrite" => H::HttpRewrite,
        "ngx_http_rewrite_if" => H::HttpRewriteIf,
        "ngx_http_rewrite_return" => H::HttpRewriteReturn,
        "ngx_http_rewrite_set" => H::HttpRewriteSet,
        "ngx_http_scgi_cache" => H::HttpScgiCache,
        "ngx_http_scgi_cache_key" => H::HttpScgiCacheKey,
        "ngx_http_scgi_pass" => H::HttpScgiPass,
        "ngx_http_set_charset_slot" => H::HttpSetCharsetSlot,
        "ngx_http_set_complex_value_size_slot" => H::HttpSetComplexValueSizeSlot,
        "ngx_http_set_complex_value_slot" => H::HttpSetComplexValueSlot,
        "ngx_http_set_complex_value_zero_slot" => H::HttpSetComplexValueZeroSlot,
        "ngx_http_set_predicate_slot" => H::HttpSetPredicateSlot,
        "ngx_http_ssl_enable" => H::HttpSslEnable,
        "ngx_http_try_files" => H::HttpTryFiles,
        "ngx_http_upstream" => H::HttpUpstream,
        "ngx_http_upstream_hash" => H::HttpUpstreamHash,
        "ngx_http_upstream_ip_hash" => H::HttpUpstreamIpHash,
        "ngx_http_upstream_keepalive" => H::HttpUpstreamKeepalive,
        "ngx_http_upstream_least_conn" => H::HttpUpstreamLeastConn,
        "ngx_http_upstream_param_set_slot" => H::HttpUpstreamParamSetSlot,
        "ngx_http_upstream_random" => H::HttpUpstreamRandom,
        "ngx_http_upstream_server" => H::HttpUpstreamServer,
        "ngx_http_uwsgi_cache" => H::HttpUwsgiCache,
        "ngx_http_uwsgi_cache_key" => H::HttpUwsgiCacheKey,
        "ngx_http_uwsgi_pass" => H::HttpUwsgiPass,
        "ngx_http_v2_obsolete" => H::HttpV2Obsolete,
        "ngx_http_valid_referers" => H::HttpValidReferers,
        "ngx_http_charset_map_block" => H::HttpCharsetMap,
        "ngx_http_proxy_cookie_domain" => H::HttpProxyCookieDomain,
        "ngx_http_proxy_cookie_path" => H::HttpProxyCookiePath,
        "ngx_http_upstream_bind_set_slot" => H::HttpUpstreamBind,
        "ngx_mail_block" => H::MailBlock,
        "ngx_mail_core_error_log" => H::MailCoreErrorLog,
        "ngx_mail_core_server" => H::MailCoreServer,
        "ngx_mail_core_listen" => H::MailCoreListen,
        "ngx_mail_core_protocol" => H::MailCoreProtocol,
        "ngx_mail_core_resolver" => H::HttpCoreResolver,
        "ngx_mail_auth_http" => H::MailAuthHttp,
        "ngx_mail_ssl_enable" => H::MailSslEnable,
        "ngx_set_user" => H::SetUser,
        "ngx_set_worker_processes" => H::SetWorkerProcesses,
        "ngx_stream_block" => H::StreamBlock,
        "ngx_stream_core_error_log" => H::StreamCoreErrorLog,
        "ngx_stream_core_listen" => H::StreamCoreListen,
        "ngx_stream_core_server_name" => H::HttpCoreServerName,
        "ngx_stream_core_server" => H::StreamCoreServer,
        // The stream module's handlers that work as http's, on the stream block's own
        // upstreams, log formats and variables (see `entered`).
        "ngx_stream_access_rule" => H::HttpAccessRule,
        "ngx_stream_core_resolver" => H::HttpCoreResolver,
        "ngx_stream_geo_block" => H::HttpGeoBlock,
        "ngx_stream_limit_conn" => H::HttpLimitConn,
        "ngx_stream_limit_conn_zone" => H::HttpLimitConnZone,
        "ngx_stream_log_set_format" => H::HttpLogSetFormat,
        "ngx_stream_log_set_log" => H::StreamLogSetLog,
        "ngx_stream_map_block" => H::HttpMapBlock,
        "ngx_stream_proxy_bind" => H::HttpUpstreamBind,
        "ngx_stream_proxy_pass" => H::StreamProxyPass,
        "ngx_stream_set" => H::HttpRewriteSet,
        "ngx_stream_set_complex_value_size_slot" => H::HttpSetComplexValueSizeSlot,
        "ngx_stream_set_complex_value_slot" => H::HttpSetComplexValueSlot,
        "ngx_stream_set_complex_value_zero_slot" => H::HttpSetComplexValueZeroSlot,
        "ngx_stream_return" => H::StreamReturn,
        "ngx_stream_upstream" => H::HttpUpstream,
        "ngx_stream_upstream_hash" => H::HttpUpstreamHash,
        "ngx_stream_upstream_least_conn" => H::HttpUpstreamLeastConn,
        "ngx_stream_upstream_random" => H::HttpUpstreamRandom,
        "ngx_stream_upstream_server" => H::StreamUpstreamServer,
        _ => return None,
    })
}

/// The handler of a spec, by the spec's handler index, and whether it is one of [`SET_ONCE`]
/// (looked up once per handler name, not once per statement).
fn kind(spec: &ValueSpec) -> (Option<H>, bool) {
    static TABLE: std::sync::OnceLock<Vec<(Option<H>, bool)>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        nginx_syntax::values::handler_names()
            .iter()
            .map(|n| (classify(n), SET_ONCE.contains(n)))
            .collect()
    });
    table
        .get(usize::from(spec.handler))
        .copied()
        .unwrap_or((None, false))
}

/// A module's own handler, by its C name.
pub(super) fn handler(
    c: &mut Checker,
    name: &'static str,
    h: &Here<'_>,
    spec: &ValueSpec,
    _child: Option<Context>,
) {
    let (kind, once) = kind(spec);
    if once && dup(c, h, name) {
        return;
    }
    let Some(kind) = kind else { return };
    match kind {
        H::HttpValidReferers => valid_referers(c, h),
        H::HttpCharsetMap => charset_map(c, h),
        H::HttpProxyCookieDomain => proxy_cookie(c, h, true),
        H::HttpProxyCookiePath => proxy_cookie(c, h, false),
        H::HttpUpstreamBind => upstream_bind(c, h),
        H::EventsBlock | H::HttpBlock | H::StreamBlock | H::MailBlock => {
            if !c.mark(name) {
                c.directive_error(Code::Duplicate, h, h.d.name.span, "is duplicate");
                return;
            }
            if name == "ngx_events_block" {
                c.http.events = true;
            }
            if name == "ngx_http_block" {
                c.http.formats = vec![b"combined".to_vec()];
            }
        }
        H::SetWorkerProcesses => {
            if dup(c, h, "worker_processes") {
                return;
            }
            let v = h.arg(0);
            if cstr(&v) != b"auto" && parse_digits(&v).is_none() {
                c.directive_error(Code::InvalidValue, h, h.span(0), "invalid value");
            }
        }
        H::EventConnections => {
            if dup(c, h, "worker_connections") {
                return;
            }
            let v = h.arg(0);
            if parse_digits(&v).is_none() {
                let msg = format!("invalid number \"{}\"", show(&v));
                c.report(Code::InvalidValue, h, h.span(0), msg);
            }
        }
        H::ErrorLog | H::HttpCoreErrorLog | H::StreamCoreErrorLog | H::MailCoreErrorLog => {
            error_log(c, h)
        }
        H::HttpCoreServer => {
            let idx = c.http.servers.len();
            c.http.servers.push(Server {
                file: Some(h.file),
                at: h.at(),
                ..Server::default()
            });
            c.pending.server = Some(idx);
        }
        H::StreamCoreServer => super::stream::server(c, h),
        H::StreamLogSetLog => {
            // The stream module has no `combined` format to fall back on.
            if h.nargs() == 1 && cstr(&h.arg(0)) != b"off" {
                c.report(
                    Code::MissingDefinition,
                    h,
                    h.d.name.span,
                    "log format is not specified",
                );
                return;
            }
            access_log(c, h)
        }
        H::StreamProxyPass => stream_proxy_pass(c, h),
        H::StreamReturn => {
            if dup(c, h, "return") {
                return;
            }
            c.uses(h, 0, &h.arg(0), true);
        }
        H::StreamUpstreamServer => upstream_server(c, h, true),
        H::StreamCoreListen => super::stream::listen(c, h),
        H::MailCoreServer => super::mail::server(c, h),
        H::MailCoreListen => super::mail::listen(c, h),
        H::MailCoreProtocol => super::mail::protocol(c, h),
        H::MailAuthHttp => super::mail::auth_http(c, h),
        H::HttpCoreLocation => location(c, h),
        H::HttpCoreListen => listen(c, h),
        H::HttpCoreServerName => server_name(c, h),
        H::HttpCoreRoot => root(c, h),
        H::HttpTryFiles => try_files(c, h),
        H::HttpRewrite => rewrite(c, h),
        H::HttpRewriteReturn => rewrite_return(c, h),
        H::HttpRewriteIf => rewrite_if(c, h),
        H::HttpRewriteSet => rewrite_set(c, h),
        H::HttpCoreErrorPage => error_page(c, h),
        H::HttpCoreKeepalive => {
            if dup(c, h, "keepalive_timeout") {
                return;
            }
            if parse_time(&h.arg(0), false).is_none()
                || (h.nargs() == 2 && parse_time(&h.arg(1), true).is_none())
            {
                let span = if parse_time(&h.arg(0), false).is_none() {
                    h.span(0)
                } else {
                    h.span(1)
                };
                c.directive_error(Code::InvalidValue, h, span, "invalid value");
            }
        }
        H::HttpCoreInternal => {
            dup(c, h, "internal");
        }
        H::HttpCoreLimitExcept => limit_except(c, h),
        H::HttpCoreDirectio => {
            if dup(c, h, "directio") {
                return;
            }
            let v = h.arg(0);
            if cstr(&v) != b"off" && crate::units::parse_offset_bytes(&v).is_none() {
                c.directive_error(Code::InvalidValue, h, h.span(0), "invalid value");
            }
        }
        H::HttpCoreSetAio => {
            if dup(c, h, "aio") {
                return;
            }
            let v = h.arg(0);
            let b = cstr(&v);
            let threads = b.starts_with(b"threads") && (v.len() == 7 || v.get(7) == Some(&b'='));
            if b != b"off" && b != b"on" && !threads {
                c.directive_error(Code::InvalidValue, h, h.span(0), "invalid value");
            } else if threads && v.len() > 8 {
                c.uses(h, 0, &v[8..], true);
            }
        }
        H::HttpCoreOpenFileCache => open_file_cache(c, h),
        H::HttpCoreResolver => resolver(c, h),
        H::HttpHeadersAdd => {
            c.uses(h, 1, &h.arg(1), true);
            if h.nargs() == 3 && cstr(&h.arg(2)) != b"always" {
                let msg = format!("invalid parameter \"{}\"", show(&h.arg(2)));
                c.report(Code::InvalidValue, h, h.span(2), msg);
            }
        }
        H::HttpHeadersExpires => expires(c, h),
        H::HttpIndexSetIndex => index(c, h),
        H::HttpAccessRule => access_rule(c, h),
        H::HttpUpstream => upstream(c, h),
        H::HttpUpstreamServer => upstream_server(c, h, false),
        H::HttpUpstreamIpHash
        | H::HttpUpstreamHash
        | H::HttpUpstreamRandom
        | H::HttpUpstreamLeastConn
        | H::HttpUpstreamKeepalive => balancer(c, h, kind),
        H::HttpSetCharsetSlot => {
            let key = if h.is("charset") {
                "charset"
            } else {
                "source_charset"
            };
            if dup(c, h, key) {
                return;
            }
            if let Some(var) = h.arg(0).strip_prefix(b"$") {
                c.use_name(h, 0, var);
            }
        }
        H::SetUser => {
            dup(c, h, "user");
        }
        H::HttpSslEnable | H::MailSslEnable => {
            if slots::flag(c, h, spec) {
                let at = h.at();
                c.frame().block.ssl_on = Some((h.file, at));
            }
        }
        H::HttpV2Obsolete => {
            let msg = match spec.post {
                nginx_syntax::values::Post::Deprecated { old, new } => {
                    format!(
                        "the \"{old}\" directive is obsolete, use the \"{new}\" directive instead"
                    )
                }
                _ => format!("the \"{}\" directive is obsolete, ignored", h.name()),
            };
            c.report(Code::Warning, h, h.d.name.span, msg);
        }
        H::HttpProxyPass => pass(c, h, Pass::Proxy),
        H::HttpFastcgiPass => pass(c, h, Pass::Other("fastcgi_pass")),
        H::HttpUwsgiPass => pass(c, h, Pass::Uwsgi),
        H::HttpScgiPass => pass(c, h, Pass::Other("scgi_pass")),
        H::HttpGrpcPass => pass(c, h, Pass::Grpc),
        H::HttpMemcachedPass => {
            // ngx_http_memcached_pass asks for the index of $memcached_key.
            if !c.frame().marks.contains(&"memcached_pass") {
                c.use_name(h, 0, b"memcached_key");
            }
            pass(c, h, Pass::Other("memcached_pass"))
        }
        H::HttpLogSetFormat => log_format(c, h),
        H::HttpLogSetLog => access_log(c, h),
        H::HttpLimitReqZone | H::HttpLimitConnZone => limit_zone(c, h, name),
        H::HttpLimitReq | H::HttpLimitConn => limit(c, h, name),
        H::HttpMapBlock => entries_block(c, h, 0, 1),
        H::HttpFileCacheSetSlot => cache_path(c, h),
        H::HttpProxyCache | H::HttpFastcgiCache | H::HttpUwsgiCache | H::HttpScgiCache => {
            cache(c, h, name)
        }
        H::HttpGeoBlock => {
            if h.nargs() == 1 {
                define(c, h, 0);
            } else {
                entries_block(c, h, 0, 1);
            }
        }
        H::ConfSplitClientsBlock => entries_block(c, h, 0, 1),
        // Its entries go to the enclosing block's table (`types_entry`).
        H::HttpCoreTypes => {}
        H::HttpTypesSlot => types_slot(c, h),
        H::HttpSetComplexValueSlot
        | H::HttpSetComplexValueSizeSlot
        | H::HttpSetComplexValueZeroSlot
        | H::HttpSetPredicateSlot => {
            // ngx_http_script.c: one value per block (predicates accumulate).
            if spec.field != 0 && kind != H::HttpSetPredicateSlot {
                let f = c.frame();
                if f.fields.contains(&spec.field) {
                    c.directive_error(Code::Duplicate, h, h.d.name.span, "is duplicate");
                    return;
                }
                f.fields.push(spec.field);
            }
            for i in 0..h.nargs() {
                if !c.uses(h, i, &h.arg(i), true) {
                    return;
                }
            }
            let v = h.arg(0);
            if kind == H::HttpSetComplexValueSizeSlot
                && memchr::memchr(b'$', &v).is_none()
                && parse_size_bytes(&v).is_none()
            {
                c.directive_error(Code::InvalidValue, h, h.span(0), "invalid value");
            }
        }
        H::HttpUpstreamParamSetSlot => {
            if !c.uses(h, 1, &h.arg(1), true) {
                return;
            }
            if h.nargs() == 3 && cstr(&h.arg(2)) != b"if_not_empty" {
                let msg = format!("invalid parameter \"{}\"", show(&h.arg(2)));
                c.report(Code::InvalidValue, h, h.span(2), msg);
            }
        }
        H::HttpProxyCacheKey
        | H::HttpFastcgiCacheKey
        | H::HttpUwsgiCacheKey
        | H::HttpScgiCacheKey => {
            for i in 0..h.nargs() {
                c.uses(h, i, &h.arg(i), true);
            }
        }
        H::HttpAuthRequestSet => {
            if h.arg(0).first() != Some(&b'$') {
                let msg = format!("invalid variable name \"{}\"", show(&h.arg(0)));
                c.report(Code::InvalidValue, h, h.span(0), msg);
                return;
            }
            define(c, h, 0);
            c.uses(h, 1, &h.arg(1), true);
        }
        H::HttpPerlSet => define(c, h, 0),
    }
}

/// Handlers whose first act is `return "is duplicate"` once their value is set in the block
/// (nginx 1.22.1–1.31.4; a simple test of the field, unlike `proxy_cookie_domain`'s or
/// `mirror`'s): `ngx_http_auth_basic_user_file`, ... Those checked with more state have their own
/// code (`*_pass`, `root`, `try_files`, `keepalive_timeout`, ...).
const SET_ONCE: [&str; 40] = [
    "ngx_event_use",
    "ngx_http_auth_basic_user_file",
    "ngx_http_auth_request",
    "ngx_http_disable_symlinks",
    "ngx_http_fastcgi_cache",
    "ngx_http_fastcgi_cache_key",
    "ngx_http_fastcgi_store",
    "ngx_http_geoip_city",
    "ngx_http_geoip_country",
    "ngx_http_geoip_org",
    "ngx_http_grpc_ssl_password_file",
    "ngx_http_log_open_file_cache",
    "ngx_http_proxy_cache",
    "ngx_http_proxy_cache_key",
    "ngx_http_proxy_ssl_password_file",
    "ngx_http_proxy_store",
    "ngx_http_quic_host_key",
    "ngx_http_realip",
    "ngx_http_scgi_cache",
    "ngx_http_scgi_cache_key",
    "ngx_http_scgi_store",
    "ngx_http_ssl_certificate_cache",
    "ngx_http_ssl_ocsp_cache",
    "ngx_http_ssl_password_file",
    "ngx_http_upstream_resolver",
    "ngx_http_userid_expires",
    "ngx_http_userid_mark",
    "ngx_http_uwsgi_cache",
    "ngx_http_uwsgi_cache_key",
    "ngx_http_uwsgi_ssl_password_file",
    "ngx_http_uwsgi_store",
    "ngx_http_xslt_entities",
    "ngx_mail_core_resolver",
    "ngx_mail_ssl_password_file",
    "ngx_openssl_engine",
    "ngx_stream_core_resolver",
    "ngx_stream_log_open_file_cache",
    "ngx_stream_proxy_bind",
    "ngx_stream_ssl_password_file",
    "ngx_stream_upstream_resolver",
];

/// `ngx_http_valid_referers`: hostnames are hash keys (case-insensitive); one given twice in a
/// block's lists is `conflicting parameter`. `server_names` adds the server's names when the
/// blocks are merged (see [`referer_server_names`]).
fn valid_referers(c: &mut Checker, h: &Here<'_>) {
    c.frame().block.referer = true;
    for i in 0..h.nargs() {
        let a = h.arg(i);
        if a.is_empty() {
            let msg = format!("invalid referer \"{}\"", show(&a));
            c.report(Code::InvalidValue, h, h.span(i), msg);
            return;
        }
        match cstr(&a) {
            b"none" | b"blocked" => {
                c.frame().block.referer_none = true;
                continue;
            }
            b"server_names" => {
                c.frame().block.referer_server_names = true;
                continue;
            }
            _ => {}
        }
        if a[0] == b'~' {
            // ngx_http_add_regex_referer: caseless, `~` dropped.
            if !c.regex(h, h.span(i), &a[1..], true) {
                return;
            }
            continue;
        }
        let host = match a.iter().position(|&b| b == b'/') {
            Some(p) => &a[..p],
            None => &a[..],
        };
        // ngx_hash_add_key lowercases the key in place: nginx shows it so.
        let key = host.to_ascii_lowercase();
        if c.frame().block.referers.contains(&key) {
            let msg = format!("conflicting parameter \"{}\"", show(&key));
            c.report(Code::InvalidValue, h, h.span(i), msg);
            return;
        }
        c.frame().block.referers.push(key);
    }
}

/// `ngx_http_referer_merge_conf`: a block with its own `valid_referers ... server_names` adds
/// its server's names (regex names aside) to its keys when `http` ends; a name met twice is
/// `conflicting parameter`, reported at the end of `http`.
fn referer_server_names(c: &mut Checker, h: &Here<'_>, close: u32) {
    let mut pending = std::mem::take(&mut c.http.referer_checks);
    // Merged server by server, each server's own configuration before its locations'.
    pending.sort_by_key(|r| (r.server, r.location));
    for mut r in pending {
        if r.server_names {
            if let Some(s) = c.http.servers.get(r.server) {
                for (name, ..) in &s.names {
                    if name.is_empty() || name.first() == Some(&b'~') {
                        continue;
                    }
                    let key = name.to_ascii_lowercase();
                    if r.keys.contains(&key) {
                        let msg = format!("conflicting parameter \"{}\"", show(name));
                        let span = Span::new(close as usize, close as usize + 1);
                        c.report_at(Code::InvalidValue, h.file, span, Some(close), msg);
                        return;
                    }
                    r.keys.push(key);
                }
            }
        }
        if r.none && r.keys.is_empty() {
            let span = Span::new(close as usize, close as usize + 1);
            c.report_at(
                Code::InvalidValue,
                h.file,
                span,
                None,
                "the \"none\" or \"blocked\" referers are specified in the \"valid_referers\" directive without any valid referer",
            );
            return;
        }
    }
}

/// `ngx_http_charset_map_block`: a map between two charsets once (either way round, names
/// compared case-insensitively), never between a charset and itself.
fn charset_map(c: &mut Checker, h: &Here<'_>) {
    let (a, b) = (h.arg(0).to_ascii_lowercase(), h.arg(1).to_ascii_lowercase());
    if a == b {
        let msg = format!(
            "\"charset_map\" between the same charsets \"{}\" and \"{}\"",
            show(&h.arg(0)),
            show(&h.arg(1))
        );
        c.report(Code::InvalidValue, h, h.d.name.span, msg);
        return;
    }
    let seen = c
        .http
        .charset_maps
        .iter()
        .any(|(x, y)| (*x == a && *y == b) || (*x == b && *y == a));
    if seen {
        let msg = format!(
            "duplicate \"charset_map\" between \"{}\" and \"{}\"",
            show(&h.arg(0)),
            show(&h.arg(1))
        );
        c.report(Code::Duplicate, h, h.d.name.span, msg);
        return;
    }
    c.http.charset_maps.push((a, b));
}

/// `ngx_http_proxy_cookie_domain` / `_path`: `off` once and alone; otherwise a pattern (`~`
/// a regex, caseless for domains and for `~*` paths) and a replacement, both compiled.
fn proxy_cookie(c: &mut Checker, h: &Here<'_>, domain: bool) {
    let (off, on) = if domain {
        ("proxy_cookie_domain off", "proxy_cookie_domain")
    } else {
        ("proxy_cookie_path off", "proxy_cookie_path")
    };
    let marks = &c.frame().marks;
    let (was_off, was_on) = (marks.contains(&off), marks.contains(&on));
    if was_off {
        c.directive_error(Code::Duplicate, h, h.d.name.span, "is duplicate");
        return;
    }
    if h.nargs() == 1 {
        if cstr(&h.arg(0)) == b"off" {
            if was_on {
                c.directive_error(Code::Duplicate, h, h.d.name.span, "is duplicate");
                return;
            }
            c.mark(off);
            return;
        }
        let msg = format!("invalid parameter \"{}\"", show(&h.arg(0)));
        c.report(Code::InvalidValue, h, h.span(0), msg);
        return;
    }
    c.mark(on);
    let pattern = h.arg(0);
    if let Some(re) = pattern.strip_prefix(b"~") {
        let (re, caseless) = match re.strip_prefix(b"*") {
            Some(r) if !domain => (r, true),
            _ => (re, domain),
        };
        if !c.regex(h, h.span(0), re, caseless) {
            return;
        }
    } else if !c.uses(h, 0, &pattern, false) {
        return;
    }
    c.uses(h, 1, &h.arg(1), true);
}

/// `ngx_http_upstream_bind_set_slot`: once per block; `off`, or an address (variables allowed)
/// and `transparent`.
fn upstream_bind(c: &mut Checker, h: &Here<'_>) {
    let key = match &*h.d.name.value(h.src) {
        b"proxy_bind" => "proxy_bind",
        b"fastcgi_bind" => "fastcgi_bind",
        b"uwsgi_bind" => "uwsgi_bind",
        b"scgi_bind" => "scgi_bind",
        b"grpc_bind" => "grpc_bind",
        b"memcached_bind" => "memcached_bind",
        _ => "upstream_bind",
    };
    if dup(c, h, key) {
        return;
    }
    let a = h.arg(0);
    if h.nargs() == 1 && cstr(&a) == b"off" {
        return;
    }
    if !c.uses(h, 0, &a, true) {
        return;
    }
    if h.nargs() == 2 && cstr(&h.arg(1)) != b"transparent" {
        let msg = format!("invalid parameter \"{}\"", show(&h.arg(1)));
        c.report(Code::InvalidValue, h, h.span(1), msg);
    }
}

/// A value the handler records once per block (`"x" directive is duplicate`): true when this
/// statement is the repeat.
fn dup(c: &mut Checker, h: &Here<'_>, key: &'static str) -> bool {
    if c.mark(key) {
        return false;
    }
    c.directive_error(Code::Duplicate, h, h.d.name.span, "is duplicate");
    true
}

/// Defines the variable named by argument `i` (`$name`).
fn define(c: &mut Checker, h: &Here<'_>, i: usize) {
    let v = h.arg(i);
    if let Some(name) = v.strip_prefix(b"$") {
        c.vars.define(name);
    }
}

/// A balancing method (`ngx_http_upstream_hash`, ...): the server parameters it takes, and
/// nginx's warning when one was set already. Before 1.29.7 `keepalive` wraps the method set so
/// far and counts as one for a method set after it.
/// The stream module's methods are http's kinds (see `classify`).
fn balancer(c: &mut Checker, h: &Here<'_>, kind: H) {
    if c.frame().block.ups.is_none() {
        return;
    }
    if kind == H::HttpUpstreamKeepalive {
        keepalive(c, h);
        return;
    }
    // `hash` compiles its key before anything else.
    if kind == H::HttpUpstreamHash && !c.uses(h, 0, &h.arg(0), true) {
        return;
    }
    let Some(u) = c.frame().block.ups.as_mut() else {
        return;
    };
    let redefined = u.method;
    u.method = true;
    u.flags = if kind == H::HttpUpstreamLeastConn {
        UPS_ALL
    } else {
        UPS_WEIGHT | UPS_MAX_CONNS | UPS_MAX_FAILS | UPS_FAIL_TIMEOUT | UPS_DOWN
    };
    if redefined {
        c.report(
            Code::Warning,
            h,
            h.d.name.span,
            "load balancing method redefined",
        );
    }
    let bad = |c: &mut Checker, i: usize| {
        let msg = format!("invalid parameter \"{}\"", show(&h.arg(i)));
        c.report(Code::InvalidValue, h, h.span(i), msg);
    };
    match kind {
        H::HttpUpstreamHash if h.nargs() == 2 && cstr(&h.arg(1)) != b"consistent" => bad(c, 1),
        H::HttpUpstreamRandom => {
            if h.nargs() >= 1 && cstr(&h.arg(0)) != b"two" {
                bad(c, 0);
            } else if h.nargs() == 2 && cstr(&h.arg(1)) != b"least_conn" {
                bad(c, 1);
            }
        }
        _ => {}
    }
}

/// `ngx_http_upstream_keepalive`: once per upstream, a number (above zero before 1.29.7), then
/// `local` (1.29.7).
fn keepalive(c: &mut Checker, h: &Here<'_>) {
    if dup(c, h, "keepalive") {
        return;
    }
    let old = c.version() < (1, 29, 7);
    let n = parse_digits(cstr(&h.arg(0)));
    if n.is_none() || old && n == Some(0) {
        let msg = format!(
            "invalid value \"{}\" in \"keepalive\" directive",
            show(&h.arg(0))
        );
        c.report(Code::InvalidValue, h, h.span(0), msg);
        return;
    }
    if h.nargs() == 2 && cstr(&h.arg(1)) != b"local" {
        let msg = format!("invalid parameter \"{}\"", show(&h.arg(1)));
        c.report(Code::InvalidValue, h, h.span(1), msg);
        return;
    }
    if old {
        if let Some(u) = c.frame().block.ups.as_mut() {
            u.method = true;
        }
    }
}

/// `ngx_log_set_log`: `stderr`, `memory:`, `syslog:`, a file, then levels.
fn error_log(c: &mut Checker, h: &Here<'_>) {
    const LEVELS: [&[u8]; 8] = [
        b"emerg", b"alert", b"crit", b"error", b"warn", b"notice", b"info", b"debug",
    ];
    const DEBUG: [&[u8]; 7] = [
        b"debug_core",
        b"debug_alloc",
        b"debug_mutex",
        b"debug_event",
        b"debug_http",
        b"debug_mail",
        b"debug_stream",
    ];
    let mut level = false;
    let mut debug = false;
    for i in 1..h.nargs() {
        let a = h.arg(i);
        let b = cstr(&a);
        if LEVELS.contains(&b) {
            if level || debug {
                let msg = format!("duplicate log level \"{}\"", show(&a));
                c.report(Code::InvalidValue, h, h.span(i), msg);
                return;
            }
            level = true;
            continue;
        }
        if DEBUG.contains(&b) {
            if level {
                let msg = format!("invalid log level \"{}\"", show(&a));
                c.report(Code::InvalidValue, h, h.span(i), msg);
                return;
            }
            debug = true;
            continue;
        }
        let msg = format!("invalid log level \"{}\"", show(&a));
        c.report(Code::InvalidValue, h, h.span(i), msg);
        return;
    }
}

fn location(c: &mut Checker, h: &Here<'_>) {
    let mut loc = Loc::default();
    let (name, caseless) = if h.nargs() == 2 {
        let m = h.arg(0);
        let name = h.arg(1).into_owned();
        match &*m {
            b"=" => {
                loc.exact = true;
                (name, None)
            }
            b"^~" => {
                loc.noregex = true;
                (name, None)
            }
            b"~" => (name, Some(false)),
            b"~*" => (name, Some(true)),
            _ => {
                let msg = format!("invalid location modifier \"{}\"", show(&m));
                c.report(Code::InvalidValue, h, h.span(0), msg);
                return;
            }
        }
    } else {
        let v = h.arg(0);
        if let Some(rest) = v.strip_prefix(b"=") {
            loc.exact = true;
            (rest.to_vec(), None)
        } else if let Some(rest) = v.strip_prefix(b"^~") {
            loc.noregex = true;
            (rest.to_vec(), None)
        } else if let Some(rest) = v.strip_prefix(b"~*") {
            (rest.to_vec(), Some(true))
        } else if let Some(rest) = v.strip_prefix(b"~") {
            (rest.to_vec(), Some(false))
        } else {
            loc.named = v.first() == Some(&b'@');
            (v.into_owned(), None)
        }
    };
    let pattern_span = h.span(h.nargs() - 1);
    if let Some(caseless) = caseless {
        if !c.regex(h, pattern_span, &name, caseless) {
            return;
        }
        loc.regex = true;
    }
    loc.name = name;
    // A nested location.
    let misplaced = h.ctx == Context::HttpLocation
        && c.frame().block.loc.as_ref().is_none_or(|parent| {
            parent.exact
                || parent.named
                || loc.named
                || !loc.regex && !loc.name.starts_with(&parent.name)
        });
    if misplaced {
        let parent = c.frame().block.loc.clone().unwrap_or_default();
        let shown = show(&loc.name).into_owned();
        let pname = show(&parent.name).into_owned();
        if parent.exact {
            let msg =
                format!("location \"{shown}\" cannot be inside the exact location \"{pname}\"");
            c.report(Code::Misplaced, h, h.d.name.span, msg);
            return;
        }
        if parent.named {
            let msg =
                format!("location \"{shown}\" cannot be inside the named location \"{pname}\"");
            c.report(Code::Misplaced, h, h.d.name.span, msg);
            return;
        }
        if loc.named {
            let msg = format!("named location \"{shown}\" can be on the server level only");
            c.report(Code::Misplaced, h, h.d.name.span, msg);
            return;
        }
        if !loc.regex && !loc.name.starts_with(&parent.name) {
            let msg = format!("location \"{shown}\" is outside location \"{pname}\"");
            c.report(Code::Misplaced, h, h.d.name.span, msg);
            return;
        }
    }
    let rec = LocRec {
        name: loc.name.clone(),
        exact: loc.exact || loc.regex || loc.named,
        inclusive: !(loc.exact || loc.regex || loc.named),
        file: h.file,
        span: h.d.name.span,
        whole: h.d.span(),
        at: h.at(),
    };
    if !loc.regex && !loc.named {
        c.frame().block.locations.push(rec);
    }
    c.pending.loc = Some(loc);
}

fn limit_except(c: &mut Checker, h: &Here<'_>) {
    const METHODS: [&[u8]; 14] = [
        b"GET",
        b"HEAD",
        b"POST",
        b"PUT",
        b"DELETE",
        b"MKCOL",
        b"COPY",
        b"MOVE",
        b"OPTIONS",
        b"PROPFIND",
        b"PROPPATCH",
        b"LOCK",
        b"UNLOCK",
        b"PATCH",
    ];
    let parent = c.frame().block.loc.clone().unwrap_or_default();
    if dup(c, h, "limit_except") {
        return;
    }
    for i in 0..h.nargs() {
        let a = h.arg(i);
        if !METHODS.iter().any(|m| cstr(&a).eq_ignore_ascii_case(m)) {
            let msg = format!("invalid method \"{}\"", show(&a));
            c.report(Code::InvalidValue, h, h.span(i), msg);
            return;
        }
    }
    c.pending.loc = Some(Loc {
        name: parent.name,
        noname: true,
        ..Loc::default()
    });
}

/// A `listen` address as `ngx_parse_url` read it (http's, stream's and mail's listen), nginx's
/// refusal reported: `None` when refused, else the address as nginx prints it (`None` within
/// for a host name).
pub(super) fn listen_address(
    c: &mut Checker,
    h: &Here<'_>,
    parsed: Result<Option<String>, &'static str>,
) -> Option<Option<String>> {
    match parsed {
        Ok(a) => Some(a),
        Err(e) => {
            let msg = format!("{e} in \"{}\" of the \"listen\" directive", show(&h.arg(0)));
            c.report(Code::InvalidValue, h, h.span(0), msg);
            None
        }
    }
}

/// The `listen` address as nginx prints it (`ngx_sock_ntop` with the port).
fn listen(c: &mut Checker, h: &Here<'_>) {
    let url = h.arg(0);
    let parsed = match c.http.listen_urls.get(&*url) {
        Some(r) => r.clone(),
        None => {
            let r = parse_listen_url(&url, 80);
            c.http.listen_urls.insert(url.to_vec(), r.clone());
            r
        }
    };
    let Some(addr) = listen_address(c, h, parsed) else {
        return;
    };
    let v = c.version();
    let mut default = false;
    let mut set = false;
    let mut quic = false;
    let mut ssl = false;
    for i in 1..h.nargs() {
        let a = h.arg(i);
        let b = cstr(&a);
        match b {
            b"default_server" | b"default" => default = true,
            b"bind" => set = true,
            b"deferred" | b"reuseport" => set = true,
            b"ssl" => ssl = true,
            b"proxy_protocol" => {}
            b"http2" => {
                if v >= (1, 25, 1) {
                    c.version_warning(
                        h,
                        h.span(i),
                        "the \"listen ... http2\" directive is deprecated, use the \"http2\" directive instead",
                        "1.25.1",
                    );
                }
            }
            b"quic" if v >= (1, 25, 0) => quic = true,
            b"multipath" if v >= (1, 29, 3) => set = true,
            _ => {
                if a.starts_with(b"setfib=") {
                    let msg = format!("invalid parameter \"{}\"", show(&a));
                    c.report(Code::InvalidValue, h, h.span(i), msg);
                    return;
                } else if let Some((_, refused)) = listen_valued(&a) {
                    set = true;
                    if let Some(msg) = refused {
                        c.report(Code::InvalidValue, h, h.span(i), msg);
                        return;
                    }
                } else if a.starts_with(b"accept_filter=") {
                    let msg = format!(
                        "accept filters \"{}\" are not supported on this platform, ignored",
                        show(&a)
                    );
                    c.report(Code::InvalidValue, h, h.span(i), msg);
                    return;
                } else {
                    let msg = format!("invalid parameter \"{}\"", show(&a));
                    c.report(Code::InvalidValue, h, h.span(i), msg);
                    return;
                }
            }
        }
    }
    let _ = quic;
    let Some(text) = addr else { return };
    let Some(server) = c.frame().block.server else {
        return;
    };
    // ngx_http_add_addresses: one address per (address, port).
    if let Some(a) = c.http.addr_index.get(&text).map(|&i| &mut c.http.addrs[i]) {
        if let Err(msg) = a.join(server, set, default, ssl) {
            c.report(Code::Duplicate, h, h.span(0), msg);
            return;
        }
    } else {
        c.http.addr_index.insert(text.clone(), c.http.addrs.len());
        c.http
            .addrs
            .push(Addr::new(text.clone(), server, set, default, ssl));
    }
    if let Some(s) = c.http.servers.get_mut(server) {
        s.listens.push(text);
    }
}

/// The `listen` parameters with a value that http and stream read alike (`fastopen=`, `backlog=`,
/// `rcvbuf=`, `sndbuf=`, `ipv6only=`, `so_keepalive=`, each setting listen options): `None` for
/// another word, else the parameter's name and nginx's refusal of its value.
pub(super) fn listen_valued(a: &[u8]) -> Option<(&'static str, Option<String>)> {
    let bad = |what: &str| format!("invalid {what} \"{}\"", show(a));
    let (name, ok) = if let Some(n) = a.strip_prefix(b"fastopen=") {
        ("fastopen", parse_digits(n).is_some())
    } else if let Some(n) = a.strip_prefix(b"backlog=") {
        ("backlog", parse_digits(n).is_some_and(|n| n != 0))
    } else if let Some(n) = a.strip_prefix(b"rcvbuf=") {
        ("rcvbuf", parse_size_bytes(n).is_some())
    } else if let Some(n) = a.strip_prefix(b"sndbuf=") {
        ("sndbuf", parse_size_bytes(n).is_some())
    } else if let Some(f) = a.strip_prefix(b"ipv6only=o") {
        let ok = cstr(f) == b"n" || cstr(f) == b"ff";
        let msg = format!("invalid ipv6only flags \"{}\"", show(cstr(&a[9..])));
        return Some(("ipv6only", (!ok).then_some(msg)));
    } else if let Some(k) = a.strip_prefix(b"so_keepalive=") {
        let ok = cstr(k) == b"on" || cstr(k) == b"off" || so_keepalive(k);
        let msg = format!("invalid so_keepalive value: \"{}\"", show(cstr(k)));
        return Some(("so_keepalive", (!ok).then_some(msg)));
    } else {
        return None;
    };
    Some((name, (!ok).then(|| bad(name))))
}

/// `so_keepalive=idle:intvl:cnt` (NGX_HAVE_KEEPALIVE_TUNABLE on Linux).
pub(super) fn so_keepalive(v: &[u8]) -> bool {
    let parts: Vec<&[u8]> = v.splitn(3, |&b| b == b':').collect();
    let (mut idle, mut intvl, mut cnt) = (0, 0, 0);
    if let Some(p) = parts.first().filter(|p| !p.is_empty()) {
        match parse_time(p, true) {
            Some(n) => idle = n,
            None => return false,
        }
    }
    if let Some(p) = parts.get(1).filter(|p| !p.is_empty()) {
        match parse_time(p, true) {
            Some(n) => intvl = n,
            None => return false,
        }
    }
    if let Some(p) = parts.get(2).filter(|p| !p.is_empty()) {
        match parse_digits(p) {
            Some(n) => cnt = n,
            None => return false,
        }
    }
    !(idle == 0 && intvl == 0 && cnt == 0)
}

/// `ngx_parse_url` for `listen`: the address as nginx prints it (`None` for a name nginx would
/// resolve, which is not compared), or nginx's reason.
/// `default_port`: http's 80, stream's 0.
pub(super) fn parse_listen_url(
    url: &[u8],
    default_port: u16,
) -> Result<Option<String>, &'static str> {
    if url.len() >= 5 && url[..5].eq_ignore_ascii_case(b"unix:") {
        let path = &url[5..];
        if path.is_empty() {
            return Err("no path in the unix domain socket");
        }
        if path.len() + 1 > 108 {
            return Err("too long path in the unix domain socket");
        }
        return Ok(Some(format!("unix:{}", show(path))));
    }
    if url.first() == Some(&b'[') {
        let Some(close) = url.iter().position(|&b| b == b']') else {
            return Err("invalid host");
        };
        let host = &url[1..close];
        let rest = &url[close + 1..];
        if rest.contains(&b'/') {
            return Err("invalid host");
        }
        let port = if rest.is_empty() {
            default_port
        } else {
            if rest[0] != b':' {
                return Err("invalid host");
            }
            listen_port(&rest[1..])?
        };
        if host.is_empty() {
            return Err("no host");
        }
        let Ok(ip) = std::str::from_utf8(host)
            .ok()
            .and_then(|s| s.parse::<std::net::Ipv6Addr>().ok())
            .ok_or(())
        else {
            return Err("invalid IPv6 address");
        };
        return Ok(Some(format!("[{ip}]:{port}")));
    }
    let colon = url.iter().position(|&b| b == b':');
    let slash = url.iter().position(|&b| b == b'/' || b == b'?');
    if slash.is_some() {
        return Err("invalid host");
    }
    let (host, port) = match colon {
        Some(i) => (&url[..i], listen_port(&url[i + 1..])?),
        None => {
            // A value of digits only is a port.
            if let Some(n) = port_only(url)? {
                return Ok(Some(format!("0.0.0.0:{n}")));
            }
            (url, default_port)
        }
    };
    if host.is_empty() {
        return Err("no host");
    }
    if host == b"*" {
        return Ok(Some(format!("0.0.0.0:{port}")));
    }
    match inet_addr(host) {
        Some(ip) => Ok(Some(format!("{ip}:{port}"))),
        None => Ok(None),
    }
}

/// A listen port (`n` or a range `n-m`).
fn listen_port(p: &[u8]) -> Result<u16, &'static str> {
    let (first, last) = match p.iter().position(|&b| b == b'-') {
        Some(d) => {
            let last = parse_digits(&p[d + 1..]).filter(|n| (1..=65535).contains(n));
            let Some(last) = last else {
                return Err("invalid port");
            };
            (&p[..d], Some(last))
        }
        None => (p, None),
    };
    let n = parse_digits(first).filter(|n| (1..=65535).contains(n));
    let Some(n) = n else {
        return Err("invalid port");
    };
    if last.is_some_and(|l| n > l) {
        return Err("invalid port range");
    }
    Ok(n as u16)
}

/// A listen value without `:` that is a port (`8080`, `8000-8010`): `Some(port)`.
fn port_only(v: &[u8]) -> Result<Option<u16>, &'static str> {
    let (first, last) = match v.iter().position(|&b| b == b'-') {
        Some(d) => match parse_digits(&v[d + 1..]) {
            None => return Ok(None),
            Some(l) => (&v[..d], Some(l)),
        },
        None => (v, None),
    };
    let Some(n) = parse_digits(first) else {
        return Ok(None);
    };
    if last.is_some_and(|l| !(1..=65535).contains(&l)) || !(1..=65535).contains(&n) {
        return Err("invalid port");
    }
    if last.is_some_and(|l| n > l) {
        return Err("invalid port range");
    }
    Ok(Some(n as u16))
}

/// `ngx_inet_addr` as its callers read it: `255.255.255.255` is its failure value
/// (`INADDR_NONE`), so `ngx_ptocidr`, geo's ranges and the access rules refuse that address
/// (`invalid parameter "255.255.255.255"`, checked against nginx 1.22.1).
fn inet_addr_checked(b: &[u8]) -> Option<std::net::Ipv4Addr> {
    inet_addr(b).filter(|ip| !ip.is_broadcast())
}

/// `ngx_inet_addr`: exactly four decimal octets (a listen address it refuses is resolved
/// instead, which gives the same address).
fn inet_addr(b: &[u8]) -> Option<std::net::Ipv4Addr> {
    let mut octets = [0u32; 4];
    let mut n = 0;
    for &c in b {
        match c {
            b'0'..=b'9' => {
                octets[n.min(3)] = octets[n.min(3)] * 10 + u32::from(c - b'0');
                if octets[n.min(3)] > 255 {
                    return None;
                }
            }
            b'.' => {
                n += 1;
                if n > 3 {
                    return None;
                }
            }
            _ => return None,
        }
    }
    (n == 3).then(|| {
        std::net::Ipv4Addr::new(
            octets[0] as u8,
            octets[1] as u8,
            octets[2] as u8,
            octets[3] as u8,
        )
    })
}

fn server_name(c: &mut Checker, h: &Here<'_>) {
    let stream = c.frame().ctx == Some(Context::StreamServer);
    if let Some(s) = c.frame().block.server {
        if stream {
            super::stream::named(c, s);
        } else if let Some(server) = c.http.servers.get_mut(s) {
            server.named = true;
        }
    }
    for i in 0..h.nargs() {
        let v = h.arg(i);
        let ch = v.first().copied().unwrap_or(0);
        if (ch == b'*' && (v.len() < 3 || v.get(1) != Some(&b'.'))) || (ch == b'.' && v.len() < 2) {
            let msg = format!("server name \"{}\" is invalid", show(&v));
            c.report(Code::InvalidValue, h, h.span(i), msg);
            return;
        }
        if cstr(&v).contains(&b'/') {
            let msg = format!("server name \"{}\" has suspicious symbols", show(&v));
            c.report(Code::Warning, h, h.span(i), msg);
        }
        if ch == b'~' {
            if v.len() == 1 {
                let msg = format!("empty regex in server name \"{}\"", show(&v));
                c.report(Code::InvalidValue, h, h.span(i), msg);
                return;
            }
            let pattern = &v[1..];
            let caseless = pattern.iter().any(u8::is_ascii_uppercase);
            if !c.regex(h, h.span(i), pattern, caseless) {
                return;
            }
            continue;
        }
        let name = if cstr(&v).eq_ignore_ascii_case(b"$hostname") {
            b"\x00hostname".to_vec()
        } else {
            v.to_ascii_lowercase()
        };
        if stream {
            super::stream::server_name(c, name, h.file, h.span(i));
            continue;
        }
        if let Some(s) = c.frame().block.server {
            let at = h.at();
            if let Some(server) = c.http.servers.get_mut(s) {
                server.names.push((name, h.file, h.span(i), at));
            }
        }
    }
}

fn root(c: &mut Checker, h: &Here<'_>) {
    let alias = h.is("alias");
    let this: &'static str = if alias { "alias" } else { "root" };
    let f = c.frame();
    let earlier = f
        .marks
        .iter()
        .find(|m| **m == "root" || **m == "alias")
        .copied();
    if let Some(earlier) = earlier {
        if earlier == this {
            c.directive_error(Code::Duplicate, h, h.d.name.span, "is duplicate");
        } else {
            let msg = format!(
                "\"{this}\" directive is duplicate, \"{earlier}\" directive was specified earlier"
            );
            c.report(Code::Duplicate, h, h.d.name.span, msg);
        }
        return;
    }
    c.frame().marks.push(this);
    let named = c.frame().block.loc.as_ref().is_some_and(|l| l.named);
    if named && alias {
        c.report(
            Code::Misplaced,
            h,
            h.d.name.span,
            "the \"alias\" directive cannot be used inside the named location",
        );
        return;
    }
    let v = h.arg(0);
    let b = cstr(&v);
    let dollar = memchr::memchr(b'$', b).is_some();
    for (plain, braced, what) in [
        (
            &b"$document_root"[..],
            &b"${document_root}"[..],
            "$document_root",
        ),
        (b"$realpath_root", b"${realpath_root}", "$realpath_root"),
    ] {
        if dollar && (contains(b, plain) || contains(b, braced)) {
            let msg = format!("the {what} variable cannot be used in the \"{this}\" directive");
            c.report(Code::InvalidValue, h, h.span(0), msg);
            return;
        }
    }
    c.uses(h, 0, &v, true);
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}

fn try_files(c: &mut Checker, h: &Here<'_>) {
    if dup(c, h, "try_files") {
        return;
    }
    let n = h.nargs();
    for i in 0..n {
        let a = h.arg(i);
        let v: &[u8] = match a.strip_suffix(b"/") {
            Some(v) if i + 1 < n => v,
            _ => &a,
        };
        if !c.uses(h, i, v, true) {
            return;
        }
    }
    let last = h.arg(n - 1);
    if last.first() == Some(&b'=') {
        // nginx's length for the code excludes the name's terminating byte it added.
        let code = parse_digits(&last[1..]);
        if code.is_none_or(|c| c > 999) {
            let msg = format!("invalid code \"{}\"", show(&last));
            c.report(Code::InvalidValue, h, h.span(n - 1), msg);
        }
    }
}

fn rewrite(c: &mut Checker, h: &Here<'_>) {
    let replacement = h.arg(1);
    if replacement.is_empty() {
        c.report(Code::InvalidValue, h, h.span(1), "empty replacement");
        return;
    }
    if !c.regex(h, h.span(0), &h.arg(0), false) {
        return;
    }
    if h.nargs() == 3 {
        let flag = h.arg(2);
        if !matches!(cstr(&flag), b"last" | b"break" | b"redirect" | b"permanent") {
            let msg = format!("invalid parameter \"{}\"", show(&flag));
            c.report(Code::InvalidValue, h, h.span(2), msg);
            return;
        }
    }
    let mut r = replacement.into_owned();
    if r.last() == Some(&b'?') {
        r.pop();
    }
    c.uses(h, 1, &r, true);
}

fn rewrite_return(c: &mut Checker, h: &Here<'_>) {
    let v = h.arg(0);
    match parse_digits(&v) {
        None => {
            let redirect = v.starts_with(b"http://")
                || v.starts_with(b"https://")
                || v.starts_with(b"$scheme");
            if h.nargs() == 1 && redirect {
                c.uses(h, 0, &v, true);
            } else {
                let msg = format!("invalid return code \"{}\"", show(&v));
                c.report(Code::InvalidValue, h, h.span(0), msg);
            }
        }
        Some(n) if n > 999 => {
            let msg = format!("invalid return code \"{}\"", show(&v));
            c.report(Code::InvalidValue, h, h.span(0), msg);
        }
        Some(_) => {
            if h.nargs() == 2 {
                c.uses(h, 1, &h.arg(1), true);
            }
        }
    }
}

fn rewrite_if(c: &mut Checker, h: &Here<'_>) {
    let name = c
        .frame()
        .block
        .loc
        .as_ref()
        .map(|l| l.name.clone())
        .unwrap_or_default();
    c.pending.loc = Some(Loc {
        name,
        noname: true,
        ..Loc::default()
    });
    let n = h.nargs();
    let invalid = |c: &mut Checker, i: usize, v: &[u8]| {
        let msg = format!("invalid condition \"{}\"", show(v));
        c.report(Code::InvalidValue, h, h.span(i), msg);
    };
    let args: Vec<std::borrow::Cow<'_, [u8]>> = (0..n).map(|i| h.arg(i)).collect();
    // ngx_http_rewrite_if_condition: the parentheses are stripped from the first and last
    // arguments (one may be a word of its own).
    let mut vals: Vec<&[u8]> = args.iter().map(|a| &a[..]).collect();
    if vals[0].first() != Some(&b'(') {
        return invalid(c, 0, vals[0]);
    }
    let mut cur = 0;
    let mut last = n - 1;
    if vals[0].len() == 1 {
        cur = 1;
    } else {
        vals[0] = &vals[0][1..];
    }
    if vals[last].last() != Some(&b')') {
        return invalid(c, last, vals[last]);
    }
    if vals[last].len() == 1 {
        if last == 0 {
            return invalid(c, 0, vals[0]);
        }
        last -= 1;
    } else {
        let l = vals[last];
        vals[last] = &l[..l.len() - 1];
    }
    if cur > last {
        let i = cur.min(n - 1);
        return invalid(c, i, vals[i]);
    }
    let p = vals[cur];
    if p.len() > 1 && p[0] == b'$' {
        if cur != last && cur + 2 != last {
            return invalid(c, cur, p);
        }
        c.use_name(h, cur, &p[1..]);
        if cur == last {
            return;
        }
        cur += 1;
        let op = vals[cur];
        match op {
            b"=" | b"!=" => {
                c.uses(h, last, vals[last], true);
            }
            b"~" | b"~*" | b"!~" | b"!~*" => {
                let caseless = op.last() == Some(&b'*');
                c.regex(h, h.span(last), vals[last], caseless);
            }
            _ => {
                let msg = format!("unexpected \"{}\" in condition", show(op));
                c.report(Code::InvalidValue, h, h.span(cur), msg);
            }
        }
        return;
    }
    if (p.len() == 2 && p[0] == b'-') || (p.len() == 3 && p[0] == b'!' && p[1] == b'-') {
        if cur + 1 != last {
            return invalid(c, cur, p);
        }
        if !c.uses(h, last, vals[last], true) {
            return;
        }
        let op = if p[0] == b'!' { p[2] } else { p[1] };
        if !matches!(op, b'f' | b'd' | b'e' | b'x') {
            return invalid(c, cur, p);
        }
        return;
    }
    invalid(c, cur, p)
}

fn rewrite_set(c: &mut Checker, h: &Here<'_>) {
    let name = h.arg(0);
    if name.first() != Some(&b'$') {
        let msg = format!("invalid variable name \"{}\"", show(&name));
        c.report(Code::InvalidValue, h, h.span(0), msg);
        return;
    }
    let var = &name[1..];
    if var.is_empty() {
        c.report(
            Code::InvalidValue,
            h,
            h.span(0),
            "invalid variable name \"$\"",
        );
        return;
    }
    if !c.add_variable(h, 0, var) {
        return;
    }
    c.uses(h, 1, &h.arg(1), true);
}

fn error_page(c: &mut Checker, h: &Here<'_>) {
    let n = h.nargs();
    let i = n - 2;
    let mut codes_end = n - 1;
    let v = h.arg(i);
    if v.first() == Some(&b'=') {
        if i == 0 {
            let msg = format!("invalid value \"{}\"", show(&v));
            c.report(Code::InvalidValue, h, h.span(i), msg);
            return;
        }
        if v.len() > 1 && parse_digits(&v[1..]).is_none() {
            let msg = format!("invalid value \"{}\"", show(&v));
            c.report(Code::InvalidValue, h, h.span(i), msg);
            return;
        }
        codes_end = n - 2;
    }
    if !c.uses(h, n - 1, &h.arg(n - 1), true) {
        return;
    }
    for k in 0..codes_end {
        let a = h.arg(k);
        match parse_digits(&a) {
            None | Some(499) => {
                let msg = format!("invalid value \"{}\"", show(&a));
                c.report(Code::InvalidValue, h, h.span(k), msg);
                return;
            }
            Some(code) if !(300..=599).contains(&code) => {
                let msg = format!("value \"{}\" must be between 300 and 599", show(&a));
                c.report(Code::InvalidValue, h, h.span(k), msg);
                return;
            }
            _ => {}
        }
    }
}

fn open_file_cache(c: &mut Checker, h: &Here<'_>) {
    if dup(c, h, "open_file_cache") {
        return;
    }
    let mut max = 0;
    let mut off = false;
    for i in 0..h.nargs() {
        let a = h.arg(i);
        let ok = if let Some(m) = a.strip_prefix(b"max=") {
            max = parse_digits(m).unwrap_or(0);
            max > 0
        } else if let Some(t) = a.strip_prefix(b"inactive=") {
            parse_time(t, true).is_some()
        } else if cstr(&a) == b"off" {
            off = true;
            true
        } else {
            false
        };
        if !ok {
            let msg = format!("invalid \"open_file_cache\" parameter \"{}\"", show(&a));
            c.report(Code::InvalidValue, h, h.span(i), msg);
            return;
        }
    }
    if !off && max == 0 {
        c.report(
            Code::InvalidValue,
            h,
            h.d.name.span,
            "\"open_file_cache\" must have the \"max\" parameter",
        );
    }
}

fn expires(c: &mut Checker, h: &Here<'_>) {
    if dup(c, h, "expires") {
        return;
    }
    let modified = h.nargs() == 2;
    if modified && cstr(&h.arg(0)) != b"modified" {
        c.directive_error(Code::InvalidValue, h, h.span(0), "invalid value");
        return;
    }
    let n = if modified { 1 } else { 0 };
    let v = h.arg(n).into_owned();
    if memchr::memchr(b'$', &v).is_some() {
        c.uses(h, n, &v, true);
        return;
    }
    if !modified && matches!(&v[..], b"epoch" | b"max" | b"off") {
        return;
    }
    let (daily, t) = match v.first() {
        Some(b'@') => {
            if modified {
                c.directive_error(
                    Code::InvalidValue,
                    h,
                    h.span(n),
                    "daily time cannot be used with \"modified\" parameter",
                );
                return;
            }
            (true, &v[1..])
        }
        Some(b'+' | b'-') => (false, &v[1..]),
        _ => (false, &v[..]),
    };
    match parse_time(t, true) {
        None => c.directive_error(Code::InvalidValue, h, h.span(n), "invalid value"),
        Some(s) if daily && s > 24 * 60 * 60 => c.directive_error(
            Code::InvalidValue,
            h,
            h.span(n),
            "daily time value must be less than 24 hours",
        ),
        _ => {}
    }
}

fn index(c: &mut Checker, h: &Here<'_>) {
    let n = h.nargs();
    for i in 0..n {
        let v = h.arg(i);
        if v.first() == Some(&b'/') && i != n - 1 {
            c.report(
                Code::Warning,
                h,
                h.span(i),
                "only the last index in \"index\" directive should be absolute",
            );
        }
        if v.is_empty() {
            let msg = format!(
                "index \"{}\" in \"index\" directive is invalid",
                show(&h.arg(0))
            );
            c.report(Code::InvalidValue, h, h.span(i), msg);
            return;
        }
        if !c.uses(h, i, &v, true) {
            return;
        }
    }
}

/// `ngx_http_access_rule`: `all`, `unix:`, or an address with an optional prefix length.
fn access_rule(c: &mut Checker, h: &Here<'_>) {
    let v = h.arg(0);
    if &*v == b"all" || &*v == b"unix:" {
        return;
    }
    match ptocidr(&v) {
        Cidr::Invalid => {
            let msg = format!("invalid parameter \"{}\"", show(&v));
            c.report(Code::InvalidValue, h, h.span(0), msg);
        }
        Cidr::LowBits => {
            let msg = format!("low address bits of {} are meaningless", show(&v));
            c.report(Code::Warning, h, h.span(0), msg);
        }
        Cidr::Ok => {}
    }
}

/// What `ngx_ptocidr` says of an address.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Cidr {
    Ok,
    /// `NGX_DONE`: the prefix leaves host bits set.
    LowBits,
    Invalid,
}

/// `ngx_ptocidr`: `addr` or `addr/bits`, IPv4 or IPv6.
pub(crate) fn ptocidr(v: &[u8]) -> Cidr {
    let (addr, bits) = match v.iter().position(|&b| b == b'/') {
        Some(i) => (&v[..i], Some(&v[i + 1..])),
        None => (v, None),
    };
    let Ok(text) = std::str::from_utf8(addr) else {
        return Cidr::Invalid;
    };
    let (bytes, max): (Vec<u8>, u64) = if let Some(ip) = inet_addr_checked(addr) {
        (ip.octets().to_vec(), 32)
    } else if let Ok(ip) = text.parse::<std::net::Ipv6Addr>() {
        (ip.octets().to_vec(), 128)
    } else {
        return Cidr::Invalid;
    };
    let Some(bits) = bits else { return Cidr::Ok };
    let Some(n) = parse_digits(bits).filter(|&n| n <= max) else {
        return Cidr::Invalid;
    };
    // Bits below the prefix must be zero.
    for (i, b) in bytes.iter().enumerate() {
        let start = i as u64 * 8;
        let keep = n.saturating_sub(start).min(8);
        let mask: u8 = if keep == 0 { 0 } else { 0xffu8 << (8 - keep) };
        if b & !mask != 0 {
            return Cidr::LowBits;
        }
    }
    Cidr::Ok
}

fn upstream(c: &mut Checker, h: &Here<'_>) {
    let host = h.arg(0).to_ascii_lowercase();
    let at = h.at();
    if let Some(u) = c.http.upstream_mut(&host) {
        if u.created {
            let msg = format!("duplicate upstream \"{}\"", show(&h.arg(0)));
            c.report(Code::Duplicate, h, h.span(0), msg);
            return;
        }
        if let Some(port) = u.port {
            let msg = format!("upstream \"{}\" may not have port {port}", show(&h.arg(0)));
            let (file, uat) = (u.file, u.at);
            c.report_at(
                Code::InvalidValue,
                file,
                Span::new(uat as usize, uat as usize),
                Some(uat),
                msg,
            );
            return;
        }
        u.created = true;
    } else {
        c.http.add_upstream(UpsRec {
            host,
            created: true,
            port: None,
            file: h.file,
            at,
        });
    }
    c.pending.ups = Some(Ups {
        flags: UPS_ALL,
        servers: 0,
        method: false,
    });
}

/// `server` in an `upstream` block; a stream group's servers need a port (no default port).
fn upstream_server(c: &mut Checker, h: &Here<'_>, stream: bool) {
    let flags = match c.frame().block.ups.as_mut() {
        Some(u) => {
            u.servers += 1;
            u.flags
        }
        None => return,
    };
    // 1.27.3: names resolved at run time, and DNS SRV services.
    let zone = c.version() >= (1, 27, 3);
    let mut resolve = false;
    let mut service = false;
    for i in 1..h.nargs() {
        let a = h.arg(i);
        if zone && cstr(&a) == b"resolve" {
            resolve = true;
            continue;
        }
        if let Some(name) = a.strip_prefix(b"service=").filter(|_| zone) {
            if name.is_empty() {
                c.report(Code::InvalidValue, h, h.span(i), "service is empty");
                return;
            }
            service = true;
            continue;
        }
        let (need, ok) = if let Some(n) = a.strip_prefix(b"weight=") {
            (UPS_WEIGHT, parse_digits(n).is_some_and(|n| n > 0))
        } else if let Some(n) = a.strip_prefix(b"max_conns=") {
            (UPS_MAX_CONNS, parse_digits(n).is_some())
        } else if let Some(n) = a.strip_prefix(b"max_fails=") {
            (UPS_MAX_FAILS, parse_digits(n).is_some())
        } else if let Some(t) = a.strip_prefix(b"fail_timeout=") {
            (UPS_FAIL_TIMEOUT, parse_time(t, true).is_some())
        } else if cstr(&a) == b"backup" {
            (UPS_BACKUP, true)
        } else if cstr(&a) == b"down" {
            (UPS_DOWN, true)
        } else {
            (0, false)
        };
        if need != 0 && flags & need == 0 {
            let msg = format!(
                "balancing method does not support parameter \"{}\"",
                show(&a)
            );
            c.report(Code::InvalidValue, h, h.span(i), msg);
            return;
        }
        if !ok {
            let msg = format!("invalid parameter \"{}\"", show(&a));
            c.report(Code::InvalidValue, h, h.span(i), msg);
            return;
        }
    }
    let url = h.arg(0);
    if service && !resolve {
        let msg = format!(
            "service upstream \"{}\" requires \"resolve\" parameter",
            show(&url)
        );
        c.report(Code::InvalidValue, h, h.span(0), msg);
        return;
    }
    match parse_upstream_url(&url, false) {
        Err(e) => {
            let msg = format!("{e} in upstream \"{}\"", show(&url));
            c.report(Code::InvalidValue, h, h.span(0), msg);
        }
        Ok(u) if service => {
            let address = url.len() >= 5 && url[..5].eq_ignore_ascii_case(b"unix:")
                || std::str::from_utf8(&u.host)
                    .is_ok_and(|s| s.parse::<std::net::IpAddr>().is_ok());
            let msg = if u.port.is_some() {
                "may not have port"
            } else if address {
                "requires domain name"
            } else {
                return;
            };
            let msg = format!("service upstream \"{}\" {msg}", show(&url));
            c.report(Code::InvalidValue, h, h.span(0), msg);
        }
        Ok(u)
            if stream
                && u.port.is_none()
                && !(url.len() >= 5 && url[..5].eq_ignore_ascii_case(b"unix:")) =>
        {
            let msg = format!("no port in upstream \"{}\"", show(&url));
            c.report(Code::InvalidValue, h, h.span(0), msg);
        }
        Ok(_) => {}
    }
}

/// `ngx_resolver_create` (http's and stream's `resolver`): `valid=`, `ipv4=` (from 1.23.1) and
/// `ipv6=` parameters, every other word a name server's address (`ngx_parse_url`, port 53 by
/// default; a host name is resolved when nginx starts, which cannot be judged here).
fn resolver(c: &mut Checker, h: &Here<'_>) {
    /// The release that added `ipv4=` (and the refusal of both families off).
    const IPV4_PARAMETER: (u32, u32, u32) = (1, 23, 1);
    if dup(c, h, "resolver") {
        return;
    }
    // ngx_mail_core_resolver: `off` turns an inherited resolver off.
    if matches!(c.frame().ctx, Some(Context::Mail | Context::MailServer))
        && cstr(&h.arg(0)) == b"off"
    {
        return;
    }
    let with_ipv4 = c.version() >= IPV4_PARAMETER;
    let (mut ipv4, mut ipv6) = (true, true);
    let mut servers = 0;
    for i in 0..h.nargs() {
        let a = h.arg(i);
        let family = if with_ipv4 && a.starts_with(b"ipv4=") {
            Some(&mut ipv4)
        } else if a.starts_with(b"ipv6=") {
            Some(&mut ipv6)
        } else {
            None
        };
        let valid = if let Some(t) = a.strip_prefix(b"valid=") {
            parse_time(t, true).is_some()
        } else if let Some(on) = family {
            match &a[5..] {
                b"on" => *on = true,
                b"off" => *on = false,
                _ => {}
            }
            matches!(&a[5..], b"on" | b"off")
        } else {
            if let Err(e) = parse_upstream_url(&a, false) {
                let msg = format!("{e} in resolver \"{}\"", show(&a));
                c.report(Code::InvalidValue, h, h.span(i), msg);
                return;
            }
            // A parameter this release does not have (`ipv4=` before 1.23.1, NGINX Plus's
            // `status_zone=`) is taken for a host name, and no host is named with `=`.
            if !a.starts_with(b"unix:") && a.contains(&b'=') {
                let msg = format!("host not found in resolver \"{}\"", show(&a));
                c.report(Code::InvalidValue, h, h.span(i), msg);
                return;
            }
            servers += 1;
            true
        };
        if !valid {
            let msg = format!("invalid parameter: {}", show(&a));
            c.report(Code::InvalidValue, h, h.span(i), msg);
            return;
        }
    }
    if with_ipv4 && !ipv4 && !ipv6 {
        let msg = "\"ipv4\" and \"ipv6\" cannot both be \"off\"";
        c.report(Code::InvalidValue, h, h.d.name.span, msg);
        return;
    }
    if servers == 0 {
        c.report(
            Code::InvalidValue,
            h,
            h.d.name.span,
            "no name servers defined",
        );
    }
}

/// What `ngx_parse_url` takes from a pass address: its host (lowercase), its port when given,
/// and whether it has a URI part.
pub(super) struct Url {
    host: Vec<u8>,
    port: Option<u16>,
    uri: bool,
}

/// `ngx_parse_url` without resolving (`no_resolve`): `uri_part` allows a path.
pub(super) fn parse_upstream_url(url: &[u8], uri_part: bool) -> Result<Url, &'static str> {
    if url.len() >= 5 && url[..5].eq_ignore_ascii_case(b"unix:") {
        let mut path = &url[5..];
        let mut uri = false;
        if uri_part {
            if let Some(i) = path.iter().position(|&b| b == b':') {
                uri = i + 1 < path.len();
                path = &path[..i];
            }
        }
        if path.is_empty() {
            return Err("no path in the unix domain socket");
        }
        if path.len() + 1 > 108 {
            return Err("too long path in the unix domain socket");
        }
        return Ok(Url {
            host: path.to_vec(),
            port: None,
            uri,
        });
    }
    if url.first() == Some(&b'[') {
        let Some(close) = url.iter().position(|&b| b == b']') else {
            return Err("invalid host");
        };
        let host = &url[1..close];
        let mut rest = &url[close + 1..];
        let mut uri = false;
        if let Some(s) = rest.iter().position(|&b| b == b'/') {
            if !uri_part {
                return Err("invalid host");
            }
            uri = true;
            rest = &rest[..s];
        }
        let port = if rest.is_empty() {
            None
        } else {
            if rest[0] != b':' {
                return Err("invalid host");
            }
            match parse_digits(&rest[1..]).filter(|n| (1..=65535).contains(n)) {
                Some(n) => Some(n as u16),
                None => return Err("invalid port"),
            }
        };
        if host.is_empty() {
            return Err("no host");
        }
        if std::str::from_utf8(host)
            .ok()
            .and_then(|s| s.parse::<std::net::Ipv6Addr>().ok())
            .is_none()
        {
            return Err("invalid IPv6 address");
        }
        return Ok(Url {
            host: url[..=close].to_ascii_lowercase(),
            port,
            uri,
        });
    }
    let mut last = url.len();
    let mut uri = false;
    let slash = url.iter().position(|&b| b == b'/');
    let args = url.iter().position(|&b| b == b'?');
    let u = match (slash, args) {
        (Some(s), Some(a)) => Some(s.min(a)),
        (s, a) => s.or(a),
    };
    if let Some(u) = u {
        if !uri_part {
            return Err("invalid host");
        }
        uri = true;
        last = u;
    }
    let host_part = &url[..last];
    let (host, port) = match host_part.iter().position(|&b| b == b':') {
        Some(i) => match parse_digits(&host_part[i + 1..]).filter(|n| (1..=65535).contains(n)) {
            Some(n) => (&host_part[..i], Some(n as u16)),
            None => return Err("invalid port"),
        },
        None => (host_part, None),
    };
    if host.is_empty() {
        return Err("no host");
    }
    Ok(Url {
        host: host.to_ascii_lowercase(),
        port,
        uri,
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    Proxy,
    Grpc,
    Uwsgi,
    Other(&'static str),
}

fn pass(c: &mut Checker, h: &Here<'_>, kind: Pass) {
    let key: &'static str = match kind {
        Pass::Proxy => "proxy_pass",
        Pass::Grpc => "grpc_pass",
        Pass::Uwsgi => "uwsgi_pass",
        Pass::Other(n) => n,
    };
    if dup(c, h, key) {
        return;
    }
    let url = h.arg(0);
    if memchr::memchr(b'$', &url).is_some() && kind != Pass::Other("memcached_pass") {
        c.uses(h, 0, &url, true);
        return;
    }
    let scheme = |p: &[u8]| url.len() >= p.len() && url[..p.len()].eq_ignore_ascii_case(p);
    let rest: &[u8] = match kind {
        Pass::Proxy => {
            if scheme(b"http://") {
                &url[7..]
            } else if scheme(b"https://") {
                &url[8..]
            } else {
                c.report(Code::InvalidValue, h, h.span(0), "invalid URL prefix");
                return;
            }
        }
        Pass::Grpc if scheme(b"grpc://") => &url[7..],
        Pass::Grpc if scheme(b"grpcs://") => &url[8..],
        Pass::Uwsgi if scheme(b"uwsgi://") => &url[8..],
        Pass::Uwsgi if scheme(b"suwsgi://") => &url[9..],
        _ => &url[..],
    };
    let parsed = match parse_upstream_url(rest, kind == Pass::Proxy) {
        Ok(u) => u,
        Err(e) => {
            let msg = format!("{e} in upstream \"{}\"", show(rest));
            c.report(Code::InvalidValue, h, h.span(0), msg);
            return;
        }
    };
    if !add_pass_upstream(c, h, &parsed, rest.starts_with(b"unix:")) {
        return;
    }
    if kind == Pass::Proxy && parsed.uri {
        let loc = c.frame().block.loc.as_ref();
        if loc.is_some_and(|l| l.named || l.regex || l.noname) {
            c.report(
                Code::Misplaced,
                h,
                h.span(0),
                "\"proxy_pass\" cannot have URI part in location given by regular expression, or inside named location, or inside \"if\" statement, or inside \"limit_except\" block",
            );
        }
    }
}

/// `proxy_pass` in a stream server (`ngx_stream_proxy_pass`): an address and port or an
/// upstream group, no scheme.
fn stream_proxy_pass(c: &mut Checker, h: &Here<'_>) {
    if dup(c, h, "proxy_pass") {
        return;
    }
    let url = h.arg(0);
    if memchr::memchr(b'$', &url).is_some() {
        c.uses(h, 0, &url, true);
        return;
    }
    let parsed = match parse_upstream_url(&url, false) {
        Ok(u) => u,
        Err(e) => {
            let msg = format!("{e} in upstream \"{}\"", show(&url));
            c.report(Code::InvalidValue, h, h.span(0), msg);
            return;
        }
    };
    let unix = url.len() >= 5 && url[..5].eq_ignore_ascii_case(b"unix:");
    add_pass_upstream(c, h, &parsed, unix);
}

/// `ngx_*_upstream_add` with no flags, for the address a pass names: a group's name given with a
/// port is refused; any other address becomes an upstream of its own (unix sockets aside). False
/// when nginx refuses it.
fn add_pass_upstream(c: &mut Checker, h: &Here<'_>, parsed: &Url, unix: bool) -> bool {
    if let Some(u) = c.http.upstream(&parsed.host) {
        if let (true, Some(p)) = (u.created, parsed.port) {
            let msg = format!("upstream \"{}\" may not have port {p}", show(&parsed.host));
            c.report(Code::InvalidValue, h, h.span(0), msg);
            return false;
        }
    } else if !unix {
        c.http.add_upstream(UpsRec {
            host: parsed.host.clone(),
            created: false,
            port: parsed.port,
            file: h.file,
            at: h.at(),
        });
    }
    true
}

/// The first upstream a stream `proxy_pass` names that is neither a group nor given a port
/// (`ngx_stream_upstream_init_round_robin`: "no port in upstream"), with where it was named.
pub(super) fn stream_upstream_without_port(c: &Checker) -> Option<(FileId, u32, String)> {
    c.http
        .upstreams
        .iter()
        .find(|u| !u.created && u.port.is_none())
        .map(|u| {
            (
                u.file,
                u.at,
                format!("no port in upstream \"{}\"", show(&u.host)),
            )
        })
}

fn log_format(c: &mut Checker, h: &Here<'_>) {
    let name = h.arg(0).into_owned();
    if c.http
        .formats
        .iter()
        .any(|f| cstr(f) == cstr(&name) && f.len() == name.len())
    {
        let msg = format!("duplicate \"log_format\" name \"{}\"", show(&name));
        c.report(Code::Duplicate, h, h.span(0), msg);
        return;
    }
    c.http.formats.push(name);
    let mut s = 1;
    if let Some(e) = h.arg(1).strip_prefix(b"escape=") {
        if !matches!(cstr(e), b"json" | b"none" | b"default") {
            let msg = format!("unknown log format escaping \"{}\"", show(cstr(e)));
            c.report(Code::InvalidValue, h, h.span(1), msg);
            return;
        }
        s = 2;
    }
    for i in s..h.nargs() {
        let v = h.arg(i);
        let mut refs = Vec::new();
        if let Err(e) = script::variables(&v, false, &mut refs) {
            let msg = match e {
                script::ScriptError::Invalid => {
                    // nginx names the text from the `$` on.
                    let at = v.iter().rposition(|&b| b == b'$').unwrap_or(0);
                    format!("invalid parameter \"{}\"", show(cstr(&v[at..])))
                }
                other => other.message(),
            };
            c.report(Code::InvalidValue, h, h.span(i), msg);
            return;
        }
        for r in refs {
            // The log module's own variables are not looked up.
            if !LOG_VARS.contains(&&v[r.start..r.end]) {
                c.use_ref(h, i, &v, r);
            }
        }
    }
}

/// `ngx_http_log_vars`: written by the log module itself.
const LOG_VARS: [&[u8]; 9] = [
    b"pipe",
    b"time_local",
    b"time_iso8601",
    b"msec",
    b"request_time",
    b"status",
    b"bytes_sent",
    b"body_bytes_sent",
    b"request_length",
];

fn access_log(c: &mut Checker, h: &Here<'_>) {
    let path = h.arg(0);
    if cstr(&path) == b"off" {
        if h.nargs() > 1 {
            let msg = format!("invalid parameter \"{}\"", show(&h.arg(1)));
            c.report(Code::InvalidValue, h, h.span(1), msg);
        }
        return;
    }
    let syslog = path.starts_with(b"syslog:");
    let vars = !syslog && memchr::memchr(b'$', &path).is_some();
    if vars && !c.uses(h, 0, &path, true) {
        return;
    }
    let name: Vec<u8> = if h.nargs() >= 2 {
        h.arg(1).into_owned()
    } else {
        b"combined".to_vec()
    };
    if c.whole && !c.http.formats.iter().any(|f| f.eq_ignore_ascii_case(&name)) {
        let msg = format!("unknown log format \"{}\"", show(&name));
        c.report(
            Code::MissingDefinition,
            h,
            h.span(1.min(h.nargs() - 1)),
            msg,
        );
        return;
    }
    let (mut size, mut flush) = (0, 0);
    for i in 2..h.nargs() {
        let a = h.arg(i);
        if let Some(s) = a.strip_prefix(b"buffer=") {
            size = parse_size_bytes(s).unwrap_or(0);
            if size == 0 {
                let msg = format!("invalid buffer size \"{}\"", show(s));
                c.report(Code::InvalidValue, h, h.span(i), msg);
                return;
            }
        } else if let Some(s) = a.strip_prefix(b"flush=") {
            flush = parse_time(s, false).unwrap_or(0);
            if flush == 0 {
                let msg = format!("invalid flush time \"{}\"", show(s));
                c.report(Code::InvalidValue, h, h.span(i), msg);
                return;
            }
        } else if a.starts_with(b"gzip") && (a.len() == 4 || a[4] == b'=') {
            if size == 0 {
                size = 64 * 1024;
            }
            if a.len() > 4 && parse_digits(&a[5..]).is_none_or(|n| !(1..=9).contains(&n)) {
                let msg = format!("invalid compression level \"{}\"", show(&a[5..]));
                c.report(Code::InvalidValue, h, h.span(i), msg);
                return;
            }
        } else if let Some(s) = a.strip_prefix(b"if=") {
            if !c.uses(h, i, s, true) {
                return;
            }
        } else {
            let msg = format!("invalid parameter \"{}\"", show(&a));
            c.report(Code::InvalidValue, h, h.span(i), msg);
            return;
        }
    }
    if flush != 0 && size == 0 {
        let msg = format!("no buffer is defined for access_log \"{}\"", show(&path));
        c.report(Code::InvalidValue, h, h.span(0), msg);
        return;
    }
    if size != 0 && vars {
        c.report(
            Code::InvalidValue,
            h,
            h.span(0),
            "buffered logs cannot have variables in name",
        );
    } else if size != 0 && syslog {
        c.report(
            Code::InvalidValue,
            h,
            h.span(0),
            "logs to syslog cannot be buffered",
        );
    }
}

/// The module a cache directive belongs to: its zones are that module's.
fn cache_tag(name: &str) -> &'static str {
    if name.starts_with("fastcgi") || name.contains("fastcgi") {
        "fastcgi_cache"
    } else if name.contains("uwsgi") {
        "uwsgi_cache"
    } else if name.contains("scgi") {
        "scgi_cache"
    } else {
        "proxy_cache"
    }
}

/// `ngx_http_file_cache_set_slot` (`proxy_cache_path` and its siblings).
fn cache_path(c: &mut Checker, h: &Here<'_>) {
    let mut zone: Option<(Vec<u8>, u64, usize)> = None;
    for i in 1..h.nargs() {
        let a = h.arg(i);
        let bad = |what: &str| format!("invalid {what} value \"{}\"", show(&a));
        if let Some(l) = a.strip_prefix(b"levels=") {
            if !cache_levels(l) {
                let msg = format!("invalid \"levels\" \"{}\"", show(&a));
                c.report(Code::InvalidValue, h, h.span(i), msg);
                return;
            }
        } else if let Some(v) = a.strip_prefix(b"use_temp_path=") {
            if cstr(v) != b"on" && cstr(v) != b"off" {
                let msg = format!(
                    "invalid use_temp_path value \"{}\", it must be \"on\" or \"off\"",
                    show(&a)
                );
                c.report(Code::InvalidValue, h, h.span(i), msg);
                return;
            }
        } else if let Some(z) = a.strip_prefix(b"keys_zone=") {
            let size = cstr(z)
                .iter()
                .position(|&b| b == b':')
                .and_then(|colon| parse_size_bytes(&z[colon + 1..]).map(|s| (colon, s)));
            let Some((colon, size)) = size else {
                let msg = format!("invalid keys zone size \"{}\"", show(&a));
                c.report(Code::InvalidValue, h, h.span(i), msg);
                return;
            };
            if size < 2 * PAGESIZE {
                let msg = format!("keys zone \"{}\" is too small", show(&a));
                c.report(Code::InvalidValue, h, h.span(i), msg);
                return;
            }
            zone = Some((z[..colon].to_vec(), size, i));
        } else if let Some(t) = a.strip_prefix(b"inactive=") {
            if parse_time(t, true).is_none() {
                c.report(Code::InvalidValue, h, h.span(i), bad("inactive"));
                return;
            }
        } else if let Some(t) = a.strip_prefix(b"max_size=") {
            if crate::units::parse_offset_bytes(t).is_none() {
                c.report(Code::InvalidValue, h, h.span(i), bad("max_size"));
                return;
            }
        } else if let Some(t) = a.strip_prefix(b"min_free=") {
            if crate::units::parse_offset_bytes(t).is_none() {
                c.report(Code::InvalidValue, h, h.span(i), bad("min_free"));
                return;
            }
        } else if let Some(n) = a
            .strip_prefix(b"loader_files=")
            .or_else(|| a.strip_prefix(b"manager_files="))
        {
            if parse_digits(n).is_none_or(|n| n == 0) {
                let what = if a.starts_with(b"loader") {
                    "loader_files"
                } else {
                    "manager_files"
                };
                c.report(Code::InvalidValue, h, h.span(i), bad(what));
                return;
            }
        } else if let Some((what, t)) = [
            "loader_sleep=",
            "loader_threshold=",
            "manager_sleep=",
            "manager_threshold=",
        ]
        .iter()
        .find_map(|p| {
            a.strip_prefix(p.as_bytes())
                .map(|t| (p.strip_suffix('=').unwrap_or(p), t))
        }) {
            if parse_time(t, false).is_none() {
                c.report(Code::InvalidValue, h, h.span(i), bad(what));
                return;
            }
        } else {
            let msg = format!("invalid parameter \"{}\"", show(&a));
            c.report(Code::InvalidValue, h, h.span(i), msg);
            return;
        }
    }
    let Some((name, size, i)) = zone else {
        let msg = format!("\"{}\" must have \"keys_zone\" parameter", h.name());
        c.report(Code::MissingDefinition, h, h.d.name.span, msg);
        return;
    };
    let levels: Vec<u64> = (1..h.nargs())
        .find_map(|i| {
            let a = h.arg(i);
            let l = a.strip_prefix(b"levels=")?;
            Some(l.split(|&b| b == b':').filter_map(parse_digits).collect())
        })
        .unwrap_or_default();
    if !c.add_path(h, &h.arg(0), true, levels) {
        return;
    }
    let tag = cache_tag(&h.name());
    if !c.shared_memory(h, i, &name, size, tag) {
        return;
    }
    if let Some(z) = c.http.zones.iter_mut().find(|z| z.name == name) {
        if z.bound {
            let msg = format!("duplicate zone \"{}\"", show(&name));
            c.report(Code::Duplicate, h, h.span(i), msg);
            return;
        }
        z.bound = true;
    }
}

/// `levels=1:2`: one to three levels of one or two hex digits.
fn cache_levels(l: &[u8]) -> bool {
    const MAX_LEVEL: usize = 3;
    let mut p = 0;
    let mut len = 0;
    let mut n = 0;
    while n < MAX_LEVEL && p < l.len() {
        if !(b'1'..=b'2').contains(&l[p]) {
            return false;
        }
        len += usize::from(l[p] - b'0') + 1;
        p += 1;
        if p == l.len() {
            break;
        }
        let sep = l[p];
        p += 1;
        if sep == b':' && n < MAX_LEVEL - 1 && p < l.len() {
            n += 1;
            continue;
        }
        return false;
    }
    len < 10 + MAX_LEVEL
}

/// `proxy_cache` and its siblings: `off`, a zone, or a value with variables.
fn cache(c: &mut Checker, h: &Here<'_>, handler: &'static str) {
    let key: &'static str = match handler {
        "ngx_http_fastcgi_cache" => "fastcgi_cache",
        "ngx_http_uwsgi_cache" => "uwsgi_cache",
        "ngx_http_scgi_cache" => "scgi_cache",
        _ => "proxy_cache",
    };
    if dup(c, h, key) {
        return;
    }
    let v = h.arg(0);
    if cstr(&v) == b"off" {
        return;
    }
    if memchr::memchr(b'$', &v).is_some() {
        c.uses(h, 0, &v, true);
        return;
    }
    c.shared_memory(h, 0, &v, 0, key);
}

/// `limit_req_zone` / `limit_conn_zone`.
fn limit_zone(c: &mut Checker, h: &Here<'_>, handler: &'static str) {
    let req = handler == "ngx_http_limit_req_zone";
    if !c.uses(h, 0, &h.arg(0), true) {
        return;
    }
    let mut zone: Option<(Vec<u8>, u64, usize)> = None;
    for i in 1..h.nargs() {
        let a = h.arg(i);
        if let Some(z) = a.strip_prefix(b"zone=") {
            let Some(colon) = cstr(z).iter().position(|&b| b == b':') else {
                let msg = format!("invalid zone size \"{}\"", show(&a));
                c.report(Code::InvalidValue, h, h.span(i), msg);
                return;
            };
            let Some(size) = parse_size_bytes(&z[colon + 1..]) else {
                let msg = format!("invalid zone size \"{}\"", show(&a));
                c.report(Code::InvalidValue, h, h.span(i), msg);
                return;
            };
            if size < 8 * PAGESIZE {
                let msg = format!("zone \"{}\" is too small", show(&a));
                c.report(Code::InvalidValue, h, h.span(i), msg);
                return;
            }
            zone = Some((z[..colon].to_vec(), size, i));
            continue;
        }
        if req {
            if let Some(r) = a.strip_prefix(b"rate=") {
                let r = r
                    .strip_suffix(b"r/s")
                    .or_else(|| r.strip_suffix(b"r/m"))
                    .unwrap_or(r);
                if parse_digits(r).is_none_or(|n| n == 0) {
                    let msg = format!("invalid rate \"{}\"", show(&a));
                    c.report(Code::InvalidValue, h, h.span(i), msg);
                    return;
                }
                continue;
            }
        }
        let msg = format!("invalid parameter \"{}\"", show(&a));
        c.report(Code::InvalidValue, h, h.span(i), msg);
        return;
    }
    let Some((name, size, i)) = zone else {
        let msg = format!("\"{}\" must have \"zone\" parameter", h.name());
        c.report(Code::MissingDefinition, h, h.d.name.span, msg);
        return;
    };
    let tag = zone_tag(handler);
    if !c.shared_memory(h, i, &name, size, tag) {
        return;
    }
    if let Some(z) = c.http.zones.iter_mut().find(|z| z.name == name) {
        if z.bound {
            let msg = format!(
                "{} \"{}\" is already bound to key \"{}\"",
                h.name(),
                show(&name),
                show(&h.arg(0))
            );
            c.report(Code::Duplicate, h, h.span(i), msg);
            return;
        }
        z.bound = true;
    }
}

/// The module a shared memory zone belongs to (nginx's zone tag): the stream module's
/// `limit_conn` zones are not http's.
fn zone_tag(handler: &str) -> &'static str {
    if handler.starts_with("ngx_stream_") {
        "stream_limit_conn"
    } else if handler.contains("limit_req") {
        "limit_req"
    } else {
        "limit_conn"
    }
}

/// `limit_req` / `limit_conn`.
fn limit(c: &mut Checker, h: &Here<'_>, handler: &'static str) {
    let req = handler == "ngx_http_limit_req";
    let tag = zone_tag(handler);
    if req {
        let mut zone = None;
        for i in 0..h.nargs() {
            let a = h.arg(i);
            if let Some(z) = a.strip_prefix(b"zone=") {
                if !c.shared_memory(h, i, z, 0, tag) {
                    return;
                }
                zone = Some(z.to_vec());
            } else if let Some(n) = a.strip_prefix(b"burst=") {
                if parse_digits(n).is_none_or(|n| n == 0) {
                    let msg = format!("invalid burst value \"{}\"", show(&a));
                    c.report(Code::InvalidValue, h, h.span(i), msg);
                    return;
                }
            } else if let Some(n) = a.strip_prefix(b"delay=") {
                if parse_digits(n).is_none_or(|n| n == 0) {
                    let msg = format!("invalid delay value \"{}\"", show(&a));
                    c.report(Code::InvalidValue, h, h.span(i), msg);
                    return;
                }
            } else if cstr(&a) != b"nodelay" {
                let msg = format!("invalid parameter \"{}\"", show(&a));
                c.report(Code::InvalidValue, h, h.span(i), msg);
                return;
            }
        }
        let Some(zone) = zone else {
            let msg = format!("\"{}\" must have \"zone\" parameter", h.name());
            c.report(Code::MissingDefinition, h, h.d.name.span, msg);
            return;
        };
        if !c.mark_zone(&zone) {
            c.directive_error(Code::Duplicate, h, h.d.name.span, "is duplicate");
        }
    } else {
        let zone = h.arg(0).into_owned();
        if !c.shared_memory(h, 0, &zone, 0, tag) {
            return;
        }
        let n = h.arg(1);
        match parse_digits(&n) {
            Some(0) | None => {
                let msg = format!("invalid number of connections \"{}\"", show(&n));
                c.report(Code::InvalidValue, h, h.span(1), msg);
                return;
            }
            Some(k) if k > 65535 => {
                let msg = "connection limit must be less 65536".to_string();
                c.report(Code::InvalidValue, h, h.span(1), msg);
                return;
            }
            _ => {}
        }
        if !c.mark_zone(&zone) {
            c.directive_error(Code::Duplicate, h, h.d.name.span, "is duplicate");
        }
    }
}

/// `map`, `geo` (two arguments), `split_clients`: the source value and the variable defined.
fn entries_block(c: &mut Checker, h: &Here<'_>, source: usize, var: usize) {
    let name = h.arg(var);
    if !c.uses(h, source, &h.arg(source), true) {
        return;
    }
    if name.first() != Some(&b'$') {
        let msg = format!("invalid variable name \"{}\"", show(&name));
        c.report(Code::InvalidValue, h, h.span(var), msg);
        return;
    }
    if !c.add_variable(h, var, &name[1..]) {
        return;
    }
    c.pending.entries = Some(Box::default());
}

/// A statement of an entries block.
pub(super) fn block_entry(c: &mut Checker, h: &Here<'_>) {
    let Some(ctx) = c.frame().ctx else { return };
    match ctx {
        Context::Map | Context::StreamMap => map_entry(c, h),
        Context::SplitClients | Context::StreamSplitClients => split_entry(c, h),
        Context::Types => types_entry(c, h),
        Context::Geo | Context::StreamGeo => geo_entry(c, h),
        _ => {}
    }
}

fn map_entry(c: &mut Checker, h: &Here<'_>) {
    let n = h.d.args.len() + 1;
    let key = h.d.name.value(h.src).into_owned();
    if n == 1 && (cstr(&key) == b"hostnames" || cstr(&key) == b"volatile") {
        if cstr(&key) == b"hostnames" {
            if let Some(e) = c.frame().block.entries.as_mut() {
                e.hostnames = true;
            }
        }
        return;
    }
    if n != 2 {
        c.report(
            Code::InvalidValue,
            h,
            h.d.head_span(),
            "invalid number of the map parameters",
        );
        return;
    }
    if cstr(&key) == b"include" {
        return;
    }
    let value = h.arg(0);
    if !c.uses(h, 0, &value, true) {
        return;
    }
    if cstr(&key) == b"default" {
        let e = c.frame().block.entries.get_or_insert_with(Default::default);
        let again = std::mem::replace(&mut e.default, true);
        if again {
            c.report(
                Code::Duplicate,
                h,
                h.d.name.span,
                "duplicate default map parameter",
            );
        }
        return;
    }
    if let Some(pattern) = key.strip_prefix(b"~") {
        let (pattern, caseless) = match pattern.strip_prefix(b"*") {
            Some(p) => (p, true),
            None => (pattern, false),
        };
        c.regex(h, h.d.name.span, pattern, caseless);
        return;
    }
    let k = key.strip_prefix(b"\\").unwrap_or(&key).to_ascii_lowercase();
    let e = c.frame().block.entries.get_or_insert_with(Default::default);
    if e.hostnames {
        // Wildcard keys are normalised by ngx_hash_add_key; only exact repeats are compared here.
        if k.starts_with(b"*.") || k.starts_with(b".") || k.ends_with(b".*") {
            return;
        }
    }
    if !e.keys.insert(k.clone()) {
        // ngx_hash_add_key lowercases the key in place before nginx prints it.
        let msg = format!("conflicting parameter \"{}\"", show(&k));
        c.report(Code::Duplicate, h, h.d.name.span, msg);
    }
}

fn split_entry(c: &mut Checker, h: &Here<'_>) {
    let key = h.d.name.value(h.src).into_owned();
    let pct = if key == b"*" {
        None
    } else {
        let ok = key.last() == Some(&b'%');
        let n = if ok {
            atofp(&key[..key.len() - 1], 2)
        } else {
            None
        };
        match n.filter(|&n| n > 0) {
            Some(n) => Some(n),
            None => {
                let msg = format!("invalid percent value \"{}\"", show(&key));
                c.report(Code::InvalidValue, h, h.d.name.span, msg);
                return;
            }
        }
    };
    let e = c.frame().block.entries.get_or_insert_with(Default::default);
    match pct {
        Some(p) => e.percent += p,
        None => e.star = true,
    }
}

/// `ngx_atofp`: a decimal with at most `point` digits after the dot, scaled by 10^point.
fn atofp(b: &[u8], point: u32) -> Option<u64> {
    if b.is_empty() {
        return None;
    }
    let (mut value, mut dot, mut point) = (0u64, false, point);
    for &ch in b {
        if point == 0 {
            return None;
        }
        if ch == b'.' {
            if dot {
                return None;
            }
            dot = true;
            continue;
        }
        if !ch.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(ch - b'0'))?;
        if dot {
            point -= 1;
        }
    }
    for _ in 0..point {
        value = value.checked_mul(10)?;
    }
    Some(value)
}

/// `ngx_http_types_slot` (`gzip_types`, `ssi_types`, `sub_filter_types`, `addition_types`,
/// `charset_types`, `xslt_types`): one list per directive and block, which the block's lines of
/// that directive fill in turn, starting from the module's default (`text/html`; `xslt_types` has
/// its own, not asked here). A type already there is warned about and skipped; after `*` nginx
/// reads no more of them.
fn types_slot(c: &mut Checker, h: &Here<'_>) {
    let name = h.name().into_owned();
    let list = &mut c.frame().block.mime_types;
    let at = match list.iter().position(|(n, _)| *n == name) {
        Some(at) => at,
        None => {
            let defaults = if name == "xslt_types" {
                Vec::new()
            } else {
                vec![b"text/html".to_vec()]
            };
            list.push((name, Some(defaults)));
            list.len() - 1
        }
    };
    for i in 0..h.d.args.len() {
        let ty = h.arg(i).to_ascii_lowercase();
        let Some(types) = c.frame().block.mime_types[at].1.as_mut() else {
            return;
        };
        if ty == b"*" {
            c.frame().block.mime_types[at].1 = None;
            return;
        }
        if types.contains(&ty) {
            let msg = format!("duplicate MIME type \"{}\"", show(&ty));
            c.report(Code::Warning, h, h.span(i), msg);
        } else {
            types.push(ty);
        }
    }
}

fn types_entry(c: &mut Checker, h: &Here<'_>) {
    let ty = h.d.name.value(h.src).into_owned();
    if cstr(&ty) == b"include" {
        return;
    }
    for i in 0..h.d.args.len() {
        let ext = h.arg(i).to_ascii_lowercase();
        // nginx keeps one table per context (`clcf->types`): every `types` block of an http,
        // server or location block (an included `mime.types` too) adds to it.
        let e = c
            .types_context()
            .block
            .entries
            .get_or_insert_with(Default::default);
        // ngx_http_core_type: the later type replaces the earlier one, with a warning.
        if let Some(old) = e.types.insert(ext.clone(), ty.clone()) {
            let msg = format!(
                "duplicate extension \"{}\", content type: \"{}\", previous content type: \"{}\"",
                show(&ext),
                show(&ty),
                show(&old)
            );
            c.report(Code::Warning, h, h.span(i), msg);
        }
    }
}

/// A statement of a `geo` block (`ngx_http_geo`, `ngx_stream_geo`): the parameters, then a
/// network (`ngx_ptocidr`) or, after `ranges`, an address range. The stream module's `geo` has no
/// `proxy` or `proxy_recursive`.
fn geo_entry(c: &mut Checker, h: &Here<'_>) {
    let stream = c.frame().ctx == Some(Context::StreamGeo);
    let key = h.d.name.value(h.src).into_owned();
    let e = c.frame().block.entries.get_or_insert_with(Default::default);
    let (ranges, tree) = (e.geo_ranges, e.geo_tree);
    if h.d.args.is_empty() {
        if cstr(&key) == b"ranges" {
            if tree {
                let msg =
                    "the \"ranges\" directive must be the first directive inside \"geo\" block";
                c.report(Code::Misplaced, h, h.d.name.span, msg);
                return;
            }
            if let Some(e) = c.frame().block.entries.as_mut() {
                e.geo_ranges = true;
            }
            return;
        }
        if !stream && cstr(&key) == b"proxy_recursive" {
            return;
        }
        // 1.29.3: the variable is not cached for the request.
        if cstr(&key) == b"volatile" && c.version() >= (1, 29, 3) {
            return;
        }
    }
    if h.d.args.len() != 1 {
        c.report(
            Code::InvalidValue,
            h,
            h.d.name.span,
            "invalid number of the geo parameters",
        );
        return;
    }
    let value = h.arg(0);
    if cstr(&key) == b"include" {
        return;
    }
    if !stream && cstr(&key) == b"proxy" {
        geo_network(c, h, &value, h.span(0));
        return;
    }
    if cstr(&key) == b"default" {
        if !ranges {
            if let Some(e) = c.frame().block.entries.as_mut() {
                e.geo_tree = true;
            }
            // `default` is 0.0.0.0/0 and ::/0: nginx warns for each node that held a value,
            // the same line twice when both held the same one; it is one finding.
            let v4 = geo_add(c, h, (false, [0; 16], 0), &key, &value, None);
            geo_add(c, h, (true, [0; 16], 0), &key, &value, v4.as_deref());
        }
        return;
    }
    let (net, span) = if cstr(&key) == b"delete" {
        (value.to_vec(), h.span(0))
    } else {
        (key.clone(), h.d.name.span)
    };
    if ranges {
        // ngx_http_geo_range: two IPv4 addresses joined by `-`, the first not above the second.
        let bytes = cstr(&net);
        let valid = bytes.iter().position(|&b| b == b'-').is_some_and(|dash| {
            match (
                inet_addr_checked(&bytes[..dash]),
                inet_addr_checked(&bytes[dash + 1..]),
            ) {
                (Some(start), Some(end)) => u32::from(start) <= u32::from(end),
                _ => false,
            }
        });
        if !valid {
            let msg = format!("invalid range \"{}\"", show(&net));
            c.report(Code::InvalidValue, h, span, msg);
        }
        return;
    }
    if let Some(e) = c.frame().block.entries.as_mut() {
        e.geo_tree = true;
    }
    if !geo_network(c, h, &net, span) {
        return;
    }
    let Some(node) = geo_key(&net) else { return };
    if cstr(&key) == b"delete" {
        // ngx_radix32tree_delete: only a node that holds a value is removed.
        let e = c.frame().block.entries.get_or_insert_with(Default::default);
        if e.geo_nets.remove(&node).is_none() && !preallocated_leaf(&e.geo_nets, node) {
            let msg = format!("no network \"{}\" to delete", show(&net));
            c.report(Code::Warning, h, span, msg);
        }
        return;
    }
    geo_add(c, h, node, &net, &value, None);
}

/// ngx_http_geo_cidr_add: a network given a value twice keeps the last, with nginx's warning
/// (not repeated when it is `told` already). The value the node held, if any.
fn geo_add(
    c: &mut Checker,
    h: &Here<'_>,
    node: GeoKey,
    net: &[u8],
    value: &[u8],
    told: Option<&[u8]>,
) -> Option<Vec<u8>> {
    let e = c.frame().block.entries.get_or_insert_with(Default::default);
    if let std::collections::hash_map::Entry::Vacant(v) = e.geo_nets.entry(node) {
        v.insert(value.to_vec());
        return None;
    }
    // nginx names the value `ngx_radix32tree_find` gives for the network's address: the most
    // specific network holding it, which may be a longer one than this.
    let (v6, addr, _) = node;
    let old = e
        .geo_nets
        .iter()
        .filter(|((f, a, len), _)| *f == v6 && *a == mask(addr, *len))
        .max_by_key(|((_, _, len), _)| *len)
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    e.geo_nets.insert(node, value.to_vec());
    if told != Some(&old[..]) {
        let msg = format!(
            "duplicate network \"{}\", value: \"{}\", old value: \"{}\"",
            show(net),
            show(value),
            show(&old)
        );
        c.report(Code::Warning, h, h.d.name.span, msg);
    }
    Some(old)
}

/// `addr` with the bits below a prefix of `len` cleared.
fn mask(mut addr: [u8; 16], len: u8) -> [u8; 16] {
    for (i, b) in addr.iter_mut().enumerate() {
        let keep = u32::from(len).saturating_sub(i as u32 * 8).min(8);
        *b &= if keep == 0 { 0 } else { 0xffu8 << (8 - keep) };
    }
    addr
}

/// Whether deleting `node`, which holds no value, is still silent: `ngx_radix_tree_create`
/// builds the first six levels of both trees ahead (a page of 32-byte nodes on amd64), and
/// deleting a leaf succeeds whatever it holds, so a /6 network with nothing added under it is
/// deleted without a word.
fn preallocated_leaf(nets: &crate::hash::FastMap<GeoKey, Vec<u8>>, node: GeoKey) -> bool {
    const PREALLOCATED: u8 = 6;
    let (v6, addr, len) = node;
    len == PREALLOCATED
        && !nets
            .keys()
            .any(|(f, a, l)| *f == v6 && *l > len && mask(*a, len) == addr)
}

/// The radix tree node of a valid geo network (`ngx_http_geo_cidr_value`: `255.255.255.255` is
/// that host, which `ngx_ptocidr` itself refuses).
fn geo_key(net: &[u8]) -> Option<GeoKey> {
    let mut addr = [0u8; 16];
    if cstr(net) == b"255.255.255.255" {
        addr[..4].copy_from_slice(&[255; 4]);
        return Some((false, addr, 32));
    }
    let (host, bits) = match net.iter().position(|&b| b == b'/') {
        Some(i) => (&net[..i], Some(&net[i + 1..])),
        None => (net, None),
    };
    let (v6, max) = if let Some(ip) = inet_addr_checked(host) {
        addr[..4].copy_from_slice(&ip.octets());
        (false, 32u8)
    } else {
        let ip: std::net::Ipv6Addr = std::str::from_utf8(host).ok()?.parse().ok()?;
        addr.copy_from_slice(&ip.octets());
        (true, 128u8)
    };
    let prefix = match bits {
        Some(b) => u8::try_from(parse_digits(b)?).ok().filter(|&n| n <= max)?,
        None => max,
    };
    Some((v6, mask(addr, prefix), prefix))
}

/// `ngx_http_geo_cidr_value`: a network as `ngx_ptocidr` reads it (`255.255.255.255` aside);
/// false when nginx refuses it.
fn geo_network(c: &mut Checker, h: &Here<'_>, net: &[u8], span: Span) -> bool {
    if cstr(net) == b"255.255.255.255" {
        return true;
    }
    match ptocidr(net) {
        Cidr::Invalid => {
            let msg = format!("invalid network \"{}\"", show(net));
            c.report(Code::InvalidValue, h, span, msg);
            false
        }
        Cidr::LowBits => {
            let msg = format!("low address bits of {} are meaningless", show(net));
            c.report(Code::Warning, h, span, msg);
            true
        }
        Cidr::Ok => true,
    }
}

/// A block was entered. The `stream` block has upstreams, log formats and variables of its own: http's are put
/// aside while it is read (shared memory zones are the cycle's and stay).
pub(super) fn entered(c: &mut Checker, _h: &Here<'_>, child: Context) {
    if child == Context::Stream {
        let mut http = std::mem::take(&mut c.http);
        c.http.zones = std::mem::take(&mut http.zones);
        c.http.events = http.events;
        let mut vars = super::vars::Vars::for_stream();
        vars.whole = c.vars.whole;
        vars.template = c.vars.template;
        let outer = std::mem::replace(&mut c.vars, vars);
        // Values already read gave their variables' uses to http's table, not stream's.
        let read = std::mem::take(&mut c.read_values);
        c.stashed = Some(Box::new((http, outer, read)));
    }
}

/// The end of the `stream` block: its checks, then http's namespaces back.
fn stream_left(c: &mut Checker) {
    let refused = super::stream::end(c);
    if !refused && c.whole {
        c.check_variables();
    }
    if let Some(stashed) = c.stashed.take() {
        let (mut http, vars, read) = *stashed;
        http.zones = std::mem::take(&mut c.http.zones);
        http.events |= c.http.events;
        c.http = http;
        c.vars = vars;
        c.read_values = read;
    }
}

/// A block ends.
pub(super) fn left(c: &mut Checker, h: &Here<'_>, child: Context) {
    let close =
        h.d.block
            .as_ref()
            .and_then(|b| b.close)
            .unwrap_or_else(|| h.at());
    match child {
        Context::HttpUpstream | Context::StreamUpstream => {
            let servers = c.frame().block.ups.as_ref().map(|u| u.servers);
            // An empty group with a shared-memory `zone` is NGINX Plus's, filled through its API
            // or a `state` file; nginx refuses it, but only a whole configuration says which
            // nginx it is for (a `conf.d` file of the NGINX Plus demos is such a group).
            let plus = !c.whole
                && h.d.block.as_ref().is_some_and(|b| {
                    b.children
                        .iter()
                        .any(|s| s.block.is_none() && s.is(h.src, "zone"))
                });
            if servers == Some(0) && !plus {
                let span = Span::new(close as usize, close as usize + 1);
                c.report_at(
                    Code::MissingDefinition,
                    h.file,
                    span,
                    Some(close),
                    "no servers are inside upstream",
                );
            }
        }
        Context::SplitClients | Context::StreamSplitClients => {
            let over = c
                .frame()
                .block
                .entries
                .as_ref()
                .is_some_and(|e| e.percent > 10000);
            if over {
                let span = Span::new(close as usize, close as usize + 1);
                c.report_at(
                    Code::InvalidValue,
                    h.file,
                    span,
                    Some(close),
                    "percent total is greater than 100%",
                );
            }
        }
        Context::HttpServer | Context::HttpLocation if c.frame().block.referer => {
            let b = &mut c.frame().block;
            let check = RefererCheck {
                server: b.server.unwrap_or(usize::MAX),
                location: child == Context::HttpLocation,
                keys: std::mem::take(&mut b.referers),
                server_names: b.referer_server_names,
                none: b.referer_none,
            };
            b.referer = false;
            c.http.referer_checks.push(check);
            // The block's other checks.
            left(c, h, child);
        }
        Context::HttpServer => {
            // Locations of the server: duplicates (ngx_http_join_exact_locations) are reported
            // when http ends; keep them for then.
            let locs = std::mem::take(&mut c.frame().block.locations);
            c.done_locations.push(locs);
            let b = &c.frame().block;
            let (certs, keys, ssl_on, reject, idx) =
                (b.certs.clone(), b.keys, b.ssl_on, b.reject, b.server);
            let client_certs = b.client_certs;
            if let Some(s) = idx.and_then(|i| c.http.servers.get_mut(i)) {
                s.own_certs = certs;
                s.own_keys = keys;
                s.ssl_on = ssl_on;
                s.reject = reject;
                s.client_certs = client_certs;
            }
        }
        Context::HttpLocation => {
            let locs = std::mem::take(&mut c.frame().block.locations);
            if !locs.is_empty() {
                c.done_locations.push(locs);
            }
        }
        Context::Http => http_end(c, h),
        Context::StreamServer => super::stream::server_end(c),
        Context::Stream => stream_left(c),
        Context::MailServer => super::mail::server_end(c),
        Context::Mail => super::mail::end(c),
        _ => {}
    }
}

/// `ngx_http_ssl_init` / `ngx_stream_ssl_init` for one TLS address: the server that needs a
/// certificate and has none — its default server, or when that one rejects handshakes the first
/// other server that neither has one nor rejects them. `tls(server)`: whether the server has a
/// certificate, and whether it rejects handshakes.
pub(super) fn server_without_certificate(
    a: &Addr,
    tls: impl Fn(usize) -> Option<(bool, bool)>,
) -> Option<usize> {
    let (certs, reject) = tls(a.default_server)?;
    if certs {
        return None;
    }
    if !reject {
        return Some(a.default_server);
    }
    a.servers
        .iter()
        .copied()
        .find(|&s| tls(s).is_some_and(|(c, r)| !c && !r))
}

/// What nginx checks when the `http` block ends (`ngx_http_block` after `ngx_conf_parse`).
fn http_end(c: &mut Checker, h: &Here<'_>) {
    // ngx_http_ssl_merge_srv_conf, per server: a key for every certificate.
    let (hc, hk, hs, hr) = {
        let b = &c.frame().block;
        (b.certs.clone(), b.keys, b.ssl_on, b.reject)
    };
    // A client certificate check needs the CAs to check against (before 1.27.2 only
    // `ssl_client_certificate` names them; from 1.27.2 `ssl_trusted_certificate` does too), in
    // every server with a certificate; `optional_no_ca` needs none. nginx names no line.
    let http_client = c.frame().block.client_certs;
    let trusted_counts = c.version >= TRUSTED_CAS;
    let unchecked: Vec<(FileId, Span, &str)> = c
        .http
        .servers
        .iter()
        .filter(|s| {
            let certs = s
                .own_certs
                .as_ref()
                .or(hc.as_ref())
                .is_some_and(|v| !v.is_empty());
            certs || s.reject.or(hr).unwrap_or(false)
        })
        .filter_map(|s| s.client_certs.over(http_client).unchecked(trusted_counts))
        .collect();
    if let Some(&(file, span, msg)) = unchecked.first() {
        // nginx stops at the first server it merges.
        c.report_at(Code::MissingDefinition, file, span, None, msg);
    }
    let mut effective: Vec<(Vec<Vec<u8>>, bool)> = Vec::new();
    let servers: Vec<ServerSsl> = c
        .http
        .servers
        .iter()
        .map(|s| (s.own_certs.clone(), s.own_keys, s.ssl_on, s.reject))
        .collect();
    for (certs, keys, ssl_on, reject) in servers {
        let certs = certs.or_else(|| hc.clone()).unwrap_or_default();
        let keys = keys.or(hk).unwrap_or(0);
        let ssl_on = ssl_on.or(hs);
        let reject = reject.or(hr).unwrap_or(false);
        effective.push((certs.clone(), reject));
        if let Some((file, at)) = ssl_on {
            let span = Span::new(at as usize, at as usize);
            if certs.is_empty() {
                if !reject {
                    c.report_at(
                        Code::MissingDefinition,
                        file,
                        span,
                        Some(at),
                        "no \"ssl_certificate\" is defined for the \"ssl\" directive",
                    );
                }
            } else if keys < certs.len() {
                let msg = if keys == 0 {
                    "no \"ssl_certificate_key\" is defined for the \"ssl\" directive".to_string()
                } else {
                    format!(
                        "no \"ssl_certificate_key\" is defined for certificate \"{}\" and the \"ssl\" directive",
                        super::path_token(certs.last().map(Vec::as_slice).unwrap_or_default())
                    )
                };
                c.report_at(Code::MissingDefinition, file, span, Some(at), msg);
            }
        } else if !certs.is_empty() && keys < certs.len() {
            let msg = format!(
                "no \"ssl_certificate_key\" is defined for certificate \"{}\"",
                super::path_token(certs.last().map(Vec::as_slice).unwrap_or_default())
            );
            c.report_at(Code::MissingDefinition, h.file, h.d.name.span, None, msg);
        }
    }
    // ngx_http_init_static_location_trees: duplicate exact or prefix locations.
    let groups = std::mem::take(&mut c.done_locations);
    for locs in groups {
        let mut sorted: Vec<&LocRec> = locs.iter().collect();
        sorted.sort_by(|a, b| a.name.cmp(&b.name));
        for w in sorted.windows(2) {
            let (a, b) = (w[0], w[1]);
            if a.name == b.name && ((a.exact && b.exact) || (a.inclusive && b.inclusive)) {
                let (first, second) = if a.at <= b.at { (a, b) } else { (b, a) };
                let _ = first;
                let msg = format!("duplicate location \"{}\"", show(&second.name));
                c.report_at(
                    Code::Duplicate,
                    second.file,
                    second.span,
                    Some(second.at),
                    msg,
                );
                // nginx stops there: nothing in the duplicate is judged by the rules.
                c.refused.push((second.file, second.whole));
            }
        }
    }
    // ngx_http_ssl_init: the default server of an address with `listen ... ssl` needs a
    // certificate.
    let mut ports: Vec<&str> = Vec::new();
    for a in &c.http.addrs {
        let port = a.text.rsplit(':').next().unwrap_or("");
        if !ports.contains(&port) {
            ports.push(port);
        }
    }
    let mut missing: Vec<usize> = Vec::new();
    for port in &ports {
        for a in c
            .http
            .addrs
            .iter()
            .filter(|a| a.ssl && a.text.rsplit(':').next() == Some(*port))
        {
            let tls = |s: usize| effective.get(s).map(|(c, r)| (!c.is_empty(), *r));
            missing.extend(server_without_certificate(a, tls));
        }
    }
    for s in missing {
        let Some(server) = c.http.servers.get(s) else {
            continue;
        };
        let (Some(file), at) = (server.file, server.at) else {
            continue;
        };
        c.report_at_offset(
            Code::MissingDefinition,
            file,
            at,
            "no \"ssl_certificate\" is defined for the \"listen ... ssl\" directive",
        );
    }
    let close =
        h.d.block
            .as_ref()
            .and_then(|b| b.close)
            .unwrap_or_else(|| h.at());
    referer_server_names(c, h, close);
    if c.whole {
        c.check_variables();
    }
    // ngx_http_optimize_servers: server names shared by servers on one address.
    let servers = std::mem::take(&mut c.http.servers);
    let default_addr = ["0.0.0.0:80".to_string()];
    let mut on_addr: Vec<(&str, Vec<usize>)> = Vec::new();
    let mut addr_index: crate::hash::FastMap<&str, usize> = Default::default();
    for (i, s) in servers.iter().enumerate() {
        let addrs: &[String] = if s.listens.is_empty() {
            &default_addr
        } else {
            &s.listens
        };
        for a in addrs {
            let k = *addr_index.entry(a.as_str()).or_insert_with(|| {
                on_addr.push((a.as_str(), Vec::new()));
                on_addr.len() - 1
            });
            if on_addr[k].1.last() != Some(&i) {
                on_addr[k].1.push(i);
            }
        }
    }
    let mut conflicts = Vec::new();
    for (a, list) in on_addr.iter().filter(|(_, l)| l.len() > 1) {
        let names = list.iter().flat_map(|&i| {
            let s = &servers[i];
            let implicit = s.file.filter(|_| !s.named).map(|f| {
                let at = Span::new(s.at as usize, s.at as usize);
                (&b""[..], f, at)
            });
            s.names
                .iter()
                .map(|(n, f, span, _)| (n.as_slice(), *f, *span))
                .chain(implicit)
        });
        server_name_conflicts(a, names, &mut conflicts);
    }
    for (msg, file, span) in conflicts {
        // ngx_http_server_names logs it without a place.
        c.report_at(Code::Warning, file, span, None, msg);
    }
}

/// An `include` in a server (http or stream).
pub(super) fn server_include(c: &mut Checker, ctx: Context) {
    let Some(s) = c.frame().block.server else {
        return;
    };
    if ctx == Context::StreamServer {
        super::stream::named(c, s);
    } else if let Some(server) = c.http.servers.get_mut(s) {
        server.named = true;
    }
}

/// `ngx_http_server_names` (and stream's): the names of the servers on one address, in order,
/// go into one hash; a name there already is nginx's warning, even from the same server
/// (`$hostname`, the machine's name, is unknown here and left out).
pub(super) fn server_name_conflicts<'n>(
    addr: &str,
    names: impl Iterator<Item = (&'n [u8], FileId, Span)>,
    out: &mut Vec<(String, FileId, Span)>,
) {
    let mut seen: crate::hash::FastSet<&[u8]> = Default::default();
    for (name, file, span) in names {
        if name.starts_with(b"\x00") {
            continue;
        }
        if !seen.insert(name) {
            let msg = format!(
                "conflicting server name \"{}\" on {addr}, ignored",
                show(name)
            );
            out.push((msg, file, span));
        }
    }
}

/// The whole configuration was read (`ngx_init_cycle`).
pub(super) fn end_main(c: &mut Checker, main: FileId, len: u32) {
    if !c.http.events {
        c.report_at(
            Code::MissingDefinition,
            main,
            Span::new(0, 0),
            None,
            "no \"events\" section in configuration",
        );
        let _ = len;
    }
    let zones: Vec<(FileId, Span, Vec<u8>)> = c
        .http
        .zones
        .iter()
        .filter(|z| z.size == 0)
        .map(|z| (z.file, z.span, z.name.clone()))
        .collect();
    for (file, span, name) in zones {
        let msg = format!("zero size shared memory zone \"{}\"", show(&name));
        c.report_at(Code::MissingDefinition, file, span, None, msg);
    }
}

impl Checker {
    /// Compiles a regex; reports nginx's message and returns false when PCRE2 refuses it.
    /// Named captures define variables.
    pub(crate) fn regex(
        &mut self,
        h: &Here<'_>,
        span: Span,
        pattern: &[u8],
        caseless: bool,
    ) -> bool {
        // Most patterns compile and name no captures: nothing to copy out of the cache then.
        match self.regexes.compile(pattern, caseless) {
            Compiled::Ok { names, .. } if names.is_empty() => true,
            Compiled::Unchecked => true,
            Compiled::Err(msg) => {
                let msg = msg.clone();
                self.report(Code::InvalidRegex, h, span, msg);
                false
            }
            Compiled::Ok { names, .. } => {
                for n in names.clone() {
                    if !self.add_variable(h, 0, n.as_bytes()) {
                        return false;
                    }
                }
                true
            }
        }
    }

    /// Records the variables of argument `i`'s value `v` (a value nginx compiles); reports
    /// nginx's error and returns false when it cannot read them.
    pub(crate) fn uses(&mut self, h: &Here<'_>, i: usize, v: &[u8], captures: bool) -> bool {
        if memchr::memchr(b'$', v).is_none() {
            return true;
        }
        // Configurations repeat a few values thousands of times (`$uri $uri/ =404`,
        // `$host`): a value read without error already gave its variables' first uses.
        if self.read_values.contains(v) {
            return true;
        }
        let mut refs = std::mem::take(&mut self.refs);
        refs.clear();
        let ok = match script::variables(v, captures, &mut refs) {
            Err(e) => {
                self.report(Code::InvalidValue, h, h.span(i), e.message());
                false
            }
            Ok(()) => {
                for &r in &refs {
                    self.use_ref(h, i, v, r);
                }
                if captures {
                    self.read_values.insert(v.to_vec());
                }
                true
            }
        };
        self.refs = refs;
        ok
    }

    /// Records the use of variable `r` of argument `i`'s value `v`, pointing at it in the
    /// argument as written when the bytes map one to one (no escapes).
    pub(crate) fn use_ref(&mut self, h: &Here<'_>, i: usize, v: &[u8], r: VarRef) {
        if !self.whole {
            return;
        }
        // `v` is the argument's bytes in the file, or a part of them, when nothing was
        // unescaped: its address says where it stands.
        let base = h.d.args.get(i).filter(|w| !w.escaped).and_then(|w| {
            let raw = w.raw(h.src);
            let off = (v.as_ptr() as usize).checked_sub(raw.as_ptr() as usize)?;
            (off + v.len() <= raw.len()).then(|| w.inner().start as usize + off)
        });
        let span = match base {
            Some(b) => Span::new(b + r.whole.0, b + r.whole.1),
            None => h.span(i),
        };
        self.vars.use_var(&v[r.start..r.end], h.file, span);
    }

    /// Records one variable use.
    pub(crate) fn use_name(&mut self, h: &Here<'_>, i: usize, name: &[u8]) {
        if !self.whole {
            return;
        }
        self.vars.use_var(name, h.file, h.span(i));
    }

    /// `ngx_http_add_variable` with `NGX_HTTP_VAR_CHANGEABLE`: a built-in that may not be
    /// redefined is `the duplicate "x" variable`.
    pub(crate) fn add_variable(&mut self, h: &Here<'_>, i: usize, name: &[u8]) -> bool {
        if name.is_empty() {
            self.report(
                Code::InvalidValue,
                h,
                h.span(i),
                "invalid variable name \"$\"",
            );
            return false;
        }
        if self.vars.fixed_builtin(name, self.version) {
            let msg = format!("the duplicate \"{}\" variable", show(name));
            self.report(Code::Duplicate, h, h.span(i), msg);
            return false;
        }
        self.vars.define(name);
        true
    }

    /// `ngx_shared_memory_add`: a zone of this name must have the same use and size.
    fn shared_memory(
        &mut self,
        h: &Here<'_>,
        i: usize,
        name: &[u8],
        size: u64,
        tag: &'static str,
    ) -> bool {
        if let Some(z) = self.http.zones.iter_mut().find(|z| z.name == name) {
            if z.tag != tag {
                let msg = format!(
                    "the shared memory zone \"{}\" is already declared for a different use",
                    show(name)
                );
                self.report(Code::Duplicate, h, h.span(i), msg);
                return false;
            }
            if z.size == 0 {
                z.size = size;
            }
            if size != 0 && size != z.size {
                let msg = format!(
                    "the size {size} of shared memory zone \"{}\" conflicts with already declared size {}",
                    show(name),
                    z.size
                );
                self.report(Code::Duplicate, h, h.span(i), msg);
                return false;
            }
            return true;
        }
        self.http.zones.push(Zone {
            name: name.to_vec(),
            tag,
            size,
            bound: false,
            file: h.file,
            span: h.span(i),
        });
        true
    }

    /// A zone used by `limit_req`/`limit_conn` in this block: false when already used here.
    fn mark_zone(&mut self, zone: &[u8]) -> bool {
        let f = self.frame();
        if f.zones.iter().any(|z| z == zone) {
            return false;
        }
        f.zones.push(zone.to_vec());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_urls() {
        assert_eq!(parse_listen_url(b"80", 80), Ok(Some("0.0.0.0:80".into())));
        assert_eq!(
            parse_listen_url(b"127.0.0.1:8080", 80),
            Ok(Some("127.0.0.1:8080".into()))
        );
        assert_eq!(
            parse_listen_url(b"*:443", 80),
            Ok(Some("0.0.0.0:443".into()))
        );
        assert_eq!(
            parse_listen_url(b"127.0.0.1", 80),
            Ok(Some("127.0.0.1:80".into()))
        );
        assert_eq!(parse_listen_url(b"[::]:80", 80), Ok(Some("[::]:80".into())));
        assert_eq!(parse_listen_url(b"[::1]", 80), Ok(Some("[::1]:80".into())));
        assert_eq!(
            parse_listen_url(b"unix:/run/x.sock", 80),
            Ok(Some("unix:/run/x.sock".into()))
        );
        assert_eq!(parse_listen_url(b"localhost:80", 80), Ok(None));
        assert_eq!(
            parse_listen_url(b"127.0.0.1:99999", 80),
            Err("invalid port")
        );
        assert_eq!(parse_listen_url(b"127.0.0.1:0", 80), Err("invalid port"));
        assert_eq!(parse_listen_url(b"70000", 80), Err("invalid port"));
        assert_eq!(parse_listen_url(b":80", 80), Err("no host"));
        assert_eq!(parse_listen_url(b"127.0.0.1/x", 80), Err("invalid host"));
        assert_eq!(parse_listen_url(b"[::1", 80), Err("invalid host"));
        assert_eq!(
            parse_listen_url(b"[zz]:80", 80),
            Err("invalid IPv6 address")
        );
        assert_eq!(
            parse_listen_url(b"unix:", 80),
            Err("no path in the unix domain socket")
        );
        // stream has no default port.
        assert_eq!(
            parse_listen_url(b"127.0.0.1", 0),
            Ok(Some("127.0.0.1:0".into()))
        );
        assert_eq!(parse_listen_url(b"[::1]", 0), Ok(Some("[::1]:0".into())));
    }

    #[test]
    fn cidrs() {
        assert_eq!(ptocidr(b"10.0.0.0/8"), Cidr::Ok);
        assert_eq!(ptocidr(b"10.0.0.1/8"), Cidr::LowBits);
        assert_eq!(ptocidr(b"10.0.0.1"), Cidr::Ok);
        assert_eq!(ptocidr(b"::1"), Cidr::Ok);
        assert_eq!(ptocidr(b"2001:db8::/32"), Cidr::Ok);
        assert_eq!(ptocidr(b"10.0.0.0/33"), Cidr::Invalid);
        assert_eq!(ptocidr(b"example.com"), Cidr::Invalid);
        // ngx_inet_addr's failure value.
        assert_eq!(ptocidr(b"255.255.255.255"), Cidr::Invalid);
        assert_eq!(ptocidr(b"255.255.255.255/32"), Cidr::Invalid);
        assert_eq!(ptocidr(b"255.255.255.254/31"), Cidr::Ok);
    }

    #[test]
    fn geo_nodes() {
        let v4 = |a: [u8; 4], p: u8| {
            let mut addr = [0u8; 16];
            addr[..4].copy_from_slice(&a);
            Some((false, addr, p))
        };
        assert_eq!(geo_key(b"10.1.2.3/8"), v4([10, 0, 0, 0], 8));
        assert_eq!(geo_key(b"10.1.2.3"), v4([10, 1, 2, 3], 32));
        assert_eq!(geo_key(b"10.1.2.3"), geo_key(b"10.1.2.3/32"));
        assert_eq!(geo_key(b"255.255.255.255"), v4([255; 4], 32));
        assert_eq!(geo_key(b"255.255.255.255/32"), None);
        assert_eq!(geo_key(b"::1"), geo_key(b"::1/128"));
        assert_ne!(geo_key(b"::/0"), geo_key(b"0.0.0.0/0"));
        assert_eq!(geo_key(b"2001:db8::1/32").map(|k| k.1[4]), Some(0));
        assert_eq!(geo_key(b"10.0.0.0/33"), None);
    }

    #[test]
    fn percents() {
        assert_eq!(atofp(b"50", 2), Some(5000));
        assert_eq!(atofp(b"0.5", 2), Some(50));
        assert_eq!(atofp(b"33.33", 2), Some(3333));
        assert_eq!(atofp(b"1.234", 2), None);
        assert_eq!(atofp(b"x", 2), None);
    }
}
