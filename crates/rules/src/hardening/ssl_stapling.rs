//! NGX107 `ssl-stapling-without-resolver` and NGX108 `ssl-stapling-letsencrypt`: OCSP stapling
//! that cannot work as configured.
//!
//! nginx reads the OCSP responder's address from the certificate (or `ssl_stapling_responder`)
//! when it loads the configuration, looking its name up once through the system resolver; each
//! refresh of the staple then asks the `resolver` in effect for the server. With none, nginx logs
//! `no resolver defined to resolve NAME` (a `[warn]` while it still has the start-up addresses, an
//! error and no staple when it has none) and keeps connecting to the addresses it found at start
//! (`ngx_ssl_ocsp_request()` in `src/event/ngx_event_openssl_stapling.c`). A responder that is an
//! IP address, or a staple read from `ssl_stapling_file`, needs no resolver.
//!
//! Let's Encrypt stopped putting an OCSP responder URL into its certificates on 7 May 2025 and
//! turned its responders off on 6 August 2025, when the last certificate with one had expired
//! (letsencrypt.org, "OCSP Service Has Reached End of Life"). For such a certificate nginx logs
//! `"ssl_stapling" ignored, no OCSP responder URL in the certificate` at every start and staples
//! nothing (`ngx_ssl_stapling_responder()`).

use std::net::IpAddr;

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::model::{At, Model, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static WITHOUT_RESOLVER: RuleMeta = RuleMeta {
    code: "NGX107",
    name: "ssl-stapling-without-resolver",
    severity: Severity::Warning,
    summary: "`ssl_stapling on` with no `resolver` for the OCSP responder's name: nginx keeps the address it found at start",
    doc: include_str!("../../../../rules/NGX107.md"),
    family: Family::Hardening,
    default: Enabled::On,
    aliases: &["gixy:ssl_stapling_without_resolver"],
};

static LETSENCRYPT: RuleMeta = RuleMeta {
    code: "NGX108",
    name: "ssl-stapling-letsencrypt",
    severity: Severity::Info,
    summary: "`ssl_stapling on` with a Let's Encrypt certificate, which has no OCSP responder since 2025: nginx staples nothing",
    doc: include_str!("../../../../rules/NGX108.md"),
    family: Family::Hardening,
    default: Enabled::On,
    aliases: &["gixy:ssl_stapling_letsencrypt"],
};

/// What stapling meets in one server.
enum Stapling {
    /// No certificate, certificates chosen by variables, a staple from a file, or a parent
    /// outside the file that may set what is missing: nothing to say.
    Fine,
    /// A certificate from Let's Encrypt's usual folders (certbot's `/etc/letsencrypt/`).
    Letsencrypt,
    /// The responder is a name and no `resolver` is in effect.
    NoResolver,
}

/// The servers an `ssl_stapling on` at `scope` applies to: the server it stands in, or those of
/// the `http` block that do not set their own.
fn servers(model: &Model<'_>, scope: ScopeId, at: &At<'_>) -> Vec<ScopeId> {
    match model.scope(scope).kind {
        Context::HttpServer => vec![scope],
        Context::Http => model
            .scope(scope)
            .children
            .iter()
            .copied()
            .filter(|&s| model.scope(s).kind == Context::HttpServer)
            .filter(|&s| {
                model
                    .effective(s, "ssl_stapling")
                    .is_some_and(|(_, d)| std::ptr::eq(d.dir, at.dir))
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether a responder URL's host is an IP address (`http://192.0.2.1:8080/ocsp`,
/// `http://[2001:db8::1]/`).
fn responder_is_address(url: &str) -> bool {
    let Some(rest) = url
        .get(..7)
        .filter(|p| p.eq_ignore_ascii_case("http://"))
        .and_then(|_| url.get(7..))
    else {
        // nginx ignores stapling with a warning of its own for another scheme.
        return true;
    };
    let authority = rest.split('/').next().unwrap_or("");
    if let Some(v6) = authority
        .strip_prefix('[')
        .and_then(|a| a.split(']').next())
    {
        return v6.parse::<IpAddr>().is_ok();
    }
    let host = authority.split(':').next().unwrap_or("");
    host.parse::<IpAddr>().is_ok()
}

fn judge(model: &Model<'_>, server: ScopeId) -> Stapling {
    if model.in_fragment(server) || model.effective(server, "ssl_stapling_file").is_some() {
        return Stapling::Fine;
    }
    let Some((_, certs)) = model.effective_list(server, "ssl_certificate") else {
        return Stapling::Fine;
    };
    let paths: Vec<String> = certs
        .iter()
        .filter_map(|c| c.arg(0).map(|p| p.into_owned()))
        .collect();
    if paths.is_empty() || paths.iter().any(|p| p.contains('$')) {
        return Stapling::Fine;
    }
    if paths
        .iter()
        .any(|p| p.to_ascii_lowercase().contains("letsencrypt/"))
    {
        return Stapling::Letsencrypt;
    }
    if model.effective(server, "resolver").is_some() {
        return Stapling::Fine;
    }
    match model
        .effective(server, "ssl_stapling_responder")
        .and_then(|(_, d)| d.arg(0))
    {
        Some(url) if responder_is_address(&url) => Stapling::Fine,
        _ => Stapling::NoResolver,
    }
}

/// For an `ssl_stapling on`, the first server it applies to that is in the given state.
fn stapled(
    cx: &Cx<'_>,
    scope: ScopeId,
    at: &At<'_>,
    want: fn(&Stapling) -> bool,
) -> Option<ScopeId> {
    if !at.arg(0).is_some_and(|a| a.eq_ignore_ascii_case("on")) {
        return None;
    }
    servers(cx.model, scope, at)
        .into_iter()
        .find(|&s| want(&judge(cx.model, s)))
}

/// NGX107.
#[derive(Debug, Clone, Default)]
pub struct SslStaplingWithoutResolver;

impl Rule for SslStaplingWithoutResolver {
    fn meta(&self) -> &'static RuleMeta {
        &WITHOUT_RESOLVER
    }

    fn directives(&self) -> &'static [&'static str] {
        &["ssl_stapling"]
    }

    fn on_directive(&self, cx: &Cx<'_>, scope: ScopeId, at: &At<'_>, out: &mut Vec<Diagnostic>) {
        let Some(server) = stapled(cx, scope, at, |s| matches!(s, Stapling::NoResolver)) else {
            return;
        };
        let responder = cx
            .model
            .effective(server, "ssl_stapling_responder")
            .and_then(|(_, d)| d.arg(0))
            .map(|u| format!("`{u}`"))
            .unwrap_or_else(|| "the certificate's OCSP responder".to_string());
        out.push(
            WITHOUT_RESOLVER
                .diag(
                    at.file,
                    at.head_span(),
                    format!("`ssl_stapling on` with no `resolver` in effect: nginx looks {responder} up once, at start, logs `no resolver defined to resolve` at each refresh of the staple, and keeps asking the address it found then"),
                )
                .with_help("add `resolver ADDRESS valid=300s;` (your DNS server) to this server or the `http` block"),
        );
    }
}

/// NGX108.
#[derive(Debug, Clone, Default)]
pub struct SslStaplingLetsencrypt;

impl Rule for SslStaplingLetsencrypt {
    fn meta(&self) -> &'static RuleMeta {
        &LETSENCRYPT
    }

    fn directives(&self) -> &'static [&'static str] {
        &["ssl_stapling"]
    }

    fn on_directive(&self, cx: &Cx<'_>, scope: ScopeId, at: &At<'_>, out: &mut Vec<Diagnostic>) {
        if stapled(cx, scope, at, |s| matches!(s, Stapling::Letsencrypt)).is_none() {
            return;
        }
        out.push(
            LETSENCRYPT
                .diag(
                    at.file,
                    at.head_span(),
                    "`ssl_stapling on` with a Let's Encrypt certificate: they carry no OCSP responder since May 2025, so nginx logs `\"ssl_stapling\" ignored, no OCSP responder URL in the certificate` and staples nothing",
                )
                .with_help("remove `ssl_stapling` and `ssl_stapling_verify`: clients check Let's Encrypt certificates through its CRLs"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::responder_is_address;

    #[test]
    fn responder_hosts() {
        assert!(responder_is_address("http://192.0.2.1/"));
        assert!(responder_is_address("HTTP://192.0.2.1:8080/ocsp"));
        assert!(responder_is_address("http://[2001:db8::1]:80/"));
        assert!(!responder_is_address("http://ocsp.example.com/"));
        assert!(!responder_is_address("http://ocsp.example.com:8080"));
        // Another scheme: nginx ignores stapling and says so itself.
        assert!(responder_is_address("https://ocsp.example.com/"));
    }
}
