//! NGX308 `unknown-upstream-host`: a pass address whose host is a single word that is not an
//! `upstream {}` group of the tree but is close to one — almost always a typo of the group's
//! name (`http://backnd` with `upstream backend`). nginx looks the word up as a host name at
//! start-up and refuses to start (`host not found in upstream "backnd"`), or, for
//! `fastcgi_pass backnd;` without a port, `no port in upstream "backnd"` (FACTS N4, N6).
//!
//! A single word with no close group is common and fine in containers (a compose service `php`
//! resolved through /etc/hosts or DNS): reported only with `report_unmatched = true`.

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::fastcgi::is_localhost;
use ngxlint_engine::model::{split_host_port, FastMap, Pass, Upstream};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX308",
    name: "unknown-upstream-host",
    severity: Severity::Error,
    summary:
        "pass to a single-word host that is not an upstream group but is close to one (a typo)",
    doc: include_str!("../../../../rules/NGX308.md"),
    family: Family::Gateway,
    default: Enabled::On,
    aliases: &[],
};

/// The rule and its options.
#[derive(Debug, Clone, Default)]
pub struct UnknownUpstreamHost {
    /// Also warn about single-word hosts with no close upstream name.
    pub report_unmatched: bool,
}

/// Levenshtein distance over ASCII-lowercased bytes.
fn distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    ngxlint_engine::text::edit_distance(a.as_bytes(), b.as_bytes())
}

/// Close enough to be a typo: at most two edits, and fewer than a third of the longer name
/// (`backnd`/`backend`, `app_upstrem`/`app_upstream`; not `php`/`app`).
fn is_close(a: &str, b: &str) -> Option<usize> {
    let d = distance(a, b);
    let longer = a.len().max(b.len());
    ((1..=2).contains(&d) && d * 3 < longer).then_some(d)
}

/// Where the host sits in the address: `(scheme part, host, port text incl. colon, rest)`.
fn parts(raw: &str) -> Option<(&str, &str, Option<u16>, &str)> {
    let (scheme, rest) = match raw.find("://") {
        Some(i) => raw.split_at_checked(i + 3)?,
        None => ("", raw),
    };
    if rest.starts_with("unix:") {
        return None;
    }
    let end = if scheme.is_empty() {
        rest.len()
    } else {
        rest.find('/').unwrap_or(rest.len())
    };
    let (authority, tail) = rest.split_at_checked(end)?;
    let (host, port) = split_host_port(authority);
    Some((scheme, host, port, tail))
}

/// The single-word host of a pass address that is no upstream group of the tree, with the
/// address's parts; `None` for every other address (which nothing is said about).
fn unknown_host<'r>(
    cx: &Cx<'_>,
    tree: usize,
    raw: &'r str,
) -> Option<(&'r str, &'r str, Option<u16>, &'r str)> {
    let (scheme, host, port, rest) = parts(raw)?;
    if host.is_empty()
        || host.contains('.')
        || host.contains(':')
        || is_localhost(host)
        || host.parse::<std::net::IpAddr>().is_ok()
    {
        return None;
    }
    // An upstream group (with a port written, nginx's `may not have port` is another error).
    if cx.model.upstream(tree, host).is_some() {
        return None;
    }
    // A host a group of the tree names as its server (`upstream web { server web1:80; ... }`
    // beside `proxy_pass http://web1:80`): a host name where nginx runs, written on purpose.
    let a_server = cx
        .model
        .upstreams
        .iter()
        .filter(|u| u.tree == tree)
        .flat_map(|u| &u.servers)
        .any(|s| split_host_port(&s.address).0.eq_ignore_ascii_case(host));
    if a_server {
        return None;
    }
    Some((scheme, host, port, rest))
}

impl UnknownUpstreamHost {
    fn check(
        &self,
        cx: &Cx<'_>,
        tree: usize,
        stream: bool,
        pass: &Pass<'_>,
        out: &mut Vec<Diagnostic>,
    ) {
        let at = &pass.at;
        if pass.has_variables {
            return;
        }
        let Some(raw) = at.arg(0) else { return };
        let Some((scheme, host, port, rest)) = unknown_host(cx, tree, &raw) else {
            return;
        };
        let directive = pass.module.directive();
        let nginx_says = if port.is_none() && scheme.is_empty() {
            format!("no port in upstream \"{host}\"")
        } else {
            format!("host not found in upstream \"{host}\"")
        };
        let closest: Option<(&Upstream<'_>, usize)> = cx
            .model
            .upstreams
            .iter()
            .filter(|u| u.tree == tree && u.stream == stream)
            .filter_map(|u| is_close(host, &u.name).map(|d| (u, d)))
            .min_by_key(|(u, d)| (*d, u.name.clone()));
        match closest {
            Some((u, _)) => {
                let fixed = format!("{directive} {scheme}{}{rest};", u.name);
                let mut d = META
                    .diag(
                        at.file,
                        at.arg_span(0),
                        format!("`{host}` is not an upstream group: nginx refuses to start with `{nginx_says}`"),
                    )
                    .with_help(format!("use `{fixed}` (upstream `{}`)", u.name));
                d = d.with_place(
                    u.at.file,
                    u.at.arg_span(0),
                    format!("upstream `{}` defined here", u.name),
                );
                // A misspelt group name: the group's name where the typo stands.
                let value = format!("{scheme}{}{rest}", u.name);
                d = d.with_fix(
                    format!("Use upstream `{}`", u.name),
                    at.arg_span(0),
                    ngxlint_engine::edit::word(&value),
                );
                out.push(d);
            }
            None if self.report_unmatched => {
                let d = META
                    .diag_at(
                        Severity::Warning,
                        at.file,
                        at.arg_span(0),
                        format!("`{host}` is not an upstream group: nginx resolves it at start-up and refuses to start with `{nginx_says}` when that fails"),
                    )
                    .with_help(format!(
                        "define `upstream {host} {{ server ADDRESS; }}`, or write the host's full name or address"
                    ));
                out.push(d);
            }
            None => {}
        }
    }
}

impl Rule for UnknownUpstreamHost {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        // Whether an address can name an unknown host depends on the address and the tree's
        // groups alone: decided once per tree and address as written (3,800 passes, 140
        // addresses on the benchmark tree).
        let mut candidate: FastMap<(usize, &[u8]), bool> = FastMap::default();
        for (id, pass) in cx.model.pass_directives() {
            // A file read alone: its parent may define the group the name refers to.
            if pass.has_variables || cx.model.in_fragment(*id) {
                continue;
            }
            let s = cx.model.scope(*id);
            let Some(w) = pass.at.dir.args.first() else {
                continue;
            };
            let maybe = *candidate
                .entry((s.tree, w.raw(pass.at.src)))
                .or_insert_with(|| {
                    pass.at
                        .arg(0)
                        .is_some_and(|raw| unknown_host(cx, s.tree, &raw).is_some())
                });
            if !maybe {
                continue;
            }
            let stream = s.kind == Context::StreamServer;
            self.check(cx, s.tree, stream, pass, out);
        }
    }

    fn configure(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "report_unmatched" => {
                self.report_unmatched = match value {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(format!(
                            "`report_unmatched` takes `true` or `false`, not `{value}`"
                        ))
                    }
                };
                Ok(())
            }
            _ => Err(format!(
                "`{}` has no option `{key}` (it has `report_unmatched`)",
                META.name
            )),
        }
    }
}
