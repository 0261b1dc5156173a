//! NGX321 `pass-resolved-once`: a pass directive, or a `server` of an upstream group, that names
//! its host literally: nginx looks the name up once, when it loads the configuration (through the
//! system resolver, `/etc/hosts` included), and sends every request to those addresses until it
//! is reloaded. When the name moves — a container recreated with a new address, a cloud load
//! balancer whose addresses rotate — requests go to the old address and fail with 502. A variable
//! in the address with a `resolver`, or (nginx 1.27.3 and later, and NGINX Plus) an upstream
//! `server ... resolve` with a `zone`, makes nginx follow the name.
//!
//! Opt-in: a name that never moves is fine as it is, and whether it moves is not in the
//! configuration. IP addresses, unix sockets, `localhost` and `*.localhost`, and upstream groups
//! by their name are not names that move.

use std::net::IpAddr;

use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::matching::PASSES;
use ngxlint_engine::model::Target;
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX321",
    name: "pass-resolved-once",
    severity: Severity::Info,
    summary: "a pass or upstream `server` with a host name nginx resolves once, at start: when the name moves, requests go to the old address",
    doc: include_str!("../../../../rules/NGX321.md"),
    family: Family::Hardening,
    default: Enabled::OptIn,
    aliases: &[
        "gixy:stale_dns_cache",
        "gixy:missing_resolver",
        "nginx-lint:proxy-pass-domain",
        "nginx-lint:upstream-server-no-resolve",
    ],
};

/// `server ... resolve` became part of nginx open source in this release.
const UPSTREAM_RESOLVE: (u32, u32, u32) = (1, 27, 3);

/// Whether a host stays where it is: an address, or the machine itself.
fn fixed(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    let lower = h.to_ascii_lowercase();
    h.parse::<IpAddr>().is_ok()
        || lower == "localhost"
        || lower.ends_with(".localhost")
        || lower == "ip6-localhost"
}

/// A template's or an installer's placeholder (`${S3_UPSTREAM}`, `<PHP_SOCKET>`): filled in
/// where the configuration is deployed.
fn placeholder(host: &str) -> bool {
    host.contains(['$', '{', '<'])
}

/// The host of an upstream `server` address (`app:8080`, `[::1]:80`, `unix:/x`).
fn server_host(address: &str) -> Option<&str> {
    if address.starts_with("unix:") {
        return None;
    }
    if let Some(v6) = address.strip_prefix('[') {
        return v6.split(']').next();
    }
    address.split(':').next()
}

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct PassResolvedOnce;

impl Rule for PassResolvedOnce {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        let resolve_ok = cx.settings.nginx_version >= UPSTREAM_RESOLVE;
        let help = if resolve_ok {
            "put the host in an `upstream` group with a `zone` and `server NAME:PORT resolve;`, with a `resolver` in effect, or pass through a variable (`set $backend NAME;`) with a `resolver`"
        } else {
            "pass through a variable (`set $backend NAME;` and the variable in the address) with a `resolver`, or reload nginx when the name moves (`server ... resolve` needs nginx 1.27.3)"
        };
        for name in PASSES {
            for (scope, at) in model.everywhere(name) {
                let tree = model.scope(scope).tree;
                let Some(pass) = model.pass_of(tree, at) else {
                    continue;
                };
                // In a file read alone, a name without a port may be a group its parent defines.
                let portless = || {
                    let raw = at.arg(0).unwrap_or_default();
                    let rest = raw.split_once("://").map_or(raw.as_ref(), |(_, r)| r);
                    let authority = rest.split('/').next().unwrap_or("");
                    !authority.contains(':')
                };
                let host = match &pass.target {
                    Target::Inet { host, .. } if !(model.in_fragment(scope) && portless()) => host,
                    // A name without a port that is no group of the tree: proxy_pass and
                    // grpc_pass take the scheme's port (the other passes refuse it), unless a
                    // parent outside a fragment defines the group.
                    Target::Name(host)
                        if matches!(name, "proxy_pass" | "grpc_pass")
                            && !model.in_fragment(scope) =>
                    {
                        host
                    }
                    _ => continue,
                };
                if fixed(host) || placeholder(host) {
                    continue;
                }
                out.push(
                    META.diag(
                        at.file,
                        at.arg_span(0),
                        format!("`{name}` to the name `{host}`: nginx looks it up once, at start, and keeps those addresses until a reload; when the name moves (a recreated container, a load balancer's rotating addresses), requests fail with 502"),
                    )
                    .with_help(help),
                );
            }
        }
        for up in &model.upstreams {
            for s in &up.servers {
                let Some(host) = server_host(&s.address) else {
                    continue;
                };
                if fixed(host)
                    || placeholder(host)
                    || s.at.args().iter().skip(1).any(|a| a == "resolve")
                {
                    continue;
                }
                out.push(
                    META.diag(
                        s.at.file,
                        s.at.arg_span(0),
                        format!("upstream `{}` has the server name `{host}` without `resolve`: nginx looks it up once, at start, and keeps those addresses until a reload", up.name),
                    )
                    .with_help(if resolve_ok {
                        "add `resolve` to the `server` (with a `zone` in the group and a `resolver` in effect)"
                    } else {
                        "reload nginx when the name moves, or (nginx 1.27.3 and later) add `resolve` with a `zone` and a `resolver`"
                    }),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{fixed, server_host};

    #[test]
    fn hosts() {
        assert!(fixed("127.0.0.1"));
        assert!(fixed("[::1]"));
        assert!(fixed("::1"));
        assert!(fixed("localhost"));
        assert!(fixed("app.localhost"));
        assert!(!fixed("app"));
        assert!(!fixed("api.example.com"));
        assert_eq!(server_host("app:8080"), Some("app"));
        assert_eq!(server_host("[2001:db8::1]:80"), Some("2001:db8::1"));
        assert_eq!(server_host("unix:/run/php.sock"), None);
        assert_eq!(server_host("backend"), Some("backend"));
    }
}
