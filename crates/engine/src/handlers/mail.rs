//! The mail module's checks that refuse a configuration, from nginx 1.22.1's sources
//! (`src/mail/`) and checked against Debian's nginx with its mail module: `listen`
//! (`ngx_mail_core_listen`: the address, its parameters, an address and port pair given twice in
//! the `mail` block), `protocol` (`ngx_mail_core_protocol`), a `server` without `listen`
//! (`ngx_mail_core_server`), `ssl on` with `starttls` at one level (`ngx_mail_ssl_enable`,
//! `ngx_mail_ssl_starttls`), and when the block ends, in the order nginx merges its modules
//! (core, ssl, then auth_http, as Debian's object lists them): a server whose protocol is unknown
//! (`ngx_mail_core_merge_srv_conf`), TLS without a certificate or key or checking client
//! certificates without CAs (`ngx_mail_ssl_merge_conf`), a server without `auth_http`
//! (`ngx_mail_auth_http_merge_conf`). `resolver` and `auth_http` values are read as
//! `ngx_resolver_create` and `ngx_parse_url` read them.

use super::http::{listen_address, listen_valued, parse_listen_url, ClientCerts, TRUSTED_CAS};
use super::{cstr, show, Checker, Code, Here};
use crate::files::FileId;

/// The release that gave `listen` its `multipath` parameter (in http, stream and mail).
const MULTIPATH: (u32, u32, u32) = (1, 29, 7);

/// The release from which `listen` names an unknown parameter `invalid parameter "…"`.
const PARAMETER_WORDING: (u32, u32, u32) = (1, 25, 5);

/// The protocols Debian's mail module builds in, with the ports that choose each when a server
/// names none (`ngx_mail_imap_module`, `ngx_mail_pop3_module`, `ngx_mail_smtp_module`).
const PROTOCOLS: [(&str, &[u16]); 3] = [
    ("pop3", &[110, 995]),
    ("imap", &[143, 993]),
    ("smtp", &[25, 465, 587]),
];

/// What a level (the mail block or a server) says about TLS (`ngx_mail_ssl_conf_t`).
#[derive(Debug, Default, Clone)]
struct Tls {
    /// Where TLS was last asked for (`scf->file`, `scf->line`): `listen ... ssl`, or else the
    /// last `ssl` or `starttls`.
    place: Option<(FileId, u32)>,
    listen: bool,
    enable: Option<bool>,
    /// `starttls on` or `only` (`Some(false)`: `off`).
    starttls: Option<bool>,
    /// The level's certificates, keys and client certificate settings, as the shared setters
    /// record them in the block (`BlockState`), kept when the level ends.
    certs: Option<Vec<Vec<u8>>>,
    keys: Option<usize>,
    client_certs: ClientCerts,
}

/// A `server {}` of the mail block.
#[derive(Debug)]
pub(crate) struct MailServer {
    /// Where `server {` stands (`cscf->file_name`, `cscf->line`).
    file: FileId,
    at: u32,
    listen: bool,
    /// `protocol`, or a `listen` port that chose one.
    protocol: bool,
    auth_http: bool,
    /// The server has an `include`: what it reads may hold what is asked for.
    includes: bool,
    tls: Tls,
}

/// The mail block's servers and listen addresses.
#[derive(Debug, Default)]
pub(crate) struct MailState {
    servers: Vec<MailServer>,
    /// Every address and port read so far in the block.
    listens: crate::hash::FastSet<String>,
    /// `auth_http` at the block's level (every server inherits it), or an `include` there.
    auth_http: bool,
    includes: bool,
    tls: Tls,
    /// A server without `listen` was refused already: nginx stops there.
    refused: bool,
}

/// `server {` in `mail`.
pub(super) fn server(c: &mut Checker, h: &Here<'_>) {
    let idx = c.mail.servers.len();
    c.mail.servers.push(MailServer {
        file: h.file,
        at: h.at(),
        listen: false,
        protocol: false,
        auth_http: false,
        includes: false,
        tls: Tls::default(),
    });
    c.pending.server = Some(idx);
}

fn this_server(c: &mut Checker) -> Option<&mut MailServer> {
    let idx = c.frame().block.server?;
    c.mail.servers.get_mut(idx)
}

/// The TLS settings of the level being read.
fn this_tls(c: &mut Checker) -> &mut Tls {
    let in_server = c.frame().ctx == Some(nginx_syntax::directives::Context::MailServer);
    let server = c.frame().block.server;
    match server {
        Some(idx) if in_server && idx < c.mail.servers.len() => &mut c.mail.servers[idx].tls,
        _ => &mut c.mail.tls,
    }
}

/// A statement of the mail block or a server, after its handler: whether it asks for TLS
/// (`ngx_mail_ssl_enable`, `ngx_mail_ssl_starttls` refuse `ssl on` with `starttls` at one level).
/// Certificates and client certificates are the shared setters' (`slots`), as in http.
pub(super) fn statement(c: &mut Checker, h: &Here<'_>) {
    let place = (h.file, h.at());
    let name = h.name();
    // Flags and enums are read case-insensitively (`ngx_strcasecmp`).
    let arg = h.d.args.first().map(|_| h.arg(0).to_ascii_lowercase());
    let conflict = match (&*name, arg.as_deref()) {
        ("ssl", Some(v)) if matches!(v, b"on" | b"off") => {
            let t = this_tls(c);
            t.enable = Some(v == b"on");
            if !t.listen {
                t.place = Some(place);
            }
            (t.enable == Some(true) && t.starttls == Some(true))
                .then_some("\"starttls\" directive conflicts with \"ssl on\"")
        }
        ("starttls", Some(v)) if matches!(v, b"on" | b"only" | b"off") => {
            let t = this_tls(c);
            t.starttls = Some(v != b"off");
            if !t.listen {
                t.place = Some(place);
            }
            (t.enable == Some(true) && t.starttls == Some(true))
                .then_some("\"ssl\" directive conflicts with \"starttls\"")
        }
        _ => None,
    };
    if let Some(msg) = conflict {
        c.report(Code::InvalidValue, h, h.d.name.span, msg);
    }
}

/// An `include` in the mail block or one of its servers.
pub(super) fn include(c: &mut Checker, in_server: bool) {
    if !in_server {
        c.mail.includes = true;
    } else if let Some(s) = this_server(c) {
        s.includes = true;
    }
}

/// `listen` in a mail server.
pub(super) fn listen(c: &mut Checker, h: &Here<'_>) {
    if let Some(s) = this_server(c) {
        s.listen = true;
    }
    let url = h.arg(0);
    let Some(addr) = listen_address(c, h, parse_listen_url(&url, 0)) else {
        return;
    };
    let port = addr
        .as_deref()
        .and_then(|a| a.rsplit_once(':'))
        .and_then(|(_, p)| p.parse::<u16>().ok())
        .or_else(|| {
            // A host name's port is still the port given.
            let text = std::str::from_utf8(&url).ok()?;
            text.rsplit_once(':')?.1.parse().ok()
        });
    if let Some(port) = port {
        if PROTOCOLS.iter().any(|(_, ports)| ports.contains(&port)) {
            if let Some(s) = this_server(c) {
                s.protocol = true;
            }
        }
    }
    let multipath = c.version() >= MULTIPATH;
    for i in 1..h.nargs() {
        let a = h.arg(i);
        match cstr(&a) {
            b"ssl" => {
                let t = this_tls(c);
                t.listen = true;
                t.place = Some((h.file, h.at()));
            }
            b"bind" | b"proxy_protocol" => {}
            b"multipath" if multipath => {}
            _ => match listen_valued(&a) {
                // The mail module has no `fastopen`.
                Some((name, refused)) if name != "fastopen" => {
                    if let Some(msg) = refused {
                        c.report(Code::InvalidValue, h, h.span(i), msg);
                        return;
                    }
                }
                _ => {
                    let msg = if c.version() >= PARAMETER_WORDING {
                        format!("invalid parameter \"{}\"", show(&a))
                    } else {
                        format!("the invalid \"{}\" parameter", show(&a))
                    };
                    c.report(Code::InvalidValue, h, h.span(i), msg);
                    return;
                }
            },
        }
    }
    // A host name stands for the addresses it resolves to: not compared.
    let Some(text) = addr else { return };
    if !c.mail.listens.insert(text.clone()) {
        let msg = format!("duplicate \"{text}\" address and port pair");
        c.report(Code::Duplicate, h, h.span(0), msg);
    }
}

/// `protocol NAME`.
pub(super) fn protocol(c: &mut Checker, h: &Here<'_>) {
    let name = h.arg(0);
    if PROTOCOLS.iter().any(|(p, _)| p.as_bytes() == cstr(&name)) {
        if let Some(s) = this_server(c) {
            s.protocol = true;
        }
        return;
    }
    let msg = format!("unknown protocol \"{}\"", show(&name));
    c.report(Code::InvalidValue, h, h.span(0), msg);
}

/// `auth_http URL` (`ngx_mail_auth_http`): `http://` is optional, a URI part is allowed.
pub(super) fn auth_http(c: &mut Checker, h: &Here<'_>) {
    let url = h.arg(0);
    let rest = url.strip_prefix(b"http://").unwrap_or(&url);
    if let Err(e) = super::http::parse_upstream_url(rest, true) {
        let msg = format!("{e} in auth_http \"{}\"", show(rest));
        c.report(Code::InvalidValue, h, h.span(0), msg);
    }
    // Refused or not, the server is not also said to have none.
    if c.frame().ctx == Some(nginx_syntax::directives::Context::MailServer) {
        if let Some(s) = this_server(c) {
            s.auth_http = true;
        }
    } else {
        c.mail.auth_http = true;
    }
}

/// The end of a mail `server {}`: `ngx_mail_core_server` wants a `listen`.
pub(super) fn server_end(c: &mut Checker) {
    let b = &mut c.frame().block;
    let (certs, keys, client_certs) = (b.certs.take(), b.keys, b.client_certs);
    let Some(s) = this_server(c) else { return };
    s.tls.certs = certs;
    s.tls.keys = keys;
    s.tls.client_certs = client_certs;
    if !s.listen && !s.includes {
        let (file, at) = (s.file, s.at);
        c.mail.refused = true;
        c.report_at_offset(
            Code::MissingDefinition,
            file,
            at,
            "no \"listen\" is defined for server",
        );
    }
}

/// The end of the `mail` block: nginx merges each module's settings into every server, module
/// by module (the core module first, `auth_http`'s later), and stops at the first refusal.
pub(super) fn end(c: &mut Checker) {
    let state = std::mem::take(&mut c.mail);
    if state.refused {
        return;
    }
    if let Some(s) = state.servers.iter().find(|s| !s.protocol && !s.includes) {
        c.report_at_offset(
            Code::MissingDefinition,
            s.file,
            s.at,
            "unknown mail protocol for server",
        );
        return;
    }
    // ngx_mail_ssl_merge_conf. An `include` at the block's level may hold the certificates.
    let b = &c.frame().block;
    let main = Tls {
        certs: b.certs.clone(),
        keys: b.keys,
        client_certs: b.client_certs,
        ..state.tls.clone()
    };
    let servers = state.servers.iter().filter(|_| !state.includes);
    for s in servers.filter(|s| !s.includes) {
        let t = &s.tls;
        let mode = if t.listen {
            "listen ... ssl"
        } else if t.enable.or(main.enable) == Some(true) {
            "ssl"
        } else if t.starttls.or(main.starttls) == Some(true) {
            "starttls"
        } else {
            continue;
        };
        let Some((file, at)) = t.place.or(main.place) else {
            continue;
        };
        let certs = t.certs.as_ref().or(main.certs.as_ref());
        let keys = t.keys.or(main.keys);
        let msg = match (certs, keys) {
            (None, _) => format!("no \"ssl_certificate\" is defined for the \"{mode}\" directive"),
            (Some(_), None) => {
                format!("no \"ssl_certificate_key\" is defined for the \"{mode}\" directive")
            }
            (Some(certs), Some(keys)) if keys < certs.len() => format!(
                "no \"ssl_certificate_key\" is defined for certificate \"{}\" and the \"{mode}\" directive",
                show(certs.last().map_or(&[][..], Vec::as_slice))
            ),
            _ => {
                let cc = t.client_certs.over(main.client_certs);
                let Some((file, span, msg)) = cc.unchecked(c.version() >= TRUSTED_CAS) else {
                    continue;
                };
                c.report_at(Code::MissingDefinition, file, span, None, msg);
                return;
            }
        };
        c.report_at_offset(Code::MissingDefinition, file, at, msg);
        return;
    }
    if state.auth_http || state.includes {
        return;
    }
    if let Some(s) = state.servers.iter().find(|s| !s.auth_http && !s.includes) {
        c.report_at_offset(
            Code::MissingDefinition,
            s.file,
            s.at,
            "no \"auth_http\" is defined for server",
        );
    }
}
