//! NGX110 `https-downgrade-redirect`: a TLS server that redirects to `http://` on its own host
//! (`return 301 http://$host$request_uri;`, a `rewrite ... http://$server_name/...`): the client
//! leaves HTTPS for the same site, and the next request — its cookies, its form data — crosses
//! the network in clear text, where a network attacker reads and rewrites it.
//!
//! Semgrep's `insecure-redirect` flags any redirect without an explicit `https://`; a relative
//! redirect keeps the request's scheme, so this rule reports only what leaves HTTPS: an
//! `http://` URL to the server's own host (`$host`, `$http_host`, `$server_name`, or one of its
//! `server_name`s) in a server that listens with TLS, outside an `if` that tests the scheme.

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::model::{At, Model, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};
use ngxlint_engine::vars::redirect_argument;

static META: RuleMeta = RuleMeta {
    code: "NGX110",
    name: "https-downgrade-redirect",
    severity: Severity::Warning,
    summary: "a TLS server that redirects to `http://` on its own host: the next request crosses the network in clear text",
    doc: include_str!("../../../../rules/NGX110.md"),
    family: Family::Security,
    default: Enabled::On,
    aliases: &["semgrep:insecure-redirect"],
};

/// The server a scope is in, and whether an `if` on the way tests the scheme.
fn server_of(model: &Model<'_>, scope: ScopeId) -> Option<(ScopeId, bool)> {
    let mut scheme_if = false;
    for id in model.chain(scope) {
        let s = model.scope(id);
        match s.kind {
            Context::HttpServer => return Some((id, scheme_if)),
            Context::HttpServerIf | Context::HttpLocationIf => {
                let tests = s.block.is_some_and(|b| {
                    b.args().iter().any(|a| {
                        let a = a.to_ascii_lowercase();
                        a.contains("$scheme") || a.contains("$https") || a.contains("$server_port")
                    })
                });
                scheme_if |= tests;
            }
            _ => {}
        }
    }
    None
}

/// Whether `host` (the URL's authority, up to the path) names the server itself.
fn own_host(host: &str, names: &[String]) -> bool {
    for var in [
        "$host",
        "${host}",
        "$http_host",
        "${http_host}",
        "$server_name",
        "${server_name}",
    ] {
        if let Some(rest) = host.strip_prefix(var) {
            if !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
                return true;
            }
        }
    }
    let literal = host
        .split([':', '$'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    !literal.is_empty() && names.contains(&literal)
}

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct HttpsDowngradeRedirect;

impl Rule for HttpsDowngradeRedirect {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn directives(&self) -> &'static [&'static str] {
        &["return", "rewrite"]
    }

    fn on_directive(&self, cx: &Cx<'_>, scope: ScopeId, at: &At<'_>, out: &mut Vec<Diagnostic>) {
        let Some(i) = redirect_argument(at) else {
            return;
        };
        let Some(url) = at.arg(i) else { return };
        let Some(rest) = url
            .get(..7)
            .filter(|p| p.eq_ignore_ascii_case("http://"))
            .and_then(|_| url.get(7..))
        else {
            return;
        };
        let model = cx.model;
        let Some((server, scheme_if)) = server_of(model, scope) else {
            return;
        };
        if scheme_if {
            return;
        }
        let tls = model
            .here(server, "listen")
            .any(|l| l.args().iter().skip(1).any(|a| a == "ssl" || a == "quic"))
            || model
                .effective(server, "ssl")
                .is_some_and(|(_, d)| d.arg(0).is_some_and(|v| v == "on"));
        if !tls {
            return;
        }
        let names: Vec<String> = model
            .here(server, "server_name")
            .flat_map(|d| d.args())
            .map(|n| n.to_ascii_lowercase())
            .filter(|n| !n.starts_with('~') && !n.contains('*'))
            .collect();
        let host = rest.split('/').next().unwrap_or("");
        if !own_host(host, &names) {
            return;
        }
        out.push(
            META.diag(
                at.file,
                at.arg_span(i),
                format!("this TLS server redirects to `{url}`: the client leaves HTTPS for its own host, and the next request, cookies and form data included, crosses the network in clear text"),
            )
            .with_help("redirect to `https://` (or to a path: a relative redirect keeps the request's scheme)"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::own_host;

    #[test]
    fn hosts() {
        let names = vec!["example.com".to_string()];
        assert!(own_host("$host$request_uri", &names));
        assert!(own_host("${host}", &names));
        assert!(own_host("$server_name", &names));
        assert!(own_host("example.com", &names));
        assert!(own_host("EXAMPLE.com:8080", &names));
        assert!(!own_host("$hostname", &names));
        assert!(!own_host("partner.example.net", &names));
    }
}
