//! NGX315 `resolver-external`: a `resolver` that is a public DNS server (`8.8.8.8`, `1.1.1.1`)
//! reached across the internet. nginx asks it over plain UDP; an answer forged on the way names
//! the address nginx then connects to for a `proxy_pass` host or an OCSP responder. Whether the
//! path is exposed is not in the configuration: info. Names and addresses of private, loopback
//! and link-local networks are left alone.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::model::{At, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX315",
    name: "resolver-external",
    severity: Severity::Info,
    summary: "a `resolver` that is a public DNS server across the internet",
    doc: include_str!("../../../../rules/NGX315.md"),
    family: Family::Security,
    default: Enabled::On,
    aliases: &["gixy:resolver_external"],
};

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct ResolverExternal;

impl Rule for ResolverExternal {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn directives(&self) -> &'static [&'static str] {
        &["resolver"]
    }

    fn on_directive(&self, _cx: &Cx<'_>, _scope: ScopeId, at: &At<'_>, out: &mut Vec<Diagnostic>) {
        // Parameters (`valid=30s`, `ipv6=off`, `status_zone=z`) follow the addresses.
        let public: Vec<(usize, String)> = at
            .args()
            .iter()
            .take_while(|a| !a.contains('='))
            .enumerate()
            .filter(|(_, a)| address(a).is_some_and(public))
            .map(|(i, a)| (i, a.to_string()))
            .collect();
        let Some((first, _)) = public.first() else {
            return;
        };
        let names: Vec<String> = public.iter().map(|(_, a)| format!("`{a}`")).collect();
        let (these, is) = if names.len() == 1 {
            ("a public DNS server", "is")
        } else {
            ("public DNS servers", "are")
        };
        out.push(
            META.diag(
                at.file,
                at.arg_span(*first),
                format!("{} {is} {these} across the internet, asked over plain UDP: an answer forged on the way chooses the address nginx connects to for the names it resolves", names.join(", ")),
            )
            .with_help("use a resolver on the host or the local network: `127.0.0.53` (systemd-resolved), `127.0.0.11` (Docker), the cloud network's own"),
        );
    }
}

/// The IP address of a resolver argument (`8.8.8.8`, `8.8.8.8:53`, `[2001:4860::8888]:53`).
fn address(a: &str) -> Option<IpAddr> {
    if let Ok(ip) = a.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = a.strip_prefix('[') {
        let (v6, _) = rest.split_once(']')?;
        return v6.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    let (host, port) = a.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<Ipv4Addr>().ok().map(IpAddr::V4)
}

/// Whether the address is on the public internet: not private, shared (CGNAT), loopback,
/// link-local, unspecified or documentation space.
fn public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_documentation()
                || v4.is_broadcast()
                || (a == 100 && (64..128).contains(&b))
                || a == 0)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8)
        }
    }
}
