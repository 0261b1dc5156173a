//! NGX301 `fastcgi-listen-mismatch`: a `fastcgi_pass` (its address, the `server`s of the upstream
//! group it names, or the value `set` gives its variable) that no PHP-FPM pool of the project
//! listens on (FACTS P2). Only local addresses are compared; the help names the closest pool.

use std::collections::HashSet;

use fpm_ini::{Listen, Pool};
use ngxlint_engine::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use ngxlint_engine::fastcgi::{
    fastcgi_hops, is_localhost, nginx_address, normalize_socket_path, reaches, reaches_remote,
    Endpoint, Hop, Locality, Reach, Via,
};
use ngxlint_engine::fpm::FpmTree;
use ngxlint_engine::model::FastMap;
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

use crate::reach::fastcgi_addresses;

static META: RuleMeta = RuleMeta {
    code: "NGX301",
    name: "fastcgi-listen-mismatch",
    severity: Severity::Error,
    summary: "`fastcgi_pass` to an address no PHP-FPM pool of the project listens on",
    doc: include_str!("../../../../rules/NGX301.md"),
    family: Family::Gateway,
    default: Enabled::On,
    aliases: &[],
};

/// The rule and its options.
#[derive(Debug, Clone, Default)]
pub struct FastcgiListenMismatch {
    /// Also compare passes to other hosts (`php:9000`, `10.0.0.5:9000`) with the project's
    /// pools, by port: for repositories that hold the PHP host's (or container's) FPM config.
    pub check_remote: bool,
}

/// Levenshtein similarity in [0, 1] over bytes.
fn similarity(a: &str, b: &str) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let d = ngxlint_engine::text::edit_distance(a.as_bytes(), b.as_bytes());
    1.0 - d as f64 / a.len().max(b.len()) as f64
}

/// How close a pool's address is to what nginx wrote: same kind first (socket to socket; for
/// TCP the same port on another host above another port), then string similarity.
fn closeness(ep: &Endpoint, listen: &Listen) -> (u8, f64) {
    match (ep, listen) {
        (Endpoint::Unix(a), Listen::Unix { path }) => (
            2,
            similarity(&normalize_socket_path(a), &normalize_socket_path(path)),
        ),
        (Endpoint::Inet { port, .. }, l) if l.port() == Some(i32::from(*port)) => {
            (3, similarity(&ep.to_string(), &nginx_address(l)))
        }
        (Endpoint::Inet { .. }, l) if !l.is_unix() => {
            (2, similarity(&ep.to_string(), &nginx_address(l)))
        }
        (_, l) => (1, similarity(&ep.to_string(), &nginx_address(l))),
    }
}

/// Whether a pool could serve another host's requests (it listens beyond loopback).
fn listens_beyond_loopback(l: &Listen) -> bool {
    match l {
        Listen::Unix { .. } => false,
        Listen::AllInterfaces { .. } => true,
        Listen::Ip { addr, .. } => !addr.to_canonical().is_loopback(),
        Listen::Host { host, .. } => !is_localhost(host),
    }
}

impl FastcgiListenMismatch {
    /// Whether an address is reported (and whether it is compared as a remote one): what
    /// decides a finding depends on nothing but the address.
    fn mismatch(
        &self,
        pools: &[(&FpmTree, &Pool, &Listen)],
        unix_paths: &HashSet<String>,
        endpoint: &Endpoint,
    ) -> Option<bool> {
        let remote = match endpoint.locality() {
            Locality::Local => false,
            Locality::Remote if self.check_remote => true,
            _ => return None,
        };
        // The common case, a socket some pool listens on, without comparing with every pool.
        if let Endpoint::Unix(p) = endpoint {
            if p.starts_with('/') && unix_paths.contains(&normalize_socket_path(p)) {
                return None;
            }
        }
        let best = pools
            .iter()
            .map(|(_, _, l)| match (endpoint, remote) {
                (Endpoint::Inet { port, .. }, true) => reaches_remote(*port, l),
                _ => reaches(endpoint, l),
            })
            .max()
            .unwrap_or(Reach::No);
        (best == Reach::No).then_some(remote)
    }

    fn check_hop(
        &self,
        cx: &Cx<'_>,
        pools: &[(&FpmTree, &Pool, &Listen)],
        unix_paths: &HashSet<String>,
        hop: &Hop<'_>,
        out: &mut Vec<Diagnostic>,
    ) {
        let Some(remote) = self.mismatch(pools, unix_paths, &hop.endpoint) else {
            return;
        };
        let raw = hop.pass.arg(0).unwrap_or_default();
        let message = match &hop.via {
            Via::Direct => format!("fastcgi_pass `{}` matches no PHP-FPM pool", hop.text),
            Via::Variables { .. } => format!(
                "fastcgi_pass `{raw}` (`{}`) matches no PHP-FPM pool",
                hop.text
            ),
            Via::Group { upstream, .. } => format!(
                "server `{}` of upstream `{}` matches no PHP-FPM pool",
                hop.text, cx.model.upstreams[*upstream].name
            ),
        };
        let mut d = META.diag(hop.token.file, hop.span, message);
        match &hop.via {
            Via::Direct => {}
            Via::Variables { sets } => {
                for s in sets {
                    let var = s.arg(0).unwrap_or_default().into_owned();
                    d = d.with_place(s.file, s.arg_span(1), format!("`{var}` set here"));
                }
            }
            Via::Group { .. } => {
                d = d.with_place(
                    hop.pass.file,
                    hop.pass.arg_span(0),
                    "the upstream group this fastcgi_pass uses",
                );
            }
        }
        // The closest pool, and the line that reaches it.
        let candidates = pools
            .iter()
            .filter(|(_, _, l)| !remote || listens_beyond_loopback(l));
        let mut closest: Option<(&FpmTree, &Pool, &Listen, (u8, f64))> = None;
        let mut count = 0;
        for &(t, p, l) in candidates {
            count += 1;
            let c = closeness(&hop.endpoint, l);
            if closest.as_ref().is_none_or(|b| c > b.3) {
                closest = Some((t, p, l, c));
            }
        }
        match closest {
            Some((t, p, l, _)) => {
                let address = match (&hop.endpoint, remote) {
                    (Endpoint::Inet { host, .. }, true) => {
                        let host = if host.contains(':') {
                            format!("[{host}]")
                        } else {
                            host.clone()
                        };
                        format!("{host}:{}", l.port().unwrap_or_default())
                    }
                    _ => nginx_address(l),
                };
                let line = match &hop.via {
                    Via::Variables { sets } if sets.len() == 1 && raw.trim() == sets_var(sets) => {
                        format!("set {} {address};", sets_var(sets))
                    }
                    Via::Group { server, .. } => {
                        let params: Vec<String> = server
                            .args()
                            .iter()
                            .skip(1)
                            .map(|a| a.to_string())
                            .collect();
                        if params.is_empty() {
                            format!("server {address};")
                        } else {
                            format!("server {address} {};", params.join(" "))
                        }
                    }
                    _ => format!("fastcgi_pass {address};"),
                };
                d = d.with_help(format!("use `{line}` (pool [{}])", p.name));
                // The address token (or the `set` value) pointed at the pool: exactly the help
                // when the stack has one pool to choose, a guess by closeness among several.
                let token = match &hop.via {
                    Via::Variables { sets } if sets.len() == 1 && raw.trim() == sets_var(sets) => {
                        Some((sets[0].file, sets[0].arg_span(1)))
                    }
                    Via::Variables { .. } => None,
                    _ => Some((hop.token.file, hop.span)),
                };
                if let Some((file, span)) = token {
                    let applicability = if count == 1 {
                        Applicability::Safe
                    } else {
                        Applicability::Unsafe
                    };
                    d = d.with_edits(Fix::new(
                        format!("Pass to pool [{}] at `{address}`", p.name),
                        applicability,
                        vec![Edit::replace(
                            file,
                            span,
                            ngxlint_engine::edit::word(&address),
                        )],
                    ));
                }
                if let Some(o) = &p.listen.origin {
                    let (file, span) = cx.fpm_span(t, o);
                    let written = p.listen.value.as_deref().unwrap_or_default();
                    d = d.with_place(
                        file,
                        span,
                        format!("pool [{}] listens on `{written}`", p.name),
                    );
                }
            }
            None => {
                if let Endpoint::Inet { port, .. } = &hop.endpoint {
                    d = d.with_help(format!(
                        "no pool of the project listens beyond loopback: set `listen = {port}` in the pool that serves this host"
                    ));
                }
            }
        }
        out.push(d);
    }
}

/// The variable of a single `set`.
fn sets_var(sets: &[ngxlint_engine::model::At<'_>]) -> String {
    sets.first()
        .and_then(|s| s.arg(0))
        .map(|v| v.into_owned())
        .unwrap_or_default()
}

impl Rule for FastcgiListenMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        // No FPM configuration in the project: nothing to compare with.
        if !cx.has_fpm() {
            return;
        }
        // Each nginx tree is compared with the pools of its own stack; trees share stacks.
        type StackPools<'a> = (Vec<(&'a FpmTree, &'a Pool, &'a Listen)>, HashSet<String>);
        let mut stacks: FastMap<&[usize], Option<StackPools<'_>>> = FastMap::default();
        let mut seen = HashSet::new();
        // Addresses without variables whose every hop matches a pool, by tree and address as
        // written: 1,200 locations pass to 40 sockets. A pass that reports nothing has nothing
        // to deduplicate either, so skipping it changes no output.
        let mut quiet: FastMap<(usize, &[u8]), bool> = FastMap::default();
        for (scope, at) in fastcgi_addresses(cx.model) {
            let tree = cx.model.scope(scope).tree;
            // A disabled site's pool may be gone with it: nginx never connects there.
            if cx.disabled_site(tree) {
                continue;
            }
            let stack = stacks.entry(cx.fpm_of(tree)).or_insert_with(|| {
                // A stack without FPM configuration (a static site beside a PHP one), or whose
                // pools listen where the environment says: nothing to compare with.
                if !cx.has_fpm_for(tree) {
                    return None;
                }
                let pools: Vec<(&FpmTree, &Pool, &Listen)> = cx
                    .pools_for(tree)
                    .filter_map(|(t, p)| p.listen_address.as_ref().map(|l| (t, p, l)))
                    .collect();
                let unix_paths: HashSet<String> = pools
                    .iter()
                    .filter_map(|(_, _, l)| match l {
                        Listen::Unix { path } => Some(normalize_socket_path(path)),
                        _ => None,
                    })
                    .collect();
                (!pools.is_empty()).then_some((pools, unix_paths))
            });
            let Some((pools, unix_paths)) = stack else {
                continue;
            };
            if let Some(w) = at.dir.args.first() {
                let raw = w.raw(at.src);
                if !raw.contains(&b'$') {
                    let tree = cx.model.scope(scope).tree;
                    let q = *quiet.entry((tree, raw)).or_insert_with(|| {
                        fastcgi_hops(cx.model, scope, &at)
                            .iter()
                            .all(|hop| self.mismatch(pools, unix_paths, &hop.endpoint).is_none())
                    });
                    if q {
                        continue;
                    }
                }
            }
            for hop in fastcgi_hops(cx.model, scope, &at) {
                if seen.insert((hop.token.file, hop.span, hop.text.clone())) {
                    self.check_hop(cx, pools, unix_paths, &hop, out);
                }
            }
        }
    }

    fn configure(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "check_remote" | "check-remote" => {
                self.check_remote = match value {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(format!(
                            "`check_remote` takes `true` or `false`, not `{value}`"
                        ))
                    }
                };
                Ok(())
            }
            _ => Err(format!(
                "`{}` has no option `{key}` (it has `check_remote`)",
                META.name
            )),
        }
    }
}
