//! NGX320 `proxy-pass-uri-normalized` (opt-in): a literal `proxy_pass` with a URI part in a prefix
//! location. nginx then builds the upstream's path from the request's path as it decoded and
//! normalized it — `%2F` becomes `/`, `%2e%2e` and `..` segments are resolved, `//` merged — not
//! from the bytes the client sent. An application that needs the path as written (an encoded `/`
//! inside a name, a signature over the raw path) gets another one; one that matches paths more
//! loosely than nginx sees paths nginx never showed its locations. Whether the application cares is
//! not in the configuration, and stripping a prefix this way is what most configurations want: an
//! opinion, opt-in.

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::matching::{loc_kind_and_name, LocKind};
use ngxlint_engine::model::{At, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX320",
    name: "proxy-pass-uri-normalized",
    severity: Severity::Info,
    summary: "`proxy_pass` with a URI part: the upstream gets the path decoded and normalized, not as sent",
    doc: include_str!("../../../../rules/NGX320.md"),
    family: Family::Hardening,
    default: Enabled::OptIn,
    aliases: &["gixy:proxy_pass_normalized", "nginx-lint:proxy-pass-with-uri"],
};

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct ProxyPassUriNormalized;

impl Rule for ProxyPassUriNormalized {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn directives(&self) -> &'static [&'static str] {
        &["proxy_pass"]
    }

    fn on_directive(&self, cx: &Cx<'_>, scope: ScopeId, at: &At<'_>, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        // nginx's own location only (not `if`, `limit_except`: a URI part is refused there), and
        // a prefix one (`=` replaces the whole path by the URI part; a regex one refuses it).
        if model.scope(scope).kind != Context::HttpLocation {
            return;
        }
        let Some(block) = model.scope(scope).block else {
            return;
        };
        if !matches!(
            loc_kind_and_name(&block),
            Some((LocKind::Prefix | LocKind::NoRegex, _))
        ) {
            return;
        }
        let Some(target) = at.arg(0) else { return };
        // With variables nginx passes what they hold, not the replaced path.
        if target.contains('$') {
            return;
        }
        let Some(uri) = uri_part(&target) else { return };
        // A `rewrite … break` here makes nginx pass the rewritten path whole instead.
        if model.here(scope, "rewrite").next().is_some() {
            return;
        }
        out.push(
            META.diag(
                at.file,
                at.arg_span(0),
                format!("`proxy_pass` has a URI part (`{uri}`): nginx sends the upstream the request's path decoded and normalized (`%2F` as `/`, `..` resolved, `//` merged), not as the client sent it"),
            )
            .with_help("where the application needs the path as sent, pass without a URI part (`proxy_pass http://backend;`) and strip the prefix in the application, or pass `$request_uri`"),
        );
    }
}

/// The URI part of a pass address (`http://b:8080/api/` → `/api/`; a unix socket's after its
/// path: `http://unix:/run/app.sock:/api/` → `/api/`).
fn uri_part(target: &str) -> Option<&str> {
    let rest = target.split_once("://")?.1;
    let rest = match rest.strip_prefix("unix:") {
        Some(socket) => socket.split_once(':')?.1,
        None => rest.get(rest.find('/')?..)?,
    };
    (!rest.is_empty()).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::uri_part;

    #[test]
    fn the_uri_part_is_what_follows_the_address() {
        assert_eq!(uri_part("http://b/"), Some("/"));
        assert_eq!(uri_part("http://b:8080/api/"), Some("/api/"));
        assert_eq!(uri_part("http://unix:/run/app.sock:/api/"), Some("/api/"));
        assert_eq!(uri_part("http://b"), None);
        assert_eq!(uri_part("http://b:8080"), None);
        assert_eq!(uri_part("http://unix:/run/app.sock"), None);
        assert_eq!(uri_part("http://unix:/run/app.sock:"), None);
    }
}
