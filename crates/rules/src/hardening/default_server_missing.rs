//! NGX104 `default-server-missing`: several servers listen on one address and port and none is
//! `default_server`, so nginx hands every request whose Host none of them names — a scanner's, the
//! bare IP address, a stale DNS name — to whichever comes first in configuration order (for
//! `conf.d/*.conf`, the file name that sorts first). Adding a site whose file sorts earlier
//! silently changes it.
//!
//! Left alone: a first server meant as the catch-all (`server_name _`, or no name) or one that
//! answers everything with a server-level `return` (a redirect to HTTPS, `444`), unix sockets, and
//! servers of a file no main config includes (the parent's servers may come first).

use std::net::IpAddr;

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::matching::parse_listen;
use ngxlint_engine::model::{At, FastMap, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX104",
    name: "default-server-missing",
    severity: Severity::Info,
    summary: "several servers on one address and port, none `default_server`: unknown hosts get the first in configuration order",
    doc: include_str!("../../../../rules/NGX104.md"),
    family: Family::Hardening,
    default: Enabled::On,
    aliases: &["gixy:default_server_flag"],
};

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct DefaultServerMissing;

/// One server on one socket: its scope and the `listen` that puts it there.
struct OnSocket<'p> {
    scope: ScopeId,
    listen: Option<At<'p>>,
    default: bool,
}

impl Rule for DefaultServerMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        let mut sockets: FastMap<(usize, Option<IpAddr>, u16), Vec<OnSocket<'_>>> =
            FastMap::default();
        let mut order: Vec<(usize, Option<IpAddr>, u16)> = Vec::new();
        for id in model.ids() {
            let s = model.scope(id);
            if s.kind != Context::HttpServer || model.in_fragment(id) {
                continue;
            }
            let mut listens: Vec<_> = model.here(id, "listen").map(|d| parse_listen(*d)).collect();
            if listens.is_empty() {
                listens.push(ngxlint_engine::matching::ListenAt {
                    at: None,
                    addr: None,
                    port: 80,
                    default: false,
                });
            }
            for l in listens {
                // A unix socket has no Host to choose a server by in the usual sense.
                if l.port == 0 {
                    continue;
                }
                let key = (s.tree, l.addr, l.port);
                let list = sockets.entry(key).or_insert_with(|| {
                    order.push(key);
                    Vec::new()
                });
                // A server with two `listen`s on one socket counts once.
                if list.iter().any(|o| o.scope == id) {
                    if l.default {
                        if let Some(o) = list.iter_mut().find(|o| o.scope == id) {
                            o.default = true;
                        }
                    }
                    continue;
                }
                list.push(OnSocket {
                    scope: id,
                    listen: l.at,
                    default: l.default,
                });
            }
        }
        for key in order {
            let list = &sockets[&key];
            if list.len() < 2 || list.iter().any(|o| o.default) {
                continue;
            }
            let first = &list[0];
            if catch_all(cx, first.scope) {
                continue;
            }
            let name = model
                .here(first.scope, "server_name")
                .next()
                .and_then(|d| d.arg(0))
                .map(|n| n.into_owned())
                .unwrap_or_default();
            let (_, addr, port) = key;
            let socket = match addr {
                Some(IpAddr::V6(a)) => format!("[{a}]:{port}"),
                Some(a) => format!("{a}:{port}"),
                None => format!("*:{port}"),
            };
            let (file, span) = match first.listen {
                Some(l) => (l.file, l.head_span()),
                None => match model.scope(first.scope).block {
                    Some(b) => (b.file, b.name_span()),
                    None => continue,
                },
            };
            let mut d = META.diag(
                file,
                span,
                format!(
                    "{} servers listen on `{socket}` and none is `default_server`: a request for a host none of them names goes to `server_name {name}`, the first in configuration order",
                    list.len()
                ),
            );
            if let Some(second) = list.get(1).and_then(|o| model.scope(o.scope).block) {
                d = d.with_place(
                    second.file,
                    second.name_span(),
                    "another server on the same socket",
                );
            }
            out.push(d.with_help(format!(
                "say which server answers unknown hosts: `listen {port} default_server;` on it, or a catch-all `server {{ listen {port} default_server; server_name _; return 444; }}`"
            )));
        }
    }
}

/// Whether a server is meant to take any host, or answers every request with a `return`.
fn catch_all(cx: &Cx<'_>, scope: ScopeId) -> bool {
    let model = cx.model;
    let names: Vec<String> = model
        .here(scope, "server_name")
        .flat_map(|d| d.args().into_iter().map(|a| a.into_owned()))
        .collect();
    names.is_empty()
        || names.iter().any(|n| n == "_" || n.is_empty())
        || model.here(scope, "return").next().is_some()
}
