//! NGX407 `h2c-smuggling`: `proxy_set_header Upgrade $http_upgrade` with a `Connection` that asks
//! for the upgrade, on HTTP/1.1 to the upstream. Whatever protocol the client names is passed on;
//! an application that speaks HTTP/2 over cleartext answers `Upgrade: h2c` with 101, nginx turns
//! the connection into a tunnel, and the requests the client sends through it reach the application
//! without nginx routing them: its locations, `deny` and authentication no longer apply. Whether the
//! application speaks h2c, and what nginx guards in front of it, is not in the configuration: info.

use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::model::{At, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX407",
    name: "h2c-smuggling",
    severity: Severity::Info,
    summary: "the client's `Upgrade` passed on: an `h2c` tunnel to the application skips nginx's locations and access rules",
    doc: include_str!("../../../../rules/NGX407.md"),
    family: Family::Security,
    default: Enabled::On,
    aliases: &["semgrep:possible-h2c-smuggling"],
};

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct H2cSmuggling;

impl Rule for H2cSmuggling {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn directives(&self) -> &'static [&'static str] {
        &["proxy_set_header"]
    }

    fn on_directive(&self, cx: &Cx<'_>, scope: ScopeId, at: &At<'_>, out: &mut Vec<Diagnostic>) {
        let header_is =
            |d: &At<'_>, name: &str| d.arg(0).is_some_and(|h| h.eq_ignore_ascii_case(name));
        if !header_is(at, "upgrade") {
            return;
        }
        // The client's own value, whatever protocol it names.
        if !at.arg(1).is_some_and(|v| {
            v.eq_ignore_ascii_case("$http_upgrade") || v.eq_ignore_ascii_case("${http_upgrade}")
        }) {
            return;
        }
        // `Connection` from the same list (a level's list replaces the inherited one whole).
        let model = cx.model;
        let Some(connection) = model
            .here(scope, "proxy_set_header")
            .filter(|d| header_is(d, "connection"))
            .last()
            .copied()
        else {
            return;
        };
        let value = connection.arg(1).unwrap_or_default().to_ascii_lowercase();
        // A literal without `upgrade` (`close`, `keep-alive`, empty): no upgrade is asked for.
        if !value.contains('$') && !value.contains("upgrade") {
            return;
        }
        // HTTP/1.0 to the upstream (nginx's default): an upgrade is not offered.
        if model.unset_in_fragment(scope, "proxy_http_version") {
            return;
        }
        let http11 = model
            .effective(scope, "proxy_http_version")
            .is_some_and(|(_, d)| d.arg(0).as_deref() == Some("1.1"));
        if !http11 {
            return;
        }
        out.push(
            META.diag(
                at.file,
                at.arg_span(1),
                "the client's `Upgrade` is passed on with `Connection` asking for it: a client that asks for `h2c` gets a tunnel to the application once it answers 101, and what it sends through the tunnel skips this server's locations, `deny` and authentication",
            )
            .with_place(connection.file, connection.arg_span(1), "asks the upstream to switch protocols")
            .with_help("pass WebSocket upgrades only: `map $http_upgrade $ws_upgrade { ~*^websocket$ websocket; default \"\"; }` and `proxy_set_header Upgrade $ws_upgrade;` (with a `Connection` that is `upgrade` only then); where no WebSocket is served, do not pass `Upgrade`"),
        );
    }
}
