//! FPM103 `fpm-allowed-clients`: a TCP pool whose `listen.allowed_clients` leaves out the address
//! nginx connects from (FACTS P2): php-fpm accepts the connection, logs `Connection disallowed:
//! IP address '%s' has been dropped.` and closes it; nginx answers 502. Only passes to a loopback
//! address are judged, where the connecting address is known: `127.0.0.1` and `::1` connect from
//! themselves, `localhost` from whichever of the two reaches the pool.

use std::collections::HashSet;
use std::net::IpAddr;

use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::fastcgi::{fastcgi_passes, is_localhost, reaches, Endpoint, Reach};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

use crate::reach::{where_from, Pools};

static META: RuleMeta = RuleMeta {
    code: "FPM103",
    name: "fpm-allowed-clients",
    severity: Severity::Error,
    summary: "PHP-FPM `listen.allowed_clients` that leaves out the address nginx connects from",
    doc: include_str!("../../../../rules/FPM103.md"),
    family: Family::Gateway,
    default: Enabled::On,
    aliases: &[],
};

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct FpmAllowedClients;

const V4: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
const V6: IpAddr = IpAddr::V6(std::net::Ipv6Addr::LOCALHOST);

/// The addresses nginx connects from when it reaches `listen` through `endpoint`, when known.
fn sources(endpoint: &Endpoint, listen: &fpm_ini::Listen) -> Vec<IpAddr> {
    let Endpoint::Inet { host, port } = endpoint else {
        return Vec::new();
    };
    let from = |ip: IpAddr| {
        let ep = Endpoint::Inet {
            host: ip.to_string(),
            port: *port,
        };
        reaches(&ep, listen) != Reach::No
    };
    if is_localhost(host) {
        return [V4, V6].into_iter().filter(|&ip| from(ip)).collect();
    }
    // Another 127.x address: the source the kernel picks is not in the configuration.
    match host.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
        Ok(ip) if ip == V4 || ip == V6 => vec![ip],
        _ => Vec::new(),
    }
}

/// php-fpm's check (`fcgi_is_allowed()`): an exact match, an IPv4 entry also matching the
/// IPv4-mapped address a `[::]` socket sees.
fn allowed(list: &[IpAddr], ip: IpAddr) -> bool {
    list.iter().any(|a| a.to_canonical() == ip.to_canonical())
}

impl Rule for FpmAllowedClients {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        if !cx.has_fpm() {
            return;
        }
        let pools = Pools::of(cx);
        if !pools
            .list
            .iter()
            .any(|p| p.pool.listen_allowed_clients.value.is_some())
        {
            return;
        }
        let mut done = HashSet::new();
        for (scope, pass) in fastcgi_passes(cx.model) {
            for (i, hop) in pools.reached_by(cx, scope, &pass) {
                let p = pools.list[i];
                let (Some(list), Some(origin)) = (
                    &p.pool.listen_allowed_clients.value,
                    p.pool.listen_allowed_clients.origin,
                ) else {
                    continue;
                };
                if done.contains(&i) {
                    continue;
                }
                let from = sources(&hop.endpoint, p.listen);
                if from.is_empty() {
                    continue;
                }
                // php-fpm splits on commas only: an entry with blanks is no address (FPM055).
                let ips: Vec<IpAddr> = list.iter().filter_map(|e| e.parse().ok()).collect();
                let refused: Vec<IpAddr> = from
                    .iter()
                    .copied()
                    .filter(|&ip| !allowed(&ips, ip))
                    .collect();
                // Refused on one family only (localhost): nginx tries the other address.
                if refused.len() != from.len() {
                    continue;
                }
                done.insert(i);
                let shown: Vec<String> = refused.iter().map(|ip| format!("`{ip}`")).collect();
                let (file, span) = cx.fpm_span(p.tree, &origin);
                let message = format!(
                    "pool [{}] drops connections from {}, {} nginx connects from: `listen.allowed_clients` does not list {}",
                    p.pool.name,
                    shown.join(" and "),
                    if refused.len() > 1 { "the addresses" } else { "the address" },
                    if refused.len() > 1 { "them" } else { "it" },
                );
                let mut fixed: Vec<String> = Vec::new();
                for e in list.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
                    if !fixed.iter().any(|f| f == e) {
                        fixed.push(e.to_string());
                    }
                }
                for ip in &refused {
                    let ip = ip.to_string();
                    if !fixed.contains(&ip) {
                        fixed.push(ip);
                    }
                }
                let d = META
                    .diag(file, span, message)
                    .with_related(
                        hop.token.file,
                        hop.span,
                        format!("{} connects to `{}`", where_from(&hop), hop.endpoint),
                    )
                    .with_help(format!(
                        "set `listen.allowed_clients = {}`",
                        fixed.join(",")
                    ))
                    // The list with nginx's address added, every entry kept: what the help says.
                    .with_fix(format!("Allow `{}`", refused[0]), span, fixed.join(","));
                out.push(d);
            }
        }
    }
}
