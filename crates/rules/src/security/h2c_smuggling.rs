//! NGX407 `h2c-smuggling`: `proxy_set_header Upgrade $http_upgrade` with a `Connection` that asks
//! for the upgrade, on HTTP/1.1 to the upstream, in a server where another location refuses
//! clients (`deny`, `auth_basic`, `auth_request`, `internal`) in front of the same upstream.
//! Whatever protocol the client names is passed on; an application that speaks HTTP/2 over
//! cleartext answers `Upgrade: h2c` with 101, nginx turns the connection into a tunnel, and the
//! requests sent through it reach the application without nginx routing them: the guarded
//! location's rules no longer apply. Whether the application speaks h2c is not in the
//! configuration: info. Without such a guard the tunnel bypasses nothing nginx enforces, and the
//! WebSocket recipe is not reported.

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::model::{At, Model, PassModule, ScopeId, Target};
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
        // Compared as bytes: every `proxy_set_header` of the configuration comes through here.
        let header_is = |d: &At<'_>, name: &str| {
            d.dir
                .args
                .first()
                .is_some_and(|h| h.raw(d.src).eq_ignore_ascii_case(name.as_bytes()))
        };
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
        // A location of the same server that refuses clients in front of the same upstream.
        // The model's reading of the pass in effect (`http://app` and `http://app:80/x/` are
        // one upstream); an address with variables is known only at request time.
        let Some(target) = model
            .pass(scope)
            .filter(|p| p.module == PassModule::Proxy)
            .map(|p| &p.target)
            .filter(|t| !matches!(t, Target::Variable | Target::Unknown))
        else {
            return;
        };
        let Some(guarded) = guarded_location(model, scope, target) else {
            return;
        };
        let (guard, how) = guarded;
        out.push(
            META.diag(
                at.file,
                at.arg_span(1),
                format!("the client's `Upgrade` is passed on with `Connection` asking for it: a client that asks for `h2c` gets a tunnel to the application once it answers 101, and what it sends through the tunnel skips the `{how}` of `location {}`", guard.arg(guard.nargs().saturating_sub(1)).unwrap_or_default()),
            )
            .with_place(connection.file, connection.arg_span(1), "asks the upstream to switch protocols")
            .with_place(guard.file, guard.name_span(), format!("refuses clients with `{how}`, in front of the same upstream"))
            .with_help("pass WebSocket upgrades only: `map $http_upgrade $ws_upgrade { ~*^websocket$ websocket; default \"\"; }` and `proxy_set_header Upgrade $ws_upgrade;` (with a `Connection` that is `upgrade` only then); where no WebSocket is served, do not pass `Upgrade`"),
        );
    }
}

/// A location of the server around `scope` (not `scope`'s own) that refuses clients and passes
/// to `target`: its `location` directive and the refusing directive's name.
fn guarded_location<'p>(
    model: &'p Model<'p>,
    scope: ScopeId,
    target: &Target,
) -> Option<(At<'p>, &'static str)> {
    let own = model.location_of(scope);
    let server = model
        .chain(scope)
        .find(|&s| model.scope(s).kind == Context::HttpServer)?;
    let mut stack: Vec<ScopeId> = model.scope(server).children.clone();
    while let Some(id) = stack.pop() {
        stack.extend(model.scope(id).children.iter().copied());
        if model.scope(id).kind != Context::HttpLocation || Some(id) == own {
            continue;
        }
        let how = ["deny", "auth_basic", "auth_request", "internal"]
            .into_iter()
            .find(|n| {
                model
                    .here(id, n)
                    .any(|d| d.arg(0).as_deref() != Some("off"))
            });
        let Some(how) = how else { continue };
        // The tunnel's own location asks the same (`auth_request /oauth2/auth;` in both): a client
        // in the tunnel passed the check that guards the other location.
        if matches!(how, "auth_request" | "auth_basic") {
            let args = |s: ScopeId| model.effective(s, how).map(|(_, d)| d.args());
            if args(scope).is_some() && args(scope) == args(id) {
                continue;
            }
        }
        let same = model
            .pass(id)
            .is_some_and(|p| p.module == PassModule::Proxy && p.target == *target);
        if same {
            return model.scope(id).block.map(|b| (b, how));
        }
    }
    None
}
