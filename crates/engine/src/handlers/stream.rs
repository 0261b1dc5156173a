//! The stream module's checks that refuse a configuration: `listen` (`ngx_stream_core_listen`),
//! a `server` without `listen` or without a handler (`ngx_stream_core_server`,
//! `ngx_stream_core_merge_srv_conf`), and TLS (`ngx_stream_ssl_merge_conf` / `_merge_srv_conf`,
//! `ngx_stream_ssl_init`). Written from nginx 1.22.1's sources and 1.27.4's: in 1.25.5 stream
//! servers got `server_name` and `default_server`, the addresses went into a table like http's,
//! and the certificate checks moved from each server's `listen ... ssl` to the default server of
//! each TLS address, as in http.

use super::http::{listen_address, listen_valued, parse_listen_url, Addr, ClientCerts};
use super::{cstr, show, Checker, Code, Here};
use crate::files::FileId;

/// The release that gave stream servers names, `default_server` and http's address table.
const VIRTUAL_SERVERS: (u32, u32, u32) = (1, 25, 5);

/// A `server {}` of the stream block.
#[derive(Debug)]
pub(crate) struct StreamServer {
    /// Where `server {` stands (`cscf->file_name`, `cscf->line`).
    file: FileId,
    at: u32,
    listen: bool,
    /// The last `listen ... ssl` (before 1.25.5 nginx names it when TLS is incomplete).
    ssl_listen: Option<(FileId, u32)>,
    /// `proxy_pass`, `return` or `pass` (or a statement of a module the tables do not know,
    /// which may set a handler too).
    handler: bool,
    /// The server has an `include` (see [`include`]): what it reads (or could not read, a part
    /// of the configuration outside the repository) may hold its `listen` and handler.
    includes: bool,
    certs: Option<Vec<Vec<u8>>>,
    keys: Option<usize>,
    reject: Option<bool>,
    client_certs: ClientCerts,
    /// `server_name`s (1.25.5+): lowercase name, where.
    names: Vec<(Vec<u8>, FileId, nginx_syntax::Span)>,
    /// A `server_name` is written (a server without one is named `""`).
    named: bool,
}

/// The stream block's servers and listen addresses.
#[derive(Debug, Default)]
pub(crate) struct StreamState {
    servers: Vec<StreamServer>,
    /// Before 1.25.5: every address read so far, with `udp`.
    listens: crate::hash::FastSet<(String, bool)>,
    /// From 1.25.5: the addresses as http keeps them, by (address, `udp`).
    addrs: Vec<Addr>,
    /// Whether each of `addrs` is `udp`.
    addr_udp: Vec<bool>,
    addr_index: crate::hash::FastMap<(String, bool), usize>,
}

/// `server {` in `stream`.
pub(super) fn server(c: &mut Checker, h: &Here<'_>) {
    let idx = c.stream.servers.len();
    c.stream.servers.push(StreamServer {
        file: h.file,
        at: h.at(),
        listen: false,
        ssl_listen: None,
        handler: false,
        includes: false,
        certs: None,
        keys: None,
        reject: None,
        client_certs: ClientCerts::default(),
        names: Vec::new(),
        named: false,
    });
    c.pending.server = Some(idx);
}

/// A statement in a stream server: whether it sets the server's handler. `known`: the tables
/// know the directive's handler (nginx's own modules).
pub(super) fn statement(c: &mut Checker, h: &Here<'_>, known: bool) {
    if !known || h.is("proxy_pass") || h.is("return") || h.is("pass") {
        maybe_handler(c);
    }
}

/// A statement in a stream server that may set its handler: one of a module the tables do not
/// know (NGINX Plus's `zone_sync`, the Lua module's `content_by_lua_block`, ...), even one nginx
/// refused as unknown, which a module not loaded here would define.
pub(super) fn maybe_handler(c: &mut Checker) {
    if let Some(s) = c.frame().block.server {
        if let Some(s) = c.stream.servers.get_mut(s) {
            s.handler = true;
        }
    }
}

/// An `include` in a stream server: what it reads may be generated at deploy time (a glob that
/// matches nothing in the repository, a file outside it), so the server's `listen` and handler
/// are not asked for.
pub(super) fn include(c: &mut Checker) {
    if let Some(s) = c.frame().block.server {
        if let Some(s) = c.stream.servers.get_mut(s) {
            s.includes = true;
        }
    }
}

/// The end of a stream `server {}`: `ngx_stream_core_server` wants a `listen`.
pub(super) fn server_end(c: &mut Checker) {
    let b = &mut c.frame().block;
    let (idx, certs, keys, reject, client_certs) =
        (b.server, b.certs.take(), b.keys, b.reject, b.client_certs);
    let Some(s) = idx.and_then(|i| c.stream.servers.get_mut(i)) else {
        return;
    };
    s.certs = certs;
    s.keys = keys;
    s.reject = reject;
    s.client_certs = client_certs;
    if !s.listen && !s.includes {
        let (file, at) = (s.file, s.at);
        c.report_at_offset(
            Code::MissingDefinition,
            file,
            at,
            "no \"listen\" is defined for server",
        );
    }
}

/// `listen` in a stream server.
pub(super) fn listen(c: &mut Checker, h: &Here<'_>) {
    let server = c.frame().block.server;
    if let Some(s) = server.and_then(|i| c.stream.servers.get_mut(i)) {
        s.listen = true;
    }
    let url = h.arg(0);
    // Without a port, stream listens on port 0 (no default port as http's 80).
    let Some(addr) = listen_address(c, h, parse_listen_url(&url, 0)) else {
        return;
    };
    let virtual_servers = c.version() >= VIRTUAL_SERVERS;
    let mut o = Opts::default();
    for i in 1..h.nargs() {
        let a = h.arg(i);
        match cstr(&a) {
            b"default_server" if virtual_servers => o.default = true,
            b"udp" => o.udp = true,
            b"bind" | b"reuseport" => o.set = true,
            b"deferred" if virtual_servers => {
                o.deferred = true;
                o.set = true;
            }
            b"ssl" => o.ssl = true,
            b"proxy_protocol" => o.proxy_protocol = true,
            _ => {
                if let Some((name, refused)) = listen_valued(&a) {
                    o.set = true;
                    match name {
                        "fastopen" => o.fastopen = true,
                        "backlog" => o.backlog = true,
                        "so_keepalive" => o.keepalive = true,
                        _ => {}
                    }
                    if let Some(msg) = refused {
                        c.report(Code::InvalidValue, h, h.span(i), msg);
                        return;
                    }
                } else if virtual_servers && a.starts_with(b"accept_filter=") {
                    // Linux has no SO_ACCEPTFILTER.
                    let msg = format!(
                        "accept filters \"{}\" are not supported on this platform, ignored",
                        show(&a)
                    );
                    c.report(Code::InvalidValue, h, h.span(i), msg);
                    return;
                } else {
                    // `setfib=` is FreeBSD's: on Linux it is an unknown parameter.
                    let msg = if virtual_servers {
                        format!("invalid parameter \"{}\"", show(&a))
                    } else {
                        format!("the invalid \"{}\" parameter", show(&a))
                    };
                    c.report(Code::InvalidValue, h, h.span(i), msg);
                    return;
                }
            }
        }
    }
    if o.udp {
        if let Some(p) = o.udp_conflict(virtual_servers) {
            let what = format!("\"{p}\" parameter is incompatible with \"udp\"");
            c.directive_error(Code::InvalidValue, h, h.span(0), &what);
            return;
        }
    }
    if o.ssl {
        if let Some(s) = server.and_then(|i| c.stream.servers.get_mut(i)) {
            s.ssl_listen = Some((h.file, h.at()));
        }
    }
    // A host name stands for the addresses it resolves to: not compared.
    let Some(text) = addr else { return };
    let Some(server) = server else { return };
    if !virtual_servers {
        // 1.22.1: one address and port per protocol in the whole stream block.
        if !c.stream.listens.insert((text.clone(), o.udp)) {
            let msg = format!("duplicate \"{text}\" address and port pair");
            c.report(Code::Duplicate, h, h.span(0), msg);
        }
        return;
    }
    // ngx_stream_add_addresses, as http's.
    let key = (text, o.udp);
    if let Some(&i) = c.stream.addr_index.get(&key) {
        if let Err(msg) = c.stream.addrs[i].join(server, o.set, o.default, o.ssl) {
            c.report(Code::Duplicate, h, h.span(0), msg);
        }
    } else {
        c.stream
            .addr_index
            .insert(key.clone(), c.stream.addrs.len());
        let (text, udp) = key;
        c.stream
            .addrs
            .push(Addr::new(text, server, o.set, o.default, o.ssl));
        c.stream.addr_udp.push(udp);
    }
}

/// The parameters of one `listen` that matter after the loop.
#[derive(Debug, Default)]
struct Opts {
    udp: bool,
    set: bool,
    default: bool,
    ssl: bool,
    backlog: bool,
    fastopen: bool,
    deferred: bool,
    keepalive: bool,
    proxy_protocol: bool,
}

impl Opts {
    /// The first parameter nginx finds incompatible with `udp`, in its order of checking.
    fn udp_conflict(&self, virtual_servers: bool) -> Option<&'static str> {
        let order: &[(&str, bool)] = if virtual_servers {
            &[
                ("fastopen", self.fastopen),
                ("backlog", self.backlog),
                ("deferred", self.deferred),
                ("ssl", self.ssl),
                ("so_keepalive", self.keepalive),
                ("proxy_protocol", self.proxy_protocol),
            ]
        } else {
            &[
                ("backlog", self.backlog),
                ("ssl", self.ssl),
                ("so_keepalive", self.keepalive),
                ("proxy_protocol", self.proxy_protocol),
                ("fastopen", self.fastopen),
            ]
        };
        order.iter().find(|(_, on)| *on).map(|(p, _)| *p)
    }
}

/// The end of the `stream` block: the servers are merged (the core module's for every server,
/// then the TLS module's), then TLS addresses are checked (from 1.25.5). nginx stops at the first
/// refusal: true when it found one.
pub(super) fn end(c: &mut Checker) -> bool {
    let state = std::mem::take(&mut c.stream);
    let b = &c.frame().block;
    let (main_certs, main_keys, main_reject, main_client) =
        (b.certs.clone(), b.keys, b.reject, b.client_certs);
    // ngx_stream_core_merge_srv_conf: every server needs a handler.
    if let Some(s) = state.servers.iter().find(|s| !s.handler && !s.includes) {
        c.report_at_offset(
            Code::MissingDefinition,
            s.file,
            s.at,
            "no handler for server",
        );
        return true;
    }
    // ngx_stream_upstream_init_main_conf: an upstream a `proxy_pass` names that is no group
    // needs a port.
    if let Some((file, at, msg)) = super::http::stream_upstream_without_port(c) {
        c.report_at_offset(Code::MissingDefinition, file, at, msg);
        return true;
    }
    let v = c.version();
    let virtual_servers = v >= VIRTUAL_SERVERS;
    let trusted_counts = v >= super::http::TRUSTED_CAS;
    let mut effective: Vec<(bool, bool)> = Vec::with_capacity(state.servers.len());
    for s in &state.servers {
        let certs = s.certs.as_ref().or(main_certs.as_ref());
        let ncerts = certs.map_or(0, Vec::len);
        let keys = s.keys.or(main_keys);
        let reject = s.reject.or(main_reject).unwrap_or(false);
        let cc = s.client_certs.over(main_client);
        effective.push((ncerts > 0, reject));
        let last_cert = || {
            super::path_token(
                certs
                    .and_then(|v| v.last())
                    .map(Vec::as_slice)
                    .unwrap_or_default(),
            )
        };
        let refusal: Option<(FileId, u32, String)> = if virtual_servers {
            if ncerts > 0 && keys.unwrap_or(0) < ncerts {
                let msg = format!(
                    "no \"ssl_certificate_key\" is defined for certificate \"{}\"",
                    last_cert()
                );
                Some((s.file, s.at, msg))
            } else {
                None
            }
        } else if let Some((file, at)) = s.ssl_listen {
            if ncerts == 0 {
                Some((
                    file,
                    at,
                    "no \"ssl_certificate\" is defined for the \"listen ... ssl\" directive"
                        .to_string(),
                ))
            } else if keys.is_none() {
                Some((
                    file,
                    at,
                    "no \"ssl_certificate_key\" is defined for the \"listen ... ssl\" directive"
                        .to_string(),
                ))
            } else if keys.unwrap_or(0) < ncerts {
                let msg = format!(
                    "no \"ssl_certificate_key\" is defined for certificate \"{}\" and the \"listen ... ssl\" directive",
                    last_cert()
                );
                Some((file, at, msg))
            } else {
                None
            }
        } else {
            None
        };
        if let Some((file, at, msg)) = refusal {
            c.report_at_offset(Code::MissingDefinition, file, at, msg);
            return true;
        }
        // The client certificate check runs where the server has TLS: a `listen ... ssl`
        // before 1.25.5, a certificate or `ssl_reject_handshake on` from then.
        let tls = if virtual_servers {
            ncerts > 0 || reject
        } else {
            s.ssl_listen.is_some()
        };
        if !tls {
            continue;
        }
        if let Some((file, span, msg)) = cc.unchecked(trusted_counts) {
            c.report_at(Code::MissingDefinition, file, span, None, msg);
            return true;
        }
    }
    if !virtual_servers {
        return false;
    }
    // ngx_stream_ssl_init: the default server of a TLS address needs a certificate, or, when it
    // rejects handshakes, every other server on the address does.
    // Ports in the order nginx made them (by port, protocol and family), addresses in theirs.
    let port_of = |i: usize| {
        let a = &state.addrs[i];
        let family = if a.text.starts_with("unix:") {
            0
        } else if a.text.starts_with('[') {
            6
        } else {
            4
        };
        let port = a.text.rsplit(':').next().unwrap_or("");
        (port, state.addr_udp[i], family)
    };
    let mut ports = Vec::new();
    for i in 0..state.addrs.len() {
        if !ports.contains(&port_of(i)) {
            ports.push(port_of(i));
        }
    }
    for port in &ports {
        for a in (0..state.addrs.len())
            .filter(|&i| state.addrs[i].ssl && port_of(i) == *port)
            .map(|i| &state.addrs[i])
        {
            let missing = super::http::server_without_certificate(a, |s| effective.get(s).copied());
            let Some(s) = missing.and_then(|s| state.servers.get(s)) else {
                continue;
            };
            c.report_at_offset(
                Code::MissingDefinition,
                s.file,
                s.at,
                "no \"ssl_certificate\" is defined for the \"listen ... ssl\" directive",
            );
            return true;
        }
    }
    // ngx_stream_server_names: on an address several servers share, a name taken already is
    // ignored, with a warning that names no place; a server without `server_name` is `""`.
    let mut conflicts = Vec::new();
    for port in &ports {
        for a in (0..state.addrs.len())
            .filter(|&i| port_of(i) == *port)
            .map(|i| &state.addrs[i])
            .filter(|a| a.servers.len() > 1)
        {
            let names = a
                .servers
                .iter()
                .filter_map(|&i| state.servers.get(i))
                .flat_map(|s| {
                    let implicit = (!s.named).then(|| {
                        (
                            &b""[..],
                            s.file,
                            nginx_syntax::Span::new(s.at as usize, s.at as usize),
                        )
                    });
                    s.names
                        .iter()
                        .map(|(n, f, span)| (n.as_slice(), *f, *span))
                        .chain(implicit)
                });
            super::http::server_name_conflicts(&a.text, names, &mut conflicts);
        }
    }
    for (msg, file, span) in conflicts {
        c.report_at(Code::Warning, file, span, None, msg);
    }
    false
}

/// A stream server (index `s`) has a `server_name`.
pub(super) fn named(c: &mut Checker, s: usize) {
    if let Some(s) = c.stream.servers.get_mut(s) {
        s.named = true;
    }
}

/// A name `server_name` gives a stream server (1.25.5+), lowercase; `$hostname` is the
/// machine's, unknown here.
pub(super) fn server_name(c: &mut Checker, name: Vec<u8>, file: FileId, span: nginx_syntax::Span) {
    if let Some(s) = c.frame().block.server {
        if let Some(s) = c.stream.servers.get_mut(s) {
            s.names.push((name, file, span));
        }
    }
}
