//! NGX307 `localhost-upstream`: `localhost` as the host of a pass address or of an upstream
//! `server` line (FACTS N6). nginx resolves it once at start-up and round-robins between every
//! address it gets — `::1` and `127.0.0.1` where the hosts file lists both — while a backend
//! usually binds one of them: every other connection is refused. When a PHP-FPM pool of the
//! project shows what the backend binds, the finding names the family that fails.

use std::net::IpAddr;

use fpm_ini::{Listen, Pool};
use nginx_syntax::Span;
use ngxlint_engine::diagnostic::Severity;
use ngxlint_engine::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use ngxlint_engine::fastcgi::is_localhost;
use ngxlint_engine::fpm::FpmTree;
use ngxlint_engine::model::{split_host_port, At, PassModule, Target};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX307",
    name: "localhost-upstream",
    severity: Severity::Warning,
    summary: "`localhost` as an upstream host: nginx connects to `::1` and `127.0.0.1` in turn",
    doc: include_str!("../../../../rules/NGX307.md"),
    family: Family::Gateway,
    default: Enabled::On,
    aliases: &[],
};

/// The rule.
#[derive(Debug, Clone, Default)]
pub struct LocalhostUpstream;

/// Which loopback family a pool answers on, for a port: `Some(true)` IPv4 only, `Some(false)`
/// IPv6 only; `None` when both work or the pool is not on that port.
fn one_family(listen: &Listen, port: u16) -> Option<(bool, String)> {
    let port = i32::from(port);
    match listen {
        Listen::Ip { addr, port: q } if *q == port => match addr.to_canonical() {
            IpAddr::V4(a) if a.is_loopback() || a.is_unspecified() => {
                Some((true, format!("{addr}:{port}")))
            }
            IpAddr::V6(a) if a.is_loopback() => Some((false, format!("[{addr}]:{port}"))),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a pool answers on `127.0.0.1` and `::1` at this port (`listen = 9000`, `[::]:9000`).
fn both_families(listen: &Listen, port: u16) -> bool {
    let port = i32::from(port);
    match listen {
        Listen::AllInterfaces { port: q } => *q == port,
        Listen::Ip {
            addr: IpAddr::V6(a),
            port: q,
        } => *q == port && a.is_unspecified(),
        _ => false,
    }
}

/// Whether bytes hold `localhost` in any case.
fn mentions_localhost(raw: &[u8]) -> bool {
    const WORD: &[u8] = b"localhost";
    raw.len() >= WORD.len()
        && (0..=raw.len() - WORD.len())
            .any(|i| raw[i] | 0x20 == b'l' && raw[i..i + WORD.len()].eq_ignore_ascii_case(WORD))
}

/// The address text with `localhost` replaced by `ip`.
fn literal(text: &str, ip: &str) -> String {
    // ASCII lowercasing keeps every byte where it was: the offset found holds in `text`.
    let found = text.to_ascii_lowercase().find("localhost");
    let cut = found.and_then(|i| {
        let (before, rest) = text.split_at_checked(i)?;
        let rest = rest.get("localhost".len()..)?;
        Some((before, rest.strip_prefix('.').unwrap_or(rest)))
    });
    match cut {
        Some((before, after)) => format!("{before}{ip}{after}"),
        None => text.to_string(),
    }
}

/// The address token with `localhost` replaced by `ip`.
fn fix(at: &At<'_>, span: Span, ip: &str, applicability: Applicability) -> Fix {
    let value = literal(&at.arg(0).unwrap_or_default(), ip);
    Fix::new(
        format!("Connect to `{ip}` only"),
        applicability,
        vec![Edit::replace(
            at.file,
            span,
            ngxlint_engine::edit::word(&value),
        )],
    )
}

impl LocalhostUpstream {
    /// One `localhost` address: `what` is how the message names it, `line(addr)` the fixed line.
    #[allow(clippy::too_many_arguments)]
    fn report(
        &self,
        cx: &Cx<'_>,
        tree: usize,
        at: &At<'_>,
        span: Span,
        what: String,
        port: Option<u16>,
        fastcgi: bool,
        line: &dyn Fn(&str) -> String,
        out: &mut Vec<Diagnostic>,
    ) {
        // A pool of this stack on this port that answers on both families: nothing fails.
        if fastcgi {
            if let Some(port) = port {
                let both = cx.pools_for(tree).any(|(_, p)| {
                    p.listen_address
                        .as_ref()
                        .is_some_and(|l| both_families(l, port))
                });
                if both {
                    return;
                }
            }
        }
        // A pool of the project on this port that binds one family tells which one fails.
        let pool: Option<(&FpmTree, &Pool, bool, String)> = if fastcgi {
            port.and_then(|port| {
                cx.pools_for(tree).find_map(|(t, p)| {
                    let l = p.listen_address.as_ref()?;
                    let (v4, shown) = one_family(l, port)?;
                    Some((t, p, v4, shown))
                })
            })
        } else {
            None
        };
        let d = match pool {
            Some((t, p, v4, shown)) => {
                let (fails, works) = if v4 {
                    ("[::1]", "127.0.0.1")
                } else {
                    ("127.0.0.1", "[::1]")
                };
                let port = port.unwrap_or_default();
                let mut d = META
                    .diag(
                        at.file,
                        span,
                        format!(
                            "{what} also connects to `{fails}:{port}`, where no pool listens: pool [{}] binds `{shown}` only",
                            p.name
                        ),
                    )
                    .with_help(format!("use `{}`", line(works)))
                    .with_edits(fix(at, span, works, Applicability::Safe));
                if let Some(o) = &p.listen.origin {
                    let (file, span) = cx.fpm_span(t, o);
                    d = d.with_place(file,
                        span,
                        format!("pool [{}] listens here", p.name),
                    );
                }
                d
            }
            None => META
                .diag(
                    at.file,
                    span,
                    format!(
                        "{what} connects to `::1` and `127.0.0.1` in turn where the hosts file lists both: a backend bound to one of them refuses the other"
                    ),
                )
                .with_help(format!("use `{}`", line("127.0.0.1")))
                // Which family the backend binds is not in the configuration: IPv4 is a guess.
                .with_edits(fix(at, span, "127.0.0.1", Applicability::Unsafe)),
        };
        out.push(d);
    }
}

impl Rule for LocalhostUpstream {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        // Pass directives with a literal `localhost` address.
        for (scope, pass) in model.pass_directives() {
            let at = &pass.at;
            let tree = model.scope(*scope).tree;
            {
                if pass.has_variables {
                    continue;
                }
                // The host is a piece of the argument, and escapes make no letters: an
                // argument without `localhost` in it has no `localhost` host.
                if !at
                    .dir
                    .args
                    .first()
                    .is_some_and(|w| mentions_localhost(w.raw(at.src)))
                {
                    continue;
                }
                let Some(raw) = at.arg(0) else { continue };
                let rest = raw.split_once("://").map_or(&*raw, |(_, r)| r);
                if rest.starts_with("unix:") {
                    continue;
                }
                let auth = rest.split('/').next().unwrap_or(rest);
                let (host, port) = split_host_port(auth);
                if !is_localhost(host) {
                    continue;
                }
                let directive = pass.module.directive();
                let port = port.or(match &pass.target {
                    Target::Inet { port, .. } => Some(*port),
                    _ => None,
                });
                let raw_s = raw.to_string();
                self.report(
                    cx,
                    tree,
                    at,
                    at.arg_span(0),
                    format!("{directive} `{raw_s}`"),
                    port,
                    pass.module == PassModule::FastCgi,
                    &|ip| format!("{directive} {};", literal(&raw_s, ip)),
                    out,
                );
            }
        }
        // `server localhost:PORT` in upstream groups; which groups fastcgi_pass uses is worked
        // out at the first such line.
        let mut fastcgi_groups: Option<std::collections::HashSet<usize>> = None;
        for (g, u) in model.upstreams.iter().enumerate() {
            for s in &u.servers {
                if !mentions_localhost(s.address.as_bytes()) {
                    continue;
                }
                let (host, port) = split_host_port(&s.address);
                if !is_localhost(host) {
                    continue;
                }
                let fastcgi = fastcgi_groups
                    .get_or_insert_with(|| {
                        model
                            .passes()
                            .filter(|(_, p)| p.module == PassModule::FastCgi)
                            .filter_map(|(_, p)| match p.target {
                                Target::Group(g) => Some(g),
                                _ => None,
                            })
                            .collect()
                    })
                    .contains(&g);
                let params: Vec<String> =
                    s.at.args().iter().skip(1).map(|a| a.to_string()).collect();
                let address = s.address.clone();
                self.report(
                    cx,
                    u.tree,
                    &s.at,
                    s.at.arg_span(0),
                    format!("server `{address}` of upstream `{}`", u.name),
                    port.or((!u.stream).then_some(80)),
                    fastcgi,
                    &|ip| {
                        let a = literal(&address, ip);
                        if params.is_empty() {
                            format!("server {a};")
                        } else {
                            format!("server {a} {};", params.join(" "))
                        }
                    },
                    out,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn localhost_is_found_in_any_case() {
        assert!(mentions_localhost(b"localhost:9000"));
        assert!(mentions_localhost(b"http://LocalHost./x"));
        assert!(mentions_localhost(b"[::1]localhost"));
        assert!(!mentions_localhost(b"localhos:9000"));
        assert!(!mentions_localhost(b"unix:/run/php/pool0.sock"));
        assert!(!mentions_localhost(b""));
    }
}
